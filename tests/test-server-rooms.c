/* SPDX-License-Identifier: GPL-3.0-or-later */
/* liaotian-server: #lobby, room_create, room_join, room_leave,
 * room_list, who, and the joined and left notifications. */
#include "config.h"

#include "lt-protocol.h"
#include "lt-test-utils.h"

static void
test_lobby (LtTestFixture *fixture,
            gconstpointer  data)
{
  g_autoptr(LtTestClient) alice = lt_test_client_new_user (fixture->server, "alice");
  g_autoptr(LtTestClient) bob = lt_test_client_new_user (fixture->server, "bob");
  JsonObject *list;

  /* Every user is a member of #lobby. */
  lt_test_assert_object (lt_test_client_get_login (bob), "{'rooms':['#lobby']}");
  list = lt_test_call_ok (alice, "room_list", "{}");
  lt_test_assert_object (list, "{'rooms':[{'room':'#lobby','members':2,'joined':true}]}");
  g_assert_true (JSON_NODE_HOLDS_VALUE (
    json_object_get_member (json_array_get_object_element (
      json_object_get_array_member (list, "rooms"), 0), "topic")));

  /* Nobody leaves it, nobody makes it again, joining it again is a no-op. */
  lt_test_call_error (alice, "room_leave", -32602, "invalid_params", "{'room':'#lobby'}");
  lt_test_call_error (alice, "room_create", 1011, "room_exists", "{'room':'#lobby'}");
  lt_test_assert_object (lt_test_call_ok (alice, "room_join", "{'room':'#lobby'}"), "{}");
  lt_test_expect_no_notification (alice, "joined", 200);
  lt_test_expect_no_notification (bob, "joined", 0);

  lt_test_assert_object (lt_test_call_ok (bob, "who", "{'room':'#lobby'}"),
                         "{'users':[{'username':'alice','nickname':'Alice'},"
                         "{'username':'bob','nickname':'Bob'}]}");
}

