/* SPDX-License-Identifier: GPL-3.0-or-later */
/* LtPasswordDialog: changes the user's password (ChangePassword) from
 * the current one and the new one typed twice.  The two new ones must
 * match and be long enough before anything is sent; a server error
 * (a wrong current password, a weak new one) shows next to the row it
 * concerns.  On success it emits ::password-changed and closes. */
#include "config.h"

#include "lt-error-text.h"
#include "lt-form.h"
#include "lt-password-dialog.h"

#include <glib/gi18n.h>

#define PASSWORD_MIN 8

struct _LtPasswordDialog
{
  AdwWindow parent_instance;

  LtChat1 *chat;
  GCancellable *cancellable;

  GtkWidget *form;
  GtkButton *change_button;
  AdwPasswordEntryRow *current_row;
  AdwPasswordEntryRow *new_row;
  AdwPasswordEntryRow *repeat_row;
  GtkLabel *error_label;
};

G_DEFINE_FINAL_TYPE (LtPasswordDialog, lt_password_dialog, ADW_TYPE_WINDOW)

enum {
  PASSWORD_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static const char *
row_text (AdwPasswordEntryRow *row)
{
  return gtk_editable_get_text (GTK_EDITABLE (row));
}

static void
on_changed (LtPasswordDialog *self)
{
  lt_form_clear_error (self->error_label, GTK_WIDGET (self->current_row),
                       GTK_WIDGET (self->new_row), GTK_WIDGET (self->repeat_row), NULL);
  gtk_widget_set_sensitive (GTK_WIDGET (self->change_button),
                            *row_text (self->current_row) != '\0'
                            && *row_text (self->new_row) != '\0'
                            && *row_text (self->repeat_row) != '\0');
}

static GtkWidget *
row_for_field (LtPasswordDialog *self,
               LtErrorField      field)
{
  switch (field)
    {
    case LT_ERROR_FIELD_PASSWORD:
      return GTK_WIDGET (self->current_row);
    case LT_ERROR_FIELD_NEW_PASSWORD:
      return GTK_WIDGET (self->new_row);
    default:
      return NULL;
    }
}

static void
on_password_changed (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  LtPasswordDialog *self = user_data;
  g_autoptr(GError) error = NULL;
  LtErrorField field;
  const char *text;

  if (lt_chat1_call_change_password_finish (LT_CHAT1 (source), result, &error))
    {
      g_signal_emit (self, signals[PASSWORD_CHANGED], 0);
      gtk_window_destroy (GTK_WINDOW (self));
      return;
    }
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  lt_form_set_busy (self->form, self->change_button, FALSE);
  text = lt_error_text_for_form (error, LT_ERROR_FIELD_NEW_PASSWORD, &field);
  lt_form_show_error (self->error_label, row_for_field (self, field), text);
}

/* Returns: whether the new password may be sent; says why not if not */
static gboolean
check_new_password (LtPasswordDialog *self)
{
  if (g_utf8_strlen (row_text (self->new_row), -1) < PASSWORD_MIN)
    lt_form_show_error (self->error_label, GTK_WIDGET (self->new_row),
                        _("A password has at least 8 characters"));
  else if (!g_str_equal (row_text (self->new_row), row_text (self->repeat_row)))
    lt_form_show_error (self->error_label, GTK_WIDGET (self->repeat_row),
                        _("The new passwords do not match"));
  else
    return TRUE;
  return FALSE;
}

static void
on_change (LtPasswordDialog *self)
{
  if (!gtk_widget_get_sensitive (GTK_WIDGET (self->change_button)) || !check_new_password (self))
    return;

  lt_form_set_busy (self->form, self->change_button, TRUE);
  lt_chat1_call_change_password (self->chat, row_text (self->current_row),
                                 row_text (self->new_row), self->cancellable,
                                 on_password_changed, self);
}

/**
 * lt_password_dialog_new:
 * @parent: the window it is modal to
 * @chat: the proxy to liaotiand
 */
LtPasswordDialog *
lt_password_dialog_new (GtkWindow *parent,
                        LtChat1   *chat)
{
  LtPasswordDialog *self;

  g_return_val_if_fail (LT_IS_CHAT1 (chat), NULL);

  self = g_object_new (LT_TYPE_PASSWORD_DIALOG, "transient-for", parent, NULL);
  self->chat = g_object_ref (chat);
  return self;
}

static void
lt_password_dialog_dispose (GObject *object)
{
  LtPasswordDialog *self = LT_PASSWORD_DIALOG (object);

  /* The call may outlive the dialog: its answer has nowhere to go. */
  g_cancellable_cancel (self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), LT_TYPE_PASSWORD_DIALOG);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->chat);

  G_OBJECT_CLASS (lt_password_dialog_parent_class)->dispose (object);
}

static void
lt_password_dialog_class_init (LtPasswordDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = lt_password_dialog_dispose;

  /**
   * LtPasswordDialog::password-changed:
   *
   * The server took the new password.
   */
  signals[PASSWORD_CHANGED] = g_signal_new ("password-changed", G_TYPE_FROM_CLASS (klass),
                                            G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                            G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/liaotian/Liaotian/lt-password-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, LtPasswordDialog, form);
  gtk_widget_class_bind_template_child (widget_class, LtPasswordDialog, change_button);
  gtk_widget_class_bind_template_child (widget_class, LtPasswordDialog, current_row);
  gtk_widget_class_bind_template_child (widget_class, LtPasswordDialog, new_row);
  gtk_widget_class_bind_template_child (widget_class, LtPasswordDialog, repeat_row);
  gtk_widget_class_bind_template_child (widget_class, LtPasswordDialog, error_label);
  gtk_widget_class_bind_template_callback (widget_class, on_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_change);
}

static void
lt_password_dialog_init (LtPasswordDialog *self)
{
  self->cancellable = g_cancellable_new ();
  gtk_widget_init_template (GTK_WIDGET (self));
}
