/* SPDX-License-Identifier: GPL-3.0-or-later */
/* lt-file-bench: how fast liaotian-server moves a file, what it costs
 * the server's memory, and whether chat traffic waits meanwhile.
 *
 * Against a running server (PROTOCOL.md §13): two new users, one file
 * of --size-mib MiB offered from one to the other, PUT in one request
 * from a file on disk, accepted, and read back with GET while hashing
 * it.  Meanwhile a third connection sends `ping` every 20 ms and times
 * each answer: the chat port must stay responsive while files move.
 * Prints "name: value" lines, as lt-bench does. */
#include "config.h"

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <stdio.h>
#include <stdlib.h>

#include "lt-bench-histogram.h"

#define PASSWORD "benchmark password"
#define CHUNK_SIZE (256 * 1024)
#define PING_INTERVAL_US (20 * 1000)

/* A blocking JSON-RPC connection: fine for a benchmark's setup calls and
 * for the ping thread, which owns its own. */
typedef struct
{
  GSocketConnection *connection;
  GDataInputStream *input;
  gint64 next_id;
} Rpc;

typedef struct
{
  guint16 port;
  gint stop; /* atomic: 0 while the pinger should go on */
  LtbHistogram histogram;
  GMutex lock;
} Pinger;

static void
fail (const char *what,
      const GError *error)
{
  g_printerr ("lt-file-bench: %s: %s\n", what, error != NULL ? error->message : "failed");
  exit (EXIT_FAILURE);
}

static void
rpc_open (Rpc     *rpc,
          guint16  port)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GError) error = NULL;

  rpc->connection = g_socket_client_connect_to_host (client, "127.0.0.1", port, NULL, &error);
  if (rpc->connection == NULL)
    fail ("connect", error);
  rpc->input = g_data_input_stream_new (
      g_io_stream_get_input_stream (G_IO_STREAM (rpc->connection)));
  rpc->next_id = 1;
}

static void
rpc_close (Rpc *rpc)
{
  g_clear_object (&rpc->input);
  g_clear_object (&rpc->connection);
}

/* Sends one request and returns its result, skipping notifications. */
static JsonObject *
rpc_call (Rpc        *rpc,
          const char *method,
          JsonObject *params)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) params_node = json_node_init_object (json_node_alloc (), params);
  g_autoptr(JsonNode) request = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;
  gint64 id = rpc->next_id++;
  GOutputStream *output = g_io_stream_get_output_stream (G_IO_STREAM (rpc->connection));

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "jsonrpc");
  json_builder_add_string_value (builder, "2.0");
  json_builder_set_member_name (builder, "id");
  json_builder_add_int_value (builder, id);
  json_builder_set_member_name (builder, "method");
  json_builder_add_string_value (builder, method);
  json_builder_set_member_name (builder, "params");
  json_builder_add_value (builder, g_steal_pointer (&params_node));
  json_builder_end_object (builder);
  request = json_builder_get_root (builder);
  line = g_strconcat (json_to_string (request, FALSE), "\n", NULL);
  if (!g_output_stream_write_all (output, line, strlen (line), NULL, NULL, &error))
    fail (method, error);

  for (guint frames = 0; frames < 10000; frames++)
    {
      g_autofree char *answer = g_data_input_stream_read_line (rpc->input, NULL, NULL, &error);
      g_autoptr(JsonNode) node = NULL;
      JsonObject *object;

      if (answer == NULL)
        fail (method, error);
      node = json_from_string (answer, &error);
      if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
        fail (method, error);
      object = json_node_get_object (node);
      if (!json_object_has_member (object, "id")
          || json_object_get_int_member_with_default (object, "id", -1) != id)
        continue;
      if (json_object_has_member (object, "error"))
        {
          g_printerr ("lt-file-bench: %s: %s\n", method, answer);
          exit (EXIT_FAILURE);
        }
      return json_object_ref (json_object_get_object_member (object, "result"));
    }
  g_printerr ("lt-file-bench: %s: no answer among 10000 frames\n", method);
  exit (EXIT_FAILURE);
}

static void
rpc_login_new_user (Rpc        *rpc,
                    const char *username)
{
  JsonObject *params = json_object_new ();
  g_autofree char *email = g_strdup_printf ("%s@example.org", username);

  json_object_set_string_member (params, "nickname", username);
  json_object_set_string_member (params, "username", username);
  json_object_set_string_member (params, "password", PASSWORD);
  json_object_set_string_member (params, "email", email);
  json_object_unref (rpc_call (rpc, "register", params));

  params = json_object_new ();
  json_object_set_string_member (params, "username", username);
  json_object_set_string_member (params, "password", PASSWORD);
  json_object_unref (rpc_call (rpc, "login", params));
}

