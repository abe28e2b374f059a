/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "lt-file.h"

G_BEGIN_DECLS

#define LT_TYPE_FILE_LIST (lt_file_list_get_type ())
G_DECLARE_FINAL_TYPE (LtFileList, lt_file_list, LT, FILE_LIST, GObject)

LtFileList *lt_file_list_new (const char *conversation);
const char *lt_file_list_get_conversation (LtFileList *self);

LtFile *lt_file_list_lookup_file (LtFileList *self,
                                  guint64     file_id);
LtFile *lt_file_list_lookup_transfer (LtFileList *self,
                                      guint64     transfer_id);
LtFile *lt_file_list_lookup_message (LtFileList *self,
                                     guint64     message_id);

guint lt_file_list_apply_listing (LtFileList *self,
                                  GVariant   *files,
                                  const char *own_username);
LtFile *lt_file_list_add_offered (LtFileList *self,
                                  guint64     file_id,
                                  const char *sender,
                                  const char *name,
                                  guint64     size,
                                  const char *own_username);
LtFile *lt_file_list_add_upload (LtFileList *self,
                                 guint64     transfer_id,
                                 const char *sender,
                                 const char *name,
                                 const char *path);
LtFile *lt_file_list_transfer_started (LtFileList *self,
                                       guint64     transfer_id,
                                       guint64     file_id,
                                       gboolean    upload,
                                       const char *name,
                                       guint64     total,
                                       const char *own_username);
LtFile *lt_file_list_transfer_progress (LtFileList *self,
                                        guint64     transfer_id,
                                        guint64     done,
                                        guint64     total);
LtFile *lt_file_list_transfer_finished (LtFileList *self,
                                        guint64     transfer_id,
                                        gboolean    ok,
                                        const char *error_text);
LtFile *lt_file_list_file_rejected (LtFileList *self,
                                    guint64     file_id);

G_END_DECLS
