/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The rows of the sidebar and the dialogs: a room or a person as an
 * activatable AdwActionRow, a person by nickname over username, and
 * the icon of a person's online state. */
#include "config.h"

#include "lt-person-row.h"

#include <glib/gi18n.h>

/**
 * lt_person_row_new:
 * @title: shown as it is, never as markup: names come from other people
 * @subtitle: (nullable): the line under it
 */
GtkWidget *
lt_person_row_new (const char *title,
                   const char *subtitle)
{
  GtkWidget *row = adw_action_row_new ();

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
  return row;
}

/* The username is the subtitle: it is what the row stands for. */
GtkWidget *
lt_person_row_new_for_user (const char *username,
                            const char *nickname)
{
  return lt_person_row_new (*nickname != '\0' ? nickname : username, username);
}

GtkWidget *
lt_presence_icon_new (gboolean online)
{
  GtkWidget *icon = gtk_image_new_from_icon_name (online ? "user-available-symbolic"
                                                         : "user-offline-symbolic");
  const char *state = online ? _("Online") : _("Offline");

  gtk_widget_set_tooltip_text (icon, state);
  gtk_accessible_update_property (GTK_ACCESSIBLE (icon), GTK_ACCESSIBLE_PROPERTY_LABEL, state,
                                  -1);
  gtk_widget_add_css_class (icon, online ? "success" : "dim-label");
  return icon;
}
