/* SPDX-License-Identifier: GPL-3.0-or-later */
/* LtDaemonService: org.liaotian.Chat1 on the bus.  Each method handler
 * calls LtDaemon and completes its invocation when the server answers;
 * the core's properties and signals are mirrored onto the skeleton,
 * which emits PropertiesChanged and the D-Bus signals. */
#include "config.h"

#include "lt-daemon-error.h"
#include "lt-daemon-service.h"
#include "lt-json.h"

struct _LtDaemonService
{
  LtChat1Skeleton parent_instance;

  LtDaemon *daemon;
  LtDaemonTransfers *transfers;
  GSettings *settings;
};

static void lt_daemon_service_iface_init (LtChat1Iface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (LtDaemonService, lt_daemon_service, LT_TYPE_CHAT1_SKELETON,
                               G_IMPLEMENT_INTERFACE (LT_TYPE_CHAT1,
                                                      lt_daemon_service_iface_init))

/* Server calls ---------------------------------------------------------- */

/* How a method turns the server's result into its D-Bus reply: methods
 * without results have a plain lt_chat1_complete_*(). */
typedef void (*CompleteFunc) (LtChat1               *object,
                              GDBusMethodInvocation *invocation);
typedef void (*CompleteWithFunc) (LtChat1               *object,
                                  GDBusMethodInvocation *invocation,
                                  JsonObject            *result);

typedef struct
{
  LtDaemonService *self;
  GDBusMethodInvocation *invocation;
  CompleteFunc complete;
  CompleteWithFunc complete_with;
} ServerCall;

static void
server_call_free (ServerCall *call)
{
  g_object_unref (call->self);
  g_clear_object (&call->invocation);
  g_free (call);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ServerCall, server_call_free)

/* @invocation: (transfer full) */
static ServerCall *
server_call_new (LtDaemonService       *self,
                 GDBusMethodInvocation *invocation)
{
  ServerCall *call = g_new0 (ServerCall, 1);

  call->self = g_object_ref (self);
  call->invocation = invocation;
  return call;
}

static void
on_server_call_done (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(ServerCall) call = user_data;
  g_autoptr(JsonObject) reply = NULL;
  g_autoptr(GError) error = NULL;
  GDBusMethodInvocation *invocation = g_steal_pointer (&call->invocation);

  reply = lt_daemon_call_finish (LT_DAEMON (source), result, &error);
  if (reply == NULL)
    g_dbus_method_invocation_take_error (invocation, g_steal_pointer (&error));
  else if (call->complete_with != NULL)
    call->complete_with (LT_CHAT1 (call->self), invocation, reply);
  else
    call->complete (LT_CHAT1 (call->self), invocation);
}

/* Calls @method with @params (consumed) and completes @invocation
 * (consumed) with @complete or @complete_with.  Returns what a handler
 * returns. */
static gboolean
call_server (LtDaemonService       *self,
             GDBusMethodInvocation *invocation,
             const char            *method,
             JsonObject            *params,
             CompleteFunc           complete,
             CompleteWithFunc       complete_with)
{
  g_autoptr(JsonObject) owned_params = params;
  ServerCall *call = server_call_new (self, invocation);

  call->complete = complete;
  call->complete_with = complete_with;
  lt_daemon_call_async (self->daemon, method, owned_params, NULL, on_server_call_done, call);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* A params object of string members: name, value, ..., NULL.  A NULL
 * value leaves its member out. */
static JsonObject *
params_new (const char *first_name,
            ...)
{
  JsonObject *params = json_object_new ();
  va_list args;

  va_start (args, first_name);
  for (const char *name = first_name; name != NULL; name = va_arg (args, const char *))
    {
      const char *value = va_arg (args, const char *);

      if (value != NULL)
        json_object_set_string_member (params, name, value);
    }
  va_end (args);

  return params;
}

/* Results: JSON to GVariant ---------------------------------------------- */

typedef void (*AddItemFunc) (GVariantBuilder *builder,
                             JsonObject      *item);

/* The array @member of @result as a GVariant array of @type, one
 * element per object in it. */
static GVariant *
result_to_array (JsonObject   *result,
                 const char   *member,
                 const char   *type,
                 AddItemFunc   add_item)
{
  JsonArray *array = NULL;
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE (type));
  lt_json_get_array (result, member, FALSE, &array, NULL);
  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);

      if (JSON_NODE_HOLDS_OBJECT (element))
        add_item (&builder, json_node_get_object (element));
    }

  return g_variant_builder_end (&builder);
}

