/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "lt-test-utils.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gio/gunixinputstream.h>
#include <glib/gstdio.h>

#include "lt-frame-reader.h"
#include "lt-json.h"

/* Frames from the server are not bound by --max-frame (a history page
 * can be several MiB): read them with a generous cap of our own. */
#define CLIENT_MAX_FRAME (16 * 1024 * 1024)

/* Helpers ---------------------------------------------------------------- */

/* A sanitizer build (the tests are built with the programs they start)
 * runs a few times slower. */
#if defined(__SANITIZE_ADDRESS__)
#define SANITIZER_SLOWDOWN 3
#else
#define SANITIZER_SLOWDOWN 1
#endif

/* Timeouts stretch under valgrind, which runs the test programs (and
 * the servers and daemons they start) many times slower. */
guint
lt_test_scale_timeout (guint timeout_ms)
{
  return g_getenv ("LT_TEST_VALGRIND") ? timeout_ms * 10 : timeout_ms * SANITIZER_SLOWDOWN;
}

gint64
lt_test_deadline (guint timeout_ms)
{
  return g_get_monotonic_time ()
         + (gint64) lt_test_scale_timeout (timeout_ms) * G_TIME_SPAN_MILLISECOND;
}

void
lt_test_fail_at (LT_TEST_LOCATION,
                 const char *format,
                 ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  g_assertion_message (G_LOG_DOMAIN, file, line, func, message);
  /* Only reached with g_test_set_nonfatal_assertions(), which these
   * tests never use: a helper cannot go on after a failed step. */
  abort ();
}

char *
lt_test_json_to_string (JsonNode *node)
{
  if (node == NULL)
    return g_strdup ("(nothing)");
  return json_to_string (node, FALSE);
}

char *
lt_test_object_to_string (JsonObject *object)
{
  g_autoptr(JsonNode) node = NULL;

  if (object == NULL)
    return g_strdup ("(nothing)");
  node = json_node_init_object (json_node_alloc (), object);
  return lt_test_json_to_string (node);
}

static char *
format_params (const char *format,
               va_list     args)
{
  return g_strdelimit (g_strdup_vprintf (format, args), "'", '"');
}

static JsonNode *
parse_json (const char *json)
{
  g_autoptr(GError) error = NULL;
  JsonNode *node = json_from_string (json, &error);

  if (node == NULL)
    g_error ("Test bug: the JSON %s does not parse: %s", json,
             error ? error->message : "empty");
  return node;
}

JsonObject *
lt_test_params_new_va (const char *format,
                       va_list     args)
{
  g_autofree char *json = format_params (format, args);
  g_autoptr(JsonNode) node = parse_json (json);

  if (!JSON_NODE_HOLDS_OBJECT (node))
    g_error ("Test bug: params %s are not a JSON object", json);
  return json_object_ref (json_node_get_object (node));
}

JsonObject *
lt_test_params_new (const char *format,
                    ...)
{
  JsonObject *params;
  va_list args;

  va_start (args, format);
  params = lt_test_params_new_va (format, args);
  va_end (args);
  return params;
}

/* Compares @expected with @actual: objects by the members @expected
 * has (others are ignored), arrays element by element and by length,
 * values exactly.  On a mismatch, returns where it is and why. */
static char *
json_mismatch (JsonNode   *expected,
               JsonNode   *actual,
               const char *path)
{
  g_autofree char *expected_text = NULL;
  g_autofree char *actual_text = NULL;

  if (actual == NULL)
    return g_strdup_printf ("%s is missing", path);

  if (JSON_NODE_TYPE (expected) != JSON_NODE_TYPE (actual))
    goto differ;

  switch (JSON_NODE_TYPE (expected))
    {
    case JSON_NODE_OBJECT:
      {
        JsonObject *expected_object = json_node_get_object (expected);
        JsonObject *actual_object = json_node_get_object (actual);
        g_autoptr(GList) members = json_object_get_members (expected_object);

        for (GList *l = members; l != NULL; l = l->next)
          {
            g_autofree char *member_path = g_strdup_printf ("%s.%s", path, (char *) l->data);
            char *mismatch = json_mismatch (json_object_get_member (expected_object, l->data),
                                            json_object_get_member (actual_object, l->data),
                                            member_path);

            if (mismatch != NULL)
              return mismatch;
          }
        return NULL;
      }

    case JSON_NODE_ARRAY:
      {
        JsonArray *expected_array = json_node_get_array (expected);
        JsonArray *actual_array = json_node_get_array (actual);
        guint length = json_array_get_length (expected_array);

        if (json_array_get_length (actual_array) != length)
          goto differ;

        for (guint i = 0; i < length; i++)
          {
            g_autofree char *element_path = g_strdup_printf ("%s[%u]", path, i);
            char *mismatch = json_mismatch (json_array_get_element (expected_array, i),
                                            json_array_get_element (actual_array, i),
                                            element_path);

            if (mismatch != NULL)
              return mismatch;
          }
        return NULL;
      }

    case JSON_NODE_VALUE:
      if (json_node_get_value_type (expected) == json_node_get_value_type (actual)
          && json_node_equal (expected, actual))
        return NULL;
      goto differ;

    case JSON_NODE_NULL:
    default:
      return NULL;
    }

differ:
  expected_text = lt_test_json_to_string (expected);
  actual_text = lt_test_json_to_string (actual);
  return g_strdup_printf ("%s: expected %s, got %s", path, expected_text, actual_text);
}

void
lt_test_assert_object_at (LT_TEST_LOCATION,
                          JsonObject *actual,
                          const char *expected_format,
                          ...)
{
  g_autoptr(JsonObject) expected = NULL;
  g_autoptr(JsonNode) expected_node = NULL;
  g_autoptr(JsonNode) actual_node = NULL;
  g_autofree char *mismatch = NULL;
  va_list args;

  va_start (args, expected_format);
  expected = lt_test_params_new_va (expected_format, args);
  va_end (args);

  if (actual == NULL)
    lt_test_fail_at (file, line, func, "Expected an object like %s, got nothing",
                     expected_format);

  expected_node = json_node_init_object (json_node_alloc (), expected);
  actual_node = json_node_init_object (json_node_alloc (), actual);
  mismatch = json_mismatch (expected_node, actual_node, "");
  if (mismatch != NULL)
    {
      g_autofree char *expected_text = lt_test_json_to_string (expected_node);
      g_autofree char *actual_text = lt_test_json_to_string (actual_node);

      lt_test_fail_at (file, line, func, "Expected an object with %s, got %s (at %s)",
                       expected_text, actual_text, mismatch);
    }
}

/* "alice" → "Alice": unique because usernames are. */
char *
lt_test_nickname (const char *username)
{
  char *nickname = g_strdup (username);

  nickname[0] = g_ascii_toupper (nickname[0]);
  return nickname;
}

char *
lt_test_text_of_length (guint       n_chars,
                        const char *character)
{
  GString *text = g_string_sized_new (n_chars * strlen (character));

  for (guint i = 0; i < n_chars; i++)
    g_string_append (text, character);
  return g_string_free (text, FALSE);
}

void
lt_test_remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir != NULL)
    {
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          if (g_file_test (child, G_FILE_TEST_IS_DIR)
              && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
            lt_test_remove_tree (child);
          else
            g_unlink (child);
        }
    }
  g_rmdir (path);
}

/* One blocking iteration of the default main context, woken at
 * @deadline at the latest; FALSE once the deadline has passed. */
