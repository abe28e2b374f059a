/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fanout and private: some logged-in clients send, every client
 * receives.  A sender keeps a window of sends in flight and refills it
 * on each response (or, with --rate, keeps to a schedule within that
 * window).  Each text starts with "lt-bench <CLOCK_MONOTONIC ns>
 * <sender>", so a receiver knows the delivery's latency; after a
 * warm-up, deliveries, responses and latencies are counted for a fixed
 * duration. */
#include "config.h"

#include "lt-bench.h"

#include <string.h>

#define TEXT_PREFIX "lt-bench "
#define DRAIN_QUIET_NS (200 * LTB_NS_PER_MS)
#define DRAIN_TIMEOUT_NS (5 * LTB_NS_PER_SECOND)
#define SETTLE_QUIET_NS (500 * LTB_NS_PER_MS)
#define MAX_TEXT_BYTES 4000

typedef struct
{
  const LtbOptions *options;
  const char *kind;      /* "room" or "private", for the report */
  GPtrArray *senders;    /* of LtbClient*, not owned */
  gboolean sending;
  gint64 start_ns, measure_from_ns, measure_until_ns;
  gboolean measuring;
  LtbCpuSample cpu_start, cpu_end;

  guint in_flight;
  guint64 acked, acked_measured;
  guint64 rate_limited, send_errors;
  gint64 first_error;
  guint64 deliveries, deliveries_measured;
  guint64 offline, foreign;
  guint acks_waiting;
  LtbHistogram latency;      /* send to delivery, at every receiver */
  LtbHistogram ack_latency;  /* send to response, at the sender */
} Traffic;

static gboolean
is_measured (Traffic *traffic,
             gint64   now)
{
  return now >= traffic->measure_from_ns && now < traffic->measure_until_ns;
}

static void
send_one (Traffic   *traffic,
          LtbClient *client)
{
  char text[MAX_TEXT_BYTES + 1];
  gint64 now = ltb_now ();
  int length;

  length = g_snprintf (text, sizeof text, TEXT_PREFIX "%" G_GINT64_FORMAT " %u ",
                       now, client->user);
  if (length < traffic->options->text_bytes)
    {
      memset (text + length, 'x', traffic->options->text_bytes - length);
      text[traffic->options->text_bytes] = '\0';
    }

  /* The request id carries the send time in µs, for the ack latency. */
  ltb_client_request (client, LTB_REQUEST_SEND, now / 1000, "send",
                      "{\"to\":\"%s\",\"text\":\"%s\"}", client->to, text);
  client->in_flight++;
  client->scheduled++;
  traffic->in_flight++;
}

/* How many sends the schedule allows now; senders are spread evenly
 * over each period so that they do not all send at the same moment. */
static guint64
sends_due (Traffic   *traffic,
           LtbClient *client,
           gint64     now)
{
  gdouble per_sender = traffic->options->rate / traffic->senders->len;
  gdouble elapsed = (now - traffic->start_ns) / (gdouble) LTB_NS_PER_SECOND;
  guint64 due = elapsed * per_sender + (gdouble) client->sender_number / traffic->senders->len;

  return due > client->scheduled ? due - client->scheduled : 0;
}

static void
top_up (Traffic   *traffic,
        LtbClient *client,
        gint64     now)
{
  guint window = traffic->options->window;
  guint64 allowed = client->in_flight < window ? window - client->in_flight : 0;

  if (!traffic->sending || client->state != LTB_CLIENT_LOGGED_IN)
    return;
  if (traffic->options->rate > 0)
    allowed = MIN (allowed, sends_due (traffic, client, now));

  for (guint64 i = 0; i < allowed; i++)
    send_one (traffic, client);
}

static void
traffic_tick (LtbBench *bench)
{
  Traffic *traffic = bench->mode;

  if (!traffic->measuring && traffic->sending && bench->now >= traffic->measure_from_ns)
    {
      traffic->measuring = TRUE;
      ltb_cpu_sample (&traffic->cpu_start, traffic->options->server_pid);
    }

  for (guint i = 0; i < traffic->senders->len; i++)
    top_up (traffic, g_ptr_array_index (traffic->senders, i), bench->now);
}

static void
on_send_response (Traffic        *traffic,
                  LtbClient      *client,
                  const LtbFrame *frame,
                  gint64          now)
{
  client->in_flight--;
  traffic->in_flight--;

  if (!frame->is_error)
    {
      traffic->acked++;
      if (is_measured (traffic, now))
        {
          traffic->acked_measured++;
          ltb_histogram_add (&traffic->ack_latency,
                             now / 1000 - (gint64) LTB_REQUEST_PAYLOAD (frame->id));
        }
    }
  else if (frame->error_code == 1006)
    traffic->rate_limited++;
  else if (traffic->send_errors++ == 0)
    traffic->first_error = frame->error_code;

  top_up (traffic, client, now);
}

