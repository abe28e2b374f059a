/* SPDX-License-Identifier: GPL-3.0-or-later */
/* LtDaemonConnection: the daemon's one connection to a Liaotian server
 * (docs/PROTOCOL.md), seen as JSON-RPC calls and notifications.
 *
 * An object connects once: TCP (or direct TLS), then the server's
 * hello, then calls and notifications until the connection ends, which
 * "closed" reports once.  Reconnecting is the owner's business: it
 * makes a new object.
 *
 * Frames go through LtFrameStream.  Each call is a GTask in a table by
 * request id, with its own timeout and cancellable sources, so answers
 * may come in any order; whatever is pending fails when the connection
 * ends.  A keepalive sends ping once either direction has been quiet
 * for ping-interval seconds (the server drops clients it has not heard
 * from, and a dead peer is only noticed by asking it something) and
 * closes the connection when the ping is not answered in time. */
#include "config.h"

#include <netinet/in.h>
#include <netinet/tcp.h>

#include "lt-daemon-connection.h"
#include "lt-frame-stream.h"
#include "lt-json.h"
#include "lt-protocol.h"

/* PROTOCOL.md §2: server frames reach a few MiB; accept up to 16. */
#define MAX_FRAME (16 * 1024 * 1024)
#define MAX_QUEUED (4 * 1024 * 1024)
#define DEFAULT_CONNECT_TIMEOUT 15
#define DEFAULT_CALL_TIMEOUT 30
#define DEFAULT_PING_INTERVAL 30
#define DEFAULT_PING_TIMEOUT 10

typedef enum
{
  STATE_NEW,
  STATE_CONNECTING,
  STATE_CONNECTED,
  STATE_CLOSING,
  STATE_CLOSED,
} State;

struct _LtDaemonConnection
{
  GObject parent_instance;

  char *server;
  GTlsDatabase *tls_database;
  guint connect_timeout;
  guint call_timeout;
  guint ping_interval;
  guint ping_timeout;
  gboolean tls;
  int http_port; /* from hello; -1: no file service */

  State state;
  LtFrameStream *frames;
  GError *close_error; /* why we closed it; NULL: the owner asked */
  char *bye_reason;

  /* While connecting. */
  GTask *connect_task;
  GCancellable *connect_cancellable;
  GSource *connect_timeout_source;
  GSource *connect_cancel_source;

  GHashTable *calls; /* gint64 *id → Call */
  gint64 next_id;

  GSource *keepalive;
  gint64 last_sent;
  gint64 last_received;
  gboolean ping_pending;
};

typedef struct
{
  gint64 id;
  char *method;
  guint timeout_seconds;
  GTask *task;
  GSource *timeout;
  GSource *cancel;
} Call;

enum {
  PROP_0,
  PROP_SERVER,
  PROP_TLS,
  PROP_TLS_DATABASE,
  PROP_CONNECT_TIMEOUT,
  PROP_CALL_TIMEOUT,
  PROP_PING_INTERVAL,
  PROP_PING_TIMEOUT,
  N_PROPS
};

enum {
  SIGNAL_NOTIFICATION,
  SIGNAL_CLOSED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (LtDaemonConnection, lt_daemon_connection, G_TYPE_OBJECT)

static void keepalive_schedule (LtDaemonConnection *self);

static void
clear_source (GSource **source)
{
  if (*source == NULL)
    return;
  g_source_destroy (*source);
  g_clear_pointer (source, g_source_unref);
}

static GSource *
attach_source (GSource    *source,
               GSourceFunc func,
               gpointer    data)
{
  g_source_set_callback (source, func, data, NULL);
  g_source_attach (source, g_main_context_get_thread_default ());
  return source;
}

static void
call_free (Call *call)
{
  clear_source (&call->timeout);
  clear_source (&call->cancel);
  g_clear_object (&call->task);
  g_free (call->method);
  g_free (call);
}

/* Takes call @id out of the table; its task is the caller's to return. */
static GTask *
take_call (LtDaemonConnection *self,
           gint64              id)
{
  Call *call;
  GTask *task;

  if (!g_hash_table_steal_extended (self->calls, &id, NULL, (gpointer *) &call))
    return NULL;
  task = g_steal_pointer (&call->task);
  call_free (call);
  return task;
}

static gboolean
on_call_timeout (gpointer user_data)
{
  Call *call = user_data;
  LtDaemonConnection *self = g_task_get_source_object (call->task);
  g_autofree char *method = g_strdup (call->method);
  guint seconds = call->timeout_seconds;
  g_autoptr(GTask) task = take_call (self, call->id);

  g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                           "%s did not answer “%s” within %u s", self->server, method, seconds);
  return G_SOURCE_REMOVE;
}

