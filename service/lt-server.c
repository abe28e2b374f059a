/* SPDX-License-Identifier: GPL-3.0-or-later */
/* LtServer: the listening socket, the parts every request uses, and
 * the registry of who is online on which connections.  Everything here
 * runs on the main loop; SQL and password hashing run in their own
 * threads (LtStoreWorker, LtPasswordHasher). */
#include "config.h"

#include "lt-server-private.h"
#include "lt-file-service.h"
#include "lt-json.h"
#include "lt-protocol.h"
#include "lt-sqlite-store.h"

#include <glib/gstdio.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#define LISTEN_BACKLOG 4096
#define MAX_PENDING_JOBS 100000
#define MAX_PENDING_HASHES 256
#define SHUTDOWN_GRACE_SECONDS 5

G_DEFINE_FINAL_TYPE (LtServer, lt_server, G_TYPE_OBJECT)

static void
session_free (LtSession *session)
{
  g_free (session->username);
  g_free (session->nickname);
  g_ptr_array_unref (session->connections);
  g_free (session);
}

LtSession *
lt_server_lookup_session (LtServer   *self,
                          const char *username)
{
  return g_hash_table_lookup (self->sessions, username);
}

/**
 * lt_server_session_add:
 *
 * Records that @connection is logged in as its username.
 *
 * Returns: TRUE when it is the user's first connection
 */
gboolean
lt_server_session_add (LtServer           *self,
                       LtServerConnection *connection,
                       const char         *nickname)
{
  const char *username = lt_server_connection_get_username (connection);
  LtSession *session = lt_server_lookup_session (self, username);
  gboolean first = session == NULL;

  if (first)
    {
      session = g_new0 (LtSession, 1);
      session->username = g_strdup (username);
      session->nickname = g_strdup (nickname);
      session->connections = g_ptr_array_new ();
      g_hash_table_insert (self->sessions, session->username, session);
    }

  g_ptr_array_add (session->connections, connection);
  return first;
}

static void
send_to_session (LtSession *session,
                 GBytes    *frame)
{
  for (guint i = 0; i < session->connections->len; i++)
    lt_server_connection_send (g_ptr_array_index (session->connections, i), frame);
}

void
lt_server_send_to_user (LtServer   *self,
                        const char *username,
                        GBytes     *frame)
{
  LtSession *session = lt_server_lookup_session (self, username);

  if (session != NULL)
    send_to_session (session, frame);
}

void
lt_server_send_to_all (LtServer   *self,
                       GBytes     *frame,
                       const char *except_username)
{
  GHashTableIter iter;
  LtSession *session;

  g_hash_table_iter_init (&iter, self->sessions);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &session))
    {
      if (g_strcmp0 (session->username, except_username) != 0)
        send_to_session (session, frame);
    }
}

/* Everyone is in #lobby, so it has no member set of its own. */
void
lt_server_send_to_room (LtServer   *self,
                        const char *room,
                        GBytes     *frame)
{
  GHashTable *members;
  GHashTableIter iter;
  const char *username;

  if (g_str_equal (room, LT_LOBBY))
    {
      lt_server_send_to_all (self, frame, NULL);
      return;
    }

  members = g_hash_table_lookup (self->room_members, room);
  if (members == NULL)
    return;

  /* Walk the smaller of the two sets. */
  if (g_hash_table_size (members) > g_hash_table_size (self->sessions))
    {
      LtSession *session;

      g_hash_table_iter_init (&iter, self->sessions);
      while (g_hash_table_iter_next (&iter, (gpointer *) &username, (gpointer *) &session))
        {
          if (g_hash_table_contains (members, username))
            send_to_session (session, frame);
        }
      return;
    }

  g_hash_table_iter_init (&iter, members);
  while (g_hash_table_iter_next (&iter, (gpointer *) &username, NULL))
    lt_server_send_to_user (self, username, frame);
}

static gint
compare_sessions (gconstpointer a,
                  gconstpointer b)
{
  const LtSession *session_a = *(LtSession **) a;
  const LtSession *session_b = *(LtSession **) b;

  return strcmp (session_a->username, session_b->username);
}

/**
 * lt_server_list_online:
 * @room: (nullable): only the members of this room
 *
 * Returns: (transfer container): the online users' sessions, by username
 */
