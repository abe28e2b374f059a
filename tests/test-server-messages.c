/* SPDX-License-Identifier: GPL-3.0-or-later */
/* liaotian-server: send, message, offline delivery and ack, idempotent
 * sends, history paging and the send rate limit. */
#include "config.h"

#include "lt-protocol.h"
#include "lt-test-utils.h"

static void
assert_live_message (JsonObject *message,
                     gint64      id)
{
  g_assert_cmpint (json_object_get_int_member (message, "id"), ==, id);
  if (json_object_has_member (message, "offline"))
    {
      g_autofree char *text = lt_test_object_to_string (message);

      lt_test_fail ("Expected a live message without \"offline\", got %s", text);
    }
}

static void
test_private (LtTestFixture *fixture,
              gconstpointer  data)
{
  g_autoptr(LtTestClient) alice = lt_test_client_new_user (fixture->server, "alice");
  g_autoptr(LtTestClient) bob = lt_test_client_new_user (fixture->server, "bob");
  g_autoptr(JsonObject) params = json_object_new ();
  const char *text = "quote \" backslash \\ newline \n tab \t \xe4\xbd\xa0\xe5\xa5\xbd "
                     "\xf0\x9f\x98\x80 </script> \\u0000";
  JsonObject *result;
  JsonObject *message;
  gint64 now_ms = g_get_real_time () / 1000;
  gint64 id;
  gint64 ts;

  /* The sender is the logged-in user, whatever the params say. */
  json_object_set_string_member (params, "to", "bob");
  json_object_set_string_member (params, "text", text);
  json_object_set_string_member (params, "from", "mallory");
  json_object_set_string_member (params, "nickname", "Mallory");
  result = lt_test_client_call_object (alice, "send", params, NULL);
  g_assert_nonnull (result);
  id = json_object_get_int_member_with_default (result, "id", 0);
  ts = json_object_get_int_member_with_default (result, "ts", 0);
  g_assert_cmpint (id, >, 0);
  /* Milliseconds since the epoch, now. */
  g_assert_cmpint (ts, >=, now_ms - 60 * 1000);
  g_assert_cmpint (ts, <=, now_ms + 60 * 1000);

  message = lt_test_expect_message (bob, "alice", "bob", text);
  assert_live_message (message, id);
  g_assert_cmpint (json_object_get_int_member (message, "ts"), ==, ts);
  /* The sending connection gets the echo too. */
  message = lt_test_expect_message (alice, "alice", "bob", text);
  assert_live_message (message, id);

  /* And back; ids grow. */
  g_assert_cmpint (lt_test_send (bob, "alice", "hi alice"), >, id);
  lt_test_expect_message (alice, "bob", "alice", "hi alice");
  lt_test_expect_message (bob, "bob", "alice", "hi alice");

  /* To oneself. */
  id = lt_test_send (alice, "alice", "note to self");
  assert_live_message (lt_test_expect_message (alice, "alice", "alice", "note to self"), id);
  lt_test_expect_no_notification (bob, "message", 200);
}

