/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "lt-chat1-client.h"

G_BEGIN_DECLS

#define LT_TYPE_CHAT_VIEW (lt_chat_view_get_type ())
G_DECLARE_FINAL_TYPE (LtChatView, lt_chat_view, LT, CHAT_VIEW, GtkWidget)

LtChatView *lt_chat_view_new (LtChat1    *chat,
                              const char *conversation);
const char *lt_chat_view_get_conversation (LtChatView *self);
void lt_chat_view_set_shown (LtChatView *self,
                             gboolean    shown);
void lt_chat_view_send_files (LtChatView *self,
                              GSList     *files);
GListModel *lt_chat_view_get_files (LtChatView *self);
GtkWindow *lt_chat_view_show_files (LtChatView *self);

G_END_DECLS
