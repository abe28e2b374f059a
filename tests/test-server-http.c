/* SPDX-License-Identifier: GPL-3.0-or-later */
/* liaotian-server: the HTTP file service, with real uploads and
 * downloads over libsoup against the real server. */
#include "config.h"

#include "lt-protocol.h"
#include "lt-test-utils.h"

#include <libsoup/soup.h>
#include <string.h>

typedef struct
{
  guint status;
  SoupMessageHeaders *headers;
  GBytes *body;
} Reply;

static void
reply_free (Reply *reply)
{
  g_clear_pointer (&reply->headers, soup_message_headers_unref);
  g_clear_pointer (&reply->body, g_bytes_unref);
  g_free (reply);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Reply, reply_free)

static char *
http_url (LtTestServer *server,
          const char   *path)
{
  const char *address = lt_test_server_get_address (server);
  gboolean v6 = strchr (address, ':') != NULL;

  return g_strdup_printf ("http://%s%s%s:%u%s", v6 ? "[" : "", address, v6 ? "]" : "",
                          lt_test_server_get_http_port (server), path);
}

/* Sends one request; @header_pairs are name, value, ..., NULL. */
static Reply *
http_request (LtTestServer *server,
              const char   *method,
              const char   *path,
              const char   *token,
              GBytes       *body,
              ...)
{
  g_autoptr(SoupSession) session = soup_session_new_with_options ("timeout", 30, NULL);
  g_autofree char *url = http_url (server, path);
  g_autoptr(SoupMessage) msg = soup_message_new (method, url);
  SoupMessageHeaders *headers = soup_message_get_request_headers (msg);
  g_autoptr(GError) error = NULL;
  Reply *reply = g_new0 (Reply, 1);
  const char *name;
  va_list args;

  if (token != NULL)
    {
      g_autofree char *authorization = g_strconcat ("Bearer ", token, NULL);

      soup_message_headers_replace (headers, "Authorization", authorization);
    }
  va_start (args, body);
  while ((name = va_arg (args, const char *)) != NULL)
    soup_message_headers_replace (headers, name, va_arg (args, const char *));
  va_end (args);
  if (body != NULL)
    soup_message_set_request_body_from_bytes (msg, "application/octet-stream", body);

  reply->body = soup_session_send_and_read (session, msg, NULL, &error);
  g_assert_no_error (error);
  reply->status = soup_message_get_status (msg);
  reply->headers = soup_message_headers_ref (soup_message_get_response_headers (msg));
  return reply;
}

#define assert_status(reply, expected)                                                    \
  G_STMT_START                                                                            \
  {                                                                                       \
    if ((reply)->status != (expected))                                                    \
      lt_test_fail ("Expected HTTP %u, got %u: %.*s", (guint) (expected), (reply)->status, \
                    (int) g_bytes_get_size ((reply)->body),                               \
                    (const char *) g_bytes_get_data ((reply)->body, NULL));               \
  }                                                                                       \
  G_STMT_END

static void
assert_body (Reply      *reply,
             const char *expected)
{
  g_autofree char *got = g_strndup (g_bytes_get_data (reply->body, NULL),
                                    g_bytes_get_size (reply->body));

  g_assert_cmpstr (got, ==, expected);
}

static char *
sha256_of (const char *data)
{
  return g_compute_checksum_for_string (G_CHECKSUM_SHA256, data, -1);
}

typedef struct
{
  gint64 file_id;
  char *url;
  char *token;
} Offer;

static void
offer_free (Offer *offer)
{
  g_free (offer->url);
  g_free (offer->token);
  g_free (offer);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Offer, offer_free)

/* Offers @content under @name to @to, stating @sha256 (NULL: the real one). */
static Offer *
offer_file (LtTestClient *client,
            const char   *to,
            const char   *name,
            const char   *content,
            const char   *sha256)
{
  g_autofree char *real = sha256_of (content);
  g_autoptr(JsonObject) params = json_object_new ();
  JsonObject *result;
  Offer *offer = g_new0 (Offer, 1);

  json_object_set_string_member (params, "to", to);
  json_object_set_string_member (params, "name", name);
  json_object_set_int_member (params, "size", strlen (content));
  json_object_set_string_member (params, "sha256", sha256 ? sha256 : real);
  result = lt_test_client_call_object (client, "file_offer", params, NULL);
  g_assert_nonnull (result);
  offer->file_id = json_object_get_int_member (result, "file_id");
  offer->url = g_strdup (json_object_get_string_member (result, "upload_url"));
  offer->token = g_strdup (json_object_get_string_member (result, "token"));
  return offer;
}

static Reply *
put_bytes (LtTestServer *server,
           Offer        *offer,
           const char   *content)
{
  g_autoptr(GBytes) body = g_bytes_new (content, strlen (content));

  return http_request (server, "PUT", offer->url, offer->token, body, NULL);
}

