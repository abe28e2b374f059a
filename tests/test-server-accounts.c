/* SPDX-License-Identifier: GPL-3.0-or-later */
/* liaotian-server: hello, register, login, logout, presence,
 * change_password, the password reset mail, and login throttling. */
#include "config.h"

#include <string.h>
#include <sys/stat.h>

#include <glib/gstdio.h>

#include "lt-protocol.h"
#include "lt-test-utils.h"

static void
test_hello (LtTestFixture *fixture,
            gconstpointer  data)
{
  g_autoptr(LtTestClient) client = lt_test_client_new (fixture->server);

  lt_test_assert_object (lt_test_client_get_hello (client),
                         "{'server':'liaotian-server','version':'%s','protocol':%d}",
                         PACKAGE_VERSION, LT_PROTOCOL_VERSION);
  /* ping is allowed before login. */
  lt_test_assert_object (lt_test_call_ok (client, "ping", "{}"), "{}");
}

/* Each entry breaks one rule of a register request. */
static const char *invalid_registrations[] = {
  /* username */
  "{'nickname':'N','password':'long enough','email':'n@example.org'}",
  "{'username':'ab','nickname':'N','password':'long enough','email':'n@example.org'}",
  "{'username':'abcdefghijklmnopqrstuvwxyz0123456','nickname':'N','password':'long enough',"
  "'email':'n@example.org'}",
  "{'username':'Carol','nickname':'N','password':'long enough','email':'n@example.org'}",
  "{'username':'car ol','nickname':'N','password':'long enough','email':'n@example.org'}",
  "{'username':'car@ol','nickname':'N','password':'long enough','email':'n@example.org'}",
  "{'username':42,'nickname':'N','password':'long enough','email':'n@example.org'}",
  /* nickname */
  "{'username':'carol','password':'long enough','email':'n@example.org'}",
  "{'username':'carol','nickname':'','password':'long enough','email':'n@example.org'}",
  "{'username':'carol','nickname':'   ','password':'long enough','email':'n@example.org'}",
  "{'username':'carol','nickname':'123456789012345678901234567890123',"
  "'password':'long enough','email':'n@example.org'}",
  "{'username':'carol','nickname':'a\\nb','password':'long enough','email':'n@example.org'}",
  "{'username':'carol','nickname':'bell\\u0007','password':'long enough',"
  "'email':'n@example.org'}",
  "{'username':'carol','nickname':true,'password':'long enough','email':'n@example.org'}",
  /* password */
  "{'username':'carol','nickname':'N','email':'n@example.org'}",
  "{'username':'carol','nickname':'N','password':'7 chars','email':'n@example.org'}",
  "{'username':'carol','nickname':'N','password':12345678,'email':'n@example.org'}",
  /* email */
  "{'username':'carol','nickname':'N','password':'long enough'}",
  "{'username':'carol','nickname':'N','password':'long enough','email':'carol'}",
  "{'username':'carol','nickname':'N','password':'long enough','email':'carol@'}",
  "{'username':'carol','nickname':'N','password':'long enough','email':'@example.org'}",
  "{'username':'carol','nickname':'N','password':'long enough','email':'c@rol@example.org'}",
  "{'username':'carol','nickname':'N','password':'long enough','email':'carol@example'}",
  "{'username':'carol','nickname':'N','password':'long enough','email':'car ol@example.org'}",
  "{'username':'carol','nickname':'N','password':'long enough','email':['n@example.org']}",
  /* phone */
  "{'username':'carol','nickname':'N','password':'long enough','email':'n@example.org',"
  "'phone':'123456789012345678901234567890123'}",
  "{'username':'carol','nickname':'N','password':'long enough','email':'n@example.org',"
  "'phone':5550100}",
};