static void
test_text_limits (LtTestFixture *fixture,
                  gconstpointer  data)
{
  g_autoptr(LtTestClient) alice = lt_test_client_new_user (fixture->server, "alice");
  g_autoptr(LtTestClient) bob = lt_test_client_new_user (fixture->server, "bob");
  /* Characters, not bytes: 4000 CJK characters are 12000 bytes. */
  g_autofree char *cjk_4000 = lt_test_text_of_length (LT_MAX_TEXT_CHARS, "\xe5\xad\x97");
  g_autofree char *cjk_4001 = lt_test_text_of_length (LT_MAX_TEXT_CHARS + 1, "\xe5\xad\x97");
  g_autofree char *ascii_4001 = lt_test_text_of_length (LT_MAX_TEXT_CHARS + 1, "a");
  g_autofree char *client_id_64 = lt_test_text_of_length (LT_MAX_CLIENT_ID_CHARS, "c");
  g_autofree char *client_id_65 = lt_test_text_of_length (LT_MAX_CLIENT_ID_CHARS + 1, "c");

  lt_test_send (alice, "bob", cjk_4000);
  lt_test_expect_message (bob, "alice", "bob", cjk_4000);

  lt_test_call_error (alice, "send", 1013, "message_too_long", "{'to':'bob','text':'%s'}",
                      cjk_4001);
  lt_test_call_error (alice, "send", 1013, "message_too_long", "{'to':'#lobby','text':'%s'}",
                      ascii_4001);
  lt_test_call_error (alice, "send", -32602, "invalid_params", "{'to':'bob','text':''}");
  lt_test_call_error (alice, "send", -32602, "invalid_params", "{'to':'bob'}");
  lt_test_call_error (alice, "send", -32602, "invalid_params", "{'text':'hi'}");
  lt_test_call_error (alice, "send", -32602, "invalid_params", "{'to':5,'text':'hi'}");
  lt_test_call_error (alice, "send", -32602, "invalid_params", "{'to':'bob','text':true}");
  lt_test_call_error (alice, "send", -32602, "invalid_params",
                      "{'to':'bob','text':'hi','client_id':7}");
  lt_test_call_error (alice, "send", -32602, "invalid_params",
                      "{'to':'bob','text':'hi','client_id':''}");
  lt_test_call_error (alice, "send", -32602, "invalid_params",
                      "{'to':'bob','text':'hi','client_id':'%s'}", client_id_65);
  lt_test_call_ok (alice, "send", "{'to':'bob','text':'hi','client_id':'%s'}", client_id_64);
  lt_test_expect_message (bob, "alice", "bob", "hi");

  /* None of the refused ones was delivered. */
  lt_test_expect_no_notification (bob, "message", 200);
}

static void
test_send_errors (LtTestFixture *fixture,
                  gconstpointer  data)
{
  g_autoptr(LtTestClient) alice = lt_test_client_new_user (fixture->server, "alice");
  g_autoptr(LtTestClient) bob = lt_test_client_new_user (fixture->server, "bob");

  lt_test_call_error (alice, "send", 1004, "no_such_user", "{'to':'nobody','text':'hi'}");
  lt_test_call_error (alice, "send", 1010, "no_such_room", "{'to':'#nowhere','text':'hi'}");

  lt_test_call_ok (bob, "room_create", "{'room':'#secret'}");
  lt_test_call_error (alice, "send", 1012, "not_in_room", "{'to':'#secret','text':'hi'}");
  lt_test_expect_no_notification (bob, "message", 200);

  /* The form of "to" decides what it means, so it is checked first
   * (PROTOCOL.md §7). */
  lt_test_call_error (alice, "send", -32602, "invalid_params", "{'to':'No Body','text':'hi'}");
  lt_test_call_error (alice, "send", -32602, "invalid_params", "{'to':'#No Where','text':'hi'}");
}

/* Every connection of the recipient and of the sender gets the message. */
static void
test_multi_connection (LtTestFixture *fixture,
                       gconstpointer  data)
{
  g_autoptr(LtTestClient) alice1 = lt_test_client_new_user (fixture->server, "alice");
  g_autoptr(LtTestClient) alice2 = lt_test_client_new_login (fixture->server, "alice");
  g_autoptr(LtTestClient) bob = lt_test_client_new_user (fixture->server, "bob");
  g_autoptr(LtTestClient) anonymous = lt_test_client_new (fixture->server);
  gint64 id;

  id = lt_test_send (bob, "alice", "to both of you");
  assert_live_message (lt_test_expect_message (alice1, "bob", "alice", "to both of you"), id);
  assert_live_message (lt_test_expect_message (alice2, "bob", "alice", "to both of you"), id);
  assert_live_message (lt_test_expect_message (bob, "bob", "alice", "to both of you"), id);

  /* The other devices of the sender see what it sent. */
  id = lt_test_send (alice1, "bob", "from my phone");
  assert_live_message (lt_test_expect_message (bob, "alice", "bob", "from my phone"), id);
  assert_live_message (lt_test_expect_message (alice2, "alice", "bob", "from my phone"), id);
  assert_live_message (lt_test_expect_message (alice1, "alice", "bob", "from my phone"), id);

  id = lt_test_send (alice2, "#lobby", "room");
  lt_test_expect_message (alice1, "alice", "#lobby", "room");
  lt_test_expect_message (alice2, "alice", "#lobby", "room");
  lt_test_expect_message (bob, "alice", "#lobby", "room");

  lt_test_expect_no_notification (anonymous, "message", 200);
}

