/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Two users chatting, each through a liaotiand of their own: alice and
 * bob each have a session bus, XDG folders and a real liaotiand
 * (lt-test-bus), both talking to one real liaotian-server, and are
 * driven only over D-Bus.  What a user sees is what the signals and
 * the calls of their own daemon say. */
#include "config.h"

#include "lt-test-bus.h"

typedef struct
{
  LtTestFixture base;
  LtTestSession *alice;
  LtTestSession *bob;
} Fixture;

/* A restarted server is found again within about a second: the first
 * retry comes after 1 s and later ones are capped at 1 s. */
static LtTestSession *
session_new (Fixture    *fixture,
             const char *name)
{
  LtTestSession *session = lt_test_session_new (name, fixture->base.server);

  lt_test_session_set_setting (session, "reconnect-max-delay", "1");
  return session;
}

static void
setup (Fixture      *fixture,
       gconstpointer data)
{
  lt_test_fixture_setup (&fixture->base, data);
  fixture->alice = session_new (fixture, "alice");
  fixture->bob = session_new (fixture, "bob");
}

/* Each running daemon exits with 0 on SIGTERM. */
static void
teardown (Fixture      *fixture,
          gconstpointer data)
{
  g_clear_pointer (&fixture->alice, lt_test_session_free);
  g_clear_pointer (&fixture->bob, lt_test_session_free);
  lt_test_fixture_teardown (&fixture->base, data);
}

#define add_test(path, func) \
  g_test_add ((path), Fixture, NULL, setup, (func), teardown)

/* Starts @session's liaotiand, registers @username through it, logs in. */
static void
start_user_at (LT_TEST_LOCATION,
               LtTestSession *session,
               const char    *username)
{
  lt_test_session_start_daemon_at (file, line, func, session, NULL);
  lt_test_session_register_at (file, line, func, session, username);
  lt_test_session_login_at (file, line, func, session, username);
}

#define start_user(session, username) start_user_at (LT_TEST_HERE, (session), (username))

/* Waits for the MessageSent of @local_id, to @to, and returns the
 * server's id of the message. */
static guint64
wait_sent_at (LT_TEST_LOCATION,
              LtTestSession *sender,
              const char    *to,
              guint64        local_id)
{
  g_autofree char *expected = g_strdup_printf ("MessageSent ('%s', %" G_GUINT64_FORMAT ", ", to,
                                               local_id);
  g_autoptr(GVariant) args = lt_test_session_wait_signal_at (file, line, func, sender, expected);
  guint64 id = 0;

  g_variant_get (args, "(&stt)", NULL, NULL, &id);
  if (id == 0)
    lt_test_fail_at (file, line, func, "Expected a positive server id in %s…, got 0", expected);
  return id;
}

/* Waits for the MessageReceived of message @id in @conversation and
 * checks who sent it and what it says. */
static void
wait_received_at (LT_TEST_LOCATION,
                  LtTestSession *receiver,
                  const char    *conversation,
                  guint64        id,
                  const char    *sender,
                  const char    *text)
{
  g_autofree char *expected = g_strdup_printf ("MessageReceived ('%s', %" G_GUINT64_FORMAT ", ",
                                               conversation, id);
  g_autoptr(GVariant) args = lt_test_session_wait_signal_at (file, line, func, receiver,
                                                             expected);
  const char *got_sender, *got_text;
  gint64 ts;

  g_variant_get (args, "(&stx&s&s)", NULL, NULL, &ts, &got_sender, &got_text);
  if (g_strcmp0 (got_sender, sender) != 0 || g_strcmp0 (got_text, text) != 0 || ts <= 0)
    lt_test_fail_at (file, line, func, "%s…: expected %s saying “%s” at a positive time, got %s "
                     "saying “%s” at %" G_GINT64_FORMAT, expected, sender, text, got_sender,
                     got_text, ts);
}

#define wait_received(receiver, conversation, id, sender, text) \
  wait_received_at (LT_TEST_HERE, (receiver), (conversation), (id), (sender), (text))

/* @sender sends @text to @to; returns the server's id once sent. */
static guint64
send_and_wait_at (LT_TEST_LOCATION,
                  LtTestSession *sender,
                  const char    *to,
                  const char    *text)
{
  guint64 local_id = lt_test_session_send_at (file, line, func, sender, to, text);

  return wait_sent_at (file, line, func, sender, to, local_id);
}

#define send_and_wait(sender, to, text) send_and_wait_at (LT_TEST_HERE, (sender), (to), (text))

/* Private messages both ways and #lobby both ways: each side sees the
 * other's messages in the right conversation, and MessageSent for its
 * own. */
static void
test_private_and_lobby (Fixture      *fixture,
                        gconstpointer data)
{
  LtTestSession *alice = fixture->alice;
  LtTestSession *bob = fixture->bob;
  guint64 id;

  start_user (alice, "alice");
  start_user (bob, "bob");

  id = send_and_wait (alice, "bob", "hello bob");
  wait_received (bob, "alice", id, "alice", "hello bob");
  id = send_and_wait (bob, "alice", "hi alice");
  wait_received (alice, "bob", id, "bob", "hi alice");

  id = send_and_wait (alice, "#lobby", "hello everyone");
  wait_received (bob, "#lobby", id, "alice", "hello everyone");
  id = send_and_wait (bob, "#lobby", "hi all");
  wait_received (alice, "#lobby", id, "bob", "hi all");
}

int
main (int   argc,
      char *argv[])
{
  /* This process's settings stay in memory: never the user's dconf. */
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  g_test_init (&argc, &argv, NULL);

  add_test ("/daemon-chat/private-and-lobby", test_private_and_lobby);

  return g_test_run ();
}