static void
test_register_invalid (LtTestFixture *fixture,
                       gconstpointer  data)
{
  g_autoptr(LtTestClient) client = lt_test_client_new (fixture->server);
  g_autofree char *long_password = g_strnfill (LT_MAX_PASSWORD_BYTES + 1, 'p');
  g_autofree char *local_part = g_strnfill (255 - strlen ("@example.org"), 'e');

  for (guint i = 0; i < G_N_ELEMENTS (invalid_registrations); i++)
    lt_test_call_error (client, "register", -32602, "invalid_params", "%s",
                        invalid_registrations[i]);

  /* Over the byte limits: a 1025-byte password, a 255-byte email. */
  lt_test_call_error (client, "register", -32602, "invalid_params",
                      "{'username':'carol','nickname':'N','password':'%s',"
                      "'email':'n@example.org'}", long_password);
  lt_test_call_error (client, "register", -32602, "invalid_params",
                      "{'username':'carol','nickname':'N','password':'long enough',"
                      "'email':'%s@example.org'}", local_part);

  /* Nothing of that was created. */
  lt_test_call_error (client, "login", 1004, "no_such_user",
                      "{'username':'carol','password':'long enough'}");
}

static void
test_register (LtTestFixture *fixture,
               gconstpointer  data)
{
  g_autoptr(LtTestClient) client = lt_test_client_new (fixture->server);
  g_autofree char *password_1024 = g_strnfill (LT_MAX_PASSWORD_BYTES, 'p');
  g_autofree char *local_part = g_strnfill (254 - strlen ("@example.org"), 'e');
  g_autofree char *nickname_32 = lt_test_text_of_length (32, "\xe9\xbe\x99");
  JsonObject *login;

  lt_test_register (client, "alice");

  /* The limits are inclusive, and count characters, not bytes: a
   * nickname of 32 CJK characters (96 bytes), a password of exactly
   * 1024 bytes, an email of 254 bytes, a phone of 32 characters. */
  lt_test_assert_object (lt_test_call_ok (client, "register",
                                          "{'username':'dragon_2.x-y','nickname':'%s',"
                                          "'password':'%s','email':'%s@example.org',"
                                          "'phone':'+86 10 1234 5678 901234567890123'}",
                                          nickname_32, password_1024, local_part),
                         "{'username':'dragon_2.x-y'}");
  /* Nicknames compare exactly: "ALICE" is not "Alice". */
  lt_test_call_ok (client, "register",
                   "{'username':'alice2','nickname':'ALICE','password':'12345678',"
                   "'email':'alice2@example.org'}");

  /* The new account works, with its nickname intact. */
  login = lt_test_login (client, "dragon_2.x-y", password_1024);
  lt_test_assert_object (login, "{'username':'dragon_2.x-y','nickname':'%s','pending':0}",
                         nickname_32);
}

/* -32602 first, then username_taken, nickname_taken, email_taken. */
static void
test_register_taken (LtTestFixture *fixture,
                     gconstpointer  data)
{
  g_autoptr(LtTestClient) client = lt_test_client_new (fixture->server);

  lt_test_register (client, "alice");

  lt_test_call_error (client, "register", -32602, "invalid_params",
                      "{'username':'alice','nickname':'Alice','password':'short',"
                      "'email':'alice@example.org'}");
  lt_test_call_error (client, "register", 1002, "username_taken",
                      "{'username':'alice','nickname':'Alice','password':'long enough',"
                      "'email':'alice@example.org'}");
  lt_test_call_error (client, "register", 1001, "nickname_taken",
                      "{'username':'bob','nickname':'Alice','password':'long enough',"
                      "'email':'alice@example.org'}");
  /* Emails compare in lowercase. */
  lt_test_call_error (client, "register", 1003, "email_taken",
                      "{'username':'bob','nickname':'Bob','password':'long enough',"
                      "'email':'ALICE@Example.ORG'}");
  lt_test_call_ok (client, "register",
                   "{'username':'bob','nickname':'Bob','password':'long enough',"
                   "'email':'bob@example.org'}");
}

