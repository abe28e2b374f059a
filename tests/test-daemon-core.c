/* SPDX-License-Identifier: GPL-3.0-or-later */
/* LtDaemon against a real server: logging in and out, the reasons a
 * login fails, and reconnecting by itself when the server goes away
 * and comes back, until the password stops working. */
#include "config.h"

#include "lt-daemon.h"
#include "lt-daemon-error.h"
#include "lt-test-utils.h"

#define WAIT_MS 20000

typedef struct
{
  gboolean done;
  gboolean ok;
  GError *error;
} LoginOutcome;

static void
on_login (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  LoginOutcome *outcome = user_data;

  outcome->ok = lt_daemon_login_finish (LT_DAEMON (source), result, &outcome->error);
  outcome->done = TRUE;
}

/* Iterates the main context until @condition holds, WAIT_MS at most. */
static void
wait_until (gboolean    (*condition) (gconstpointer),
            gconstpointer data,
            const char   *what)
{
  gint64 deadline = lt_test_deadline (WAIT_MS);

  while (!condition (data))
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("Waited %d ms for %s", WAIT_MS, what);
      g_main_context_iteration (NULL, FALSE);
      g_usleep (5 * 1000);
    }
}

static gboolean
is_set (gconstpointer flag)
{
  return *(const gboolean *) flag;
}

static void
iterate_until (gboolean   *done,
               const char *what)
{
  wait_until (is_set, done, what);
}

/* Logs in and returns how it went; *error set on failure. */
static gboolean
login (LtDaemon   *daemon,
       const char *username,
       const char *password,
       GError    **error)
{
  LoginOutcome outcome = { FALSE };

  lt_daemon_login_async (daemon, username, password, NULL, on_login, &outcome);
  iterate_until (&outcome.done, "the login to finish");
  if (outcome.error != NULL)
    g_propagate_error (error, outcome.error);
  return outcome.ok;
}

typedef struct
{
  LtDaemon *daemon;
  LtDaemonState state;
  gboolean reached;
} StateWait;

static void
on_state (LtDaemon   *daemon,
          GParamSpec *pspec,
          StateWait  *wait)
{
  if (lt_daemon_get_state (daemon) == wait->state)
    wait->reached = TRUE;
}

static void
wait_for_state (LtDaemon     *daemon,
                LtDaemonState state)
{
  StateWait wait = { daemon, state, lt_daemon_get_state (daemon) == state };
  g_autofree char *what = g_strdup_printf ("state %s (it is %s)", lt_daemon_state_to_string (state),
                                           lt_daemon_state_to_string (lt_daemon_get_state (daemon)));
  gulong handler = g_signal_connect (daemon, "notify::state", G_CALLBACK (on_state), &wait);

  iterate_until (&wait.reached, what);
  g_signal_handler_disconnect (daemon, handler);
}

static LtDaemon *
new_daemon (LtTestServer *server)
{
  g_autofree char *address = g_strdup_printf ("127.0.0.1:%u", lt_test_server_get_port (server));

  return lt_daemon_new (address);
}

static void
register_user (LtTestServer *server,
               const char   *username)
{
  g_autoptr(LtTestClient) client = lt_test_client_new_user (server, username);
}

static void
test_login_logout (LtTestFixture *fixture,
                   gconstpointer  data)
{
  g_autoptr(LtDaemon) daemon = new_daemon (fixture->server);
  g_autoptr(GError) error = NULL;

  register_user (fixture->server, "alice");
  g_assert_cmpint (lt_daemon_get_state (daemon), ==, LT_DAEMON_STATE_OFFLINE);
  g_assert_cmpstr (lt_daemon_get_username (daemon), ==, "");

  g_assert_true (login (daemon, "alice", LT_TEST_PASSWORD, &error));
  g_assert_no_error (error);
  g_assert_cmpint (lt_daemon_get_state (daemon), ==, LT_DAEMON_STATE_LOGGED_IN);
  g_assert_cmpstr (lt_daemon_get_username (daemon), ==, "alice");
  g_assert_cmpstr (lt_daemon_get_nickname (daemon), !=, "");

  /* One session at a time. */
  g_assert_false (login (daemon, "alice", LT_TEST_PASSWORD, &error));
  g_assert_error (error, LT_DAEMON_ERROR, LT_DAEMON_ERROR_FAILED);
  g_clear_error (&error);

  lt_daemon_logout (daemon);
  g_assert_cmpint (lt_daemon_get_state (daemon), ==, LT_DAEMON_STATE_OFFLINE);
  g_assert_cmpstr (lt_daemon_get_username (daemon), ==, "");
  g_assert_true (login (daemon, "alice", LT_TEST_PASSWORD, &error));
}

