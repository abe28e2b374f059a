/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "lt-file.h"

G_BEGIN_DECLS

/**
 * LtMessageKind:
 * @LT_MESSAGE_KIND_OWN: written by the logged-in user
 * @LT_MESSAGE_KIND_OTHER: written by someone else
 * @LT_MESSAGE_KIND_SYSTEM: a line of the client's own: a join, a
 *   leave, a change of presence
 */
typedef enum
{
  LT_MESSAGE_KIND_OWN,
  LT_MESSAGE_KIND_OTHER,
  LT_MESSAGE_KIND_SYSTEM,
} LtMessageKind;

/**
 * LtMessageState:
 * @LT_MESSAGE_STATE_PENDING: in the daemon's outbox, not on the server yet
 * @LT_MESSAGE_STATE_SENT: stored by the server (every received message)
 * @LT_MESSAGE_STATE_FAILED: refused by the server for good; see
 *   lt_message_get_error_text()
 */
typedef enum
{
  LT_MESSAGE_STATE_PENDING,
  LT_MESSAGE_STATE_SENT,
  LT_MESSAGE_STATE_FAILED,
} LtMessageState;

#define LT_TYPE_MESSAGE_KIND (lt_message_kind_get_type ())
GType lt_message_kind_get_type (void);

#define LT_TYPE_MESSAGE_STATE (lt_message_state_get_type ())
GType lt_message_state_get_type (void);

#define LT_TYPE_MESSAGE (lt_message_get_type ())
G_DECLARE_FINAL_TYPE (LtMessage, lt_message, LT, MESSAGE, GObject)

LtMessage *lt_message_new (guint64       id,
                           gint64        timestamp,
                           const char   *sender,
                           const char   *text,
                           LtMessageKind kind);
LtMessage *lt_message_new_pending (guint64     local_id,
                                   gint64      timestamp,
                                   const char *sender,
                                   const char *text);

guint64 lt_message_get_id (LtMessage *self);
guint64 lt_message_get_local_id (LtMessage *self);
gint64 lt_message_get_timestamp (LtMessage *self);
const char *lt_message_get_sender (LtMessage *self);
const char *lt_message_get_text (LtMessage *self);
LtMessageKind lt_message_get_kind (LtMessage *self);
LtMessageState lt_message_get_state (LtMessage *self);
const char *lt_message_get_error_text (LtMessage *self);
LtFile *lt_message_get_file (LtMessage *self);

G_END_DECLS
