/* SPDX-License-Identifier: GPL-3.0-or-later */
/* LtChatView: one conversation, a peer's or a #room's.
 *
 * Its messages are an LtMessageList, shown by LtMessageRows: the
 * newest page of GetHistory at first, older pages as the person
 * scrolls up (one request at a time, until a page comes back short),
 * then what MessageReceived brings for this conversation, the
 * person's own sends, pending until MessageSent (or failed on
 * MessageFailed), and system lines: joins and leaves in a room, the
 * peer's presence in a private conversation.  While the person is at
 * the bottom the view follows new messages; once they scroll up to
 * read, it stays put.
 *
 * The composer below the list is a text view of a few lines: Enter
 * sends and Shift+Enter starts a new line, or the other way round
 * with Ctrl+Enter sending, as the enter-sends setting says. */
#include "config.h"

#include "lt-chat-view.h"
#include "lt-error-text.h"
#include "lt-message-list.h"
#include "lt-message-row.h"

#include <glib/gi18n.h>

#define HISTORY_PAGE 50
/* How close to the bottom, in pixels, still counts as at the bottom. */
#define BOTTOM_SLACK 8.0

struct _LtChatView
{
  GtkWidget parent_instance;

  char *conversation;
  LtChat1 *chat;
  LtMessageList *messages;
  GSettings *settings;
  GCancellable *cancellable;

  gboolean loading_older;
  gboolean has_oldest;   /* a page came back short: there is nothing older */
  gboolean follows_end;  /* the person was at the bottom before the latest change */
  gboolean composing;    /* an input method has text in preedit */
  guint scroll_to_end_id;

  /* The template's children; scroller and composer, its direct
   * children, are bound so that dispose_template() unparents them. */
  GtkScrolledWindow *scroller;
  GtkWidget *composer;
  GtkListView *messages_view;
  GtkMenuButton *emoji_button;
  GtkTextView *text_view;
  GtkWidget *placeholder;
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

/* Where the person was typing stays; otherwise the composer. */
static void
focus_composer_unless_inside (LtChatView *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkWidget *focus = root != NULL ? gtk_root_get_focus (root) : NULL;

  if (focus == NULL || !gtk_widget_is_ancestor (focus, GTK_WIDGET (self)))
    gtk_widget_grab_focus (GTK_WIDGET (self->text_view));
}

/**
 * lt_chat_view_set_shown:
 * @shown: whether the person is looking at this conversation
 *
 * What the person looks at notifies nothing (SetFocused) and is read
 * (MarkRead); its composer has the focus.
 */
void
lt_chat_view_set_shown (LtChatView *self,
                        gboolean    shown)
{
  g_return_if_fail (LT_IS_CHAT_VIEW (self));

  lt_chat1_call_set_focused (self->chat, shown ? self->conversation : "", NULL, NULL, NULL);
  if (!shown)
    return;
  lt_chat1_call_mark_read (self->chat, self->conversation, NULL, NULL, NULL);
  focus_composer_unless_inside (self);
}

static const char *
own_username (LtChatView *self)
{
  const char *username = lt_chat1_get_username (self->chat);

  return username != NULL ? username : "";
}

static gboolean
is_room (LtChatView *self)
{
  return self->conversation[0] == '#';
}

/* History and scrolling ---------------------------------------------------- */

static GtkAdjustment *
vadjustment (LtChatView *self)
{
  return gtk_scrolled_window_get_vadjustment (self->scroller);
}

static gboolean
is_at_bottom (GtkAdjustment *adjustment)
{
  return gtk_adjustment_get_value (adjustment) + gtk_adjustment_get_page_size (adjustment)
         >= gtk_adjustment_get_upper (adjustment) - BOTTOM_SLACK;
}

static void on_history (GObject      *source,
                        GAsyncResult *result,
                        gpointer      user_data);

/* The page before the oldest message there is (the newest page while
 * there is none), unless a request is under way or nothing is older. */
static void
load_older (LtChatView *self)
{
  if (self->loading_older || self->has_oldest)
    return;

  self->loading_older = TRUE;
  lt_chat1_call_get_history (self->chat, self->conversation,
                             lt_message_list_get_oldest_id (self->messages), HISTORY_PAGE,
                             self->cancellable, on_history, g_object_ref (self));
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
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_message ("No history of %s: %s", self->conversation, error->message);
          self->loading_older = FALSE;
        }
      return;
    }

  self->loading_older = FALSE;
  self->has_oldest = g_variant_n_children (page) < HISTORY_PAGE;
  lt_message_list_prepend_page (self->messages, page, own_username (self));
}

