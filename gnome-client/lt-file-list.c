/* SPDX-License-Identifier: GPL-3.0-or-later */
/* LtFileList: the files of one conversation as a GListModel of LtFile,
 * newest first: the person's uploads the server has not announced yet
 * on top, then by the announcement's message id.
 *
 * It gathers what the daemon tells in pieces: ListFiles (the files
 * with their message ids, answers and local paths), FileOffered (a
 * new file, without its message id), SendFile's transfer id (an
 * upload before the server took it), TransferStarted (the upload's
 * file id, or a download), TransferProgress, TransferFinished and
 * FileRejected.  Each file is in the list once, found by its file id
 * or its transfer id: an upload that turns out to be a file the list
 * has already (FileOffered before TransferStarted) becomes one file.
 *
 * The lists are short (ListFiles gives at most 200): a sorted array. */
#include "config.h"

#include "lt-file-list.h"

struct _LtFileList
{
  GObject parent_instance;

  char *conversation;
  GPtrArray *files; /* of LtFile, in the model's order */
};

static void lt_file_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (LtFileList, lt_file_list, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL,
                                                      lt_file_list_model_init))

static void
lt_file_list_finalize (GObject *object)
{
  LtFileList *self = LT_FILE_LIST (object);

  g_ptr_array_unref (self->files);
  g_free (self->conversation);

  G_OBJECT_CLASS (lt_file_list_parent_class)->finalize (object);
}

static void
lt_file_list_class_init (LtFileListClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = lt_file_list_finalize;
}

static void
lt_file_list_init (LtFileList *self)
{
  self->files = g_ptr_array_new_with_free_func (g_object_unref);
}

static GType
lt_file_list_get_item_type (GListModel *model)
{
  return LT_TYPE_FILE;
}

static guint
lt_file_list_get_n_items (GListModel *model)
{
  return LT_FILE_LIST (model)->files->len;
}

static gpointer
lt_file_list_get_item (GListModel *model,
                       guint       position)
{
  LtFileList *self = LT_FILE_LIST (model);

  if (position >= self->files->len)
    return NULL;
  return g_object_ref (g_ptr_array_index (self->files, position));
}

static void
lt_file_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = lt_file_list_get_item_type;
  iface->get_n_items = lt_file_list_get_n_items;
  iface->get_item = lt_file_list_get_item;
}

/**
 * lt_file_list_new:
 * @conversation: a peer's username or a #room
 */
LtFileList *
lt_file_list_new (const char *conversation)
{
  LtFileList *self;

  g_return_val_if_fail (conversation != NULL, NULL);

  self = g_object_new (LT_TYPE_FILE_LIST, NULL);
  self->conversation = g_strdup (conversation);
  return self;
}

const char *
lt_file_list_get_conversation (LtFileList *self)
{
  g_return_val_if_fail (LT_IS_FILE_LIST (self), NULL);

  return self->conversation;
}

/* Order ---------------------------------------------------------------------- */

/* < 0 when @a comes before @b: newer first, announced after not yet. */
static int
compare_files (LtFile *a,
               LtFile *b)
{
  guint64 a_message = lt_file_get_message_id (a);
  guint64 b_message = lt_file_get_message_id (b);

  if ((a_message == 0) != (b_message == 0))
    return a_message == 0 ? -1 : 1;
  if (a_message != b_message)
    return a_message > b_message ? -1 : 1;
  if (lt_file_get_transfer_id (a) != lt_file_get_transfer_id (b))
    return lt_file_get_transfer_id (a) > lt_file_get_transfer_id (b) ? -1 : 1;
  return 0;
}

static guint
place_of (LtFileList *self,
          LtFile     *file)
{
  guint i = 0;

  while (i < self->files->len && compare_files (g_ptr_array_index (self->files, i), file) <= 0)
    i++;
  return i;
}

/* Takes @file. */
static LtFile *
insert (LtFileList *self,
        LtFile     *file)
{
  guint position = place_of (self, file);

  g_ptr_array_insert (self->files, position, file);
  g_list_model_items_changed (G_LIST_MODEL (self), position, 0, 1);
  return file;
}

