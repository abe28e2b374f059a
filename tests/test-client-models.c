/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Unit tests of the client's message models: LtMessage and the
 * LtMessageList a conversation shows, with the exact items-changed
 * signals a GtkListView over it would see. */
#include "config.h"

#include "lt-message-list.h"

typedef struct
{
  LtMessageList *list;
  GString *changes; /* "position:removed:added " for each items-changed */
} Fixture;

static void
on_items_changed (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  gpointer    user_data)
{
  Fixture *fixture = user_data;

  /* The signal comes after the change: the model has its new length. */
  g_assert_cmpuint (g_list_model_get_n_items (model), >=, position + added);
  g_string_append_printf (fixture->changes, "%u:%u:%u ", position, removed, added);
}

static void
fixture_setup (Fixture      *fixture,
               gconstpointer user_data)
{
  fixture->list = lt_message_list_new ();
  fixture->changes = g_string_new (NULL);
  g_signal_connect (fixture->list, "items-changed", G_CALLBACK (on_items_changed), fixture);
}

static void
fixture_teardown (Fixture      *fixture,
                  gconstpointer user_data)
{
  g_assert_finalize_object (fixture->list);
  g_string_free (fixture->changes, TRUE);
}

/* The items-changed signals since the last call, then forgets them. */
static char *
take_changes (Fixture *fixture)
{
  g_autofree char *changes = g_strdup (g_strchomp (fixture->changes->str));

  g_string_truncate (fixture->changes, 0);
  return g_steal_pointer (&changes);
}

/* Asserts that @expr, a string to free, is @expected. */
#define assert_taken_str(expr, expected)                                                           \
  G_STMT_START                                                                                     \
  {                                                                                                \
    g_autofree char *taken_ = (expr);                                                              \
    g_assert_cmpstr (taken_, ==, expected);                                                        \
  }                                                                                                \
  G_STMT_END

#define assert_changes(fixture, expected) assert_taken_str (take_changes (fixture), expected)

/* The list in a line: a sent message by its id ("7"), a pending one
 * by its local id ("p3"), a failed one "f3", a system line "s". */
static char *
describe (LtMessageList *list)
{
  GString *line = g_string_new (NULL);
  guint n_items = g_list_model_get_n_items (G_LIST_MODEL (list));

  for (guint i = 0; i < n_items; i++)
    {
      g_autoptr(LtMessage) message = g_list_model_get_item (G_LIST_MODEL (list), i);

      if (i > 0)
        g_string_append_c (line, ' ');
      if (lt_message_get_kind (message) == LT_MESSAGE_KIND_SYSTEM)
        g_string_append_c (line, 's');
      else if (lt_message_get_state (message) == LT_MESSAGE_STATE_PENDING)
        g_string_append_printf (line, "p%" G_GUINT64_FORMAT, lt_message_get_local_id (message));
      else if (lt_message_get_state (message) == LT_MESSAGE_STATE_FAILED)
        g_string_append_printf (line, "f%" G_GUINT64_FORMAT, lt_message_get_local_id (message));
      else
        g_string_append_printf (line, "%" G_GUINT64_FORMAT, lt_message_get_id (message));
    }
  return g_string_free (line, FALSE);
}

#define assert_order(list, expected) assert_taken_str (describe (list), expected)

static LtMessage *
add (Fixture *fixture,
     guint64  id)
{
  return lt_message_list_add_received (fixture->list, id, 1000 * id, "bob", "hi",
                                       LT_MESSAGE_KIND_OTHER);
}

static LtMessage *
add_pending (Fixture *fixture,
             guint64  local_id)
{
  return lt_message_list_add_pending (fixture->list, local_id, 2000 * local_id, "alice", "mine");
}

static void
count_notify (GObject    *object,
              GParamSpec *pspec,
              gpointer    user_data)
{
  guint *count = user_data;

  (*count)++;
}

