/* SPDX-License-Identifier: GPL-3.0-or-later */
/* LtMessageRow: one LtMessage in a conversation.
 *
 * The kind decides the look, through style classes of style.css: the
 * person's own messages in an accent-tinted bubble on the right,
 * other people's on the left under the sender's name, system lines
 * (joins, leaves, presence) as a small dim line in the middle.  The
 * state shows next to the time: "Sending…" with a clock while the
 * daemon still holds the message, an error icon that says why once
 * the server refused it, nothing once it is sent.  A file's
 * announcement shows the file's LtFileCard instead of the text. */
#include "config.h"

#include "lt-file-card.h"
#include "lt-message-row.h"

#include <glib/gi18n.h>

struct _LtMessageRow
{
  GtkWidget parent_instance;

  LtMessage *message;

  GtkLabel *sender_label;
  GtkWidget *bubble;
  LtFileCard *file_card; /* in the bubble, made for the first file shown */
  GtkLabel *text_label;
  GtkImage *state_icon;
  GtkWidget *sending_label;
  GtkLabel *time_label;
};

G_DEFINE_FINAL_TYPE (LtMessageRow, lt_message_row, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_MESSAGE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* By LtMessageKind and LtMessageState. */
static const char * const kind_classes[] = { "own", "other", "system" };
static const char * const state_classes[] = { "pending", "sent", "failed" };

static void
set_one_class (GtkWidget          *widget,
               const char * const *classes,
               guint               n_classes,
               guint               chosen)
{
  for (guint i = 0; i < n_classes; i++)
    {
      if (i == chosen)
        gtk_widget_add_css_class (widget, classes[i]);
      else
        gtk_widget_remove_css_class (widget, classes[i]);
    }
}

static void
show_kind (LtMessageRow *self)
{
  LtMessageKind kind = lt_message_get_kind (self->message);

  set_one_class (GTK_WIDGET (self), kind_classes, G_N_ELEMENTS (kind_classes), kind);
  gtk_widget_set_visible (GTK_WIDGET (self->sender_label), kind == LT_MESSAGE_KIND_OTHER);
  switch (kind)
    {
    case LT_MESSAGE_KIND_OWN:
      gtk_widget_set_halign (self->bubble, GTK_ALIGN_END);
      break;
    case LT_MESSAGE_KIND_OTHER:
      gtk_widget_set_halign (self->bubble, GTK_ALIGN_START);
      break;
    case LT_MESSAGE_KIND_SYSTEM:
      gtk_widget_set_halign (self->bubble, GTK_ALIGN_CENTER);
      break;
    default:
      g_assert_not_reached ();
    }
}

static void
show_time (LtMessageRow *self)
{
  g_autoptr(GDateTime) time =
    g_date_time_new_from_unix_local (lt_message_get_timestamp (self->message) / 1000);
  g_autofree char *short_time = NULL;
  g_autofree char *full_time = NULL;

  if (time == NULL)
    return;
  short_time = g_date_time_format (time, "%H:%M");
  /* Translators: the date and time of a message, in the tooltip of its
   * time; a g_date_time_format() format, e.g. "Sunday, 22 November
   * 2026, 14:05". */
  full_time = g_date_time_format (time, _("%A, %-d %B %Y, %H:%M"));
  gtk_label_set_label (self->time_label, short_time);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->time_label), full_time);
}

static void
describe_state (LtMessageRow   *self,
                LtMessageState  state)
{
  GtkAccessible *accessible = GTK_ACCESSIBLE (self);

  switch (state)
    {
    case LT_MESSAGE_STATE_PENDING:
      gtk_accessible_update_property (accessible, GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                      _("Sending…"), -1);
      break;
    case LT_MESSAGE_STATE_FAILED:
      gtk_accessible_update_property (accessible, GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                      lt_message_get_error_text (self->message), -1);
      break;
    case LT_MESSAGE_STATE_SENT:
      gtk_accessible_reset_property (accessible, GTK_ACCESSIBLE_PROPERTY_DESCRIPTION);
      break;
    default:
      g_assert_not_reached ();
    }
}

static void
show_state (LtMessageRow *self)
{
  LtMessageState state = lt_message_get_state (self->message);
  GtkWidget *icon = GTK_WIDGET (self->state_icon);

  set_one_class (GTK_WIDGET (self), state_classes, G_N_ELEMENTS (state_classes), state);
  gtk_widget_set_visible (icon, state != LT_MESSAGE_STATE_SENT);
  gtk_widget_set_visible (self->sending_label, state == LT_MESSAGE_STATE_PENDING);
  if (state == LT_MESSAGE_STATE_PENDING)
    {
      gtk_image_set_from_icon_name (self->state_icon, "document-open-recent-symbolic");
      gtk_widget_set_tooltip_text (icon, NULL);
      gtk_widget_remove_css_class (icon, "error");
    }
  else if (state == LT_MESSAGE_STATE_FAILED)
    {
      gtk_image_set_from_icon_name (self->state_icon, "dialog-error-symbolic");
      gtk_widget_set_tooltip_text (icon, lt_message_get_error_text (self->message));
      gtk_widget_add_css_class (icon, "error");
    }
  describe_state (self, state);
}