static void
test_login_errors (LtTestFixture *fixture,
                   gconstpointer  data)
{
  g_autoptr(LtDaemon) daemon = new_daemon (fixture->server);
  g_autoptr(LtDaemon) nowhere = lt_daemon_new ("127.0.0.1:1");
  g_autoptr(GError) error = NULL;

  register_user (fixture->server, "alice");

  g_assert_false (login (daemon, "alice", "not the password", &error));
  g_assert_error (error, LT_DAEMON_ERROR, LT_DAEMON_ERROR_WRONG_PASSWORD);
  g_assert_cmpint (lt_daemon_get_state (daemon), ==, LT_DAEMON_STATE_OFFLINE);
  g_clear_error (&error);

  g_assert_false (login (daemon, "nobody", LT_TEST_PASSWORD, &error));
  g_assert_error (error, LT_DAEMON_ERROR, LT_DAEMON_ERROR_NO_SUCH_USER);
  g_clear_error (&error);

  /* Nothing listens on port 1: the Login says so, no retry loop. */
  g_assert_false (login (nowhere, "alice", LT_TEST_PASSWORD, &error));
  g_assert_error (error, LT_DAEMON_ERROR, LT_DAEMON_ERROR_OFFLINE);
  g_assert_cmpint (lt_daemon_get_state (nowhere), ==, LT_DAEMON_STATE_OFFLINE);
}

/* The server goes away and comes back on the same port: the daemon
 * is "connecting" meanwhile, then logged in again by itself. */
static void
test_reconnect (LtTestFixture *fixture,
                gconstpointer  data)
{
  g_autoptr(LtDaemon) daemon = new_daemon (fixture->server);
  g_autoptr(GError) error = NULL;

  register_user (fixture->server, "alice");
  g_assert_true (login (daemon, "alice", LT_TEST_PASSWORD, &error));

  lt_test_server_kill (fixture->server);
  wait_for_state (daemon, LT_DAEMON_STATE_CONNECTING);
  g_assert_cmpstr (lt_daemon_get_username (daemon), ==, "alice");
  g_assert_cmpstr (lt_daemon_get_last_error (daemon), !=, "");

  lt_test_server_start (fixture->server);
  wait_for_state (daemon, LT_DAEMON_STATE_LOGGED_IN);
  g_assert_cmpstr (lt_daemon_get_last_error (daemon), ==, "");

  /* An orderly shutdown (a bye) is a drop like any other. */
  lt_test_server_restart (fixture->server);
  wait_for_state (daemon, LT_DAEMON_STATE_LOGGED_IN);
}

/* The password was changed elsewhere while the daemon was away: the
 * next login fails, and the daemon stops instead of retrying. */
static void
test_reconnect_refused (LtTestFixture *fixture,
                        gconstpointer  data)
{
  g_autoptr(LtDaemon) daemon = new_daemon (fixture->server);
  g_autoptr(LtTestClient) other_device = lt_test_client_new_user (fixture->server, "alice");
  g_autoptr(GError) error = NULL;

  g_assert_true (login (daemon, "alice", LT_TEST_PASSWORD, &error));
  lt_test_call_ok (other_device, "change_password",
                   "{'username':'alice','old_password':'%s','new_password':'a new password'}",
                   LT_TEST_PASSWORD);

  lt_test_server_restart (fixture->server);
  wait_for_state (daemon, LT_DAEMON_STATE_OFFLINE);
  g_assert_cmpstr (lt_daemon_get_username (daemon), ==, "");
  g_assert_nonnull (strstr (lt_daemon_get_last_error (daemon), "password"));
}

/* A new server while logged in: the daemon moves over at once. */
static void
test_change_server (LtTestFixture *fixture,
                    gconstpointer  data)
{
  g_autoptr(LtDaemon) daemon = lt_daemon_new ("127.0.0.1:1");
  g_autofree char *address = g_strdup_printf ("127.0.0.1:%u",
                                              lt_test_server_get_port (fixture->server));
  g_autoptr(GError) error = NULL;

  register_user (fixture->server, "alice");
  g_object_set (daemon, "server", address, NULL);
  g_assert_true (login (daemon, "alice", LT_TEST_PASSWORD, &error));

  lt_daemon_set_server (daemon, "127.0.0.1:1");
  g_assert_cmpint (lt_daemon_get_state (daemon), ==, LT_DAEMON_STATE_CONNECTING);
  lt_daemon_set_server (daemon, address);
  wait_for_state (daemon, LT_DAEMON_STATE_LOGGED_IN);
}

