/* SPDX-License-Identifier: GPL-3.0-or-later */
/* lt-file-service.c: the HTTP file service of liaotian-server
 * (docs/PROTOCOL.md §13), on a SoupServer in the server's main loop.
 *
 * Every request is an Exchange attached to its SoupServerMessage.  The
 * message is paused while the store thread answers who may do what
 * (lt_store_open_file() holds the rules) and while the disk works, so
 * the main loop never waits:
 *
 * - PUT is checked in an early handler, when its headers are in and
 *   before its body is read: with "Expect: 100-continue" a refused
 *   upload is answered before the client sends a byte.  The body is
 *   not accumulated: its chunks are gathered into a buffer of
 *   WRITE_BUFFER bytes, written to the entry's partial file by GIO's
 *   threads, the message paused meanwhile.  When the last byte of an
 *   entry is in, LtFileStorage verifies it, the store marks it done,
 *   and the last entry of an offer commits its announcement, which the
 *   server sends before the PUT is answered 201.
 * - GET reads the blob READ_CHUNK bytes at a time, the next chunk only
 *   once libsoup has written the last one.
 *
 * So an upload or a download holds a fixed amount of memory whatever
 * the size of the file. */
#include "config.h"

#include "lt-file-service.h"

#include "lt-address-counter.h"
#include "lt-file-names.h"
#include "lt-http-range.h"
#include "lt-server-methods.h"
#include "lt-server-private.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>

#define WRITE_BUFFER (256 * 1024)
#define READ_CHUNK (256 * 1024)
#define LISTEN_BACKLOG 128

struct _LtFileService
{
  GObject parent_instance;

  LtServer *server; /* not owned: the server owns the service */
  GTlsCertificate *certificate; /* NULL: plain HTTP */
  GSocketService *listener;
  LtAddressCounter *address_counter; /* its own: counted apart from the chat port */
  SoupServer *soup;
  GHashTable *uploads; /* "FILE/INDEX" of the uploads running, owned keys */
  guint sweep_id;
  gboolean sweeping;
};

G_DEFINE_FINAL_TYPE (LtFileService, lt_file_service, G_TYPE_OBJECT)

typedef struct
{
  LtFileService *service; /* owned */
  SoupServerMessage *msg; /* not owned: the message owns the exchange */
  gboolean finished; /* the message is done or its connection gone */
  GCancellable *cancellable;

  gint64 file_id;
  guint index;
  char *username;
  LtFileTokenPurpose purpose;
  LtFile *file;
  LtFileEntry *entry;

  /* PUT */
  char *upload_key; /* set while this exchange holds the upload */
  gint64 offset; /* bytes of the entry on disk before this PUT */
  gint64 length; /* Content-Length */
  gint64 written;
  GByteArray *buffer;
  GOutputStream *output;
  gboolean io_pending; /* opening, writing, closing or verifying the partial file */
  gboolean body_in; /* the body is read: close once written */
  gboolean failed;

  /* GET */
  GInputStream *input;
  guint64 remaining;
} Exchange;

/* Lets another PUT of the entry start. */
static void
release_upload (Exchange *exchange)
{
  if (exchange->upload_key == NULL)
    return;

  g_hash_table_remove (exchange->service->uploads, exchange->upload_key);
  g_clear_pointer (&exchange->upload_key, g_free);
}

static void
exchange_free (Exchange *exchange)
{
  release_upload (exchange);
  g_cancellable_cancel (exchange->cancellable);
  g_clear_object (&exchange->cancellable);
  g_clear_object (&exchange->output);
  g_clear_object (&exchange->input);
  g_clear_pointer (&exchange->buffer, g_byte_array_unref);
  g_clear_pointer (&exchange->file, lt_file_free);
  g_clear_pointer (&exchange->entry, lt_file_entry_free);
  g_free (exchange->username);
  g_clear_object (&exchange->service);
  g_free (exchange);
}

static void write_buffer (Exchange *exchange);

static void
on_finished (SoupServerMessage *msg,
             Exchange          *exchange)
{
  exchange->finished = TRUE;
  g_cancellable_cancel (exchange->cancellable);

  /* What arrived of an interrupted upload is kept, to resume from; the
   * entry is free for another upload once nothing more is written to
   * it, or the two would interleave their bytes. */
  if (exchange->io_pending)
    return;
  if (exchange->output != NULL && exchange->buffer->len > 0 && !exchange->failed
      && !exchange->body_in)
    write_buffer (exchange);
  else
    release_upload (exchange);
}

static Exchange *
exchange_new (LtFileService     *service,
              SoupServerMessage *msg)
{
  Exchange *exchange = g_new0 (Exchange, 1);

  exchange->service = g_object_ref (service);
  exchange->msg = msg;
  exchange->cancellable = g_cancellable_new ();
  g_object_set_data_full (G_OBJECT (msg), "lt-exchange", exchange,
                          (GDestroyNotify) exchange_free);
  g_signal_connect (msg, "finished", G_CALLBACK (on_finished), exchange);
  return exchange;
}

static Exchange *
exchange_get (SoupServerMessage *msg)
{
  return g_object_get_data (G_OBJECT (msg), "lt-exchange");
}

/* Answers with @status and a plain-text body saying why. */
G_GNUC_PRINTF (3, 4)
static void
respond_error (SoupServerMessage *msg,
               guint              status,
               const char        *format,
               ...)
{
  g_autofree char *text = NULL;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);

  g_debug ("HTTP %s %s: %u %s", soup_server_message_get_method (msg),
           g_uri_get_path (soup_server_message_get_uri (msg)), status, text);
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "text/plain; charset=utf-8", SOUP_MEMORY_COPY, text,
                                    strlen (text));
}

/* EFBIG (a file larger than the filesystem allows) is no error code of
 * GIO 2.74's (G_IO_ERROR_FAILED, G_FILE_ERROR_FAILED): only its text,
 * which GLib's file streams put last in the message, tells it. */