static void
show_file (LtMessageRow *self)
{
  LtFile *file = lt_message_get_file (self->message);

  if (file != NULL && self->file_card == NULL)
    {
      self->file_card = LT_FILE_CARD (lt_file_card_new ());
      gtk_widget_set_hexpand (GTK_WIDGET (self->file_card), TRUE);
      gtk_box_prepend (GTK_BOX (self->bubble), GTK_WIDGET (self->file_card));
    }
  if (self->file_card != NULL)
    {
      lt_file_card_set_file (self->file_card, file);
      gtk_widget_set_visible (GTK_WIDGET (self->file_card), file != NULL);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->text_label), file == NULL);
  if (file != NULL)
    gtk_widget_add_css_class (GTK_WIDGET (self), "file");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self), "file");
}

static void
show_message (LtMessageRow *self)
{
  gtk_label_set_label (self->sender_label, lt_message_get_sender (self->message));
  gtk_label_set_label (self->text_label, lt_message_get_text (self->message));
  show_file (self);
  show_kind (self);
  show_time (self);
  show_state (self);
}

GtkWidget *
lt_message_row_new (void)
{
  return g_object_new (LT_TYPE_MESSAGE_ROW, NULL);
}

LtMessage *
lt_message_row_get_message (LtMessageRow *self)
{
  g_return_val_if_fail (LT_IS_MESSAGE_ROW (self), NULL);

  return self->message;
}

/**
 * lt_message_row_set_message:
 * @message: (nullable): what the row shows; it follows the changes of
 *   its state
 */
void
lt_message_row_set_message (LtMessageRow *self,
                            LtMessage    *message)
{
  g_return_if_fail (LT_IS_MESSAGE_ROW (self));
  g_return_if_fail (message == NULL || LT_IS_MESSAGE (message));

  if (self->message == message)
    return;

  if (self->message != NULL)
    {
      g_signal_handlers_disconnect_by_func (self->message, show_state, self);
      g_signal_handlers_disconnect_by_func (self->message, show_file, self);
    }
  g_set_object (&self->message, message);

  if (message != NULL)
    {
      g_signal_connect_object (message, "notify::state", G_CALLBACK (show_state), self,
                               G_CONNECT_SWAPPED);
      g_signal_connect_object (message, "notify::file", G_CALLBACK (show_file), self,
                               G_CONNECT_SWAPPED);
      show_message (self);
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MESSAGE]);
}

static void
lt_message_row_dispose (GObject *object)
{
  LtMessageRow *self = LT_MESSAGE_ROW (object);

  lt_message_row_set_message (self, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), LT_TYPE_MESSAGE_ROW);

  G_OBJECT_CLASS (lt_message_row_parent_class)->dispose (object);
}

static void
lt_message_row_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  LtMessageRow *self = LT_MESSAGE_ROW (object);

  switch (prop_id)
    {
    case PROP_MESSAGE:
      g_value_set_object (value, self->message);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lt_message_row_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  LtMessageRow *self = LT_MESSAGE_ROW (object);

  switch (prop_id)
    {
    case PROP_MESSAGE:
      lt_message_row_set_message (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lt_message_row_class_init (LtMessageRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = lt_message_row_dispose;
  object_class->get_property = lt_message_row_get_property;
  object_class->set_property = lt_message_row_set_property;

  properties[PROP_MESSAGE] =
    g_param_spec_object ("message", NULL, NULL, LT_TYPE_MESSAGE,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_css_name (widget_class, "messagerow");
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/liaotian/Liaotian/lt-message-row.ui");
  gtk_widget_class_bind_template_child (widget_class, LtMessageRow, sender_label);
  gtk_widget_class_bind_template_child (widget_class, LtMessageRow, bubble);
  gtk_widget_class_bind_template_child (widget_class, LtMessageRow, text_label);
  gtk_widget_class_bind_template_child (widget_class, LtMessageRow, state_icon);
  gtk_widget_class_bind_template_child (widget_class, LtMessageRow, sending_label);
  gtk_widget_class_bind_template_child (widget_class, LtMessageRow, time_label);
}

static void
lt_message_row_init (LtMessageRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
