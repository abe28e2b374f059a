/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "lt-chat1-client.h"

G_BEGIN_DECLS

#define LT_APPLICATION_ID "org.liaotian.Liaotian"

#define LT_TYPE_APPLICATION (lt_application_get_type ())
G_DECLARE_FINAL_TYPE (LtApplication, lt_application, LT, APPLICATION, AdwApplication)

LtApplication *lt_application_new (void);
LtChat1 *lt_application_get_chat (LtApplication *self);
void lt_application_open_chat (LtApplication *self,
                               const char    *peer);
guint lt_application_get_n_chat_windows (LtApplication *self);

G_END_DECLS