typedef struct
{
  gboolean done;
  JsonObject *reply;
  GError *error;
} CallOutcome;

static void
on_call (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  CallOutcome *outcome = user_data;

  outcome->reply = lt_daemon_call_finish (LT_DAEMON (source), result, &outcome->error);
  outcome->done = TRUE;
}

/* Calls @method with params in the test utils' '-quoted JSON; returns
 * the reply, or NULL with *error set. */
static JsonObject *
call (LtDaemon   *daemon,
      GError    **error,
      const char *method,
      const char *params_format,
      ...)
{
  CallOutcome outcome = { FALSE };
  g_autoptr(JsonObject) params = NULL;
  va_list args;

  va_start (args, params_format);
  params = lt_test_params_new_va (params_format, args);
  va_end (args);

  lt_daemon_call_async (daemon, method, params, NULL, on_call, &outcome);
  iterate_until (&outcome.done, method);
  if (outcome.error != NULL)
    g_propagate_error (error, outcome.error);
  return outcome.reply;
}

/* Register works before any login, over a connection of its own;
 * calls that need the session say why they cannot run. */
static void
test_calls (LtTestFixture *fixture,
            gconstpointer  data)
{
  g_autoptr(LtDaemon) daemon = new_daemon (fixture->server);
  g_autoptr(JsonObject) reply = NULL;
  g_autoptr(JsonObject) who = NULL;
  g_autoptr(GError) error = NULL;

  reply = call (daemon, &error, "register",
                "{'nickname':'Alice','username':'alice','password':'%s','email':'a@example.org'}",
                LT_TEST_PASSWORD);
  g_assert_no_error (error);
  lt_test_assert_object (reply, "{'username':'alice'}");
  g_assert_cmpint (lt_daemon_get_state (daemon), ==, LT_DAEMON_STATE_OFFLINE);

  g_assert_null (call (daemon, &error, "register",
                       "{'nickname':'Al','username':'alice','password':'%s','email':'b@example.org'}",
                       LT_TEST_PASSWORD));
  g_assert_error (error, LT_DAEMON_ERROR, LT_DAEMON_ERROR_USERNAME_TAKEN);
  g_clear_error (&error);

  g_assert_null (call (daemon, &error, "who", "{}"));
  g_assert_error (error, LT_DAEMON_ERROR, LT_DAEMON_ERROR_NOT_LOGGED_IN);
  g_clear_error (&error);

  g_assert_true (login (daemon, "alice", LT_TEST_PASSWORD, &error));
  who = call (daemon, &error, "who", "{}");
  g_assert_no_error (error);
  lt_test_assert_object (who, "{'users':[{'username':'alice','nickname':'Alice'}]}");

  g_assert_null (call (daemon, &error, "friend_add", "{'username':'nobody'}"));
  g_assert_error (error, LT_DAEMON_ERROR, LT_DAEMON_ERROR_NO_SUCH_USER);
  g_clear_error (&error);

  /* While reconnecting, a call says Offline rather than hanging. */
  lt_test_server_kill (fixture->server);
  wait_for_state (daemon, LT_DAEMON_STATE_CONNECTING);
  g_assert_null (call (daemon, &error, "who", "{}"));
  g_assert_error (error, LT_DAEMON_ERROR, LT_DAEMON_ERROR_OFFLINE);
  lt_test_server_start (fixture->server);
}

/* What the daemon heard, as one line per signal. */
static void
record (GPtrArray  *log,
        const char *format,
        ...) G_GNUC_PRINTF (2, 3);

static void
record (GPtrArray  *log,
        const char *format,
        ...)
{
  va_list args;

  va_start (args, format);
  g_ptr_array_add (log, g_strdup_vprintf (format, args));
  va_end (args);
}

static void
on_presence (LtDaemon   *daemon,
             const char *username,
             const char *nickname,
             gboolean    online,
             GPtrArray  *log)
{
  record (log, "presence %s %s", username, online ? "online" : "offline");
}

static void
on_friend_added (LtDaemon   *daemon,
                 const char *username,
                 const char *nickname,
                 GPtrArray  *log)
{
  record (log, "friend-added %s", username);
}

static void
on_friend_removed (LtDaemon   *daemon,
                   const char *username,
                   GPtrArray  *log)
{
  record (log, "friend-removed %s", username);
}

static void
on_room_membership (LtDaemon   *daemon,
                    const char *room,
                    const char *username,
                    gboolean    joined,
                    GPtrArray  *log)
{
  record (log, "%s %s %s", room, username, joined ? "joined" : "left");
}

typedef struct
{
  GPtrArray *log;
  const char *line;
} LogLine;

