/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The GNOME client as a person uses it: a real liaotian-server, alice
 * and bob each with a session bus and a real liaotiand (lt-test-bus),
 * and the real client (LT_CLIENT_BINARY) on alice's bus, on an Xvfb
 * of this program's own (lt-test-display).
 *
 * Only what is outside the client is looked at: its windows, counted
 * by title with xdotool (without a window manager, a visible top-level
 * window is a mapped X window with that name), what they show, read
 * over an accessibility bus of the test's own as a screen reader would
 * (lt-test-window-texts.py, python3-pyatspi), and its name on the bus.
 * Bob acts with the gdbus command line, as a script would.  A newcomer
 * types and clicks over the same accessibility bus (lt-test-ui.py). */
#include "config.h"

#include <libintl.h>
#include <locale.h>
#include <signal.h>
#include <string.h>

#include "lt-test-bus.h"
#include "lt-test-display.h"

#define CLIENT_BUS_NAME "org.liaotian.Liaotian"
#define CLIENT_OBJECT_PATH "/org/liaotian/Liaotian"
/* The main window's title (lt-window.ui), untranslated: the client
 * runs in the C locale. */
#define MAIN_WINDOW_TITLE "Liaotian"

typedef struct
{
  LtTestFixture base;
  LtTestSession *alice;
  LtTestSession *bob;
  GSubprocess *accessibility_bus; /* a dbus-daemon */
  char *accessibility_dir;
  char *accessibility_address;
  GSubprocess *client;
} Fixture;

static void
setup (Fixture      *fixture,
       gconstpointer data)
{
  lt_test_fixture_setup (&fixture->base, data);
  fixture->alice = lt_test_session_new ("alice", fixture->base.server);
  fixture->bob = lt_test_session_new ("bob", fixture->base.server);
  /* A restarted server is found again within about a second. */
  lt_test_session_set_setting (fixture->alice, "reconnect-max-delay", "1");
  lt_test_start_user (fixture->alice, "alice");
  lt_test_start_user (fixture->bob, "bob");
}

/* The client, then each daemon (exit status 0 on SIGTERM), then the
 * server. */
static void
teardown (Fixture      *fixture,
          gconstpointer data)
{
  if (fixture->client != NULL)
    g_subprocess_force_exit (fixture->client);
  g_clear_object (&fixture->client);
  if (fixture->accessibility_bus != NULL)
    {
      g_subprocess_send_signal (fixture->accessibility_bus, SIGTERM);
      if (!lt_test_wait_process (fixture->accessibility_bus, LT_TEST_BUS_TIMEOUT_MS))
        {
          g_subprocess_force_exit (fixture->accessibility_bus);
          lt_test_fail ("Expected the accessibility bus to exit within %d ms of SIGTERM",
                        lt_test_scale_timeout (LT_TEST_BUS_TIMEOUT_MS));
        }
    }
  g_clear_object (&fixture->accessibility_bus);
  if (fixture->accessibility_dir != NULL)
    lt_test_remove_tree (fixture->accessibility_dir);
  g_clear_pointer (&fixture->accessibility_dir, g_free);
  g_clear_pointer (&fixture->accessibility_address, g_free);
  g_clear_pointer (&fixture->alice, lt_test_session_free);
  g_clear_pointer (&fixture->bob, lt_test_session_free);
  lt_test_fixture_teardown (&fixture->base, data);
}

/* Starts an accessibility bus of the test's own, so that what the
 * client shows can be read over it (as at-spi-bus-launcher would, but
 * a child of this program that dies with it; the registry it starts
 * goes with the bus). */
