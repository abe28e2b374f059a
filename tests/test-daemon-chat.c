/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Two users chatting, each through a liaotiand of their own: alice and
 * bob each have a session bus, XDG folders and a real liaotiand
 * (lt-test-bus), both talking to one real liaotian-server, and are
 * driven only over D-Bus.  What a user sees is what the signals and
 * the calls of their own daemon say. */
#include "config.h"

#include "lt-test-bus.h"

#define N_OUTAGE_MESSAGES 5 /* each user sends as many during an outage */

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

  lt_test_start_user (alice, "alice");
  lt_test_start_user (bob, "bob");

  id = send_and_wait (alice, "bob", "hello bob");
  wait_received (bob, "alice", id, "alice", "hello bob");
  id = send_and_wait (bob, "alice", "hi alice");
  wait_received (alice, "bob", id, "bob", "hi alice");

  id = send_and_wait (alice, "#lobby", "hello everyone");
  wait_received (bob, "#lobby", id, "alice", "hello everyone");
  id = send_and_wait (bob, "#lobby", "hi all");
  wait_received (alice, "#lobby", id, "bob", "hi all");
}

/* Batches of messages ------------------------------------------------------ */

/* A message sent with SendMessage, and what became of it. */
typedef struct
{
  const char *from;
  const char *to;
  char *text;
  guint64 local_id;
  guint64 id; /* the server's, from MessageSent */
} Outgoing;

static void
outgoing_free (Outgoing *outgoing)
{
  g_free (outgoing->text);
  g_free (outgoing);
}

/* A batch of Outgoing, which it owns. */
static GPtrArray *
batch_new (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) outgoing_free);
}

/* @sender sends @n messages to @peer (every second one to #lobby
 * instead if @with_room), saying @when in their texts. */
static GPtrArray *
send_batch_at (LT_TEST_LOCATION,
               LtTestSession *sender,
               const char    *peer,
               guint          n,
               gboolean       with_room,
               const char    *when)
{
  GPtrArray *batch = batch_new ();

  for (guint i = 0; i < n; i++)
    {
      Outgoing *outgoing = g_new0 (Outgoing, 1);

      outgoing->from = lt_test_session_get_name (sender);
      outgoing->to = with_room && i % 2 == 1 ? "#lobby" : peer;
      outgoing->text = g_strdup_printf ("%s's message %u, %s", outgoing->from, i, when);
      outgoing->local_id = lt_test_session_send_at (file, line, func, sender, outgoing->to,
                                                    outgoing->text);
      g_ptr_array_add (batch, outgoing);
    }
  return batch;
}

#define send_batch(sender, peer, n, with_room, when) \
  send_batch_at (LT_TEST_HERE, (sender), (peer), (n), (with_room), (when))

/* Waits for one MessageSent for each message of @batch, for its id. */
static void
wait_batch_sent_at (LT_TEST_LOCATION,
                    LtTestSession *sender,
                    GPtrArray     *batch)
{
  for (guint i = 0; i < batch->len; i++)
    {
      Outgoing *outgoing = batch->pdata[i];

      outgoing->id = wait_sent_at (file, line, func, sender, outgoing->to, outgoing->local_id);
    }
}

#define wait_batch_sent(sender, batch) wait_batch_sent_at (LT_TEST_HERE, (sender), (batch))

/* Whether @receiver gets @outgoing: a room message, or a private one to
 * @receiver's user. */
static gboolean
is_for (const Outgoing *outgoing,
        LtTestSession  *receiver)
{
  return outgoing->to[0] == '#' || g_str_equal (outgoing->to, lt_test_session_get_name (receiver));
}

/* Waits for the MessageReceived of each message of @batch that is for
 * @receiver: in the room, or in the conversation named by its sender. */
static void
wait_batch_received_at (LT_TEST_LOCATION,
                        LtTestSession *receiver,
                        GPtrArray     *batch)
{
  for (guint i = 0; i < batch->len; i++)
    {
      Outgoing *outgoing = batch->pdata[i];

      if (is_for (outgoing, receiver))
        wait_received_at (file, line, func, receiver,
                          outgoing->to[0] == '#' ? outgoing->to : outgoing->from, outgoing->id,
                          outgoing->from, outgoing->text);
    }
}

#define wait_batch_received(receiver, batch) \
  wait_batch_received_at (LT_TEST_HERE, (receiver), (batch))

static int
compare_newest_first (gconstpointer a,
                      gconstpointer b)
{
  const Outgoing *message_a = *(const Outgoing * const *) a;
  const Outgoing *message_b = *(const Outgoing * const *) b;

  return message_a->id < message_b->id ? 1 : message_a->id > message_b->id ? -1 : 0;
}

