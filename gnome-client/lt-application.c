/* SPDX-License-Identifier: GPL-3.0-or-later */
/* LtApplication: the GNOME client, one instance per session.
 *
 * It holds the proxy to liaotiand (org.liaotian.Chat1) and the windows
 * of the private chats, one per peer, ever: a message from a peer, a
 * click on the daemon's notification (app.open-chat) or activating the
 * peer in the main window all present the same window; so does a file
 * the peer sends. */
#include "config.h"

#include "lt-application.h"
#include "lt-chat-window.h"
#include "lt-peer-windows.h"
#include "lt-preferences.h"
#include "lt-window.h"

#include <glib-unix.h>
#include <glib/gi18n.h>

#define CHAT_BUS_NAME "org.liaotian.Chat1"
#define CHAT_OBJECT_PATH "/org/liaotian/Chat1"

struct _LtApplication
{
  AdwApplication parent_instance;

  LtChat1 *chat; /* NULL until the proxy is made */
  LtPeerWindows *peer_windows;
  GPtrArray *peers_to_open; /* asked for before the proxy was made */
  guint sigterm_id;
  guint sigint_id;
};

G_DEFINE_FINAL_TYPE (LtApplication, lt_application, ADW_TYPE_APPLICATION)

enum {
  PROP_0,
  PROP_CHAT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

LtApplication *
lt_application_new (void)
{
  return g_object_new (LT_TYPE_APPLICATION,
                       "application-id", LT_APPLICATION_ID,
                       "flags", G_APPLICATION_DEFAULT_FLAGS,
                       "resource-base-path", "/org/liaotian/Liaotian",
                       NULL);
}

/* Returns: (transfer none) (nullable): the proxy to liaotiand */
LtChat1 *
lt_application_get_chat (LtApplication *self)
{
  g_return_val_if_fail (LT_IS_APPLICATION (self), NULL);

  return self->chat;
}

static GtkWindow *
create_chat_window (const char *peer,
                    gpointer    user_data)
{
  LtApplication *self = user_data;

  return GTK_WINDOW (lt_chat_window_new (self, peer));
}

/**
 * lt_application_open_chat:
 * @peer: a username
 *
 * Presents @peer's chat window, made the first time.
 */
void
lt_application_open_chat (LtApplication *self,
                          const char    *peer)
{
  g_return_if_fail (LT_IS_APPLICATION (self));
  g_return_if_fail (peer != NULL && *peer != '\0' && *peer != '#');

  if (self->chat == NULL)
    {
      g_ptr_array_add (self->peers_to_open, g_strdup (peer));
      return;
    }
  lt_peer_windows_present_or_create (self->peer_windows, peer, create_chat_window, self);
}

guint
lt_application_get_n_chat_windows (LtApplication *self)
{
  g_return_val_if_fail (LT_IS_APPLICATION (self), 0);

  return lt_peer_windows_get_n_windows (self->peer_windows);
}

/* A private message pops its peer's window; a room message shows in
 * the main window; the user's own messages from elsewhere pop nothing. */
static void
on_message_received (LtChat1       *chat,
                     const char    *conversation,
                     guint64        id,
                     gint64         ts,
                     const char    *sender,
                     const char    *text,
                     LtApplication *self)
{
  if (*conversation == '#' || g_strcmp0 (sender, lt_chat1_get_username (chat)) == 0)
    return;
  lt_application_open_chat (self, conversation);
}

/* A file from a peer is a message too: it pops their window. */
static void
on_file_offered (LtChat1       *chat,
                 const char    *conversation,
                 guint64        file_id,
                 const char    *sender,
                 const char    *name,
                 guint64        size,
                 LtApplication *self)
{
  if (*conversation == '#' || g_strcmp0 (sender, lt_chat1_get_username (chat)) == 0)
    return;
  lt_application_open_chat (self, conversation);
}

static void
on_unread_listed (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(LtApplication) self = user_data;
  g_autoptr(GVariant) unread = NULL;
  g_autoptr(GError) error = NULL;
  GVariantIter iter;
  const char *conversation;

  if (!lt_chat1_call_list_unread_finish (LT_CHAT1 (source), &unread, result, &error))
    {
      g_debug ("No unread conversations to show: %s", error->message);
      return;
    }

  g_variant_iter_init (&iter, unread);
  while (g_variant_iter_next (&iter, "(&sut)", &conversation, NULL, NULL))
    {
      if (*conversation != '#')
        lt_application_open_chat (self, conversation);
    }
}

/* app.logout only while there is someone to log out. */
static void
update_logout_action (LtApplication *self)
{
  GAction *logout = g_action_map_lookup_action (G_ACTION_MAP (self), "logout");
  const char *state = self->chat != NULL ? lt_chat1_get_state (self->chat) : NULL;

  g_simple_action_set_enabled (G_SIMPLE_ACTION (logout),
                               state != NULL && !g_str_equal (state, "offline"));
}

/* A client started after messages arrived still shows them. */
static void
on_proxy_ready (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(LtApplication) self = user_data;
  g_autoptr(GError) error = NULL;

  self->chat = lt_chat1_proxy_new_for_bus_finish (result, &error);
  g_application_release (G_APPLICATION (self));
  if (self->chat == NULL)
    {
      g_warning ("Cannot reach liaotiand: %s", error->message);
      return;
    }

  g_signal_connect_object (self->chat, "message-received", G_CALLBACK (on_message_received),
                           self, 0);
  g_signal_connect_object (self->chat, "file-offered", G_CALLBACK (on_file_offered), self, 0);
  g_signal_connect_object (self->chat, "notify::state", G_CALLBACK (update_logout_action),
                           self, G_CONNECT_SWAPPED);
  update_logout_action (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CHAT]);
  for (guint i = 0; i < self->peers_to_open->len; i++)
    lt_application_open_chat (self, g_ptr_array_index (self->peers_to_open, i));
  g_ptr_array_set_size (self->peers_to_open, 0);
  lt_chat1_call_list_unread (self->chat, NULL, on_unread_listed, g_object_ref (self));
}

