/* SPDX-License-Identifier: GPL-3.0-or-later */
/* lt-sqlite-store-files.c: the file offers of LtSqliteStore.
 *
 * Who may do what with an offer is decided here, in open_file(), so
 * that the chat methods and the HTTP service apply the same rules. */
#include "config.h"

#include "lt-sqlite-store-private.h"

#include <string.h>

LtFile *
lt_sqlite_store_file_from_row (sqlite3_stmt *stmt,
                               int           first_column)
{
  LtFile *file = g_new0 (LtFile, 1);
  int column = first_column;

  file->id = sqlite3_column_int64 (stmt, column++);
  file->from = lt_sqlite_store_column_strdup (stmt, column++);
  file->to = lt_sqlite_store_column_strdup (stmt, column++);
  file->name = lt_sqlite_store_column_strdup (stmt, column++);
  file->size = sqlite3_column_int64 (stmt, column++);
  file->sha256 = lt_sqlite_store_column_strdup (stmt, column++);
  file->folder = sqlite3_column_int (stmt, column++) != 0;
  file->n_entries = sqlite3_column_int (stmt, column++);
  file->state = sqlite3_column_int (stmt, column++);
  file->answer = sqlite3_column_int (stmt, column++);
  file->message_id = sqlite3_column_int64 (stmt, column);
  return file;
}

static gpointer
file_from_row (sqlite3_stmt *stmt)
{
  return lt_sqlite_store_file_from_row (stmt, 0);
}

static gpointer
file_entry_from_row (sqlite3_stmt *stmt)
{
  LtFileEntry *entry = lt_file_entry_new ((const char *) sqlite3_column_text (stmt, 1),
                                          sqlite3_column_int64 (stmt, 2),
                                          (const char *) sqlite3_column_text (stmt, 3));

  entry->index = sqlite3_column_int (stmt, 0);
  entry->done = sqlite3_column_int (stmt, 4) != 0;
  return entry;
}

typedef struct
{
  RowFunc from_row;
  gpointer row;
} FirstRow;

static void
keep_first_row (LtSqliteStatement *stmt,
                gpointer           user_data)
{
  FirstRow *first = user_data;

  if (first->row == NULL)
    first->row = first->from_row (stmt);
}

/* The first row of statement @id, or NULL (without an error when there
 * is none). */
static gpointer
query_one (LtSqliteStore *self,
           StatementId    id,
           RowFunc        from_row,
           GError       **error,
           const char    *signature,
           ...)
{
  FirstRow first = { from_row, NULL };
  va_list args;

  va_start (args, signature);
  lt_sqlite_foreach_row_valist (self->sqlite, id, keep_first_row, &first, error, signature, args);
  va_end (args);
  return first.row;
}

static LtFile *
lookup_file (LtSqliteStore *self,
             gint64         id,
             GError       **error)
{
  g_autoptr(GError) local_error = NULL;
  LtFile *file = query_one (self, STMT_FILE_BY_ID, file_from_row, &local_error, "x", id);

  if (local_error != NULL)
    g_propagate_error (error, g_steal_pointer (&local_error));
  else if (file == NULL)
    lt_sqlite_store_set_protocol_error (error, LT_PROTOCOL_ERROR_NO_SUCH_FILE, "No file %"
                                        G_GINT64_FORMAT, id);
  return file;
}

static gint64
entries_size (GPtrArray *entries)
{
  gint64 size = 0;

  for (guint i = 0; i < entries->len; i++)
    size += ((LtFileEntry *) g_ptr_array_index (entries, i))->size;

  return size;
}