static gboolean
on_call_cancelled (GCancellable *cancellable,
                   gpointer      user_data)
{
  Call *call = user_data;
  g_autoptr(GTask) task = take_call (g_task_get_source_object (call->task), call->id);

  /* The answer, if it comes, is dropped as one nobody waits for. */
  g_task_return_error_if_cancelled (task);
  return G_SOURCE_REMOVE;
}

/* Sends @method and lets @task wait for the answer. */
static void
start_call (LtDaemonConnection *self,
            GTask              *task,
            const char         *method,
            JsonObject         *params,
            guint               timeout_seconds)
{
  GCancellable *cancellable = g_task_get_cancellable (task);
  g_autoptr(GBytes) frame = NULL;
  Call *call = g_new0 (Call, 1);

  call->id = ++self->next_id;
  call->method = g_strdup (method);
  call->timeout_seconds = timeout_seconds;
  call->task = task;
  call->timeout = attach_source (g_timeout_source_new_seconds (timeout_seconds),
                                 on_call_timeout, call);
  if (cancellable != NULL)
    call->cancel = attach_source (g_cancellable_source_new (cancellable),
                                  G_SOURCE_FUNC (on_call_cancelled), call);
  g_hash_table_insert (self->calls, &call->id, call);

  /* When this fails the stream is closing, and its "closed" fails the call. */
  frame = lt_jsonrpc_request_new (call->id, method, params);
  lt_frame_stream_send (self->frames, frame);
  self->last_sent = g_get_monotonic_time ();
}

static void
fail_calls (LtDaemonConnection *self,
            const GError       *reason)
{
  g_autoptr(GHashTable) calls = g_steal_pointer (&self->calls);
  GHashTableIter iter;
  Call *call;

  self->calls = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL,
                                       (GDestroyNotify) call_free);
  g_hash_table_iter_init (&iter, calls);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &call))
    {
      g_autoptr(GTask) task = g_steal_pointer (&call->task);

      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CLOSED,
                               "Connection to %s closed before the answer to “%s”: %s",
                               self->server, call->method,
                               reason ? reason->message : "closed by the daemon");
    }
}

/* Connecting ------------------------------------------------------------ */

static void
drop_frames (LtDaemonConnection *self)
{
  if (self->frames == NULL)
    return;
  g_signal_handlers_disconnect_by_data (self->frames, self);
  lt_frame_stream_close (self->frames, FALSE);
  g_clear_object (&self->frames);
}

/* Ends the connecting phase in @state; returns the connect task. */
static GTask *
connect_end (LtDaemonConnection *self,
             State               state)
{
  clear_source (&self->connect_timeout_source);
  clear_source (&self->connect_cancel_source);
  g_cancellable_cancel (self->connect_cancellable);
  g_clear_object (&self->connect_cancellable);
  self->state = state;
  return g_steal_pointer (&self->connect_task);
}

static void
connect_fail (LtDaemonConnection *self,
              GError             *error)
{
  g_autoptr(GTask) task = connect_end (self, STATE_CLOSED);

  drop_frames (self);
  g_task_return_error (task, error);
}

