/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "lt-message.h"

G_BEGIN_DECLS

#define LT_TYPE_MESSAGE_ROW (lt_message_row_get_type ())
G_DECLARE_FINAL_TYPE (LtMessageRow, lt_message_row, LT, MESSAGE_ROW, GtkWidget)

GtkWidget *lt_message_row_new (void);
LtMessage *lt_message_row_get_message (LtMessageRow *self);
void lt_message_row_set_message (LtMessageRow *self,
                                 LtMessage    *message);

G_END_DECLS
