/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "lt-message.h"

G_BEGIN_DECLS

#define LT_TYPE_MESSAGE_LIST (lt_message_list_get_type ())
G_DECLARE_FINAL_TYPE (LtMessageList, lt_message_list, LT, MESSAGE_LIST, GObject)

LtMessageList *lt_message_list_new (void);

LtMessage *lt_message_list_add_received (LtMessageList *self,
                                         guint64        id,
                                         gint64         timestamp,
                                         const char    *sender,
                                         const char    *text,
                                         LtMessageKind  kind);
LtMessage *lt_message_list_add_pending (LtMessageList *self,
                                        guint64        local_id,
                                        gint64         timestamp,
                                        const char    *sender,
                                        const char    *text);
LtMessage *lt_message_list_add_system (LtMessageList *self,
                                       gint64         timestamp,
                                       const char    *text);
gboolean lt_message_list_mark_sent (LtMessageList *self,
                                    guint64        local_id,
                                    guint64        id);
gboolean lt_message_list_mark_failed (LtMessageList *self,
                                      guint64        local_id,
                                      const char    *error_text);
guint lt_message_list_prepend_page (LtMessageList *self,
                                    GVariant      *page,
                                    const char    *own_username);
guint64 lt_message_list_get_oldest_id (LtMessageList *self);
LtMessage *lt_message_list_lookup (LtMessageList *self,
                                   guint64        id);
LtMessage *lt_message_list_set_file (LtMessageList *self,
                                     guint64        id,
                                     LtFile        *file);
LtMessage *lt_message_list_add_upload (LtMessageList *self,
                                       LtFile        *file);
gboolean lt_message_list_remove_upload (LtMessageList *self,
                                        guint64        transfer_id);

G_END_DECLS
