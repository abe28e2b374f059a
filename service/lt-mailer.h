/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define LT_TYPE_MAILER (lt_mailer_get_type ())
G_DECLARE_FINAL_TYPE (LtMailer, lt_mailer, LT, MAILER, GObject)

LtMailer *lt_mailer_new (const char *mail_command,
                         const char *outbox_dir);
char *lt_mailer_compose (const char *to,
                         const char *subject,
                         const char *body);
void lt_mailer_send_async (LtMailer           *self,
                           const char         *to,
                           const char         *tag,
                           const char         *subject,
                           const char         *body,
                           GAsyncReadyCallback callback,
                           gpointer            user_data);
gboolean lt_mailer_send_finish (LtMailer     *self,
                                GAsyncResult *result,
                                GError      **error);

G_END_DECLS
