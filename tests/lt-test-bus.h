/* SPDX-License-Identifier: GPL-3.0-or-later */
/* lt-test-bus.h: user sessions for the tests of liaotiand.
 *
 * An LtTestSession is one user's desktop session as liaotiand sees it:
 * a session bus of its own (its own dbus-daemon, so that several users
 * can each have a liaotiand owning org.liaotian.Chat1 at the same
 * time), its own XDG_DATA_HOME, XDG_CONFIG_HOME and XDG_CACHE_HOME,
 * settings in a keyfile there (GSETTINGS_BACKEND=keyfile), and a real
 * liaotiand (LT_DAEMON_BINARY, under LT_TEST_DAEMON_WRAPPER when that
 * is set) on that bus, started with --server for the test's server.
 * Tests drive it over D-Bus only.
 *
 * Every signal from /org/liaotian/Chat1 on the bus is recorded, as the
 * text "Member (args)" (PropertiesChanged as one "PropertiesChanged
 * 'Name': <value>" per property), until a test waits for it.  Every
 * wait is bounded (LT_TEST_BUS_TIMEOUT_MS, scaled under valgrind), and
 * a failure names the test line, what was expected and what came. */
#pragma once

#include "lt-test-utils.h"

G_BEGIN_DECLS

#define LT_TEST_BUS_NAME "org.liaotian.Chat1"
#define LT_TEST_OBJECT_PATH "/org/liaotian/Chat1"
#define LT_TEST_INTERFACE "org.liaotian.Chat1"
#define LT_TEST_ERROR_PREFIX "org.liaotian.Chat1.Error."
#define LT_TEST_BUS_TIMEOUT_MS 10000

typedef struct _LtTestSession LtTestSession;

/* The session, without a daemon yet; @server may be NULL (then
 * liaotiand uses its Server setting). */
LtTestSession *lt_test_session_new (const char   *name,
                                    LtTestServer *server);
/* Stops a running daemon, asserting its clean exit, then the bus. */
void lt_test_session_free (LtTestSession *self);
const char *lt_test_session_get_name (LtTestSession *self);
const char *lt_test_session_get_dir (LtTestSession *self);
const char *lt_test_session_get_address (LtTestSession *self);
GDBusConnection *lt_test_session_get_connection (LtTestSession *self);
int lt_test_session_timeout_ms (void);

/* Other programs on the session's bus, with its environment (e.g.
 * python3-dbusmock's notification service); they die with the test. */
GSubprocessLauncher *lt_test_session_launcher_new (LtTestSession   *self,
                                                   GSubprocessFlags flags);
char *lt_test_session_wait_name_owner_at (LT_TEST_LOCATION,
                                          LtTestSession *self,
                                          const char    *bus_name,
                                          const char    *old_owner);

/* liaotiand's settings (GVariant text), read and written in the keyfile
 * it uses; set them before starting it. */
void lt_test_session_set_setting (LtTestSession *self,
                                  const char    *key,
                                  const char    *value);
gboolean lt_test_session_has_setting (LtTestSession *self,
                                      const char    *key,
                                      const char    *value);

/* liaotiand.  Starting waits until it owns org.liaotian.Chat1;
 * stopping sends SIGTERM and asserts exit status 0. */
void lt_test_session_start_daemon_at (LT_TEST_LOCATION,
                                      LtTestSession *self,
                                      const char    *extra_arg);
void lt_test_session_stop_daemon_at (LT_TEST_LOCATION,
                                     LtTestSession *self);
GSubprocess *lt_test_session_steal_daemon (LtTestSession *self);
void lt_test_assert_daemon_exits_at (LT_TEST_LOCATION,
                                     GSubprocess *daemon);

/* Calls to org.liaotian.Chat1; @args is floating, or NULL. */
GVariant *lt_test_session_call (LtTestSession *self,
                                const char    *interface,
                                const char    *method,
                                GVariant      *args,
                                GError       **error);
GVariant *lt_test_session_call_ok_at (LT_TEST_LOCATION,
                                      LtTestSession *self,
                                      const char    *method,
                                      GVariant      *args);
void lt_test_session_assert_call_at (LT_TEST_LOCATION,
                                     LtTestSession *self,
                                     const char    *method,
                                     GVariant      *args,
                                     const char    *expected);
void lt_test_session_assert_call_error_at (LT_TEST_LOCATION,
                                           LtTestSession *self,
                                           const char    *method,
                                           GVariant      *args,
                                           const char    *name);
void lt_test_session_assert_property_at (LT_TEST_LOCATION,
                                         LtTestSession *self,
                                         const char    *name,
                                         const char    *expected);

/* Signals. */
GVariant *lt_test_session_wait_signal_at (LT_TEST_LOCATION,
                                          LtTestSession *self,
                                          const char    *expected);
GPtrArray *lt_test_session_take_signals (LtTestSession *self,
                                         const char    *expected);

/* A user's steps. */
GVariant *lt_test_register_args (const char *username);
void lt_test_session_register_at (LT_TEST_LOCATION,
                                  LtTestSession *self,
                                  const char    *username);
void lt_test_session_login_at (LT_TEST_LOCATION,
                               LtTestSession *self,
                               const char    *username);
/* Starts the daemon, registers @username through it and logs in. */
void lt_test_session_start_user_at (LT_TEST_LOCATION,
                                    LtTestSession *self,
                                    const char    *username);
guint64 lt_test_session_send_at (LT_TEST_LOCATION,
                                 LtTestSession *self,
                                 const char    *to,
                                 const char    *text);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LtTestSession, lt_test_session_free)

#define lt_test_wait_name_owner(session, bus_name, old_owner) \
  lt_test_session_wait_name_owner_at (LT_TEST_HERE, (session), (bus_name), (old_owner))
#define lt_test_start_daemon(session, extra_arg) \
  lt_test_session_start_daemon_at (LT_TEST_HERE, (session), (extra_arg))
#define lt_test_stop_daemon(session) lt_test_session_stop_daemon_at (LT_TEST_HERE, (session))
#define lt_test_assert_daemon_exits(daemon) \
  lt_test_assert_daemon_exits_at (LT_TEST_HERE, (daemon))
#define lt_test_bus_call_ok(session, method, args) \
  lt_test_session_call_ok_at (LT_TEST_HERE, (session), (method), (args))
#define lt_test_assert_call(session, method, args, expected) \
  lt_test_session_assert_call_at (LT_TEST_HERE, (session), (method), (args), (expected))
#define lt_test_assert_call_error(session, method, args, name) \
  lt_test_session_assert_call_error_at (LT_TEST_HERE, (session), (method), (args), (name))
#define lt_test_assert_property(session, name, expected) \
  lt_test_session_assert_property_at (LT_TEST_HERE, (session), (name), (expected))
/* Waits for a recorded signal whose text contains @expected, and
 * forgets it; lt_test_session_wait_signal_at() also returns its
 * arguments (for PropertiesChanged, the value). */
#define lt_test_wait_signal(session, expected) \
  g_variant_unref (lt_test_session_wait_signal_at (LT_TEST_HERE, (session), (expected)))
#define lt_test_bus_register(session, username) \
  lt_test_session_register_at (LT_TEST_HERE, (session), (username))
#define lt_test_bus_login(session, username) \
  lt_test_session_login_at (LT_TEST_HERE, (session), (username))
#define lt_test_start_user(session, username) \
  lt_test_session_start_user_at (LT_TEST_HERE, (session), (username))
#define lt_test_bus_send(session, to, text) \
  lt_test_session_send_at (LT_TEST_HERE, (session), (to), (text))

G_END_DECLS
