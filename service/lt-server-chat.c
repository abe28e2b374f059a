/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Chat: send, ack, history, who, and the push of offline messages. */
#include "config.h"

#include "lt-json.h"
#include "lt-server-methods.h"

/* Offline messages are pushed a page at a time, each page once the
 * connection's queue has drained below a quarter of its limit. */
#define PENDING_PAGE 256
#define PENDING_POLL_MS 20

/* @with (the param @field) names a conversation: a username or a room. */
gboolean
lt_server_check_conversation (const char *with,
                              const char *field,
                              GError    **error)
{
  if (lt_protocol_is_valid_username (with) || lt_protocol_is_valid_room (with))
    return TRUE;

  g_set_error (error, LT_PROTOCOL_ERROR, LT_PROTOCOL_ERROR_INVALID_PARAMS,
               "\"%s\" must be a username or a #room", field);
  return FALSE;
}

/* The members of every message and file_offered notification. */
JsonObject *
lt_server_message_header (const LtMessage *message)
{
  JsonObject *object = json_object_new ();

  json_object_set_int_member (object, "id", message->id);
  json_object_set_int_member (object, "ts", message->ts);
  json_object_set_string_member (object, "from", message->from);
  json_object_set_string_member (object, "nickname", message->nickname);
  json_object_set_string_member (object, "to", message->to);
  return object;
}

/* A message as history shows it; a file's announcement has its file. */
static JsonObject *
message_object (const LtMessage *message)
{
  JsonObject *object = lt_server_message_header (message);

  json_object_set_string_member (object, "text", message->text);
  if (message->file != NULL)
    json_object_set_object_member (object, "file", lt_server_file_object (message->file));
  return object;
}

/* A file's announcement is pushed as the file_offered it was live. */
static GBytes *
message_frame (const LtMessage *message,
               gboolean         offline)
{
  g_autoptr(JsonObject) params = NULL;

  if (message->file != NULL)
    return lt_server_file_offered_frame (message, offline);

  params = message_object (message);
  if (offline)
    json_object_set_boolean_member (params, "offline", TRUE);
  return lt_jsonrpc_notification_new ("message", params);
}

/* send ---------------------------------------------------------------- */

typedef struct
{
  LtMessage message; /* id and ts filled in by the job */
  char *client_id;
  gboolean duplicate;
} Sending;

static void
sending_free (Sending *sending)
{
  g_free (sending->message.from);
  g_free (sending->message.nickname);
  g_free (sending->message.to);
  g_free (sending->message.text);
  g_free (sending->client_id);
  g_free (sending);
}

/* The job fills in the request's own Sending (its state) and returns
 * it, not owned: nothing else touches it until the job is done. */
static gpointer
add_message_job (LtStore *store,
                 gpointer data,
                 GError **error)
{
  Sending *sending = data;
  LtMessage *message = &sending->message;

  if (!lt_store_add_message (store, message->from, message->to, message->text, message->ts,
                             sending->client_id, &message->id, &message->ts,
                             &sending->duplicate, error))
    return NULL;

  return sending;
}

/* Serialized once; the same bytes go to every connection. */
static void
deliver (LtServer        *server,
         const LtMessage *message)
{
  g_autoptr(GBytes) frame = message_frame (message, FALSE);

  lt_server_send_to_conversation (server, message->from, message->to, frame);
}

static void
on_message_added (LtServerRequest *request,
                  gpointer         result,
                  const GError    *error)
{
  Sending *sending = result;
  JsonObject *reply;

  if (error != NULL)
    {
      lt_server_request_return_error (request, error);
      return;
    }

  if (!sending->duplicate)
    deliver (request->server, &sending->message);

  reply = json_object_new ();
  json_object_set_int_member (reply, "id", sending->message.id);
  json_object_set_int_member (reply, "ts", sending->message.ts);
  lt_server_request_return (request, reply);
}

static gboolean
check_send (const char *to,
            const char *text,
            const char *client_id,
            GError    **error)
{
  glong length = g_utf8_strlen (text, -1);

  if (!lt_server_check_conversation (to, "to", error))
    return FALSE;

  if (length == 0)
    g_set_error_literal (error, LT_PROTOCOL_ERROR, LT_PROTOCOL_ERROR_INVALID_PARAMS,
                         "\"text\" is empty");
  else if (length > LT_MAX_TEXT_CHARS)
    g_set_error (error, LT_PROTOCOL_ERROR, LT_PROTOCOL_ERROR_MESSAGE_TOO_LONG,
                 "\"text\" is longer than %d characters", LT_MAX_TEXT_CHARS);
  else if (client_id != NULL
           && (*client_id == '\0' || g_utf8_strlen (client_id, -1) > LT_MAX_CLIENT_ID_CHARS))
    g_set_error (error, LT_PROTOCOL_ERROR, LT_PROTOCOL_ERROR_INVALID_PARAMS,
                 "\"client_id\" must be 1 to %d characters", LT_MAX_CLIENT_ID_CHARS);
  else
    return TRUE;

  return FALSE;
}