gboolean
lt_test_iterate (gint64 deadline)
{
  gint64 remaining = deadline - g_get_monotonic_time ();
  g_autoptr(GSource) wake = NULL;

  if (remaining <= 0)
    return FALSE;
  wake = g_timeout_source_new (remaining / 1000 + 1);
  g_source_set_dummy_callback (wake);
  g_source_attach (wake, NULL);
  g_main_context_iteration (NULL, TRUE);
  g_source_destroy (wake);
  return TRUE;
}

/* Iterates the default main context until *done or the deadline. */
static gboolean
iterate_until (gboolean *done,
               gint64    deadline)
{
  while (!*done && lt_test_iterate (deadline))
    ;
  return *done;
}

/* Reads what @stream has, waiting on @fd until @deadline: > 0 bytes,
 * 0 at end of stream, -1 with G_IO_ERROR_TIMED_OUT or another error. */
static gssize
read_with_deadline (GPollableInputStream *stream,
                    int                   fd,
                    void                 *buffer,
                    gsize                 size,
                    gint64                deadline,
                    GError              **error)
{
  for (;;)
    {
      GError *local_error = NULL;
      gssize n = g_pollable_input_stream_read_nonblocking (stream, buffer, size, NULL,
                                                           &local_error);
      GPollFD poll_fd = { fd, G_IO_IN | G_IO_HUP | G_IO_ERR, 0 };
      gint64 remaining;

      if (n >= 0)
        return n;
      if (!g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        {
          g_propagate_error (error, local_error);
          return -1;
        }
      g_clear_error (&local_error);

      remaining = deadline - g_get_monotonic_time ();
      if (remaining <= 0 || g_poll (&poll_fd, 1, remaining / 1000 + 1) == 0)
        {
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "Timed out");
          return -1;
        }
    }
}

/* The server ------------------------------------------------------------- */

struct _LtTestServer
{
  char *dir;
  char *data_dir;
  GPtrArray *args; /* extra arguments, "@DIR@" expanded */
  char *cert_file;
  char *key_file;
  GTlsCertificate *certificate;
  GHashTable *seen_mails; /* file names already returned */
  guint64 max_file_size;

  GSubprocess *process;
  GPollableInputStream *stdout_stream;
  char *address;
  guint16 port;
  char port_argument[8]; /* "0" until the first start picked a port */
  gboolean http_in_args; /* the test chose --http-port itself */
  guint16 http_port; /* 0 while unknown, or with the file service off */
  char http_port_argument[8];
};

/* Runs in the child between fork and exec: async-signal-safe calls only. */
static void
child_setup (gpointer user_data)
{
  const guint64 *max_file_size = user_data;

  /* Never outlive a test program that aborted on a failed assertion. */
  prctl (PR_SET_PDEATHSIG, SIGKILL);

  if (max_file_size != NULL && *max_file_size > 0)
    {
      struct rlimit limit = { *max_file_size, *max_file_size };

      /* The server ignores SIGXFSZ itself, so writes past the limit
       * fail with EFBIG rather than kill it: that is under test too. */
      setrlimit (RLIMIT_FSIZE, &limit);
    }
}

static GSubprocessLauncher *
launcher_new (GSubprocessFlags flags,
              const guint64   *max_file_size)
{
  GSubprocessLauncher *launcher = g_subprocess_launcher_new (flags);

  g_subprocess_launcher_set_child_setup (launcher, child_setup, (gpointer) max_file_size, NULL);

  /* Make a use after free in the server crash rather than pass
   * unnoticed: GSlice and glibc's tcache would keep freed memory
   * intact, MALLOC_PERTURB_ overwrites what glibc frees. */
  g_subprocess_launcher_setenv (launcher, "G_SLICE", "always-malloc", TRUE);
  g_subprocess_launcher_setenv (launcher, "GLIBC_TUNABLES", "glibc.malloc.tcache_count=0", FALSE);
  g_subprocess_launcher_setenv (launcher, "MALLOC_PERTURB_", "165", FALSE);
  return launcher;
}

/* A launcher for the programs a test starts: they die with the test
 * program, and a use after free in them is likely to crash. */
GSubprocessLauncher *
lt_test_launcher_new (GSubprocessFlags flags)
{
  return launcher_new (flags, NULL);
}

/* Waits for @process to end, for @timeout_ms at the most.  GLib's
 * worker thread reaps it; the identifier goes when it has. */
gboolean
lt_test_wait_process (GSubprocess *process,
                      guint        timeout_ms)
{
  gint64 deadline = lt_test_deadline (timeout_ms);

  while (g_subprocess_get_identifier (process) != NULL)
    {
      if (g_get_monotonic_time () > deadline)
        return FALSE;
      g_usleep (5 * 1000);
    }
  return TRUE;
}

char *
lt_test_describe_exit (GSubprocess *process)
{
  if (g_subprocess_get_if_exited (process))
    return g_strdup_printf ("exit status %d", g_subprocess_get_exit_status (process));
  if (g_subprocess_get_if_signaled (process))
    return g_strdup_printf ("killed by signal %d (%s)", g_subprocess_get_term_sig (process),
                            g_strsignal (g_subprocess_get_term_sig (process)));
  return g_strdup ("an unknown end");
}

/* The command that runs @program: the words of the environment
 * variable @wrapper_variable (the valgrind test setup sets it to a
 * valgrind command line), then the binary that @binary_variable names
 * (meson sets it). */
GStrv
lt_test_command_new (const char *wrapper_variable,
                     const char *binary_variable,
                     const char *program)
{
  const char *wrapper = g_getenv (wrapper_variable);
  const char *binary = g_getenv (binary_variable);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) words = NULL;
  g_autoptr(GError) error = NULL;

  if (binary == NULL || !g_file_test (binary, G_FILE_TEST_IS_EXECUTABLE))
    g_error ("%s must name the %s binary (got %s); run the tests with meson test",
             binary_variable, program, binary ? binary : "nothing");
  if (wrapper != NULL && !g_shell_parse_argv (wrapper, NULL, &words, &error))
    g_error ("%s: %s", wrapper_variable, error->message);
  if (words != NULL)
    g_strv_builder_addv (builder, (const char **) words);
  g_strv_builder_add (builder, binary);
  return g_strv_builder_end (builder);
}

static const char * const *
server_command (void)
{
  static GStrv command;

  if (g_once_init_enter (&command))
    g_once_init_leave (&command, lt_test_command_new ("LT_TEST_SERVER_WRAPPER",
                                                      "LT_SERVER_BINARY", "liaotian-server"));
  return (const char * const *) command;
}

/* @copy: whether @argv owns its strings */
static void
add_server_command (GPtrArray *argv,
                    gboolean   copy)
{
  for (const char * const *word = server_command (); *word != NULL; word++)
    g_ptr_array_add (argv, copy ? g_strdup (*word) : (char *) *word);
}

