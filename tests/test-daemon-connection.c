/* SPDX-License-Identifier: GPL-3.0-or-later */
/* LtDaemonConnection against a real liaotian-server, and against fake
 * servers on 127.0.0.1 that greet and then never answer.  Every wait
 * runs the main loop for a bounded time. */
#include "config.h"

#include <string.h>

#include "lt-daemon-connection.h"
#include "lt-protocol.h"
#include "lt-test-utils.h"

/* Runs the main loop until @condition holds, for @timeout_ms (scaled
 * under valgrind) at most. */
#define run_until(condition, timeout_ms, description) \
  G_STMT_START { \
    gint64 run_deadline_ = lt_test_deadline (timeout_ms); \
    guint run_tick_ = g_timeout_add (20, tick, NULL); \
    while (!(condition)) \
      { \
        if (g_get_monotonic_time () > run_deadline_) \
          lt_test_fail ("Expected %s within %d ms; it did not happen", (description), \
                        (timeout_ms)); \
        g_main_context_iteration (NULL, TRUE); \
      } \
    g_source_remove (run_tick_); \
  } G_STMT_END

/* Wakes the loop up so that run_until() sees its deadline. */
static gboolean
tick (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

/* What a connection reported, for the assertions. */
typedef struct
{
  LtDaemonConnection *connection; /* outlives this */
  guint closed_count;
  GError *closed_error;
  GPtrArray *notifications; /* of JsonObject {"method", "params"} */
} Events;

static void
on_notification (LtDaemonConnection *connection,
                 const char         *method,
                 JsonObject         *params,
                 Events             *events)
{
  JsonObject *notification = json_object_new ();

  json_object_set_string_member (notification, "method", method);
  json_object_set_object_member (notification, "params", json_object_ref (params));
  g_ptr_array_add (events->notifications, notification);
}

static void
on_closed (LtDaemonConnection *connection,
           const GError       *error,
           Events             *events)
{
  events->closed_count++;
  g_clear_error (&events->closed_error);
  events->closed_error = error ? g_error_copy (error) : NULL;
}

static Events *
events_new (LtDaemonConnection *connection)
{
  Events *events = g_new0 (Events, 1);

  events->connection = connection;
  events->notifications = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  g_signal_connect (connection, "notification", G_CALLBACK (on_notification), events);
  g_signal_connect (connection, "closed", G_CALLBACK (on_closed), events);
  return events;
}

static void
events_free (Events *events)
{
  /* A pending ping keeps the connection alive past the test. */
  g_signal_handlers_disconnect_by_data (events->connection, events);
  g_clear_error (&events->closed_error);
  g_ptr_array_unref (events->notifications);
  g_free (events);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Events, events_free)

/* The params of the first notification @method not taken yet, or NULL. */
static JsonObject *
take_notification (Events     *events,
                   const char *method)
{
  for (guint i = 0; i < events->notifications->len; i++)
    {
      JsonObject *notification = g_ptr_array_index (events->notifications, i);

      if (g_str_equal (json_object_get_string_member (notification, "method"), method))
        {
          JsonObject *params = json_object_get_object_member (notification, "params");

          json_object_ref (params);
          g_ptr_array_remove_index (events->notifications, i);
          return params;
        }
    }
  return NULL;
}

static JsonObject *
wait_notification (Events     *events,
                   const char *method)
{
  JsonObject *params = NULL;

  run_until ((params = take_notification (events, method)) != NULL, LT_TEST_TIMEOUT_MS, method);
  return params;
}

/* Connecting and calling ------------------------------------------------- */

typedef struct
{
  gboolean done;
  gboolean connected;
  JsonObject *result;
  GError *error;
} Outcome;

static void
outcome_clear (Outcome *outcome)
{
  g_clear_pointer (&outcome->result, json_object_unref);
  g_clear_error (&outcome->error);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Outcome, outcome_clear)

static void
on_connect_done (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Outcome *outcome = user_data;

  outcome->connected = lt_daemon_connection_connect_finish (LT_DAEMON_CONNECTION (object),
                                                            result, &outcome->error);
  outcome->done = TRUE;
}

static void
on_call_done (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  Outcome *outcome = user_data;

  outcome->result = lt_daemon_connection_call_finish (LT_DAEMON_CONNECTION (object), result,
                                                      &outcome->error);
  outcome->done = TRUE;
}

static void
run_connect (LtDaemonConnection *connection,
             GCancellable       *cancellable,
             Outcome            *outcome)
{
  lt_daemon_connection_connect_async (connection, cancellable, on_connect_done, outcome);
  run_until (outcome->done, LT_TEST_START_TIMEOUT_MS, "the connect to finish");
}

static char *
server_address (LtTestServer *server)
{
  const char *host = lt_test_server_get_address (server);
  guint16 port = lt_test_server_get_port (server);

  if (strchr (host, ':') != NULL)
    return g_strdup_printf ("[%s]:%u", host, port);
  return g_strdup_printf ("%s:%u", host, port);
}

static LtDaemonConnection *
connect_to (LtTestServer *server,
            GTlsDatabase *tls_database)
{
  g_autofree char *address = server_address (server);
  LtDaemonConnection *connection = lt_daemon_connection_new (address, tls_database != NULL,
                                                             tls_database);
  g_auto(Outcome) outcome = { 0 };

  run_connect (connection, NULL, &outcome);
  g_assert_no_error (outcome.error);
  g_assert_true (outcome.connected);
  g_assert_true (lt_daemon_connection_is_connected (connection));
  return connection;
}

static JsonObject *
call (LtDaemonConnection *connection,
      GError            **error,
      const char         *method,
      const char         *params_format,
      ...) G_GNUC_PRINTF (4, 5);

/* Calls @method with params written as for lt_test_params_new(). */
static JsonObject *
call (LtDaemonConnection *connection,
      GError            **error,
      const char         *method,
      const char         *params_format,
      ...)
{
  g_autoptr(JsonObject) params = NULL;
  Outcome outcome = { 0 };
  va_list args;

  va_start (args, params_format);
  params = lt_test_params_new_va (params_format, args);
  va_end (args);

  lt_daemon_connection_call_async (connection, method, params, NULL, on_call_done, &outcome);
  run_until (outcome.done, LT_TEST_TIMEOUT_MS, method);
  if (outcome.error != NULL)
    g_propagate_error (error, outcome.error);
  return outcome.result;
}

static void
register_user (LtDaemonConnection *connection,
               const char         *username)
{
  g_autofree char *nickname = lt_test_nickname (username);
  g_autoptr(JsonObject) registered = NULL;
  g_autoptr(GError) error = NULL;

  registered = call (connection, &error, "register",
                     "{'username':'%s','nickname':'%s','password':'%s','email':'%s@example.org'}",
                     username, nickname, LT_TEST_PASSWORD, username);
  g_assert_no_error (error);
  lt_test_assert_object (registered, "{'username':'%s'}", username);
}

static void
register_and_login (LtDaemonConnection *connection,
                    const char         *username)
{
  g_autofree char *nickname = lt_test_nickname (username);
  g_autoptr(JsonObject) login = NULL;
  g_autoptr(GError) error = NULL;

  register_user (connection, username);
  login = call (connection, &error, "login", "{'username':'%s','password':'%s'}", username,
                LT_TEST_PASSWORD);
  g_assert_no_error (error);
  lt_test_assert_object (login, "{'username':'%s','nickname':'%s'}", username, nickname);
}

/* A fake server ---------------------------------------------------------- */

#define HELLO "{\"jsonrpc\":\"2.0\",\"method\":\"hello\",\"params\":" \
              "{\"server\":\"fake\",\"version\":\"0\",\"protocol\":%d}}\n"

/* Accepts on 127.0.0.1, writes @greeting (if any) and then holds the
 * connection open without reading it, or closes it at once. */
typedef struct
{
  GSocketService *service;
  char *address;
  char *greeting;
  gboolean close_at_once;
  GPtrArray *connections;
} FakeServer;

static gboolean
on_fake_incoming (GSocketService    *service,
                  GSocketConnection *connection,
                  GObject           *source,
                  FakeServer        *fake)
{
  GOutputStream *output = g_io_stream_get_output_stream (G_IO_STREAM (connection));
  g_autoptr(GError) error = NULL;

  if (fake->greeting != NULL
      && !g_output_stream_write_all (output, fake->greeting, strlen (fake->greeting), NULL,
                                     NULL, &error))
    g_error ("Fake server cannot greet: %s", error->message);
  if (fake->close_at_once)
    g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
  else
    g_ptr_array_add (fake->connections, g_object_ref (connection));
  return TRUE;
}

static FakeServer *
fake_server_new (const char *greeting,
                 gboolean    close_at_once)
{
  FakeServer *fake = g_new0 (FakeServer, 1);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any_port = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;

  fake->service = g_socket_service_new ();
  fake->greeting = g_strdup (greeting);
  fake->close_at_once = close_at_once;
  fake->connections = g_ptr_array_new_with_free_func (g_object_unref);
  if (!g_socket_listener_add_address (G_SOCKET_LISTENER (fake->service), any_port,
                                      G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL, &bound,
                                      &error))
    g_error ("Fake server cannot listen: %s", error->message);
  fake->address = g_strdup_printf (
    "127.0.0.1:%u", g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
  g_signal_connect (fake->service, "incoming", G_CALLBACK (on_fake_incoming), fake);
  g_socket_service_start (fake->service);
  return fake;
}

static void
fake_server_free (FakeServer *fake)
{
  g_socket_service_stop (fake->service);
  g_socket_listener_close (G_SOCKET_LISTENER (fake->service));
  g_object_unref (fake->service);
  g_ptr_array_unref (fake->connections);
  g_free (fake->greeting);
  g_free (fake->address);
  g_free (fake);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FakeServer, fake_server_free)

/* Connects to a fake that says a good hello and then nothing. */
static LtDaemonConnection *
connect_to_silent (FakeServer *fake)
{
  LtDaemonConnection *connection = lt_daemon_connection_new (fake->address, FALSE, NULL);
  g_auto(Outcome) outcome = { 0 };

  run_connect (connection, NULL, &outcome);
  g_assert_no_error (outcome.error);
  return connection;
}

static void
expect_connect_error (const char   *address,
                      GQuark        domain,
                      gint          code,
                      guint         connect_timeout)
{
  g_autoptr(LtDaemonConnection) connection = lt_daemon_connection_new (address, FALSE, NULL);
  g_autoptr(Events) events = events_new (connection);
  g_auto(Outcome) outcome = { 0 };

  g_object_set (connection, "connect-timeout", connect_timeout, NULL);
  run_connect (connection, NULL, &outcome);
  g_assert_error (outcome.error, domain, code);
  g_test_message ("%s: %s", address, outcome.error->message);
  g_assert_false (outcome.connected);
  g_assert_false (lt_daemon_connection_is_connected (connection));
  g_assert_cmpuint (events->closed_count, ==, 0);
}

/* Tests ------------------------------------------------------------------ */

static void
test_hello (LtTestFixture *fixture,
            gconstpointer  data)
{
  g_autofree char *address = server_address (fixture->server);
  g_autoptr(LtDaemonConnection) connection = lt_daemon_connection_new (address, FALSE, NULL);
  g_autoptr(Events) events = events_new (connection);
  g_autoptr(JsonObject) pong = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(Outcome) outcome = { 0 };
  g_auto(Outcome) again = { 0 };

  /* No call before the hello. */
  g_assert_null (call (connection, &error, "ping", "{}"));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED);
  g_clear_error (&error);

  run_connect (connection, NULL, &outcome);
  g_assert_no_error (outcome.error);
  g_assert_true (lt_daemon_connection_is_connected (connection));
  /* The hello is the connect's, not a notification. */
  g_assert_cmpuint (events->notifications->len, ==, 0);

  pong = call (connection, &error, "ping", "{}");
  g_assert_no_error (error);
  lt_test_assert_object (pong, "{}");

  run_connect (connection, NULL, &again);
  g_assert_error (again.error, G_IO_ERROR, G_IO_ERROR_FAILED);

  lt_daemon_connection_close (connection);
  g_assert_false (lt_daemon_connection_is_connected (connection));
  run_until (events->closed_count > 0, LT_TEST_TIMEOUT_MS, "closed");
  g_assert_no_error (events->closed_error);

  g_assert_null (call (connection, &error, "ping", "{}"));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CLOSED);
  lt_daemon_connection_close (connection);
  g_assert_cmpuint (events->closed_count, ==, 1);
}