void
lt_server_method_send (LtServerRequest *request)
{
  g_autoptr(GError) error = NULL;
  const char *username = lt_server_request_get_username (request);
  const char *to, *text;
  const char *client_id = NULL;
  LtSession *session;
  Sending *sending;

  if (!lt_server_get_strings (request->params, &error, "to", &to, "text", &text, NULL)
      || !lt_json_get_string (request->params, "client_id", FALSE, &client_id, &error)
      || !check_send (to, text, client_id, &error))
    {
      lt_server_request_return_error (request, error);
      return;
    }

  if (!lt_rate_limiter_take (request->server->send_limiter, username))
    {
      lt_server_request_return_new_error (request, LT_PROTOCOL_ERROR_RATE_LIMITED,
                                          "Sending too fast, slow down");
      return;
    }

  session = lt_server_lookup_session (request->server, username);
  sending = g_new0 (Sending, 1);
  sending->message.from = g_strdup (username);
  sending->message.nickname = g_strdup (session->nickname);
  sending->message.to = g_strdup (to);
  sending->message.text = g_strdup (text);
  sending->message.ts = g_get_real_time () / 1000;
  sending->client_id = g_strdup (client_id);
  lt_server_request_set_state (request, sending, (GDestroyNotify) sending_free);
  lt_server_request_run_job (request, add_message_job, sending, NULL, NULL, on_message_added);
}

/* ack ----------------------------------------------------------------- */

typedef struct
{
  char *username;
  gint64 id;
} UserAndId;

static void
user_and_id_free (UserAndId *query)
{
  g_free (query->username);
  g_free (query);
}

static UserAndId *
user_and_id_new (const char *username,
                 gint64      id)
{
  UserAndId *query = g_new0 (UserAndId, 1);

  query->username = g_strdup (username);
  query->id = id;
  return query;
}

static gpointer
ack_job (LtStore *store,
         gpointer data,
         GError **error)
{
  UserAndId *ack = data;

  return GINT_TO_POINTER (lt_store_ack (store, ack->username, ack->id, error));
}

void
lt_server_method_ack (LtServerRequest *request)
{
  g_autoptr(GError) error = NULL;
  gint64 up_to = 0;

  if (!lt_json_get_int (request->params, "up_to", TRUE, &up_to, &error))
    {
      lt_server_request_return_error (request, error);
      return;
    }

  if (up_to < 0)
    {
      lt_server_request_return_new_error (request, LT_PROTOCOL_ERROR_INVALID_PARAMS,
                                          "\"up_to\" must not be negative");
      return;
    }

  lt_server_request_run_job (request, ack_job,
                             user_and_id_new (lt_server_request_get_username (request), up_to),
                             (GDestroyNotify) user_and_id_free, NULL,
                             lt_server_request_return_bool_job);
}

/* history ------------------------------------------------------------- */

typedef struct
{
  char *username;
  char *with;
  gint64 before;
  gint64 limit;
  gboolean more; /* filled in by the job */
  LtServerListFunc list;
  const char *member;
  LtServerObjectFunc to_object;
} PageQuery;

static void
page_query_free (PageQuery *query)
{
  g_free (query->username);
  g_free (query->with);
  g_free (query);
}

static gpointer
page_job (LtStore *store,
          gpointer data,
          GError **error)
{
  PageQuery *query = data;

  return query->list (store, query->username, query->with, query->before, query->limit,
                      &query->more, error);
}

static void
on_page (LtServerRequest *request,
         gpointer         result,
         const GError    *error)
{
  g_autoptr(GPtrArray) messages = result;
  PageQuery *query = request->state;

  if (error != NULL)
    lt_server_request_return_error (request, error);
  else
    lt_server_request_return_page (request, query->member, messages, query->to_object,
                                   query->more);
}

/**
 * lt_server_list_conversation:
 * @list: the store operation giving a page of messages, newest first
 * @member: the member of the result that holds the page
 * @to_object: what each message of the page looks like in it
 *
 * Answers a request with the params of history ("with", "before",
 * "limit") with a page of the conversation and "more".
 */
