/* SPDX-License-Identifier: GPL-3.0-or-later */
/* lt-daemon-upload.c: the steps of an upload of LtDaemonTransfers.
 *
 * "hashing": a thread reads the file, or walks the folder without
 * following symbolic links, into a manifest; "offering": file_offer,
 * then file_entries_add pages for a folder; "uploading": HEAD says how
 * much of each entry the server holds, PUT sends the rest. */
#include "config.h"

#include "lt-daemon-transfers-private.h"
#include "lt-file-names.h"
#include "lt-json.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A folder's manifest goes in pages of about this many bytes of JSON,
 * well under the server's default --max-frame of 64 KiB. */
#define PAGE_BYTES 32768

/* Hashing (uploads) ---------------------------------------------------- */

static gboolean
hash_file (const char   *path,
           guint64      *size,
           char        **sha256,
           GCancellable *cancellable,
           GError      **error)
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  int fd = g_open (path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW, 0);
  gboolean ok;

  if (fd < 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno), "Cannot read %s: %s",
                   path, g_strerror (saved_errno));
      return FALSE;
    }

  ok = lt_daemon_file_sink_hash_fd (fd, G_MAXUINT64, path, checksum, size, cancellable, error);
  g_close (fd, NULL);
  if (ok)
    *sha256 = g_strdup (g_checksum_get_string (checksum));
  return ok;
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

  if (lt_daemon_transfer_is_stopped (t, error))
    {
      g_clear_pointer (&manifest, json_object_unref);
      return;
    }
  g_clear_object (&t->cancellable);
  if (manifest == NULL)
    {
      lt_daemon_transfer_fail (t, error->message);
      return;
    }

  t->manifest = manifest;
  t->total = json_object_get_int_member (manifest, "size");
  lt_daemon_transfer_set_state (t, STATE_OFFERING);
  lt_daemon_transfer_advance (t);
}

void
lt_daemon_upload_start_hashing (Transfer *t)
{
  g_autoptr(GTask) task = g_task_new (NULL, lt_daemon_transfer_begin_step (t), on_hashed,
                                      lt_daemon_transfer_ref (t));

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
  JsonArray *entries = lt_daemon_transfer_entries (t);
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
  lt_daemon_transfer_unref (offering->t);
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
  lt_daemon_transfer_set_state (t, STATE_UPLOADING);
  lt_daemon_transfer_emit_started (t);
  lt_daemon_transfer_advance (t);
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
  if (lt_daemon_transfer_is_stopped (t, error))
    return;
  if (reply == NULL)
    {
      /* Still "offering": a resume withdraws this offer and makes a
       * new one (lt_daemon_upload_start_offer()). */
      lt_daemon_transfer_step_failed (t, error);
      return;
    }
  if (offering->next >= json_array_get_length (lt_daemon_transfer_entries (t)))
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
                                  offering->next
                                  < json_array_get_length (lt_daemon_transfer_entries (t)));
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
  lt_json_get_int (reply, "file_id", FALSE, &file_id, NULL);
  if (lt_daemon_transfer_is_stopped (t, error))
    {
      /* Cancelled (or failed) while the server made the offer: the
       * offer it made is withdrawn too, or it would hold the quota. */
      if (file_id > 0 && t->owner != NULL && t->file_id == 0)
        {
          t->file_id = file_id;
          lt_daemon_upload_withdraw_offer (t);
        }
      return;
    }
  if (reply == NULL)
    {
      lt_daemon_transfer_step_failed (t, error);
      return;
    }

  lt_json_get_string (reply, "upload_url", FALSE, &url, NULL);
  lt_json_get_string (reply, "token", FALSE, &token, NULL);
  lt_json_get_string (reply, "name", FALSE, &name, NULL);
  t->file_id = file_id;
  g_free (t->url);
  t->url = url != NULL ? lt_daemon_transfers_resolve_url (t->owner, url) : NULL;
  g_free (t->token);
  t->token = g_strdup (token);
  if (name != NULL)
    {
      g_free (t->name);
      t->name = g_strdup (name);
    }
  /* Saved at once: a restart from here resumes this offer. */
  lt_daemon_transfer_save (t);

  if (offering->next >= json_array_get_length (lt_daemon_transfer_entries (t)))
    offer_complete (t);
  else
    send_entries_page (g_steal_pointer (&offering));
}

