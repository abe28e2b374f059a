/* SPDX-License-Identifier: GPL-3.0-or-later */
/* LtWindow: the main window.  The login view while the daemon is
 * offline, else (for now) a placeholder where the sidebar and the room
 * view follow (docs/DESIGN-client.md); a header bar with the main menu.
 *
 * It follows the daemon's State: offline shows the login view,
 * logged-in the main view, and connecting or connected (a Login under
 * way, or a reconnection) keep what is shown. */
#include "config.h"

#include "lt-login-view.h"
#include "lt-window.h"

#include <glib/gi18n.h>

struct _LtWindow
{
  AdwApplicationWindow parent_instance;

  AdwWindowTitle *title;
  GtkStack *views;
  LtLoginView *login_view;
};

G_DEFINE_FINAL_TYPE (LtWindow, lt_window, ADW_TYPE_APPLICATION_WINDOW)


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
    }
  else if (g_str_equal (state, "logged-in"))
    {
      gtk_stack_set_visible_child_name (self->views, "main");
      adw_window_title_set_subtitle (self->title, lt_chat1_get_username (chat));
    }
}

static void
on_chat_ready (LtWindow      *self,
               GParamSpec    *pspec,
               LtApplication *application)
{
  LtChat1 *chat = lt_application_get_chat (application);

  if (chat == NULL)
    return;

  lt_login_view_set_chat (self->login_view, chat);
  g_signal_connect_object (chat, "notify::state", G_CALLBACK (update_view), self,
                           G_CONNECT_SWAPPED);
  update_view (self, NULL, chat);
}

LtWindow *
lt_window_new (LtApplication *application)
{
  LtWindow *self = g_object_new (LT_TYPE_WINDOW, "application", application, NULL);

  g_signal_connect_object (application, "notify::chat", G_CALLBACK (on_chat_ready), self,
                           G_CONNECT_SWAPPED);
  on_chat_ready (self, NULL, application);
  return self;
}

static void
lt_window_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), LT_TYPE_WINDOW);

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
  gtk_widget_class_bind_template_child (widget_class, LtWindow, views);
  gtk_widget_class_bind_template_child (widget_class, LtWindow, login_view);
}

static void
lt_window_init (LtWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