static void
start_accessibility_bus (Fixture *fixture)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  const char *config = g_getenv ("LT_TEST_ATSPI_BUS_CONFIG");
  g_autofree char *config_arg = NULL;
  g_autofree char *address_arg = NULL;
  g_autofree char *address = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (config);
  fixture->accessibility_dir = g_dir_make_tmp ("lt-test-a11y-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->accessibility_address = g_strdup_printf ("unix:path=%s/bus",
                                                    fixture->accessibility_dir);

  launcher = lt_test_session_launcher_new (fixture->alice, G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_subprocess_launcher_setenv (launcher, "DISPLAY", g_getenv ("DISPLAY"), TRUE);
  /* For the registry, which the bus starts. */
  g_subprocess_launcher_setenv (launcher, "AT_SPI_BUS_ADDRESS", fixture->accessibility_address,
                                TRUE);
  config_arg = g_strconcat ("--config-file=", config, NULL);
  address_arg = g_strconcat ("--address=", fixture->accessibility_address, NULL);
  fixture->accessibility_bus = g_subprocess_launcher_spawn (launcher, &error, "dbus-daemon",
                                                            config_arg, address_arg, "--nofork",
                                                            "--print-address", NULL);
  g_assert_no_error (error);
  /* It prints its address once it listens. */
  address = lt_test_read_line (fixture->accessibility_bus, LT_TEST_START_TIMEOUT_MS);
  if (address == NULL)
    lt_test_fail ("Expected the accessibility bus to listen within %d ms; it did not",
                  lt_test_scale_timeout (LT_TEST_START_TIMEOUT_MS));
}

/* Starts the client on alice's bus and display, in @language (a
 * LANGUAGE value; NULL for the C locale's English), and waits until it
 * owns its name. */
static void
start_client_in (Fixture    *fixture,
                 const char *language)
{
  g_autoptr(GSubprocessLauncher) launcher = lt_test_session_launcher_new (fixture->alice,
                                                                          G_SUBPROCESS_FLAGS_NONE);
  const char *binary = g_getenv ("LT_CLIENT_BINARY");
  g_autofree char *owner = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (binary);
  g_subprocess_launcher_setenv (launcher, "DISPLAY", g_getenv ("DISPLAY"), TRUE);
  /* No GL (Xvfb's is a slow software one), and the client's settings
   * in memory; its accessibility is on (GTK_A11Y unset): it is how the
   * test reads what a window shows. */
  g_subprocess_launcher_setenv (launcher, "GDK_BACKEND", "x11", TRUE);
  g_subprocess_launcher_setenv (launcher, "GSK_RENDERER", "cairo", TRUE);
  g_subprocess_launcher_setenv (launcher, "GDK_DEBUG", "gl-disable", TRUE);
  g_subprocess_launcher_unsetenv (launcher, "GTK_A11Y");
  g_subprocess_launcher_setenv (launcher, "AT_SPI_BUS_ADDRESS", fixture->accessibility_address,
                                TRUE);
  g_subprocess_launcher_setenv (launcher, "GSETTINGS_BACKEND", "memory", TRUE);
  g_subprocess_launcher_setenv (launcher, "LC_ALL", "C.UTF-8", TRUE);
  if (language != NULL)
    g_subprocess_launcher_setenv (launcher, "LANGUAGE", language, TRUE);
  else
    g_subprocess_launcher_unsetenv (launcher, "LANGUAGE");

  fixture->client = g_subprocess_launcher_spawn (launcher, &error, binary, NULL);
  g_assert_no_error (error);
  owner = lt_test_wait_name_owner (fixture->alice, CLIENT_BUS_NAME, NULL);
}

#define start_client(fixture) start_client_in ((fixture), NULL)

/* Runs @argv to its end and returns its standard output; fails unless
 * it exits with @expected_status. */
static char *
run_at (LT_TEST_LOCATION,
        const char * const *argv,
        int                 expected_status)
{
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *command = g_strjoinv (" ", (char **) argv);

  process = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                       | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
  if (process == NULL)
    lt_test_fail_at (file, line, func, "Cannot run %s: %s", command, error->message);
  if (!g_subprocess_communicate_utf8 (process, NULL, NULL, &out, &err, &error))
    lt_test_fail_at (file, line, func, "Cannot read from %s: %s", command, error->message);
  if (!g_subprocess_get_if_exited (process)
      || g_subprocess_get_exit_status (process) != expected_status)
    {
      g_autofree char *how = lt_test_describe_exit (process);

      lt_test_fail_at (file, line, func, "%s: expected exit status %d, got %s; it wrote “%s%s”",
                       command, expected_status, how, out, err);
    }
  return g_steal_pointer (&out);
}

