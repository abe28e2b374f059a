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
 * in again or after RETRY_SECONDS.
 *
 * This file holds a transfer's row, its signals and the ends of its
 * steps, the queue, the public API and the GObject; the steps are in
 * lt-daemon-upload.c and lt-daemon-download.c, the disk work of a
 * download in lt-daemon-file-sink.c (lt-daemon-transfers-private.h). */
#include "config.h"

#include "lt-daemon-transfers-private.h"
#include "lt-daemon-error.h"
#include "lt-file-names.h"
#include "lt-json.h"
#include "lt-protocol.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>

#define PROGRESS_INTERVAL_US (G_USEC_PER_SEC / 10)
#define RETRY_SECONDS 2
#define MAX_TOKEN_RENEWALS 3

G_DEFINE_FINAL_TYPE (LtDaemonTransfers, lt_daemon_transfers, G_TYPE_OBJECT)

enum {
  SIGNAL_TRANSFER_STARTED,
  SIGNAL_TRANSFER_PROGRESS,
  SIGNAL_TRANSFER_FINISHED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

Transfer *
lt_daemon_transfer_ref (Transfer *t)
{
  t->ref_count++;
  return t;
}

void
lt_daemon_transfer_close_sink (Transfer *t)
{
  if (t->fd >= 0)
    g_close (t->fd, NULL);
  t->fd = -1;
  g_clear_pointer (&t->checksum, g_checksum_free);
  g_clear_object (&t->body);
}

void
lt_daemon_transfer_unref (Transfer *t)
{
  if (--t->ref_count > 0)
    return;

  lt_daemon_transfer_close_sink (t);
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

gboolean
lt_daemon_transfer_is_finished (Transfer *t)
{
  return g_str_equal (t->state, STATE_DONE) || g_str_equal (t->state, STATE_FAILED)
         || g_str_equal (t->state, STATE_CANCELLED);
}

JsonArray *
lt_daemon_transfer_entries (Transfer *t)
{
  JsonArray *entries = NULL;

  if (t->manifest != NULL)
    lt_json_get_array (t->manifest, "entries", FALSE, &entries, NULL);
  return entries;
}

JsonObject *
lt_daemon_transfer_entry_at (Transfer *t,
                             guint     index)
{
  JsonArray *entries = lt_daemon_transfer_entries (t);

  if (entries == NULL || index >= json_array_get_length (entries))
    return NULL;
  return json_array_get_object_element (entries, index);
}

gboolean
lt_daemon_transfer_is_folder (Transfer *t)
{
  return t->manifest != NULL
         && json_object_get_boolean_member_with_default (t->manifest, "folder", FALSE);
}

guint64
lt_daemon_transfer_entry_size (JsonObject *entry)
{
  return MAX (json_object_get_int_member_with_default (entry, "size", 0), 0);
}

gboolean
lt_daemon_transfer_entry_is_dir (JsonObject *entry)
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
void
lt_daemon_transfer_save (Transfer *t)
{
  if (t->owner != NULL && t->owner->cache != NULL && t->id != 0)
    lt_daemon_cache_transfer_save_async (t->owner->cache, transfer_to_row (t), NULL, on_saved,
                                         NULL);
}

void
lt_daemon_transfer_set_state (Transfer   *t,
                              const char *state)
{
  g_free (t->state);
  t->state = g_strdup (state);
  lt_daemon_transfer_save (t);
}

/* Signals ------------------------------------------------------------- */

void
lt_daemon_transfer_emit_progress (Transfer *t,
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

void
lt_daemon_transfer_emit_started (Transfer *t)
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
  lt_daemon_transfer_close_sink (t);
}

/* The transfer is over: TransferFinished, once. */
void
lt_daemon_transfer_finish (Transfer   *t,
                           const char *state,
                           const char *error)
{
  if (lt_daemon_transfer_is_finished (t))
    return;

  stop_running (t);
  if (!g_str_equal (state, STATE_DONE) && !t->upload)
    lt_daemon_download_delete_part (t);
  if (!g_str_equal (state, STATE_DONE) && t->upload)
    lt_daemon_upload_withdraw_offer (t);
  if (g_str_equal (state, STATE_DONE))
    lt_daemon_transfer_emit_progress (t, t->total, TRUE);
  lt_daemon_transfer_set_state (t, state);
  g_message ("Transfer %" G_GUINT64_FORMAT " of “%s”: %s%s%s", t->id, t->name, state,
             error != NULL ? ": " : "", error != NULL ? error : "");
  if (t->owner != NULL)
    g_signal_emit (t->owner, signals[SIGNAL_TRANSFER_FINISHED], 0, t->id,
                   g_str_equal (state, STATE_DONE), error != NULL ? error : "");
}

void
lt_daemon_transfer_fail (Transfer   *t,
                         const char *error)
{
  lt_daemon_transfer_finish (t, STATE_FAILED, error);
}

static gboolean
on_retry (gpointer user_data)
{
  Transfer *t = user_data;

  t->retry_id = 0;
  lt_daemon_transfer_advance (t);
  return G_SOURCE_REMOVE;
}

/* A passing failure (the connection, the server restarting): the step
 * ends, and the transfer goes on later where it stopped. */
void
lt_daemon_transfer_pause (Transfer     *t,
                          const GError *error)
{
  g_debug ("Transfer %" G_GUINT64_FORMAT " paused: %s", t->id, error->message);
  g_clear_object (&t->cancellable);
  lt_daemon_transfer_close_sink (t);
  g_clear_handle_id (&t->retry_id, g_source_remove);
  t->retry_id = g_timeout_add_seconds_full (G_PRIORITY_DEFAULT, RETRY_SECONDS, on_retry,
                                            lt_daemon_transfer_ref (t),
                                            (GDestroyNotify) lt_daemon_transfer_unref);
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
gboolean
lt_daemon_transfer_is_stopped (Transfer     *t,
                               const GError *error)
{
  return t->owner == NULL || lt_daemon_transfer_is_finished (t)
         || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

/* Ends a step with @error: paused if it may pass, else failed. */
void
lt_daemon_transfer_step_failed (Transfer     *t,
                                const GError *error)
{
  if (is_passing (error))
    lt_daemon_transfer_pause (t, error);
  else
    lt_daemon_transfer_fail (t, error->message);
}

GCancellable *
lt_daemon_transfer_begin_step (Transfer *t)
{
  if (t->cancellable == NULL)
    t->cancellable = g_cancellable_new ();
  return t->cancellable;
}

/* Helpers ------------------------------------------------------------- */

char *
lt_daemon_transfers_resolve_url (LtDaemonTransfers *self,
                                 const char        *path)
{
  g_autofree char *base = lt_daemon_dup_http_base (self->daemon);

  if (base == NULL)
    return NULL;
  return g_uri_resolve_relative (base, path, G_URI_FLAGS_NONE, NULL);
}

/* The URL of entry @index: a single file's is the offer's own. */
char *
lt_daemon_transfer_entry_url (Transfer *t,
                              guint     index)
{
  if (!lt_daemon_transfer_is_folder (t))
    return g_strdup (t->url);
  return g_strdup_printf ("%s/%u", t->url, index);
}

SoupMessage *
lt_daemon_transfer_new_message (Transfer   *t,
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
void
lt_daemon_transfer_http_failed (Transfer    *t,
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
      lt_daemon_transfer_close_sink (t);
      lt_daemon_transfer_advance (t);
      return;
    }

  if (body != NULL && g_bytes_get_size (body) > 0 && g_bytes_get_size (body) < 1024)
    text = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  error = g_error_new (LT_DAEMON_ERROR, LT_DAEMON_ERROR_FAILED, "%s %u %s%s%s",
                       soup_message_get_method (message), status,
                       soup_message_get_reason_phrase (message), text ? ": " : "",
                       text ? g_strchomp (text) : "");
  if (status >= 500 || status == SOUP_STATUS_CONFLICT)
    lt_daemon_transfer_pause (t, error);
  else
    lt_daemon_transfer_fail (t, error->message);
}

/* The result of file_resume or file_accept: a fresh token, and the URL
 * on this server's HTTP port.  FALSE when the step ended instead. */
gboolean
lt_daemon_transfer_take_grant (Transfer     *t,
                               GObject      *source,
                               GAsyncResult *result,
                               const char   *url_member)
{
  g_autoptr(JsonObject) reply = NULL;
  g_autoptr(GError) error = NULL;
  const char *url = NULL, *token = NULL;

  reply = lt_daemon_call_finish (LT_DAEMON (source), result, &error);
  if (lt_daemon_transfer_is_stopped (t, error))
    return FALSE;
  if (reply == NULL)
    {
      lt_daemon_transfer_step_failed (t, error);
      return FALSE;
    }

  lt_json_get_string (reply, url_member, FALSE, &url, NULL);
  lt_json_get_string (reply, "token", FALSE, &token, NULL);
  g_free (t->url);
  t->url = url != NULL ? lt_daemon_transfers_resolve_url (t->owner, url) : NULL;
  g_free (t->token);
  t->token = g_strdup (token);
  if (t->url == NULL || t->token == NULL)
    {
      lt_daemon_transfer_fail (t, _("The server gave no URL"));
      return FALSE;
    }
  return TRUE;
}

/* The queue ------------------------------------------------------------ */

/* Runs the transfer's next step, unless one is under way or it has to
 * wait for a login. */
void
lt_daemon_transfer_advance (Transfer *t)
{
  if (t->owner == NULL || lt_daemon_transfer_is_finished (t) || t->cancellable != NULL)
    return;
  g_clear_handle_id (&t->retry_id, g_source_remove);
  g_debug ("Transfer %" G_GUINT64_FORMAT ": %s", t->id, t->state);

  if (g_str_equal (t->state, STATE_HASHING))
    {
      lt_daemon_upload_start_hashing (t);
      return;
    }
  if (lt_daemon_get_state (t->owner->daemon) != LT_DAEMON_STATE_LOGGED_IN)
    return;

  /* Resuming: HEAD or the part's size says where each entry stands. */
  t->entry = 0;
  t->entry_base = 0;
  t->offset = 0;
  if (g_str_equal (t->state, STATE_OFFERING))
    lt_daemon_upload_start_offer (t);
  else if (g_str_equal (t->state, STATE_UPLOADING))
    lt_daemon_upload_start (t);
  else if (g_str_equal (t->state, STATE_DOWNLOADING))
    lt_daemon_download_start (t);
}

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
    lt_daemon_transfer_advance (t);
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
        lt_daemon_transfer_unref (t);
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
      lt_daemon_transfer_finish (t, STATE_CANCELLED, _("The file was rejected"));
}

static Transfer *
find_download (LtDaemonTransfers *self,
               guint64            file_id)
{
  GHashTableIter iter;
  Transfer *t;

  g_hash_table_iter_init (&iter, self->transfers);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &t))
    if (!t->upload && t->file_id == file_id && !lt_daemon_transfer_is_finished (t))
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

  add_transfer (self, lt_daemon_transfer_ref (t));
  g_task_return_pointer (task, g_memdup2 (&t->id, sizeof t->id), g_free);
  if (!t->upload)
    lt_daemon_transfer_emit_started (t);
  lt_daemon_transfer_advance (t);
}

/* Adds @t (taken) as a new row; the task completes with its id. */
static void
save_new (LtDaemonTransfers *self,
          Transfer          *t,
          GTask             *task)
{
  g_task_set_task_data (task, t, (GDestroyNotify) lt_daemon_transfer_unref);
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
      g_task_return_error (task, lt_daemon_error_new_not_logged_in ());
      return;
    }