static void
remove_file (LtFileList *self,
             LtFile     *file)
{
  guint position;

  if (!g_ptr_array_find (self->files, file, &position))
    return;
  g_ptr_array_remove_index (self->files, position);
  g_list_model_items_changed (G_LIST_MODEL (self), position, 1, 0);
}

/* After a change of @file's message id: into its place again. */
static void
reposition (LtFileList *self,
            LtFile     *file)
{
  guint position;
  gboolean in_place;

  if (!g_ptr_array_find (self->files, file, &position))
    return;
  in_place = (position == 0
              || compare_files (g_ptr_array_index (self->files, position - 1), file) <= 0)
             && (position + 1 == self->files->len
                 || compare_files (file, g_ptr_array_index (self->files, position + 1)) <= 0);
  if (in_place)
    return;

  g_object_ref (file);
  remove_file (self, file);
  insert (self, file);
}

/* Looking up ----------------------------------------------------------------- */

typedef guint64 (*FileKey) (LtFile *file);

/* The file whose @key is @value, not 0. */
static LtFile *
find_by (LtFileList *self,
         FileKey     key,
         guint64     value)
{
  if (value == 0)
    return NULL;
  for (guint i = 0; i < self->files->len; i++)
    {
      LtFile *file = g_ptr_array_index (self->files, i);

      if (key (file) == value)
        return file;
    }
  return NULL;
}

/**
 * lt_file_list_lookup_file:
 * @file_id: the server's id of a file
 *
 * Returns: (transfer none) (nullable): the file with @file_id
 */
LtFile *
lt_file_list_lookup_file (LtFileList *self,
                          guint64     file_id)
{
  g_return_val_if_fail (LT_IS_FILE_LIST (self), NULL);

  return find_by (self, lt_file_get_file_id, file_id);
}

/**
 * lt_file_list_lookup_transfer:
 * @transfer_id: an upload's or a download's id
 *
 * Returns: (transfer none) (nullable): the file of the transfer
 */
LtFile *
lt_file_list_lookup_transfer (LtFileList *self,
                              guint64     transfer_id)
{
  g_return_val_if_fail (LT_IS_FILE_LIST (self), NULL);

  return find_by (self, lt_file_get_transfer_id, transfer_id);
}

/**
 * lt_file_list_lookup_message:
 * @message_id: the id of a message
 *
 * Returns: (transfer none) (nullable): the file the message announces
 */
LtFile *
lt_file_list_lookup_message (LtFileList *self,
                             guint64     message_id)
{
  g_return_val_if_fail (LT_IS_FILE_LIST (self), NULL);

  return find_by (self, lt_file_get_message_id, message_id);
}

/* What the daemon says ------------------------------------------------------- */

static LtFile *
ensure_file (LtFileList *self,
             guint64     file_id,
             const char *sender,
             const char *name,
             const char *own_username)
{
  LtFile *file = lt_file_list_lookup_file (self, file_id);

  if (file != NULL)
    {
      lt_file_set_sender_if_unknown (file, sender);
      return file;
    }

  file = lt_file_new (self->conversation, sender,
                      own_username != NULL && g_strcmp0 (sender, own_username) == 0, name);
  lt_file_set_file_id (file, file_id);
  return insert (self, file);
}

/* One entry of ListFiles: (file_id, id, ts, sender, name, size, folder,
 * state, path). */
static gboolean
apply_entry (LtFileList *self,
             GVariant   *entry,
             const char *own_username)
{
  guint64 file_id, message_id, size;
  gint64 timestamp;
  const char *sender, *name, *answer, *path;
  gboolean folder;
  gboolean is_new;
  LtFile *file;

  g_variant_get (entry, "(ttx&s&stb&s&s)", &file_id, &message_id, &timestamp, &sender, &name,
                 &size, &folder, &answer, &path);
  if (file_id == 0)
    return FALSE;

  is_new = lt_file_list_lookup_file (self, file_id) == NULL;
  file = ensure_file (self, file_id, sender, name, own_username);
  g_object_freeze_notify (G_OBJECT (file));
  lt_file_set_timestamp (file, timestamp);
  lt_file_set_size (file, size);
  lt_file_set_folder (file, folder);
  lt_file_set_answer_from_string (file, answer);
  /* A running download writes to a part file: no path to open yet. */
  if (lt_file_get_transfer (file) != LT_FILE_TRANSFER_RUNNING)
    lt_file_set_path (file, path);
  lt_file_set_message_id (file, message_id);
  g_object_thaw_notify (G_OBJECT (file));
  reposition (self, file);
  return is_new;
}

