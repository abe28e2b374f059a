/* SPDX-License-Identifier: GPL-3.0-or-later */
/* LtFileCard: one LtFile as a card, in its message's row and in the
 * conversation's file list.
 *
 * The icon of a folder or of the file's type, the name, the size and
 * the sender; a progress bar with a cancel button while a transfer
 * runs; a line saying where the file stands; and the buttons of what
 * the person can do with it now (lt_file_get_actions()).  The buttons
 * activate the actions files.accept, files.reject, files.download,
 * files.open and files.show with the file id, files.cancel with the
 * transfer id: the conversation (LtChatView) provides them, for its
 * rows and for its file list. */
#include "config.h"

#include "lt-file-card.h"


struct _LtFileCard
{
  GtkWidget parent_instance;

  LtFile *file;

  /* The template's direct children (header, progress_box,
   * status_label, buttons) are bound so that dispose_template()
   * unparents them. */
  GtkWidget *header;
  GtkImage *icon;
  GtkLabel *name_label;
  GtkLabel *details_label;
  GtkWidget *progress_box;
  GtkProgressBar *progress_bar;
  GtkWidget *cancel_button;
  GtkLabel *status_label;
  GtkWidget *buttons;
  GtkWidget *accept_button;
  GtkWidget *reject_button;
  GtkWidget *download_button;
  GtkWidget *open_button;
  GtkWidget *show_button;
};

G_DEFINE_FINAL_TYPE (LtFileCard, lt_file_card, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_FILE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* The transfer's and the file's state as style classes. */
static const char * const transfer_classes[] = { NULL, "running", "done", "failed", "cancelled" };

static void
show_button (GtkWidget     *button,
             LtFileActions  actions,
             LtFileActions  action,
             guint64        target)
{
  gtk_widget_set_visible (button, (actions & action) != 0);
  gtk_actionable_set_action_target_value (GTK_ACTIONABLE (button),
                                          g_variant_new_uint64 (target));
}

static void
show_actions (LtFileCard *self)
{
  LtFileActions actions = lt_file_get_actions (self->file);
  guint64 file_id = lt_file_get_file_id (self->file);

  show_button (self->accept_button, actions, LT_FILE_ACTION_ACCEPT, file_id);
  show_button (self->reject_button, actions, LT_FILE_ACTION_REJECT, file_id);
  show_button (self->download_button, actions, LT_FILE_ACTION_DOWNLOAD, file_id);
  show_button (self->open_button, actions, LT_FILE_ACTION_OPEN, file_id);
  show_button (self->show_button, actions, LT_FILE_ACTION_SHOW, file_id);
  show_button (self->cancel_button, actions, LT_FILE_ACTION_CANCEL,
               lt_file_get_transfer_id (self->file));
  gtk_widget_set_visible (self->buttons, (actions & ~LT_FILE_ACTION_CANCEL) != 0);
}

static void
show_transfer (LtFileCard *self)
{
  LtFileTransfer transfer = lt_file_get_transfer (self->file);
  g_autofree char *status = lt_file_dup_status (self->file);

  gtk_widget_set_visible (self->progress_box, transfer == LT_FILE_TRANSFER_RUNNING);
  gtk_progress_bar_set_fraction (self->progress_bar, lt_file_get_fraction (self->file));
  gtk_label_set_label (self->status_label, status);
  gtk_widget_set_visible (GTK_WIDGET (self->status_label), *status != '\0');
  for (guint i = 0; i < G_N_ELEMENTS (transfer_classes); i++)
    {
      if (transfer_classes[i] == NULL)
        continue;
      if (i == transfer)
        gtk_widget_add_css_class (GTK_WIDGET (self), transfer_classes[i]);
      else
        gtk_widget_remove_css_class (GTK_WIDGET (self), transfer_classes[i]);
    }
  if (transfer == LT_FILE_TRANSFER_FAILED)
    gtk_widget_add_css_class (GTK_WIDGET (self->status_label), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->status_label), "error");
}

