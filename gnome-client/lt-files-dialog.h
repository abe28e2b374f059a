/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define LT_TYPE_FILES_DIALOG (lt_files_dialog_get_type ())
G_DECLARE_FINAL_TYPE (LtFilesDialog, lt_files_dialog, LT, FILES_DIALOG, AdwWindow)

LtFilesDialog *lt_files_dialog_new (GListModel   *files,
                                    GActionGroup *file_actions,
                                    const char   *conversation);
GListModel *lt_files_dialog_get_files (LtFilesDialog *self);

G_END_DECLS