static void
expect_error (LtDaemonConnection *connection,
              LtProtocolError     code,
              const char         *method,
              const char         *params)
{
  g_autoptr(JsonObject) result = NULL;
  g_autoptr(GError) error = NULL;

  result = call (connection, &error, method, "%s", params);
  if (!g_error_matches (error, LT_PROTOCOL_ERROR, code))
    lt_test_fail ("%s %s: expected protocol error %d, got %s", method, params, code,
                  error ? error->message : "a result");
}

static void
test_calls (LtTestFixture *fixture,
            gconstpointer  data)
{
  g_autoptr(LtDaemonConnection) alice = connect_to (fixture->server, NULL);
  g_autoptr(LtDaemonConnection) bob = connect_to (fixture->server, NULL);
  g_autoptr(LtDaemonConnection) anonymous = connect_to (fixture->server, NULL);
  g_autofree char *long_text = lt_test_text_of_length (LT_MAX_TEXT_CHARS + 1, "x");
  g_autofree char *too_long = g_strdup_printf ("{'to':'bob','text':'%s'}", long_text);
  g_autoptr(JsonObject) sent = NULL;
  g_autoptr(GError) error = NULL;

  register_and_login (alice, "alice");
  register_and_login (bob, "bob");
  sent = call (alice, &error, "send", "{'to':'#lobby','text':'hi','client_id':'c-1'}");
  g_assert_no_error (error);
  g_assert_cmpint (json_object_get_int_member (sent, "id"), >, 0);
  g_assert_true (json_object_has_member (sent, "ts"));
  g_clear_pointer (&sent, json_object_unref);
  sent = call (bob, &error, "room_create", "{'room':'#dev'}");
  g_assert_no_error (error);

  /* Every server error a call can get, in the LT_PROTOCOL_ERROR domain. */
  expect_error (anonymous, LT_PROTOCOL_ERROR_METHOD_NOT_FOUND, "no_such_method", "{}");
  expect_error (anonymous, LT_PROTOCOL_ERROR_NOT_LOGGED_IN, "who", "{}");
  expect_error (anonymous, LT_PROTOCOL_ERROR_INVALID_PARAMS, "register", "{'username':'carol'}");
  expect_error (anonymous, LT_PROTOCOL_ERROR_USERNAME_TAKEN, "register",
                "{'username':'alice','nickname':'A2','password':'" LT_TEST_PASSWORD "',"
                "'email':'a2@example.org'}");
  expect_error (anonymous, LT_PROTOCOL_ERROR_NICKNAME_TAKEN, "register",
                "{'username':'carol','nickname':'Alice','password':'" LT_TEST_PASSWORD "',"
                "'email':'carol@example.org'}");
  expect_error (anonymous, LT_PROTOCOL_ERROR_EMAIL_TAKEN, "register",
                "{'username':'carol','nickname':'Carol','password':'" LT_TEST_PASSWORD "',"
                "'email':'alice@example.org'}");
  expect_error (anonymous, LT_PROTOCOL_ERROR_NO_SUCH_USER, "login",
                "{'username':'nobody','password':'" LT_TEST_PASSWORD "'}");
  expect_error (anonymous, LT_PROTOCOL_ERROR_WRONG_PASSWORD, "login",
                "{'username':'alice','password':'not the password'}");
  expect_error (anonymous, LT_PROTOCOL_ERROR_NO_SUCH_EMAIL, "reset_password",
                "{'email':'nobody@example.org'}");
  expect_error (anonymous, LT_PROTOCOL_ERROR_INVALID_TOKEN, "reset_password_confirm",
                "{'email':'alice@example.org','token':'0123456789abcdef0123456789abcdef',"
                "'new_password':'a new password'}");
  expect_error (alice, LT_PROTOCOL_ERROR_INVALID_REQUEST, "login",
                "{'username':'alice','password':'" LT_TEST_PASSWORD "'}");
  expect_error (alice, LT_PROTOCOL_ERROR_NO_SUCH_USER, "send", "{'to':'nobody','text':'hi'}");
  expect_error (alice, LT_PROTOCOL_ERROR_NO_SUCH_ROOM, "send", "{'to':'#nowhere','text':'hi'}");
  expect_error (alice, LT_PROTOCOL_ERROR_NOT_IN_ROOM, "send", "{'to':'#dev','text':'hi'}");
  expect_error (alice, LT_PROTOCOL_ERROR_MESSAGE_TOO_LONG, "send", too_long);
  expect_error (alice, LT_PROTOCOL_ERROR_ROOM_EXISTS, "room_create", "{'room':'#lobby'}");
  g_clear_pointer (&sent, json_object_unref);
  sent = call (alice, &error, "friend_add", "{'username':'bob'}");
  g_assert_no_error (error);
  expect_error (alice, LT_PROTOCOL_ERROR_ALREADY_FRIENDS, "friend_add", "{'username':'bob'}");

  /* Five failed logins spend bob's budget; the sixth is refused. */
  for (guint i = 0; i < 5; i++)
    expect_error (anonymous, LT_PROTOCOL_ERROR_WRONG_PASSWORD, "login",
                  "{'username':'bob','password':'not the password'}");
  expect_error (anonymous, LT_PROTOCOL_ERROR_RATE_LIMITED, "login",
                "{'username':'bob','password':'" LT_TEST_PASSWORD "'}");

  /* Errors leave the connections usable. */
  g_assert_true (lt_daemon_connection_is_connected (anonymous));
  g_assert_true (lt_daemon_connection_is_connected (alice));
}