static gpointer
pinger_thread (gpointer data)
{
  Pinger *pinger = data;
  Rpc rpc = { 0 };
  g_autofree char *username = g_strdup_printf ("fp%08x", g_random_int ());

  /* Logged in, so that no login timeout closes it on a slow disk. */
  rpc_open (&rpc, pinger->port);
  rpc_login_new_user (&rpc, username);
  for (;;)
    {
      gint64 sent = g_get_monotonic_time ();
      gint64 answered;

      json_object_unref (rpc_call (&rpc, "ping", json_object_new ()));
      answered = g_get_monotonic_time ();
      g_mutex_lock (&pinger->lock);
      ltb_histogram_add (&pinger->histogram, answered - sent);
      g_mutex_unlock (&pinger->lock);
      if (g_atomic_int_get (&pinger->stop) != 0)
        break;
      g_usleep (PING_INTERVAL_US);
    }
  rpc_close (&rpc);
  return NULL;
}

/* Writes SIZE deterministic bytes to a new temporary file; returns it
 * and its SHA-256. */
static GFile *
write_test_file (guint64   size,
                 char    **sha256)
{
  g_autoptr(GFileIOStream) io = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autoptr(GRand) rand = g_rand_new_with_seed (42);
  g_autofree guint32 *chunk = g_malloc (CHUNK_SIZE);
  GFile *file = g_file_new_tmp ("lt-file-bench-XXXXXX", &io, &error);
  GOutputStream *output;

  if (file == NULL)
    fail ("temporary file", error);
  output = g_io_stream_get_output_stream (G_IO_STREAM (io));
  for (guint64 done = 0; done < size;)
    {
      gsize n = MIN (CHUNK_SIZE, size - done);

      for (gsize i = 0; i < CHUNK_SIZE / sizeof *chunk; i++)
        chunk[i] = g_rand_int (rand);
      g_checksum_update (checksum, (const guchar *) chunk, n);
      if (!g_output_stream_write_all (output, chunk, n, NULL, NULL, &error))
        fail ("temporary file", error);
      done += n;
    }
  if (!g_io_stream_close (G_IO_STREAM (io), NULL, &error))
    fail ("temporary file", error);
  *sha256 = g_strdup (g_checksum_get_string (checksum));
  return file;
}

static SoupMessage *
file_request (const char *method,
              guint16     http_port,
              const char *path,
              const char *token)
{
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u%s", http_port, path);
  g_autofree char *authorization = g_strdup_printf ("Bearer %s", token);
  SoupMessage *message = soup_message_new (method, url);

  soup_message_headers_replace (soup_message_get_request_headers (message),
                                "Authorization", authorization);
  return message;
}

static void
upload (SoupSession *session,
        guint16      http_port,
        JsonObject  *offer,
        GFile       *file,
        guint64      size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GFileInputStream) input = g_file_read (file, NULL, &error);
  g_autoptr(SoupMessage) message = NULL;
  g_autoptr(GBytes) body = NULL;

  if (input == NULL)
    fail ("upload", error);
  message = file_request ("PUT", http_port,
                          json_object_get_string_member (offer, "upload_url"),
                          json_object_get_string_member (offer, "token"));
  soup_message_headers_set_expectations (soup_message_get_request_headers (message),
                                         SOUP_EXPECTATION_CONTINUE);
  soup_message_set_request_body (message, "application/octet-stream",
                                 G_INPUT_STREAM (input), size);
  body = soup_session_send_and_read (session, message, NULL, &error);
  if (body == NULL)
    fail ("upload", error);
  if (soup_message_get_status (message) != SOUP_STATUS_CREATED)
    {
      g_printerr ("lt-file-bench: upload: expected 201, got %u\n",
                  soup_message_get_status (message));
      exit (EXIT_FAILURE);
    }
}

/* Reads the file back in chunks, hashing it; returns the bytes read. */
static guint64
download (SoupSession  *session,
          guint16       http_port,
          JsonObject   *accepted,
          char        **sha256)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SoupMessage) message = NULL;
  g_autoptr(GInputStream) input = NULL;
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree guchar *chunk = g_malloc (CHUNK_SIZE);
  guint64 total = 0;
  gssize n;

  message = file_request ("GET", http_port,
                          json_object_get_string_member (accepted, "download_url"),
                          json_object_get_string_member (accepted, "token"));
  input = soup_session_send (session, message, NULL, &error);
  if (input == NULL)
    fail ("download", error);
  while ((n = g_input_stream_read (input, chunk, CHUNK_SIZE, NULL, &error)) > 0)
    {
      g_checksum_update (checksum, chunk, n);
      total += n;
    }
  if (n < 0)
    fail ("download", error);
  *sha256 = g_strdup (g_checksum_get_string (checksum));
  return total;
}

/* The server's resident memory figure KEY ("VmRSS", "VmHWM") in KiB. */
static guint64
server_memory_kib (GPid        pid,
                   const char *key)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/status", pid);
  g_autofree char *status = NULL;
  g_autofree char *prefix = g_strdup_printf ("\n%s:", key);
  const char *line;

  if (pid <= 0 || !g_file_get_contents (path, &status, NULL, NULL))
    return 0;
  line = strstr (status, prefix);
  return line != NULL ? g_ascii_strtoull (line + strlen (prefix), NULL, 10) : 0;
}

