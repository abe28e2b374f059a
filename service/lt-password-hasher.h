/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define LT_TYPE_PASSWORD_HASHER (lt_password_hasher_get_type ())
G_DECLARE_FINAL_TYPE (LtPasswordHasher, lt_password_hasher, LT, PASSWORD_HASHER, GObject)

LtPasswordHasher *lt_password_hasher_new (guint threads,
                                          guint max_pending);
void lt_password_hasher_hash_async (LtPasswordHasher   *self,
                                    const char         *password,
                                    GAsyncReadyCallback callback,
                                    gpointer            user_data);
char *lt_password_hasher_hash_finish (LtPasswordHasher *self,
                                      GAsyncResult     *result,
                                      GError          **error);
void lt_password_hasher_verify_async (LtPasswordHasher   *self,
                                      const char         *hash,
                                      const char         *password,
                                      GAsyncReadyCallback callback,
                                      gpointer            user_data);
gboolean lt_password_hasher_verify_finish (LtPasswordHasher *self,
                                           GAsyncResult     *result,
                                           gboolean         *needs_rehash,
                                           GError          **error);
const char *lt_password_hasher_get_dummy_hash (LtPasswordHasher *self);

G_END_DECLS
