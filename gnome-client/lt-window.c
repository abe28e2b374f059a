/* SPDX-License-Identifier: GPL-3.0-or-later */
/* LtWindow: the main window.  The login view while the daemon is
 * offline, else an AdwLeaflet of a sidebar and the selected room's
 * LtChatView (docs/DESIGN-client.md); a header bar with the main menu.
 *
 * It follows the daemon's State: offline shows the login view,
 * logged-in the main view, and connecting or connected (a Login under
 * way, or a reconnection) keep what is shown.
 *
 * The sidebar lists the rooms the user is in (#lobby first), friends
 * with their online state, and everyone online; activating a person
 * opens their chat window.  Each list is fetched again whenever a
 * signal says it changed. */
#include "config.h"

#include "lt-chat-view.h"
#include "lt-login-view.h"
#include "lt-window.h"

#include <glib/gi18n.h>

#define LOBBY "#lobby"

struct _LtWindow
{
  AdwApplicationWindow parent_instance;

  LtChat1 *chat;
  GCancellable *cancellable;

  AdwWindowTitle *title;
  GtkButton *back_button;
  GtkStack *views;
  LtLoginView *login_view;
  AdwLeaflet *leaflet;
  GtkListBox *rooms;
  GtkListBox *friends;
  GtkListBox *online;
  GtkStack *conversations;
};

G_DEFINE_FINAL_TYPE (LtWindow, lt_window, ADW_TYPE_APPLICATION_WINDOW)

static GtkWidget *
new_row (const char *title,
         const char *subtitle)
{
  GtkWidget *row = adw_action_row_new ();

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
  return row;
}

static GtkWidget *
new_person_row (const char *username,
                const char *nickname)
{
  return new_row (*nickname != '\0' ? nickname : username, username);
}

static void
clear_list (GtkListBox *list)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (list))) != NULL)
    gtk_list_box_remove (list, child);
}

static const char *
row_title (GtkListBoxRow *row)
{
  return adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row));
}

static const char *
selected_room (LtWindow *self)
{
  GtkListBoxRow *row = gtk_list_box_get_selected_row (self->rooms);

  return row != NULL ? row_title (row) : NULL;
}

static LtChatView *
shown_view (LtWindow *self)
{
  GtkWidget *child = gtk_stack_get_visible_child (self->conversations);

  return LT_IS_CHAT_VIEW (child) ? LT_CHAT_VIEW (child) : NULL;
}

static void
update_focus (LtWindow *self)
{
  LtChatView *view = shown_view (self);

  if (view != NULL)
    lt_chat_view_set_shown (view, gtk_window_is_active (GTK_WINDOW (self)));
}

static void
on_room_selected (LtWindow      *self,
                  GtkListBoxRow *row)
{
  const char *room;
  GtkWidget *view;

  if (row == NULL)
    return;

  room = row_title (row);
  view = gtk_stack_get_child_by_name (self->conversations, room);
  if (view == NULL)
    {
      view = GTK_WIDGET (lt_chat_view_new (self->chat, room));
      gtk_stack_add_named (self->conversations, view, room);
    }
  gtk_stack_set_visible_child (self->conversations, view);
  update_focus (self);
}

static void
on_room_activated (LtWindow *self)
{
  adw_leaflet_set_visible_child (self->leaflet, GTK_WIDGET (self->conversations));
}

static void
on_person_activated (LtWindow      *self,
                     GtkListBoxRow *row)
{
  GtkApplication *application = gtk_window_get_application (GTK_WINDOW (self));

  lt_application_open_chat (LT_APPLICATION (application),
                            adw_action_row_get_subtitle (ADW_ACTION_ROW (row)));
}

static void
update_back_button (LtWindow *self)
{
  gtk_widget_set_visible (GTK_WIDGET (self->back_button),
                          adw_leaflet_get_folded (self->leaflet)
                          && adw_leaflet_get_visible_child (self->leaflet)
                             == GTK_WIDGET (self->conversations)
                          && g_strcmp0 (gtk_stack_get_visible_child_name (self->views), "main")
                             == 0);
}

static void
on_back_clicked (LtWindow *self)
{
  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_BACK);
}