static void
connect_succeed (LtDaemonConnection *self)
{
  g_autoptr(GTask) task = connect_end (self, STATE_CONNECTED);

  self->last_sent = self->last_received = g_get_monotonic_time ();
  keepalive_schedule (self);
  g_task_return_boolean (task, TRUE);
}

static gboolean
on_connect_timeout (gpointer user_data)
{
  LtDaemonConnection *self = user_data;

  connect_fail (self, g_error_new (G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                                   "No hello from %s within %u s", self->server,
                                   self->connect_timeout));
  return G_SOURCE_REMOVE;
}

static gboolean
on_connect_cancelled (GCancellable *cancellable,
                      gpointer      user_data)
{
  LtDaemonConnection *self = user_data;

  connect_fail (self, g_error_new (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                   "Connecting to %s was cancelled", self->server));
  return G_SOURCE_REMOVE;
}

static void
handle_hello (LtDaemonConnection *self,
              const char         *method,
              JsonObject         *params)
{
  gint64 protocol = 0;

  if (g_strcmp0 (method, "hello") != 0)
    connect_fail (self, g_error_new (G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                                     "%s did not begin with hello but with “%s”", self->server,
                                     method));
  else if (!lt_json_get_int (params, "protocol", TRUE, &protocol, NULL)
           || protocol != LT_PROTOCOL_VERSION)
    connect_fail (self, g_error_new (G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                                     "%s speaks Liaotian protocol %" G_GINT64_FORMAT
                                     ", this daemon only version %d", self->server, protocol,
                                     LT_PROTOCOL_VERSION));
  else
    {
      gint64 http = -1;

      /* The file service's port (PROTOCOL.md §13); absent when off. */
      if (lt_json_get_int (params, "http", FALSE, &http, NULL) && http > 0 && http <= 65535)
        self->http_port = http;
      connect_succeed (self);
    }
}

/* Closing --------------------------------------------------------------- */

/* Ends the connection for @error (NULL: the owner asked); the calls
 * fail and "closed" is emitted once the stream has closed. */
static void
close_connection (LtDaemonConnection *self,
                  GError             *error)
{
  if (self->state != STATE_CONNECTED)
    {
      g_clear_error (&error);
      return;
    }

  self->state = STATE_CLOSING;
  self->close_error = error;
  clear_source (&self->keepalive);
  /* An orderly close still sends what is queued, such as a logout. */
  lt_frame_stream_close (self->frames, error == NULL);
}

/* Gives up on the connection, whatever phase it is in. */
static void
fail (LtDaemonConnection *self,
      GError             *error)
{
  if (self->state == STATE_CONNECTING)
    connect_fail (self, error);
  else
    close_connection (self, error);
}

static GError *
closed_reason (LtDaemonConnection *self,
               const GError       *stream_error)
{
  if (self->state == STATE_CLOSING)
    return g_steal_pointer (&self->close_error);
  if (stream_error != NULL)
    return g_error_copy (stream_error);
  if (self->bye_reason != NULL)
    return g_error_new (G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED,
                        "%s closed the connection (%s)", self->server, self->bye_reason);
  return g_error_new (G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED, "%s closed the connection",
                      self->server);
}

static void
on_frames_closed (LtFrameStream *frames,
                  const GError  *error,
                  gpointer       user_data)
{
  g_autoptr(LtDaemonConnection) self = g_object_ref (user_data);
  g_autoptr(GError) reason = NULL;

  if (self->state == STATE_CONNECTING)
    {
      connect_fail (self, error ? g_error_copy (error)
                                : g_error_new (G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED,
                                               "%s closed the connection before its hello",
                                               self->server));
      return;
    }

  reason = closed_reason (self, error);
  self->state = STATE_CLOSED;
  clear_source (&self->keepalive);
  fail_calls (self, reason);
  g_signal_emit (self, signals[SIGNAL_CLOSED], 0, reason);
}

/* Incoming frames ------------------------------------------------------- */

