/* SPDX-License-Identifier: GPL-3.0-or-later */
/* lt-bench: a load generator for liaotian-server on 127.0.0.1.
 *
 *   lt-bench --port P register N     registers bench0..benchN-1 (once)
 *   lt-bench --port P connect N      N clients connect and log in
 *   lt-bench --port P fanout N S     N clients in #lobby, S of them sending
 *   lt-bench --port P private P      P pairs sending private messages
 *   lt-bench --port P --server-pid PID idle N   server RSS per idle client
 *
 * Figures are printed as "name: value unit" lines. */
#include "config.h"

#include "lt-bench.h"

#include <sys/resource.h>

#define REGISTER_RETRY_NS (50 * LTB_NS_PER_MS)
#define IDLE_QUIET_NS (LTB_NS_PER_SECOND)
#define ERROR_USERNAME_TAKEN 1002
#define ERROR_RATE_LIMITED 1006

static LtbOptions options = {
  .duration = 10,
  .warmup = 2,
  .window = 32,
  .text_bytes = 64,
  .connections = 4,
  .login_window = 64,
  .warmup_clients = 10,
  .timeout = 120,
};

/* register ------------------------------------------------------------ */

typedef struct
{
  guint users;
  guint next_user;
  guint window;
  guint in_flight;
  guint next_connection;
  GQueue retry; /* of users refused with rate_limited */
  guint created, existing, failed;
} Registering;

static LtbClient *
next_connection (LtbBench    *bench,
                 Registering *registering)
{
  for (guint i = 0; i < bench->clients->len; i++)
    {
      guint index = registering->next_connection++ % bench->clients->len;
      LtbClient *client = g_ptr_array_index (bench->clients, index);

      if (client->state == LTB_CLIENT_CONNECTED)
        return client;
    }

  return NULL;
}

static gboolean
next_user (LtbBench    *bench,
           Registering *registering,
           guint       *user)
{
  if (ltb_wait_queue_pop (&registering->retry, bench->now, user))
    return TRUE;
  if (registering->next_user >= registering->users)
    return FALSE;

  *user = registering->next_user++;
  return TRUE;
}

static void
register_tick (LtbBench *bench)
{
  Registering *registering = bench->mode;
  LtbClient *client;
  guint user;

  while (registering->in_flight < registering->window
         && (client = next_connection (bench, registering)) != NULL
         && next_user (bench, registering, &user))
    {
      ltb_client_request (client, LTB_REQUEST_REGISTER, user, "register",
                          "{\"nickname\":\"Bench %u\",\"username\":\"" LTB_USER_PREFIX "%u\","
                          "\"password\":\"" LTB_PASSWORD "\",\"email\":\""
                          LTB_USER_PREFIX "%u@bench.example\"}",
                          user, user, user);
      registering->in_flight++;
    }
}

/* The connections stay anonymous: hello needs no login here. */
static void
register_ready (LtbBench  *bench,
                LtbClient *client)
{
}

static void
register_response (LtbBench       *bench,
                   LtbClient      *client,
                   const LtbFrame *frame)
{
  Registering *registering = bench->mode;

  if (LTB_REQUEST_KIND (frame->id) != LTB_REQUEST_REGISTER)
    return;

  registering->in_flight--;
  if (!frame->is_error)
    registering->created++;
  else if (frame->error_code == ERROR_USERNAME_TAKEN)
    registering->existing++;
  else if (frame->error_code == ERROR_RATE_LIMITED)
    ltb_wait_queue_push (&registering->retry, LTB_REQUEST_PAYLOAD (frame->id),
                         bench->now + REGISTER_RETRY_NS);
  else if (registering->failed++ == 0)
    g_printerr ("lt-bench: register failed with error %" G_GINT64_FORMAT "\n", frame->error_code);
}

static gboolean
all_registered (LtbBench *bench)
{
  Registering *registering = bench->mode;

  return registering->created + registering->existing + registering->failed >= registering->users
         || bench->disconnects >= bench->clients->len;
}

static int
run_register (const guint *args)
{
  Registering registering = { .users = args[0], .window = options.login_window };
  LtbBench *bench = ltb_bench_new (options.port, options.login_window);
  gint64 start = ltb_now ();
  gdouble seconds;
  gboolean done;

  g_queue_init (&registering.retry);
  bench->mode = &registering;
  bench->handlers.ready = register_ready;
  bench->handlers.tick = register_tick;
  bench->handlers.response = register_response;
  ltb_bench_add_clients (bench, 0, options.connections);
  done = ltb_bench_run (bench, all_registered, ltb_deadline (&options));
  seconds = (ltb_now () - start) / (gdouble) LTB_NS_PER_SECOND;

  ltb_print_count ("users", registering.users, "");
  ltb_print_count ("registered", registering.created, "");
  ltb_print_count ("already_registered", registering.existing, "");
  ltb_print_count ("register_failures", registering.failed, "");
  ltb_print_number ("register_time", seconds, "s");
  ltb_print_health (bench);

  ltb_wait_queue_clear (&registering.retry);
  ltb_bench_free (bench);
  return done && registering.failed == 0 ? 0 : 1;
}

