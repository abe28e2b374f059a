/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "lt-chat1-client.h"

G_BEGIN_DECLS

#define LT_TYPE_CONNECTION_BANNER (lt_connection_banner_get_type ())
G_DECLARE_FINAL_TYPE (LtConnectionBanner, lt_connection_banner, LT, CONNECTION_BANNER, AdwBin)

LtConnectionBanner *lt_connection_banner_new (void);
LtChat1 *lt_connection_banner_get_chat (LtConnectionBanner *self);
void lt_connection_banner_set_chat (LtConnectionBanner *self,
                                    LtChat1            *chat);

G_END_DECLS
