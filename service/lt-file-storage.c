/* SPDX-License-Identifier: GPL-3.0-or-later */
/* lt-file-storage.c: the bytes of the files on disk.
 *
 *   ROOT/partial/FILE_ID-INDEX   an entry being uploaded
 *   ROOT/blobs/AB/ABCDEF...      a verified file, named by its SHA-256
 *
 * An upload appends to its partial file; once the last byte is in,
 * lt_file_storage_keep_async() hashes it in a thread, and on a match
 * makes it durable and renames it to its blob.  Blobs are shared by
 * every entry with the same content, so a file sent twice is stored
 * once.  On a mismatch the partial file is deleted: nothing is kept. */
#include "config.h"

#include "lt-file-storage.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <unistd.h>

#define HASH_CHUNK (256 * 1024)

G_DEFINE_QUARK (lt-file-storage-error-quark, lt_file_storage_error)

struct _LtFileStorage
{
  GObject parent_instance;

  char *partial_dir;
  char *blobs_dir;
};

G_DEFINE_FINAL_TYPE (LtFileStorage, lt_file_storage, G_TYPE_OBJECT)

static void
lt_file_storage_finalize (GObject *object)
{
  LtFileStorage *self = LT_FILE_STORAGE (object);

  g_free (self->partial_dir);
  g_free (self->blobs_dir);
  G_OBJECT_CLASS (lt_file_storage_parent_class)->finalize (object);
}

static void
lt_file_storage_class_init (LtFileStorageClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = lt_file_storage_finalize;
}

static void
lt_file_storage_init (LtFileStorage *self)
{
}

static gboolean
make_dir (const char *path,
          GError    **error)
{
  if (g_mkdir_with_parents (path, 0700) == 0)
    return TRUE;

  g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno), "Cannot create %s: %s",
               path, g_strerror (errno));
  return FALSE;
}

LtFileStorage *
lt_file_storage_new (const char *root,
                     GError    **error)
{
  g_autoptr(LtFileStorage) self = g_object_new (LT_TYPE_FILE_STORAGE, NULL);

  g_return_val_if_fail (root != NULL, NULL);

  self->partial_dir = g_build_filename (root, "partial", NULL);
  self->blobs_dir = g_build_filename (root, "blobs", NULL);
  if (!make_dir (self->partial_dir, error) || !make_dir (self->blobs_dir, error))
    return NULL;

  return g_steal_pointer (&self);
}

char *
lt_file_storage_partial_path (LtFileStorage *self,
                              gint64         file_id,
                              guint          index)
{
  g_autofree char *name = g_strdup_printf ("%" G_GINT64_FORMAT "-%u", file_id, index);

  g_return_val_if_fail (LT_IS_FILE_STORAGE (self), NULL);

  return g_build_filename (self->partial_dir, name, NULL);
}

/* @sha256 was checked to be 64 hex digits before it was stored. */
char *
lt_file_storage_blob_path (LtFileStorage *self,
                           const char    *sha256)
{
  char prefix[3] = { sha256[0], sha256[1], '\0' };

  g_return_val_if_fail (LT_IS_FILE_STORAGE (self), NULL);

  return g_build_filename (self->blobs_dir, prefix, sha256, NULL);
}

/* Runs in a thread. */
static void
drop_partials (LtFileStorage *self,
               gint64         file_id,
               guint          n_entries)
{
  for (guint i = 0; i < n_entries; i++)
    {
      g_autofree char *path = lt_file_storage_partial_path (self, file_id, i);

      if (g_unlink (path) != 0 && errno != ENOENT)
        g_warning ("Cannot delete %s: %s", path, g_strerror (errno));
    }
}

typedef struct
{
  gint64 file_id;
  guint n_entries;
} Dropping;

static void
drop_in_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  Dropping *dropping = task_data;

  drop_partials (source_object, dropping->file_id, dropping->n_entries);
  g_task_return_boolean (task, TRUE);
}

/**
 * lt_file_storage_drop_async:
 * @callback: (nullable): called when the files are gone
 *
 * Deletes in a thread what arrived of the entries of an offer that will
 * never be complete: a large file takes a while to delete, and that is
 * not for the main loop.  Best effort: a file that is not there is fine.
 */
void
lt_file_storage_drop_async (LtFileStorage      *self,
                            gint64              file_id,
                            guint               n_entries,
                            GAsyncReadyCallback callback,
                            gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;
  Dropping *dropping;

  g_return_if_fail (LT_IS_FILE_STORAGE (self));

  dropping = g_new (Dropping, 1);
  dropping->file_id = file_id;
  dropping->n_entries = n_entries;
  task = g_task_new (self, NULL, callback, user_data);
  g_task_set_source_tag (task, lt_file_storage_drop_async);
  g_task_set_task_data (task, dropping, g_free);
  g_task_run_in_thread (task, drop_in_thread);
}