static void
traffic_response (LtbBench       *bench,
                  LtbClient      *client,
                  const LtbFrame *frame)
{
  Traffic *traffic = bench->mode;

  if (LTB_REQUEST_KIND (frame->id) == LTB_REQUEST_SEND)
    on_send_response (traffic, client, frame, bench->now);
  else if (LTB_REQUEST_KIND (frame->id) == LTB_REQUEST_ACK && traffic->acks_waiting > 0)
    traffic->acks_waiting--;
}

/* The send time out of "lt-bench <ns> <sender> ...". */
static gboolean
parse_text (LtbSpan text,
            gint64 *sent_ns)
{
  const char *p = text.start + strlen (TEXT_PREFIX);
  const char *end = text.start + text.length;
  gint64 value = 0;

  if (text.length <= strlen (TEXT_PREFIX) || memcmp (text.start, TEXT_PREFIX, strlen (TEXT_PREFIX)) != 0)
    return FALSE;
  for (; p < end && *p >= '0' && *p <= '9'; p++)
    value = value * 10 + (*p - '0');

  *sent_ns = value;
  return p < end && *p == ' ';
}

static void
traffic_message (LtbBench       *bench,
                 LtbClient      *client,
                 const LtbFrame *frame)
{
  Traffic *traffic = bench->mode;
  gint64 sent_ns;

  if (frame->offline)
    {
      traffic->offline++;
      return;
    }
  if (!parse_text (frame->text, &sent_ns))
    {
      traffic->foreign++;
      return;
    }

  traffic->deliveries++;
  if (is_measured (traffic, bench->now))
    {
      traffic->deliveries_measured++;
      ltb_histogram_add (&traffic->latency, (bench->now - sent_ns) / 1000);
    }
}

static gboolean
is_drained (LtbBench *bench)
{
  Traffic *traffic = bench->mode;

  return traffic->in_flight == 0 && bench->now - bench->last_read_ns >= DRAIN_QUIET_NS;
}

static gboolean
acks_done (LtbBench *bench)
{
  Traffic *traffic = bench->mode;

  return traffic->acks_waiting == 0;
}

/* Private messages stay pending until acknowledged; acknowledge them
 * all so that the next login is not followed by an offline push. */
static void
ack_received (LtbBench *bench,
              Traffic  *traffic)
{
  for (guint i = 0; i < bench->clients->len; i++)
    {
      LtbClient *client = g_ptr_array_index (bench->clients, i);

      if (client->max_message_id <= 0 || client->state != LTB_CLIENT_LOGGED_IN)
        continue;
      ltb_client_request (client, LTB_REQUEST_ACK, client->next_seq++, "ack",
                          "{\"up_to\":%" G_GINT64_FORMAT "}", client->max_message_id);
      traffic->acks_waiting++;
    }

  ltb_bench_run (bench, acks_done, ltb_now () + DRAIN_TIMEOUT_NS);
}

static void
run_phases (LtbBench *bench,
            Traffic  *traffic)
{
  const LtbOptions *options = traffic->options;

  traffic->start_ns = ltb_now ();
  traffic->measure_from_ns = traffic->start_ns + options->warmup * LTB_NS_PER_SECOND;
  traffic->measure_until_ns = traffic->measure_from_ns + options->duration * LTB_NS_PER_SECOND;
  traffic->sending = TRUE;
  ltb_bench_run (bench, NULL, traffic->measure_until_ns);

  ltb_cpu_sample (&traffic->cpu_end, options->server_pid);
  traffic->sending = FALSE;
  ltb_bench_run (bench, is_drained, ltb_now () + DRAIN_TIMEOUT_NS);
}

static void
print_rate (const Traffic *traffic,
            const char    *what,
            guint64        count)
{
  g_autofree char *name = g_strdup_printf ("%s_%s_per_second", traffic->kind, what);

  ltb_print_number (name, count / traffic->options->duration, "/s");
}

