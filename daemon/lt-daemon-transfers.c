/* SPDX-License-Identifier: GPL-3.0-or-later */
/* LtDaemonTransfers: the daemon's uploads and downloads of files and
 * folders (docs/DESIGN-files.md, PROTOCOL.md §13).
 *
 * Control goes over the chat connection (file_offer, file_accept...);
 * bytes over HTTP with a SoupSession, streamed from and to disk, never
 * whole in memory.  Each transfer is a row of the cache's transfers
 * table, saved at each change of state, so that it resumes after a
 * dropped connection or a restart of the daemon: an upload asks HEAD
 * how much the server holds, a download goes on from the size of its
 * part file with Range (re-hashing what is there in a thread).
 *
 * An upload: "hashing" (a thread reads the file, or walks the folder
 * without following symbolic links, into a manifest), "offering"
 * (file_offer, file_entries_add pages), "uploading" (HEAD and PUT per
 * entry), then "done".  A download: "downloading" (file_accept for a
 * token, file_entries for a folder, GET per entry into NAME.part), then
 * "done" once every SHA-256 matched and the part got its free name.
 * "failed" and "cancelled" end either.
 *
 * Blocking file work (hashing, opening, writing, renaming) runs in
 * GTask threads; the rest is async on the main loop.  A lost connection
 * or a 5xx pauses a transfer, which goes on when the daemon is logged
 * in again or after RETRY_SECONDS. */
#include "config.h"

#include "lt-daemon-transfers.h"
#include "lt-daemon-error.h"
#include "lt-file-names.h"
#include "lt-json.h"
#include "lt-protocol.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHUNK_SIZE (256 * 1024)
#define PROGRESS_INTERVAL_US (G_USEC_PER_SEC / 10)
#define RETRY_SECONDS 2
#define MAX_TOKEN_RENEWALS 3
/* A folder's manifest goes in pages of about this many bytes of JSON,
 * well under the server's default --max-frame of 64 KiB. */
#define PAGE_BYTES 32768
#define ENTRIES_PAGE 200

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

G_DEFINE_FINAL_TYPE (LtDaemonTransfers, lt_daemon_transfers, G_TYPE_OBJECT)

enum {
  SIGNAL_TRANSFER_STARTED,
  SIGNAL_TRANSFER_PROGRESS,
  SIGNAL_TRANSFER_FINISHED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

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

static void advance (Transfer *t);

static Transfer *
transfer_ref (Transfer *t)
{
  t->ref_count++;
  return t;
}

static void
close_sink (Transfer *t)
{
  if (t->fd >= 0)
    g_close (t->fd, NULL);
  t->fd = -1;
  g_clear_pointer (&t->checksum, g_checksum_free);
  g_clear_object (&t->body);
}

static void
transfer_unref (Transfer *t)
{
  if (--t->ref_count > 0)
    return;

  close_sink (t);
  g_clear_handle_id (&t->retry_id, g_source_remove);
  g_clear_object (&t->cancellable);
  g_free (t->conversation);
  g_free (t->name);
  g_free (t->path);
  g_free (t->part);
  g_free (t->result);
  g_free (t->state);
  g_clear_pointer (&t->manifest, json_object_unref);
  g_free (t->url);
  g_free (t->token);
  g_free (t);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Transfer, transfer_unref)

static Transfer *
transfer_new (LtDaemonTransfers *owner)
{
  Transfer *t = g_new0 (Transfer, 1);

  t->ref_count = 1;
  t->owner = owner;
  t->fd = -1;
  t->conversation = g_strdup ("");
  t->name = g_strdup ("");
  t->path = g_strdup ("");
  t->part = g_strdup ("");
  t->result = g_strdup ("");
  t->state = g_strdup ("");
  return t;
}

static gboolean
is_finished (Transfer *t)
{
  return g_str_equal (t->state, STATE_DONE) || g_str_equal (t->state, STATE_FAILED)
         || g_str_equal (t->state, STATE_CANCELLED);
}

static JsonArray *
entries_of (Transfer *t)
{
  JsonArray *entries = NULL;

  if (t->manifest != NULL)
    lt_json_get_array (t->manifest, "entries", FALSE, &entries, NULL);
  return entries;
}

static JsonObject *
entry_at (Transfer *t,
          guint     index)
{
  JsonArray *entries = entries_of (t);

  if (entries == NULL || index >= json_array_get_length (entries))
    return NULL;
  return json_array_get_object_element (entries, index);
}

static gboolean
is_folder (Transfer *t)
{
  return t->manifest != NULL
         && json_object_get_boolean_member_with_default (t->manifest, "folder", FALSE);
}

static guint64
entry_size (JsonObject *entry)
{
  return MAX (json_object_get_int_member_with_default (entry, "size", 0), 0);
}

static gboolean
entry_is_dir (JsonObject *entry)
{
  return json_object_get_boolean_member_with_default (entry, "dir", FALSE);
}

/* Persistence --------------------------------------------------------- */

static GVariant *
transfer_to_row (Transfer *t)
{
  g_autofree char *manifest = NULL;

  if (t->manifest != NULL)
    {
      g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), t->manifest);

      manifest = json_to_string (node, FALSE);
    }
  return g_variant_new ("(" LT_DAEMON_CACHE_TRANSFER_ROW ")", t->id, t->upload, t->file_id,
                        t->conversation, t->name, t->path, t->part, t->result, t->state,
                        t->done, t->total, manifest != NULL ? manifest : "");
}

static Transfer *
transfer_from_row (LtDaemonTransfers *owner,
                   GVariant          *row)
{
  Transfer *t = transfer_new (owner);
  g_autofree char *manifest = NULL;

  g_clear_pointer (&t->conversation, g_free);
  g_clear_pointer (&t->name, g_free);
  g_clear_pointer (&t->path, g_free);
  g_clear_pointer (&t->part, g_free);
  g_clear_pointer (&t->result, g_free);
  g_clear_pointer (&t->state, g_free);
  g_variant_get (row, "(" LT_DAEMON_CACHE_TRANSFER_ROW ")", &t->id, &t->upload, &t->file_id,
                 &t->conversation, &t->name, &t->path, &t->part, &t->result, &t->state,
                 &t->done, &t->total, &manifest);
  if (*manifest != '\0')
    {
      g_autoptr(JsonNode) node = json_from_string (manifest, NULL);

      if (node != NULL && JSON_NODE_HOLDS_OBJECT (node))
        t->manifest = json_object_ref (json_node_get_object (node));
    }
  return t;
}

static void
on_saved (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (lt_daemon_cache_transfer_save_finish (LT_DAEMON_CACHE (source), result, &error) == 0)
    g_warning ("Could not save a transfer: %s", error->message);
}

/* Rows are saved in call order by the cache's thread. */
static void
save (Transfer *t)
{
  if (t->owner != NULL && t->owner->cache != NULL && t->id != 0)
    lt_daemon_cache_transfer_save_async (t->owner->cache, transfer_to_row (t), NULL, on_saved,
                                         NULL);
}

static void
set_state (Transfer   *t,
           const char *state)
{
  g_free (t->state);
  t->state = g_strdup (state);
  save (t);
}

/* Signals ------------------------------------------------------------- */

static void
emit_progress (Transfer *t,
               guint64   done,
               gboolean  force)
{
  gint64 now = g_get_monotonic_time ();

  t->done = MAX (t->done, MIN (done, t->total));
  if (t->owner == NULL || (!force && now - t->progress_at < PROGRESS_INTERVAL_US))
    return;

  t->progress_at = now;
  g_signal_emit (t->owner, signals[SIGNAL_TRANSFER_PROGRESS], 0, t->id, t->done, t->total);
}

static void
emit_started (Transfer *t)
{
  if (t->owner != NULL)
    g_signal_emit (t->owner, signals[SIGNAL_TRANSFER_STARTED], 0, t->id, t->file_id,
                   t->conversation, t->upload, t->name, t->total);
}

static void
stop_running (Transfer *t)
{
  if (t->cancellable != NULL)
    g_cancellable_cancel (t->cancellable);
  g_clear_object (&t->cancellable);
  g_clear_handle_id (&t->retry_id, g_source_remove);
  close_sink (t);
}

static void delete_part (Transfer *t);

/* A failed or cancelled upload takes its partial copy off the server
 * (file_cancel); a complete offer cannot be withdrawn, and nobody was
 * told of an incomplete one. */
static void
withdraw_offer (Transfer *t)
{
  g_autoptr(JsonObject) params = NULL;

  if (t->owner == NULL || t->file_id == 0)
    return;
  params = json_object_new ();
  json_object_set_int_member (params, "file_id", t->file_id);
  lt_daemon_call_async (t->owner->daemon, "file_cancel", params, NULL, NULL, NULL);
}

/* The transfer is over: TransferFinished, once. */
static void
finish (Transfer   *t,
        const char *state,
        const char *error)
{
  if (is_finished (t))
    return;

  stop_running (t);
  if (!g_str_equal (state, STATE_DONE) && !t->upload)
    delete_part (t);
  if (!g_str_equal (state, STATE_DONE) && t->upload)
    withdraw_offer (t);
  if (g_str_equal (state, STATE_DONE))
    emit_progress (t, t->total, TRUE);
  set_state (t, state);
  g_message ("Transfer %" G_GUINT64_FORMAT " of “%s”: %s%s%s", t->id, t->name, state,
             error != NULL ? ": " : "", error != NULL ? error : "");
  if (t->owner != NULL)
    g_signal_emit (t->owner, signals[SIGNAL_TRANSFER_FINISHED], 0, t->id,
                   g_str_equal (state, STATE_DONE), error != NULL ? error : "");
}

static void
fail (Transfer   *t,
      const char *error)
{
  finish (t, STATE_FAILED, error);
}

