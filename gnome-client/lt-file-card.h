/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "lt-file.h"

G_BEGIN_DECLS

#define LT_TYPE_FILE_CARD (lt_file_card_get_type ())
G_DECLARE_FINAL_TYPE (LtFileCard, lt_file_card, LT, FILE_CARD, GtkWidget)

GtkWidget *lt_file_card_new (void);
LtFile *lt_file_card_get_file (LtFileCard *self);
void lt_file_card_set_file (LtFileCard *self,
                            LtFile     *file);

G_END_DECLS
