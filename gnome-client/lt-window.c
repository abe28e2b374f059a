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
 * signal says it changed.
 *
 * Its actions (win.new-room, win.join-room, win.leave-room,
 * win.find-people, win.remove-friend, win.change-password) open a
 * dialog or ask for confirmation; they are enabled while logged in,
 * win.leave-room only for a room other than #lobby, which nobody
 * leaves (docs/DBUS.md, LeaveRoom).  win.show-files lists the selected
 * room's files (the header bar's Files button). */
#include "config.h"

#include "lt-chat-view.h"
#include "lt-connection-banner.h"
#include "lt-error-text.h"
#include "lt-find-people-dialog.h"
#include "lt-join-room-dialog.h"
#include "lt-login-view.h"
#include "lt-new-room-dialog.h"
#include "lt-password-dialog.h"
#include "lt-person-row.h"
#include "lt-window-size.h"
#include "lt-window.h"

#include <glib/gi18n.h>

#define LOBBY "#lobby"

struct _LtWindow
{
  AdwApplicationWindow parent_instance;

  LtChat1 *chat;
  GCancellable *cancellable;
  char *room_to_select; /* joined or created, not listed yet */

  AdwToastOverlay *toasts;
  AdwWindowTitle *title;
  GtkButton *back_button;
  GtkMenuButton *add_button;
  GtkWidget *files_button;
  LtConnectionBanner *banner;
  GtkStack *views;
  LtLoginView *login_view;
  AdwLeaflet *leaflet;
  GtkListBox *rooms;
  GMenuModel *room_menu;
  GtkWidget *room_popover;
  GtkListBox *friends;
  GtkListBox *online;
  GtkStack *conversations;
};

G_DEFINE_FINAL_TYPE (LtWindow, lt_window, ADW_TYPE_APPLICATION_WINDOW)

/* Row by row: a list's children include its placeholder and popovers. */
static void
clear_list (GtkListBox *list)
{
  GtkListBoxRow *row;

  while ((row = gtk_list_box_get_row_at_index (list, 0)) != NULL)
    gtk_list_box_remove (list, GTK_WIDGET (row));
}

static const char *
row_title (GtkListBoxRow *row)
{
  return adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row));
}

/* The selected room; none once dispose has let go of the list, whose
 * rows still say they are unselected as they go. */
static const char *
selected_room (LtWindow *self)
{
  GtkListBoxRow *row = self->rooms != NULL ? gtk_list_box_get_selected_row (self->rooms) : NULL;

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

static gboolean
is_logged_in (LtWindow *self)
{
  return self->chat != NULL && g_strcmp0 (lt_chat1_get_state (self->chat), "logged-in") == 0;
}

static void
update_actions (LtWindow *self)
{
  static const char * const logged_in_actions[] = {
    "win.new-room", "win.join-room", "win.find-people", "win.remove-friend",
    "win.change-password",
  };
  gboolean logged_in = is_logged_in (self);
  const char *room = selected_room (self);

  for (guint i = 0; i < G_N_ELEMENTS (logged_in_actions); i++)
    gtk_widget_action_set_enabled (GTK_WIDGET (self), logged_in_actions[i], logged_in);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.leave-room",
                                 logged_in && room != NULL && !g_str_equal (room, LOBBY));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.show-files", room != NULL);
}

static void
on_room_selected (LtWindow      *self,
                  GtkListBoxRow *row)
{
  const char *room;
  GtkWidget *view;

  if (row == NULL)
    {
      update_actions (self);
      return;
    }

  room = row_title (row);
  view = gtk_stack_get_child_by_name (self->conversations, room);
  update_actions (self);
  /* The same room selected again after the list was refreshed: the
   * focus stays where the person left it. */
  if (view != NULL && view == gtk_stack_get_visible_child (self->conversations))
    return;
  if (view == NULL)
    {
      view = GTK_WIDGET (lt_chat_view_new (self->chat, room));
      gtk_stack_add_named (self->conversations, view, room);
    }
  gtk_stack_set_visible_child (self->conversations, view);
  update_focus (self);
}

