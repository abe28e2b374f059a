/* SPDX-License-Identifier: GPL-3.0-or-later */
/* lt-daemon-bench: how fast liaotiand's core takes messages in.
 *
 * It runs the daemon's core (LtDaemon, with its real SQLite cache under
 * $XDG_DATA_HOME, which run-bench.sh points at its work folder) against
 * a running server with a fresh data dir, and a sender that
 * is a plain protocol client (LtDaemonConnection):
 *   catch-up  N private messages wait on the server while the receiver
 *             is offline; from Login until the last is stored,
 *             signalled and the catch-up is over;
 *   burst     N messages sent at once to the logged-in receiver, until
 *             the last is signalled;
 *   latency   one message at a time, from the send until the receiver
 *             signals it (stored in the cache first), M times.
 * Prints "name: value" lines, as lt-bench does. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "lt-daemon.h"
#include "lt-daemon-connection.h"

#define PASSWORD "benchmark password"

typedef struct
{
  const char *server;
  LtDaemonConnection *sender;
  LtDaemon *receiver;
  guint received;
  guint wanted;
  gint64 sent_at; /* latency: when the one message went out */
  GArray *latencies_us;
  guint calls_pending;
} Bench;

static void
fail (const GError *error)
{
  g_printerr ("lt-daemon-bench: %s\n", error->message);
  exit (EXIT_FAILURE);
}

static void
on_call_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Bench *bench = user_data;
  g_autoptr(JsonObject) reply = NULL;
  g_autoptr(GError) error = NULL;

  reply = lt_daemon_connection_call_finish (LT_DAEMON_CONNECTION (source), result, &error);
  if (reply == NULL)
    fail (error);
  bench->calls_pending--;
}

static void
call (Bench              *bench,
      LtDaemonConnection *connection,
      const char         *method,
      JsonObject         *params)
{
  bench->calls_pending++;
  lt_daemon_connection_call_async (connection, method, params, NULL, on_call_done, bench);
}

static void
wait_calls (Bench *bench)
{
  while (bench->calls_pending > 0)
    g_main_context_iteration (NULL, TRUE);
}

static void
on_connected (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Bench *bench = user_data;
  g_autoptr(GError) error = NULL;

  if (!lt_daemon_connection_connect_finish (LT_DAEMON_CONNECTION (source), result, &error))
    fail (error);
  bench->calls_pending--;
}

static LtDaemonConnection *
connect_to_server (Bench *bench)
{
  LtDaemonConnection *connection = lt_daemon_connection_new (bench->server, FALSE, NULL);

  bench->calls_pending++;
  lt_daemon_connection_connect_async (connection, NULL, on_connected, bench);
  wait_calls (bench);
  return connection;
}

static void
register_user (Bench              *bench,
               LtDaemonConnection *connection,
               const char         *username)
{
  g_autoptr(JsonObject) params = json_object_new ();
  g_autofree char *email = g_strdup_printf ("%s@example.org", username);

  json_object_set_string_member (params, "nickname", username);
  json_object_set_string_member (params, "username", username);
  json_object_set_string_member (params, "password", PASSWORD);
  json_object_set_string_member (params, "email", email);
  call (bench, connection, "register", params);
  wait_calls (bench);
}

static void
send_to (Bench      *bench,
         const char *to,
         guint       i)
{
  g_autoptr(JsonObject) params = json_object_new ();
  g_autofree char *text = g_strdup_printf ("benchmark message %u", i);

  json_object_set_string_member (params, "to", to);
  json_object_set_string_member (params, "text", text);
  call (bench, bench->sender, "send", params);
}

static void
on_message_received (LtDaemon   *daemon,
                     const char *conversation,
                     guint64     id,
                     gint64      ts,
                     const char *sender,
                     const char *text,
                     const char *nickname,
                     Bench      *bench)
{
  bench->received++;
  if (bench->sent_at > 0)
    {
      gint64 latency = g_get_monotonic_time () - bench->sent_at;

      g_array_append_val (bench->latencies_us, latency);
      bench->sent_at = 0;
    }
}

static void
on_login (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!lt_daemon_login_finish (LT_DAEMON (source), result, &error))
    fail (error);
}