static void
test_room_messages (LtTestFixture *fixture,
                    gconstpointer  data)
{
  g_autoptr(LtTestClient) alice = lt_test_client_new_user (fixture->server, "alice");
  g_autoptr(LtTestClient) bob = lt_test_client_new_user (fixture->server, "bob");
  g_autoptr(LtTestClient) carol = lt_test_client_new_user (fixture->server, "carol");
  g_autoptr(LtTestClient) dave = lt_test_client_new (fixture->server);
  JsonObject *login;
  gint64 id;

  lt_test_register (dave, "dave");

  id = lt_test_send (alice, "#lobby", "hello lobby");
  assert_live_message (lt_test_expect_message (alice, "alice", "#lobby", "hello lobby"), id);
  assert_live_message (lt_test_expect_message (bob, "alice", "#lobby", "hello lobby"), id);
  assert_live_message (lt_test_expect_message (carol, "alice", "#lobby", "hello lobby"), id);

  /* Only members get a room's messages. */
  lt_test_call_ok (carol, "room_create", "{'room':'#dev'}");
  lt_test_call_ok (bob, "room_join", "{'room':'#dev'}");
  lt_test_send (carol, "#dev", "members only");
  lt_test_expect_message (bob, "carol", "#dev", "members only");
  lt_test_expect_message (carol, "carol", "#dev", "members only");
  lt_test_expect_no_notification (alice, "message", 200);

  /* Room messages are not pending for members who were away: dave
   * reads them with history. */
  login = lt_test_login (dave, "dave", LT_TEST_PASSWORD);
  lt_test_assert_object (login, "{'pending':0}");
  lt_test_expect_no_notification (dave, "message", 200);
  lt_test_assert_object (lt_test_call_ok (dave, "history", "{'with':'#lobby'}"),
                         "{'messages':[{'id':%" G_GINT64_FORMAT ",'from':'alice',"
                         "'nickname':'Alice','to':'#lobby','text':'hello lobby'}],"
                         "'more':false}", id);
}

/* Logs in a new connection of @username and checks that exactly the
 * messages @ids are pushed to it, as offline, oldest first. */
static LtTestClient *
login_expect_offline (LtTestServer *server,
                      const char   *username,
                      const gint64 *ids,
                      guint         n_ids)
{
  LtTestClient *client = lt_test_client_new (server);

  lt_test_assert_object (lt_test_login (client, username, LT_TEST_PASSWORD), "{'pending':%u}",
                         n_ids);
  for (guint i = 0; i < n_ids; i++)
    {
      JsonObject *message = lt_test_wait_notification (client, "message");

      lt_test_assert_object (message, "{'id':%" G_GINT64_FORMAT ",'to':'%s','offline':true}",
                             ids[i], username);
    }
  lt_test_expect_no_notification (client, "message", 200);
  return client;
}

