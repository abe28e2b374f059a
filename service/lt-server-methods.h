/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The protocol's methods, one handler each (docs/PROTOCOL.md). */
#pragma once

#include "lt-server-request.h"

G_BEGIN_DECLS

typedef void (*LtServerMethodFunc) (LtServerRequest *request);

/* What an item of a page looks like in a result. */
typedef JsonObject *(*LtServerObjectFunc) (gconstpointer item);

typedef struct
{
  const char *name;
  LtServerMethodFunc func;
  gboolean needs_login;
} LtServerMethod;

const LtServerMethod *lt_server_method_lookup (const char *name);

/* lt-server-accounts.c */
void lt_server_method_register (LtServerRequest *request);
void lt_server_method_login (LtServerRequest *request);
void lt_server_method_logout (LtServerRequest *request);
void lt_server_method_change_password (LtServerRequest *request);
void lt_server_method_reset_password (LtServerRequest *request);
void lt_server_method_reset_password_confirm (LtServerRequest *request);
void lt_server_method_ping (LtServerRequest *request);

/* lt-server-chat.c */
typedef GPtrArray *(*LtServerListFunc) (LtStore    *store,
                                        const char *username,
                                        const char *with,
                                        gint64      before,
                                        guint       limit,
                                        gboolean   *more,
                                        GError    **error);

void lt_server_method_send (LtServerRequest *request);
void lt_server_method_ack (LtServerRequest *request);
void lt_server_method_history (LtServerRequest *request);
void lt_server_method_who (LtServerRequest *request);
void lt_server_push_pending (LtServer           *server,
                             LtServerConnection *connection);
gboolean lt_server_check_conversation (const char *with,
                                       const char *field,
                                       GError    **error);
JsonObject *lt_server_message_header (const LtMessage *message);
void lt_server_list_conversation (LtServerRequest   *request,
                                  LtServerListFunc   list,
                                  const char        *member,
                                  LtServerObjectFunc to_object);

/* lt-server-files.c */
void lt_server_method_file_offer (LtServerRequest *request);
void lt_server_method_file_entries_add (LtServerRequest *request);
void lt_server_method_file_resume (LtServerRequest *request);
void lt_server_method_file_cancel (LtServerRequest *request);
void lt_server_method_file_accept (LtServerRequest *request);
void lt_server_method_file_reject (LtServerRequest *request);
void lt_server_method_file_entries (LtServerRequest *request);
void lt_server_method_file_list (LtServerRequest *request);
void lt_server_announce_file (LtServer        *server,
                              const LtMessage *announcement);
JsonObject *lt_server_file_object (const LtFile *file);
GBytes *lt_server_file_offered_frame (const LtMessage *announcement,
                                      gboolean         offline);

/* lt-server-rooms.c */
void lt_server_method_room_create (LtServerRequest *request);
void lt_server_method_room_join (LtServerRequest *request);
void lt_server_method_room_leave (LtServerRequest *request);
void lt_server_method_room_list (LtServerRequest *request);

/* lt-server-friends.c */
void lt_server_method_friend_add (LtServerRequest *request);
void lt_server_method_friend_remove (LtServerRequest *request);
void lt_server_method_friend_list (LtServerRequest *request);
void lt_server_method_user_find (LtServerRequest *request);

/* Shared by the handlers. */
JsonObject *lt_server_user_object (const char *username,
                                   const char *nickname);
JsonArray *lt_server_online_array (LtServer   *server,
                                   const char *room);
gboolean lt_server_check_password (const char *field,
                                   const char *password,
                                   GError    **error);
gboolean lt_server_get_strings (JsonObject *params,
                                GError    **error,
                                ...) G_GNUC_NULL_TERMINATED;
void lt_server_send_to_conversation (LtServer   *server,
                                     const char *from,
                                     const char *to,
                                     GBytes     *frame);
gpointer lt_server_job_lookup_user (LtStore *store,
                                    gpointer data,
                                    GError **error);
void lt_server_request_return_page (LtServerRequest   *request,
                                    const char        *member,
                                    GPtrArray         *items,
                                    LtServerObjectFunc to_object,
                                    gboolean           more);
void lt_server_request_return_bool_job (LtServerRequest *request,
                                        gpointer         result,
                                        const GError    *error);

G_END_DECLS