GPtrArray *
lt_server_list_online (LtServer   *self,
                       const char *room)
{
  GPtrArray *online = g_ptr_array_new ();
  GHashTable *members = NULL;
  GHashTableIter iter;
  LtSession *session;

  if (room != NULL && !g_str_equal (room, LT_LOBBY))
    members = g_hash_table_lookup (self->room_members, room);

  g_hash_table_iter_init (&iter, self->sessions);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &session))
    {
      if (members == NULL || g_hash_table_contains (members, session->username))
        g_ptr_array_add (online, session);
    }

  g_ptr_array_sort (online, compare_sessions);
  return online;
}

gboolean
lt_server_room_exists (LtServer   *self,
                       const char *room)
{
  return g_str_equal (room, LT_LOBBY) || g_hash_table_contains (self->room_members, room);
}


static GHashTable *
ensure_room (LtServer   *self,
             const char *room)
{
  GHashTable *members = g_hash_table_lookup (self->room_members, room);

  if (members == NULL)
    {
      members = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      g_hash_table_insert (self->room_members, g_strdup (room), members);
    }

  return members;
}

void
lt_server_room_add_member (LtServer   *self,
                           const char *room,
                           const char *username)
{
  if (!g_str_equal (room, LT_LOBBY))
    g_hash_table_add (ensure_room (self, room), g_strdup (username));
}

void
lt_server_room_remove_member (LtServer   *self,
                              const char *room,
                              const char *username)
{
  GHashTable *members = g_hash_table_lookup (self->room_members, room);

  if (members != NULL)
    g_hash_table_remove (members, username);
}

/* Connections ------------------------------------------------------------ */

/* Tells everyone else that @username came or went. */
void
lt_server_broadcast_presence (LtServer   *self,
                              const char *username,
                              const char *nickname,
                              gboolean    online)
{
  g_autoptr(JsonObject) params = json_object_new ();
  g_autoptr(GBytes) frame = NULL;

  json_object_set_string_member (params, "username", username);
  json_object_set_string_member (params, "nickname", nickname);
  json_object_set_boolean_member (params, "online", online);
  frame = lt_jsonrpc_notification_new ("presence", params);
  lt_server_send_to_all (self, frame, username);
}

/* A copy to iterate over while connections close and leave the set. */
static GPtrArray *
snapshot_connections (LtServer *self)
{
  GPtrArray *connections = g_ptr_array_new_full (g_hash_table_size (self->connections),
                                                 g_object_unref);
  GHashTableIter iter;
  gpointer connection;

  g_hash_table_iter_init (&iter, self->connections);
  while (g_hash_table_iter_next (&iter, &connection, NULL))
    g_ptr_array_add (connections, g_object_ref (connection));

  return connections;
}

static void
forget_session (LtServer           *self,
                LtServerConnection *connection)
{
  const char *username = lt_server_connection_get_username (connection);
  LtSession *session;

  if (username == NULL || (session = lt_server_lookup_session (self, username)) == NULL)
    return;

  g_ptr_array_remove_fast (session->connections, connection);
  if (session->connections->len > 0)
    return;

  g_hash_table_steal (self->sessions, username);
  g_info ("%s went offline", session->username);
  if (!self->shutting_down)
    lt_server_broadcast_presence (self, session->username, session->nickname, FALSE);
  session_free (session);
}

static void maybe_finish_shutdown (LtServer *self);

static void
on_connection_closed (LtServerConnection *connection,
                      LtServer           *self)
{
  forget_session (self, connection);
  lt_address_counter_remove (self->address_counter,
                             lt_server_connection_get_address (connection));
  g_signal_handlers_disconnect_by_data (connection, self);
  g_hash_table_remove (self->connections, connection);
  maybe_finish_shutdown (self);
}

static void
add_connection (LtServer   *self,
                GIOStream  *stream,
                const char *address)
{
  LtServerConnection *connection = lt_server_connection_new (self, stream, address);

  g_hash_table_add (self->connections, connection);
  g_signal_connect (connection, "closed", G_CALLBACK (on_connection_closed), self);
  lt_server_connection_start (connection);
}

/* A TLS handshake under way; it must finish within the login timeout. */
typedef struct
{
  LtServer *server;
  char *address;
  GCancellable *cancellable;
  guint timeout_id;
} Handshake;