static void
open_chat_action (GSimpleAction *action,
                  GVariant      *parameter,
                  gpointer       user_data)
{
  const char *peer = g_variant_get_string (parameter, NULL);

  if (*peer == '\0' || *peer == '#')
    {
      g_message ("app.open-chat: “%s” is not a peer", peer);
      return;
    }
  lt_application_open_chat (LT_APPLICATION (user_data), peer);
}

static void
on_logged_out (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!lt_chat1_call_logout_finish (LT_CHAT1 (source), result, &error))
    g_warning ("Could not log out: %s", error->message);
}

static void
logout_action (GSimpleAction *action,
               GVariant      *parameter,
               gpointer       user_data)
{
  LtApplication *self = user_data;

  if (self->chat != NULL)
    lt_chat1_call_logout (self->chat, NULL, on_logged_out, NULL);
}

static void
preferences_action (GSimpleAction *action,
                    GVariant      *parameter,
                    gpointer       user_data)
{
  LtApplication *self = user_data;
  LtPreferences *preferences;

  if (self->chat == NULL)
    return;

  preferences = lt_preferences_new (self->chat);
  gtk_window_set_transient_for (GTK_WINDOW (preferences),
                                gtk_application_get_active_window (GTK_APPLICATION (self)));
  gtk_window_present (GTK_WINDOW (preferences));
}

/* Closes every window as its close button would, so that each one
 * saves its size, then quits. */
static void
quit (GApplication *application)
{
  GList *windows = gtk_application_get_windows (GTK_APPLICATION (application));
  g_autoptr(GPtrArray) open = g_ptr_array_new_with_free_func (g_object_unref);

  for (GList *l = windows; l != NULL; l = l->next)
    g_ptr_array_add (open, g_object_ref (l->data));
  for (guint i = 0; i < open->len; i++)
    gtk_window_close (g_ptr_array_index (open, i));
  g_application_quit (application);
}