static void
test_login (LtTestFixture *fixture,
            gconstpointer  data)
{
  g_autoptr(LtTestClient) bob = lt_test_client_new_user (fixture->server, "bob");
  g_autoptr(LtTestClient) alice = lt_test_client_new (fixture->server);
  g_autofree char *long_password = g_strnfill (LT_MAX_PASSWORD_BYTES + 1, 'p');
  JsonObject *login;

  lt_test_register (alice, "alice");

  lt_test_call_error (alice, "login", -32602, "invalid_params", "{'username':'alice'}");
  lt_test_call_error (alice, "login", -32602, "invalid_params",
                      "{'username':7,'password':'%s'}", LT_TEST_PASSWORD);
  lt_test_call_error (alice, "login", -32602, "invalid_params",
                      "{'username':'alice','password':'%s'}", long_password);
  lt_test_call_error (alice, "login", 1004, "no_such_user",
                      "{'username':'nobody','password':'%s'}", LT_TEST_PASSWORD);
  /* A name that could not exist is still just unknown. */
  lt_test_call_error (alice, "login", 1004, "no_such_user",
                      "{'username':'No Body','password':'%s'}", LT_TEST_PASSWORD);
  lt_test_call_error (alice, "login", 1005, "wrong_password",
                      "{'username':'alice','password':'wrong password'}");
  /* A failed login leaves the connection anonymous. */
  lt_test_call_error (alice, "who", 1000, "not_logged_in", "{}");

  /* Every online user, including oneself, sorted; #lobby first. */
  login = lt_test_login (alice, "alice", LT_TEST_PASSWORD);
  lt_test_assert_object (login, "{'username':'alice','nickname':'Alice',"
                         "'online':[{'username':'alice','nickname':'Alice'},"
                         "{'username':'bob','nickname':'Bob'}],"
                         "'rooms':['#lobby'],'pending':0}");

  lt_test_call_error (alice, "login", -32600, "invalid_request",
                      "{'username':'bob','password':'%s'}", LT_TEST_PASSWORD);
  lt_test_call_error (alice, "login", -32600, "invalid_request",
                      "{'username':'alice','password':'%s'}", LT_TEST_PASSWORD);
  /* Still alice. */
  lt_test_assert_object (lt_test_call_ok (alice, "user_find", "{'username':'alice'}"),
                         "{'username':'alice','online':true}");
}

/* Methods that need a login, with params that would otherwise be fine. */
static const char *login_methods[][2] = {
  { "logout", "{}" },
  { "send", "{'to':'#lobby','text':'hi'}" },
  { "send", "{}" },
  { "ack", "{'up_to':1}" },
  { "history", "{'with':'#lobby'}" },
  { "who", "{}" },
  { "room_create", "{'room':'#new'}" },
  { "room_join", "{'room':'#lobby'}" },
  { "room_leave", "{'room':'#lobby'}" },
  { "room_list", "{}" },
  { "friend_add", "{'username':'alice'}" },
  { "friend_remove", "{'username':'alice'}" },
  { "friend_list", "{}" },
  { "user_find", "{'username':'alice'}" },
};

static void
test_not_logged_in (LtTestFixture *fixture,
                    gconstpointer  data)
{
  g_autoptr(LtTestClient) client = lt_test_client_new (fixture->server);

  for (guint i = 0; i < G_N_ELEMENTS (login_methods); i++)
    lt_test_call_error (client, login_methods[i][0], 1000, "not_logged_in", "%s",
                        login_methods[i][1]);

  /* Unknown methods are -32601 whether logged in or not. */
  lt_test_call_error (client, "fly", -32601, "method_not_found", "{}");

  /* The methods allowed before login answer with their own errors. */
  lt_test_call_ok (client, "ping", "{}");
  lt_test_call_error (client, "change_password", 1004, "no_such_user",
                      "{'username':'nobody','old_password':'long enough',"
                      "'new_password':'longer still'}");
  lt_test_call_error (client, "reset_password", 1007, "no_such_email",
                      "{'email':'nobody@example.org'}");
  lt_test_call_error (client, "reset_password_confirm", 1008, "invalid_token",
                      "{'email':'nobody@example.org','token':'0123456789abcdef0123456789abcdef',"
                      "'new_password':'longer still'}");

  lt_test_register (client, "alice");
  lt_test_login (client, "alice", LT_TEST_PASSWORD);
  lt_test_call_error (client, "fly", -32601, "method_not_found", "{}");
}