/* The limits on the entries of one offer, @file with @entries added. */
static gboolean
check_size (const LtFile       *file,
            GPtrArray          *entries,
            const LtFileLimits *limits,
            GError            **error)
{
  if (file->n_entries + entries->len > limits->max_entries)
    return lt_sqlite_store_set_protocol_error (error, LT_PROTOCOL_ERROR_INVALID_PARAMS,
                                               "A folder holds at most %u entries",
                                               limits->max_entries);
  if (entries_size (entries) > limits->max_size - file->size)
    return lt_sqlite_store_set_protocol_error (error, LT_PROTOCOL_ERROR_FILE_TOO_LARGE,
                                               "Files larger than %" G_GINT64_FORMAT
                                               " bytes cannot be sent", limits->max_size);
  return TRUE;
}

/* The quota on everything the sender of @file offered. */
static gboolean
check_quota (LtSqliteStore      *self,
             const LtFile       *file,
             GPtrArray          *entries,
             const LtFileLimits *limits,
             GError            **error)
{
  gint64 used;

  if (!lt_sqlite_query_integers (self->sqlite, STMT_QUOTA_USED, &used, 1, NULL, error, "s",
                                 file->from))
    return FALSE;
  if (entries_size (entries) > limits->quota - used)
    return lt_sqlite_store_set_protocol_error (error, LT_PROTOCOL_ERROR_QUOTA_EXCEEDED,
                                               "This would pass your quota of %" G_GINT64_FORMAT
                                               " bytes (%" G_GINT64_FORMAT " used)",
                                               limits->quota, used);
  return TRUE;
}

/* No path of @entries may be listed twice, in them or before. */
static gboolean
check_paths (LtSqliteStore *self,
             gint64         file_id,
             GPtrArray     *entries,
             GError       **error)
{
  g_autoptr(GHashTable) paths = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < entries->len; i++)
    {
      LtFileEntry *entry = g_ptr_array_index (entries, i);
      gboolean exists = FALSE;

      if (file_id > 0
          && !lt_sqlite_query_integers (self->sqlite, STMT_FILE_PATH_EXISTS, NULL, 0, &exists,
                                        error, "xs", file_id, entry->path))
        return FALSE;
      if (exists || !g_hash_table_add (paths, entry->path))
        return lt_sqlite_store_set_protocol_error (error, LT_PROTOCOL_ERROR_INVALID_PARAMS,
                                                   "\"%s\" is listed twice", entry->path);
    }

  return TRUE;
}

/* Checks that @entries may be added to @file (id 0 when it is not
 * stored yet), before anything is written: a refused offer leaves no
 * trace even outside a transaction.  The order is PROTOCOL.md's: bad
 * params, size, then (for a new offer) the recipient, then the quota. */
static gboolean
check_entries (LtSqliteStore      *self,
               const LtFile       *file,
               GPtrArray          *entries,
               const LtFileLimits *limits,
               GError            **error)
{
  g_autofree char *conversation = NULL;

  if (!check_paths (self, file->id, entries, error) || !check_size (file, entries, limits, error))
    return FALSE;

  /* A new offer: its recipient exists and the sender may write there. */
  if (file->id == 0)
    {
      conversation = lt_sqlite_store_conversation_key (self, file->from, file->to, error);
      if (conversation == NULL)
        return FALSE;
    }

  return check_quota (self, file, entries, limits, error);
}

/* Appends @entries (their index is set) to @file and updates it. */
static gboolean
grow_file (LtSqliteStore *self,
           LtFile        *file,
           GPtrArray     *entries,
           gboolean       more,
           GError       **error)
{
  LtFileState state = more ? LT_FILE_STATE_DESCRIBING : LT_FILE_STATE_UPLOADING;
  gint64 added = entries_size (entries);
  gint64 now = g_get_real_time () / 1000;

  for (guint i = 0; i < entries->len; i++)
    {
      LtFileEntry *entry = g_ptr_array_index (entries, i);

      entry->index = file->n_entries + i;
      if (!lt_sqlite_execute (self->sqlite, STMT_INSERT_FILE_ENTRY, error, "xxsxs", file->id,
                              (gint64) entry->index, entry->path, entry->size, entry->sha256))
        return FALSE;
    }

  if (!lt_sqlite_execute (self->sqlite, STMT_GROW_FILE, error, "xxxxx", file->id, added,
                          (gint64) entries->len, (gint64) state, now))
    return FALSE;

  file->size += added;
  file->n_entries += entries->len;
  file->state = state;
  return TRUE;
}

