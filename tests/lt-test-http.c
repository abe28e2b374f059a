/* SPDX-License-Identifier: GPL-3.0-or-later */
/* lt-test-http.c: HTTP requests to the file service of a test server,
 * and the file_* calls that go with them; a test pattern to upload
 * and check files of any size; raw connections, for what libsoup as a
 * client will not do. */
#include "config.h"

#include "lt-test-http.h"

#include <string.h>

void
lt_test_reply_free (LtTestReply *reply)
{
  g_clear_pointer (&reply->headers, soup_message_headers_unref);
  g_clear_pointer (&reply->body, g_bytes_unref);
  g_free (reply);
}

/* HTTPS when the server has TLS. */
static char *
http_url (LtTestServer *server,
          const char   *path)
{
  const char *address = lt_test_server_get_address (server);
  gboolean v6 = strchr (address, ':') != NULL;
  gboolean tls = lt_test_server_get_certificate (server) != NULL;

  return g_strdup_printf ("%s://%s%s%s:%u%s", tls ? "https" : "http", v6 ? "[" : "", address,
                          v6 ? "]" : "", lt_test_server_get_http_port (server), path);
}

/* Trusts the test server's own self-signed certificate, and no other. */
static gboolean
on_accept_certificate (SoupMessage         *msg,
                       GTlsCertificate     *certificate,
                       GTlsCertificateFlags errors,
                       gpointer             user_data)
{
  return g_tls_certificate_is_same (certificate, user_data);
}

/* Its timeout bounds every read and write. */
SoupSession *
lt_test_http_session (void)
{
  return soup_session_new_with_options ("timeout", lt_test_scale_timeout (30000) / 1000, NULL);
}

/* A request for @path with a bearer @token, or none. */
SoupMessage *
lt_test_http_message (LtTestServer *server,
                      const char   *method,
                      const char   *path,
                      const char   *token)
{
  g_autofree char *url = http_url (server, path);
  SoupMessage *msg = soup_message_new (method, url);
  GTlsCertificate *certificate = lt_test_server_get_certificate (server);

  if (certificate != NULL)
    g_signal_connect_object (msg, "accept-certificate", G_CALLBACK (on_accept_certificate),
                             certificate, 0);
  if (token != NULL)
    {
      g_autofree char *authorization = g_strconcat ("Bearer ", token, NULL);

      soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization",
                                    authorization);
    }
  return msg;
}

/* Sends @msg and reads its answer whole. */
LtTestReply *
lt_test_http_send (SoupMessage *msg)
{
  g_autoptr(SoupSession) session = lt_test_http_session ();
  g_autoptr(GError) error = NULL;
  LtTestReply *reply = g_new0 (LtTestReply, 1);

  reply->body = soup_session_send_and_read (session, msg, NULL, &error);
  if (reply->body == NULL)
    lt_test_fail ("Expected an answer to %s %s, got an error: %s", soup_message_get_method (msg),
                  g_uri_get_path (soup_message_get_uri (msg)), error->message);
  reply->status = soup_message_get_status (msg);
  reply->headers = soup_message_headers_ref (soup_message_get_response_headers (msg));
  return reply;
}

/* Sends one request; the varargs are header name, value, ..., NULL. */
LtTestReply *
lt_test_http_request (LtTestServer *server,
                      const char   *method,
                      const char   *path,
                      const char   *token,
                      GBytes       *body,
                      ...)
{
  g_autoptr(SoupMessage) msg = lt_test_http_message (server, method, path, token);
  SoupMessageHeaders *headers = soup_message_get_request_headers (msg);
  const char *name;
  va_list args;

  va_start (args, body);
  while ((name = va_arg (args, const char *)) != NULL)
    soup_message_headers_replace (headers, name, va_arg (args, const char *));
  va_end (args);
  if (body != NULL)
    soup_message_set_request_body_from_bytes (msg, "application/octet-stream", body);
  return lt_test_http_send (msg);
}