static void
on_edge_reached (LtChatView     *self,
                 GtkPositionType position)
{
  if (position == GTK_POS_TOP)
    load_older (self);
}

static void
on_scrolled (LtChatView    *self,
             GtkAdjustment *adjustment)
{
  self->follows_end = is_at_bottom (adjustment);
}

static gboolean
scroll_to_end (gpointer user_data)
{
  LtChatView *self = user_data;
  GtkAdjustment *adjustment = vadjustment (self);

  self->scroll_to_end_id = 0;
  /* The person may have scrolled away since this was asked for. */
  if (!self->follows_end)
    return G_SOURCE_REMOVE;
  gtk_adjustment_set_value (adjustment, gtk_adjustment_get_upper (adjustment)
                                          - gtk_adjustment_get_page_size (adjustment));
  return G_SOURCE_REMOVE;
}

/* The list grew or the view's size changed.  The list view keeps the
 * row it is anchored to in place, also when an older page comes before
 * it; at the end, the person wants to see the new messages instead.
 * While the messages do not fill the view, there is no scrolling up to
 * ask for older ones: ask at once. */
static void
on_extent_changed (LtChatView    *self,
                   GtkAdjustment *adjustment)
{
  double page_size = gtk_adjustment_get_page_size (adjustment);

  /* Not in the middle of the list view's size allocation, which this
   * signal is part of: scrolling then would leave rows unallocated. */
  if (self->follows_end && self->scroll_to_end_id == 0)
    self->scroll_to_end_id = g_idle_add (scroll_to_end, self);
  if (page_size > 0 && gtk_adjustment_get_upper (adjustment) <= page_size)
    load_older (self);
}

static void
watch_scrolling (LtChatView *self)
{
  GtkAdjustment *adjustment = vadjustment (self);

  self->follows_end = TRUE;
  g_signal_connect_object (adjustment, "value-changed", G_CALLBACK (on_scrolled), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (adjustment, "changed", G_CALLBACK (on_extent_changed), self,
                           G_CONNECT_SWAPPED);
}

/* What the daemon says ----------------------------------------------------- */

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
    lt_message_list_mark_failed (self->messages, local_id, lt_error_text_for (error_name, NULL));
}

static void
add_system_line (LtChatView *self,
                 const char *text)
{
  lt_message_list_add_system (self->messages, g_get_real_time () / 1000, text);
}

static void
on_room_membership (LtChat1    *chat,
                    const char *room,
                    const char *username,
                    gboolean    joined,
                    LtChatView *self)
{
  g_autofree char *line = NULL;

  if (g_strcmp0 (room, self->conversation) != 0)
    return;

  if (joined)
    /* Translators: a line in a room's conversation; the first %s is a
     * username ("bob"), the second the room ("#lobby"). */
    line = g_strdup_printf (_("%s joined %s"), username, room);
  else
    /* Translators: a line in a room's conversation; the first %s is a
     * username ("bob"), the second the room ("#lobby"). */
    line = g_strdup_printf (_("%s left %s"), username, room);
  add_system_line (self, line);
}

static void
on_presence_changed (LtChat1    *chat,
                     const char *username,
                     const char *nickname,
                     gboolean    online,
                     LtChatView *self)
{
  g_autofree char *line = NULL;

  if (is_room (self) || g_strcmp0 (username, self->conversation) != 0)
    return;

  if (online)
    /* Translators: a line in a private conversation; %s is the other
     * person's username. */
    line = g_strdup_printf (_("%s is online"), username);
  else
    /* Translators: a line in a private conversation; %s is the other
     * person's username. */
    line = g_strdup_printf (_("%s went offline"), username);
  add_system_line (self, line);
}

