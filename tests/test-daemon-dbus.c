/* SPDX-License-Identifier: GPL-3.0-or-later */
/* liaotiand as its users see it: a real liaotiand (LT_DAEMON_BINARY)
 * on a private session bus, talking to a real liaotian-server on a
 * loopback port, driven only over D-Bus, from GDBus and from the gdbus
 * command line.  A second user is an LtTestClient on the same server. */
#include "config.h"

#include "lt-test-bus.h"

typedef struct
{
  LtTestFixture base;
  LtTestSession *session;
} Fixture;

static void
setup (Fixture      *fixture,
       gconstpointer data)
{
  lt_test_fixture_setup (&fixture->base, data);
  fixture->session = lt_test_session_new ("alice", fixture->base.server);
  lt_test_start_daemon (fixture->session, NULL);
}

/* Every test ends with SIGTERM, after which liaotiand exits with 0. */
static void
teardown (Fixture      *fixture,
          gconstpointer data)
{
  g_clear_pointer (&fixture->session, lt_test_session_free);
  lt_test_fixture_teardown (&fixture->base, data);
}

#define add_test(path, func) \
  g_test_add ((path), Fixture, NULL, setup, (func), teardown)

/* Accounts -------------------------------------------------------------- */

static GVariant *
login_args (const char *username,
            const char *password)
{
  return g_variant_new ("(ss)", username, password);
}

static void
register_and_login (LtTestSession *session,
                    const char    *username)
{
  lt_test_bus_register (session, username);
  lt_test_bus_login (session, username);
}

static GVariant *
string_arg (const char *value)
{
  return g_variant_new ("(s)", value);
}

static void
test_properties (Fixture      *fixture,
                 gconstpointer data)
{
  LtTestSession *alice = fixture->session;
  g_autofree char *server = g_strdup_printf ("'127.0.0.1:%u'",
                                             lt_test_server_get_port (fixture->base.server));

  lt_test_assert_property (alice, "State", "'offline'");
  lt_test_assert_property (alice, "Server", server);
  lt_test_assert_property (alice, "Username", "''");
  lt_test_assert_property (alice, "Nickname", "''");

  lt_test_assert_call (alice, "Register", lt_test_register_args ("alice"), "()");
  lt_test_assert_call (alice, "Login", login_args ("alice", LT_TEST_PASSWORD), "()");
  lt_test_wait_signal (alice, "'State': <'logged-in'>");
  lt_test_wait_signal (alice, "'Username': <'alice'>");
  lt_test_wait_signal (alice, "'Nickname': <'Alice'>");
  lt_test_assert_property (alice, "State", "'logged-in'");
  lt_test_assert_property (alice, "Username", "'alice'");
  lt_test_assert_property (alice, "Nickname", "'Alice'");

  lt_test_assert_call (alice, "Logout", NULL, "()");
  lt_test_wait_signal (alice, "'State': <'offline'>");
  lt_test_wait_signal (alice, "'Username': <''>");
  lt_test_wait_signal (alice, "'Nickname': <''>");
  lt_test_assert_property (alice, "Username", "''");
}

static void
test_account_errors (Fixture      *fixture,
                     gconstpointer data)
{
  LtTestSession *alice = fixture->session;

  lt_test_assert_call (alice, "Register", lt_test_register_args ("alice"), "()");
  lt_test_assert_call_error (alice, "Register", lt_test_register_args ("alice"),
                             "UsernameTaken");
  lt_test_assert_call_error (alice, "Register",
                             g_variant_new ("(sssss)", "Alice", "alice2", LT_TEST_PASSWORD,
                                            "alice3@example.org", ""),
                             "NicknameTaken");
  lt_test_assert_call_error (alice, "Register",
                             g_variant_new ("(sssss)", "Alice2", "alice2", LT_TEST_PASSWORD,
                                            "alice@example.org", ""),
                             "EmailTaken");
  lt_test_assert_call_error (alice, "Register",
                             g_variant_new ("(sssss)", "Bob", "bob", "short", "bob@example.org",
                                            ""),
                             "InvalidArgument");

  lt_test_assert_call_error (alice, "Login", login_args ("nobody", LT_TEST_PASSWORD),
                             "NoSuchUser");
  /* The server allows 5 failed logins per username in 15 minutes. */
  for (guint i = 0; i < 5; i++)
    lt_test_assert_call_error (alice, "Login", login_args ("alice", "wrong password"),
                               "WrongPassword");
  lt_test_assert_call_error (alice, "Login", login_args ("alice", "wrong password"),
                             "RateLimited");
  lt_test_assert_property (alice, "State", "'offline'");
  lt_test_assert_call_error (alice, "ListFriends", NULL, "NotLoggedIn");
  lt_test_assert_call_error (alice, "ChangePassword",
                             login_args (LT_TEST_PASSWORD, "new password"), "NotLoggedIn");
}