static void
handshake_free (Handshake *handshake)
{
  g_clear_handle_id (&handshake->timeout_id, g_source_remove);
  g_clear_object (&handshake->cancellable);
  g_clear_object (&handshake->server);
  g_free (handshake->address);
  g_free (handshake);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Handshake, handshake_free)

static gboolean
on_handshake_timeout (gpointer user_data)
{
  Handshake *handshake = user_data;

  handshake->timeout_id = 0;
  g_cancellable_cancel (handshake->cancellable);
  return G_SOURCE_REMOVE;
}

static void
on_handshake_done (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(Handshake) handshake = user_data;
  LtServer *self = handshake->server;
  g_autoptr(GError) error = NULL;

  if (!g_tls_connection_handshake_finish (G_TLS_CONNECTION (object), result, &error))
    {
      g_message ("TLS handshake with %s failed: %s", handshake->address, error->message);
      lt_address_counter_remove (self->address_counter, handshake->address);
      return;
    }

  if (self->shutting_down)
    {
      lt_address_counter_remove (self->address_counter, handshake->address);
      return;
    }

  add_connection (self, G_IO_STREAM (object), handshake->address);
}

static void
start_tls (LtServer          *self,
           GSocketConnection *connection,
           const char        *address)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GIOStream) tls = NULL;
  Handshake *handshake;

  tls = g_tls_server_connection_new (G_IO_STREAM (connection), self->certificate, &error);
  if (tls == NULL)
    {
      g_warning ("Cannot start TLS: %s", error->message);
      lt_address_counter_remove (self->address_counter, address);
      return;
    }

  handshake = g_new0 (Handshake, 1);
  handshake->server = g_object_ref (self);
  handshake->address = g_strdup (address);
  handshake->cancellable = g_cancellable_new ();
  handshake->timeout_id = g_timeout_add_seconds (self->config->login_timeout,
                                                 on_handshake_timeout, handshake);
  g_tls_connection_handshake_async (G_TLS_CONNECTION (tls), G_PRIORITY_DEFAULT,
                                    handshake->cancellable, on_handshake_done, handshake);
}

/* Too many connections from one address: say so (in plain text only:
 * a TLS client would not understand a frame before the handshake),
 * then hang up. */
static void
refuse_connection (LtServer          *self,
                   GSocketConnection *connection,
                   const char        *address)
{
  static const char refusal[] =
    "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":1006,"
    "\"message\":\"Too many connections from this address\","
    "\"data\":{\"reason\":\"rate_limited\"}}}\n";
  GSocket *socket = g_socket_connection_get_socket (connection);

  g_message ("Refusing a connection from %s: too many from there", address);
  g_socket_set_blocking (socket, FALSE);
  if (self->certificate == NULL)
    g_socket_send (socket, refusal, sizeof refusal - 1, NULL, NULL);
  g_socket_close (socket, NULL);
}

static gboolean
on_incoming (GSocketService    *service,
             GSocketConnection *connection,
             GObject           *source_object,
             LtServer          *self)
{
  g_autofree char *address = lt_address_of_peer (connection);
  GSocket *socket = g_socket_connection_get_socket (connection);

  if (self->shutting_down)
    return TRUE;

  if (!lt_address_counter_add (self->address_counter, address))
    {
      refuse_connection (self, connection, address);
      return TRUE;
    }

  /* Frames are small and interactive: never wait to fill a packet. */
  g_socket_set_option (socket, IPPROTO_TCP, TCP_NODELAY, 1, NULL);

  if (self->certificate != NULL)
    start_tls (self, connection, address);
  else
    add_connection (self, G_IO_STREAM (connection), address);

  return TRUE;
}

/* Once a second: timeouts, and forgetting rate limits that are full. */
static gboolean
sweep (gpointer user_data)
{
  LtServer *self = user_data;
  g_autoptr(GPtrArray) connections = snapshot_connections (self);
  gint64 now = g_get_monotonic_time ();

  for (guint i = 0; i < connections->len; i++)
    lt_server_connection_check_timeouts (g_ptr_array_index (connections, i), now);

  lt_rate_limiter_prune (self->send_limiter);
  lt_rate_limiter_prune (self->login_user_limiter);
  lt_rate_limiter_prune (self->login_address_limiter);
  lt_rate_limiter_prune (self->reset_limiter);
  return G_SOURCE_CONTINUE;
}

