/* SPDX-License-Identifier: GPL-3.0-or-later */
/* LtDaemonNotifier against a real notification service on a private
 * session bus: python3-dbusmock's notification_daemon template, whose
 * recorded calls are read back. */
#include "config.h"

#include "lt-daemon-notifier.h"
#include "lt-test-utils.h"

#define NOTIFICATIONS_NAME "org.freedesktop.Notifications"
#define NOTIFICATIONS_PATH "/org/freedesktop/Notifications"
#define MOCK_INTERFACE "org.freedesktop.DBus.Mock"
#define WAIT_MS 10000

typedef struct
{
  GTestDBus *bus;
  GSubprocess *mock;
  GDBusConnection *connection;
  LtDaemonNotifier *notifier;
} Fixture;

/* Iterates the main context until @done says so, for WAIT_MS at most. */
static void
wait_until (gboolean (*done) (Fixture *, gconstpointer),
            Fixture       *fixture,
            gconstpointer  data,
            const char    *what)
{
  gint64 deadline = lt_test_deadline (WAIT_MS);

  while (!done (fixture, data))
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("Waited %d ms for %s", WAIT_MS, what);
      g_main_context_iteration (NULL, FALSE);
      g_usleep (10 * 1000);
    }
}

static gboolean
mock_is_up (Fixture      *fixture,
            gconstpointer data)
{
  g_autoptr(GVariant) reply = NULL;
  gboolean has_owner = FALSE;

  reply = g_dbus_connection_call_sync (fixture->connection, "org.freedesktop.DBus",
                                       "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                       "NameHasOwner", g_variant_new ("(s)", NOTIFICATIONS_NAME),
                                       G_VARIANT_TYPE ("(b)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL,
                                       NULL);
  if (reply != NULL)
    g_variant_get (reply, "(b)", &has_owner);
  return has_owner;
}

static void
setup (Fixture      *fixture,
       gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  fixture->bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  g_test_dbus_up (fixture->bus);
  fixture->connection = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_assert_no_error (error);

  /* Debian's python3, where python3-dbusmock is installed. */
  fixture->mock = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE, &error, "/usr/bin/python3", "-m",
                                    "dbusmock", "--template", "notification_daemon", NULL);
  g_assert_no_error (error);
  wait_until (mock_is_up, fixture, NULL, "the mock notification service");

  fixture->notifier = lt_daemon_notifier_new ("org.liaotian.Liaotian");
}

static void
teardown (Fixture      *fixture,
          gconstpointer data)
{
  g_clear_object (&fixture->notifier);
  g_subprocess_force_exit (fixture->mock);
  g_subprocess_wait (fixture->mock, NULL, NULL);
  g_clear_object (&fixture->mock);
  g_clear_object (&fixture->connection);
  g_test_dbus_down (fixture->bus);
  g_clear_object (&fixture->bus);
}

/* The arguments of every recorded call of @method, oldest first. */
static GVariant *
method_calls (Fixture    *fixture,
              const char *method)
{
  g_autoptr(GError) error = NULL;
  GVariant *reply;

  reply = g_dbus_connection_call_sync (fixture->connection, NOTIFICATIONS_NAME,
                                       NOTIFICATIONS_PATH, MOCK_INTERFACE, "GetMethodCalls",
                                       g_variant_new ("(s)", method),
                                       G_VARIANT_TYPE ("(a(tav))"), G_DBUS_CALL_FLAGS_NONE, -1,
                                       NULL, &error);
  g_assert_no_error (error);
  return reply;
}

static gboolean
has_calls (Fixture      *fixture,
           gconstpointer data)
{
  const char *method = ((const char **) data)[0];
  gsize wanted = GPOINTER_TO_SIZE (((gconstpointer *) data)[1]);
  g_autoptr(GVariant) reply = method_calls (fixture, method);
  g_autoptr(GVariant) calls = g_variant_get_child_value (reply, 0);

  return g_variant_n_children (calls) >= wanted;
}

/* Waits for @count calls of @method and returns the arguments of the
 * last one as a tuple. */