static void
test_notifications (LtTestFixture *fixture,
                    gconstpointer  data)
{
  g_autoptr(LtDaemonConnection) alice = connect_to (fixture->server, NULL);
  g_autoptr(LtDaemonConnection) bob = connect_to (fixture->server, NULL);
  g_autoptr(Events) events = events_new (alice);
  g_autoptr(JsonObject) presence = NULL;
  g_autoptr(JsonObject) message = NULL;
  g_autoptr(JsonObject) friend = NULL;
  g_autoptr(JsonObject) sent = NULL;
  g_autoptr(GError) error = NULL;

  register_and_login (alice, "alice");
  register_and_login (bob, "bob");
  presence = wait_notification (events, "presence");
  lt_test_assert_object (presence, "{'username':'bob','nickname':'Bob','online':true}");

  sent = call (bob, &error, "send", "{'to':'alice','text':'Lunch at noon?'}");
  g_assert_no_error (error);
  message = wait_notification (events, "message");
  lt_test_assert_object (message, "{'id':%" G_GINT64_FORMAT ",'from':'bob','to':'alice',"
                         "'text':'Lunch at noon?'}", json_object_get_int_member (sent, "id"));

  g_clear_pointer (&sent, json_object_unref);
  sent = call (bob, &error, "friend_add", "{'username':'alice'}");
  g_assert_no_error (error);
  friend = wait_notification (events, "friend_added");
  lt_test_assert_object (friend, "{'username':'bob','nickname':'Bob'}");
}