gboolean
lt_file_storage_drop_finish (LtFileStorage *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

typedef struct
{
  char *partial;
  char *blob;
  gint64 size;
  char *sha256;
} Keeping;

static void
keeping_free (Keeping *keeping)
{
  g_free (keeping->partial);
  g_free (keeping->blob);
  g_free (keeping->sha256);
  g_free (keeping);
}

static gboolean
set_errno_error (GError    **error,
                 const char *what,
                 const char *path)
{
  int saved = errno;

  g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved), "Cannot %s %s: %s", what,
               path, g_strerror (saved));
  return FALSE;
}

/* The SHA-256 of what is left to read of @fd; NULL on a read error. */
static char *
hash_fd (int         fd,
         const char *path,
         gint64     *size,
         GError    **error)
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree guint8 *buffer = g_malloc (HASH_CHUNK);
  gssize n;

  *size = 0;
  while ((n = read (fd, buffer, HASH_CHUNK)) != 0)
    {
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          set_errno_error (error, "read", path);
          return NULL;
        }
      g_checksum_update (checksum, buffer, n);
      *size += n;
    }

  return g_strdup (g_checksum_get_string (checksum));
}

/* Makes @path's contents durable, then checks them against @keeping. */
static gboolean
verify_partial (Keeping *keeping,
                GError **error)
{
  g_autofree char *sha256 = NULL;
  gint64 size = 0;
  int fd = g_open (keeping->partial, O_RDONLY | O_CLOEXEC, 0);
  gboolean ok;

  if (fd < 0)
    return set_errno_error (error, "open", keeping->partial);

  sha256 = hash_fd (fd, keeping->partial, &size, error);
  ok = sha256 != NULL && (fsync (fd) == 0 || set_errno_error (error, "sync", keeping->partial));
  g_close (fd, NULL);
  if (!ok)
    return FALSE;

  if (size != keeping->size || g_strcmp0 (sha256, keeping->sha256) != 0)
    {
      g_set_error (error, LT_FILE_STORAGE_ERROR, LT_FILE_STORAGE_ERROR_MISMATCH,
                   "The data does not match: %" G_GINT64_FORMAT " bytes with SHA-256 %s, not %"
                   G_GINT64_FORMAT " bytes with SHA-256 %s", size, sha256, keeping->size,
                   keeping->sha256);
      return FALSE;
    }

  return TRUE;
}

/* The rename is durable once the folder holding the blob is synced. */
static gboolean
move_to_blob (Keeping *keeping,
              GError **error)
{
  g_autofree char *dir = g_path_get_dirname (keeping->blob);
  int dir_fd;
  gboolean ok;

  if (!make_dir (dir, error))
    return FALSE;
  if (g_rename (keeping->partial, keeping->blob) != 0)
    return set_errno_error (error, "rename", keeping->partial);

  dir_fd = g_open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
  if (dir_fd < 0)
    return set_errno_error (error, "open", dir);
  ok = fsync (dir_fd) == 0 || set_errno_error (error, "sync", dir);
  g_close (dir_fd, NULL);
  return ok;
}

static void
keep_in_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  Keeping *keeping = task_data;
  GError *error = NULL;

  if (!verify_partial (keeping, &error))
    {
      /* Nothing of a mismatch is kept; an I/O error keeps the bytes
       * that arrived, for the uploader to try again. */
      if (g_error_matches (error, LT_FILE_STORAGE_ERROR, LT_FILE_STORAGE_ERROR_MISMATCH))
        g_unlink (keeping->partial);
      g_task_return_error (task, error);
      return;
    }

  /* The same content is stored already: one copy is enough. */
  if (g_file_test (keeping->blob, G_FILE_TEST_EXISTS))
    g_unlink (keeping->partial);
  else if (!move_to_blob (keeping, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  g_task_return_boolean (task, TRUE);
}

/**
 * lt_file_storage_keep_async:
 *
 * Verifies the partial file of entry @index of @file_id against @size
 * and @sha256 in a thread, and keeps it as the blob of @sha256.  Fails
 * with LT_FILE_STORAGE_ERROR_MISMATCH (the partial file is deleted)
 * or a G_FILE_ERROR.
 */
void
lt_file_storage_keep_async (LtFileStorage      *self,
                            gint64              file_id,
                            guint               index,
                            gint64              size,
                            const char         *sha256,
                            GCancellable       *cancellable,
                            GAsyncReadyCallback callback,
                            gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;
  Keeping *keeping;

  g_return_if_fail (LT_IS_FILE_STORAGE (self));
  g_return_if_fail (sha256 != NULL);

  keeping = g_new0 (Keeping, 1);
  keeping->partial = lt_file_storage_partial_path (self, file_id, index);
  keeping->blob = lt_file_storage_blob_path (self, sha256);
  keeping->size = size;
  keeping->sha256 = g_strdup (sha256);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, lt_file_storage_keep_async);
  g_task_set_task_data (task, keeping, (GDestroyNotify) keeping_free);
  g_task_run_in_thread (task, keep_in_thread);
}

gboolean
lt_file_storage_keep_finish (LtFileStorage *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
