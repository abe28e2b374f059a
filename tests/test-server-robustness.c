/* SPDX-License-Identifier: GPL-3.0-or-later */
/* liaotian-server against bad and hostile clients: bad JSON and UTF-8,
 * deep nesting, invalid requests, frame limits, timeouts, connection
 * and queue limits, a failing disk, and how it starts and stops. */
#include "config.h"

#include <string.h>

#include "lt-protocol.h"
#include "lt-test-utils.h"

static void
expect_error_frame (LtTestClient *client,
                    const char   *expected)
{
  lt_test_assert_object (lt_test_next_frame (client), "%s", expected);
}

#define PARSE_ERROR "{'id':null,'error':{'code':-32700,'data':{'reason':'parse_error'}}}"
#define FRAME_TOO_LARGE "{'id':null,'error':{'code':-32600,'data':{'reason':'frame_too_large'}}}"

/* The answer to a frame over --max-frame, then the end of the connection. */
static void
expect_too_large_and_closed (LtTestClient *client)
{
  expect_error_frame (client, FRAME_TOO_LARGE);
  lt_test_wait_closed (client);
}

static void
assert_alive (LtTestClient *client)
{
  lt_test_assert_object (lt_test_call_ok (client, "ping", "{}"), "{}");
}

/* A new connection still gets its hello and its answers. */
static void
assert_server_alive (LtTestServer *server)
{
  g_autoptr(LtTestClient) client = lt_test_client_new (server);

  assert_alive (client);
}

static void
test_invalid_json (LtTestFixture *fixture,
                   gconstpointer  data)
{
  g_autoptr(LtTestClient) client = lt_test_client_new_user (fixture->server, "alice");
  static const char *lines[] = {
    "hello",
    "{not json",
    "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"",
    "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"ping\",}",
    "   ",
    "\t",
    "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"ping\"} trailing",
  };

  /* Each answered with id null; the connection stays open and logged in. */
  for (guint i = 0; i < G_N_ELEMENTS (lines); i++)
    {
      g_test_message ("line \"%s\"", lines[i]);
      lt_test_client_send_line (client, lines[i]);
      expect_error_frame (client, PARSE_ERROR);
    }
  lt_test_call_ok (client, "who", "{}");
}

static void
test_invalid_utf8 (LtTestFixture *fixture,
                   gconstpointer  data)
{
  g_autoptr(LtTestClient) client = lt_test_client_new (fixture->server);
  static const char *texts[] = {
    "\xff\xfe",                  /* never valid */
    "\xc0\xaf",                  /* overlong "/" */
    "\xed\xa0\x80",              /* a UTF-16 surrogate */
    "\xe4\xbd",                  /* truncated */
    "\xf4\x90\x80\x80",          /* past U+10FFFF */
  };

  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      g_autofree char *line = g_strdup_printf ("{\"jsonrpc\":\"2.0\",\"id\":%u,\"method\":\"ping\","
                                               "\"params\":{\"x\":\"%s\"}}", i + 1, texts[i]);

      lt_test_client_send_line (client, line);
      expect_error_frame (client, PARSE_ERROR);
    }
  /* A NUL byte is not allowed in a frame either. */
  {
    static const char nul[] = "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"ping\"}\0\n";
    g_autoptr(GError) error = NULL;

    g_assert_true (lt_test_client_send_raw (client, nul, sizeof nul - 1, &error));
    expect_error_frame (client, PARSE_ERROR);
  }
  assert_alive (client);
}

static char *
nested_ping (guint id,
             guint depth)
{
  /* The request object and params are two levels. */
  g_autofree char *open = g_strnfill (depth - 2, '[');
  g_autofree char *close = g_strnfill (depth - 2, ']');

  return g_strdup_printf ("{\"jsonrpc\":\"2.0\",\"id\":%u,\"method\":\"ping\","
                          "\"params\":{\"x\":%s%s}}", id, open, close);
}

static void
test_deep_nesting (LtTestFixture *fixture,
                   gconstpointer  data)
{
  g_autoptr(LtTestClient) client = lt_test_client_new (fixture->server);
  g_autofree char *arrays = g_strnfill (10000, '[');
  g_autofree char *objects = lt_test_text_of_length (10000, "{\"a\":");
  g_autofree char *depth_32 = nested_ping (1, LT_MAX_JSON_DEPTH);
  g_autofree char *depth_33 = nested_ping (2, LT_MAX_JSON_DEPTH + 1);

  /* Would overflow json-glib's stack if it got that far. */
  lt_test_client_send_line (client, arrays);
  expect_error_frame (client, PARSE_ERROR);
  lt_test_client_send_line (client, objects);
  expect_error_frame (client, PARSE_ERROR);

  lt_test_client_send_line (client, depth_33);
  expect_error_frame (client, PARSE_ERROR);
  /* 32 levels are fine. */
  lt_test_client_send_line (client, depth_32);
  lt_test_assert_object (lt_test_wait_response (client, 1), "{'result':{}}");

  assert_alive (client);
  assert_server_alive (fixture->server);
}

