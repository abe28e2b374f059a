/* SPDX-License-Identifier: GPL-3.0-or-later */
/* liaotian-server: the HTTP file service, with real uploads and
 * downloads over libsoup against the real server: small, empty and
 * large files, cut and resumed transfers, ranges, limits and tokens.
 * test-server-http-sharing.c has rooms, folders and answers;
 * test-server-http-service.c the sweep, storage and connections. */
#include "config.h"

#include "lt-protocol.h"
#include "lt-test-http.h"

#include <string.h>

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

static const LtTestServerOptions short_tokens = {
  .args = { "--file-token-lifetime", "3", NULL },
};

/* Waits until a token of --file-token-lifetime 3 issued before now has
 * expired. */
static void
outlive_token (void)
{
  g_usleep (3500 * 1000);
}

/* An expired token gets 401, for an upload and a download alike, and
 * file_resume or file_accept gives one that works. */
static void
test_expired_token (LtTestFixture *fixture,
                    gconstpointer  data)
{
  LtTestServer *server = fixture->server;
  g_autoptr(LtTestClient) alice = lt_test_client_new_user (server, "alice");
  g_autoptr(LtTestClient) bob = lt_test_client_new_user (server, "bob");
  g_autoptr(LtTestOffer) offer = lt_test_offer_file (alice, "bob", "late.txt", "late bytes", NULL);
  g_autoptr(LtTestReply) late_put = NULL;
  g_autoptr(LtTestReply) put = NULL;
  g_autoptr(LtTestReply) late_get = NULL;
  g_autofree char *token = NULL;
  JsonObject *result;
  gint64 now, expires;

  outlive_token ();
  late_put = lt_test_put_bytes (server, offer, "late bytes");
  lt_test_assert_status (late_put, SOUP_STATUS_UNAUTHORIZED);
  g_assert_cmpstr (soup_message_headers_get_one (late_put->headers, "WWW-Authenticate"), ==,
                   "Bearer");
  result = lt_test_call_ok (alice, "file_resume", "{'file_id':%" G_GINT64_FORMAT "}",
                            offer->file_id);
  g_free (offer->token);
  offer->token = g_strdup (json_object_get_string_member (result, "token"));
  put = lt_test_put_bytes (server, offer, "late bytes");
  lt_test_assert_status (put, SOUP_STATUS_CREATED);

  now = g_get_real_time () / 1000;
  result = lt_test_call_ok (bob, "file_accept", "{'file_id':%" G_GINT64_FORMAT "}",
                            offer->file_id);
  expires = json_object_get_int_member (result, "expires");
  if (expires < now + 3000 || expires > g_get_real_time () / 1000 + 3000)
    lt_test_fail ("Expected the download token to expire in 3000 ms, got %" G_GINT64_FORMAT
                  " ms", expires - now);
  token = g_strdup (json_object_get_string_member (result, "token"));
  lt_test_assert_get (server, offer->url, token, SOUP_STATUS_OK, "late bytes");
  outlive_token ();
  late_get = lt_test_http_request (server, "GET", offer->url, token, NULL, NULL);
  lt_test_assert_status (late_get, SOUP_STATUS_UNAUTHORIZED);
  g_free (token);
  token = lt_test_accept_file (bob, offer->file_id);
  lt_test_assert_get (server, offer->url, token, SOUP_STATUS_OK, "late bytes");
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
  g_autofree char *sha256 = lt_test_pattern_sha256 (size);
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
  put = lt_test_put_pattern (server, offer->url, offer->token, 0, size, size);
  lt_test_assert_status (put, SOUP_STATUS_CREATED);
  lt_test_wait_notification (bob, "file_offered");
  token = lt_test_accept_file (bob, offer->file_id);
  lt_test_assert_download_is_pattern (server, offer->url, token, size, sha256);

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

  rest = lt_test_put_pattern (server, offer->url, offer->token, CUT_SIZE / 2, CUT_SIZE, CUT_SIZE);

  lt_test_assert_status (rest, SOUP_STATUS_CREATED);
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
  g_autofree char *sha256 = lt_test_pattern_sha256 (CUT_SIZE);
  g_autoptr(LtTestOffer) offer = lt_test_offer_sized (alice, "bob", "cut.bin", CUT_SIZE, sha256);
  g_autofree char *length = g_strdup_printf ("Content-Length: %d\r\n", CUT_SIZE);
  g_autoptr(GIOStream) raw = lt_test_raw_connect (server);

  lt_test_raw_send_head (raw, "PUT", offer->url, offer->token, length);
  lt_test_raw_send_pattern (raw, 0, CUT_SIZE / 2);
  g_io_stream_close (raw, NULL, NULL);

  lt_test_wait_upload_offset (server, offer->url, offer->token, CUT_SIZE / 2);
  lt_test_expect_no_notification (bob, "file_offered", 100);
  put_second_half (server, offer);
  lt_test_wait_notification (bob, "file_offered");
  lt_test_receive_pattern (server, bob, offer, CUT_SIZE, sha256);
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
  g_autofree char *sha256 = lt_test_pattern_sha256 (CUT_SIZE);
  g_autoptr(LtTestOffer) offer = lt_test_offer_sized (alice, "bob", "restart.bin", CUT_SIZE,
                                                      sha256);
  g_autoptr(LtTestReply) half = NULL;
  g_autoptr(LtTestClient) bob_again = NULL;
  guint16 http_port = lt_test_server_get_http_port (server);
  JsonObject *offered;

  half = lt_test_put_pattern (server, offer->url, offer->token, 0, CUT_SIZE / 2, CUT_SIZE);
  lt_test_assert_status (half, SOUP_STATUS_NO_CONTENT);
  g_clear_pointer (&bob, lt_test_client_free);
  lt_test_server_restart (server);
  g_assert_cmpuint (lt_test_server_get_http_port (server), ==, http_port);

  g_assert_cmpint (lt_test_upload_offset (server, offer->url, offer->token), ==, CUT_SIZE / 2);
  put_second_half (server, offer);

  bob_again = lt_test_client_new_login (server, "bob");
  offered = lt_test_wait_notification (bob_again, "file_offered");
  lt_test_assert_object (offered, "{'file_id':%" G_GINT64_FORMAT ",'offline':true}",
                         offer->file_id);
  lt_test_receive_pattern (server, bob_again, offer, CUT_SIZE, sha256);
}