static void
test_passwords (Fixture      *fixture,
                gconstpointer data)
{
  LtTestSession *alice = fixture->session;
  g_autofree char *mail = NULL;
  g_autofree char *token = NULL;

  register_and_login (alice, "alice");
  lt_test_assert_call_error (alice, "ChangePassword",
                             login_args ("wrong password", "new password"), "WrongPassword");
  lt_test_assert_call (alice, "ChangePassword", login_args (LT_TEST_PASSWORD, "new password"),
                       "()");
  lt_test_assert_call (alice, "Logout", NULL, "()");
  lt_test_assert_call_error (alice, "Login", login_args ("alice", LT_TEST_PASSWORD),
                             "WrongPassword");

  lt_test_assert_call_error (alice, "ResetPassword", string_arg ("nobody@example.org"),
                             "NoSuchEmail");
  lt_test_assert_call (alice, "ResetPassword", string_arg ("alice@example.org"), "()");
  mail = lt_test_server_wait_mail (fixture->base.server, NULL);
  token = lt_test_mail_get_token (mail);
  g_assert_nonnull (token);
  lt_test_assert_call_error (alice, "ConfirmPasswordReset",
                             g_variant_new ("(sss)", "alice@example.org",
                                            "0123456789abcdef0123456789abcdef",
                                            "newest password"),
                             "InvalidToken");
  lt_test_assert_call (alice, "ConfirmPasswordReset",
                       g_variant_new ("(sss)", "alice@example.org", token, "newest password"),
                       "()");
  lt_test_assert_call (alice, "Login", login_args ("alice", "newest password"), "()");
}

/* Friends, rooms, presence ---------------------------------------------- */

static void
test_friends (Fixture      *fixture,
              gconstpointer data)
{
  LtTestSession *alice = fixture->session;
  g_autoptr(LtTestClient) bob = lt_test_client_new_user (fixture->base.server, "bob");

  register_and_login (alice, "alice");
  lt_test_assert_call (alice, "ListFriends", NULL, "(@a(ssb) [],)");
  lt_test_assert_call (alice, "AddFriend", string_arg ("bob"), "()");
  lt_test_wait_signal (alice, "FriendAdded ('bob', 'Bob')");
  lt_test_wait_notification_like (bob, "friend_added", "{'username':'alice'}");
  lt_test_assert_call_error (alice, "AddFriend", string_arg ("bob"), "AlreadyFriends");
  lt_test_assert_call_error (alice, "AddFriend", string_arg ("nobody"), "NoSuchUser");
  lt_test_assert_call (alice, "ListFriends", NULL, "([('bob', 'Bob', true)],)");

  lt_test_assert_call (alice, "FindUser", string_arg ("bob"), "('bob', 'Bob', true)");
  lt_test_assert_call_error (alice, "FindUser", string_arg ("nobody"), "NoSuchUser");

  lt_test_assert_call (alice, "RemoveFriend", string_arg ("bob"), "()");
  lt_test_wait_signal (alice, "FriendRemoved ('bob',)");
  lt_test_assert_call_error (alice, "RemoveFriend", string_arg ("bob"), "NoSuchUser");

  /* Bob's side: the daemon hears of friendships it did not ask for. */
  lt_test_call_ok (bob, "friend_add", "{'username':'alice'}");
  lt_test_wait_signal (alice, "FriendAdded ('bob', 'Bob')");
}

/* SendMessage answers with the outbox id; MessageSent, MessageReceived
 * and MessageFailed follow over the bus. */
