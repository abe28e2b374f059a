/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The load generator's engine: many non-blocking client sockets to
 * 127.0.0.1 on one epoll loop, frames cut at newlines and scanned,
 * writes coalesced per client and flushed once per loop iteration, and
 * logins paced by a window so the server's hashing queue never
 * overflows. */
#pragma once

#include <glib.h>

#include "lt-bench-scan.h"

G_BEGIN_DECLS

#define LTB_USER_PREFIX "bench"
#define LTB_PASSWORD "lt-bench-password"

#define LTB_NS_PER_MS G_GINT64_CONSTANT (1000000)
#define LTB_NS_PER_SECOND G_GINT64_CONSTANT (1000000000)

/* Request ids carry what the request was and a payload: the user number
 * for register, the send time in µs for send, a sequence number
 * otherwise. */
typedef enum
{
  LTB_REQUEST_LOGIN = 1,
  LTB_REQUEST_REGISTER,
  LTB_REQUEST_SEND,
  LTB_REQUEST_ACK,
} LtbRequestKind;

#define LTB_REQUEST_KIND_BITS 3
#define LTB_REQUEST_KIND(id) ((LtbRequestKind) ((id) & ((1 << LTB_REQUEST_KIND_BITS) - 1)))
#define LTB_REQUEST_PAYLOAD(id) ((guint64) (id) >> LTB_REQUEST_KIND_BITS)

typedef enum
{
  LTB_CLIENT_CONNECTING, /* until hello */
  LTB_CLIENT_CONNECTED,
  LTB_CLIENT_LOGGING_IN,
  LTB_CLIENT_LOGGED_IN,
  LTB_CLIENT_CLOSED,
} LtbClientState;

typedef struct _LtbBench LtbBench;

typedef struct
{
  LtbBench *bench;
  guint index;         /* in bench->clients */
  int fd;
  guint user;          /* logs in as LTB_USER_PREFIX + user */
  LtbClientState state;
  GString *in;         /* a partial frame; NULL until one is pending */
  GString *out;        /* unsent bytes; NULL until the first write */
  gboolean dirty;      /* in the bench's list of clients to flush */
  gboolean waiting_writable;
  guint64 next_seq;
  guint in_flight;     /* sends without a response yet */
  guint64 scheduled;   /* sends written, for rate control */
  gint64 max_message_id;
  gint64 started_ns;   /* connect() */
  gint64 logged_in_ns;
  char *to;            /* where this client sends messages, or NULL */
  guint sender_number; /* among the clients that send */
} LtbClient;

typedef struct
{
  /* hello received; the default queues a login */
  void (*ready) (LtbBench *bench, LtbClient *client);
  /* responses to anything but login */
  void (*response) (LtbBench *bench, LtbClient *client, const LtbFrame *frame);
  void (*message) (LtbBench *bench, LtbClient *client, const LtbFrame *frame);
  /* once per loop iteration, before writes are flushed */
  void (*tick) (LtbBench *bench);
} LtbHandlers;

struct _LtbBench
{
  guint16 port;
  int epoll_fd;
  GPtrArray *clients;  /* of LtbClient*, owned */
  GPtrArray *dirty;    /* of LtbClient*, to flush */
  LtbHandlers handlers;
  gpointer mode;       /* the handlers' state */
  gint64 now;          /* CLOCK_MONOTONIC in ns, kept current */

  GQueue login_queue;  /* of clients waiting to send login */
  guint login_window;
  guint logins_in_flight;
  guint logged_in;
  guint login_failures;

  gint64 last_read_ns;
  gint64 quiet_ns;     /* for ltb_bench_wait_quiet() */
  guint64 frames;
  guint64 bad_frames;
  guint disconnects;
  guint byes;
};

typedef gboolean (*LtbDoneFunc) (LtbBench *bench);

gint64 ltb_now (void);

LtbBench *ltb_bench_new (guint16 port,
                         guint   login_window);
void ltb_bench_free (LtbBench *bench);

LtbClient *ltb_bench_add_client (LtbBench *bench,
                                 guint     user);
gboolean ltb_bench_run (LtbBench   *bench,
                        LtbDoneFunc done,
                        gint64      deadline_ns);
void ltb_bench_add_clients (LtbBench *bench,
                            guint     first_user,
                            guint     count);
gboolean ltb_bench_log_in (LtbBench *bench,
                           gint64    deadline_ns);
gboolean ltb_bench_wait_quiet (LtbBench *bench,
                               gint64    quiet_ns,
                               gint64    deadline_ns);

void ltb_client_request (LtbClient     *client,
                         LtbRequestKind kind,
                         guint64        payload,
                         const char    *method,
                         const char    *params_format,
                         ...) G_GNUC_PRINTF (5, 6);

/* Items (a user or client number) waiting until a given time. */
void ltb_wait_queue_push (GQueue *queue,
                          guint   item,
                          gint64  not_before_ns);
gboolean ltb_wait_queue_pop (GQueue *queue,
                             gint64  now_ns,
                             guint  *item);
void ltb_wait_queue_clear (GQueue *queue);

G_END_DECLS