static void
watch_chat (LtChatView *self)
{
  g_signal_connect_object (self->chat, "message-received", G_CALLBACK (on_message_received),
                           self, 0);
  g_signal_connect_object (self->chat, "message-sent", G_CALLBACK (on_message_sent), self, 0);
  g_signal_connect_object (self->chat, "message-failed", G_CALLBACK (on_message_failed), self,
                           0);
  g_signal_connect_object (self->chat, "room-membership", G_CALLBACK (on_room_membership),
                           self, 0);
  g_signal_connect_object (self->chat, "presence-changed", G_CALLBACK (on_presence_changed),
                           self, 0);
  load_older (self);
}

/* The composer ------------------------------------------------------------- */

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

static GtkTextBuffer *
composer_buffer (LtChatView *self)
{
  return gtk_text_view_get_buffer (self->text_view);
}

/* The composer's frame shows why the daemon refused a text at once (too
 * long, say); the next edit clears it. */
static void
show_composer_error (LtChatView *self,
                     const char *error_text)
{
  GtkWidget *frame = gtk_widget_get_parent (GTK_WIDGET (self->text_view));

  if (error_text != NULL)
    gtk_widget_add_css_class (frame, "error");
  else
    gtk_widget_remove_css_class (frame, "error");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->text_view), error_text);
  if (error_text != NULL)
    gtk_accessible_update_property (GTK_ACCESSIBLE (self->text_view),
                                    GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, error_text, -1);
  else
    gtk_accessible_reset_property (GTK_ACCESSIBLE (self->text_view),
                                   GTK_ACCESSIBLE_PROPERTY_DESCRIPTION);
}

/* A text the daemon did not take goes back into the composer, unless
 * the person is writing the next one already. */
static void
give_back_text (LtChatView *self,
                const char *text,
                const char *error_text)
{
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (composer_buffer (self), &start, &end);
  if (gtk_text_iter_equal (&start, &end))
    gtk_text_buffer_set_text (composer_buffer (self), text, -1);
  show_composer_error (self, error_text);
}

static void
on_sent (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Sending *sending = user_data;
  LtChatView *self = sending->self;
  g_autoptr(GError) error = NULL;
  guint64 local_id = 0;

  if (lt_chat1_call_send_message_finish (LT_CHAT1 (source), &local_id, result, &error))
    lt_message_list_add_pending (self->messages, local_id, sending->ts, own_username (self),
                                 sending->text);
  else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    give_back_text (self, sending->text, lt_error_text_for_error (error, NULL));
  sending_free (sending);
}

/* The text written, without the blanks around it. */
static char *
composed_text (LtChatView *self)
{
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (composer_buffer (self), &start, &end);
  return g_strstrip (gtk_text_buffer_get_text (composer_buffer (self), &start, &end, FALSE));
}

static void
send_composed (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  LtChatView *self = LT_CHAT_VIEW (widget);
  g_autofree char *text = composed_text (self);
  Sending *sending;

  if (*text == '\0')
    return;

  sending = g_new0 (Sending, 1);
  sending->self = g_object_ref (self);
  sending->text = g_steal_pointer (&text);
  sending->ts = g_get_real_time () / 1000;
  /* What the person sends, they want to see: back to the end. */
  self->follows_end = TRUE;
  lt_chat1_call_send_message (self->chat, self->conversation, sending->text, self->cancellable,
                              on_sent, sending);
  gtk_text_buffer_set_text (composer_buffer (self), "", -1);
}

static void
on_composer_changed (LtChatView *self)
{
  g_autofree char *text = composed_text (self);
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (composer_buffer (self), &start, &end);
  gtk_widget_set_visible (self->placeholder, gtk_text_iter_equal (&start, &end));
  show_composer_error (self, NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "chat-view.send", *text != '\0');
}

static gboolean
is_enter (guint keyval)
{
  return keyval == GDK_KEY_Return || keyval == GDK_KEY_KP_Enter || keyval == GDK_KEY_ISO_Enter;
}

/* An input method (pinyin, say) is composing: its Enter commits what
 * is being composed, and must reach it. */
static void
on_preedit_changed (LtChatView *self,
                    const char *preedit)
{
  self->composing = preedit != NULL && *preedit != '\0';
}

/* Ctrl+Enter always sends; plain Enter only with enter-sends.  Every
 * other Enter goes on to the text view, which starts a new line. */
