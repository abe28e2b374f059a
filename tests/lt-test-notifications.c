/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A real notification service for tests: python3-dbusmock's
 * notification_daemon template, read back through the mock's
 * org.freedesktop.DBus.Mock interface. */
#include "config.h"

#include "lt-test-notifications.h"

#define NOTIFICATIONS_NAME "org.freedesktop.Notifications"
#define NOTIFICATIONS_PATH "/org/freedesktop/Notifications"
#define MOCK_INTERFACE "org.freedesktop.DBus.Mock"

struct _LtTestNotifications
{
  GSubprocess *mock;
  GDBusConnection *connection;
};

void
lt_test_notify_clear (LtTestNotify *notify)
{
  g_clear_pointer (&notify->summary, g_free);
  g_clear_pointer (&notify->body, g_free);
  g_clear_pointer (&notify->desktop_entry, g_free);
}

static int
call_timeout_ms (void)
{
  return lt_test_scale_timeout (LT_TEST_TIMEOUT_MS);
}

static gboolean
service_is_up (LtTestNotifications *self)
{
  g_autoptr(GVariant) reply = NULL;
  gboolean has_owner = FALSE;

  reply = g_dbus_connection_call_sync (self->connection, "org.freedesktop.DBus",
                                       "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                       "NameHasOwner", g_variant_new ("(s)", NOTIFICATIONS_NAME),
                                       G_VARIANT_TYPE ("(b)"), G_DBUS_CALL_FLAGS_NONE,
                                       call_timeout_ms (), NULL, NULL);
  if (reply != NULL)
    g_variant_get (reply, "(b)", &has_owner);
  return has_owner;
}

LtTestNotifications *
lt_test_notifications_start (GSubprocessLauncher *launcher,
                             GDBusConnection     *connection)
{
  LtTestNotifications *self = g_new0 (LtTestNotifications, 1);
  g_autoptr(GError) error = NULL;

  self->connection = g_object_ref (connection);
  /* Debian's python3, where python3-dbusmock is installed. */
  self->mock = g_subprocess_launcher_spawn (launcher, &error, "/usr/bin/python3", "-m",
                                            "dbusmock", "--template", "notification_daemon",
                                            NULL);
  g_assert_no_error (error);
  lt_test_wait_until (service_is_up (self), "the mock notification service on the bus");
  return self;
}

void
lt_test_notifications_free (LtTestNotifications *self)
{
  g_subprocess_force_exit (self->mock);
  g_subprocess_wait (self->mock, NULL, NULL);
  g_clear_object (&self->mock);
  g_clear_object (&self->connection);
  g_free (self);
}

/* The arguments of every recorded call of @method, oldest first. */
static GVariant *
method_calls (LtTestNotifications *self,
              const char          *method)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;

  reply = g_dbus_connection_call_sync (self->connection, NOTIFICATIONS_NAME, NOTIFICATIONS_PATH,
                                       MOCK_INTERFACE, "GetMethodCalls",
                                       g_variant_new ("(s)", method),
                                       G_VARIANT_TYPE ("(a(tav))"), G_DBUS_CALL_FLAGS_NONE,
                                       call_timeout_ms (), NULL, &error);
  g_assert_no_error (error);
  return g_variant_get_child_value (reply, 0);
}

/* How many times @method has been called so far. */
guint
lt_test_notifications_count (LtTestNotifications *self,
                             const char          *method)
{
  g_autoptr(GVariant) calls = method_calls (self, method);

  return g_variant_n_children (calls);
}

/* The call's arguments, unboxed from av into a tuple. */
static GVariant *
call_arguments (GVariant *calls,
                guint     index)
{
  g_autoptr(GVariant) call = g_variant_get_child_value (calls, index);
  g_autoptr(GVariant) args = g_variant_get_child_value (call, 1);
  GVariantBuilder tuple;

  g_variant_builder_init (&tuple, G_VARIANT_TYPE_TUPLE);
  for (gsize i = 0; i < g_variant_n_children (args); i++)
    {
      g_autoptr(GVariant) boxed = g_variant_get_child_value (args, i);
      g_autoptr(GVariant) value = g_variant_get_variant (boxed);

      g_variant_builder_add_value (&tuple, value);
    }
  return g_variant_ref_sink (g_variant_builder_end (&tuple));
}

/**
 * lt_test_notifications_wait_call_at:
 *
 * Waits until @method has been called @count times, and returns the
 * arguments of the @count-th call as a tuple.
 */
GVariant *
lt_test_notifications_wait_call_at (LT_TEST_LOCATION,
                                    LtTestNotifications *self,
                                    const char          *method,
                                    guint                count)
{
  gint64 deadline = lt_test_deadline (LT_TEST_TIMEOUT_MS);
  g_autoptr(GVariant) calls = NULL;

  for (calls = method_calls (self, method); g_variant_n_children (calls) < count;
       calls = method_calls (self, method))
    {
      if (g_get_monotonic_time () > deadline)
        lt_test_fail_at (file, line, func, "Expected %u %s calls within %d ms; got %zu", count,
                         method, LT_TEST_TIMEOUT_MS, g_variant_n_children (calls));
      g_variant_unref (calls);
      lt_test_iterate (g_get_monotonic_time () + 10 * 1000);
    }
  return call_arguments (calls, count - 1);
}

/* Notify (app_name, replaces_id, app_icon, summary, body, actions,
 * hints, expire_timeout): the @count-th call. */
void
lt_test_notifications_wait_notify_at (LT_TEST_LOCATION,
                                      LtTestNotifications *self,
                                      guint                count,
                                      LtTestNotify        *notify)
{
  g_autoptr(GVariant) args = lt_test_notifications_wait_call_at (file, line, func, self,
                                                                 "Notify", count);
  g_autoptr(GVariant) hints = NULL;
  g_autofree const char **actions = NULL;

  g_variant_get (args, "(&su&sss^a&s@a{sv}i)", NULL, &notify->replaces_id, NULL,
                 &notify->summary, &notify->body, &actions, &hints, NULL);
  notify->has_default_action = g_strv_contains (actions, "default");
  g_variant_lookup (hints, "desktop-entry", "s", &notify->desktop_entry);
}

/* CloseNotification (id): the @count-th call's id.  dbusmock records
 * some integers with the type its Python code gave them rather than
 * the method's signature: take u or i. */
guint32
lt_test_notifications_wait_close_at (LT_TEST_LOCATION,
                                     LtTestNotifications *self,
                                     guint                count)
{
  g_autoptr(GVariant) args = lt_test_notifications_wait_call_at (file, line, func, self,
                                                                 "CloseNotification", count);
  g_autoptr(GVariant) id = g_variant_get_child_value (args, 0);

  if (g_variant_is_of_type (id, G_VARIANT_TYPE_INT32))
    return g_variant_get_int32 (id);
  return g_variant_get_uint32 (id);
}

/* Makes the service emit @name (@id, @argument), as ActionInvoked and
 * ActivationToken are. */
void
lt_test_notifications_emit (LtTestNotifications *self,
                            const char          *name,
                            guint32              id,
                            const char          *argument)
{
  lt_test_dbusmock_emit (self->connection, NOTIFICATIONS_NAME, NOTIFICATIONS_PATH,
                         NOTIFICATIONS_NAME, name, g_variant_new ("(us)", id, argument));
}
