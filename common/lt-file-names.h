/* SPDX-License-Identifier: GPL-3.0-or-later */
/* lt-file-names.h: file names and relative paths that come from other
 * people, made safe to store and serve. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define LT_FILE_NAME_MAX_BYTES 255
#define LT_FILE_PATH_MAX_BYTES 1024
#define LT_FILE_PATH_MAX_DEPTH 32

char *lt_file_name_sanitize (const char *name);
gboolean lt_file_path_check (const char *path,
                             GError    **error);
char **lt_file_path_split (const char *path);

G_END_DECLS