static gboolean
is_file_too_large (const GError *error)
{
  return (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_FAILED)
          || g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_FAILED))
         && g_str_has_suffix (error->message, g_strerror (EFBIG));
}

/* The HTTP status of an error of the store, the tokens or the disk,
 * for a request that @uploads or not. */
static guint
status_of_error (const GError *error,
                 gboolean      uploads)
{
  if (error->domain == LT_FILE_TOKEN_ERROR)
    return error->code == LT_FILE_TOKEN_ERROR_INVALID ? SOUP_STATUS_UNAUTHORIZED
                                                      : SOUP_STATUS_FORBIDDEN;
  if (error->domain == LT_FILE_STORAGE_ERROR)
    return SOUP_STATUS_UNPROCESSABLE_ENTITY;
  if (g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOSPC)
      || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE) || is_file_too_large (error))
    return SOUP_STATUS_INSUFFICIENT_STORAGE;
  if (error->domain != LT_PROTOCOL_ERROR)
    return SOUP_STATUS_INTERNAL_SERVER_ERROR;

  switch (error->code)
    {
    case LT_PROTOCOL_ERROR_NO_SUCH_FILE:
      return SOUP_STATUS_NOT_FOUND;
    case LT_PROTOCOL_ERROR_FILE_UNAVAILABLE:
      return uploads ? SOUP_STATUS_CONFLICT : SOUP_STATUS_FORBIDDEN;
    case LT_PROTOCOL_ERROR_NOT_IN_ROOM:
      return SOUP_STATUS_FORBIDDEN;
    case LT_PROTOCOL_ERROR_RATE_LIMITED:
      return SOUP_STATUS_SERVICE_UNAVAILABLE;
    default:
      return SOUP_STATUS_INTERNAL_SERVER_ERROR;
    }
}

static void
respond_gerror (Exchange     *exchange,
                const GError *error)
{
  guint status = status_of_error (error, exchange->purpose == LT_FILE_TOKEN_UPLOAD);

  if (status == SOUP_STATUS_UNAUTHORIZED)
    soup_message_headers_replace (soup_server_message_get_response_headers (exchange->msg),
                                  "WWW-Authenticate", "Bearer");
  if (status >= 500)
    g_warning ("File service: %s", error->message);
  respond_error (exchange->msg, status, "%s", error->message);
}

/* "/files/ID" or "/files/ID/N". */
static gboolean
parse_path (Exchange   *exchange,
            const char *path)
{
  g_auto(GStrv) parts = g_strsplit (path, "/", -1);
  guint64 id = 0, index = 0;
  guint n = g_strv_length (parts);

  if ((n != 3 && n != 4) || parts[0][0] != '\0' || strcmp (parts[1], "files") != 0
      || !g_ascii_string_to_unsigned (parts[2], 10, 1, G_MAXINT64, &id, NULL)
      || (n == 4 && !g_ascii_string_to_unsigned (parts[3], 10, 0, LT_MAX_FOLDER_ENTRIES, &index,
                                                 NULL)))
    return FALSE;

  exchange->file_id = id;
  exchange->index = index;
  return TRUE;
}

static gboolean
check_token (Exchange          *exchange,
             LtFileTokenPurpose purpose,
             GError           **error)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (exchange->msg);
  const char *authorization = soup_message_headers_get_one (headers, "Authorization");

  if (authorization == NULL || g_ascii_strncasecmp (authorization, "Bearer ", 7) != 0)
    {
      g_set_error_literal (error, LT_FILE_TOKEN_ERROR, LT_FILE_TOKEN_ERROR_INVALID,
                           "An “Authorization: Bearer TOKEN” header is needed");
      return FALSE;
    }

  exchange->purpose = purpose;
  exchange->username = lt_file_tokens_verify (exchange->service->server->file_tokens,
                                              authorization + 7, exchange->file_id, purpose,
                                              error);
  return exchange->username != NULL;
}

/* Reads path and token; a HEAD may carry either kind of token. */
static gboolean
open_exchange (Exchange          *exchange,
               const char        *path,
               LtFileTokenPurpose purpose)
{
  g_autoptr(GError) error = NULL;
  gboolean head = soup_server_message_get_method (exchange->msg) == SOUP_METHOD_HEAD;

  if (!parse_path (exchange, path))
    {
      respond_error (exchange->msg, SOUP_STATUS_NOT_FOUND, "No such file: %s", path);
      return FALSE;
    }

  if (!check_token (exchange, purpose, &error) && head
      && g_error_matches (error, LT_FILE_TOKEN_ERROR, LT_FILE_TOKEN_ERROR_WRONG_FILE))
    {
      g_clear_error (&error);
      check_token (exchange, LT_FILE_TOKEN_DOWNLOAD, &error);
    }

  if (error != NULL)
    {
      respond_gerror (exchange, error);
      return FALSE;
    }

  return TRUE;
}

/* Store jobs ---------------------------------------------------------- */

typedef struct
{
  gint64 file_id;
  guint index;
  char *username;
  LtFileAccess access;
  LtFile *file; /* results */
  LtFileEntry *entry;
} Opening;

static void
opening_free (Opening *opening)
{
  g_free (opening->username);
  lt_file_free (opening->file);
  lt_file_entry_free (opening->entry);
  g_free (opening);
}

/* Runs in the store thread. */
static gpointer
open_entry_job (LtStore *store,
                gpointer data,
                GError **error)
{
  Opening *opening = data;

  opening->file = lt_store_open_file (store, opening->file_id, opening->username,
                                      opening->access, error);
  if (opening->file == NULL)
    return NULL;

  opening->entry = lt_store_lookup_file_entry (store, opening->file_id, opening->index, error);
  if (opening->entry == NULL)
    {
      if (*error == NULL)
        g_set_error (error, LT_PROTOCOL_ERROR, LT_PROTOCOL_ERROR_NO_SUCH_FILE,
                     "File %" G_GINT64_FORMAT " has no entry %u", opening->file_id,
                     opening->index);
      return NULL;
    }

  if (opening->access == LT_FILE_ACCESS_SEND
      && !lt_store_touch_file (store, opening->file_id, g_get_real_time () / 1000, error))
    return NULL;
  return opening;
}