static void
handle_notification (LtDaemonConnection *self,
                     JsonObject         *frame)
{
  g_autoptr(JsonObject) params = NULL;
  const char *method = NULL;

  if (!lt_json_get_string (frame, "method", TRUE, &method, NULL))
    {
      g_debug ("Ignoring a frame from %s with neither id nor method", self->server);
      return;
    }

  if (json_object_has_member (frame, "params")
      && JSON_NODE_HOLDS_OBJECT (json_object_get_member (frame, "params")))
    params = json_object_ref (json_object_get_object_member (frame, "params"));
  else
    params = json_object_new ();

  if (self->state == STATE_CONNECTING)
    {
      handle_hello (self, method, params);
      return;
    }

  if (g_str_equal (method, "bye"))
    {
      g_free (self->bye_reason);
      self->bye_reason = g_strdup (json_object_get_string_member_with_default (params, "reason",
                                                                              "bye"));
    }
  g_signal_emit (self, signals[SIGNAL_NOTIFICATION], 0, method, params);
}

static JsonObject *
get_object_member (JsonObject *object,
                   const char *member)
{
  JsonNode *node = json_object_get_member (object, member);

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

/* An error with "id": null is about the connection (refused at
 * connect, frame too large); the server closes it after. */
static void
handle_connection_error (LtDaemonConnection *self,
                         JsonObject         *error_object)
{
  GError *error = lt_jsonrpc_error_to_gerror (error_object);

  if (self->state == STATE_CONNECTING)
    {
      connect_fail (self, error);
      return;
    }
  g_message ("%s: %s", self->server, error->message);
  g_error_free (error);
}

static void
handle_response (LtDaemonConnection *self,
                 JsonObject         *frame)
{
  JsonNode *id = json_object_get_member (frame, "id");
  JsonObject *error_object = get_object_member (frame, "error");
  JsonObject *result = get_object_member (frame, "result");
  g_autoptr(GTask) task = NULL;

  if (JSON_NODE_HOLDS_VALUE (id) && json_node_get_value_type (id) == G_TYPE_INT64)
    task = take_call (self, json_node_get_int (id));

  if (task == NULL && error_object != NULL && JSON_NODE_HOLDS_NULL (id))
    handle_connection_error (self, error_object);
  else if (task == NULL)
    g_debug ("Dropping an answer from %s that nobody waits for", self->server);
  else if (error_object != NULL)
    g_task_return_error (task, lt_jsonrpc_error_to_gerror (error_object));
  else if (result != NULL)
    g_task_return_pointer (task, json_object_ref (result), (GDestroyNotify) json_object_unref);
  else
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                             "%s answered with neither result nor error", self->server);
}

static void
on_frame (LtFrameStream *frames,
          GBytes        *bytes,
          gpointer       user_data)
{
  LtDaemonConnection *self = user_data;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) error = NULL;
  const char *data;
  gsize length;

  self->last_received = g_get_monotonic_time ();
  data = g_bytes_get_data (bytes, &length);
  node = lt_json_parse_frame (data, length, &error);
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      /* An answer may be lost in it: start afresh rather than hang. */
      fail (self, g_error_new (G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                               "%s sent a frame that is not a JSON object%s%s", self->server,
                               error ? ": " : "", error ? error->message : ""));
      return;
    }

  if (json_object_has_member (json_node_get_object (node), "id"))
    handle_response (self, json_node_get_object (node));
  else
    handle_notification (self, json_node_get_object (node));
}

static void
on_frame_error (LtFrameStream *frames,
                const GError  *error,
                gpointer       user_data)
{
  fail (user_data, g_error_copy (error));
}

/* Keepalive ------------------------------------------------------------- */

static gint64
quiet_time (LtDaemonConnection *self)
{
  return g_get_monotonic_time () - MIN (self->last_sent, self->last_received);
}

