/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "lt-chat1-client.h"

G_BEGIN_DECLS

#define LT_TYPE_JOIN_ROOM_DIALOG (lt_join_room_dialog_get_type ())
G_DECLARE_FINAL_TYPE (LtJoinRoomDialog, lt_join_room_dialog, LT, JOIN_ROOM_DIALOG, AdwWindow)

LtJoinRoomDialog *lt_join_room_dialog_new (GtkWindow *parent,
                                           LtChat1   *chat);

G_END_DECLS
