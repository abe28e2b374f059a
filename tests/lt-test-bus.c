/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "lt-test-bus.h"

#include <signal.h>
#include <string.h>

/* A bus like GTestDBus's: nothing to activate, everyone may own and
 * listen to anything. */
#define BUS_CONFIG \
  "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN\"\n" \
  " \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n" \
  "<busconfig>\n" \
  "  <type>session</type>\n" \
  "  <listen>unix:tmpdir=/tmp</listen>\n" \
  "  <policy context=\"default\">\n" \
  "    <allow send_destination=\"*\" eavesdrop=\"true\"/>\n" \
  "    <allow eavesdrop=\"true\"/>\n" \
  "    <allow own=\"*\"/>\n" \
  "  </policy>\n" \
  "</busconfig>\n"

#define SETTINGS_GROUP "org/liaotian/Daemon"

typedef struct
{
  char *text; /* "Member (args)" */
  GVariant *args;
} Signal;

struct _LtTestSession
{
  char *name;
  LtTestServer *server;
  char *dir; /* the bus's configuration and the XDG folders */
  GSubprocess *bus;
  char *address;
  GDBusConnection *connection;
  guint subscription;
  GPtrArray *signals; /* of Signal, oldest first, not yet waited for */
  GSubprocess *daemon;
};

static const char * const xdg_variables[] = { "XDG_DATA_HOME", "XDG_CONFIG_HOME",
                                              "XDG_CACHE_HOME" };

static void
signal_free (Signal *signal)
{
  g_free (signal->text);
  g_variant_unref (signal->args);
  g_free (signal);
}

/* A D-Bus call's timeout, scaled like every other wait (valgrind). */
int
lt_test_session_timeout_ms (void)
{
  return (int) lt_test_scale_timeout (LT_TEST_BUS_TIMEOUT_MS);
}

/* The recorder --------------------------------------------------------- */

static void
record (LtTestSession *self,
        char          *text,
        GVariant      *args)
{
  Signal *signal = g_new0 (Signal, 1);

  signal->text = text;
  signal->args = g_variant_ref_sink (args);
  g_ptr_array_add (self->signals, signal);
}