/* connect ------------------------------------------------------------- */

static void
print_login_times (LtbBench *bench,
                   gint64    start)
{
  g_autofree LtbHistogram *latency = g_new0 (LtbHistogram, 1);
  gint64 last = start;
  gdouble total;

  for (guint i = 0; i < bench->clients->len; i++)
    {
      LtbClient *client = g_ptr_array_index (bench->clients, i);

      if (client->state != LTB_CLIENT_LOGGED_IN)
        continue;
      ltb_histogram_add (latency, (client->logged_in_ns - client->started_ns) / 1000);
      last = MAX (last, client->logged_in_ns);
    }

  total = (last - start) / (gdouble) LTB_NS_PER_SECOND;
  ltb_print_count ("clients", bench->clients->len, "");
  ltb_print_count ("logged_in", bench->logged_in, "");
  ltb_print_number ("connect_time", total, "s");
  ltb_print_number ("connect_time_per_client", 1000 * total / MAX (bench->logged_in, 1), "ms");
  ltb_print_number ("logins_per_second", bench->logged_in / MAX (total, 1e-9), "/s");
  ltb_print_latency ("login_latency", latency);
}

static int
run_connect (const guint *args)
{
  LtbBench *bench = ltb_bench_new (options.port, options.login_window);
  gint64 start = ltb_now ();
  gboolean ok;

  ltb_bench_add_clients (bench, options.first_user, args[0]);
  ok = ltb_bench_log_in (bench, ltb_deadline (&options));
  print_login_times (bench, start);
  ltb_print_count ("login_failures", bench->login_failures, "");
  ltb_print_health (bench);

  ltb_bench_free (bench);
  return ok ? 0 : 1;
}

/* idle ---------------------------------------------------------------- */

/* Logs in @count more clients and returns the server's RSS once the
 * traffic this caused (presence notifications) has settled. */
static gint64
log_in_and_measure (LtbBench *bench,
                    guint     first_user,
                    guint     count)
{
  ltb_bench_add_clients (bench, first_user, count);
  if (!ltb_bench_log_in (bench, ltb_deadline (&options)))
    return -1;

  ltb_bench_wait_quiet (bench, IDLE_QUIET_NS, ltb_deadline (&options));
  return ltb_read_rss_kib (options.server_pid);
}

/* A few clients log in first (users after the N measured ones), so
 * that what any first login costs once (hashing memory, caches) is in
 * "before" and not counted per connection. */
static int
run_idle (const guint *args)
{
  LtbBench *bench = ltb_bench_new (options.port, options.login_window);
  guint count = args[0];
  gint64 before, after;

  if (options.server_pid <= 0 || ltb_read_rss_kib (options.server_pid) < 0)
    {
      g_printerr ("lt-bench: idle needs --server-pid of a running server\n");
      ltb_bench_free (bench);
      return 2;
    }

  before = log_in_and_measure (bench, options.first_user + count, options.warmup_clients);
  after = before < 0 ? -1 : log_in_and_measure (bench, options.first_user, count);

  ltb_print_count ("warmup_clients", options.warmup_clients, "");
  ltb_print_count ("idle_clients", count, "");
  if (after >= 0)
    {
      ltb_print_count ("server_rss_before", before, "KiB");
      ltb_print_count ("server_rss_after", after, "KiB");
      ltb_print_number ("server_rss_per_connection", (after - before) / (gdouble) MAX (count, 1),
                        "KiB");
    }
  ltb_print_health (bench);

  ltb_bench_free (bench);
  return after >= 0 ? 0 : 1;
}

/* main ---------------------------------------------------------------- */

static int
run_fanout (const guint *args)
{
  return ltb_run_fanout (&options, args[0], args[1]);
}

static int
run_private (const guint *args)
{
  return ltb_run_private (&options, args[0]);
}

typedef struct
{
  const char *name;
  guint n_args;
  int (*run) (const guint *args);
} Mode;

static const Mode modes[] = {
  { "register", 1, run_register },
  { "connect", 1, run_connect },
  { "fanout", 2, run_fanout },
  { "private", 1, run_private },
  { "idle", 1, run_idle },
};