/* "id from to text; ..." */
static void
append_message (GString    *text,
                guint64     id,
                const char *from,
                const char *to,
                const char *message_text)
{
  g_string_append_printf (text, "%s%" G_GUINT64_FORMAT " %s %s %s", text->len > 0 ? "; " : "",
                          id, from, to, message_text);
}

/* Whether @outgoing is in @conversation (a room, or a peer's username). */
static gboolean
is_in (const Outgoing *outgoing,
       const char     *conversation)
{
  return g_str_equal (outgoing->to, conversation)
         || (outgoing->to[0] != '#' && g_str_equal (outgoing->from, conversation));
}

/* GetHistory of @conversation holds the messages of @batch that are in
 * it, each once, newest first, and nothing else. */
static void
assert_history_at (LT_TEST_LOCATION,
                   LtTestSession *session,
                   const char    *conversation,
                   GPtrArray     *batch)
{
  g_autoptr(GPtrArray) in_conversation = g_ptr_array_new ();
  g_autoptr(GString) expected = g_string_new (NULL);
  g_autoptr(GString) got = g_string_new (NULL);
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariantIter) messages = NULL;
  const char *from, *to, *text;
  guint64 id;

  for (guint i = 0; i < batch->len; i++)
    {
      if (is_in (batch->pdata[i], conversation))
        g_ptr_array_add (in_conversation, batch->pdata[i]);
    }
  g_ptr_array_sort (in_conversation, compare_newest_first);
  for (guint i = 0; i < in_conversation->len; i++)
    {
      Outgoing *outgoing = in_conversation->pdata[i];

      append_message (expected, outgoing->id, outgoing->from, outgoing->to, outgoing->text);
    }

  reply = lt_test_session_call_ok_at (file, line, func, session, "GetHistory",
                                      g_variant_new ("(stu)", conversation, (guint64) 0, 50));
  g_variant_get (reply, "(a(txsss))", &messages);
  while (g_variant_iter_next (messages, "(tx&s&s&s)", &id, NULL, &from, &to, &text))
    append_message (got, id, from, to, text);

  if (!g_str_equal (expected->str, got->str))
    lt_test_fail_at (file, line, func, "%s: GetHistory %s: expected “%s”, got “%s”",
                     lt_test_session_get_name (session), conversation, expected->str, got->str);
}

#define assert_history(session, conversation, batch) \
  assert_history_at (LT_TEST_HERE, (session), (conversation), (batch))

/* Once the messages of @batch for @session's user were waited for, and
 * a later one came (each daemon signals in order, so a repeat would
 * have come before it): no MessageReceived is left for any of them,
 * none twice for another id, and no MessageSent is left over. */
static void
assert_nothing_twice_at (LT_TEST_LOCATION,
                         LtTestSession *session,
                         GPtrArray     *batch)
{
  g_autoptr(GPtrArray) messages = lt_test_session_take_signals (session, "MessageReceived (");
  g_autoptr(GPtrArray) sends = lt_test_session_take_signals (session, "MessageSent (");
  g_autoptr(GHashTable) seen = g_hash_table_new (NULL, NULL);
  const char *name = lt_test_session_get_name (session);

  for (guint i = 0; i < batch->len; i++)
    {
      Outgoing *outgoing = batch->pdata[i];

      if (is_for (outgoing, session))
        g_hash_table_add (seen, GSIZE_TO_POINTER (outgoing->id));
    }
  for (guint i = 0; i < messages->len; i++)
    {
      g_autofree char *printed = g_variant_print (messages->pdata[i], FALSE);
      guint64 id;

      g_variant_get (messages->pdata[i], "(&stx&s&s)", NULL, &id, NULL, NULL, NULL);
      if (!g_hash_table_add (seen, GSIZE_TO_POINTER (id)))
        lt_test_fail_at (file, line, func, "%s: expected message %" G_GUINT64_FORMAT " to be "
                         "signalled once, got MessageReceived %s again", name, id, printed);
    }
  if (sends->len > 0)
    {
      g_autofree char *printed = g_variant_print (sends->pdata[0], FALSE);

      lt_test_fail_at (file, line, func, "%s: expected one MessageSent per SendMessage, got "
                       "MessageSent %s once more", name, printed);
    }
}

#define assert_nothing_twice(session, batch) \
  assert_nothing_twice_at (LT_TEST_HERE, (session), (batch))

/* The server dies (SIGKILL) in the middle of a conversation and comes
 * back on the same port.  Both daemons reconnect and log in by
 * themselves, and what both users sent meanwhile is delivered once
 * each, as MessageReceived and in the history.  A room message that
 * its sender's daemon sends while the other daemon is still
 * reconnecting is not pushed to the other (the server keeps room
 * messages for nobody): the other's daemon catches the room up after
 * its login. */