static void
on_ping_answered (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  LtDaemonConnection *self = LT_DAEMON_CONNECTION (object);
  g_autoptr(JsonObject) answer = NULL;
  g_autoptr(GError) error = NULL;

  self->ping_pending = FALSE;
  answer = g_task_propagate_pointer (G_TASK (result), &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    close_connection (self, g_error_new (G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                                         "%s did not answer a ping within %u s", self->server,
                                         self->ping_timeout));
}

static void
send_ping (LtDaemonConnection *self)
{
  self->ping_pending = TRUE;
  start_call (self, g_task_new (self, NULL, on_ping_answered, NULL), "ping", NULL,
              self->ping_timeout);
}

static gboolean
on_keepalive (gpointer user_data)
{
  LtDaemonConnection *self = user_data;
  /* Seconds timeouts may fire up to a quarter second early. */
  gint64 due = (gint64) self->ping_interval * G_USEC_PER_SEC - G_USEC_PER_SEC / 2;

  if (!self->ping_pending && quiet_time (self) >= due)
    send_ping (self);
  keepalive_schedule (self);
  return G_SOURCE_REMOVE;
}

/* Wakes up when the connection will have been quiet for ping-interval. */
static void
keepalive_schedule (LtDaemonConnection *self)
{
  gint64 interval = (gint64) self->ping_interval * G_USEC_PER_SEC;
  gint64 wait;

  clear_source (&self->keepalive);
  if (self->state != STATE_CONNECTED || self->ping_interval == 0)
    return;

  wait = self->ping_pending ? interval : interval - quiet_time (self);
  wait = MAX (wait, G_USEC_PER_SEC);
  self->keepalive = attach_source (g_timeout_source_new_seconds ((wait + G_USEC_PER_SEC - 1)
                                                                 / G_USEC_PER_SEC),
                                   on_keepalive, self);
}

/* Public API ------------------------------------------------------------ */

/**
 * lt_daemon_connection_check:
 *
 * Pings the server now, unless a ping is under way: a connection that
 * went dead silently (the machine slept, the network moved) closes
 * with G_IO_ERROR_TIMED_OUT when the answer does not come in time.
 */
void
lt_daemon_connection_check (LtDaemonConnection *self)
{
  g_return_if_fail (LT_IS_DAEMON_CONNECTION (self));

  if (self->state == STATE_CONNECTED && !self->ping_pending)
    send_ping (self);
}

/**
 * lt_daemon_connection_new:
 * @server: "host:port" or "host" (port 4567)
 * @tls: whether the server speaks direct TLS
 * @tls_database: (nullable): the certificate authorities to check the
 *   server against (a self-signed certificate may be its own), or
 *   %NULL for the system's
 */
LtDaemonConnection *
lt_daemon_connection_new (const char   *server,
                          gboolean      tls,
                          GTlsDatabase *tls_database)
{
  g_return_val_if_fail (server != NULL, NULL);
  g_return_val_if_fail (tls_database == NULL || G_IS_TLS_DATABASE (tls_database), NULL);

  return g_object_new (LT_TYPE_DAEMON_CONNECTION, "server", server, "tls", tls,
                       "tls-database", tls_database, NULL);
}

/* The HTTP file service's port from hello, or -1 when the server has
 * none (or before hello). */
int
lt_daemon_connection_get_http_port (LtDaemonConnection *self)
{
  g_return_val_if_fail (LT_IS_DAEMON_CONNECTION (self), -1);

  return self->http_port;
}

/* TRUE between a successful connect and the start of the close. */
gboolean
lt_daemon_connection_is_connected (LtDaemonConnection *self)
{
  g_return_val_if_fail (LT_IS_DAEMON_CONNECTION (self), FALSE);

  return self->state == STATE_CONNECTED;
}

static void
on_socket_client_event (GSocketClient      *client,
                        GSocketClientEvent  event,
                        GSocketConnectable *connectable,
                        GIOStream          *connection,
                        gpointer            user_data)
{
  LtDaemonConnection *self = user_data;

  if (event != G_SOCKET_CLIENT_TLS_HANDSHAKING)
    return;

  /* The server may close without a close_notify; frames are whole
   * lines, so a cut can only lose a partial frame, never forge one. */
  g_tls_connection_set_require_close_notify (G_TLS_CONNECTION (connection), FALSE);
  if (self->tls_database != NULL)
    g_tls_connection_set_database (G_TLS_CONNECTION (connection), self->tls_database);
}

static void
set_no_delay (GSocketConnection *connection)
{
  g_autoptr(GError) error = NULL;

  /* Frames are small and latency matters more than packet count. */
  if (!g_socket_set_option (g_socket_connection_get_socket (connection), IPPROTO_TCP,
                            TCP_NODELAY, TRUE, &error))
    g_debug ("Cannot set TCP_NODELAY: %s", error->message);
}

static void
on_connected (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(LtDaemonConnection) self = user_data;
  g_autoptr(GSocketConnection) connection = NULL;
  GError *error = NULL;

  connection = g_socket_client_connect_finish (G_SOCKET_CLIENT (object), result, &error);
  if (self->state != STATE_CONNECTING)
    {
      /* Timed out or cancelled meanwhile, and already reported. */
      g_clear_error (&error);
      return;
    }
  if (connection == NULL)
    {
      g_prefix_error (&error, "Cannot connect to %s: ", self->server);
      connect_fail (self, error);
      return;
    }

  set_no_delay (connection);
  self->frames = lt_frame_stream_new (G_IO_STREAM (connection), MAX_FRAME, MAX_QUEUED);
  g_signal_connect (self->frames, "frame", G_CALLBACK (on_frame), self);
  g_signal_connect (self->frames, "frame-error", G_CALLBACK (on_frame_error), self);
  g_signal_connect (self->frames, "closed", G_CALLBACK (on_frames_closed), self);
  lt_frame_stream_start (self->frames);
}

/**
 * lt_daemon_connection_connect_async:
 *
 * Connects and waits for the server's hello, for connect-timeout
 * seconds at most.  An object connects only once; make a new one to
 * reconnect.  After a failed connect, "closed" is not emitted.
 */
void
lt_daemon_connection_connect_async (LtDaemonConnection  *self,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GSocketConnectable) address = NULL;
  g_autoptr(GSocketClient) client = NULL;
  GError *error = NULL;

  g_return_if_fail (LT_IS_DAEMON_CONNECTION (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, lt_daemon_connection_connect_async);

  if (self->state != STATE_NEW)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED,
                               "A connection connects only once; make a new one");
      return;
    }

  self->state = STATE_CLOSED;
  address = g_network_address_parse (self->server, LT_DEFAULT_PORT, &error);
  if (address == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  self->state = STATE_CONNECTING;
  self->connect_task = g_steal_pointer (&task);
  self->connect_cancellable = g_cancellable_new ();
  self->connect_timeout_source = attach_source (
    g_timeout_source_new_seconds (self->connect_timeout), on_connect_timeout, self);
  if (cancellable != NULL)
    self->connect_cancel_source = attach_source (g_cancellable_source_new (cancellable),
                                                 G_SOURCE_FUNC (on_connect_cancelled), self);

  client = g_socket_client_new ();
  g_socket_client_set_tls (client, self->tls);
  g_signal_connect_object (client, "event", G_CALLBACK (on_socket_client_event), self, 0);
  g_socket_client_connect_async (client, address, self->connect_cancellable, on_connected,
                                 g_object_ref (self));
}