static GPtrArray *
server_argv (LtTestServer *self)
{
  GPtrArray *argv = g_ptr_array_new ();

  /* A restart keeps the port, so that clients can reconnect. */
  g_snprintf (self->port_argument, sizeof self->port_argument, "%u", self->port);
  add_server_command (argv, FALSE);
  g_ptr_array_add (argv, "--port");
  g_ptr_array_add (argv, self->port_argument);
  g_ptr_array_add (argv, "--data-dir");
  g_ptr_array_add (argv, self->data_dir);
  if (self->cert_file != NULL)
    {
      g_ptr_array_add (argv, "--tls-cert");
      g_ptr_array_add (argv, self->cert_file);
      g_ptr_array_add (argv, "--tls-key");
      g_ptr_array_add (argv, self->key_file);
    }
  /* Never the fixed default port: tests run side by side. */
  if (!self->http_in_args)
    {
      g_snprintf (self->http_port_argument, sizeof self->http_port_argument, "%u",
                  self->http_port);
      g_ptr_array_add (argv, "--http-port");
      g_ptr_array_add (argv, self->http_port_argument);
    }
  for (guint i = 0; i < self->args->len; i++)
    g_ptr_array_add (argv, g_ptr_array_index (self->args, i));
  if (g_getenv ("LT_TEST_SERVER_VERBOSE") != NULL)
    g_ptr_array_add (argv, "--verbose");
  g_ptr_array_add (argv, NULL);
  return argv;
}

/* Reads the stdout pipe of @process up to the first newline, for
 * @timeout_ms at the most; NULL at end of stream or on timeout.  Reads
 * byte by byte, so that nothing after the line is taken. */
char *
lt_test_read_line (GSubprocess *process,
                   guint        timeout_ms)
{
  gint64 deadline = lt_test_deadline (timeout_ms);
  GInputStream *stream = g_subprocess_get_stdout_pipe (process);
  int fd = g_unix_input_stream_get_fd (G_UNIX_INPUT_STREAM (stream));
  g_autoptr(GString) line = g_string_new (NULL);

  for (;;)
    {
      char c;
      gssize n = read_with_deadline (G_POLLABLE_INPUT_STREAM (stream), fd, &c, 1, deadline,
                                     NULL);

      if (n <= 0)
        return NULL;
      if (c == '\n')
        return g_string_free (g_steal_pointer (&line), FALSE);
      g_string_append_c (line, c);
    }
}

/* "WHAT on 127.0.0.1:PORT" or "WHAT on [::1]:PORT": the loopback
 * address in self->address, the port in *port. */
static void
parse_listening_line (LtTestServer *self,
                      const char   *what,
                      const char   *line,
                      guint16      *port_out)
{
  g_autofree char *pattern = g_strdup_printf ("^%s on (\\[([^]]+)\\]|([^:]+)):([0-9]+)$", what);
  g_autoptr(GRegex) regex = g_regex_new (pattern, 0, 0, NULL);
  g_autoptr(GMatchInfo) match = NULL;
  g_autoptr(GInetAddress) address = NULL;
  g_autofree char *v6 = NULL;
  g_autofree char *v4 = NULL;
  g_autofree char *port = NULL;
  guint64 port_number = 0;

  if (!g_regex_match (regex, line, 0, &match))
    g_error ("liaotian-server: expected \"%s on ADDR:PORT\" on stdout, got \"%s\"", what, line);

  v6 = g_match_info_fetch (match, 2);
  v4 = g_match_info_fetch (match, 3);
  port = g_match_info_fetch (match, 4);
  g_free (self->address);
  self->address = g_strdup (v6 && *v6 ? v6 : v4);
  address = g_inet_address_new_from_string (self->address);

  if (address == NULL || !g_inet_address_get_is_loopback (address))
    g_error ("liaotian-server: expected a loopback address in \"%s\"", line);
  if (!g_ascii_string_to_unsigned (port, 10, 1, G_MAXUINT16, &port_number, NULL))
    g_error ("liaotian-server: expected a port from 1 to 65535 in \"%s\"", line);
  *port_out = port_number;
}

/* The second line, unless the test turned the file service off. */
static void
read_http_line (LtTestServer *self)
{
  g_autofree char *line = NULL;

  for (guint i = 0; i + 1 < self->args->len; i++)
    {
      if (g_str_equal (g_ptr_array_index (self->args, i), "--http-port")
          && g_str_equal (g_ptr_array_index (self->args, i + 1), "-1"))
        return;
    }

  line = lt_test_read_line (self->process, LT_TEST_START_TIMEOUT_MS);
  if (line == NULL)
    g_error ("liaotian-server printed no \"http on\" line within %d ms",
             LT_TEST_START_TIMEOUT_MS);
  parse_listening_line (self, "http", line, &self->http_port);
}

void
lt_test_server_start (LtTestServer *self)
{
  g_autoptr(GSubprocessLauncher) launcher = launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE,
                                                          &self->max_file_size);
  g_autoptr(GPtrArray) argv = server_argv (self);
  g_autoptr(GError) error = NULL;
  g_autofree char *command = g_strjoinv (" ", (char **) argv->pdata);
  g_autofree char *line = NULL;

  g_assert_null (self->process);
  g_test_message ("Starting %s", command);
  self->process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata,
                                                &error);
  if (self->process == NULL)
    g_error ("Cannot start %s: %s", command, error->message);
  self->stdout_stream = g_object_ref (G_POLLABLE_INPUT_STREAM (
    g_subprocess_get_stdout_pipe (self->process)));

  line = lt_test_read_line (self->process, LT_TEST_START_TIMEOUT_MS);
  if (line == NULL)
    {
      g_autofree char *how = NULL;

      if (!lt_test_wait_process (self->process, 1000))
        {
          g_subprocess_force_exit (self->process);
          g_error ("liaotian-server printed no \"listening on\" line within %d ms: %s",
                   LT_TEST_START_TIMEOUT_MS, command);
        }
      how = lt_test_describe_exit (self->process);
      g_error ("liaotian-server ended (%s) before printing \"listening on\" (its stderr is "
               "above): %s", how, command);
    }

  parse_listening_line (self, "listening", line, &self->port);
  read_http_line (self);
  g_test_message ("liaotian-server is listening on %s port %u (HTTP: %u)", self->address,
                  self->port, self->http_port);
}

static void
server_clear_process (LtTestServer *self)
{
  g_clear_object (&self->stdout_stream);
  g_clear_object (&self->process);
}

/* SIGTERM, then exit status 0 within the timeout, and nothing more on
 * stdout than the one "listening on" line. */
void
lt_test_server_stop (LtTestServer *self)
{
  g_autofree char *how = NULL;
  char rest[256];
  gssize n;

  g_assert_nonnull (self->process);
  g_subprocess_send_signal (self->process, SIGTERM);
  if (!lt_test_wait_process (self->process, LT_TEST_TIMEOUT_MS))
    {
      g_subprocess_force_exit (self->process);
      g_error ("liaotian-server did not exit within %d ms of SIGTERM", LT_TEST_TIMEOUT_MS);
    }

  how = lt_test_describe_exit (self->process);
  if (!g_subprocess_get_if_exited (self->process)
      || g_subprocess_get_exit_status (self->process) != 0)
    g_error ("liaotian-server after SIGTERM: expected exit status 0, got %s", how);

  n = read_with_deadline (self->stdout_stream,
                          g_unix_input_stream_get_fd (G_UNIX_INPUT_STREAM (self->stdout_stream)),
                          rest, sizeof rest - 1, lt_test_deadline (1000), NULL);
  if (n > 0)
    {
      rest[n] = '\0';
      g_error ("liaotian-server: expected one line on stdout, got more: \"%s\"", rest);
    }

  server_clear_process (self);
}

/* A crash: SIGKILL, no chance to flush or close anything. */
void
lt_test_server_kill (LtTestServer *self)
{
  g_assert_nonnull (self->process);
  g_subprocess_force_exit (self->process);
  if (!lt_test_wait_process (self->process, LT_TEST_TIMEOUT_MS))
    g_error ("liaotian-server did not die of SIGKILL within %d ms", LT_TEST_TIMEOUT_MS);
  server_clear_process (self);
}

