/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "lt-chat1-client.h"

G_BEGIN_DECLS

#define LT_TYPE_PASSWORD_DIALOG (lt_password_dialog_get_type ())
G_DECLARE_FINAL_TYPE (LtPasswordDialog, lt_password_dialog, LT, PASSWORD_DIALOG, AdwWindow)

LtPasswordDialog *lt_password_dialog_new (GtkWindow *parent,
                                          LtChat1   *chat);

G_END_DECLS
