/* SPDX-License-Identifier: GPL-3.0-or-later */
/* LtChatView: one conversation, a peer's or a #room's.
 *
 * Its messages are an LtMessageList: the newest page of GetHistory at
 * first, then what MessageReceived brings for this conversation, and
 * the user's own sends, shown pending until MessageSent (or failed on
 * MessageFailed).  The entry below the list sends on Enter. */
#include "config.h"

#include "lt-chat-view.h"
#include "lt-message-list.h"

#include <glib/gi18n.h>

#define HISTORY_PAGE 50

struct _LtChatView
{
  GtkWidget parent_instance;

  char *conversation;
  LtChat1 *chat;
  LtMessageList *messages;

  GtkListView *messages_view;
  GtkEntry *entry;
};

G_DEFINE_FINAL_TYPE (LtChatView, lt_chat_view, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_CHAT,
  PROP_CONVERSATION,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

const char *
lt_chat_view_get_conversation (LtChatView *self)
{
  g_return_val_if_fail (LT_IS_CHAT_VIEW (self), NULL);

  return self->conversation;
}

/**
 * lt_chat_view_set_shown:
 * @shown: whether the person is looking at this conversation
 *
 * What the person looks at notifies nothing (SetFocused) and is read
 * (MarkRead).
 */
void
lt_chat_view_set_shown (LtChatView *self,
                        gboolean    shown)
{
  g_return_if_fail (LT_IS_CHAT_VIEW (self));

  lt_chat1_call_set_focused (self->chat, shown ? self->conversation : "", NULL, NULL, NULL);
  if (shown)
    lt_chat1_call_mark_read (self->chat, self->conversation, NULL, NULL, NULL);
}

static const char *
own_username (LtChatView *self)
{
  const char *username = lt_chat1_get_username (self->chat);

  return username != NULL ? username : "";
}

static void
on_message_received (LtChat1    *chat,
                     const char *conversation,
                     guint64     id,
                     gint64      ts,
                     const char *sender,
                     const char *text,
                     LtChatView *self)
{
  if (g_strcmp0 (conversation, self->conversation) != 0)
    return;

  lt_message_list_add_received (self->messages, id, ts, sender, text,
                                g_strcmp0 (sender, own_username (self)) == 0
                                  ? LT_MESSAGE_KIND_OWN : LT_MESSAGE_KIND_OTHER);
}

static void
on_message_sent (LtChat1    *chat,
                 const char *conversation,
                 guint64     local_id,
                 guint64     id,
                 LtChatView *self)
{
  if (g_strcmp0 (conversation, self->conversation) == 0)
    lt_message_list_mark_sent (self->messages, local_id, id);
}

static void
on_message_failed (LtChat1    *chat,
                   const char *conversation,
                   guint64     local_id,
                   const char *error_name,
                   const char *message,
                   LtChatView *self)
{
  if (g_strcmp0 (conversation, self->conversation) == 0)
    lt_message_list_mark_failed (self->messages, local_id, message);
}

static void
on_history (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(LtChatView) self = user_data;
  g_autoptr(GVariant) page = NULL;
  g_autoptr(GError) error = NULL;

  if (!lt_chat1_call_get_history_finish (LT_CHAT1 (source), &page, result, &error))
    {
      g_message ("No history of %s: %s", self->conversation, error->message);
      return;
    }
  lt_message_list_prepend_page (self->messages, page, own_username (self));
}

typedef struct
{
  LtChatView *self;
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
    g_message ("Could not send to %s: %s", sending->self->conversation, error->message);
  sending_free (sending);
}

static void
on_entry_activate (LtChatView *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->entry));
  Sending *sending;

  if (*text == '\0')
    return;

  sending = g_new0 (Sending, 1);
  sending->self = g_object_ref (self);
  sending->text = g_strdup (text);
  sending->ts = g_get_real_time () / 1000;
  lt_chat1_call_send_message (self->chat, self->conversation, text, NULL, on_sent, sending);
  gtk_editable_set_text (GTK_EDITABLE (self->entry), "");
}