typedef struct
{
  char *expected; /* a username, "" for a pong, NULL for no_such_user */
  Outcome outcome;
} Concurrent;

static void
concurrent_free (Concurrent *concurrent)
{
  g_free (concurrent->expected);
  outcome_clear (&concurrent->outcome);
  g_free (concurrent);
}

static void
check_concurrent (Concurrent *concurrent)
{
  Outcome *outcome = &concurrent->outcome;

  if (concurrent->expected == NULL)
    g_assert_error (outcome->error, LT_PROTOCOL_ERROR, LT_PROTOCOL_ERROR_NO_SUCH_USER);
  else if (*concurrent->expected == '\0')
    lt_test_assert_object (outcome->result, "{}");
  else
    lt_test_assert_object (outcome->result, "{'username':'%s'}", concurrent->expected);
}

static gboolean
all_done (GPtrArray *calls)
{
  for (guint i = 0; i < calls->len; i++)
    {
      Concurrent *concurrent = g_ptr_array_index (calls, i);

      if (!concurrent->outcome.done)
        return FALSE;
    }
  return TRUE;
}

/* Answers come out of order (pings overtake lookups, which wait for
 * the database); each still finds its call. */
static void
test_concurrent (LtTestFixture *fixture,
                 gconstpointer  data)
{
  static const char * const usernames[] = { "alice", "bob", "carol" };
  g_autoptr(LtDaemonConnection) dave = connect_to (fixture->server, NULL);
  g_autoptr(GPtrArray) calls = g_ptr_array_new_with_free_func ((GDestroyNotify) concurrent_free);

  for (guint i = 0; i < G_N_ELEMENTS (usernames); i++)
    register_user (dave, usernames[i]);
  register_and_login (dave, "dave");

  for (guint i = 0; i < 300; i++)
    {
      Concurrent *concurrent = g_new0 (Concurrent, 1);
      g_autoptr(JsonObject) params = NULL;
      const char *method = "user_find";

      if (i % 4 == 3)
        {
          method = "ping";
          concurrent->expected = g_strdup ("");
        }
      else if (i % 7 != 6)
        concurrent->expected = g_strdup (usernames[i % G_N_ELEMENTS (usernames)]);
      params = lt_test_params_new ("{'username':'%s'}",
                                   concurrent->expected ? concurrent->expected : "nobody");
      g_ptr_array_add (calls, concurrent);
      lt_daemon_connection_call_async (dave, method, params, NULL, on_call_done,
                                       &concurrent->outcome);
    }

  run_until (all_done (calls), LT_TEST_TIMEOUT_MS, "answers to 300 calls");
  for (guint i = 0; i < calls->len; i++)
    check_concurrent (g_ptr_array_index (calls, i));
}

