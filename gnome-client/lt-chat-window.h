/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "lt-application.h"

G_BEGIN_DECLS

#define LT_TYPE_CHAT_WINDOW (lt_chat_window_get_type ())
G_DECLARE_FINAL_TYPE (LtChatWindow, lt_chat_window, LT, CHAT_WINDOW, AdwApplicationWindow)

LtChatWindow *lt_chat_window_new (LtApplication *application,
                                  const char    *peer);
const char *lt_chat_window_get_peer (LtChatWindow *self);

G_END_DECLS
