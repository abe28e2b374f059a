/* SPDX-License-Identifier: GPL-3.0-or-later */
/* lt-file-storage.h: the bytes of the files on disk. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef enum
{
  LT_FILE_STORAGE_ERROR_MISMATCH, /* size or SHA-256 not the ones stated */
} LtFileStorageError;

#define LT_FILE_STORAGE_ERROR (lt_file_storage_error_quark ())
GQuark lt_file_storage_error_quark (void);

#define LT_TYPE_FILE_STORAGE (lt_file_storage_get_type ())
G_DECLARE_FINAL_TYPE (LtFileStorage, lt_file_storage, LT, FILE_STORAGE, GObject)

LtFileStorage *lt_file_storage_new (const char *root,
                                    GError    **error);
char *lt_file_storage_partial_path (LtFileStorage *self,
                                     gint64         file_id,
                                     guint          index);
char *lt_file_storage_blob_path (LtFileStorage *self,
                                 const char    *sha256);
void lt_file_storage_drop_async (LtFileStorage      *self,
                                 gint64              file_id,
                                 guint               n_entries,
                                 GAsyncReadyCallback callback,
                                 gpointer            user_data);
gboolean lt_file_storage_drop_finish (LtFileStorage *self,
                                      GAsyncResult  *result,
                                      GError       **error);
void lt_file_storage_keep_async (LtFileStorage      *self,
                                 gint64              file_id,
                                 guint               index,
                                 gint64              size,
                                 const char         *sha256,
                                 GCancellable       *cancellable,
                                 GAsyncReadyCallback callback,
                                 gpointer            user_data);
gboolean lt_file_storage_keep_finish (LtFileStorage *self,
                                      GAsyncResult  *result,
                                      GError       **error);

G_END_DECLS