static void
test_invalid_request (LtTestFixture *fixture,
                      gconstpointer  data)
{
  g_autoptr(LtTestClient) client = lt_test_client_new (fixture->server);
  static const char *requests[][2] = {
    /* not an object: batches are not supported */
    { "[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}]", "null" },
    { "[]", "null" },
    { "42", "null" },
    { "\"ping\"", "null" },
    { "null", "null" },
    /* wrong members; the id is copied when it could be read */
    { "{\"jsonrpc\":\"1.0\",\"id\":3,\"method\":\"ping\"}", "3" },
    { "{\"id\":4,\"method\":\"ping\"}", "4" },
    { "{\"jsonrpc\":2.0,\"id\":5,\"method\":\"ping\"}", "5" },
    { "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":7}", "6" },
    { "{\"jsonrpc\":\"2.0\",\"id\":7}", "7" },
    { "{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"ping\",\"params\":[1]}", "8" },
    { "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"ping\",\"params\":\"x\"}", "9" },
    { "{\"jsonrpc\":\"2.0\",\"id\":\"ten\",\"method\":\"ping\",\"params\":5}", "'ten'" },
    /* ids that are neither numbers nor strings */
    { "{\"jsonrpc\":\"2.0\",\"id\":{\"a\":1},\"method\":\"ping\"}", "null" },
    { "{\"jsonrpc\":\"2.0\",\"id\":[1],\"method\":\"ping\"}", "null" },
    { "{\"jsonrpc\":\"2.0\",\"id\":true,\"method\":\"ping\"}", "null" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (requests); i++)
    {
      g_test_message ("request %s", requests[i][0]);
      lt_test_client_send_line (client, requests[i][0]);
      lt_test_assert_object (lt_test_next_frame (client),
                             "{'id':%s,'error':{'code':-32600,"
                             "'data':{'reason':'invalid_request'}}}", requests[i][1]);
    }

  /* Valid shapes: a string id, a null id, params left out, members a
   * method does not know, and whitespace between tokens. */
  lt_test_client_send_line (client, "{\"jsonrpc\":\"2.0\",\"id\":\"a-string\",\"method\":\"ping\"}");
  lt_test_assert_object (lt_test_next_frame (client), "{'id':'a-string','result':{}}");
  lt_test_client_send_line (client, "{\"jsonrpc\":\"2.0\",\"id\":null,\"method\":\"ping\"}");
  lt_test_assert_object (lt_test_next_frame (client), "{'id':null,'result':{}}");
  lt_test_client_send_line (client, " { \"method\" : \"ping\" , \"id\" : 11 , "
                                    "\"jsonrpc\" : \"2.0\" , \"params\" : { \"extra\" : [ 1 ] } } ");
  lt_test_assert_object (lt_test_next_frame (client), "{'jsonrpc':'2.0','id':11,'result':{}}");
}

/* Requests without an id are executed but never answered. */
static void
test_notifications_unanswered (LtTestFixture *fixture,
                               gconstpointer  data)
{
  g_autoptr(LtTestClient) alice = lt_test_client_new_user (fixture->server, "alice");
  g_autoptr(LtTestClient) bob = lt_test_client_new_user (fixture->server, "bob");

  lt_test_client_send_line (alice, "{\"jsonrpc\":\"2.0\",\"method\":\"ping\"}");
  lt_test_client_send_line (alice, "{\"jsonrpc\":\"2.0\",\"method\":\"no_such_method\"}");
  lt_test_client_send_line (alice, "{\"jsonrpc\":\"2.0\",\"method\":\"send\",\"params\":{}}");
  lt_test_client_send_line (alice, "{\"jsonrpc\":\"2.0\",\"method\":\"send\","
                                   "\"params\":{\"to\":\"bob\",\"text\":\"fire and forget\"}}");

  /* The send happened... */
  lt_test_expect_message (bob, "alice", "bob", "fire and forget");
  lt_test_expect_message (alice, "alice", "bob", "fire and forget");
  /* (what came before the echo, such as bob's presence, is done with) */
  lt_test_client_drop_notifications (alice, NULL);
  /* ...and the only other frame is the answer to a later ping. */
  lt_test_client_send_line (alice, "{\"jsonrpc\":\"2.0\",\"id\":77,\"method\":\"ping\"}");
  lt_test_assert_object (lt_test_next_frame (alice), "{'id':77,'result':{}}");
  lt_test_expect_no_frame (alice, 200);
}

static void
test_unknown_method (LtTestFixture *fixture,
                     gconstpointer  data)
{
  g_autoptr(LtTestClient) client = lt_test_client_new_user (fixture->server, "alice");

  lt_test_call_error (client, "Send", -32601, "method_not_found", "{'to':'alice','text':'hi'}");
  lt_test_call_error (client, "", -32601, "method_not_found", "{}");
  lt_test_call_error (client, "rpc.discover", -32601, "method_not_found", "{}");
  /* Unknown comes before checking params. */
  lt_test_call_error (client, "nope", -32601, "method_not_found", "{'x':[1,2]}");
  assert_alive (client);
}

/* A param of the wrong JSON type, for every method that takes params. */
static void
test_wrong_param_types (LtTestFixture *fixture,
                        gconstpointer  data)
{
  g_autoptr(LtTestClient) anonymous = lt_test_client_new (fixture->server);
  g_autoptr(LtTestClient) alice = lt_test_client_new_user (fixture->server, "alice");
  static const char *anonymous_calls[][2] = {
    { "login", "{'username':['alice'],'password':'long enough'}" },
    { "login", "{'username':'alice','password':12345678}" },
    { "change_password", "{'username':'alice','old_password':'long enough','new_password':{}}" },
    { "reset_password", "{'email':1}" },
    { "reset_password_confirm", "{'email':'alice@example.org','token':5,"
                                "'new_password':'long enough'}" },
    { "reset_password_confirm", "{'email':'alice@example.org',"
                                "'token':'0123456789abcdef0123456789abcdef','new_password':true}" },
  };
  static const char *calls[][2] = {
    { "register", "{'username':[],'nickname':'N','password':'long enough','email':'n@ex.org'}" },
    { "send", "{'to':{'user':'bob'},'text':'hi'}" },
    { "send", "{'to':'alice','text':['hi']}" },
    { "ack", "{'up_to':'1'}" },
    { "ack", "{'up_to':1.5}" },
    { "history", "{'with':true}" },
    { "who", "{'room':1}" },
    { "room_create", "{'room':'#dev','topic':[]}" },
    { "room_join", "{'room':{}}" },
    { "room_leave", "{'room':0}" },
    { "friend_add", "{'username':[]}" },
    { "friend_remove", "{'username':1.5}" },
    { "user_find", "{'username':false}" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (anonymous_calls); i++)
    lt_test_call_error (anonymous, anonymous_calls[i][0], -32602, "invalid_params", "%s",
                        anonymous_calls[i][1]);
  for (guint i = 0; i < G_N_ELEMENTS (calls); i++)
    lt_test_call_error (alice, calls[i][0], -32602, "invalid_params", "%s", calls[i][1]);

  /* Mistakes cost nothing: both connections carry on. */
  assert_alive (anonymous);
  lt_test_call_ok (alice, "who", "{}");
}

/* A ping request of exactly @length bytes, padded with JSON whitespace. */
static char *
ping_of_length (guint id,
                gsize length)
{
  g_autofree char *head = g_strdup_printf ("{\"jsonrpc\":\"2.0\",\"id\":%u,\"method\":\"ping\"",
                                           id);
  g_autofree char *padding = NULL;

  g_assert_cmpuint (length, >, strlen (head) + 1);
  padding = g_strnfill (length - strlen (head) - 1, ' ');
  return g_strconcat (head, padding, "}", NULL);
}

static const LtTestServerOptions small_frames = {
  .args = { "--max-frame", "1024", NULL },
};

static void
test_frames (LtTestFixture *fixture,
             gconstpointer  data)
{
  g_autoptr(LtTestClient) client = lt_test_client_new (fixture->server);
  g_autoptr(LtTestClient) other = lt_test_client_new (fixture->server);
  g_autofree char *exact = ping_of_length (1, 1024);
  g_autofree char *exact_2 = ping_of_length (2, 1024);
  g_autofree char *exact_crlf = g_strconcat (exact_2, "\r", NULL);
  g_autofree char *over = ping_of_length (4, 1025);
  g_autoptr(GError) error = NULL;
  static const char split[] = "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"ping\"}\n";

  /* At the limit, also with a "\r" that does not count. */
  g_assert_cmpuint (strlen (exact), ==, 1024);
  lt_test_client_send_line (client, exact);
  lt_test_assert_object (lt_test_next_frame (client), "{'id':1,'result':{}}");
  lt_test_client_send_line (client, exact_crlf);
  lt_test_assert_object (lt_test_next_frame (client), "{'id':2,'result':{}}");

  /* Empty lines are ignored: no answer at all. */
  g_assert_true (lt_test_client_send_raw (client, "\n\r\n\n", 4, &error));
  lt_test_expect_no_frame (client, 300);

  /* A frame in pieces, with pauses between them. */
  for (guint i = 0; i < 3; i++)
    {
      gsize third = (sizeof split - 1) / 3;
      gsize length = i < 2 ? third : sizeof split - 1 - 2 * third;

      g_assert_true (lt_test_client_send_raw (client, split + i * third, length, &error));
      g_usleep (50 * 1000);
    }
  lt_test_assert_object (lt_test_next_frame (client), "{'id':3,'result':{}}");

  /* Several frames in one write are all answered, in any order. */
  {
    g_autoptr(GString) many = g_string_new (NULL);

    for (guint i = 10; i < 20; i++)
      g_string_append_printf (many, "{\"jsonrpc\":\"2.0\",\"id\":%u,\"method\":\"ping\"}\r\n", i);
    g_assert_true (lt_test_client_send_raw (client, many->str, many->len, &error));
    for (guint i = 10; i < 20; i++)
      lt_test_assert_object (lt_test_wait_response (client, i), "{'result':{}}");
  }

  /* One byte over: the error, then the end of the connection. */
  g_assert_cmpuint (strlen (over), ==, 1025);
  lt_test_client_send_line (client, over);
  expect_too_large_and_closed (client);
  lt_test_expect_no_frame (client, 0);

  /* Nobody else noticed. */
  assert_alive (other);
}

/* A partial frame that outgrows the limit fails before its newline. */
static void
test_frame_partial_over_limit (LtTestFixture *fixture,
                               gconstpointer  data)
{
  g_autoptr(LtTestClient) client = lt_test_client_new (fixture->server);
  g_autofree char *over = g_strnfill (1024 + 2, 'x');
  g_autoptr(GError) error = NULL;

  g_assert_true (lt_test_client_send_raw (client, over, strlen (over), &error));
  expect_too_large_and_closed (client);
  assert_server_alive (fixture->server);
}

/* The default limit is 65536 bytes. */
static void
test_frame_default_limit (LtTestFixture *fixture,
                          gconstpointer  data)
{
  g_autoptr(LtTestClient) client = lt_test_client_new (fixture->server);
  g_autofree char *exact = ping_of_length (1, LT_DEFAULT_MAX_FRAME);
  g_autofree char *over = ping_of_length (2, LT_DEFAULT_MAX_FRAME + 1);

  lt_test_client_send_line (client, exact);
  lt_test_assert_object (lt_test_next_frame (client), "{'id':1,'result':{}}");
  lt_test_client_send_line (client, over);
  expect_too_large_and_closed (client);
}

static const LtTestServerOptions login_timeout = {
  .args = { "--login-timeout", "1", NULL },
};

static void
test_login_timeout (LtTestFixture *fixture,
                    gconstpointer  data)
{
  g_autoptr(LtTestClient) setup = lt_test_client_new (fixture->server);
  g_autoptr(LtTestClient) anonymous = NULL;
  g_autoptr(LtTestClient) alice = NULL;
  gint64 start;
  gint64 elapsed_ms;

  lt_test_register (setup, "alice");
  alice = lt_test_client_new_login (fixture->server, "alice");
  start = g_get_monotonic_time ();
  anonymous = lt_test_client_new (fixture->server);

  /* Pinging does not help an anonymous connection. */
  assert_alive (anonymous);
  lt_test_assert_object (lt_test_wait_notification (anonymous, "bye"),
                         "{'reason':'login_timeout'}");
  lt_test_wait_closed (anonymous);
  elapsed_ms = (g_get_monotonic_time () - start) / 1000;
  g_test_message ("closed after %" G_GINT64_FORMAT " ms", elapsed_ms);
  g_assert_cmpint (elapsed_ms, >=, 900);

  /* The logged-in connection, older than the timeout, stays. */
  assert_alive (alice);
  lt_test_expect_no_notification (alice, "bye", 0);
  g_assert_false (lt_test_client_is_closed (alice));
}

static const LtTestServerOptions idle_timeout = {
  .args = { "--idle-timeout", "2", NULL },
};

static void
test_idle_timeout (LtTestFixture *fixture,
                   gconstpointer  data)
{
  g_autoptr(LtTestClient) alice = lt_test_client_new_user (fixture->server, "alice");
  g_autoptr(LtTestClient) bob = lt_test_client_new_user (fixture->server, "bob");
  g_autoptr(LtTestClient) carol = lt_test_client_new_user (fixture->server, "carol");
  g_autoptr(GError) error = NULL;
  gint64 start = g_get_monotonic_time ();

  /* Bob pings, carol sends only empty lines (not frames), alice is
   * silent.  From 2 s on carol may be gone: her line then finds a
   * closed connection, and the bye below tells why. */
  for (guint i = 0; i < 6; i++)
    {
      gboolean sent;

      assert_alive (bob);
      g_clear_error (&error);
      sent = lt_test_client_send_raw (carol, "\n", 1, &error);
      if (!sent && g_get_monotonic_time () - start < 2 * G_USEC_PER_SEC)
        g_error ("carol's connection broke before 2 s: %s", error->message);
      g_usleep (500 * 1000);
    }
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 3 * G_USEC_PER_SEC);

  /* Both byes came during those 3 s: they are waiting to be read. */
  start = g_get_monotonic_time ();
  lt_test_assert_object (lt_test_wait_notification (alice, "bye"), "{'reason':'idle_timeout'}");
  lt_test_wait_closed (alice);
  lt_test_assert_object (lt_test_wait_notification (carol, "bye"), "{'reason':'idle_timeout'}");
  lt_test_wait_closed (carol);
  g_assert_cmpint (g_get_monotonic_time () - start, <, G_USEC_PER_SEC);

  assert_alive (bob);
  lt_test_wait_notification_like (bob, "presence", "{'username':'alice','online':false}");
  lt_test_wait_notification_like (bob, "presence", "{'username':'carol','online':false}");
  lt_test_expect_no_notification (bob, "bye", 0);
}

static const LtTestServerOptions long_timeouts = {
  .args = { "--idle-timeout", "3600", "--login-timeout", "3000", NULL },
};

/* Timeouts past 2147 s once overflowed int and closed everyone at the
 * first sweep; sweeps run every second. */
static void
test_long_timeouts (LtTestFixture *fixture,
                    gconstpointer  data)
{
  g_autoptr(LtTestClient) alice = lt_test_client_new_user (fixture->server, "alice");
  g_autoptr(LtTestClient) anonymous = lt_test_client_new (fixture->server);

  g_usleep (2500 * 1000);
  lt_test_expect_no_notification (alice, "bye", 0);
  lt_test_expect_no_notification (anonymous, "bye", 0);
  assert_alive (alice);
  assert_alive (anonymous);
}

static const LtTestServerOptions three_connections = {
  .args = { "--max-connections-per-address", "3", NULL },
};

static void
test_connection_limit (LtTestFixture *fixture,
                       gconstpointer  data)
{
  LtTestClient *clients[3];
  g_autoptr(LtTestClient) extra = NULL;
  g_autoptr(LtTestClient) again = NULL;
  g_autoptr(GError) error = NULL;
  gint64 deadline;

  for (guint i = 0; i < G_N_ELEMENTS (clients); i++)
    clients[i] = lt_test_client_new (fixture->server);

  /* The fourth gets an error instead of hello, then the end. */
  extra = lt_test_client_connect (fixture->server, LT_TEST_CLIENT_NO_HELLO, &error);
  g_assert_no_error (error);
  lt_test_assert_object (lt_test_next_frame (extra),
                         "{'id':null,'error':{'code':1006,'data':{'reason':'rate_limited'}}}");
  lt_test_wait_closed (extra);

  for (guint i = 0; i < G_N_ELEMENTS (clients); i++)
    assert_alive (clients[i]);

  /* A slot frees when a connection ends (as soon as the server notices). */
  lt_test_client_free (clients[0]);
  deadline = lt_test_deadline (LT_TEST_TIMEOUT_MS);
  for (;;)
    {
      JsonObject *first;

      again = lt_test_client_connect (fixture->server, LT_TEST_CLIENT_NO_HELLO, &error);
      g_assert_no_error (error);
      first = lt_test_next_frame (again);
      if (json_object_has_member (first, "method"))
        {
          lt_test_assert_object (first, "{'method':'hello'}");
          break;
        }
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_clear_pointer (&again, lt_test_client_free);
      g_usleep (50 * 1000);
    }
  assert_alive (again);

  lt_test_client_free (clients[1]);
  lt_test_client_free (clients[2]);
}

static const LtTestServerOptions small_queue = {
  .args = { "--max-queue", "65536", "--rate-limit", "100000", NULL },
};

static gboolean
room_has_member (LtTestClient *client,
                 const char   *room,
                 const char   *username)
{
  JsonObject *who = lt_test_call_ok (client, "who", "{'room':'%s'}", room);
  JsonArray *users = json_object_get_array_member (who, "users");

  for (guint i = 0; i < json_array_get_length (users); i++)
    {
      JsonObject *user = json_array_get_object_element (users, i);

      if (g_strcmp0 (json_object_get_string_member (user, "username"), username) == 0)
        return TRUE;
    }
  return FALSE;
}

/* A client that never reads while a room floods: the server drops it
 * once its queue passes --max-queue, and answers others all along. */
static void
test_slow_reader (LtTestFixture *fixture,
                  gconstpointer  data)
{
  g_autoptr(LtTestClient) stuck = NULL;
  g_autoptr(LtTestClient) flooder = lt_test_client_new_user (fixture->server, "flooder");
  g_autoptr(LtTestClient) carol = lt_test_client_new_user (fixture->server, "carol");
  g_autoptr(JsonObject) params = json_object_new ();
  g_autofree char *text = lt_test_text_of_length (LT_MAX_TEXT_CHARS, "x");
  g_autoptr(GError) error = NULL;
  gint64 slowest_ping = 0;
  guint sent = 0;
  gboolean dropped = FALSE;

  stuck = lt_test_client_connect (fixture->server, LT_TEST_CLIENT_SMALL_BUFFER, &error);
  g_assert_no_error (error);
  lt_test_register (stuck, "stuck");
  lt_test_login (stuck, "stuck", LT_TEST_PASSWORD);
  lt_test_call_ok (flooder, "room_create", "{'room':'#flood'}");
  lt_test_call_ok (stuck, "room_join", "{'room':'#flood'}");
  g_assert_true (room_has_member (carol, "#flood", "stuck"));

  json_object_set_string_member (params, "to", "#flood");
  json_object_set_string_member (params, "text", text);

  /* Up to 8 MB, far more than the kernel buffers and the 64 KiB queue
   * hold, until the server drops the stuck client.  In batches of 8,
   * each read whole with its echoes before the next: the flooder gets
   * its own messages, and what it has not read yet must stay below
   * --max-queue, or the server would rightly drop it too. */
  while (!dropped && sent < 2000)
    {
      gint64 requests[8];
      gint64 start;

      for (guint i = 0; i < G_N_ELEMENTS (requests); i++)
        requests[i] = lt_test_client_send_request (flooder, "send", params);
      for (guint i = 0; i < G_N_ELEMENTS (requests); i++)
        lt_test_assert_object (lt_test_wait_response (flooder, requests[i]), "{'result':{}}");
      for (guint i = 0; i < G_N_ELEMENTS (requests); i++)
        lt_test_wait_notification (flooder, "message");
      sent += G_N_ELEMENTS (requests);

      start = g_get_monotonic_time ();
      dropped = !room_has_member (carol, "#flood", "stuck");
      slowest_ping = MAX (slowest_ping, g_get_monotonic_time () - start);
    }
  g_test_message ("stuck dropped after %u messages; slowest who: %" G_GINT64_FORMAT " us",
                  sent, slowest_ping);
  if (!dropped)
    lt_test_fail ("Expected the server to drop a client that does not read once its queue "
                  "passed --max-queue 65536; it was still online after %u messages of %d bytes",
                  sent, LT_MAX_TEXT_CHARS);
  g_assert_cmpint (slowest_ping, <, 2 * G_USEC_PER_SEC);

  lt_test_wait_notification_like (carol, "presence", "{'username':'stuck','online':false}");
  assert_alive (carol);
  /* The other member of the flooded room reads and stays. */
  assert_alive (flooder);
  lt_test_send (flooder, "#flood", "still here");

  /* What the stuck client finally reads ends in a closed connection,
   * without a bye (it is not reading anyway). */
  lt_test_wait_closed (stuck);
  lt_test_expect_no_notification (stuck, "bye", 0);
}

static void
test_sigterm (LtTestFixture *fixture,
              gconstpointer  data)
{
  g_autoptr(LtTestClient) alice = lt_test_client_new_user (fixture->server, "alice");
  g_autoptr(LtTestClient) anonymous = lt_test_client_new (fixture->server);

  lt_test_send (alice, "#lobby", "last words");

  /* Exit status 0 is asserted by the stop. */
  lt_test_server_stop (fixture->server);

  lt_test_assert_object (lt_test_wait_notification (alice, "bye"), "{'reason':'shutdown'}");
  lt_test_wait_closed (alice);
  lt_test_assert_object (lt_test_wait_notification (anonymous, "bye"), "{'reason':'shutdown'}");
  lt_test_wait_closed (anonymous);

  /* The database was closed cleanly: everything is there. */
  lt_test_server_start (fixture->server);
  g_clear_pointer (&alice, lt_test_client_free);
  alice = lt_test_client_new_login (fixture->server, "alice");
  lt_test_assert_object (lt_test_call_ok (alice, "history", "{'with':'#lobby'}"),
                         "{'messages':[{'text':'last words'}]}");
}

static const LtTestServerOptions verbose = {
  .args = { "--verbose", NULL },
};

/* stdout holds the one "listening on" line, also with --verbose: logs
 * go to stderr (or the journal). */
static void
test_verbose (LtTestFixture *fixture,
              gconstpointer  data)
{
  g_autoptr(LtTestClient) alice = lt_test_client_new_user (fixture->server, "alice");

  lt_test_send (alice, "#lobby", "log this");
  lt_test_call_error (alice, "fly", -32601, "method_not_found", "{}");
  g_clear_pointer (&alice, lt_test_client_free);

  /* Asserts that nothing more came on stdout. */
  lt_test_server_stop (fixture->server);
}

static void
assert_refused (const char * const *args,
                const char         *why)
{
  g_autofree char *error_output = NULL;
  int status = lt_test_run_server_expect_failure (args, &error_output);

  g_test_message ("%s: exit status %d, stderr: %s", why, status, error_output);
  /* -1 stands for a crash, which is no way to refuse. */
  if (status <= 0 || error_output == NULL || *error_output == '\0')
    lt_test_fail ("%s: expected a non-zero exit status and a message on stderr, got status %d "
                  "and \"%s\"", why, status, error_output ? error_output : "");
}

static void
test_refuse_to_start (void)
{
  assert_refused ((const char *[]) { "--listen", "0.0.0.0", "--port", "0", NULL },
                  "non-loopback address without TLS");
  assert_refused ((const char *[]) { "--port", "0", "--tls-cert", "@DIR@/missing.pem",
                                     "--tls-key", "@DIR@/missing.key", NULL },
                  "missing certificate");
  assert_refused ((const char *[]) { "--port", "0", "--max-frame", "lots", NULL },
                  "a malformed option");
  assert_refused ((const char *[]) { "--port", "0", "--config", "@DIR@/missing.conf", NULL },
                  "a missing config file");
}

/* A second server on a port that is taken says so and exits, cleanly
 * (its database thread was already running). */
static void
test_port_in_use (LtTestFixture *fixture,
                  gconstpointer  data)
{
  g_autofree char *port = g_strdup_printf ("%u", lt_test_server_get_port (fixture->server));

  assert_refused ((const char *[]) { "--port", port, NULL }, "a port in use");
}

static const LtTestServerOptions ipv6 = {
  .args = { "--listen", "::1", NULL },
};

static void
test_ipv6 (LtTestFixture *fixture,
           gconstpointer  data)
{
  g_autoptr(LtTestClient) alice = NULL;

  g_assert_cmpstr (lt_test_server_get_address (fixture->server), ==, "::1");
  alice = lt_test_client_new_user (fixture->server, "alice");
  lt_test_send (alice, "alice", "over IPv6");
  lt_test_expect_message (alice, "alice", "alice", "over IPv6");
}

/* The [server] group of --config sets options; the command line wins. */
static void
test_config_file (void)
{
  g_autofree char *dir = g_dir_make_tmp ("liaotian-config-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "server.conf", NULL);
  g_autoptr(LtTestServer) server = NULL;
  g_autoptr(LtTestClient) alice = NULL;
  g_autoptr(LtTestClient) second = NULL;
  g_autoptr(LtTestClient) third = NULL;
  g_autofree char *over = ping_of_length (1, 1025);
  g_autoptr(GError) error = NULL;
  LtTestServerOptions options = { .args = { "--config", path,
                                            "--max-connections-per-address", "2", NULL } };

  g_assert_nonnull (dir);
  g_assert_true (g_file_set_contents (path, "[server]\nmax-frame=1024\n"
                                      "max-connections-per-address=1\n", -1, NULL));
  server = lt_test_server_new (&options);

  /* Two connections: the command line's 2 beat the file's 1... */
  alice = lt_test_client_new_user (server, "alice");
  second = lt_test_client_new (server);
  third = lt_test_client_connect (server, LT_TEST_CLIENT_NO_HELLO, &error);
  g_assert_no_error (error);
  lt_test_assert_object (lt_test_next_frame (third), "{'error':{'code':1006}}");

  /* ...and the file's max-frame holds. */
  lt_test_client_send_line (second, over);
  expect_too_large_and_closed (second);

  g_clear_pointer (&server, lt_test_server_free);
  lt_test_remove_tree (dir);
}

static const LtTestServerOptions small_disk = {
  .max_file_size = 512 * 1024,
  .args = { "--rate-limit", "100000", NULL },
};

/* When the database cannot write, requests fail with internal_error
 * and the server stays up for everything else. */
static void
test_internal_error (LtTestFixture *fixture,
                     gconstpointer  data)
{
  g_autoptr(LtTestClient) alice = lt_test_client_new_user (fixture->server, "alice");
  g_autoptr(JsonObject) params = json_object_new ();
  g_autofree char *text = lt_test_text_of_length (LT_MAX_TEXT_CHARS, "\xe5\xad\x97");
  JsonObject *error_response = NULL;
  guint sent = 0;

  json_object_set_string_member (params, "to", "alice");
  json_object_set_string_member (params, "text", text);

  /* 12 KB a message: a 512 KiB file limit is reached within 100. */
  while (error_response == NULL && sent < 1000)
    {
      gint64 requests[20];

      for (guint i = 0; i < G_N_ELEMENTS (requests); i++)
        requests[i] = lt_test_client_send_request (alice, "send", params);
      for (guint i = 0; i < G_N_ELEMENTS (requests); i++)
        {
          JsonObject *response = lt_test_wait_response (alice, requests[i]);

          if (error_response == NULL && json_object_has_member (response, "error"))
            error_response = response;
        }
      sent += G_N_ELEMENTS (requests);
      lt_test_client_drop_notifications (alice, "message");
    }

  if (error_response == NULL)
    lt_test_fail ("Expected an error once the database could not grow past 512 KiB; "
                  "%u sends of 12 KB succeeded", sent);
  lt_test_assert_object (error_response,
                         "{'error':{'code':-32603,'data':{'reason':'internal_error'}}}");

  /* Still answering, and still refusing to lose writes silently. */
  assert_alive (alice);
  lt_test_call_ok (alice, "who", "{}");
  assert_server_alive (fixture->server);

  /* A full disk may fairly keep it from closing the database cleanly:
   * end it like a crash instead of asserting exit status 0. */
  lt_test_server_kill (fixture->server);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  lt_test_add ("/robustness/invalid-json", NULL, test_invalid_json);
  lt_test_add ("/robustness/invalid-utf8", NULL, test_invalid_utf8);
  lt_test_add ("/robustness/deep-nesting", NULL, test_deep_nesting);
  lt_test_add ("/robustness/invalid-request", NULL, test_invalid_request);
  lt_test_add ("/robustness/notifications-unanswered", NULL, test_notifications_unanswered);
  lt_test_add ("/robustness/unknown-method", NULL, test_unknown_method);
  lt_test_add ("/robustness/wrong-param-types", NULL, test_wrong_param_types);
  lt_test_add ("/robustness/frames", &small_frames, test_frames);
  lt_test_add ("/robustness/frames/partial-over-limit", &small_frames,
               test_frame_partial_over_limit);
  lt_test_add ("/robustness/frames/default-limit", NULL, test_frame_default_limit);
  lt_test_add ("/robustness/login-timeout", &login_timeout, test_login_timeout);
  lt_test_add ("/robustness/idle-timeout", &idle_timeout, test_idle_timeout);
  lt_test_add ("/robustness/long-timeouts", &long_timeouts, test_long_timeouts);
  lt_test_add ("/robustness/connection-limit", &three_connections, test_connection_limit);
  lt_test_add ("/robustness/slow-reader", &small_queue, test_slow_reader);
  lt_test_add ("/robustness/sigterm", NULL, test_sigterm);
  lt_test_add ("/robustness/ipv6", &ipv6, test_ipv6);
  lt_test_add ("/robustness/verbose", &verbose, test_verbose);
  lt_test_add ("/robustness/internal-error", &small_disk, test_internal_error);
  g_test_add_func ("/robustness/refuse-to-start", test_refuse_to_start);
  lt_test_add ("/robustness/port-in-use", NULL, test_port_in_use);
  g_test_add_func ("/robustness/config-file", test_config_file);

  return g_test_run ();
}