static gboolean
on_retry (gpointer user_data)
{
  Transfer *t = user_data;

  t->retry_id = 0;
  advance (t);
  return G_SOURCE_REMOVE;
}

/* A passing failure (the connection, the server restarting): the step
 * ends, and the transfer goes on later where it stopped. */
static void
pause_transfer (Transfer     *t,
               const GError *error)
{
  g_debug ("Transfer %" G_GUINT64_FORMAT " paused: %s", t->id, error->message);
  g_clear_object (&t->cancellable);
  close_sink (t);
  g_clear_handle_id (&t->retry_id, g_source_remove);
  t->retry_id = g_timeout_add_seconds_full (G_PRIORITY_DEFAULT, RETRY_SECONDS, on_retry,
                                            transfer_ref (t), (GDestroyNotify) transfer_unref);
}

/* Whether a server call's error may pass: then the transfer waits. */
static gboolean
is_passing (const GError *error)
{
  return g_error_matches (error, LT_DAEMON_ERROR, LT_DAEMON_ERROR_OFFLINE)
         || g_error_matches (error, LT_DAEMON_ERROR, LT_DAEMON_ERROR_NOT_LOGGED_IN)
         || g_error_matches (error, LT_DAEMON_ERROR, LT_DAEMON_ERROR_RATE_LIMITED)
         || error->domain == G_IO_ERROR || error->domain == G_RESOLVER_ERROR
         || error->domain == SOUP_SESSION_ERROR;
}

/* A step's callback: whether the transfer was stopped meanwhile (it was
 * cancelled, finished, or its owner logged out). */
static gboolean
is_stopped (Transfer     *t,
            const GError *error)
{
  return t->owner == NULL || is_finished (t)
         || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

/* Ends a step with @error: paused if it may pass, else failed. */
static void
step_failed (Transfer     *t,
             const GError *error)
{
  if (is_passing (error))
    pause_transfer (t, error);
  else
    fail (t, error->message);
}

static GCancellable *
begin_step (Transfer *t)
{
  if (t->cancellable == NULL)
    t->cancellable = g_cancellable_new ();
  return t->cancellable;
}

/* Helpers ------------------------------------------------------------- */

static char *
resolve_url (LtDaemonTransfers *self,
             const char        *path)
{
  g_autofree char *base = lt_daemon_dup_http_base (self->daemon);

  if (base == NULL)
    return NULL;
  return g_uri_resolve_relative (base, path, G_URI_FLAGS_NONE, NULL);
}

/* The URL of entry @index: a single file's is the offer's own. */
static char *
entry_url (Transfer *t,
           guint     index)
{
  if (!is_folder (t))
    return g_strdup (t->url);
  return g_strdup_printf ("%s/%u", t->url, index);
}

static SoupMessage *
new_message (Transfer   *t,
             const char *method,
             const char *url)
{
  SoupMessage *message = soup_message_new (method, url);
  g_autofree char *authorization = g_strdup_printf ("Bearer %s", t->token);

  soup_message_headers_replace (soup_message_get_request_headers (message), "Authorization",
                                authorization);
  return message;
}

/* An HTTP answer that is not what the step wanted.  401: the token
 * expired, a new one is asked for; 5xx: the server may come back. */
static void
http_failed (Transfer    *t,
             SoupMessage *message,
             GBytes      *body)
{
  guint status = soup_message_get_status (message);
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;

  if (status == SOUP_STATUS_UNAUTHORIZED && t->token_renewals++ < MAX_TOKEN_RENEWALS)
    {
      g_clear_pointer (&t->token, g_free);
      g_clear_object (&t->cancellable);
      close_sink (t);
      advance (t);
      return;
    }

  if (body != NULL && g_bytes_get_size (body) > 0 && g_bytes_get_size (body) < 1024)
    text = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  error = g_error_new (LT_DAEMON_ERROR, LT_DAEMON_ERROR_FAILED, "%s %u %s%s%s",
                       soup_message_get_method (message), status,
                       soup_message_get_reason_phrase (message), text ? ": " : "",
                       text ? g_strchomp (text) : "");
  if (status >= 500 || status == SOUP_STATUS_CONFLICT)
    pause_transfer (t, error);
  else
    fail (t, error->message);
}

/* Hashing (uploads) ---------------------------------------------------- */

static gboolean
hash_file (const char   *path,
           guint64      *size,
           char        **sha256,
           GCancellable *cancellable,
           GError      **error)
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree guint8 *buffer = g_malloc (CHUNK_SIZE);
  int fd = g_open (path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW, 0);
  ssize_t n;

  if (fd < 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno), "Cannot read %s: %s",
                   path, g_strerror (saved_errno));
      return FALSE;
    }

  *size = 0;
  while ((n = read (fd, buffer, CHUNK_SIZE)) != 0)
    {
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 || g_cancellable_set_error_if_cancelled (cancellable, error))
        {
          int saved_errno = errno;

          if (n < 0)
            g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                         "Cannot read %s: %s", path, g_strerror (saved_errno));
          g_close (fd, NULL);
          return FALSE;
        }
      g_checksum_update (checksum, buffer, n);
      *size += n;
    }

  g_close (fd, NULL);
  *sha256 = g_strdup (g_checksum_get_string (checksum));
  return TRUE;
}

static gint
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

/* Adds the entries under @root/@relative, depth first and by name, so
 * that a folder lists before what it holds.  Symbolic links and special
 * files are left out: following them could send what is outside. */