/* A hung server: SIGSTOP keeps its connections open but unanswered,
 * until lt_test_server_unfreeze() (SIGCONT). */
void
lt_test_server_freeze (LtTestServer *self)
{
  g_assert_nonnull (self->process);
  g_subprocess_send_signal (self->process, SIGSTOP);
}

void
lt_test_server_unfreeze (LtTestServer *self)
{
  g_assert_nonnull (self->process);
  g_subprocess_send_signal (self->process, SIGCONT);
}

void
lt_test_server_restart (LtTestServer *self)
{
  lt_test_server_stop (self);
  lt_test_server_start (self);
}

static void
make_certificate (LtTestServer *self)
{
  g_autoptr(GSubprocessLauncher) launcher = launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE
                                                          | G_SUBPROCESS_FLAGS_STDERR_MERGE,
                                                          NULL);
  g_autoptr(GSubprocess) openssl = NULL;
  g_autoptr(GError) error = NULL;

  self->cert_file = g_build_filename (self->dir, "cert.pem", NULL);
  self->key_file = g_build_filename (self->dir, "key.pem", NULL);
  openssl = g_subprocess_launcher_spawn (launcher, &error, "openssl", "req", "-x509",
                                         "-newkey", "ec", "-pkeyopt",
                                         "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
                                         "-subj", "/CN=localhost", "-keyout", self->key_file,
                                         "-out", self->cert_file, NULL);
  if (openssl == NULL)
    g_error ("Cannot run openssl to make a test certificate: %s", error->message);
  if (!lt_test_wait_process (openssl, LT_TEST_START_TIMEOUT_MS))
    {
      g_subprocess_force_exit (openssl);
      g_error ("openssl did not make a certificate within %d ms", LT_TEST_START_TIMEOUT_MS);
    }
  if (!g_subprocess_get_successful (openssl))
    g_error ("openssl req failed to make a test certificate");

  self->certificate = g_tls_certificate_new_from_file (self->cert_file, &error);
  if (self->certificate == NULL)
    g_error ("Cannot load the test certificate %s: %s", self->cert_file, error->message);
}

static char *
make_test_dir (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("liaotian-test-XXXXXX", &error);

  if (dir == NULL)
    g_error ("Cannot make a temporary folder: %s", error->message);
  return dir;
}

static char *
expand_argument (const char *argument,
                 const char *dir)
{
  g_auto(GStrv) parts = g_strsplit (argument, "@DIR@", -1);

  return g_strjoinv (dir, parts);
}

static GPtrArray *
expand_arguments (const char * const *args,
                  const char         *dir)
{
  GPtrArray *expanded = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; args != NULL && args[i] != NULL; i++)
    g_ptr_array_add (expanded, expand_argument (args[i], dir));
  return expanded;
}

LtTestServer *
lt_test_server_new (const LtTestServerOptions *options)
{
  LtTestServer *self = g_new0 (LtTestServer, 1);

  self->dir = make_test_dir ();
  self->data_dir = g_build_filename (self->dir, "data", NULL);
  self->args = expand_arguments (options ? options->args : NULL, self->dir);
  for (guint i = 0; i < self->args->len; i++)
    self->http_in_args |= g_str_equal (g_ptr_array_index (self->args, i), "--http-port");
  self->seen_mails = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_test_message ("Test folder: %s", self->dir);

  if (options != NULL && options->tls)
    make_certificate (self);
  if (options != NULL)
    self->max_file_size = options->max_file_size;

  lt_test_server_start (self);
  return self;
}

void
lt_test_server_free (LtTestServer *self)
{
  if (self == NULL)
    return;

  if (self->process != NULL)
    lt_test_server_stop (self);

  lt_test_remove_tree (self->dir);
  g_free (self->dir);
  g_free (self->data_dir);
  g_ptr_array_unref (self->args);
  g_free (self->cert_file);
  g_free (self->key_file);
  g_clear_object (&self->certificate);
  g_hash_table_unref (self->seen_mails);
  g_free (self->address);
  g_free (self);
}

const char *
lt_test_server_get_dir (LtTestServer *self)
{
  return self->dir;
}

const char *
lt_test_server_get_data_dir (LtTestServer *self)
{
  return self->data_dir;
}

const char *
lt_test_server_get_address (LtTestServer *self)
{
  return self->address;
}

guint16
lt_test_server_get_port (LtTestServer *self)
{
  return self->port;
}

/* The port of the HTTP file service; 0 when it is off. */
guint16
lt_test_server_get_http_port (LtTestServer *self)
{
  return self->http_port;
}

/* The server's self-signed certificate; NULL without TLS. */
GTlsCertificate *
lt_test_server_get_certificate (LtTestServer *self)
{
  return self->certificate;
}

/* The process of the running server (under valgrind: valgrind's, which
 * is the server's own process). */
GPid
lt_test_server_get_pid (LtTestServer *self)
{
  const char *identifier;

  g_assert_nonnull (self->process);
  identifier = g_subprocess_get_identifier (self->process);
  g_assert_nonnull (identifier);
  return atoi (identifier);
}


static char *
find_new_mail (LtTestServer *self)
{
  g_autofree char *outbox = g_build_filename (self->data_dir, "outbox", NULL);
  g_autoptr(GDir) dir = g_dir_open (outbox, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      if (g_str_has_suffix (name, ".eml") && !g_hash_table_contains (self->seen_mails, name))
        {
          g_hash_table_add (self->seen_mails, g_strdup (name));
          return g_build_filename (outbox, name, NULL);
        }
    }
  return NULL;
}

/* Waits for a mail in <data-dir>/outbox that no earlier call returned,
 * and returns its text (and its path). */
char *
lt_test_server_wait_mail (LtTestServer *self,
                          char        **path)
{
  g_autofree char *found = NULL;
  g_autoptr(GError) error = NULL;
  char *contents = NULL;

  lt_test_wait_until ((found = find_new_mail (self)) != NULL, "a new mail in the outbox");
  /* The server writes it atomically (g_file_set_contents), so it is whole. */
  if (!g_file_get_contents (found, &contents, NULL, &error))
    g_error ("Cannot read the mail %s: %s", found, error->message);
  if (path != NULL)
    *path = g_steal_pointer (&found);
  return contents;
}

/* The token is the run of exactly 32 lowercase hex digits in the body
 * (the headers may hold other hex, in Message-ID). */
char *
lt_test_mail_get_token (const char *mail)
{
  g_autoptr(GRegex) regex = g_regex_new ("(?<![0-9a-zA-Z])[0-9a-f]{32}(?![0-9a-zA-Z])", 0, 0,
                                         NULL);
  g_autoptr(GMatchInfo) match = NULL;
  const char *body = strstr (mail, "\r\n\r\n");

  if (body == NULL)
    body = strstr (mail, "\n\n");
  if (body == NULL || !g_regex_match (regex, body, 0, &match))
    return NULL;
  return g_match_info_fetch (match, 0);
}

typedef struct
{
  gboolean done;
  char *stdout_text;
  char *stderr_text;
} Communication;

static void
communicate_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  Communication *communication = user_data;

  g_subprocess_communicate_utf8_finish (G_SUBPROCESS (source), result,
                                        &communication->stdout_text,
                                        &communication->stderr_text, NULL);
  communication->done = TRUE;
}