/* A download read half-way and dropped, then resumed with Range. */
static void
test_cut_download (LtTestFixture *fixture,
                   gconstpointer  data)
{
  LtTestServer *server = fixture->server;
  g_autoptr(LtTestClient) alice = lt_test_client_new_user (server, "alice");
  g_autofree char *token = NULL;
  g_autoptr(LtTestOffer) offer = lt_test_upload_pattern (server, alice, "alice", CUT_SIZE, alice,
                                                         &token);
  g_autoptr(GIOStream) raw = lt_test_raw_connect (server);
  g_autofree guint8 *half = g_malloc (CUT_SIZE / 2);
  g_autofree guint8 *expected = g_malloc (CUT_SIZE / 2);
  g_autofree char *head = NULL;
  g_autofree char *range = g_strdup_printf ("bytes=%d-", CUT_SIZE / 2);
  g_autofree char *content_range = g_strdup_printf ("bytes %d-%d/%d", CUT_SIZE / 2,
                                                    CUT_SIZE - 1, CUT_SIZE);
  g_autofree char *rest_expected = lt_test_pattern_range_sha256 (CUT_SIZE / 2, CUT_SIZE);
  g_autoptr(LtTestReply) rest = NULL;
  g_autofree char *rest_sha256 = NULL;
  guint64 rest_length = 0;
  gsize n = 0;
  g_autoptr(GError) error = NULL;

  lt_test_raw_send_head (raw, "GET", offer->url, token, "");
  head = lt_test_raw_read_head (raw);
  lt_test_assert_head_status (head, SOUP_STATUS_OK);
  g_input_stream_read_all (g_io_stream_get_input_stream (raw), half, CUT_SIZE / 2, &n, NULL,
                           &error);
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, CUT_SIZE / 2);
  lt_test_pattern_fill (expected, 0, CUT_SIZE / 2);
  if (memcmp (half, expected, CUT_SIZE / 2) != 0)
    lt_test_fail ("Expected the first half of the download to be the file's, it differs");
  g_io_stream_close (raw, NULL, NULL);

  rest = lt_test_get_hashed (server, offer->url, token, range, &rest_length, &rest_sha256);
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

  lt_test_pattern_fill (expected, first, last - first + 1);
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
  g_autoptr(LtTestOffer) offer = lt_test_upload_pattern (server, alice, "alice", RANGE_SIZE, alice,
                                                         &token);
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
  g_autoptr(GIOStream) raw = lt_test_raw_connect (server);
  g_autofree char *expect = g_strconcat (headers, "Expect: 100-continue\r\n", NULL);
  g_autofree char *head = NULL;

  lt_test_raw_send_head (raw, "PUT", offer->url, offer->token, expect);
  head = lt_test_raw_read_head (raw);
  lt_test_assert_head_status (head, status);
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
  g_assert_cmpint (lt_test_upload_offset (server, offer->url, offer->token), ==, 0);

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

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  lt_test_add ("/server/http/small", NULL, test_small);
  lt_test_add ("/server/http/empty", NULL, test_empty);
  lt_test_add ("/server/http/resume-upload", NULL, test_resume_upload);
  lt_test_add ("/server/http/corrupt", NULL, test_corrupt);
  lt_test_add ("/server/http/tokens", NULL, test_tokens);
  lt_test_add ("/server/http/expired-token", &short_tokens, test_expired_token);
  lt_test_add ("/server/http/large", NULL, test_large);
  lt_test_add ("/server/http/cut-upload", NULL, test_cut_upload);
  lt_test_add ("/server/http/resume-after-restart", NULL, test_resume_after_restart);
  lt_test_add ("/server/http/cut-download", NULL, test_cut_download);
  lt_test_add ("/server/http/ranges", NULL, test_ranges);
  lt_test_add ("/server/http/limits", NULL, test_limits);

  return g_test_run ();
}