/* A right click on a room: its menu, the room selected. */
static void
on_rooms_pressed (LtWindow *self,
                  int       n_press,
                  double    x,
                  double    y)
{
  GtkListBoxRow *row = gtk_list_box_get_row_at_y (self->rooms, y);

  if (row == NULL)
    return;

  gtk_list_box_select_row (self->rooms, row);
  gtk_popover_set_pointing_to (GTK_POPOVER (self->room_popover),
                               &(GdkRectangle) { x, y, 1, 1 });
  gtk_popover_popup (GTK_POPOVER (self->room_popover));
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
      gtk_list_box_append (self->rooms, lt_person_row_new (room, topic));
}

/* The sidebar's row of @room, or NULL when the user is not in it. */
static GtkListBoxRow *
find_room_row (LtWindow   *self,
               const char *room)
{
  GtkListBoxRow *row;

  for (int i = 0; (row = gtk_list_box_get_row_at_index (self->rooms, i)) != NULL; i++)
    if (g_strcmp0 (row_title (row), room) == 0)
      break;
  return row;
}

/* Selects @room again after a re-list, else the first room. */
static void
select_room (LtWindow   *self,
             const char *room)
{
  GtkListBoxRow *row = find_room_row (self, room);

  if (row == NULL)
    row = gtk_list_box_get_row_at_index (self->rooms, 0);
  gtk_list_box_select_row (self->rooms, row);
}

/* Drops the conversations of rooms no longer in the sidebar (all of
 * them when it is empty): joined again later, a room starts afresh
 * from its history instead of missing what was said meanwhile. */
static void
forget_left_rooms (LtWindow *self)
{
  GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->conversations));

  while (child != NULL)
    {
      GtkWidget *next = gtk_widget_get_next_sibling (child);

      if (LT_IS_CHAT_VIEW (child)
          && find_room_row (self, lt_chat_view_get_conversation (LT_CHAT_VIEW (child))) == NULL)
        gtk_stack_remove (self->conversations, child);
      child = next;
    }
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
  selected = g_strdup (self->room_to_select != NULL ? self->room_to_select
                                                    : selected_room (self));
  clear_list (self->rooms);
  append_rooms (self, rooms, TRUE);
  append_rooms (self, rooms, FALSE);
  select_room (self, selected);
  forget_left_rooms (self);
  if (g_strcmp0 (selected_room (self), self->room_to_select) == 0)
    g_clear_pointer (&self->room_to_select, g_free);
}

/* A friend's menu: what can be done to the friend, not their chat. */
static GtkWidget *
new_friend_menu_button (const char *username)
{
  g_autoptr(GMenu) menu = g_menu_new ();
  g_autoptr(GMenuItem) remove = g_menu_item_new (_("_Remove Friend"), NULL);
  GtkWidget *button = gtk_menu_button_new ();

  g_menu_item_set_action_and_target (remove, "win.remove-friend", "s", username);
  g_menu_append_item (menu, remove);
  gtk_menu_button_set_menu_model (GTK_MENU_BUTTON (button), G_MENU_MODEL (menu));
  gtk_menu_button_set_icon_name (GTK_MENU_BUTTON (button), "view-more-symbolic");
  gtk_widget_set_tooltip_text (button, _("Friend Menu"));
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (button, "flat");
  return button;
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
      GtkWidget *row = lt_person_row_new_for_user (username, nickname);

      adw_action_row_add_prefix (ADW_ACTION_ROW (row), lt_presence_icon_new (online));
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), new_friend_menu_button (username));
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
      gtk_list_box_append (self->online, lt_person_row_new_for_user (username, nickname));
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
  clear_list (self->rooms);
  clear_list (self->friends);
  clear_list (self->online);
  forget_left_rooms (self);
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
  gtk_widget_set_visible (GTK_WIDGET (self->add_button), is_logged_in (self));
  gtk_widget_set_visible (self->files_button, is_logged_in (self));
  update_actions (self);
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
  lt_connection_banner_set_chat (self->banner, chat);
  g_signal_connect_object (chat, "notify::state", G_CALLBACK (update_view), self,
                           G_CONNECT_SWAPPED);
  watch_lists (self);
  update_view (self, NULL, chat);
}