/* Pauses the message and opens its entry in the store thread; @callback
 * gets the message (a reference) as its user data. */
static void
run_open_entry (Exchange           *exchange,
                LtFileAccess        access,
                GAsyncReadyCallback callback)
{
  Opening *opening = g_new0 (Opening, 1);

  opening->file_id = exchange->file_id;
  opening->index = exchange->index;
  opening->username = g_strdup (exchange->username);
  opening->access = access;
  soup_server_message_pause (exchange->msg);
  lt_store_worker_run_async (exchange->service->server->worker, open_entry_job, opening,
                             (GDestroyNotify) opening_free, NULL, exchange->cancellable,
                             callback, g_object_ref (exchange->msg));
}

/* The exchange of a job's message, or NULL when the message is done;
 * on success the opened file and entry move into the exchange. */
static Exchange *
finish_open_entry (GObject           *source,
                   GAsyncResult      *result,
                   SoupServerMessage *msg,
                   GError           **error)
{
  Exchange *exchange = exchange_get (msg);
  Opening *opening = lt_store_worker_run_finish (LT_STORE_WORKER (source), result, error);

  if (exchange->finished)
    return NULL;

  if (opening != NULL)
    {
      exchange->file = g_steal_pointer (&opening->file);
      exchange->entry = g_steal_pointer (&opening->entry);
    }
  return exchange;
}

static void
resume (Exchange *exchange)
{
  if (!exchange->finished)
    soup_server_message_unpause (exchange->msg);
}

/* Uploads ------------------------------------------------------------- */

static gint64
partial_size (Exchange *exchange)
{
  g_autofree char *path = lt_file_storage_partial_path (exchange->service->server->file_storage,
                                                        exchange->file_id, exchange->index);
  GStatBuf buf;

  return g_stat (path, &buf) == 0 ? buf.st_size : 0;
}

static void
set_upload_offset (Exchange *exchange,
                   gint64    offset)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (exchange->msg);
  g_autofree char *offset_text = g_strdup_printf ("%" G_GINT64_FORMAT, offset);
  g_autofree char *length_text = g_strdup_printf ("%" G_GINT64_FORMAT, exchange->entry->size);

  soup_message_headers_replace (headers, "Upload-Offset", offset_text);
  soup_message_headers_replace (headers, "Upload-Length", length_text);
}

/* Checks Content-Length and Content-Range against the entry: sets the
 * response and returns FALSE when the PUT must be refused. */
static gboolean
check_put_range (Exchange *exchange)
{
  SoupServerMessage *msg = exchange->msg;
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *content_range = soup_message_headers_get_one (headers, "Content-Range");
  g_autoptr(GError) error = NULL;
  LtHttpRange range = { 0, 0 };
  guint64 complete = 0;
  gint64 size = exchange->entry->size;

  exchange->offset = partial_size (exchange);
  set_upload_offset (exchange, exchange->offset);

  if (exchange->entry->sha256 == NULL)
    respond_error (msg, SOUP_STATUS_NOT_FOUND, "Entry %u is a directory: it has no content",
                   exchange->index);
  else if (exchange->entry->done)
    respond_error (msg, SOUP_STATUS_CONFLICT, "This file is complete already");
  else if (exchange->file->state != LT_FILE_STATE_UPLOADING)
    respond_error (msg, SOUP_STATUS_CONFLICT, "The folder's entries are not all listed yet");
  else if (content_range == NULL && exchange->length > size)
    respond_error (msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE,
                   "The body is longer than the file (%" G_GINT64_FORMAT " bytes)", size);
  /* Every byte is here but the entry was never recorded (the server
   * stopped or failed while it checked them): an empty PUT checks them. */
  else if (content_range == NULL && exchange->length == 0 && exchange->offset == size)
    return TRUE;
  else if (content_range == NULL && exchange->offset > 0)
    respond_error (msg, SOUP_STATUS_CONFLICT, "Part of the file is here already: resume with "
                   "Content-Range from Upload-Offset");
  else if (content_range == NULL && exchange->length != size)
    respond_error (msg, SOUP_STATUS_BAD_REQUEST,
                   "Without Content-Range the body must be the whole file");
  else if (content_range == NULL)
    return TRUE;
  else if (!lt_http_content_range_parse (content_range, &range, &complete, &error))
    respond_error (msg, SOUP_STATUS_BAD_REQUEST, "Bad Content-Range: %s", error->message);
  else if ((gint64) complete != size)
    respond_error (msg, SOUP_STATUS_BAD_REQUEST,
                   "The file is %" G_GINT64_FORMAT " bytes, not %" G_GUINT64_FORMAT, size,
                   complete);
  else if ((gint64) range.start != exchange->offset)
    respond_error (msg, SOUP_STATUS_CONFLICT,
                   "The upload goes on from byte %" G_GINT64_FORMAT, exchange->offset);
  else if ((gint64) (range.end - range.start + 1) != exchange->length)
    respond_error (msg, SOUP_STATUS_BAD_REQUEST, "Content-Range and Content-Length disagree");
  else
    return TRUE;

  return FALSE;
}

/* One upload per entry at a time: a second would interleave bytes. */
static gboolean
claim_upload (Exchange *exchange)
{
  g_autofree char *key = g_strdup_printf ("%" G_GINT64_FORMAT "/%u", exchange->file_id,
                                          exchange->index);

  if (g_hash_table_contains (exchange->service->uploads, key))
    {
      respond_error (exchange->msg, SOUP_STATUS_CONFLICT,
                     "Another upload of this file is running");
      return FALSE;
    }

  exchange->upload_key = g_strdup (key);
  g_hash_table_add (exchange->service->uploads, g_steal_pointer (&key));
  return TRUE;
}

