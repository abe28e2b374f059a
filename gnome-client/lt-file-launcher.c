/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Opening a received file, and showing it in its folder, the way that
 * also works in a sandbox (GTK 4.8 has no GtkFileLauncher):
 *
 * - open: g_app_info_launch_default_for_uri() on the file's URI, which
 *   goes through the OpenURI portal when the client is sandboxed;
 * - show: the file manager's org.freedesktop.FileManager1.ShowItems on
 *   the session bus, which selects the file in its folder; where no
 *   file manager answers, the folder is opened as a URI instead. */
#include "config.h"

#include "lt-file-launcher.h"

#define FILE_MANAGER_NAME "org.freedesktop.FileManager1"
#define FILE_MANAGER_PATH "/org/freedesktop/FileManager1"
#define SHOW_TIMEOUT_MS 10000

static void
on_launched (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_app_info_launch_default_for_uri_finish (result, &error))
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

static void
launch_uri (GTask      *task,
            const char *uri)
{
  g_app_info_launch_default_for_uri_async (uri, g_task_get_task_data (task),
                                           g_task_get_cancellable (task), on_launched, task);
}

static char *
uri_of (const char *path)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);

  return g_file_get_uri (file);
}

static GTask *
launcher_task_new (gpointer             source_tag,
                   GAppLaunchContext   *context,
                   GCancellable        *cancellable,
                   GAsyncReadyCallback  callback,
                   gpointer             user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  if (context != NULL)
    g_task_set_task_data (task, g_object_ref (context), g_object_unref);
  return task;
}

/**
 * lt_file_launcher_open_async:
 * @path: an absolute path of a file or folder
 * @context: (nullable): the display's launch context
 *
 * Opens @path with the person's default application for it.
 */
void
lt_file_launcher_open_async (const char          *path,
                             GAppLaunchContext   *context,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autofree char *uri = NULL;
  GTask *task;

  g_return_if_fail (path != NULL && g_path_is_absolute (path));

  task = launcher_task_new (lt_file_launcher_open_async, context, cancellable, callback,
                            user_data);
  uri = uri_of (path);
  launch_uri (task, uri);
}

static void
on_items_shown (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) file = NULL;
  g_autoptr(GFile) parent = NULL;
  g_autofree char *uri = NULL;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  if (reply != NULL)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  g_debug ("No file manager to show the file: %s; opening its folder", error->message);
  file = g_file_new_for_path (g_object_get_data (G_OBJECT (task), "path"));
  parent = g_file_get_parent (file);
  uri = g_file_get_uri (parent != NULL ? parent : file);
  launch_uri (g_steal_pointer (&task), uri);
}

/**
 * lt_file_launcher_show_async:
 * @session_bus: the session bus
 * @path: an absolute path of a file or folder
 * @context: (nullable): the display's launch context, for the
 *   fallback, and its startup notification id
 *
 * Shows @path selected in its folder.
 */
void
lt_file_launcher_show_async (GDBusConnection     *session_bus,
                             const char          *path,
                             GAppLaunchContext   *context,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autofree char *uri = NULL;
  const char *uris[2] = { NULL, NULL };
  GTask *task;

  g_return_if_fail (G_IS_DBUS_CONNECTION (session_bus));
  g_return_if_fail (path != NULL && g_path_is_absolute (path));

  task = launcher_task_new (lt_file_launcher_show_async, context, cancellable, callback,
                            user_data);
  g_object_set_data_full (G_OBJECT (task), "path", g_strdup (path), g_free);
  uri = uri_of (path);
  uris[0] = uri;
  g_dbus_connection_call (session_bus, FILE_MANAGER_NAME, FILE_MANAGER_PATH, FILE_MANAGER_NAME,
                          "ShowItems", g_variant_new ("(^ass)", uris, ""), NULL,
                          G_DBUS_CALL_FLAGS_NONE, SHOW_TIMEOUT_MS, cancellable, on_items_shown,
                          task);
}

/**
 * lt_file_launcher_finish:
 *
 * The end of lt_file_launcher_open_async() or
 * lt_file_launcher_show_async().
 */
gboolean
lt_file_launcher_finish (GAsyncResult *result,
                         GError      **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