/* One entry per property, since the skeleton batches changes. */
static void
record_properties (LtTestSession *self,
                   GVariant      *parameters)
{
  g_autoptr(GVariantIter) changed = NULL;
  const char *name;
  GVariant *value;

  g_variant_get (parameters, "(&sa{sv}as)", NULL, &changed, NULL);
  while (g_variant_iter_loop (changed, "{&sv}", &name, &value))
    {
      g_autofree char *printed = g_variant_print (value, FALSE);

      record (self, g_strdup_printf ("PropertiesChanged '%s': <%s>", name, printed), value);
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
  LtTestSession *self = user_data;
  g_autofree char *args = NULL;

  if (g_str_equal (member, "PropertiesChanged"))
    {
      record_properties (self, parameters);
      return;
    }
  args = g_variant_print (parameters, FALSE);
  record (self, g_strdup_printf ("%s %s", member, args), parameters);
}

static Signal *
find_signal (LtTestSession *self,
             const char    *expected,
             guint         *index)
{
  for (guint i = 0; i < self->signals->len; i++)
    {
      Signal *signal = g_ptr_array_index (self->signals, i);

      if (strstr (signal->text, expected) != NULL)
        {
          *index = i;
          return signal;
        }
    }
  return NULL;
}

/* Forgets the signal at @index; returns its arguments. */
static GVariant *
take_signal (LtTestSession *self,
             guint          index)
{
  Signal *signal = g_ptr_array_index (self->signals, index);
  GVariant *args = g_variant_ref (signal->args);

  g_ptr_array_remove_index (self->signals, index);
  return args;
}

static char *
describe_signals (LtTestSession *self)
{
  GString *text = g_string_new (NULL);

  for (guint i = 0; i < self->signals->len; i++)
    {
      Signal *signal = g_ptr_array_index (self->signals, i);

      g_string_append_printf (text, "%s%s", text->len > 0 ? "; " : "", signal->text);
    }
  if (text->len == 0)
    g_string_append (text, "none");
  return g_string_free (text, FALSE);
}

/* Returns the arguments of the first signal whose text holds
 * @expected, waiting for it, and forgets the signal. */
GVariant *
lt_test_session_wait_signal_at (LT_TEST_LOCATION,
                                LtTestSession *self,
                                const char    *expected)
{
  gint64 deadline = lt_test_deadline (LT_TEST_BUS_TIMEOUT_MS);
  guint index;

  while (find_signal (self, expected, &index) == NULL)
    {
      if (!lt_test_iterate (deadline))
        {
          g_autofree char *got = describe_signals (self);

          lt_test_fail_at (file, line, func, "%s: expected a signal with “%s” within %d ms; "
                           "the signals not waited for are: %s", self->name, expected,
                           LT_TEST_BUS_TIMEOUT_MS, got);
        }
    }
  return take_signal (self, index);
}

/* Takes the arguments of every recorded signal whose text holds
 * @expected, without waiting for more. */
GPtrArray *
lt_test_session_take_signals (LtTestSession *self,
                              const char    *expected)
{
  GPtrArray *taken = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
  guint index;

  /* What has arrived is dispatched first. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  while (find_signal (self, expected, &index) != NULL)
    g_ptr_array_add (taken, take_signal (self, index));
  return taken;
}

/* The bus ---------------------------------------------------------------- */

/* Starts the session's own dbus-daemon; it prints its address once it
 * listens. */
static void
start_bus (LtTestSession *self)
{
  g_autoptr(GSubprocessLauncher) launcher = lt_test_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autofree char *config = g_build_filename (self->dir, "bus.conf", NULL);
  g_autofree char *config_arg = g_strconcat ("--config-file=", config, NULL);
  g_autoptr(GError) error = NULL;

  if (!g_file_set_contents (config, BUS_CONFIG, -1, &error))
    g_error ("Cannot write %s: %s", config, error->message);
  self->bus = g_subprocess_launcher_spawn (launcher, &error, "dbus-daemon", config_arg,
                                           "--nofork", "--print-address", NULL);
  if (self->bus == NULL)
    g_error ("Cannot start dbus-daemon: %s", error->message);

  self->address = lt_test_read_line (self->bus, LT_TEST_START_TIMEOUT_MS);
  if (self->address == NULL)
    g_error ("%s: dbus-daemon printed no address within %d ms", self->name,
             LT_TEST_START_TIMEOUT_MS);
  self->connection = g_dbus_connection_new_for_address_sync (
    self->address,
    G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
    NULL, NULL, &error);
  if (self->connection == NULL)
    g_error ("%s: cannot connect to %s: %s", self->name, self->address, error->message);
}

static void
stop_bus (LtTestSession *self)
{
  g_dbus_connection_close_sync (self->connection, NULL, NULL);
  g_clear_object (&self->connection);
  g_subprocess_send_signal (self->bus, SIGTERM);
  if (!lt_test_wait_process (self->bus, LT_TEST_TIMEOUT_MS))
    g_error ("%s: dbus-daemon did not exit within %d ms of SIGTERM", self->name,
             LT_TEST_TIMEOUT_MS);
  g_clear_object (&self->bus);
}

LtTestSession *
lt_test_session_new (const char   *name,
                     LtTestServer *server)
{
  LtTestSession *self = g_new0 (LtTestSession, 1);
  g_autofree char *template = g_strdup_printf ("liaotiand-%s-XXXXXX", name);
  g_autoptr(GError) error = NULL;

  self->name = g_strdup (name);
  self->server = server;
  self->dir = g_dir_make_tmp (template, &error);
  if (self->dir == NULL)
    g_error ("Cannot make a temporary folder: %s", error->message);
  g_test_message ("%s's session folder: %s", name, self->dir);

  start_bus (self);
  self->signals = g_ptr_array_new_with_free_func ((GDestroyNotify) signal_free);
  self->subscription =
    g_dbus_connection_signal_subscribe (self->connection, NULL, NULL, NULL, LT_TEST_OBJECT_PATH,
                                        NULL, G_DBUS_SIGNAL_FLAGS_NONE, on_signal, self, NULL);
  return self;
}

void
lt_test_session_free (LtTestSession *self)
{
  if (self == NULL)
    return;

  if (self->daemon != NULL)
    lt_test_stop_daemon (self);
  g_dbus_connection_signal_unsubscribe (self->connection, self->subscription);
  stop_bus (self);
  g_ptr_array_unref (self->signals);
  lt_test_remove_tree (self->dir);
  g_free (self->dir);
  g_free (self->address);
  g_free (self->name);
  g_free (self);
}

const char *
lt_test_session_get_name (LtTestSession *self)
{
  return self->name;
}

/* The session's folder: XDG_CONFIG_HOME and the others are in it. */
const char *
lt_test_session_get_dir (LtTestSession *self)
{
  return self->dir;
}

/* For DBUS_SESSION_BUS_ADDRESS. */
const char *
lt_test_session_get_address (LtTestSession *self)
{
  return self->address;
}

GDBusConnection *
lt_test_session_get_connection (LtTestSession *self)
{
  return self->connection;
}

/* The session's environment: its bus, its folders, its settings. */
GSubprocessLauncher *
lt_test_session_launcher_new (LtTestSession   *self,
                              GSubprocessFlags flags)
{
  GSubprocessLauncher *launcher = lt_test_launcher_new (flags);

  g_subprocess_launcher_setenv (launcher, "DBUS_SESSION_BUS_ADDRESS", self->address, TRUE);
  for (guint i = 0; i < G_N_ELEMENTS (xdg_variables); i++)
    {
      g_autofree char *dir = g_build_filename (self->dir, xdg_variables[i], NULL);

      g_subprocess_launcher_setenv (launcher, xdg_variables[i], dir, TRUE);
    }
  /* A keyfile under XDG_CONFIG_HOME: the test can read and write what
   * liaotiand stores, and the user's dconf is never touched. */
  g_subprocess_launcher_setenv (launcher, "GSETTINGS_BACKEND", "keyfile", TRUE);
  return launcher;
}

/* The unique name owning @bus_name, or NULL. */
static char *
get_name_owner (LtTestSession *self,
                const char    *bus_name)
{
  g_autoptr(GVariant) reply = NULL;
  char *owner = NULL;

  reply = g_dbus_connection_call_sync (self->connection, "org.freedesktop.DBus",
                                       "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                       "GetNameOwner", g_variant_new ("(s)", bus_name),
                                       G_VARIANT_TYPE ("(s)"), G_DBUS_CALL_FLAGS_NONE,
                                       lt_test_session_timeout_ms (), NULL, NULL);
  if (reply != NULL)
    g_variant_get (reply, "(s)", &owner);
  return owner;
}

/* Fails at once, rather than at a timeout, if liaotiand has ended
 * while the test was waiting for @waiting_for. */
static void
check_daemon_alive_at (LT_TEST_LOCATION,
                       LtTestSession *self,
                       const char    *waiting_for)
{
  g_autofree char *how = NULL;

  if (self->daemon == NULL || g_subprocess_get_identifier (self->daemon) != NULL)
    return;
  how = lt_test_describe_exit (self->daemon);
  lt_test_fail_at (file, line, func, "%s: liaotiand ended (%s) while waiting for %s", self->name,
                   how, waiting_for);
}

/* Waits until @bus_name has an owner other than @old_owner (NULL:
 * any), and returns the owner's unique name. */
char *
lt_test_session_wait_name_owner_at (LT_TEST_LOCATION,
                                    LtTestSession *self,
                                    const char    *bus_name,
                                    const char    *old_owner)
{
  gint64 deadline = lt_test_deadline (LT_TEST_BUS_TIMEOUT_MS);

  for (;;)
    {
      char *owner = get_name_owner (self, bus_name);

      if (owner != NULL && g_strcmp0 (owner, old_owner) != 0)
        return owner;
      g_free (owner);
      check_daemon_alive_at (file, line, func, self, bus_name);
      if (g_get_monotonic_time () > deadline)
        lt_test_fail_at (file, line, func, "%s: expected a new owner of %s within %d ms (the "
                         "old one: %s)", self->name, bus_name, LT_TEST_BUS_TIMEOUT_MS,
                         old_owner ? old_owner : "none");
      g_usleep (10 * 1000);
    }
}

/* Settings ----------------------------------------------------------------- */

static char *
settings_path (LtTestSession *self)
{
  return g_build_filename (self->dir, "XDG_CONFIG_HOME", "glib-2.0", "settings", "keyfile",
                           NULL);
}

static GKeyFile *
load_settings (LtTestSession *self)
{
  g_autofree char *path = settings_path (self);
  GKeyFile *settings = g_key_file_new ();

  g_key_file_load_from_file (settings, path, G_KEY_FILE_KEEP_COMMENTS, NULL);
  return settings;
}

void
lt_test_session_set_setting (LtTestSession *self,
                             const char    *key,
                             const char    *value)
{
  g_autofree char *path = settings_path (self);
  g_autofree char *folder = g_path_get_dirname (path);
  g_autoptr(GKeyFile) settings = load_settings (self);
  g_autoptr(GError) error = NULL;

  g_mkdir_with_parents (folder, 0700);
  g_key_file_set_value (settings, SETTINGS_GROUP, key, value);
  if (!g_key_file_save_to_file (settings, path, &error))
    g_error ("Cannot write %s: %s", path, error->message);
}

/* Whether liaotiand's stored settings hold @key, with @value if not
 * NULL. */
gboolean
lt_test_session_has_setting (LtTestSession *self,
                             const char    *key,
                             const char    *value)
{
  g_autoptr(GKeyFile) settings = load_settings (self);
  g_autofree char *stored = g_key_file_get_value (settings, SETTINGS_GROUP, key, NULL);

  return stored != NULL && (value == NULL || g_str_equal (stored, value));
}

/* liaotiand ------------------------------------------------------------------- */

void
lt_test_session_start_daemon_at (LT_TEST_LOCATION,
                                 LtTestSession *self,
                                 const char    *extra_arg)
{
  g_autoptr(GSubprocessLauncher) launcher = lt_test_session_launcher_new (self,
                                                                          G_SUBPROCESS_FLAGS_NONE);
  g_auto(GStrv) command = lt_test_command_new ("LT_TEST_DAEMON_WRAPPER", "LT_DAEMON_BINARY",
                                               "liaotiand");
  g_autoptr(GStrvBuilder) argv = g_strv_builder_new ();
  g_auto(GStrv) args = NULL;
  g_autofree char *server = NULL;
  g_autofree char *old_owner = get_name_owner (self, LT_TEST_BUS_NAME);
  g_autofree char *owner = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_null (self->daemon);
  g_strv_builder_addv (argv, (const char **) command);
  if (self->server != NULL)
    {
      server = g_strdup_printf ("--server=127.0.0.1:%u", lt_test_server_get_port (self->server));
      g_strv_builder_add (argv, server);
    }
  if (extra_arg != NULL)
    g_strv_builder_add (argv, extra_arg);
  args = g_strv_builder_end (argv);

  self->daemon = g_subprocess_launcher_spawnv (launcher, (const char * const *) args, &error);
  if (self->daemon == NULL)
    lt_test_fail_at (file, line, func, "%s: cannot start liaotiand: %s", self->name,
                     error->message);
  owner = lt_test_session_wait_name_owner_at (file, line, func, self, LT_TEST_BUS_NAME,
                                              old_owner);
  g_test_message ("%s: liaotiand is %s", self->name, owner);
}

/* Waits for @daemon to end and asserts exit status 0: under valgrind,
 * an error or a definite leak makes it another one. */
void
lt_test_assert_daemon_exits_at (LT_TEST_LOCATION,
                                GSubprocess *daemon)
{
  g_autofree char *how = NULL;

  if (!lt_test_wait_process (daemon, LT_TEST_BUS_TIMEOUT_MS))
    {
      g_subprocess_force_exit (daemon);
      lt_test_fail_at (file, line, func, "Expected liaotiand to exit within %d ms; it did not",
                       LT_TEST_BUS_TIMEOUT_MS);
    }
  if (!g_subprocess_get_if_exited (daemon) || g_subprocess_get_exit_status (daemon) != 0)
    {
      how = lt_test_describe_exit (daemon);
      lt_test_fail_at (file, line, func, "Expected liaotiand to exit with status 0, got %s%s",
                       how, g_getenv ("LT_TEST_DAEMON_WRAPPER") ? " (see valgrind's report)"
                                                                 : "");
    }
}

/* SIGTERM and a clean exit. */
void
lt_test_session_stop_daemon_at (LT_TEST_LOCATION,
                                LtTestSession *self)
{
  g_autoptr(GSubprocess) daemon = lt_test_session_steal_daemon (self);

  g_assert_nonnull (daemon);
  g_subprocess_send_signal (daemon, SIGTERM);
  lt_test_assert_daemon_exits_at (file, line, func, daemon);
}

/* The running daemon, which the session forgets. */
GSubprocess *
lt_test_session_steal_daemon (LtTestSession *self)
{
  return g_steal_pointer (&self->daemon);
}

/* Calls -------------------------------------------------------------------- */

GVariant *
lt_test_session_call (LtTestSession *self,
                      const char    *interface,
                      const char    *method,
                      GVariant      *args,
                      GError       **error)
{
  return g_dbus_connection_call_sync (self->connection, LT_TEST_BUS_NAME, LT_TEST_OBJECT_PATH,
                                      interface, method, args, NULL,
                                      G_DBUS_CALL_FLAGS_NO_AUTO_START,
                                      lt_test_session_timeout_ms (), NULL, error);
}

/* The reply of @method of org.liaotian.Chat1, which must succeed. */
GVariant *
lt_test_session_call_ok_at (LT_TEST_LOCATION,
                            LtTestSession *self,
                            const char    *method,
                            GVariant      *args)
{
  g_autoptr(GError) error = NULL;
  GVariant *reply = lt_test_session_call (self, LT_TEST_INTERFACE, method, args, &error);

  if (reply == NULL)
    {
      check_daemon_alive_at (file, line, func, self, method);
      lt_test_fail_at (file, line, func, "%s: %s failed: %s", self->name, method,
                       error->message);
    }
  return reply;
}

/* Checks that the reply of @method prints as @expected. */
void
lt_test_session_assert_call_at (LT_TEST_LOCATION,
                                LtTestSession *self,
                                const char    *method,
                                GVariant      *args,
                                const char    *expected)
{
  g_autoptr(GVariant) reply = lt_test_session_call_ok_at (file, line, func, self, method, args);
  g_autofree char *printed = g_variant_print (reply, TRUE);

  if (g_strcmp0 (printed, expected) != 0)
    lt_test_fail_at (file, line, func, "%s: %s returned %s, expected %s", self->name, method,
                     printed, expected);
}

/* Checks that @method fails with org.liaotian.Chat1.Error.@name. */
void
lt_test_session_assert_call_error_at (LT_TEST_LOCATION,
                                      LtTestSession *self,
                                      const char    *method,
                                      GVariant      *args,
                                      const char    *name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = lt_test_session_call (self, LT_TEST_INTERFACE, method, args,
                                                    &error);
  g_autofree char *expected = g_strconcat (LT_TEST_ERROR_PREFIX, name, NULL);
  g_autofree char *remote = NULL;
  g_autofree char *printed = NULL;

  if (reply != NULL)
    {
      printed = g_variant_print (reply, TRUE);
      lt_test_fail_at (file, line, func, "%s: %s returned %s, expected the error %s",
                       self->name, method, printed, expected);
    }
  remote = g_dbus_error_get_remote_error (error);
  if (g_strcmp0 (remote, expected) != 0)
    lt_test_fail_at (file, line, func, "%s: %s failed with %s (%s), expected %s", self->name,
                     method, remote, error->message, expected);
}

void
lt_test_session_assert_property_at (LT_TEST_LOCATION,
                                    LtTestSession *self,
                                    const char    *name,
                                    const char    *expected)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) value = NULL;
  g_autofree char *printed = NULL;

  reply = lt_test_session_call (self, "org.freedesktop.DBus.Properties", "Get",
                                g_variant_new ("(ss)", LT_TEST_INTERFACE, name), &error);
  if (reply == NULL)
    lt_test_fail_at (file, line, func, "%s: Get %s failed: %s", self->name, name,
                     error->message);
  g_variant_get (reply, "(v)", &value);
  printed = g_variant_print (value, FALSE);
  if (g_strcmp0 (printed, expected) != 0)
    lt_test_fail_at (file, line, func, "%s: %s is %s, expected %s", self->name, name, printed,
                     expected);
}

