/* SPDX-License-Identifier: GPL-3.0-or-later */
/* lt-test-notifications.h: a real org.freedesktop.Notifications service
 * for tests — python3-dbusmock's notification_daemon template — whose
 * recorded calls are read back, and whose signals (ActionInvoked,
 * ActivationToken) a test makes it emit.  Every wait is bounded and a
 * failure names the test line and what came instead. */
#pragma once

#include "lt-test-utils.h"

G_BEGIN_DECLS

typedef struct _LtTestNotifications LtTestNotifications;

/* One Notify call as the service received it. */
typedef struct
{
  guint32 replaces_id;
  char *summary;
  char *body;
  gboolean has_default_action;
  char *desktop_entry;
} LtTestNotify;

void lt_test_notify_clear (LtTestNotify *notify);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (LtTestNotify, lt_test_notify_clear)

/* Starts the service with @launcher's environment (its bus) and waits
 * until it owns its name on @connection. */
LtTestNotifications *lt_test_notifications_start (GSubprocessLauncher *launcher,
                                                  GDBusConnection     *connection);
void lt_test_notifications_free (LtTestNotifications *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LtTestNotifications, lt_test_notifications_free)

guint lt_test_notifications_count (LtTestNotifications *self,
                                   const char          *method);
GVariant *lt_test_notifications_wait_call_at (LT_TEST_LOCATION,
                                              LtTestNotifications *self,
                                              const char          *method,
                                              guint                count);
void lt_test_notifications_wait_notify_at (LT_TEST_LOCATION,
                                           LtTestNotifications *self,
                                           guint                count,
                                           LtTestNotify        *notify);
guint32 lt_test_notifications_wait_close_at (LT_TEST_LOCATION,
                                             LtTestNotifications *self,
                                             guint                count);
void lt_test_notifications_emit (LtTestNotifications *self,
                                 const char          *name,
                                 guint32              id,
                                 const char          *argument);

#define lt_test_notifications_wait_call(self, method, count) \
  lt_test_notifications_wait_call_at (LT_TEST_HERE, (self), (method), (count))
#define lt_test_notifications_wait_notify(self, count, notify) \
  lt_test_notifications_wait_notify_at (LT_TEST_HERE, (self), (count), (notify))
#define lt_test_notifications_wait_close(self, count) \
  lt_test_notifications_wait_close_at (LT_TEST_HERE, (self), (count))

G_END_DECLS