/* A call nobody answers times out and leaves the connection open; a
 * cancelled one ends at once. */
static void
test_call_timeout (void)
{
  g_autofree char *hello = g_strdup_printf (HELLO, LT_PROTOCOL_VERSION);
  g_autoptr(FakeServer) fake = fake_server_new (hello, FALSE);
  g_autoptr(LtDaemonConnection) connection = connect_to_silent (fake);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_auto(Outcome) cancelled = { 0 };
  gint64 start = g_get_monotonic_time ();

  g_object_set (connection, "call-timeout", 1, "ping-interval", 0, NULL);
  g_assert_null (call (connection, &error, "login", "{'username':'alice','password':'x'}"));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_assert_cmpint (g_get_monotonic_time () - start, >=, G_USEC_PER_SEC / 2);
  g_assert_true (lt_daemon_connection_is_connected (connection));

  g_object_set (connection, "call-timeout", 60, NULL);
  lt_daemon_connection_call_async (connection, "ping", NULL, cancellable, on_call_done,
                                   &cancelled);
  g_cancellable_cancel (cancellable);
  run_until (cancelled.done, LT_TEST_TIMEOUT_MS, "the cancelled call to end");
  g_assert_error (cancelled.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

static void
test_server_killed (LtTestFixture *fixture,
                    gconstpointer  data)
{
  g_autoptr(LtDaemonConnection) connection = connect_to (fixture->server, NULL);
  g_autoptr(Events) events = events_new (connection);
  g_autoptr(GError) error = NULL;
  Outcome outcomes[5] = { 0 };

  register_and_login (connection, "alice");
  for (guint i = 0; i < G_N_ELEMENTS (outcomes); i++)
    lt_daemon_connection_call_async (connection, "history", NULL, NULL, on_call_done,
                                     &outcomes[i]);
  lt_test_server_kill (fixture->server);

  run_until (events->closed_count > 0, LT_TEST_TIMEOUT_MS, "closed after the kill");
  g_assert_nonnull (events->closed_error);
  g_test_message ("closed: %s", events->closed_error->message);
  for (guint i = 0; i < G_N_ELEMENTS (outcomes); i++)
    {
      g_assert_true (outcomes[i].done);
      g_assert_error (outcomes[i].error, G_IO_ERROR, G_IO_ERROR_CLOSED);
      outcome_clear (&outcomes[i]);
    }
  g_assert_false (lt_daemon_connection_is_connected (connection));
  g_assert_null (call (connection, &error, "ping", "{}"));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CLOSED);
  g_assert_cmpuint (events->closed_count, ==, 1);
}

/* A request over the server's --max-frame: the server answers with an
 * id null error and closes; the call fails rather than hang. */
static void
test_frame_too_large (LtTestFixture *fixture,
                      gconstpointer  data)
{
  g_autoptr(LtDaemonConnection) connection = connect_to (fixture->server, NULL);
  g_autoptr(Events) events = events_new (connection);
  g_autofree char *text = lt_test_text_of_length (LT_DEFAULT_MAX_FRAME, "x");
  g_autoptr(GError) error = NULL;

  g_assert_null (call (connection, &error, "ping", "{'padding':'%s'}", text));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CLOSED);
  run_until (events->closed_count > 0, LT_TEST_TIMEOUT_MS, "closed");
  g_assert_nonnull (events->closed_error);
}