/* How many visible top-level windows are titled @title. */
static guint
count_windows_at (LT_TEST_LOCATION,
                  const char *title)
{
  g_autofree char *pattern = g_strdup_printf ("^%s$", title);
  const char *argv[] = { "xdotool", "search", "--onlyvisible", "--name", pattern, NULL };
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_auto(GStrv) ids = NULL;

  process = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error);
  if (process == NULL)
    lt_test_fail_at (file, line, func, "Cannot run xdotool: %s", error->message);
  if (!g_subprocess_communicate_utf8 (process, NULL, NULL, &out, NULL, &error))
    lt_test_fail_at (file, line, func, "Cannot read from xdotool: %s", error->message);
  /* xdotool exits with 1 when it finds no window. */
  if (!g_subprocess_get_if_exited (process) || g_subprocess_get_exit_status (process) > 1)
    {
      g_autofree char *how = lt_test_describe_exit (process);

      lt_test_fail_at (file, line, func, "xdotool search for “%s” %s", title, how);
    }
  g_strstrip (out);
  if (*out == '\0')
    return 0;
  ids = g_strsplit (out, "\n", -1);
  return g_strv_length (ids);
}

#define count_windows(title) count_windows_at (LT_TEST_HERE, (title))

/* Waits until exactly one window titled @title shows, failing as soon
 * as there are more. */
static void
wait_one_window_at (LT_TEST_LOCATION,
                    Fixture    *fixture,
                    const char *title)
{
  gint64 deadline = lt_test_deadline (LT_TEST_BUS_TIMEOUT_MS);
  guint n;

  while ((n = count_windows_at (file, line, func, title)) == 0)
    {
      if (g_subprocess_get_identifier (fixture->client) == NULL)
        {
          g_autofree char *how = lt_test_describe_exit (fixture->client);

          lt_test_fail_at (file, line, func, "Expected a window titled “%s”; the client %s",
                           title, how);
        }
      if (g_get_monotonic_time () > deadline)
        lt_test_fail_at (file, line, func, "Expected a window titled “%s” within %d ms; none "
                         "came", title, lt_test_scale_timeout (LT_TEST_BUS_TIMEOUT_MS));
      g_usleep (20 * 1000);
    }
  if (n != 1)
    lt_test_fail_at (file, line, func, "Expected one window titled “%s”, found %u", title, n);
}

#define wait_one_window(fixture, title) \
  wait_one_window_at (LT_TEST_HERE, (fixture), (title))

/* The texts of the labels in the windows titled @title, read over the
 * accessibility bus (lt-test-window-texts.py); NULL when there is no
 * such window. */
static GStrv
window_texts_at (LT_TEST_LOCATION,
                 Fixture    *fixture,
                 const char *title)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *script = g_test_build_filename (G_TEST_DIST, "lt-test-window-texts.py", NULL);
  g_autofree char *timeout = g_strdup_printf ("%d", lt_test_session_timeout_ms () / 1000);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  launcher = lt_test_session_launcher_new (fixture->alice, G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                                             | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_setenv (launcher, "DISPLAY", g_getenv ("DISPLAY"), TRUE);
  g_subprocess_launcher_setenv (launcher, "LT_TEST_ATSPI_TIMEOUT", timeout, TRUE);
  g_subprocess_launcher_setenv (launcher, "AT_SPI_BUS_ADDRESS", fixture->accessibility_address,
                                TRUE);
  /* Debian's python3, which has python3-pyatspi, not one first on PATH. */
  process = g_subprocess_launcher_spawn (launcher, &error, "/usr/bin/python3", script, title,
                                         NULL);
  if (process == NULL)
    lt_test_fail_at (file, line, func, "Cannot run %s: %s", script, error->message);
  if (!g_subprocess_communicate_utf8 (process, NULL, NULL, &out, &err, &error))
    lt_test_fail_at (file, line, func, "Cannot read from %s: %s", script, error->message);
  if (g_subprocess_get_if_exited (process) && g_subprocess_get_exit_status (process) == 1)
    return NULL;
  if (!g_subprocess_get_if_exited (process) || g_subprocess_get_exit_status (process) != 0)
    {
      g_autofree char *how = lt_test_describe_exit (process);

      lt_test_fail_at (file, line, func, "%s %s %s; it wrote “%s”", script, title, how, err);
    }
  return g_strsplit (out, "\n", -1);
}

/* Waits until the window titled @title shows each of @texts, as a
 * label of its own. */
