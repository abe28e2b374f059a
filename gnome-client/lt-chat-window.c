/* SPDX-License-Identifier: GPL-3.0-or-later */
/* LtChatWindow: one peer's private chat.
 *
 * Its messages are an LtMessageList: the newest page of GetHistory at
 * first, then what MessageReceived brings for this peer, and the
 * user's own sends, shown pending until MessageSent.  While the window
 * is active it is the focused conversation (SetFocused), so that the
 * daemon posts no notification for it, and it is marked read. */
#include "config.h"

#include "lt-chat-window.h"
#include "lt-message-list.h"

#include <glib/gi18n.h>

#define HISTORY_PAGE 50

struct _LtChatWindow
{
  AdwApplicationWindow parent_instance;

  char *peer;
  LtChat1 *chat;
  LtMessageList *messages;

  AdwWindowTitle *title;
  GtkListView *messages_view;
  GtkEntry *entry;
};

G_DEFINE_FINAL_TYPE (LtChatWindow, lt_chat_window, ADW_TYPE_APPLICATION_WINDOW)

const char *
lt_chat_window_get_peer (LtChatWindow *self)
{
  g_return_val_if_fail (LT_IS_CHAT_WINDOW (self), NULL);

  return self->peer;
}

static const char *
own_username (LtChatWindow *self)
{
  const char *username = lt_chat1_get_username (self->chat);

  return username != NULL ? username : "";
}

static void
on_message_received (LtChat1      *chat,
                     const char   *conversation,
                     guint64       id,
                     gint64        ts,
                     const char   *sender,
                     const char   *text,
                     LtChatWindow *self)
{
  if (g_strcmp0 (conversation, self->peer) != 0)
    return;

  lt_message_list_add_received (self->messages, id, ts, sender, text,
                                g_strcmp0 (sender, own_username (self)) == 0
                                  ? LT_MESSAGE_KIND_OWN : LT_MESSAGE_KIND_OTHER);
}

static void
on_message_sent (LtChat1      *chat,
                 const char   *conversation,
                 guint64       local_id,
                 guint64       id,
                 LtChatWindow *self)
{
  if (g_strcmp0 (conversation, self->peer) == 0)
    lt_message_list_mark_sent (self->messages, local_id, id);
}

static void
on_message_failed (LtChat1      *chat,
                   const char   *conversation,
                   guint64       local_id,
                   const char   *error_name,
                   const char   *message,
                   LtChatWindow *self)
{
  if (g_strcmp0 (conversation, self->peer) == 0)
    lt_message_list_mark_failed (self->messages, local_id, message);
}

static void
on_history (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(LtChatWindow) self = user_data;
  g_autoptr(GVariant) page = NULL;
  g_autoptr(GError) error = NULL;

  if (!lt_chat1_call_get_history_finish (LT_CHAT1 (source), &page, result, &error))
    {
      g_message ("No history with %s: %s", self->peer, error->message);
      return;
    }
  lt_message_list_prepend_page (self->messages, page, own_username (self));
}

typedef struct
{
  LtChatWindow *self;
  char *text;
  gint64 ts;
} Sending;

static void
sending_free (Sending *sending)
{
  g_object_unref (sending->self);
  g_free (sending->text);
  g_free (sending);
}

static void
on_sent (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Sending *sending = user_data;
  g_autoptr(GError) error = NULL;
  guint64 local_id = 0;

  if (lt_chat1_call_send_message_finish (LT_CHAT1 (source), &local_id, result, &error))
    lt_message_list_add_pending (sending->self->messages, local_id, sending->ts,
                                 own_username (sending->self), sending->text);
  else
    g_message ("Could not send to %s: %s", sending->self->peer, error->message);
  sending_free (sending);
}

static void
on_entry_activate (LtChatWindow *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->entry));
  Sending *sending;

  if (*text == '\0')
    return;

  sending = g_new0 (Sending, 1);
  sending->self = g_object_ref (self);
  sending->text = g_strdup (text);
  sending->ts = g_get_real_time () / 1000;
  lt_chat1_call_send_message (self->chat, self->peer, text, NULL, on_sent, sending);
  gtk_editable_set_text (GTK_EDITABLE (self->entry), "");
}

/* What the person looks at notifies nothing and is read. */
static void
on_active_changed (LtChatWindow *self)
{
  gboolean active = gtk_window_is_active (GTK_WINDOW (self));

  lt_chat1_call_set_focused (self->chat, active ? self->peer : "", NULL, NULL, NULL);
  if (active)
    lt_chat1_call_mark_read (self->chat, self->peer, NULL, NULL, NULL);
}

static void
watch_chat (LtChatWindow *self)
{
  g_signal_connect_object (self->chat, "message-received", G_CALLBACK (on_message_received),
                           self, 0);
  g_signal_connect_object (self->chat, "message-sent", G_CALLBACK (on_message_sent), self, 0);
  g_signal_connect_object (self->chat, "message-failed", G_CALLBACK (on_message_failed), self,
                           0);
  g_signal_connect (self, "notify::is-active", G_CALLBACK (on_active_changed), NULL);
  lt_chat1_call_get_history (self->chat, self->peer, 0, HISTORY_PAGE, NULL, on_history,
                             g_object_ref (self));
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
  self->peer = g_strdup (peer);
  adw_window_title_set_title (self->title, peer);
  self->chat = g_object_ref (lt_application_get_chat (application));
  watch_chat (self);
  return self;
}

static void
lt_chat_window_dispose (GObject *object)
{
  LtChatWindow *self = LT_CHAT_WINDOW (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), LT_TYPE_CHAT_WINDOW);
  g_clear_object (&self->chat);
  g_clear_object (&self->messages);

  G_OBJECT_CLASS (lt_chat_window_parent_class)->dispose (object);
}

static void
lt_chat_window_finalize (GObject *object)
{
  LtChatWindow *self = LT_CHAT_WINDOW (object);

  g_clear_pointer (&self->peer, g_free);

  G_OBJECT_CLASS (lt_chat_window_parent_class)->finalize (object);
}

static void
lt_chat_window_class_init (LtChatWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = lt_chat_window_dispose;
  object_class->finalize = lt_chat_window_finalize;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/liaotian/Liaotian/lt-chat-window.ui");
  gtk_widget_class_bind_template_child (widget_class, LtChatWindow, title);
  gtk_widget_class_bind_template_child (widget_class, LtChatWindow, messages_view);
  gtk_widget_class_bind_template_child (widget_class, LtChatWindow, entry);
  gtk_widget_class_bind_template_callback (widget_class, on_entry_activate);
}

static void
lt_chat_window_init (LtChatWindow *self)
{
  g_autoptr(GtkNoSelection) selection = NULL;

  g_type_ensure (LT_TYPE_MESSAGE);
  gtk_widget_init_template (GTK_WIDGET (self));

  self->messages = lt_message_list_new ();
  selection = gtk_no_selection_new (G_LIST_MODEL (g_object_ref (self->messages)));
  gtk_list_view_set_model (self->messages_view, GTK_SELECTION_MODEL (selection));
}
