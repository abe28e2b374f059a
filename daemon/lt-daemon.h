/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "lt-daemon-cache.h"

G_BEGIN_DECLS

/**
 * LtDaemonState:
 * @LT_DAEMON_STATE_OFFLINE: not logged in, or given up
 * @LT_DAEMON_STATE_CONNECTING: connecting, or waiting to reconnect
 * @LT_DAEMON_STATE_CONNECTED: connected, logging in
 * @LT_DAEMON_STATE_LOGGED_IN: logged in
 */
typedef enum
{
  LT_DAEMON_STATE_OFFLINE,
  LT_DAEMON_STATE_CONNECTING,
  LT_DAEMON_STATE_CONNECTED,
  LT_DAEMON_STATE_LOGGED_IN,
} LtDaemonState;

#define LT_TYPE_DAEMON_STATE (lt_daemon_state_get_type ())
GType lt_daemon_state_get_type (void);
const char *lt_daemon_state_to_string (LtDaemonState state);

#define LT_TYPE_DAEMON (lt_daemon_get_type ())
G_DECLARE_FINAL_TYPE (LtDaemon, lt_daemon, LT, DAEMON, GObject)

LtDaemon *lt_daemon_new (const char *server);
gboolean lt_daemon_check_server (const char *server,
                                 GError    **error);
LtDaemonState lt_daemon_get_state (LtDaemon *self);
const char *lt_daemon_get_server (LtDaemon *self);
void lt_daemon_set_server (LtDaemon   *self,
                           const char *server);
void lt_daemon_set_use_tls (LtDaemon *self,
                            gboolean  use_tls);
void lt_daemon_set_tls_ca_file (LtDaemon   *self,
                                const char *path);
gboolean lt_daemon_get_use_tls (LtDaemon *self);
GTlsDatabase *lt_daemon_get_tls_database (LtDaemon *self);
char *lt_daemon_dup_http_base (LtDaemon *self);
const char *lt_daemon_get_username (LtDaemon *self);
const char *lt_daemon_get_nickname (LtDaemon *self);
const char *lt_daemon_get_last_error (LtDaemon *self);
void lt_daemon_login_async (LtDaemon           *self,
                            const char         *username,
                            const char         *password,
                            GCancellable       *cancellable,
                            GAsyncReadyCallback callback,
                            gpointer            user_data);
gboolean lt_daemon_login_finish (LtDaemon     *self,
                                 GAsyncResult *result,
                                 GError      **error);
void lt_daemon_logout (LtDaemon *self);
void lt_daemon_reconnect_now (LtDaemon *self);
void lt_daemon_call_async (LtDaemon           *self,
                           const char         *method,
                           JsonObject         *params,
                           GCancellable       *cancellable,
                           GAsyncReadyCallback callback,
                           gpointer            user_data);
JsonObject *lt_daemon_call_finish (LtDaemon     *self,
                                   GAsyncResult *result,
                                   GError      **error);
void lt_daemon_send_message_async (LtDaemon           *self,
                                   const char         *to,
                                   const char         *text,
                                   GCancellable       *cancellable,
                                   GAsyncReadyCallback callback,
                                   gpointer            user_data);
guint64 lt_daemon_send_message_finish (LtDaemon     *self,
                                       GAsyncResult *result,
                                       GError      **error);
void lt_daemon_set_focused (LtDaemon   *self,
                            const char *conversation);
const char *lt_daemon_get_focused (LtDaemon *self);
gboolean lt_daemon_get_catching_up (LtDaemon *self);
void lt_daemon_mark_read_async (LtDaemon           *self,
                                const char         *conversation,
                                GCancellable       *cancellable,
                                GAsyncReadyCallback callback,
                                gpointer            user_data);
gboolean lt_daemon_mark_read_finish (LtDaemon     *self,
                                     GAsyncResult *result,
                                     GError      **error);
LtDaemonCache *lt_daemon_get_cache (LtDaemon *self);
void lt_daemon_get_history_async (LtDaemon           *self,
                                  const char         *with,
                                  guint64             before,
                                  guint               limit,
                                  GCancellable       *cancellable,
                                  GAsyncReadyCallback callback,
                                  gpointer            user_data);
GVariant *lt_daemon_get_history_finish (LtDaemon     *self,
                                        GAsyncResult *result,
                                        GError      **error);

G_END_DECLS