static void
test_offline (LtTestFixture *fixture,
              gconstpointer  data)
{
  g_autoptr(LtTestClient) alice = lt_test_client_new_user (fixture->server, "alice");
  g_autoptr(LtTestClient) bob = NULL;
  gint64 ids[5];
  JsonObject *message;

  lt_test_register (alice, "bob");
  ids[0] = lt_test_send (alice, "bob", "one");
  ids[1] = lt_test_send (alice, "bob", "two");
  ids[2] = lt_test_send (alice, "bob", "three");

  bob = login_expect_offline (fixture->server, "bob", ids, 3);
  /* Without an ack, the same messages come again, with the same fields. */
  g_clear_pointer (&bob, lt_test_client_free);
  bob = lt_test_client_new (fixture->server);
  lt_test_assert_object (lt_test_login (bob, "bob", LT_TEST_PASSWORD), "{'pending':3}");
  lt_test_expect_message (bob, "alice", "bob", "one");
  lt_test_expect_message (bob, "alice", "bob", "two");
  message = lt_test_expect_message (bob, "alice", "bob", "three");
  lt_test_assert_object (message, "{'id':%" G_GINT64_FORMAT ",'offline':true}", ids[2]);

  lt_test_assert_object (lt_test_call_ok (bob, "ack", "{'up_to':%" G_GINT64_FORMAT "}", ids[1]),
                         "{}");
  g_clear_pointer (&bob, lt_test_client_free);
  bob = login_expect_offline (fixture->server, "bob", &ids[2], 1);

  /* The cursor never moves back. */
  lt_test_call_ok (bob, "ack", "{'up_to':%" G_GINT64_FORMAT "}", ids[2]);
  lt_test_call_ok (bob, "ack", "{'up_to':%" G_GINT64_FORMAT "}", ids[0]);
  g_clear_pointer (&bob, lt_test_client_free);
  bob = login_expect_offline (fixture->server, "bob", NULL, 0);

  /* A live message is pending too until it is acked. */
  ids[3] = lt_test_send (alice, "bob", "four");
  assert_live_message (lt_test_expect_message (bob, "alice", "bob", "four"), ids[3]);
  /* Bob's own messages are not pending for bob. */
  lt_test_send (bob, "alice", "reply");
  g_clear_pointer (&bob, lt_test_client_free);
  bob = login_expect_offline (fixture->server, "bob", &ids[3], 1);

  /* The cursor never goes past the newest message: a later message is
   * still pending after an ack far ahead. */
  lt_test_call_ok (bob, "ack", "{'up_to':%" G_GINT64_FORMAT "}", ids[3] + 1000000);
  ids[4] = lt_test_send (alice, "bob", "five");
  g_clear_pointer (&bob, lt_test_client_free);
  bob = login_expect_offline (fixture->server, "bob", &ids[4], 1);

  lt_test_call_error (bob, "ack", -32602, "invalid_params", "{}");
  lt_test_call_error (bob, "ack", -32602, "invalid_params", "{'up_to':-3}");
  lt_test_call_error (bob, "ack", -32602, "invalid_params", "{'up_to':'%" G_GINT64_FORMAT "'}",
                      ids[1]);
  /* 0 acknowledges nothing: the cursor never moves back. */
  lt_test_call_ok (bob, "ack", "{'up_to':0}");
}

static void
test_idempotent (LtTestFixture *fixture,
                 gconstpointer  data)
{
  g_autoptr(LtTestClient) alice1 = lt_test_client_new_user (fixture->server, "alice");
  g_autoptr(LtTestClient) alice2 = lt_test_client_new_login (fixture->server, "alice");
  g_autoptr(LtTestClient) bob = lt_test_client_new_user (fixture->server, "bob");
  JsonObject *first;
  JsonObject *history;
  gint64 id;
  gint64 ts;

  first = lt_test_call_ok (alice1, "send", "{'to':'bob','text':'once','client_id':'c-1'}");
  id = json_object_get_int_member (first, "id");
  ts = json_object_get_int_member (first, "ts");
  lt_test_expect_message (bob, "alice", "bob", "once");
  lt_test_expect_message (alice1, "alice", "bob", "once");
  lt_test_expect_message (alice2, "alice", "bob", "once");

  /* The same client_id again, from the same or another connection of
   * alice, even with other params: the first answer, nothing delivered. */
  lt_test_assert_object (lt_test_call_ok (alice1, "send",
                                          "{'to':'bob','text':'once','client_id':'c-1'}"),
                         "{'id':%" G_GINT64_FORMAT ",'ts':%" G_GINT64_FORMAT "}", id, ts);
  lt_test_assert_object (lt_test_call_ok (alice2, "send",
                                          "{'to':'bob','text':'changed','client_id':'c-1'}"),
                         "{'id':%" G_GINT64_FORMAT ",'ts':%" G_GINT64_FORMAT "}", id, ts);
  lt_test_expect_no_notification (bob, "message", 300);
  lt_test_expect_no_notification (alice1, "message", 0);
  lt_test_expect_no_notification (alice2, "message", 0);

  /* client_ids are per user. */
  g_assert_cmpint (json_object_get_int_member (lt_test_call_ok (bob, "send",
                                                                "{'to':'alice','text':'mine',"
                                                                "'client_id':'c-1'}"),
                                               "id"), >, id);
  lt_test_expect_message (alice1, "bob", "alice", "mine");

  history = lt_test_call_ok (bob, "history", "{'with':'alice'}");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (history, "messages")),
                    ==, 2);
}