static void
test_message_properties (void)
{
  g_autoptr(LtMessage) received = lt_message_new (7, 1732245123456, "bob", "hi alice",
                                                  LT_MESSAGE_KIND_OTHER);
  g_autoptr(LtMessage) pending = lt_message_new_pending (3, 1732245180000, "alice", "hi bob");
  g_autoptr(LtMessage) empty = lt_message_new (8, 0, NULL, NULL, LT_MESSAGE_KIND_OTHER);
  g_autofree char *sender = NULL;
  LtMessageState state;
  guint64 id;

  g_assert_cmpuint (lt_message_get_id (received), ==, 7);
  g_assert_cmpuint (lt_message_get_local_id (received), ==, 0);
  g_assert_cmpint (lt_message_get_timestamp (received), ==, 1732245123456);
  g_assert_cmpstr (lt_message_get_sender (received), ==, "bob");
  g_assert_cmpstr (lt_message_get_text (received), ==, "hi alice");
  g_assert_cmpint (lt_message_get_kind (received), ==, LT_MESSAGE_KIND_OTHER);
  g_assert_cmpint (lt_message_get_state (received), ==, LT_MESSAGE_STATE_SENT);
  g_assert_null (lt_message_get_error_text (received));

  g_assert_cmpuint (lt_message_get_id (pending), ==, 0);
  g_assert_cmpuint (lt_message_get_local_id (pending), ==, 3);
  g_assert_cmpint (lt_message_get_kind (pending), ==, LT_MESSAGE_KIND_OWN);
  g_assert_cmpint (lt_message_get_state (pending), ==, LT_MESSAGE_STATE_PENDING);

  /* Rows bind the properties: they read what the getters return. */
  g_object_get (pending, "sender", &sender, "state", &state, "id", &id, NULL);
  g_assert_cmpstr (sender, ==, "alice");
  g_assert_cmpint (state, ==, LT_MESSAGE_STATE_PENDING);
  g_assert_cmpuint (id, ==, 0);

  g_assert_cmpstr (lt_message_get_sender (empty), ==, "");
  g_assert_cmpstr (lt_message_get_text (empty), ==, "");
}

static void
test_order (Fixture      *fixture,
            gconstpointer user_data)
{
  add (fixture, 3);
  add (fixture, 1);
  add (fixture, 2);
  add (fixture, 10);

  assert_order (fixture->list, "1 2 3 10");
  assert_changes (fixture, "0:0:1 0:0:1 1:0:1 3:0:1");
  g_assert_cmpuint (lt_message_list_get_oldest_id (fixture->list), ==, 1);
  g_assert_true (g_list_model_get_item_type (G_LIST_MODEL (fixture->list)) == LT_TYPE_MESSAGE);
  g_assert_null (g_list_model_get_item (G_LIST_MODEL (fixture->list), 4));
}

static void
test_dedup (Fixture      *fixture,
            gconstpointer user_data)
{
  LtMessage *first = add (fixture, 5);
  LtMessage *again = lt_message_list_add_received (fixture->list, 5, 99, "carol", "other text",
                                                   LT_MESSAGE_KIND_OTHER);
  LtMessage *pending = add_pending (fixture, 1);

  g_assert_true (again == first);
  g_assert_cmpstr (lt_message_get_sender (again), ==, "bob");
  g_assert_true (add_pending (fixture, 1) == pending);
  assert_order (fixture->list, "5 p1");
  assert_changes (fixture, "0:0:1 1:0:1");
}

static void
test_pending_after_sent (Fixture      *fixture,
                         gconstpointer user_data)
{
  add (fixture, 1);
  add (fixture, 2);
  add_pending (fixture, 5);
  add_pending (fixture, 3);
  add (fixture, 4);

  assert_order (fixture->list, "1 2 4 p3 p5");
  assert_changes (fixture, "0:0:1 1:0:1 2:0:1 2:0:1 2:0:1");
  g_assert_cmpuint (lt_message_list_get_oldest_id (fixture->list), ==, 1);
}

