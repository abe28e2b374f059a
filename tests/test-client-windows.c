/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests of LtPeerWindows with real GtkWindows, on an Xvfb server this
 * program starts for itself (lt-test-display). */
#include "config.h"

#include <gtk/gtk.h>

#include "lt-peer-windows.h"
#include "lt-test-display.h"

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

int
main (int   argc,
      char *argv[])
{
  GSubprocess *xvfb = lt_test_display_start ();
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

  lt_test_display_stop (xvfb);
  return status;
}