/* Set-up ------------------------------------------------------------------ */

static gboolean
load_rooms (LtServer *self,
            GError  **error)
{
  g_autoptr(GPtrArray) rooms = lt_store_list_rooms (self->store, "", error);

  if (rooms == NULL)
    return FALSE;

  for (guint i = 0; i < rooms->len; i++)
    {
      LtRoom *room = g_ptr_array_index (rooms, i);
      g_auto(GStrv) members = NULL;
      GHashTable *set;

      if (g_str_equal (room->name, LT_LOBBY))
        continue;

      members = lt_store_list_room_members (self->store, room->name, error);
      if (members == NULL)
        return FALSE;

      set = ensure_room (self, room->name);
      for (guint j = 0; members[j] != NULL; j++)
        g_hash_table_add (set, g_strdup (members[j]));
    }

  return TRUE;
}

static gboolean
open_store (LtServer *self,
            GError  **error)
{
  g_autofree char *path = NULL;

  if (g_mkdir_with_parents (self->config->data_dir, 0700) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   "Cannot create %s: %s", self->config->data_dir, g_strerror (saved_errno));
      return FALSE;
    }

  path = g_build_filename (self->config->data_dir, "liaotian.db", NULL);
  self->store = LT_STORE (lt_sqlite_store_new (path, error));
  if (self->store == NULL)
    return FALSE;

  /* Rooms are read before the worker thread takes the store over. */
  if (!load_rooms (self, error))
    return FALSE;

  self->worker = lt_store_worker_new (self->store, MAX_PENDING_JOBS);
  return TRUE;
}

static LtServerConfig *
copy_config (const LtServerConfig *config)
{
  LtServerConfig *copy = g_memdup2 (config, sizeof *config);

  copy->listen = g_strdup (config->listen);
  copy->data_dir = g_strdup (config->data_dir);
  copy->tls_cert = g_strdup (config->tls_cert);
  copy->tls_key = g_strdup (config->tls_key);
  copy->mail_command = g_strdup (config->mail_command);
  return copy;
}

static gboolean
load_certificate (LtServer *self,
                  GError  **error)
{
  if (self->config->tls_cert == NULL)
    return TRUE;

  self->certificate = g_tls_certificate_new_from_files (self->config->tls_cert,
                                                        self->config->tls_key, error);
  return self->certificate != NULL;
}

/* The HTTP file service keeps its files and the key of its tokens in
 * the data folder. */
static gboolean
open_file_service (LtServer *self,
                   GError  **error)
{
  g_autofree char *files = NULL;
  g_autofree char *key = NULL;

  if (self->config->http_port < 0)
    return TRUE;

  files = g_build_filename (self->config->data_dir, "files", NULL);
  key = g_build_filename (self->config->data_dir, "file-tokens.key", NULL);
  self->file_storage = lt_file_storage_new (files, error);
  if (self->file_storage == NULL)
    return FALSE;
  self->file_tokens = lt_file_tokens_new (key, error);
  return self->file_tokens != NULL;
}

/* On the address of the chat port, with its certificate. */
static gboolean
start_file_service (LtServer     *self,
                    GInetAddress *address,
                    GError      **error)
{
  LtFileService *service;

  if (self->file_storage == NULL)
    return TRUE;

  service = lt_file_service_new (self, self->certificate);
  self->file_service = G_OBJECT (service);
  return lt_file_service_listen (service, address, self->config->http_port, &self->http_port,
                                 error);
}

/* Built once, when the ports are known: the same bytes greet everyone. */
static GBytes *
hello_frame (LtServer *self)
{
  g_autoptr(JsonObject) params = json_object_new ();

  json_object_set_string_member (params, "server", "liaotian-server");
  json_object_set_string_member (params, "version", PACKAGE_VERSION);
  json_object_set_int_member (params, "protocol", LT_PROTOCOL_VERSION);
  if (self->http_port != 0)
    json_object_set_int_member (params, "http", self->http_port);
  return lt_jsonrpc_notification_new ("hello", params);
}

/**
 * lt_server_new:
 *
 * Opens (or creates) the database and prepares the server; it listens
 * once lt_server_start() is called.
 */