void
lt_test_assert_body (LtTestReply *reply,
                     const char  *expected)
{
  g_autofree char *got = g_strndup (g_bytes_get_data (reply->body, NULL),
                                    g_bytes_get_size (reply->body));

  g_assert_cmpstr (got, ==, expected);
}

/* GETs @path with @token: @status, and @content when it is not NULL. */
void
lt_test_assert_get (LtTestServer *server,
                    const char   *path,
                    const char   *token,
                    guint         status,
                    const char   *content)
{
  g_autoptr(LtTestReply) get = lt_test_http_request (server, "GET", path, token, NULL, NULL);

  lt_test_assert_status (get, status);
  if (content != NULL)
    lt_test_assert_body (get, content);
}

char *
lt_test_sha256_of (const char *data)
{
  return g_compute_checksum_for_string (G_CHECKSUM_SHA256, data, -1);
}

void
lt_test_offer_free (LtTestOffer *offer)
{
  g_free (offer->url);
  g_free (offer->token);
  g_free (offer);
}

/* Offers @size bytes with @sha256 under @name to @to. */
LtTestOffer *
lt_test_offer_sized (LtTestClient *client,
                     const char   *to,
                     const char   *name,
                     guint64       size,
                     const char   *sha256)
{
  g_autoptr(JsonObject) params = json_object_new ();
  g_autoptr(GError) error = NULL;
  JsonObject *result;
  LtTestOffer *offer = g_new0 (LtTestOffer, 1);

  json_object_set_string_member (params, "to", to);
  json_object_set_string_member (params, "name", name);
  json_object_set_int_member (params, "size", size);
  json_object_set_string_member (params, "sha256", sha256);
  result = lt_test_client_call_object (client, "file_offer", params, &error);
  if (result == NULL)
    lt_test_fail ("Expected file_offer of %s to %s to succeed, got: %s", name, to,
                  error->message);
  offer->file_id = json_object_get_int_member (result, "file_id");
  offer->url = g_strdup (json_object_get_string_member (result, "upload_url"));
  offer->token = g_strdup (json_object_get_string_member (result, "token"));
  return offer;
}

/* Offers @content under @name to @to, stating @sha256 (NULL: the real one). */
LtTestOffer *
lt_test_offer_file (LtTestClient *client,
                    const char   *to,
                    const char   *name,
                    const char   *content,
                    const char   *sha256)
{
  g_autofree char *real = lt_test_sha256_of (content);

  return lt_test_offer_sized (client, to, name, strlen (content), sha256 ? sha256 : real);
}

/* PUTs @content, whole, to the offer's URL. */
LtTestReply *
lt_test_put_bytes (LtTestServer *server,
                   LtTestOffer  *offer,
                   const char   *content)
{
  g_autoptr(GBytes) body = g_bytes_new (content, strlen (content));

  return lt_test_http_request (server, "PUT", offer->url, offer->token, body, NULL);
}

/* file_accept: a download token. */
char *
lt_test_accept_file (LtTestClient *client,
                     gint64        file_id)
{
  JsonObject *result = lt_test_call_ok (client, "file_accept", "{'file_id': %" G_GINT64_FORMAT "}",
                                        file_id);

  g_assert_cmpstr (json_object_get_string_member (result, "download_url"), !=, NULL);
  return g_strdup (json_object_get_string_member (result, "token"));
}

/* The test pattern: a deterministic byte stream of any length, of
 * which any part can be made (or checked) without the rest, so that
 * large files never sit whole in the test's memory either. */
static guint64
splitmix64 (guint64 x)
{
  x += G_GUINT64_CONSTANT (0x9e3779b97f4a7c15);
  x = (x ^ (x >> 30)) * G_GUINT64_CONSTANT (0xbf58476d1ce4e5b9);
  x = (x ^ (x >> 27)) * G_GUINT64_CONSTANT (0x94d049bb133111eb);
  return x ^ (x >> 31);
}

