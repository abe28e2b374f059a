/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The catch-up after each login of LtDaemon: the login push of offline
 * messages is counted in lt-daemon.c as it arrives; the rooms, whose
 * messages the server pushes to nobody, are fetched here. */
#include "config.h"

#include "lt-daemon-private.h"
#include "lt-json.h"

/* Room messages are not pushed to a member who was away (PROTOCOL.md
 * §10).  After each login, every room of the user is asked for its
 * messages newer than an anchor: the newest message delivered to this
 * cache in any conversation (ids grow with time: those came while the
 * daemon was away), or the anchor of a catch-up that a dropped
 * connection cut short.  They come newest page first, and are delivered
 * like live messages, oldest first.  A first login, with nothing delivered yet, catches up
 * nothing: the history is there for the asking.  A long absence is
 * caught up to CATCH_UP_PAGES pages; the rest stays a hole that
 * GetHistory fills from the server. */
#define CATCH_UP_PAGE 100
#define CATCH_UP_PAGES 5

/* A login, as the steps of its catch-up hold it: a reply on another
 * connection, or after another login, is stale. */
typedef struct
{
  GWeakRef daemon;
  LtDaemonConnection *connection;
  guint serial;
} Login;

static void
login_init (Login    *login,
            LtDaemon *self)
{
  g_weak_ref_init (&login->daemon, self);
  login->connection = g_object_ref (self->connection);
  login->serial = self->catch_up_serial;
}

static void
login_clear (Login *login)
{
  g_weak_ref_clear (&login->daemon);
  g_clear_object (&login->connection);
}

/* Returns: (transfer full) (nullable): the daemon, while @login is
 * still its current one */
static LtDaemon *
login_get_daemon (Login *login)
{
  LtDaemon *self = g_weak_ref_get (&login->daemon);

  if (self != NULL
      && (self->connection != login->connection || self->catch_up_serial != login->serial))
    g_clear_object (&self);
  return self;
}

typedef struct
{
  Login login;
  char *room;
  guint64 anchor; /* the newest id delivered before this login */
  GPtrArray *missed; /* JsonObject, newest first */
  guint pages;
} RoomCatchUp;

static void
room_catch_up_free (RoomCatchUp *catch_up)
{
  login_clear (&catch_up->login);
  g_free (catch_up->room);
  g_ptr_array_unref (catch_up->missed);
  g_free (catch_up);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RoomCatchUp, room_catch_up_free)

/* Oldest first, each following the one before; the oldest follows
 * @predecessor, the room's message below it, when that is known. */
static void
deliver_missed (LtDaemon    *self,
                RoomCatchUp *catch_up,
                gint64       predecessor)
{
  if (catch_up->missed->len == 0)
    {
      _lt_daemon_finish_catch_up_part (self, catch_up->login.serial);
      return;
    }

  g_debug ("Catching up %u messages in %s", catch_up->missed->len, catch_up->room);
  if (predecessor != LT_DAEMON_CACHE_UNKNOWN_ID)
    _lt_daemon_raise_tail (self, catch_up->room, predecessor);
  for (guint i = catch_up->missed->len; i > 0; i--)
    _lt_daemon_store_message_full (self, g_ptr_array_index (catch_up->missed, i - 1), i == 1);
}

static void request_room_page (LtDaemon    *self,
                               RoomCatchUp *catch_up,
                               gint64       before);

/* Keeps the page's messages above the anchor, and the oldest id seen.
 * Returns: the id of the first message at or below the anchor, or
 *   LT_DAEMON_CACHE_UNKNOWN_ID when the page did not reach it */
static gint64
gather_missed (RoomCatchUp *catch_up,
               JsonObject  *reply,
               gint64      *oldest)
{
  JsonArray *messages = NULL;

  lt_json_get_array (reply, "messages", FALSE, &messages, NULL);

  for (guint i = 0; messages != NULL && i < json_array_get_length (messages); i++)
    {
      JsonNode *node = json_array_get_element (messages, i);
      gint64 id = 0;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        continue;
      lt_json_get_int (json_node_get_object (node), "id", FALSE, &id, NULL);
      if (id <= (gint64) catch_up->anchor)
        return id;
      g_ptr_array_add (catch_up->missed, json_object_ref (json_node_get_object (node)));
      *oldest = id;
    }
  return LT_DAEMON_CACHE_UNKNOWN_ID;
}

