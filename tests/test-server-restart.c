/* SPDX-License-Identifier: GPL-3.0-or-later */
/* liaotian-server keeps everything in its data dir: users, passwords,
 * rooms, members, friends, messages, delivery cursors, client_ids and
 * reset tokens survive a restart, and acknowledged writes survive a
 * crash (SIGKILL). */
#include "config.h"

#include "lt-test-utils.h"

static char *
call_to_string (LtTestClient *client,
                const char   *method,
                const char   *params)
{
  return lt_test_object_to_string (lt_test_call_ok (client, method, "%s", params));
}

static void
assert_same (const char *what,
             const char *before,
             const char *after)
{
  if (g_strcmp0 (before, after) != 0)
    lt_test_fail ("%s after the restart: expected %s, got %s", what, before, after);
}

static void
test_nothing_lost (LtTestFixture *fixture,
                   gconstpointer  data)
{
  g_autoptr(LtTestClient) alice = lt_test_client_new_user (fixture->server, "alice");
  g_autoptr(LtTestClient) bob = lt_test_client_new_user (fixture->server, "bob");
  g_autoptr(LtTestClient) carol = lt_test_client_new_user (fixture->server, "carol");
  g_autofree char *rooms_before = NULL;
  g_autofree char *private_before = NULL;
  g_autofree char *dev_before = NULL;
  g_autofree char *lobby_before = NULL;
  g_autofree char *token = NULL;
  g_autofree char *mail = NULL;
  JsonObject *idempotent;
  gint64 idempotent_id;
  gint64 idempotent_ts;
  gint64 ids[3];
  gint64 newest;

  /* Accounts: a changed password, a phone, a pending reset token. */
  lt_test_call_ok (carol, "change_password",
                   "{'username':'carol','old_password':'%s','new_password':'carol 2.0'}",
                   LT_TEST_PASSWORD);
  lt_test_call_ok (carol, "register",
                   "{'username':'dave','nickname':'Dave','password':'%s',"
                   "'email':'dave@example.org','phone':'+1 555 0100'}", LT_TEST_PASSWORD);
  lt_test_call_ok (carol, "reset_password", "{'email':'dave@example.org'}");
  mail = lt_test_server_wait_mail (fixture->server, NULL);
  token = lt_test_mail_get_token (mail);
  g_assert_nonnull (token);

  /* Rooms: a topic, members, a room left empty. */
  lt_test_call_ok (alice, "room_create", "{'room':'#dev','topic':'GNOME development'}");
  lt_test_call_ok (bob, "room_join", "{'room':'#dev'}");
  lt_test_call_ok (carol, "room_create", "{'room':'#empty'}");
  lt_test_call_ok (carol, "room_leave", "{'room':'#empty'}");

  /* Friends: one friendship, one undone. */
  lt_test_call_ok (alice, "friend_add", "{'username':'bob'}");
  lt_test_call_ok (alice, "friend_add", "{'username':'carol'}");
  lt_test_call_ok (alice, "friend_remove", "{'username':'carol'}");

  /* Messages and bob's cursor after the second one. */
  ids[0] = lt_test_send (alice, "bob", "one");
  ids[1] = lt_test_send (alice, "bob", "two");
  ids[2] = lt_test_send (alice, "bob", "three");
  lt_test_call_ok (bob, "ack", "{'up_to':%" G_GINT64_FORMAT "}", ids[1]);
  lt_test_send (bob, "#dev", "room talk");
  lt_test_send (carol, "#lobby", "lobby talk");
  idempotent = lt_test_call_ok (alice, "send", "{'to':'bob','text':'once','client_id':'keep-1'}");
  idempotent_id = json_object_get_int_member (idempotent, "id");
  idempotent_ts = json_object_get_int_member (idempotent, "ts");
  newest = idempotent_id;

  rooms_before = call_to_string (alice, "room_list", "{}");
  private_before = call_to_string (alice, "history", "{'with':'bob'}");
  dev_before = call_to_string (bob, "history", "{'with':'#dev'}");
  lobby_before = call_to_string (alice, "history", "{'with':'#lobby'}");

  g_clear_pointer (&alice, lt_test_client_free);
  g_clear_pointer (&bob, lt_test_client_free);
  g_clear_pointer (&carol, lt_test_client_free);
  lt_test_server_restart (fixture->server);

  /* Passwords, as changed. */
  carol = lt_test_client_new (fixture->server);
  lt_test_call_error (carol, "login", 1005, "wrong_password",
                      "{'username':'carol','password':'%s'}", LT_TEST_PASSWORD);
  lt_test_login (carol, "carol", "carol 2.0");
  lt_test_assert_object (lt_test_call_ok (carol, "user_find", "{'username':'dave'}"),
                         "{'username':'dave','nickname':'Dave','online':false}");

  /* The reset token still works, once. */
  lt_test_call_ok (carol, "reset_password_confirm",
                   "{'email':'dave@example.org','token':'%s','new_password':'dave 2.0'}", token);
  {
    g_autoptr(LtTestClient) dave = lt_test_client_new (fixture->server);

    lt_test_login (dave, "dave", "dave 2.0");
  }

  /* Rooms, members, topics, history. */
  alice = lt_test_client_new_login (fixture->server, "alice");
  lt_test_assert_object (lt_test_client_get_login (alice), "{'rooms':['#lobby','#dev']}");
  {
    g_autofree char *rooms_after = call_to_string (alice, "room_list", "{}");
    g_autofree char *private_after = call_to_string (alice, "history", "{'with':'bob'}");
    g_autofree char *lobby_after = call_to_string (alice, "history", "{'with':'#lobby'}");

    assert_same ("room_list", rooms_before, rooms_after);
    assert_same ("history with bob", private_before, private_after);
    assert_same ("history of #lobby", lobby_before, lobby_after);
  }
  lt_test_assert_object (lt_test_call_ok (alice, "friend_list", "{}"),
                         "{'friends':[{'username':'bob','nickname':'Bob','online':false}]}");

  /* bob's cursor: only what he had not acked is pushed. */
  bob = lt_test_client_new (fixture->server);
  lt_test_assert_object (lt_test_login (bob, "bob", LT_TEST_PASSWORD), "{'pending':2}");
  lt_test_assert_object (lt_test_wait_notification (bob, "message"),
                         "{'id':%" G_GINT64_FORMAT ",'text':'three','offline':true}", ids[2]);
  lt_test_assert_object (lt_test_wait_notification (bob, "message"),
                         "{'id':%" G_GINT64_FORMAT ",'text':'once','offline':true}",
                         idempotent_id);
  lt_test_expect_no_notification (bob, "message", 200);
  {
    g_autofree char *dev_after = call_to_string (bob, "history", "{'with':'#dev'}");

    assert_same ("history of #dev", dev_before, dev_after);
  }
  lt_test_assert_object (lt_test_call_ok (bob, "friend_list", "{}"),
                         "{'friends':[{'username':'alice','online':true}]}");
  lt_test_assert_object (lt_test_call_ok (carol, "friend_list", "{}"), "{'friends':[]}");

  /* client_ids are remembered: the same answer, nothing delivered. */
  lt_test_assert_object (lt_test_call_ok (alice, "send",
                                          "{'to':'bob','text':'once','client_id':'keep-1'}"),
                         "{'id':%" G_GINT64_FORMAT ",'ts':%" G_GINT64_FORMAT "}",
                         idempotent_id, idempotent_ts);
  lt_test_expect_no_notification (bob, "message", 300);

  /* Ids keep growing. */
  g_assert_cmpint (lt_test_send (alice, "bob", "after the restart"), >, newest);
}