static void close_output (Exchange *exchange);

/* An operation on the partial file ended.  TRUE when the message is
 * gone meanwhile: nothing more will be written, the entry is free. */
static gboolean
upload_io_done (Exchange *exchange)
{
  exchange->io_pending = FALSE;
  if (!exchange->finished)
    return FALSE;

  release_upload (exchange);
  return TRUE;
}

static void
on_buffer_written (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(SoupServerMessage) msg = user_data;
  Exchange *exchange = exchange_get (msg);
  g_autoptr(GError) error = NULL;
  gsize written = 0;
  gboolean ok = g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, &written,
                                                  &error);

  exchange->written += written;
  g_byte_array_set_size (exchange->buffer, 0);
  if (upload_io_done (exchange))
    return;

  if (!ok)
    {
      /* The rest of the body is read and dropped; what was written stays. */
      exchange->failed = TRUE;
      respond_gerror (exchange, error);
      resume (exchange);
    }
  else if (exchange->body_in)
    close_output (exchange);
  else
    resume (exchange);
}

/* Writes the buffer out, the message paused until it is on disk.  Not
 * cancelled when the client leaves: what arrived is kept. */
static void
write_buffer (Exchange *exchange)
{
  if (!exchange->finished)
    soup_server_message_pause (exchange->msg);
  exchange->io_pending = TRUE;
  g_output_stream_write_all_async (exchange->output, exchange->buffer->data,
                                   exchange->buffer->len, G_PRIORITY_DEFAULT, NULL,
                                   on_buffer_written, g_object_ref (exchange->msg));
}

static void
on_got_chunk (SoupServerMessage *msg,
              GBytes            *chunk,
              Exchange          *exchange)
{
  if (exchange->failed)
    return;

  g_byte_array_append (exchange->buffer, g_bytes_get_data (chunk, NULL), g_bytes_get_size (chunk));
  if (exchange->buffer->len >= WRITE_BUFFER)
    write_buffer (exchange);
}

static void
on_output_opened (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(SoupServerMessage) msg = user_data;
  Exchange *exchange = exchange_get (msg);
  g_autoptr(GFileOutputStream) output = NULL;
  g_autoptr(GError) error = NULL;

  output = g_file_append_to_finish (G_FILE (source), result, &error);
  if (upload_io_done (exchange))
    return;

  if (output == NULL)
    respond_gerror (exchange, error);
  else
    {
      exchange->output = G_OUTPUT_STREAM (g_steal_pointer (&output));
      exchange->buffer = g_byte_array_sized_new (WRITE_BUFFER);
      g_signal_connect (msg, "got-chunk", G_CALLBACK (on_got_chunk), exchange);
    }

  resume (exchange);
}

static void
on_upload_opened (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(SoupServerMessage) msg = user_data;
  g_autoptr(GError) error = NULL;
  Exchange *exchange = finish_open_entry (source, result, msg, &error);
  g_autofree char *path = NULL;
  g_autoptr(GFile) partial = NULL;

  if (exchange == NULL)
    return;

  if (error != NULL)
    respond_gerror (exchange, error);
  if (error != NULL || !check_put_range (exchange) || !claim_upload (exchange))
    {
      resume (exchange);
      return;
    }

  path = lt_file_storage_partial_path (exchange->service->server->file_storage,
                                       exchange->file_id, exchange->index);
  partial = g_file_new_for_path (path);
  exchange->io_pending = TRUE;
  g_file_append_to_async (partial, G_FILE_CREATE_PRIVATE, G_PRIORITY_DEFAULT,
                          exchange->cancellable, on_output_opened, g_object_ref (msg));
}

/* The early handler: a PUT's headers are in, its body is not. */
static void
on_put_headers (SoupServer        *soup,
                SoupServerMessage *msg,
                const char        *path,
                GHashTable        *query,
                gpointer           user_data)
{
  LtFileService *self = user_data;
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  Exchange *exchange;

  if (soup_server_message_get_method (msg) != SOUP_METHOD_PUT)
    return;

  /* Never held in memory, whatever happens to the request. */
  soup_message_body_set_accumulate (soup_server_message_get_request_body (msg), FALSE);
  exchange = exchange_new (self, msg);
  if (!open_exchange (exchange, path, LT_FILE_TOKEN_UPLOAD))
    return;

  if (soup_message_headers_get_encoding (headers) != SOUP_ENCODING_CONTENT_LENGTH)
    {
      respond_error (msg, SOUP_STATUS_LENGTH_REQUIRED, "A PUT needs a Content-Length");
      return;
    }

  exchange->length = soup_message_headers_get_content_length (headers);
  run_open_entry (exchange, LT_FILE_ACCESS_SEND, on_upload_opened);
}

typedef struct
{
  gint64 file_id;
  guint index;
  LtMessage *announcement; /* the result */
} Finishing;

static void
finishing_free (Finishing *finishing)
{
  lt_message_free (finishing->announcement);
  g_free (finishing);
}

static gpointer
finish_entry_job (LtStore *store,
                  gpointer data,
                  GError **error)
{
  Finishing *finishing = data;

  if (!lt_store_finish_file_entry (store, finishing->file_id, finishing->index,
                                   g_get_real_time () / 1000, &finishing->announcement, error))
    return NULL;
  return finishing;
}

static void
on_entry_finished (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(SoupServerMessage) msg = user_data;
  Exchange *exchange = exchange_get (msg);
  g_autoptr(GError) error = NULL;
  Finishing *finishing = lt_store_worker_run_finish (LT_STORE_WORKER (source), result, &error);

  /* Committed: the others hear of it even if the uploader left. */
  if (finishing != NULL && finishing->announcement != NULL)
    lt_server_announce_file (exchange->service->server, finishing->announcement);

  if (upload_io_done (exchange))
    return;
  if (finishing == NULL)
    respond_gerror (exchange, error);
  else
    soup_server_message_set_status (msg, SOUP_STATUS_CREATED, NULL);
  resume (exchange);
}

