/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "lt-chat1-generated.h"
#include "lt-daemon.h"
#include "lt-daemon-transfers.h"

G_BEGIN_DECLS

#define LT_TYPE_DAEMON_SERVICE (lt_daemon_service_get_type ())
G_DECLARE_FINAL_TYPE (LtDaemonService, lt_daemon_service, LT, DAEMON_SERVICE, LtChat1Skeleton)

LtDaemonService *lt_daemon_service_new (LtDaemon  *daemon,
                                        GSettings *settings);
LtDaemonTransfers *lt_daemon_service_get_transfers (LtDaemonService *self);

G_END_DECLS
