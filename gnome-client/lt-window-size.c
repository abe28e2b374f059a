/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A window's size kept in the client's settings (org.liaotian.Liaotian,
 * data/org.liaotian.Liaotian.gschema.xml): read when the window is
 * made, written when it closes, so that resizing writes nothing. */
#include "config.h"

#include "lt-application.h"
#include "lt-window-size.h"

typedef struct
{
  GSettings *settings;
  const char *width_key;
  const char *height_key;
  const char *maximized_key;
} WindowSize;

static void
window_size_free (gpointer data)
{
  WindowSize *size = data;

  g_object_unref (size->settings);
  g_free (size);
}

static gboolean
on_close_request (GtkWindow  *window,
                  WindowSize *size)
{
  int width;
  int height;

  /* The default size is the one the window had last unmaximized. */
  gtk_window_get_default_size (window, &width, &height);
  g_settings_set_int (size->settings, size->width_key, width);
  g_settings_set_int (size->settings, size->height_key, height);
  if (size->maximized_key != NULL)
    g_settings_set_boolean (size->settings, size->maximized_key,
                            gtk_window_is_maximized (window));
  return FALSE;
}

/**
 * lt_window_size_remember:
 * @window: a window not shown yet
 * @width_key: (not nullable): static strings, keys of the settings
 * @height_key: (not nullable):
 * @maximized_key: (nullable):
 */
void
lt_window_size_remember (GtkWindow  *window,
                         const char *width_key,
                         const char *height_key,
                         const char *maximized_key)
{
  WindowSize *size = g_new0 (WindowSize, 1);

  size->settings = g_settings_new (LT_APPLICATION_ID);
  size->width_key = width_key;
  size->height_key = height_key;
  size->maximized_key = maximized_key;
  gtk_window_set_default_size (window, g_settings_get_int (size->settings, width_key),
                               g_settings_get_int (size->settings, height_key));
  if (maximized_key != NULL && g_settings_get_boolean (size->settings, maximized_key))
    gtk_window_maximize (window);
  g_object_set_data_full (G_OBJECT (window), "lt-window-size", size, window_size_free);
  g_signal_connect (window, "close-request", G_CALLBACK (on_close_request), size);
}