/* file_accept: a download token. */
static char *
accept_file (LtTestClient *client,
             gint64        file_id)
{
  JsonObject *result = lt_test_call_ok (client, "file_accept", "{'file_id': %" G_GINT64_FORMAT "}",
                                        file_id);

  g_assert_cmpstr (json_object_get_string_member (result, "download_url"), !=, NULL);
  return g_strdup (json_object_get_string_member (result, "token"));
}

static void
test_small (LtTestFixture *fixture,
            gconstpointer  data)
{
  LtTestServer *server = fixture->server;
  g_autoptr(LtTestClient) alice = lt_test_client_new_user (server, "alice");
  g_autoptr(LtTestClient) bob = lt_test_client_new_user (server, "bob");
  g_autoptr(Offer) offer = offer_file (alice, "bob", "hello.txt", "hello world", NULL);
  g_autofree char *sha256 = sha256_of ("hello world");
  g_autoptr(Reply) put = NULL;
  g_autoptr(Reply) get = NULL;
  g_autoptr(Reply) head = NULL;
  g_autoptr(Reply) range = NULL;
  g_autofree char *token = NULL;
  JsonObject *offered;

  g_assert_cmpuint (lt_test_server_get_http_port (server), >, 0);
  g_assert_cmpint (json_object_get_int_member (lt_test_client_get_hello (alice), "http"), ==,
                   lt_test_server_get_http_port (server));

  /* Nobody hears of the file before its bytes are in. */
  lt_test_expect_no_notification (bob, "file_offered", 200);
  put = put_bytes (server, offer, "hello world");
  assert_status (put, SOUP_STATUS_CREATED);

  offered = lt_test_wait_notification (bob, "file_offered");
  g_assert_cmpint (json_object_get_int_member (offered, "file_id"), ==, offer->file_id);
  g_assert_cmpstr (json_object_get_string_member (offered, "from"), ==, "alice");
  g_assert_cmpstr (json_object_get_string_member (offered, "name"), ==, "hello.txt");
  g_assert_cmpint (json_object_get_int_member (offered, "size"), ==, 11);
  g_assert_cmpstr (json_object_get_string_member (offered, "sha256"), ==, sha256);
  g_assert_cmpint (json_object_get_int_member (offered, "id"), >, 0);
  lt_test_wait_notification (alice, "file_offered");

  token = accept_file (bob, offer->file_id);
  get = http_request (server, "GET", offer->url, token, NULL, NULL);
  assert_status (get, SOUP_STATUS_OK);
  assert_body (get, "hello world");
  g_assert_cmpstr (soup_message_headers_get_one (get->headers, "Content-Type"), ==,
                   "application/octet-stream");
  g_assert_nonnull (strstr (soup_message_headers_get_one (get->headers, "ETag"), sha256));
  g_assert_nonnull (strstr (soup_message_headers_get_one (get->headers, "Content-Disposition"),
                            "hello.txt"));

  head = http_request (server, "HEAD", offer->url, token, NULL, NULL);
  assert_status (head, SOUP_STATUS_OK);
  g_assert_cmpint (soup_message_headers_get_content_length (head->headers), ==, 11);
  g_assert_cmpuint (g_bytes_get_size (head->body), ==, 0);

  range = http_request (server, "GET", offer->url, token, NULL, "Range", "bytes=6-", NULL);
  assert_status (range, SOUP_STATUS_PARTIAL_CONTENT);
  assert_body (range, "world");
  g_assert_cmpstr (soup_message_headers_get_one (range->headers, "Content-Range"), ==,
                   "bytes 6-10/11");
}