static gboolean
is_logged (gconstpointer data)
{
  const LogLine *wanted = data;

  return g_ptr_array_find_with_equal_func (wanted->log, wanted->line, g_str_equal, NULL);
}

static void
wait_for_line (GPtrArray  *log,
               const char *line)
{
  LogLine wanted = { log, line };
  g_autofree char *what = g_strdup_printf ("the daemon to signal \"%s\"", line);

  wait_until (is_logged, &wanted, what);
}

/* Server pushes reach the daemon's own signals. */
static void
test_notifications (LtTestFixture *fixture,
                    gconstpointer  data)
{
  g_autoptr(LtDaemon) daemon = new_daemon (fixture->server);
  g_autoptr(GPtrArray) log = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(LtTestClient) bob = NULL;
  g_autoptr(JsonObject) joined = NULL;
  g_autoptr(JsonObject) left = NULL;
  g_autoptr(GError) error = NULL;

  register_user (fixture->server, "alice");
  g_signal_connect (daemon, "presence-changed", G_CALLBACK (on_presence), log);
  g_signal_connect (daemon, "friend-added", G_CALLBACK (on_friend_added), log);
  g_signal_connect (daemon, "friend-removed", G_CALLBACK (on_friend_removed), log);
  g_signal_connect (daemon, "room-membership", G_CALLBACK (on_room_membership), log);
  g_assert_true (login (daemon, "alice", LT_TEST_PASSWORD, &error));

  bob = lt_test_client_new_user (fixture->server, "bob");
  wait_for_line (log, "presence bob online");

  lt_test_call_ok (bob, "friend_add", "{'username':'alice'}");
  wait_for_line (log, "friend-added bob");
  lt_test_call_ok (bob, "friend_remove", "{'username':'alice'}");
  wait_for_line (log, "friend-removed bob");

  lt_test_call_ok (bob, "room_create", "{'room':'#tea'}");
  g_clear_pointer (&bob, lt_test_client_free);
  wait_for_line (log, "presence bob offline");

  joined = call (daemon, &error, "room_join", "{'room':'#tea'}");
  g_assert_no_error (error);
  wait_for_line (log, "#tea alice joined");
  left = call (daemon, &error, "room_leave", "{'room':'#tea'}");
  g_assert_no_error (error);
  wait_for_line (log, "#tea alice left");
}

static void
on_message_received (LtDaemon   *daemon,
                     const char *conversation,
                     guint64     id,
                     gint64      ts,
                     const char *sender,
                     const char *text,
                     const char *nickname,
                     GPtrArray  *log)
{
  record (log, "received %s %s %s", conversation, sender, text);
}

static void
on_message_sent (LtDaemon   *daemon,
                 const char *conversation,
                 guint64     local_id,
                 guint64     id,
                 GPtrArray  *log)
{
  record (log, "sent %s %" G_GUINT64_FORMAT, conversation, local_id);
}

static void
on_message_failed (LtDaemon   *daemon,
                   const char *conversation,
                   guint64     local_id,
                   const char *error_name,
                   const char *message,
                   GPtrArray  *log)
{
  record (log, "failed %s %s", conversation, error_name);
}

static GPtrArray *
log_messages (LtDaemon *daemon)
{
  GPtrArray *log = g_ptr_array_new_with_free_func (g_free);

  g_signal_connect (daemon, "message-received", G_CALLBACK (on_message_received), log);
  g_signal_connect (daemon, "message-sent", G_CALLBACK (on_message_sent), log);
  g_signal_connect (daemon, "message-failed", G_CALLBACK (on_message_failed), log);
  return log;
}

typedef struct
{
  gboolean done;
  guint64 local_id;
  GError *error;
} SendOutcome;

static void
on_send (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  SendOutcome *outcome = user_data;

  outcome->local_id = lt_daemon_send_message_finish (LT_DAEMON (source), result,
                                                     &outcome->error);
  outcome->done = TRUE;
}

/* Returns the local id; fails the test when the outbox refuses. */
static guint64
send_message (LtDaemon   *daemon,
              const char *to,
              const char *text)
{
  SendOutcome outcome = { FALSE };

  lt_daemon_send_message_async (daemon, to, text, NULL, on_send, &outcome);
  iterate_until (&outcome.done, "the outbox to take a message");
  g_assert_no_error (outcome.error);
  g_assert_cmpuint (outcome.local_id, >, 0);
  return outcome.local_id;
}

static void
wait_for_sent (GPtrArray  *log,
               const char *to,
               guint64     local_id)
{
  g_autofree char *line = g_strdup_printf ("sent %s %" G_GUINT64_FORMAT, to, local_id);

  wait_for_line (log, line);
}

