/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

GtkWidget *lt_person_row_new (const char *title,
                              const char *subtitle);
GtkWidget *lt_person_row_new_for_user (const char *username,
                                       const char *nickname);
GtkWidget *lt_presence_icon_new (gboolean online);

G_END_DECLS