static const GOptionEntry entries[] = {
  { "port", 'p', 0, G_OPTION_ARG_INT, &options.port, "Server port on 127.0.0.1", "PORT" },
  { "server-pid", 0, 0, G_OPTION_ARG_INT, &options.server_pid,
    "Server process, for its CPU time and memory", "PID" },
  { "duration", 'd', 0, G_OPTION_ARG_DOUBLE, &options.duration,
    "Seconds measured (default 10)", "S" },
  { "warmup", 0, 0, G_OPTION_ARG_DOUBLE, &options.warmup,
    "Seconds of traffic before measuring (default 2)", "S" },
  { "window", 'w', 0, G_OPTION_ARG_INT, &options.window,
    "Sends in flight per sender (default 32)", "N" },
  { "rate", 'r', 0, G_OPTION_ARG_DOUBLE, &options.rate,
    "Messages per second over all senders (default: as fast as accepted)", "R" },
  { "text-size", 0, 0, G_OPTION_ARG_INT, &options.text_bytes,
    "Bytes of each message text (default 64)", "BYTES" },
  { "connections", 0, 0, G_OPTION_ARG_INT, &options.connections,
    "Connections that register users (default 4)", "N" },
  { "login-window", 0, 0, G_OPTION_ARG_INT, &options.login_window,
    "Logins or registrations in flight (default 64)", "N" },
  { "first-user", 0, 0, G_OPTION_ARG_INT, &options.first_user,
    "Number of the first user (default 0)", "N" },
  { "warmup-clients", 0, 0, G_OPTION_ARG_INT, &options.warmup_clients,
    "idle: clients logged in before the first RSS reading (default 10)", "N" },
  { "timeout", 0, 0, G_OPTION_ARG_DOUBLE, &options.timeout,
    "Seconds any phase may take (default 120)", "S" },
  { NULL }
};

static void
raise_file_limit (void)
{
  struct rlimit limit;

  if (getrlimit (RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max)
    {
      limit.rlim_cur = limit.rlim_max;
      setrlimit (RLIMIT_NOFILE, &limit);
    }
}

static gboolean
check_options (GError **error)
{
  if (options.port <= 0 || options.port > G_MAXUINT16)
    g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "--port is required");
  else if (options.duration <= 0 || options.warmup < 0 || options.timeout <= 0
           || options.rate < 0)
    g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                         "--duration, --warmup, --timeout and --rate must be positive");
  else if (options.window < 1 || options.login_window < 1 || options.connections < 1)
    g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                         "--window, --login-window and --connections must be at least 1");
  else if (options.first_user < 0 || options.warmup_clients < 0)
    g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                         "--first-user and --warmup-clients must not be negative");
  else if (options.text_bytes < 32 || options.text_bytes > 4000)
    g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                         "--text-size must be between 32 and 4000");
  else
    return TRUE;

  return FALSE;
}

/* The mode's arguments, each a positive count. */
static gboolean
parse_mode (int          argc,
            char       **argv,
            const Mode **mode,
            guint       *args,
            GError     **error)
{
  for (gsize i = 0; argc >= 2 && i < G_N_ELEMENTS (modes); i++)
    {
      if (!g_str_equal (argv[1], modes[i].name))
        continue;
      if ((guint) argc - 2 != modes[i].n_args)
        break;
      for (guint j = 0; j < modes[i].n_args; j++)
        {
          guint64 value;

          if (!g_ascii_string_to_unsigned (argv[2 + j], 10, 1, 1000000, &value, error))
            return FALSE;
          args[j] = value;
        }
      *mode = &modes[i];
      return TRUE;
    }

  g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                       "expected register N, connect N, fanout N S, private P or idle N");
  return FALSE;
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  const Mode *mode = NULL;
  guint args[2] = { 0 };

  context = g_option_context_new ("register N | connect N | fanout N S | private P | idle N");
  g_option_context_set_summary (context, "Drives liaotian-server on 127.0.0.1 and prints figures.");
  g_option_context_set_description (context,
                                    "Modes:\n"
                                    "  register N   register users bench0 to benchN-1 (once per data dir)\n"
                                    "  connect N    N clients connect and log in\n"
                                    "  fanout N S   N clients in #lobby, S of them sending to it\n"
                                    "  private P    P pairs sending private messages to each other\n"
                                    "  idle N       server memory per idle client (needs --server-pid)\n");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error)
      || !check_options (&error)
      || !parse_mode (argc, argv, &mode, args, &error))
    {
      g_printerr ("lt-bench: %s\n", error->message);
      return 2;
    }

  raise_file_limit ();
  ltb_print_text ("mode", "%s", mode->name);
  return mode->run (args);
}