static void
test_empty (LtTestFixture *fixture,
            gconstpointer  data)
{
  LtTestServer *server = fixture->server;
  g_autoptr(LtTestClient) alice = lt_test_client_new_user (server, "alice");
  g_autoptr(Offer) offer = offer_file (alice, "alice", "empty", "", NULL);
  g_autoptr(Reply) put = put_bytes (server, offer, "");
  g_autoptr(Reply) get = NULL;
  g_autoptr(Reply) range = NULL;
  g_autofree char *token = NULL;

  assert_status (put, SOUP_STATUS_CREATED);
  token = accept_file (alice, offer->file_id);
  get = http_request (server, "GET", offer->url, token, NULL, NULL);
  assert_status (get, SOUP_STATUS_OK);
  g_assert_cmpuint (g_bytes_get_size (get->body), ==, 0);
  range = http_request (server, "GET", offer->url, token, NULL, "Range", "bytes=0-", NULL);
  assert_status (range, SOUP_STATUS_REQUESTED_RANGE_NOT_SATISFIABLE);
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
  g_autoptr(Offer) offer = offer_file (alice, "bob", "notes.txt", "0123456789", NULL);
  g_autoptr(GBytes) first = g_bytes_new_static ("01234", 5);
  g_autoptr(GBytes) rest = g_bytes_new_static ("56789", 5);
  g_autoptr(Reply) put1 = NULL;
  g_autoptr(Reply) head = NULL;
  g_autoptr(Reply) whole = NULL;
  g_autoptr(Reply) wrong = NULL;
  g_autoptr(Reply) put2 = NULL;

  put1 = http_request (server, "PUT", offer->url, offer->token, first, "Content-Range",
                       "bytes 0-4/10", NULL);
  assert_status (put1, SOUP_STATUS_NO_CONTENT);
  g_assert_cmpstr (soup_message_headers_get_one (put1->headers, "Upload-Offset"), ==, "5");

  head = http_request (server, "HEAD", offer->url, offer->token, NULL, NULL);
  assert_status (head, SOUP_STATUS_OK);
  g_assert_cmpstr (soup_message_headers_get_one (head->headers, "Upload-Offset"), ==, "5");
  g_assert_cmpstr (soup_message_headers_get_one (head->headers, "Upload-Length"), ==, "10");

  /* Not from the start again, nor from the wrong place. */
  whole = put_bytes (server, offer, "0123456789");
  assert_status (whole, SOUP_STATUS_CONFLICT);
  wrong = http_request (server, "PUT", offer->url, offer->token, rest, "Content-Range",
                        "bytes 4-8/10", NULL);
  assert_status (wrong, SOUP_STATUS_CONFLICT);
  g_assert_cmpstr (soup_message_headers_get_one (wrong->headers, "Upload-Offset"), ==, "5");
  lt_test_expect_no_notification (bob, "file_offered", 100);

  put2 = http_request (server, "PUT", offer->url, offer->token, rest, "Content-Range",
                       "bytes 5-9/10", NULL);
  assert_status (put2, SOUP_STATUS_CREATED);
  lt_test_wait_notification (bob, "file_offered");
}

static void
test_corrupt (LtTestFixture *fixture,
              gconstpointer  data)
{
  LtTestServer *server = fixture->server;
  g_autoptr(LtTestClient) alice = lt_test_client_new_user (server, "alice");
  g_autoptr(LtTestClient) bob = lt_test_client_new_user (server, "bob");
  g_autofree char *sha256 = sha256_of ("the real one");
  g_autoptr(Offer) offer = offer_file (alice, "bob", "x", "the fake one", sha256);
  g_autoptr(Reply) bad = put_bytes (server, offer, "the fake one");
  g_autoptr(Reply) head = NULL;
  g_autoptr(Reply) good = NULL;

  assert_status (bad, SOUP_STATUS_UNPROCESSABLE_ENTITY);
  lt_test_expect_no_notification (bob, "file_offered", 200);
  /* Nothing of it is kept: the upload starts over. */
  head = http_request (server, "HEAD", offer->url, offer->token, NULL, NULL);
  g_assert_cmpstr (soup_message_headers_get_one (head->headers, "Upload-Offset"), ==, "0");

  good = put_bytes (server, offer, "the real one");
  assert_status (good, SOUP_STATUS_CREATED);
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
  g_autoptr(Offer) offer = offer_file (alice, "bob", "secret.txt", "for bob", NULL);
  g_autoptr(Offer) carols = offer_file (carol, "carol", "own.txt", "mine", NULL);
  g_autoptr(Reply) put = put_bytes (server, offer, "for bob");
  g_autoptr(Reply) put_own = put_bytes (server, carols, "mine");
  g_autofree char *carol_token = accept_file (carol, carols->file_id);
  g_autofree char *forged = NULL;
  g_autoptr(Reply) none = NULL;
  g_autoptr(Reply) bad = NULL;
  g_autoptr(Reply) other_file = NULL;
  g_autoptr(Reply) upload_token = NULL;

  assert_status (put, SOUP_STATUS_CREATED);
  assert_status (put_own, SOUP_STATUS_CREATED);
  lt_test_call_error (carol, "file_accept", 1016, "no_such_file",
                      "{'file_id': %" G_GINT64_FORMAT "}", offer->file_id);

  none = http_request (server, "GET", offer->url, NULL, NULL, NULL);
  assert_status (none, SOUP_STATUS_UNAUTHORIZED);
  g_assert_cmpstr (soup_message_headers_get_one (none->headers, "WWW-Authenticate"), ==,
                   "Bearer");

  /* Carol's token names her and her file: changing either breaks it. */
  forged = g_strdup (carol_token);
  memcpy (strstr (forged, "carol"), "bobby", 5);
  bad = http_request (server, "GET", carols->url, forged, NULL, NULL);
  assert_status (bad, SOUP_STATUS_UNAUTHORIZED);
  other_file = http_request (server, "GET", offer->url, carol_token, NULL, NULL);
  assert_status (other_file, SOUP_STATUS_FORBIDDEN);
  /* An upload token does not download. */
  upload_token = http_request (server, "GET", offer->url, offer->token, NULL, NULL);
  assert_status (upload_token, SOUP_STATUS_FORBIDDEN);
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

  return g_test_run ();
}
