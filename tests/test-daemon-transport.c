/* SPDX-License-Identifier: GPL-3.0-or-later */
/* How a real liaotiand reaches its server, driven over D-Bus: TLS as
 * the use-tls and tls-ca-file settings ask, and the check of the link
 * when logind says the machine resumed from suspend (python3-dbusmock's
 * logind on a bus of its own that liaotiand takes for the system bus). */
#include "config.h"

#include "lt-test-bus.h"

typedef struct
{
  LtTestFixture base;
  LtTestSession *alice;
} Fixture;

static void
setup (Fixture      *fixture,
       gconstpointer data)
{
  lt_test_fixture_setup (&fixture->base, data);
  fixture->alice = lt_test_session_new ("alice", fixture->base.server);
}

static void
teardown (Fixture      *fixture,
          gconstpointer data)
{
  g_clear_pointer (&fixture->alice, lt_test_session_free);
  lt_test_fixture_teardown (&fixture->base, data);
}

/* TLS ------------------------------------------------------------------------ */

/* The test certificate is self-signed for "localhost". */
static char *
localhost_server_arg (Fixture *fixture)
{
  return g_strdup_printf ("--server=localhost:%u", lt_test_server_get_port (fixture->base.server));
}

static void
use_tls (Fixture    *fixture,
         const char *ca_file)
{
  g_autoptr(GVariant) value = g_variant_ref_sink (g_variant_new_string (ca_file));
  g_autofree char *quoted = g_variant_print (value, FALSE);

  lt_test_session_set_setting (fixture->alice, "use-tls", "true");
  lt_test_session_set_setting (fixture->alice, "tls-ca-file", quoted);
}

/* With the server's certificate as the authority to trust, liaotiand
 * logs in over TLS. */
static void
test_tls_trusted (Fixture      *fixture,
                  gconstpointer data)
{
  g_autofree char *cert = g_build_filename (lt_test_server_get_dir (fixture->base.server),
                                            "cert.pem", NULL);
  g_autofree char *server_arg = localhost_server_arg (fixture);

  use_tls (fixture, cert);
  lt_test_start_daemon (fixture->alice, server_arg);
  lt_test_bus_register (fixture->alice, "alice");
  lt_test_bus_login (fixture->alice, "alice");
  lt_test_assert_property (fixture->alice, "State", "'logged-in'");
  lt_test_bus_send (fixture->alice, "#lobby", "hello over TLS");
  lt_test_wait_signal (fixture->alice, "MessageSent ('#lobby'");
}

/* Checks that Login fails with @error_name and a message containing
 * @reason, and that the daemon stays offline. */
static void
assert_login_fails_at (LT_TEST_LOCATION,
                       Fixture    *fixture,
                       const char *error_name,
                       const char *reason)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autofree char *remote = NULL;

  reply = lt_test_session_call (fixture->alice, LT_TEST_INTERFACE, "Login",
                                g_variant_new ("(ss)", "alice", LT_TEST_PASSWORD), &error);
  if (reply != NULL)
    lt_test_fail_at (file, line, func, "Login succeeded; expected %s", error_name);
  remote = g_dbus_error_get_remote_error (error);
  if (g_strcmp0 (remote, error_name) != 0 || strstr (error->message, reason) == NULL)
    lt_test_fail_at (file, line, func, "Login failed with %s (%s); expected %s about “%s”",
                     remote, error->message, error_name, reason);
  lt_test_session_assert_property_at (file, line, func, fixture->alice, "State", "'offline'");
}

#define assert_login_fails(fixture, error_name, reason) \
  assert_login_fails_at (LT_TEST_HERE, (fixture), (error_name), (reason))

/* A self-signed server is refused with the system's authorities, and a
 * CA file that cannot be read is named in the error. */
static void
test_tls_refused (Fixture      *fixture,
                  gconstpointer data)
{
  g_autofree char *server_arg = localhost_server_arg (fixture);
  g_autoptr(LtTestClient) client = lt_test_client_new_user (fixture->base.server, "alice");

  use_tls (fixture, "");
  lt_test_start_daemon (fixture->alice, server_arg);
  assert_login_fails (fixture, LT_TEST_ERROR_PREFIX "Failed", "certificate");
  lt_test_stop_daemon (fixture->alice);

  use_tls (fixture, "/nonexistent/ca.pem");
  lt_test_start_daemon (fixture->alice, server_arg);
  assert_login_fails (fixture, LT_TEST_ERROR_PREFIX "Failed",
                      "Cannot use tls-ca-file /nonexistent/ca.pem");
}

/* Resume from suspend --------------------------------------------------------- */

static char *
get_state (LtTestSession *session)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) value = NULL;
  g_autoptr(GError) error = NULL;

  reply = lt_test_session_call (session, "org.freedesktop.DBus.Properties", "Get",
                                g_variant_new ("(ss)", LT_TEST_INTERFACE, "State"), &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(v)", &value);
  return g_variant_dup_string (value, NULL);
}