/**
 * lt_file_list_apply_listing:
 * @files: (transfer floating): what ListFiles gave: a(ttxsstbss)
 * @own_username: (nullable): the person's username
 *
 * Adds the files the list does not have and updates the others: their
 * message id, answer and local path.  Files that are not listed stay.
 *
 * Returns: how many files were added
 */
guint
lt_file_list_apply_listing (LtFileList *self,
                            GVariant   *files,
                            const char *own_username)
{
  g_autoptr(GVariant) owned = NULL;
  guint added = 0;

  g_return_val_if_fail (LT_IS_FILE_LIST (self), 0);
  g_return_val_if_fail (g_variant_is_of_type (files, G_VARIANT_TYPE ("a(ttxsstbss)")), 0);

  owned = g_variant_ref_sink (files);
  for (gsize i = 0; i < g_variant_n_children (files); i++)
    {
      g_autoptr(GVariant) entry = g_variant_get_child_value (files, i);

      added += apply_entry (self, entry, own_username);
    }
  return added;
}

/**
 * lt_file_list_add_offered:
 * @file_id: the file's id of FileOffered
 * @own_username: (nullable): the person's username
 *
 * A file of FileOffered: added unless the list has it.  Its message id
 * comes with the next ListFiles.
 *
 * Returns: (transfer none): the file with @file_id
 */
LtFile *
lt_file_list_add_offered (LtFileList *self,
                          guint64     file_id,
                          const char *sender,
                          const char *name,
                          guint64     size,
                          const char *own_username)
{
  LtFile *file;

  g_return_val_if_fail (LT_IS_FILE_LIST (self), NULL);
  g_return_val_if_fail (file_id > 0, NULL);

  file = ensure_file (self, file_id, sender, name, own_username);
  lt_file_set_size (file, size);
  if (lt_file_get_timestamp (file) == 0)
    lt_file_set_timestamp (file, g_get_real_time () / 1000);
  return file;
}

/**
 * lt_file_list_add_upload:
 * @transfer_id: what SendFile returned
 * @sender: the person's username
 * @name: the file's or folder's name
 * @path: (nullable): where it is sent from
 *
 * The person's upload before the server took it: no file id yet.
 *
 * Returns: (transfer none): the file of the upload
 */
LtFile *
lt_file_list_add_upload (LtFileList *self,
                         guint64     transfer_id,
                         const char *sender,
                         const char *name,
                         const char *path)
{
  LtFile *file;

  g_return_val_if_fail (LT_IS_FILE_LIST (self), NULL);
  g_return_val_if_fail (transfer_id > 0, NULL);

  file = lt_file_list_lookup_transfer (self, transfer_id);
  if (file != NULL)
    return file;

  file = lt_file_new (self->conversation, sender, TRUE, name);
  lt_file_set_path (file, path);
  lt_file_set_timestamp (file, g_get_real_time () / 1000);
  lt_file_start_transfer (file, transfer_id);
  return insert (self, file);
}

/* @other is the same file as @upload, known from FileOffered or
 * ListFiles before TransferStarted: @upload takes what @other knew. */
static void
absorb (LtFileList *self,
        LtFile     *upload,
        LtFile     *other)
{
  g_object_freeze_notify (G_OBJECT (upload));
  lt_file_set_size (upload, lt_file_get_size (other));
  lt_file_set_folder (upload, lt_file_is_folder (other));
  lt_file_set_answer (upload, lt_file_get_answer (other));
  if (lt_file_get_timestamp (other) != 0)
    lt_file_set_timestamp (upload, lt_file_get_timestamp (other));
  if (lt_file_get_path (upload) == NULL)
    lt_file_set_path (upload, lt_file_get_path (other));
  lt_file_set_message_id (upload, lt_file_get_message_id (other));
  g_object_thaw_notify (G_OBJECT (upload));
  remove_file (self, other);
}