static void
test_logout (LtTestFixture *fixture,
             gconstpointer  data)
{
  g_autoptr(LtTestClient) alice = lt_test_client_new_user (fixture->server, "alice");
  g_autoptr(LtTestClient) bob = lt_test_client_new_user (fixture->server, "bob");
  g_autoptr(LtTestClient) again = NULL;

  lt_test_assert_object (lt_test_wait_notification (alice, "presence"),
                         "{'username':'bob','nickname':'Bob','online':true}");

  lt_test_assert_object (lt_test_call_ok (bob, "logout", "{}"), "{}");
  lt_test_wait_closed (bob);
  lt_test_assert_object (lt_test_wait_notification (alice, "presence"),
                         "{'username':'bob','nickname':'Bob','online':false}");

  /* Bob can come back. */
  again = lt_test_client_new_login (fixture->server, "bob");
  lt_test_assert_object (lt_test_wait_notification (alice, "presence"),
                         "{'username':'bob','online':true}");
}

/* presence goes to the others when a user's first connection logs in
 * and when its last one goes; other connections change nothing. */
static void
test_presence (LtTestFixture *fixture,
               gconstpointer  data)
{
  g_autoptr(LtTestClient) bob = lt_test_client_new_user (fixture->server, "bob");
  g_autoptr(LtTestClient) alice1 = lt_test_client_new (fixture->server);
  g_autoptr(LtTestClient) alice2 = NULL;
  g_autoptr(LtTestClient) anonymous = lt_test_client_new (fixture->server);
  JsonObject *login;

  lt_test_register (alice1, "alice");
  lt_test_expect_no_notification (bob, "presence", 200);
  lt_test_login (alice1, "alice", LT_TEST_PASSWORD);
  lt_test_assert_object (lt_test_wait_notification (bob, "presence"),
                         "{'username':'alice','nickname':'Alice','online':true}");

  alice2 = lt_test_client_new_login (fixture->server, "alice");
  login = lt_test_client_get_login (alice2);
  lt_test_assert_object (login, "{'online':[{'username':'alice'},{'username':'bob'}]}");
  lt_test_expect_no_notification (bob, "presence", 300);

  /* Nobody tells a user about itself, and anonymous connections hear nothing. */
  lt_test_expect_no_notification (alice1, "presence", 0);
  lt_test_expect_no_notification (anonymous, "presence", 0);

  g_clear_pointer (&alice1, lt_test_client_free);
  lt_test_expect_no_notification (bob, "presence", 300);
  lt_test_assert_object (lt_test_call_ok (bob, "who", "{}"),
                         "{'users':[{'username':'alice'},{'username':'bob'}]}");

  /* The last connection closing (without logout) ends the presence. */
  g_clear_pointer (&alice2, lt_test_client_free);
  lt_test_assert_object (lt_test_wait_notification (bob, "presence"),
                         "{'username':'alice','nickname':'Alice','online':false}");
  lt_test_assert_object (lt_test_call_ok (bob, "who", "{}"),
                         "{'users':[{'username':'bob'}]}");
  lt_test_expect_no_notification (anonymous, "presence", 0);
}

