/* SPDX-License-Identifier: GPL-3.0-or-later */
/* lt-test-utils.h: a real liaotian-server in a temporary folder, and a
 * small synchronous client for it, for the tests in this folder.
 *
 * Every wait is bounded (LT_TEST_TIMEOUT_MS per operation, scaled up
 * under valgrind) and every failure says what was expected and what
 * came instead, at the line of the test that asked.  Objects returned
 * with "(transfer none)" stay valid as long as the client lives. */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define LT_TEST_PASSWORD "correct horse battery"
#define LT_TEST_TIMEOUT_MS 5000
#define LT_TEST_START_TIMEOUT_MS 10000
/* Stands for "id": null in lt_test_client_wait_response(). */
#define LT_TEST_ID_NULL G_MININT64

/* The location of the test line that called a helper. */
#define LT_TEST_HERE __FILE__, __LINE__, G_STRFUNC
#define LT_TEST_LOCATION const char *file, int line, const char *func

guint lt_test_scale_timeout (guint timeout_ms);
gint64 lt_test_deadline (guint timeout_ms);
gboolean lt_test_iterate (gint64 deadline);
void lt_test_fail_at (LT_TEST_LOCATION,
                      const char *format,
                      ...) G_GNUC_PRINTF (4, 5) G_GNUC_NORETURN;
#define lt_test_fail(...) lt_test_fail_at (LT_TEST_HERE, __VA_ARGS__)

/* Polls @condition every 10 ms until it holds; fails after
 * LT_TEST_TIMEOUT_MS, naming @description. */
#define lt_test_wait_until(condition, description) \
  G_STMT_START { \
    gint64 lt_deadline_ = lt_test_deadline (LT_TEST_TIMEOUT_MS); \
    while (!(condition)) \
      { \
        if (g_get_monotonic_time () > lt_deadline_) \
          lt_test_fail ("Expected %s within %d ms; it did not happen", (description), \
                        LT_TEST_TIMEOUT_MS); \
        g_usleep (10 * 1000); \
      } \
  } G_STMT_END

char *lt_test_json_to_string (JsonNode *node);
char *lt_test_object_to_string (JsonObject *object);
JsonObject *lt_test_params_new (const char *format,
                                ...) G_GNUC_PRINTF (1, 2);
JsonObject *lt_test_params_new_va (const char *format,
                                   va_list     args) G_GNUC_PRINTF (1, 0);
void lt_test_assert_object_at (LT_TEST_LOCATION,
                               JsonObject *actual,
                               const char *expected_format,
                               ...) G_GNUC_PRINTF (5, 6);
#define lt_test_assert_object(actual, ...) \
  lt_test_assert_object_at (LT_TEST_HERE, (actual), __VA_ARGS__)

char *lt_test_nickname (const char *username);
char *lt_test_text_of_length (guint       n_chars,
                              const char *character);

/* The server. */
typedef struct
{
  gboolean tls;
  guint64 max_file_size; /* RLIMIT_FSIZE of the server in bytes, 0: none */
  /* Extra arguments, NULL-terminated; "@DIR@" in one stands for the
   * test's temporary folder (which holds data/ and the certificate). */
  const char *args[16];
} LtTestServerOptions;

typedef struct _LtTestServer LtTestServer;

LtTestServer *lt_test_server_new (const LtTestServerOptions *options);
void lt_test_server_free (LtTestServer *server);
void lt_test_server_start (LtTestServer *server);
void lt_test_server_stop (LtTestServer *server);
void lt_test_server_kill (LtTestServer *server);
void lt_test_server_freeze (LtTestServer *server);
void lt_test_server_unfreeze (LtTestServer *server);
void lt_test_server_restart (LtTestServer *server);
const char *lt_test_server_get_dir (LtTestServer *server);
const char *lt_test_server_get_data_dir (LtTestServer *server);
const char *lt_test_server_get_address (LtTestServer *server);
guint16 lt_test_server_get_port (LtTestServer *server);
guint16 lt_test_server_get_http_port (LtTestServer *server);
GPid lt_test_server_get_pid (LtTestServer *server);
GTlsCertificate *lt_test_server_get_certificate (LtTestServer *server);
char *lt_test_server_wait_mail (LtTestServer *server,
                                char        **path);