/* A failed or cancelled upload takes its partial copy off the server
 * (file_cancel); a complete offer cannot be withdrawn, and nobody was
 * told of an incomplete one. */
void
lt_daemon_upload_withdraw_offer (Transfer *t)
{
  g_autoptr(JsonObject) params = NULL;

  if (t->owner == NULL || t->file_id == 0)
    return;
  params = json_object_new ();
  json_object_set_int_member (params, "file_id", t->file_id);
  lt_daemon_call_async (t->owner->daemon, "file_cancel", params, NULL, NULL, NULL);
}

void
lt_daemon_upload_start_offer (Transfer *t)
{
  g_autoptr(JsonObject) params = json_object_new ();
  JsonObject *first;
  Offering *offering;

  /* An offer cut between its pages (a restart) cannot be completed:
   * it is withdrawn and made again. */
  if (t->file_id != 0)
    {
      lt_daemon_upload_withdraw_offer (t);
      t->file_id = 0;
    }
  offering = g_new0 (Offering, 1);

  offering->t = lt_daemon_transfer_ref (t);
  json_object_set_string_member (params, "to", t->conversation);
  json_object_set_string_member (params, "name",
                                 json_object_get_string_member (t->manifest, "name"));
  if (lt_daemon_transfer_is_folder (t))
    {
      json_object_set_array_member (params, "entries", entries_page (t, 0, &offering->next));
      json_object_set_boolean_member (params, "more",
                                      offering->next
                                      < json_array_get_length (lt_daemon_transfer_entries (t)));
    }
  else
    {
      first = lt_daemon_transfer_entry_at (t, 0);
      json_object_set_int_member (params, "size", lt_daemon_transfer_entry_size (first));
      json_object_set_string_member (params, "sha256",
                                     json_object_get_string_member (first, "sha256"));
      offering->next = 1;
    }
  /* Not cancellable: a cancel meanwhile still learns the offer's id,
   * to withdraw it (on_offered()). */
  lt_daemon_transfer_begin_step (t);
  lt_daemon_call_async (t->owner->daemon, "file_offer", params, NULL, on_offered, offering);
}

/* Uploading ------------------------------------------------------------ */

static void upload_entry (Transfer *t);

static void
on_upload_resumed (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(Transfer) t = user_data;

  if (lt_daemon_transfer_take_grant (t, source, result, "upload_url"))
    upload_entry (t);
}

/* A fresh token (and the URL on this server's HTTP port) for an offer
 * made before a restart, or whose token expired. */
static void
resume_upload (Transfer *t)
{
  g_autoptr(JsonObject) params = json_object_new ();

  json_object_set_int_member (params, "file_id", t->file_id);
  lt_daemon_call_async (t->owner->daemon, "file_resume", params, lt_daemon_transfer_begin_step (t),
                        on_upload_resumed, lt_daemon_transfer_ref (t));
}