/* Runs liaotian-server with @args (and a fresh --data-dir) expecting it
 * to refuse to start; returns its exit status and its stderr. */
int
lt_test_run_server_expect_failure (const char * const *args,
                                   char              **error_output)
{
  g_autoptr(GSubprocessLauncher) launcher = launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                                          | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                                                          NULL);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = make_test_dir ();
  Communication communication = { FALSE, NULL, NULL };
  g_autofree char *stdout_text = NULL;
  int status;

  add_server_command (argv, TRUE);
  g_ptr_array_add (argv, g_strdup ("--data-dir"));
  g_ptr_array_add (argv, g_build_filename (dir, "data", NULL));
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, expand_argument (args[i], dir));
  g_ptr_array_add (argv, NULL);

  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8_async (process, NULL, NULL, communicate_cb, &communication);
  if (!iterate_until (&communication.done, lt_test_deadline (LT_TEST_START_TIMEOUT_MS)))
    {
      g_subprocess_force_exit (process);
      iterate_until (&communication.done, lt_test_deadline (LT_TEST_TIMEOUT_MS));
      g_error ("Expected liaotian-server to refuse to start; it was still running after %d ms "
               "and printed \"%s\"", LT_TEST_START_TIMEOUT_MS,
               communication.stdout_text ? communication.stdout_text : "");
    }
  stdout_text = communication.stdout_text;
  if (!lt_test_wait_process (process, LT_TEST_TIMEOUT_MS))
    g_error ("liaotian-server closed its output but did not exit");

  if (stdout_text != NULL && strstr (stdout_text, "listening on") != NULL)
    g_error ("Expected liaotian-server to refuse to start, got \"%s\" on stdout", stdout_text);
  status = g_subprocess_get_if_exited (process) ? g_subprocess_get_exit_status (process) : -1;

  lt_test_remove_tree (dir);
  *error_output = communication.stderr_text;
  return status;
}

void
lt_test_fixture_setup (LtTestFixture *fixture,
                       gconstpointer  options)
{
  fixture->server = lt_test_server_new (options);
}

void
lt_test_fixture_teardown (LtTestFixture *fixture,
                          gconstpointer  options)
{
  g_clear_pointer (&fixture->server, lt_test_server_free);
}

/* The client ------------------------------------------------------------- */

struct _LtTestClient
{
  char *name;
  guint number;
  LtTestServer *server; /* not owned: the server outlives its clients */
  GSocket *socket;
  GIOStream *stream; /* the GSocketConnection, or the GTlsConnection over it */
  GPollableInputStream *input;
  GOutputStream *output;
  LtFrameReader *reader;
  GQueue frames; /* of JsonObject*: received, not yet consumed */
  GPtrArray *consumed; /* of JsonObject*: handed out, kept for the client's life */
  gint64 next_id;
  char *closed; /* why the stream ended; NULL while open */
  gboolean accepted_certificate;
  JsonObject *hello;
  JsonObject *login;
};

static void
on_frame (const char *data,
          gsize       length,
          gpointer    user_data)
{
  LtTestClient *self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = lt_json_parse_frame (data, length, &error);

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    g_error ("%s: the server sent a frame that is not a JSON object (%s): %.*s", self->name,
             error ? error->message : "not an object", (int) MIN (length, 500), data);
  g_queue_push_tail (&self->frames, json_object_ref (json_node_get_object (node)));
}

/* Reads once, waiting until @deadline; FALSE on timeout or when the
 * stream has ended (self->closed then says why). */
static gboolean
client_pump (LtTestClient *self,
             gint64        deadline)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *buffer = NULL;
  gssize n;

  if (self->closed != NULL)
    return FALSE;

  buffer = g_malloc (64 * 1024);
  n = read_with_deadline (self->input, g_socket_get_fd (self->socket), buffer, 64 * 1024,
                          deadline, &error);
  if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    return FALSE;
  if (n <= 0)
    {
      /* A reset or a TLS error after the server closed counts as closed. */
      self->closed = n == 0 ? g_strdup ("end of stream") : g_strdup (error->message);
      return FALSE;
    }

  if (!lt_frame_reader_feed (self->reader, buffer, n, on_frame, self, &error))
    g_error ("%s: cannot read the server's frames: %s", self->name, error->message);
  return TRUE;
}

/* What the client has received and not consumed, and whether the
 * connection (or the whole server) has ended, for failure messages. */
static char *
describe_queue (LtTestClient *self)
{
  GString *text = g_string_new (NULL);
  guint n = 0;

  if (self->closed != NULL)
    {
      g_string_append_printf (text, "(connection closed: %s", self->closed);
      /* A closed connection may be the server's death: say so. */
      if (self->server->process != NULL && lt_test_wait_process (self->server->process, 500))
        {
          g_autofree char *how = lt_test_describe_exit (self->server->process);

          g_string_append_printf (text, "; liaotian-server has ended: %s", how);
        }
      g_string_append (text, ") ");
    }

  for (GList *l = self->frames.head; l != NULL && n < 10; l = l->next, n++)
    {
      g_autofree char *frame = lt_test_object_to_string (l->data);

      g_string_append_printf (text, "%s%.300s", n ? ", " : "", frame);
    }
  if (self->frames.length > n)
    g_string_append_printf (text, " and %u more", self->frames.length - n);
  if (self->frames.length == 0)
    g_string_append (text, "nothing");
  return g_string_free (text, FALSE);
}

/* Hands a queued frame to the caller, keeping it alive with the client. */
static JsonObject *
consume (LtTestClient *self,
         GList        *link)
{
  JsonObject *frame = link->data;

  g_queue_delete_link (&self->frames, link);
  g_ptr_array_add (self->consumed, frame);
  return frame;
}

typedef gboolean (*FrameMatch) (JsonObject *frame,
                                gconstpointer data);

/* Waits for the first queued frame that @match accepts, reading until
 * @deadline; NULL if none came. */
static JsonObject *
client_wait_frame (LtTestClient *self,
                   FrameMatch    match,
                   gconstpointer data,
                   gint64        deadline)
{
  GList *checked = NULL; /* the last frame already looked at */
  gboolean pumped = FALSE;

  for (;;)
    {
      for (GList *l = checked ? checked->next : self->frames.head; l != NULL; l = l->next)
        {
          if (match (l->data, data))
            return consume (self, l);
          checked = l;
        }
      /* Read at least once, then only until the deadline, even if the
       * server never stops sending. */
      if (pumped && g_get_monotonic_time () > deadline)
        return NULL;
      if (!client_pump (self, deadline))
        return NULL;
      pumped = TRUE;
    }
}

static gboolean
is_response_to (JsonObject   *frame,
                gconstpointer data)
{
  gint64 id = *(const gint64 *) data;
  JsonNode *id_node = json_object_get_member (frame, "id");

  if (id_node == NULL
      || (!json_object_has_member (frame, "result") && !json_object_has_member (frame, "error")))
    return FALSE;
  if (id == LT_TEST_ID_NULL)
    return JSON_NODE_HOLDS_NULL (id_node);
  return JSON_NODE_HOLDS_VALUE (id_node) && json_node_get_value_type (id_node) == G_TYPE_INT64
         && json_node_get_int (id_node) == id;
}

static gboolean
is_notification (JsonObject   *frame,
                 gconstpointer data)
{
  const char *method = data;

  return !json_object_has_member (frame, "id")
         && g_strcmp0 (json_object_get_string_member_with_default (frame, "method", NULL),
                       method) == 0;
}