static const LtTestServerOptions fast_senders = {
  .args = { "--rate-limit", "1000", NULL },
};

/* Pages through the conversation with @with, @limit at a time, and
 * checks that it holds exactly @ids (oldest first). */
static void
assert_history (LtTestClient *client,
                const char   *with,
                guint         limit,
                GArray       *ids)
{
  gint64 before = 0;
  guint seen = 0;
  gboolean more = TRUE;

  for (guint page = 0; more; page++)
    {
      JsonObject *result;
      JsonArray *messages;
      guint expected = MIN (limit, ids->len - seen);

      g_assert_cmpuint (page, <=, ids->len / limit + 1);
      if (before == 0)
        result = lt_test_call_ok (client, "history", "{'with':'%s','limit':%u}", with, limit);
      else
        result = lt_test_call_ok (client, "history",
                                  "{'with':'%s','limit':%u,'before':%" G_GINT64_FORMAT "}",
                                  with, limit, before);

      messages = json_object_get_array_member (result, "messages");
      more = json_object_get_boolean_member (result, "more");
      g_assert_cmpuint (json_array_get_length (messages), ==, expected);
      for (guint i = 0; i < expected; i++)
        {
          JsonObject *message = json_array_get_object_element (messages, i);
          gint64 id = g_array_index (ids, gint64, ids->len - 1 - seen - i);

          /* Newest first, every field, never offline. */
          lt_test_assert_object (message, "{'id':%" G_GINT64_FORMAT "}", id);
          g_assert_true (json_object_has_member (message, "ts"));
          g_assert_true (json_object_has_member (message, "from"));
          g_assert_true (json_object_has_member (message, "nickname"));
          g_assert_true (json_object_has_member (message, "to"));
          g_assert_true (json_object_has_member (message, "text"));
          g_assert_false (json_object_has_member (message, "offline"));
          before = id;
        }
      seen += expected;
      g_assert_cmpint (more, ==, seen < ids->len);
    }
  g_assert_cmpuint (seen, ==, ids->len);
}

static void
test_history (LtTestFixture *fixture,
              gconstpointer  data)
{
  g_autoptr(LtTestClient) alice = lt_test_client_new_user (fixture->server, "alice");
  g_autoptr(LtTestClient) bob = lt_test_client_new_user (fixture->server, "bob");
  g_autoptr(LtTestClient) carol = lt_test_client_new_user (fixture->server, "carol");
  g_autoptr(GArray) private_ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) lobby_ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) self_ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  JsonObject *result;
  gint64 id;

  for (guint i = 0; i < 7; i++)
    {
      g_autofree char *text = g_strdup_printf ("private %u", i);

      id = lt_test_send (i % 2 ? bob : alice, i % 2 ? "alice" : "bob", text);
      g_array_append_val (private_ids, id);
      /* Other conversations interleave. */
      id = lt_test_send (alice, "carol", text);
      id = lt_test_send (carol, "#lobby", text);
      g_array_append_val (lobby_ids, id);
    }
  id = lt_test_send (alice, "alice", "to myself");
  g_array_append_val (self_ids, id);

  /* Both sides see the same conversation; pages of 3, 1 and 7. */
  assert_history (alice, "bob", 3, private_ids);
  assert_history (bob, "alice", 1, private_ids);
  assert_history (bob, "alice", 7, private_ids);
  assert_history (alice, "#lobby", 3, lobby_ids);
  assert_history (alice, "alice", 5, self_ids);

  result = lt_test_call_ok (alice, "history", "{'with':'bob','limit':1}");
  lt_test_assert_object (result, "{'messages':[{'id':%" G_GINT64_FORMAT ",'from':'alice',"
                         "'nickname':'Alice','to':'bob','text':'private 6'}],'more':true}",
                         g_array_index (private_ids, gint64, 6));

  /* The default page is 50, the largest 200. */
  for (guint i = 0; i < 53; i++)
    {
      g_autofree char *text = g_strdup_printf ("more %u", i);

      id = lt_test_send (bob, "alice", text);
      g_array_append_val (private_ids, id);
    }
  result = lt_test_call_ok (alice, "history", "{'with':'bob'}");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (result, "messages")),
                    ==, LT_HISTORY_DEFAULT_LIMIT);
  g_assert_true (json_object_get_boolean_member (result, "more"));
  result = lt_test_call_ok (alice, "history", "{'with':'bob','limit':200}");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (result, "messages")),
                    ==, private_ids->len);
  g_assert_false (json_object_get_boolean_member (result, "more"));
  assert_history (alice, "bob", 200, private_ids);
  assert_history (bob, "alice", 16, private_ids);

  /* Members see what was said before they joined. */
  lt_test_call_ok (carol, "room_create", "{'room':'#dev'}");
  id = lt_test_send (carol, "#dev", "before bob");
  lt_test_call_ok (bob, "room_join", "{'room':'#dev'}");
  lt_test_assert_object (lt_test_call_ok (bob, "history", "{'with':'#dev'}"),
                         "{'messages':[{'id':%" G_GINT64_FORMAT ",'text':'before bob'}],"
                         "'more':false}", id);
}