static gboolean
on_key_pressed (LtChatView     *self,
                guint           keyval,
                guint           keycode,
                GdkModifierType state)
{
  GdkModifierType modifiers = state & gtk_accelerator_get_default_mod_mask ();

  if (!is_enter (keyval) || self->composing)
    return FALSE;
  if (modifiers == GDK_CONTROL_MASK
      || (modifiers == 0 && g_settings_get_boolean (self->settings, "enter-sends")))
    {
      gtk_widget_activate_action (GTK_WIDGET (self), "chat-view.send", NULL);
      return TRUE;
    }
  return FALSE;
}

static void
on_emoji_picked (LtChatView *self,
                 const char *emoji)
{
  gtk_text_buffer_insert_at_cursor (composer_buffer (self), emoji, -1);
  gtk_widget_grab_focus (GTK_WIDGET (self->text_view));
}

/* The emoji chooser is made the first time it opens: it builds a
 * widget for each of thousands of emoji, too much for every chat. */
static void
create_emoji_chooser (GtkMenuButton *button,
                      gpointer       user_data)
{
  LtChatView *self = user_data;
  GtkWidget *chooser;

  if (gtk_menu_button_get_popover (button) != NULL)
    return;

  chooser = gtk_emoji_chooser_new ();
  g_signal_connect_object (chooser, "emoji-picked", G_CALLBACK (on_emoji_picked), self,
                           G_CONNECT_SWAPPED);
  gtk_menu_button_set_popover (button, chooser);
}

/* Life --------------------------------------------------------------------- */

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

static gboolean
lt_chat_view_grab_focus (GtkWidget *widget)
{
  return gtk_widget_grab_focus (GTK_WIDGET (LT_CHAT_VIEW (widget)->text_view));
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

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->scroll_to_end_id, g_source_remove);
  gtk_widget_dispose_template (GTK_WIDGET (self), LT_TYPE_CHAT_VIEW);
  g_clear_object (&self->chat);
  g_clear_object (&self->messages);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (lt_chat_view_parent_class)->dispose (object);
}

static void
lt_chat_view_finalize (GObject *object)
{
  LtChatView *self = LT_CHAT_VIEW (object);

  g_clear_object (&self->cancellable);
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
  widget_class->grab_focus = lt_chat_view_grab_focus;

  properties[PROP_CHAT] =
    g_param_spec_object ("chat", NULL, NULL, LT_TYPE_CHAT1,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CONVERSATION] =
    g_param_spec_string ("conversation", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_install_action (widget_class, "chat-view.send", NULL, send_composed);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/liaotian/Liaotian/lt-chat-view.ui");
  gtk_widget_class_bind_template_child (widget_class, LtChatView, scroller);
  gtk_widget_class_bind_template_child (widget_class, LtChatView, composer);
  gtk_widget_class_bind_template_child (widget_class, LtChatView, messages_view);
  gtk_widget_class_bind_template_child (widget_class, LtChatView, emoji_button);
  gtk_widget_class_bind_template_child (widget_class, LtChatView, text_view);
  gtk_widget_class_bind_template_child (widget_class, LtChatView, placeholder);
  gtk_widget_class_bind_template_callback (widget_class, on_edge_reached);
  gtk_widget_class_bind_template_callback (widget_class, on_key_pressed);
  gtk_widget_class_bind_template_callback (widget_class, on_preedit_changed);
}

static void
lt_chat_view_init (LtChatView *self)
{
  g_autoptr(GtkNoSelection) selection = NULL;

  g_type_ensure (LT_TYPE_MESSAGE);
  g_type_ensure (LT_TYPE_MESSAGE_ROW);
  gtk_widget_init_template (GTK_WIDGET (self));

  self->settings = g_settings_new ("org.liaotian.Liaotian");
  self->cancellable = g_cancellable_new ();
  self->messages = lt_message_list_new ();
  selection = gtk_no_selection_new (G_LIST_MODEL (g_object_ref (self->messages)));
  gtk_list_view_set_model (self->messages_view, GTK_SELECTION_MODEL (selection));

  g_signal_connect_object (composer_buffer (self), "changed", G_CALLBACK (on_composer_changed),
                           self, G_CONNECT_SWAPPED);
  on_composer_changed (self);
  gtk_menu_button_set_create_popup_func (self->emoji_button, create_emoji_chooser, self, NULL);
  watch_scrolling (self);
}
