/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

void lt_window_size_remember (GtkWindow  *window,
                              const char *width_key,
                              const char *height_key,
                              const char *maximized_key);

G_END_DECLS