static void
test_history_errors (LtTestFixture *fixture,
                     gconstpointer  data)
{
  g_autoptr(LtTestClient) alice = lt_test_client_new_user (fixture->server, "alice");
  g_autoptr(LtTestClient) bob = lt_test_client_new_user (fixture->server, "bob");
  static const char *invalid[] = {
    "{}",
    "{'with':5}",
    "{'with':'bob','limit':0}",
    "{'with':'bob','limit':201}",
    "{'with':'bob','limit':-1}",
    "{'with':'bob','limit':'3'}",
    "{'with':'bob','limit':2.5}",
    "{'with':'bob','before':-5}",
    "{'with':'bob','before':'10'}",
    /* -32602 comes before the unknown peer */
    "{'with':'nobody','limit':0}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (invalid); i++)
    lt_test_call_error (alice, "history", -32602, "invalid_params", "%s", invalid[i]);

  lt_test_call_error (alice, "history", 1004, "no_such_user", "{'with':'nobody'}");
  lt_test_call_error (alice, "history", 1010, "no_such_room", "{'with':'#nowhere'}");
  lt_test_call_ok (bob, "room_create", "{'room':'#secret'}");
  lt_test_call_error (alice, "history", 1012, "not_in_room", "{'with':'#secret'}");

  /* An empty conversation is an empty page. */
  lt_test_assert_object (lt_test_call_ok (alice, "history", "{'with':'bob'}"),
                         "{'messages':[],'more':false}");

  /* before 0 is the same as no before; the form of "with" decides
   * what it means, so it is checked first (PROTOCOL.md §7). */
  lt_test_assert_object (lt_test_call_ok (alice, "history", "{'with':'bob','before':0}"),
                         "{'messages':[],'more':false}");
  lt_test_call_error (alice, "history", -32602, "invalid_params", "{'with':'bob','before':-1}");
  lt_test_call_error (alice, "history", -32602, "invalid_params", "{'with':'No Body'}");
  lt_test_call_error (alice, "history", -32602, "invalid_params", "{'with':'#No Where'}");
}

static const LtTestServerOptions slow_senders = {
  .args = { "--rate-limit", "2", NULL },
};

/* Sends until the server says rate_limited (bounded), so that the
 * user's bucket is empty now, however slowly the server runs. */
static void
drain_bucket (LtTestClient *client)
{
  for (guint i = 0; i < 20; i++)
    {
      g_autoptr(GError) error = NULL;

      /* The client keeps its answers: nothing to free here. */
      if (lt_test_client_call (client, "send", &error, "{'to':'bob','text':'drain'}") == NULL)
        {
          g_assert_error (error, LT_PROTOCOL_ERROR, LT_PROTOCOL_ERROR_RATE_LIMITED);
          return;
        }
    }

  g_error ("20 sends in a row were accepted with --rate-limit 2");
}

/* --rate-limit 2: buckets of 4 tokens, 2 more per second, per user. */
static void
test_rate_limit (LtTestFixture *fixture,
                 gconstpointer  data)
{
  g_autoptr(LtTestClient) alice1 = lt_test_client_new_user (fixture->server, "alice");
  g_autoptr(LtTestClient) alice2 = lt_test_client_new_login (fixture->server, "alice");
  g_autoptr(LtTestClient) bob = lt_test_client_new_user (fixture->server, "bob");
  gint64 requests[10];
  guint accepted = 0;
  guint limited = 0;
  gint64 start = g_get_monotonic_time ();
  double elapsed_s;
  JsonObject *first = NULL;

  /* Ten at once, the first with a client_id. */
  for (guint i = 0; i < G_N_ELEMENTS (requests); i++)
    {
      g_autoptr(JsonObject) params = lt_test_params_new ("{'to':'bob','text':'burst %u'}", i);

      if (i == 0)
        json_object_set_string_member (params, "client_id", "burst-0");
      requests[i] = lt_test_client_send_request (alice1, "send", params);
    }
  for (guint i = 0; i < G_N_ELEMENTS (requests); i++)
    {
      JsonObject *response = lt_test_wait_response (alice1, requests[i]);

      if (json_object_has_member (response, "result"))
        {
          accepted++;
          if (i == 0)
            first = json_object_get_object_member (response, "result");
        }
      else
        {
          lt_test_assert_object (response, "{'error':{'code':1006,"
                                 "'data':{'reason':'rate_limited'}}}");
          limited++;
        }
    }
  elapsed_s = (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC;
  g_test_message ("%u accepted, %u limited in %.3f s", accepted, limited, elapsed_s);

  /* A full bucket allows a burst of 4, plus what refilled meanwhile. */
  g_assert_nonnull (first);
  g_assert_cmpuint (accepted, >=, 4);
  g_assert_cmpuint (accepted, <=, 4 + (guint) (2 * elapsed_s) + 1);
  g_assert_cmpuint (limited, >=, 1);

  /* Refused sends store and deliver nothing. */
  for (guint i = 0; i < accepted; i++)
    lt_test_wait_notification (bob, "message");
  lt_test_expect_no_notification (bob, "message", 200);

  /* The bucket is the user's, not the connection's; another user has
   * its own. */
  drain_bucket (alice1);
  lt_test_call_error (alice2, "send", 1006, "rate_limited", "{'to':'bob','text':'again'}");
  lt_test_send (bob, "alice", "my own bucket");

  /* Two tokens a second come back. */
  g_usleep (1100 * 1000);
  lt_test_send (alice2, "bob", "after a pause");

  /* A repeat of a known client_id takes a token too (PROTOCOL.md §5):
   * with the bucket empty it is refused, and once tokens are back it
   * gets the first answer, not a second message. */
  drain_bucket (alice1);
  lt_test_call_error (alice2, "send", 1006, "rate_limited",
                      "{'to':'bob','text':'burst 0','client_id':'burst-0'}");
  g_usleep (1100 * 1000);
  lt_test_assert_object (lt_test_call_ok (alice2, "send",
                                          "{'to':'bob','text':'burst 0','client_id':'burst-0'}"),
                         "{'id':%" G_GINT64_FORMAT "}", json_object_get_int_member (first, "id"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  lt_test_add ("/messages/private", NULL, test_private);
  lt_test_add ("/messages/text-limits", NULL, test_text_limits);
  lt_test_add ("/messages/send-errors", NULL, test_send_errors);
  lt_test_add ("/messages/multi-connection", NULL, test_multi_connection);
  lt_test_add ("/messages/room", NULL, test_room_messages);
  lt_test_add ("/messages/offline", NULL, test_offline);
  lt_test_add ("/messages/idempotent", NULL, test_idempotent);
  lt_test_add ("/messages/history", &fast_senders, test_history);
  lt_test_add ("/messages/history/errors", NULL, test_history_errors);
  lt_test_add ("/messages/rate-limit", &slow_senders, test_rate_limit);

  return g_test_run ();
}