static gboolean
any_frame (JsonObject   *frame,
           gconstpointer data)
{
  return TRUE;
}

static void
expect_hello (LtTestClient *self)
{
  JsonObject *frame = client_wait_frame (self, any_frame, NULL,
                                         lt_test_deadline (LT_TEST_TIMEOUT_MS));
  g_autofree char *text = lt_test_object_to_string (frame);

  if (frame == NULL || !is_notification (frame, "hello"))
    g_error ("%s: expected hello as the first frame, got %s", self->name,
             frame ? text : "nothing");
  self->hello = json_object_get_object_member (frame, "params");
}

static gboolean
accept_certificate_cb (GTlsConnection       *connection,
                       GTlsCertificate      *peer_certificate,
                       GTlsCertificateFlags  errors,
                       gpointer              user_data)
{
  LtTestClient *self = user_data;
  GTlsCertificate *expected = g_object_get_data (G_OBJECT (connection), "lt-test-certificate");

  /* Self-signed: accept it only if it is the one the server was given. */
  self->accepted_certificate = g_tls_certificate_is_same (peer_certificate, expected);
  return self->accepted_certificate;
}

static guint client_counter;

LtTestClient *
lt_test_client_connect (LtTestServer     *server,
                        LtTestClientFlags flags,
                        GError          **error)
{
  g_autoptr(LtTestClient) self = g_new0 (LtTestClient, 1);
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GSocketConnection) connection = NULL;

  self->number = ++client_counter;
  self->server = server;
  self->name = g_strdup_printf ("client %u", self->number);
  self->reader = lt_frame_reader_new (CLIENT_MAX_FRAME);
  self->consumed = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  self->next_id = 1;
  g_queue_init (&self->frames);

  address = g_inet_socket_address_new_from_string (server->address, server->port);
  self->socket = g_socket_new (g_socket_address_get_family (address), G_SOCKET_TYPE_STREAM,
                               G_SOCKET_PROTOCOL_TCP, error);
  if (self->socket == NULL)
    return NULL;
  /* Bounds every blocking connect, handshake and write. */
  g_socket_set_timeout (self->socket, (lt_test_scale_timeout (LT_TEST_TIMEOUT_MS) + 999) / 1000);
  if ((flags & LT_TEST_CLIENT_SMALL_BUFFER)
      && !g_socket_set_option (self->socket, SOL_SOCKET, SO_RCVBUF, 4096, error))
    return NULL;
  if (!g_socket_connect (self->socket, address, NULL, error))
    return NULL;

  connection = g_socket_connection_factory_create_connection (self->socket);
  if (server->certificate != NULL && !(flags & LT_TEST_CLIENT_PLAINTEXT))
    {
      g_autoptr(GSocketConnectable) identity = g_network_address_new ("localhost", server->port);
      g_autoptr(GIOStream) tls = g_tls_client_connection_new (G_IO_STREAM (connection), identity,
                                                              error);

      if (tls == NULL)
        return NULL;
      g_object_set_data_full (G_OBJECT (tls), "lt-test-certificate",
                              g_object_ref (server->certificate), g_object_unref);
      g_signal_connect (tls, "accept-certificate", G_CALLBACK (accept_certificate_cb), self);
      g_tls_connection_set_require_close_notify (G_TLS_CONNECTION (tls), FALSE);
      if (!g_tls_connection_handshake (G_TLS_CONNECTION (tls), NULL, error))
        return NULL;
      self->stream = g_steal_pointer (&tls);
    }
  else
    {
      self->stream = G_IO_STREAM (g_steal_pointer (&connection));
    }

  self->input = G_POLLABLE_INPUT_STREAM (g_io_stream_get_input_stream (self->stream));
  self->output = g_io_stream_get_output_stream (self->stream);

  if (!(flags & LT_TEST_CLIENT_NO_HELLO))
    expect_hello (self);

  return g_steal_pointer (&self);
}

LtTestClient *
lt_test_client_new (LtTestServer *server)
{
  g_autoptr(GError) error = NULL;
  LtTestClient *self = lt_test_client_connect (server, LT_TEST_CLIENT_NONE, &error);

  if (self == NULL)
    g_error ("Cannot connect to liaotian-server at %s port %u: %s", server->address,
             server->port, error->message);
  return self;
}

LtTestClient *
lt_test_client_new_login (LtTestServer *server,
                          const char   *username)
{
  LtTestClient *self = lt_test_client_new (server);

  lt_test_login (self, username, LT_TEST_PASSWORD);
  return self;
}

LtTestClient *
lt_test_client_new_user (LtTestServer *server,
                         const char   *username)
{
  LtTestClient *self = lt_test_client_new (server);

  lt_test_register (self, username);
  lt_test_login (self, username, LT_TEST_PASSWORD);
  return self;
}

void
lt_test_client_free (LtTestClient *self)
{
  if (self == NULL)
    return;

  /* The server may have closed already: errors do not matter here. */
  if (self->stream != NULL)
    g_io_stream_close (self->stream, NULL, NULL);
  g_clear_object (&self->stream);
  g_clear_object (&self->socket);
  g_clear_pointer (&self->reader, lt_frame_reader_free);
  g_queue_clear_full (&self->frames, (GDestroyNotify) json_object_unref);
  g_clear_pointer (&self->consumed, g_ptr_array_unref);
  g_free (self->closed);
  g_free (self->name);
  g_free (self);
}



JsonObject *
lt_test_client_get_hello (LtTestClient *self)
{
  return self->hello;
}

JsonObject *
lt_test_client_get_login (LtTestClient *self)
{
  return self->login;
}

gboolean
lt_test_client_get_accepted_certificate (LtTestClient *self)
{
  return self->accepted_certificate;
}

/* Whether the server has closed the connection, as far as read. */
gboolean
lt_test_client_is_closed (LtTestClient *self)
{
  return self->closed != NULL;
}

gboolean
lt_test_client_send_raw (LtTestClient *self,
                         const void   *data,
                         gsize         length,
                         GError      **error)
{
  return g_output_stream_write_all (self->output, data, length, NULL, NULL, error);
}

/* Sends @line and a newline, asserting that it could be written. */
void
lt_test_client_send_line (LtTestClient *self,
                          const char   *line)
{
  g_autofree char *frame = g_strconcat (line, "\n", NULL);
  g_autoptr(GError) error = NULL;

  if (!lt_test_client_send_raw (self, frame, strlen (frame), &error))
    g_error ("%s: cannot send %.100s: %s", self->name, line, error->message);
}

gint64
lt_test_client_send_request (LtTestClient *self,
                             const char   *method,
                             JsonObject   *params)
{
  gint64 id = self->next_id++;
  g_autoptr(GBytes) frame = lt_jsonrpc_request_new (id, method, params);
  g_autoptr(GError) error = NULL;

  if (!lt_test_client_send_raw (self, g_bytes_get_data (frame, NULL), g_bytes_get_size (frame),
                                &error))
    g_error ("%s: cannot send %s: %s", self->name, method, error->message);
  return id;
}

JsonObject *
lt_test_client_wait_response_at (LT_TEST_LOCATION,
                                 LtTestClient *self,
                                 gint64        id)
{
  JsonObject *response = client_wait_frame (self, is_response_to, &id,
                                            lt_test_deadline (LT_TEST_TIMEOUT_MS));
  g_autofree char *queued = NULL;

  if (response != NULL)
    return response;

  queued = describe_queue (self);
  if (id == LT_TEST_ID_NULL)
    lt_test_fail_at (file, line, func, "%s: expected a response with id null within %d ms, "
                     "got %s", self->name, LT_TEST_TIMEOUT_MS, queued);
  lt_test_fail_at (file, line, func, "%s: expected the response to request %" G_GINT64_FORMAT
                   " within %d ms, got %s", self->name, id, LT_TEST_TIMEOUT_MS, queued);
}