/* Counts the lines that start with @prefix. */
static guint
count_lines (GPtrArray  *log,
             const char *prefix)
{
  guint count = 0;

  for (guint i = 0; i < log->len; i++)
    count += g_str_has_prefix (g_ptr_array_index (log, i), prefix);
  return count;
}

/* Lets the main context run for @ms, for checks that nothing more comes. */
static void
settle (guint ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < end)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (5 * 1000);
    }
}

static void
test_send_receive (LtTestFixture *fixture,
                   gconstpointer  data)
{
  g_autoptr(LtDaemon) daemon = new_daemon (fixture->server);
  g_autoptr(GPtrArray) log = log_messages (daemon);
  g_autoptr(LtTestClient) bob = lt_test_client_new_user (fixture->server, "bob");
  g_autoptr(GError) error = NULL;
  SendOutcome too_early = { FALSE };
  guint64 local_id;

  /* No user, no outbox. */
  lt_daemon_send_message_async (daemon, "bob", "too early", NULL, on_send, &too_early);
  iterate_until (&too_early.done, "the refusal of a send before login");
  g_assert_error (too_early.error, LT_DAEMON_ERROR, LT_DAEMON_ERROR_NOT_LOGGED_IN);
  g_clear_error (&too_early.error);

  register_user (fixture->server, "alice");
  g_assert_true (login (daemon, "alice", LT_TEST_PASSWORD, &error));

  local_id = send_message (daemon, "bob", "hello bob");
  wait_for_sent (log, "bob", local_id);
  lt_test_wait_notification_like (bob, "message", "{'from':'alice','text':'hello bob'}");

  lt_test_send (bob, "alice", "hi alice");
  wait_for_line (log, "received bob bob hi alice");

  /* Refused for good: it leaves the outbox with the reason. */
  send_message (daemon, "nobody", "anyone there?");
  wait_for_line (log, "failed nobody org.liaotian.Chat1.Error.NoSuchUser");
}

/* Sent while the server is down: each message arrives exactly once. */
static void
test_outbox_across_outage (LtTestFixture *fixture,
                           gconstpointer  data)
{
  g_autoptr(LtDaemon) daemon = new_daemon (fixture->server);
  g_autoptr(GPtrArray) log = log_messages (daemon);
  g_autoptr(LtTestClient) bob = NULL;
  g_autoptr(GError) error = NULL;
  guint64 first, second;

  register_user (fixture->server, "alice");
  register_user (fixture->server, "bob");
  g_assert_true (login (daemon, "alice", LT_TEST_PASSWORD, &error));

  lt_test_server_kill (fixture->server);
  wait_for_state (daemon, LT_DAEMON_STATE_CONNECTING);
  first = send_message (daemon, "bob", "one");
  second = send_message (daemon, "bob", "two");
  g_assert_cmpuint (second, >, first);

  lt_test_server_start (fixture->server);
  wait_for_sent (log, "bob", first);
  wait_for_sent (log, "bob", second);

  bob = lt_test_client_new_login (fixture->server, "bob");
  lt_test_wait_notification_like (bob, "message", "{'text':'one','offline':true}");
  lt_test_wait_notification_like (bob, "message", "{'text':'two','offline':true}");
  lt_test_expect_no_notification (bob, "message", 300);
  g_assert_cmpuint (count_lines (log, "sent "), ==, 2);
}

/* Messages that came while nobody was logged in arrive at the login,
 * once: the next login brings nothing again. */
static void
test_offline_messages (LtTestFixture *fixture,
                       gconstpointer  data)
{
  g_autoptr(LtDaemon) daemon = new_daemon (fixture->server);
  g_autoptr(GPtrArray) log = log_messages (daemon);
  g_autoptr(LtTestClient) bob = lt_test_client_new_user (fixture->server, "bob");
  g_autoptr(GError) error = NULL;

  register_user (fixture->server, "alice");
  lt_test_send (bob, "alice", "while you were out");
  lt_test_send (bob, "alice", "and again");

  g_assert_true (login (daemon, "alice", LT_TEST_PASSWORD, &error));
  wait_for_line (log, "received bob bob while you were out");
  wait_for_line (log, "received bob bob and again");

  lt_daemon_logout (daemon);
  g_assert_true (login (daemon, "alice", LT_TEST_PASSWORD, &error));
  settle (500);
  g_assert_cmpuint (count_lines (log, "received "), ==, 2);
}

/* A daemon for a new user @username, who starts with an empty cache:
 * the port of a server can come again in a later test. */
