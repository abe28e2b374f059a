/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/**
 * LtFileAnswer:
 * @LT_FILE_ANSWER_OFFERED: a private file nobody has answered yet
 * @LT_FILE_ANSWER_ACCEPTED: the recipient accepted the private file
 * @LT_FILE_ANSWER_REJECTED: the recipient declined the private file
 * @LT_FILE_ANSWER_SHARED: a room's file, which needs no answer
 *
 * Where a file stands between its sender and its recipients, as
 * ListFiles says ("offered", "accepted", "rejected", "shared").
 */
typedef enum
{
  LT_FILE_ANSWER_OFFERED,
  LT_FILE_ANSWER_ACCEPTED,
  LT_FILE_ANSWER_REJECTED,
  LT_FILE_ANSWER_SHARED,
} LtFileAnswer;

/**
 * LtFileTransfer:
 * @LT_FILE_TRANSFER_NONE: no upload or download of it from here
 * @LT_FILE_TRANSFER_RUNNING: moving, or waiting for the connection
 * @LT_FILE_TRANSFER_DONE: uploaded, or downloaded and verified
 * @LT_FILE_TRANSFER_FAILED: failed for good; see lt_file_get_error_text()
 * @LT_FILE_TRANSFER_CANCELLED: stopped by the person
 *
 * The last upload or download of a file by this daemon.
 */
typedef enum
{
  LT_FILE_TRANSFER_NONE,
  LT_FILE_TRANSFER_RUNNING,
  LT_FILE_TRANSFER_DONE,
  LT_FILE_TRANSFER_FAILED,
  LT_FILE_TRANSFER_CANCELLED,
} LtFileTransfer;

/**
 * LtFileActions:
 * @LT_FILE_ACTION_NONE: nothing to do
 * @LT_FILE_ACTION_ACCEPT: accept an offered private file (and download it)
 * @LT_FILE_ACTION_REJECT: decline an offered private file
 * @LT_FILE_ACTION_DOWNLOAD: download a room's file, or again
 * @LT_FILE_ACTION_CANCEL: stop the running transfer
 * @LT_FILE_ACTION_OPEN: open the file on this computer
 * @LT_FILE_ACTION_SHOW: show it in its folder
 *
 * What the person can do with a file now, as buttons.
 */
typedef enum
{
  LT_FILE_ACTION_NONE = 0,
  LT_FILE_ACTION_ACCEPT = 1 << 0,
  LT_FILE_ACTION_REJECT = 1 << 1,
  LT_FILE_ACTION_DOWNLOAD = 1 << 2,
  LT_FILE_ACTION_CANCEL = 1 << 3,
  LT_FILE_ACTION_OPEN = 1 << 4,
  LT_FILE_ACTION_SHOW = 1 << 5,
} LtFileActions;

#define LT_TYPE_FILE_ANSWER (lt_file_answer_get_type ())
GType lt_file_answer_get_type (void);

#define LT_TYPE_FILE_TRANSFER (lt_file_transfer_get_type ())
GType lt_file_transfer_get_type (void);

#define LT_TYPE_FILE_ACTIONS (lt_file_actions_get_type ())
GType lt_file_actions_get_type (void);

#define LT_TYPE_FILE (lt_file_get_type ())
G_DECLARE_FINAL_TYPE (LtFile, lt_file, LT, FILE, GObject)

LtFile *lt_file_new (const char *conversation,
                     const char *sender,
                     gboolean    own,
                     const char *name);

const char *lt_file_get_conversation (LtFile *self);
gboolean lt_file_is_room (LtFile *self);
const char *lt_file_get_sender (LtFile *self);
void lt_file_set_sender_if_unknown (LtFile     *self,
                                    const char *sender);
gboolean lt_file_is_own (LtFile *self);
const char *lt_file_get_name (LtFile *self);

guint64 lt_file_get_file_id (LtFile *self);
void lt_file_set_file_id (LtFile *self,
                          guint64 file_id);
guint64 lt_file_get_message_id (LtFile *self);
void lt_file_set_message_id (LtFile *self,
                             guint64 message_id);
gint64 lt_file_get_timestamp (LtFile *self);
void lt_file_set_timestamp (LtFile *self,
                            gint64  timestamp);
guint64 lt_file_get_size (LtFile *self);
void lt_file_set_size (LtFile *self,
                       guint64 size);
gboolean lt_file_is_folder (LtFile *self);
void lt_file_set_folder (LtFile  *self,
                         gboolean folder);
const char *lt_file_get_path (LtFile *self);
void lt_file_set_path (LtFile     *self,
                       const char *path);

LtFileAnswer lt_file_get_answer (LtFile *self);
void lt_file_set_answer (LtFile      *self,
                         LtFileAnswer answer);
gboolean lt_file_set_answer_from_string (LtFile     *self,
                                         const char *answer);

guint64 lt_file_get_transfer_id (LtFile *self);
LtFileTransfer lt_file_get_transfer (LtFile *self);
guint64 lt_file_get_done (LtFile *self);
guint64 lt_file_get_total (LtFile *self);
double lt_file_get_fraction (LtFile *self);
const char *lt_file_get_error_text (LtFile *self);
void lt_file_start_transfer (LtFile *self,
                             guint64 transfer_id);
void lt_file_set_progress (LtFile *self,
                           guint64 done,
                           guint64 total);
void lt_file_finish_transfer (LtFile     *self,
                              gboolean    ok,
                              const char *error_text);
void lt_file_cancel_transfer (LtFile *self);

LtFileActions lt_file_get_actions (LtFile *self);
char *lt_file_dup_status (LtFile *self);
char *lt_file_dup_details (LtFile *self);
GIcon *lt_file_dup_icon (LtFile *self);

G_END_DECLS
