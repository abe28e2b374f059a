/* SPDX-License-Identifier: GPL-3.0-or-later */
/* LtDaemonNotifier: one desktop notification per conversation, through
 * libnotify, without ever blocking the daemon's main loop.
 *
 * notify_notification_show() and _close() are blocking D-Bus calls, so
 * every libnotify call runs on a thread of the notifier's own, which
 * runs a main context of its own: libnotify's proxy to the
 * notification service is created there, so its ActionInvoked and
 * NotificationClosed signals are dispatched there too, and the
 * "activated" signal is handed back to the main loop. */
#include "config.h"

#include "lt-daemon-notifier.h"

#include <glib/gi18n.h>
#include <libnotify/notify.h>

/* Characters of a message shown in a notification's body. */
#define BODY_CHARS 200

struct _LtDaemonNotifier
{
  GObject parent_instance;

  char *app_id;
  GMainContext *main_context; /* where "activated" is emitted */
  GMainContext *worker_context;
  GMainLoop *worker_loop;
  GThread *thread;

  /* Worker thread only: conversation → NotifyNotification. */
  GHashTable *notifications;
};

enum {
  SIGNAL_ACTIVATED,
  SIGNAL_ACTION,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (LtDaemonNotifier, lt_daemon_notifier, G_TYPE_OBJECT)

typedef struct
{
  LtDaemonNotifier *notifier; /* not owned: joined before it goes */
  char *conversation; /* the notification's key */
  char *summary; /* NULL: withdraw */
  char *body;
  char *chat; /* a file's: the conversation its default action opens */
} Job;

static void
job_free (Job *job)
{
  g_free (job->conversation);
  g_free (job->chat);
  g_free (job->summary);
  g_free (job->body);
  g_free (job);
}

/* The body is markup for servers that support it: escape the text, and
 * keep it short. */
static char *
body_from_text (const char *text)
{
  g_autofree char *shortened = NULL;

  if (g_utf8_strlen (text, -1) <= BODY_CHARS)
    return g_markup_escape_text (text, -1);

  shortened = g_utf8_substring (text, 0, BODY_CHARS - 1);
  return g_markup_printf_escaped ("%s…", shortened);
}

typedef struct
{
  LtDaemonNotifier *notifier;
  char *conversation;
  char *activation_token;
  char *action; /* a file's "accept" or "reject"; NULL for the default */
} Activation;

static gboolean
emit_activated (gpointer user_data)
{
  Activation *activation = user_data;

  if (activation->action != NULL)
    g_signal_emit (activation->notifier, signals[SIGNAL_ACTION], 0, activation->conversation,
                   activation->action);
  else
    g_signal_emit (activation->notifier, signals[SIGNAL_ACTIVATED], 0, activation->conversation,
                   activation->activation_token);
  return G_SOURCE_REMOVE;
}

static void
activation_free (Activation *activation)
{
  g_object_unref (activation->notifier);
  g_free (activation->conversation);
  g_free (activation->activation_token);
  g_free (activation->action);
  g_free (activation);
}

/* Worker thread: Accept or Reject on a file's notification. */
static void
on_file_action (NotifyNotification *notification,
                char               *action,
                gpointer            user_data)
{
  LtDaemonNotifier *self = g_object_get_data (G_OBJECT (notification), "lt-notifier");
  Activation *activation = g_new0 (Activation, 1);

  activation->notifier = g_object_ref (self);
  activation->conversation = g_strdup (user_data);
  activation->action = g_strdup (action);
  g_main_context_invoke_full (self->main_context, G_PRIORITY_DEFAULT, emit_activated, activation,
                              (GDestroyNotify) activation_free);
}

/* Worker thread: the person clicked the notification. */
static void
on_default_action (NotifyNotification *notification,
                   char               *action,
                   gpointer            user_data)
{
  LtDaemonNotifier *self = g_object_get_data (G_OBJECT (notification), "lt-notifier");
  Activation *activation = g_new0 (Activation, 1);

  activation->notifier = g_object_ref (self);
  activation->conversation = g_strdup (user_data);
  /* Only valid during this callback. */
  activation->activation_token = g_strdup (notify_notification_get_activation_token (notification));
  g_main_context_invoke_full (self->main_context, G_PRIORITY_DEFAULT, emit_activated, activation,
                              (GDestroyNotify) activation_free);
}

/* Worker thread: closed by the person or the server; forget it. */
static void
on_closed (NotifyNotification *notification,
           gpointer            user_data)
{
  LtDaemonNotifier *self = user_data;
  const char *conversation = g_object_get_data (G_OBJECT (notification), "lt-conversation");

  if (g_hash_table_lookup (self->notifications, conversation) == notification)
    g_hash_table_remove (self->notifications, conversation);
}

static NotifyNotification *
new_notification (LtDaemonNotifier *self,
                  const Job        *job)
{
  NotifyNotification *notification = notify_notification_new (job->summary, job->body, NULL);

  g_object_set_data_full (G_OBJECT (notification), "lt-conversation",
                          g_strdup (job->conversation), g_free);
  g_object_set_data (G_OBJECT (notification), "lt-notifier", self);
  notify_notification_set_hint (notification, "desktop-entry",
                                g_variant_new_string (self->app_id));
  notify_notification_set_category (notification, job->chat != NULL ? "transfer"
                                                                     : "im.received");
  notify_notification_add_action (notification, "default", _("Open"), on_default_action,
                                  g_strdup (job->chat != NULL ? job->chat : job->conversation),
                                  g_free);
  if (job->chat != NULL)
    {
      notify_notification_add_action (notification, "accept", _("Accept"), on_file_action,
                                      g_strdup (job->conversation), g_free);
      notify_notification_add_action (notification, "reject", _("Reject"), on_file_action,
                                      g_strdup (job->conversation), g_free);
    }
  g_signal_connect (notification, "closed", G_CALLBACK (on_closed), self);
  g_hash_table_insert (self->notifications, g_strdup (job->conversation), notification);
  return notification;
}

/* Worker thread: a conversation's notification, updated in place. */
static void
show (LtDaemonNotifier *self,
      const Job        *job)
{
  NotifyNotification *notification = g_hash_table_lookup (self->notifications,
                                                          job->conversation);
  g_autoptr(GError) error = NULL;

  if (notification != NULL)
    notify_notification_update (notification, job->summary, job->body, NULL);
  else
    notification = new_notification (self, job);

  if (!notify_notification_show (notification, &error))
    g_message ("Could not show a notification: %s", error->message);
}

static void
withdraw (LtDaemonNotifier *self,
          const Job        *job)
{
  NotifyNotification *notification = g_hash_table_lookup (self->notifications,
                                                          job->conversation);
  g_autoptr(GError) error = NULL;

  if (notification == NULL)
    return;

  if (!notify_notification_close (notification, &error))
    g_message ("Could not withdraw a notification: %s", error->message);
  g_hash_table_remove (self->notifications, job->conversation);
}

static gboolean
run_job (gpointer user_data)
{
  Job *job = user_data;

  if (job->summary != NULL)
    show (job->notifier, job);
  else
    withdraw (job->notifier, job);
  return G_SOURCE_REMOVE;
}

static gpointer
notifier_thread (gpointer user_data)
{
  LtDaemonNotifier *self = user_data;

  g_main_context_push_thread_default (self->worker_context);
  notify_init ("liaotiand");

  g_main_loop_run (self->worker_loop);

  /* libnotify's proxy belongs to this thread's context: let it go with
   * the thread (one notifier per process at a time). */
  g_clear_pointer (&self->notifications, g_hash_table_unref);
  notify_uninit ();
  g_main_context_pop_thread_default (self->worker_context);
  return NULL;
}

static void
queue_job (LtDaemonNotifier *self,
           Job              *job)
{
  job->notifier = self;
  g_main_context_invoke_full (self->worker_context, G_PRIORITY_DEFAULT, run_job, job,
                              (GDestroyNotify) job_free);
}

/* @chat: (nullable): a file's conversation, NULL for a message's */
static void
queue_show (LtDaemonNotifier *self,
            const char       *key,
            const char       *chat,
            const char       *summary,
            const char       *text)
{
  Job *job = g_new0 (Job, 1);

  job->conversation = g_strdup (key);
  job->chat = g_strdup (chat);
  job->summary = g_strdup (summary);
  job->body = body_from_text (text);
  queue_job (self, job);
}

/**
 * lt_daemon_notifier_show:
 * @conversation: the conversation the notification stands for
 * @summary: e.g. the sender's nickname
 * @text: the message, plain text (escaped and shortened here)
 *
 * Shows the conversation's notification, or updates it in place.
 */
void
lt_daemon_notifier_show (LtDaemonNotifier *self,
                         const char       *conversation,
                         const char       *summary,
                         const char       *text)
{
  g_return_if_fail (LT_IS_DAEMON_NOTIFIER (self));

  queue_show (self, conversation, NULL, summary, text);
}

/**
 * lt_daemon_notifier_show_file:
 * @key: the notification's own key, e.g. "file:42"
 * @conversation: what its default action opens
 * @summary: e.g. the sender's nickname
 * @text: plain text (escaped and shortened here)
 *
 * Shows a notification with Accept and Reject, which emit "action"
 * with @key.  Withdrawn with lt_daemon_notifier_withdraw (@key).
 */
void
lt_daemon_notifier_show_file (LtDaemonNotifier *self,
                              const char       *key,
                              const char       *conversation,
                              const char       *summary,
                              const char       *text)
{
  g_return_if_fail (LT_IS_DAEMON_NOTIFIER (self));

  queue_show (self, key, conversation, summary, text);
}

/* Closes the conversation's notification, if it has one. */
void
lt_daemon_notifier_withdraw (LtDaemonNotifier *self,
                             const char       *conversation)
{
  Job *job = g_new0 (Job, 1);

  g_return_if_fail (LT_IS_DAEMON_NOTIFIER (self));

  job->conversation = g_strdup (conversation);
  queue_job (self, job);
}

/**
 * lt_daemon_notifier_new:
 * @app_id: the application whose notifications these are, for the
 *   desktop-entry hint (org.liaotian.Liaotian)
 */
LtDaemonNotifier *
lt_daemon_notifier_new (const char *app_id)
{
  LtDaemonNotifier *self = g_object_new (LT_TYPE_DAEMON_NOTIFIER, NULL);

  self->app_id = g_strdup (app_id);
  self->main_context = g_main_context_ref_thread_default ();
  self->worker_context = g_main_context_new ();
  self->worker_loop = g_main_loop_new (self->worker_context, FALSE);
  self->notifications = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->thread = g_thread_new ("lt-notifier", notifier_thread, self);
  return self;
}

static gboolean
quit_worker (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_REMOVE;
}

static void
lt_daemon_notifier_finalize (GObject *object)
{
  LtDaemonNotifier *self = LT_DAEMON_NOTIFIER (object);

  /* Jobs queued before this one still run: nothing asked is lost. */
  g_main_context_invoke (self->worker_context, quit_worker, self->worker_loop);
  g_thread_join (self->thread);

  g_clear_pointer (&self->worker_loop, g_main_loop_unref);
  g_clear_pointer (&self->worker_context, g_main_context_unref);
  g_clear_pointer (&self->main_context, g_main_context_unref);
  g_clear_pointer (&self->app_id, g_free);

  G_OBJECT_CLASS (lt_daemon_notifier_parent_class)->finalize (object);
}

static void
lt_daemon_notifier_class_init (LtDaemonNotifierClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = lt_daemon_notifier_finalize;

  /**
   * LtDaemonNotifier::activated:
   * @conversation: the conversation whose notification was clicked
   * @activation_token: (nullable): the notification service's token for
   *   the window to open, to pass on as platform data
   *
   * Emitted on the main loop of the thread that made the notifier.
   */
  signals[SIGNAL_ACTIVATED] = g_signal_new ("activated", G_TYPE_FROM_CLASS (klass),
                                            G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE,
                                            2, G_TYPE_STRING, G_TYPE_STRING);
  /**
   * LtDaemonNotifier::action:
   * @key: the key of the notification (lt_daemon_notifier_show_file())
   * @action: "accept" or "reject"
   *
   * Emitted on the main loop of the thread that made the notifier.
   */
  signals[SIGNAL_ACTION] = g_signal_new ("action", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                         0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING,
                                         G_TYPE_STRING);
}

static void
lt_daemon_notifier_init (LtDaemonNotifier *self)
{
}
