/* SPDX-License-Identifier: GPL-3.0-or-later */
/* lt-daemon-file-sink.c: the disk work of downloads, run in GTask
 * threads on file descriptors: opening an entry's file in the part
 * without following symbolic links, hashing what it holds, writing
 * chunks, reserving the part's name, placing and deleting the part. */
#include "config.h"

#include "lt-daemon-file-sink.h"
#include "lt-daemon-error.h"
#include "lt-file-names.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Download sinks, in threads ------------------------------------------- */

void
lt_daemon_file_sink_free (Sink *sink)
{
  if (sink->fd >= 0)
    g_close (sink->fd, NULL);
  g_clear_pointer (&sink->checksum, g_checksum_free);
  g_free (sink->root);
  g_free (sink->path);
  g_free (sink);
}

static gboolean
set_errno_error (GError    **error,
                 int         saved_errno,
                 const char *what,
                 const char *path)
{
  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno), "%s %s: %s", what, path,
               g_strerror (saved_errno));
  return FALSE;
}

/* Opens (creating) directory @name under @dir_fd, refusing a symbolic
 * link in its place.  Returns the new fd, or -1 with @error set. */
static int
open_dir_at (int         dir_fd,
             const char *name,
             GError    **error)
{
  int fd;

  if (mkdirat (dir_fd, name, 0755) != 0 && errno != EEXIST)
    {
      set_errno_error (error, errno, "Cannot create the folder", name);
      return -1;
    }
  fd = openat (dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    set_errno_error (error, errno, "Cannot open the folder", name);
  return fd;
}

/**
 * lt_daemon_file_sink_hash_fd:
 * @fd: a file open for reading
 * @size: how many bytes to hash from its start, or %G_MAXUINT64 for all
 * @name: the file, for errors
 * @checksum: where the bytes go
 * @hashed: (out) (optional): how many were hashed
 *
 * Hashes the start of @fd (with pread, so its offset stays) in chunks,
 * for an upload's SHA-256 and for a download's part after a restart.
 * A file shorter than a given @size is an error.
 */
gboolean
lt_daemon_file_sink_hash_fd (int           fd,
                             guint64       size,
                             const char   *name,
                             GChecksum    *checksum,
                             guint64      *hashed,
                             GCancellable *cancellable,
                             GError      **error)
{
  g_autofree guint8 *buffer = g_malloc (CHUNK_SIZE);
  guint64 at = 0;

  while (at < size)
    {
      ssize_t n = pread (fd, buffer, MIN (CHUNK_SIZE, size - at), at);

      if (n < 0 && errno == EINTR)
        continue;
      if (n == 0 && size == G_MAXUINT64)
        break;
      if (n <= 0)
        return set_errno_error (error, n < 0 ? errno : EIO, "Cannot read", name);
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      g_checksum_update (checksum, buffer, n);
      at += n;
    }
  if (hashed != NULL)
    *hashed = at;
  return TRUE;
}

/* Opens the entry's file (or makes its directory) inside the part
 * folder one component at a time, never following a symbolic link, so
 * that nothing is written outside it. */
static int
open_in_folder (Sink    *sink,
                GError **error)
{
  g_auto(GStrv) components = NULL;
  int dir_fd, fd;
  guint n;

  if (!lt_file_path_check (sink->path, error))
    return -1;
  components = lt_file_path_split (sink->path);
  n = g_strv_length (components);
  dir_fd = open (sink->root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (dir_fd < 0)
    {
      set_errno_error (error, errno, "Cannot open the folder", sink->root);
      return -1;
    }

  for (guint i = 0; i + 1 < n || (sink->dir && i < n); i++)
    {
      int next = open_dir_at (dir_fd, components[i], error);

      close (dir_fd);
      if (next < 0)
        return -1;
      dir_fd = next;
    }
  if (sink->dir)
    return dir_fd;

  fd = openat (dir_fd, components[n - 1],
               O_RDWR | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0)
    set_errno_error (error, errno, "Cannot write", sink->path);
  close (dir_fd);
  return fd;
}

void
lt_daemon_file_sink_open_thread (GTask        *task,
                                 gpointer      source,
                                 gpointer      task_data,
                                 GCancellable *cancellable)
{
  Sink *sink = task_data;
  GError *error = NULL;
  struct stat st;

  if (sink->path != NULL)
    sink->fd = open_in_folder (sink, &error);
  else
    sink->fd = open (sink->root, O_RDWR | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (sink->fd < 0 && error == NULL)
    set_errno_error (&error, errno, "Cannot write", sink->root);
  if (sink->fd < 0)
    {
      g_task_return_error (task, error);
      return;
    }
  if (sink->dir)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }

  sink->checksum = g_checksum_new (G_CHECKSUM_SHA256);
  if (fstat (sink->fd, &st) != 0)
    {
      set_errno_error (&error, errno, "Cannot read", sink->root);
      g_task_return_error (task, error);
      return;
    }
  sink->offset = st.st_size;
  /* More than the entry: not what was sent; start over. */
  if (sink->offset > sink->size)
    {
      if (ftruncate (sink->fd, 0) != 0)
        {
          set_errno_error (&error, errno, "Cannot write", sink->root);
          g_task_return_error (task, error);
          return;
        }
      sink->offset = 0;
    }
  if (!lt_daemon_file_sink_hash_fd (sink->fd, sink->offset, "the part file", sink->checksum,
                                    NULL, cancellable, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_return_boolean (task, TRUE);
}

void
lt_daemon_file_sink_chunk_free (Chunk *chunk)
{
  if (chunk->fd >= 0)
    g_close (chunk->fd, NULL);
  g_clear_pointer (&chunk->checksum, g_checksum_free);
  g_bytes_unref (chunk->bytes);
  g_free (chunk);
}

/* Writes a chunk to the entry's file and adds it to its hash.  Only
 * one chunk of a transfer is on its way at a time. */
void
lt_daemon_file_sink_write_thread (GTask        *task,
                                  gpointer      source,
                                  gpointer      task_data,
                                  GCancellable *cancellable)
{
  Chunk *chunk = task_data;
  gsize size;
  const guint8 *data = g_bytes_get_data (chunk->bytes, &size);
  gsize written = 0;

  if (chunk->truncate && ftruncate (chunk->fd, 0) != 0)
    {
      g_task_return_new_error (task, G_IO_ERROR, g_io_error_from_errno (errno),
                               "Cannot write the part file: %s", g_strerror (errno));
      return;
    }
  while (written < size)
    {
      ssize_t n = write (chunk->fd, data + written, size - written);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved_errno = errno;

          /* A full disk is not a passing failure of the connection. */
          g_task_return_new_error (task, LT_DAEMON_ERROR, LT_DAEMON_ERROR_FAILED,
                                   "Cannot write the part file: %s", g_strerror (saved_errno));
          return;
        }
      written += n;
    }
  g_checksum_update (chunk->checksum, data, size);
  g_task_return_boolean (task, TRUE);
}

/* "name (2).ext" for the @n-th try; folders and names without an
 * extension get the number at the end. */
static char *
numbered_name (const char *name,
               guint       n,
               gboolean    folder)
{
  const char *dot = folder ? NULL : strrchr (name, '.');

  if (n < 2)
    return g_strdup (name);
  if (dot == NULL || dot == name)
    return g_strdup_printf ("%s (%u)", name, n);
  return g_strdup_printf ("%.*s (%u)%s", (int) (dot - name), name, n, dot);
}

void
lt_daemon_file_sink_placing_free (Placing *placing)
{
  g_free (placing->part);
  g_free (placing->dir);
  g_free (placing->name);
  g_free (placing);
}

/* rename() that never replaces anything: renameat2 (RENAME_NOREPLACE),
 * or where the filesystem lacks it (EINVAL: NFS, some FUSE), link() and
 * unlink() for a file, which fails on a taken name too, and for a
 * folder rename() once nothing has the name. Sets errno on failure. */
static int
rename_noreplace (const char *from,
                  const char *to,
                  gboolean    folder)
{
  struct stat st;

  if (renameat2 (AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0)
    return 0;
  if (errno != EINVAL)
    return -1;
  if (!folder)
    {
      if (link (from, to) != 0)
        return -1;
      /* The file is in place; a part left beside it only takes space. */
      unlink (from);
      return 0;
    }
  if (lstat (to, &st) == 0)
    {
      errno = EEXIST;
      return -1;
    }
  return rename (from, to);
}

/* Moves the verified part to the first free name, never replacing
 * anything. */
void
lt_daemon_file_sink_place_thread (GTask        *task,
                                  gpointer      source,
                                  gpointer      task_data,
                                  GCancellable *cancellable)
{
  Placing *placing = task_data;

  for (guint n = 1; n < 10000; n++)
    {
      g_autofree char *name = numbered_name (placing->name, n, placing->folder);
      g_autofree char *path = g_build_filename (placing->dir, name, NULL);

      if (rename_noreplace (placing->part, path, placing->folder) == 0)
        {
          g_task_return_pointer (task, g_steal_pointer (&path), g_free);
          return;
        }
      if (errno != EEXIST)
        {
          g_task_return_new_error (task, LT_DAEMON_ERROR, LT_DAEMON_ERROR_FAILED,
                                   "Cannot rename %s to %s: %s", placing->part, path,
                                   g_strerror (errno));
          return;
        }
    }
  g_task_return_new_error (task, LT_DAEMON_ERROR, LT_DAEMON_ERROR_FAILED,
                           "No free name for %s in %s", placing->name, placing->dir);
}

/* Reserves a free "NAME.part" (a file or a folder) in the destination. */
void
lt_daemon_file_sink_reserve_part_thread (GTask        *task,
                                         gpointer      source,
                                         gpointer      task_data,
                                         GCancellable *cancellable)
{
  Placing *placing = task_data;

  if (placing->make_dir && g_mkdir_with_parents (placing->dir, 0700) != 0)
    {
      g_task_return_new_error (task, G_IO_ERROR, g_io_error_from_errno (errno),
                               "Cannot create %s: %s", placing->dir, g_strerror (errno));
      return;
    }
  for (guint n = 1; n < 10000; n++)
    {
      g_autofree char *name = numbered_name (placing->name, n, placing->folder);
      g_autofree char *part_name = g_strconcat (name, ".part", NULL);
      g_autofree char *path = g_build_filename (placing->dir, part_name, NULL);
      int fd;

      if (placing->folder)
        fd = mkdir (path, 0755) == 0 ? 0 : -1;
      else
        fd = open (path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
      if (fd >= 0)
        {
          if (!placing->folder)
            close (fd);
          g_task_return_pointer (task, g_steal_pointer (&path), g_free);
          return;
        }
      if (errno != EEXIST)
        {
          g_task_return_new_error (task, G_IO_ERROR, g_io_error_from_errno (errno),
                                   "Cannot write in %s: %s", placing->dir, g_strerror (errno));
          return;
        }
    }
  g_task_return_new_error (task, LT_DAEMON_ERROR, LT_DAEMON_ERROR_FAILED,
                           "No free name for %s in %s", placing->name, placing->dir);
}

/* Removes @path, and for a folder what is in it, without following
 * symbolic links. */
static void
remove_tree (const char *path)
{
  GStatBuf st;

  if (g_lstat (path, &st) != 0)
    return;
  if (S_ISDIR (st.st_mode))
    {
      g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
      const char *name;

      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          remove_tree (child);
        }
    }
  if (g_remove (path) != 0)
    g_warning ("Cannot remove %s: %s", path, g_strerror (errno));
}

void
lt_daemon_file_sink_delete_part_thread (GTask        *task,
                                        gpointer      source,
                                        gpointer      task_data,
                                        GCancellable *cancellable)
{
  remove_tree (task_data);
  g_task_return_boolean (task, TRUE);
}