static const char *
get_string (JsonObject *object,
            const char *member)
{
  return json_object_get_string_member_with_default (object, member, "");
}

static void
add_user (GVariantBuilder *builder,
          JsonObject      *user)
{
  g_variant_builder_add (builder, "(ss)", get_string (user, "username"),
                         get_string (user, "nickname"));
}

static void
add_friend (GVariantBuilder *builder,
            JsonObject      *friend)
{
  g_variant_builder_add (builder, "(ssb)", get_string (friend, "username"),
                         get_string (friend, "nickname"),
                         json_object_get_boolean_member_with_default (friend, "online", FALSE));
}

static void
add_room (GVariantBuilder *builder,
          JsonObject      *room)
{
  gint64 members = json_object_get_int_member_with_default (room, "members", 0);

  g_variant_builder_add (builder, "(ssub)", get_string (room, "room"),
                         get_string (room, "topic"), (guint32) CLAMP (members, 0, G_MAXUINT32),
                         json_object_get_boolean_member_with_default (room, "joined", FALSE));
}

static void
complete_list_online (LtChat1               *object,
                      GDBusMethodInvocation *invocation,
                      JsonObject            *result)
{
  lt_chat1_complete_list_online (object, invocation,
                                 result_to_array (result, "users", "a(ss)", add_user));
}

static void
complete_list_friends (LtChat1               *object,
                       GDBusMethodInvocation *invocation,
                       JsonObject            *result)
{
  lt_chat1_complete_list_friends (object, invocation,
                                  result_to_array (result, "friends", "a(ssb)", add_friend));
}

static void
complete_list_rooms (LtChat1               *object,
                     GDBusMethodInvocation *invocation,
                     JsonObject            *result)
{
  lt_chat1_complete_list_rooms (object, invocation,
                                result_to_array (result, "rooms", "a(ssub)", add_room));
}

static void
complete_find_user (LtChat1               *object,
                    GDBusMethodInvocation *invocation,
                    JsonObject            *result)
{
  lt_chat1_complete_find_user (object, invocation, get_string (result, "username"),
                               get_string (result, "nickname"),
                               json_object_get_boolean_member_with_default (result, "online",
                                                                            FALSE));
}

/* Method handlers ------------------------------------------------------- */

static void
on_login_done (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(ServerCall) call = user_data;
  g_autoptr(GError) error = NULL;
  GDBusMethodInvocation *invocation = g_steal_pointer (&call->invocation);

  if (lt_daemon_login_finish (LT_DAEMON (source), result, &error))
    lt_chat1_complete_login (LT_CHAT1 (call->self), invocation);
  else
    g_dbus_method_invocation_take_error (invocation, lt_daemon_error_from_protocol (error));
}

