/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "lt-bench-net.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define SCRATCH_SIZE (256 * 1024)
#define READS_PER_EVENT 4
#define MAX_EVENTS 512
#define MAX_FRAME (64 * 1024 * 1024)
#define LOGIN_RETRY_NS (50 * LTB_NS_PER_MS)
#define ERROR_RATE_LIMITED 1006

static char scratch[SCRATCH_SIZE];

gint64
ltb_now (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (gint64) ts.tv_sec * LTB_NS_PER_SECOND + ts.tv_nsec;
}

/* Wait queues ------------------------------------------------------- */

typedef struct
{
  guint item;
  gint64 not_before_ns;
} Waiting;

void
ltb_wait_queue_push (GQueue *queue,
                     guint   item,
                     gint64  not_before_ns)
{
  Waiting *waiting = g_new (Waiting, 1);

  waiting->item = item;
  waiting->not_before_ns = not_before_ns;
  g_queue_push_tail (queue, waiting);
}

/* Items are pushed with non-decreasing times, so only the head counts. */
gboolean
ltb_wait_queue_pop (GQueue *queue,
                    gint64  now_ns,
                    guint  *item)
{
  Waiting *head = g_queue_peek_head (queue);

  if (head == NULL || head->not_before_ns > now_ns)
    return FALSE;

  *item = head->item;
  g_free (g_queue_pop_head (queue));
  return TRUE;
}

void
ltb_wait_queue_clear (GQueue *queue)
{
  g_queue_clear_full (queue, g_free);
}

/* Closing and writing ------------------------------------------------ */

static void
close_client (LtbClient  *client,
              const char *why)
{
  LtbBench *bench = client->bench;

  if (client->state == LTB_CLIENT_CLOSED)
    return;

  if (client->state == LTB_CLIENT_LOGGING_IN)
    bench->logins_in_flight--;
  if (client->state != LTB_CLIENT_LOGGED_IN)
    bench->login_failures++;
  if (bench->disconnects++ == 0)
    g_printerr ("lt-bench: connection of %s%u lost: %s\n", LTB_USER_PREFIX, client->user, why);

  if (client->fd >= 0)
    {
      epoll_ctl (bench->epoll_fd, EPOLL_CTL_DEL, client->fd, NULL);
      close (client->fd);
      client->fd = -1;
    }
  client->state = LTB_CLIENT_CLOSED;
}

static void
watch_writable (LtbClient *client,
                gboolean   writable)
{
  struct epoll_event event = { 0 };

  if (client->waiting_writable == writable)
    return;

  event.events = EPOLLIN | (writable ? EPOLLOUT : 0);
  event.data.ptr = client;
  epoll_ctl (client->bench->epoll_fd, EPOLL_CTL_MOD, client->fd, &event);
  client->waiting_writable = writable;
}

static void
flush_client (LtbClient *client)
{
  gsize done = 0;

  while (client->state != LTB_CLIENT_CLOSED && done < client->out->len)
    {
      ssize_t n = send (client->fd, client->out->str + done, client->out->len - done,
                        MSG_NOSIGNAL);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 && errno == EAGAIN)
        break;
      if (n < 0)
        {
          close_client (client, g_strerror (errno));
          return;
        }
      done += n;
    }

  g_string_erase (client->out, 0, done);
  watch_writable (client, client->out->len > 0);
}

static void
flush_dirty (LtbBench *bench)
{
  for (guint i = 0; i < bench->dirty->len; i++)
    {
      LtbClient *client = g_ptr_array_index (bench->dirty, i);

      client->dirty = FALSE;
      if (client->state != LTB_CLIENT_CLOSED && !client->waiting_writable)
        flush_client (client);
    }

  g_ptr_array_set_size (bench->dirty, 0);
}

