/* SPDX-License-Identifier: GPL-3.0-or-later */
/* LtDaemonNotifier against a real notification service on a private
 * session bus: python3-dbusmock's notification_daemon template, whose
 * recorded calls are read back. */
#include "config.h"

#include "lt-daemon-notifier.h"
#include "lt-test-notifications.h"

typedef struct
{
  GTestDBus *bus;
  GDBusConnection *connection;
  LtTestNotifications *service;
  LtDaemonNotifier *notifier;
} Fixture;

static void
setup (Fixture      *fixture,
       gconstpointer data)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GError) error = NULL;

  fixture->bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  g_test_dbus_up (fixture->bus);
  fixture->connection = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_assert_no_error (error);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  fixture->service = lt_test_notifications_start (launcher, fixture->connection);
  fixture->notifier = lt_daemon_notifier_new ("org.liaotian.Liaotian");
}

static void
teardown (Fixture      *fixture,
          gconstpointer data)
{
  g_clear_object (&fixture->notifier);
  g_clear_pointer (&fixture->service, lt_test_notifications_free);
  g_clear_object (&fixture->connection);
  g_test_dbus_down (fixture->bus);
  g_clear_object (&fixture->bus);
}

static void
test_show_update_withdraw (Fixture      *fixture,
                           gconstpointer data)
{
  g_auto(LtTestNotify) first = { 0 };
  g_auto(LtTestNotify) update = { 0 };
  g_auto(LtTestNotify) lobby = { 0 };

  lt_daemon_notifier_show (fixture->notifier, "bob", "Bob", "hello <b>there</b> & all");
  lt_test_notifications_wait_notify (fixture->service, 1, &first);
  g_assert_cmpuint (first.replaces_id, ==, 0);
  g_assert_cmpstr (first.summary, ==, "Bob");
  g_assert_cmpstr (first.body, ==, "hello &lt;b&gt;there&lt;/b&gt; &amp; all");
  g_assert_true (first.has_default_action);
  g_assert_cmpstr (first.desktop_entry, ==, "org.liaotian.Liaotian");

  /* A second message updates the conversation's notification in place. */
  lt_daemon_notifier_show (fixture->notifier, "bob", "Bob", "second");
  lt_test_notifications_wait_notify (fixture->service, 2, &update);
  g_assert_cmpuint (update.replaces_id, !=, 0);
  g_assert_cmpstr (update.body, ==, "second");

  /* Another conversation gets a notification of its own. */
  lt_daemon_notifier_show (fixture->notifier, "#lobby", "Carol in #lobby", "hi bob");
  lt_test_notifications_wait_notify (fixture->service, 3, &lobby);
  g_assert_cmpuint (lobby.replaces_id, ==, 0);

  /* Withdrawing closes bob's, and only bob's. */
  lt_daemon_notifier_withdraw (fixture->notifier, "bob");
  g_assert_cmpuint (lt_test_notifications_wait_close (fixture->service, 1), ==,
                    update.replaces_id);
  lt_daemon_notifier_withdraw (fixture->notifier, "nobody");
  lt_daemon_notifier_show (fixture->notifier, "bob", "Bob", "again");
  {
    g_auto(LtTestNotify) again = { 0 };

    lt_test_notifications_wait_notify (fixture->service, 4, &again);
    g_assert_cmpuint (again.replaces_id, ==, 0);
  }
  g_assert_cmpuint (lt_test_notifications_count (fixture->service, "CloseNotification"), ==, 1);
}

static void
test_long_text (Fixture      *fixture,
                gconstpointer data)
{
  g_autofree char *text = lt_test_text_of_length (1000, "长");
  g_auto(LtTestNotify) notify = { 0 };

  lt_daemon_notifier_show (fixture->notifier, "bob", "Bob", text);
  lt_test_notifications_wait_notify (fixture->service, 1, &notify);
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

/* Clicking a notification tells which conversation to open, with the
 * service's activation token. */
static void
test_activation (Fixture      *fixture,
                 gconstpointer data)
{
  g_auto(LtTestNotify) lobby = { 0 };
  g_auto(LtTestNotify) update = { 0 };
  g_autofree char *activated = NULL;

  g_signal_connect (fixture->notifier, "activated", G_CALLBACK (on_activated), &activated);
  lt_daemon_notifier_show (fixture->notifier, "bob", "Bob", "hi");
  lt_daemon_notifier_show (fixture->notifier, "#lobby", "Carol", "hello");
  lt_test_notifications_wait_notify (fixture->service, 2, &lobby);
  /* Its id is what an update replaces. */
  lt_daemon_notifier_show (fixture->notifier, "#lobby", "Carol", "hello again");
  lt_test_notifications_wait_notify (fixture->service, 3, &update);

  /* As a notification service does: a token for the window to open,
   * then the action. */
  lt_test_notifications_emit (fixture->service, "ActivationToken", update.replaces_id, "tok-42");
  lt_test_notifications_emit (fixture->service, "ActionInvoked", update.replaces_id, "default");

  for (gint64 deadline = lt_test_deadline (LT_TEST_TIMEOUT_MS); activated == NULL;)
    {
      if (!lt_test_iterate (deadline))
        lt_test_fail ("Expected the activated signal within %d ms", LT_TEST_TIMEOUT_MS);
    }
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
