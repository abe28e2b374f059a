/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

void lt_file_launcher_open_async (const char          *path,
                                  GAppLaunchContext   *context,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data);
void lt_file_launcher_show_async (GDBusConnection     *session_bus,
                                  const char          *path,
                                  GAppLaunchContext   *context,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data);
gboolean lt_file_launcher_finish (GAsyncResult *result,
                                  GError      **error);

G_END_DECLS