static void
test_change_password (LtTestFixture *fixture,
                      gconstpointer  data)
{
  g_autoptr(LtTestClient) alice = lt_test_client_new_user (fixture->server, "alice");
  g_autoptr(LtTestClient) anonymous = lt_test_client_new (fixture->server);
  g_autofree char *long_password = g_strnfill (LT_MAX_PASSWORD_BYTES + 1, 'p');

  lt_test_call_error (anonymous, "change_password", -32602, "invalid_params",
                      "{'username':'alice','old_password':'%s'}", LT_TEST_PASSWORD);
  lt_test_call_error (anonymous, "change_password", -32602, "invalid_params",
                      "{'username':'alice','old_password':'%s','new_password':'short'}",
                      LT_TEST_PASSWORD);
  lt_test_call_error (anonymous, "change_password", -32602, "invalid_params",
                      "{'username':'alice','old_password':'%s','new_password':'%s'}",
                      LT_TEST_PASSWORD, long_password);
  lt_test_call_error (anonymous, "change_password", -32602, "invalid_params",
                      "{'username':'alice','old_password':false,'new_password':'new password'}");
  lt_test_call_error (anonymous, "change_password", 1004, "no_such_user",
                      "{'username':'nobody','old_password':'%s','new_password':'new password'}",
                      LT_TEST_PASSWORD);
  lt_test_call_error (anonymous, "change_password", 1005, "wrong_password",
                      "{'username':'alice','old_password':'not it','new_password':'new password'}");

  /* Works without a login, and does not log in. */
  lt_test_call_ok (anonymous, "change_password",
                   "{'username':'alice','old_password':'%s','new_password':'new password'}",
                   LT_TEST_PASSWORD);
  lt_test_call_error (anonymous, "who", 1000, "not_logged_in", "{}");

  lt_test_call_error (anonymous, "login", 1005, "wrong_password",
                      "{'username':'alice','password':'%s'}", LT_TEST_PASSWORD);
  lt_test_login (anonymous, "alice", "new password");

  /* The connection that was logged in before stays logged in. */
  lt_test_call_ok (alice, "who", "{}");
}

/* Five failures for one username lock it (even with the right password,
 * and for change_password) but not other users. */
static void
test_login_throttle_user (LtTestFixture *fixture,
                          gconstpointer  data)
{
  g_autoptr(LtTestClient) client = lt_test_client_new (fixture->server);
  g_autoptr(LtTestClient) bob = NULL;

  lt_test_register (client, "alice");
  lt_test_register (client, "bob");

  for (guint i = 0; i < 4; i++)
    lt_test_call_error (client, "login", 1005, "wrong_password",
                        "{'username':'alice','password':'wrong %u'}", i);
  /* change_password failures count like login failures. */
  lt_test_call_error (client, "change_password", 1005, "wrong_password",
                      "{'username':'alice','old_password':'wrong 4','new_password':'new password'}");

  lt_test_call_error (client, "login", 1006, "rate_limited",
                      "{'username':'alice','password':'%s'}", LT_TEST_PASSWORD);
  lt_test_call_error (client, "change_password", 1006, "rate_limited",
                      "{'username':'alice','old_password':'%s','new_password':'new password'}",
                      LT_TEST_PASSWORD);

  bob = lt_test_client_new_login (fixture->server, "bob");
}

static gint64
time_login_error (LtTestClient *client,
                  const char   *username,
                  gint          wire_code,
                  const char   *reason)
{
  gint64 start = g_get_monotonic_time ();

  lt_test_call_error (client, "login", wire_code, reason,
                      "{'username':'%s','password':'not the password'}", username);
  return g_get_monotonic_time () - start;
}

/* Twenty failures from one address lock every username for it.  An
 * unknown username costs about as much as a wrong password. */
