/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _LtServer LtServer;

#define LT_TYPE_SERVER_CONNECTION (lt_server_connection_get_type ())
G_DECLARE_FINAL_TYPE (LtServerConnection, lt_server_connection, LT, SERVER_CONNECTION, GObject)

LtServerConnection *lt_server_connection_new (LtServer   *server,
                                              GIOStream  *stream,
                                              const char *address);
void lt_server_connection_start (LtServerConnection *self);
const char *lt_server_connection_get_address (LtServerConnection *self);
const char *lt_server_connection_get_username (LtServerConnection *self);
void lt_server_connection_set_username (LtServerConnection *self,
                                        const char         *username);
gboolean lt_server_connection_send (LtServerConnection *self,
                                    GBytes             *frame);
gsize lt_server_connection_get_queued (LtServerConnection *self);
gboolean lt_server_connection_is_closed (LtServerConnection *self);
void lt_server_connection_close (LtServerConnection *self,
                                 const char         *bye_reason);
void lt_server_connection_abort (LtServerConnection *self);
void lt_server_connection_check_timeouts (LtServerConnection *self,
                                          gint64              now);

G_END_DECLS