static void
test_messages (Fixture      *fixture,
               gconstpointer data)
{
  LtTestSession *alice = fixture->session;
  g_autoptr(LtTestClient) bob = lt_test_client_new_user (fixture->base.server, "bob");
  g_autofree char *sent = NULL;
  g_autofree char *long_text = NULL;
  guint64 local_id;

  lt_test_assert_call_error (alice, "SendMessage", g_variant_new ("(ss)", "bob", "too early"),
                             "NotLoggedIn");
  register_and_login (alice, "alice");

  local_id = lt_test_bus_send (alice, "bob", "hello bob");
  sent = g_strdup_printf ("MessageSent ('bob', %" G_GUINT64_FORMAT ",", local_id);
  lt_test_wait_signal (alice, sent);
  lt_test_wait_notification_like (bob, "message", "{'from':'alice','text':'hello bob'}");

  lt_test_send (bob, "alice", "hi alice");
  lt_test_wait_signal (alice, "'bob', 'hi alice')");

  /* What can never be sent is refused at once, not queued. */
  lt_test_assert_call_error (alice, "SendMessage", g_variant_new ("(ss)", "No Body", "hi"),
                             "InvalidArgument");
  lt_test_assert_call_error (alice, "SendMessage", g_variant_new ("(ss)", "bob", ""),
                             "InvalidArgument");
  long_text = lt_test_text_of_length (4001, "x");
  lt_test_assert_call_error (alice, "SendMessage", g_variant_new ("(ss)", "bob", long_text),
                             "MessageTooLong");

  lt_test_bus_send (alice, "nobody", "hello?");
  lt_test_wait_signal (alice, "MessageFailed ('nobody'");
}

/* The printed reply of @method, for checks of a part of it. */
static char *
print_call (LtTestSession *session,
            const char    *method,
            GVariant      *args)
{
  g_autoptr(GVariant) reply = lt_test_bus_call_ok (session, method, args);

  return g_variant_print (reply, FALSE);
}

/* Unread counts, MarkRead, a focused conversation that does not count,
 * and the history of a conversation, newest first. */
static void
test_unread_and_history (Fixture      *fixture,
                         gconstpointer data)
{
  LtTestSession *alice = fixture->session;
  g_autoptr(LtTestClient) bob = lt_test_client_new_user (fixture->base.server, "bob");
  g_autofree char *unread = NULL;
  g_autofree char *history = NULL;

  lt_test_assert_call_error (alice, "ListUnread", NULL, "NotLoggedIn");
  register_and_login (alice, "alice");

  lt_test_send (bob, "alice", "first");
  lt_test_wait_signal (alice, "'bob', 'first')");
  unread = print_call (alice, "ListUnread", NULL);
  g_assert_true (g_str_has_prefix (unread, "([('bob', 1, "));

  lt_test_assert_call (alice, "MarkRead", string_arg ("bob"), "()");
  lt_test_assert_call (alice, "ListUnread", NULL, "(@a(sut) [],)");

  lt_test_assert_call (alice, "SetFocused", string_arg ("bob"), "()");
  lt_test_send (bob, "alice", "while looking");
  lt_test_wait_signal (alice, "'bob', 'while looking')");
  lt_test_assert_call (alice, "ListUnread", NULL, "(@a(sut) [],)");

  history = print_call (alice, "GetHistory", g_variant_new ("(stu)", "bob", (guint64) 0, 10));
  g_assert_nonnull (strstr (history, "'bob', 'alice', 'while looking'), ("));
  g_assert_nonnull (strstr (history, "'bob', 'alice', 'first')]"));
  lt_test_assert_call_error (alice, "GetHistory",
                             g_variant_new ("(stu)", "bob", (guint64) 0, 0), "InvalidArgument");
  lt_test_assert_call_error (alice, "GetHistory",
                             g_variant_new ("(stu)", "bob", G_MAXUINT64, 10), "InvalidArgument");
}

static void
test_rooms (Fixture      *fixture,
            gconstpointer data)
{
  LtTestSession *alice = fixture->session;
  g_autoptr(LtTestClient) bob = lt_test_client_new_user (fixture->base.server, "bob");

  register_and_login (alice, "alice");
  lt_test_assert_call (alice, "CreateRoom", g_variant_new ("(ss)", "#test", "Tests"), "()");
  lt_test_wait_signal (alice, "RoomMembership ('#test', 'alice', true)");
  lt_test_assert_call_error (alice, "CreateRoom", g_variant_new ("(ss)", "#test", ""),
                             "RoomExists");
  lt_test_assert_call (alice, "ListRooms", NULL,
                       "([('#lobby', '', uint32 2, true), ('#test', 'Tests', 1, true)],)");

  lt_test_call_ok (bob, "room_join", "{'room':'#test'}");
  lt_test_wait_signal (alice, "RoomMembership ('#test', 'bob', true)");

  lt_test_assert_call (alice, "LeaveRoom", string_arg ("#test"), "()");
  lt_test_wait_signal (alice, "RoomMembership ('#test', 'alice', false)");
  lt_test_assert_call_error (alice, "LeaveRoom", string_arg ("#test"), "NotInRoom");
  lt_test_assert_call_error (alice, "LeaveRoom", string_arg ("#lobby"), "InvalidArgument");
  lt_test_assert_call_error (alice, "JoinRoom", string_arg ("#nowhere"), "NoSuchRoom");
  lt_test_assert_call (alice, "JoinRoom", string_arg ("#test"), "()");
  lt_test_wait_signal (alice, "RoomMembership ('#test', 'alice', true)");
}