static void
on_entry_kept (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(SoupServerMessage) msg = user_data;
  Exchange *exchange = exchange_get (msg);
  g_autoptr(GError) error = NULL;
  Finishing *finishing;

  if (!lt_file_storage_keep_finish (LT_FILE_STORAGE (source), result, &error))
    {
      if (upload_io_done (exchange))
        return;
      set_upload_offset (exchange, partial_size (exchange));
      respond_gerror (exchange, error);
      resume (exchange);
      return;
    }

  finishing = g_new0 (Finishing, 1);
  finishing->file_id = exchange->file_id;
  finishing->index = exchange->index;
  lt_store_worker_run_async (exchange->service->server->worker, finish_entry_job, finishing,
                             (GDestroyNotify) finishing_free, NULL, NULL, on_entry_finished,
                             g_object_ref (msg));
}

static void
on_output_closed (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(SoupServerMessage) msg = user_data;
  Exchange *exchange = exchange_get (msg);
  g_autoptr(GError) error = NULL;
  gint64 offset = exchange->offset + exchange->written;
  gboolean closed = g_output_stream_close_finish (G_OUTPUT_STREAM (source), result, &error);

  /* Every byte is here: verification goes on even if the uploader has
   * left meanwhile (no cancellable), and the entry stays claimed until
   * it is recorded, so that no other PUT verifies it at the same time. */
  if (closed && offset == exchange->entry->size)
    {
      lt_file_storage_keep_async (exchange->service->server->file_storage, exchange->file_id,
                                  exchange->index, exchange->entry->size,
                                  exchange->entry->sha256, NULL, on_entry_kept,
                                  g_object_ref (msg));
      return;
    }

  if (upload_io_done (exchange))
    return;

  if (!closed)
    respond_gerror (exchange, error);
  else
    {
      set_upload_offset (exchange, offset);
      soup_server_message_set_status (msg, SOUP_STATUS_NO_CONTENT, NULL);
    }
  resume (exchange);
}

static void
close_output (Exchange *exchange)
{
  exchange->io_pending = TRUE;
  g_output_stream_close_async (exchange->output, G_PRIORITY_DEFAULT, NULL, on_output_closed,
                               g_object_ref (exchange->msg));
}

/* The whole body is in: what is left in the buffer goes to disk, then
 * the file is closed. */
static void
on_put_body (Exchange *exchange)
{
  exchange->body_in = TRUE;
  if (exchange->buffer->len > 0)
    write_buffer (exchange);
  else
    {
      soup_server_message_pause (exchange->msg);
      close_output (exchange);
    }
}

/* Downloads ----------------------------------------------------------- */

static void read_next_chunk (Exchange *exchange);

/* The headers promise bytes that cannot be read: all that is left is
 * to cut the connection. */
static void
abort_download (Exchange   *exchange,
                const char *why)
{
  g_autoptr(GIOStream) stream = NULL;

  g_warning ("File service: reading file %" G_GINT64_FORMAT " failed: %s", exchange->file_id,
             why);
  /* The message has no connection left to pause or resume. */
  exchange->finished = TRUE;
  stream = soup_server_message_steal_connection (exchange->msg);
  g_io_stream_close (stream, NULL, NULL);
}

static void
on_chunk_read (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(SoupServerMessage) msg = user_data;
  Exchange *exchange = exchange_get (msg);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) chunk = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result,
                                                              &error);

  if (exchange->finished)
    return;

  if (chunk == NULL || g_bytes_get_size (chunk) == 0)
    {
      abort_download (exchange, error ? error->message : "the blob is shorter than stored");
      return;
    }

  exchange->remaining -= g_bytes_get_size (chunk);
  soup_message_body_append_bytes (soup_server_message_get_response_body (msg), chunk);
  resume (exchange);
}

static void
read_next_chunk (Exchange *exchange)
{
  soup_server_message_pause (exchange->msg);
  g_input_stream_read_bytes_async (exchange->input, MIN (exchange->remaining, READ_CHUNK),
                                   G_PRIORITY_DEFAULT, exchange->cancellable, on_chunk_read,
                                   g_object_ref (exchange->msg));
}

static void
on_wrote_chunk (SoupServerMessage *msg,
                Exchange          *exchange)
{
  if (exchange->remaining > 0)
    read_next_chunk (exchange);
}

/* Sets the status and headers of a GET or HEAD of the entry, with the
 * range asked for; FALSE when the range cannot be served. */
static gboolean
set_download_headers (Exchange    *exchange,
                      LtHttpRange *range)
{
  SoupServerMessage *msg = exchange->msg;
  SoupMessageHeaders *request = soup_server_message_get_request_headers (msg);
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  g_autofree char *etag = g_strdup_printf ("\"%s\"", exchange->entry->sha256);
  g_autofree char *name = lt_file_name_sanitize (exchange->entry->path);
  g_autoptr(GHashTable) disposition = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GError) error = NULL;
  guint64 size = exchange->entry->size;
  LtHttpRangeResult ranges;

  ranges = lt_http_range_parse (soup_message_headers_get_one (request, "Range"), size, range,
                                &error);
  if (ranges == LT_HTTP_RANGE_UNSATISFIABLE)
    {
      g_autofree char *unsatisfied = lt_http_content_range_format (NULL, size);

      soup_message_headers_replace (headers, "Content-Range", unsatisfied);
      respond_error (msg, SOUP_STATUS_REQUESTED_RANGE_NOT_SATISFIABLE, "%s", error->message);
      return FALSE;
    }

  if (ranges != LT_HTTP_RANGE_SINGLE)
    *range = (LtHttpRange) { 0, size - 1 };

  g_hash_table_insert (disposition, "filename", name);
  soup_message_headers_set_content_disposition (headers, "attachment", disposition);
  soup_message_headers_replace (headers, "Content-Type", "application/octet-stream");
  soup_message_headers_replace (headers, "ETag", etag);
  soup_message_headers_replace (headers, "Accept-Ranges", "bytes");
  if (ranges == LT_HTTP_RANGE_SINGLE)
    {
      g_autofree char *content_range = lt_http_content_range_format (range, size);

      soup_message_headers_replace (headers, "Content-Range", content_range);
      soup_server_message_set_status (msg, SOUP_STATUS_PARTIAL_CONTENT, NULL);
    }
  else
    soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);

  exchange->remaining = size > 0 ? range->end - range->start + 1 : 0;
  soup_message_headers_set_content_length (headers, exchange->remaining);
  return TRUE;
}

