/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The forms of the dialogs show an error as the login view does: the
 * row it concerns styled as an error, the sentence in a label under
 * the rows; and a form is insensitive while its call runs. */
#include "config.h"

#include "lt-error-text.h"
#include "lt-form.h"

#include <string.h>

/**
 * lt_form_show_error:
 * @label: the label under the rows
 * @row: (nullable): the row the error concerns, if any
 * @text: the sentence
 */
void
lt_form_show_error (GtkLabel   *label,
                    GtkWidget  *row,
                    const char *text)
{
  gtk_label_set_label (label, text);
  gtk_widget_set_visible (GTK_WIDGET (label), TRUE);
  if (row != NULL)
    {
      gtk_widget_add_css_class (row, "error");
      gtk_widget_grab_focus (row);
    }
}

/**
 * lt_form_clear_error:
 * @label: the label under the rows
 * @first_row: the rows, then %NULL
 */
void
lt_form_clear_error (GtkLabel  *label,
                     GtkWidget *first_row,
                     ...)
{
  va_list rows;

  gtk_widget_set_visible (GTK_WIDGET (label), FALSE);
  va_start (rows, first_row);
  for (GtkWidget *row = first_row; row != NULL; row = va_arg (rows, GtkWidget *))
    gtk_widget_remove_css_class (row, "error");
  va_end (rows);
}

/* A person cannot edit what is being sent, nor send it twice. */
void
lt_form_set_busy (GtkWidget *form,
                  GtkButton *button,
                  gboolean   busy)
{
  gtk_widget_set_sensitive (form, !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (button), !busy);
}

/**
 * lt_form_room_name:
 * @editable: where the person typed a room's name
 *
 * Returns: (transfer full): the name, with the leading "#" added if it
 *   was left out: "gnome-dev" and "#gnome-dev" are the same room
 */
char *
lt_form_room_name (GtkEditable *editable)
{
  g_autofree char *name = g_strstrip (g_strdup (gtk_editable_get_text (editable)));

  return g_str_has_prefix (name, "#") ? g_steal_pointer (&name) : g_strconcat ("#", name, NULL);
}

/**
 * lt_form_room_name_changed:
 * @name_row: where the person types a room's name
 * @error_label: the form's error line
 * @button: what creates or joins the room
 *
 * The room name changed: its error goes, and @button can be pressed
 * once there is a name besides the "#".
 */
void
lt_form_room_name_changed (GtkEditable *name_row,
                           GtkLabel    *error_label,
                           GtkButton   *button)
{
  g_autofree char *name = lt_form_room_name (name_row);

  lt_form_clear_error (error_label, GTK_WIDGET (name_row), NULL);
  gtk_widget_set_sensitive (GTK_WIDGET (button), strlen (name) > 1);
}

/**
 * lt_form_show_room_error:
 * @form: the form's rows
 * @button: what created or joined the room
 * @error_label: the form's error line
 * @name_row: where the person typed the room's name
 * @error: why CreateRoom or JoinRoom failed (not cancelled)
 *
 * Makes the form usable again and says why, next to the name when the
 * error concerns it.
 */
void
lt_form_show_room_error (GtkWidget    *form,
                         GtkButton    *button,
                         GtkLabel     *error_label,
                         GtkEditable  *name_row,
                         const GError *error)
{
  LtErrorField field = LT_ERROR_FIELD_NONE;
  const char *text = lt_error_text_for_form (error, LT_ERROR_FIELD_ROOM, &field);

  lt_form_set_busy (form, button, FALSE);
  lt_form_show_error (error_label, field == LT_ERROR_FIELD_ROOM ? GTK_WIDGET (name_row) : NULL,
                      text);
}