  g_free (t->name);
  t->name = g_file_get_basename (G_FILE (source));
  save_new (self, lt_daemon_transfer_ref (t), task);
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
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) file = NULL;
  Transfer *t;

  g_return_if_fail (LT_IS_DAEMON_TRANSFERS (self));
  g_return_if_fail (to != NULL && path != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, lt_daemon_transfers_send_file_async);
  if (self->cache == NULL)
    {
      g_task_return_error (task, lt_daemon_error_new_not_logged_in ());
      return;
    }
  if (!lt_daemon_error_check_conversation (to, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
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
  g_task_set_task_data (task, t, (GDestroyNotify) lt_daemon_transfer_unref);
  file = g_file_new_for_path (t->path);
  g_file_query_info_async (file, G_FILE_ATTRIBUTE_STANDARD_TYPE ","
                           G_FILE_ATTRIBUTE_ACCESS_CAN_READ, G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS,
                           G_PRIORITY_DEFAULT, cancellable, on_source_info,
                           g_steal_pointer (&task));
}

/* The result of SendFile's and AcceptFile's tasks: a boxed id. */
static guint64
propagate_transfer_id (GAsyncResult  *result,
                       GError       **error)
{
  g_autofree guint64 *id = g_task_propagate_pointer (G_TASK (result), error);

  return id != NULL ? *id : 0;
}

/* Returns: the transfer's id, or 0 with @error set */
guint64
lt_daemon_transfers_send_file_finish (LtDaemonTransfers *self,
                                      GAsyncResult      *result,
                                      GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), 0);

  return propagate_transfer_id (result, error);
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
      g_task_return_error (task, lt_daemon_error_new_not_logged_in ());
      return;
    }
  save_new (self, lt_daemon_transfer_ref (t), task);
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
  if (!lt_daemon_transfer_is_folder (t))
    {
      JsonObject *entry = json_object_new ();

      json_object_set_int_member (entry, "size", t->total);
      json_object_set_string_member (entry, "sha256", sha256 != NULL ? sha256 : "");
      json_array_add_object_element (lt_daemon_transfer_entries (t), entry);
    }
  t->url = url != NULL ? lt_daemon_transfers_resolve_url (t->owner, url) : NULL;
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
  placing->folder = lt_daemon_transfer_is_folder (t);
  placing->make_dir = t->make_destination;
  g_task_set_task_data (reserve, placing, (GDestroyNotify) lt_daemon_file_sink_placing_free);
  g_task_run_in_thread (reserve, lt_daemon_file_sink_reserve_part_thread);
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
      g_task_return_error (task, lt_daemon_error_new_not_logged_in ());
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
      /* The fallback may not exist yet: made in lt_daemon_file_sink_reserve_part_thread(). */
      t->path = lt_daemon_transfers_default_destination ();
      t->make_destination = TRUE;
    }
  g_free (t->state);
  t->state = g_strdup (STATE_DOWNLOADING);
  g_task_set_task_data (task, t, (GDestroyNotify) lt_daemon_transfer_unref);
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
  g_return_val_if_fail (g_task_is_valid (result, self), 0);

  return propagate_transfer_id (result, error);
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
    lt_daemon_transfer_finish (t, STATE_CANCELLED, _("The file was rejected"));
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
  if (t == NULL || lt_daemon_transfer_is_finished (t))
    {
      g_set_error (error, LT_DAEMON_ERROR, LT_DAEMON_ERROR_INVALID_ARGUMENT,
                   "No transfer %" G_GUINT64_FORMAT " is under way", transfer_id);
      return FALSE;
    }
  lt_daemon_transfer_finish (t, STATE_CANCELLED, _("Cancelled"));
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
      g_propagate_error (error, lt_daemon_error_new_not_logged_in ());
      return NULL;
    }
  g_hash_table_iter_init (&iter, self->transfers);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &t))
    if (!lt_daemon_transfer_is_finished (t))
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
                                           (GDestroyNotify) lt_daemon_transfer_unref);
  /* A server that stops answering mid-body is given up on (and the
   * transfer resumed) rather than waited for. */
  self->session = soup_session_new_with_options ("timeout", 30, "idle-timeout", 60,
                                                 "user-agent", "liaotiand/" PACKAGE_VERSION,
                                                 NULL);
}