static gboolean
lt_sqlite_store_add_file (LtStore            *store,
                          LtFile             *file,
                          GPtrArray          *entries,
                          gboolean            more,
                          const LtFileLimits *limits,
                          GError            **error)
{
  LtSqliteStore *self = LT_SQLITE_STORE (store);
  gint64 now = g_get_real_time () / 1000;
  /* A file is its one entry; a folder has no hash of its own. */
  LtFileEntry *first = g_ptr_array_index (entries, 0);
  const char *sha256 = file->folder ? NULL : first->sha256;

  g_return_val_if_fail (file->folder || entries->len == 1, FALSE);

  file->id = 0;
  file->size = 0;
  file->n_entries = 0;
  if (!check_entries (self, file, entries, limits, error))
    return FALSE;

  if (!lt_sqlite_execute (self->sqlite, STMT_INSERT_FILE, error, "ssssxxx", file->from, file->to,
                          file->name, sha256, (gint64) file->folder,
                          (gint64) LT_FILE_STATE_DESCRIBING, now))
    return FALSE;

  file->id = sqlite3_last_insert_rowid (lt_sqlite_get_db (self->sqlite));
  return grow_file (self, file, entries, more, error);
}

static gboolean
lt_sqlite_store_add_file_entries (LtStore            *store,
                                  gint64              file_id,
                                  const char         *sender,
                                  GPtrArray          *entries,
                                  gboolean            more,
                                  const LtFileLimits *limits,
                                  GError            **error)
{
  LtSqliteStore *self = LT_SQLITE_STORE (store);
  g_autoptr(LtFile) file = lt_store_open_file (store, file_id, sender, LT_FILE_ACCESS_SEND, error);

  if (file == NULL)
    return FALSE;
  if (file->state != LT_FILE_STATE_DESCRIBING)
    return lt_sqlite_store_set_protocol_error (error, LT_PROTOCOL_ERROR_FILE_UNAVAILABLE,
                                               "The entries of this offer are complete");

  return check_entries (self, file, entries, limits, error)
         && grow_file (self, file, entries, more, error);
}

/* Whether @username may download @file, a COMPLETE offer. */
static gboolean
check_receiver (LtSqliteStore *self,
                const LtFile  *file,
                const char    *username,
                GError       **error)
{
  if (strcmp (file->from, username) == 0)
    return TRUE;
  if (file->to[0] == '#')
    return lt_sqlite_store_require_member (self, file->to, username, error);
  if (strcmp (file->to, username) != 0)
    return lt_sqlite_store_set_protocol_error (error, LT_PROTOCOL_ERROR_NO_SUCH_FILE,
                                               "No file %" G_GINT64_FORMAT, file->id);
  if (file->answer == LT_FILE_ANSWER_REJECTED)
    return lt_sqlite_store_set_protocol_error (error, LT_PROTOCOL_ERROR_FILE_UNAVAILABLE,
                                               "You rejected this file");
  return TRUE;
}