/* The server drops connections silent for --idle-timeout; the pings
 * keep this one open for twice that. */
static void
test_keepalive (LtTestFixture *fixture,
                gconstpointer  data)
{
  g_autoptr(LtDaemonConnection) connection = connect_to (fixture->server, NULL);
  g_autoptr(Events) events = events_new (connection);
  gint64 until = g_get_monotonic_time () + 4 * G_USEC_PER_SEC;

  g_object_set (connection, "ping-interval", 1, NULL);
  run_until (g_get_monotonic_time () > until, 10 * 1000, "four seconds to pass");
  g_assert_cmpuint (events->closed_count, ==, 0);
  g_assert_cmpuint (events->notifications->len, ==, 0);
  g_assert_true (lt_daemon_connection_is_connected (connection));
}

static void
test_ping_unanswered (void)
{
  g_autofree char *hello = g_strdup_printf (HELLO, LT_PROTOCOL_VERSION);
  g_autoptr(FakeServer) fake = fake_server_new (hello, FALSE);
  g_autoptr(LtDaemonConnection) connection = connect_to_silent (fake);
  g_autoptr(Events) events = events_new (connection);
  g_auto(Outcome) pending = { 0 };

  g_object_set (connection, "ping-interval", 1, "ping-timeout", 1, NULL);
  lt_daemon_connection_call_async (connection, "who", NULL, NULL, on_call_done, &pending);
  run_until (events->closed_count > 0, LT_TEST_TIMEOUT_MS, "closed for an unanswered ping");
  g_assert_error (events->closed_error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_assert_true (pending.done);
  g_assert_error (pending.error, G_IO_ERROR, G_IO_ERROR_CLOSED);
}

/* The test certificate is self-signed for "localhost": trusted as its
 * own authority, it validates, name included. */
static void
test_tls (LtTestFixture *fixture,
          gconstpointer  data)
{
  g_autofree char *cert_file = g_build_filename (lt_test_server_get_dir (fixture->server),
                                                 "cert.pem", NULL);
  g_autofree char *address = g_strdup_printf ("localhost:%u",
                                              lt_test_server_get_port (fixture->server));
  g_autoptr(GTlsDatabase) database = NULL;
  g_autoptr(LtDaemonConnection) connection = NULL;
  g_autoptr(LtDaemonConnection) untrusting = NULL;
  g_autoptr(JsonObject) pong = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(Outcome) trusted = { 0 };
  g_auto(Outcome) refused = { 0 };

  database = g_tls_file_database_new (cert_file, &error);
  g_assert_no_error (error);
  connection = lt_daemon_connection_new (address, TRUE, database);
  run_connect (connection, NULL, &trusted);
  g_assert_no_error (trusted.error);
  register_and_login (connection, "alice");
  pong = call (connection, &error, "ping", "{}");
  g_assert_no_error (error);

  /* With the system's authorities, a self-signed server does not
   * validate. */
  untrusting = lt_daemon_connection_new (address, TRUE, NULL);
  run_connect (untrusting, NULL, &refused);
  g_assert_error (refused.error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE);
}

static void
test_connect_errors (void)
{
  g_autofree char *wrong_protocol = g_strdup_printf (HELLO, LT_PROTOCOL_VERSION + 1);
  g_autoptr(FakeServer) future = fake_server_new (wrong_protocol, FALSE);
  g_autoptr(FakeServer) mute = fake_server_new (NULL, FALSE);
  g_autoptr(FakeServer) hangs_up = fake_server_new (NULL, TRUE);
  g_autoptr(FakeServer) refusing = fake_server_new (NULL, FALSE);
  g_autoptr(FakeServer) crowded = fake_server_new (
    "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":1006,\"message\":\"Too many\","
    "\"data\":{\"reason\":\"rate_limited\"}}}\n", FALSE);
  g_autofree char *closed_port = g_strdup (refusing->address);

  g_clear_pointer (&refusing, fake_server_free);
  expect_connect_error (closed_port, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED, 15);
  expect_connect_error ("127.0.0.1:notaport", G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, 15);
  expect_connect_error (future->address, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, 15);
  expect_connect_error (mute->address, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, 1);
  expect_connect_error (hangs_up->address, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED, 15);
  expect_connect_error (crowded->address, LT_PROTOCOL_ERROR, LT_PROTOCOL_ERROR_RATE_LIMITED, 15);
}

static void
test_connect_cancelled (void)
{
  g_autoptr(FakeServer) mute = fake_server_new (NULL, FALSE);
  g_autoptr(LtDaemonConnection) connection = lt_daemon_connection_new (mute->address, FALSE,
                                                                       NULL);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_auto(Outcome) outcome = { 0 };

  lt_daemon_connection_connect_async (connection, cancellable, on_connect_done, &outcome);
  g_cancellable_cancel (cancellable);
  run_until (outcome.done, LT_TEST_TIMEOUT_MS, "the cancelled connect to end");
  g_assert_error (outcome.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

static const LtTestServerOptions tls = {
  .tls = TRUE,
};

static const LtTestServerOptions short_idle_timeout = {
  .args = { "--idle-timeout", "2", NULL },
};

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  lt_test_add ("/daemon-connection/hello", NULL, test_hello);
  lt_test_add ("/daemon-connection/calls", NULL, test_calls);
  lt_test_add ("/daemon-connection/notifications", NULL, test_notifications);
  lt_test_add ("/daemon-connection/concurrent", NULL, test_concurrent);
  lt_test_add ("/daemon-connection/server-killed", NULL, test_server_killed);
  lt_test_add ("/daemon-connection/frame-too-large", NULL, test_frame_too_large);
  lt_test_add ("/daemon-connection/keepalive", &short_idle_timeout, test_keepalive);
  lt_test_add ("/daemon-connection/tls", &tls, test_tls);
  g_test_add_func ("/daemon-connection/call-timeout", test_call_timeout);
  g_test_add_func ("/daemon-connection/ping-unanswered", test_ping_unanswered);
  g_test_add_func ("/daemon-connection/connect-errors", test_connect_errors);
  g_test_add_func ("/daemon-connection/connect-cancelled", test_connect_cancelled);

  return g_test_run ();
}