void
lt_test_pattern_fill (guint8 *buffer,
                      guint64 offset,
                      gsize   length)
{
  while (length > 0)
    {
      guint64 word = GUINT64_TO_LE (splitmix64 (offset / 8));
      gsize skip = offset % 8;
      gsize n = MIN (8 - skip, length);

      memcpy (buffer, (guint8 *) &word + skip, n);
      buffer += n;
      offset += n;
      length -= n;
    }
}

/* The SHA-256 of the pattern's bytes @first to @end - 1. */
char *
lt_test_pattern_range_sha256 (guint64 first,
                              guint64 end)
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree guint8 *buffer = g_malloc (LT_TEST_PATTERN_CHUNK);

  for (guint64 offset = first; offset < end; offset += LT_TEST_PATTERN_CHUNK)
    {
      gsize n = MIN (LT_TEST_PATTERN_CHUNK, end - offset);

      lt_test_pattern_fill (buffer, offset, n);
      g_checksum_update (checksum, buffer, n);
    }
  return g_strdup (g_checksum_get_string (checksum));
}

char *
lt_test_pattern_sha256 (guint64 size)
{
  return lt_test_pattern_range_sha256 (0, size);
}

/* A GInputStream of the pattern from one offset to another: the body of
 * an upload, made as libsoup reads it. */
#define PATTERN_TYPE_STREAM (pattern_stream_get_type ())

G_DECLARE_FINAL_TYPE (PatternStream, pattern_stream, PATTERN, STREAM, GInputStream)

struct _PatternStream
{
  GInputStream parent_instance;

  guint64 offset;
  guint64 end;
};

G_DEFINE_FINAL_TYPE (PatternStream, pattern_stream, G_TYPE_INPUT_STREAM)

static gssize
pattern_stream_read (GInputStream *stream,
                     void         *buffer,
                     gsize         count,
                     GCancellable *cancellable,
                     GError      **error)
{
  PatternStream *self = PATTERN_STREAM (stream);
  gsize n = MIN (count, self->end - self->offset);

  lt_test_pattern_fill (buffer, self->offset, n);
  self->offset += n;
  return n;
}

static void
pattern_stream_class_init (PatternStreamClass *klass)
{
  G_INPUT_STREAM_CLASS (klass)->read_fn = pattern_stream_read;
}

static void
pattern_stream_init (PatternStream *self)
{
}

static GInputStream *
pattern_stream_new (guint64 offset,
                    guint64 end)
{
  PatternStream *self = g_object_new (PATTERN_TYPE_STREAM, NULL);

  self->offset = offset;
  self->end = end;
  return G_INPUT_STREAM (self);
}

/* PUTs bytes @first to @end - 1 of the pattern to the entry at @path,
 * streamed, with a Content-Range unless they are the whole @size. */
LtTestReply *
lt_test_put_pattern (LtTestServer *server,
                     const char   *path,
                     const char   *token,
                     guint64       first,
                     guint64       end,
                     guint64       size)
{
  g_autoptr(GInputStream) body = pattern_stream_new (first, end);
  g_autoptr(SoupMessage) msg = lt_test_http_message (server, "PUT", path, token);
  g_autofree char *content_range = NULL;

  if (first != 0 || end != size)
    {
      content_range = g_strdup_printf ("bytes %" G_GUINT64_FORMAT "-%" G_GUINT64_FORMAT "/%"
                                       G_GUINT64_FORMAT, first, end - 1, size);
      soup_message_headers_replace (soup_message_get_request_headers (msg), "Content-Range",
                                    content_range);
    }
  soup_message_set_request_body (msg, "application/octet-stream", body, end - first);
  return lt_test_http_send (msg);
}

/* GETs @path, hashing the body as it comes instead of keeping it;
 * @range is a Range header or NULL.  The reply's body is empty. */
