/* SPDX-License-Identifier: GPL-3.0-or-later */
/* liaotian-server with --tls-cert/--tls-key: a real handshake against a
 * throwaway self-signed certificate, and no plaintext on a TLS port. */
#include "config.h"

#include <string.h>

#include "lt-protocol.h"
#include "lt-test-utils.h"

static const LtTestServerOptions tls = {
  .tls = TRUE,
};

static void
test_handshake (LtTestFixture *fixture,
                gconstpointer  data)
{
  g_autoptr(LtTestClient) alice = lt_test_client_new_user (fixture->server, "alice");
  g_autoptr(LtTestClient) bob = lt_test_client_new_user (fixture->server, "bob");
  g_autofree char *long_text = lt_test_text_of_length (LT_MAX_TEXT_CHARS, "\xe5\xad\x97");

  /* The server presented the certificate it was given. */
  g_assert_true (lt_test_client_get_accepted_certificate (alice));
  lt_test_assert_object (lt_test_client_get_hello (alice),
                         "{'server':'liaotian-server','protocol':%d}", LT_PROTOCOL_VERSION);

  /* Messages larger than a TLS record, both ways and to a room. */
  lt_test_send (alice, "bob", long_text);
  lt_test_expect_message (bob, "alice", "bob", long_text);
  lt_test_expect_message (alice, "alice", "bob", long_text);
  lt_test_send (bob, "#lobby", "over TLS");
  lt_test_expect_message (alice, "bob", "#lobby", "over TLS");
  lt_test_assert_object (lt_test_call_ok (bob, "history", "{'with':'alice'}"),
                         "{'messages':[{'text':'%s'}],'more':false}", long_text);

  lt_test_call_ok (alice, "logout", "{}");
  lt_test_wait_closed (alice);
  lt_test_wait_notification_like (bob, "presence", "{'username':'alice','online':false}");
}

/* Reads raw bytes until the server closes, for the timeout at most. */
static GByteArray *
read_until_closed (GSocket *socket)
{
  GByteArray *received = g_byte_array_new ();
  gint64 deadline = lt_test_deadline (LT_TEST_TIMEOUT_MS);

  while (g_get_monotonic_time () < deadline)
    {
      g_autoptr(GError) error = NULL;
      char buffer[4096];
      gssize n = g_socket_receive (socket, buffer, sizeof buffer, NULL, &error);

      if (n > 0)
        g_byte_array_append (received, (guint8 *) buffer, n);
      else if (n == 0 || !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
        return received;
    }

  g_byte_array_unref (received);
  lt_test_fail ("Expected the TLS server to close a plaintext connection within %d ms; "
                "it stayed open", LT_TEST_TIMEOUT_MS);
}

/* A plaintext client gets no hello and is closed; TLS clients carry on. */
static void
test_plaintext_refused (LtTestFixture *fixture,
                        gconstpointer  data)
{
  g_autoptr(LtTestClient) alice = lt_test_client_new_user (fixture->server, "alice");
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new_from_string (
    lt_test_server_get_address (fixture->server), lt_test_server_get_port (fixture->server));
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GByteArray) received = NULL;
  g_autoptr(GError) error = NULL;
  static const char request[] = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}\n";

  socket = g_socket_new (g_socket_address_get_family (address), G_SOCKET_TYPE_STREAM,
                         G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_socket_set_timeout (socket, 1);
  g_assert_true (g_socket_connect (socket, address, NULL, &error));
  g_assert_no_error (error);
  g_socket_send (socket, request, sizeof request - 1, NULL, &error);
  g_assert_no_error (error);

  received = read_until_closed (socket);
  g_byte_array_append (received, (const guint8 *) "", 1);
  g_test_message ("a plaintext client got %u bytes", received->len - 1);
  if (memmem (received->data, received->len, "hello", 5) != NULL
      || memmem (received->data, received->len, "result", 6) != NULL)
    lt_test_fail ("Expected no plaintext protocol on a TLS port, got %s",
                  (const char *) received->data);

  lt_test_send (alice, "alice", "still here");
  lt_test_expect_message (alice, "alice", "alice", "still here");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  lt_test_add ("/tls/handshake", &tls, test_handshake);
  lt_test_add ("/tls/plaintext-refused", &tls, test_plaintext_refused);

  return g_test_run ();
}