static void
test_login_throttle_address (LtTestFixture *fixture,
                             gconstpointer  data)
{
  g_autoptr(LtTestClient) client = lt_test_client_new (fixture->server);
  gint64 wrong_password_us = G_MAXINT64;
  gint64 unknown_user_us = G_MAXINT64;
  guint failures = 0;

  lt_test_register (client, "alice");
  lt_test_register (client, "bob");

  /* The fastest of three of each: contention only makes answers slower,
   * so the minimum is the cost the server chose. */
  for (guint i = 0; i < 3; i++, failures += 2)
    {
      g_autofree char *ghost = g_strdup_printf ("ghost%u", i);

      gint64 wrong_password = time_login_error (client, "alice", 1005, "wrong_password");
      gint64 unknown_user = time_login_error (client, ghost, 1004, "no_such_user");

      wrong_password_us = MIN (wrong_password_us, wrong_password);
      unknown_user_us = MIN (unknown_user_us, unknown_user);
    }
  g_test_message ("wrong password: %" G_GINT64_FORMAT " us, unknown user: %" G_GINT64_FORMAT
                  " us", wrong_password_us, unknown_user_us);
  if (unknown_user_us * 4 < wrong_password_us)
    lt_test_fail ("Expected an unknown username to cost about as much as a wrong password "
                  "(a dummy hash), got %" G_GINT64_FORMAT " us against %" G_GINT64_FORMAT " us",
                  unknown_user_us, wrong_password_us);

  for (guint i = 3; failures < 20; i++, failures++)
    lt_test_call_error (client, "login", 1004, "no_such_user",
                        "{'username':'ghost%u','password':'not the password'}", i);

  lt_test_call_error (client, "login", 1006, "rate_limited",
                      "{'username':'bob','password':'%s'}", LT_TEST_PASSWORD);
}

static void
assert_header (const char *mail,
               const char *pattern)
{
  if (!g_regex_match_simple (pattern, mail, G_REGEX_MULTILINE | G_REGEX_CASELESS, 0))
    lt_test_fail ("Expected the mail to match /%s/, got:\n%s", pattern, mail);
}

static void
assert_reset_mail (const char *mail,
                   const char *address)
{
  g_autofree char *to = g_strdup_printf ("^To:.*%s", address);

  assert_header (mail, "^From: .+");
  assert_header (mail, to);
  assert_header (mail, "^Subject: .+");
  assert_header (mail, "^Date: .+");
  assert_header (mail, "^Message-ID: .+");
  assert_header (mail, "^Content-Type: text/plain; charset=\"?utf-8\"?");
}

static void
test_reset_password (LtTestFixture *fixture,
                     gconstpointer  data)
{
  g_autoptr(LtTestClient) client = lt_test_client_new (fixture->server);
  g_autofree char *path = NULL;
  g_autofree char *mail = NULL;
  g_autofree char *token = NULL;
  g_autofree char *basename = NULL;
  struct stat info;

  lt_test_register (client, "alice");

  lt_test_call_error (client, "reset_password", 1007, "no_such_email",
                      "{'email':'nobody@example.org'}");
  lt_test_call_error (client, "reset_password", -32602, "invalid_params", "{}");
  lt_test_call_ok (client, "reset_password", "{'email':'alice@example.org'}");

  mail = lt_test_server_wait_mail (fixture->server, &path);
  assert_reset_mail (mail, "alice@example.org");
  token = lt_test_mail_get_token (mail);
  if (token == NULL)
    lt_test_fail ("Expected 32 lowercase hex characters in the mail body, got:\n%s", mail);
  basename = g_path_get_basename (path);
  g_assert_true (g_regex_match_simple ("^[0-9]+-alice\\.eml$", basename, 0, 0));
  g_assert_cmpint (g_stat (path, &info), ==, 0);
  g_assert_cmpint (info.st_mode & 0777, ==, 0600);

  /* One token per minute per account.  The answer (not 1007) also shows
   * that emails are found in lowercase. */
  lt_test_call_error (client, "reset_password", 1006, "rate_limited",
                      "{'email':'alice@example.org'}");
  lt_test_call_error (client, "reset_password", 1006, "rate_limited",
                      "{'email':'Alice@EXAMPLE.org'}");

  lt_test_call_error (client, "reset_password_confirm", 1008, "invalid_token",
                      "{'email':'alice@example.org','token':'00000000000000000000000000000000',"
                      "'new_password':'new password'}");
  lt_test_call_error (client, "reset_password_confirm", 1008, "invalid_token",
                      "{'email':'nobody@example.org','token':'%s','new_password':'new password'}",
                      token);
  /* A bad new password is refused before the token is looked at... */
  lt_test_call_error (client, "reset_password_confirm", -32602, "invalid_params",
                      "{'email':'alice@example.org','token':'%s','new_password':'short'}", token);
  lt_test_call_error (client, "reset_password_confirm", -32602, "invalid_params",
                      "{'email':'alice@example.org','token':'%s'}", token);
  /* ...so the token still works. */
  lt_test_call_ok (client, "reset_password_confirm",
                   "{'email':'alice@example.org','token':'%s','new_password':'new password'}",
                   token);
  /* Once. */
  lt_test_call_error (client, "reset_password_confirm", 1008, "invalid_token",
                      "{'email':'alice@example.org','token':'%s','new_password':'newer password'}",
                      token);

  lt_test_call_error (client, "login", 1005, "wrong_password",
                      "{'username':'alice','password':'%s'}", LT_TEST_PASSWORD);
  lt_test_login (client, "alice", "new password");
}

