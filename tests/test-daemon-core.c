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

static void
iterate_until (gboolean   *done,
               const char *what)
{
  gint64 deadline = lt_test_deadline (WAIT_MS);

  while (!*done)
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("Waited %d ms for %s", WAIT_MS, what);
      g_main_context_iteration (NULL, FALSE);
      g_usleep (5 * 1000);
    }
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

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  lt_test_add ("/daemon-core/login-logout", NULL, test_login_logout);
  lt_test_add ("/daemon-core/login-errors", NULL, test_login_errors);
  lt_test_add ("/daemon-core/reconnect", NULL, test_reconnect);
  lt_test_add ("/daemon-core/reconnect-refused", NULL, test_reconnect_refused);
  lt_test_add ("/daemon-core/change-server", NULL, test_change_server);

  return g_test_run ();
}