/* The result, or the error as an LT_PROTOCOL_ERROR GError. */
JsonObject *
lt_test_client_call_object (LtTestClient *self,
                            const char   *method,
                            JsonObject   *params,
                            GError      **error)
{
  gint64 id = lt_test_client_send_request (self, method, params);
  JsonObject *response = lt_test_wait_response (self, id);

  if (json_object_has_member (response, "error"))
    {
      g_propagate_error (error,
                         lt_jsonrpc_error_to_gerror (json_object_get_object_member (response,
                                                                                    "error")));
      return NULL;
    }
  return json_object_get_object_member (response, "result");
}

JsonObject *
lt_test_client_call (LtTestClient *self,
                     const char   *method,
                     GError      **error,
                     const char   *params_format,
                     ...)
{
  g_autoptr(JsonObject) params = NULL;
  va_list args;

  va_start (args, params_format);
  params = lt_test_params_new_va (params_format, args);
  va_end (args);
  return lt_test_client_call_object (self, method, params, error);
}

/* Sends a request and returns its whole response frame. */
static JsonObject *
call_va (LT_TEST_LOCATION,
         LtTestClient *self,
         const char   *method,
         const char   *params_format,
         va_list       args,
         char        **request_text)
{
  g_autoptr(JsonObject) params = lt_test_params_new_va (params_format, args);
  gint64 id = lt_test_client_send_request (self, method, params);

  *request_text = lt_test_object_to_string (params);
  return lt_test_client_wait_response_at (file, line, func, self, id);
}

JsonObject *
lt_test_client_call_ok_at (LT_TEST_LOCATION,
                           LtTestClient *self,
                           const char   *method,
                           const char   *params_format,
                           ...)
{
  g_autofree char *request = NULL;
  JsonObject *response;
  va_list args;

  va_start (args, params_format);
  response = call_va (file, line, func, self, method, params_format, args, &request);
  va_end (args);

  if (!json_object_has_member (response, "result")
      || !JSON_NODE_HOLDS_OBJECT (json_object_get_member (response, "result")))
    {
      g_autofree char *got = lt_test_object_to_string (response);

      lt_test_fail_at (file, line, func, "%s: %s %s: expected a result object, got %s",
                       self->name, method, request, got);
    }
  return json_object_get_object_member (response, "result");
}

/* Asserts an error response with this code and data.reason; returns
 * the error object. */
JsonObject *
lt_test_client_call_expect_error_at (LT_TEST_LOCATION,
                                     LtTestClient *self,
                                     const char   *method,
                                     gint          wire_code,
                                     const char   *reason,
                                     const char   *params_format,
                                     ...)
{
  g_autofree char *request = NULL;
  JsonObject *response;
  JsonObject *error_object = NULL;
  JsonObject *data = NULL;
  va_list args;

  va_start (args, params_format);
  response = call_va (file, line, func, self, method, params_format, args, &request);
  va_end (args);

  if (json_object_has_member (response, "error"))
    error_object = json_object_get_object_member (response, "error");
  if (error_object != NULL && json_object_has_member (error_object, "data"))
    data = json_object_get_object_member (error_object, "data");

  if (error_object == NULL || data == NULL
      || json_object_get_int_member_with_default (error_object, "code", 0) != wire_code
      || g_strcmp0 (json_object_get_string_member_with_default (data, "reason", NULL),
                    reason) != 0
      || json_object_get_string_member_with_default (error_object, "message", NULL) == NULL)
    {
      g_autofree char *got = lt_test_object_to_string (response);

      lt_test_fail_at (file, line, func, "%s: %s %s: expected error %d %s, got %s", self->name,
                       method, request, wire_code, reason, got);
    }
  return error_object;
}

/* The next frame of any kind, in the order the server sent it. */
JsonObject *
lt_test_client_next_frame_at (LT_TEST_LOCATION,
                              LtTestClient *self)
{
  JsonObject *frame = client_wait_frame (self, any_frame, NULL,
                                         lt_test_deadline (LT_TEST_TIMEOUT_MS));
  g_autofree char *queued = NULL;

  if (frame != NULL)
    return frame;
  queued = describe_queue (self);
  lt_test_fail_at (file, line, func, "%s: expected a frame within %d ms, got %s", self->name,
                   LT_TEST_TIMEOUT_MS, queued);
}

/* Returns the params of the first notification @method, waiting for it. */
JsonObject *
lt_test_client_wait_notification_at (LT_TEST_LOCATION,
                                     LtTestClient *self,
                                     const char   *method)
{
  JsonObject *frame = client_wait_frame (self, is_notification, method,
                                         lt_test_deadline (LT_TEST_TIMEOUT_MS));
  g_autofree char *queued = NULL;

  if (frame != NULL)
    {
      if (!json_object_has_member (frame, "params")
          || !JSON_NODE_HOLDS_OBJECT (json_object_get_member (frame, "params")))
        {
          g_autofree char *text = lt_test_object_to_string (frame);

          lt_test_fail_at (file, line, func, "%s: expected %s with params, got %s", self->name,
                           method, text);
        }
      return json_object_get_object_member (frame, "params");
    }

  queued = describe_queue (self);
  lt_test_fail_at (file, line, func, "%s: expected notification %s within %d ms, got %s",
                   self->name, method, LT_TEST_TIMEOUT_MS, queued);
}

typedef struct
{
  const char *method;
  JsonNode *params; /* compared with json_mismatch() */
} NotificationLike;

static gboolean
is_notification_like (JsonObject   *frame,
                      gconstpointer data)
{
  const NotificationLike *like = data;
  g_autofree char *mismatch = NULL;

  if (!is_notification (frame, like->method))
    return FALSE;
  mismatch = json_mismatch (like->params, json_object_get_member (frame, "params"), "params");
  return mismatch == NULL;
}

/* Waits for the first notification @method whose params have the
 * members given; others stay queued. */
JsonObject *
lt_test_client_wait_notification_like_at (LT_TEST_LOCATION,
                                          LtTestClient *self,
                                          const char   *method,
                                          const char   *params_format,
                                          ...)
{
  g_autoptr(JsonObject) params = NULL;
  g_autoptr(JsonNode) params_node = NULL;
  g_autofree char *queued = NULL;
  g_autofree char *expected = NULL;
  NotificationLike like;
  JsonObject *frame;
  va_list args;

  va_start (args, params_format);
  params = lt_test_params_new_va (params_format, args);
  va_end (args);
  params_node = json_node_init_object (json_node_alloc (), params);
  like.method = method;
  like.params = params_node;

  frame = client_wait_frame (self, is_notification_like, &like,
                             lt_test_deadline (LT_TEST_TIMEOUT_MS));
  if (frame != NULL)
    return json_object_get_object_member (frame, "params");

  queued = describe_queue (self);
  expected = lt_test_json_to_string (params_node);
  lt_test_fail_at (file, line, func, "%s: expected notification %s with %s within %d ms, got %s",
                   self->name, method, expected, LT_TEST_TIMEOUT_MS, queued);
}

/* Reads for @timeout_ms and asserts that nothing came meanwhile (nor
 * was waiting in the queue). */
