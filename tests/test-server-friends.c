/* SPDX-License-Identifier: GPL-3.0-or-later */
/* liaotian-server: friend_add, friend_remove, friend_list, user_find,
 * and the friend_added and friend_removed notifications. */
#include "config.h"

#include "lt-test-utils.h"

static void
test_add_remove (LtTestFixture *fixture,
                 gconstpointer  data)
{
  g_autoptr(LtTestClient) alice = lt_test_client_new_user (fixture->server, "alice");
  g_autoptr(LtTestClient) bob1 = lt_test_client_new_user (fixture->server, "bob");
  g_autoptr(LtTestClient) bob2 = lt_test_client_new_login (fixture->server, "bob");
  g_autoptr(LtTestClient) carol = lt_test_client_new_user (fixture->server, "carol");

  lt_test_call_error (alice, "friend_add", -32602, "invalid_params", "{}");
  lt_test_call_error (alice, "friend_add", -32602, "invalid_params", "{'username':5}");
  lt_test_call_error (alice, "friend_add", -32602, "invalid_params", "{'username':'alice'}");
  lt_test_call_error (alice, "friend_add", 1004, "no_such_user", "{'username':'nobody'}");
  lt_test_call_error (alice, "friend_add", 1004, "no_such_user", "{'username':'No Body'}");

  /* Mutual at once; both sides hear of it, each naming the other. */
  lt_test_assert_object (lt_test_call_ok (alice, "friend_add", "{'username':'bob'}"), "{}");
  lt_test_assert_object (lt_test_wait_notification (bob1, "friend_added"),
                         "{'username':'alice','nickname':'Alice'}");
  lt_test_assert_object (lt_test_wait_notification (bob2, "friend_added"),
                         "{'username':'alice','nickname':'Alice'}");
  lt_test_assert_object (lt_test_wait_notification (alice, "friend_added"),
                         "{'username':'bob','nickname':'Bob'}");
  lt_test_expect_no_notification (carol, "friend_added", 200);

  lt_test_call_error (alice, "friend_add", 1009, "already_friends", "{'username':'bob'}");
  lt_test_call_error (bob2, "friend_add", 1009, "already_friends", "{'username':'alice'}");

  lt_test_call_ok (carol, "friend_add", "{'username':'alice'}");
  lt_test_wait_notification (alice, "friend_added");
  lt_test_assert_object (lt_test_call_ok (alice, "friend_list", "{}"),
                         "{'friends':[{'username':'bob','nickname':'Bob','online':true},"
                         "{'username':'carol','nickname':'Carol','online':true}]}");
  lt_test_assert_object (lt_test_call_ok (bob1, "friend_list", "{}"),
                         "{'friends':[{'username':'alice','nickname':'Alice','online':true}]}");

  /* Offline friends are listed as such. */
  g_clear_pointer (&bob1, lt_test_client_free);
  g_clear_pointer (&bob2, lt_test_client_free);
  lt_test_wait_notification_like (alice, "presence", "{'username':'bob','online':false}");
  lt_test_assert_object (lt_test_call_ok (alice, "friend_list", "{}"),
                         "{'friends':[{'username':'bob','online':false},"
                         "{'username':'carol','online':true}]}");

  lt_test_call_error (alice, "friend_remove", -32602, "invalid_params", "{}");
  lt_test_call_error (alice, "friend_remove", 1004, "no_such_user", "{'username':'nobody'}");
  lt_test_call_ok (carol, "register",
                   "{'username':'dave','nickname':'Dave','password':'%s',"
                   "'email':'dave@example.org'}", LT_TEST_PASSWORD);
  /* Not a friend is no_such_user too. */
  lt_test_call_error (alice, "friend_remove", 1004, "no_such_user", "{'username':'dave'}");

  lt_test_assert_object (lt_test_call_ok (alice, "friend_remove", "{'username':'carol'}"), "{}");
  lt_test_assert_object (lt_test_wait_notification (carol, "friend_removed"),
                         "{'username':'alice'}");
  lt_test_assert_object (lt_test_wait_notification (alice, "friend_removed"),
                         "{'username':'carol'}");
  lt_test_call_error (alice, "friend_remove", 1004, "no_such_user", "{'username':'carol'}");
  lt_test_assert_object (lt_test_call_ok (carol, "friend_list", "{}"), "{'friends':[]}");

  /* An offline user becomes a friend too, and sees it at the next login. */
  lt_test_call_ok (alice, "friend_add", "{'username':'dave'}");
  {
    g_autoptr(LtTestClient) dave = lt_test_client_new_login (fixture->server, "dave");

    lt_test_assert_object (lt_test_call_ok (dave, "friend_list", "{}"),
                           "{'friends':[{'username':'alice','online':true}]}");
  }
  /* Friends can be made again after a removal. */
  lt_test_call_ok (carol, "friend_add", "{'username':'alice'}");
}

static void
test_user_find (LtTestFixture *fixture,
                gconstpointer  data)
{
  g_autoptr(LtTestClient) alice = lt_test_client_new_user (fixture->server, "alice");
  JsonObject *found;

  lt_test_call_ok (alice, "register",
                   "{'username':'bob','nickname':'Bob','password':'%s',"
                   "'email':'bob@example.org','phone':'+1 555 0100'}", LT_TEST_PASSWORD);

  found = lt_test_call_ok (alice, "user_find", "{'username':'bob'}");
  lt_test_assert_object (found, "{'username':'bob','nickname':'Bob','online':false}");
  g_assert_false (json_object_has_member (found, "email"));
  g_assert_false (json_object_has_member (found, "phone"));
  g_assert_false (json_object_has_member (found, "password"));

  {
    g_autoptr(LtTestClient) bob = lt_test_client_new_login (fixture->server, "bob");

    lt_test_assert_object (lt_test_call_ok (alice, "user_find", "{'username':'bob'}"),
                           "{'username':'bob','online':true}");
  }

  lt_test_call_error (alice, "user_find", 1004, "no_such_user", "{'username':'nobody'}");
  lt_test_call_error (alice, "user_find", -32602, "invalid_params", "{}");
  lt_test_call_error (alice, "user_find", -32602, "invalid_params", "{'username':null}");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  lt_test_add ("/friends/add-remove", NULL, test_add_remove);
  lt_test_add ("/friends/user-find", NULL, test_user_find);

  return g_test_run ();
}