static void
test_create_invalid (LtTestFixture *fixture,
                     gconstpointer  data)
{
  g_autoptr(LtTestClient) alice = lt_test_client_new_user (fixture->server, "alice");
  g_autofree char *name_33 = lt_test_text_of_length (33, "r");
  g_autofree char *topic_200 = lt_test_text_of_length (LT_MAX_TOPIC_CHARS, "\xc3\xa9");
  g_autofree char *topic_201 = lt_test_text_of_length (LT_MAX_TOPIC_CHARS + 1, "t");
  static const char *invalid[] = {
    "{}",
    "{'room':5}",
    "{'room':'dev'}",
    "{'room':'#'}",
    "{'room':'#Dev'}",
    "{'room':'#dev team'}",
    "{'room':'##dev'}",
    "{'room':'#dev','topic':7}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (invalid); i++)
    lt_test_call_error (alice, "room_create", -32602, "invalid_params", "%s", invalid[i]);
  lt_test_call_error (alice, "room_create", -32602, "invalid_params", "{'room':'#%s'}",
                      name_33);
  lt_test_call_error (alice, "room_create", -32602, "invalid_params",
                      "{'room':'#long','topic':'%s'}", topic_201);

  /* The limits are inclusive and count characters. */
  lt_test_call_ok (alice, "room_create", "{'room':'#%.32s','topic':'%s'}", name_33, topic_200);
  lt_test_assert_object (lt_test_call_ok (alice, "room_list", "{}"),
                         "{'rooms':[{'room':'#lobby'},{'room':'#%.32s','topic':'%s',"
                         "'members':1,'joined':true}]}", name_33, topic_200);

  /* Nothing else was created. */
  lt_test_call_error (alice, "room_join", 1010, "no_such_room", "{'room':'#long'}");
}

static void
test_create_join_leave (LtTestFixture *fixture,
                        gconstpointer  data)
{
  g_autoptr(LtTestClient) alice = lt_test_client_new_user (fixture->server, "alice");
  g_autoptr(LtTestClient) bob1 = lt_test_client_new_user (fixture->server, "bob");
  g_autoptr(LtTestClient) bob2 = lt_test_client_new_login (fixture->server, "bob");
  g_autoptr(LtTestClient) carol = lt_test_client_new_user (fixture->server, "carol");

  /* The creator is the only member, told on its own connections. */
  lt_test_assert_object (lt_test_call_ok (alice, "room_create",
                                          "{'room':'#dev','topic':'GNOME development'}"),
                         "{}");
  lt_test_assert_object (lt_test_wait_notification (alice, "joined"),
                         "{'room':'#dev','username':'alice'}");
  lt_test_call_error (bob1, "room_create", 1011, "room_exists", "{'room':'#dev'}");

  /* Every connection of every online member hears of a join. */
  lt_test_assert_object (lt_test_call_ok (bob1, "room_join", "{'room':'#dev'}"), "{}");
  lt_test_assert_object (lt_test_wait_notification (alice, "joined"),
                         "{'room':'#dev','username':'bob'}");
  lt_test_assert_object (lt_test_wait_notification (bob1, "joined"),
                         "{'room':'#dev','username':'bob'}");
  lt_test_assert_object (lt_test_wait_notification (bob2, "joined"),
                         "{'room':'#dev','username':'bob'}");

  /* A second join succeeds silently. */
  lt_test_call_ok (bob2, "room_join", "{'room':'#dev'}");
  lt_test_expect_no_notification (alice, "joined", 200);
  lt_test_expect_no_notification (bob1, "joined", 0);
  lt_test_expect_no_notification (bob2, "joined", 0);
  lt_test_expect_no_notification (carol, "joined", 0);

  lt_test_call_error (carol, "room_join", 1010, "no_such_room", "{'room':'#nowhere'}");
  lt_test_call_error (carol, "room_join", -32602, "invalid_params", "{'room':5}");
  lt_test_call_error (carol, "room_join", -32602, "invalid_params", "{}");

  /* room_list: every room, sorted, from the asker's side. */
  lt_test_call_ok (carol, "room_create", "{'room':'#long'}");
  lt_test_wait_notification (carol, "joined");
  lt_test_assert_object (lt_test_call_ok (carol, "room_list", "{}"),
                         "{'rooms':[{'room':'#dev','topic':'GNOME development','members':2,"
                         "'joined':false},{'room':'#lobby','members':3,'joined':true},"
                         "{'room':'#long','topic':'','members':1,'joined':true}]}");

  /* who works for any room, member or not. */
  lt_test_assert_object (lt_test_call_ok (carol, "who", "{'room':'#dev'}"),
                         "{'users':[{'username':'alice','nickname':'Alice'},"
                         "{'username':'bob','nickname':'Bob'}]}");
  lt_test_assert_object (lt_test_call_ok (carol, "who", "{}"),
                         "{'users':[{'username':'alice'},{'username':'bob'},"
                         "{'username':'carol'}]}");
  lt_test_call_error (carol, "who", 1010, "no_such_room", "{'room':'#nowhere'}");
  lt_test_call_error (carol, "who", -32602, "invalid_params", "{'room':[]}");

  /* #lobby first, then by name, in a new login. */
  {
    g_autoptr(LtTestClient) bob3 = lt_test_client_new_login (fixture->server, "bob");

    lt_test_assert_object (lt_test_client_get_login (bob3), "{'rooms':['#lobby','#dev']}");
  }

  /* Leaving tells the remaining members and the leaver's connections. */
  lt_test_assert_object (lt_test_call_ok (bob1, "room_leave", "{'room':'#dev'}"), "{}");
  lt_test_assert_object (lt_test_wait_notification (alice, "left"),
                         "{'room':'#dev','username':'bob'}");
  lt_test_assert_object (lt_test_wait_notification (bob1, "left"),
                         "{'room':'#dev','username':'bob'}");
  lt_test_assert_object (lt_test_wait_notification (bob2, "left"),
                         "{'room':'#dev','username':'bob'}");
  lt_test_expect_no_notification (carol, "left", 200);

  lt_test_call_error (bob1, "room_leave", 1012, "not_in_room", "{'room':'#dev'}");
  lt_test_call_error (bob1, "room_leave", 1010, "no_such_room", "{'room':'#nowhere'}");
  lt_test_call_error (bob1, "room_leave", -32602, "invalid_params", "{}");

  /* A former member gets nothing of the room any more. */
  lt_test_send (alice, "#dev", "bob is gone");
  lt_test_expect_message (alice, "alice", "#dev", "bob is gone");
  lt_test_expect_no_notification (bob1, "message", 200);
  lt_test_expect_no_notification (bob2, "message", 0);
  lt_test_call_error (bob1, "send", 1012, "not_in_room", "{'to':'#dev','text':'let me in'}");
  lt_test_call_error (bob1, "history", 1012, "not_in_room", "{'with':'#dev'}");

  /* Rooms stay when they empty. */
  lt_test_call_ok (alice, "room_leave", "{'room':'#dev'}");
  lt_test_wait_notification (alice, "left");
  lt_test_assert_object (lt_test_call_ok (alice, "room_list", "{}"),
                         "{'rooms':[{'room':'#dev','members':0,'joined':false},{},{}]}");
  lt_test_call_ok (alice, "room_join", "{'room':'#dev'}");

  /* Names that could not exist are just unknown (PROTOCOL.md §7). */
  lt_test_call_error (carol, "room_join", 1010, "no_such_room", "{'room':'No Where'}");
  lt_test_call_error (carol, "room_leave", 1010, "no_such_room", "{'room':'#No Where'}");
  lt_test_call_error (carol, "who", 1010, "no_such_room", "{'room':'nowhere'}");
}

/* Members who are offline are members all the same. */
static void
test_offline_members (LtTestFixture *fixture,
                      gconstpointer  data)
{
  g_autoptr(LtTestClient) alice = lt_test_client_new_user (fixture->server, "alice");
  g_autoptr(LtTestClient) bob = lt_test_client_new_user (fixture->server, "bob");

  lt_test_call_ok (bob, "room_create", "{'room':'#dev'}");
  g_clear_pointer (&bob, lt_test_client_free);

  lt_test_call_ok (alice, "room_join", "{'room':'#dev'}");
  lt_test_assert_object (lt_test_wait_notification (alice, "joined"),
                         "{'room':'#dev','username':'alice'}");
  lt_test_assert_object (lt_test_call_ok (alice, "room_list", "{}"),
                         "{'rooms':[{'room':'#dev','members':2,'joined':true},{}]}");
  lt_test_assert_object (lt_test_call_ok (alice, "who", "{'room':'#dev'}"),
                         "{'users':[{'username':'alice'}]}");
  lt_test_send (alice, "#dev", "while you were away");

  bob = lt_test_client_new_login (fixture->server, "bob");
  lt_test_assert_object (lt_test_client_get_login (bob), "{'rooms':['#lobby','#dev']}");
  lt_test_assert_object (lt_test_call_ok (bob, "history", "{'with':'#dev'}"),
                         "{'messages':[{'text':'while you were away'}]}");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  lt_test_add ("/rooms/lobby", NULL, test_lobby);
  lt_test_add ("/rooms/create/invalid", NULL, test_create_invalid);
  lt_test_add ("/rooms/create-join-leave", NULL, test_create_join_leave);
  lt_test_add ("/rooms/offline-members", NULL, test_offline_members);

  return g_test_run ();
}