static LtDaemon *
new_user_daemon (LtTestServer *server,
                 const char   *username)
{
  LtDaemon *daemon = new_daemon (server);
  g_autofree char *dir = lt_daemon_cache_dir_for (lt_daemon_get_server (daemon), username);

  register_user (server, username);
  lt_test_remove_tree (dir);
  return daemon;
}

static void
call_ok (LtDaemon   *daemon,
         const char *method,
         const char *params)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) reply = call (daemon, &error, method, "%s", params);

  g_assert_no_error (error);
}

/* Keeps the result of an async call, for the caller to finish. */
static void
on_result (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  GAsyncResult **slot = user_data;

  *slot = g_object_ref (result);
}

static gboolean
has_result (gconstpointer slot)
{
  return *(GAsyncResult *const *) slot != NULL;
}

/* The texts of a page, newest first, e.g. "six five four". */
static char *
page_texts (GVariant *page)
{
  g_autoptr(GPtrArray) texts = g_ptr_array_new ();
  GVariantIter iter;
  const char *text;

  g_variant_iter_init (&iter, page);
  while (g_variant_iter_next (&iter, "(txs&s&s)", NULL, NULL, NULL, NULL, &text))
    g_ptr_array_add (texts, (gpointer) text);
  g_ptr_array_add (texts, NULL);
  return g_strjoinv (" ", (char **) texts->pdata);
}

/* GetHistory, as page_texts() gives it. */
static char *
get_history (LtDaemon   *daemon,
             const char *with,
             guint64     before,
             guint       limit)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GVariant) page = NULL;
  g_autoptr(GError) error = NULL;

  lt_daemon_get_history_async (daemon, with, before, limit, NULL, on_result, &result);
  wait_until (has_result, &result, "GetHistory to answer");
  page = lt_daemon_get_history_finish (daemon, result, &error);
  g_assert_no_error (error);
  return page_texts (page);
}

/* What the cache alone answers, given that @tail is the newest id: the
 * texts, then "complete" or "incomplete". */
static char *
cache_history (LtDaemon   *daemon,
               const char *with,
               guint64     before,
               guint       limit,
               gint64      tail)
{
  LtDaemonCache *cache = lt_daemon_get_cache (daemon);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GVariant) page = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *texts = NULL;
  gboolean complete = FALSE;

  lt_daemon_cache_history_async (cache, with, before, limit, tail, NULL, on_result, &result);
  wait_until (has_result, &result, "the cache to answer");
  page = lt_daemon_cache_history_finish (cache, result, &complete, &error);
  g_assert_no_error (error);
  texts = page_texts (page);
  return g_strconcat (texts, complete ? " complete" : " incomplete", NULL);
}

/* ListUnread, as GVariant text. */
static char *
list_unread (LtDaemon *daemon)
{
  LtDaemonCache *cache = lt_daemon_get_cache (daemon);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GVariant) unread = NULL;
  g_autoptr(GError) error = NULL;

  lt_daemon_cache_list_unread_async (cache, NULL, on_result, &result);
  wait_until (has_result, &result, "the unread counts");
  unread = lt_daemon_cache_list_unread_finish (cache, result, &error);
  g_assert_no_error (error);
  return g_variant_print (unread, FALSE);
}

/* The received messages of @log, "text text ...", in signal order. */
static char *
received_texts (GPtrArray *log)
{
  g_autoptr(GString) texts = g_string_new (NULL);

  for (guint i = 0; i < log->len; i++)
    {
      const char *line = g_ptr_array_index (log, i);

      if (g_str_has_prefix (line, "received "))
        g_string_append_printf (texts, "%s%s", texts->len > 0 ? " " : "",
                                strrchr (line, ' ') + 1);
    }
  return g_string_free (g_steal_pointer (&texts), FALSE);
}

/* Room messages sent while the daemon was away are not pushed at the
 * next login: the daemon catches the room up, signalling each once and
 * in order, counting them unread, and linking them to what it had, so
 * that GetHistory is then answered whole from the cache. */