int lt_test_run_server_expect_failure (const char * const *args,
                                       char              **error_output);

char *lt_test_mail_get_token (const char *mail);
void lt_test_remove_tree (const char *path);
void lt_test_dbusmock_emit (GDBusConnection *connection,
                            const char      *bus_name,
                            const char      *path,
                            const char      *interface,
                            const char      *signal,
                            GVariant        *args);

/* Programs that tests start. */
GSubprocessLauncher *lt_test_launcher_new (GSubprocessFlags flags);
GStrv lt_test_command_new (const char *wrapper_variable,
                           const char *binary_variable,
                           const char *program);
gboolean lt_test_wait_process (GSubprocess *process,
                               guint        timeout_ms);
char *lt_test_describe_exit (GSubprocess *process);
char *lt_test_read_line (GSubprocess *process,
                         guint        timeout_ms);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LtTestServer, lt_test_server_free)

/* A fixture whose setup starts a server with the test data, a
 * (const LtTestServerOptions *) or NULL, and whose teardown stops it
 * (asserting exit status 0) and removes its folder. */
typedef struct
{
  LtTestServer *server;
} LtTestFixture;

void lt_test_fixture_setup (LtTestFixture *fixture,
                            gconstpointer  options);
void lt_test_fixture_teardown (LtTestFixture *fixture,
                               gconstpointer  options);

#define lt_test_add(path, options, func) \
  g_test_add ((path), LtTestFixture, (options), lt_test_fixture_setup, (func), \
              lt_test_fixture_teardown)

/* The client. */
typedef enum
{
  LT_TEST_CLIENT_NONE = 0,
  LT_TEST_CLIENT_NO_HELLO = 1 << 0, /* leave the first frame in the queue */
  LT_TEST_CLIENT_PLAINTEXT = 1 << 1, /* no TLS, even to a TLS server */
  LT_TEST_CLIENT_SMALL_BUFFER = 1 << 2, /* a tiny receive buffer */
} LtTestClientFlags;

typedef struct _LtTestClient LtTestClient;

LtTestClient *lt_test_client_connect (LtTestServer     *server,
                                      LtTestClientFlags flags,
                                      GError          **error);
LtTestClient *lt_test_client_new (LtTestServer *server);
LtTestClient *lt_test_client_new_user (LtTestServer *server,
                                       const char   *username);
LtTestClient *lt_test_client_new_login (LtTestServer *server,
                                        const char   *username);
void lt_test_client_free (LtTestClient *client);
JsonObject *lt_test_client_get_hello (LtTestClient *client);
JsonObject *lt_test_client_get_login (LtTestClient *client);
gboolean lt_test_client_get_accepted_certificate (LtTestClient *client);
gboolean lt_test_client_is_closed (LtTestClient *client);

gboolean lt_test_client_send_raw (LtTestClient *client,
                                  const void   *data,
                                  gsize         length,
                                  GError      **error);
void lt_test_client_send_line (LtTestClient *client,
                               const char   *line);
gint64 lt_test_client_send_request (LtTestClient *client,
                                    const char   *method,
                                    JsonObject   *params);
JsonObject *lt_test_client_wait_response_at (LT_TEST_LOCATION,
                                             LtTestClient *client,
                                             gint64        id);
JsonObject *lt_test_client_call_object (LtTestClient *client,
                                        const char   *method,
                                        JsonObject   *params,
                                        GError      **error);
JsonObject *lt_test_client_call (LtTestClient *client,
                                 const char   *method,
                                 GError      **error,
                                 const char   *params_format,
                                 ...) G_GNUC_PRINTF (4, 5);
JsonObject *lt_test_client_call_ok_at (LT_TEST_LOCATION,
                                       LtTestClient *client,
                                       const char   *method,
                                       const char   *params_format,
                                       ...) G_GNUC_PRINTF (6, 7);