static void
print_traffic (const LtbBench *bench,
               const Traffic  *traffic)
{
  const LtbOptions *options = traffic->options;

  ltb_print_number ("measured_for", options->duration, "s");
  print_rate (traffic, "messages", traffic->acked_measured);
  print_rate (traffic, "deliveries", traffic->deliveries_measured);
  ltb_print_latency ("latency", &traffic->latency);
  ltb_print_latency ("ack_latency", &traffic->ack_latency);
  ltb_print_cpu (&traffic->cpu_start, &traffic->cpu_end);
  ltb_print_count ("rate_limited", traffic->rate_limited, "");
  ltb_print_count ("send_errors", traffic->send_errors, "");
  if (traffic->send_errors > 0)
    ltb_print_count ("first_send_error_code", traffic->first_error, "");
  if (traffic->offline > 0)
    ltb_print_count ("offline_messages_ignored", traffic->offline, "");
  if (traffic->foreign > 0)
    ltb_print_count ("foreign_messages_ignored", traffic->foreign, "");
  ltb_print_health (bench);
}

static void
print_setup (const Traffic *traffic,
             guint          clients)
{
  const LtbOptions *options = traffic->options;

  ltb_print_count ("clients", clients, "");
  ltb_print_count ("senders", traffic->senders->len, "");
  ltb_print_count ("window", options->window, "sends per sender");
  if (options->rate > 0)
    ltb_print_number ("target_rate", options->rate, "messages/s");
  else
    ltb_print_text ("target_rate", "as fast as the server accepts");
  ltb_print_count ("text_size", options->text_bytes, "bytes");
}

/* Logs the clients in, lets the presence notifications settle, and
 * runs the traffic; the caller has added the clients and senders. */
static int
run_traffic (LtbBench *bench,
             Traffic  *traffic)
{
  const LtbOptions *options = traffic->options;
  guint clients = bench->clients->len;
  gboolean failed;

  print_setup (traffic, clients);
  if (!ltb_bench_log_in (bench, ltb_deadline (options)))
    {
      g_printerr ("lt-bench: only %u of %u clients logged in\n", bench->logged_in, clients);
      return 1;
    }
  ltb_bench_wait_quiet (bench, SETTLE_QUIET_NS, ltb_deadline (options));
  g_printerr ("lt-bench: %u clients logged in; sending\n", clients);

  bench->mode = traffic;
  bench->handlers.tick = traffic_tick;
  bench->handlers.response = traffic_response;
  bench->handlers.message = traffic_message;
  run_phases (bench, traffic);
  if (g_str_equal (traffic->kind, "private"))
    ack_received (bench, traffic);

  print_traffic (bench, traffic);
  failed = bench->disconnects > 0 || traffic->send_errors > 0 || traffic->deliveries_measured == 0;
  return failed ? 1 : 0;
}

static void
add_sender (Traffic    *traffic,
            LtbClient  *client,
            const char *to)
{
  client->to = g_strdup (to);
  client->sender_number = traffic->senders->len;
  g_ptr_array_add (traffic->senders, client);
}

static Traffic *
traffic_new (const LtbOptions *options,
             const char       *kind)
{
  Traffic *traffic = g_new0 (Traffic, 1);

  traffic->options = options;
  traffic->kind = kind;
  traffic->senders = g_ptr_array_new ();
  return traffic;
}

static void
traffic_free (Traffic *traffic)
{
  g_ptr_array_unref (traffic->senders);
  g_free (traffic);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Traffic, traffic_free)

/**
 * ltb_run_fanout:
 *
 * @clients users in #lobby, the first @senders of them sending to it.
 */
int
ltb_run_fanout (const LtbOptions *options,
                guint             clients,
                guint             senders)
{
  g_autoptr(Traffic) traffic = traffic_new (options, "room");
  LtbBench *bench = ltb_bench_new (options->port, options->login_window);
  int status;

  ltb_bench_add_clients (bench, options->first_user, clients);
  for (guint i = 0; i < MIN (senders, clients); i++)
    add_sender (traffic, g_ptr_array_index (bench->clients, i), "#lobby");

  status = run_traffic (bench, traffic);
  ltb_bench_free (bench);
  return status;
}

/**
 * ltb_run_private:
 *
 * @pairs pairs of users, each sending private messages to the other.
 */
int
ltb_run_private (const LtbOptions *options,
                 guint             pairs)
{
  g_autoptr(Traffic) traffic = traffic_new (options, "private");
  LtbBench *bench = ltb_bench_new (options->port, options->login_window);
  int status;

  ltb_bench_add_clients (bench, options->first_user, 2 * pairs);
  for (guint i = 0; i < 2 * pairs; i++)
    {
      LtbClient *partner = g_ptr_array_index (bench->clients, i ^ 1);
      g_autofree char *to = g_strdup_printf (LTB_USER_PREFIX "%u", partner->user);

      add_sender (traffic, g_ptr_array_index (bench->clients, i), to);
    }

  status = run_traffic (bench, traffic);
  ltb_bench_free (bench);
  return status;
}
