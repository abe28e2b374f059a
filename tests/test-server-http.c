/* SPDX-License-Identifier: GPL-3.0-or-later */
/* liaotian-server: the HTTP file service, with real uploads and
 * downloads over libsoup against the real server. */
#include "config.h"

#include "lt-protocol.h"
#include "lt-test-http.h"

#include <string.h>

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

static void
pattern_fill (guint8 *buffer,
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

#define PATTERN_CHUNK (256 * 1024)

/* The SHA-256 of the pattern's bytes @first to @end - 1. */
static char *
pattern_range_sha256 (guint64 first,
                      guint64 end)
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree guint8 *buffer = g_malloc (PATTERN_CHUNK);

  for (guint64 offset = first; offset < end; offset += PATTERN_CHUNK)
    {
      gsize n = MIN (PATTERN_CHUNK, end - offset);

      pattern_fill (buffer, offset, n);
      g_checksum_update (checksum, buffer, n);
    }
  return g_strdup (g_checksum_get_string (checksum));
}

static char *
pattern_sha256 (guint64 size)
{
  return pattern_range_sha256 (0, size);
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

  pattern_fill (buffer, self->offset, n);
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
static LtTestReply *
put_pattern (LtTestServer *server,
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
static LtTestReply *
get_hashed (LtTestServer *server,
            const char   *path,
            const char   *token,
            const char   *range,
            guint64      *length,
            char        **sha256)
{
  g_autoptr(SoupSession) session = lt_test_http_session ();
  g_autoptr(SoupMessage) msg = lt_test_http_message (server, "GET", path, token);
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree guint8 *buffer = g_malloc (PATTERN_CHUNK);
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
  while ((n = g_input_stream_read (body, buffer, PATTERN_CHUNK, NULL, &error)) > 0)
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
static void
assert_download_is_pattern (LtTestServer *server,
                            const char   *path,
                            const char   *token,
                            guint64       size,
                            const char   *sha256)
{
  g_autofree char *got_sha256 = NULL;
  g_autoptr(LtTestReply) get = NULL;
  guint64 length = 0;

  get = get_hashed (server, path, token, NULL, &length, &got_sha256);
  lt_test_assert_status (get, SOUP_STATUS_OK);
  if (length != size || g_strcmp0 (got_sha256, sha256) != 0)
    lt_test_fail ("Expected to download %" G_GUINT64_FORMAT " bytes with SHA-256 %s, got %"
                  G_GUINT64_FORMAT " with %s", size, sha256, length, got_sha256);
}

/* A field of /proc/PID/status, in KiB. */
static guint64
proc_status_kib (GPid        pid,
                 const char *field)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/status", (int) pid);
  g_autofree char *text = NULL;
  g_autofree char *prefix = g_strconcat ("\n", field, ":", NULL);
  g_autoptr(GError) error = NULL;
  const char *found;

  if (!g_file_get_contents (path, &text, NULL, &error))
    lt_test_fail ("Expected to read %s, got: %s", path, error->message);
  found = strstr (text, prefix);
  if (found == NULL)
    lt_test_fail ("Expected a %s line in %s, got none", field, path);
  return g_ascii_strtoull (found + strlen (prefix), NULL, 10);
}

/* Sets the peak RSS (VmHWM) of @pid back to its RSS now (Linux ≥ 4.0),
 * so that the password hashing of the logins does not count. */
static void
reset_peak_rss (GPid pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/clear_refs", (int) pid);
  g_autoptr(GError) error = NULL;

  if (!g_file_set_contents_full (path, "5", 1, G_FILE_SET_CONTENTS_NONE, 0, &error))
    lt_test_fail ("Expected to reset the server's peak RSS through %s, got: %s", path,
                  error->message);
}

/* Raw HTTP, for what libsoup as a client will not do: cut a request or a
 * response in the middle, hold a body back. */
static GIOStream *
raw_connect (LtTestServer *server)
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
static void
raw_send_head (GIOStream  *stream,
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

static void
raw_send_pattern (GIOStream *stream,
                  guint64    first,
                  guint64    end)
{
  g_autofree guint8 *buffer = g_malloc (PATTERN_CHUNK);
  g_autoptr(GError) error = NULL;

  for (guint64 offset = first; offset < end; offset += PATTERN_CHUNK)
    {
      gsize n = MIN (PATTERN_CHUNK, end - offset);

      pattern_fill (buffer, offset, n);
      g_output_stream_write_all (g_io_stream_get_output_stream (stream), buffer, n, NULL, NULL,
                                 &error);
      g_assert_no_error (error);
    }
}

/* Reads a response head, up to the empty line, byte by byte so that
 * nothing of the body is taken. */
static char *
raw_read_head (GIOStream *stream)
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

static void
assert_head_status (const char *head,
                    guint       status)
{
  g_autofree char *expected = g_strdup_printf ("HTTP/1.1 %u ", status);

  if (!g_str_has_prefix (head, expected))
    lt_test_fail ("Expected a response \"%s…\", got \"%s\"", expected, head);
}

/* HEAD with an upload token: the Upload-Offset of the entry at @path. */
static gint64
upload_offset (LtTestServer *server,
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
static void
wait_upload_offset (LtTestServer *server,
                    const char   *path,
                    const char   *token,
                    gint64        expected)
{
  gint64 deadline = lt_test_deadline (LT_TEST_TIMEOUT_MS);
  gint64 offset;

  while ((offset = upload_offset (server, path, token)) != expected)
    {
      if (g_get_monotonic_time () > deadline)
        lt_test_fail ("Expected Upload-Offset %" G_GINT64_FORMAT " within %d ms, got %"
                      G_GINT64_FORMAT, expected, LT_TEST_TIMEOUT_MS, offset);
      g_usleep (20 * 1000);
    }
}

static void
assert_header_contains (LtTestReply *reply,
                        const char  *name,
                        const char  *text)
{
  const char *value = soup_message_headers_get_one (reply->headers, name);

  if (value == NULL || strstr (value, text) == NULL)
    lt_test_fail ("Expected a header %s with \"%s\" in it, got %s", name, text,
                  value ? value : "none");
}

static void
test_small (LtTestFixture *fixture,
            gconstpointer  data)
{
  LtTestServer *server = fixture->server;
  g_autoptr(LtTestClient) alice = lt_test_client_new_user (server, "alice");
  g_autoptr(LtTestClient) bob = lt_test_client_new_user (server, "bob");
  g_autoptr(LtTestOffer) offer = NULL;
  g_autofree char *sha256 = lt_test_sha256_of ("hello world");
  g_autoptr(LtTestReply) put = NULL;
  g_autoptr(LtTestReply) get = NULL;
  g_autoptr(LtTestReply) head = NULL;
  g_autoptr(LtTestReply) range = NULL;
  g_autofree char *token = NULL;
  JsonObject *offered;

  offer = lt_test_offer_file (alice, "bob", "hello.txt", "hello world", NULL);

  g_assert_cmpuint (lt_test_server_get_http_port (server), >, 0);
  g_assert_cmpint (json_object_get_int_member (lt_test_client_get_hello (alice), "http"), ==,
                   lt_test_server_get_http_port (server));

  /* Nobody hears of the file before its bytes are in. */
  lt_test_expect_no_notification (bob, "file_offered", 200);
  put = lt_test_put_bytes (server, offer, "hello world");
  lt_test_assert_status (put, SOUP_STATUS_CREATED);

  offered = lt_test_wait_notification (bob, "file_offered");
  g_assert_cmpint (json_object_get_int_member (offered, "file_id"), ==, offer->file_id);
  g_assert_cmpstr (json_object_get_string_member (offered, "from"), ==, "alice");
  g_assert_cmpstr (json_object_get_string_member (offered, "name"), ==, "hello.txt");
  g_assert_cmpint (json_object_get_int_member (offered, "size"), ==, 11);
  g_assert_cmpstr (json_object_get_string_member (offered, "sha256"), ==, sha256);
  g_assert_cmpint (json_object_get_int_member (offered, "id"), >, 0);
  lt_test_wait_notification (alice, "file_offered");

  token = lt_test_accept_file (bob, offer->file_id);
  get = lt_test_http_request (server, "GET", offer->url, token, NULL, NULL);
  lt_test_assert_status (get, SOUP_STATUS_OK);
  lt_test_assert_body (get, "hello world");
  g_assert_cmpstr (soup_message_headers_get_one (get->headers, "Content-Type"), ==,
                   "application/octet-stream");
  assert_header_contains (get, "ETag", sha256);
  assert_header_contains (get, "Content-Disposition", "hello.txt");

  head = lt_test_http_request (server, "HEAD", offer->url, token, NULL, NULL);
  lt_test_assert_status (head, SOUP_STATUS_OK);
  g_assert_cmpint (soup_message_headers_get_content_length (head->headers), ==, 11);
  g_assert_cmpuint (g_bytes_get_size (head->body), ==, 0);

  range = lt_test_http_request (server, "GET", offer->url, token, NULL, "Range", "bytes=6-", NULL);
  lt_test_assert_status (range, SOUP_STATUS_PARTIAL_CONTENT);
  lt_test_assert_body (range, "world");
  g_assert_cmpstr (soup_message_headers_get_one (range->headers, "Content-Range"), ==,
                   "bytes 6-10/11");
}

static void
test_empty (LtTestFixture *fixture,
            gconstpointer  data)
{
  LtTestServer *server = fixture->server;
  g_autoptr(LtTestClient) alice = lt_test_client_new_user (server, "alice");
  g_autoptr(LtTestOffer) offer = lt_test_offer_file (alice, "alice", "empty", "", NULL);
  g_autoptr(LtTestReply) put = lt_test_put_bytes (server, offer, "");
  g_autoptr(LtTestReply) get = NULL;
  g_autoptr(LtTestReply) range = NULL;
  g_autofree char *token = NULL;

  lt_test_assert_status (put, SOUP_STATUS_CREATED);
  token = lt_test_accept_file (alice, offer->file_id);
  get = lt_test_http_request (server, "GET", offer->url, token, NULL, NULL);
  lt_test_assert_status (get, SOUP_STATUS_OK);
  g_assert_cmpuint (g_bytes_get_size (get->body), ==, 0);
  range = lt_test_http_request (server, "GET", offer->url, token, NULL, "Range", "bytes=0-", NULL);
  lt_test_assert_status (range, SOUP_STATUS_REQUESTED_RANGE_NOT_SATISFIABLE);
  g_assert_cmpstr (soup_message_headers_get_one (range->headers, "Content-Range"), ==,
                   "bytes */0");
}

static void
test_resume_upload (LtTestFixture *fixture,
                    gconstpointer  data)
{
  LtTestServer *server = fixture->server;
  g_autoptr(LtTestClient) alice = lt_test_client_new_user (server, "alice");
  g_autoptr(LtTestClient) bob = lt_test_client_new_user (server, "bob");
  g_autoptr(LtTestOffer) offer = lt_test_offer_file (alice, "bob", "notes.txt", "0123456789", NULL);
  g_autoptr(GBytes) first = g_bytes_new_static ("01234", 5);
  g_autoptr(GBytes) rest = g_bytes_new_static ("56789", 5);
  g_autoptr(LtTestReply) put1 = NULL;
  g_autoptr(LtTestReply) head = NULL;
  g_autoptr(LtTestReply) whole = NULL;
  g_autoptr(LtTestReply) wrong = NULL;
  g_autoptr(LtTestReply) put2 = NULL;

  put1 = lt_test_http_request (server, "PUT", offer->url, offer->token, first, "Content-Range",
                               "bytes 0-4/10", NULL);
  lt_test_assert_status (put1, SOUP_STATUS_NO_CONTENT);
  g_assert_cmpstr (soup_message_headers_get_one (put1->headers, "Upload-Offset"), ==, "5");

  head = lt_test_http_request (server, "HEAD", offer->url, offer->token, NULL, NULL);
  lt_test_assert_status (head, SOUP_STATUS_OK);
  g_assert_cmpstr (soup_message_headers_get_one (head->headers, "Upload-Offset"), ==, "5");
  g_assert_cmpstr (soup_message_headers_get_one (head->headers, "Upload-Length"), ==, "10");

  /* Not from the start again, nor from the wrong place. */
  whole = lt_test_put_bytes (server, offer, "0123456789");
  lt_test_assert_status (whole, SOUP_STATUS_CONFLICT);
  wrong = lt_test_http_request (server, "PUT", offer->url, offer->token, rest, "Content-Range",
                                "bytes 4-8/10", NULL);
  lt_test_assert_status (wrong, SOUP_STATUS_CONFLICT);
  g_assert_cmpstr (soup_message_headers_get_one (wrong->headers, "Upload-Offset"), ==, "5");
  lt_test_expect_no_notification (bob, "file_offered", 100);

  put2 = lt_test_http_request (server, "PUT", offer->url, offer->token, rest, "Content-Range",
                               "bytes 5-9/10", NULL);
  lt_test_assert_status (put2, SOUP_STATUS_CREATED);
  lt_test_wait_notification (bob, "file_offered");
}

static void
test_corrupt (LtTestFixture *fixture,
              gconstpointer  data)
{
  LtTestServer *server = fixture->server;
  g_autoptr(LtTestClient) alice = lt_test_client_new_user (server, "alice");
  g_autoptr(LtTestClient) bob = lt_test_client_new_user (server, "bob");
  g_autofree char *sha256 = lt_test_sha256_of ("the real one");
  g_autoptr(LtTestOffer) offer = lt_test_offer_file (alice, "bob", "x", "the fake one", sha256);
  g_autoptr(LtTestReply) bad = lt_test_put_bytes (server, offer, "the fake one");
  g_autoptr(LtTestReply) head = NULL;
  g_autoptr(LtTestReply) good = NULL;

  lt_test_assert_status (bad, SOUP_STATUS_UNPROCESSABLE_ENTITY);
  lt_test_expect_no_notification (bob, "file_offered", 200);
  /* Nothing of it is kept: the upload starts over. */
  head = lt_test_http_request (server, "HEAD", offer->url, offer->token, NULL, NULL);
  g_assert_cmpstr (soup_message_headers_get_one (head->headers, "Upload-Offset"), ==, "0");

  good = lt_test_put_bytes (server, offer, "the real one");
  lt_test_assert_status (good, SOUP_STATUS_CREATED);
  lt_test_wait_notification (bob, "file_offered");
}

static void
test_tokens (LtTestFixture *fixture,
             gconstpointer  data)
{
  LtTestServer *server = fixture->server;
  g_autoptr(LtTestClient) alice = lt_test_client_new_user (server, "alice");
  g_autoptr(LtTestClient) bob = lt_test_client_new_user (server, "bob");
  g_autoptr(LtTestClient) carol = lt_test_client_new_user (server, "carol");
  g_autoptr(LtTestOffer) offer = lt_test_offer_file (alice, "bob", "secret.txt", "for bob", NULL);
  g_autoptr(LtTestOffer) carols = lt_test_offer_file (carol, "carol", "own.txt", "mine", NULL);
  g_autoptr(LtTestReply) put = lt_test_put_bytes (server, offer, "for bob");
  g_autoptr(LtTestReply) put_own = lt_test_put_bytes (server, carols, "mine");
  g_autofree char *carol_token = lt_test_accept_file (carol, carols->file_id);
  g_autofree char *forged = NULL;
  g_autoptr(LtTestReply) none = NULL;
  g_autoptr(LtTestReply) bad = NULL;
  g_autoptr(LtTestReply) other_file = NULL;
  g_autoptr(LtTestReply) upload_token = NULL;

  lt_test_assert_status (put, SOUP_STATUS_CREATED);
  lt_test_assert_status (put_own, SOUP_STATUS_CREATED);
  lt_test_call_error (carol, "file_accept", 1016, "no_such_file",
                      "{'file_id': %" G_GINT64_FORMAT "}", offer->file_id);

  none = lt_test_http_request (server, "GET", offer->url, NULL, NULL, NULL);
  lt_test_assert_status (none, SOUP_STATUS_UNAUTHORIZED);
  g_assert_cmpstr (soup_message_headers_get_one (none->headers, "WWW-Authenticate"), ==,
                   "Bearer");

  /* Carol's token names her and her file: changing either breaks it. */
  forged = g_strdup (carol_token);
  memcpy (strstr (forged, "carol"), "bobby", 5);
  bad = lt_test_http_request (server, "GET", carols->url, forged, NULL, NULL);
  lt_test_assert_status (bad, SOUP_STATUS_UNAUTHORIZED);
  other_file = lt_test_http_request (server, "GET", offer->url, carol_token, NULL, NULL);
  lt_test_assert_status (other_file, SOUP_STATUS_FORBIDDEN);
  /* An upload token does not download. */
  upload_token = lt_test_http_request (server, "GET", offer->url, offer->token, NULL, NULL);
  lt_test_assert_status (upload_token, SOUP_STATUS_FORBIDDEN);
}

#define MIB (1024 * 1024)
#define RSS_GROWTH_BOUND_KIB (64 * 1024)

/* A sanitizer build of the tests is one of the server too. */
#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN TRUE
#else
#define UNDER_ASAN FALSE
#endif

/* 200 MB up and down, streamed at both ends, while the server's peak
 * RSS stays within a bound: it never holds a file in memory. */
static void
test_large (LtTestFixture *fixture,
            gconstpointer  data)
{
  LtTestServer *server = fixture->server;
  gboolean valgrind = g_getenv ("LT_TEST_VALGRIND") != NULL;
  /* Valgrind would take minutes over 200 MB, and AddressSanitizer's
   * quarantine keeps up to 256 MiB of freed buffers resident: the same
   * path, smaller. */
  guint64 size = valgrind || UNDER_ASAN ? 16 * MIB : 200 * MIB;
  g_autoptr(LtTestClient) alice = lt_test_client_new_user (server, "alice");
  g_autoptr(LtTestClient) bob = lt_test_client_new_user (server, "bob");
  g_autofree char *sha256 = pattern_sha256 (size);
  g_autoptr(LtTestOffer) offer = lt_test_offer_sized (alice, "bob", "large.bin", size, sha256);
  g_autoptr(LtTestReply) put = NULL;
  g_autofree char *token = NULL;
  GPid pid = lt_test_server_get_pid (server);
  guint64 before, peak;

  if (size != 200 * MIB)
    g_test_message ("Under %s: a %" G_GUINT64_FORMAT " MiB file instead of 200 MiB",
                    valgrind ? "valgrind" : "AddressSanitizer", size / MIB);

  reset_peak_rss (pid);
  before = proc_status_kib (pid, "VmRSS");
  put = put_pattern (server, offer->url, offer->token, 0, size, size);
  lt_test_assert_status (put, SOUP_STATUS_CREATED);
  lt_test_wait_notification (bob, "file_offered");
  token = lt_test_accept_file (bob, offer->file_id);
  assert_download_is_pattern (server, offer->url, token, size, sha256);

  peak = proc_status_kib (pid, "VmHWM");
  g_test_message ("The server's peak RSS grew by %" G_GUINT64_FORMAT " KiB (from %"
                  G_GUINT64_FORMAT " KiB) while %" G_GUINT64_FORMAT " MiB went up and down",
                  peak - MIN (peak, before), before, size / MIB);
  if (peak > before + RSS_GROWTH_BOUND_KIB)
    lt_test_fail ("Expected the server's peak RSS to grow by less than %d MiB while a %"
                  G_GUINT64_FORMAT " MiB file passed; it grew by %" G_GUINT64_FORMAT " KiB "
                  "(from %" G_GUINT64_FORMAT " to %" G_GUINT64_FORMAT " KiB)",
                  RSS_GROWTH_BOUND_KIB / 1024, size / MIB, peak - before, before, peak);
}

/* An odd size, over several write buffers of the server. */
#define CUT_SIZE (3 * MIB + 12345)

/* The second half of an upload of CUT_SIZE bytes cut in the middle. */
static void
put_second_half (LtTestServer *server,
                 LtTestOffer  *offer)
{
  g_autoptr(LtTestReply) rest = NULL;

  rest = put_pattern (server, offer->url, offer->token, CUT_SIZE / 2, CUT_SIZE, CUT_SIZE);

  lt_test_assert_status (rest, SOUP_STATUS_CREATED);
}

/* @receiver accepts @offer and downloads it: the pattern's first @size
 * bytes. */
static void
receive_pattern (LtTestServer *server,
                 LtTestClient *receiver,
                 LtTestOffer  *offer,
                 guint64       size,
                 const char   *sha256)
{
  g_autofree char *token = lt_test_accept_file (receiver, offer->file_id);

  assert_download_is_pattern (server, offer->url, token, size, sha256);
}

/* A PUT that announced the whole entry is cut after half of it, on a
 * raw connection: the server keeps the half, and the upload resumes
 * from HEAD's Upload-Offset with Content-Range. */
static void
test_cut_upload (LtTestFixture *fixture,
                 gconstpointer  data)
{
  LtTestServer *server = fixture->server;
  g_autoptr(LtTestClient) alice = lt_test_client_new_user (server, "alice");
  g_autoptr(LtTestClient) bob = lt_test_client_new_user (server, "bob");
  g_autofree char *sha256 = pattern_sha256 (CUT_SIZE);
  g_autoptr(LtTestOffer) offer = lt_test_offer_sized (alice, "bob", "cut.bin", CUT_SIZE, sha256);
  g_autofree char *length = g_strdup_printf ("Content-Length: %d\r\n", CUT_SIZE);
  g_autoptr(GIOStream) raw = raw_connect (server);

  raw_send_head (raw, "PUT", offer->url, offer->token, length);
  raw_send_pattern (raw, 0, CUT_SIZE / 2);
  g_io_stream_close (raw, NULL, NULL);

  wait_upload_offset (server, offer->url, offer->token, CUT_SIZE / 2);
  lt_test_expect_no_notification (bob, "file_offered", 100);
  put_second_half (server, offer);
  lt_test_wait_notification (bob, "file_offered");
  receive_pattern (server, bob, offer, CUT_SIZE, sha256);
}

/* Half an upload, a server restart, the other half with the same
 * token: the bytes and the token survive. */
static void
test_resume_after_restart (LtTestFixture *fixture,
                           gconstpointer  data)
{
  LtTestServer *server = fixture->server;
  g_autoptr(LtTestClient) alice = lt_test_client_new_user (server, "alice");
  g_autoptr(LtTestClient) bob = lt_test_client_new_user (server, "bob");
  g_autofree char *sha256 = pattern_sha256 (CUT_SIZE);
  g_autoptr(LtTestOffer) offer = lt_test_offer_sized (alice, "bob", "restart.bin", CUT_SIZE,
                                                      sha256);
  g_autoptr(LtTestReply) half = NULL;
  g_autoptr(LtTestClient) bob_again = NULL;
  guint16 http_port = lt_test_server_get_http_port (server);
  JsonObject *offered;

  half = put_pattern (server, offer->url, offer->token, 0, CUT_SIZE / 2, CUT_SIZE);
  lt_test_assert_status (half, SOUP_STATUS_NO_CONTENT);
  g_clear_pointer (&bob, lt_test_client_free);
  lt_test_server_restart (server);
  g_assert_cmpuint (lt_test_server_get_http_port (server), ==, http_port);

  g_assert_cmpint (upload_offset (server, offer->url, offer->token), ==, CUT_SIZE / 2);
  put_second_half (server, offer);

  bob_again = lt_test_client_new_login (server, "bob");
  offered = lt_test_wait_notification (bob_again, "file_offered");
  lt_test_assert_object (offered, "{'file_id':%" G_GINT64_FORMAT ",'offline':true}",
                         offer->file_id);
  receive_pattern (server, bob_again, offer, CUT_SIZE, sha256);
}

/* Uploads @size bytes of the pattern as a whole to @to; returns the
 * offer, its bytes in, and a download token of @receiver in @token. */
static LtTestOffer *
upload_pattern (LtTestServer *server,
                LtTestClient *sender,
                const char   *to,
                guint64       size,
                LtTestClient *receiver,
                char        **token)
{
  g_autofree char *sha256 = pattern_sha256 (size);
  LtTestOffer *offer = lt_test_offer_sized (sender, to, "pattern.bin", size, sha256);
  g_autoptr(LtTestReply) put = put_pattern (server, offer->url, offer->token, 0, size, size);

  lt_test_assert_status (put, SOUP_STATUS_CREATED);
  *token = lt_test_accept_file (receiver, offer->file_id);
  return offer;
}

/* A download read half-way and dropped, then resumed with Range. */
static void
test_cut_download (LtTestFixture *fixture,
                   gconstpointer  data)
{
  LtTestServer *server = fixture->server;
  g_autoptr(LtTestClient) alice = lt_test_client_new_user (server, "alice");
  g_autofree char *token = NULL;
  g_autoptr(LtTestOffer) offer = upload_pattern (server, alice, "alice", CUT_SIZE, alice, &token);
  g_autoptr(GIOStream) raw = raw_connect (server);
  g_autofree guint8 *half = g_malloc (CUT_SIZE / 2);
  g_autofree guint8 *expected = g_malloc (CUT_SIZE / 2);
  g_autofree char *head = NULL;
  g_autofree char *range = g_strdup_printf ("bytes=%d-", CUT_SIZE / 2);
  g_autofree char *content_range = g_strdup_printf ("bytes %d-%d/%d", CUT_SIZE / 2,
                                                    CUT_SIZE - 1, CUT_SIZE);
  g_autofree char *rest_expected = pattern_range_sha256 (CUT_SIZE / 2, CUT_SIZE);
  g_autoptr(LtTestReply) rest = NULL;
  g_autofree char *rest_sha256 = NULL;
  guint64 rest_length = 0;
  gsize n = 0;
  g_autoptr(GError) error = NULL;

  raw_send_head (raw, "GET", offer->url, token, "");
  head = raw_read_head (raw);
  assert_head_status (head, SOUP_STATUS_OK);
  g_input_stream_read_all (g_io_stream_get_input_stream (raw), half, CUT_SIZE / 2, &n, NULL,
                           &error);
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, CUT_SIZE / 2);
  pattern_fill (expected, 0, CUT_SIZE / 2);
  if (memcmp (half, expected, CUT_SIZE / 2) != 0)
    lt_test_fail ("Expected the first half of the download to be the file's, it differs");
  g_io_stream_close (raw, NULL, NULL);

  rest = get_hashed (server, offer->url, token, range, &rest_length, &rest_sha256);
  lt_test_assert_status (rest, SOUP_STATUS_PARTIAL_CONTENT);
  g_assert_cmpstr (soup_message_headers_get_one (rest->headers, "Content-Range"), ==,
                   content_range);
  if (rest_length != CUT_SIZE - CUT_SIZE / 2 || g_strcmp0 (rest_sha256, rest_expected) != 0)
    lt_test_fail ("Expected the rest of the file, %d bytes with SHA-256 %s, got %"
                  G_GUINT64_FORMAT " bytes with %s", CUT_SIZE - CUT_SIZE / 2, rest_expected,
                  rest_length, rest_sha256);
}

#define RANGE_SIZE 1000

/* GETs @range of the RANGE_SIZE file at @offer, expecting 416. */
static void
assert_range_refused (LtTestServer *server,
                      LtTestOffer  *offer,
                      const char   *token,
                      const char   *range)
{
  g_autoptr(LtTestReply) get = lt_test_http_request (server, "GET", offer->url, token, NULL,
                                                     "Range", range, NULL);
  const char *content_range = soup_message_headers_get_one (get->headers, "Content-Range");

  if (get->status != SOUP_STATUS_REQUESTED_RANGE_NOT_SATISFIABLE
      || g_strcmp0 (content_range, "bytes */1000") != 0)
    lt_test_fail ("Range: %s: expected 416 with Content-Range: bytes */1000, got %u with %s",
                  range, get->status, content_range ? content_range : "no Content-Range");
}

/* GETs @range, expecting @status and the pattern's bytes @first to
 * @last, with @content_range (NULL: none). */
static void
assert_range_served (LtTestServer *server,
                     LtTestOffer  *offer,
                     const char   *token,
                     const char   *range,
                     guint         status,
                     guint64       first,
                     guint64       last,
                     const char   *content_range)
{
  g_autoptr(LtTestReply) get = lt_test_http_request (server, "GET", offer->url, token, NULL,
                                                     "Range", range, NULL);
  g_autofree guint8 *expected = g_malloc (last - first + 1);

  pattern_fill (expected, first, last - first + 1);
  if (get->status != status)
    lt_test_fail ("Range: %s: expected HTTP %u, got %u", range, status, get->status);
  g_assert_cmpstr (soup_message_headers_get_one (get->headers, "Content-Range"), ==,
                   content_range);
  if (g_bytes_get_size (get->body) != last - first + 1
      || memcmp (g_bytes_get_data (get->body, NULL), expected, last - first + 1) != 0)
    lt_test_fail ("Range: %s: expected bytes %" G_GUINT64_FORMAT " to %" G_GUINT64_FORMAT
                  " of the file, got %" G_GSIZE_FORMAT " other bytes", range, first, last,
                  g_bytes_get_size (get->body));
}

/* Range is parsed strictly (PROTOCOL.md §13). */
static void
test_ranges (LtTestFixture *fixture,
             gconstpointer  data)
{
  LtTestServer *server = fixture->server;
  g_autoptr(LtTestClient) alice = lt_test_client_new_user (server, "alice");
  g_autofree char *token = NULL;
  g_autoptr(LtTestOffer) offer = upload_pattern (server, alice, "alice", RANGE_SIZE, alice, &token);
  static const char *refused[] = {
    "bytes=500-100", /* inverted */
    "bytes=1000-", /* starts at the end */
    "bytes=2000-3000", /* past it */
    "bytes=0-10,5-20", /* overlapping */
    "bytes=-0", /* an empty suffix */
    "lines=0-10", /* another unit */
    "bytes=x-y",
  };

  for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
    assert_range_refused (server, offer, token, refused[i]);

  assert_range_served (server, offer, token, "bytes=0-9,20-29", SOUP_STATUS_OK, 0, 999, NULL);
  assert_range_served (server, offer, token, "bytes=990-5000", SOUP_STATUS_PARTIAL_CONTENT, 990,
                       999, "bytes 990-999/1000");
  assert_range_served (server, offer, token, "bytes=100-199", SOUP_STATUS_PARTIAL_CONTENT, 100,
                       199, "bytes 100-199/1000");
  assert_range_served (server, offer, token, "bytes=-10", SOUP_STATUS_PARTIAL_CONTENT, 990, 999,
                       "bytes 990-999/1000");
}

/* A refused PUT with "Expect: 100-continue" is answered before the
 * client sends a byte of its body: @headers name the body. */
static void
assert_put_refused_early (LtTestServer *server,
                          LtTestOffer  *offer,
                          const char   *headers,
                          guint         status)
{
  g_autoptr(GIOStream) raw = raw_connect (server);
  g_autofree char *expect = g_strconcat (headers, "Expect: 100-continue\r\n", NULL);
  g_autofree char *head = NULL;

  raw_send_head (raw, "PUT", offer->url, offer->token, expect);
  head = raw_read_head (raw);
  assert_head_status (head, status);
  g_io_stream_close (raw, NULL, NULL);
}

static void
test_limits (LtTestFixture *fixture,
             gconstpointer  data)
{
  LtTestServer *server = fixture->server;
  g_autoptr(LtTestClient) alice = lt_test_client_new_user (server, "alice");
  g_autoptr(LtTestOffer) offer = lt_test_offer_file (alice, "alice", "ten.txt", "0123456789", NULL);
  g_autofree char *entry_path = g_strconcat (offer->url, "/1", NULL);
  g_autoptr(GBytes) eleven = g_bytes_new_static ("0123456789A", 11);
  g_autoptr(LtTestReply) too_long = NULL;
  g_autoptr(LtTestReply) delete = NULL;
  g_autoptr(LtTestReply) no_entry = NULL;
  g_autoptr(LtTestReply) no_path = NULL;
  g_autoptr(LtTestReply) elsewhere = NULL;
  g_autoptr(LtTestReply) put = NULL;

  assert_put_refused_early (server, offer, "Content-Length: 11\r\n",
                            SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE);
  assert_put_refused_early (server, offer, "Transfer-Encoding: chunked\r\n",
                            SOUP_STATUS_LENGTH_REQUIRED);
  assert_put_refused_early (server, offer, "", SOUP_STATUS_LENGTH_REQUIRED);
  /* Without Expect, the body is read and dropped, never stored. */
  too_long = lt_test_http_request (server, "PUT", offer->url, offer->token, eleven, NULL);
  lt_test_assert_status (too_long, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE);
  g_assert_cmpint (upload_offset (server, offer->url, offer->token), ==, 0);

  delete = lt_test_http_request (server, "DELETE", offer->url, offer->token, NULL, NULL);
  lt_test_assert_status (delete, SOUP_STATUS_METHOD_NOT_ALLOWED);
  g_assert_cmpstr (soup_message_headers_get_one (delete->headers, "Allow"), ==,
                   "GET, HEAD, PUT");
  no_entry = lt_test_http_request (server, "HEAD", entry_path, offer->token, NULL, NULL);
  lt_test_assert_status (no_entry, SOUP_STATUS_NOT_FOUND);
  no_path = lt_test_http_request (server, "GET", "/files/x", offer->token, NULL, NULL);
  lt_test_assert_status (no_path, SOUP_STATUS_NOT_FOUND);
  elsewhere = lt_test_http_request (server, "GET", "/", offer->token, NULL, NULL);
  lt_test_assert_status (elsewhere, SOUP_STATUS_NOT_FOUND);

  /* None of it kept the entry from its upload. */
  put = lt_test_put_bytes (server, offer, "0123456789");
  lt_test_assert_status (put, SOUP_STATUS_CREATED);
}

/* An incomplete offer idle for --stale-file-age is dropped: its bytes,
 * its upload and its quota.  The server checks every --stale-file-age
 * seconds when that is less than an hour. */
static const LtTestServerOptions stale_soon = {
  .args = { "--stale-file-age", "3", "--file-quota", "100", NULL },
};

/* Never uploaded whole: any SHA-256 will do. */
#define ANY_SHA256 "0000000000000000000000000000000000000000000000000000000000000000"

/* Waits, bounded by the age, one more period and time for a slow
 * machine, until the sweep has dropped @offer: file_resume says 1017. */
static void
wait_dropped (LtTestClient *client,
              LtTestOffer  *offer)
{
  gint64 deadline = lt_test_deadline (15000);
  g_autoptr(GError) error = NULL;

  while (lt_test_client_call (client, "file_resume", &error, "{'file_id':%" G_GINT64_FORMAT "}",
                              offer->file_id) != NULL)
    {
      if (g_get_monotonic_time () > deadline)
        lt_test_fail ("Expected file %" G_GINT64_FORMAT " to be dropped within 15 s of its "
                      "last upload; file_resume still answers", offer->file_id);
      g_usleep (200 * 1000);
    }
  g_assert_error (error, LT_PROTOCOL_ERROR, LT_PROTOCOL_ERROR_FILE_UNAVAILABLE);
}

static void
test_stale_offer (LtTestFixture *fixture,
                  gconstpointer  data)
{
  LtTestServer *server = fixture->server;
  g_autoptr(LtTestClient) alice = lt_test_client_new_user (server, "alice");
  g_autoptr(LtTestOffer) stale = lt_test_offer_sized (alice, "alice", "stale.bin", 60,
                                                      ANY_SHA256);
  g_autoptr(LtTestReply) half = put_pattern (server, stale->url, stale->token, 0, 30, 60);
  g_autoptr(LtTestOffer) done = lt_test_offer_file (alice, "alice", "done.txt", "complete", NULL);
  g_autoptr(LtTestReply) put_done = lt_test_put_bytes (server, done, "complete");
  g_autofree char *partial = g_strdup_printf ("%s/files/partial/%" G_GINT64_FORMAT "-0",
                                              lt_test_server_get_data_dir (server),
                                              stale->file_id);
  g_autoptr(LtTestReply) head = NULL;
  g_autofree char *token = NULL;

  lt_test_assert_status (half, SOUP_STATUS_NO_CONTENT);
  lt_test_assert_status (put_done, SOUP_STATUS_CREATED);
  if (!g_file_test (partial, G_FILE_TEST_EXISTS))
    lt_test_fail ("Expected the 30 bytes that arrived in %s, found no such file", partial);
  lt_test_call_error (alice, "file_offer", 1015, "quota_exceeded",
                      "{'to':'alice','name':'more','size':40,'sha256':'" ANY_SHA256 "'}");

  wait_dropped (alice, stale);
  lt_test_wait_until (!g_file_test (partial, G_FILE_TEST_EXISTS),
                      "the partial file of the dropped offer to be deleted");
  head = lt_test_http_request (server, "HEAD", stale->url, stale->token, NULL, NULL);
  lt_test_assert_status (head, SOUP_STATUS_CONFLICT);

  /* Its quota is back; the complete file stays. */
  lt_test_call_ok (alice, "file_offer",
                   "{'to':'alice','name':'more','size':90,'sha256':'" ANY_SHA256 "'}");
  token = lt_test_accept_file (alice, done->file_id);
  lt_test_assert_get (server, done->url, token, SOUP_STATUS_OK, "complete");
}

/* Appends bytes @first to @end - 1 of the pattern to the file at @path. */
static void
append_pattern (const char *path,
                guint64     first,
                guint64     end)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GError) error = NULL;
  g_autoptr(GFileOutputStream) output = g_file_append_to (file, G_FILE_CREATE_NONE, NULL, &error);
  g_autofree guint8 *buffer = g_malloc (PATTERN_CHUNK);

  g_assert_no_error (error);
  for (guint64 offset = first; offset < end; offset += PATTERN_CHUNK)
    {
      gsize n = MIN (PATTERN_CHUNK, end - offset);

      pattern_fill (buffer, offset, n);
      g_output_stream_write_all (G_OUTPUT_STREAM (output), buffer, n, NULL, NULL, &error);
      g_assert_no_error (error);
    }
  g_output_stream_close (G_OUTPUT_STREAM (output), NULL, &error);
  g_assert_no_error (error);
}

/* The server dies after the last byte of an entry is on disk and before
 * it was checked: HEAD says every byte is there, and an empty PUT has
 * them checked and the file announced. */
static void
test_verify_after_crash (LtTestFixture *fixture,
                         gconstpointer  data)
{
  LtTestServer *server = fixture->server;
  g_autoptr(LtTestClient) alice = lt_test_client_new_user (server, "alice");
  g_autoptr(LtTestClient) bob = lt_test_client_new_user (server, "bob");
  g_autofree char *sha256 = pattern_sha256 (CUT_SIZE);
  g_autoptr(LtTestOffer) offer = lt_test_offer_sized (alice, "bob", "crash.bin", CUT_SIZE,
                                                      sha256);
  g_autofree char *partial = g_strdup_printf ("%s/files/partial/%" G_GINT64_FORMAT "-0",
                                              lt_test_server_get_data_dir (server),
                                              offer->file_id);
  g_autoptr(GBytes) nothing = g_bytes_new (NULL, 0);
  g_autoptr(LtTestReply) half = NULL;
  g_autoptr(LtTestReply) check = NULL;

  half = put_pattern (server, offer->url, offer->token, 0, CUT_SIZE / 2, CUT_SIZE);
  lt_test_assert_status (half, SOUP_STATUS_NO_CONTENT);
  g_clear_pointer (&bob, lt_test_client_free);
  lt_test_server_kill (server);
  append_pattern (partial, CUT_SIZE / 2, CUT_SIZE);
  lt_test_server_start (server);

  g_assert_cmpint (upload_offset (server, offer->url, offer->token), ==, CUT_SIZE);
  check = lt_test_http_request (server, "PUT", offer->url, offer->token, nothing, NULL);
  lt_test_assert_status (check, SOUP_STATUS_CREATED);
  bob = lt_test_client_new_login (server, "bob");
  lt_test_wait_notification_like (bob, "file_offered", "{'file_id':%" G_GINT64_FORMAT "}",
                                  offer->file_id);
  receive_pattern (server, bob, offer, CUT_SIZE, sha256);
}

/* The server's files may not grow past 1 MiB (RLIMIT_FSIZE): writing a
 * file fails as on a full disk. */
static const LtTestServerOptions small_disk = { .max_file_size = MIB };

/* A failed write answers 500 or 507, keeps what was written for a
 * later resume, and leaves the rest of the server working. */
static void
test_disk_full (LtTestFixture *fixture,
                gconstpointer  data)
{
  LtTestServer *server = fixture->server;
  g_autoptr(LtTestClient) alice = lt_test_client_new_user (server, "alice");
  g_autofree char *sha256 = pattern_sha256 (2 * MIB);
  g_autoptr(LtTestOffer) offer = lt_test_offer_sized (alice, "alice", "big.bin", 2 * MIB,
                                                      sha256);
  g_autoptr(LtTestReply) put = put_pattern (server, offer->url, offer->token, 0, 2 * MIB,
                                            2 * MIB);
  gint64 offset;

  /* EFBIG is no ENOSPC to GIO: 500 then, both are "could not store". */
  if (put->status != SOUP_STATUS_INSUFFICIENT_STORAGE
      && put->status != SOUP_STATUS_INTERNAL_SERVER_ERROR)
    lt_test_fail ("Expected HTTP 507 or 500 when the disk is full, got %u", put->status);
  offset = upload_offset (server, offer->url, offer->token);
  if (offset > MIB)
    lt_test_fail ("Expected at most 1 MiB stored before the disk was full, got %"
                  G_GINT64_FORMAT " bytes", offset);
  lt_test_assert_object (lt_test_call_ok (alice, "file_list", "{'with':'alice'}"),
                         "{'files':[],'more':false}");
}

/* An upload that is running keeps its offer, however long it takes:
 * the offer goes only once the upload has stopped for the age. */
static void
test_stale_offer_busy (LtTestFixture *fixture,
                       gconstpointer  data)
{
  LtTestServer *server = fixture->server;
  g_autoptr(LtTestClient) alice = lt_test_client_new_user (server, "alice");
  g_autoptr(LtTestOffer) offer = lt_test_offer_sized (alice, "alice", "slow.bin", 60,
                                                      ANY_SHA256);
  g_autoptr(GIOStream) raw = raw_connect (server);

  raw_send_head (raw, "PUT", offer->url, offer->token, "Content-Length: 60\r\n");
  raw_send_pattern (raw, 0, 30);
  /* Twice the age: two sweeps at least find it idle, and busy. */
  g_usleep (7 * G_USEC_PER_SEC);
  lt_test_call_ok (alice, "file_resume", "{'file_id':%" G_GINT64_FORMAT "}", offer->file_id);

  g_io_stream_close (raw, NULL, NULL);
  wait_upload_offset (server, offer->url, offer->token, 30);
  wait_dropped (alice, offer);
}

static const LtTestServerOptions tls_server = { .tls = TRUE };

/* With TLS on the chat port, the file service speaks HTTPS, with the
 * same certificate, and nothing else. */
static void
test_https (LtTestFixture *fixture,
            gconstpointer  data)
{
  LtTestServer *server = fixture->server;
  g_autoptr(LtTestClient) alice = lt_test_client_new_user (server, "alice");
  g_autofree char *token = NULL;
  g_autoptr(LtTestOffer) offer = upload_pattern (server, alice, "alice", CUT_SIZE, alice, &token);
  g_autofree char *sha256 = pattern_sha256 (CUT_SIZE);
  g_autoptr(GIOStream) raw = raw_connect (server);
  char answer[5] = "";
  gsize n = 0;

  assert_download_is_pattern (server, offer->url, token, CUT_SIZE, sha256);

  raw_send_head (raw, "GET", offer->url, token, "");
  g_input_stream_read_all (g_io_stream_get_input_stream (raw), answer, sizeof answer, &n, NULL,
                           NULL);
  if (n == sizeof answer && memcmp (answer, "HTTP/", n) == 0)
    lt_test_fail ("Expected no plain HTTP answer from the HTTPS port, got one");
}

static const LtTestServerOptions tls_quick_timeout = {
  .tls = TRUE,
  .args = { "--login-timeout", "2", NULL },
};

/* A client that connects to the HTTPS port and never starts its TLS
 * handshake is dropped after --login-timeout. */
static void
test_https_handshake_timeout (LtTestFixture *fixture,
                              gconstpointer  data)
{
  g_autoptr(GIOStream) raw = raw_connect (fixture->server);
  gint64 start = g_get_monotonic_time ();
  g_autoptr(GError) error = NULL;
  char byte;
  gssize n;

  /* The socket's own timeout (30 s, scaled) bounds the read. */
  n = g_input_stream_read (g_io_stream_get_input_stream (raw), &byte, 1, NULL, &error);
  if (n != 0)
    lt_test_fail ("Expected the server to close a silent connection, got %s",
                  error ? error->message : "a byte");
  if (g_get_monotonic_time () - start < G_USEC_PER_SEC)
    lt_test_fail ("Expected the server to wait --login-timeout (2 s) for the handshake, it "
                  "closed after %" G_GINT64_FORMAT " ms", (g_get_monotonic_time () - start) / 1000);
}

/* libsoup 3.2's server keeps no connection open after an answer when
 * it did not accept the connection itself: every answer says so, and
 * a client session that sends several requests gets them all through. */
static void
test_connection_close (LtTestFixture *fixture,
                       gconstpointer  data)
{
  LtTestServer *server = fixture->server;
  g_autoptr(LtTestClient) alice = lt_test_client_new_user (server, "alice");
  g_autofree char *token = NULL;
  g_autoptr(LtTestOffer) offer = upload_pattern (server, alice, "alice", RANGE_SIZE, alice,
                                                 &token);
  g_autoptr(SoupSession) session = lt_test_http_session ();
  g_autoptr(GIOStream) raw = raw_connect (server);
  g_autofree char *head = NULL;
  char byte;

  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(SoupMessage) msg = lt_test_http_message (server, "GET", offer->url, token);
      g_autoptr(GError) error = NULL;
      g_autoptr(GBytes) body = soup_session_send_and_read (session, msg, NULL, &error);

      g_assert_no_error (error);
      if (soup_message_get_status (msg) != SOUP_STATUS_OK
          || g_bytes_get_size (body) != RANGE_SIZE)
        lt_test_fail ("Request %u on one session: expected 200 and %d bytes, got %u and %"
                      G_GSIZE_FORMAT, i + 1, RANGE_SIZE, soup_message_get_status (msg),
                      g_bytes_get_size (body));
      g_assert_cmpstr (soup_message_headers_get_one (soup_message_get_response_headers (msg),
                                                     "Connection"), ==, "close");
    }

  raw_send_head (raw, "HEAD", offer->url, token, "");
  head = raw_read_head (raw);
  assert_head_status (head, SOUP_STATUS_OK);
  if (g_input_stream_read (g_io_stream_get_input_stream (raw), &byte, 1, NULL, NULL) != 0)
    lt_test_fail ("Expected the server to close the connection after its answer, it did not");
}

