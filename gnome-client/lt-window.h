/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "lt-application.h"

G_BEGIN_DECLS

#define LT_TYPE_WINDOW (lt_window_get_type ())
G_DECLARE_FINAL_TYPE (LtWindow, lt_window, LT, WINDOW, AdwApplicationWindow)

LtWindow *lt_window_new (LtApplication *application);

G_END_DECLS