static void
client_write (LtbClient  *client,
              const char *data,
              gsize       length)
{
  if (client->state == LTB_CLIENT_CLOSED)
    return;

  if (client->out == NULL)
    client->out = g_string_sized_new (MAX (length, 1024));
  g_string_append_len (client->out, data, length);

  if (!client->dirty)
    {
      client->dirty = TRUE;
      g_ptr_array_add (client->bench->dirty, client);
    }
}

/**
 * ltb_client_request:
 * @params_format: printf format of the params object
 *
 * Queues one request; it is written in the next loop iteration, with
 * whatever else was queued for the client meanwhile.
 */
void
ltb_client_request (LtbClient     *client,
                    LtbRequestKind kind,
                    guint64        payload,
                    const char    *method,
                    const char    *params_format,
                    ...)
{
  char params[8192];
  char frame[sizeof params + 128];
  va_list args;
  int length;

  va_start (args, params_format);
  g_vsnprintf (params, sizeof params, params_format, args);
  va_end (args);

  length = g_snprintf (frame, sizeof frame,
                       "{\"jsonrpc\":\"2.0\",\"id\":%" G_GUINT64_FORMAT ",\"method\":\"%s\","
                       "\"params\":%s}\n",
                       (payload << LTB_REQUEST_KIND_BITS) | kind, method, params);
  client_write (client, frame, MIN ((gsize) length, sizeof frame - 1));
}

/* Logins -------------------------------------------------------------- */

static void
queue_login (LtbBench  *bench,
             LtbClient *client,
             gint64     not_before_ns)
{
  ltb_wait_queue_push (&bench->login_queue, client->index, not_before_ns);
}

static void
default_ready (LtbBench  *bench,
               LtbClient *client)
{
  queue_login (bench, client, bench->now);
}

static void
pump_logins (LtbBench *bench)
{
  guint index;

  while (bench->logins_in_flight < bench->login_window
         && ltb_wait_queue_pop (&bench->login_queue, bench->now, &index))
    {
      LtbClient *client = g_ptr_array_index (bench->clients, index);

      if (client->state != LTB_CLIENT_CONNECTED)
        continue;

      ltb_client_request (client, LTB_REQUEST_LOGIN, client->next_seq++, "login",
                          "{\"username\":\"" LTB_USER_PREFIX "%u\",\"password\":\""
                          LTB_PASSWORD "\"}",
                          client->user);
      client->state = LTB_CLIENT_LOGGING_IN;
      bench->logins_in_flight++;
    }
}

static void
on_login_response (LtbBench       *bench,
                   LtbClient      *client,
                   const LtbFrame *frame)
{
  if (client->state != LTB_CLIENT_LOGGING_IN)
    return;

  bench->logins_in_flight--;
  if (!frame->is_error)
    {
      client->state = LTB_CLIENT_LOGGED_IN;
      client->logged_in_ns = bench->now;
      bench->logged_in++;
      return;
    }

  client->state = LTB_CLIENT_CONNECTED;
  if (frame->error_code == ERROR_RATE_LIMITED)
    {
      queue_login (bench, client, bench->now + LOGIN_RETRY_NS);
      return;
    }

  if (bench->login_failures++ == 0)
    g_printerr ("lt-bench: login of %s%u failed with error %" G_GINT64_FORMAT
                " (run `lt-bench register` first?)\n",
                LTB_USER_PREFIX, client->user, frame->error_code);
}

/* Reading --------------------------------------------------------------- */

static void
dispatch_frame (LtbClient  *client,
                const char *data,
                gsize       length)
{
  LtbBench *bench = client->bench;
  LtbFrame frame;

  if (length == 0)
    return;

  bench->frames++;
  if (!ltb_scan_frame (data, length, &frame))
    {
      if (bench->bad_frames++ == 0)
        g_printerr ("lt-bench: unexpected frame: %.*s\n", (int) MIN (length, 200), data);
      return;
    }

  switch (frame.kind)
    {
    case LTB_FRAME_HELLO:
      if (client->state == LTB_CLIENT_CONNECTING)
        client->state = LTB_CLIENT_CONNECTED;
      bench->handlers.ready (bench, client);
      break;
    case LTB_FRAME_BYE:
      bench->byes++;
      break;
    case LTB_FRAME_RESPONSE:
      if (LTB_REQUEST_KIND (frame.id) == LTB_REQUEST_LOGIN)
        on_login_response (bench, client, &frame);
      else if (bench->handlers.response != NULL)
        bench->handlers.response (bench, client, &frame);
      break;
    case LTB_FRAME_MESSAGE:
      client->max_message_id = MAX (client->max_message_id, frame.id);
      if (bench->handlers.message != NULL)
        bench->handlers.message (bench, client, &frame);
      break;
    case LTB_FRAME_OTHER:
    default:
      break;
    }
}

