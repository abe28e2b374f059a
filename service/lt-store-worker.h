/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "lt-store.h"

G_BEGIN_DECLS

/**
 * LtStoreJobFunc:
 * @store: the store, used only from the worker thread
 * @data: the job's data
 * @error: set when the job fails; its writes are then rolled back
 *
 * Runs in the worker thread inside a transaction shared with other
 * jobs, under a savepoint of its own.
 *
 * Returns: the job's result, or %NULL (with @error set on failure)
 */
typedef gpointer (*LtStoreJobFunc) (LtStore  *store,
                                    gpointer  data,
                                    GError  **error);

#define LT_TYPE_STORE_WORKER (lt_store_worker_get_type ())
G_DECLARE_FINAL_TYPE (LtStoreWorker, lt_store_worker, LT, STORE_WORKER, GObject)

LtStoreWorker *lt_store_worker_new (LtStore *store,
                                    guint    max_pending);
void lt_store_worker_run_async (LtStoreWorker      *self,
                                LtStoreJobFunc      func,
                                gpointer            data,
                                GDestroyNotify      data_free,
                                GDestroyNotify      result_free,
                                GCancellable       *cancellable,
                                GAsyncReadyCallback callback,
                                gpointer            user_data);
gpointer lt_store_worker_run_finish (LtStoreWorker *self,
                                     GAsyncResult  *result,
                                     GError       **error);
void lt_store_worker_shutdown_async (LtStoreWorker      *self,
                                     GAsyncReadyCallback callback,
                                     gpointer            user_data);
gboolean lt_store_worker_shutdown_finish (LtStoreWorker *self,
                                          GAsyncResult  *result,
                                          GError       **error);

G_END_DECLS
