/* SPDX-License-Identifier: GPL-3.0-or-later */
/* liaotiand as its users see it: a real liaotiand (LT_DAEMON_BINARY)
 * on a private session bus, talking to a real liaotian-server on a
 * loopback port, driven only over D-Bus, from GDBus and from the gdbus
 * command line.  A second user is an LtTestClient on the same server. */
#include "config.h"

#include <signal.h>
#include <sys/prctl.h>

#include <signal.h>

#include "lt-test-utils.h"

#define BUS_NAME "org.liaotian.Chat1"
#define OBJECT_PATH "/org/liaotian/Chat1"
#define INTERFACE "org.liaotian.Chat1"
#define ERROR_PREFIX "org.liaotian.Chat1.Error."
#define WAIT_MS 10000

typedef struct
{
  LtTestFixture base;
  GTestDBus *bus;
  GDBusConnection *connection;
  char *home; /* the daemons' XDG folders */
  GSubprocess *daemon;
  guint subscription;
  GPtrArray *signals; /* "Member (args)" of each signal not yet waited for */
} Fixture;

/* A D-Bus call's timeout, scaled like every other wait (valgrind). */
static int
call_timeout_ms (void)
{
  return (int) ((lt_test_deadline (WAIT_MS) - g_get_monotonic_time ()) / 1000);
}

/* PropertiesChanged is recorded as one "PropertiesChanged 'Name':
 * <value>" per property, since the skeleton batches changes. */
static void
record_properties (Fixture  *fixture,
                   GVariant *parameters)
{
  g_autoptr(GVariantIter) changed = NULL;
  const char *name;
  GVariant *value;

  g_variant_get (parameters, "(&sa{sv}as)", NULL, &changed, NULL);
  while (g_variant_iter_loop (changed, "{&sv}", &name, &value))
    {
      g_autofree char *printed = g_variant_print (value, FALSE);

      g_ptr_array_add (fixture->signals,
                       g_strdup_printf ("PropertiesChanged '%s': <%s>", name, printed));
    }
}

static void
on_signal (GDBusConnection *connection,
           const char      *sender,
           const char      *path,
           const char      *interface,
           const char      *member,
           GVariant        *parameters,
           gpointer         user_data)
{
  Fixture *fixture = user_data;
  g_autofree char *args = NULL;

  if (g_str_equal (member, "PropertiesChanged"))
    {
      record_properties (fixture, parameters);
      return;
    }
  args = g_variant_print (parameters, FALSE);
  g_ptr_array_add (fixture->signals, g_strdup_printf ("%s %s", member, args));
}

/* Waits for a signal whose "Member (args)" contains @expected, and
 * forgets it. */
static void
wait_signal_at (LT_TEST_LOCATION,
                Fixture    *fixture,
                const char *expected)
{
  gint64 deadline = lt_test_deadline (WAIT_MS);

  for (;;)
    {
      for (guint i = 0; i < fixture->signals->len; i++)
        {
          if (strstr (g_ptr_array_index (fixture->signals, i), expected) != NULL)
            {
              g_ptr_array_remove_index (fixture->signals, i);
              return;
            }
        }
      if (g_get_monotonic_time () > deadline)
        lt_test_fail_at (file, line, func, "Expected a signal with “%s” within %d ms", expected,
                         WAIT_MS);
      g_main_context_iteration (NULL, FALSE);
      g_usleep (5 * 1000);
    }
}

#define wait_signal(fixture, expected) wait_signal_at (LT_TEST_HERE, (fixture), (expected))

static GVariant *
call (Fixture    *fixture,
      const char *interface,
      const char *method,
      GVariant   *args,
      GError    **error)
{
  return g_dbus_connection_call_sync (fixture->connection, BUS_NAME, OBJECT_PATH, interface,
                                      method, args, NULL, G_DBUS_CALL_FLAGS_NO_AUTO_START,
                                      call_timeout_ms (), NULL, error);
}

/* Calls @method of org.liaotian.Chat1 with @args (floating, or NULL)
 * and checks that its reply prints as @expected. */