void
lt_server_list_conversation (LtServerRequest   *request,
                             LtServerListFunc   list,
                             const char        *member,
                             LtServerObjectFunc to_object)
{
  g_autoptr(GError) error = NULL;
  gint64 before = 0, limit = LT_HISTORY_DEFAULT_LIMIT;
  PageQuery *query;
  const char *with;

  if (!lt_server_get_strings (request->params, &error, "with", &with, NULL)
      || !lt_server_check_conversation (with, "with", &error)
      || !lt_json_get_int (request->params, "before", FALSE, &before, &error)
      || !lt_json_get_int (request->params, "limit", FALSE, &limit, &error))
    {
      lt_server_request_return_error (request, error);
      return;
    }

  if (limit < 1 || limit > LT_HISTORY_MAX_LIMIT || before < 0)
    {
      lt_server_request_return_new_error (request, LT_PROTOCOL_ERROR_INVALID_PARAMS,
                                          "\"limit\" must be 1 to %d and \"before\" an id",
                                          LT_HISTORY_MAX_LIMIT);
      return;
    }

  query = g_new0 (PageQuery, 1);
  query->username = g_strdup (lt_server_request_get_username (request));
  query->with = g_strdup (with);
  query->before = before;
  query->limit = limit;
  query->list = list;
  query->member = member;
  query->to_object = to_object;
  lt_server_request_set_state (request, query, (GDestroyNotify) page_query_free);
  lt_server_request_run_job (request, page_job, query, NULL,
                             (GDestroyNotify) g_ptr_array_unref, on_page);
}

void
lt_server_method_history (LtServerRequest *request)
{
  lt_server_list_conversation (request, lt_store_history, "messages",
                               (LtServerObjectFunc) message_object);
}

/* who ----------------------------------------------------------------- */

void
lt_server_method_who (LtServerRequest *request)
{
  g_autoptr(GError) error = NULL;
  const char *room = NULL;
  JsonObject *reply;

  if (!lt_json_get_string (request->params, "room", FALSE, &room, &error))
    {
      lt_server_request_return_error (request, error);
      return;
    }

  if (room != NULL && !lt_server_room_exists (request->server, room))
    {
      lt_server_request_return_new_error (request, LT_PROTOCOL_ERROR_NO_SUCH_ROOM,
                                          "No room \"%s\"", room);
      return;
    }

  reply = json_object_new ();
  json_object_set_array_member (reply, "users", lt_server_online_array (request->server, room));
  lt_server_request_return (request, reply);
}

/* offline messages at login -------------------------------------------- */

typedef struct
{
  LtServer *server;
  LtServerConnection *connection;
  UserAndId *query; /* id: the last one pushed */
} PendingPush;

static void
pending_push_free (PendingPush *push)
{
  g_clear_object (&push->server);
  g_clear_object (&push->connection);
  g_clear_pointer (&push->query, user_and_id_free);
  g_free (push);
}

static gpointer
list_pending_job (LtStore *store,
                  gpointer data,
                  GError **error)
{
  UserAndId *query = data;

  return lt_store_list_pending (store, query->username, query->id, PENDING_PAGE, error);
}

static void push_page (PendingPush *push);

static gboolean
push_when_drained (gpointer user_data)
{
  PendingPush *push = user_data;
  LtServerConnection *connection = push->connection;

  if (lt_server_connection_is_closed (connection))
    {
      pending_push_free (push);
      return G_SOURCE_REMOVE;
    }

  if ((gint64) lt_server_connection_get_queued (connection) > push->server->config->max_queue / 4)
    return G_SOURCE_CONTINUE;

  push_page (push);
  return G_SOURCE_REMOVE;
}

static void
on_pending_page (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  PendingPush *push = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) messages = NULL;

  messages = lt_store_worker_run_finish (LT_STORE_WORKER (source), result, &error);
  if (messages == NULL)
    {
      g_warning ("Could not list the pending messages of %s: %s", push->query->username,
                 error->message);
      pending_push_free (push);
      return;
    }

  for (guint i = 0; i < messages->len; i++)
    {
      LtMessage *message = g_ptr_array_index (messages, i);
      g_autoptr(GBytes) frame = message_frame (message, TRUE);

      lt_server_connection_send (push->connection, frame);
      push->query->id = message->id;
    }

  if (messages->len < PENDING_PAGE || lt_server_connection_is_closed (push->connection))
    pending_push_free (push);
  else
    g_timeout_add (PENDING_POLL_MS, push_when_drained, push);
}

static void
push_page (PendingPush *push)
{
  lt_store_worker_run_async (push->server->worker, list_pending_job,
                             user_and_id_new (push->query->username, push->query->id),
                             (GDestroyNotify) user_and_id_free, (GDestroyNotify) g_ptr_array_unref,
                             NULL, on_pending_page, push);
}

/**
 * lt_server_push_pending:
 *
 * Sends a connection that has just logged in every private message
 * its user has not acknowledged, oldest first, flagged "offline".
 */
void
lt_server_push_pending (LtServer           *server,
                        LtServerConnection *connection)
{
  PendingPush *push = g_new0 (PendingPush, 1);

  push->server = g_object_ref (server);
  push->connection = g_object_ref (connection);
  push->query = user_and_id_new (lt_server_connection_get_username (connection), 0);
  push_page (push);
}
