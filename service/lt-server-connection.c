/* SPDX-License-Identifier: GPL-3.0-or-later */
/* LtServerConnection: one client of the server.  It turns frames into
 * requests for the method handlers, answers what cannot be parsed,
 * and closes itself on timeouts, on a frame over the limit and when
 * its peer stops reading. */
#include "config.h"

#include "lt-server-connection.h"
#include "lt-frame-stream.h"
#include "lt-json.h"
#include "lt-protocol.h"
#include "lt-server-private.h"
#include "lt-server-request.h"

struct _LtServerConnection
{
  GObject parent_instance;

  LtServer *server; /* not owned: the server owns its connections */
  LtFrameStream *stream;
  char *address;
  char *username; /* NULL until logged in */
  gint64 connected_at; /* monotonic µs */
  gint64 last_activity;
};

enum {
  SIGNAL_CLOSED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (LtServerConnection, lt_server_connection, G_TYPE_OBJECT)

static void
reply_error (LtServerConnection *self,
             JsonNode           *id,
             const GError       *error)
{
  g_autoptr(GBytes) frame = lt_jsonrpc_error_new (id, error);

  lt_server_connection_send (self, frame);
}

static void
on_frame (LtFrameStream      *stream,
          GBytes             *bytes,
          LtServerConnection *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(JsonNode) id = NULL;
  gsize length;
  const char *data = g_bytes_get_data (bytes, &length);
  LtServerRequest *request;

  self->last_activity = g_get_monotonic_time ();
  if (self->server->shutting_down)
    return;

  root = lt_json_parse_frame (data, length, &error);
  if (root == NULL)
    {
      reply_error (self, NULL, error);
      return;
    }

  request = lt_server_request_new (self->server, self, root, &id, &error);
  if (request == NULL)
    {
      reply_error (self, id, error);
      return;
    }

  lt_server_request_dispatch (request);
}

static void
on_frame_error (LtFrameStream      *stream,
                const GError       *error,
                LtServerConnection *self)
{
  g_message ("Closing connection from %s: %s", self->address, error->message);
  reply_error (self, NULL, error);
  lt_frame_stream_close (self->stream, TRUE);
}

static void
on_closed (LtFrameStream      *stream,
           const GError       *error,
           LtServerConnection *self)
{
  if (error != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED)
      && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE))
    g_message ("Connection from %s (%s) closed: %s", self->address,
               self->username ? self->username : "not logged in", error->message);
  else
    g_debug ("Connection from %s closed", self->address);

  g_signal_emit (self, signals[SIGNAL_CLOSED], 0);
}

LtServerConnection *
lt_server_connection_new (LtServer   *server,
                          GIOStream  *stream,
                          const char *address)
{
  LtServerConnection *self = g_object_new (LT_TYPE_SERVER_CONNECTION, NULL);

  self->server = server;
  self->address = g_strdup (address);
  self->stream = lt_frame_stream_new (stream, server->config->max_frame,
                                      server->config->max_queue);
  self->connected_at = self->last_activity = g_get_monotonic_time ();
  g_signal_connect_object (self->stream, "frame", G_CALLBACK (on_frame), self, 0);
  g_signal_connect_object (self->stream, "frame-error", G_CALLBACK (on_frame_error), self, 0);
  g_signal_connect_object (self->stream, "closed", G_CALLBACK (on_closed), self, 0);
  return self;
}

/* Greets the client and starts reading its frames. */
void
lt_server_connection_start (LtServerConnection *self)
{
  g_return_if_fail (LT_IS_SERVER_CONNECTION (self));

  lt_frame_stream_send (self->stream, self->server->hello);
  lt_frame_stream_start (self->stream);
}

const char *
lt_server_connection_get_address (LtServerConnection *self)
{
  g_return_val_if_fail (LT_IS_SERVER_CONNECTION (self), NULL);

  return self->address;
}

const char *
lt_server_connection_get_username (LtServerConnection *self)
{
  g_return_val_if_fail (LT_IS_SERVER_CONNECTION (self), NULL);

  return self->username;
}