static gboolean
walk_folder (const char   *root,
             const char   *relative,
             JsonArray    *entries,
             guint64      *total,
             GCancellable *cancellable,
             GError      **error)
{
  g_autofree char *dir_path = g_build_filename (root, relative, NULL);
  g_autoptr(GDir) dir = g_dir_open (dir_path, 0, error);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  if (dir == NULL)
    return FALSE;
  while ((name = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);

  for (guint i = 0; i < names->len; i++)
    {
      const char *child = g_ptr_array_index (names, i);
      g_autofree char *path = *relative ? g_strconcat (relative, "/", child, NULL)
                                        : g_strdup (child);
      g_autofree char *full = g_build_filename (root, path, NULL);
      g_autoptr(JsonObject) entry = json_object_new ();
      g_autofree char *sha256 = NULL;
      guint64 size = 0;
      GStatBuf st;

      if (g_lstat (full, &st) != 0 || !(S_ISDIR (st.st_mode) || S_ISREG (st.st_mode)))
        continue;
      if (!lt_file_path_check (path, error))
        return FALSE;

      json_object_set_string_member (entry, "path", path);
      if (S_ISDIR (st.st_mode))
        {
          json_object_set_boolean_member (entry, "dir", TRUE);
          json_array_add_object_element (entries, g_steal_pointer (&entry));
          if (!walk_folder (root, path, entries, total, cancellable, error))
            return FALSE;
          continue;
        }

      if (!hash_file (full, &size, &sha256, cancellable, error))
        return FALSE;
      json_object_set_int_member (entry, "size", size);
      json_object_set_string_member (entry, "sha256", sha256);
      json_array_add_object_element (entries, g_steal_pointer (&entry));
      *total += size;
    }
  return TRUE;
}

/* In a thread: the manifest of the file or folder at the task data. */
static void
hash_thread (GTask        *task,
             gpointer      source,
             gpointer      task_data,
             GCancellable *cancellable)
{
  const char *path = task_data;
  g_autoptr(JsonObject) manifest = json_object_new ();
  g_autoptr(JsonArray) entries = json_array_new ();
  g_autofree char *base = g_path_get_basename (path);
  GError *error = NULL;
  guint64 total = 0;
  GStatBuf st;

  if (g_lstat (path, &st) != 0)
    {
      int saved_errno = errno;

      g_task_return_new_error (task, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                               "Cannot read %s: %s", path, g_strerror (saved_errno));
      return;
    }

  json_object_set_string_member (manifest, "name", base);
  json_object_set_boolean_member (manifest, "folder", S_ISDIR (st.st_mode));
  if (S_ISDIR (st.st_mode))
    {
      if (!walk_folder (path, "", entries, &total, cancellable, &error))
        {
          g_task_return_error (task, error);
          return;
        }
    }
  else
    {
      g_autoptr(JsonObject) entry = json_object_new ();
      g_autofree char *sha256 = NULL;

      if (!hash_file (path, &total, &sha256, cancellable, &error))
        {
          g_task_return_error (task, error);
          return;
        }
      json_object_set_int_member (entry, "size", total);
      json_object_set_string_member (entry, "sha256", sha256);
      json_array_add_object_element (entries, g_steal_pointer (&entry));
    }

  json_object_set_int_member (manifest, "size", total);
  json_object_set_array_member (manifest, "entries", g_steal_pointer (&entries));
  g_task_return_pointer (task, g_steal_pointer (&manifest), (GDestroyNotify) json_object_unref);
}

static void
on_hashed (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(Transfer) t = user_data;
  g_autoptr(GError) error = NULL;
  JsonObject *manifest = g_task_propagate_pointer (G_TASK (result), &error);

  if (is_stopped (t, error))
    {
      g_clear_pointer (&manifest, json_object_unref);
      return;
    }
  g_clear_object (&t->cancellable);
  if (manifest == NULL)
    {
      fail (t, error->message);
      return;
    }

  t->manifest = manifest;
  t->total = json_object_get_int_member (manifest, "size");
  set_state (t, STATE_OFFERING);
  advance (t);
}

static void
start_hashing (Transfer *t)
{
  g_autoptr(GTask) task = g_task_new (NULL, begin_step (t), on_hashed, transfer_ref (t));

  g_task_set_task_data (task, g_strdup (t->path), g_free);
  g_task_run_in_thread (task, hash_thread);
}

/* Offering (uploads) --------------------------------------------------- */

/* The entries from @start that fit in a page; sets *@next. */
static JsonArray *
entries_page (Transfer *t,
              guint     start,
              guint    *next)
{
  JsonArray *entries = entries_of (t);
  JsonArray *page = json_array_new ();
  gsize bytes = 0;
  guint i;

  for (i = start; i < json_array_get_length (entries) && bytes < PAGE_BYTES; i++)
    {
      JsonObject *entry = json_array_get_object_element (entries, i);

      bytes += strlen (json_object_get_string_member_with_default (entry, "path", "")) + 120;
      json_array_add_element (page, json_array_dup_element (entries, i));
    }
  *next = i;
  return page;
}

typedef struct
{
  Transfer *t;
  guint next; /* the first entry of the next page */
} Offering;

static void
offering_free (Offering *offering)
{
  transfer_unref (offering->t);
  g_free (offering);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Offering, offering_free)

static void send_entries_page (Offering *offering);

/* Every page is in: the bytes can go. */
static void
offer_complete (Transfer *t)
{
  g_clear_object (&t->cancellable);
  t->entry = 0;
  t->entry_base = 0;
  set_state (t, STATE_UPLOADING);
  emit_started (t);
  advance (t);
}

static void
on_entries_added (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(Offering) offering = user_data;
  Transfer *t = offering->t;
  g_autoptr(JsonObject) reply = NULL;
  g_autoptr(GError) error = NULL;

  reply = lt_daemon_call_finish (LT_DAEMON (source), result, &error);
  if (is_stopped (t, error))
    return;
  if (reply == NULL)
    {
      /* Still "offering": a resume withdraws this offer and makes a
       * new one (start_offer()). */
      step_failed (t, error);
      return;
    }
  if (offering->next >= json_array_get_length (entries_of (t)))
    offer_complete (t);
  else
    send_entries_page (g_steal_pointer (&offering));
}

static void
send_entries_page (Offering *offering)
{
  Transfer *t = offering->t;
  g_autoptr(JsonObject) params = json_object_new ();
  JsonArray *page = entries_page (t, offering->next, &offering->next);

  json_object_set_int_member (params, "file_id", t->file_id);
  json_object_set_array_member (params, "entries", page);
  json_object_set_boolean_member (params, "more",
                                  offering->next < json_array_get_length (entries_of (t)));
  lt_daemon_call_async (t->owner->daemon, "file_entries_add", params, t->cancellable,
                        on_entries_added, offering);
}

static void
on_offered (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(Offering) offering = user_data;
  Transfer *t = offering->t;
  g_autoptr(JsonObject) reply = NULL;
  g_autoptr(GError) error = NULL;
  const char *url = NULL, *token = NULL, *name = NULL;
  gint64 file_id = 0;

  reply = lt_daemon_call_finish (LT_DAEMON (source), result, &error);
  if (is_stopped (t, error))
    return;
  if (reply == NULL)
    {
      step_failed (t, error);
      return;
    }

  lt_json_get_int (reply, "file_id", FALSE, &file_id, NULL);
  lt_json_get_string (reply, "upload_url", FALSE, &url, NULL);
  lt_json_get_string (reply, "token", FALSE, &token, NULL);
  lt_json_get_string (reply, "name", FALSE, &name, NULL);
  t->file_id = file_id;
  g_free (t->url);
  t->url = url != NULL ? resolve_url (t->owner, url) : NULL;
  g_free (t->token);
  t->token = g_strdup (token);
  if (name != NULL)
    {
      g_free (t->name);
      t->name = g_strdup (name);
    }
  /* Saved at once: a restart from here resumes this offer. */
  save (t);

  if (offering->next >= json_array_get_length (entries_of (t)))
    offer_complete (t);
  else
    send_entries_page (g_steal_pointer (&offering));
}

static void
start_offer (Transfer *t)
{
  g_autoptr(JsonObject) params = json_object_new ();
  JsonObject *first;
  Offering *offering;

  /* An offer cut between its pages (a restart) cannot be completed:
   * it is withdrawn and made again. */
  if (t->file_id != 0)
    {
      withdraw_offer (t);
      t->file_id = 0;
    }
  offering = g_new0 (Offering, 1);

  offering->t = transfer_ref (t);
  json_object_set_string_member (params, "to", t->conversation);
  json_object_set_string_member (params, "name",
                                 json_object_get_string_member (t->manifest, "name"));
  if (is_folder (t))
    {
      json_object_set_array_member (params, "entries", entries_page (t, 0, &offering->next));
      json_object_set_boolean_member (params, "more",
                                      offering->next < json_array_get_length (entries_of (t)));
    }
  else
    {
      first = entry_at (t, 0);
      json_object_set_int_member (params, "size", entry_size (first));
      json_object_set_string_member (params, "sha256",
                                     json_object_get_string_member (first, "sha256"));
      offering->next = 1;
    }
  lt_daemon_call_async (t->owner->daemon, "file_offer", params, begin_step (t), on_offered,
                        offering);
}

/* Uploading ------------------------------------------------------------ */

static void upload_entry (Transfer *t);

/* The result of file_resume or file_accept: a fresh token, and the URL
 * on this server's HTTP port.  FALSE when the step ended instead. */
static gboolean
take_grant (Transfer     *t,
            GObject      *source,
            GAsyncResult *result,
            const char   *url_member)
{
  g_autoptr(JsonObject) reply = NULL;
  g_autoptr(GError) error = NULL;
  const char *url = NULL, *token = NULL;

  reply = lt_daemon_call_finish (LT_DAEMON (source), result, &error);
  if (is_stopped (t, error))
    return FALSE;
  if (reply == NULL)
    {
      step_failed (t, error);
      return FALSE;
    }

  lt_json_get_string (reply, url_member, FALSE, &url, NULL);
  lt_json_get_string (reply, "token", FALSE, &token, NULL);
  g_free (t->url);
  t->url = url != NULL ? resolve_url (t->owner, url) : NULL;
  g_free (t->token);
  t->token = g_strdup (token);
  if (t->url == NULL || t->token == NULL)
    {
      fail (t, "The server gave no URL");
      return FALSE;
    }
  return TRUE;
}

static void
on_upload_resumed (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(Transfer) t = user_data;

  if (take_grant (t, source, result, "upload_url"))
    upload_entry (t);
}

/* A fresh token (and the URL on this server's HTTP port) for an offer
 * made before a restart, or whose token expired. */
static void
resume_upload (Transfer *t)
{
  g_autoptr(JsonObject) params = json_object_new ();

  json_object_set_int_member (params, "file_id", t->file_id);
  lt_daemon_call_async (t->owner->daemon, "file_resume", params, begin_step (t),
                        on_upload_resumed, transfer_ref (t));
}

/* The entry is on the server: the next one, or the end. */
static void
next_upload_entry (Transfer *t)
{
  JsonObject *entry = entry_at (t, t->entry);

  if (entry != NULL)
    t->entry_base += entry_size (entry);
  t->entry++;
  t->offset = 0;
  emit_progress (t, t->entry_base, FALSE);
  upload_entry (t);
}

typedef struct
{
  Transfer *t;
  guint64 sent;
} Putting;

static void
putting_free (Putting *putting)
{
  transfer_unref (putting->t);
  g_free (putting);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Putting, putting_free)

static void
on_wrote_body_data (SoupMessage *message,
                    guint        chunk_size,
                    Putting     *putting)
{
  Transfer *t = putting->t;

  putting->sent += chunk_size;
  if (!is_finished (t))
    emit_progress (t, t->entry_base + t->offset + putting->sent, FALSE);
}

static void
on_put (GObject      *source,
        GAsyncResult *result,
        gpointer      user_data)
{
  g_autoptr(Putting) putting = user_data;
  Transfer *t = putting->t;
  SoupMessage *message = soup_session_get_async_result_message (SOUP_SESSION (source), result);
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;
  guint status;

  g_signal_handlers_disconnect_by_data (message, putting);
  body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  if (is_stopped (t, error))
    return;
  if (body == NULL)
    {
      step_failed (t, error);
      return;
    }

  status = soup_message_get_status (message);
  /* After an empty PUT (every byte was there): 409 says the entry was
   * complete already. */
  if (status == SOUP_STATUS_CREATED
      || (status == SOUP_STATUS_CONFLICT && t->offset == entry_size (entry_at (t, t->entry))))
    next_upload_entry (t);
  else if (status == SOUP_STATUS_NO_CONTENT)
    upload_entry (t); /* bytes still missing: HEAD says where */
  else
    http_failed (t, message, body);
}

/* Sends the PUT of @message; progress comes from wrote-body-data.  A
 * PUT never goes on a reused connection: libsoup would send it again
 * by itself after a cut, from a body stream already read. */
static void
send_put (Transfer    *t,
          SoupMessage *message)
{
  Putting *putting = g_new0 (Putting, 1);

  soup_message_headers_set_expectations (soup_message_get_request_headers (message),
                                         SOUP_EXPECTATION_CONTINUE);
  soup_message_add_flags (message, SOUP_MESSAGE_NEW_CONNECTION);
  putting->t = transfer_ref (t);
  g_signal_connect (message, "wrote-body-data", G_CALLBACK (on_wrote_body_data), putting);
  soup_session_send_and_read_async (t->owner->session, message, G_PRIORITY_DEFAULT,
                                    t->cancellable, on_put, putting);
}

/* Every byte of the entry is on the server, but it was not checked (it
 * stopped meanwhile): an empty PUT has it checked.  Also the PUT of an
 * empty entry. */
static void
put_empty (Transfer *t)
{
  g_autofree char *url = entry_url (t, t->entry);
  g_autoptr(SoupMessage) message = new_message (t, SOUP_METHOD_PUT, url);
  g_autoptr(GBytes) empty = g_bytes_new_static ("", 0);

  soup_message_set_request_body_from_bytes (message, "application/octet-stream", empty);
  send_put (t, message);
}

static void
on_source_opened (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(Transfer) t = user_data;
  g_autoptr(GFileInputStream) stream = NULL;
  g_autoptr(SoupMessage) message = NULL;
  g_autofree char *url = NULL;
  g_autoptr(GError) error = NULL;
  JsonObject *entry;
  guint64 size;

  stream = g_file_read_finish (G_FILE (source), result, &error);
  if (is_stopped (t, error))
    return;
  if (stream == NULL
      || !g_seekable_seek (G_SEEKABLE (stream), t->offset, G_SEEK_SET, t->cancellable, &error))
    {
      fail (t, error->message);
      return;
    }

  entry = entry_at (t, t->entry);
  size = entry_size (entry);
  url = entry_url (t, t->entry);
  message = new_message (t, SOUP_METHOD_PUT, url);
  if (t->offset > 0)
    soup_message_headers_set_content_range (soup_message_get_request_headers (message),
                                            t->offset, size - 1, size);
  soup_message_set_request_body (message, "application/octet-stream", G_INPUT_STREAM (stream),
                                 size - t->offset);
  send_put (t, message);
}

/* The path on this computer of the current entry. */
static GFile *
source_file (Transfer *t)
{
  JsonObject *entry = entry_at (t, t->entry);
  g_autofree char *path = NULL;

  if (!is_folder (t))
    return g_file_new_for_path (t->path);
  path = g_build_filename (t->path, json_object_get_string_member (entry, "path"), NULL);
  return g_file_new_for_path (path);
}

static void
on_head_upload (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(Transfer) t = user_data;
  SoupMessage *message = soup_session_get_async_result_message (SOUP_SESSION (source), result);
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) file = NULL;
  const char *offset;
  guint64 size;

  body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  if (is_stopped (t, error))
    return;
  if (body == NULL)
    {
      step_failed (t, error);
      return;
    }
  if (soup_message_get_status (message) == SOUP_STATUS_CONFLICT)
    {
      next_upload_entry (t); /* complete already */
      return;
    }
  if (soup_message_get_status (message) != SOUP_STATUS_OK)
    {
      http_failed (t, message, body);
      return;
    }

  offset = soup_message_headers_get_one (soup_message_get_response_headers (message),
                                         "Upload-Offset");
  size = entry_size (entry_at (t, t->entry));
  t->offset = offset != NULL ? MIN (g_ascii_strtoull (offset, NULL, 10), size) : 0;
  emit_progress (t, t->entry_base + t->offset, FALSE);
  if (t->offset == size)
    {
      put_empty (t);
      return;
    }
  file = source_file (t);
  g_file_read_async (file, G_PRIORITY_DEFAULT, t->cancellable, on_source_opened,
                     transfer_ref (t));
}

