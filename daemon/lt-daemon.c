/* SPDX-License-Identifier: GPL-3.0-or-later */
/* LtDaemon: the daemon's one session with a Liaotian server.
 *
 * It logs in, and when the connection drops it reconnects by itself:
 * after 1 s, then doubling up to max-retry-delay, with ±20 % jitter so
 * that a restarted server is not hit by all its clients at once, and at
 * once when the network comes back.  The password is kept in memory
 * only, to log in again; an authentication failure (the password was
 * changed elsewhere) ends the retries instead of looping. */
#include "config.h"

#include "lt-daemon.h"
#include "lt-daemon-private.h"
#include "lt-daemon-cache.h"
#include "lt-daemon-connection.h"
#include "lt-daemon-error.h"
#include "lt-file-names.h"
#include "lt-json.h"
#include "lt-protocol.h"

#include <string.h>

#define FIRST_RETRY_MS 1000
#define DEFAULT_MAX_RETRY_MS 60000
#define JITTER 0.2


enum {
  PROP_0,
  PROP_STATE,
  PROP_SERVER,
  PROP_USERNAME,
  PROP_NICKNAME,
  PROP_LAST_ERROR,
  PROP_MAX_RETRY_DELAY,
  PROP_FOCUSED,
  PROP_CATCHING_UP,
  PROP_USE_TLS,
  PROP_TLS_CA_FILE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  SIGNAL_PRESENCE_CHANGED,
  SIGNAL_FRIEND_ADDED,
  SIGNAL_FRIEND_REMOVED,
  SIGNAL_ROOM_MEMBERSHIP,
  SIGNAL_MESSAGE_RECEIVED,
  SIGNAL_MESSAGE_SENT,
  SIGNAL_MESSAGE_FAILED,
  SIGNAL_CONVERSATION_READ,
  SIGNAL_FILE_OFFERED,
  SIGNAL_FILE_REJECTED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (LtDaemon, lt_daemon, G_TYPE_OBJECT)
G_DEFINE_ENUM_TYPE (LtDaemonState, lt_daemon_state,
                    G_DEFINE_ENUM_VALUE (LT_DAEMON_STATE_OFFLINE, "offline"),
                    G_DEFINE_ENUM_VALUE (LT_DAEMON_STATE_CONNECTING, "connecting"),
                    G_DEFINE_ENUM_VALUE (LT_DAEMON_STATE_CONNECTED, "connected"),
                    G_DEFINE_ENUM_VALUE (LT_DAEMON_STATE_LOGGED_IN, "logged-in"))

static void start_attempt (LtDaemon *self);

/* Internal async steps hold the daemon weakly: a daemon its owner has
 * dropped is disposed, which cancels what it started, instead of being
 * kept alive (and reconnecting) by its own callbacks. */
static gpointer
weak_self (LtDaemon *self)
{
  GWeakRef *ref = g_new0 (GWeakRef, 1);

  g_weak_ref_init (ref, self);
  return ref;
}

/* For subscriptions, whose callbacks may still come after they end. */
static void
free_weak_self (gpointer weak_ref)
{
  g_weak_ref_clear (weak_ref);
  g_free (weak_ref);
}

/* Returns: (transfer full) (nullable): the daemon, unless it is gone */
static LtDaemon *
take_self (gpointer weak_ref)
{
  GWeakRef *ref = weak_ref;
  LtDaemon *self = g_weak_ref_get (ref);

  free_weak_self (ref);
  return self;
}
static void store_message (LtDaemon   *self,
                           JsonObject *params);
static void store_file_offered (LtDaemon   *self,
                                JsonObject *params);
static void file_rejected (LtDaemon   *self,
                           JsonObject *params);
static void begin_push (LtDaemon   *self,
                        JsonObject *reply);
static void forget_tail_of_room (LtDaemon   *self,
                                 JsonObject *params);
static void send_outbox (LtDaemon *self);

/* The names of org.liaotian.Chat1's State property. */
const char *
lt_daemon_state_to_string (LtDaemonState state)
{
  g_autoptr(GEnumClass) enum_class = g_type_class_ref (LT_TYPE_DAEMON_STATE);
  GEnumValue *value = g_enum_get_value (enum_class, state);

  return value ? value->value_nick : "offline";
}

static void
set_state (LtDaemon     *self,
           LtDaemonState state)
{
  if (self->state == state)
    return;

  g_debug ("State: %s", lt_daemon_state_to_string (state));
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

static void
set_string (LtDaemon   *self,
            char      **field,
            const char *value,
            guint       prop_id)
{
  if (g_strcmp0 (*field, value) == 0)
    return;

  g_free (*field);
  *field = g_strdup (value);
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop_id]);
}

static void
forget_password (LtDaemon *self)
{
  if (self->password == NULL)
    return;

  explicit_bzero (self->password, strlen (self->password));
  g_clear_pointer (&self->password, g_free);
}

void
_lt_daemon_set_catching_up (LtDaemon *self,
                            gboolean  catching_up)
{
  if (self->catching_up == catching_up)
    return;

  g_debug ("Catching up: %s", catching_up ? "started" : "done");
  self->catching_up = catching_up;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CATCHING_UP]);
}

/* A push cut short by a lost connection ends the catch-up with what
 * came; the next login starts another. */
static void
end_catch_up (LtDaemon *self)
{
  self->catch_up_left = 0;
  g_clear_handle_id (&self->push_quiet_id, g_source_remove);
  self->catch_up_parts = 0;
  self->catch_up_serial++;
  _lt_daemon_set_catching_up (self, FALSE);
}

void
_lt_daemon_finish_catch_up_part (LtDaemon *self,
                                 guint     serial)
{
  if (serial != self->catch_up_serial || self->catch_up_parts == 0)
    return;

  if (--self->catch_up_parts > 0)
    return;

  _lt_daemon_set_catching_up (self, FALSE);
  lt_daemon_cache_end_catch_up (self->cache);
}

static void
drop_connection (LtDaemon *self)
{
  end_catch_up (self);
  if (self->connection == NULL)
    return;

  g_signal_handlers_disconnect_by_data (self->connection, self);
  lt_daemon_connection_close (self->connection);
  g_clear_object (&self->connection);
  /* Unanswered sends are resent, with their client_id, on the next. */
  g_hash_table_remove_all (self->in_flight);
  /* The next connection misses what is sent in between. */
  g_hash_table_remove_all (self->tails);
}

static void
cancel_attempt (LtDaemon *self)
{
  g_clear_handle_id (&self->retry_id, g_source_remove);
  if (self->attempt != NULL)
    g_cancellable_cancel (self->attempt);
  g_clear_object (&self->attempt);
}

static void
go_offline (LtDaemon *self)
{
  /* First, so that what the rest ends (a catch-up cut short) is seen
   * as ended by going offline. */
  set_state (self, LT_DAEMON_STATE_OFFLINE);
  cancel_attempt (self);
  drop_connection (self);
  forget_password (self);
  g_clear_object (&self->cache);
  set_string (self, &self->username, "", PROP_USERNAME);
  set_string (self, &self->nickname, "", PROP_NICKNAME);
}

/* Ends a waiting Login with @error (mapped to a bus error). */
static void
fail_login_task (LtDaemon     *self,
                 const GError *error)
{
  g_autoptr(GTask) task = g_steal_pointer (&self->login_task);

  if (task != NULL)
    g_task_return_error (task, lt_daemon_error_from_protocol (error));
}