static gboolean
handle_login (LtChat1               *object,
              GDBusMethodInvocation *invocation,
              const char            *username,
              const char            *password)
{
  LtDaemonService *self = LT_DAEMON_SERVICE (object);
  ServerCall *call = server_call_new (self, g_steal_pointer (&invocation));

  lt_daemon_login_async (self->daemon, username, password, NULL, on_login_done, call);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
on_send_message_done (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(ServerCall) call = user_data;
  g_autoptr(GError) error = NULL;
  GDBusMethodInvocation *invocation = g_steal_pointer (&call->invocation);
  guint64 local_id;

  local_id = lt_daemon_send_message_finish (LT_DAEMON (source), result, &error);
  if (local_id != 0)
    lt_chat1_complete_send_message (LT_CHAT1 (call->self), invocation, local_id);
  else
    g_dbus_method_invocation_take_error (invocation, lt_daemon_error_from_protocol (error));
}

/* Answers with the outbox id once the message is on disk; MessageSent
 * or MessageFailed follow. */
static gboolean
handle_send_message (LtChat1               *object,
                     GDBusMethodInvocation *invocation,
                     const char            *to,
                     const char            *text)
{
  LtDaemonService *self = LT_DAEMON_SERVICE (object);
  ServerCall *call = server_call_new (self, g_steal_pointer (&invocation));

  lt_daemon_send_message_async (self->daemon, to, text, NULL, on_send_message_done, call);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_set_focused (LtChat1               *object,
                    GDBusMethodInvocation *invocation,
                    const char            *conversation)
{
  lt_daemon_set_focused (LT_DAEMON_SERVICE (object)->daemon, conversation);
  lt_chat1_complete_set_focused (object, g_steal_pointer (&invocation));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
on_history_done (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(ServerCall) call = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) messages = NULL;
  GDBusMethodInvocation *invocation = g_steal_pointer (&call->invocation);

  messages = lt_daemon_get_history_finish (LT_DAEMON (source), result, &error);
  if (messages != NULL)
    lt_chat1_complete_get_history (LT_CHAT1 (call->self), invocation, messages);
  else
    g_dbus_method_invocation_take_error (invocation, lt_daemon_error_from_protocol (error));
}

static gboolean
handle_get_history (LtChat1               *object,
                    GDBusMethodInvocation *invocation,
                    const char            *with,
                    guint64                before,
                    guint                  limit)
{
  LtDaemonService *self = LT_DAEMON_SERVICE (object);
  ServerCall *call = server_call_new (self, g_steal_pointer (&invocation));

  lt_daemon_get_history_async (self->daemon, with, before, limit, NULL, on_history_done, call);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* ListUnread works on the user's cache; before a login there is none. */
static LtDaemonCache *
user_cache (LtDaemonService       *self,
            GDBusMethodInvocation *invocation)
{
  LtDaemonCache *cache = lt_daemon_get_cache (self->daemon);

  if (cache == NULL)
    g_dbus_method_invocation_take_error (invocation, lt_daemon_error_new_not_logged_in ());
  return cache;
}

static void
on_mark_read_done (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(ServerCall) call = user_data;
  g_autoptr(GError) error = NULL;
  GDBusMethodInvocation *invocation = g_steal_pointer (&call->invocation);

  if (lt_daemon_mark_read_finish (LT_DAEMON (source), result, &error))
    lt_chat1_complete_mark_read (LT_CHAT1 (call->self), invocation);
  else
    g_dbus_method_invocation_take_error (invocation, lt_daemon_error_from_protocol (error));
}

static gboolean
handle_mark_read (LtChat1               *object,
                  GDBusMethodInvocation *invocation,
                  const char            *conversation)
{
  LtDaemonService *self = LT_DAEMON_SERVICE (object);
  ServerCall *call = server_call_new (self, g_steal_pointer (&invocation));

  lt_daemon_mark_read_async (self->daemon, conversation, NULL, on_mark_read_done, call);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
on_list_unread_done (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(ServerCall) call = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) unread = NULL;
  GDBusMethodInvocation *invocation = g_steal_pointer (&call->invocation);

  unread = lt_daemon_cache_list_unread_finish (LT_DAEMON_CACHE (source), result, &error);
  if (unread != NULL)
    lt_chat1_complete_list_unread (LT_CHAT1 (call->self), invocation, unread);
  else
    g_dbus_method_invocation_take_error (invocation, lt_daemon_error_from_protocol (error));
}

static gboolean
handle_list_unread (LtChat1               *object,
                    GDBusMethodInvocation *invocation)
{
  LtDaemonService *self = LT_DAEMON_SERVICE (object);
  LtDaemonCache *cache = user_cache (self, invocation);
  ServerCall *call;

  if (cache == NULL)
    return G_DBUS_METHOD_INVOCATION_HANDLED;

  call = server_call_new (self, g_steal_pointer (&invocation));
  lt_daemon_cache_list_unread_async (cache, NULL, on_list_unread_done, call);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_logout (LtChat1               *object,
               GDBusMethodInvocation *invocation)
{
  lt_daemon_logout (LT_DAEMON_SERVICE (object)->daemon);
  lt_chat1_complete_logout (object, g_steal_pointer (&invocation));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_register (LtChat1               *object,
                 GDBusMethodInvocation *invocation,
                 const char            *nickname,
                 const char            *username,
                 const char            *password,
                 const char            *email,
                 const char            *phone)
{
  JsonObject *params = params_new ("nickname", nickname, "username", username,
                                   "password", password, "email", email,
                                   "phone", *phone != '\0' ? phone : NULL, NULL);

  return call_server (LT_DAEMON_SERVICE (object), g_steal_pointer (&invocation), "register", params,
                      lt_chat1_complete_register, NULL);
}

/* The protocol's change_password names the user: the logged-in one. */
static gboolean
handle_change_password (LtChat1               *object,
                        GDBusMethodInvocation *invocation,
                        const char            *old_password,
                        const char            *new_password)
{
  LtDaemonService *self = LT_DAEMON_SERVICE (object);
  JsonObject *params = params_new ("username", lt_daemon_get_username (self->daemon),
                                   "old_password", old_password,
                                   "new_password", new_password, NULL);

  return call_server (self, g_steal_pointer (&invocation), "change_password", params,
                      lt_chat1_complete_change_password, NULL);
}

static gboolean
handle_reset_password (LtChat1               *object,
                       GDBusMethodInvocation *invocation,
                       const char            *email)
{
  return call_server (LT_DAEMON_SERVICE (object), g_steal_pointer (&invocation), "reset_password",
                      params_new ("email", email, NULL), lt_chat1_complete_reset_password, NULL);
}

static gboolean
handle_confirm_password_reset (LtChat1               *object,
                               GDBusMethodInvocation *invocation,
                               const char            *email,
                               const char            *token,
                               const char            *new_password)
{
  JsonObject *params = params_new ("email", email, "token", token,
                                   "new_password", new_password, NULL);

  return call_server (LT_DAEMON_SERVICE (object), g_steal_pointer (&invocation),
                      "reset_password_confirm", params,
                      lt_chat1_complete_confirm_password_reset, NULL);
}

static gboolean
handle_list_online (LtChat1               *object,
                    GDBusMethodInvocation *invocation)
{
  return call_server (LT_DAEMON_SERVICE (object), g_steal_pointer (&invocation), "who",
                      json_object_new (), NULL, complete_list_online);
}

static gboolean
handle_list_friends (LtChat1               *object,
                     GDBusMethodInvocation *invocation)
{
  return call_server (LT_DAEMON_SERVICE (object), g_steal_pointer (&invocation), "friend_list",
                      json_object_new (), NULL, complete_list_friends);
}

static gboolean
handle_add_friend (LtChat1               *object,
                   GDBusMethodInvocation *invocation,
                   const char            *username)
{
  return call_server (LT_DAEMON_SERVICE (object), g_steal_pointer (&invocation), "friend_add",
                      params_new ("username", username, NULL), lt_chat1_complete_add_friend, NULL);
}

static gboolean
handle_remove_friend (LtChat1               *object,
                      GDBusMethodInvocation *invocation,
                      const char            *username)
{
  return call_server (LT_DAEMON_SERVICE (object), g_steal_pointer (&invocation), "friend_remove",
                      params_new ("username", username, NULL), lt_chat1_complete_remove_friend,
                      NULL);
}

static gboolean
handle_find_user (LtChat1               *object,
                  GDBusMethodInvocation *invocation,
                  const char            *username)
{
  return call_server (LT_DAEMON_SERVICE (object), g_steal_pointer (&invocation), "user_find",
                      params_new ("username", username, NULL), NULL, complete_find_user);
}

static gboolean
handle_list_rooms (LtChat1               *object,
                   GDBusMethodInvocation *invocation)
{
  return call_server (LT_DAEMON_SERVICE (object), g_steal_pointer (&invocation), "room_list",
                      json_object_new (), NULL, complete_list_rooms);
}

static gboolean
handle_create_room (LtChat1               *object,
                    GDBusMethodInvocation *invocation,
                    const char            *room,
                    const char            *topic)
{
  return call_server (LT_DAEMON_SERVICE (object), g_steal_pointer (&invocation), "room_create",
                      params_new ("room", room, "topic", topic, NULL),
                      lt_chat1_complete_create_room, NULL);
}

static gboolean
handle_join_room (LtChat1               *object,
                  GDBusMethodInvocation *invocation,
                  const char            *room)
{
  return call_server (LT_DAEMON_SERVICE (object), g_steal_pointer (&invocation), "room_join",
                      params_new ("room", room, NULL), lt_chat1_complete_join_room, NULL);
}

static gboolean
handle_leave_room (LtChat1               *object,
                   GDBusMethodInvocation *invocation,
                   const char            *room)
{
  return call_server (LT_DAEMON_SERVICE (object), g_steal_pointer (&invocation), "room_leave",
                      params_new ("room", room, NULL), lt_chat1_complete_leave_room, NULL);
}

/* Files ------------------------------------------------------------------ */

static void
on_send_file_done (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(ServerCall) call = user_data;
  g_autoptr(GError) error = NULL;
  GDBusMethodInvocation *invocation = g_steal_pointer (&call->invocation);
  guint64 id;

  id = lt_daemon_transfers_send_file_finish (LT_DAEMON_TRANSFERS (source), result, &error);
  if (id != 0)
    lt_chat1_complete_send_file (LT_CHAT1 (call->self), invocation, id);
  else
    g_dbus_method_invocation_take_error (invocation, lt_daemon_error_from_protocol (error));
}

/* Answers once the upload is queued on disk; the rest is signalled. */
static gboolean
handle_send_file (LtChat1               *object,
                  GDBusMethodInvocation *invocation,
                  const char            *to,
                  const char            *path)
{
  LtDaemonService *self = LT_DAEMON_SERVICE (object);
  ServerCall *call = server_call_new (self, g_steal_pointer (&invocation));

  lt_daemon_transfers_send_file_async (self->transfers, to, path, NULL, on_send_file_done, call);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
on_accept_file_done (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(ServerCall) call = user_data;
  g_autoptr(GError) error = NULL;
  GDBusMethodInvocation *invocation = g_steal_pointer (&call->invocation);
  guint64 id;

  id = lt_daemon_transfers_accept_file_finish (LT_DAEMON_TRANSFERS (source), result, &error);
  if (id != 0)
    lt_chat1_complete_accept_file (LT_CHAT1 (call->self), invocation, id);
  else
    g_dbus_method_invocation_take_error (invocation, lt_daemon_error_from_protocol (error));
}

static gboolean
handle_accept_file (LtChat1               *object,
                    GDBusMethodInvocation *invocation,
                    guint64                file_id,
                    const char            *destination_dir)
{
  LtDaemonService *self = LT_DAEMON_SERVICE (object);
  ServerCall *call = server_call_new (self, g_steal_pointer (&invocation));

  lt_daemon_transfers_accept_file_async (self->transfers, file_id, destination_dir, NULL,
                                         on_accept_file_done, call);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
on_reject_file_done (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(ServerCall) call = user_data;
  g_autoptr(GError) error = NULL;
  GDBusMethodInvocation *invocation = g_steal_pointer (&call->invocation);

  if (lt_daemon_transfers_reject_file_finish (LT_DAEMON_TRANSFERS (source), result, &error))
    lt_chat1_complete_reject_file (LT_CHAT1 (call->self), invocation);
  else
    g_dbus_method_invocation_take_error (invocation, lt_daemon_error_from_protocol (error));
}

static gboolean
handle_reject_file (LtChat1               *object,
                    GDBusMethodInvocation *invocation,
                    guint64                file_id)
{
  LtDaemonService *self = LT_DAEMON_SERVICE (object);
  ServerCall *call = server_call_new (self, g_steal_pointer (&invocation));

  lt_daemon_transfers_reject_file_async (self->transfers, file_id, NULL, on_reject_file_done,
                                         call);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
on_list_files_done (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(ServerCall) call = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) files = NULL;
  GDBusMethodInvocation *invocation = g_steal_pointer (&call->invocation);

  files = lt_daemon_transfers_list_files_finish (LT_DAEMON_TRANSFERS (source), result, &error);
  if (files != NULL)
    lt_chat1_complete_list_files (LT_CHAT1 (call->self), invocation, files);
  else
    g_dbus_method_invocation_take_error (invocation, lt_daemon_error_from_protocol (error));
}

static gboolean
handle_list_files (LtChat1               *object,
                   GDBusMethodInvocation *invocation,
                   const char            *with)
{
  LtDaemonService *self = LT_DAEMON_SERVICE (object);
  ServerCall *call = server_call_new (self, g_steal_pointer (&invocation));

  lt_daemon_transfers_list_files_async (self->transfers, with, NULL, on_list_files_done, call);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_list_transfers (LtChat1               *object,
                       GDBusMethodInvocation *invocation)
{
  LtDaemonService *self = LT_DAEMON_SERVICE (object);
  GError *error = NULL;
  GVariant *transfers = lt_daemon_transfers_list (self->transfers, &error);

  if (transfers != NULL)
    lt_chat1_complete_list_transfers (object, g_steal_pointer (&invocation), transfers);
  else
    g_dbus_method_invocation_take_error (g_steal_pointer (&invocation), error);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_cancel_transfer (LtChat1               *object,
                        GDBusMethodInvocation *invocation,
                        guint64                transfer_id)
{
  LtDaemonService *self = LT_DAEMON_SERVICE (object);
  GError *error = NULL;

  if (lt_daemon_transfers_cancel (self->transfers, transfer_id, &error))
    lt_chat1_complete_cancel_transfer (object, g_steal_pointer (&invocation));
  else
    g_dbus_method_invocation_take_error (g_steal_pointer (&invocation), error);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* Properties ------------------------------------------------------------ */

/* Mirrors the core's properties; the skeleton announces only values
 * that changed. */
static void
sync_properties (LtDaemonService *self)
{
  LtChat1 *object = LT_CHAT1 (self);

  lt_chat1_set_state (object, lt_daemon_state_to_string (lt_daemon_get_state (self->daemon)));
  lt_chat1_set_server (object, lt_daemon_get_server (self->daemon));
  lt_chat1_set_username (object, lt_daemon_get_username (self->daemon));
  lt_chat1_set_nickname (object, lt_daemon_get_nickname (self->daemon));
}

/* The skeleton's own handler of property writes, which the one below
 * calls for a value it accepts. */
static GDBusInterfaceVTable checked_vtable;
static GDBusInterfaceSetPropertyFunc skeleton_set_property;

/* A Server that is not host[:port] is refused with InvalidArgument
 * before the skeleton takes it, rather than stored and failing at each
 * connection attempt. */
static gboolean
set_property_checked (GDBusConnection *connection,
                      const char      *sender,
                      const char      *object_path,
                      const char      *interface_name,
                      const char      *property_name,
                      GVariant        *value,
                      GError         **error,
                      gpointer         user_data)
{
  if (g_str_equal (property_name, "Server")
      && !lt_daemon_check_server (g_variant_get_string (value, NULL), error))
    return FALSE;

  return skeleton_set_property (connection, sender, object_path, interface_name, property_name,
                                value, error, user_data);
}

static GDBusInterfaceVTable *
get_checked_vtable (GDBusInterfaceSkeleton *skeleton)
{
  GDBusInterfaceSkeletonClass *parent_class =
    G_DBUS_INTERFACE_SKELETON_CLASS (lt_daemon_service_parent_class);

  if (skeleton_set_property == NULL)
    {
      checked_vtable = *parent_class->get_vtable (skeleton);
      skeleton_set_property = checked_vtable.set_property;
      checked_vtable.set_property = set_property_checked;
    }
  return &checked_vtable;
}

/* Server written over D-Bus: the skeleton holds the new value. */
static void
on_server_notify (LtDaemonService *self)
{
  const char *server = lt_chat1_get_server (LT_CHAT1 (self));

  if (g_strcmp0 (server, lt_daemon_get_server (self->daemon)) == 0)
    return;

  g_debug ("Server set to %s over D-Bus", server);
  lt_daemon_set_server (self->daemon, server);
  g_settings_set_string (self->settings, "server", server);
}

/* The key changed outside (gsettings set, or our own write above). */
static void
on_settings_server_changed (LtDaemonService *self)
{
  g_autofree char *server = g_settings_get_string (self->settings, "server");
  g_autoptr(GError) error = NULL;

  if (!lt_daemon_check_server (server, &error))
    {
      g_warning ("Ignoring the server setting: %s", error->message);
      return;
    }
  lt_daemon_set_server (self->daemon, server);
}

/* Signals --------------------------------------------------------------- */

/* MessageReceived leaves out the nickname, which the core passes on for
 * notifications. */
static void
relay_message_received (LtDaemonService *self,
                        const char      *conversation,
                        guint64          id,
                        gint64           ts,
                        const char      *sender,
                        const char      *text,
                        const char      *nickname)
{
  lt_chat1_emit_message_received (LT_CHAT1 (self), conversation, id, ts, sender, text);
}

/* FileOffered leaves out the nickname, which is for notifications. */
static void
relay_file_offered (LtDaemonService *self,
                    const char      *conversation,
                    guint64          file_id,
                    const char      *sender,
                    const char      *name,
                    guint64          size,
                    const char      *nickname)
{
  lt_chat1_emit_file_offered (LT_CHAT1 (self), conversation, file_id, sender, name, size);
}

/* GObject --------------------------------------------------------------- */

/* Returns: (transfer none): the uploads and downloads */
LtDaemonTransfers *
lt_daemon_service_get_transfers (LtDaemonService *self)
{
  g_return_val_if_fail (LT_IS_DAEMON_SERVICE (self), NULL);

  return self->transfers;
}


LtDaemonService *
lt_daemon_service_new (LtDaemon  *daemon,
                       GSettings *settings)
{
  LtDaemonService *self;

  g_return_val_if_fail (LT_IS_DAEMON (daemon), NULL);
  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  self = g_object_new (LT_TYPE_DAEMON_SERVICE, NULL);
  self->daemon = g_object_ref (daemon);
  self->settings = g_object_ref (settings);
  self->transfers = lt_daemon_transfers_new (daemon);
  sync_properties (self);

  g_signal_connect_object (daemon, "notify", G_CALLBACK (sync_properties), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect (self, "notify::server", G_CALLBACK (on_server_notify), NULL);
  g_signal_connect_object (settings, "changed::server", G_CALLBACK (on_settings_server_changed),
                           self, G_CONNECT_SWAPPED);

  /* The emitters take the same arguments as the core's signals. */
  g_signal_connect_object (daemon, "presence-changed",
                           G_CALLBACK (lt_chat1_emit_presence_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (daemon, "friend-added", G_CALLBACK (lt_chat1_emit_friend_added), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (daemon, "friend-removed",
                           G_CALLBACK (lt_chat1_emit_friend_removed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (daemon, "room-membership",
                           G_CALLBACK (lt_chat1_emit_room_membership), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (daemon, "message-received", G_CALLBACK (relay_message_received),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (daemon, "message-sent", G_CALLBACK (lt_chat1_emit_message_sent), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (daemon, "message-failed",
                           G_CALLBACK (lt_chat1_emit_message_failed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (daemon, "file-offered", G_CALLBACK (relay_file_offered), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (daemon, "file-rejected", G_CALLBACK (lt_chat1_emit_file_rejected),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->transfers, "transfer-started",
                           G_CALLBACK (lt_chat1_emit_transfer_started), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->transfers, "transfer-progress",
                           G_CALLBACK (lt_chat1_emit_transfer_progress), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->transfers, "transfer-finished",
                           G_CALLBACK (lt_chat1_emit_transfer_finished), self,
                           G_CONNECT_SWAPPED);

  return self;
}

static void
lt_daemon_service_finalize (GObject *object)
{
  LtDaemonService *self = LT_DAEMON_SERVICE (object);

  g_clear_object (&self->transfers);
  g_clear_object (&self->daemon);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (lt_daemon_service_parent_class)->finalize (object);
}

static void
lt_daemon_service_class_init (LtDaemonServiceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GDBusInterfaceSkeletonClass *skeleton_class = G_DBUS_INTERFACE_SKELETON_CLASS (klass);

  object_class->finalize = lt_daemon_service_finalize;
  skeleton_class->get_vtable = get_checked_vtable;
}

static void
lt_daemon_service_iface_init (LtChat1Iface *iface)
{
  iface->handle_login = handle_login;
  iface->handle_logout = handle_logout;
  iface->handle_register = handle_register;
  iface->handle_change_password = handle_change_password;
  iface->handle_reset_password = handle_reset_password;
  iface->handle_confirm_password_reset = handle_confirm_password_reset;
  iface->handle_list_online = handle_list_online;
  iface->handle_list_friends = handle_list_friends;
  iface->handle_add_friend = handle_add_friend;
  iface->handle_remove_friend = handle_remove_friend;
  iface->handle_find_user = handle_find_user;
  iface->handle_list_rooms = handle_list_rooms;
  iface->handle_create_room = handle_create_room;
  iface->handle_join_room = handle_join_room;
  iface->handle_leave_room = handle_leave_room;
  iface->handle_send_message = handle_send_message;
  iface->handle_set_focused = handle_set_focused;
  iface->handle_get_history = handle_get_history;
  iface->handle_mark_read = handle_mark_read;
  iface->handle_list_unread = handle_list_unread;
  iface->handle_send_file = handle_send_file;
  iface->handle_accept_file = handle_accept_file;
  iface->handle_reject_file = handle_reject_file;
  iface->handle_list_files = handle_list_files;
  iface->handle_list_transfers = handle_list_transfers;
  iface->handle_cancel_transfer = handle_cancel_transfer;
}

static void
lt_daemon_service_init (LtDaemonService *self)
{
}
