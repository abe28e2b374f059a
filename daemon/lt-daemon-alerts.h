/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "lt-daemon.h"
#include "lt-daemon-transfers.h"

G_BEGIN_DECLS

#define LT_TYPE_DAEMON_ALERTS (lt_daemon_alerts_get_type ())
G_DECLARE_FINAL_TYPE (LtDaemonAlerts, lt_daemon_alerts, LT, DAEMON_ALERTS, GObject)

LtDaemonAlerts *lt_daemon_alerts_new (LtDaemon        *daemon,
                                      GSettings       *settings,
                                      GDBusConnection *bus);

void lt_daemon_alerts_set_transfers (LtDaemonAlerts    *self,
                                     LtDaemonTransfers *transfers);
gboolean lt_daemon_alerts_text_mentions (const char *text,
                                         const char *name);

G_END_DECLS
