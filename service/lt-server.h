/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "lt-server-config.h"

G_BEGIN_DECLS

#define LT_TYPE_SERVER (lt_server_get_type ())
G_DECLARE_FINAL_TYPE (LtServer, lt_server, LT, SERVER, GObject)

LtServer *lt_server_new (const LtServerConfig *config,
                         GError              **error);
gboolean lt_server_start (LtServer *self,
                          GError  **error);
char *lt_server_dup_address (LtServer *self);
char *lt_server_dup_address_with_port (LtServer *self,
                                       guint16   port);
guint16 lt_server_get_http_port (LtServer *self);
void lt_server_shutdown_async (LtServer           *self,
                               GAsyncReadyCallback callback,
                               gpointer            user_data);
gboolean lt_server_shutdown_finish (LtServer     *self,
                                    GAsyncResult *result,
                                    GError      **error);

G_END_DECLS