static GVariant *
wait_for_call (Fixture    *fixture,
               const char *method,
               gsize       count)
{
  gconstpointer wanted[] = { method, GSIZE_TO_POINTER (count) };
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) calls = NULL;
  g_autoptr(GVariant) call = NULL;
  g_autoptr(GVariant) args = NULL;
  g_autofree char *what = g_strdup_printf ("%" G_GSIZE_FORMAT " %s calls", count, method);
  GVariantBuilder tuple;

  wait_until (has_calls, fixture, wanted, what);
  reply = method_calls (fixture, method);
  calls = g_variant_get_child_value (reply, 0);
  g_assert_cmpuint (g_variant_n_children (calls), ==, count);
  call = g_variant_get_child_value (calls, count - 1);
  args = g_variant_get_child_value (call, 1);

  g_variant_builder_init (&tuple, G_VARIANT_TYPE_TUPLE);
  for (gsize i = 0; i < g_variant_n_children (args); i++)
    {
      g_autoptr(GVariant) boxed = g_variant_get_child_value (args, i);
      g_autoptr(GVariant) value = g_variant_get_variant (boxed);

      g_variant_builder_add_value (&tuple, value);
    }
  return g_variant_ref_sink (g_variant_builder_end (&tuple));
}

typedef struct
{
  guint32 replaces_id;
  char *summary;
  char *body;
  gboolean has_default_action;
  char *desktop_entry;
} Notify;

static void
notify_clear (Notify *notify)
{
  g_free (notify->summary);
  g_free (notify->body);
  g_free (notify->desktop_entry);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Notify, notify_clear)

/* Notify (app_name, replaces_id, app_icon, summary, body, actions,
 * hints, expire_timeout): the @count-th call. */
static void
wait_for_notify (Fixture *fixture,
                 gsize    count,
                 Notify  *notify)
{
  g_autoptr(GVariant) args = wait_for_call (fixture, "Notify", count);
  g_autoptr(GVariant) hints = NULL;
  g_autofree const char **actions = NULL;

  g_variant_get (args, "(&su&sss^a&s@a{sv}i)", NULL, &notify->replaces_id, NULL,
                 &notify->summary, &notify->body, &actions, &hints, NULL);
  notify->has_default_action = g_strv_contains (actions, "default");
  g_variant_lookup (hints, "desktop-entry", "s", &notify->desktop_entry);
}

/* dbusmock records some integers with the type its Python code gave
 * them rather than the method's signature: take u or i. */
static guint32
child_uint32 (GVariant *tuple,
              gsize     index)
{
  g_autoptr(GVariant) value = g_variant_get_child_value (tuple, index);

  if (g_variant_is_of_type (value, G_VARIANT_TYPE_INT32))
    return g_variant_get_int32 (value);
  return g_variant_get_uint32 (value);
}

static void
test_show_update_withdraw (Fixture      *fixture,
                           gconstpointer data)
{
  g_auto(Notify) first = { 0 };
  g_auto(Notify) update = { 0 };
  g_auto(Notify) lobby = { 0 };
  g_autoptr(GVariant) close = NULL;
  guint32 closed_id;

  lt_daemon_notifier_show (fixture->notifier, "bob", "Bob", "hello <b>there</b> & all");
  wait_for_notify (fixture, 1, &first);
  g_assert_cmpuint (first.replaces_id, ==, 0);
  g_assert_cmpstr (first.summary, ==, "Bob");
  g_assert_cmpstr (first.body, ==, "hello &lt;b&gt;there&lt;/b&gt; &amp; all");
  g_assert_true (first.has_default_action);
  g_assert_cmpstr (first.desktop_entry, ==, "org.liaotian.Liaotian");

  /* A second message updates the conversation's notification in place. */
  lt_daemon_notifier_show (fixture->notifier, "bob", "Bob", "second");
  wait_for_notify (fixture, 2, &update);
  g_assert_cmpuint (update.replaces_id, !=, 0);
  g_assert_cmpstr (update.body, ==, "second");

  /* Another conversation gets a notification of its own. */
  lt_daemon_notifier_show (fixture->notifier, "#lobby", "Carol in #lobby", "hi bob");
  wait_for_notify (fixture, 3, &lobby);
  g_assert_cmpuint (lobby.replaces_id, ==, 0);

  /* Withdrawing closes bob's, and only bob's. */
  lt_daemon_notifier_withdraw (fixture->notifier, "bob");
  close = wait_for_call (fixture, "CloseNotification", 1);
  closed_id = child_uint32 (close, 0);
  g_assert_cmpuint (closed_id, ==, update.replaces_id);
  lt_daemon_notifier_withdraw (fixture->notifier, "nobody");
  lt_daemon_notifier_show (fixture->notifier, "bob", "Bob", "again");
  {
    g_auto(Notify) again = { 0 };

    wait_for_notify (fixture, 4, &again);
    g_assert_cmpuint (again.replaces_id, ==, 0);
  }
  g_assert_true (has_calls (fixture, (gconstpointer[]) { "CloseNotification",
                                                         GSIZE_TO_POINTER (1) }));
}