static void
test_presence (Fixture      *fixture,
               gconstpointer data)
{
  LtTestSession *alice = fixture->session;
  LtTestClient *bob = lt_test_client_new (fixture->base.server);

  lt_test_register (bob, "bob");
  register_and_login (alice, "alice");
  lt_test_assert_call (alice, "ListOnline", NULL, "([('alice', 'Alice')],)");

  lt_test_login (bob, "bob", LT_TEST_PASSWORD);
  lt_test_wait_signal (alice, "PresenceChanged ('bob', 'Bob', true)");
  lt_test_assert_call (alice, "ListOnline", NULL, "([('alice', 'Alice'), ('bob', 'Bob')],)");

  lt_test_client_free (bob);
  lt_test_wait_signal (alice, "PresenceChanged ('bob', 'Bob', false)");
}

/* The daemon ------------------------------------------------------------ */

/* Server written over D-Bus is announced, stored in the settings, and
 * used for the next login; port 1 of the loopback refuses the
 * connection.  --server alone stores nothing. */
static void
test_server_property (Fixture      *fixture,
                      gconstpointer data)
{
  LtTestSession *alice = fixture->session;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;

  g_assert_false (lt_test_session_has_setting (alice, "server", NULL));
  reply = lt_test_session_call (alice, "org.freedesktop.DBus.Properties", "Set",
                                g_variant_new ("(ssv)", LT_TEST_INTERFACE, "Server",
                                               g_variant_new_string ("127.0.0.1:1")),
                                &error);
  g_assert_no_error (error);
  lt_test_wait_signal (alice, "'Server': <'127.0.0.1:1'>");
  lt_test_assert_property (alice, "Server", "'127.0.0.1:1'");
  lt_test_wait_until (lt_test_session_has_setting (alice, "server", "'127.0.0.1:1'"),
                      "the server in the settings");
  lt_test_assert_call_error (alice, "Login", login_args ("alice", LT_TEST_PASSWORD), "Offline");
}

/* A Server that is not host[:port] is refused and changes nothing. */
static void
test_server_property_refused (Fixture      *fixture,
                              gconstpointer data)
{
  LtTestSession *alice = fixture->session;
  const char *bad[] = { "", "chat example org", "host:port", "[::1", "host:99999" };
  g_autofree char *server = g_strdup_printf ("'127.0.0.1:%u'",
                                             lt_test_server_get_port (fixture->base.server));

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GVariant) reply = NULL;
      g_autofree char *name = NULL;

      reply = lt_test_session_call (alice, "org.freedesktop.DBus.Properties", "Set",
                                    g_variant_new ("(ssv)", LT_TEST_INTERFACE, "Server",
                                                   g_variant_new_string (bad[i])),
                                    &error);
      if (error != NULL)
        name = g_dbus_error_get_remote_error (error);
      if (g_strcmp0 (name, "org.liaotian.Chat1.Error.InvalidArgument") != 0)
        lt_test_fail ("Expected Server \"%s\" to be refused with InvalidArgument; got %s", bad[i],
                      error != NULL ? error->message : "success");
    }
  lt_test_assert_property (alice, "Server", server);
  g_assert_false (lt_test_session_has_setting (alice, "server", NULL));
}

/* A second liaotiand --replace takes the name; the first exits with 0. */
static void
test_replace (Fixture      *fixture,
              gconstpointer data)
{
  LtTestSession *alice = fixture->session;
  g_autoptr(GSubprocess) first = lt_test_session_steal_daemon (alice);

  lt_test_start_daemon (alice, "--replace");
  lt_test_assert_daemon_exits (first);
  lt_test_assert_property (alice, "State", "'offline'");
}