/* The blob is open: the headers can promise its bytes. */
static void
on_blob_opened (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(SoupServerMessage) msg = user_data;
  Exchange *exchange = exchange_get (msg);
  g_autoptr(GError) error = NULL;
  g_autoptr(GFileInputStream) input = g_file_read_finish (G_FILE (source), result, &error);
  LtHttpRange range;

  if (exchange->finished)
    return;

  if (input == NULL)
    respond_gerror (exchange, error);
  if (input == NULL || !set_download_headers (exchange, &range)
      || soup_server_message_get_method (msg) == SOUP_METHOD_HEAD || exchange->remaining == 0)
    {
      resume (exchange);
      return;
    }

  /* A seek in a local file is no I/O. */
  if (!g_seekable_seek (G_SEEKABLE (input), range.start, G_SEEK_SET, NULL, &error))
    {
      abort_download (exchange, error->message);
      return;
    }

  exchange->input = G_INPUT_STREAM (g_steal_pointer (&input));
  soup_message_body_set_accumulate (soup_server_message_get_response_body (msg), FALSE);
  g_signal_connect (msg, "wrote-chunk", G_CALLBACK (on_wrote_chunk), exchange);
  read_next_chunk (exchange);
}

static void
serve_download (Exchange *exchange)
{
  g_autofree char *path = NULL;
  g_autoptr(GFile) blob = NULL;

  if (exchange->entry->sha256 == NULL)
    {
      respond_error (exchange->msg, SOUP_STATUS_NOT_FOUND,
                     "Entry %u is a directory: it has no content", exchange->index);
      resume (exchange);
      return;
    }

  path = lt_file_storage_blob_path (exchange->service->server->file_storage,
                                    exchange->entry->sha256);
  blob = g_file_new_for_path (path);
  g_file_read_async (blob, G_PRIORITY_DEFAULT, exchange->cancellable, on_blob_opened,
                     g_object_ref (exchange->msg));
}

/* HEAD with an upload token: how much of the entry arrived. */
static void
serve_upload_state (Exchange *exchange)
{
  set_upload_offset (exchange, exchange->entry->done ? exchange->entry->size
                                                     : partial_size (exchange));
  soup_server_message_set_status (exchange->msg, SOUP_STATUS_OK, NULL);
  resume (exchange);
}

static void
on_entry_opened (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(SoupServerMessage) msg = user_data;
  g_autoptr(GError) error = NULL;
  Exchange *exchange = finish_open_entry (source, result, msg, &error);

  if (exchange == NULL)
    return;

  if (error != NULL)
    {
      respond_gerror (exchange, error);
      resume (exchange);
    }
  else if (exchange->purpose == LT_FILE_TOKEN_UPLOAD)
    serve_upload_state (exchange);
  else
    serve_download (exchange);
}

/* The handler, called once the request body is in. */
static void
on_request (SoupServer        *soup,
            SoupServerMessage *msg,
            const char        *path,
            GHashTable        *query,
            gpointer           user_data)
{
  LtFileService *self = user_data;
  const char *method = soup_server_message_get_method (msg);
  Exchange *exchange;

  if (method == SOUP_METHOD_PUT)
    {
      on_put_body (exchange_get (msg));
      return;
    }

  if (method != SOUP_METHOD_GET && method != SOUP_METHOD_HEAD)
    {
      soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Allow",
                                    "GET, HEAD, PUT");
      respond_error (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "Use GET, HEAD or PUT");
      return;
    }

  /* A HEAD tries an upload token first, then a download token. */
  exchange = exchange_new (self, msg);
  if (open_exchange (exchange, path,
                     method == SOUP_METHOD_GET ? LT_FILE_TOKEN_DOWNLOAD : LT_FILE_TOKEN_UPLOAD))
    run_open_entry (exchange,
                    exchange->purpose == LT_FILE_TOKEN_UPLOAD ? LT_FILE_ACCESS_SEND
                                                              : LT_FILE_ACCESS_RECEIVE,
                    on_entry_opened);
}

/* Stale offers --------------------------------------------------------- */

/* An offer whose upload has been idle for --stale-file-age is dropped
 * with its partial data (PROTOCOL.md §13), at start and then every
 * hour, or more often when the age is shorter. */
#define SWEEP_INTERVAL_SECONDS (60 * 60)

typedef struct
{
  gint64 file_id;
  guint n_entries;
} Dropped;

typedef struct
{
  gint64 before; /* ms since the epoch */
  GArray *busy; /* of gint64: offers with an upload running, kept */
} Sweep;

static void
sweep_free (Sweep *sweep)
{
  g_array_unref (sweep->busy);
  g_free (sweep);
}

static gboolean
sweep_is_busy (Sweep *sweep,
               gint64 file_id)
{
  for (guint i = 0; i < sweep->busy->len; i++)
    {
      if (g_array_index (sweep->busy, gint64, i) == file_id)
        return TRUE;
    }
  return FALSE;
}

/* Runs in the store thread, whose jobs run one at a time: no upload
 * touches an offer between the listing and the cancelling.  Returns
 * the offers dropped, a GArray of Dropped. */