static void
show_toast (LtWindow   *self,
            const char *text)
{
  adw_toast_overlay_add_toast (self->toasts, adw_toast_new (text));
}

/* A failed call of an action: in words, unless it was cancelled, when
 * the window may be gone (and so is not cast before this check). */
static void
show_call_error (gpointer      window,
                 const GError *error)
{
  if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    show_toast (LT_WINDOW (window), lt_error_text_for_error (error, NULL));
}

static void
on_room_joined (LtWindow   *self,
                const char *room)
{
  g_free (self->room_to_select);
  self->room_to_select = g_strdup (room);
  list_rooms (self);
}

static void
present_dialog (LtWindow  *self,
                GtkWidget *dialog)
{
  if (g_signal_lookup ("room-joined", G_OBJECT_TYPE (dialog)) != 0)
    g_signal_connect_object (dialog, "room-joined", G_CALLBACK (on_room_joined), self,
                             G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
new_room_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  LtWindow *self = LT_WINDOW (widget);

  present_dialog (self, GTK_WIDGET (lt_new_room_dialog_new (GTK_WINDOW (self), self->chat)));
}

static void
join_room_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  LtWindow *self = LT_WINDOW (widget);

  present_dialog (self, GTK_WIDGET (lt_join_room_dialog_new (GTK_WINDOW (self), self->chat)));
}

static void
find_people_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  GtkWindow *window = GTK_WINDOW (widget);
  LtApplication *application = LT_APPLICATION (gtk_window_get_application (window));

  present_dialog (LT_WINDOW (widget),
                  GTK_WIDGET (lt_find_people_dialog_new (window, application)));
}

static void
on_password_changed (LtWindow *self)
{
  show_toast (self, _("Password changed"));
}

static void
change_password_action (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  LtWindow *self = LT_WINDOW (widget);
  LtPasswordDialog *dialog = lt_password_dialog_new (GTK_WINDOW (self), self->chat);

  g_signal_connect_object (dialog, "password-changed", G_CALLBACK (on_password_changed), self,
                           G_CONNECT_SWAPPED);
  present_dialog (self, GTK_WIDGET (dialog));
}

/* Asks before a destructive @response; @on_confirmed gets the window
 * and @subject (a room or a username). */
static void
confirm (LtWindow   *self,
         const char *heading,
         const char *body,
         const char *response,
         GCallback   on_confirmed,
         const char *subject)
{
  GtkWidget *dialog = adw_message_dialog_new (GTK_WINDOW (self), heading, body);

  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Cancel"),
                                    "confirm", response, NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "confirm",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_object_set_data_full (G_OBJECT (dialog), "lt-subject", g_strdup (subject), g_free);
  g_signal_connect_object (dialog, "response::confirm", on_confirmed, self, G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (dialog));
}

static const char *
confirmed_subject (AdwMessageDialog *dialog)
{
  return g_object_get_data (G_OBJECT (dialog), "lt-subject");
}

static void
on_room_left (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!lt_chat1_call_leave_room_finish (LT_CHAT1 (source), result, &error))
    show_call_error (user_data, error);
}

static void
on_leave_confirmed (LtWindow         *self,
                    const char       *response,
                    AdwMessageDialog *dialog)
{
  lt_chat1_call_leave_room (self->chat, confirmed_subject (dialog), self->cancellable,
                            on_room_left, self);
}

static void
leave_room_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  LtWindow *self = LT_WINDOW (widget);
  const char *room = selected_room (self);
  /* Translators: %s is a room's name, such as #gnome-dev. */
  g_autofree char *heading = g_strdup_printf (_("Leave %s?"), room);

  confirm (self, heading,
           _("You will no longer receive its messages. You can join it again later."),
           _("_Leave"), G_CALLBACK (on_leave_confirmed), room);
}

