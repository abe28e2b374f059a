/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "lt-test-display.h"

#include <gio/gunixinputstream.h>
#include <glib-unix.h>
#include <signal.h>
#include <sys/prctl.h>

/* Dies with this program, even when an assertion aborts it. */
static void
die_with_parent (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

/**
 * lt_test_display_start:
 *
 * Starts Xvfb (LT_TEST_XVFB, or Xvfb from PATH) and points DISPLAY at
 * it, for this program and the programs it starts later.
 *
 * Returns: (transfer full): the X server
 */
GSubprocess *
lt_test_display_start (void)
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

/* Stops @xvfb and waits for it, and frees it. */
void
lt_test_display_stop (GSubprocess *xvfb)
{
  g_subprocess_send_signal (xvfb, SIGTERM);
  g_subprocess_wait (xvfb, NULL, NULL);
  g_object_unref (xvfb);
}