/* SIGTERM while logged in: a clean exit, and Bob sees Alice leave. */
static void
test_sigterm (Fixture      *fixture,
              gconstpointer data)
{
  LtTestSession *alice = fixture->session;
  g_autoptr(LtTestClient) bob = lt_test_client_new_user (fixture->base.server, "bob");

  register_and_login (alice, "alice");
  lt_test_wait_notification_like (bob, "presence", "{'username':'alice','online':true}");
  lt_test_stop_daemon (alice);
  lt_test_wait_notification_like (bob, "presence", "{'username':'alice','online':false}");
}

/* The gdbus command line ------------------------------------------------- */

/* Runs `gdbus call` on liaotiand in @session with @args (NULL-terminated)
 * after --method; returns its exit status and its output. */
static int
run_gdbus (LtTestSession      *session,
           const char * const *args,
           char              **out,
           char              **err)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) gdbus = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *timeout = g_strdup_printf ("%d", lt_test_session_timeout_ms () / 1000);
  const char * const head[] = {
    "gdbus", "call", "--session", "--dest", LT_TEST_BUS_NAME, "--object-path",
    LT_TEST_OBJECT_PATH, "--timeout", timeout, "--method",
  };

  for (guint i = 0; i < G_N_ELEMENTS (head); i++)
    g_ptr_array_add (argv, (gpointer) head[i]);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);

  launcher = lt_test_session_launcher_new (session, G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                                      | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  gdbus = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (gdbus, NULL, NULL, out, err, &error);
  g_assert_no_error (error);
  return g_subprocess_get_exit_status (gdbus);
}

#define GDBUS_ARGS(...) ((const char * const[]) { __VA_ARGS__, NULL })

static void
assert_gdbus_at (LT_TEST_LOCATION,
                 LtTestSession      *session,
                 const char * const *args,
                 const char         *expected)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status = run_gdbus (session, args, &out, &err);

  if (status != 0 || g_strcmp0 (out, expected) != 0)
    lt_test_fail_at (file, line, func, "gdbus %s: status %d, printed “%s” (stderr “%s”), "
                     "expected “%s”", args[0], status, out, err, expected);
}

#define assert_gdbus(session, expected, ...) \
  assert_gdbus_at (LT_TEST_HERE, (session), GDBUS_ARGS (__VA_ARGS__), (expected))

static void
test_gdbus (Fixture      *fixture,
            gconstpointer data)
{
  LtTestSession *alice = fixture->session;
  g_autofree char *password = g_strdup_printf ("'%s'", LT_TEST_PASSWORD);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  assert_gdbus (alice, "()\n", LT_TEST_INTERFACE ".Register", "'Alice'", "'alice'", password,
                "'alice@example.org'", "''");

  g_assert_cmpint (run_gdbus (alice,
                              GDBUS_ARGS (LT_TEST_INTERFACE ".Login", "'alice'",
                                          "'wrong password'"),
                              &out, &err), !=, 0);
  g_assert_nonnull (strstr (err, "GDBus.Error:" LT_TEST_ERROR_PREFIX "WrongPassword"));

  assert_gdbus (alice, "()\n", LT_TEST_INTERFACE ".Login", "'alice'", password);
  assert_gdbus (alice, "(<'logged-in'>,)\n", "org.freedesktop.DBus.Properties.Get",
                LT_TEST_INTERFACE, "State");
  assert_gdbus (alice, "('alice', 'Alice', true)\n", LT_TEST_INTERFACE ".FindUser", "'alice'");
  assert_gdbus (alice, "([('alice', 'Alice')],)\n", LT_TEST_INTERFACE ".ListOnline");
}

int
main (int   argc,
      char *argv[])
{
  /* This process's settings stay in memory: never the user's dconf. */
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  g_test_init (&argc, &argv, NULL);

  add_test ("/daemon-dbus/properties", test_properties);
  add_test ("/daemon-dbus/account-errors", test_account_errors);
  add_test ("/daemon-dbus/passwords", test_passwords);
  add_test ("/daemon-dbus/friends", test_friends);
  add_test ("/daemon-dbus/messages", test_messages);
  add_test ("/daemon-dbus/unread-and-history", test_unread_and_history);
  add_test ("/daemon-dbus/rooms", test_rooms);
  add_test ("/daemon-dbus/presence", test_presence);
  add_test ("/daemon-dbus/server-property", test_server_property);
  add_test ("/daemon-dbus/server-property-refused", test_server_property_refused);
  add_test ("/daemon-dbus/replace", test_replace);
  add_test ("/daemon-dbus/sigterm", test_sigterm);
  add_test ("/daemon-dbus/gdbus", test_gdbus);

  return g_test_run ();
}