/* MessageSent, then the echo: the pending row turns sent in place. */
static void
test_sent_then_echo (Fixture      *fixture,
                     gconstpointer user_data)
{
  LtMessage *pending;
  guint id_notifies = 0;
  guint state_notifies = 0;

  add (fixture, 1);
  pending = add_pending (fixture, 1);
  assert_changes (fixture, "0:0:1 1:0:1");
  g_signal_connect (pending, "notify::id", G_CALLBACK (count_notify), &id_notifies);
  g_signal_connect (pending, "notify::state", G_CALLBACK (count_notify), &state_notifies);

  g_assert_true (lt_message_list_mark_sent (fixture->list, 1, 2));
  assert_order (fixture->list, "1 2");
  assert_changes (fixture, "");
  g_assert_cmpuint (id_notifies, ==, 1);
  g_assert_cmpuint (state_notifies, ==, 1);
  g_assert_cmpuint (lt_message_get_id (pending), ==, 2);
  g_assert_cmpuint (lt_message_get_local_id (pending), ==, 1);
  g_assert_cmpint (lt_message_get_state (pending), ==, LT_MESSAGE_STATE_SENT);

  g_assert_true (lt_message_list_add_received (fixture->list, 2, 3000, "alice", "mine",
                                               LT_MESSAGE_KIND_OWN) == pending);
  assert_order (fixture->list, "1 2");
  assert_changes (fixture, "");

  /* Once sent, the local id is spent. */
  g_assert_false (lt_message_list_mark_sent (fixture->list, 1, 2));
}

/* The echo, then MessageSent: the echo stays, the pending one goes. */
static void
test_echo_then_sent (Fixture      *fixture,
                     gconstpointer user_data)
{
  LtMessage *echo;
  g_autoptr(LtMessage) second = NULL;

  add (fixture, 1);
  add_pending (fixture, 1);
  echo = lt_message_list_add_received (fixture->list, 2, 3000, "alice", "mine",
                                       LT_MESSAGE_KIND_OWN);
  assert_order (fixture->list, "1 2 p1");
  assert_changes (fixture, "0:0:1 1:0:1 1:0:1");

  g_assert_true (lt_message_list_mark_sent (fixture->list, 1, 2));
  assert_order (fixture->list, "1 2");
  assert_changes (fixture, "2:1:0");
  second = g_list_model_get_item (G_LIST_MODEL (fixture->list), 1);
  g_assert_true (second == echo);
}

/* A sent message whose id is not the newest moves into its place. */
static void
test_sent_moves (Fixture      *fixture,
                 gconstpointer user_data)
{
  LtMessage *first_pending;
  LtMessage *second_pending;
  g_autoptr(LtMessage) second = NULL;

  add (fixture, 5);
  first_pending = add_pending (fixture, 1);
  second_pending = add_pending (fixture, 2);
  assert_changes (fixture, "0:0:1 1:0:1 2:0:1");

  /* Sent before the one queued ahead of it: it goes before it. */
  g_assert_true (lt_message_list_mark_sent (fixture->list, 2, 6));
  assert_order (fixture->list, "5 6 p1");
  assert_changes (fixture, "2:1:0 1:0:1");
  second = g_list_model_get_item (G_LIST_MODEL (fixture->list), 1);
  g_assert_true (second == second_pending);

  /* An id older than what the list has: back in history it goes. */
  g_assert_true (lt_message_list_mark_sent (fixture->list, 1, 3));
  assert_order (fixture->list, "3 5 6");
  assert_changes (fixture, "2:1:0 0:0:1");
  g_assert_cmpint (lt_message_get_state (first_pending), ==, LT_MESSAGE_STATE_SENT);
}