gboolean
lt_daemon_connection_connect_finish (LtDaemonConnection  *self,
                                     GAsyncResult        *result,
                                     GError             **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * lt_daemon_connection_call_async:
 * @method: a method of PROTOCOL.md §8
 * @params: (nullable): its params
 *
 * Sends a request and waits call-timeout seconds at most for its
 * answer.  Server errors come back in the LT_PROTOCOL_ERROR domain;
 * G_IO_ERROR_TIMED_OUT, G_IO_ERROR_CANCELLED, G_IO_ERROR_NOT_CONNECTED
 * (before connect) and G_IO_ERROR_CLOSED (the connection ended first)
 * come from here.
 */
void
lt_daemon_connection_call_async (LtDaemonConnection  *self,
                                 const char          *method,
                                 JsonObject          *params,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (LT_IS_DAEMON_CONNECTION (self));
  g_return_if_fail (method != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, lt_daemon_connection_call_async);

  if (self->state != STATE_CONNECTED)
    {
      gboolean ended = self->state >= STATE_CLOSING;

      g_task_return_new_error (task, G_IO_ERROR,
                               ended ? G_IO_ERROR_CLOSED : G_IO_ERROR_NOT_CONNECTED,
                               "Cannot call “%s”: %s to %s", method,
                               ended ? "the connection is closed" : "not connected",
                               self->server);
      return;
    }

  start_call (self, g_steal_pointer (&task), method, params, self->call_timeout);
}

/**
 * lt_daemon_connection_call_finish:
 *
 * Returns: (transfer full): the call's result object
 */
JsonObject *
lt_daemon_connection_call_finish (LtDaemonConnection  *self,
                                  GAsyncResult        *result,
                                  GError             **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * lt_daemon_connection_close:
 *
 * Closes the connection after sending what is queued.  Pending calls
 * fail and "closed" is emitted with no error, from the main loop.  A
 * connect in progress fails with G_IO_ERROR_CANCELLED instead.
 *
 * Dropping the last reference also closes the connection, without
 * "closed"; but every pending call, the keepalive's ping too, holds a
 * reference until it ends, so close first and disconnect handlers.
 */
void
lt_daemon_connection_close (LtDaemonConnection *self)
{
  g_return_if_fail (LT_IS_DAEMON_CONNECTION (self));

  if (self->state == STATE_NEW)
    self->state = STATE_CLOSED;
  else if (self->state == STATE_CONNECTING)
    connect_fail (self, g_error_new (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                     "Connection to %s closed while connecting", self->server));
  else
    close_connection (self, NULL);
}

/* GObject --------------------------------------------------------------- */

static void
set_seconds (LtDaemonConnection *self,
             guint              *field,
             guint               seconds,
             guint               prop_id)
{
  if (*field == seconds)
    return;
  *field = seconds;
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop_id]);
}