static void
assert_call_at (LT_TEST_LOCATION,
                Fixture    *fixture,
                const char *method,
                GVariant   *args,
                const char *expected)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = call (fixture, INTERFACE, method, args, &error);
  g_autofree char *printed = NULL;

  if (reply == NULL)
    lt_test_fail_at (file, line, func, "%s failed: %s", method, error->message);
  printed = g_variant_print (reply, TRUE);
  if (g_strcmp0 (printed, expected) != 0)
    lt_test_fail_at (file, line, func, "%s returned %s, expected %s", method, printed, expected);
}

#define assert_call(fixture, method, args, expected) \
  assert_call_at (LT_TEST_HERE, (fixture), (method), (args), (expected))

/* Checks that @method fails with org.liaotian.Chat1.Error.@name. */
static void
assert_call_error_at (LT_TEST_LOCATION,
                      Fixture    *fixture,
                      const char *method,
                      GVariant   *args,
                      const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = call (fixture, INTERFACE, method, args, &error);
  g_autofree char *expected = g_strconcat (ERROR_PREFIX, name, NULL);
  g_autofree char *remote = NULL;

  if (reply != NULL)
    lt_test_fail_at (file, line, func, "%s succeeded, expected %s", method, expected);
  remote = g_dbus_error_get_remote_error (error);
  if (g_strcmp0 (remote, expected) != 0)
    lt_test_fail_at (file, line, func, "%s failed with %s (%s), expected %s", method, remote,
                     error->message, expected);
}

#define assert_call_error(fixture, method, args, name) \
  assert_call_error_at (LT_TEST_HERE, (fixture), (method), (args), (name))

static void
assert_property_at (LT_TEST_LOCATION,
                    Fixture    *fixture,
                    const char *name,
                    const char *expected)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) value = NULL;
  g_autofree char *printed = NULL;

  reply = call (fixture, "org.freedesktop.DBus.Properties", "Get",
                g_variant_new ("(ss)", INTERFACE, name), &error);
  if (reply == NULL)
    lt_test_fail_at (file, line, func, "Get %s failed: %s", name, error->message);
  g_variant_get (reply, "(v)", &value);
  printed = g_variant_print (value, FALSE);
  if (g_strcmp0 (printed, expected) != 0)
    lt_test_fail_at (file, line, func, "%s is %s, expected %s", name, printed, expected);
}

#define assert_property(fixture, name, expected) \
  assert_property_at (LT_TEST_HERE, (fixture), (name), (expected))

/* Processes ------------------------------------------------------------- */

static char *
name_owner (Fixture *fixture)
{
  g_autoptr(GVariant) reply = NULL;
  char *owner = NULL;

  reply = g_dbus_connection_call_sync (fixture->connection, "org.freedesktop.DBus",
                                       "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                       "GetNameOwner", g_variant_new ("(s)", BUS_NAME),
                                       G_VARIANT_TYPE ("(s)"), G_DBUS_CALL_FLAGS_NONE,
                                       call_timeout_ms (), NULL, NULL);
  if (reply != NULL)
    g_variant_get (reply, "(s)", &owner);
  return owner;
}

/* The unique name owning org.liaotian.Chat1 once it is not @old_owner. */
static char *
wait_name_owner (Fixture    *fixture,
                 const char *old_owner)
{
  gint64 deadline = lt_test_deadline (WAIT_MS);

  for (;;)
    {
      char *owner = name_owner (fixture);

      if (owner != NULL && g_strcmp0 (owner, old_owner) != 0)
        return owner;
      g_free (owner);
      if (g_get_monotonic_time () > deadline)
        lt_test_fail ("Expected liaotiand to own %s within %d ms", BUS_NAME, WAIT_MS);
      g_usleep (10 * 1000);
    }
}

/* Runs in the child between fork and exec: a daemon never outlives a
 * test program that aborted on a failed assertion. */