/* Frames are cut straight from the scratch buffer; only a frame split
 * between two reads is copied into the client's own buffer. */
static void
feed (LtbClient  *client,
      const char *data,
      gsize       length)
{
  const char *newline;

  if (client->in != NULL && client->in->len > 0)
    {
      newline = memchr (data, '\n', length);
      g_string_append_len (client->in, data, newline != NULL ? newline - data : (gssize) length);
      if (newline == NULL)
        {
          if (client->in->len > MAX_FRAME)
            close_client (client, "frame too large");
          return;
        }
      dispatch_frame (client, client->in->str, client->in->len);
      g_string_truncate (client->in, 0);
      length -= newline + 1 - data;
      data = newline + 1;
    }

  while (client->state != LTB_CLIENT_CLOSED && (newline = memchr (data, '\n', length)) != NULL)
    {
      dispatch_frame (client, data, newline - data);
      length -= newline + 1 - data;
      data = newline + 1;
    }

  if (length > 0 && client->state != LTB_CLIENT_CLOSED)
    {
      if (client->in == NULL)
        client->in = g_string_sized_new (length);
      g_string_append_len (client->in, data, length);
    }
}

static void
read_client (LtbClient *client)
{
  for (guint i = 0; i < READS_PER_EVENT && client->state != LTB_CLIENT_CLOSED; i++)
    {
      ssize_t n = recv (client->fd, scratch, sizeof scratch, 0);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 && errno == EAGAIN)
        return;
      if (n <= 0)
        {
          close_client (client, n == 0 ? "closed by the server" : g_strerror (errno));
          return;
        }

      client->bench->now = client->bench->last_read_ns = ltb_now ();
      feed (client, scratch, n);
      if ((gsize) n < sizeof scratch)
        return;
    }
}

/* The loop ---------------------------------------------------------------- */

static void
handle_events (LtbBench *bench,
               int       timeout_ms)
{
  struct epoll_event events[MAX_EVENTS];
  int n = epoll_wait (bench->epoll_fd, events, MAX_EVENTS, timeout_ms);

  bench->now = ltb_now ();
  for (int i = 0; i < n; i++)
    {
      LtbClient *client = events[i].data.ptr;

      if (events[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP))
        read_client (client);
      if ((events[i].events & EPOLLOUT) && client->state != LTB_CLIENT_CLOSED)
        flush_client (client);
    }
}

/**
 * ltb_bench_run:
 * @done: (nullable): stops the loop when it returns TRUE
 *
 * Runs the loop until @done says so or until @deadline_ns.
 *
 * Returns: TRUE when @done said so
 */
gboolean
ltb_bench_run (LtbBench   *bench,
               LtbDoneFunc done,
               gint64      deadline_ns)
{
  for (;;)
    {
      bench->now = ltb_now ();
      if (done != NULL && done (bench))
        break;
      if (bench->now >= deadline_ns)
        return FALSE;

      if (bench->handlers.tick != NULL)
        bench->handlers.tick (bench);
      pump_logins (bench);
      flush_dirty (bench);
      handle_events (bench, 1);
    }

  flush_dirty (bench);
  return TRUE;
}

static gboolean
all_logged_in (LtbBench *bench)
{
  return bench->logged_in + bench->login_failures >= bench->clients->len;
}