static void
lt_daemon_connection_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  LtDaemonConnection *self = LT_DAEMON_CONNECTION (object);

  switch (prop_id)
    {
    case PROP_SERVER:
      g_value_set_string (value, self->server);
      break;
    case PROP_TLS:
      g_value_set_boolean (value, self->tls);
      break;
    case PROP_TLS_DATABASE:
      g_value_set_object (value, self->tls_database);
      break;
    case PROP_CONNECT_TIMEOUT:
      g_value_set_uint (value, self->connect_timeout);
      break;
    case PROP_CALL_TIMEOUT:
      g_value_set_uint (value, self->call_timeout);
      break;
    case PROP_PING_INTERVAL:
      g_value_set_uint (value, self->ping_interval);
      break;
    case PROP_PING_TIMEOUT:
      g_value_set_uint (value, self->ping_timeout);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lt_daemon_connection_set_property (GObject      *object,
                                   guint         prop_id,
                                   const GValue *value,
                                   GParamSpec   *pspec)
{
  LtDaemonConnection *self = LT_DAEMON_CONNECTION (object);

  switch (prop_id)
    {
    case PROP_SERVER:
      self->server = g_value_dup_string (value);
      break;
    case PROP_TLS:
      self->tls = g_value_get_boolean (value);
      break;
    case PROP_TLS_DATABASE:
      self->tls_database = g_value_dup_object (value);
      break;
    case PROP_CONNECT_TIMEOUT:
      set_seconds (self, &self->connect_timeout, g_value_get_uint (value), prop_id);
      break;
    case PROP_CALL_TIMEOUT:
      set_seconds (self, &self->call_timeout, g_value_get_uint (value), prop_id);
      break;
    case PROP_PING_INTERVAL:
      set_seconds (self, &self->ping_interval, g_value_get_uint (value), prop_id);
      keepalive_schedule (self);
      break;
    case PROP_PING_TIMEOUT:
      set_seconds (self, &self->ping_timeout, g_value_get_uint (value), prop_id);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lt_daemon_connection_dispose (GObject *object)
{
  LtDaemonConnection *self = LT_DAEMON_CONNECTION (object);

  clear_source (&self->keepalive);
  drop_frames (self);

  G_OBJECT_CLASS (lt_daemon_connection_parent_class)->dispose (object);
}

static void
lt_daemon_connection_finalize (GObject *object)
{
  LtDaemonConnection *self = LT_DAEMON_CONNECTION (object);

  g_clear_pointer (&self->calls, g_hash_table_unref);
  g_clear_object (&self->tls_database);
  g_clear_error (&self->close_error);
  g_free (self->bye_reason);
  g_free (self->server);

  G_OBJECT_CLASS (lt_daemon_connection_parent_class)->finalize (object);
}

static GParamSpec *
seconds_property (const char *name,
                  guint       minimum,
                  guint       default_value)
{
  return g_param_spec_uint (name, NULL, NULL, minimum, G_MAXUINT / 1000, default_value,
                            G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY
                            | G_PARAM_STATIC_STRINGS);
}

static void
lt_daemon_connection_class_init (LtDaemonConnectionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = lt_daemon_connection_get_property;
  object_class->set_property = lt_daemon_connection_set_property;
  object_class->dispose = lt_daemon_connection_dispose;
  object_class->finalize = lt_daemon_connection_finalize;

  properties[PROP_SERVER] =
    g_param_spec_string ("server", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_TLS] =
    g_param_spec_boolean ("tls", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_TLS_DATABASE] =
    g_param_spec_object ("tls-database", NULL, NULL, G_TYPE_TLS_DATABASE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  /* Connecting, through TCP, TLS and hello. */
  properties[PROP_CONNECT_TIMEOUT] = seconds_property ("connect-timeout", 1,
                                                      DEFAULT_CONNECT_TIMEOUT);
  /* Long enough for login, which waits on password hashing. */
  properties[PROP_CALL_TIMEOUT] = seconds_property ("call-timeout", 1, DEFAULT_CALL_TIMEOUT);
  /* 0 turns the keepalive off. */
  properties[PROP_PING_INTERVAL] = seconds_property ("ping-interval", 0, DEFAULT_PING_INTERVAL);
  properties[PROP_PING_TIMEOUT] = seconds_property ("ping-timeout", 1, DEFAULT_PING_TIMEOUT);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * LtDaemonConnection::notification:
   * @method: the notification, such as "message" or "presence"
   * @params: its params (an empty object when it had none)
   *
   * Every server push after hello, known or not.
   */
  signals[SIGNAL_NOTIFICATION] =
    g_signal_new ("notification", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 2, G_TYPE_STRING | G_SIGNAL_TYPE_STATIC_SCOPE,
                  JSON_TYPE_OBJECT);

  /**
   * LtDaemonConnection::closed:
   * @error: (nullable): why, or %NULL after lt_daemon_connection_close()
   *
   * The connection has ended; emitted once, from the main loop, after
   * every pending call has failed.  Not emitted when connecting fails.
   */
  signals[SIGNAL_CLOSED] =
    g_signal_new ("closed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_ERROR);
}

static void
lt_daemon_connection_init (LtDaemonConnection *self)
{
  self->connect_timeout = DEFAULT_CONNECT_TIMEOUT;
  self->call_timeout = DEFAULT_CALL_TIMEOUT;
  self->ping_interval = DEFAULT_PING_INTERVAL;
  self->ping_timeout = DEFAULT_PING_TIMEOUT;
  self->http_port = -1;
  self->calls = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL,
                                       (GDestroyNotify) call_free);
}
