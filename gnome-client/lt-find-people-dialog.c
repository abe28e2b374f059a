/* SPDX-License-Identifier: GPL-3.0-or-later */
/* LtFindPeopleDialog: looks a person up by username as it is typed
 * (FindUser, once typing pauses for SEARCH_DELAY_MS; a newer query
 * cancels the one under way) and shows them with their online state, a button to
 * add them as a friend (AddFriend) and one to write to them (their
 * chat window, through the application). */
#include "config.h"

#include "lt-error-text.h"
#include "lt-find-people-dialog.h"
#include "lt-person-row.h"

#include <glib/gi18n.h>

/* Not a call to the server per key typed. */
#define SEARCH_DELAY_MS 300

struct _LtFindPeopleDialog
{
  AdwWindow parent_instance;

  LtApplication *application;
  GCancellable *cancellable; /* the dialog's calls */
  GCancellable *search;      /* the query under way */
  char *found;               /* the username shown */
  guint search_source;       /* the pause after typing */

  AdwEntryRow *search_row;
  GtkListBox *results;
  GtkLabel *status;
};

G_DEFINE_FINAL_TYPE (LtFindPeopleDialog, lt_find_people_dialog, ADW_TYPE_WINDOW)

static void
show_status (LtFindPeopleDialog *self,
             const char         *text)
{
  gtk_label_set_label (self->status, text);
  gtk_widget_set_visible (GTK_WIDGET (self->status), text != NULL);
}

static void
on_friend_added (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GtkButton) button = user_data;
  g_autoptr(GError) error = NULL;
  GtkRoot *root;

  if (lt_chat1_call_add_friend_finish (LT_CHAT1 (source), result, &error))
    {
      gtk_button_set_label (button, _("Friend Added"));
      return;
    }
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  /* A newer search may have taken the button away. */
  root = gtk_widget_get_root (GTK_WIDGET (button));
  if (!LT_IS_FIND_PEOPLE_DIALOG (root))
    return;
  gtk_widget_set_sensitive (GTK_WIDGET (button), TRUE);
  show_status (LT_FIND_PEOPLE_DIALOG (root),
               lt_error_text_for_form (error, LT_ERROR_FIELD_USERNAME, NULL));
}

static void
on_add_friend (LtFindPeopleDialog *self,
               GtkButton          *button)
{
  gtk_widget_set_sensitive (GTK_WIDGET (button), FALSE);
  show_status (self, NULL);
  lt_chat1_call_add_friend (lt_application_get_chat (self->application), self->found,
                            self->cancellable, on_friend_added, g_object_ref (button));
}

static void
on_send_message (LtFindPeopleDialog *self)
{
  lt_application_open_chat (self->application, self->found);
  gtk_window_destroy (GTK_WINDOW (self));
}

static GtkWidget *
new_button (LtFindPeopleDialog *self,
            const char         *label,
            GCallback           callback)
{
  GtkWidget *button = gtk_button_new_with_label (label);

  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  g_signal_connect_swapped (button, "clicked", callback, self);
  return button;
}

static void
show_person (LtFindPeopleDialog *self,
             const char         *username,
             const char         *nickname,
             gboolean            online)
{
  GtkWidget *row = lt_person_row_new_for_user (username, nickname);

  g_free (self->found);
  self->found = g_strdup (username);
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), FALSE);
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), lt_presence_icon_new (online));
  adw_action_row_add_suffix (ADW_ACTION_ROW (row),
                             new_button (self, _("Add Friend"), G_CALLBACK (on_add_friend)));
  adw_action_row_add_suffix (ADW_ACTION_ROW (row),
                             new_button (self, _("Send Message"), G_CALLBACK (on_send_message)));
  gtk_list_box_append (self->results, row);
  gtk_widget_set_visible (GTK_WIDGET (self->results), TRUE);
  show_status (self, NULL);
}

static void
on_found (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  LtFindPeopleDialog *self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *username = NULL;
  g_autofree char *nickname = NULL;
  gboolean online;

  if (lt_chat1_call_find_user_finish (LT_CHAT1 (source), &username, &nickname, &online, result,
                                      &error))
    show_person (self, username, nickname, online);
  else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    show_status (self, lt_error_text_for_error (error, NULL));
}

static void
clear_results (LtFindPeopleDialog *self)
{
  GtkWidget *row;

  while ((row = gtk_widget_get_first_child (GTK_WIDGET (self->results))) != NULL)
    gtk_list_box_remove (self->results, row);
  gtk_widget_set_visible (GTK_WIDGET (self->results), FALSE);
  g_clear_pointer (&self->found, g_free);
}

static gboolean
search (gpointer user_data)
{
  LtFindPeopleDialog *self = user_data;
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->search_row));
  g_autofree char *query = g_strstrip (g_utf8_strdown (text, -1));

  self->search_source = 0;
  self->search = g_cancellable_new ();
  lt_chat1_call_find_user (lt_application_get_chat (self->application), query, self->search,
                           on_found, self);
  return G_SOURCE_REMOVE;
}

static void
on_search_changed (LtFindPeopleDialog *self)
{
  g_autofree char *query = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->search_row))));

  g_clear_handle_id (&self->search_source, g_source_remove);
  g_cancellable_cancel (self->search);
  g_clear_object (&self->search);
  clear_results (self);
  if (*query == '\0')
    {
      show_status (self, _("Enter the username of the person you are looking for."));
      return;
    }
  show_status (self, _("Searching…"));
  self->search_source = g_timeout_add (SEARCH_DELAY_MS, search, self);
}

/**
 * lt_find_people_dialog_new:
 * @parent: the window it is modal to
 * @application: the application, logged in: its proxy makes the calls,
 *   and it opens the chat windows
 */
LtFindPeopleDialog *
lt_find_people_dialog_new (GtkWindow     *parent,
                           LtApplication *application)
{
  LtFindPeopleDialog *self;

  g_return_val_if_fail (LT_IS_APPLICATION (application), NULL);
  g_return_val_if_fail (lt_application_get_chat (application) != NULL, NULL);

  self = g_object_new (LT_TYPE_FIND_PEOPLE_DIALOG, "transient-for", parent, NULL);
  self->application = g_object_ref (application);
  return self;
}

static void
lt_find_people_dialog_dispose (GObject *object)
{
  LtFindPeopleDialog *self = LT_FIND_PEOPLE_DIALOG (object);

  /* The calls may outlive the dialog: their answers have nowhere to go. */
  g_cancellable_cancel (self->cancellable);
  g_cancellable_cancel (self->search);
  g_clear_handle_id (&self->search_source, g_source_remove);
  gtk_widget_dispose_template (GTK_WIDGET (self), LT_TYPE_FIND_PEOPLE_DIALOG);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->search);
  g_clear_object (&self->application);
  g_clear_pointer (&self->found, g_free);

  G_OBJECT_CLASS (lt_find_people_dialog_parent_class)->dispose (object);
}

static void
lt_find_people_dialog_class_init (LtFindPeopleDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = lt_find_people_dialog_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/liaotian/Liaotian/lt-find-people-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, LtFindPeopleDialog, search_row);
  gtk_widget_class_bind_template_child (widget_class, LtFindPeopleDialog, results);
  gtk_widget_class_bind_template_child (widget_class, LtFindPeopleDialog, status);
  gtk_widget_class_bind_template_callback (widget_class, on_search_changed);
}

static void
lt_find_people_dialog_init (LtFindPeopleDialog *self)
{
  self->cancellable = g_cancellable_new ();
  gtk_widget_init_template (GTK_WIDGET (self));
}