static void
test_room_catch_up (LtTestFixture *fixture,
                    gconstpointer  data)
{
  g_autoptr(LtDaemon) daemon = new_user_daemon (fixture->server, "alice");
  g_autoptr(GPtrArray) log = log_messages (daemon);
  g_autoptr(LtTestClient) bob = lt_test_client_new_user (fixture->server, "bob");
  g_autoptr(GError) error = NULL;
  g_autofree char *received = NULL;
  g_autofree char *newest = NULL;
  g_autofree char *cached = NULL;
  g_autofree char *unread = NULL;
  g_autofree char *expected_unread = NULL;
  gint64 six;

  g_assert_true (login (daemon, "alice", LT_TEST_PASSWORD, &error));
  lt_test_send (bob, "#lobby", "one");
  lt_test_send (bob, "#lobby", "two");
  wait_for_line (log, "received #lobby bob two");

  lt_daemon_logout (daemon);
  lt_test_send (bob, "#lobby", "three");
  lt_test_send (bob, "#lobby", "four");
  lt_test_send (bob, "#lobby", "five");

  g_assert_true (login (daemon, "alice", LT_TEST_PASSWORD, &error));
  wait_for_line (log, "received #lobby bob five");
  six = lt_test_send (bob, "#lobby", "six");
  wait_for_line (log, "received #lobby bob six");
  received = received_texts (log);
  g_assert_cmpstr (received, ==, "one two three four five six");
  unread = list_unread (daemon);
  expected_unread = g_strdup_printf ("[('#lobby', 6, %" G_GINT64_FORMAT ")]", six);
  g_assert_cmpstr (unread, ==, expected_unread);

  /* "one" came first on its connection: what was before it is not
   * known, so only pages above it are whole. */
  cached = cache_history (daemon, "#lobby", 0, 5, six);
  g_assert_cmpstr (cached, ==, "six five four three two complete");
  newest = get_history (daemon, "#lobby", 0, 3);
  g_assert_cmpstr (newest, ==, "six five four");
}

/* A catch-up cut short by a lost connection is taken up again at the
 * next login, from where it started: the private push (a higher id)
 * must not hide the room message that was still to be caught up. */
static void
test_room_catch_up_cut_short (LtTestFixture *fixture,
                              gconstpointer  data)
{
  g_autoptr(LtDaemon) daemon = new_user_daemon (fixture->server, "alice");
  g_autoptr(GPtrArray) log = log_messages (daemon);
  g_autoptr(LtTestClient) bob = lt_test_client_new_user (fixture->server, "bob");
  g_autoptr(GError) error = NULL;

  g_assert_true (login (daemon, "alice", LT_TEST_PASSWORD, &error));
  lt_test_send (bob, "#lobby", "before");
  wait_for_line (log, "received #lobby bob before");
  lt_daemon_logout (daemon);
  lt_test_send (bob, "#lobby", "missed");
  lt_test_send (bob, "alice", "private");

  /* The push comes right after the login reply, the room's page later:
   * cut the connection in between, when it is still in between. */
  g_assert_true (login (daemon, "alice", LT_TEST_PASSWORD, &error));
  wait_for_line (log, "received bob bob private");
  if (count_lines (log, "received #lobby bob missed") == 0)
    {
      lt_test_server_kill (fixture->server);
      wait_for_state (daemon, LT_DAEMON_STATE_CONNECTING);
      lt_test_server_start (fixture->server);
      wait_for_state (daemon, LT_DAEMON_STATE_LOGGED_IN);
    }
  else
    {
      g_test_message ("The room was caught up before the cut; the test checks less");
    }

  wait_for_line (log, "received #lobby bob missed");
  /* A repeat would come before a later message. */
  g_clear_pointer (&bob, lt_test_client_free);
  bob = lt_test_client_new_login (fixture->server, "bob");
  lt_test_send (bob, "alice", "after");
  wait_for_line (log, "received bob bob after");
  g_assert_cmpuint (count_lines (log, "received #lobby bob missed"), ==, 1);
  g_assert_cmpuint (count_lines (log, "received bob bob private"), ==, 1);
}

/* The user left a room and joined it again: what was said in between
 * did not reach the daemon, and GetHistory does not skip it. */
static void
test_history_after_rejoin (LtTestFixture *fixture,
                           gconstpointer  data)
{
  g_autoptr(LtDaemon) daemon = new_user_daemon (fixture->server, "alice");
  g_autoptr(GPtrArray) log = log_messages (daemon);
  g_autoptr(LtTestClient) bob = lt_test_client_new_user (fixture->server, "bob");
  g_autoptr(GError) error = NULL;
  g_autofree char *page = NULL;

  g_signal_connect (daemon, "room-membership", G_CALLBACK (on_room_membership), log);
  g_assert_true (login (daemon, "alice", LT_TEST_PASSWORD, &error));
  lt_test_call_ok (bob, "room_create", "{'room':'#tea'}");

  call_ok (daemon, "room_join", "{'room':'#tea'}");
  lt_test_send (bob, "#tea", "before");
  wait_for_line (log, "received #tea bob before");
  call_ok (daemon, "room_leave", "{'room':'#tea'}");
  wait_for_line (log, "#tea alice left");

  lt_test_send (bob, "#tea", "while away");
  g_ptr_array_set_size (log, 0);
  call_ok (daemon, "room_join", "{'room':'#tea'}");
  wait_for_line (log, "#tea alice joined");
  lt_test_send (bob, "#tea", "after");
  wait_for_line (log, "received #tea bob after");

  page = get_history (daemon, "#tea", 0, 2);
  g_assert_cmpstr (page, ==, "after while away");
}

