/* SPDX-License-Identifier: GPL-3.0-or-later */
/* lt-daemon-download.c: the steps of a download of LtDaemonTransfers.
 *
 * file_accept for a token, file_entries pages for a folder, then per
 * entry: its file in the part (lt-daemon-file-sink.c), GET of what is
 * missing, written chunk by chunk in a thread, and its SHA-256
 * checked; at the end the part gets its free name. */
#include "config.h"

#include "lt-daemon-transfers-private.h"
#include "lt-json.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <libsoup/soup.h>
#include <unistd.h>

#define ENTRIES_PAGE 200

/* Downloading ----------------------------------------------------------- */

static void download_entry (Transfer *t);
static void read_chunk (Transfer *t);

void
lt_daemon_download_delete_part (Transfer *t)
{
  g_autoptr(GTask) task = NULL;

  if (*t->part == '\0')
    return;
  task = g_task_new (NULL, NULL, NULL, NULL);
  g_task_set_task_data (task, g_strdup (t->part), g_free);
  g_task_run_in_thread (task, lt_daemon_file_sink_delete_part_thread);
}

static void
on_placed (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(Transfer) t = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_task_propagate_pointer (G_TASK (result), &error);

  if (lt_daemon_transfer_is_stopped (t, error))
    return;
  g_clear_object (&t->cancellable);
  if (path == NULL)
    {
      lt_daemon_transfer_fail (t, error->message);
      return;
    }
  g_free (t->result);
  t->result = g_steal_pointer (&path);
  g_free (t->part);
  t->part = g_strdup ("");
  lt_daemon_transfer_finish (t, STATE_DONE, NULL);
}

/* Every entry arrived and matched: the part gets its name. */
static void
place_download (Transfer *t)
{
  g_autoptr(GTask) task = g_task_new (NULL, lt_daemon_transfer_begin_step (t), on_placed,
                                      lt_daemon_transfer_ref (t));
  Placing *placing = g_new0 (Placing, 1);

  placing->part = g_strdup (t->part);
  placing->dir = g_strdup (t->path);
  placing->name = g_strdup (t->name);
  placing->folder = lt_daemon_transfer_is_folder (t);
  g_task_set_task_data (task, placing, (GDestroyNotify) lt_daemon_file_sink_placing_free);
  g_task_run_in_thread (task, lt_daemon_file_sink_place_thread);
}

/* The entry's bytes are all there: they must match the sender's hash. */
static void
verify_entry (Transfer *t)
{
  JsonObject *entry = lt_daemon_transfer_entry_at (t, t->entry);
  const char *expected = json_object_get_string_member_with_default (entry, "sha256", "");

  if (g_strcmp0 (g_checksum_get_string (t->checksum), expected) != 0)
    {
      lt_daemon_transfer_fail (t, lt_daemon_transfer_is_folder (t)
                                  ? _("A file of the folder does not match what was sent; "
                                      "it was deleted")
                                  : _("The file does not match what was sent; it was deleted"));
      return;
    }

  lt_daemon_transfer_close_sink (t);
  t->entry_base += lt_daemon_transfer_entry_size (entry);
  t->entry++;
  t->offset = 0;
  lt_daemon_transfer_emit_progress (t, t->entry_base, FALSE);
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
      if (!lt_daemon_transfer_is_stopped (t, error))
        lt_daemon_transfer_fail (t, error->message);
      return;
    }
  if (lt_daemon_transfer_is_stopped (t, NULL) || t->cancellable == NULL)
    return;

  t->checksum = g_steal_pointer (&chunk->checksum);
  if (chunk->truncate)
    t->offset = 0;
  t->offset += size;
  lt_daemon_transfer_emit_progress (t, t->entry_base + t->offset, FALSE);
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
  if (lt_daemon_transfer_is_stopped (t, error) || t->cancellable == NULL)
    return;
  if (bytes == NULL)
    {
      lt_daemon_transfer_step_failed (t, error);
      return;
    }
  if (g_bytes_get_size (bytes) == 0)
    {
      /* The body ended: complete, or cut (then resume from here). */
      g_clear_object (&t->body);
      if (t->offset == lt_daemon_transfer_entry_size (lt_daemon_transfer_entry_at (t, t->entry)))
        verify_entry (t);
      else
        {
          g_autoptr(GError) cut = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT,
                                                       "The download was cut short");

          lt_daemon_transfer_pause (t, cut);
        }
      return;
    }
  if ((t->restart_entry ? 0 : t->offset) + g_bytes_get_size (bytes)
      > lt_daemon_transfer_entry_size (lt_daemon_transfer_entry_at (t, t->entry)))
    {
      lt_daemon_transfer_fail (t, _("The server sent more than the file's size"));
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
      lt_daemon_file_sink_chunk_free (chunk);
      lt_daemon_transfer_fail (t, g_strerror (errno));
      return;
    }
  task = g_task_new (NULL, t->cancellable, on_chunk_written, lt_daemon_transfer_ref (t));
  g_task_set_task_data (task, chunk, (GDestroyNotify) lt_daemon_file_sink_chunk_free);
  g_task_run_in_thread (task, lt_daemon_file_sink_write_thread);
}