LtTestReply *
lt_test_get_hashed (LtTestServer *server,
                    const char   *path,
                    const char   *token,
                    const char   *range,
                    guint64      *length,
                    char        **sha256)
{
  g_autoptr(SoupSession) session = lt_test_http_session ();
  g_autoptr(SoupMessage) msg = lt_test_http_message (server, "GET", path, token);
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree guint8 *buffer = g_malloc (LT_TEST_PATTERN_CHUNK);
  g_autoptr(GInputStream) body = NULL;
  g_autoptr(GError) error = NULL;
  LtTestReply *reply = g_new0 (LtTestReply, 1);
  goffset expected;
  gssize n;

  if (range != NULL)
    soup_message_headers_replace (soup_message_get_request_headers (msg), "Range", range);
  body = soup_session_send (session, msg, NULL, &error);
  g_assert_no_error (error);
  reply->status = soup_message_get_status (msg);
  reply->headers = soup_message_headers_ref (soup_message_get_response_headers (msg));
  reply->body = g_bytes_new (NULL, 0);
  expected = soup_message_headers_get_content_length (reply->headers);

  /* Each read is bounded by the session's timeout, their number by the
   * length the headers promised. */
  *length = 0;
  while ((n = g_input_stream_read (body, buffer, LT_TEST_PATTERN_CHUNK, NULL, &error)) > 0)
    {
      g_checksum_update (checksum, buffer, n);
      *length += n;
      if ((goffset) *length > expected)
        lt_test_fail ("Expected %" G_GINT64_FORMAT " bytes from GET %s, got more", expected,
                      path);
    }
  g_assert_no_error (error);
  *sha256 = g_strdup (g_checksum_get_string (checksum));
  return reply;
}

/* Downloads @path whole and checks it is the pattern's first @size bytes. */
void
lt_test_assert_download_is_pattern (LtTestServer *server,
                                    const char   *path,
                                    const char   *token,
                                    guint64       size,
                                    const char   *sha256)
{
  g_autofree char *got_sha256 = NULL;
  g_autoptr(LtTestReply) get = NULL;
  guint64 length = 0;

  get = lt_test_get_hashed (server, path, token, NULL, &length, &got_sha256);
  lt_test_assert_status (get, SOUP_STATUS_OK);
  if (length != size || g_strcmp0 (got_sha256, sha256) != 0)
    lt_test_fail ("Expected to download %" G_GUINT64_FORMAT " bytes with SHA-256 %s, got %"
                  G_GUINT64_FORMAT " with %s", size, sha256, length, got_sha256);
}

/* Raw HTTP, for what libsoup as a client will not do: cut a request or a
 * response in the middle, hold a body back. */
GIOStream *
lt_test_raw_connect (LtTestServer *server)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GError) error = NULL;
  GSocketConnection *connection;

  /* Also the timeout of every read and write on the socket. */
  g_socket_client_set_timeout (client, lt_test_scale_timeout (30000) / 1000);
  connection = g_socket_client_connect_to_host (client, lt_test_server_get_address (server),
                                                lt_test_server_get_http_port (server), NULL,
                                                &error);
  g_assert_no_error (error);
  return G_IO_STREAM (connection);
}

/* Sends a request head: @method @path with the token and @headers, each
 * ending in \r\n. */
void
lt_test_raw_send_head (GIOStream  *stream,
                       const char *method,
                       const char *path,
                       const char *token,
                       const char *headers)
{
  g_autofree char *head = g_strdup_printf ("%s %s HTTP/1.1\r\nHost: localhost\r\n"
                                           "Authorization: Bearer %s\r\n%s\r\n",
                                           method, path, token, headers);
  g_autoptr(GError) error = NULL;

  g_output_stream_write_all (g_io_stream_get_output_stream (stream), head, strlen (head), NULL,
                             NULL, &error);
  g_assert_no_error (error);
}

void
lt_test_raw_send_pattern (GIOStream *stream,
                          guint64    first,
                          guint64    end)
{
  g_autofree guint8 *buffer = g_malloc (LT_TEST_PATTERN_CHUNK);
  g_autoptr(GError) error = NULL;

  for (guint64 offset = first; offset < end; offset += LT_TEST_PATTERN_CHUNK)
    {
      gsize n = MIN (LT_TEST_PATTERN_CHUNK, end - offset);

      lt_test_pattern_fill (buffer, offset, n);
      g_output_stream_write_all (g_io_stream_get_output_stream (stream), buffer, n, NULL, NULL,
                                 &error);
      g_assert_no_error (error);
    }
}