LtServer *
lt_server_new (const LtServerConfig *config,
               GError              **error)
{
  g_autoptr(LtServer) self = g_object_new (LT_TYPE_SERVER, NULL);
  g_autofree char *outbox = NULL;
  double rate = config->rate_limit;

  self->config = copy_config (config);
  self->address_counter = lt_address_counter_new (config->max_connections_per_address);
  if (!load_certificate (self, error) || !open_store (self, error)
      || !open_file_service (self, error))
    return NULL;

  outbox = g_build_filename (config->data_dir, "outbox", NULL);
  self->mailer = lt_mailer_new (config->mail_command, outbox);
  if (self->mailer == NULL)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "Cannot parse --mail-command “%s”", config->mail_command);
      return NULL;
    }

  self->hasher = lt_password_hasher_new (config->hash_threads, MAX_PENDING_HASHES);
  self->send_limiter = lt_rate_limiter_new (2 * rate, 2.0);
  self->login_user_limiter = lt_rate_limiter_new (5, 15 * 60);
  self->login_address_limiter = lt_rate_limiter_new (20, 15 * 60);
  self->reset_limiter = lt_rate_limiter_new (1, 60);
  return g_steal_pointer (&self);
}

/**
 * lt_server_start:
 *
 * Binds the listening socket (with the real port when the configured
 * one is 0) and starts accepting connections.
 */
gboolean
lt_server_start (LtServer *self,
                 GError  **error)
{
  g_autoptr(GInetAddress) inet = g_inet_address_new_from_string (self->config->listen);
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GSocketAddress) effective = NULL;

  g_return_val_if_fail (LT_IS_SERVER (self), FALSE);

  address = g_inet_socket_address_new (inet, self->config->port);
  self->service = g_socket_service_new ();
  g_socket_listener_set_backlog (G_SOCKET_LISTENER (self->service), LISTEN_BACKLOG);
  if (!g_socket_listener_add_address (G_SOCKET_LISTENER (self->service), address,
                                      G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL,
                                      &effective, error))
    return FALSE;

  self->bound_address = G_INET_SOCKET_ADDRESS (g_steal_pointer (&effective));
  if (!start_file_service (self, inet, error))
    return FALSE;
  self->hello = hello_frame (self);
  g_signal_connect (self->service, "incoming", G_CALLBACK (on_incoming), self);
  g_socket_service_start (self->service);
  self->sweep_id = g_timeout_add_seconds (1, sweep, self);
  return TRUE;
}

/* "127.0.0.1:4567", or "[::1]:4567" for IPv6. */
char *
lt_server_dup_address (LtServer *self)
{
  return lt_server_dup_address_with_port (self,
                                          g_inet_socket_address_get_port (self->bound_address));
}

/* The port of the HTTP file service, 0 when it is off. */
guint16
lt_server_get_http_port (LtServer *self)
{
  g_return_val_if_fail (LT_IS_SERVER (self), 0);

  return self->http_port;
}

/* The address of the chat port with another @port. */
char *
lt_server_dup_address_with_port (LtServer *self,
                                 guint16   port)
{
  GInetAddress *inet = g_inet_socket_address_get_address (self->bound_address);
  g_autofree char *host = g_inet_address_to_string (inet);

  if (g_inet_address_get_family (inet) == G_SOCKET_FAMILY_IPV6)
    return g_strdup_printf ("[%s]:%u", host, port);
  return g_strdup_printf ("%s:%u", host, port);
}

/* Shutdown ------------------------------------------------------------------- */

/* Done when every connection has gone and the store is closed. */
static void
maybe_finish_shutdown (LtServer *self)
{
  g_autoptr(GTask) task = NULL;

  if (self->shutdown_task == NULL || self->worker != NULL
      || g_hash_table_size (self->connections) > 0)
    return;

  task = g_steal_pointer (&self->shutdown_task);
  g_task_return_boolean (task, TRUE);
}

static void
close_all_connections (LtServer *self)
{
  g_autoptr(GPtrArray) connections = snapshot_connections (self);

  for (guint i = 0; i < connections->len; i++)
    lt_server_connection_close (g_ptr_array_index (connections, i), "shutdown");
}