static void
append_rooms (LtWindow *self,
              GVariant *rooms,
              gboolean  lobby)
{
  GVariantIter iter;
  const char *room;
  const char *topic;
  guint32 members;
  gboolean joined;

  g_variant_iter_init (&iter, rooms);
  while (g_variant_iter_next (&iter, "(&s&sub)", &room, &topic, &members, &joined))
    if (joined && g_str_equal (room, LOBBY) == lobby)
      gtk_list_box_append (self->rooms, new_row (room, topic));
}

/* Selects @room again after a re-list, else the first room. */
static void
select_room (LtWindow   *self,
             const char *room)
{
  GtkListBoxRow *row;

  for (int i = 0; (row = gtk_list_box_get_row_at_index (self->rooms, i)) != NULL; i++)
    if (g_strcmp0 (row_title (row), room) == 0)
      break;
  if (row == NULL)
    row = gtk_list_box_get_row_at_index (self->rooms, 0);
  gtk_list_box_select_row (self->rooms, row);
}

/* Whether a list call came back; says why not, unless the window went
 * away and cancelled it. */
static gboolean
check_listed (gboolean    ok,
              GError    **error,
              const char *what)
{
  if (!ok && !g_error_matches (*error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_message ("Could not list %s: %s", what, (*error)->message);
  return ok;
}

static void
on_rooms_listed (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  LtWindow *self = user_data;
  g_autoptr(GVariant) rooms = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *selected = NULL;

  if (!check_listed (lt_chat1_call_list_rooms_finish (LT_CHAT1 (source), &rooms, result, &error),
                     &error, "rooms"))
    return;
  selected = g_strdup (selected_room (self));
  clear_list (self->rooms);
  append_rooms (self, rooms, TRUE);
  append_rooms (self, rooms, FALSE);
  select_room (self, selected);
}

static GtkWidget *
new_presence_icon (gboolean online)
{
  GtkWidget *icon = gtk_image_new_from_icon_name (online ? "user-available-symbolic"
                                                         : "user-offline-symbolic");
  const char *state = online ? _("Online") : _("Offline");

  gtk_widget_set_tooltip_text (icon, state);
  gtk_accessible_update_property (GTK_ACCESSIBLE (icon), GTK_ACCESSIBLE_PROPERTY_LABEL, state,
                                  -1);
  if (online)
    gtk_widget_add_css_class (icon, "success");
  else
    gtk_widget_add_css_class (icon, "dim-label");
  return icon;
}

static void
on_friends_listed (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  LtWindow *self = user_data;
  g_autoptr(GVariant) friends = NULL;
  g_autoptr(GError) error = NULL;
  GVariantIter iter;
  const char *username;
  const char *nickname;
  gboolean online;

  if (!check_listed (lt_chat1_call_list_friends_finish (LT_CHAT1 (source), &friends, result,
                                                        &error),
                     &error, "friends"))
    return;
  clear_list (self->friends);
  g_variant_iter_init (&iter, friends);
  while (g_variant_iter_next (&iter, "(&s&sb)", &username, &nickname, &online))
    {
      GtkWidget *row = new_person_row (username, nickname);

      adw_action_row_add_prefix (ADW_ACTION_ROW (row), new_presence_icon (online));
      gtk_list_box_append (self->friends, row);
    }
}

static void
on_online_listed (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  LtWindow *self = user_data;
  g_autoptr(GVariant) users = NULL;
  g_autoptr(GError) error = NULL;
  GVariantIter iter;
  const char *username;
  const char *nickname;

  if (!check_listed (lt_chat1_call_list_online_finish (LT_CHAT1 (source), &users, result, &error),
                     &error, "who is online"))
    return;
  clear_list (self->online);
  g_variant_iter_init (&iter, users);
  while (g_variant_iter_next (&iter, "(&s&s)", &username, &nickname))
    if (g_strcmp0 (username, lt_chat1_get_username (self->chat)) != 0)
      gtk_list_box_append (self->online, new_person_row (username, nickname));
}

static void
list_rooms (LtWindow *self)
{
  lt_chat1_call_list_rooms (self->chat, self->cancellable, on_rooms_listed, self);
}

static void
list_people (LtWindow *self)
{
  lt_chat1_call_list_friends (self->chat, self->cancellable, on_friends_listed, self);
  lt_chat1_call_list_online (self->chat, self->cancellable, on_online_listed, self);
}

/* Forgets the last user's lists and conversations. */
static void
forget_sidebar (LtWindow *self)
{
  GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->conversations));

  clear_list (self->rooms);
  clear_list (self->friends);
  clear_list (self->online);
  while (child != NULL)
    {
      GtkWidget *next = gtk_widget_get_next_sibling (child);

      if (LT_IS_CHAT_VIEW (child))
        gtk_stack_remove (self->conversations, child);
      child = next;
    }
}

