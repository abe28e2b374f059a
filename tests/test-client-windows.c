/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests of LtPeerWindows with real GtkWindows, on an Xvfb server this
 * program starts for itself: with -displayfd the server picks a free
 * display, so parallel test runs cannot race for one, and valgrind
 * (meson test --setup valgrind) checks this program, not a wrapper
 * script. */
#include "config.h"

#include <gio/gunixinputstream.h>
#include <glib-unix.h>
#include <gtk/gtk.h>
#include <signal.h>
#include <sys/prctl.h>

#include "lt-peer-windows.h"

typedef struct
{
  LtPeerWindows *windows;
  guint n_made; /* windows the factory made */
} Fixture;

static GtkWindow *
make_window (const char *peer,
             gpointer    user_data)
{
  Fixture *fixture = user_data;
  GtkWindow *window = GTK_WINDOW (gtk_window_new ());

  fixture->n_made++;
  gtk_window_set_title (window, peer);
  return window;
}

static GtkWindow *
present_or_create (Fixture    *fixture,
                   const char *peer)
{
  return lt_peer_windows_present_or_create (fixture->windows, peer, make_window, fixture);
}

static void
fixture_setup (Fixture      *fixture,
               gconstpointer user_data)
{
  fixture->windows = lt_peer_windows_new ();
}

static void
fixture_teardown (Fixture      *fixture,
                  gconstpointer user_data)
{
  GtkWindow *window;

  while ((window = lt_peer_windows_lookup (fixture->windows, "bob")) != NULL)
    gtk_window_destroy (window);
  g_assert_finalize_object (fixture->windows);
}

static void
test_one_window_per_peer (Fixture      *fixture,
                          gconstpointer user_data)
{
  GtkWindow *bob = present_or_create (fixture, "bob");
  GtkWindow *carol;

  g_assert_true (GTK_IS_WINDOW (bob));
  g_assert_cmpstr (gtk_window_get_title (bob), ==, "bob");
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (bob)));
  g_assert_true (lt_peer_windows_lookup (fixture->windows, "bob") == bob);

  g_assert_true (present_or_create (fixture, "bob") == bob);
  g_assert_cmpuint (fixture->n_made, ==, 1);
  g_assert_cmpuint (lt_peer_windows_get_n_windows (fixture->windows), ==, 1);

  carol = present_or_create (fixture, "carol");
  g_assert_true (carol != bob);
  g_assert_cmpuint (fixture->n_made, ==, 2);
  g_assert_cmpuint (lt_peer_windows_get_n_windows (fixture->windows), ==, 2);
  g_assert_null (lt_peer_windows_lookup (fixture->windows, "dave"));

  gtk_window_destroy (carol);
}

static void
test_destroy_forgets (Fixture      *fixture,
                      gconstpointer user_data)
{
  GtkWindow *bob = present_or_create (fixture, "bob");

  gtk_window_destroy (bob);
  g_assert_null (lt_peer_windows_lookup (fixture->windows, "bob"));
  g_assert_cmpuint (lt_peer_windows_get_n_windows (fixture->windows), ==, 0);

  /* The next message opens a window again. */
  bob = present_or_create (fixture, "bob");
  g_assert_cmpuint (fixture->n_made, ==, 2);
  g_assert_true (lt_peer_windows_lookup (fixture->windows, "bob") == bob);
  g_assert_cmpuint (lt_peer_windows_get_n_windows (fixture->windows), ==, 1);
}

static void
test_add_twice (Fixture      *fixture,
                gconstpointer user_data)
{
  GtkWindow *bob = present_or_create (fixture, "bob");
  GtkWindow *other = GTK_WINDOW (gtk_window_new ());

  g_test_expect_message ("liaotian", G_LOG_LEVEL_CRITICAL, "*lookup*== NULL*");
  lt_peer_windows_add (fixture->windows, "bob", other);
  g_test_assert_expected_messages ();
  g_assert_true (lt_peer_windows_lookup (fixture->windows, "bob") == bob);

  /* The refused window is none of the registry's business. */
  gtk_window_destroy (other);
  g_assert_true (lt_peer_windows_lookup (fixture->windows, "bob") == bob);
}

/* The application may go before its windows: they must not call back
 * into a registry that is gone. */
static void
test_registry_goes_first (void)
{
  LtPeerWindows *windows = lt_peer_windows_new ();
  GtkWindow *bob = GTK_WINDOW (gtk_window_new ());

  lt_peer_windows_add (windows, "bob", bob);
  g_assert_finalize_object (windows);
  gtk_window_destroy (bob);
}

/* Dies with this program, even when an assertion aborts it. */
static void
die_with_parent (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

/* Starts Xvfb (LT_TEST_XVFB, or Xvfb from PATH) and points DISPLAY at it. */
static GSubprocess *
start_xvfb (void)
{
  const char *xvfb = g_getenv ("LT_TEST_XVFB");
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_autoptr(GSubprocess) server = NULL;
  g_autoptr(GInputStream) pipe_in = NULL;
  g_autoptr(GDataInputStream) lines = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *display = NULL;
  g_autofree char *display_name = NULL;
  int fds[2];

  if (!g_unix_open_pipe (fds, FD_CLOEXEC, &error))
    g_error ("Cannot make a pipe: %s", error->message);

  /* Xvfb writes the display number it chose on fd 3, then a newline. */
  g_subprocess_launcher_take_fd (launcher, fds[1], 3);
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  server = g_subprocess_launcher_spawn (launcher, &error, xvfb != NULL ? xvfb : "Xvfb",
                                        "-displayfd", "3", "-nolisten", "tcp", "-screen", "0",
                                        "1280x1024x24", NULL);
  if (server == NULL)
    g_error ("Cannot start Xvfb: %s", error->message);
  /* Closes our copy of the write end: if Xvfb fails, the read ends. */
  g_clear_object (&launcher);

  pipe_in = g_unix_input_stream_new (fds[0], TRUE);
  lines = g_data_input_stream_new (pipe_in);
  display = g_data_input_stream_read_line (lines, NULL, NULL, &error);
  if (display == NULL)
    g_error ("Xvfb exited before it chose a display%s%s", error != NULL ? ": " : "",
             error != NULL ? error->message : "");

  display_name = g_strconcat (":", display, NULL);
  g_setenv ("DISPLAY", display_name, TRUE);
  return g_steal_pointer (&server);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GSubprocess) xvfb = start_xvfb ();
  int status;

  /* Our Xvfb, even when run by hand on a Wayland desktop. */
  gdk_set_allowed_backends ("x11");
  gtk_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add ("/client-windows/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("one-window-per-peer", test_one_window_per_peer);
  ADD ("destroy-forgets", test_destroy_forgets);
  ADD ("add-twice", test_add_twice);
#undef ADD
  g_test_add_func ("/client-windows/registry-goes-first", test_registry_goes_first);

  status = g_test_run ();

  g_subprocess_send_signal (xvfb, SIGTERM);
  g_subprocess_wait (xvfb, NULL, NULL);
  return status;
}