/* Every job that was queued is committed and answered by now. */
static void
on_worker_shut_down (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(LtServer) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!lt_store_worker_shutdown_finish (LT_STORE_WORKER (object), result, &error))
    g_warning ("Store worker: %s", error->message);

  g_clear_object (&self->worker);
  lt_sqlite_store_close (LT_SQLITE_STORE (self->store));
  close_all_connections (self);
  maybe_finish_shutdown (self);
}

static gboolean
on_grace_expired (gpointer user_data)
{
  LtServer *self = user_data;

  g_autoptr(GPtrArray) connections = NULL;

  if (self->shutdown_task == NULL)
    return G_SOURCE_REMOVE;

  connections = snapshot_connections (self);
  if (connections->len > 0)
    g_message ("%u connections did not close in time", connections->len);
  for (guint i = 0; i < connections->len; i++)
    lt_server_connection_abort (g_ptr_array_index (connections, i));

  return G_SOURCE_REMOVE;
}

/**
 * lt_server_shutdown_async:
 *
 * Stops accepting, lets every queued store job commit and be answered,
 * says `bye` to every client, flushes what is queued to them and closes
 * the database.
 */
void
lt_server_shutdown_async (LtServer           *self,
                          GAsyncReadyCallback callback,
                          gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (LT_IS_SERVER (self));
  g_return_if_fail (self->shutdown_task == NULL);

  task = g_task_new (self, NULL, callback, user_data);
  g_task_set_source_tag (task, lt_server_shutdown_async);
  self->shutdown_task = g_steal_pointer (&task);
  self->shutting_down = TRUE;

  if (self->service != NULL)
    {
      g_socket_service_stop (self->service);
      g_socket_listener_close (G_SOCKET_LISTENER (self->service));
    }
  if (self->file_service != NULL)
    lt_file_service_stop (LT_FILE_SERVICE (self->file_service));
  g_clear_handle_id (&self->sweep_id, g_source_remove);
  g_timeout_add_seconds_full (G_PRIORITY_DEFAULT, SHUTDOWN_GRACE_SECONDS, on_grace_expired,
                              g_object_ref (self), g_object_unref);
  lt_store_worker_shutdown_async (self->worker, on_worker_shut_down, g_object_ref (self));
}

gboolean
lt_server_shutdown_finish (LtServer     *self,
                           GAsyncResult *result,
                           GError      **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
lt_server_dispose (GObject *object)
{
  LtServer *self = LT_SERVER (object);

  g_clear_handle_id (&self->sweep_id, g_source_remove);
  if (self->service != NULL)
    g_signal_handlers_disconnect_by_data (self->service, self);
  g_clear_object (&self->service);
  g_clear_pointer (&self->connections, g_hash_table_unref);

  G_OBJECT_CLASS (lt_server_parent_class)->dispose (object);
}

static void
lt_server_finalize (GObject *object)
{
  LtServer *self = LT_SERVER (object);

  g_assert (self->worker == NULL || self->shutdown_task == NULL);

  g_clear_pointer (&self->sessions, g_hash_table_unref);
  g_clear_pointer (&self->room_members, g_hash_table_unref);
  g_clear_object (&self->address_counter);
  g_clear_object (&self->bound_address);
  g_clear_object (&self->worker);
  g_clear_object (&self->store);
  g_clear_object (&self->hasher);
  g_clear_object (&self->mailer);
  g_clear_object (&self->send_limiter);
  g_clear_object (&self->login_user_limiter);
  g_clear_object (&self->login_address_limiter);
  g_clear_object (&self->reset_limiter);
  g_clear_object (&self->certificate);
  g_clear_object (&self->file_service);
  g_clear_object (&self->file_tokens);
  g_clear_object (&self->file_storage);
  g_clear_pointer (&self->hello, g_bytes_unref);
  g_clear_pointer (&self->config, lt_server_config_free);

  G_OBJECT_CLASS (lt_server_parent_class)->finalize (object);
}

static void
lt_server_class_init (LtServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = lt_server_dispose;
  object_class->finalize = lt_server_finalize;
}

static void
lt_server_init (LtServer *self)
{
  self->connections = g_hash_table_new_full (g_direct_hash, g_direct_equal, g_object_unref, NULL);
  self->sessions = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                          (GDestroyNotify) session_free);
  self->room_members = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                              (GDestroyNotify) g_hash_table_unref);
}