static void
on_room_page (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(RoomCatchUp) catch_up = user_data;
  g_autoptr(LtDaemon) self = login_get_daemon (&catch_up->login);
  g_autoptr(JsonObject) reply = NULL;
  g_autoptr(GError) error = NULL;
  gboolean more = FALSE;
  gint64 predecessor, oldest = 0;

  reply = lt_daemon_connection_call_finish (LT_DAEMON_CONNECTION (source), result, &error);
  if (self == NULL)
    return;
  if (reply == NULL)
    {
      g_debug ("Cannot catch up %s: %s", catch_up->room, error->message);
      /* A lost connection ends the whole catch-up, unfinished, as soon
       * as it is noticed; the server saying no (not a member any more)
       * ends this room's part. */
      if (error->domain != G_IO_ERROR)
        _lt_daemon_finish_catch_up_part (self, catch_up->login.serial);
      return;
    }

  predecessor = gather_missed (catch_up, reply, &oldest);
  lt_json_get_bool (reply, "more", FALSE, &more, NULL);
  if (predecessor == LT_DAEMON_CACHE_UNKNOWN_ID && more && catch_up->pages < CATCH_UP_PAGES)
    request_room_page (self, g_steal_pointer (&catch_up), oldest);
  else
    /* Without more, the oldest is the room's first message. */
    deliver_missed (self, catch_up, predecessor == LT_DAEMON_CACHE_UNKNOWN_ID && !more
                                      ? 0 : predecessor);
}

static void
request_room_page (LtDaemon    *self,
                   RoomCatchUp *catch_up,
                   gint64       before)
{
  g_autoptr(JsonObject) params = json_object_new ();

  json_object_set_string_member (params, "with", catch_up->room);
  json_object_set_int_member (params, "limit", CATCH_UP_PAGE);
  if (before > 0)
    json_object_set_int_member (params, "before", before);
  catch_up->pages++;
  lt_daemon_connection_call_async (self->connection, "history", params, NULL, on_room_page,
                                   catch_up);
}

static void
catch_up_room (LtDaemon   *self,
               const char *room,
               guint64     anchor)
{
  RoomCatchUp *catch_up = g_new0 (RoomCatchUp, 1);

  login_init (&catch_up->login, self);
  catch_up->room = g_strdup (room);
  catch_up->anchor = anchor;
  catch_up->missed = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  request_room_page (self, catch_up, 0);
}

typedef struct
{
  Login login;
  GStrv rooms;
} RoomsCatchUp;

static void
rooms_catch_up_free (RoomsCatchUp *catch_up)
{
  login_clear (&catch_up->login);
  g_strfreev (catch_up->rooms);
  g_free (catch_up);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RoomsCatchUp, rooms_catch_up_free)

/* Asked before the login push is stored (the cache answers in call
 * order), so the anchor is what came before this login. */
static void
on_catch_up_begun (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(RoomsCatchUp) catch_up = user_data;
  g_autoptr(LtDaemon) self = login_get_daemon (&catch_up->login);
  g_autoptr(GError) error = NULL;
  guint64 anchor = 0;

  if (!lt_daemon_cache_begin_catch_up_finish (LT_DAEMON_CACHE (source), result, &anchor,
                                              &error))
    g_warning ("Could not read the cache: %s", error->message);
  if (self == NULL)
    return;

  for (guint i = 0; catch_up->rooms[i] != NULL; i++)
    {
      if (anchor > 0)
        catch_up_room (self, catch_up->rooms[i], anchor);
      else
        _lt_daemon_finish_catch_up_part (self, catch_up->login.serial);
    }
}

/* The rooms of a login reply. */
static GStrv
reply_rooms (JsonObject *reply)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  JsonArray *rooms = NULL;

  lt_json_get_array (reply, "rooms", FALSE, &rooms, NULL);

  for (guint i = 0; rooms != NULL && i < json_array_get_length (rooms); i++)
    {
      JsonNode *room = json_array_get_element (rooms, i);

      if (JSON_NODE_HOLDS_VALUE (room) && json_node_get_value_type (room) == G_TYPE_STRING)
        g_strv_builder_add (builder, json_node_get_string (room));
    }
  return g_strv_builder_end (builder);
}

/**
 * _lt_daemon_catch_up_rooms:
 * @reply: the login reply, with the rooms to catch up
 *
 * Adds a part to the catch-up for each room.
 */
void
_lt_daemon_catch_up_rooms (LtDaemon   *self,
                           JsonObject *reply)
{
  RoomsCatchUp *catch_up = g_new0 (RoomsCatchUp, 1);

  login_init (&catch_up->login, self);
  catch_up->rooms = reply_rooms (reply);

  self->catch_up_parts += g_strv_length (catch_up->rooms);
  _lt_daemon_set_catching_up (self, self->catch_up_parts > 0);
  lt_daemon_cache_begin_catch_up_async (self->cache, NULL, on_catch_up_begun, catch_up);
}
