/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What only LtMessageList may change: a message's id is its place in
 * the list, so the list alone turns a pending message into a sent or
 * failed one. */
#pragma once

#include "lt-message.h"

G_BEGIN_DECLS

void _lt_message_set_sent (LtMessage *self,
                           guint64    id);
void _lt_message_set_failed (LtMessage  *self,
                             const char *error_text);
void _lt_message_set_file (LtMessage *self,
                           LtFile    *file);

G_END_DECLS