static gboolean
check_access (LtSqliteStore *self,
              const LtFile  *file,
              const char    *username,
              LtFileAccess   access,
              GError       **error)
{
  gboolean is_sender = strcmp (file->from, username) == 0;

  /* Nobody but its sender hears of an offer before it is complete. */
  if (!is_sender && file->state != LT_FILE_STATE_COMPLETE)
    return lt_sqlite_store_set_protocol_error (error, LT_PROTOCOL_ERROR_NO_SUCH_FILE,
                                               "No file %" G_GINT64_FORMAT, file->id);

  switch (access)
    {
    case LT_FILE_ACCESS_SEND:
      if (!is_sender)
        return lt_sqlite_store_set_protocol_error (error, LT_PROTOCOL_ERROR_NO_SUCH_FILE,
                                                   "No file %" G_GINT64_FORMAT " of yours",
                                                   file->id);
      if (file->state == LT_FILE_STATE_COMPLETE)
        return lt_sqlite_store_set_protocol_error (error, LT_PROTOCOL_ERROR_FILE_UNAVAILABLE,
                                                   "The file is complete already");
      break;

    case LT_FILE_ACCESS_RECEIVE:
      if (file->state != LT_FILE_STATE_COMPLETE)
        return lt_sqlite_store_set_protocol_error (error, LT_PROTOCOL_ERROR_FILE_UNAVAILABLE,
                                                   "The file is not complete");
      return check_receiver (self, file, username, error);

    case LT_FILE_ACCESS_ANSWER:
      if (file->to[0] != '#' && strcmp (file->to, username) == 0)
        break;
      if (is_sender || file->to[0] == '#')
        return lt_sqlite_store_set_protocol_error (error, LT_PROTOCOL_ERROR_INVALID_PARAMS,
                                                   "Only the recipient of a private file "
                                                   "answers it");
      return lt_sqlite_store_set_protocol_error (error, LT_PROTOCOL_ERROR_NO_SUCH_FILE,
                                                 "No file %" G_GINT64_FORMAT, file->id);

    default:
      g_assert_not_reached ();
    }

  if (file->state == LT_FILE_STATE_CANCELLED)
    return lt_sqlite_store_set_protocol_error (error, LT_PROTOCOL_ERROR_FILE_UNAVAILABLE,
                                               "The offer was withdrawn or dropped");
  return TRUE;
}

static LtFile *
lt_sqlite_store_open_file (LtStore     *store,
                           gint64       id,
                           const char  *username,
                           LtFileAccess access,
                           GError     **error)
{
  LtSqliteStore *self = LT_SQLITE_STORE (store);
  g_autoptr(LtFile) file = lookup_file (self, id, error);

  if (file == NULL || !check_access (self, file, username, access, error))
    return NULL;

  return g_steal_pointer (&file);
}

static LtFileEntry *
lt_sqlite_store_lookup_file_entry (LtStore *store,
                                   gint64   file_id,
                                   guint    index,
                                   GError **error)
{
  return query_one (LT_SQLITE_STORE (store), STMT_FILE_ENTRY, file_entry_from_row, error, "xx",
                    file_id, (gint64) index);
}

static GPtrArray *
lt_sqlite_store_list_file_entries (LtStore  *store,
                                   gint64    file_id,
                                   gint64    after,
                                   guint     limit,
                                   gboolean *more,
                                   GError  **error)
{
  g_autoptr(GPtrArray) entries = NULL;

  /* One row more than the page tells whether more follow. */
  entries = lt_sqlite_store_query_rows (LT_SQLITE_STORE (store), STMT_FILE_ENTRIES,
                                        file_entry_from_row, (GDestroyNotify) lt_file_entry_free,
                                        error, "xxx", file_id, after, (gint64) limit + 1);
  return lt_sqlite_store_trim_page (g_steal_pointer (&entries), limit, more);
}

static LtMessage *
announce_file (LtSqliteStore *self,
               gint64         file_id,
               gint64         ts,
               GError       **error)
{
  g_autoptr(LtFile) file = lookup_file (self, file_id, error);
  g_autofree char *conversation = NULL;
  gint64 message_id;

  if (file == NULL)
    return NULL;

  conversation = lt_sqlite_store_conversation_key (self, file->from, file->to, error);
  if (conversation == NULL)
    return NULL;

  if (!lt_sqlite_store_insert_message (self, file->from, file->to, conversation, file->name, ts,
                                       NULL, file_id, &message_id, error)
      || !lt_sqlite_execute (self->sqlite, STMT_COMPLETE_FILE, error, "xxx", file_id, message_id,
                             ts))
    return NULL;

  return query_one (self, STMT_MESSAGE_BY_ID, lt_sqlite_store_message_from_row, error, "x",
                    message_id);
}