static void
update_view (LtWindow   *self,
             GParamSpec *pspec,
             LtChat1    *chat)
{
  const char *state = lt_chat1_get_state (chat);

  if (state == NULL || g_str_equal (state, "offline"))
    {
      gtk_stack_set_visible_child_name (self->views, "login");
      adw_window_title_set_subtitle (self->title, NULL);
      forget_sidebar (self);
    }
  else if (g_str_equal (state, "logged-in"))
    {
      gtk_stack_set_visible_child_name (self->views, "main");
      adw_window_title_set_subtitle (self->title, lt_chat1_get_username (chat));
      list_rooms (self);
      list_people (self);
    }
  update_back_button (self);
}

static void
watch_lists (LtWindow *self)
{
  g_signal_connect_object (self->chat, "room-membership", G_CALLBACK (list_rooms), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->chat, "friend-added", G_CALLBACK (list_people), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->chat, "friend-removed", G_CALLBACK (list_people), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->chat, "presence-changed", G_CALLBACK (list_people), self,
                           G_CONNECT_SWAPPED);
}

static void
on_chat_ready (LtWindow      *self,
               GParamSpec    *pspec,
               LtApplication *application)
{
  LtChat1 *chat = lt_application_get_chat (application);

  if (chat == NULL)
    return;

  g_set_object (&self->chat, chat);
  lt_login_view_set_chat (self->login_view, chat);
  g_signal_connect_object (chat, "notify::state", G_CALLBACK (update_view), self,
                           G_CONNECT_SWAPPED);
  watch_lists (self);
  update_view (self, NULL, chat);
}

LtWindow *
lt_window_new (LtApplication *application)
{
  LtWindow *self = g_object_new (LT_TYPE_WINDOW, "application", application, NULL);

  g_signal_connect_object (application, "notify::chat", G_CALLBACK (on_chat_ready), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect (self, "notify::is-active", G_CALLBACK (update_focus), NULL);
  on_chat_ready (self, NULL, application);
  return self;
}

static void
lt_window_dispose (GObject *object)
{
  LtWindow *self = LT_WINDOW (object);

  g_cancellable_cancel (self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), LT_TYPE_WINDOW);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->chat);

  G_OBJECT_CLASS (lt_window_parent_class)->dispose (object);
}

static void
lt_window_class_init (LtWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = lt_window_dispose;

  g_type_ensure (LT_TYPE_LOGIN_VIEW);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/liaotian/Liaotian/lt-window.ui");
  gtk_widget_class_bind_template_child (widget_class, LtWindow, title);
  gtk_widget_class_bind_template_child (widget_class, LtWindow, back_button);
  gtk_widget_class_bind_template_child (widget_class, LtWindow, views);
  gtk_widget_class_bind_template_child (widget_class, LtWindow, login_view);
  gtk_widget_class_bind_template_child (widget_class, LtWindow, leaflet);
  gtk_widget_class_bind_template_child (widget_class, LtWindow, rooms);
  gtk_widget_class_bind_template_child (widget_class, LtWindow, friends);
  gtk_widget_class_bind_template_child (widget_class, LtWindow, online);
  gtk_widget_class_bind_template_child (widget_class, LtWindow, conversations);
  gtk_widget_class_bind_template_callback (widget_class, on_room_selected);
  gtk_widget_class_bind_template_callback (widget_class, on_room_activated);
  gtk_widget_class_bind_template_callback (widget_class, on_person_activated);
  gtk_widget_class_bind_template_callback (widget_class, update_back_button);
  gtk_widget_class_bind_template_callback (widget_class, on_back_clicked);
}

static void
lt_window_init (LtWindow *self)
{
  self->cancellable = g_cancellable_new ();
  gtk_widget_init_template (GTK_WIDGET (self));
}
