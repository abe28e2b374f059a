/* SPDX-License-Identifier: GPL-3.0-or-later */
/* lt-test-http.c: HTTP requests to the file service of a test server,
 * and the file_* calls that go with them. */
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
