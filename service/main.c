/* SPDX-License-Identifier: GPL-3.0-or-later */
/* liaotian-server: the Liaotian chat server. */
#include "config.h"

#include <glib-unix.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>

#include "lt-server.h"

typedef struct
{
  GMainLoop *loop;
  LtServer *server;
  gboolean stopping;
} Main;

static void
on_shut_down (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  Main *state = user_data;
  g_autoptr(GError) error = NULL;

  if (!lt_server_shutdown_finish (LT_SERVER (object), result, &error))
    g_warning ("Shutdown: %s", error->message);
  g_main_loop_quit (state->loop);
}

static gboolean
on_signal (gpointer user_data)
{
  Main *state = user_data;

  if (!state->stopping)
    {
      g_message ("Shutting down");
      state->stopping = TRUE;
      lt_server_shutdown_async (state->server, on_shut_down, state);
    }

  return G_SOURCE_CONTINUE;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(LtServerConfig) config = lt_server_config_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *address = NULL;
  Main state = { NULL };

  setlocale (LC_ALL, "");
  g_set_prgname ("liaotian-server");

  if (!lt_server_config_parse (config, &argc, &argv, &error)
      || !lt_server_config_validate (config, &error))
    {
      g_printerr ("liaotian-server: %s\n", error->message);
      return 2;
    }

  /* stdout carries the "listening on" line (then "http on" with the
   * file service); logs go to stderr (or the journal), whatever their
   * level. */
  g_log_writer_default_set_use_stderr (TRUE);
  if (config->verbose)
    g_log_set_debug_enabled (TRUE);

  /* Under a file-size limit (ulimit -f, systemd's LimitFSIZE=) an
   * upload's write fails with EFBIG, answered 507, instead of the
   * signal killing the server. */
  signal (SIGXFSZ, SIG_IGN);

  state.server = lt_server_new (config, &error);
  if (state.server == NULL || !lt_server_start (state.server, &error))
    {
      g_printerr ("liaotian-server: %s\n", error->message);
      g_clear_object (&state.server);
      return 1;
    }

  state.loop = g_main_loop_new (NULL, FALSE);
  g_unix_signal_add (SIGINT, on_signal, &state);
  g_unix_signal_add (SIGTERM, on_signal, &state);

  address = lt_server_dup_address (state.server);
  printf ("listening on %s\n", address);
  if (lt_server_get_http_port (state.server) != 0)
    {
      g_autofree char *http = lt_server_dup_address_with_port (
          state.server, lt_server_get_http_port (state.server));

      printf ("http on %s\n", http);
    }
  fflush (stdout);
  g_info ("Data in %s", config->data_dir);

  g_main_loop_run (state.loop);

  g_clear_object (&state.server);
  g_main_loop_unref (state.loop);
  return 0;
}