/* HEAD tells how much of the entry the server holds; PUT the rest.
 * Directories have no bytes. */
static void
upload_entry (Transfer *t)
{
  g_autoptr(SoupMessage) message = NULL;
  g_autofree char *url = NULL;
  JsonObject *entry;

  while ((entry = entry_at (t, t->entry)) != NULL && entry_is_dir (entry))
    t->entry++;
  if (entry == NULL)
    {
      finish (t, STATE_DONE, NULL);
      return;
    }

  url = entry_url (t, t->entry);
  message = new_message (t, SOUP_METHOD_HEAD, url);
  soup_session_send_and_read_async (t->owner->session, message, G_PRIORITY_DEFAULT,
                                    begin_step (t), on_head_upload, transfer_ref (t));
}

static void
start_upload (Transfer *t)
{
  if (t->token == NULL || t->url == NULL)
    resume_upload (t);
  else
    upload_entry (t);
}

/* Download sinks, in threads ------------------------------------------- */

typedef struct
{
  char *root; /* the part file, or the part folder */
  char *path; /* an entry's path in the part folder; NULL for a file */
  gboolean dir;
  guint64 size;
  gboolean fresh; /* create root, which must not exist yet */
  /* Results. */
  int fd;
  guint64 offset;
  GChecksum *checksum;
} Sink;

static void
sink_free (Sink *sink)
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

/* Hashes the @size bytes already in @fd. */
static gboolean
hash_existing (int           fd,
               guint64       size,
               GChecksum    *checksum,
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
      if (n <= 0)
        return set_errno_error (error, n < 0 ? errno : EIO, "Cannot read", "the part file");
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      g_checksum_update (checksum, buffer, n);
      at += n;
    }
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