/* A send is answered only after its commit, so SIGKILL loses nothing
 * that was answered. */
static void
test_crash (LtTestFixture *fixture,
            gconstpointer  data)
{
  g_autoptr(LtTestClient) alice = lt_test_client_new_user (fixture->server, "alice");
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  JsonObject *history;
  JsonArray *messages;

  lt_test_register (alice, "bob");
  lt_test_call_ok (alice, "room_create", "{'room':'#dev'}");
  for (guint i = 0; i < 20; i++)
    {
      g_autofree char *text = g_strdup_printf ("message %u", i);
      gint64 id = lt_test_send (alice, i % 2 ? "#dev" : "bob", text);

      g_array_append_val (ids, id);
    }
  lt_test_call_ok (alice, "friend_add", "{'username':'bob'}");

  lt_test_server_kill (fixture->server);
  g_clear_pointer (&alice, lt_test_client_free);
  lt_test_server_start (fixture->server);

  alice = lt_test_client_new_login (fixture->server, "alice");
  lt_test_assert_object (lt_test_client_get_login (alice), "{'rooms':['#lobby','#dev']}");
  history = lt_test_call_ok (alice, "history", "{'with':'bob'}");
  messages = json_object_get_array_member (history, "messages");
  g_assert_cmpuint (json_array_get_length (messages), ==, 10);
  lt_test_assert_object (json_array_get_object_element (messages, 0),
                         "{'id':%" G_GINT64_FORMAT ",'text':'message 18'}",
                         g_array_index (ids, gint64, 18));
  history = lt_test_call_ok (alice, "history", "{'with':'#dev'}");
  lt_test_assert_object (json_array_get_object_element (json_object_get_array_member (history,
                                                                                     "messages"),
                                                        0),
                         "{'id':%" G_GINT64_FORMAT ",'text':'message 19'}",
                         g_array_index (ids, gint64, 19));
  lt_test_assert_object (lt_test_call_ok (alice, "friend_list", "{}"),
                         "{'friends':[{'username':'bob'}]}");

  {
    g_autoptr(LtTestClient) bob = lt_test_client_new (fixture->server);

    lt_test_assert_object (lt_test_login (bob, "bob", LT_TEST_PASSWORD), "{'pending':10}");
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  lt_test_add ("/restart/nothing-lost", NULL, test_nothing_lost);
  lt_test_add ("/restart/crash", NULL, test_crash);

  return g_test_run ();
}
