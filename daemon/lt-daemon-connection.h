/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define LT_TYPE_DAEMON_CONNECTION (lt_daemon_connection_get_type ())
G_DECLARE_FINAL_TYPE (LtDaemonConnection, lt_daemon_connection, LT, DAEMON_CONNECTION, GObject)

LtDaemonConnection *lt_daemon_connection_new (const char   *server,
                                              gboolean      tls,
                                              GTlsDatabase *tls_database);
gboolean lt_daemon_connection_is_connected (LtDaemonConnection *self);
int lt_daemon_connection_get_http_port (LtDaemonConnection *self);

void lt_daemon_connection_connect_async (LtDaemonConnection  *self,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data);
gboolean lt_daemon_connection_connect_finish (LtDaemonConnection  *self,
                                              GAsyncResult        *result,
                                              GError             **error);

void lt_daemon_connection_call_async (LtDaemonConnection  *self,
                                      const char          *method,
                                      JsonObject          *params,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data);
JsonObject *lt_daemon_connection_call_finish (LtDaemonConnection  *self,
                                              GAsyncResult        *result,
                                              GError             **error);

void lt_daemon_connection_check (LtDaemonConnection *self);
void lt_daemon_connection_close (LtDaemonConnection *self);

G_END_DECLS
