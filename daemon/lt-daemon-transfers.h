/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "lt-daemon.h"

G_BEGIN_DECLS

#define LT_TYPE_DAEMON_TRANSFERS (lt_daemon_transfers_get_type ())
G_DECLARE_FINAL_TYPE (LtDaemonTransfers, lt_daemon_transfers, LT, DAEMON_TRANSFERS, GObject)

LtDaemonTransfers *lt_daemon_transfers_new (LtDaemon *daemon);

void lt_daemon_transfers_send_file_async (LtDaemonTransfers  *self,
                                          const char         *to,
                                          const char         *path,
                                          GCancellable       *cancellable,
                                          GAsyncReadyCallback callback,
                                          gpointer            user_data);
guint64 lt_daemon_transfers_send_file_finish (LtDaemonTransfers *self,
                                              GAsyncResult      *result,
                                              GError           **error);
void lt_daemon_transfers_accept_file_async (LtDaemonTransfers  *self,
                                            guint64             file_id,
                                            const char         *destination_dir,
                                            GCancellable       *cancellable,
                                            GAsyncReadyCallback callback,
                                            gpointer            user_data);
guint64 lt_daemon_transfers_accept_file_finish (LtDaemonTransfers *self,
                                                GAsyncResult      *result,
                                                GError           **error);
void lt_daemon_transfers_reject_file_async (LtDaemonTransfers  *self,
                                            guint64             file_id,
                                            GCancellable       *cancellable,
                                            GAsyncReadyCallback callback,
                                            gpointer            user_data);
gboolean lt_daemon_transfers_reject_file_finish (LtDaemonTransfers *self,
                                                 GAsyncResult      *result,
                                                 GError           **error);
void lt_daemon_transfers_list_files_async (LtDaemonTransfers  *self,
                                           const char         *with,
                                           GCancellable       *cancellable,
                                           GAsyncReadyCallback callback,
                                           gpointer            user_data);
GVariant *lt_daemon_transfers_list_files_finish (LtDaemonTransfers *self,
                                                 GAsyncResult      *result,
                                                 GError           **error);
GVariant *lt_daemon_transfers_list (LtDaemonTransfers *self,
                                    GError           **error);
gboolean lt_daemon_transfers_cancel (LtDaemonTransfers *self,
                                     guint64            transfer_id,
                                     GError           **error);
char *lt_daemon_transfers_default_destination (void);

G_END_DECLS
