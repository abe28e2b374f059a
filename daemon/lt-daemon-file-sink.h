/* SPDX-License-Identifier: GPL-3.0-or-later */
/* lt-daemon-file-sink.h: the disk work of LtDaemonTransfers' downloads,
 * as GTask thread functions over the task data (lt-daemon-file-sink.c). */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define CHUNK_SIZE (256 * 1024)

typedef struct
{
  char *root; /* the part file, or the part folder */
  char *path; /* an entry's path in the part folder; NULL for a file */
  gboolean dir;
  guint64 size;
  /* Results. */
  int fd;
  guint64 offset;
  GChecksum *checksum;
} Sink;

gboolean lt_daemon_file_sink_hash_fd (int           fd,
                                      guint64       size,
                                      const char   *name,
                                      GChecksum    *checksum,
                                      guint64      *hashed,
                                      GCancellable *cancellable,
                                      GError      **error);
void lt_daemon_file_sink_free (Sink *sink);
void lt_daemon_file_sink_open_thread (GTask        *task,
                                      gpointer      source,
                                      gpointer      task_data,
                                      GCancellable *cancellable);

typedef struct
{
  int fd;
  GChecksum *checksum;
  GBytes *bytes;
  gboolean truncate;
} Chunk;

void lt_daemon_file_sink_chunk_free (Chunk *chunk);
void lt_daemon_file_sink_write_thread (GTask        *task,
                                       gpointer      source,
                                       gpointer      task_data,
                                       GCancellable *cancellable);

typedef struct
{
  char *part;
  char *dir;
  char *name;
  gboolean folder;
  gboolean make_dir; /* the default Downloads may not exist yet */
} Placing;

void lt_daemon_file_sink_placing_free (Placing *placing);
void lt_daemon_file_sink_place_thread (GTask        *task,
                                       gpointer      source,
                                       gpointer      task_data,
                                       GCancellable *cancellable);
void lt_daemon_file_sink_reserve_part_thread (GTask        *task,
                                              gpointer      source,
                                              gpointer      task_data,
                                              GCancellable *cancellable);
void lt_daemon_file_sink_delete_part_thread (GTask        *task,
                                             gpointer      source,
                                             gpointer      task_data,
                                             GCancellable *cancellable);

G_END_DECLS