static void
test_long_text (Fixture      *fixture,
                gconstpointer data)
{
  g_autofree char *text = lt_test_text_of_length (1000, "长");
  g_auto(Notify) notify = { 0 };

  lt_daemon_notifier_show (fixture->notifier, "bob", "Bob", text);
  wait_for_notify (fixture, 1, &notify);
  g_assert_cmpint (g_utf8_strlen (notify.body, -1), ==, 200);
  g_assert_true (g_str_has_suffix (notify.body, "…"));
}

static void
on_activated (LtDaemonNotifier *notifier,
              const char       *conversation,
              const char       *activation_token,
              char            **activated)
{
  g_free (*activated);
  *activated = g_strdup_printf ("%s token=%s", conversation, activation_token);
}

static gboolean
was_activated (Fixture      *fixture,
               gconstpointer data)
{
  return *(char **) data != NULL;
}

/* Makes the mock notification service emit @name (@first, @second). */
static void
emit_mock_signal (Fixture    *fixture,
                  const char *name,
                  const char *signature,
                  GVariant   *first,
                  GVariant   *second)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  GVariant *args[2] = { g_variant_new_variant (first), g_variant_new_variant (second) };

  reply = g_dbus_connection_call_sync (fixture->connection, NOTIFICATIONS_NAME,
                                       NOTIFICATIONS_PATH, MOCK_INTERFACE, "EmitSignal",
                                       g_variant_new ("(sss@av)", NOTIFICATIONS_NAME, name,
                                                      signature,
                                                      g_variant_new_array (G_VARIANT_TYPE_VARIANT,
                                                                           args, 2)),
                                       NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_no_error (error);
}

/* Clicking a notification tells which conversation to open, with the
 * service's activation token. */
static void
test_activation (Fixture      *fixture,
                 gconstpointer data)
{
  g_auto(Notify) lobby = { 0 };
  g_auto(Notify) update = { 0 };
  g_autofree char *activated = NULL;

  g_signal_connect (fixture->notifier, "activated", G_CALLBACK (on_activated), &activated);
  lt_daemon_notifier_show (fixture->notifier, "bob", "Bob", "hi");
  lt_daemon_notifier_show (fixture->notifier, "#lobby", "Carol", "hello");
  wait_for_notify (fixture, 2, &lobby);
  /* Its id is what an update replaces. */
  lt_daemon_notifier_show (fixture->notifier, "#lobby", "Carol", "hello again");
  wait_for_notify (fixture, 3, &update);

  /* As a notification service does: a token for the window to open,
   * then the action. */
  emit_mock_signal (fixture, "ActivationToken", "us",
                    g_variant_new_uint32 (update.replaces_id), g_variant_new_string ("tok-42"));
  emit_mock_signal (fixture, "ActionInvoked", "us",
                    g_variant_new_uint32 (update.replaces_id), g_variant_new_string ("default"));

  wait_until (was_activated, fixture, &activated, "the activated signal");
  g_assert_cmpstr (activated, ==, "#lobby token=tok-42");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/daemon-notifier/show-update-withdraw", Fixture, NULL, setup,
              test_show_update_withdraw, teardown);
  g_test_add ("/daemon-notifier/long-text", Fixture, NULL, setup, test_long_text, teardown);
  g_test_add ("/daemon-notifier/activation", Fixture, NULL, setup, test_activation, teardown);

  return g_test_run ();
}