static void
wait_window_shows_at (LT_TEST_LOCATION,
                      Fixture            *fixture,
                      const char         *title,
                      const char * const *texts)
{
  gint64 deadline = lt_test_deadline (LT_TEST_BUS_TIMEOUT_MS);

  for (;;)
    {
      g_auto(GStrv) shown = window_texts_at (file, line, func, fixture, title);
      const char *missing = NULL;

      for (guint i = 0; texts[i] != NULL && missing == NULL; i++)
        {
          if (shown == NULL || !g_strv_contains ((const char * const *) shown, texts[i]))
            missing = texts[i];
        }
      if (missing == NULL)
        return;
      if (g_get_monotonic_time () > deadline)
        {
          g_autofree char *got = shown != NULL ? g_strjoinv ("”, “", shown) : NULL;

          lt_test_fail_at (file, line, func, "Expected the window “%s” to show “%s” within %d "
                           "ms; %s%s%s", title, missing,
                           lt_test_scale_timeout (LT_TEST_BUS_TIMEOUT_MS),
                           got != NULL ? "it shows “" : "there is no such window",
                           got != NULL ? got : "", got != NULL ? "”" : "");
        }
      g_usleep (50 * 1000);
    }
}

#define wait_window_shows(fixture, title, texts) \
  wait_window_shows_at (LT_TEST_HERE, (fixture), (title), (texts))

/* Activates app.open-chat(@peer) in the client, as the daemon's
 * notification does. */
static void
activate_open_chat (Fixture    *fixture,
                    const char *peer)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;

  reply = g_dbus_connection_call_sync (lt_test_session_get_connection (fixture->alice),
                                       CLIENT_BUS_NAME, CLIENT_OBJECT_PATH,
                                       "org.freedesktop.Application", "ActivateAction",
                                       g_variant_new_parsed ("('open-chat', [<%s>], @a{sv} {})",
                                                             peer),
                                       G_VARIANT_TYPE ("()"), G_DBUS_CALL_FLAGS_NONE,
                                       lt_test_session_timeout_ms (), NULL, &error);
  g_assert_no_error (error);
}

/* Everything the client was asked before this is done: it handles its
 * D-Bus messages in order and maps a new window when it presents it,
 * so once @peer's window (new to it) shows, any window those made
 * shows too.  @peer need not be a user: the window opens all the same
 * (the client logs that it has no history). */
static void
sync_client_at (LT_TEST_LOCATION,
                Fixture    *fixture,
                const char *peer)
{
  activate_open_chat (fixture, peer);
  wait_one_window_at (file, line, func, fixture, peer);
}

#define sync_client(fixture, peer) sync_client_at (LT_TEST_HERE, (fixture), (peer))

/* Bob sends @text to @to (a username or a #room) through his liaotiand
 * with gdbus. */
static void
gdbus_send_at (LT_TEST_LOCATION,
               Fixture    *fixture,
               const char *to,
               const char *text)
{
  g_autofree char *timeout = g_strdup_printf ("%d", lt_test_session_timeout_ms () / 1000);
  const char *argv[] = {
    "gdbus", "call", "--address", lt_test_session_get_address (fixture->bob),
    "--dest", LT_TEST_BUS_NAME, "--object-path", LT_TEST_OBJECT_PATH,
    "--method", LT_TEST_INTERFACE ".SendMessage", "--timeout", timeout,
    to, text, NULL
  };
  g_autofree char *out = run_at (file, line, func, argv, 0);

  if (!g_str_has_prefix (out, "(uint64 "))
    lt_test_fail_at (file, line, func, "SendMessage with gdbus: expected “(uint64 …,)”, got “%s”",
                     out);
}

#define gdbus_send(fixture, to, text) gdbus_send_at (LT_TEST_HERE, (fixture), (to), (text))

/* Ends the client as a session ending does (SIGTERM), and asserts it
 * quits with 0. */