static const LtTestServerOptions mail_command_options = {
  .args = { "--mail-command", "sh -c 'cat > @DIR@/mail.txt'", NULL },
};

/* Whether @path holds a whole mail yet (the command may still be writing). */
static gboolean
mail_with_token_in (const char *path,
                    char      **mail,
                    char      **token)
{
  g_clear_pointer (mail, g_free);
  if (!g_file_get_contents (path, mail, NULL, NULL))
    return FALSE;
  *token = lt_test_mail_get_token (*mail);
  return *token != NULL;
}

static void
test_reset_password_mail_command (LtTestFixture *fixture,
                                  gconstpointer  data)
{
  g_autoptr(LtTestClient) client = lt_test_client_new (fixture->server);
  g_autofree char *path = g_build_filename (lt_test_server_get_dir (fixture->server), "mail.txt",
                                            NULL);
  g_autofree char *outbox = g_build_filename (lt_test_server_get_data_dir (fixture->server),
                                              "outbox", NULL);
  g_autofree char *token = NULL;
  g_autofree char *mail = NULL;
  g_autoptr(GDir) dir = NULL;

  lt_test_register (client, "alice");
  lt_test_call_ok (client, "reset_password", "{'email':'alice@example.org'}");

  lt_test_wait_until (mail_with_token_in (path, &mail, &token),
                      "a mail with a token piped to --mail-command");
  assert_reset_mail (mail, "alice@example.org");

  /* Nothing went to the outbox. */
  dir = g_dir_open (outbox, 0, NULL);
  g_assert_true (dir == NULL || g_dir_read_name (dir) == NULL);

  lt_test_call_ok (client, "reset_password_confirm",
                   "{'email':'alice@example.org','token':'%s','new_password':'new password'}",
                   token);
  lt_test_login (client, "alice", "new password");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  lt_test_add ("/accounts/hello", NULL, test_hello);
  lt_test_add ("/accounts/register", NULL, test_register);
  lt_test_add ("/accounts/register/invalid", NULL, test_register_invalid);
  lt_test_add ("/accounts/register/taken", NULL, test_register_taken);
  lt_test_add ("/accounts/login", NULL, test_login);
  lt_test_add ("/accounts/not-logged-in", NULL, test_not_logged_in);
  lt_test_add ("/accounts/logout", NULL, test_logout);
  lt_test_add ("/accounts/presence", NULL, test_presence);
  lt_test_add ("/accounts/change-password", NULL, test_change_password);
  lt_test_add ("/accounts/login-throttle/user", NULL, test_login_throttle_user);
  lt_test_add ("/accounts/login-throttle/address", NULL, test_login_throttle_address);
  lt_test_add ("/accounts/reset-password/outbox", NULL, test_reset_password);
  lt_test_add ("/accounts/reset-password/mail-command", &mail_command_options,
               test_reset_password_mail_command);

  return g_test_run ();
}