/* The login push holds only the pending messages to the user, not what
 * the user wrote from another device meanwhile: GetHistory does not
 * skip that either. */
static void
test_history_across_push (LtTestFixture *fixture,
                          gconstpointer  data)
{
  g_autoptr(LtDaemon) daemon = new_user_daemon (fixture->server, "alice");
  g_autoptr(GPtrArray) log = log_messages (daemon);
  g_autoptr(LtTestClient) bob = lt_test_client_new_user (fixture->server, "bob");
  g_autoptr(LtTestClient) phone = lt_test_client_new_login (fixture->server, "alice");
  g_autoptr(GError) error = NULL;
  g_autofree char *page = NULL;

  lt_test_send (bob, "alice", "are you there?");
  lt_test_send (phone, "bob", "on my phone");
  lt_test_send (bob, "alice", "ok");

  g_assert_true (login (daemon, "alice", LT_TEST_PASSWORD, &error));
  wait_for_line (log, "received bob bob ok");
  page = get_history (daemon, "bob", 0, 2);
  g_assert_cmpstr (page, ==, "ok on my phone");
}

static gboolean
alice_is_offline (gconstpointer data)
{
  LtTestClient *bob = (LtTestClient *) data;
  g_autoptr(GError) error = NULL;
  JsonObject *who = lt_test_client_call (bob, "who", &error, "{}");
  JsonArray *users = json_object_get_array_member (who, "users");

  return json_array_get_length (users) == 1;
}

/* Its own callbacks do not keep a dropped daemon alive, even while
 * messages are on their way into its cache: it is finalized at once,
 * and its session on the server ends. */
static void
test_dropped_daemon_stops (LtTestFixture *fixture,
                           gconstpointer  data)
{
  LtDaemon *daemon = new_daemon (fixture->server);
  g_autoptr(GPtrArray) log = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(LtTestClient) bob = lt_test_client_new_user (fixture->server, "bob");
  g_autoptr(GError) error = NULL;

  register_user (fixture->server, "alice");
  g_assert_true (login (daemon, "alice", LT_TEST_PASSWORD, &error));
  g_signal_connect (daemon, "message-received", G_CALLBACK (on_message_received), log);
  g_object_add_weak_pointer (G_OBJECT (daemon), (gpointer *) &daemon);

  for (guint i = 0; i < 20; i++)
    lt_test_send (bob, "alice", "burst");
  wait_for_line (log, "received bob bob burst");

  g_object_unref (daemon);
  g_assert_null (daemon);
  wait_until (alice_is_offline, bob, "alice's session to end");
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *data_home = g_dir_make_tmp ("liaotian-daemon-core-XXXXXX", NULL);
  int status;

  /* The daemon's caches go here, not into the user's data folder. */
  g_setenv ("XDG_DATA_HOME", data_home, TRUE);
  g_test_init (&argc, &argv, NULL);

  lt_test_add ("/daemon-core/login-logout", NULL, test_login_logout);
  lt_test_add ("/daemon-core/login-errors", NULL, test_login_errors);
  lt_test_add ("/daemon-core/reconnect", NULL, test_reconnect);
  lt_test_add ("/daemon-core/reconnect-refused", NULL, test_reconnect_refused);
  lt_test_add ("/daemon-core/change-server", NULL, test_change_server);
  lt_test_add ("/daemon-core/calls", NULL, test_calls);
  lt_test_add ("/daemon-core/notifications", NULL, test_notifications);
  lt_test_add ("/daemon-core/send-receive", NULL, test_send_receive);
  lt_test_add ("/daemon-core/outbox-across-outage", NULL, test_outbox_across_outage);
  lt_test_add ("/daemon-core/offline-messages", NULL, test_offline_messages);
  lt_test_add ("/daemon-core/dropped-daemon-stops", NULL, test_dropped_daemon_stops);
  lt_test_add ("/daemon-core/room-catch-up", NULL, test_room_catch_up);
  lt_test_add ("/daemon-core/room-catch-up-cut-short", NULL, test_room_catch_up_cut_short);
  lt_test_add ("/daemon-core/history-after-rejoin", NULL, test_history_after_rejoin);
  lt_test_add ("/daemon-core/history-across-push", NULL, test_history_across_push);

  status = g_test_run ();
  lt_test_remove_tree (data_home);
  return status;
}
