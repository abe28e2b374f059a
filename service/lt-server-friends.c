/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Friends (mutual) and finding users. */
#include "config.h"

#include "lt-json.h"
#include "lt-server-methods.h"

typedef struct
{
  char *username;
  char *friend_name;
} Friendship;

static void
friendship_free (Friendship *friendship)
{
  g_free (friendship->username);
  g_free (friendship->friend_name);
  g_free (friendship);
}

static gboolean
is_online (LtServer   *server,
           const char *username)
{
  return lt_server_lookup_session (server, username) != NULL;
}

/* Reads "username" as the other side and runs @job with the pair. */
static void
run_friendship_job (LtServerRequest *request,
                    LtStoreJobFunc   job,
                    GDestroyNotify   result_free,
                    LtServerJobDone  done)
{
  g_autoptr(GError) error = NULL;
  const char *me = lt_server_request_get_username (request);
  const char *other;
  Friendship *friendship;

  if (!lt_server_get_strings (request->params, &error, "username", &other, NULL))
    {
      lt_server_request_return_error (request, error);
      return;
    }

  if (g_strcmp0 (me, other) == 0)
    {
      lt_server_request_return_new_error (request, LT_PROTOCOL_ERROR_INVALID_PARAMS,
                                          "You cannot befriend yourself");
      return;
    }

  friendship = g_new0 (Friendship, 1);
  friendship->username = g_strdup (me);
  friendship->friend_name = g_strdup (other);
  lt_server_request_set_state (request, friendship, (GDestroyNotify) friendship_free);
  lt_server_request_run_job (request, job, friendship, NULL, result_free, done);
}

static void
notify_user (LtServer   *server,
             const char *recipient,
             const char *method,
             JsonObject *params)
{
  g_autoptr(GBytes) frame = lt_jsonrpc_notification_new (method, params);

  lt_server_send_to_user (server, recipient, frame);
}

/* friend_add ------------------------------------------------------------ */

/* The result is the new friend's name and nickname. */
static gpointer
add_friend_job (LtStore *store,
                gpointer data,
                GError **error)
{
  Friendship *friendship = data;
  g_autoptr(LtUser) user = NULL;

  if (!lt_store_add_friend (store, friendship->username, friendship->friend_name, error))
    return NULL;

  user = lt_store_lookup_user (store, friendship->friend_name, error);
  return user ? lt_user_name_new (user->username, user->nickname) : NULL;
}

static void
on_friend_added (LtServerRequest *request,
                 gpointer         result,
                 const GError    *error)
{
  g_autoptr(LtUserName) added = result;
  const char *me = lt_server_request_get_username (request);
  LtSession *my_session = lt_server_lookup_session (request->server, me);
  g_autoptr(JsonObject) to_friend = NULL;
  g_autoptr(JsonObject) to_me = NULL;

  if (error != NULL)
    {
      lt_server_request_return_error (request, error);
      return;
    }

  to_friend = lt_server_user_object (me, my_session->nickname);
  notify_user (request->server, added->username, "friend_added", to_friend);
  to_me = lt_server_user_object (added->username, added->nickname);
  notify_user (request->server, me, "friend_added", to_me);
  lt_server_request_return (request, NULL);
}

void
lt_server_method_friend_add (LtServerRequest *request)
{
  run_friendship_job (request, add_friend_job, (GDestroyNotify) lt_user_name_free,
                      on_friend_added);
}

/* friend_remove ---------------------------------------------------------- */

static gpointer
remove_friend_job (LtStore *store,
                   gpointer data,
                   GError **error)
{
  Friendship *friendship = data;

  return GINT_TO_POINTER (lt_store_remove_friend (store, friendship->username,
                                                  friendship->friend_name, error));
}

static void
notify_removed (LtServer   *server,
                const char *recipient,
                const char *username)
{
  g_autoptr(JsonObject) params = json_object_new ();

  json_object_set_string_member (params, "username", username);
  notify_user (server, recipient, "friend_removed", params);
}

static void
on_friend_removed (LtServerRequest *request,
                   gpointer         result,
                   const GError    *error)
{
  Friendship *friendship = request->state;

  if (error != NULL)
    {
      lt_server_request_return_error (request, error);
      return;
    }

  notify_removed (request->server, friendship->friend_name, friendship->username);
  notify_removed (request->server, friendship->username, friendship->friend_name);
  lt_server_request_return (request, NULL);
}

void
lt_server_method_friend_remove (LtServerRequest *request)
{
  run_friendship_job (request, remove_friend_job, NULL, on_friend_removed);
}

/* friend_list ------------------------------------------------------------ */

static gpointer
list_friends_job (LtStore *store,
                  gpointer data,
                  GError **error)
{
  return lt_store_list_friends (store, data, error);
}

static JsonObject *
user_status_object (LtServer   *server,
                    const char *username,
                    const char *nickname)
{
  JsonObject *object = lt_server_user_object (username, nickname);

  json_object_set_boolean_member (object, "online", is_online (server, username));
  return object;
}

static void
on_friends_listed (LtServerRequest *request,
                   gpointer         result,
                   const GError    *error)
{
  g_autoptr(GPtrArray) friends = result;
  JsonObject *reply;
  JsonArray *array;

  if (error != NULL)
    {
      lt_server_request_return_error (request, error);
      return;
    }

  array = json_array_sized_new (friends->len);
  for (guint i = 0; i < friends->len; i++)
    {
      LtUserName *name = g_ptr_array_index (friends, i);

      json_array_add_object_element (array, user_status_object (request->server, name->username,
                                                                 name->nickname));
    }

  reply = json_object_new ();
  json_object_set_array_member (reply, "friends", array);
  lt_server_request_return (request, reply);
}

void
lt_server_method_friend_list (LtServerRequest *request)
{
  lt_server_request_run_job (request, list_friends_job,
                             g_strdup (lt_server_request_get_username (request)), g_free,
                             (GDestroyNotify) g_ptr_array_unref, on_friends_listed);
}

/* user_find ----------------------------------------------------------------- */

/* Never tells email or phone. */
static void
on_user_found (LtServerRequest *request,
               gpointer         result,
               const GError    *error)
{
  g_autoptr(LtUser) user = result;
  const char *username;

  lt_json_get_string (request->params, "username", TRUE, &username, NULL);
  if (error != NULL)
    lt_server_request_return_error (request, error);
  else if (user == NULL)
    lt_server_request_return_new_error (request, LT_PROTOCOL_ERROR_NO_SUCH_USER,
                                        "No user \"%s\"", username);
  else
    lt_server_request_return (request, user_status_object (request->server, user->username,
                                                           user->nickname));
}

void
lt_server_method_user_find (LtServerRequest *request)
{
  g_autoptr(GError) error = NULL;
  const char *username;

  if (!lt_server_get_strings (request->params, &error, "username", &username, NULL))
    {
      lt_server_request_return_error (request, error);
      return;
    }

  lt_server_request_run_job (request, lt_server_job_lookup_user, g_strdup (username), g_free,
                             (GDestroyNotify) lt_user_free, on_user_found);
}
