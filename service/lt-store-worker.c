/* SPDX-License-Identifier: GPL-3.0-or-later */
/* LtStoreWorker: runs LtStore jobs on one thread of its own, so that
 * neither SQL nor fsync ever blocks the main loop.
 *
 * Group commit: the thread takes every job that is waiting (up to
 * MAX_BATCH), runs them in one transaction with a savepoint each, and
 * commits once.  Only after that COMMIT are the jobs' results handed
 * back to the main loop, in one dispatch for the whole batch; so a
 * message is acknowledged only once it is durable, and while one batch
 * is being synced to disk the next one gathers. */
#include "config.h"

#include "lt-store-worker.h"
#include "lt-protocol.h"

#define MAX_BATCH 1024

typedef struct
{
  GTask *task;
  LtStoreJobFunc func;
  gpointer data; /* the task's data: it lives as long as the task */
  GDestroyNotify result_free;
  gpointer result;
  GError *error;
} Job;

struct _LtStoreWorker
{
  GObject parent_instance;

  LtStore *store;
  GMainContext *context;
  GThread *thread;
  GAsyncQueue *jobs;
  GTask *shutdown_task;
  guint max_pending;
};

G_DEFINE_FINAL_TYPE (LtStoreWorker, lt_store_worker, G_TYPE_OBJECT)

/* Queued to stop the thread once every job before it is done. */
static Job stop_job;

static void
job_free (Job *job)
{
  if (job->result_free != NULL)
    g_clear_pointer (&job->result, job->result_free);
  g_clear_error (&job->error);
  g_clear_object (&job->task);
  g_free (job);
}

static void
run_job (LtStore *store,
         Job     *job)
{
  g_autoptr(GError) error = NULL;

  if (!lt_store_savepoint (store, &job->error))
    return;

  job->result = job->func (store, job->data, &error);
  if (error != NULL)
    {
      lt_store_rollback_to_savepoint (store);
      if (job->result_free != NULL)
        g_clear_pointer (&job->result, job->result_free);
      job->error = g_steal_pointer (&error);
    }
  else if (!lt_store_release_savepoint (store, &job->error))
    {
      lt_store_rollback_to_savepoint (store);
    }
}

/* A failed COMMIT fails every job of the batch: none of them happened. */
static void
fail_batch (GPtrArray    *batch,
            const GError *error)
{
  for (guint i = 0; i < batch->len; i++)
    {
      Job *job = g_ptr_array_index (batch, i);

      if (job->result_free != NULL)
        g_clear_pointer (&job->result, job->result_free);
      g_clear_error (&job->error);
      job->error = g_error_new (LT_PROTOCOL_ERROR, LT_PROTOCOL_ERROR_INTERNAL_ERROR,
                                "Storage failed: %s", error->message);
    }
}

static void
run_batch (LtStoreWorker *self,
           GPtrArray     *batch)
{
  g_autoptr(GError) error = NULL;

  if (!lt_store_begin (self->store, &error))
    {
      g_warning ("Could not begin a transaction: %s", error->message);
      fail_batch (batch, error);
      return;
    }

  for (guint i = 0; i < batch->len; i++)
    run_job (self->store, g_ptr_array_index (batch, i));

  if (!lt_store_commit (self->store, &error))
    {
      g_warning ("Could not commit %u jobs: %s", batch->len, error->message);
      lt_store_rollback (self->store);
      fail_batch (batch, error);
    }
}

/* On the main thread: hand each job's outcome to its task. */
static gboolean
complete_batch (gpointer user_data)
{
  GPtrArray *batch = user_data;

  for (guint i = 0; i < batch->len; i++)
    {
      Job *job = g_ptr_array_index (batch, i);

      if (job->error != NULL)
        g_task_return_error (job->task, g_steal_pointer (&job->error));
      else
        g_task_return_pointer (job->task, g_steal_pointer (&job->result), job->result_free);
    }

  return G_SOURCE_REMOVE;
}

static gboolean
complete_shutdown (gpointer user_data)
{
  LtStoreWorker *self = user_data;
  g_autoptr(GTask) task = g_steal_pointer (&self->shutdown_task);

  g_thread_join (g_steal_pointer (&self->thread));
  g_task_return_boolean (task, TRUE);
  return G_SOURCE_REMOVE;
}

/* Waits for the first job, then takes whatever else is already queued. */
static gboolean
take_batch (GAsyncQueue *jobs,
            GPtrArray   *batch)
{
  Job *job = g_async_queue_pop (jobs);

  while (job != NULL && job != &stop_job)
    {
      g_ptr_array_add (batch, job);
      if (batch->len == MAX_BATCH)
        return TRUE;
      job = g_async_queue_try_pop (jobs);
    }

  return job == NULL;
}

