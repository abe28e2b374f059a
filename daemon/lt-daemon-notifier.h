/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define LT_TYPE_DAEMON_NOTIFIER (lt_daemon_notifier_get_type ())
G_DECLARE_FINAL_TYPE (LtDaemonNotifier, lt_daemon_notifier, LT, DAEMON_NOTIFIER, GObject)

LtDaemonNotifier *lt_daemon_notifier_new (const char *app_id);
void lt_daemon_notifier_show (LtDaemonNotifier *self,
                              const char       *conversation,
                              const char       *summary,
                              const char       *text);
void lt_daemon_notifier_show_file (LtDaemonNotifier *self,
                                   const char       *key,
                                   const char       *conversation,
                                   const char       *summary,
                                   const char       *text);
void lt_daemon_notifier_withdraw (LtDaemonNotifier *self,
                                  const char       *conversation);

G_END_DECLS