/**
 * lt_file_list_transfer_started:
 * @transfer_id: the transfer of TransferStarted
 * @file_id: its file
 * @upload: whether it is an upload
 * @name: the file's name
 * @total: the bytes to move
 * @own_username: (nullable): the person's username
 *
 * An upload has its file id now, or a download began (also one
 * accepted from a notification, or found by ListTransfers).
 *
 * Returns: (transfer none): the file of the transfer
 */
LtFile *
lt_file_list_transfer_started (LtFileList *self,
                               guint64     transfer_id,
                               guint64     file_id,
                               gboolean    upload,
                               const char *name,
                               guint64     total,
                               const char *own_username)
{
  LtFile *by_transfer;
  LtFile *by_file;
  LtFile *file;

  g_return_val_if_fail (LT_IS_FILE_LIST (self), NULL);
  g_return_val_if_fail (transfer_id > 0, NULL);

  by_transfer = lt_file_list_lookup_transfer (self, transfer_id);
  by_file = lt_file_list_lookup_file (self, file_id);
  if (by_transfer != NULL && by_file != NULL && by_transfer != by_file)
    absorb (self, by_transfer, by_file);

  if (by_transfer != NULL)
    file = by_transfer;
  else if (by_file != NULL)
    file = by_file;
  else if (upload)
    file = lt_file_list_add_upload (self, transfer_id, own_username, name, NULL);
  else
    file = ensure_file (self, file_id, "", name, own_username);

  g_object_freeze_notify (G_OBJECT (file));
  lt_file_set_file_id (file, file_id);
  lt_file_start_transfer (file, transfer_id);
  if (lt_file_get_size (file) == 0)
    lt_file_set_size (file, total);
  lt_file_set_progress (file, lt_file_get_done (file), total);
  if (!upload && lt_file_get_answer (file) == LT_FILE_ANSWER_OFFERED)
    lt_file_set_answer (file, LT_FILE_ANSWER_ACCEPTED);
  g_object_thaw_notify (G_OBJECT (file));
  return file;
}

/**
 * lt_file_list_transfer_progress:
 *
 * Returns: (transfer none) (nullable): the file of @transfer_id, if
 *   it is in this list
 */
LtFile *
lt_file_list_transfer_progress (LtFileList *self,
                                guint64     transfer_id,
                                guint64     done,
                                guint64     total)
{
  LtFile *file;

  g_return_val_if_fail (LT_IS_FILE_LIST (self), NULL);

  file = lt_file_list_lookup_transfer (self, transfer_id);
  if (file != NULL && lt_file_get_transfer (file) == LT_FILE_TRANSFER_RUNNING)
    lt_file_set_progress (file, done, total);
  return file;
}

/**
 * lt_file_list_transfer_finished:
 *
 * Returns: (transfer none) (nullable): the file of @transfer_id, if
 *   it is in this list
 */
LtFile *
lt_file_list_transfer_finished (LtFileList *self,
                                guint64     transfer_id,
                                gboolean    ok,
                                const char *error_text)
{
  LtFile *file;

  g_return_val_if_fail (LT_IS_FILE_LIST (self), NULL);

  file = lt_file_list_lookup_transfer (self, transfer_id);
  if (file != NULL && lt_file_get_transfer (file) == LT_FILE_TRANSFER_RUNNING)
    lt_file_finish_transfer (file, ok, error_text);
  return file;
}

/**
 * lt_file_list_file_rejected:
 *
 * Returns: (transfer none) (nullable): the file, if it is in this list
 */
LtFile *
lt_file_list_file_rejected (LtFileList *self,
                            guint64     file_id)
{
  LtFile *file;

  g_return_val_if_fail (LT_IS_FILE_LIST (self), NULL);

  file = lt_file_list_lookup_file (self, file_id);
  if (file != NULL)
    lt_file_set_answer (file, LT_FILE_ANSWER_REJECTED);
  return file;
}