static void
open_sink_thread (GTask        *task,
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
  if (!hash_existing (sink->fd, sink->offset, sink->checksum, cancellable, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_return_boolean (task, TRUE);
}

typedef struct
{
  int fd;
  GChecksum *checksum;
  GBytes *bytes;
  gboolean truncate;
} Chunk;

static void
chunk_free (Chunk *chunk)
{
  if (chunk->fd >= 0)
    g_close (chunk->fd, NULL);
  g_clear_pointer (&chunk->checksum, g_checksum_free);
  g_bytes_unref (chunk->bytes);
  g_free (chunk);
}

/* Writes a chunk to the entry's file and adds it to its hash.  Only
 * one chunk of a transfer is on its way at a time. */
static void
write_thread (GTask        *task,
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

typedef struct
{
  char *part;
  char *dir;
  char *name;
  gboolean folder;
  gboolean make_dir; /* the default Downloads may not exist yet */
} Placing;

static void
placing_free (Placing *placing)
{
  g_free (placing->part);
  g_free (placing->dir);
  g_free (placing->name);
  g_free (placing);
}

/* Moves the verified part to the first free name, never replacing
 * anything (RENAME_NOREPLACE). */
static void
place_thread (GTask        *task,
              gpointer      source,
              gpointer      task_data,
              GCancellable *cancellable)
{
  Placing *placing = task_data;

  for (guint n = 1; n < 10000; n++)
    {
      g_autofree char *name = numbered_name (placing->name, n, placing->folder);
      g_autofree char *path = g_build_filename (placing->dir, name, NULL);

      if (renameat2 (AT_FDCWD, placing->part, AT_FDCWD, path, RENAME_NOREPLACE) == 0)
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
static void
reserve_part_thread (GTask        *task,
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

static void
delete_part_thread (GTask        *task,
                    gpointer      source,
                    gpointer      task_data,
                    GCancellable *cancellable)
{
  remove_tree (task_data);
  g_task_return_boolean (task, TRUE);
}

static void
delete_part (Transfer *t)
{
  g_autoptr(GTask) task = NULL;

  if (*t->part == '\0')
    return;
  task = g_task_new (NULL, NULL, NULL, NULL);
  g_task_set_task_data (task, g_strdup (t->part), g_free);
  g_task_run_in_thread (task, delete_part_thread);
}

/* Downloading ----------------------------------------------------------- */

static void download_entry (Transfer *t);
static void read_chunk (Transfer *t);

static void
on_placed (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(Transfer) t = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_task_propagate_pointer (G_TASK (result), &error);

  if (is_stopped (t, error))
    return;
  g_clear_object (&t->cancellable);
  if (path == NULL)
    {
      fail (t, error->message);
      return;
    }
  g_free (t->result);
  t->result = g_steal_pointer (&path);
  g_free (t->part);
  t->part = g_strdup ("");
  finish (t, STATE_DONE, NULL);
}

/* Every entry arrived and matched: the part gets its name. */
static void
place_download (Transfer *t)
{
  g_autoptr(GTask) task = g_task_new (NULL, begin_step (t), on_placed, transfer_ref (t));
  Placing *placing = g_new0 (Placing, 1);

  placing->part = g_strdup (t->part);
  placing->dir = g_strdup (t->path);
  placing->name = g_strdup (t->name);
  placing->folder = is_folder (t);
  g_task_set_task_data (task, placing, (GDestroyNotify) placing_free);
  g_task_run_in_thread (task, place_thread);
}

/* The entry's bytes are all there: they must match the sender's hash. */
static void
verify_entry (Transfer *t)
{
  JsonObject *entry = entry_at (t, t->entry);
  const char *expected = json_object_get_string_member_with_default (entry, "sha256", "");

  if (g_strcmp0 (g_checksum_get_string (t->checksum), expected) != 0)
    {
      fail (t, is_folder (t)
               ? _("A file of the folder does not match what was sent; it was deleted")
               : _("The file does not match what was sent; it was deleted"));
      return;
    }

  close_sink (t);
  t->entry_base += entry_size (entry);
  t->entry++;
  t->offset = 0;
  emit_progress (t, t->entry_base, FALSE);
  download_entry (t);
}

static void
on_chunk_written (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(Transfer) t = user_data;
  g_autoptr(GError) error = NULL;
  Chunk *chunk = g_task_get_task_data (G_TASK (result));
  gsize size = g_bytes_get_size (chunk->bytes);

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      if (!is_stopped (t, error))
        fail (t, error->message);
      return;
    }
  if (is_stopped (t, NULL) || t->cancellable == NULL)
    return;

  t->checksum = g_steal_pointer (&chunk->checksum);
  if (chunk->truncate)
    t->offset = 0;
  t->offset += size;
  emit_progress (t, t->entry_base + t->offset, FALSE);
  read_chunk (t);
}

static void
on_chunk_read (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(Transfer) t = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GTask) task = NULL;
  Chunk *chunk;

  bytes = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result, &error);
  if (is_stopped (t, error) || t->cancellable == NULL)
    return;
  if (bytes == NULL)
    {
      step_failed (t, error);
      return;
    }
  if (g_bytes_get_size (bytes) == 0)
    {
      /* The body ended: complete, or cut (then resume from here). */
      g_clear_object (&t->body);
      if (t->offset == entry_size (entry_at (t, t->entry)))
        verify_entry (t);
      else
        {
          g_autoptr(GError) cut = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT,
                                                       "The download was cut short");

          pause_transfer (t, cut);
        }
      return;
    }
  if ((t->restart_entry ? 0 : t->offset) + g_bytes_get_size (bytes)
      > entry_size (entry_at (t, t->entry)))
    {
      fail (t, _("The server sent more than the file's size"));
      return;
    }

  if (t->restart_entry)
    {
      /* The hash starts over with the file. */
      g_checksum_reset (t->checksum);
    }
  /* The chunk has a descriptor and the hash of its own while a thread
   * writes it: a cancel closes the transfer's meanwhile. */
  chunk = g_new0 (Chunk, 1);
  chunk->fd = dup (t->fd);
  chunk->checksum = g_steal_pointer (&t->checksum);
  chunk->bytes = g_steal_pointer (&bytes);
  chunk->truncate = t->restart_entry;
  t->restart_entry = FALSE;
  if (chunk->fd < 0)
    {
      chunk_free (chunk);
      fail (t, g_strerror (errno));
      return;
    }
  task = g_task_new (NULL, t->cancellable, on_chunk_written, transfer_ref (t));
  g_task_set_task_data (task, chunk, (GDestroyNotify) chunk_free);
  g_task_run_in_thread (task, write_thread);
}

static void
read_chunk (Transfer *t)
{
  g_input_stream_read_bytes_async (t->body, CHUNK_SIZE, G_PRIORITY_DEFAULT, t->cancellable,
                                   on_chunk_read, transfer_ref (t));
}

static void
on_get_sent (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(Transfer) t = user_data;
  SoupMessage *message = soup_session_get_async_result_message (SOUP_SESSION (source), result);
  g_autoptr(GInputStream) body = NULL;
  g_autoptr(GError) error = NULL;
  goffset start = -1, end = -1, length = -1;
  guint status;

  body = soup_session_send_finish (SOUP_SESSION (source), result, &error);
  if (is_stopped (t, error) || t->cancellable == NULL)
    return;
  if (body == NULL)
    {
      step_failed (t, error);
      return;
    }

  status = soup_message_get_status (message);
  if (status == SOUP_STATUS_PARTIAL_CONTENT
      && soup_message_headers_get_content_range (soup_message_get_response_headers (message),
                                                 &start, &end, &length)
      && start == (goffset) t->offset)
    ;
  else if (status == SOUP_STATUS_OK)
    t->restart_entry = t->offset > 0; /* the whole entry came */
  else
    {
      /* The error's text is not read: that would block. */
      http_failed (t, message, NULL);
      return;
    }

  t->body = g_steal_pointer (&body);
  read_chunk (t);
}

static void
on_sink_opened (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(Transfer) t = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(SoupMessage) message = NULL;
  g_autofree char *url = NULL;
  Sink *sink = g_task_get_task_data (G_TASK (result));

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      if (!is_stopped (t, error))
        fail (t, error->message);
      return;
    }
  if (is_stopped (t, NULL) || t->cancellable == NULL)
    return;

  close_sink (t);
  t->fd = sink->fd;
  sink->fd = -1;
  t->checksum = g_steal_pointer (&sink->checksum);
  if (sink->dir)
    {
      close_sink (t);
      t->entry++;
      download_entry (t);
      return;
    }

  t->offset = sink->offset;
  emit_progress (t, t->entry_base + t->offset, FALSE);
  if (t->offset == sink->size)
    {
      verify_entry (t);
      return;
    }

  url = entry_url (t, t->entry);
  message = new_message (t, SOUP_METHOD_GET, url);
  if (t->offset > 0)
    soup_message_headers_set_range (soup_message_get_request_headers (message), t->offset, -1);
  soup_session_send_async (t->owner->session, message, G_PRIORITY_DEFAULT, t->cancellable,
                           on_get_sent, transfer_ref (t));
}

/* The entry's file (or directory) in the part, then GET what is missing. */
static void
download_entry (Transfer *t)
{
  JsonObject *entry = entry_at (t, t->entry);
  g_autoptr(GTask) task = NULL;
  Sink *sink;

  if (entry == NULL)
    {
      place_download (t);
      return;
    }

  sink = g_new0 (Sink, 1);
  sink->fd = -1;
  sink->root = g_strdup (t->part);
  sink->dir = entry_is_dir (entry);
  sink->size = entry_size (entry);
  if (is_folder (t))
    sink->path = g_strdup (json_object_get_string_member_with_default (entry, "path", ""));
  task = g_task_new (NULL, begin_step (t), on_sink_opened, transfer_ref (t));
  g_task_set_task_data (task, sink, (GDestroyNotify) sink_free);
  g_task_run_in_thread (task, open_sink_thread);
}

/* Entries of a folder, page by page, into the manifest. */
static void
on_entries (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(Transfer) t = user_data;
  g_autoptr(JsonObject) reply = NULL;
  g_autoptr(GError) error = NULL;
  JsonArray *page = NULL;
  JsonArray *entries = entries_of (t);
  gboolean more = FALSE;

  reply = lt_daemon_call_finish (LT_DAEMON (source), result, &error);
  if (is_stopped (t, error))
    return;
  if (reply == NULL)
    {
      step_failed (t, error);
      return;
    }

  lt_json_get_array (reply, "entries", FALSE, &page, NULL);
  lt_json_get_bool (reply, "more", FALSE, &more, NULL);
  for (guint i = 0; page != NULL && i < json_array_get_length (page); i++)
    json_array_add_element (entries, json_array_dup_element (page, i));

  if (more && page != NULL && json_array_get_length (page) > 0)
    {
      g_autoptr(JsonObject) params = json_object_new ();

      json_object_set_int_member (params, "file_id", t->file_id);
      json_object_set_int_member (params, "after", json_array_get_length (entries) - 1);
      Transfer *ref = g_steal_pointer (&t);

      json_object_set_int_member (params, "limit", ENTRIES_PAGE);
      lt_daemon_call_async (ref->owner->daemon, "file_entries", params, ref->cancellable,
                            on_entries, ref);
      return;
    }

  json_object_set_boolean_member (t->manifest, "listed", TRUE);
  save (t);
  download_entry (t);
}

static void
list_entries (Transfer *t)
{
  g_autoptr(JsonObject) params = json_object_new ();

  json_object_set_array_member (t->manifest, "entries", json_array_new ());
  json_object_set_int_member (params, "file_id", t->file_id);
  json_object_set_int_member (params, "limit", ENTRIES_PAGE);
  lt_daemon_call_async (t->owner->daemon, "file_entries", params, t->cancellable, on_entries,
                        transfer_ref (t));
}

/* A folder's entries are listed once, then its entries downloaded. */
static void
list_or_download (Transfer *t)
{
  if (is_folder (t) && !json_object_get_boolean_member_with_default (t->manifest, "listed",
                                                                       FALSE))
    list_entries (t);
  else
    download_entry (t);
}

static void
on_download_token (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(Transfer) t = user_data;

  if (take_grant (t, source, result, "download_url"))
    list_or_download (t);
}

/* file_accept again gives a fresh token, also after a restart. */
static void
start_download (Transfer *t)
{
  g_autoptr(JsonObject) params = json_object_new ();

  if (t->token != NULL && t->url != NULL)
    {
      begin_step (t);
      list_or_download (t);
      return;
    }
  json_object_set_int_member (params, "file_id", t->file_id);
  lt_daemon_call_async (t->owner->daemon, "file_accept", params, begin_step (t),
                        on_download_token, transfer_ref (t));
}

/* Runs the transfer's next step, unless one is under way or it has to
 * wait for a login. */
static void
advance (Transfer *t)
{
  if (t->owner == NULL || is_finished (t) || t->cancellable != NULL)
    return;
  g_clear_handle_id (&t->retry_id, g_source_remove);
  g_debug ("Transfer %" G_GUINT64_FORMAT ": %s", t->id, t->state);

  if (g_str_equal (t->state, STATE_HASHING))
    {
      start_hashing (t);
      return;
    }
  if (lt_daemon_get_state (t->owner->daemon) != LT_DAEMON_STATE_LOGGED_IN)
    return;

  /* Resuming: HEAD or the part's size says where each entry stands. */
  t->entry = 0;
  t->entry_base = 0;
  t->offset = 0;
  if (g_str_equal (t->state, STATE_OFFERING))
    start_offer (t);
  else if (g_str_equal (t->state, STATE_UPLOADING))
    start_upload (t);
  else if (g_str_equal (t->state, STATE_DOWNLOADING))
    start_download (t);
}

/* The queue ------------------------------------------------------------ */

static void
add_transfer (LtDaemonTransfers *self,
              Transfer          *t)
{
  g_hash_table_replace (self->transfers, &t->id, t);
}

static void
advance_all (LtDaemonTransfers *self)
{
  GHashTableIter iter;
  Transfer *t;

  g_hash_table_iter_init (&iter, self->transfers);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &t))
    advance (t);
}

/* Stops every transfer (a logout, another user) without finishing it:
 * the rows stay, for the next login. */
static void
drop_all (LtDaemonTransfers *self)
{
  GHashTableIter iter;
  Transfer *t;

  g_hash_table_iter_init (&iter, self->transfers);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &t))
    {
      stop_running (t);
      t->owner = NULL;
    }
  g_hash_table_remove_all (self->transfers);
  g_clear_object (&self->cache);
  self->loaded = FALSE;
}