void
lt_test_client_expect_no_frame_at (LT_TEST_LOCATION,
                                   LtTestClient *self,
                                   guint         timeout_ms)
{
  JsonObject *frame = client_wait_frame (self, any_frame, NULL, lt_test_deadline (timeout_ms));

  if (frame != NULL)
    {
      g_autofree char *text = lt_test_object_to_string (frame);

      lt_test_fail_at (file, line, func, "%s: expected no frame, got %s", self->name, text);
    }
}

/* Reads for @timeout_ms and asserts that no @method came meanwhile (nor
 * was waiting in the queue). */
void
lt_test_client_expect_no_notification_at (LT_TEST_LOCATION,
                                          LtTestClient *self,
                                          const char   *method,
                                          guint         timeout_ms)
{
  JsonObject *frame = client_wait_frame (self, is_notification, method,
                                         lt_test_deadline (timeout_ms));

  if (frame != NULL)
    {
      g_autofree char *text = lt_test_object_to_string (frame);

      lt_test_fail_at (file, line, func, "%s: expected no %s notification, got %s", self->name,
                       method, text);
    }
}

/* Discards the queued notifications @method (all of them if NULL),
 * without reading more; returns how many. */
guint
lt_test_client_drop_notifications (LtTestClient *self,
                                   const char   *method)
{
  guint dropped = 0;
  GList *next;

  for (GList *l = self->frames.head; l != NULL; l = next)
    {
      JsonObject *frame = l->data;

      next = l->next;
      if (json_object_has_member (frame, "id"))
        continue;
      if (method != NULL && !is_notification (frame, method))
        continue;
      json_object_unref (frame);
      g_queue_delete_link (&self->frames, l);
      dropped++;
    }
  return dropped;
}

/* Reads until the server closes the connection; what came before the
 * end stays queued. */
void
lt_test_client_wait_closed_at (LT_TEST_LOCATION,
                               LtTestClient *self)
{
  gint64 deadline = lt_test_deadline (LT_TEST_TIMEOUT_MS);

  while (g_get_monotonic_time () <= deadline && client_pump (self, deadline))
    ;

  if (self->closed == NULL)
    {
      g_autofree char *queued = describe_queue (self);

      lt_test_fail_at (file, line, func, "%s: expected the server to close the connection "
                       "within %d ms; it is still open, got %s", self->name, LT_TEST_TIMEOUT_MS,
                       queued);
    }
}

/* Accounts and messages --------------------------------------------------- */

void
lt_test_client_register_at (LT_TEST_LOCATION,
                            LtTestClient *self,
                            const char   *username)
{
  g_autofree char *nickname = lt_test_nickname (username);
  JsonObject *result;

  result = lt_test_client_call_ok_at (file, line, func, self, "register",
                                      "{'username':'%s','nickname':'%s','password':'%s',"
                                      "'email':'%s@example.org'}",
                                      username, nickname, LT_TEST_PASSWORD, username);
  lt_test_assert_object_at (file, line, func, result, "{'username':'%s'}", username);
}

JsonObject *
lt_test_client_login_at (LT_TEST_LOCATION,
                         LtTestClient *self,
                         const char   *username,
                         const char   *password)
{
  JsonObject *result;

  result = lt_test_client_call_ok_at (file, line, func, self, "login",
                                      "{'username':'%s','password':'%s'}", username, password);
  lt_test_assert_object_at (file, line, func, result, "{'username':'%s'}", username);
  g_free (self->name);
  self->name = g_strdup_printf ("%s (client %u)", username, self->number);
  self->login = result;
  return result;
}

/* Sends @text and returns the message id. */
gint64
lt_test_client_send_message_at (LT_TEST_LOCATION,
                                LtTestClient *self,
                                const char   *to,
                                const char   *text)
{
  g_autoptr(JsonObject) params = json_object_new ();
  JsonObject *result;
  JsonObject *response;
  gint64 id;

  json_object_set_string_member (params, "to", to);
  json_object_set_string_member (params, "text", text);
  id = lt_test_client_send_request (self, "send", params);
  response = lt_test_client_wait_response_at (file, line, func, self, id);
  result = json_object_has_member (response, "result")
             ? json_object_get_object_member (response, "result") : NULL;

  if (result == NULL
      || json_object_get_int_member_with_default (result, "id", 0) <= 0
      || json_object_get_int_member_with_default (result, "ts", 0) <= 0)
    {
      g_autofree char *got = lt_test_object_to_string (response);

      lt_test_fail_at (file, line, func, "%s: send to %s: expected {id, ts} with positive "
                       "integers, got %s", self->name, to, got);
    }
  return json_object_get_int_member (result, "id");
}

/* Waits for a message notification and checks its fields. */
JsonObject *
lt_test_client_expect_message_at (LT_TEST_LOCATION,
                                  LtTestClient *self,
                                  const char   *from,
                                  const char   *to,
                                  const char   *text)
{
  JsonObject *message = lt_test_client_wait_notification_at (file, line, func, self,
                                                             "message");
  g_autofree char *nickname = lt_test_nickname (from);
  g_autofree char *got = lt_test_object_to_string (message);

  if (g_strcmp0 (json_object_get_string_member_with_default (message, "from", NULL), from)
      || g_strcmp0 (json_object_get_string_member_with_default (message, "nickname", NULL),
                    nickname)
      || g_strcmp0 (json_object_get_string_member_with_default (message, "to", NULL), to)
      || g_strcmp0 (json_object_get_string_member_with_default (message, "text", NULL), text)
      || json_object_get_int_member_with_default (message, "id", 0) <= 0
      || json_object_get_int_member_with_default (message, "ts", 0) <= 0)
    lt_test_fail_at (file, line, func, "%s: expected a message from %s (%s) to %s saying "
                     "\"%.200s\" with a positive id and ts, got %s", self->name, from, nickname,
                     to, text, got);
  return message;
}

/**
 * lt_test_dbusmock_emit:
 * @bus_name: a python3-dbusmock service on @connection
 * @path: its mocked object
 * @args: (transfer floating): the signal's arguments, a tuple
 *
 * Makes the mocked object emit @interface.@signal (@args), through
 * dbusmock's org.freedesktop.DBus.Mock.EmitSignal.
 */
void
lt_test_dbusmock_emit (GDBusConnection *connection,
                       const char      *bus_name,
                       const char      *path,
                       const char      *interface,
                       const char      *signal,
                       GVariant        *args)
{
  g_autoptr(GVariant) tuple = g_variant_ref_sink (args);
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  const char *type = g_variant_get_type_string (tuple);
  g_autofree char *signature = g_strndup (type + 1, strlen (type) - 2);
  GVariantBuilder boxed;

  g_variant_builder_init (&boxed, G_VARIANT_TYPE ("av"));
  for (gsize i = 0; i < g_variant_n_children (tuple); i++)
    {
      g_autoptr(GVariant) child = g_variant_get_child_value (tuple, i);

      g_variant_builder_add (&boxed, "v", child);
    }

  reply = g_dbus_connection_call_sync (connection, bus_name, path, "org.freedesktop.DBus.Mock",
                                       "EmitSignal",
                                       g_variant_new ("(sssav)", interface, signal, signature,
                                                      &boxed),
                                       NULL, G_DBUS_CALL_FLAGS_NONE,
                                       lt_test_scale_timeout (LT_TEST_TIMEOUT_MS), NULL, &error);
  g_assert_no_error (error);
}