static void
quit_action (GSimpleAction *action,
             GVariant      *parameter,
             gpointer       user_data)
{
  quit (G_APPLICATION (user_data));
}

static const GActionEntry app_actions[] = {
  { .name = "open-chat", .activate = open_chat_action, .parameter_type = "s" },
  { .name = "preferences", .activate = preferences_action },
  { .name = "logout", .activate = logout_action },
  { .name = "quit", .activate = quit_action },
};

/* A session ending, or Ctrl-C in a terminal: quit as the menu does. */
static gboolean
on_quit_signal (gpointer user_data)
{
  quit (G_APPLICATION (user_data));
  return G_SOURCE_CONTINUE;
}

static void
lt_application_shutdown (GApplication *application)
{
  LtApplication *self = LT_APPLICATION (application);

  g_clear_handle_id (&self->sigterm_id, g_source_remove);
  g_clear_handle_id (&self->sigint_id, g_source_remove);

  G_APPLICATION_CLASS (lt_application_parent_class)->shutdown (application);
}

static void
lt_application_startup (GApplication *application)
{
  LtApplication *self = LT_APPLICATION (application);
  static const char *quit_accels[] = { "<Control>q", NULL };
  static const char *preferences_accels[] = { "<Control>comma", NULL };

  G_APPLICATION_CLASS (lt_application_parent_class)->startup (application);

  g_action_map_add_action_entries (G_ACTION_MAP (self), app_actions, G_N_ELEMENTS (app_actions),
                                   self);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.preferences",
                                         preferences_accels);
  update_logout_action (self);
  self->sigterm_id = g_unix_signal_add (SIGTERM, on_quit_signal, self);
  self->sigint_id = g_unix_signal_add (SIGINT, on_quit_signal, self);

  /* Held until the proxy is made, so that an activation by the
   * daemon's notification (app.open-chat) is not the last thing. */
  g_application_hold (application);
  lt_chat1_proxy_new_for_bus (G_BUS_TYPE_SESSION, G_DBUS_PROXY_FLAGS_NONE, CHAT_BUS_NAME,
                              CHAT_OBJECT_PATH, NULL, on_proxy_ready, g_object_ref (self));
}

/* The main window, made once. */
static void
lt_application_activate (GApplication *application)
{
  GList *windows = gtk_application_get_windows (GTK_APPLICATION (application));

  for (GList *l = windows; l != NULL; l = l->next)
    {
      if (LT_IS_WINDOW (l->data))
        {
          gtk_window_present (l->data);
          return;
        }
    }
  gtk_window_present (GTK_WINDOW (lt_window_new (LT_APPLICATION (application))));
}

static void
lt_application_dispose (GObject *object)
{
  LtApplication *self = LT_APPLICATION (object);

  g_clear_object (&self->chat);
  g_clear_object (&self->peer_windows);
  g_clear_pointer (&self->peers_to_open, g_ptr_array_unref);

  G_OBJECT_CLASS (lt_application_parent_class)->dispose (object);
}

static void
lt_application_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  LtApplication *self = LT_APPLICATION (object);

  switch (prop_id)
    {
    case PROP_CHAT:
      g_value_set_object (value, self->chat);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lt_application_class_init (LtApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *application_class = G_APPLICATION_CLASS (klass);

  object_class->get_property = lt_application_get_property;
  object_class->dispose = lt_application_dispose;
  application_class->startup = lt_application_startup;
  application_class->shutdown = lt_application_shutdown;
  application_class->activate = lt_application_activate;

  /**
   * LtApplication:chat: (nullable)
   *
   * The proxy to liaotiand; %NULL until it is made, notified once.
   */
  properties[PROP_CHAT] =
    g_param_spec_object ("chat", NULL, NULL, LT_TYPE_CHAT1,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
lt_application_init (LtApplication *self)
{
  self->peer_windows = lt_peer_windows_new ();
  self->peers_to_open = g_ptr_array_new_with_free_func (g_free);
}