JsonObject *lt_test_client_call_expect_error_at (LT_TEST_LOCATION,
                                                 LtTestClient *client,
                                                 const char   *method,
                                                 gint          wire_code,
                                                 const char   *reason,
                                                 const char   *params_format,
                                                 ...) G_GNUC_PRINTF (8, 9);
JsonObject *lt_test_client_next_frame_at (LT_TEST_LOCATION,
                                          LtTestClient *client);
JsonObject *lt_test_client_wait_notification_at (LT_TEST_LOCATION,
                                                 LtTestClient *client,
                                                 const char   *method);
void lt_test_client_expect_no_notification_at (LT_TEST_LOCATION,
                                               LtTestClient *client,
                                               const char   *method,
                                               guint         timeout_ms);
JsonObject *lt_test_client_wait_notification_like_at (LT_TEST_LOCATION,
                                                      LtTestClient *client,
                                                      const char   *method,
                                                      const char   *params_format,
                                                      ...) G_GNUC_PRINTF (6, 7);
void lt_test_client_expect_no_frame_at (LT_TEST_LOCATION,
                                        LtTestClient *client,
                                        guint         timeout_ms);
guint lt_test_client_drop_notifications (LtTestClient *client,
                                         const char   *method);
void lt_test_client_wait_closed_at (LT_TEST_LOCATION,
                                    LtTestClient *client);

/* Params are a printf format giving JSON in which every ' stands for "
 * (write \u0027 for an apostrophe), also in the arguments, which are
 * inserted verbatim.  Build a JsonObject for text that needs escaping. */
#define lt_test_call_ok(client, method, ...) \
  lt_test_client_call_ok_at (LT_TEST_HERE, (client), (method), __VA_ARGS__)
#define lt_test_call_error(client, method, wire_code, reason, ...) \
  lt_test_client_call_expect_error_at (LT_TEST_HERE, (client), (method), (wire_code), \
                                       (reason), __VA_ARGS__)
#define lt_test_wait_response(client, id) \
  lt_test_client_wait_response_at (LT_TEST_HERE, (client), (id))
#define lt_test_next_frame(client) \
  lt_test_client_next_frame_at (LT_TEST_HERE, (client))
#define lt_test_wait_notification(client, method) \
  lt_test_client_wait_notification_at (LT_TEST_HERE, (client), (method))
#define lt_test_wait_notification_like(client, method, ...) \
  lt_test_client_wait_notification_like_at (LT_TEST_HERE, (client), (method), __VA_ARGS__)
#define lt_test_expect_no_frame(client, timeout_ms) \
  lt_test_client_expect_no_frame_at (LT_TEST_HERE, (client), (timeout_ms))
#define lt_test_expect_no_notification(client, method, timeout_ms) \
  lt_test_client_expect_no_notification_at (LT_TEST_HERE, (client), (method), (timeout_ms))
#define lt_test_wait_closed(client) \
  lt_test_client_wait_closed_at (LT_TEST_HERE, (client))

/* Accounts and messages in one line. */
void lt_test_client_register_at (LT_TEST_LOCATION,
                                 LtTestClient *client,
                                 const char   *username);
JsonObject *lt_test_client_login_at (LT_TEST_LOCATION,
                                     LtTestClient *client,
                                     const char   *username,
                                     const char   *password);
gint64 lt_test_client_send_message_at (LT_TEST_LOCATION,
                                       LtTestClient *client,
                                       const char   *to,
                                       const char   *text);
JsonObject *lt_test_client_expect_message_at (LT_TEST_LOCATION,
                                              LtTestClient *client,
                                              const char   *from,
                                              const char   *to,
                                              const char   *text);

#define lt_test_register(client, username) \
  lt_test_client_register_at (LT_TEST_HERE, (client), (username))
#define lt_test_login(client, username, password) \
  lt_test_client_login_at (LT_TEST_HERE, (client), (username), (password))
#define lt_test_send(client, to, text) \
  lt_test_client_send_message_at (LT_TEST_HERE, (client), (to), (text))
#define lt_test_expect_message(client, from, to, text) \
  lt_test_client_expect_message_at (LT_TEST_HERE, (client), (from), (to), (text))

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LtTestClient, lt_test_client_free)

G_END_DECLS