/* A user's steps ----------------------------------------------------------- */

/* Register's arguments for @username, as lt-test-utils makes users. */
GVariant *
lt_test_register_args (const char *username)
{
  g_autofree char *nickname = lt_test_nickname (username);
  g_autofree char *email = g_strdup_printf ("%s@example.org", username);

  return g_variant_new ("(sssss)", nickname, username, LT_TEST_PASSWORD, email, "");
}

void
lt_test_session_register_at (LT_TEST_LOCATION,
                             LtTestSession *self,
                             const char    *username)
{
  lt_test_session_assert_call_at (file, line, func, self, "Register",
                                  lt_test_register_args (username), "()");
}

/* Login with LT_TEST_PASSWORD, and State 'logged-in' announced. */
void
lt_test_session_login_at (LT_TEST_LOCATION,
                          LtTestSession *self,
                          const char    *username)
{
  lt_test_session_assert_call_at (file, line, func, self, "Login",
                                  g_variant_new ("(ss)", username, LT_TEST_PASSWORD), "()");
  g_variant_unref (lt_test_session_wait_signal_at (file, line, func, self,
                                                   "'State': <'logged-in'>"));
}

/* The daemon started, @username registered through it and logged in. */
void
lt_test_session_start_user_at (LT_TEST_LOCATION,
                               LtTestSession *self,
                               const char    *username)
{
  lt_test_session_start_daemon_at (file, line, func, self, NULL);
  lt_test_session_register_at (file, line, func, self, username);
  lt_test_session_login_at (file, line, func, self, username);
}

/* SendMessage; returns the local id. */
guint64
lt_test_session_send_at (LT_TEST_LOCATION,
                         LtTestSession *self,
                         const char    *to,
                         const char    *text)
{
  g_autoptr(GVariant) reply = lt_test_session_call_ok_at (file, line, func, self, "SendMessage",
                                                          g_variant_new ("(ss)", to, text));
  guint64 local_id = 0;

  g_variant_get (reply, "(t)", &local_id);
  if (local_id == 0)
    lt_test_fail_at (file, line, func, "%s: SendMessage to %s returned local id 0, expected a "
                     "positive one", self->name, to);
  return local_id;
}