static void
watch_chat (LtChatView *self)
{
  g_signal_connect_object (self->chat, "message-received", G_CALLBACK (on_message_received),
                           self, 0);
  g_signal_connect_object (self->chat, "message-sent", G_CALLBACK (on_message_sent), self, 0);
  g_signal_connect_object (self->chat, "message-failed", G_CALLBACK (on_message_failed), self,
                           0);
  lt_chat1_call_get_history (self->chat, self->conversation, 0, HISTORY_PAGE, NULL, on_history,
                             g_object_ref (self));
}

/**
 * lt_chat_view_new:
 * @chat: the daemon
 * @conversation: a peer's username or a #room
 */
LtChatView *
lt_chat_view_new (LtChat1    *chat,
                  const char *conversation)
{
  g_return_val_if_fail (LT_IS_CHAT1 (chat), NULL);
  g_return_val_if_fail (conversation != NULL, NULL);

  return g_object_new (LT_TYPE_CHAT_VIEW, "chat", chat, "conversation", conversation, NULL);
}

static void
lt_chat_view_constructed (GObject *object)
{
  G_OBJECT_CLASS (lt_chat_view_parent_class)->constructed (object);

  watch_chat (LT_CHAT_VIEW (object));
}

static void
lt_chat_view_dispose (GObject *object)
{
  LtChatView *self = LT_CHAT_VIEW (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), LT_TYPE_CHAT_VIEW);
  g_clear_object (&self->chat);
  g_clear_object (&self->messages);

  G_OBJECT_CLASS (lt_chat_view_parent_class)->dispose (object);
}

static void
lt_chat_view_finalize (GObject *object)
{
  LtChatView *self = LT_CHAT_VIEW (object);

  g_clear_pointer (&self->conversation, g_free);

  G_OBJECT_CLASS (lt_chat_view_parent_class)->finalize (object);
}

static void
lt_chat_view_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  LtChatView *self = LT_CHAT_VIEW (object);

  switch (prop_id)
    {
    case PROP_CHAT:
      g_value_set_object (value, self->chat);
      break;
    case PROP_CONVERSATION:
      g_value_set_string (value, self->conversation);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lt_chat_view_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  LtChatView *self = LT_CHAT_VIEW (object);

  switch (prop_id)
    {
    case PROP_CHAT:
      self->chat = g_value_dup_object (value);
      break;
    case PROP_CONVERSATION:
      self->conversation = g_value_dup_string (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lt_chat_view_class_init (LtChatViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = lt_chat_view_constructed;
  object_class->dispose = lt_chat_view_dispose;
  object_class->finalize = lt_chat_view_finalize;
  object_class->get_property = lt_chat_view_get_property;
  object_class->set_property = lt_chat_view_set_property;

  properties[PROP_CHAT] =
    g_param_spec_object ("chat", NULL, NULL, LT_TYPE_CHAT1,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CONVERSATION] =
    g_param_spec_string ("conversation", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/liaotian/Liaotian/lt-chat-view.ui");
  gtk_widget_class_bind_template_child (widget_class, LtChatView, messages_view);
  gtk_widget_class_bind_template_child (widget_class, LtChatView, entry);
  gtk_widget_class_bind_template_callback (widget_class, on_entry_activate);
}

static void
lt_chat_view_init (LtChatView *self)
{
  g_autoptr(GtkNoSelection) selection = NULL;

  g_type_ensure (LT_TYPE_MESSAGE);
  gtk_widget_init_template (GTK_WIDGET (self));

  self->messages = lt_message_list_new ();
  selection = gtk_no_selection_new (G_LIST_MODEL (g_object_ref (self->messages)));
  gtk_list_view_set_model (self->messages_view, GTK_SELECTION_MODEL (selection));
}