static gboolean
caught_up (Bench *bench)
{
  return bench->received >= bench->wanted && !lt_daemon_get_catching_up (bench->receiver);
}

static void
print_rate (const char *name,
            guint       count,
            gint64      elapsed_us)
{
  printf ("%s_messages: %u\n", name, count);
  printf ("%s_seconds: %.3f\n", name, elapsed_us / 1e6);
  printf ("%s_messages_per_second: %.0f\n", name, count / (elapsed_us / 1e6));
}

/* N messages wait while the receiver is offline; then it logs in. */
static void
bench_catch_up (Bench *bench,
                guint  n)
{
  gint64 start;

  for (guint i = 0; i < n; i++)
    send_to (bench, "dbench-receiver", i);
  wait_calls (bench);

  bench->received = 0;
  bench->wanted = n;
  start = g_get_monotonic_time ();
  lt_daemon_login_async (bench->receiver, "dbench-receiver", PASSWORD, NULL, on_login, NULL);
  while (!caught_up (bench))
    g_main_context_iteration (NULL, TRUE);
  print_rate ("catch_up", n, g_get_monotonic_time () - start);
}

static void
bench_burst (Bench *bench,
             guint  n)
{
  gint64 start = g_get_monotonic_time ();
  gboolean done = FALSE;

  bench->received = 0;
  for (guint i = 0; i < n; i++)
    send_to (bench, "dbench-receiver", i);
  while (!done)
    {
      g_main_context_iteration (NULL, TRUE);
      done = bench->received >= n;
    }
  wait_calls (bench);
  print_rate ("burst", n, g_get_monotonic_time () - start);
}

static int
compare_int64 (gconstpointer a,
               gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

static double
percentile_ms (GArray *sorted,
               double  fraction)
{
  guint index = MIN (sorted->len - 1, (guint) (fraction * sorted->len));

  return g_array_index (sorted, gint64, index) / 1000.0;
}

static void
bench_latency (Bench *bench,
               guint  m)
{
  for (guint i = 0; i < m; i++)
    {
      guint before = bench->received;

      bench->sent_at = g_get_monotonic_time ();
      send_to (bench, "dbench-receiver", i);
      while (bench->received == before)
        g_main_context_iteration (NULL, TRUE);
      wait_calls (bench);
    }
  g_array_sort (bench->latencies_us, compare_int64);
  printf ("latency_messages: %u\n", bench->latencies_us->len);
  printf ("latency_p50_ms: %.2f\n", percentile_ms (bench->latencies_us, 0.50));
  printf ("latency_p90_ms: %.2f\n", percentile_ms (bench->latencies_us, 0.90));
  printf ("latency_p99_ms: %.2f\n", percentile_ms (bench->latencies_us, 0.99));
}

static void
log_in_sender (Bench *bench)
{
  g_autoptr(JsonObject) params = json_object_new ();

  json_object_set_string_member (params, "username", "dbench-sender");
  json_object_set_string_member (params, "password", PASSWORD);
  bench->sender = connect_to_server (bench);
  call (bench, bench->sender, "login", params);
  wait_calls (bench);
}

int
main (int   argc,
      char *argv[])
{
  Bench bench = { 0 };
  LtDaemonConnection *registrar;
  guint n;

  if (argc != 3 || atoi (argv[2]) <= 0)
    {
      g_printerr ("Usage: lt-daemon-bench HOST:PORT MESSAGES\n");
      return EXIT_FAILURE;
    }
  bench.server = argv[1];
  n = atoi (argv[2]);

  bench.latencies_us = g_array_new (FALSE, FALSE, sizeof (gint64));

  registrar = connect_to_server (&bench);
  register_user (&bench, registrar, "dbench-sender");
  register_user (&bench, registrar, "dbench-receiver");
  g_object_unref (registrar);

  log_in_sender (&bench);

  bench.receiver = lt_daemon_new (bench.server);
  g_signal_connect (bench.receiver, "message-received", G_CALLBACK (on_message_received), &bench);

  bench_catch_up (&bench, n);
  bench_burst (&bench, n);
  bench_latency (&bench, 1000);

  lt_daemon_logout (bench.receiver);
  g_clear_object (&bench.receiver);
  g_clear_object (&bench.sender);
  g_array_unref (bench.latencies_us);
  return EXIT_SUCCESS;
}