static void
on_friend_removed (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!lt_chat1_call_remove_friend_finish (LT_CHAT1 (source), result, &error))
    show_call_error (user_data, error);
}

static void
on_remove_confirmed (LtWindow         *self,
                     const char       *response,
                     AdwMessageDialog *dialog)
{
  lt_chat1_call_remove_friend (self->chat, confirmed_subject (dialog), self->cancellable,
                               on_friend_removed, self);
}

static void
remove_friend_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  const char *username = g_variant_get_string (parameter, NULL);
  /* Translators: %s is a username, such as bob. */
  g_autofree char *heading = g_strdup_printf (_("Remove %s from Your Friends?"), username);

  confirm (LT_WINDOW (widget), heading,
           _("You can still write to each other, and add each other again later."),
           _("_Remove"), G_CALLBACK (on_remove_confirmed), username);
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
  /* The proxy outlives the window; its signals must not reach the
   * widgets released below. */
  if (self->chat != NULL)
    g_signal_handlers_disconnect_by_data (self->chat, self);
  g_clear_pointer (&self->room_popover, gtk_widget_unparent);
  gtk_widget_dispose_template (GTK_WIDGET (self), LT_TYPE_WINDOW);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->chat);
  g_clear_pointer (&self->room_to_select, g_free);

  G_OBJECT_CLASS (lt_window_parent_class)->dispose (object);
}

static void
show_files_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  LtChatView *view = shown_view (LT_WINDOW (widget));

  if (view != NULL)
    lt_chat_view_show_files (view);
}

static void
lt_window_class_init (LtWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = lt_window_dispose;

  gtk_widget_class_install_action (widget_class, "win.new-room", NULL, new_room_action);
  gtk_widget_class_install_action (widget_class, "win.join-room", NULL, join_room_action);
  gtk_widget_class_install_action (widget_class, "win.leave-room", NULL, leave_room_action);
  gtk_widget_class_install_action (widget_class, "win.find-people", NULL, find_people_action);
  gtk_widget_class_install_action (widget_class, "win.remove-friend", "s",
                                   remove_friend_action);
  gtk_widget_class_install_action (widget_class, "win.change-password", NULL,
                                   change_password_action);
  gtk_widget_class_install_action (widget_class, "win.show-files", NULL, show_files_action);

  g_type_ensure (LT_TYPE_LOGIN_VIEW);
  g_type_ensure (LT_TYPE_CONNECTION_BANNER);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/liaotian/Liaotian/lt-window.ui");
  gtk_widget_class_bind_template_child (widget_class, LtWindow, toasts);
  gtk_widget_class_bind_template_child (widget_class, LtWindow, title);
  gtk_widget_class_bind_template_child (widget_class, LtWindow, back_button);
  gtk_widget_class_bind_template_child (widget_class, LtWindow, add_button);
  gtk_widget_class_bind_template_child (widget_class, LtWindow, files_button);
  gtk_widget_class_bind_template_child (widget_class, LtWindow, banner);
  gtk_widget_class_bind_template_child (widget_class, LtWindow, views);
  gtk_widget_class_bind_template_child (widget_class, LtWindow, login_view);
  gtk_widget_class_bind_template_child (widget_class, LtWindow, leaflet);
  gtk_widget_class_bind_template_child (widget_class, LtWindow, rooms);
  gtk_widget_class_bind_template_child (widget_class, LtWindow, room_menu);
  gtk_widget_class_bind_template_child (widget_class, LtWindow, friends);
  gtk_widget_class_bind_template_child (widget_class, LtWindow, online);
  gtk_widget_class_bind_template_child (widget_class, LtWindow, conversations);
  gtk_widget_class_bind_template_callback (widget_class, on_room_selected);
  gtk_widget_class_bind_template_callback (widget_class, on_rooms_pressed);
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
  self->room_popover = gtk_popover_menu_new_from_model (self->room_menu);
  gtk_widget_set_parent (self->room_popover, GTK_WIDGET (self->rooms));
  lt_window_size_remember (GTK_WINDOW (self), "window-width", "window-height",
                           "window-maximized");
  update_actions (self);
}
