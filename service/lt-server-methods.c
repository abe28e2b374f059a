/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "lt-server-methods.h"

#include "lt-json.h"

#include <stdarg.h>
#include <string.h>

static const LtServerMethod methods[] = {
  { "register", lt_server_method_register, FALSE },
  { "login", lt_server_method_login, FALSE },
  { "logout", lt_server_method_logout, TRUE },
  { "change_password", lt_server_method_change_password, FALSE },
  { "reset_password", lt_server_method_reset_password, FALSE },
  { "reset_password_confirm", lt_server_method_reset_password_confirm, FALSE },
  { "ping", lt_server_method_ping, FALSE },
  { "send", lt_server_method_send, TRUE },
  { "ack", lt_server_method_ack, TRUE },
  { "history", lt_server_method_history, TRUE },
  { "who", lt_server_method_who, TRUE },
  { "room_create", lt_server_method_room_create, TRUE },
  { "room_join", lt_server_method_room_join, TRUE },
  { "room_leave", lt_server_method_room_leave, TRUE },
  { "room_list", lt_server_method_room_list, TRUE },
  { "friend_add", lt_server_method_friend_add, TRUE },
  { "friend_remove", lt_server_method_friend_remove, TRUE },
  { "friend_list", lt_server_method_friend_list, TRUE },
  { "user_find", lt_server_method_user_find, TRUE },
  { "file_offer", lt_server_method_file_offer, TRUE },
  { "file_entries_add", lt_server_method_file_entries_add, TRUE },
  { "file_resume", lt_server_method_file_resume, TRUE },
  { "file_cancel", lt_server_method_file_cancel, TRUE },
  { "file_accept", lt_server_method_file_accept, TRUE },
  { "file_reject", lt_server_method_file_reject, TRUE },
  { "file_entries", lt_server_method_file_entries, TRUE },
  { "file_list", lt_server_method_file_list, TRUE },
};

const LtServerMethod *
lt_server_method_lookup (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (methods); i++)
    {
      if (strcmp (methods[i].name, name) == 0)
        return &methods[i];
    }

  return NULL;
}

JsonObject *
lt_server_user_object (const char *username,
                       const char *nickname)
{
  JsonObject *object = json_object_new ();

  json_object_set_string_member (object, "username", username);
  json_object_set_string_member (object, "nickname", nickname);
  return object;
}

/* [{username, nickname}] of the online users (of @room when given). */
JsonArray *
lt_server_online_array (LtServer   *server,
                        const char *room)
{
  g_autoptr(GPtrArray) sessions = lt_server_list_online (server, room);
  JsonArray *array = json_array_sized_new (sessions->len);

  for (guint i = 0; i < sessions->len; i++)
    {
      LtSession *session = g_ptr_array_index (sessions, i);

      json_array_add_object_element (array,
                                     lt_server_user_object (session->username, session->nickname));
    }

  return array;
}

/* The rules for a new password, checked before any hashing. */
gboolean
lt_server_check_password (const char *field,
                          const char *password,
                          GError    **error)
{
  if (strlen (password) > LT_MAX_PASSWORD_BYTES)
    g_set_error (error, LT_PROTOCOL_ERROR, LT_PROTOCOL_ERROR_INVALID_PARAMS,
                 "\"%s\" is longer than %d bytes", field, LT_MAX_PASSWORD_BYTES);
  else if (g_utf8_strlen (password, -1) < LT_MIN_PASSWORD_CHARS)
    g_set_error (error, LT_PROTOCOL_ERROR, LT_PROTOCOL_ERROR_INVALID_PARAMS,
                 "\"%s\" needs at least %d characters", field, LT_MIN_PASSWORD_CHARS);
  else
    return TRUE;

  return FALSE;
}

/* A job's done-callback for jobs whose success is all there is to say. */
void
lt_server_request_return_bool_job (LtServerRequest *request,
                                   gpointer         result,
                                   const GError    *error)
{
  if (error != NULL)
    lt_server_request_return_error (request, error);
  else
    lt_server_request_return (request, NULL);
}

/* Answers with a page: {@member: [each of @items], "more": @more}. */
void
lt_server_request_return_page (LtServerRequest   *request,
                               const char        *member,
                               GPtrArray         *items,
                               LtServerObjectFunc to_object,
                               gboolean           more)
{
  JsonArray *array = json_array_sized_new (items->len);
  JsonObject *reply = json_object_new ();

  for (guint i = 0; i < items->len; i++)
    json_array_add_object_element (array, to_object (g_ptr_array_index (items, i)));

  json_object_set_array_member (reply, member, array);
  json_object_set_boolean_member (reply, "more", more);
  lt_server_request_return (request, reply);
}

/**
 * lt_server_get_strings:
 * @...: pairs of a member name and a `const char **`, then %NULL
 *
 * Reads required string parameters; the first missing or mistyped one
 * is an invalid_params error.
 */
gboolean
lt_server_get_strings (JsonObject *params,
                       GError    **error,
                       ...)
{
  const char *name;
  gboolean ok = TRUE;
  va_list args;

  va_start (args, error);
  while (ok && (name = va_arg (args, const char *)) != NULL)
    ok = lt_json_get_string (params, name, TRUE, va_arg (args, const char **), error);
  va_end (args);

  return ok;
}

/* Sends @frame where a message from @from to @to goes: to the online
 * members of a room, or to both users (once when they are the same). */
void
lt_server_send_to_conversation (LtServer   *server,
                                const char *from,
                                const char *to,
                                GBytes     *frame)
{
  if (to[0] == '#')
    {
      lt_server_send_to_room (server, to, frame);
      return;
    }

  lt_server_send_to_user (server, to, frame);
  if (g_strcmp0 (to, from) != 0)
    lt_server_send_to_user (server, from, frame);
}

/* A store job: the user named by @data, or NULL. */
gpointer
lt_server_job_lookup_user (LtStore *store,
                           gpointer data,
                           GError **error)
{
  return lt_store_lookup_user (store, data, error);
}