static void
test_server_outage (Fixture      *fixture,
                    gconstpointer data)
{
  LtTestSession *alice = fixture->alice;
  LtTestSession *bob = fixture->bob;
  g_autoptr(GPtrArray) from_alice = NULL;
  g_autoptr(GPtrArray) from_bob = NULL;
  g_autoptr(GPtrArray) both = g_ptr_array_new ();
  guint64 id;

  lt_test_start_user (alice, "alice");
  lt_test_start_user (bob, "bob");
  id = send_and_wait (alice, "bob", "are you there?");
  wait_received (bob, "alice", id, "alice", "are you there?");

  lt_test_server_kill (fixture->base.server);
  lt_test_wait_signal (alice, "'State': <'connecting'>");
  lt_test_wait_signal (bob, "'State': <'connecting'>");
  from_alice = send_batch (alice, "bob", N_OUTAGE_MESSAGES, TRUE, "while the server is down");
  from_bob = send_batch (bob, "alice", N_OUTAGE_MESSAGES, TRUE, "while the server is down");

  lt_test_server_start (fixture->base.server);
  lt_test_wait_signal (alice, "'State': <'logged-in'>");
  lt_test_wait_signal (bob, "'State': <'logged-in'>");
  wait_batch_sent (alice, from_alice);
  wait_batch_sent (bob, from_bob);
  wait_batch_received (bob, from_alice);
  wait_batch_received (bob, from_bob);
  wait_batch_received (alice, from_bob);
  wait_batch_received (alice, from_alice);

  id = send_and_wait (alice, "bob", "still there?");
  wait_received (bob, "alice", id, "alice", "still there?");
  id = send_and_wait (bob, "alice", "yes");
  wait_received (alice, "bob", id, "bob", "yes");
  g_ptr_array_extend (both, from_alice, NULL, NULL);
  g_ptr_array_extend (both, from_bob, NULL, NULL);
  assert_nothing_twice (alice, both);
  assert_nothing_twice (bob, both);
  assert_history (alice, "#lobby", both);
  assert_history (bob, "#lobby", both);
}

/* Private messages to bob while his liaotiand is not running, before
 * it ever started and while it is stopped, come as MessageReceived at
 * his next login, once each; after a restart and another login, his
 * history still holds them and none is signalled again. */
static void
test_offline_delivery (Fixture      *fixture,
                       gconstpointer data)
{
  LtTestSession *alice = fixture->alice;
  LtTestSession *bob = fixture->bob;
  g_autoptr(GPtrArray) to_bob = batch_new ();
  g_autoptr(GPtrArray) batch = NULL;
  guint64 id;

  lt_test_start_user (alice, "alice");
  lt_test_bus_register (alice, "bob");
  batch = send_batch (alice, "bob", 2, FALSE, "before bob's daemon ever started");
  wait_batch_sent (alice, batch);
  lt_test_start_daemon (bob, NULL);
  lt_test_bus_login (bob, "bob");
  wait_batch_received (bob, batch);
  g_ptr_array_extend_and_steal (to_bob, g_steal_pointer (&batch));
  batch = send_batch (alice, "#lobby", 1, FALSE, "while bob is here");
  wait_batch_sent (alice, batch);
  wait_batch_received (bob, batch);
  g_ptr_array_extend_and_steal (to_bob, g_steal_pointer (&batch));

  /* A room message too: the server does not push it, liaotiand
   * catches the room up after the login. */
  lt_test_stop_daemon (bob);
  batch = send_batch (alice, "bob", 3, TRUE, "while bob's daemon was stopped");
  wait_batch_sent (alice, batch);
  lt_test_start_daemon (bob, NULL);
  lt_test_bus_login (bob, "bob");
  wait_batch_received (bob, batch);
  g_ptr_array_extend_and_steal (to_bob, g_steal_pointer (&batch));

  lt_test_stop_daemon (bob);
  lt_test_start_daemon (bob, NULL);
  lt_test_bus_login (bob, "bob");
  assert_history (bob, "alice", to_bob);
  assert_history (bob, "#lobby", to_bob);
  id = send_and_wait (alice, "bob", "welcome back");
  wait_received (bob, "alice", id, "alice", "welcome back");
  assert_nothing_twice (bob, to_bob);
}

int
main (int   argc,
      char *argv[])
{
  /* This process's settings stay in memory: never the user's dconf. */
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  g_test_init (&argc, &argv, NULL);

  add_test ("/daemon-chat/private-and-lobby", test_private_and_lobby);
  add_test ("/daemon-chat/server-outage", test_server_outage);
  add_test ("/daemon-chat/offline-delivery", test_offline_delivery);

  return g_test_run ();
}
