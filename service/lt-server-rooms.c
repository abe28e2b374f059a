/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Rooms: create, join, leave, list. */
#include "config.h"

#include "lt-json.h"
#include "lt-server-methods.h"

/* The request's state: what changes, and for the job to say whether it
 * did (joining a room one is in changes nothing). */
typedef struct
{
  char *room;
  char *username;
  char *topic;
  gboolean changed;
} RoomChange;

static void
room_change_free (RoomChange *change)
{
  g_free (change->room);
  g_free (change->username);
  g_free (change->topic);
  g_free (change);
}

static void
notify_room (LtServer   *server,
             const char *method,
             const char *room,
             const char *username)
{
  g_autoptr(JsonObject) params = json_object_new ();
  g_autoptr(GBytes) frame = NULL;

  json_object_set_string_member (params, "room", room);
  json_object_set_string_member (params, "username", username);
  frame = lt_jsonrpc_notification_new (method, params);
  lt_server_send_to_room (server, room, frame);
}

static gpointer
create_room_job (LtStore *store,
                 gpointer data,
                 GError **error)
{
  RoomChange *change = data;

  change->changed = lt_store_create_room (store, change->room, change->topic, change->username,
                                          error);
  return NULL;
}

/* Reads "room" (and "topic"), then runs @job with the change as state.
 * Only a room to be created must have a well-formed name: any other
 * name is simply not a room (no_such_room). */
static void
run_room_change (LtServerRequest *request,
                 LtStoreJobFunc   job,
                 LtServerJobDone  done)
{
  g_autoptr(GError) error = NULL;
  const char *room, *topic = NULL;
  RoomChange *change;

  if (!lt_server_get_strings (request->params, &error, "room", &room, NULL)
      || !lt_json_get_string (request->params, "topic", FALSE, &topic, &error))
    {
      lt_server_request_return_error (request, error);
      return;
    }

  if (job == create_room_job && !lt_protocol_is_valid_room (room))
    {
      lt_server_request_return_new_error (request, LT_PROTOCOL_ERROR_INVALID_PARAMS,
                                          "\"room\" must be # and 1 to 32 of a-z, 0-9, _ . -");
      return;
    }

  if (topic != NULL && g_utf8_strlen (topic, -1) > LT_MAX_TOPIC_CHARS)
    {
      lt_server_request_return_new_error (request, LT_PROTOCOL_ERROR_INVALID_PARAMS,
                                          "\"topic\" is longer than %d characters",
                                          LT_MAX_TOPIC_CHARS);
      return;
    }

  change = g_new0 (RoomChange, 1);
  change->room = g_strdup (room);
  change->username = g_strdup (lt_server_request_get_username (request));
  change->topic = g_strdup (topic ? topic : "");
  lt_server_request_set_state (request, change, (GDestroyNotify) room_change_free);
  lt_server_request_run_job (request, job, change, NULL, NULL, done);
}

/* Whoever joined is told too, since they are a member by now. */
static void
on_joined (LtServerRequest *request,
           gpointer         result,
           const GError    *error)
{
  RoomChange *change = request->state;

  if (error != NULL)
    {
      lt_server_request_return_error (request, error);
      return;
    }

  if (change->changed)
    {
      lt_server_room_add_member (request->server, change->room, change->username);
      notify_room (request->server, "joined", change->room, change->username);
    }

  lt_server_request_return (request, NULL);
}

void
lt_server_method_room_create (LtServerRequest *request)
{
  run_room_change (request, create_room_job, on_joined);
}

static gpointer
join_room_job (LtStore *store,
               gpointer data,
               GError **error)
{
  RoomChange *change = data;

  lt_store_join_room (store, change->room, change->username, &change->changed, error);
  return NULL;
}

void
lt_server_method_room_join (LtServerRequest *request)
{
  run_room_change (request, join_room_job, on_joined);
}

static gpointer
leave_room_job (LtStore *store,
                gpointer data,
                GError **error)
{
  RoomChange *change = data;

  change->changed = lt_store_leave_room (store, change->room, change->username, error);
  return NULL;
}

/* The leaver is told before being removed, with the other members. */
static void
on_left (LtServerRequest *request,
         gpointer         result,
         const GError    *error)
{
  RoomChange *change = request->state;

  if (error != NULL)
    {
      lt_server_request_return_error (request, error);
      return;
    }

  notify_room (request->server, "left", change->room, change->username);
  lt_server_room_remove_member (request->server, change->room, change->username);
  lt_server_request_return (request, NULL);
}

void
lt_server_method_room_leave (LtServerRequest *request)
{
  const char *room = NULL;

  if (lt_json_get_string (request->params, "room", TRUE, &room, NULL)
      && g_strcmp0 (room, LT_LOBBY) == 0)
    {
      lt_server_request_return_new_error (request, LT_PROTOCOL_ERROR_INVALID_PARAMS,
                                          "Everyone stays in %s", LT_LOBBY);
      return;
    }

  run_room_change (request, leave_room_job, on_left);
}

static gpointer
list_rooms_job (LtStore *store,
                gpointer data,
                GError **error)
{
  return lt_store_list_rooms (store, data, error);
}

static void
on_rooms_listed (LtServerRequest *request,
                 gpointer         result,
                 const GError    *error)
{
  g_autoptr(GPtrArray) rooms = result;
  JsonObject *reply;
  JsonArray *array;

  if (error != NULL)
    {
      lt_server_request_return_error (request, error);
      return;
    }

  array = json_array_sized_new (rooms->len);
  for (guint i = 0; i < rooms->len; i++)
    {
      LtRoom *room = g_ptr_array_index (rooms, i);
      JsonObject *object = json_object_new ();

      json_object_set_string_member (object, "room", room->name);
      json_object_set_string_member (object, "topic", room->topic);
      json_object_set_int_member (object, "members", room->members);
      json_object_set_boolean_member (object, "joined", room->joined);
      json_array_add_object_element (array, object);
    }

  reply = json_object_new ();
  json_object_set_array_member (reply, "rooms", array);
  lt_server_request_return (request, reply);
}

void
lt_server_method_room_list (LtServerRequest *request)
{
  lt_server_request_run_job (request, list_rooms_job,
                             g_strdup (lt_server_request_get_username (request)), g_free,
                             (GDestroyNotify) g_ptr_array_unref, on_rooms_listed);
}