/* Reads a response head, up to the empty line, byte by byte so that
 * nothing of the body is taken. */
char *
lt_test_raw_read_head (GIOStream *stream)
{
  g_autoptr(GString) head = g_string_new (NULL);
  g_autoptr(GError) error = NULL;

  while (!g_str_has_suffix (head->str, "\r\n\r\n"))
    {
      char c;

      if (g_input_stream_read (g_io_stream_get_input_stream (stream), &c, 1, NULL, &error) != 1)
        lt_test_fail ("Expected a response head, got %s after \"%s\"",
                      error ? error->message : "the end of the stream", head->str);
      g_string_append_c (head, c);
      if (head->len > 16 * 1024)
        lt_test_fail ("Expected a response head of less than 16 KiB, got more: %.200s…",
                      head->str);
    }
  return g_string_free (g_steal_pointer (&head), FALSE);
}

void
lt_test_assert_head_status (const char *head,
                            guint       status)
{
  g_autofree char *expected = g_strdup_printf ("HTTP/1.1 %u ", status);

  if (!g_str_has_prefix (head, expected))
    lt_test_fail ("Expected a response \"%s…\", got \"%s\"", expected, head);
}

/* HEAD with an upload token: the Upload-Offset of the entry at @path. */
gint64
lt_test_upload_offset (LtTestServer *server,
                       const char   *path,
                       const char   *token)
{
  g_autoptr(LtTestReply) head = lt_test_http_request (server, "HEAD", path, token, NULL, NULL);
  const char *offset = soup_message_headers_get_one (head->headers, "Upload-Offset");

  lt_test_assert_status (head, SOUP_STATUS_OK);
  if (offset == NULL)
    lt_test_fail ("Expected an Upload-Offset in the answer to HEAD %s, got none", path);
  return g_ascii_strtoll (offset, NULL, 10);
}

/* The server keeps what arrived of a cut upload once it is on disk:
 * waits, bounded, for @path's Upload-Offset to be @expected. */
void
lt_test_wait_upload_offset (LtTestServer *server,
                            const char   *path,
                            const char   *token,
                            gint64        expected)
{
  gint64 deadline = lt_test_deadline (LT_TEST_TIMEOUT_MS);
  gint64 offset;

  while ((offset = lt_test_upload_offset (server, path, token)) != expected)
    {
      if (g_get_monotonic_time () > deadline)
        lt_test_fail ("Expected Upload-Offset %" G_GINT64_FORMAT " within %d ms, got %"
                      G_GINT64_FORMAT, expected, LT_TEST_TIMEOUT_MS, offset);
      g_usleep (20 * 1000);
    }
}

/* @receiver accepts @offer and downloads it: the pattern's first @size
 * bytes. */
void
lt_test_receive_pattern (LtTestServer *server,
                         LtTestClient *receiver,
                         LtTestOffer  *offer,
                         guint64       size,
                         const char   *sha256)
{
  g_autofree char *token = lt_test_accept_file (receiver, offer->file_id);

  lt_test_assert_download_is_pattern (server, offer->url, token, size, sha256);
}

/* Uploads @size bytes of the pattern as a whole to @to; returns the
 * offer, its bytes in, and a download token of @receiver in @token. */
LtTestOffer *
lt_test_upload_pattern (LtTestServer *server,
                        LtTestClient *sender,
                        const char   *to,
                        guint64       size,
                        LtTestClient *receiver,
                        char        **token)
{
  g_autofree char *sha256 = lt_test_pattern_sha256 (size);
  LtTestOffer *offer = lt_test_offer_sized (sender, to, "pattern.bin", size, sha256);
  g_autoptr(LtTestReply) put = lt_test_put_pattern (server, offer->url, offer->token, 0, size,
                                                    size);

  lt_test_assert_status (put, SOUP_STATUS_CREATED);
  *token = lt_test_accept_file (receiver, offer->file_id);
  return offer;
}