static void
quit_client (Fixture *fixture)
{
  g_subprocess_send_signal (fixture->client, SIGTERM);
  if (!lt_test_wait_process (fixture->client, LT_TEST_BUS_TIMEOUT_MS))
    lt_test_fail ("Expected the client to exit within %d ms of SIGTERM; it did not",
                  lt_test_scale_timeout (LT_TEST_BUS_TIMEOUT_MS));
  if (!g_subprocess_get_if_exited (fixture->client)
      || g_subprocess_get_exit_status (fixture->client) != 0)
    {
      g_autofree char *how = lt_test_describe_exit (fixture->client);

      lt_test_fail ("Expected the client to exit with status 0, got %s", how);
    }
  g_clear_object (&fixture->client);
}

/* Three private messages from bob pop one window, titled bob, and
 * app.open-chat('bob') presents that one again. */
static void
test_one_window_per_peer (Fixture      *fixture,
                          gconstpointer data)
{
  static const char *texts[] = { "first from bob", "second from bob", "third from bob", NULL };

  start_accessibility_bus (fixture);
  start_client (fixture);
  g_assert_cmpuint (count_windows ("bob"), ==, 0);

  for (guint i = 0; texts[i] != NULL; i++)
    gdbus_send (fixture, "alice", texts[i]);
  wait_one_window (fixture, "bob");
  wait_window_shows (fixture, "bob", texts);

  /* All three have reached alice's daemon, and so the client. */
  for (guint i = 0; texts[i] != NULL; i++)
    {
      g_autofree char *expected = g_strdup_printf ("'bob', '%s')", texts[i]);

      lt_test_wait_signal (fixture->alice, expected);
    }
  sync_client (fixture, "carol");
  g_assert_cmpuint (count_windows ("bob"), ==, 1);

  activate_open_chat (fixture, "bob");
  sync_client (fixture, "dave");
  g_assert_cmpuint (count_windows ("bob"), ==, 1);
  wait_window_shows (fixture, "bob", texts);

  quit_client (fixture);
}

/* The main window selects #lobby, the first room of its sidebar, by
 * itself, and shows what bob says there: a message sent while the
 * client starts (by history or live), then one sent while the
 * conversation already shows. */
static void
test_room_message_in_main_window (Fixture      *fixture,
                                  gconstpointer data)
{
  static const char *before[] = { "#lobby", "hello #lobby from bob", NULL };
  static const char *both[] = { "#lobby", "hello #lobby from bob", "bob again in #lobby", NULL };

  start_accessibility_bus (fixture);
  start_client (fixture);

  gdbus_send (fixture, "#lobby", before[1]);
  wait_one_window (fixture, MAIN_WINDOW_TITLE);
  wait_window_shows (fixture, MAIN_WINDOW_TITLE, before);

  gdbus_send (fixture, "#lobby", both[2]);
  wait_window_shows (fixture, MAIN_WINDOW_TITLE, both);
  g_assert_cmpuint (count_windows ("bob"), ==, 0);

  quit_client (fixture);
}

/* Runs lt-test-ui.py with @steps (verbs and their arguments, see the
 * script) over the accessibility bus; fails with what it says when a
 * step does not happen in time. */
static void
drive_ui_at (LT_TEST_LOCATION,
             Fixture            *fixture,
             const char * const *steps)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) argv = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *script = g_test_build_filename (G_TEST_DIST, "lt-test-ui.py", NULL);
  g_autofree char *timeout = g_strdup_printf ("%d", lt_test_session_timeout_ms () / 1000);
  g_autofree char *err = NULL;

  launcher = lt_test_session_launcher_new (fixture->alice, G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_setenv (launcher, "DISPLAY", g_getenv ("DISPLAY"), TRUE);
  g_subprocess_launcher_setenv (launcher, "LT_TEST_ATSPI_TIMEOUT", timeout, TRUE);
  g_subprocess_launcher_setenv (launcher, "AT_SPI_BUS_ADDRESS", fixture->accessibility_address,
                                TRUE);
  g_subprocess_launcher_setenv (launcher, "PYTHONIOENCODING", "utf-8", TRUE);
  /* Debian's python3, which has python3-pyatspi, not one first on PATH. */
  g_strv_builder_add_many (builder, "/usr/bin/python3", script, NULL);
  g_strv_builder_addv (builder, (const char **) steps);
  argv = g_strv_builder_end (builder);
  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv, &error);
  if (process == NULL)
    lt_test_fail_at (file, line, func, "Cannot run %s: %s", script, error->message);
  if (!g_subprocess_communicate_utf8 (process, NULL, NULL, NULL, &err, &error))
    lt_test_fail_at (file, line, func, "Cannot read from %s: %s", script, error->message);
  if (!g_subprocess_get_if_exited (process) || g_subprocess_get_exit_status (process) != 0)
    {
      g_autofree char *how = lt_test_describe_exit (process);

      lt_test_fail_at (file, line, func, "Driving the client: %s %s", how, err);
    }
}