static gboolean
lt_sqlite_store_finish_file_entry (LtStore    *store,
                                   gint64      file_id,
                                   guint       index,
                                   gint64      ts,
                                   LtMessage **announcement,
                                   GError    **error)
{
  LtSqliteStore *self = LT_SQLITE_STORE (store);
  gint64 missing;

  *announcement = NULL;
  if (!lt_sqlite_execute (self->sqlite, STMT_FINISH_FILE_ENTRY, error, "xx", file_id,
                          (gint64) index)
      || !lt_sqlite_query_integers (self->sqlite, STMT_FILE_ENTRIES_MISSING, &missing, 1, NULL,
                                    error, "x", file_id))
    return FALSE;

  if (missing > 0)
    return lt_sqlite_execute (self->sqlite, STMT_TOUCH_FILE, error, "xx", file_id, ts);

  *announcement = announce_file (self, file_id, ts, error);
  return *announcement != NULL;
}

static gboolean
lt_sqlite_store_touch_file (LtStore *store,
                            gint64   file_id,
                            gint64   now,
                            GError **error)
{
  return lt_sqlite_execute (LT_SQLITE_STORE (store)->sqlite, STMT_TOUCH_FILE, error, "xx",
                            file_id, now);
}

static gboolean
lt_sqlite_store_cancel_file (LtStore *store,
                             gint64   file_id,
                             GError **error)
{
  LtSqliteStore *self = LT_SQLITE_STORE (store);

  if (!lt_sqlite_execute (self->sqlite, STMT_CANCEL_FILE, error, "x", file_id))
    return FALSE;
  if (sqlite3_changes (lt_sqlite_get_db (self->sqlite)) == 0)
    return lt_sqlite_store_set_protocol_error (error, LT_PROTOCOL_ERROR_FILE_UNAVAILABLE,
                                               "The file is complete already");
  return TRUE;
}

static gboolean
lt_sqlite_store_answer_file (LtStore     *store,
                             gint64       file_id,
                             LtFileAnswer answer,
                             GError     **error)
{
  return lt_sqlite_execute (LT_SQLITE_STORE (store)->sqlite, STMT_ANSWER_FILE, error, "xx",
                            file_id, (gint64) answer);
}

static GPtrArray *
lt_sqlite_store_list_stale_files (LtStore *store,
                                  gint64   before,
                                  GError **error)
{
  return lt_sqlite_store_query_rows (LT_SQLITE_STORE (store), STMT_STALE_FILES, file_from_row,
                                     (GDestroyNotify) lt_file_free, error, "x", before);
}

static GPtrArray *
lt_sqlite_store_list_files (LtStore    *store,
                            const char *username,
                            const char *with,
                            gint64      before,
                            guint       limit,
                            gboolean   *more,
                            GError    **error)
{
  return lt_sqlite_store_conversation_page (LT_SQLITE_STORE (store), STMT_LIST_FILES, username,
                                            with, before, limit, more, error);
}

void
lt_sqlite_store_files_iface_init (LtStoreInterface *iface)
{
  iface->add_file = lt_sqlite_store_add_file;
  iface->add_file_entries = lt_sqlite_store_add_file_entries;
  iface->open_file = lt_sqlite_store_open_file;
  iface->lookup_file_entry = lt_sqlite_store_lookup_file_entry;
  iface->list_file_entries = lt_sqlite_store_list_file_entries;
  iface->finish_file_entry = lt_sqlite_store_finish_file_entry;
  iface->touch_file = lt_sqlite_store_touch_file;
  iface->cancel_file = lt_sqlite_store_cancel_file;
  iface->answer_file = lt_sqlite_store_answer_file;
  iface->list_stale_files = lt_sqlite_store_list_stale_files;
  iface->list_files = lt_sqlite_store_list_files;
}