typedef void (*PokeFunc) (gpointer data);

/* Polls State, for longer than a D-Bus wait: a dead link shows only
 * when a ping goes unanswered for 10 s.  @poke, if any, is called once
 * a second meanwhile. */
static void
wait_state_at (LT_TEST_LOCATION,
               LtTestSession *session,
               const char    *expected,
               guint          timeout_ms,
               PokeFunc       poke,
               gpointer       poke_data)
{
  gint64 deadline = lt_test_deadline (timeout_ms);
  gint64 next_poke = 0;

  for (;;)
    {
      g_autofree char *state = get_state (session);

      if (g_str_equal (state, expected))
        return;
      if (g_get_monotonic_time () > deadline)
        lt_test_fail_at (file, line, func, "Expected State '%s' within %u ms; it is '%s'",
                         expected, timeout_ms, state);
      if (poke != NULL && g_get_monotonic_time () >= next_poke)
        {
          poke (poke_data);
          next_poke = g_get_monotonic_time () + G_USEC_PER_SEC;
        }
      lt_test_iterate (g_get_monotonic_time () + 50 * 1000);
    }
}

#define wait_state(session, expected, timeout_ms) \
  wait_state_at (LT_TEST_HERE, (session), (expected), (timeout_ms), NULL, NULL)
#define wait_state_poking(session, expected, timeout_ms, poke, data) \
  wait_state_at (LT_TEST_HERE, (session), (expected), (timeout_ms), (poke), (data))

/* logind, mocked on a bus that liaotiand sees as the system bus. */
static GSubprocess *
start_logind (LtTestSession *system)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GError) error = NULL;
  GSubprocess *logind;

  launcher = lt_test_session_launcher_new (system, G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  g_subprocess_launcher_setenv (launcher, "DBUS_SYSTEM_BUS_ADDRESS",
                                lt_test_session_get_address (system), TRUE);
  logind = g_subprocess_launcher_spawn (launcher, &error, "/usr/bin/python3", "-m", "dbusmock",
                                        "--template", "logind", NULL);
  g_assert_no_error (error);
  g_free (lt_test_wait_name_owner (system, "org.freedesktop.login1", NULL));
  return logind;
}

static void
emit_prepare_for_sleep (LtTestSession *system,
                        gboolean       going_to_sleep)
{
  lt_test_dbusmock_emit (lt_test_session_get_connection (system), "org.freedesktop.login1",
                         "/org/freedesktop/login1", "org.freedesktop.login1.Manager",
                         "PrepareForSleep", g_variant_new ("(b)", going_to_sleep));
}

static void
say_resumed (gpointer system)
{
  emit_prepare_for_sleep (system, FALSE);
}

/* The server hangs while the machine sleeps; at resume liaotiand pings
 * at once, so it notices within the 10 s ping timeout and reconnects by
 * itself, instead of trusting the dead link until the keepalive's next
 * ping (30 s of quiet, then 10 s more). */
static void
test_resume (Fixture      *fixture,
             gconstpointer data)
{
  g_autoptr(LtTestSession) system = lt_test_session_new ("system", NULL);
  g_autoptr(GSubprocess) logind = start_logind (system);

  g_setenv ("DBUS_SYSTEM_BUS_ADDRESS", lt_test_session_get_address (system), TRUE);
  lt_test_start_daemon (fixture->alice, NULL);
  g_unsetenv ("DBUS_SYSTEM_BUS_ADDRESS");
  lt_test_bus_register (fixture->alice, "alice");
  lt_test_bus_login (fixture->alice, "alice");

  lt_test_server_freeze (fixture->base.server);
  emit_prepare_for_sleep (system, TRUE);
  /* liaotiand subscribes to logind while it starts, without waiting for
   * the bus: say it again each second until it has heard.  It pings
   * once, whatever the number of times. */
  wait_state_poking (fixture->alice, "connecting", 20000, say_resumed, system);

  lt_test_server_unfreeze (fixture->base.server);
  wait_state (fixture->alice, "logged-in", 20000);

  g_subprocess_force_exit (logind);
  g_assert_true (lt_test_wait_process (logind, LT_TEST_TIMEOUT_MS));
}

static const LtTestServerOptions tls_server = {
  .tls = TRUE,
};

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/daemon-transport/tls-trusted", Fixture, &tls_server, setup, test_tls_trusted,
              teardown);
  g_test_add ("/daemon-transport/tls-refused", Fixture, &tls_server, setup, test_tls_refused,
              teardown);
  g_test_add ("/daemon-transport/resume", Fixture, NULL, setup, test_resume, teardown);

  return g_test_run ();
}