static void
on_transfers_listed (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(LtDaemonTransfers) self = user_data;
  g_autoptr(GVariant) rows = NULL;
  g_autoptr(GError) error = NULL;
  GVariantIter iter;
  GVariant *row;

  rows = lt_daemon_cache_transfers_list_finish (LT_DAEMON_CACHE (source), result, &error);
  if (LT_DAEMON_CACHE (source) != self->cache)
    return; /* logged out meanwhile */
  if (rows == NULL)
    {
      g_warning ("Could not read the transfers: %s", error->message);
      return;
    }

  g_variant_iter_init (&iter, rows);
  while ((row = g_variant_iter_next_value (&iter)) != NULL)
    {
      Transfer *t = transfer_from_row (self, row);

      if (!g_hash_table_contains (self->transfers, &t->id))
        add_transfer (self, t);
      else
        transfer_unref (t);
      g_variant_unref (row);
    }
  self->loaded = TRUE;
  g_debug ("%u transfers in the cache", g_hash_table_size (self->transfers));
  advance_all (self);
}

/* A login brings the user's cache and the transfers in it; logging in
 * again (after a drop) lets waiting transfers go on. */
static void
on_state_changed (LtDaemonTransfers *self)
{
  LtDaemonCache *cache = lt_daemon_get_cache (self->daemon);

  if (cache != self->cache)
    {
      drop_all (self);
      if (cache == NULL)
        return;
      self->cache = g_object_ref (cache);
      lt_daemon_cache_transfers_list_async (cache, NULL, on_transfers_listed,
                                            g_object_ref (self));
      return;
    }
  if (self->loaded && lt_daemon_get_state (self->daemon) == LT_DAEMON_STATE_LOGGED_IN)
    {
      /* The TLS settings may have changed with the connection. */
      GTlsDatabase *database = lt_daemon_get_tls_database (self->daemon);
      g_autoptr(GTlsDatabase) system = NULL;

      if (database == NULL)
        database = system = g_tls_backend_get_default_database (g_tls_backend_get_default ());
      soup_session_set_tls_database (self->session, database);
      advance_all (self);
    }
}

/* A download of a file this user rejected (here or on another device)
 * stops. */
static void
on_file_rejected (LtDaemonTransfers *self,
                  const char        *conversation,
                  guint64            file_id,
                  const char        *by)
{
  GHashTableIter iter;
  Transfer *t;

  if (g_strcmp0 (by, lt_daemon_get_username (self->daemon)) != 0)
    return;
  g_hash_table_iter_init (&iter, self->transfers);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &t))
    if (!t->upload && t->file_id == file_id)
      finish (t, STATE_CANCELLED, _("The file was rejected"));
}

static Transfer *
find_download (LtDaemonTransfers *self,
               guint64            file_id)
{
  GHashTableIter iter;
  Transfer *t;

  g_hash_table_iter_init (&iter, self->transfers);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &t))
    if (!t->upload && t->file_id == file_id && !is_finished (t))
      return t;
  return NULL;
}

/* SendFile ---------------------------------------------------------------- */

static void
on_new_saved (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  LtDaemonTransfers *self = g_task_get_source_object (task);
  Transfer *t = g_task_get_task_data (task);
  GError *error = NULL;

  t->id = lt_daemon_cache_transfer_save_finish (LT_DAEMON_CACHE (source), result, &error);
  if (t->id == 0)
    {
      g_task_return_error (task, error);
      return;
    }
  if (LT_DAEMON_CACHE (source) != self->cache)
    {
      /* Logged out meanwhile: it waits in the cache for the next login. */
      g_task_return_pointer (task, g_memdup2 (&t->id, sizeof t->id), g_free);
      return;
    }

  add_transfer (self, transfer_ref (t));
  g_task_return_pointer (task, g_memdup2 (&t->id, sizeof t->id), g_free);
  if (!t->upload)
    emit_started (t);
  advance (t);
}

/* Adds @t (taken) as a new row; the task completes with its id. */
static void
save_new (LtDaemonTransfers *self,
          Transfer          *t,
          GTask             *task)
{
  g_task_set_task_data (task, t, (GDestroyNotify) transfer_unref);
  lt_daemon_cache_transfer_save_async (self->cache, transfer_to_row (t), NULL, on_new_saved,
                                       g_object_ref (task));
}

static void
on_source_info (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  LtDaemonTransfers *self = g_task_get_source_object (task);
  g_autoptr(GFileInfo) info = NULL;
  g_autoptr(GError) error = NULL;
  Transfer *t = g_task_get_task_data (task);
  GFileType type;

  info = g_file_query_info_finish (G_FILE (source), result, &error);
  type = info != NULL ? g_file_info_get_file_type (info) : G_FILE_TYPE_UNKNOWN;
  if (info == NULL || (type != G_FILE_TYPE_REGULAR && type != G_FILE_TYPE_DIRECTORY)
      || !g_file_info_get_attribute_boolean (info, G_FILE_ATTRIBUTE_ACCESS_CAN_READ))
    {
      g_task_return_new_error (task, LT_DAEMON_ERROR, LT_DAEMON_ERROR_INVALID_ARGUMENT,
                               "%s is not a file or folder that can be read%s%s", t->path,
                               error != NULL ? ": " : "", error != NULL ? error->message : "");
      return;
    }
  if (self->cache == NULL)
    {
      g_task_return_new_error (task, LT_DAEMON_ERROR, LT_DAEMON_ERROR_NOT_LOGGED_IN,
                               "Log in first");
      return;
    }

  g_free (t->name);
  t->name = g_file_get_basename (G_FILE (source));
  save_new (self, transfer_ref (t), task);
}

/**
 * lt_daemon_transfers_send_file_async:
 * @to: a username or a "#room"
 * @path: an absolute path to a regular file or a folder
 *
 * Queues an upload, also while offline; completes with its id once it
 * is saved.  Fails with InvalidArgument for a path that cannot be sent.
 */
void
lt_daemon_transfers_send_file_async (LtDaemonTransfers  *self,
                                     const char         *to,
                                     const char         *path,
                                     GCancellable       *cancellable,
                                     GAsyncReadyCallback callback,
                                     gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GFile) file = NULL;
  Transfer *t;

  g_return_if_fail (LT_IS_DAEMON_TRANSFERS (self));
  g_return_if_fail (to != NULL && path != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, lt_daemon_transfers_send_file_async);
  if (self->cache == NULL)
    {
      g_task_return_new_error (task, LT_DAEMON_ERROR, LT_DAEMON_ERROR_NOT_LOGGED_IN,
                               "Log in first");
      return;
    }
  if (!lt_protocol_is_valid_username (to) && !lt_protocol_is_valid_room (to))
    {
      g_task_return_new_error (task, LT_DAEMON_ERROR, LT_DAEMON_ERROR_INVALID_ARGUMENT,
                               "“%s” is neither a username nor a room", to);
      return;
    }
  if (!g_path_is_absolute (path))
    {
      g_task_return_new_error (task, LT_DAEMON_ERROR, LT_DAEMON_ERROR_INVALID_ARGUMENT,
                               "“%s” is not an absolute path", path);
      return;
    }

  t = transfer_new (self);
  t->upload = TRUE;
  g_free (t->conversation);
  t->conversation = g_strdup (to);
  g_free (t->path);
  t->path = g_canonicalize_filename (path, NULL);
  g_free (t->state);
  t->state = g_strdup (STATE_HASHING);
  g_task_set_task_data (task, t, (GDestroyNotify) transfer_unref);
  file = g_file_new_for_path (t->path);
  g_file_query_info_async (file, G_FILE_ATTRIBUTE_STANDARD_TYPE ","
                           G_FILE_ATTRIBUTE_ACCESS_CAN_READ, G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS,
                           G_PRIORITY_DEFAULT, cancellable, on_source_info,
                           g_steal_pointer (&task));
}

/* Returns: the transfer's id, or 0 with @error set */
guint64
lt_daemon_transfers_send_file_finish (LtDaemonTransfers *self,
                                      GAsyncResult      *result,
                                      GError           **error)
{
  g_autofree guint64 *id = NULL;

  g_return_val_if_fail (g_task_is_valid (result, self), 0);

  id = g_task_propagate_pointer (G_TASK (result), error);
  return id != NULL ? *id : 0;
}

/* AcceptFile --------------------------------------------------------------- */

