/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

void lt_form_show_error (GtkLabel   *label,
                         GtkWidget  *row,
                         const char *text);
void lt_form_clear_error (GtkLabel  *label,
                          GtkWidget *first_row,
                          ...) G_GNUC_NULL_TERMINATED;
void lt_form_set_busy (GtkWidget *form,
                       GtkButton *button,
                       gboolean   busy);
char *lt_form_room_name (GtkEditable *editable);
void lt_form_room_name_changed (GtkEditable *name_row,
                                GtkLabel    *error_label,
                                GtkButton   *button);
void lt_form_show_room_error (GtkWidget    *form,
                              GtkButton    *button,
                              GtkLabel     *error_label,
                              GtkEditable  *name_row,
                              const GError *error);

G_END_DECLS