#define drive_ui(fixture, ...) \
  drive_ui_at (LT_TEST_HERE, (fixture), (const char * const[]) { __VA_ARGS__, NULL })

/* Waits until @username's friends, as ListFriends on @session's
 * daemon gives them, include @friend. */
static void
wait_friend_at (LT_TEST_LOCATION,
                LtTestSession *session,
                const char    *friend)
{
  gint64 deadline = lt_test_deadline (LT_TEST_BUS_TIMEOUT_MS);
  g_autofree char *expected = g_strdup_printf ("('%s',", friend);

  for (;;)
    {
      g_autoptr(GVariant) reply = lt_test_session_call_ok_at (file, line, func, session,
                                                              "ListFriends", NULL);
      g_autofree char *friends = g_variant_print (reply, FALSE);

      if (strstr (friends, expected) != NULL)
        return;
      if (g_get_monotonic_time () > deadline)
        lt_test_fail_at (file, line, func, "Expected %s's ListFriends to list %s within %d ms; "
                         "it gives %s", lt_test_session_get_name (session), friend,
                         lt_test_scale_timeout (LT_TEST_BUS_TIMEOUT_MS), friends);
      g_usleep (50 * 1000);
    }
}

#define wait_friend(session, friend) wait_friend_at (LT_TEST_HERE, (session), (friend))

#define NEWCOMER_PASSWORD "first password"
#define NEWCOMER_NEW_PASSWORD "second password"

/* The login view: a newcomer creates an account (carol) and logs in,
 * and lands in the main window with #lobby selected. */
static void
register_newcomer (Fixture *fixture)
{
  drive_ui (fixture,
            "click", "Create an Account",
            "in", "Create an Account",
            "type", "Nickname", "Carol",
            "type", "Username", "carol",
            "type", "Password", NEWCOMER_PASSWORD,
            "type", "Email Address", "carol@example.org",
            "type", "Phone Number (optional)", "+86 10 5555 0100",
            "click", "Create Account",
            "in", "-",
            "wait", "Your account is ready: log in with your new password",
            "in", "Log In",
            "type", "Password", NEWCOMER_PASSWORD,
            "click", "Log In",
            "in", "-",
            "wait", "#lobby",
            "wait", "No Room Selected");
}

/* What the issue calls done: a newcomer registers, chats in #lobby,
 * finds bob and adds him as a friend, creates a room, changes the
 * password.  Alice's bus is the newcomer's: her daemon is logged out
 * first, so the client starts on its login view. */
static void
test_newcomer (Fixture      *fixture,
               gconstpointer data)
{
  static const char *lobby[] = { "#lobby", "carol says hello", NULL };
  static const char *room[] = { "#newcomers", "For new people", NULL };
  g_autoptr(LtTestSession) again = NULL;

  g_variant_unref (lt_test_bus_call_ok (fixture->alice, "Logout", NULL));
  start_accessibility_bus (fixture);
  start_client (fixture);
  wait_one_window (fixture, MAIN_WINDOW_TITLE);
  register_newcomer (fixture);

  /* The chat view's composer is not driven here: its own tests do. */
  g_variant_unref (lt_test_bus_call_ok (fixture->alice, "SendMessage",
                                        g_variant_new ("(ss)", lobby[0], lobby[1])));
  wait_window_shows (fixture, MAIN_WINDOW_TITLE, lobby);

  drive_ui (fixture,
            "click", "Add Room or Friend",
            "click", "Find People…",
            "in", "Find People",
            "type", "Username", "bob",
            "click", "Add Friend",
            "wait", "Friend Added");
  wait_friend (fixture->bob, "carol");
  drive_ui (fixture, "click", "Send Message");
  wait_one_window (fixture, "bob");

  drive_ui (fixture,
            "click", "Add Room or Friend",
            "click", "New Room…",
            "in", "New Room",
            "type", "Room Name", "newcomers",
            "type", "Topic (optional)", room[1],
            "click", "Create");
  wait_window_shows (fixture, MAIN_WINDOW_TITLE, room);

  drive_ui (fixture,
            "click", "Main Menu",
            "click", "Change Password…",
            "in", "Change Password",
            "type", "Current Password", NEWCOMER_PASSWORD,
            "type", "New Password", NEWCOMER_NEW_PASSWORD,
            "type", "Repeat New Password", NEWCOMER_NEW_PASSWORD,
            "click", "Change",
            "in", "-",
            "wait", "Password changed");

  /* A fresh login elsewhere: the new password works, the old not. */
  again = lt_test_session_new ("carol", fixture->base.server);
  lt_test_start_daemon (again, NULL);
  lt_test_assert_call_error (again, "Login", g_variant_new ("(ss)", "carol", NEWCOMER_PASSWORD),
                             "WrongPassword");
  lt_test_assert_call (again, "Login", g_variant_new ("(ss)", "carol", NEWCOMER_NEW_PASSWORD),
                       "()");

  quit_client (fixture);
}