static void
on_part_reserved (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  LtDaemonTransfers *self = g_task_get_source_object (task);
  Transfer *t = g_task_get_task_data (task);
  GError *error = NULL;
  char *part = g_task_propagate_pointer (G_TASK (result), &error);

  if (part == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  g_free (t->part);
  t->part = part;
  if (self->cache == NULL)
    {
      g_task_return_new_error (task, LT_DAEMON_ERROR, LT_DAEMON_ERROR_NOT_LOGGED_IN,
                               "Log in first");
      return;
    }
  save_new (self, transfer_ref (t), task);
}

/* What file_accept tells of the file: its name (made safe again here:
 * a receiver checks too), size, folder or SHA-256, and a token. */
static void
take_accept_reply (Transfer   *t,
                   JsonObject *reply)
{
  g_autoptr(JsonObject) manifest = json_object_new ();
  const char *name = "", *sha256 = "", *url = NULL, *token = NULL;
  gint64 size = 0;

  lt_json_get_string (reply, "name", FALSE, &name, NULL);
  lt_json_get_string (reply, "sha256", FALSE, &sha256, NULL);
  lt_json_get_string (reply, "download_url", FALSE, &url, NULL);
  lt_json_get_string (reply, "token", FALSE, &token, NULL);
  lt_json_get_int (reply, "size", FALSE, &size, NULL);
  g_free (t->name);
  t->name = lt_file_name_sanitize (name != NULL ? name : "");
  t->total = MAX (size, 0);
  json_object_set_string_member (manifest, "name", t->name);
  json_object_set_boolean_member (manifest, "folder",
                                  json_object_get_boolean_member_with_default (reply, "folder",
                                                                               FALSE));
  json_object_set_array_member (manifest, "entries", json_array_new ());
  t->manifest = g_steal_pointer (&manifest);
  if (!is_folder (t))
    {
      JsonObject *entry = json_object_new ();

      json_object_set_int_member (entry, "size", t->total);
      json_object_set_string_member (entry, "sha256", sha256 != NULL ? sha256 : "");
      json_array_add_object_element (entries_of (t), entry);
    }
  t->url = url != NULL ? resolve_url (t->owner, url) : NULL;
  t->token = g_strdup (token);
}

static void
on_accepted (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Transfer *t = g_task_get_task_data (task);
  g_autoptr(JsonObject) reply = NULL;
  g_autoptr(GTask) reserve = NULL;
  GError *error = NULL;
  Placing *placing;

  reply = lt_daemon_call_finish (LT_DAEMON (source), result, &error);
  if (reply == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  take_accept_reply (t, reply);
  /* The server recorded the answer; ListFiles offline shows it too. */
  if (t->owner->cache != NULL && t->offered_to_me)
    lt_daemon_cache_file_set_state_async (t->owner->cache, t->file_id, "accepted", NULL, NULL,
                                          NULL);
  reserve = g_task_new (NULL, NULL, on_part_reserved, g_object_ref (task));
  placing = g_new0 (Placing, 1);
  placing->dir = g_strdup (t->path);
  placing->name = g_strdup (t->name);
  placing->folder = is_folder (t);
  placing->make_dir = t->make_destination;
  g_task_set_task_data (reserve, placing, (GDestroyNotify) placing_free);
  g_task_run_in_thread (reserve, reserve_part_thread);
}

static void
on_destination_info (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  LtDaemonTransfers *self = g_task_get_source_object (task);
  Transfer *t = g_task_get_task_data (task);
  g_autoptr(GFileInfo) info = NULL;
  g_autoptr(JsonObject) params = json_object_new ();
  g_autoptr(GError) error = NULL;

  info = g_file_query_info_finish (G_FILE (source), result, &error);
  if (t->make_destination && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    ; /* the default Downloads, made with the part */
  else if (info == NULL || g_file_info_get_file_type (info) != G_FILE_TYPE_DIRECTORY)
    {
      g_task_return_new_error (task, LT_DAEMON_ERROR, LT_DAEMON_ERROR_INVALID_ARGUMENT,
                               "%s is not a folder%s%s", t->path, error != NULL ? ": " : "",
                               error != NULL ? error->message : "");
      return;
    }

  json_object_set_int_member (params, "file_id", t->file_id);
  lt_daemon_call_async (self->daemon, "file_accept", params, NULL, on_accepted,
                        g_steal_pointer (&task));
}

static void
on_file_conversation (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Transfer *t = g_task_get_task_data (task);
  g_autoptr(GFile) destination = g_file_new_for_path (t->path);
  g_autoptr(GError) error = NULL;
  g_autofree char *sender = NULL;
  char *conversation = NULL;

  if (lt_daemon_cache_file_conversation_finish (LT_DAEMON_CACHE (source), result, &conversation,
                                                &sender, &error))
    {
      g_free (t->conversation);
      t->conversation = conversation;
      t->offered_to_me = *sender != '\0' && *conversation != '#'
                         && g_strcmp0 (sender, lt_daemon_get_username (t->owner->daemon)) != 0;
    }
  g_file_query_info_async (destination, G_FILE_ATTRIBUTE_STANDARD_TYPE, G_FILE_QUERY_INFO_NONE,
                           G_PRIORITY_DEFAULT, g_task_get_cancellable (task),
                           on_destination_info, g_object_ref (task));
}

/**
 * lt_daemon_transfers_default_destination:
 *
 * Returns: (transfer full): the user's Downloads folder, or
 *   ~/Downloads when XDG has none
 */
char *
lt_daemon_transfers_default_destination (void)
{
  const char *downloads = g_get_user_special_dir (G_USER_DIRECTORY_DOWNLOAD);

  if (downloads != NULL && g_strcmp0 (downloads, g_get_home_dir ()) != 0)
    return g_strdup (downloads);
  return g_build_filename (g_get_home_dir (), "Downloads", NULL);
}

/**
 * lt_daemon_transfers_accept_file_async:
 * @destination_dir: an absolute path to a folder, or "" for Downloads
 *
 * Accepts the file on the server and queues its download; completes
 * with the transfer's id (that of a running download of the same file,
 * if there is one).
 */
void
lt_daemon_transfers_accept_file_async (LtDaemonTransfers  *self,
                                       guint64             file_id,
                                       const char         *destination_dir,
                                       GCancellable       *cancellable,
                                       GAsyncReadyCallback callback,
                                       gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;
  Transfer *running;
  Transfer *t;

  g_return_if_fail (LT_IS_DAEMON_TRANSFERS (self));
  g_return_if_fail (destination_dir != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, lt_daemon_transfers_accept_file_async);
  if (self->cache == NULL)
    {
      g_task_return_new_error (task, LT_DAEMON_ERROR, LT_DAEMON_ERROR_NOT_LOGGED_IN,
                               "Log in first");
      return;
    }
  if (*destination_dir != '\0' && !g_path_is_absolute (destination_dir))
    {
      g_task_return_new_error (task, LT_DAEMON_ERROR, LT_DAEMON_ERROR_INVALID_ARGUMENT,
                               "“%s” is not an absolute path", destination_dir);
      return;
    }
  running = find_download (self, file_id);
  if (running != NULL)
    {
      g_task_return_pointer (task, g_memdup2 (&running->id, sizeof running->id), g_free);
      return;
    }

  t = transfer_new (self);
  t->file_id = file_id;
  g_free (t->path);
  if (*destination_dir != '\0')
    t->path = g_canonicalize_filename (destination_dir, NULL);
  else
    {
      /* The fallback may not exist yet: made in reserve_part_thread(). */
      t->path = lt_daemon_transfers_default_destination ();
      t->make_destination = TRUE;
    }
  g_free (t->state);
  t->state = g_strdup (STATE_DOWNLOADING);
  g_task_set_task_data (task, t, (GDestroyNotify) transfer_unref);
  /* The conversation comes from the file_offered this daemon stored. */
  lt_daemon_cache_file_conversation_async (self->cache, file_id, NULL, on_file_conversation,
                                           g_steal_pointer (&task));
}

/* Returns: the transfer's id, or 0 with @error set */
guint64
lt_daemon_transfers_accept_file_finish (LtDaemonTransfers *self,
                                        GAsyncResult      *result,
                                        GError           **error)
{
  g_autofree guint64 *id = NULL;

  g_return_val_if_fail (g_task_is_valid (result, self), 0);

  id = g_task_propagate_pointer (G_TASK (result), error);
  return id != NULL ? *id : 0;
}

/* RejectFile --------------------------------------------------------------- */

static void
on_rejected (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  LtDaemonTransfers *self = g_task_get_source_object (task);
  guint64 *file_id = g_task_get_task_data (task);
  g_autoptr(JsonObject) reply = NULL;
  GError *error = NULL;
  Transfer *t;

  reply = lt_daemon_call_finish (LT_DAEMON (source), result, &error);
  if (reply == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  t = find_download (self, *file_id);
  if (t != NULL)
    finish (t, STATE_CANCELLED, _("The file was rejected"));
  if (self->cache != NULL)
    lt_daemon_cache_file_set_state_async (self->cache, *file_id, "rejected", NULL, NULL, NULL);
  g_task_return_boolean (task, TRUE);
}

/* Declines a private file (file_reject); a download of it stops. */
void
lt_daemon_transfers_reject_file_async (LtDaemonTransfers  *self,
                                       guint64             file_id,
                                       GCancellable       *cancellable,
                                       GAsyncReadyCallback callback,
                                       gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(JsonObject) params = json_object_new ();

  g_return_if_fail (LT_IS_DAEMON_TRANSFERS (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, lt_daemon_transfers_reject_file_async);
  g_task_set_task_data (task, g_memdup2 (&file_id, sizeof file_id), g_free);
  json_object_set_int_member (params, "file_id", file_id);
  lt_daemon_call_async (self->daemon, "file_reject", params, cancellable, on_rejected,
                        g_steal_pointer (&task));
}

gboolean
lt_daemon_transfers_reject_file_finish (LtDaemonTransfers *self,
                                        GAsyncResult      *result,
                                        GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* CancelTransfer, ListTransfers -------------------------------------------- */

/**
 * lt_daemon_transfers_cancel:
 *
 * Stops a transfer that has not finished and deletes what it left (the
 * part file; the server's partial upload).  TransferFinished follows.
 */
gboolean
lt_daemon_transfers_cancel (LtDaemonTransfers *self,
                            guint64            transfer_id,
                            GError           **error)
{
  Transfer *t;

  g_return_val_if_fail (LT_IS_DAEMON_TRANSFERS (self), FALSE);

  t = g_hash_table_lookup (self->transfers, &transfer_id);
  if (t == NULL || is_finished (t))
    {
      g_set_error (error, LT_DAEMON_ERROR, LT_DAEMON_ERROR_INVALID_ARGUMENT,
                   "No transfer %" G_GUINT64_FORMAT " is under way", transfer_id);
      return FALSE;
    }
  finish (t, STATE_CANCELLED, _("Cancelled"));
  return TRUE;
}

static gint
compare_ids (gconstpointer a,
             gconstpointer b)
{
  const Transfer *ta = *(Transfer * const *) a;
  const Transfer *tb = *(Transfer * const *) b;

  return ta->id < tb->id ? -1 : ta->id > tb->id;
}

/**
 * lt_daemon_transfers_list:
 *
 * Returns: (transfer full): "a(ttsbstt)", (transfer_id, file_id,
 *   conversation, upload, name, done, total) of every transfer not
 *   finished, oldest first
 */
GVariant *
lt_daemon_transfers_list (LtDaemonTransfers *self,
                          GError           **error)
{
  g_autoptr(GPtrArray) running = g_ptr_array_new ();
  GVariantBuilder builder;
  GHashTableIter iter;
  Transfer *t;

  g_return_val_if_fail (LT_IS_DAEMON_TRANSFERS (self), NULL);

  if (self->cache == NULL)
    {
      g_set_error_literal (error, LT_DAEMON_ERROR, LT_DAEMON_ERROR_NOT_LOGGED_IN, "Log in first");
      return NULL;
    }
  g_hash_table_iter_init (&iter, self->transfers);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &t))
    if (!is_finished (t))
      g_ptr_array_add (running, t);
  g_ptr_array_sort (running, compare_ids);

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(ttsbstt)"));
  for (guint i = 0; i < running->len; i++)
    {
      t = g_ptr_array_index (running, i);
      g_variant_builder_add (&builder, "(ttsbstt)", t->id, t->file_id, t->conversation,
                             t->upload, t->name, t->done, t->total);
    }
  return g_variant_builder_end (&builder);
}

/* ListFiles ------------------------------------------------------------------ */

/* Where this daemon put or took @file_id: the newest finished
 * download's file, else the upload's source; "" when none. */
static const char *
local_path_of (LtDaemonTransfers *self,
               guint64            file_id)
{
  const char *path = "";
  guint64 newest = 0;
  GHashTableIter iter;
  Transfer *t;

  g_hash_table_iter_init (&iter, self->transfers);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &t))
    {
      if (t->file_id != file_id || !g_str_equal (t->state, STATE_DONE) || t->id < newest)
        continue;
      newest = t->id;
      path = t->upload ? t->path : t->result;
    }
  return path;
}

static void
add_server_file (LtDaemonTransfers *self,
                 GVariantBuilder   *builder,
                 JsonObject        *file)
{
  gint64 file_id = json_object_get_int_member_with_default (file, "file_id", 0);

  g_variant_builder_add (builder, "(ttxsstbss)", (guint64) file_id,
                         (guint64) json_object_get_int_member_with_default (file, "id", 0),
                         json_object_get_int_member_with_default (file, "ts", 0),
                         json_object_get_string_member_with_default (file, "from", ""),
                         json_object_get_string_member_with_default (file, "name", ""),
                         (guint64) MAX (json_object_get_int_member_with_default (file, "size",
                                                                                 0), 0),
                         json_object_get_boolean_member_with_default (file, "folder", FALSE),
                         json_object_get_string_member_with_default (file, "state", ""),
                         local_path_of (self, file_id));
}

static void
on_cached_files (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  LtDaemonTransfers *self = g_task_get_source_object (task);
  g_autoptr(GVariant) files = NULL;
  GError *error = NULL;
  GVariantBuilder builder;
  GVariantIter iter;
  const char *sender, *name, *state;
  guint64 file_id, id, size;
  gboolean folder;
  gint64 ts;

  files = lt_daemon_cache_files_list_finish (LT_DAEMON_CACHE (source), result, &error);
  if (files == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(ttxsstbss)"));
  g_variant_iter_init (&iter, files);
  while (g_variant_iter_next (&iter, "(ttx&s&stb&s)", &file_id, &id, &ts, &sender, &name, &size,
                              &folder, &state))
    g_variant_builder_add (&builder, "(ttxsstbss)", file_id, id, ts, sender, name, size, folder,
                           state, local_path_of (self, file_id));
  g_task_return_pointer (task, g_variant_ref_sink (g_variant_builder_end (&builder)),
                         (GDestroyNotify) g_variant_unref);
}

static void
on_server_files (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  LtDaemonTransfers *self = g_task_get_source_object (task);
  g_autoptr(JsonObject) reply = NULL;
  g_autoptr(GError) error = NULL;
  JsonArray *files = NULL;
  GVariantBuilder builder;

  reply = lt_daemon_call_finish (LT_DAEMON (source), result, &error);
  if (reply == NULL && is_passing (error) && self->cache != NULL)
    {
      const char *with = g_task_get_task_data (task);

      /* Offline: what the cache knows.  (Not in the argument list of
       * the steal: C leaves their order open.) */
      lt_daemon_cache_files_list_async (self->cache, with, NULL, on_cached_files,
                                        g_steal_pointer (&task));
      return;
    }
  if (reply == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(ttxsstbss)"));
  lt_json_get_array (reply, "files", FALSE, &files, NULL);
  for (guint i = 0; files != NULL && i < json_array_get_length (files); i++)
    {
      JsonNode *node = json_array_get_element (files, i);

      if (JSON_NODE_HOLDS_OBJECT (node))
        add_server_file (self, &builder, json_node_get_object (node));
    }
  g_task_return_pointer (task, g_variant_ref_sink (g_variant_builder_end (&builder)),
                         (GDestroyNotify) g_variant_unref);
}

/**
 * lt_daemon_transfers_list_files_async:
 * @with: a username or a "#room"
 *
 * The conversation's newest 200 files from the server (file_list),
 * with where this daemon put each; while offline, those whose
 * announcement the cache holds.
 */
void
lt_daemon_transfers_list_files_async (LtDaemonTransfers  *self,
                                      const char         *with,
                                      GCancellable       *cancellable,
                                      GAsyncReadyCallback callback,
                                      gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(JsonObject) params = json_object_new ();

  g_return_if_fail (LT_IS_DAEMON_TRANSFERS (self));
  g_return_if_fail (with != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, lt_daemon_transfers_list_files_async);
  g_task_set_task_data (task, g_strdup (with), g_free);
  json_object_set_string_member (params, "with", with);
  json_object_set_int_member (params, "limit", 200);
  lt_daemon_call_async (self->daemon, "file_list", params, cancellable, on_server_files,
                        g_steal_pointer (&task));
}

/* Returns: (transfer full): "a(ttxsstbss)", or %NULL with @error set */
GVariant *
lt_daemon_transfers_list_files_finish (LtDaemonTransfers *self,
                                       GAsyncResult      *result,
                                       GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* GObject ---------------------------------------------------------------------- */

LtDaemonTransfers *
lt_daemon_transfers_new (LtDaemon *daemon)
{
  LtDaemonTransfers *self;

  g_return_val_if_fail (LT_IS_DAEMON (daemon), NULL);

  self = g_object_new (LT_TYPE_DAEMON_TRANSFERS, NULL);
  self->daemon = g_object_ref (daemon);
  g_signal_connect_object (daemon, "notify::state", G_CALLBACK (on_state_changed), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (daemon, "file-rejected", G_CALLBACK (on_file_rejected), self,
                           G_CONNECT_SWAPPED);
  on_state_changed (self);
  return self;
}

static void
lt_daemon_transfers_dispose (GObject *object)
{
  LtDaemonTransfers *self = LT_DAEMON_TRANSFERS (object);

  if (self->transfers != NULL)
    drop_all (self);
  if (self->session != NULL)
    soup_session_abort (self->session);
  g_clear_object (&self->session);
  g_clear_object (&self->daemon);

  G_OBJECT_CLASS (lt_daemon_transfers_parent_class)->dispose (object);
}

static void
lt_daemon_transfers_finalize (GObject *object)
{
  LtDaemonTransfers *self = LT_DAEMON_TRANSFERS (object);

  g_clear_pointer (&self->transfers, g_hash_table_unref);

  G_OBJECT_CLASS (lt_daemon_transfers_parent_class)->finalize (object);
}

static void
lt_daemon_transfers_class_init (LtDaemonTransfersClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = lt_daemon_transfers_dispose;
  object_class->finalize = lt_daemon_transfers_finalize;

  /**
   * LtDaemonTransfers::transfer-started:
   *
   * An upload's offer was taken by the server, or a download began:
   * (transfer_id, file_id, conversation, upload, name, total).
   */
  signals[SIGNAL_TRANSFER_STARTED] =
    g_signal_new ("transfer-started", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                  NULL, NULL, G_TYPE_NONE, 6, G_TYPE_UINT64, G_TYPE_UINT64, G_TYPE_STRING,
                  G_TYPE_BOOLEAN, G_TYPE_STRING, G_TYPE_UINT64);
  /**
   * LtDaemonTransfers::transfer-progress:
   *
   * (transfer_id, done, total), at most about ten times a second per
   * transfer, and once at the end.
   */
  signals[SIGNAL_TRANSFER_PROGRESS] =
    g_signal_new ("transfer-progress", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                  NULL, NULL, G_TYPE_NONE, 3, G_TYPE_UINT64, G_TYPE_UINT64, G_TYPE_UINT64);
  /**
   * LtDaemonTransfers::transfer-finished:
   *
   * (transfer_id, ok, error): done, cancelled, or failed for good.
   */
  signals[SIGNAL_TRANSFER_FINISHED] =
    g_signal_new ("transfer-finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                  NULL, NULL, G_TYPE_NONE, 3, G_TYPE_UINT64, G_TYPE_BOOLEAN, G_TYPE_STRING);
}

static void
lt_daemon_transfers_init (LtDaemonTransfers *self)
{
  self->transfers = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL,
                                           (GDestroyNotify) transfer_unref);
  /* A server that stops answering mid-body is given up on (and the
   * transfer resumed) rather than waited for. */
  self->session = soup_session_new_with_options ("timeout", 30, "idle-timeout", 60,
                                                 "user-agent", "liaotiand/" PACKAGE_VERSION,
                                                 NULL);
}
