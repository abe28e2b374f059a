/* SPDX-License-Identifier: GPL-3.0-or-later */
/* LtJoinRoomDialog: joins a room (JoinRoom), one of those ListRooms
 * gives that the user is not in (with topic and member count), or one
 * typed by name.  An error shows under the name; on success it emits
 * ::room-joined with the room's name and closes. */
#include "config.h"

#include "lt-error-text.h"
#include "lt-form.h"
#include "lt-join-room-dialog.h"
#include "lt-person-row.h"

#include <glib/gi18n.h>

struct _LtJoinRoomDialog
{
  AdwWindow parent_instance;

  LtChat1 *chat;
  GCancellable *cancellable;
  char *room;

  GtkWidget *form;
  GtkButton *join_button;
  GtkListBox *rooms;
  GtkLabel *placeholder;
  AdwEntryRow *name_row;
  GtkLabel *error_label;
};

G_DEFINE_FINAL_TYPE (LtJoinRoomDialog, lt_join_room_dialog, ADW_TYPE_WINDOW)

enum {
  ROOM_JOINED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
on_changed (LtJoinRoomDialog *self)
{
  lt_form_room_name_changed (GTK_EDITABLE (self->name_row), self->error_label,
                             self->join_button);
}

static void
on_joined (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  LtJoinRoomDialog *self = user_data;
  g_autoptr(GError) error = NULL;

  if (lt_chat1_call_join_room_finish (LT_CHAT1 (source), result, &error))
    {
      g_signal_emit (self, signals[ROOM_JOINED], 0, self->room);
      gtk_window_destroy (GTK_WINDOW (self));
      return;
    }
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  lt_form_show_room_error (self->form, self->join_button, self->error_label,
                           GTK_EDITABLE (self->name_row), error);
}

static void
join (LtJoinRoomDialog *self,
      char             *room)
{
  g_free (self->room);
  self->room = room;
  lt_form_set_busy (self->form, self->join_button, TRUE);
  lt_chat1_call_join_room (self->chat, self->room, self->cancellable, on_joined, self);
}

static void
on_join (LtJoinRoomDialog *self)
{
  if (gtk_widget_get_sensitive (GTK_WIDGET (self->join_button)))
    join (self, lt_form_room_name (GTK_EDITABLE (self->name_row)));
}

static void
on_room_activated (LtJoinRoomDialog *self,
                   GtkListBoxRow    *row)
{
  join (self, g_strdup (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row))));
}

static GtkWidget *
new_room_row (const char *room,
              const char *topic,
              guint32     members)
{
  GtkWidget *row = lt_person_row_new (room, topic);
  g_autofree char *count = g_strdup_printf (ngettext ("%u member", "%u members", members),
                                            members);
  GtkWidget *label = gtk_label_new (count);

  gtk_widget_add_css_class (label, "dim-label");
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), label);
  return row;
}

static void
on_rooms_listed (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  LtJoinRoomDialog *self = user_data;
  g_autoptr(GVariant) rooms = NULL;
  g_autoptr(GError) error = NULL;
  GVariantIter iter;
  const char *room;
  const char *topic;
  guint32 members;
  gboolean joined;

  if (!lt_chat1_call_list_rooms_finish (LT_CHAT1 (source), &rooms, result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        gtk_label_set_label (self->placeholder, lt_error_text_for_error (error, NULL));
      return;
    }
  gtk_label_set_label (self->placeholder, _("You are in every room already"));
  g_variant_iter_init (&iter, rooms);
  while (g_variant_iter_next (&iter, "(&s&sub)", &room, &topic, &members, &joined))
    if (!joined)
      gtk_list_box_append (self->rooms, new_room_row (room, topic, members));
}

/**
 * lt_join_room_dialog_new:
 * @parent: the window it is modal to
 * @chat: the proxy to liaotiand
 */
LtJoinRoomDialog *
lt_join_room_dialog_new (GtkWindow *parent,
                         LtChat1   *chat)
{
  LtJoinRoomDialog *self;

  g_return_val_if_fail (LT_IS_CHAT1 (chat), NULL);

  self = g_object_new (LT_TYPE_JOIN_ROOM_DIALOG, "transient-for", parent, NULL);
  self->chat = g_object_ref (chat);
  lt_chat1_call_list_rooms (chat, self->cancellable, on_rooms_listed, self);
  return self;
}

static void
lt_join_room_dialog_dispose (GObject *object)
{
  LtJoinRoomDialog *self = LT_JOIN_ROOM_DIALOG (object);

  /* The calls may outlive the dialog: their answers have nowhere to go. */
  g_cancellable_cancel (self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), LT_TYPE_JOIN_ROOM_DIALOG);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->chat);
  g_clear_pointer (&self->room, g_free);

  G_OBJECT_CLASS (lt_join_room_dialog_parent_class)->dispose (object);
}

static void
lt_join_room_dialog_class_init (LtJoinRoomDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = lt_join_room_dialog_dispose;

  /**
   * LtJoinRoomDialog::room-joined:
   * @room: the room the user is a member of now
   */
  signals[ROOM_JOINED] = g_signal_new ("room-joined", G_TYPE_FROM_CLASS (klass),
                                       G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                       G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/liaotian/Liaotian/lt-join-room-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, LtJoinRoomDialog, form);
  gtk_widget_class_bind_template_child (widget_class, LtJoinRoomDialog, join_button);
  gtk_widget_class_bind_template_child (widget_class, LtJoinRoomDialog, rooms);
  gtk_widget_class_bind_template_child (widget_class, LtJoinRoomDialog, placeholder);
  gtk_widget_class_bind_template_child (widget_class, LtJoinRoomDialog, name_row);
  gtk_widget_class_bind_template_child (widget_class, LtJoinRoomDialog, error_label);
  gtk_widget_class_bind_template_callback (widget_class, on_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_join);
  gtk_widget_class_bind_template_callback (widget_class, on_room_activated);
}

static void
lt_join_room_dialog_init (LtJoinRoomDialog *self)
{
  self->cancellable = g_cancellable_new ();
  gtk_widget_init_template (GTK_WIDGET (self));
}
