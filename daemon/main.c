/* SPDX-License-Identifier: GPL-3.0-or-later */
/* liaotiand: exports org.liaotian.Chat1 on the session bus and runs
 * until its name is taken over, the bus goes away, or SIGINT/SIGTERM. */
#include "config.h"

#include <glib-unix.h>
#include <glib/gi18n.h>

#include "lt-daemon-alerts.h"
#include "lt-daemon-service.h"
#include "lt-i18n.h"

#define BUS_NAME "org.liaotian.Chat1"
#define OBJECT_PATH "/org/liaotian/Chat1"

typedef struct
{
  GMainLoop *loop;
  gboolean name_acquired;
  int status;
} Daemon;

static char *opt_server;
static gboolean opt_replace;
static gboolean opt_verbose;

static const GOptionEntry entries[] = {
  { "server", 's', 0, G_OPTION_ARG_STRING, &opt_server,
    N_("Connect to this server for this run, without changing the setting"),
    /* Translators: the value of --server, e.g. chat.example.org:4567 */
    N_("HOST:PORT") },
  { "replace", 'r', 0, G_OPTION_ARG_NONE, &opt_replace,
    N_("Replace a running liaotiand"), NULL },
  { "verbose", 'v', 0, G_OPTION_ARG_NONE, &opt_verbose,
    N_("Print debugging messages"), NULL },
  { NULL }
};

static void
on_name_acquired (GDBusConnection *connection,
                  const char      *name,
                  gpointer         user_data)
{
  Daemon *daemon = user_data;

  daemon->name_acquired = TRUE;
  g_debug ("Owning %s", name);
}

/* Replaced (--replace elsewhere) or the bus gone are clean ends; never
 * getting the name is a failure. */
static void
on_name_lost (GDBusConnection *connection,
              const char      *name,
              gpointer         user_data)
{
  Daemon *daemon = user_data;

  if (!daemon->name_acquired)
    {
      /* Translators: %s is the D-Bus name org.liaotian.Chat1 */
      g_printerr (_("Cannot own %s: is liaotiand running already? (--replace takes over)\n"),
                  name);
      daemon->status = EXIT_FAILURE;
    }
  else if (connection == NULL || g_dbus_connection_is_closed (connection))
    {
      g_message ("The session bus went away; exiting");
    }
  else
    {
      g_message ("Lost %s to another liaotiand; exiting", name);
    }
  g_main_loop_quit (daemon->loop);
}

static gboolean
on_quit_signal (gpointer user_data)
{
  Daemon *daemon = user_data;

  g_debug ("Terminating on a signal");
  g_main_loop_quit (daemon->loop);
  return G_SOURCE_CONTINUE;
}

/* The setting in seconds, the core in milliseconds. */
static gboolean
seconds_to_ms (GValue   *value,
               GVariant *variant,
               gpointer  user_data)
{
  g_value_set_uint (value, MIN (g_variant_get_uint32 (variant), G_MAXUINT / 1000) * 1000);
  return TRUE;
}

static LtDaemon *
daemon_core_new (GSettings *settings)
{
  g_autofree char *server = g_settings_get_string (settings, "server");
  LtDaemon *core = lt_daemon_new (opt_server != NULL ? opt_server : server);

  g_settings_bind_with_mapping (settings, "reconnect-max-delay", core, "max-retry-delay",
                                G_SETTINGS_BIND_GET, seconds_to_ms, NULL, NULL, NULL);
  g_settings_bind (settings, "use-tls", core, "use-tls", G_SETTINGS_BIND_GET);
  g_settings_bind (settings, "tls-ca-file", core, "tls-ca-file", G_SETTINGS_BIND_GET);
  return core;
}

static gboolean
parse_options (int    *argc,
               char ***argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  g_autoptr(GError) error = NULL;

  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  g_option_context_set_summary (context, _("The Liaotian chat session daemon."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, argc, argv, &error)
      || (opt_server != NULL && !lt_daemon_check_server (opt_server, &error)))
    {
      g_printerr ("%s\n", error->message);
      return FALSE;
    }
  return TRUE;
}

/* Exports the service, then asks for the name, so that a client that
 * sees the name can call at once. */
static gboolean
export_service (LtDaemonService *service,
                GDBusConnection *connection,
                Daemon          *daemon,
                guint           *owner_id)
{
  g_autoptr(GError) error = NULL;
  GBusNameOwnerFlags flags = G_BUS_NAME_OWNER_FLAGS_ALLOW_REPLACEMENT;

  if (!g_dbus_interface_skeleton_export (G_DBUS_INTERFACE_SKELETON (service), connection,
                                         OBJECT_PATH, &error))
    {
      /* Translators: the first %s is a D-Bus object path, the second an error message */
      g_printerr (_("Cannot export %s: %s\n"), OBJECT_PATH, error->message);
      return FALSE;
    }

  if (opt_replace)
    flags |= G_BUS_NAME_OWNER_FLAGS_REPLACE;
  *owner_id = g_bus_own_name_on_connection (connection, BUS_NAME, flags, on_name_acquired,
                                            on_name_lost, daemon, NULL);
  return TRUE;
}

static int
run (Daemon *daemon)
{
  g_autoptr(GSettings) settings = g_settings_new ("org.liaotian.Daemon");
  g_autoptr(LtDaemon) core = daemon_core_new (settings);
  g_autoptr(LtDaemonService) service = lt_daemon_service_new (core, settings);
  g_autoptr(GDBusConnection) connection = NULL;
  g_autoptr(LtDaemonAlerts) alerts = NULL;
  g_autoptr(GError) error = NULL;
  guint owner_id = 0;

  connection = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  if (connection == NULL)
    {
      /* Translators: %s is an error message */
      g_printerr (_("Cannot connect to the session bus: %s\n"), error->message);
      return EXIT_FAILURE;
    }
  /* A closed bus ends in on_name_lost(), not in a SIGTERM from GDBus. */
  g_dbus_connection_set_exit_on_close (connection, FALSE);
  alerts = lt_daemon_alerts_new (core, settings, connection);
  lt_daemon_alerts_set_transfers (alerts, lt_daemon_service_get_transfers (service));

  if (!export_service (service, connection, daemon, &owner_id))
    return EXIT_FAILURE;

  g_main_loop_run (daemon->loop);

  g_bus_unown_name (owner_id);
  g_dbus_interface_skeleton_unexport (G_DBUS_INTERFACE_SKELETON (service));
  lt_daemon_logout (core);
  return daemon->status;
}

int
main (int   argc,
      char *argv[])
{
  Daemon daemon = { NULL, FALSE, EXIT_SUCCESS };
  guint sigint_id, sigterm_id;
  int status;

  /* Before parsing the options: for --help, the messages below and the
   * notifications' texts. */
  lt_i18n_init ();

  /* Also under systemd, where stderr goes to the journal. */
  g_log_writer_default_set_use_stderr (TRUE);

  if (!parse_options (&argc, &argv))
    return EXIT_FAILURE;
  if (opt_verbose)
    g_log_set_debug_enabled (TRUE);

  daemon.loop = g_main_loop_new (NULL, FALSE);
  sigint_id = g_unix_signal_add (SIGINT, on_quit_signal, &daemon);
  sigterm_id = g_unix_signal_add (SIGTERM, on_quit_signal, &daemon);

  status = run (&daemon);

  g_source_remove (sigint_id);
  g_source_remove (sigterm_id);

  g_main_loop_unref (daemon.loop);
  g_clear_pointer (&opt_server, g_free);
  return status;
}