/**
 * ltb_bench_log_in:
 *
 * Runs the loop until every client has logged in or failed to.
 *
 * Returns: TRUE when every client of the bench is logged in
 */
gboolean
ltb_bench_log_in (LtbBench *bench,
                  gint64    deadline_ns)
{
  return ltb_bench_run (bench, all_logged_in, deadline_ns)
         && bench->logged_in == bench->clients->len;
}

static gboolean
is_quiet (LtbBench *bench)
{
  return bench->now - bench->last_read_ns >= bench->quiet_ns;
}

/**
 * ltb_bench_wait_quiet:
 *
 * Runs the loop until nothing was received for @quiet_ns.
 */
gboolean
ltb_bench_wait_quiet (LtbBench *bench,
                      gint64    quiet_ns,
                      gint64    deadline_ns)
{
  bench->quiet_ns = quiet_ns;
  return ltb_bench_run (bench, is_quiet, deadline_ns);
}

/* Clients -------------------------------------------------------------- */

static int
connect_socket (guint16 port)
{
  struct sockaddr_in address = { 0 };
  int one = 1;
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

  if (fd < 0)
    return -1;

  address.sin_family = AF_INET;
  address.sin_port = htons (port);
  address.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (connect (fd, (struct sockaddr *) &address, sizeof address) < 0 && errno != EINPROGRESS)
    {
      close (fd);
      return -1;
    }

  return fd;
}

/**
 * ltb_bench_add_clients:
 *
 * Starts connecting @count clients, as users @first_user and on.
 */
void
ltb_bench_add_clients (LtbBench *bench,
                       guint     first_user,
                       guint     count)
{
  for (guint i = 0; i < count; i++)
    ltb_bench_add_client (bench, first_user + i);
}

/**
 * ltb_bench_add_client:
 *
 * Starts connecting a client; it logs in as @user once the server said
 * hello (unless the handlers say otherwise).  A client that cannot
 * connect is counted as a lost connection and stays closed.
 */
LtbClient *
ltb_bench_add_client (LtbBench *bench,
                      guint     user)
{
  LtbClient *client = g_new0 (LtbClient, 1);
  struct epoll_event event = { 0 };

  client->bench = bench;
  client->index = bench->clients->len;
  client->user = user;
  client->started_ns = ltb_now ();
  g_ptr_array_add (bench->clients, client);

  client->fd = connect_socket (bench->port);
  event.events = EPOLLIN;
  event.data.ptr = client;
  if (client->fd < 0 || epoll_ctl (bench->epoll_fd, EPOLL_CTL_ADD, client->fd, &event) < 0)
    close_client (client, g_strerror (errno));

  return client;
}

static void
client_free (LtbClient *client)
{
  if (client->fd >= 0)
    close (client->fd);
  if (client->in != NULL)
    g_string_free (client->in, TRUE);
  if (client->out != NULL)
    g_string_free (client->out, TRUE);
  g_free (client->to);
  g_free (client);
}

LtbBench *
ltb_bench_new (guint16 port,
               guint   login_window)
{
  LtbBench *bench = g_new0 (LtbBench, 1);

  bench->port = port;
  bench->login_window = MAX (login_window, 1);
  bench->epoll_fd = epoll_create1 (EPOLL_CLOEXEC);
  if (bench->epoll_fd < 0)
    g_error ("epoll_create1: %s", g_strerror (errno));
  bench->clients = g_ptr_array_new_with_free_func ((GDestroyNotify) client_free);
  bench->dirty = g_ptr_array_new ();
  bench->handlers.ready = default_ready;
  g_queue_init (&bench->login_queue);
  bench->now = bench->last_read_ns = ltb_now ();
  return bench;
}

void
ltb_bench_free (LtbBench *bench)
{
  g_ptr_array_unref (bench->clients);
  g_ptr_array_unref (bench->dirty);
  ltb_wait_queue_clear (&bench->login_queue);
  close (bench->epoll_fd);
  g_free (bench);
}
