/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "lt-chat1-client.h"

G_BEGIN_DECLS

#define LT_TYPE_PREFERENCES (lt_preferences_get_type ())
G_DECLARE_FINAL_TYPE (LtPreferences, lt_preferences, LT, PREFERENCES, AdwPreferencesWindow)

LtPreferences *lt_preferences_new (LtChat1 *chat);

G_END_DECLS