static gpointer
sweep_job (LtStore *store,
           gpointer data,
           GError **error)
{
  Sweep *sweep = data;
  g_autoptr(GPtrArray) stale = lt_store_list_stale_files (store, sweep->before, error);
  g_autoptr(GArray) all_dropped = g_array_new (FALSE, FALSE, sizeof (Dropped));

  if (stale == NULL)
    return NULL;

  for (guint i = 0; i < stale->len; i++)
    {
      const LtFile *file = g_ptr_array_index (stale, i);
      Dropped dropped = { file->id, file->n_entries };

      if (sweep_is_busy (sweep, file->id))
        continue;
      if (!lt_store_cancel_file (store, file->id, error))
        return NULL;
      g_array_append_val (all_dropped, dropped);
    }
  return g_steal_pointer (&all_dropped);
}

static void
on_swept (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(LtFileService) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) all_dropped = lt_store_worker_run_finish (LT_STORE_WORKER (source), result,
                                                              &error);

  self->sweeping = FALSE;
  if (all_dropped == NULL)
    {
      g_warning ("File service: cannot drop the stale file offers: %s", error->message);
      return;
    }

  /* Committed: no upload can resume them now. */
  for (guint i = 0; i < all_dropped->len; i++)
    {
      Dropped *dropped = &g_array_index (all_dropped, Dropped, i);

      g_info ("Dropped file offer %" G_GINT64_FORMAT ", idle for %d s", dropped->file_id,
              self->server->config->stale_file_age);
      lt_file_storage_drop_async (self->server->file_storage, dropped->file_id,
                                  dropped->n_entries, NULL, NULL);
    }
}

static void
sweep_stale_offers (LtFileService *self)
{
  Sweep *sweep;
  GHashTableIter iter;
  const char *key;

  if (self->sweeping)
    return;

  sweep = g_new0 (Sweep, 1);
  sweep->before = g_get_real_time () / 1000 - (gint64) self->server->config->stale_file_age * 1000;
  sweep->busy = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_hash_table_iter_init (&iter, self->uploads);
  while (g_hash_table_iter_next (&iter, (gpointer *) &key, NULL))
    {
      gint64 file_id = g_ascii_strtoll (key, NULL, 10);

      g_array_append_val (sweep->busy, file_id);
    }

  self->sweeping = TRUE;
  lt_store_worker_run_async (self->server->worker, sweep_job, sweep, (GDestroyNotify) sweep_free,
                             (GDestroyNotify) g_array_unref, NULL, on_swept, g_object_ref (self));
}

static gboolean
on_sweep_timeout (gpointer user_data)
{
  sweep_stale_offers (user_data);
  return G_SOURCE_CONTINUE;
}

static void
start_sweeping (LtFileService *self)
{
  guint interval = MIN (SWEEP_INTERVAL_SECONDS, self->server->config->stale_file_age);

  sweep_stale_offers (self);
  self->sweep_id = g_timeout_add_seconds (interval, on_sweep_timeout, self);
}

/* Connections --------------------------------------------------------- */

/* The connections are accepted here and handed to libsoup, because
 * libsoup 3.2.3's own listener keeps a reference to every socket it
 * accepts (fixed upstream after 3.2.3), and has no timeouts.
 *
 * Each is counted against --max-connections-per-address, apart from the
 * chat port's, until its GSocketConnection is finalized: that happens
 * once, however it closed (an answer, --idle-timeout, a failed or timed
 * out handshake, the client gone, the server stopping), since libsoup
 * and the TLS connection drop their references then. */

static void
serve_connection (LtFileService     *self,
                  GIOStream         *stream,
                  GSocketConnection *connection)
{
  g_autoptr(GSocketAddress) local = g_socket_connection_get_local_address (connection, NULL);
  g_autoptr(GSocketAddress) remote = g_socket_connection_get_remote_address (connection, NULL);
  g_autoptr(GError) error = NULL;

  /* No addresses: the client is gone already. */
  if (local == NULL || remote == NULL)
    return;

  /* Every wait of libsoup on the socket, for a request or for room to
   * write an answer, then fails after --idle-timeout, and libsoup
   * closes the connection. */
  g_socket_set_timeout (g_socket_connection_get_socket (connection),
                        self->server->config->idle_timeout);

  if (!soup_server_accept_iostream (self->soup, stream, local, remote, &error))
    g_warning ("File service: cannot serve a connection: %s", error->message);
}

static void
on_handshake_done (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(LtFileService) self = user_data;
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;

  if (!g_tls_connection_handshake_finish (G_TLS_CONNECTION (source), result, &error))
    {
      g_debug ("File service: TLS handshake failed: %s", error->message);
      return;
    }
  if (self->listener == NULL)
    return;

  g_object_get (source, "base-io-stream", &connection, NULL);
  serve_connection (self, G_IO_STREAM (source), connection);
}

/* HTTPS only, with the chat port's certificate. */
static void
start_tls (LtFileService     *self,
           GSocketConnection *connection)
{
  g_autoptr(GIOStream) tls = NULL;
  g_autoptr(GError) error = NULL;

  tls = g_tls_server_connection_new (G_IO_STREAM (connection), self->certificate, &error);
  if (tls == NULL)
    {
      g_warning ("File service: cannot start TLS: %s", error->message);
      return;
    }

  /* As libsoup's listener: HTTP itself says where a body ends. */
  g_object_set (tls, "require-close-notify", FALSE, NULL);
  /* A client that does not finish its handshake in that time is
   * dropped: the socket's timeout fails the handshake's reads. */
  g_socket_set_timeout (g_socket_connection_get_socket (connection),
                        self->server->config->login_timeout);
  g_tls_connection_handshake_async (G_TLS_CONNECTION (tls), G_PRIORITY_DEFAULT, NULL,
                                    on_handshake_done, g_object_ref (self));
}

/* Too many connections from one address: on plain HTTP a 503, the
 * request not served (what has arrived of it is read and dropped, so
 * that the close sends no reset), on HTTPS nothing; then the
 * connection is closed. */