static gpointer
worker_thread (gpointer user_data)
{
  LtStoreWorker *self = user_data;
  gboolean running = TRUE;

  while (running)
    {
      GPtrArray *batch = g_ptr_array_new_with_free_func ((GDestroyNotify) job_free);

      running = take_batch (self->jobs, batch);
      if (batch->len > 0)
        run_batch (self, batch);
      g_main_context_invoke_full (self->context, G_PRIORITY_DEFAULT, complete_batch, batch,
                                  (GDestroyNotify) g_ptr_array_unref);
    }

  /* Read after the stop job was taken, so after it was queued: set by
   * lt_store_worker_shutdown_async(), unset when finalize stops us. */
  if (self->shutdown_task != NULL)
    g_main_context_invoke (self->context, complete_shutdown, self);
  return NULL;
}

/**
 * lt_store_worker_new:
 * @store: the store; from now on used only by the worker thread
 * @max_pending: how many jobs may wait before new ones are refused
 *   with LT_PROTOCOL_ERROR_RATE_LIMITED (the server is overloaded)
 *
 * Starts the worker thread; results are returned to the thread-default
 * main context of the caller.
 */
LtStoreWorker *
lt_store_worker_new (LtStore *store,
                     guint    max_pending)
{
  LtStoreWorker *self;

  g_return_val_if_fail (LT_IS_STORE (store), NULL);

  self = g_object_new (LT_TYPE_STORE_WORKER, NULL);
  self->store = g_object_ref (store);
  self->max_pending = max_pending;
  self->context = g_main_context_ref_thread_default ();
  self->jobs = g_async_queue_new ();
  self->thread = g_thread_new ("lt-store", worker_thread, self);
  return self;
}

void
lt_store_worker_run_async (LtStoreWorker      *self,
                           LtStoreJobFunc      func,
                           gpointer            data,
                           GDestroyNotify      data_free,
                           GDestroyNotify      result_free,
                           GCancellable       *cancellable,
                           GAsyncReadyCallback callback,
                           gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;
  Job *job;

  g_return_if_fail (LT_IS_STORE_WORKER (self));
  g_return_if_fail (func != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, lt_store_worker_run_async);
  /* Owned by the task, not the job: the caller's callback may still read
   * it when GTask defers the callback past the job's end. */
  g_task_set_task_data (task, data, data_free);

  if (self->shutdown_task != NULL || self->thread == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CLOSED, "The store is shutting down");
      return;
    }

  /* The length is negative while the thread waits for work. */
  if (g_async_queue_length (self->jobs) >= (gint) self->max_pending)
    {
      g_task_return_new_error (task, LT_PROTOCOL_ERROR, LT_PROTOCOL_ERROR_RATE_LIMITED,
                               "The server is busy, try again later");
      return;
    }

  job = g_new0 (Job, 1);
  job->task = g_steal_pointer (&task);
  job->func = func;
  job->data = data;
  job->result_free = result_free;
  g_async_queue_push (self->jobs, job);
}

/**
 * lt_store_worker_run_finish:
 *
 * Returns: (transfer full): the job's result; %NULL with @error set on
 *   failure, or %NULL without an error for a job that returns nothing
 */
gpointer
lt_store_worker_run_finish (LtStoreWorker *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * lt_store_worker_shutdown_async:
 *
 * Lets every queued job finish and commit, then stops the thread.  Jobs
 * queued after this call fail with G_IO_ERROR_CLOSED.
 */
void
lt_store_worker_shutdown_async (LtStoreWorker      *self,
                                GAsyncReadyCallback callback,
                                gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (LT_IS_STORE_WORKER (self));

  task = g_task_new (self, NULL, callback, user_data);
  g_task_set_source_tag (task, lt_store_worker_shutdown_async);

  if (self->thread == NULL || self->shutdown_task != NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PENDING, "Already shutting down");
      return;
    }

  self->shutdown_task = g_steal_pointer (&task);
  g_async_queue_push (self->jobs, &stop_job);
}

gboolean
lt_store_worker_shutdown_finish (LtStoreWorker *self,
                                 GAsyncResult  *result,
                                 GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
lt_store_worker_finalize (GObject *object)
{
  LtStoreWorker *self = LT_STORE_WORKER (object);

  /* Never shut down, e.g. a server that could not start: no job is
   * queued, as each holds a reference, so the thread just stops. */
  if (self->thread != NULL)
    {
      g_async_queue_push (self->jobs, &stop_job);
      g_thread_join (g_steal_pointer (&self->thread));
    }

  g_clear_pointer (&self->jobs, g_async_queue_unref);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (lt_store_worker_parent_class)->finalize (object);
}

static void
lt_store_worker_class_init (LtStoreWorkerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = lt_store_worker_finalize;
}

static void
lt_store_worker_init (LtStoreWorker *self)
{
}
