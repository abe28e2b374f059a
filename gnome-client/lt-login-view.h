/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "lt-chat1-client.h"

G_BEGIN_DECLS

#define LT_TYPE_LOGIN_VIEW (lt_login_view_get_type ())
G_DECLARE_FINAL_TYPE (LtLoginView, lt_login_view, LT, LOGIN_VIEW, AdwBin)

GtkWidget *lt_login_view_new (void);
LtChat1 *lt_login_view_get_chat (LtLoginView *self);
void lt_login_view_set_chat (LtLoginView *self,
                             LtChat1     *chat);

G_END_DECLS
