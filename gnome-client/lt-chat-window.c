/* SPDX-License-Identifier: GPL-3.0-or-later */
/* LtChatWindow: one peer's private chat, an LtChatView under a header
 * bar titled with the peer.  While the window is active the view is
 * the focused conversation (SetFocused), so that the daemon posts no
 * notification for it, and it is marked read.  A connection banner
 * under the header bar says when the daemon is not logged in.  The
 * header bar's Files button (win.show-files) lists the conversation's
 * files. */
#include "config.h"

#include "lt-chat-view.h"
#include "lt-chat-window.h"
#include "lt-connection-banner.h"
#include "lt-window-size.h"

#include <glib/gi18n.h>

struct _LtChatWindow
{
  AdwApplicationWindow parent_instance;

  LtChatView *view;

  AdwWindowTitle *title;
  LtConnectionBanner *banner;
  GtkBox *content;
};

G_DEFINE_FINAL_TYPE (LtChatWindow, lt_chat_window, ADW_TYPE_APPLICATION_WINDOW)

const char *
lt_chat_window_get_peer (LtChatWindow *self)
{
  g_return_val_if_fail (LT_IS_CHAT_WINDOW (self), NULL);

  return lt_chat_view_get_conversation (self->view);
}

static void
on_active_changed (LtChatWindow *self)
{
  lt_chat_view_set_shown (self->view, gtk_window_is_active (GTK_WINDOW (self)));
}

/**
 * lt_chat_window_new:
 * @peer: the username of the other person; also the window's title,
 *   which is how a person (and the tests) tell the windows apart
 */
LtChatWindow *
lt_chat_window_new (LtApplication *application,
                    const char    *peer)
{
  LtChatWindow *self;

  g_return_val_if_fail (LT_IS_APPLICATION (application), NULL);
  g_return_val_if_fail (peer != NULL, NULL);

  self = g_object_new (LT_TYPE_CHAT_WINDOW, "application", application, "title", peer, NULL);
  adw_window_title_set_title (self->title, peer);
  lt_connection_banner_set_chat (self->banner, lt_application_get_chat (application));
  self->view = lt_chat_view_new (lt_application_get_chat (application), peer);
  gtk_widget_set_vexpand (GTK_WIDGET (self->view), TRUE);
  gtk_box_append (self->content, GTK_WIDGET (self->view));
  g_signal_connect (self, "notify::is-active", G_CALLBACK (on_active_changed), NULL);
  return self;
}

static void
show_files_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  lt_chat_view_show_files (LT_CHAT_WINDOW (widget)->view);
}

static void
lt_chat_window_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), LT_TYPE_CHAT_WINDOW);

  G_OBJECT_CLASS (lt_chat_window_parent_class)->dispose (object);
}

static void
lt_chat_window_class_init (LtChatWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = lt_chat_window_dispose;

  gtk_widget_class_install_action (widget_class, "win.show-files", NULL, show_files_action);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/liaotian/Liaotian/lt-chat-window.ui");
  g_type_ensure (LT_TYPE_CONNECTION_BANNER);
  gtk_widget_class_bind_template_child (widget_class, LtChatWindow, title);
  gtk_widget_class_bind_template_child (widget_class, LtChatWindow, banner);
  gtk_widget_class_bind_template_child (widget_class, LtChatWindow, content);
}

static void
lt_chat_window_init (LtChatWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  lt_window_size_remember (GTK_WINDOW (self), "chat-window-width", "chat-window-height", NULL);
}