void
lt_server_connection_set_username (LtServerConnection *self,
                                   const char         *username)
{
  g_return_if_fail (LT_IS_SERVER_CONNECTION (self));

  g_free (self->username);
  self->username = g_strdup (username);
}

gboolean
lt_server_connection_send (LtServerConnection *self,
                           GBytes             *frame)
{
  g_return_val_if_fail (LT_IS_SERVER_CONNECTION (self), FALSE);

  return lt_frame_stream_send (self->stream, frame);
}

gsize
lt_server_connection_get_queued (LtServerConnection *self)
{
  g_return_val_if_fail (LT_IS_SERVER_CONNECTION (self), 0);

  return lt_frame_stream_get_queued (self->stream);
}

gboolean
lt_server_connection_is_closed (LtServerConnection *self)
{
  g_return_val_if_fail (LT_IS_SERVER_CONNECTION (self), TRUE);

  return lt_frame_stream_is_closed (self->stream);
}

/**
 * lt_server_connection_close:
 * @bye_reason: (nullable): sent first in a `bye` notification
 *
 * Closes the connection once what is queued has been written.
 */
void
lt_server_connection_close (LtServerConnection *self,
                            const char         *bye_reason)
{
  g_return_if_fail (LT_IS_SERVER_CONNECTION (self));

  if (bye_reason != NULL)
    {
      g_autoptr(JsonObject) params = json_object_new ();
      g_autoptr(GBytes) frame = NULL;

      json_object_set_string_member (params, "reason", bye_reason);
      frame = lt_jsonrpc_notification_new ("bye", params);
      lt_frame_stream_send (self->stream, frame);
    }

  lt_frame_stream_close (self->stream, TRUE);
}

/* Closes the connection now, dropping what is queued. */
void
lt_server_connection_abort (LtServerConnection *self)
{
  g_return_if_fail (LT_IS_SERVER_CONNECTION (self));

  lt_frame_stream_close (self->stream, FALSE);
}

/* Closes a connection that did not log in in time or went silent. */
void
lt_server_connection_check_timeouts (LtServerConnection *self,
                                     gint64              now)
{
  const LtServerConfig *config = self->server->config;

  /* gint64 before multiplying: an int overflows past 2147 seconds. */
  if (self->username == NULL
      && now - self->connected_at > (gint64) config->login_timeout * G_USEC_PER_SEC)
    {
      g_message ("Closing connection from %s: no login within %d s", self->address,
                 config->login_timeout);
      lt_server_connection_close (self, "login_timeout");
    }
  else if (now - self->last_activity > (gint64) config->idle_timeout * G_USEC_PER_SEC)
    {
      g_message ("Closing connection from %s: silent for %d s", self->address,
                 config->idle_timeout);
      lt_server_connection_close (self, "idle_timeout");
    }
}

static void
lt_server_connection_dispose (GObject *object)
{
  LtServerConnection *self = LT_SERVER_CONNECTION (object);

  if (self->stream != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->stream, self);
      lt_frame_stream_close (self->stream, FALSE);
    }
  g_clear_object (&self->stream);

  G_OBJECT_CLASS (lt_server_connection_parent_class)->dispose (object);
}

static void
lt_server_connection_finalize (GObject *object)
{
  LtServerConnection *self = LT_SERVER_CONNECTION (object);

  g_clear_pointer (&self->address, g_free);
  g_clear_pointer (&self->username, g_free);

  G_OBJECT_CLASS (lt_server_connection_parent_class)->finalize (object);
}

static void
lt_server_connection_class_init (LtServerConnectionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = lt_server_connection_dispose;
  object_class->finalize = lt_server_connection_finalize;

  /**
   * LtServerConnection::closed:
   *
   * The connection is gone; the server forgets it.
   */
  signals[SIGNAL_CLOSED] = g_signal_new ("closed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                         NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
lt_server_connection_init (LtServerConnection *self)
{
}