static const LtTestServerOptions quick_idle_timeout = {
  .args = { "--idle-timeout", "2", NULL },
};

/* A connection that sends nothing, or stops in the middle of its
 * request, is closed after --idle-timeout. */
static void
test_idle_timeout (LtTestFixture *fixture,
                   gconstpointer  data)
{
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(GIOStream) raw = raw_connect (fixture->server);
      gint64 start = g_get_monotonic_time ();
      g_autoptr(GError) error = NULL;
      char byte;

      /* The second one sends half a request head. */
      if (i == 1)
        g_output_stream_write_all (g_io_stream_get_output_stream (raw), "GET /files/1 HT", 15,
                                   NULL, NULL, &error);
      g_assert_no_error (error);
      /* The socket's own timeout (30 s, scaled) bounds the read. */
      if (g_input_stream_read (g_io_stream_get_input_stream (raw), &byte, 1, NULL, &error) != 0)
        lt_test_fail ("Expected the server to close an idle connection, got %s",
                      error ? error->message : "a byte");
      if (g_get_monotonic_time () - start < G_USEC_PER_SEC)
        lt_test_fail ("Expected the server to wait --idle-timeout (2 s), it closed after %"
                      G_GINT64_FORMAT " ms", (g_get_monotonic_time () - start) / 1000);
    }
}