static void
print_rate (const char *name,
            guint64     bytes,
            gint64      elapsed_us)
{
  printf ("%s_seconds: %.3f\n", name, elapsed_us / 1e6);
  printf ("%s_mib_per_second: %.1f\n", name, bytes / 1048576.0 / (elapsed_us / 1e6));
}

static void
print_pings (Pinger *pinger)
{
  printf ("pings_during_transfers: %" G_GUINT64_FORMAT "\n", pinger->histogram.total);
  printf ("ping_p50_ms: %.2f\n", ltb_histogram_percentile (&pinger->histogram, 50) / 1000.0);
  printf ("ping_p99_ms: %.2f\n", ltb_histogram_percentile (&pinger->histogram, 99) / 1000.0);
  printf ("ping_max_ms: %.2f\n", pinger->histogram.max / 1000.0);
}

int
main (int    argc,
      char **argv)
{
  gint port = 0, http_port = 0, server_pid = 0, size_mib = 1024;
  GOptionEntry entries[] = {
    { "port", 0, 0, G_OPTION_ARG_INT, &port, "The server's chat port", "N" },
    { "http-port", 0, 0, G_OPTION_ARG_INT, &http_port, "Its HTTP file port", "N" },
    { "server-pid", 0, 0, G_OPTION_ARG_INT, &server_pid, "Its PID, to read its memory", "PID" },
    { "size-mib", 0, 0, G_OPTION_ARG_INT, &size_mib, "Size of the file (default 1024)", "MIB" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("- file transfer benchmark");
  g_autoptr(GError) error = NULL;
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(GFile) file = NULL;
  g_autoptr(JsonObject) offer = NULL;
  g_autoptr(JsonObject) accepted = NULL;
  g_autofree char *sha256 = NULL;
  g_autofree char *received_sha256 = NULL;
  g_autofree char *sender = g_strdup_printf ("fs%08x", g_random_int ());
  g_autofree char *recipient = g_strdup_printf ("fr%08x", g_random_int ());
  Pinger pinger = { 0 };
  Rpc alice = { 0 }, bob = { 0 };
  GThread *thread;
  JsonObject *params;
  guint64 size, received, rss_before;
  gint64 start;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    fail ("options", error);
  if (port <= 0 || http_port <= 0 || size_mib < 0)
    {
      g_printerr ("lt-file-bench: --port and --http-port are needed\n");
      return EXIT_FAILURE;
    }
  size = (guint64) size_mib * 1048576;
  /* The default timeout of 60 s is for a whole message read. */
  soup_session_set_timeout (session, 0);

  file = write_test_file (size, &sha256);
  rpc_open (&alice, port);
  rpc_open (&bob, port);
  rpc_login_new_user (&alice, sender);
  rpc_login_new_user (&bob, recipient);
  rss_before = server_memory_kib (server_pid, "VmRSS");

  pinger.port = port;
  g_mutex_init (&pinger.lock);
  thread = g_thread_new ("pinger", pinger_thread, &pinger);

  params = json_object_new ();
  json_object_set_string_member (params, "to", recipient);
  json_object_set_string_member (params, "name", "benchmark.bin");
  json_object_set_int_member (params, "size", size);
  json_object_set_string_member (params, "sha256", sha256);
  offer = rpc_call (&alice, "file_offer", params);
  start = g_get_monotonic_time ();
  upload (session, http_port, offer, file, size);
  print_rate ("upload", size, g_get_monotonic_time () - start);

  params = json_object_new ();
  json_object_set_int_member (params, "file_id",
                              json_object_get_int_member (offer, "file_id"));
  accepted = rpc_call (&bob, "file_accept", params);
  start = g_get_monotonic_time ();
  received = download (session, http_port, accepted, &received_sha256);
  print_rate ("download", received, g_get_monotonic_time () - start);

  g_atomic_int_set (&pinger.stop, 1);
  g_thread_join (thread);
  g_file_delete (file, NULL, NULL);

  printf ("file_mib: %d\n", size_mib);
  printf ("download_matches: %s\n",
          received == size && g_str_equal (sha256, received_sha256) ? "yes" : "no");
  print_pings (&pinger);
  if (server_pid > 0)
    {
      printf ("server_rss_before_kib: %" G_GUINT64_FORMAT "\n", rss_before);
      printf ("server_rss_after_kib: %" G_GUINT64_FORMAT "\n",
              server_memory_kib (server_pid, "VmRSS"));
      printf ("server_peak_rss_kib: %" G_GUINT64_FORMAT "\n",
              server_memory_kib (server_pid, "VmHWM"));
    }
  rpc_close (&alice);
  rpc_close (&bob);
  g_mutex_clear (&pinger.lock);
  return received == size && g_str_equal (sha256, received_sha256) ? EXIT_SUCCESS : EXIT_FAILURE;
}
