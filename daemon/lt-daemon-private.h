/* SPDX-License-Identifier: GPL-3.0-or-later */
/* LtDaemon's insides, for the parts of it kept in files of their own
 * (lt-daemon-catch-up.c).  Not for its users: they have lt-daemon.h. */
#pragma once

#include "lt-daemon.h"
#include "lt-daemon-connection.h"

G_BEGIN_DECLS

struct _LtDaemon
{
  GObject parent_instance;

  char *server;
  LtDaemonState state;
  char *username; /* "" while offline */
  char *nickname;
  char *password; /* in memory only, while (re)connecting or logged in */
  char *last_error;

  LtDaemonConnection *connection;
  gboolean use_tls;
  char *tls_ca_file; /* "" for the system's authorities */
  GTlsDatabase *tls_database; /* NULL: the system's */
  GError *tls_error; /* why tls_ca_file could not be read */
  GCancellable *attempt; /* the connect and login under way */
  GTask *login_task; /* a Login waiting for its first attempt */
  guint retry_id;
  guint retry_delay_ms;
  guint max_retry_delay_ms;
  GNetworkMonitor *network_monitor;
  GDBusConnection *system_bus;
  guint sleep_subscription;

  /* The logged-in user's local cache and outbox, from login to logout. */
  LtDaemonCache *cache;
  GHashTable *in_flight; /* local ids sent on this connection, unanswered */
  guint stores_pending; /* received messages on their way into the cache */
  char *focused; /* the conversation a person is looking at, or "" */
  /* Per conversation, the newest id this connection knows of (0: none
   * at all), from its live messages and its history pages from the
   * newest; see follow_tail(). */
  GHashTable *tails;

  /* The catch-up after a login: the push of offline messages and the
   * room messages missed while away.  catch_up_parts counts the push
   * (while catch_up_left of its messages are still to come) and each
   * room still being fetched; catch_up_serial tells this login's from
   * an earlier one's, whose stores may still be completing. */
  guint catch_up_left;
  guint push_quiet_id; /* ends the push part if it stops short */
  guint catch_up_parts;
  guint catch_up_serial;
  gboolean catching_up;
};

void _lt_daemon_set_catching_up (LtDaemon *self,
                                 gboolean  catching_up);
void _lt_daemon_finish_catch_up_part (LtDaemon *self,
                                      guint     serial);
void _lt_daemon_raise_tail (LtDaemon   *self,
                            const char *conversation,
                            gint64      id);
void _lt_daemon_store_message_full (LtDaemon   *self,
                                    JsonObject *params,
                                    gboolean    ends_catch_up_part);

/* lt-daemon-catch-up.c */
void _lt_daemon_catch_up_rooms (LtDaemon   *self,
                                JsonObject *reply);

G_END_DECLS