int
main (int argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  lt_test_add ("/server/http/small", NULL, test_small);
  lt_test_add ("/server/http/empty", NULL, test_empty);
  lt_test_add ("/server/http/resume-upload", NULL, test_resume_upload);
  lt_test_add ("/server/http/corrupt", NULL, test_corrupt);
  lt_test_add ("/server/http/tokens", NULL, test_tokens);
  lt_test_add ("/server/http/large", NULL, test_large);
  lt_test_add ("/server/http/cut-upload", NULL, test_cut_upload);
  lt_test_add ("/server/http/resume-after-restart", NULL, test_resume_after_restart);
  lt_test_add ("/server/http/cut-download", NULL, test_cut_download);
  lt_test_add ("/server/http/ranges", NULL, test_ranges);
  lt_test_add ("/server/http/limits", NULL, test_limits);
  lt_test_add ("/server/http/stale-offer", &stale_soon, test_stale_offer);
  lt_test_add ("/server/http/stale-offer/busy", &stale_soon, test_stale_offer_busy);
  lt_test_add ("/server/http/https", &tls_server, test_https);
  lt_test_add ("/server/http/connection-close", NULL, test_connection_close);
  lt_test_add ("/server/http/idle-timeout", &quick_idle_timeout, test_idle_timeout);
  lt_test_add ("/server/http/https/handshake-timeout", &tls_quick_timeout,
               test_https_handshake_timeout);
  lt_test_add ("/server/http/verify-after-crash", NULL, test_verify_after_crash);
  lt_test_add ("/server/http/disk-full", &small_disk, test_disk_full);

  return g_test_run ();
}