static void
die_with_parent (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

static GSubprocess *
start_daemon (Fixture    *fixture,
              const char *extra_arg)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_autofree char *server = g_strdup_printf ("--server=127.0.0.1:%u",
                                             lt_test_server_get_port (fixture->base.server));
  const char *xdg[] = { "XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME" };
  g_autoptr(GError) error = NULL;
  GSubprocess *daemon;

  for (guint i = 0; i < G_N_ELEMENTS (xdg); i++)
    {
      g_autofree char *dir = g_build_filename (fixture->home, xdg[i], NULL);

      g_subprocess_launcher_setenv (launcher, xdg[i], dir, TRUE);
    }
  /* A keyfile under the test's XDG_CONFIG_HOME: the test can read back
   * what liaotiand stores, and the user's dconf is never touched. */
  g_subprocess_launcher_setenv (launcher, "GSETTINGS_BACKEND", "keyfile", TRUE);
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  daemon = g_subprocess_launcher_spawn (launcher, &error, g_getenv ("LT_DAEMON_BINARY"), server,
                                        extra_arg, NULL);
  g_assert_no_error (error);
  return daemon;
}

static void
on_wait_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  *(gboolean *) user_data = TRUE;
}

/* Waits for @daemon to end and checks that it exited with status 0. */
static void
assert_exits_cleanly_at (LT_TEST_LOCATION,
                         GSubprocess *daemon)
{
  gboolean done = FALSE;
  gint64 deadline = lt_test_deadline (WAIT_MS);

  g_subprocess_wait_async (daemon, NULL, on_wait_done, &done);
  while (!done && g_get_monotonic_time () < deadline)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (5 * 1000);
    }
  if (!done)
    {
      g_subprocess_force_exit (daemon);
      lt_test_fail_at (file, line, func, "liaotiand did not exit within %d ms", WAIT_MS);
    }
  if (!g_subprocess_get_if_exited (daemon) || g_subprocess_get_exit_status (daemon) != 0)
    lt_test_fail_at (file, line, func, "liaotiand ended with wait status %d",
                     g_subprocess_get_status (daemon));
}

#define assert_exits_cleanly(daemon) assert_exits_cleanly_at (LT_TEST_HERE, (daemon))

static void
terminate_daemon (Fixture *fixture)
{
  g_subprocess_send_signal (fixture->daemon, SIGTERM);
  assert_exits_cleanly (fixture->daemon);
  g_clear_object (&fixture->daemon);
}

