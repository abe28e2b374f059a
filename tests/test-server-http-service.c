/* SPDX-License-Identifier: GPL-3.0-or-later */
/* liaotian-server: what the HTTP file service does on its own, with a
 * real server: the sweep of stale offers, the storage failing or the
 * server dying mid-upload, HTTPS, and how connections end. */
#include "config.h"

#include "lt-protocol.h"
#include "lt-test-http.h"

#include <string.h>

#define MIB (1024 * 1024)
/* An odd size, over several write buffers of the server. */
#define CUT_SIZE (3 * MIB + 12345)
#define SMALL_SIZE 1000

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
  g_autoptr(LtTestReply) half = lt_test_put_pattern (server, stale->url, stale->token, 0, 30, 60);
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
  g_autofree guint8 *buffer = g_malloc (LT_TEST_PATTERN_CHUNK);

  g_assert_no_error (error);
  for (guint64 offset = first; offset < end; offset += LT_TEST_PATTERN_CHUNK)
    {
      gsize n = MIN (LT_TEST_PATTERN_CHUNK, end - offset);

      lt_test_pattern_fill (buffer, offset, n);
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
  g_autofree char *sha256 = lt_test_pattern_sha256 (CUT_SIZE);
  g_autoptr(LtTestOffer) offer = lt_test_offer_sized (alice, "bob", "crash.bin", CUT_SIZE,
                                                      sha256);
  g_autofree char *partial = g_strdup_printf ("%s/files/partial/%" G_GINT64_FORMAT "-0",
                                              lt_test_server_get_data_dir (server),
                                              offer->file_id);
  g_autoptr(GBytes) nothing = g_bytes_new (NULL, 0);
  g_autoptr(LtTestReply) half = NULL;
  g_autoptr(LtTestReply) check = NULL;

  half = lt_test_put_pattern (server, offer->url, offer->token, 0, CUT_SIZE / 2, CUT_SIZE);
  lt_test_assert_status (half, SOUP_STATUS_NO_CONTENT);
  g_clear_pointer (&bob, lt_test_client_free);
  lt_test_server_kill (server);
  append_pattern (partial, CUT_SIZE / 2, CUT_SIZE);
  lt_test_server_start (server);

  g_assert_cmpint (lt_test_upload_offset (server, offer->url, offer->token), ==, CUT_SIZE);
  check = lt_test_http_request (server, "PUT", offer->url, offer->token, nothing, NULL);
  lt_test_assert_status (check, SOUP_STATUS_CREATED);
  bob = lt_test_client_new_login (server, "bob");
  lt_test_wait_notification_like (bob, "file_offered", "{'file_id':%" G_GINT64_FORMAT "}",
                                  offer->file_id);
  lt_test_receive_pattern (server, bob, offer, CUT_SIZE, sha256);
}

/* The server's files may not grow past 1 MiB (RLIMIT_FSIZE): writing a
 * file fails as on a full disk. */
static const LtTestServerOptions small_disk = { .max_file_size = MIB };

/* A failed write answers 507, keeps what was written for a later
 * resume, and leaves the rest of the server working. */
static void
test_disk_full (LtTestFixture *fixture,
                gconstpointer  data)
{
  LtTestServer *server = fixture->server;
  g_autoptr(LtTestClient) alice = lt_test_client_new_user (server, "alice");
  g_autofree char *sha256 = lt_test_pattern_sha256 (2 * MIB);
  g_autoptr(LtTestOffer) offer = lt_test_offer_sized (alice, "alice", "big.bin", 2 * MIB,
                                                      sha256);
  g_autoptr(LtTestReply) put = lt_test_put_pattern (server, offer->url, offer->token, 0, 2 * MIB,
                                                    2 * MIB);
  gint64 offset;

  /* The limit makes the write fail with EFBIG, answered as ENOSPC is. */
  lt_test_assert_status (put, SOUP_STATUS_INSUFFICIENT_STORAGE);
  offset = lt_test_upload_offset (server, offer->url, offer->token);
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
  g_autoptr(GIOStream) raw = lt_test_raw_connect (server);

  lt_test_raw_send_head (raw, "PUT", offer->url, offer->token, "Content-Length: 60\r\n");
  lt_test_raw_send_pattern (raw, 0, 30);
  /* Twice the age: two sweeps at least find it idle, and busy. */
  g_usleep (7 * G_USEC_PER_SEC);
  lt_test_call_ok (alice, "file_resume", "{'file_id':%" G_GINT64_FORMAT "}", offer->file_id);

  g_io_stream_close (raw, NULL, NULL);
  lt_test_wait_upload_offset (server, offer->url, offer->token, 30);
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
  g_autoptr(LtTestOffer) offer = lt_test_upload_pattern (server, alice, "alice", CUT_SIZE, alice,
                                                         &token);
  g_autofree char *sha256 = lt_test_pattern_sha256 (CUT_SIZE);
  g_autoptr(GIOStream) raw = lt_test_raw_connect (server);
  char answer[5] = "";
  gsize n = 0;

  lt_test_assert_download_is_pattern (server, offer->url, token, CUT_SIZE, sha256);

  lt_test_raw_send_head (raw, "GET", offer->url, token, "");
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
  g_autoptr(GIOStream) raw = lt_test_raw_connect (fixture->server);
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
  g_autoptr(LtTestOffer) offer = lt_test_upload_pattern (server, alice, "alice", SMALL_SIZE, alice,
                                                         &token);
  g_autoptr(SoupSession) session = lt_test_http_session ();
  g_autoptr(GIOStream) raw = lt_test_raw_connect (server);
  g_autofree char *head = NULL;
  char byte;

  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(SoupMessage) msg = lt_test_http_message (server, "GET", offer->url, token);
      g_autoptr(GError) error = NULL;
      g_autoptr(GBytes) body = soup_session_send_and_read (session, msg, NULL, &error);

      g_assert_no_error (error);
      if (soup_message_get_status (msg) != SOUP_STATUS_OK
          || g_bytes_get_size (body) != SMALL_SIZE)
        lt_test_fail ("Request %u on one session: expected 200 and %d bytes, got %u and %"
                      G_GSIZE_FORMAT, i + 1, SMALL_SIZE, soup_message_get_status (msg),
                      g_bytes_get_size (body));
      g_assert_cmpstr (soup_message_headers_get_one (soup_message_get_response_headers (msg),
                                                     "Connection"), ==, "close");
    }

  lt_test_raw_send_head (raw, "HEAD", offer->url, token, "");
  head = lt_test_raw_read_head (raw);
  lt_test_assert_head_status (head, SOUP_STATUS_OK);
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
      g_autoptr(GIOStream) raw = lt_test_raw_connect (fixture->server);
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