static void
refuse_connection (LtFileService     *self,
                   GSocketConnection *connection,
                   const char        *address)
{
  static const char body[] = "Too many connections from this address\n";
  GSocket *socket = g_socket_connection_get_socket (connection);
  g_autofree char *refusal = NULL;
  char drain[4096];
  guint n_drained = 0;

  g_message ("File service: refusing a connection from %s: too many from there", address);
  g_socket_set_blocking (socket, FALSE);
  if (self->certificate == NULL)
    {
      refusal = g_strdup_printf ("HTTP/1.1 503 Service Unavailable\r\n"
                                 "Retry-After: 1\r\n"
                                 "Content-Type: text/plain; charset=utf-8\r\n"
                                 "Content-Length: %" G_GSIZE_FORMAT "\r\n"
                                 "Connection: close\r\n"
                                 "\r\n"
                                 "%s", sizeof body - 1, body);
      while (n_drained++ < 16 && g_socket_receive (socket, drain, sizeof drain, NULL, NULL) > 0)
        continue;
      g_socket_send (socket, refusal, strlen (refusal), NULL, NULL);
      g_socket_shutdown (socket, FALSE, TRUE, NULL);
    }
  g_socket_close (socket, NULL);
}

static gboolean
on_incoming (GSocketService    *listener,
             GSocketConnection *connection,
             GObject           *source_object,
             LtFileService     *self)
{
  g_autofree char *address = lt_address_of_peer (connection);

  if (!lt_address_counter_add (self->address_counter, address))
    {
      refuse_connection (self, connection, address);
      return TRUE;
    }
  lt_address_counter_remove_on_finalize (self->address_counter, address, connection);

  g_socket_set_option (g_socket_connection_get_socket (connection), IPPROTO_TCP, TCP_NODELAY, 1,
                       NULL);
  if (self->certificate != NULL)
    start_tls (self, connection);
  else
    serve_connection (self, G_IO_STREAM (connection), connection);
  return TRUE;
}

/* libsoup 3.2 keeps a connection open for the next request only when
 * it has listeners of its own (priv->listeners in request_finished()),
 * and this server has none: it closes each connection after one
 * answer.  Saying so keeps a client from sending its next request on
 * that connection, which libsoup as a client would resend by itself,
 * with a request body partly read already. */
static void
on_request_started (SoupServer        *soup,
                    SoupServerMessage *msg,
                    gpointer           user_data)
{
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Connection",
                                "close");
}

static void
close_listener (LtFileService *self)
{
  if (self->listener == NULL)
    return;

  g_signal_handlers_disconnect_by_data (self->listener, self);
  g_socket_service_stop (self->listener);
  g_socket_listener_close (G_SOCKET_LISTENER (self->listener));
  g_clear_object (&self->listener);
}

/* The service --------------------------------------------------------- */

static void
lt_file_service_dispose (GObject *object)
{
  LtFileService *self = LT_FILE_SERVICE (object);

  g_clear_handle_id (&self->sweep_id, g_source_remove);
  close_listener (self);
  if (self->soup != NULL)
    soup_server_disconnect (self->soup);
  g_clear_object (&self->soup);
  g_clear_object (&self->certificate);

  G_OBJECT_CLASS (lt_file_service_parent_class)->dispose (object);
}

static void
lt_file_service_finalize (GObject *object)
{
  LtFileService *self = LT_FILE_SERVICE (object);

  g_clear_pointer (&self->uploads, g_hash_table_unref);
  g_clear_object (&self->address_counter);

  G_OBJECT_CLASS (lt_file_service_parent_class)->finalize (object);
}

static void
lt_file_service_class_init (LtFileServiceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = lt_file_service_dispose;
  object_class->finalize = lt_file_service_finalize;
}

static void
lt_file_service_init (LtFileService *self)
{
  self->uploads = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

/**
 * lt_file_service_new:
 * @certificate: (nullable): serve HTTPS with it
 */
LtFileService *
lt_file_service_new (LtServer        *server,
                     GTlsCertificate *certificate)
{
  LtFileService *self = g_object_new (LT_TYPE_FILE_SERVICE, NULL);

  self->server = server;
  self->address_counter = lt_address_counter_new (server->config->max_connections_per_address);
  g_set_object (&self->certificate, certificate);
  self->soup = soup_server_new ("server-header", "liaotian-server/" PACKAGE_VERSION, NULL);
  g_signal_connect (self->soup, "request-started", G_CALLBACK (on_request_started), NULL);
  soup_server_add_early_handler (self->soup, "/files", on_put_headers, self, NULL);
  soup_server_add_handler (self->soup, "/files", on_request, self, NULL);
  return self;
}

gboolean
lt_file_service_listen (LtFileService *self,
                        GInetAddress  *address,
                        guint16        port,
                        guint16       *bound_port,
                        GError       **error)
{
  g_autoptr(GSocketAddress) socket_address = g_inet_socket_address_new (address, port);
  g_autoptr(GSocketAddress) bound = NULL;

  g_return_val_if_fail (LT_IS_FILE_SERVICE (self), FALSE);
  g_return_val_if_fail (self->listener == NULL, FALSE);

  self->listener = g_socket_service_new ();
  g_socket_listener_set_backlog (G_SOCKET_LISTENER (self->listener), LISTEN_BACKLOG);
  if (!g_socket_listener_add_address (G_SOCKET_LISTENER (self->listener), socket_address,
                                      G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL, &bound,
                                      error))
    return FALSE;

  g_signal_connect (self->listener, "incoming", G_CALLBACK (on_incoming), self);
  g_socket_service_start (self->listener);
  *bound_port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  start_sweeping (self);
  return TRUE;
}

/* Closes the port and every connection. */
void
lt_file_service_stop (LtFileService *self)
{
  g_return_if_fail (LT_IS_FILE_SERVICE (self));

  g_clear_handle_id (&self->sweep_id, g_source_remove);
  close_listener (self);
  soup_server_disconnect (self->soup);
}