/* The server goes away: the main window says it is reconnecting, and
 * stops saying so once the server is back. */
static void
test_connection_banner (Fixture      *fixture,
                        gconstpointer data)
{
  static const char *lobby[] = { "#lobby", NULL };

  start_accessibility_bus (fixture);
  start_client (fixture);
  wait_one_window (fixture, MAIN_WINDOW_TITLE);
  wait_window_shows (fixture, MAIN_WINDOW_TITLE, lobby);
  drive_ui (fixture, "gone", "Reconnecting…");

  lt_test_server_kill (fixture->base.server);
  drive_ui (fixture, "wait", "Reconnecting…");

  lt_test_server_start (fixture->base.server);
  lt_test_wait_signal (fixture->alice, "'State': <'logged-in'>");
  drive_ui (fixture, "gone", "Reconnecting…");

  quit_client (fixture);
}

/* Waits until no window titled @title shows. */
static void
wait_no_window_at (LT_TEST_LOCATION,
                   const char *title)
{
  gint64 deadline = lt_test_deadline (LT_TEST_BUS_TIMEOUT_MS);
  guint n;

  while ((n = count_windows_at (file, line, func, title)) > 0)
    {
      if (g_get_monotonic_time () > deadline)
        lt_test_fail_at (file, line, func, "Expected no window titled “%s” within %d ms; %u "
                         "still show", title, lt_test_scale_timeout (LT_TEST_BUS_TIMEOUT_MS), n);
      g_usleep (20 * 1000);
    }
}

#define wait_no_window(title) wait_no_window_at (LT_TEST_HERE, (title))

/* The size of the window titled @title, "WIDTHxHEIGHT". */
static char *
window_size (const char *title)
{
  g_autofree char *pattern = g_strdup_printf ("^%s$", title);
  const char *argv[] = { "xdotool", "search", "--onlyvisible", "--name", pattern,
                         "getwindowgeometry", NULL };
  g_autofree char *out = run_at (LT_TEST_HERE, argv, 0);
  const char *geometry = strstr (out, "Geometry: ");

  if (geometry == NULL)
    lt_test_fail ("Expected xdotool getwindowgeometry to say “Geometry: ”; it says “%s”", out);
  geometry += strlen ("Geometry: ");
  return g_strndup (geometry, strcspn (geometry, "\n"));
}

/* Sets the window titled @title to @width × @height, as a person
 * dragging its corner would, and waits until it has that size. */
static void
resize_window (const char *title,
               const char *width,
               const char *height)
{
  g_autofree char *pattern = g_strdup_printf ("^%s$", title);
  const char *argv[] = { "xdotool", "search", "--onlyvisible", "--name", pattern,
                         "windowsize", "--sync", width, height, NULL };
  g_autofree char *expected = g_strdup_printf ("%sx%s", width, height);
  g_autofree char *out = run_at (LT_TEST_HERE, argv, 0);
  g_autofree char *size = window_size (title);

  if (!g_str_equal (size, expected))
    lt_test_fail ("Expected the window “%s” to be %s after xdotool windowsize, got %s", title,
                  expected, size);
}