static void
setup (Fixture      *fixture,
       gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *owner = NULL;

  lt_test_fixture_setup (&fixture->base, data);
  fixture->home = g_dir_make_tmp ("liaotiand-test-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  g_test_dbus_up (fixture->bus);
  fixture->connection = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_assert_no_error (error);

  fixture->signals = g_ptr_array_new_with_free_func (g_free);
  fixture->subscription =
    g_dbus_connection_signal_subscribe (fixture->connection, NULL, NULL, NULL, OBJECT_PATH, NULL,
                                        G_DBUS_SIGNAL_FLAGS_NONE, on_signal, fixture, NULL);

  fixture->daemon = start_daemon (fixture, NULL);
  owner = wait_name_owner (fixture, NULL);
}

/* Every test ends with SIGTERM, after which liaotiand exits with 0. */
static void
teardown (Fixture      *fixture,
          gconstpointer data)
{
  if (fixture->daemon != NULL)
    terminate_daemon (fixture);
  g_dbus_connection_signal_unsubscribe (fixture->connection, fixture->subscription);
  g_clear_pointer (&fixture->signals, g_ptr_array_unref);
  g_clear_object (&fixture->connection);
  g_test_dbus_down (fixture->bus);
  g_clear_object (&fixture->bus);
  lt_test_remove_tree (fixture->home);
  g_clear_pointer (&fixture->home, g_free);
  lt_test_fixture_teardown (&fixture->base, data);
}

#define add_test(path, func) \
  g_test_add ((path), Fixture, NULL, setup, (func), teardown)

/* Accounts -------------------------------------------------------------- */

static GVariant *
register_args (const char *username)
{
  g_autofree char *nickname = lt_test_nickname (username);
  g_autofree char *email = g_strdup_printf ("%s@example.org", username);

  return g_variant_new ("(sssss)", nickname, username, LT_TEST_PASSWORD, email, "");
}

static GVariant *
login_args (const char *username,
            const char *password)
{
  return g_variant_new ("(ss)", username, password);
}

static void
register_and_login (Fixture    *fixture,
                    const char *username)
{
  assert_call (fixture, "Register", register_args (username), "()");
  assert_call (fixture, "Login", login_args (username, LT_TEST_PASSWORD), "()");
  wait_signal (fixture, "'State': <'logged-in'>");
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
  g_autofree char *server = g_strdup_printf ("'127.0.0.1:%u'",
                                             lt_test_server_get_port (fixture->base.server));

  assert_property (fixture, "State", "'offline'");
  assert_property (fixture, "Server", server);
  assert_property (fixture, "Username", "''");
  assert_property (fixture, "Nickname", "''");

  assert_call (fixture, "Register", register_args ("alice"), "()");
  assert_call (fixture, "Login", login_args ("alice", LT_TEST_PASSWORD), "()");
  wait_signal (fixture, "'State': <'logged-in'>");
  wait_signal (fixture, "'Username': <'alice'>");
  wait_signal (fixture, "'Nickname': <'Alice'>");
  assert_property (fixture, "State", "'logged-in'");
  assert_property (fixture, "Username", "'alice'");
  assert_property (fixture, "Nickname", "'Alice'");

  assert_call (fixture, "Logout", NULL, "()");
  wait_signal (fixture, "'State': <'offline'>");
  wait_signal (fixture, "'Username': <''>");
  wait_signal (fixture, "'Nickname': <''>");
  assert_property (fixture, "Username", "''");
}

static void
test_account_errors (Fixture      *fixture,
                     gconstpointer data)
{
  assert_call (fixture, "Register", register_args ("alice"), "()");
  assert_call_error (fixture, "Register", register_args ("alice"), "UsernameTaken");
  assert_call_error (fixture, "Register",
                     g_variant_new ("(sssss)", "Alice", "alice2", LT_TEST_PASSWORD,
                                    "alice3@example.org", ""),
                     "NicknameTaken");
  assert_call_error (fixture, "Register",
                     g_variant_new ("(sssss)", "Bob", "bob", "short", "bob@example.org", ""),
                     "InvalidArgument");

  assert_call_error (fixture, "Login", login_args ("alice", "wrong password"), "WrongPassword");
  assert_call_error (fixture, "Login", login_args ("nobody", LT_TEST_PASSWORD), "NoSuchUser");
  assert_property (fixture, "State", "'offline'");
  assert_call_error (fixture, "ListFriends", NULL, "NotLoggedIn");
  assert_call_error (fixture, "ChangePassword", login_args (LT_TEST_PASSWORD, "new password"),
                     "NotLoggedIn");
}

static void
test_passwords (Fixture      *fixture,
                gconstpointer data)
{
  g_autofree char *mail = NULL;
  g_autofree char *token = NULL;

  register_and_login (fixture, "alice");
  assert_call_error (fixture, "ChangePassword", login_args ("wrong password", "new password"),
                     "WrongPassword");
  assert_call (fixture, "ChangePassword", login_args (LT_TEST_PASSWORD, "new password"), "()");
  assert_call (fixture, "Logout", NULL, "()");
  assert_call_error (fixture, "Login", login_args ("alice", LT_TEST_PASSWORD), "WrongPassword");

  assert_call_error (fixture, "ResetPassword", string_arg ("nobody@example.org"), "NoSuchEmail");
  assert_call (fixture, "ResetPassword", string_arg ("alice@example.org"), "()");
  mail = lt_test_server_wait_mail (fixture->base.server, NULL);
  token = lt_test_mail_get_token (mail);
  g_assert_nonnull (token);
  assert_call_error (fixture, "ConfirmPasswordReset",
                     g_variant_new ("(sss)", "alice@example.org",
                                    "0123456789abcdef0123456789abcdef", "newest password"),
                     "InvalidToken");
  assert_call (fixture, "ConfirmPasswordReset",
               g_variant_new ("(sss)", "alice@example.org", token, "newest password"), "()");
  assert_call (fixture, "Login", login_args ("alice", "newest password"), "()");
}

/* Friends, rooms, presence ---------------------------------------------- */

static void
test_friends (Fixture      *fixture,
              gconstpointer data)
{
  g_autoptr(LtTestClient) bob = lt_test_client_new_user (fixture->base.server, "bob");

  register_and_login (fixture, "alice");
  assert_call (fixture, "ListFriends", NULL, "(@a(ssb) [],)");
  assert_call (fixture, "AddFriend", string_arg ("bob"), "()");
  wait_signal (fixture, "FriendAdded ('bob', 'Bob')");
  lt_test_wait_notification_like (bob, "friend_added", "{'username':'alice'}");
  assert_call_error (fixture, "AddFriend", string_arg ("bob"), "AlreadyFriends");
  assert_call_error (fixture, "AddFriend", string_arg ("nobody"), "NoSuchUser");
  assert_call (fixture, "ListFriends", NULL, "([('bob', 'Bob', true)],)");

  assert_call (fixture, "FindUser", string_arg ("bob"), "('bob', 'Bob', true)");
  assert_call_error (fixture, "FindUser", string_arg ("nobody"), "NoSuchUser");

  assert_call (fixture, "RemoveFriend", string_arg ("bob"), "()");
  wait_signal (fixture, "FriendRemoved ('bob',)");
  assert_call_error (fixture, "RemoveFriend", string_arg ("bob"), "NoSuchUser");

  /* Bob's side: the daemon hears of friendships it did not ask for. */
  lt_test_call_ok (bob, "friend_add", "{'username':'alice'}");
  wait_signal (fixture, "FriendAdded ('bob', 'Bob')");
}

/* SendMessage answers with the outbox id; MessageSent, MessageReceived
 * and MessageFailed follow over the bus. */
static void
test_messages (Fixture      *fixture,
               gconstpointer data)
{
  g_autoptr(LtTestClient) bob = lt_test_client_new_user (fixture->base.server, "bob");
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autofree char *sent = NULL;
  g_autofree char *long_text = NULL;
  guint64 local_id = 0;

  assert_call_error (fixture, "SendMessage", g_variant_new ("(ss)", "bob", "too early"),
                     "NotLoggedIn");
  register_and_login (fixture, "alice");

  reply = call (fixture, INTERFACE, "SendMessage", g_variant_new ("(ss)", "bob", "hello bob"),
                &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(t)", &local_id);
  g_assert_cmpuint (local_id, >, 0);
  sent = g_strdup_printf ("MessageSent ('bob', %" G_GUINT64_FORMAT ",", local_id);
  wait_signal (fixture, sent);
  lt_test_wait_notification_like (bob, "message", "{'from':'alice','text':'hello bob'}");

  lt_test_send (bob, "alice", "hi alice");
  wait_signal (fixture, "'bob', 'hi alice')");

  /* What can never be sent is refused at once, not queued. */
  assert_call_error (fixture, "SendMessage", g_variant_new ("(ss)", "No Body", "hi"),
                     "InvalidArgument");
  assert_call_error (fixture, "SendMessage", g_variant_new ("(ss)", "bob", ""),
                     "InvalidArgument");
  long_text = lt_test_text_of_length (4001, "x");
  assert_call_error (fixture, "SendMessage", g_variant_new ("(ss)", "bob", long_text),
                     "MessageTooLong");

  g_clear_pointer (&reply, g_variant_unref);
  reply = call (fixture, INTERFACE, "SendMessage", g_variant_new ("(ss)", "nobody", "hello?"),
                &error);
  g_assert_no_error (error);
  wait_signal (fixture, "MessageFailed ('nobody'");
}

/* The printed reply of @method, for checks of a part of it. */
static char *
print_call (Fixture    *fixture,
            const char *method,
            GVariant   *args)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = call (fixture, INTERFACE, method, args, &error);

  g_assert_no_error (error);
  return g_variant_print (reply, FALSE);
}

/* Unread counts, MarkRead, a focused conversation that does not count,
 * and the history of a conversation, newest first. */
static void
test_unread_and_history (Fixture      *fixture,
                         gconstpointer data)
{
  g_autoptr(LtTestClient) bob = lt_test_client_new_user (fixture->base.server, "bob");
  g_autofree char *unread = NULL;
  g_autofree char *history = NULL;

  assert_call_error (fixture, "ListUnread", NULL, "NotLoggedIn");
  register_and_login (fixture, "alice");

  lt_test_send (bob, "alice", "first");
  wait_signal (fixture, "'bob', 'first')");
  unread = print_call (fixture, "ListUnread", NULL);
  g_assert_true (g_str_has_prefix (unread, "([('bob', 1, "));

  assert_call (fixture, "MarkRead", string_arg ("bob"), "()");
  assert_call (fixture, "ListUnread", NULL, "(@a(sut) [],)");

  assert_call (fixture, "SetFocused", string_arg ("bob"), "()");
  lt_test_send (bob, "alice", "while looking");
  wait_signal (fixture, "'bob', 'while looking')");
  assert_call (fixture, "ListUnread", NULL, "(@a(sut) [],)");

  history = print_call (fixture, "GetHistory", g_variant_new ("(stu)", "bob", (guint64) 0, 10));
  g_assert_nonnull (strstr (history, "'bob', 'alice', 'while looking'), ("));
  g_assert_nonnull (strstr (history, "'bob', 'alice', 'first')]"));
  assert_call_error (fixture, "GetHistory", g_variant_new ("(stu)", "bob", (guint64) 0, 0),
                     "InvalidArgument");
}

static void
test_rooms (Fixture      *fixture,
            gconstpointer data)
{
  g_autoptr(LtTestClient) bob = lt_test_client_new_user (fixture->base.server, "bob");

  register_and_login (fixture, "alice");
  assert_call (fixture, "CreateRoom", g_variant_new ("(ss)", "#test", "Tests"), "()");
  wait_signal (fixture, "RoomMembership ('#test', 'alice', true)");
  assert_call_error (fixture, "CreateRoom", g_variant_new ("(ss)", "#test", ""), "RoomExists");
  assert_call (fixture, "ListRooms", NULL,
               "([('#lobby', '', uint32 2, true), ('#test', 'Tests', 1, true)],)");

  lt_test_call_ok (bob, "room_join", "{'room':'#test'}");
  wait_signal (fixture, "RoomMembership ('#test', 'bob', true)");

  assert_call (fixture, "LeaveRoom", string_arg ("#test"), "()");
  wait_signal (fixture, "RoomMembership ('#test', 'alice', false)");
  assert_call_error (fixture, "LeaveRoom", string_arg ("#test"), "NotInRoom");
  assert_call_error (fixture, "LeaveRoom", string_arg ("#lobby"), "InvalidArgument");
  assert_call_error (fixture, "JoinRoom", string_arg ("#nowhere"), "NoSuchRoom");
  assert_call (fixture, "JoinRoom", string_arg ("#test"), "()");
  wait_signal (fixture, "RoomMembership ('#test', 'alice', true)");
}

static void
test_presence (Fixture      *fixture,
               gconstpointer data)
{
  LtTestClient *bob = lt_test_client_new (fixture->base.server);

  lt_test_register (bob, "bob");
  register_and_login (fixture, "alice");
  assert_call (fixture, "ListOnline", NULL, "([('alice', 'Alice')],)");

  lt_test_login (bob, "bob", LT_TEST_PASSWORD);
  wait_signal (fixture, "PresenceChanged ('bob', 'Bob', true)");
  assert_call (fixture, "ListOnline", NULL, "([('alice', 'Alice'), ('bob', 'Bob')],)");

  lt_test_client_free (bob);
  wait_signal (fixture, "PresenceChanged ('bob', 'Bob', false)");
}

/* The daemon ------------------------------------------------------------ */

/* Whether liaotiand's stored settings hold @line. */
static gboolean
settings_contain (Fixture    *fixture,
                  const char *line)
{
  g_autofree char *path = g_build_filename (fixture->home, "XDG_CONFIG_HOME", "glib-2.0",
                                            "settings", "keyfile", NULL);
  g_autofree char *contents = NULL;

  return g_file_get_contents (path, &contents, NULL, NULL) && strstr (contents, line) != NULL;
}

/* Server written over D-Bus is announced, stored in the settings, and
 * used for the next login; port 1 of the loopback refuses the
 * connection.  --server alone stores nothing. */
static void
test_server_property (Fixture      *fixture,
                      gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;

  g_assert_false (settings_contain (fixture, "server="));
  reply = call (fixture, "org.freedesktop.DBus.Properties", "Set",
                g_variant_new ("(ssv)", INTERFACE, "Server", g_variant_new_string ("127.0.0.1:1")),
                &error);
  g_assert_no_error (error);
  wait_signal (fixture, "'Server': <'127.0.0.1:1'>");
  assert_property (fixture, "Server", "'127.0.0.1:1'");
  lt_test_wait_until (settings_contain (fixture, "server='127.0.0.1:1'"),
                      "the server in the settings");
  assert_call_error (fixture, "Login", login_args ("alice", LT_TEST_PASSWORD), "Offline");
}

/* A second liaotiand --replace takes the name; the first exits with 0. */
static void
test_replace (Fixture      *fixture,
              gconstpointer data)
{
  g_autoptr(GSubprocess) first = g_steal_pointer (&fixture->daemon);
  g_autofree char *first_owner = name_owner (fixture);
  g_autofree char *second_owner = NULL;

  fixture->daemon = start_daemon (fixture, "--replace");
  second_owner = wait_name_owner (fixture, first_owner);
  assert_exits_cleanly (first);
  assert_property (fixture, "State", "'offline'");
}

/* SIGTERM while logged in: a clean exit, and Bob sees Alice leave. */
static void
test_sigterm (Fixture      *fixture,
              gconstpointer data)
{
  g_autoptr(LtTestClient) bob = lt_test_client_new_user (fixture->base.server, "bob");

  register_and_login (fixture, "alice");
  lt_test_wait_notification_like (bob, "presence", "{'username':'alice','online':true}");
  terminate_daemon (fixture);
  lt_test_wait_notification_like (bob, "presence", "{'username':'alice','online':false}");
}

/* The gdbus command line ------------------------------------------------- */

/* Runs `gdbus call` on liaotiand with @args (NULL-terminated) after
 * --method; returns its exit status and its output. */
static int
run_gdbus (const char * const *args,
           char              **out,
           char              **err)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) gdbus = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *timeout = g_strdup_printf ("%d", call_timeout_ms () / 1000);
  const char * const head[] = {
    "gdbus", "call", "--session", "--dest", BUS_NAME, "--object-path", OBJECT_PATH,
    "--timeout", timeout, "--method",
  };

  for (guint i = 0; i < G_N_ELEMENTS (head); i++)
    g_ptr_array_add (argv, (gpointer) head[i]);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);

  gdbus = g_subprocess_newv ((const char * const *) argv->pdata,
                             G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                             &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (gdbus, NULL, NULL, out, err, &error);
  g_assert_no_error (error);
  return g_subprocess_get_exit_status (gdbus);
}