static void
test_failed (Fixture      *fixture,
             gconstpointer user_data)
{
  LtMessage *pending;
  guint state_notifies = 0;
  guint error_notifies = 0;

  add (fixture, 1);
  pending = add_pending (fixture, 1);
  add_pending (fixture, 2);
  assert_changes (fixture, "0:0:1 1:0:1 2:0:1");
  g_signal_connect (pending, "notify::state", G_CALLBACK (count_notify), &state_notifies);
  g_signal_connect (pending, "notify::error-text", G_CALLBACK (count_notify), &error_notifies);

  g_assert_true (lt_message_list_mark_failed (fixture->list, 1, "No one has this username"));
  assert_order (fixture->list, "1 f1 p2");
  assert_changes (fixture, "");
  g_assert_cmpint (lt_message_get_state (pending), ==, LT_MESSAGE_STATE_FAILED);
  g_assert_cmpstr (lt_message_get_error_text (pending), ==, "No one has this username");
  g_assert_cmpuint (state_notifies, ==, 1);
  g_assert_cmpuint (error_notifies, ==, 1);

  /* Local ids this list never had: sent by another client. */
  g_assert_false (lt_message_list_mark_failed (fixture->list, 9, "x"));
  g_assert_false (lt_message_list_mark_sent (fixture->list, 9, 2));
  assert_changes (fixture, "");
}

static void
test_system_lines (Fixture      *fixture,
                   gconstpointer user_data)
{
  LtMessage *line;

  line = lt_message_list_add_system (fixture->list, 500, "bob joined");
  g_assert_cmpint (lt_message_get_kind (line), ==, LT_MESSAGE_KIND_SYSTEM);
  g_assert_cmpuint (lt_message_get_id (line), ==, 0);
  g_assert_cmpuint (lt_message_list_get_oldest_id (fixture->list), ==, 0);

  add (fixture, 10);
  add (fixture, 11);
  add_pending (fixture, 1);
  lt_message_list_add_system (fixture->list, 600, "carol joined");
  lt_message_list_add_system (fixture->list, 700, "carol left");
  assert_order (fixture->list, "s 10 11 s s p1");
  assert_changes (fixture, "0:0:1 1:0:1 2:0:1 3:0:1 3:0:1 4:0:1");

  /* Newer messages go after the lines, older ones before them. */
  add (fixture, 12);
  add (fixture, 9);
  assert_order (fixture->list, "s 9 10 11 s s 12 p1");
  assert_changes (fixture, "5:0:1 1:0:1");
  g_assert_cmpuint (lt_message_list_get_oldest_id (fixture->list), ==, 9);

  /* A sent message goes after the lines too, in the place of its id. */
  g_assert_true (lt_message_list_mark_sent (fixture->list, 1, 13));
  assert_order (fixture->list, "s 9 10 11 s s 12 13");
  assert_changes (fixture, "");
}

static GVariant *
page_new (const guint64 *ids,
          gsize          n_ids)
{
  g_autoptr(GVariantBuilder) builder = g_variant_builder_new (G_VARIANT_TYPE ("a(txsss)"));

  for (gsize i = 0; i < n_ids; i++)
    {
      const char *from = ids[i] % 2 == 0 ? "alice" : "bob";
      const char *to = ids[i] % 2 == 0 ? "bob" : "alice";

      g_variant_builder_add (builder, "(txsss)", ids[i], (gint64) (1000 * ids[i]), from, to,
                             "page text");
    }
  return g_variant_builder_end (builder);
}