/* Closing bob's window forgets it: his next message opens a new one,
 * which shows what was said before as well, at the size the closed one
 * had. */
static void
test_window_reopens_with_history (Fixture      *fixture,
                                  gconstpointer data)
{
  static const char *before[] = { "before closing", NULL };
  static const char *both[] = { "before closing", "after closing", NULL };
  g_autofree char *size = NULL;

  start_accessibility_bus (fixture);
  start_client (fixture);
  gdbus_send (fixture, "alice", before[0]);
  wait_one_window (fixture, "bob");
  wait_window_shows (fixture, "bob", before);
  resize_window ("bob", "610", "530");

  drive_ui (fixture, "in", "bob", "click", "Close");
  wait_no_window ("bob");

  gdbus_send (fixture, "alice", both[1]);
  wait_one_window (fixture, "bob");
  wait_window_shows (fixture, "bob", both);
  size = window_size ("bob");
  if (!g_str_equal (size, "610x530"))
    lt_test_fail ("Expected bob's window to open again at 610x530, its size when closed; got %s",
                  size);

  quit_client (fixture);
}

/* @msgid as the zh_CN catalogue of this build translates it, or
 * @msgid itself where it has no translation. */
static const char *
chinese (const char *msgid)
{
  const char *text;

  g_setenv ("LANGUAGE", "zh_CN", TRUE);
  text = dgettext (GETTEXT_PACKAGE, msgid);
  g_unsetenv ("LANGUAGE");
  return text;
}

/* @msgid's translation, which must exist. */
static const char *
chinese_of (const char *msgid)
{
  const char *text = chinese (msgid);

  if (g_strcmp0 (text, msgid) == 0)
    lt_test_fail ("Expected zh_CN.po to translate “%s”; it does not", msgid);
  return text;
}

/* With LANGUAGE=zh_CN the main window is Chinese: its title and the
 * sidebar's headings come from zh_CN.po, and not one text it shows is
 * an English string of the catalogue left untranslated. */
static void
test_chinese (Fixture      *fixture,
              gconstpointer data)
{
  const char *title = chinese_of ("Liaotian");
  const char *headings[] = { chinese_of ("Rooms"), chinese_of ("Friends"), chinese_of ("Online"),
                             "#lobby", NULL };
  g_auto(GStrv) shown = NULL;

  start_accessibility_bus (fixture);
  start_client_in (fixture, "zh_CN");
  wait_one_window (fixture, title);
  wait_window_shows (fixture, title, headings);

  shown = window_texts_at (LT_TEST_HERE, fixture, title);
  for (guint i = 0; shown[i] != NULL; i++)
    if (*shown[i] != '\0' && g_strcmp0 (chinese (shown[i]), shown[i]) != 0)
      lt_test_fail ("Expected every text of the main window in Chinese; “%s” shows in English "
                    "(zh_CN: “%s”)", shown[i], chinese (shown[i]));

  quit_client (fixture);
}

int
main (int   argc,
      char *argv[])
{
  GSubprocess *xvfb = lt_test_display_start ();
  int status;

  /* This process's settings stay in memory: never the user's dconf. */
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  /* For chinese(): LANGUAGE counts in any locale but C, and the
   * catalogues are the build's. */
  setlocale (LC_MESSAGES, "C.UTF-8");
  bindtextdomain (GETTEXT_PACKAGE, g_getenv ("LIAOTIAN_LOCALEDIR"));
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/client-session/one-window-per-peer", Fixture, NULL, setup,
              test_one_window_per_peer, teardown);
  g_test_add ("/client-session/room-message-in-main-window", Fixture, NULL, setup,
              test_room_message_in_main_window, teardown);

  g_test_add ("/client-session/window-reopens-with-history", Fixture, NULL, setup,
              test_window_reopens_with_history, teardown);
  g_test_add ("/client-session/chinese", Fixture, NULL, setup, test_chinese, teardown);
  g_test_add ("/client-session/newcomer", Fixture, NULL, setup, test_newcomer, teardown);
  g_test_add ("/client-session/connection-banner", Fixture, NULL, setup, test_connection_banner,
              teardown);

  status = g_test_run ();

  lt_test_display_stop (xvfb);
  return status;
}