static void
read_chunk (Transfer *t)
{
  g_input_stream_read_bytes_async (t->body, CHUNK_SIZE, G_PRIORITY_DEFAULT, t->cancellable,
                                   on_chunk_read, lt_daemon_transfer_ref (t));
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
  if (lt_daemon_transfer_is_stopped (t, error) || t->cancellable == NULL)
    return;
  if (body == NULL)
    {
      lt_daemon_transfer_step_failed (t, error);
      return;
    }

  status = soup_message_get_status (message);
  if (status == SOUP_STATUS_PARTIAL_CONTENT
      && soup_message_headers_get_content_range (soup_message_get_response_headers (message),
                                                 &start, &end, &length)
      && start == (goffset) t->offset)
    t->restart_entry = FALSE;
  else if (status == SOUP_STATUS_OK)
    t->restart_entry = t->offset > 0; /* the whole entry came */
  else
    {
      /* The error's text is not read: that would block. */
      lt_daemon_transfer_http_failed (t, message, NULL);
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
      if (!lt_daemon_transfer_is_stopped (t, error))
        lt_daemon_transfer_fail (t, error->message);
      return;
    }
  if (lt_daemon_transfer_is_stopped (t, NULL) || t->cancellable == NULL)
    return;

  lt_daemon_transfer_close_sink (t);
  t->fd = sink->fd;
  sink->fd = -1;
  t->checksum = g_steal_pointer (&sink->checksum);
  if (sink->dir)
    {
      lt_daemon_transfer_close_sink (t);
      t->entry++;
      download_entry (t);
      return;
    }

  t->offset = sink->offset;
  lt_daemon_transfer_emit_progress (t, t->entry_base + t->offset, FALSE);
  if (t->offset == sink->size)
    {
      verify_entry (t);
      return;
    }

  url = lt_daemon_transfer_entry_url (t, t->entry);
  message = lt_daemon_transfer_new_message (t, SOUP_METHOD_GET, url);
  if (t->offset > 0)
    soup_message_headers_set_range (soup_message_get_request_headers (message), t->offset, -1);
  soup_session_send_async (t->owner->session, message, G_PRIORITY_DEFAULT, t->cancellable,
                           on_get_sent, lt_daemon_transfer_ref (t));
}

/* The entry's file (or directory) in the part, then GET what is missing. */
static void
download_entry (Transfer *t)
{
  JsonObject *entry = lt_daemon_transfer_entry_at (t, t->entry);
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
  sink->dir = lt_daemon_transfer_entry_is_dir (entry);
  sink->size = lt_daemon_transfer_entry_size (entry);
  if (lt_daemon_transfer_is_folder (t))
    sink->path = g_strdup (json_object_get_string_member_with_default (entry, "path", ""));
  task = g_task_new (NULL, lt_daemon_transfer_begin_step (t), on_sink_opened,
                     lt_daemon_transfer_ref (t));
  g_task_set_task_data (task, sink, (GDestroyNotify) lt_daemon_file_sink_free);
  g_task_run_in_thread (task, lt_daemon_file_sink_open_thread);
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
  JsonArray *entries = lt_daemon_transfer_entries (t);
  gboolean more = FALSE;

  reply = lt_daemon_call_finish (LT_DAEMON (source), result, &error);
  if (lt_daemon_transfer_is_stopped (t, error))
    return;
  if (reply == NULL)
    {
      lt_daemon_transfer_step_failed (t, error);
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
  lt_daemon_transfer_save (t);
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
                        lt_daemon_transfer_ref (t));
}

/* A folder's entries are listed once, then its entries downloaded. */
static void
list_or_download (Transfer *t)
{
  if (lt_daemon_transfer_is_folder (t)
      && !json_object_get_boolean_member_with_default (t->manifest, "listed", FALSE))
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

  if (lt_daemon_transfer_take_grant (t, source, result, "download_url"))
    list_or_download (t);
}

/* file_accept again gives a fresh token, also after a restart. */
void
lt_daemon_download_start (Transfer *t)
{
  g_autoptr(JsonObject) params = json_object_new ();

  if (t->token != NULL && t->url != NULL)
    {
      lt_daemon_transfer_begin_step (t);
      list_or_download (t);
      return;
    }
  json_object_set_int_member (params, "file_id", t->file_id);
  lt_daemon_call_async (t->owner->daemon, "file_accept", params, lt_daemon_transfer_begin_step (t),
                        on_download_token, lt_daemon_transfer_ref (t));
}