static void
test_prepend_page (Fixture      *fixture,
                   gconstpointer user_data)
{
  const guint64 older[] = { 9, 8, 7 };
  const guint64 overlapping[] = { 8, 7, 6, 5 };
  const guint64 gaps[] = { 12, 10, 4 };
  g_autoptr(LtMessage) oldest = NULL;
  g_autoptr(LtMessage) seventh = NULL;

  add (fixture, 11);
  add (fixture, 13);
  add_pending (fixture, 1);
  assert_changes (fixture, "0:0:1 1:0:1 2:0:1");

  /* Older than everything: one run at the top. */
  g_assert_cmpuint (lt_message_list_prepend_page (fixture->list, page_new (older, 3), "alice"), ==,
                    3);
  assert_order (fixture->list, "7 8 9 11 13 p1");
  assert_changes (fixture, "0:0:3");
  g_assert_cmpuint (lt_message_list_get_oldest_id (fixture->list), ==, 7);

  /* What the list has already is skipped. */
  g_assert_cmpuint (
    lt_message_list_prepend_page (fixture->list, page_new (overlapping, 4), "alice"), ==, 2);
  assert_order (fixture->list, "5 6 7 8 9 11 13 p1");
  assert_changes (fixture, "0:0:2");

  /* Each run of its own. */
  g_assert_cmpuint (lt_message_list_prepend_page (fixture->list, page_new (gaps, 3), "alice"), ==,
                    3);
  assert_order (fixture->list, "4 5 6 7 8 9 10 11 12 13 p1");
  assert_changes (fixture, "0:0:1 6:0:1 8:0:1");

  g_assert_cmpuint (lt_message_list_prepend_page (fixture->list, page_new (NULL, 0), "alice"), ==,
                    0);
  assert_changes (fixture, "");

  oldest = g_list_model_get_item (G_LIST_MODEL (fixture->list), 0);
  g_assert_cmpint (lt_message_get_kind (oldest), ==, LT_MESSAGE_KIND_OWN);
  g_assert_cmpstr (lt_message_get_sender (oldest), ==, "alice");
  g_assert_cmpint (lt_message_get_timestamp (oldest), ==, 4000);
  g_assert_cmpstr (lt_message_get_text (oldest), ==, "page text");
  seventh = g_list_model_get_item (G_LIST_MODEL (fixture->list), 3);
  g_assert_cmpint (lt_message_get_kind (seventh), ==, LT_MESSAGE_KIND_OTHER);
  g_assert_cmpstr (lt_message_get_sender (seventh), ==, "bob");
}

/* Every item in id order 1, 2, 3…, read through the model. */
static void
assert_ids_ascending (LtMessageList *list,
                      guint          n_items)
{
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, n_items);
  for (guint i = 0; i < n_items; i++)
    {
      g_autoptr(LtMessage) message = g_list_model_get_item (G_LIST_MODEL (list), i);

      g_assert_cmpuint (lt_message_get_id (message), ==, i + 1);
    }
}

#define N_BIG 100000

/* 100,000 messages in a scattered order, then again as history pages
 * of 200: each insert must find its place without walking the list
 * (the test would take minutes otherwise; it asserts no time). */
static void
test_big (Fixture      *fixture,
          gconstpointer user_data)
{
  g_autoptr(LtMessageList) paged = lt_message_list_new ();
  guint64 page_ids[200];

  /* 7919 is prime to N_BIG: i * 7919 % N_BIG visits every id once. */
  for (guint64 i = 0; i < N_BIG; i++)
    add (fixture, i * 7919 % N_BIG + 1);
  assert_ids_ascending (fixture->list, N_BIG);

  for (guint64 newest = N_BIG; newest > 0; newest -= G_N_ELEMENTS (page_ids))
    {
      for (guint i = 0; i < G_N_ELEMENTS (page_ids); i++)
        page_ids[i] = newest - i;
      g_assert_cmpuint (
        lt_message_list_prepend_page (paged, page_new (page_ids, G_N_ELEMENTS (page_ids)), NULL),
        ==, G_N_ELEMENTS (page_ids));
    }
  assert_ids_ascending (paged, N_BIG);
  g_assert_cmpuint (lt_message_list_get_oldest_id (paged), ==, 1);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/client-models/message-properties", test_message_properties);
#define ADD(path, func) g_test_add ("/client-models/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("order", test_order);
  ADD ("dedup", test_dedup);
  ADD ("pending-after-sent", test_pending_after_sent);
  ADD ("sent-then-echo", test_sent_then_echo);
  ADD ("echo-then-sent", test_echo_then_sent);
  ADD ("sent-moves", test_sent_moves);
  ADD ("failed", test_failed);
  ADD ("system-lines", test_system_lines);
  ADD ("prepend-page", test_prepend_page);
  ADD ("big", test_big);
#undef ADD

  return g_test_run ();
}
