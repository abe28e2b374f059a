/* SPDX-License-Identifier: GPL-3.0-or-later */
/* LtNewRoomDialog: creates a room (CreateRoom) from a name and an
 * optional topic; the leading "#" is added if the person left it out.
 * A server error (the name taken or breaking the rules) shows next to
 * the name, and the dialog stays; on success it emits ::room-joined
 * with the room's name and closes. */
#include "config.h"

#include "lt-form.h"
#include "lt-new-room-dialog.h"

#include <glib/gi18n.h>

struct _LtNewRoomDialog
{
  AdwWindow parent_instance;

  LtChat1 *chat;
  GCancellable *cancellable;
  char *room;

  GtkWidget *form;
  GtkButton *create_button;
  AdwEntryRow *name_row;
  AdwEntryRow *topic_row;
  GtkLabel *error_label;
};

G_DEFINE_FINAL_TYPE (LtNewRoomDialog, lt_new_room_dialog, ADW_TYPE_WINDOW)

enum {
  ROOM_JOINED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
on_changed (LtNewRoomDialog *self)
{
  lt_form_room_name_changed (GTK_EDITABLE (self->name_row), self->error_label,
                             self->create_button);
}

static void
on_created (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  LtNewRoomDialog *self = user_data;
  g_autoptr(GError) error = NULL;

  if (lt_chat1_call_create_room_finish (LT_CHAT1 (source), result, &error))
    {
      g_signal_emit (self, signals[ROOM_JOINED], 0, self->room);
      gtk_window_destroy (GTK_WINDOW (self));
      return;
    }
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  lt_form_show_room_error (self->form, self->create_button, self->error_label,
                           GTK_EDITABLE (self->name_row), error);
}

static void
on_create (LtNewRoomDialog *self)
{
  g_autofree char *topic = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->topic_row))));

  if (!gtk_widget_get_sensitive (GTK_WIDGET (self->create_button)))
    return;

  g_free (self->room);
  self->room = lt_form_room_name (GTK_EDITABLE (self->name_row));
  lt_form_set_busy (self->form, self->create_button, TRUE);
  lt_chat1_call_create_room (self->chat, self->room, topic, self->cancellable, on_created, self);
}

/**
 * lt_new_room_dialog_new:
 * @parent: the window it is modal to
 * @chat: the proxy to liaotiand
 */
LtNewRoomDialog *
lt_new_room_dialog_new (GtkWindow *parent,
                        LtChat1   *chat)
{
  LtNewRoomDialog *self;

  g_return_val_if_fail (LT_IS_CHAT1 (chat), NULL);

  self = g_object_new (LT_TYPE_NEW_ROOM_DIALOG, "transient-for", parent, NULL);
  self->chat = g_object_ref (chat);
  return self;
}

static void
lt_new_room_dialog_dispose (GObject *object)
{
  LtNewRoomDialog *self = LT_NEW_ROOM_DIALOG (object);

  /* The call may outlive the dialog: its answer has nowhere to go. */
  g_cancellable_cancel (self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), LT_TYPE_NEW_ROOM_DIALOG);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->chat);
  g_clear_pointer (&self->room, g_free);

  G_OBJECT_CLASS (lt_new_room_dialog_parent_class)->dispose (object);
}

static void
lt_new_room_dialog_class_init (LtNewRoomDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = lt_new_room_dialog_dispose;

  /**
   * LtNewRoomDialog::room-joined:
   * @room: the room created, which the user is the first member of
   */
  signals[ROOM_JOINED] = g_signal_new ("room-joined", G_TYPE_FROM_CLASS (klass),
                                       G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                       G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/liaotian/Liaotian/lt-new-room-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, LtNewRoomDialog, form);
  gtk_widget_class_bind_template_child (widget_class, LtNewRoomDialog, create_button);
  gtk_widget_class_bind_template_child (widget_class, LtNewRoomDialog, name_row);
  gtk_widget_class_bind_template_child (widget_class, LtNewRoomDialog, topic_row);
  gtk_widget_class_bind_template_child (widget_class, LtNewRoomDialog, error_label);
  gtk_widget_class_bind_template_callback (widget_class, on_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_create);
}

static void
lt_new_room_dialog_init (LtNewRoomDialog *self)
{
  self->cancellable = g_cancellable_new ();
  gtk_widget_init_template (GTK_WIDGET (self));
}
