/* SPDX-License-Identifier: GPL-3.0-or-later */
/* lt-daemon-transfers-private.h: what the parts of LtDaemonTransfers
 * share.  lt-daemon-transfers.c holds a transfer's row and signals, the
 * ends of its steps, the queue, the public API and the GObject;
 * lt-daemon-upload.c hashing, offering and uploading;
 * lt-daemon-download.c downloading, verifying and placing;
 * lt-daemon-file-sink.c the disk work of downloads, in threads. */
#pragma once

#include "lt-daemon-file-sink.h"
#include "lt-daemon-transfers.h"
#include "lt-json.h"

#include <libsoup/soup.h>

G_BEGIN_DECLS

#define STATE_HASHING "hashing"
#define STATE_OFFERING "offering"
#define STATE_UPLOADING "uploading"
#define STATE_DOWNLOADING "downloading"
#define STATE_DONE "done"
#define STATE_FAILED "failed"
#define STATE_CANCELLED "cancelled"

typedef struct _Transfer Transfer;

struct _LtDaemonTransfers
{
  GObject parent_instance;

  LtDaemon *daemon;
  SoupSession *session;
  LtDaemonCache *cache; /* whose transfers are loaded */
  GHashTable *transfers; /* transfer id → Transfer, finished ones too */
  gboolean loaded;
};

struct _Transfer
{
  int ref_count;
  LtDaemonTransfers *owner; /* NULL once dropped (a logout) */

  /* The row. */
  guint64 id;
  gboolean upload;
  guint64 file_id;
  char *conversation;
  char *name;
  char *path; /* an upload's source; a download's destination folder */
  char *part; /* a download's NAME.part (a file, or a folder) */
  char *result; /* where the finished download is */
  char *state;
  guint64 done;
  guint64 total;
  JsonObject *manifest; /* name, folder, entries: [{path?, size, sha256} | {path, dir}] */

  /* While it runs. */
  GCancellable *cancellable; /* non-NULL while a step is under way */
  guint retry_id;
  char *url; /* upload_url or download_url, resolved */
  char *token;
  guint token_renewals;
  guint entry; /* the entry being moved */
  guint64 entry_base; /* the bytes of the entries before it */
  guint64 offset; /* of the entry, already on the other side */
  gint64 progress_at;
  int fd; /* a download's entry file, or -1 */
  GChecksum *checksum; /* of that entry's bytes so far */
  GInputStream *body;
  gboolean restart_entry; /* the server ignored Range: start the entry over */
  gboolean offered_to_me; /* AcceptFile of a private file for this user */
  gboolean make_destination; /* AcceptFile into the default Downloads */
};

/* lt-daemon-transfers.c */
Transfer *lt_daemon_transfer_ref (Transfer *t);
void lt_daemon_transfer_unref (Transfer *t);
void lt_daemon_transfer_close_sink (Transfer *t);
gboolean lt_daemon_transfer_is_finished (Transfer *t);
JsonArray *lt_daemon_transfer_entries (Transfer *t);
JsonObject *lt_daemon_transfer_entry_at (Transfer *t,
                                         guint     index);
gboolean lt_daemon_transfer_is_folder (Transfer *t);
guint64 lt_daemon_transfer_entry_size (JsonObject *entry);
gboolean lt_daemon_transfer_entry_is_dir (JsonObject *entry);
void lt_daemon_transfer_save (Transfer *t);
void lt_daemon_transfer_set_state (Transfer   *t,
                                   const char *state);
void lt_daemon_transfer_emit_progress (Transfer *t,
                                       guint64   done,
                                       gboolean  force);
void lt_daemon_transfer_emit_started (Transfer *t);
void lt_daemon_transfer_finish (Transfer   *t,
                                const char *state,
                                const char *error);
void lt_daemon_transfer_fail (Transfer   *t,
                              const char *error);
void lt_daemon_transfer_pause (Transfer     *t,
                               const GError *error);
gboolean lt_daemon_transfer_is_stopped (Transfer     *t,
                                        const GError *error);
void lt_daemon_transfer_step_failed (Transfer     *t,
                                     const GError *error);
GCancellable *lt_daemon_transfer_begin_step (Transfer *t);
char *lt_daemon_transfers_resolve_url (LtDaemonTransfers *self,
                                       const char        *path);
char *lt_daemon_transfer_entry_url (Transfer *t,
                                    guint     index);
SoupMessage *lt_daemon_transfer_new_message (Transfer   *t,
                                             const char *method,
                                             const char *url);
void lt_daemon_transfer_http_failed (Transfer    *t,
                                     SoupMessage *message,
                                     GBytes      *body);
gboolean lt_daemon_transfer_take_grant (Transfer     *t,
                                        GObject      *source,
                                        GAsyncResult *result,
                                        const char   *url_member);
void lt_daemon_transfer_advance (Transfer *t);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Transfer, lt_daemon_transfer_unref)

/* lt-daemon-upload.c */
void lt_daemon_upload_start_hashing (Transfer *t);
void lt_daemon_upload_withdraw_offer (Transfer *t);
void lt_daemon_upload_start_offer (Transfer *t);
void lt_daemon_upload_start (Transfer *t);

/* lt-daemon-download.c */
void lt_daemon_download_delete_part (Transfer *t);
void lt_daemon_download_start (Transfer *t);

G_END_DECLS