static void
show_file (LtFileCard *self)
{
  g_autoptr(GIcon) icon = NULL;
  g_autofree char *details = NULL;
  g_autofree char *status = NULL;

  if (self->file == NULL)
    return;

  icon = lt_file_dup_icon (self->file);
  details = lt_file_dup_details (self->file);
  gtk_image_set_from_gicon (self->icon, icon);
  gtk_label_set_label (self->name_label, lt_file_get_name (self->file));
  /* A long name is ellipsized in the middle: the whole of it here. */
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->name_label), lt_file_get_name (self->file));
  gtk_label_set_label (self->details_label, details);
  show_transfer (self);
  show_actions (self);

  status = lt_file_dup_status (self->file);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  lt_file_get_name (self->file),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, status, -1);
}

/* Progress comes about ten times a second: only the bar and its line. */
static void
on_file_notify (LtFileCard *self,
                GParamSpec *pspec)
{
  if (g_str_equal (pspec->name, "done") || g_str_equal (pspec->name, "total"))
    show_transfer (self);
  else
    show_file (self);
}

GtkWidget *
lt_file_card_new (void)
{
  return g_object_new (LT_TYPE_FILE_CARD, NULL);
}

LtFile *
lt_file_card_get_file (LtFileCard *self)
{
  g_return_val_if_fail (LT_IS_FILE_CARD (self), NULL);

  return self->file;
}

/**
 * lt_file_card_set_file:
 * @file: (nullable): what the card shows; it follows its changes
 */
void
lt_file_card_set_file (LtFileCard *self,
                       LtFile     *file)
{
  g_return_if_fail (LT_IS_FILE_CARD (self));
  g_return_if_fail (file == NULL || LT_IS_FILE (file));

  if (self->file == file)
    return;

  if (self->file != NULL)
    g_signal_handlers_disconnect_by_func (self->file, on_file_notify, self);
  g_set_object (&self->file, file);
  if (file != NULL)
    {
      g_signal_connect_object (file, "notify", G_CALLBACK (on_file_notify), self,
                               G_CONNECT_SWAPPED);
      show_file (self);
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FILE]);
}

static void
lt_file_card_dispose (GObject *object)
{
  LtFileCard *self = LT_FILE_CARD (object);

  lt_file_card_set_file (self, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), LT_TYPE_FILE_CARD);

  G_OBJECT_CLASS (lt_file_card_parent_class)->dispose (object);
}

static void
lt_file_card_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  LtFileCard *self = LT_FILE_CARD (object);

  switch (prop_id)
    {
    case PROP_FILE:
      g_value_set_object (value, self->file);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lt_file_card_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  LtFileCard *self = LT_FILE_CARD (object);

  switch (prop_id)
    {
    case PROP_FILE:
      lt_file_card_set_file (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lt_file_card_class_init (LtFileCardClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = lt_file_card_dispose;
  object_class->get_property = lt_file_card_get_property;
  object_class->set_property = lt_file_card_set_property;

  properties[PROP_FILE] =
    g_param_spec_object ("file", NULL, NULL, LT_TYPE_FILE,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_css_name (widget_class, "filecard");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/liaotian/Liaotian/lt-file-card.ui");
  gtk_widget_class_bind_template_child (widget_class, LtFileCard, header);
  gtk_widget_class_bind_template_child (widget_class, LtFileCard, icon);
  gtk_widget_class_bind_template_child (widget_class, LtFileCard, name_label);
  gtk_widget_class_bind_template_child (widget_class, LtFileCard, details_label);
  gtk_widget_class_bind_template_child (widget_class, LtFileCard, progress_box);
  gtk_widget_class_bind_template_child (widget_class, LtFileCard, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, LtFileCard, cancel_button);
  gtk_widget_class_bind_template_child (widget_class, LtFileCard, status_label);
  gtk_widget_class_bind_template_child (widget_class, LtFileCard, buttons);
  gtk_widget_class_bind_template_child (widget_class, LtFileCard, accept_button);
  gtk_widget_class_bind_template_child (widget_class, LtFileCard, reject_button);
  gtk_widget_class_bind_template_child (widget_class, LtFileCard, download_button);
  gtk_widget_class_bind_template_child (widget_class, LtFileCard, open_button);
  gtk_widget_class_bind_template_child (widget_class, LtFileCard, show_button);
}

static void
lt_file_card_init (LtFileCard *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