static gboolean
on_retry (gpointer user_data)
{
  LtDaemon *self = user_data;

  self->retry_id = 0;
  start_attempt (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_retry (LtDaemon *self)
{
  double jitter = 1.0 - JITTER + 2 * JITTER * g_random_double ();
  guint delay_ms = self->retry_delay_ms * jitter;

  g_clear_handle_id (&self->retry_id, g_source_remove);
  g_debug ("Reconnecting in %u ms", delay_ms);
  self->retry_id = g_timeout_add (delay_ms, on_retry, self);
  self->retry_delay_ms = MIN (self->retry_delay_ms * 2, self->max_retry_delay_ms);
}

/* A connection or login failed for a reason that may pass: the first
 * Login reports it; a reconnection tries again later. */
static void
attempt_failed (LtDaemon     *self,
                const GError *error)
{
  drop_connection (self);

  if (self->login_task != NULL)
    {
      fail_login_task (self, error);
      go_offline (self);
      return;
    }

  g_message ("Connection to %s lost: %s", self->server, error->message);
  set_string (self, &self->last_error, error->message, PROP_LAST_ERROR);
  set_state (self, LT_DAEMON_STATE_CONNECTING);
  schedule_retry (self);
}

/* The server said no to these credentials: retrying cannot help. */
static gboolean
is_authentication_failure (const GError *error)
{
  return g_error_matches (error, LT_PROTOCOL_ERROR, LT_PROTOCOL_ERROR_WRONG_PASSWORD)
         || g_error_matches (error, LT_PROTOCOL_ERROR, LT_PROTOCOL_ERROR_NO_SUCH_USER)
         || g_error_matches (error, LT_PROTOCOL_ERROR, LT_PROTOCOL_ERROR_INVALID_PARAMS);
}

static void
give_up (LtDaemon     *self,
         const GError *error)
{
  g_message ("Login to %s refused, not retrying: %s", self->server, error->message);
  set_string (self, &self->last_error, error->message, PROP_LAST_ERROR);
  fail_login_task (self, error);
  go_offline (self);
}

static void
on_logged_in (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(LtDaemon) self = take_self (user_data);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) reply = NULL;
  g_autoptr(GTask) task = NULL;
  const char *nickname = "";

  reply = lt_daemon_connection_call_finish (LT_DAEMON_CONNECTION (source), result, &error);
  if (self == NULL || LT_DAEMON_CONNECTION (source) != self->connection
      || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  if (reply == NULL)
    {
      if (is_authentication_failure (error))
        give_up (self, error);
      else
        attempt_failed (self, error);
      return;
    }

  lt_json_get_string (reply, "nickname", FALSE, &nickname, NULL);
  set_string (self, &self->nickname, nickname, PROP_NICKNAME);
  begin_push (self, reply);
  _lt_daemon_catch_up_rooms (self, reply);
  set_string (self, &self->last_error, "", PROP_LAST_ERROR);
  self->retry_delay_ms = FIRST_RETRY_MS;
  set_state (self, LT_DAEMON_STATE_LOGGED_IN);
  g_info ("Logged in to %s as %s", self->server, self->username);

  task = g_steal_pointer (&self->login_task);
  if (task != NULL)
    g_task_return_boolean (task, TRUE);
  send_outbox (self);
}

static void
on_connected (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(LtDaemon) self = take_self (user_data);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) params = NULL;

  if (!lt_daemon_connection_connect_finish (LT_DAEMON_CONNECTION (source), result, &error))
    {
      if (self != NULL && LT_DAEMON_CONNECTION (source) == self->connection
          && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        attempt_failed (self, error);
      return;
    }

  if (self == NULL || LT_DAEMON_CONNECTION (source) != self->connection)
    return;

  set_state (self, LT_DAEMON_STATE_CONNECTED);
  params = json_object_new ();
  json_object_set_string_member (params, "username", self->username);
  json_object_set_string_member (params, "password", self->password);
  lt_daemon_connection_call_async (self->connection, "login", params, self->attempt,
                                   on_logged_in, weak_self (self));
}

/* An established connection dropped (pending calls have failed first). */
static void
on_connection_closed (LtDaemonConnection *connection,
                      const GError       *error,
                      LtDaemon           *self)
{
  g_autoptr(GError) closed = NULL;

  if (error == NULL)
    error = closed = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED,
                                          "The server closed the connection");
  attempt_failed (self, error);
}

static const char *
param_string (JsonObject *params,
              const char *member)
{
  const char *value = "";

  lt_json_get_string (params, member, FALSE, &value, NULL);
  return value ? value : "";
}

static gboolean
param_bool (JsonObject *params,
            const char *member)
{
  gboolean value = FALSE;

  lt_json_get_bool (params, member, FALSE, &value, NULL);
  return value;
}

/* Server pushes other than messages become the signals of the same
 * name (docs/DBUS.md); unknown ones are ignored, as PROTOCOL.md asks. */
static void
on_notification (LtDaemonConnection *connection,
                 const char         *method,
                 JsonObject         *params,
                 LtDaemon           *self)
{
  if (g_str_equal (method, "message"))
    store_message (self, params);
  else if (g_str_equal (method, "file_offered"))
    store_file_offered (self, params);
  else if (g_str_equal (method, "file_rejected"))
    file_rejected (self, params);
  else if (g_str_equal (method, "presence"))
    g_signal_emit (self, signals[SIGNAL_PRESENCE_CHANGED], 0, param_string (params, "username"),
                   param_string (params, "nickname"), param_bool (params, "online"));
  else if (g_str_equal (method, "friend_added"))
    g_signal_emit (self, signals[SIGNAL_FRIEND_ADDED], 0, param_string (params, "username"),
                   param_string (params, "nickname"));
  else if (g_str_equal (method, "friend_removed"))
    g_signal_emit (self, signals[SIGNAL_FRIEND_REMOVED], 0, param_string (params, "username"));
  else if (g_str_equal (method, "joined") || g_str_equal (method, "left"))
    {
      forget_tail_of_room (self, params);
      g_signal_emit (self, signals[SIGNAL_ROOM_MEMBERSHIP], 0, param_string (params, "room"),
                     param_string (params, "username"), g_str_equal (method, "joined"));
    }
}

static void
load_tls_database (LtDaemon *self)
{
  g_clear_object (&self->tls_database);
  g_clear_error (&self->tls_error);
  if (*self->tls_ca_file == '\0')
    return;

  self->tls_database = g_tls_file_database_new (self->tls_ca_file, &self->tls_error);
  if (self->tls_error != NULL)
    g_prefix_error (&self->tls_error, "Cannot use tls-ca-file %s: ", self->tls_ca_file);
}

/* Returns: (nullable): a connection to the server as configured, or
 * %NULL when the tls-ca-file cannot be read (yet: it may be on a disk
 * mounted later) */
static LtDaemonConnection *
new_connection (LtDaemon *self,
                GError  **error)
{
  if (self->use_tls && self->tls_error != NULL)
    load_tls_database (self);
  if (self->use_tls && self->tls_error != NULL)
    {
      g_propagate_error (error, g_error_copy (self->tls_error));
      return NULL;
    }
  return lt_daemon_connection_new (self->server, self->use_tls, self->tls_database);
}

static void
start_attempt (LtDaemon *self)
{
  g_autoptr(GError) error = NULL;

  cancel_attempt (self);
  drop_connection (self);
  set_state (self, LT_DAEMON_STATE_CONNECTING);

  self->connection = new_connection (self, &error);
  if (self->connection == NULL)
    {
      attempt_failed (self, error);
      return;
    }
  self->attempt = g_cancellable_new ();
  g_signal_connect (self->connection, "closed", G_CALLBACK (on_connection_closed), self);
  g_signal_connect (self->connection, "notification", G_CALLBACK (on_notification), self);
  lt_daemon_connection_connect_async (self->connection, self->attempt, on_connected,
                                      weak_self (self));
}

/* The cache is open before the first connection, so that the messages
 * pushed right after the login have somewhere to go. */
static void
on_cache_opened (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(LtDaemon) self = take_self (user_data);
  g_autoptr(LtDaemonCache) cache = NULL;
  g_autoptr(GError) error = NULL;

  cache = lt_daemon_cache_new_finish (result, &error);
  if (self == NULL || self->login_task == NULL)
    return; /* gone, or logged out meanwhile */

  if (cache == NULL)
    {
      g_prefix_error (&error, "Cannot open the local cache: ");
      fail_login_task (self, error);
      go_offline (self);
      return;
    }

  self->cache = g_steal_pointer (&cache);
  start_attempt (self);
}

/**
 * lt_daemon_login_async:
 *
 * Connects and logs in.  Completes once logged in, or with the reason
 * it could not (LT_DAEMON_ERROR_OFFLINE when the server cannot be
 * reached); from then on, the daemon stays logged in by itself.
 */
void
lt_daemon_login_async (LtDaemon           *self,
                       const char         *username,
                       const char         *password,
                       GCancellable       *cancellable,
                       GAsyncReadyCallback callback,
                       gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *dir = NULL;

  g_return_if_fail (LT_IS_DAEMON (self));
  g_return_if_fail (username != NULL && password != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, lt_daemon_login_async);

  if (self->state != LT_DAEMON_STATE_OFFLINE)
    {
      g_task_return_new_error (task, LT_DAEMON_ERROR, LT_DAEMON_ERROR_FAILED,
                               "Already logged in as %s; log out first", self->username);
      return;
    }

  set_string (self, &self->username, username, PROP_USERNAME);
  self->password = g_strdup (password);
  self->retry_delay_ms = FIRST_RETRY_MS;
  self->login_task = g_steal_pointer (&task);
  dir = lt_daemon_cache_dir_for (self->server, username);
  lt_daemon_cache_new_async (dir, NULL, on_cache_opened, weak_self (self));
}

gboolean
lt_daemon_login_finish (LtDaemon     *self,
                        GAsyncResult *result,
                        GError      **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Logs out, forgets the password and goes offline. */
void
lt_daemon_logout (LtDaemon *self)
{
  g_autoptr(GError) error = NULL;

  g_return_if_fail (LT_IS_DAEMON (self));

  if (self->connection != NULL && self->state == LT_DAEMON_STATE_LOGGED_IN)
    lt_daemon_connection_call_async (self->connection, "logout", NULL, NULL, NULL, NULL);

  error = g_error_new_literal (LT_DAEMON_ERROR, LT_DAEMON_ERROR_FAILED, "Logged out");
  fail_login_task (self, error);
  go_offline (self);
}

/**
 * lt_daemon_reconnect_now:
 *
 * The network is back, or the machine resumed: cuts a reconnection
 * delay short and resets the backoff.  A connection that looks up may
 * have died meanwhile, so it is pinged at once; one that does not
 * answer closes within the ping timeout and is reconnected.
 */
void
lt_daemon_reconnect_now (LtDaemon *self)
{
  g_return_if_fail (LT_IS_DAEMON (self));

  if (self->retry_id != 0)
    {
      self->retry_delay_ms = FIRST_RETRY_MS;
      start_attempt (self);
    }
  else if (self->state == LT_DAEMON_STATE_LOGGED_IN)
    {
      lt_daemon_connection_check (self->connection);
    }
}

/* Messages: the outbox ------------------------------------------------- */

typedef struct
{
  GWeakRef daemon;
  LtDaemonConnection *connection;
  guint64 local_id;
  char *to;
} Sending;

static void
sending_free (Sending *sending)
{
  g_weak_ref_clear (&sending->daemon);
  g_object_unref (sending->connection);
  g_free (sending->to);
  g_free (sending);
}

static void
on_outbox_removed (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!lt_daemon_cache_outbox_remove_finish (LT_DAEMON_CACHE (source), result, &error))
    g_warning ("Could not remove a sent message from the outbox: %s", error->message);
}

/* The server committed the message, or refused it for good: either way
 * it leaves the outbox.  A lost connection keeps it for a resend. */
static void
on_sent (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Sending *sending = user_data;
  g_autoptr(LtDaemon) self = g_weak_ref_get (&sending->daemon);
  g_autoptr(JsonObject) reply = NULL;
  g_autoptr(GError) error = NULL;
  gint64 id = 0;

  reply = lt_daemon_connection_call_finish (LT_DAEMON_CONNECTION (source), result, &error);
  if (self != NULL && sending->connection == self->connection)
    g_hash_table_remove (self->in_flight, &sending->local_id);

  if (self == NULL || (reply == NULL && error->domain != LT_PROTOCOL_ERROR))
    {
      sending_free (sending);
      return;
    }

  if (self->cache != NULL)
    lt_daemon_cache_outbox_remove_async (self->cache, sending->local_id, NULL, on_outbox_removed,
                                         NULL);
  if (reply != NULL)
    {
      lt_json_get_int (reply, "id", FALSE, &id, NULL);
      g_signal_emit (self, signals[SIGNAL_MESSAGE_SENT], 0, sending->to, sending->local_id,
                     (guint64) id);
    }
  else
    {
      g_autoptr(GError) bus_error = lt_daemon_error_from_protocol (error);

      g_signal_emit (self, signals[SIGNAL_MESSAGE_FAILED], 0, sending->to, sending->local_id,
                     lt_daemon_error_get_dbus_name (bus_error->code), error->message);
    }
  sending_free (sending);
}

/* Sends one outbox entry unless it is already on its way. */
static void
send_entry (LtDaemon   *self,
            guint64     local_id,
            const char *client_id,
            const char *to,
            const char *text)
{
  g_autoptr(JsonObject) params = json_object_new ();
  Sending *sending;

  if (self->state != LT_DAEMON_STATE_LOGGED_IN
      || g_hash_table_contains (self->in_flight, &local_id))
    return;

  g_hash_table_add (self->in_flight, g_memdup2 (&local_id, sizeof local_id));
  json_object_set_string_member (params, "to", to);
  json_object_set_string_member (params, "text", text);
  json_object_set_string_member (params, "client_id", client_id);

  sending = g_new0 (Sending, 1);
  g_weak_ref_init (&sending->daemon, self);
  sending->connection = g_object_ref (self->connection);
  sending->local_id = local_id;
  sending->to = g_strdup (to);
  lt_daemon_connection_call_async (self->connection, "send", params, NULL, on_sent, sending);
}

static void
on_outbox_listed (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(LtDaemon) self = take_self (user_data);
  g_autoptr(GVariant) entries = NULL;
  g_autoptr(GError) error = NULL;
  GVariantIter iter;
  const char *client_id, *to, *text;
  guint64 local_id;

  entries = lt_daemon_cache_outbox_list_finish (LT_DAEMON_CACHE (source), result, &error);
  if (self == NULL)
    return;
  if (entries == NULL)
    {
      g_warning ("Could not read the outbox: %s", error->message);
      return;
    }

  g_variant_iter_init (&iter, entries);
  while (g_variant_iter_next (&iter, "(t&s&s&s)", &local_id, &client_id, &to, &text))
    send_entry (self, local_id, client_id, to, text);
}

/* After each login: everything still in the outbox, oldest first. */
static void
send_outbox (LtDaemon *self)
{
  lt_daemon_cache_outbox_list_async (self->cache, NULL, on_outbox_listed, weak_self (self));
}

typedef struct
{
  char *to;
  char *text;
} NewMessage;

static void
new_message_free (NewMessage *message)
{
  g_free (message->to);
  g_free (message->text);
  g_free (message);
}

static void
on_outbox_added (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  LtDaemon *self = g_task_get_source_object (task);
  NewMessage *message = g_task_get_task_data (task);
  g_autofree char *client_id = NULL;
  g_autoptr(GError) error = NULL;
  guint64 local_id;

  if (!lt_daemon_cache_outbox_add_finish (LT_DAEMON_CACHE (source), result, &local_id,
                                          &client_id, &error))
    {
      g_task_return_error (task, lt_daemon_error_from_protocol (error));
      return;
    }

  g_task_return_pointer (task, g_memdup2 (&local_id, sizeof local_id), g_free);
  send_entry (self, local_id, client_id, message->to, message->text);
}

/**
 * lt_daemon_send_message_async:
 * @to: a username or a "#room"
 *
 * Puts a message into the outbox on disk and completes with its local
 * id, also while reconnecting; it is sent as soon as the daemon is
 * logged in, and message-sent or message-failed tell what became of it.
 */
void
lt_daemon_send_message_async (LtDaemon           *self,
                              const char         *to,
                              const char         *text,
                              GCancellable       *cancellable,
                              GAsyncReadyCallback callback,
                              gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  NewMessage *message;

  g_return_if_fail (LT_IS_DAEMON (self));
  g_return_if_fail (to != NULL && text != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, lt_daemon_send_message_async);

  if (self->cache == NULL)
    {
      g_task_return_error (task, lt_daemon_error_new_not_logged_in ());
      return;
    }

  /* What the server would refuse anyway is refused now, before it
   * waits in the outbox. */
  if (!lt_daemon_error_check_conversation (to, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (*text == '\0')
    {
      g_task_return_new_error (task, LT_DAEMON_ERROR, LT_DAEMON_ERROR_INVALID_ARGUMENT,
                               "The text is empty");
      return;
    }
  if (g_utf8_strlen (text, -1) > LT_MAX_TEXT_CHARS)
    {
      g_task_return_new_error (task, LT_DAEMON_ERROR, LT_DAEMON_ERROR_MESSAGE_TOO_LONG,
                               "The text is longer than %d characters", LT_MAX_TEXT_CHARS);
      return;
    }

  message = g_new0 (NewMessage, 1);
  message->to = g_strdup (to);
  message->text = g_strdup (text);
  g_task_set_task_data (task, message, (GDestroyNotify) new_message_free);
  lt_daemon_cache_outbox_add_async (self->cache, to, text, cancellable, on_outbox_added,
                                    g_steal_pointer (&task));
}

/* Returns: the message's local id, or 0 with @error set */
guint64
lt_daemon_send_message_finish (LtDaemon     *self,
                               GAsyncResult *result,
                               GError      **error)
{
  g_autofree guint64 *local_id = NULL;

  g_return_val_if_fail (g_task_is_valid (result, self), 0);

  local_id = g_task_propagate_pointer (G_TASK (result), error);
  return local_id ? *local_id : 0;
}

/* Messages: receiving ------------------------------------------------- */

static void
on_acked (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(JsonObject) reply = NULL;
  g_autoptr(GError) error = NULL;

  reply = lt_daemon_connection_call_finish (LT_DAEMON_CONNECTION (source), result, &error);
  if (reply == NULL)
    g_debug ("ack: %s", error->message);
}

static void
on_highest_id (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(LtDaemon) self = take_self (user_data);
  g_autoptr(JsonObject) params = NULL;
  g_autoptr(GError) error = NULL;
  guint64 id = 0;

  if (!lt_daemon_cache_highest_id_finish (LT_DAEMON_CACHE (source), result, &id, &error))
    {
      g_warning ("Could not read the cache: %s", error->message);
      return;
    }

  if (self == NULL || id == 0 || self->state != LT_DAEMON_STATE_LOGGED_IN)
    return;

  params = json_object_new ();
  json_object_set_int_member (params, "up_to", id);
  lt_daemon_connection_call_async (self->connection, "ack", params, NULL, on_acked, NULL);
}

typedef struct
{
  GWeakRef daemon;
  char *nickname; /* the sender's */
  guint catch_up_serial;
  gboolean ends_catch_up_part; /* the last message of the push or a room's */
  JsonObject *file; /* a file_offered's params; NULL for a message */
} Storing;

static void
storing_free (Storing *storing)
{
  g_weak_ref_clear (&storing->daemon);
  g_clear_pointer (&storing->file, json_object_unref);
  g_free (storing->nickname);
  g_free (storing);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Storing, storing_free)

static void
signal_fresh (LtDaemon   *self,
              GVariant   *fresh,
              const char *nickname)
{
  const char *conversation, *sender, *text;
  GVariantIter iter;
  guint64 id;
  gint64 ts;

  g_variant_iter_init (&iter, fresh);
  while (g_variant_iter_next (&iter, "(&stx&s&s)", &conversation, &id, &ts, &sender, &text))
    g_signal_emit (self, signals[SIGNAL_MESSAGE_RECEIVED], 0, conversation, id, ts, sender,
                   text, nickname);
}

static void
on_file_added (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!lt_daemon_cache_file_add_finish (LT_DAEMON_CACHE (source), result, &error))
    g_warning ("Could not remember a file: %s", error->message);
}

/* A file_offered new to the cache: its row for ListFiles and
 * AcceptFile, then file-offered.  A room file needs no answer. */
static void
signal_file (LtDaemon   *self,
             GVariant   *fresh,
             JsonObject *file)
{
  const char *conversation, *sender, *name;
  gint64 file_id = 0, size = 0;
  guint64 id;
  gint64 ts;

  if (g_variant_n_children (fresh) == 0)
    return;
  g_variant_get_child (fresh, 0, "(&stx&s&s)", &conversation, &id, &ts, &sender, &name);
  lt_json_get_int (file, "file_id", FALSE, &file_id, NULL);
  lt_json_get_int (file, "size", FALSE, &size, NULL);
  if (self->cache != NULL)
    lt_daemon_cache_file_add_async (self->cache,
                                    g_variant_new ("(ttxssstbs)", (guint64) file_id, id, ts,
                                                   sender, conversation, name, (guint64) size,
                                                   param_bool (file, "folder"),
                                                   conversation[0] == '#' ? "shared" : "offered"),
                                    NULL, on_file_added, NULL);
  g_signal_emit (self, signals[SIGNAL_FILE_OFFERED], 0, conversation, (guint64) file_id, sender,
                 name, (guint64) size, param_string (file, "nickname"));
}

/* Signals the messages that are new to the cache; once every stored
 * message is in, tells the server up to where it has them. */
static void
on_stored (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(Storing) storing = user_data;
  g_autoptr(LtDaemon) self = g_weak_ref_get (&storing->daemon);
  g_autoptr(GVariant) fresh = NULL;
  g_autoptr(GError) error = NULL;

  fresh = lt_daemon_cache_store_messages_finish (LT_DAEMON_CACHE (source), result, &error);
  if (self == NULL)
    return;
  self->stores_pending--;
  if (fresh != NULL && storing->file != NULL)
    signal_file (self, fresh, storing->file);
  else if (fresh != NULL)
    signal_fresh (self, fresh, storing->nickname);
  else
    g_warning ("Could not store a message: %s", error->message);

  if (storing->ends_catch_up_part)
    _lt_daemon_finish_catch_up_part (self, storing->catch_up_serial);

  if (fresh != NULL && self->stores_pending == 0 && self->cache == LT_DAEMON_CACHE (source))
    lt_daemon_cache_highest_id_async (self->cache, NULL, on_highest_id, weak_self (self));
}

static Storing *
storing_new (LtDaemon   *self,
             JsonObject *params,
             gboolean    ends_catch_up_part)
{
  Storing *storing = g_new0 (Storing, 1);

  if (json_object_has_member (params, "file_id"))
    storing->file = json_object_ref (params);
  g_weak_ref_init (&storing->daemon, self);
  storing->nickname = g_strdup (param_string (params, "nickname"));
  storing->catch_up_serial = self->catch_up_serial;
  storing->ends_catch_up_part = ends_catch_up_part;
  return storing;
}

/* Returns: the newest id of @conversation this connection knows of, 0
 * when it has none, or LT_DAEMON_CACHE_UNKNOWN_ID */
static gint64
get_tail (LtDaemon   *self,
          const char *conversation)
{
  gint64 *tail = g_hash_table_lookup (self->tails, conversation);

  return tail != NULL ? *tail : LT_DAEMON_CACHE_UNKNOWN_ID;
}

void
_lt_daemon_raise_tail (LtDaemon   *self,
                       const char *conversation,
                       gint64      id)
{
  gint64 *tail = g_hash_table_lookup (self->tails, conversation);

  if (tail != NULL)
    *tail = MAX (*tail, id);
  else
    g_hash_table_insert (self->tails, g_strdup (conversation), g_memdup2 (&id, sizeof id));
}

/* The user joined or left a room (on any device): the room's messages
 * in between did not come to this connection. */
static void
forget_tail_of_room (LtDaemon   *self,
                     JsonObject *params)
{
  if (g_str_equal (param_string (params, "username"), self->username))
    g_hash_table_remove (self->tails, param_string (params, "room"));
}

/* Live messages come to one connection in id order, every one of each
 * conversation (PROTOCOL.md §10): a live message follows the tail of
 * its conversation, if it is known, and becomes the tail.  The login
 * push is the pending private messages only, with holes between them. */
static gint64
follow_tail (LtDaemon   *self,
             JsonObject *params,
             gint64      id)
{
  const char *conversation;
  gint64 tail;

  if (param_bool (params, "offline"))
    return LT_DAEMON_CACHE_UNKNOWN_ID;

  conversation = lt_daemon_cache_conversation_of (param_string (params, "from"),
                                                  param_string (params, "to"), self->username);
  tail = get_tail (self, conversation);
  _lt_daemon_raise_tail (self, conversation, id);
  /* Below the tail: a history page brought it, linked, or a room's
   * catch-up delivers it after a live message; leave its link alone. */
  return tail < id ? tail : LT_DAEMON_CACHE_UNKNOWN_ID;
}

/* @ends_catch_up_part: whether, once stored and signalled, this message
 * ends a part of the catch-up */
void
_lt_daemon_store_message_full (LtDaemon   *self,
                               JsonObject *params,
                               gboolean    ends_catch_up_part)
{
  gint64 id = 0, ts = 0;
  GVariant *messages;

  if (self->cache == NULL)
    return;

  lt_json_get_int (params, "id", FALSE, &id, NULL);
  lt_json_get_int (params, "ts", FALSE, &ts, NULL);
  messages = g_variant_new_parsed ("[(%t, %x, %s, %s, %s, %x)]", (guint64) id, ts,
                                   param_string (params, "from"), param_string (params, "to"),
                                   param_string (params, "text"), follow_tail (self, params, id));
  self->stores_pending++;
  lt_daemon_cache_store_messages_async (self->cache, messages, self->username, self->focused,
                                        NULL, on_stored,
                                        storing_new (self, params, ends_catch_up_part));
}

/* The server pushes `pending` messages after the login reply, or more
 * if new ones came meanwhile; fewer when another device of the user
 * acknowledged some in between.  So the push part also ends after
 * PUSH_QUIET_SECONDS without one. */
#define PUSH_QUIET_SECONDS 10

static gboolean
on_push_quiet (gpointer user_data)
{
  LtDaemon *self = user_data;

  g_debug ("The login push stopped %u messages short", self->catch_up_left);
  self->push_quiet_id = 0;
  self->catch_up_left = 0;
  _lt_daemon_finish_catch_up_part (self, self->catch_up_serial);
  return G_SOURCE_REMOVE;
}

static void
wait_for_push (LtDaemon *self)
{
  g_clear_handle_id (&self->push_quiet_id, g_source_remove);
  if (self->catch_up_left > 0)
    self->push_quiet_id = g_timeout_add_seconds (PUSH_QUIET_SECONDS, on_push_quiet, self);
}

/* The login reply says how many offline messages follow it. */
static void
begin_push (LtDaemon   *self,
            JsonObject *reply)
{
  gint64 pending = 0;

  lt_json_get_int (reply, "pending", FALSE, &pending, NULL);
  self->catch_up_left = CLAMP (pending, 0, G_MAXUINT);
  self->catch_up_parts = self->catch_up_left > 0 ? 1 : 0;
  wait_for_push (self);
}

/* A message the server pushed.  The last of the login push ends that
 * part of the catch-up. */
static void
store_message (LtDaemon   *self,
               JsonObject *params)
{
  gboolean ends_push = FALSE;

  if (param_bool (params, "offline") && self->catch_up_left > 0)
    {
      ends_push = --self->catch_up_left == 0;
      wait_for_push (self);
    }
  _lt_daemon_store_message_full (self, params, ends_push);
}

/* A file_offered is a message (PROTOCOL.md §13): the same id sequence,
 * pushed at login, acknowledged, deduplicated by the cache.  It is
 * stored with the file's name as its text, so GetHistory lists it, and
 * signalled as file-offered instead of message-received. */
static void
store_file_offered (LtDaemon   *self,
                    JsonObject *params)
{
  g_autoptr(JsonObject) message = json_object_new ();
  g_autoptr(GList) members = json_object_get_members (params);
  /* Made safe again, as file_accept's is: a receiver checks too. */
  g_autofree char *name = lt_file_name_sanitize (param_string (params, "name"));

  for (GList *l = members; l != NULL; l = l->next)
    json_object_set_member (message, l->data, json_object_dup_member (params, l->data));
  json_object_set_string_member (message, "text", name);
  store_message (self, message);
}

/* @params: file_id, by (the recipient who declined), to (the sender) */
static void
file_rejected (LtDaemon   *self,
               JsonObject *params)
{
  const char *by = param_string (params, "by");
  gint64 file_id = 0;

  lt_json_get_int (params, "file_id", FALSE, &file_id, NULL);
  if (self->cache != NULL)
    lt_daemon_cache_file_set_state_async (self->cache, file_id, "rejected", NULL, NULL, NULL);
  g_signal_emit (self, signals[SIGNAL_FILE_REJECTED], 0,
                 lt_daemon_cache_conversation_of (by, param_string (params, "to"),
                                                  self->username),
                 (guint64) file_id, by);
}

/* Focus, unread and history ------------------------------------------- */

/**
 * lt_daemon_set_focused:
 * @conversation: what a person is looking at, "" for nothing
 *
 * Messages of the focused conversation are not counted as unread.
 */
void
lt_daemon_set_focused (LtDaemon   *self,
                       const char *conversation)
{
  g_return_if_fail (LT_IS_DAEMON (self));

  set_string (self, &self->focused, conversation ? conversation : "", PROP_FOCUSED);
}

const char *
lt_daemon_get_focused (LtDaemon *self)
{
  g_return_val_if_fail (LT_IS_DAEMON (self), NULL);

  return self->focused;
}

/* Whether the catch-up after the login (the offline messages pushed
 * then, and the rooms' missed messages) is still coming in. */
gboolean
lt_daemon_get_catching_up (LtDaemon *self)
{
  g_return_val_if_fail (LT_IS_DAEMON (self), FALSE);

  return self->catching_up;
}

static void
on_marked_read (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  LtDaemon *self = g_task_get_source_object (task);
  GError *error = NULL;

  if (!lt_daemon_cache_mark_read_finish (LT_DAEMON_CACHE (source), result, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  g_signal_emit (self, signals[SIGNAL_CONVERSATION_READ], 0, g_task_get_task_data (task));
  g_task_return_boolean (task, TRUE);
}

/**
 * lt_daemon_mark_read_async:
 * @conversation: a peer's username or a "#room"
 *
 * Clears the conversation's unread count, then emits
 * LtDaemon::conversation-read.  Fails with NotLoggedIn before a login.
 */
void
lt_daemon_mark_read_async (LtDaemon           *self,
                           const char         *conversation,
                           GCancellable       *cancellable,
                           GAsyncReadyCallback callback,
                           gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (LT_IS_DAEMON (self));
  g_return_if_fail (conversation != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, lt_daemon_mark_read_async);
  g_task_set_task_data (task, g_strdup (conversation), g_free);
  if (self->cache == NULL)
    {
      g_task_return_error (task, lt_daemon_error_new_not_logged_in ());
      return;
    }

  lt_daemon_cache_mark_read_async (self->cache, conversation, cancellable, on_marked_read,
                                   g_steal_pointer (&task));
}

gboolean
lt_daemon_mark_read_finish (LtDaemon     *self,
                            GAsyncResult *result,
                            GError      **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * lt_daemon_get_cache:
 *
 * Returns: (transfer none) (nullable): the logged-in user's cache
 */
LtDaemonCache *
lt_daemon_get_cache (LtDaemon *self)
{
  g_return_val_if_fail (LT_IS_DAEMON (self), NULL);

  return self->cache;
}

typedef struct
{
  char *with;
  guint64 before;
  guint limit;
  GVariant *cached; /* the cache's page, answered when the server can't */
} HistoryQuery;

static void
history_query_free (HistoryQuery *query)
{
  g_free (query->with);
  g_clear_pointer (&query->cached, g_variant_unref);
  g_free (query);
}

/* The server's page as a(txsss): (id, ts, from, to, text). */
static GVariant *
messages_to_variant (JsonObject *reply)
{
  JsonArray *messages = NULL;
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(txsss)"));
  lt_json_get_array (reply, "messages", FALSE, &messages, NULL);

  for (guint i = 0; messages != NULL && i < json_array_get_length (messages); i++)
    {
      JsonNode *node = json_array_get_element (messages, i);
      JsonObject *message;
      gint64 id = 0, ts = 0;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        continue;
      message = json_node_get_object (node);
      lt_json_get_int (message, "id", FALSE, &id, NULL);
      lt_json_get_int (message, "ts", FALSE, &ts, NULL);
      g_variant_builder_add (&builder, "(txsss)", (guint64) id, ts,
                             param_string (message, "from"), param_string (message, "to"),
                             param_string (message, "text"));
    }

  return g_variant_builder_end (&builder);
}

static void
on_history_stored (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!lt_daemon_cache_store_history_finish (LT_DAEMON_CACHE (source), result, &error))
    g_warning ("Could not store a history page: %s", error->message);
}

/* The cache keeps the server's page, and the order it shows, for the
 * next time; a page from the newest also gives this connection the
 * conversation's tail.  Stores queued later see it. */
static void
keep_server_page (LtDaemon     *self,
                  HistoryQuery *query,
                  GVariant     *page,
                  gboolean      more)
{
  guint64 newest = 0;

  if (g_variant_n_children (page) > 0)
    g_variant_get_child (page, 0, "(txsss)", &newest, NULL, NULL, NULL, NULL);
  lt_daemon_cache_store_history_async (self->cache, query->with, query->before, page, more, NULL,
                                       on_history_stored, NULL);
  if (query->before == 0)
    _lt_daemon_raise_tail (self, query->with, newest);
}

static void
on_server_history (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  LtDaemon *self = g_task_get_source_object (task);
  g_autoptr(JsonObject) reply = NULL;
  g_autoptr(GVariant) page = NULL;
  g_autoptr(GError) error = NULL;
  gboolean more = TRUE;

  reply = lt_daemon_connection_call_finish (LT_DAEMON_CONNECTION (source), result, &error);
  if (reply == NULL)
    {
      g_task_return_error (task, lt_daemon_error_from_protocol (error));
      return;
    }

  page = g_variant_ref_sink (messages_to_variant (reply));
  lt_json_get_bool (reply, "more", FALSE, &more, NULL);
  /* The tail is the asking connection's, and after a logout the cache
   * may be another user's. */
  if (LT_DAEMON_CONNECTION (source) == self->connection)
    keep_server_page (self, g_task_get_task_data (task), page, more);
  g_task_return_pointer (task, g_steal_pointer (&page), (GDestroyNotify) g_variant_unref);
}

/* A page the cache holds whole is answered from it; otherwise the
 * server is asked, and while offline the cache's part is the answer. */
static void
on_cached_history (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  LtDaemon *self = g_task_get_source_object (task);
  HistoryQuery *query = g_task_get_task_data (task);
  g_autoptr(JsonObject) params = NULL;
  g_autoptr(GError) error = NULL;
  GCancellable *cancellable;
  gboolean complete = FALSE;

  query->cached = lt_daemon_cache_history_finish (LT_DAEMON_CACHE (source), result, &complete,
                                                  &error);
  if (query->cached == NULL)
    {
      g_task_return_error (task, lt_daemon_error_from_protocol (error));
      return;
    }

  if (complete || self->state != LT_DAEMON_STATE_LOGGED_IN)
    {
      g_task_return_pointer (task, g_variant_ref (query->cached),
                             (GDestroyNotify) g_variant_unref);
      return;
    }

  params = json_object_new ();
  json_object_set_string_member (params, "with", query->with);
  json_object_set_int_member (params, "limit", query->limit);
  if (query->before > 0)
    json_object_set_int_member (params, "before", query->before);
  /* Not in the same argument list as the steal: C leaves their order open. */
  cancellable = g_task_get_cancellable (task);
  lt_daemon_connection_call_async (self->connection, "history", params, cancellable,
                                   on_server_history, g_steal_pointer (&task));
}

/**
 * lt_daemon_get_history_async:
 * @before: only ids below this; 0 for the newest
 * @limit: 1 to 200
 *
 * Completes with a(txsss), newest first.
 */
void
lt_daemon_get_history_async (LtDaemon           *self,
                             const char         *with,
                             guint64             before,
                             guint               limit,
                             GCancellable       *cancellable,
                             GAsyncReadyCallback callback,
                             gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;
  HistoryQuery *query;

  g_return_if_fail (LT_IS_DAEMON (self));
  g_return_if_fail (with != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, lt_daemon_get_history_async);

  if (self->cache == NULL)
    {
      g_task_return_error (task, lt_daemon_error_new_not_logged_in ());
      return;
    }

  if (limit < 1 || limit > 200)
    {
      g_task_return_new_error (task, LT_DAEMON_ERROR, LT_DAEMON_ERROR_INVALID_ARGUMENT,
                               "The limit must be 1 to 200");
      return;
    }

  if (before > G_MAXINT64)
    {
      g_task_return_new_error (task, LT_DAEMON_ERROR, LT_DAEMON_ERROR_INVALID_ARGUMENT,
                               "No message id is that large");
      return;
    }

  query = g_new0 (HistoryQuery, 1);
  query->with = g_strdup (with);
  query->before = before;
  query->limit = limit;
  g_task_set_task_data (task, query, (GDestroyNotify) history_query_free);
  lt_daemon_cache_history_async (self->cache, with, before, limit, get_tail (self, with),
                                 cancellable, on_cached_history, g_steal_pointer (&task));
}

/* Returns: (transfer full): a(txsss), newest first */
GVariant *
lt_daemon_get_history_finish (LtDaemon     *self,
                              GAsyncResult *result,
                              GError      **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Methods that work without a login: while offline, they get a
 * connection of their own for the one call. */
static gboolean
is_anonymous_method (const char *method)
{
  static const char * const anonymous[] = {
    "register", "reset_password", "reset_password_confirm", "ping", NULL
  };

  return g_strv_contains (anonymous, method);
}

static void
on_call_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  JsonObject *reply;

  reply = lt_daemon_connection_call_finish (LT_DAEMON_CONNECTION (source), result, &error);
  if (reply == NULL)
    g_task_return_error (task, lt_daemon_error_from_protocol (error));
  else
    g_task_return_pointer (task, reply, (GDestroyNotify) json_object_unref);
}

typedef struct
{
  char *method;
  JsonObject *params;
} AnonymousCall;

static void
anonymous_call_free (AnonymousCall *call)
{
  g_free (call->method);
  json_object_unref (call->params);
  g_free (call);
}

/* A temporary connection is closed once its one call is answered. */
static void
on_anonymous_call_done (GObject      *source,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  on_call_done (source, result, user_data);
  lt_daemon_connection_close (LT_DAEMON_CONNECTION (source));
}

static void
on_anonymous_connected (GObject      *source,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  LtDaemonConnection *connection = LT_DAEMON_CONNECTION (source);
  AnonymousCall *call = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  if (!lt_daemon_connection_connect_finish (connection, result, &error))
    {
      g_task_return_error (task, lt_daemon_error_from_protocol (error));
      return;
    }

  lt_daemon_connection_call_async (connection, call->method, call->params,
                                   g_task_get_cancellable (task), on_anonymous_call_done,
                                   g_object_ref (task));
}

/**
 * lt_daemon_call_async:
 * @method: a method of protocol v1
 * @params: (nullable): its params
 *
 * Calls @method on the server in the daemon's session.  Methods that
 * need no login (register, reset_password, ...) also work while
 * offline, over a connection of their own.  Errors are LT_DAEMON_ERROR:
 * NotLoggedIn while offline, Offline while reconnecting, and the
 * server's own errors mapped one to one.
 */
void
lt_daemon_call_async (LtDaemon           *self,
                      const char         *method,
                      JsonObject         *params,
                      GCancellable       *cancellable,
                      GAsyncReadyCallback callback,
                      gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(LtDaemonConnection) connection = NULL;
  GError *error = NULL;

  g_return_if_fail (LT_IS_DAEMON (self));
  g_return_if_fail (method != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, lt_daemon_call_async);

  if (self->state == LT_DAEMON_STATE_LOGGED_IN)
    {
      lt_daemon_connection_call_async (self->connection, method, params, cancellable,
                                       on_call_done, g_steal_pointer (&task));
    }
  else if (is_anonymous_method (method))
    {
      AnonymousCall *call = g_new0 (AnonymousCall, 1);

      call->method = g_strdup (method);
      call->params = params ? json_object_ref (params) : json_object_new ();
      g_task_set_task_data (task, call, (GDestroyNotify) anonymous_call_free);
      connection = new_connection (self, &error);
      if (connection == NULL)
        {
          g_task_return_error (task, error);
          return;
        }
      lt_daemon_connection_connect_async (connection, cancellable, on_anonymous_connected,
                                          g_steal_pointer (&task));
    }
  else if (self->state == LT_DAEMON_STATE_OFFLINE)
    {
      g_task_return_error (task, lt_daemon_error_new_not_logged_in ());
    }
  else
    {
      g_task_return_new_error (task, LT_DAEMON_ERROR, LT_DAEMON_ERROR_OFFLINE,
                               "Not connected to %s; reconnecting", self->server);
    }
}

/**
 * lt_daemon_call_finish:
 *
 * Returns: (transfer full): the server's result object
 */
JsonObject *
lt_daemon_call_finish (LtDaemon     *self,
                       GAsyncResult *result,
                       GError      **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
on_network_changed (GNetworkMonitor *monitor,
                    gboolean         available,
                    LtDaemon        *self)
{
  if (available)
    lt_daemon_reconnect_now (self);
}

/* logind's PrepareForSleep (false): the machine has resumed. */
static void
on_prepare_for_sleep (GDBusConnection *connection,
                      const char      *sender,
                      const char      *path,
                      const char      *interface,
                      const char      *member,
                      GVariant        *parameters,
                      gpointer         user_data)
{
  g_autoptr(LtDaemon) self = g_weak_ref_get (user_data);
  gboolean going_to_sleep = TRUE;

  if (g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(b)")))
    g_variant_get (parameters, "(b)", &going_to_sleep);
  if (self != NULL && !going_to_sleep)
    {
      g_debug ("The machine resumed");
      lt_daemon_reconnect_now (self);
    }
}

/* Without a system bus (a container, a test) there is no logind to
 * hear from: the keepalive still notices a dead connection. */
static void
on_system_bus (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(LtDaemon) self = take_self (user_data);
  g_autoptr(GDBusConnection) bus = NULL;
  g_autoptr(GError) error = NULL;

  bus = g_bus_get_finish (result, &error);
  if (bus == NULL)
    {
      g_debug ("No system bus, so no resume from suspend: %s", error->message);
      return;
    }
  if (self == NULL)
    return;

  self->system_bus = g_steal_pointer (&bus);
  self->sleep_subscription =
    g_dbus_connection_signal_subscribe (self->system_bus, "org.freedesktop.login1",
                                        "org.freedesktop.login1.Manager", "PrepareForSleep",
                                        "/org/freedesktop/login1", NULL,
                                        G_DBUS_SIGNAL_FLAGS_NONE, on_prepare_for_sleep,
                                        weak_self (self), free_weak_self);
}

LtDaemonState
lt_daemon_get_state (LtDaemon *self)
{
  g_return_val_if_fail (LT_IS_DAEMON (self), LT_DAEMON_STATE_OFFLINE);

  return self->state;
}

static gboolean
has_space_or_control (const char *text)
{
  for (const char *c = text; *c != '\0'; c++)
    if (g_ascii_isspace (*c) || g_ascii_iscntrl (*c))
      return TRUE;
  return FALSE;
}

/**
 * lt_daemon_check_server:
 * @server: a server address as a person typed it
 * @error: where to say what is wrong with it
 *
 * Whether @server can be connected to: `host` or `host:port`, with an
 * IPv6 address in brackets, without spaces or control characters.
 *
 * Returns: %TRUE if it is such an address, else %FALSE with
 *   %LT_DAEMON_ERROR_INVALID_ARGUMENT
 */
gboolean
lt_daemon_check_server (const char *server,
                        GError    **error)
{
  g_autoptr(GSocketConnectable) address = NULL;
  g_autoptr(GError) parse_error = NULL;

  g_return_val_if_fail (server != NULL, FALSE);

  if (*server != '\0' && !has_space_or_control (server))
    address = g_network_address_parse (server, LT_DEFAULT_PORT, &parse_error);
  if (address != NULL)
    return TRUE;

  g_set_error (error, LT_DAEMON_ERROR, LT_DAEMON_ERROR_INVALID_ARGUMENT,
               "server: “%s” is not host or host:port, e.g. chat.example.org:%d", server,
               LT_DEFAULT_PORT);
  return FALSE;
}

const char *
lt_daemon_get_server (LtDaemon *self)
{
  g_return_val_if_fail (LT_IS_DAEMON (self), NULL);

  return self->server;
}

/* New connection settings while (re)connecting or logged in: move over
 * at once. */
static void
restart_session (LtDaemon *self)
{
  if (self->state == LT_DAEMON_STATE_OFFLINE)
    return;

  self->retry_delay_ms = FIRST_RETRY_MS;
  start_attempt (self);
}

/* A new server while (re)connecting or logged in: move over at once. */
void
lt_daemon_set_server (LtDaemon   *self,
                      const char *server)
{
  g_return_if_fail (LT_IS_DAEMON (self));
  g_return_if_fail (server != NULL);

  if (g_strcmp0 (self->server, server) == 0)
    return;

  set_string (self, &self->server, server, PROP_SERVER);
  restart_session (self);
}

/* Whether to speak direct TLS; a change applies at once. */
void
lt_daemon_set_use_tls (LtDaemon *self,
                       gboolean  use_tls)
{
  g_return_if_fail (LT_IS_DAEMON (self));

  if (self->use_tls == !!use_tls)
    return;

  self->use_tls = !!use_tls;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_USE_TLS]);
  restart_session (self);
}

/**
 * lt_daemon_set_tls_ca_file:
 * @path: a PEM file of certificate authorities (or of the server's
 *   self-signed certificate), "" for the system's
 *
 * Read here, once, rather than at each connection; a file that cannot
 * be read is tried again at each attempt, which fails with the reason
 * until it can.
 */
void
lt_daemon_set_tls_ca_file (LtDaemon   *self,
                           const char *path)
{
  g_return_if_fail (LT_IS_DAEMON (self));
  g_return_if_fail (path != NULL);

  if (g_strcmp0 (self->tls_ca_file, path) == 0)
    return;

  set_string (self, &self->tls_ca_file, path, PROP_TLS_CA_FILE);
  load_tls_database (self);
  if (self->use_tls)
    restart_session (self);
}

gboolean
lt_daemon_get_use_tls (LtDaemon *self)
{
  g_return_val_if_fail (LT_IS_DAEMON (self), FALSE);

  return self->use_tls;
}

/* Returns: (transfer none) (nullable): the authorities of tls-ca-file,
 * or %NULL for the system's */
GTlsDatabase *
lt_daemon_get_tls_database (LtDaemon *self)
{
  g_return_val_if_fail (LT_IS_DAEMON (self), NULL);

  return self->tls_database;
}

/**
 * lt_daemon_dup_http_base:
 *
 * The base of the file service's URLs (PROTOCOL.md §13): the chat
 * connection's host with hello's `http` port, https when the chat
 * connection uses TLS.
 *
 * Returns: (transfer full) (nullable): e.g. "http://host:4568/", or
 *   %NULL while not logged in or when the server has no file service
 */
char *
lt_daemon_dup_http_base (LtDaemon *self)
{
  g_autoptr(GSocketConnectable) address = NULL;
  const char *host;
  int port;

  g_return_val_if_fail (LT_IS_DAEMON (self), NULL);

  if (self->state != LT_DAEMON_STATE_LOGGED_IN || self->connection == NULL)
    return NULL;
  port = lt_daemon_connection_get_http_port (self->connection);
  address = g_network_address_parse (self->server, LT_DEFAULT_PORT, NULL);
  if (port <= 0 || address == NULL)
    return NULL;

  host = g_network_address_get_hostname (G_NETWORK_ADDRESS (address));
  return g_strdup_printf (strchr (host, ':') != NULL ? "%s://[%s]:%d/" : "%s://%s:%d/",
                          self->use_tls ? "https" : "http", host, port);
}

const char *
lt_daemon_get_username (LtDaemon *self)
{
  g_return_val_if_fail (LT_IS_DAEMON (self), NULL);

  return self->username;
}

const char *
lt_daemon_get_nickname (LtDaemon *self)
{
  g_return_val_if_fail (LT_IS_DAEMON (self), NULL);

  return self->nickname;
}

/* Why the last connection or login failed; "" after a login. */
const char *
lt_daemon_get_last_error (LtDaemon *self)
{
  g_return_val_if_fail (LT_IS_DAEMON (self), NULL);

  return self->last_error;
}

LtDaemon *
lt_daemon_new (const char *server)
{
  return g_object_new (LT_TYPE_DAEMON, "server", server, NULL);
}

static void
lt_daemon_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  LtDaemon *self = LT_DAEMON (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    case PROP_SERVER:
      g_value_set_string (value, self->server);
      break;
    case PROP_USERNAME:
      g_value_set_string (value, self->username);
      break;
    case PROP_NICKNAME:
      g_value_set_string (value, self->nickname);
      break;
    case PROP_LAST_ERROR:
      g_value_set_string (value, self->last_error);
      break;
    case PROP_MAX_RETRY_DELAY:
      g_value_set_uint (value, self->max_retry_delay_ms);
      break;
    case PROP_FOCUSED:
      g_value_set_string (value, self->focused);
      break;
    case PROP_CATCHING_UP:
      g_value_set_boolean (value, self->catching_up);
      break;
    case PROP_USE_TLS:
      g_value_set_boolean (value, self->use_tls);
      break;
    case PROP_TLS_CA_FILE:
      g_value_set_string (value, self->tls_ca_file);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lt_daemon_set_property (GObject      *object,
                        guint         prop_id,
                        const GValue *value,
                        GParamSpec   *pspec)
{
  LtDaemon *self = LT_DAEMON (object);

  switch (prop_id)
    {
    case PROP_SERVER:
      lt_daemon_set_server (self, g_value_get_string (value));
      break;
    case PROP_USE_TLS:
      lt_daemon_set_use_tls (self, g_value_get_boolean (value));
      break;
    case PROP_TLS_CA_FILE:
      lt_daemon_set_tls_ca_file (self, g_value_get_string (value));
      break;
    case PROP_MAX_RETRY_DELAY:
      if (self->max_retry_delay_ms != g_value_get_uint (value))
        {
          self->max_retry_delay_ms = g_value_get_uint (value);
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lt_daemon_dispose (GObject *object)
{
  LtDaemon *self = LT_DAEMON (object);

  cancel_attempt (self);
  drop_connection (self);
  g_clear_object (&self->network_monitor);
  if (self->sleep_subscription != 0)
    g_dbus_connection_signal_unsubscribe (self->system_bus, self->sleep_subscription);
  self->sleep_subscription = 0;
  g_clear_object (&self->system_bus);
  g_clear_object (&self->tls_database);
  g_clear_object (&self->cache);

  G_OBJECT_CLASS (lt_daemon_parent_class)->dispose (object);
}

static void
lt_daemon_finalize (GObject *object)
{
  LtDaemon *self = LT_DAEMON (object);

  forget_password (self);
  g_clear_pointer (&self->in_flight, g_hash_table_unref);
  g_clear_pointer (&self->tails, g_hash_table_unref);
  g_clear_pointer (&self->server, g_free);
  g_clear_pointer (&self->username, g_free);
  g_clear_pointer (&self->nickname, g_free);
  g_clear_pointer (&self->last_error, g_free);
  g_clear_pointer (&self->focused, g_free);
  g_clear_pointer (&self->tls_ca_file, g_free);
  g_clear_error (&self->tls_error);

  G_OBJECT_CLASS (lt_daemon_parent_class)->finalize (object);
}

static void
lt_daemon_class_init (LtDaemonClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = lt_daemon_get_property;
  object_class->set_property = lt_daemon_set_property;
  object_class->dispose = lt_daemon_dispose;
  object_class->finalize = lt_daemon_finalize;

  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, LT_TYPE_DAEMON_STATE, LT_DAEMON_STATE_OFFLINE,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SERVER] =
    g_param_spec_string ("server", NULL, NULL, "127.0.0.1:4567",
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_USERNAME] =
    g_param_spec_string ("username", NULL, NULL, "",
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_NICKNAME] =
    g_param_spec_string ("nickname", NULL, NULL, "",
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_LAST_ERROR] =
    g_param_spec_string ("last-error", NULL, NULL, "",
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_MAX_RETRY_DELAY] =
    g_param_spec_uint ("max-retry-delay", NULL, NULL, FIRST_RETRY_MS, G_MAXUINT,
                       DEFAULT_MAX_RETRY_MS,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_USE_TLS] =
    g_param_spec_boolean ("use-tls", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_TLS_CA_FILE] =
    g_param_spec_string ("tls-ca-file", NULL, NULL, "",
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_FOCUSED] =
    g_param_spec_string ("focused", NULL, NULL, "",
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /**
   * LtDaemon:catching-up:
   *
   * TRUE from a login until the offline messages pushed after it and
   * the messages its rooms missed are stored and signalled: what
   * arrives meanwhile is a catch-up, not news one by one.
   */
  properties[PROP_CATCHING_UP] =
    g_param_spec_boolean ("catching-up", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_PRESENCE_CHANGED] =
    g_signal_new ("presence-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                  NULL, NULL, G_TYPE_NONE, 3, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_BOOLEAN);
  signals[SIGNAL_FRIEND_ADDED] =
    g_signal_new ("friend-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);
  signals[SIGNAL_FRIEND_REMOVED] =
    g_signal_new ("friend-removed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                  NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[SIGNAL_ROOM_MEMBERSHIP] =
    g_signal_new ("room-membership", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                  NULL, NULL, G_TYPE_NONE, 3, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_BOOLEAN);

  /**
   * LtDaemon::message-received:
   * @conversation: the peer's username or the "#room"
   * @id: the server's id; each id is signalled once
   * @ts: milliseconds since the Unix epoch
   * @sender: the sender's username
   * @text: the text
   * @nickname: the sender's nickname
   *
   * A message is in the local cache (then acknowledged to the server).
   */
  signals[SIGNAL_MESSAGE_RECEIVED] =
    g_signal_new ("message-received", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                  NULL, NULL, G_TYPE_NONE, 6, G_TYPE_STRING, G_TYPE_UINT64, G_TYPE_INT64,
                  G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING);
  /**
   * LtDaemon::message-sent:
   * @conversation: the recipient
   * @local_id: the outbox id lt_daemon_send_message_finish() gave
   * @id: the server's id
   */
  signals[SIGNAL_MESSAGE_SENT] =
    g_signal_new ("message-sent", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 3, G_TYPE_STRING, G_TYPE_UINT64, G_TYPE_UINT64);
  /**
   * LtDaemon::message-failed:
   * @conversation: the recipient
   * @local_id: the outbox id
   * @error_name: the D-Bus error name of the server's refusal
   * @message: the server's explanation
   */
  signals[SIGNAL_MESSAGE_FAILED] =
    g_signal_new ("message-failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                  NULL, NULL, G_TYPE_NONE, 4, G_TYPE_STRING, G_TYPE_UINT64, G_TYPE_STRING,
                  G_TYPE_STRING);
  /**
   * LtDaemon::conversation-read:
   * @conversation: what lt_daemon_mark_read_async() marked read
   */
  signals[SIGNAL_CONVERSATION_READ] =
    g_signal_new ("conversation-read", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                  NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  /**
   * LtDaemon::file-offered:
   * @conversation: the peer's username or the "#room"
   * @file_id: the file's id on the server
   * @sender: the sender's username
   * @name: the file's or folder's safe name
   * @size: its size in bytes
   * @nickname: the sender's nickname
   *
   * A file_offered is in the cache (each file once).
   */
  signals[SIGNAL_FILE_OFFERED] =
    g_signal_new ("file-offered", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 6, G_TYPE_STRING, G_TYPE_UINT64, G_TYPE_STRING,
                  G_TYPE_STRING, G_TYPE_UINT64, G_TYPE_STRING);
  /**
   * LtDaemon::file-rejected:
   * @conversation: the peer's username
   * @file_id: the private file
   * @by: the recipient who declined it
   */
  signals[SIGNAL_FILE_REJECTED] =
    g_signal_new ("file-rejected", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 3, G_TYPE_STRING, G_TYPE_UINT64, G_TYPE_STRING);
}

static void
lt_daemon_init (LtDaemon *self)
{
  self->username = g_strdup ("");
  self->nickname = g_strdup ("");
  self->last_error = g_strdup ("");
  self->focused = g_strdup ("");
  self->tls_ca_file = g_strdup ("");
  self->max_retry_delay_ms = DEFAULT_MAX_RETRY_MS;
  self->retry_delay_ms = FIRST_RETRY_MS;
  self->in_flight = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  self->tails = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->network_monitor = g_object_ref (g_network_monitor_get_default ());
  g_signal_connect_object (self->network_monitor, "network-changed",
                           G_CALLBACK (on_network_changed), self, 0);
  g_bus_get (G_BUS_TYPE_SYSTEM, NULL, on_system_bus, weak_self (self));
}