#define GDBUS_ARGS(...) ((const char * const[]) { __VA_ARGS__, NULL })

static void
assert_gdbus_at (LT_TEST_LOCATION,
                 const char * const *args,
                 const char         *expected)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status = run_gdbus (args, &out, &err);

  if (status != 0 || g_strcmp0 (out, expected) != 0)
    lt_test_fail_at (file, line, func, "gdbus %s: status %d, printed “%s” (stderr “%s”), "
                     "expected “%s”", args[0], status, out, err, expected);
}

#define assert_gdbus(expected, ...) \
  assert_gdbus_at (LT_TEST_HERE, GDBUS_ARGS (__VA_ARGS__), (expected))

static void
test_gdbus (Fixture      *fixture,
            gconstpointer data)
{
  g_autofree char *password = g_strdup_printf ("'%s'", LT_TEST_PASSWORD);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  assert_gdbus ("()\n", INTERFACE ".Register", "'Alice'", "'alice'", password,
                "'alice@example.org'", "''");

  g_assert_cmpint (run_gdbus (GDBUS_ARGS (INTERFACE ".Login", "'alice'", "'wrong password'"),
                              &out, &err), !=, 0);
  g_assert_nonnull (strstr (err, "GDBus.Error:" ERROR_PREFIX "WrongPassword"));

  assert_gdbus ("()\n", INTERFACE ".Login", "'alice'", password);
  assert_gdbus ("(<'logged-in'>,)\n", "org.freedesktop.DBus.Properties.Get", INTERFACE, "State");
  assert_gdbus ("('alice', 'Alice', true)\n", INTERFACE ".FindUser", "'alice'");
  assert_gdbus ("([('alice', 'Alice')],)\n", INTERFACE ".ListOnline");
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
  add_test ("/daemon-dbus/replace", test_replace);
  add_test ("/daemon-dbus/sigterm", test_sigterm);
  add_test ("/daemon-dbus/gdbus", test_gdbus);

  return g_test_run ();
}