static const LtTestServerOptions two_per_address = {
  .args = { "--max-connections-per-address", "2", NULL },
};

#define REFUSAL_BODY "Too many connections from this address\n"

/* Sends a GET with a made-up token on a new connection and reads the
 * status of the answer: 0 when the connection closed or broke first. */
static guint
try_request (LtTestServer *server)
{
  g_autoptr(GIOStream) raw = lt_test_raw_connect (server);
  GInputStream *input = g_io_stream_get_input_stream (raw);
  g_autoptr(GString) head = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  char status_text[4] = "";
  guint64 status = 0;
  char c;

  lt_test_raw_send_head (raw, "GET", "/files/1", "made-up", "");
  while (!g_str_has_suffix (head->str, "\r\n\r\n") && head->len < 16 * 1024
         && g_input_stream_read (input, &c, 1, NULL, &error) == 1)
    g_string_append_c (head, c);
  if (!g_str_has_prefix (head->str, "HTTP/1.1 ") || head->len < 12)
    return 0;
  memcpy (status_text, head->str + 9, 3);
  g_ascii_string_to_unsigned (status_text, 10, 100, 599, &status, NULL);
  return status;
}

/* --max-connections-per-address holds on the HTTP port too, counted
 * apart from the chat port: the connection over it is answered 503
 * without being served, and a closed connection frees its place. */
static void
test_connections_per_address (LtTestFixture *fixture,
                              gconstpointer  data)
{
  LtTestServer *server = fixture->server;
  /* One chat connection, not counted on the HTTP port. */
  g_autoptr(LtTestClient) alice = lt_test_client_new_user (server, "alice");
  g_autoptr(GIOStream) idle0 = lt_test_raw_connect (server);
  g_autoptr(GIOStream) idle1 = lt_test_raw_connect (server);
  g_autoptr(GIOStream) third = lt_test_raw_connect (server);
  g_autofree char *head = NULL;
  g_autofree char *served = NULL;
  char body[sizeof REFUSAL_BODY + 16] = "";
  gsize n = 0;
  gint64 deadline;
  guint status;

  /* Refused as soon as it is accepted: nothing is sent. */
  head = lt_test_raw_read_head (third);
  lt_test_assert_head_status (head, SOUP_STATUS_SERVICE_UNAVAILABLE);
  if (strstr (head, "\r\nRetry-After: 1\r\n") == NULL)
    lt_test_fail ("Expected \"Retry-After: 1\" in the refusal, got \"%s\"", head);
  g_input_stream_read_all (g_io_stream_get_input_stream (third), body, sizeof body - 1, &n, NULL,
                           NULL);
  if (strcmp (body, REFUSAL_BODY) != 0)
    lt_test_fail ("Expected the refusal's body \"%s\" then the end, got \"%s\"", REFUSAL_BODY,
                  body);

  /* Closing one makes room, once the server has seen it go. */
  g_io_stream_close (idle0, NULL, NULL);
  deadline = lt_test_deadline (LT_TEST_TIMEOUT_MS);
  while ((status = try_request (server)) != SOUP_STATUS_UNAUTHORIZED)
    {
      if (status != SOUP_STATUS_SERVICE_UNAVAILABLE && status != 0)
        lt_test_fail ("Expected 503 or, once a connection closed, 401, got %u", status);
      if (g_get_monotonic_time () > deadline)
        lt_test_fail ("Expected a connection to be served within %d ms of closing one, "
                      "still refused", LT_TEST_TIMEOUT_MS);
      g_usleep (50 * 1000);
    }

  /* The other idle connection was held open all along. */
  lt_test_raw_send_head (idle1, "GET", "/files/1", "made-up", "");
  served = lt_test_raw_read_head (idle1);
  lt_test_assert_head_status (served, SOUP_STATUS_UNAUTHORIZED);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  lt_test_add ("/server/http/stale-offer", &stale_soon, test_stale_offer);
  lt_test_add ("/server/http/stale-offer/busy", &stale_soon, test_stale_offer_busy);
  lt_test_add ("/server/http/https", &tls_server, test_https);
  lt_test_add ("/server/http/connection-close", NULL, test_connection_close);
  lt_test_add ("/server/http/idle-timeout", &quick_idle_timeout, test_idle_timeout);
  lt_test_add ("/server/http/https/handshake-timeout", &tls_quick_timeout,
               test_https_handshake_timeout);
  lt_test_add ("/server/http/verify-after-crash", NULL, test_verify_after_crash);
  lt_test_add ("/server/http/disk-full", &small_disk, test_disk_full);
  lt_test_add ("/server/http/connections-per-address", &two_per_address,
               test_connections_per_address);

  return g_test_run ();
}