/* The entry is on the server: the next one, or the end. */
static void
next_upload_entry (Transfer *t)
{
  JsonObject *entry = lt_daemon_transfer_entry_at (t, t->entry);

  if (entry != NULL)
    t->entry_base += lt_daemon_transfer_entry_size (entry);
  t->entry++;
  t->offset = 0;
  lt_daemon_transfer_emit_progress (t, t->entry_base, FALSE);
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
  lt_daemon_transfer_unref (putting->t);
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
  if (!lt_daemon_transfer_is_finished (t))
    lt_daemon_transfer_emit_progress (t, t->entry_base + t->offset + putting->sent, FALSE);
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
  if (lt_daemon_transfer_is_stopped (t, error))
    return;
  if (body == NULL)
    {
      lt_daemon_transfer_step_failed (t, error);
      return;
    }

  status = soup_message_get_status (message);
  /* After an empty PUT (every byte was there): 409 says the entry was
   * complete already. */
  if (status == SOUP_STATUS_CREATED
      || (status == SOUP_STATUS_CONFLICT
          && t->offset
             == lt_daemon_transfer_entry_size (lt_daemon_transfer_entry_at (t, t->entry))))
    next_upload_entry (t);
  else if (status == SOUP_STATUS_NO_CONTENT)
    upload_entry (t); /* bytes still missing: HEAD says where */
  else
    lt_daemon_transfer_http_failed (t, message, body);
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
  putting->t = lt_daemon_transfer_ref (t);
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
  g_autofree char *url = lt_daemon_transfer_entry_url (t, t->entry);
  g_autoptr(SoupMessage) message = lt_daemon_transfer_new_message (t, SOUP_METHOD_PUT, url);
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
  if (lt_daemon_transfer_is_stopped (t, error))
    return;
  if (stream == NULL
      || !g_seekable_seek (G_SEEKABLE (stream), t->offset, G_SEEK_SET, t->cancellable, &error))
    {
      lt_daemon_transfer_fail (t, error->message);
      return;
    }

  entry = lt_daemon_transfer_entry_at (t, t->entry);
  size = lt_daemon_transfer_entry_size (entry);
  url = lt_daemon_transfer_entry_url (t, t->entry);
  message = lt_daemon_transfer_new_message (t, SOUP_METHOD_PUT, url);
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
  JsonObject *entry = lt_daemon_transfer_entry_at (t, t->entry);
  g_autofree char *path = NULL;

  if (!lt_daemon_transfer_is_folder (t))
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
  if (lt_daemon_transfer_is_stopped (t, error))
    return;
  if (body == NULL)
    {
      lt_daemon_transfer_step_failed (t, error);
      return;
    }
  if (soup_message_get_status (message) == SOUP_STATUS_CONFLICT)
    {
      next_upload_entry (t); /* complete already */
      return;
    }
  if (soup_message_get_status (message) != SOUP_STATUS_OK)
    {
      lt_daemon_transfer_http_failed (t, message, body);
      return;
    }

  offset = soup_message_headers_get_one (soup_message_get_response_headers (message),
                                         "Upload-Offset");
  size = lt_daemon_transfer_entry_size (lt_daemon_transfer_entry_at (t, t->entry));
  t->offset = offset != NULL ? MIN (g_ascii_strtoull (offset, NULL, 10), size) : 0;
  lt_daemon_transfer_emit_progress (t, t->entry_base + t->offset, FALSE);
  if (t->offset == size)
    {
      put_empty (t);
      return;
    }
  file = source_file (t);
  g_file_read_async (file, G_PRIORITY_DEFAULT, t->cancellable, on_source_opened,
                     lt_daemon_transfer_ref (t));
}

/* HEAD tells how much of the entry the server holds; PUT the rest.
 * Directories have no bytes. */
static void
upload_entry (Transfer *t)
{
  g_autoptr(SoupMessage) message = NULL;
  g_autofree char *url = NULL;
  JsonObject *entry;

  while ((entry = lt_daemon_transfer_entry_at (t, t->entry)) != NULL
         && lt_daemon_transfer_entry_is_dir (entry))
    t->entry++;
  if (entry == NULL)
    {
      lt_daemon_transfer_finish (t, STATE_DONE, NULL);
      return;
    }

  url = lt_daemon_transfer_entry_url (t, t->entry);
  message = lt_daemon_transfer_new_message (t, SOUP_METHOD_HEAD, url);
  soup_session_send_and_read_async (t->owner->session, message, G_PRIORITY_DEFAULT,
                                    lt_daemon_transfer_begin_step (t), on_head_upload,
                                    lt_daemon_transfer_ref (t));
}

void
lt_daemon_upload_start (Transfer *t)
{
  if (t->token == NULL || t->url == NULL)
    resume_upload (t);
  else
    upload_entry (t);
}
