/* SPDX-License-Identifier: GPL-3.0-or-later */
/* LtChatView in a real GtkWindow, on an Xvfb of this program's own
 * (lt-test-display), as alice: her liaotiand and bob's, both on one
 * real liaotian-server, each on a private session bus (lt-test-bus).
 * The view talks to alice's daemon through an LtChat1 proxy on her
 * bus, as the application does.
 *
 * What is checked is what alice sees: the messages of the list and
 * their order, the rows on screen with their style classes and their
 * "Sending…" state, what the composer holds.  Keys are real X key
 * events, sent with xdotool to the window that has the input focus,
 * so that they go through GTK's whole key handling. */
#include "config.h"

#include <gdk/x11/gdkx.h>
#include <gtk/gtk.h>

#include "lt-chat-view.h"
#include "lt-message-row.h"
#include "lt-test-bus.h"
#include "lt-test-display.h"

#define N_SEEDED 120 /* bob's messages to alice: pages of 50, 50 and 20 */
#define SETTLE_MS 500 /* long enough for a request that should not come */

typedef struct
{
  LtTestFixture base;
  LtTestSession *alice;
  LtTestSession *bob;
  LtChat1 *chat; /* alice's daemon */
  GSettings *settings;
  GtkWindow *window;
  LtChatView *view;
  guint filter_id;
  int n_history_calls; /* GetHistory calls on alice's bus, counted atomically */
} Fixture;

/* Sending is limited to 20 messages a second by default. */
static const LtTestServerOptions fast_server = {
  .args = { "--rate-limit", "1000", NULL },
};

/* Runs in GDBus's worker thread, for every message alice's bus
 * connection sends or receives. */
static GDBusMessage *
count_history_calls (GDBusConnection *connection,
                     GDBusMessage    *message,
                     gboolean         incoming,
                     gpointer         user_data)
{
  Fixture *fixture = user_data;

  if (!incoming && g_dbus_message_get_message_type (message) == G_DBUS_MESSAGE_TYPE_METHOD_CALL
      && g_strcmp0 (g_dbus_message_get_member (message), "GetHistory") == 0)
    g_atomic_int_inc (&fixture->n_history_calls);
  return message;
}

static void
setup (Fixture      *fixture,
       gconstpointer data)
{
  GDBusConnection *connection;
  g_autoptr(GError) error = NULL;

  lt_test_fixture_setup (&fixture->base, &fast_server);
  fixture->alice = lt_test_session_new ("alice", fixture->base.server);
  fixture->bob = lt_test_session_new ("bob", fixture->base.server);
  lt_test_start_user (fixture->alice, "alice");
  lt_test_start_user (fixture->bob, "bob");

  connection = lt_test_session_get_connection (fixture->alice);
  fixture->filter_id = g_dbus_connection_add_filter (connection, count_history_calls, fixture,
                                                     NULL);
  fixture->chat = lt_chat1_proxy_new_sync (connection, G_DBUS_PROXY_FLAGS_NONE,
                                           LT_TEST_BUS_NAME, LT_TEST_OBJECT_PATH, NULL, &error);
  g_assert_no_error (error);
  fixture->settings = g_settings_new ("org.liaotian.Liaotian");
  g_settings_reset (fixture->settings, "enter-sends");
}

static void
teardown (Fixture      *fixture,
          gconstpointer data)
{
  g_clear_pointer (&fixture->window, gtk_window_destroy);
  g_clear_object (&fixture->settings);
  g_dbus_connection_remove_filter (lt_test_session_get_connection (fixture->alice),
                                   fixture->filter_id);
  g_clear_object (&fixture->chat);
  g_clear_pointer (&fixture->alice, lt_test_session_free);
  g_clear_pointer (&fixture->bob, lt_test_session_free);
  lt_test_fixture_teardown (&fixture->base, data);
}

#define add_test(path, func) \
  g_test_add ("/client-chat-view/" path, Fixture, NULL, setup, (func), teardown)

/* Waiting ------------------------------------------------------------------ */

/* Runs the main loop until @condition holds; after LT_TEST_TIMEOUT_MS
 * fails with the printf-style message that follows, which should say
 * what was expected and what there is. */
#define wait_for(condition, ...) \
  G_STMT_START { \
    gint64 wait_deadline_ = lt_test_deadline (LT_TEST_TIMEOUT_MS); \
    while (!(condition)) \
      { \
        if (!lt_test_iterate (wait_deadline_)) \
          lt_test_fail (__VA_ARGS__); \
      } \
  } G_STMT_END

static void
run_for (guint timeout_ms)
{
  gint64 deadline = lt_test_deadline (timeout_ms);

  while (lt_test_iterate (deadline))
    ;
}

/* What the view shows -------------------------------------------------------- */

static GtkWidget *
find_descendant (GtkWidget *widget,
                 GType      type)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = G_TYPE_CHECK_INSTANCE_TYPE (child, type)
                           ? child : find_descendant (child, type);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static GListModel *
shown_messages (Fixture *fixture)
{
  GtkWidget *list = find_descendant (GTK_WIDGET (fixture->view), GTK_TYPE_LIST_VIEW);

  return G_LIST_MODEL (gtk_list_view_get_model (GTK_LIST_VIEW (list)));
}

static guint
n_shown (Fixture *fixture)
{
  return g_list_model_get_n_items (shown_messages (fixture));
}

static GtkAdjustment *
scroll_adjustment (Fixture *fixture)
{
  GtkWidget *scroller = find_descendant (GTK_WIDGET (fixture->view), GTK_TYPE_SCROLLED_WINDOW);

  return gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scroller));
}

static GtkTextBuffer *
composer (Fixture *fixture)
{
  GtkWidget *text_view = find_descendant (GTK_WIDGET (fixture->view), GTK_TYPE_TEXT_VIEW);

  return gtk_text_view_get_buffer (GTK_TEXT_VIEW (text_view));
}

static char *
composer_text (Fixture *fixture)
{
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (composer (fixture), &start, &end);
  return gtk_text_buffer_get_text (composer (fixture), &start, &end, FALSE);
}

/* The row on screen that shows @text, or NULL. */
static LtMessageRow *
find_row_in (GtkWidget  *widget,
             const char *text)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      LtMessageRow *found = NULL;

      if (LT_IS_MESSAGE_ROW (child))
        {
          LtMessage *message = lt_message_row_get_message (LT_MESSAGE_ROW (child));

          if (message != NULL && g_strcmp0 (lt_message_get_text (message), text) == 0)
            found = LT_MESSAGE_ROW (child);
        }
      else
        found = find_row_in (child, text);
      if (found != NULL)
        return found;
    }
  return NULL;
}

static LtMessageRow *
find_row (Fixture    *fixture,
          const char *text)
{
  return find_row_in (GTK_WIDGET (fixture->view), text);
}

static char *
describe_classes (GtkWidget *widget)
{
  g_auto(GStrv) classes = gtk_widget_get_css_classes (widget);

  return g_strjoinv (" ", classes);
}

/* The row of @text is on screen and has @css_class. */
static gboolean
row_has_class (Fixture    *fixture,
               const char *text,
               const char *css_class)
{
  LtMessageRow *row = find_row (fixture, text);

  return row != NULL && gtk_widget_has_css_class (GTK_WIDGET (row), css_class);
}

/* For failure messages: the classes of @text's row, or "no row". */
static char *
row_classes (Fixture    *fixture,
             const char *text)
{
  LtMessageRow *row = find_row (fixture, text);

  return row != NULL ? describe_classes (GTK_WIDGET (row)) : g_strdup ("no row");
}

static gboolean
find_visible_label (GtkWidget  *widget,
                    const char *label)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (!gtk_widget_get_visible (child))
        continue;
      if (GTK_IS_LABEL (child) && g_strcmp0 (gtk_label_get_label (GTK_LABEL (child)), label) == 0)
        return TRUE;
      if (find_visible_label (child, label))
        return TRUE;
    }
  return FALSE;
}

static const char * const kind_classes[] = { "own", "other", "system" };

/* Waits for the row of @text with the style class @kind, then checks
 * that it has none of the other kinds' classes. */
static void
wait_row_kind_at (LT_TEST_LOCATION,
                  Fixture    *fixture,
                  const char *text,
                  const char *kind)
{
  gint64 deadline = lt_test_deadline (LT_TEST_TIMEOUT_MS);
  g_autofree char *classes = NULL;

  while (!row_has_class (fixture, text, kind))
    {
      if (!lt_test_iterate (deadline))
        {
          classes = row_classes (fixture, text);
          lt_test_fail_at (file, line, func, "Expected a row “%s” with the style class %s, got "
                           "%s", text, kind, classes);
        }
    }
  for (guint i = 0; i < G_N_ELEMENTS (kind_classes); i++)
    {
      if (g_strcmp0 (kind_classes[i], kind) != 0 && row_has_class (fixture, text, kind_classes[i]))
        {
          classes = row_classes (fixture, text);
          lt_test_fail_at (file, line, func, "Expected the row “%s” to be %s only, got the "
                           "classes %s", text, kind, classes);
        }
    }
}

#define wait_row_kind(fixture, text, kind) \
  wait_row_kind_at (LT_TEST_HERE, (fixture), (text), (kind))

/* Whether the row of @text shows the visible label "Sending…". */
static gboolean
row_shows_sending (Fixture    *fixture,
                   const char *text)
{
  LtMessageRow *row = find_row (fixture, text);

  return row != NULL && find_visible_label (GTK_WIDGET (row), "Sending…");
}


/* The row of @text is the first one in view: what was on top before
 * a page was prepended is still there, the view did not jump. */
static void
assert_row_at_top_at (LT_TEST_LOCATION,
                      Fixture    *fixture,
                      const char *text)
{
  LtMessageRow *row = find_row (fixture, text);
  graphene_point_t origin = GRAPHENE_POINT_INIT (0, 0);
  graphene_point_t in_view = GRAPHENE_POINT_INIT (0, G_MAXFLOAT);

  if (row == NULL)
    lt_test_fail_at (file, line, func, "Expected “%s” at the top of the view, it is not in view",
                     text);
  if (!gtk_widget_compute_point (GTK_WIDGET (row), GTK_WIDGET (fixture->view), &origin,
                                 &in_view)
      || ABS (in_view.y) >= gtk_widget_get_height (GTK_WIDGET (row)))
    lt_test_fail_at (file, line, func, "Expected “%s” at the top of the view, got it at y = %g",
                     text, in_view.y);
}

#define assert_row_at_top(fixture, text) \
  assert_row_at_top_at (LT_TEST_HERE, (fixture), (text))

/* Writes @text in the composer, the cursor after it. */
static void
compose (Fixture    *fixture,
         const char *text)
{
  GtkTextIter end;

  gtk_text_buffer_set_text (composer (fixture), text, -1);
  gtk_text_buffer_get_end_iter (composer (fixture), &end);
  gtk_text_buffer_place_cursor (composer (fixture), &end);
}

static void
on_process_done (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  gboolean *done = user_data;

  *done = TRUE;
}

/* Runs xdotool with @args while the main loop runs, so that the window
 * receives what it sends. */
static void
run_xdotool_at (LT_TEST_LOCATION,
                const char * const *args)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) xdotool = g_subprocess_newv (args, G_SUBPROCESS_FLAGS_NONE, &error);
  gint64 deadline = lt_test_deadline (LT_TEST_TIMEOUT_MS);
  gboolean done = FALSE;

  if (xdotool == NULL)
    lt_test_fail_at (file, line, func, "Cannot run xdotool: %s", error->message);
  g_subprocess_wait_async (xdotool, NULL, on_process_done, &done);
  while (!done)
    {
      if (!lt_test_iterate (deadline))
        lt_test_fail_at (file, line, func, "Expected xdotool %s to finish within %d ms", args[1],
                         LT_TEST_TIMEOUT_MS);
    }
  if (!g_subprocess_get_successful (xdotool))
    lt_test_fail_at (file, line, func, "Expected xdotool %s to succeed, got exit status %d",
                     args[1], g_subprocess_get_exit_status (xdotool));
}

/* Gives the window the X input focus (there is no window manager to do
 * it) and the composer the focus in the window. */
static void
focus_composer_at (LT_TEST_LOCATION,
                   Fixture *fixture)
{
  GdkSurface *surface = gtk_native_get_surface (GTK_NATIVE (fixture->window));
  g_autofree char *window = g_strdup_printf ("%lu", gdk_x11_surface_get_xid (surface));
  const char *args[] = { "xdotool", "windowfocus", window, NULL };

  run_xdotool_at (file, line, func, args);
  wait_for (gtk_window_is_active (fixture->window),
            "Expected the window to be active after xdotool windowfocus; it is not");
  gtk_widget_grab_focus (GTK_WIDGET (fixture->view));
}

/* Presses @keys (xdotool's names: "Return", "ctrl+Return") in the
 * window that has the input focus. */
static void
press_at (LT_TEST_LOCATION,
          const char *keys)
{
  const char *args[] = { "xdotool", "key", "--clearmodifiers", keys, NULL };

  run_xdotool_at (file, line, func, args);
}

#define focus_composer(fixture) focus_composer_at (LT_TEST_HERE, (fixture))
#define press(keys) press_at (LT_TEST_HERE, (keys))

static void
wait_composer_at (LT_TEST_LOCATION,
                  Fixture    *fixture,
                  const char *expected)
{
  gint64 deadline = lt_test_deadline (LT_TEST_TIMEOUT_MS);
  g_autofree char *text = composer_text (fixture);

  while (g_strcmp0 (text, expected) != 0)
    {
      if (!lt_test_iterate (deadline))
        lt_test_fail_at (file, line, func, "Expected the composer to hold “%s”, got “%s”",
                         expected, text);
      g_free (text);
      text = composer_text (fixture);
    }
}

#define wait_composer(fixture, expected) \
  wait_composer_at (LT_TEST_HERE, (fixture), (expected))

/* Waits until the newest page of the (empty) conversation is in. */
static void
wait_history_loaded (Fixture *fixture)
{
  wait_for (g_atomic_int_get (&fixture->n_history_calls) == 1,
            "Expected the view to ask for the history once, got %d calls",
            g_atomic_int_get (&fixture->n_history_calls));
  run_for (SETTLE_MS);
}

/* Scrolled to the end of a list longer than the view. */
static gboolean
is_at_bottom (Fixture *fixture)
{
  GtkAdjustment *adjustment = scroll_adjustment (fixture);
  double page_size = gtk_adjustment_get_page_size (adjustment);
  double upper = gtk_adjustment_get_upper (adjustment);

  return upper > page_size && gtk_adjustment_get_value (adjustment) + page_size >= upper - 1;
}

/* The row of @text is on screen, not just made for later. */
static gboolean
row_in_view (Fixture    *fixture,
             const char *text)
{
  LtMessageRow *row = find_row (fixture, text);
  GtkWidget *scroller = find_descendant (GTK_WIDGET (fixture->view), GTK_TYPE_SCROLLED_WINDOW);
  graphene_rect_t bounds;

  return row != NULL && gtk_widget_get_mapped (GTK_WIDGET (row))
         && gtk_widget_compute_bounds (GTK_WIDGET (row), scroller, &bounds)
         && bounds.origin.y + bounds.size.height > 0
         && bounds.origin.y < gtk_widget_get_height (scroller);
}

static char *
describe_scroll (Fixture *fixture)
{
  GtkAdjustment *adjustment = scroll_adjustment (fixture);

  return g_strdup_printf ("scrolled to %g of %g (page %g)", gtk_adjustment_get_value (adjustment),
                          gtk_adjustment_get_upper (adjustment),
                          gtk_adjustment_get_page_size (adjustment));
}

/* The tooltip of the visible error icon in the row of @text, or NULL. */
static const char *
row_error_tooltip (Fixture    *fixture,
                   const char *text)
{
  LtMessageRow *row = find_row (fixture, text);
  GtkWidget *icon = row != NULL ? find_descendant (GTK_WIDGET (row), GTK_TYPE_IMAGE) : NULL;

  if (icon == NULL || !gtk_widget_get_visible (icon)
      || g_strcmp0 (gtk_image_get_icon_name (GTK_IMAGE (icon)), "dialog-error-symbolic") != 0)
    return NULL;
  return gtk_widget_get_tooltip_text (icon);
}

/* Setting up the view -------------------------------------------------------- */

static void
show_view (Fixture    *fixture,
           const char *conversation)
{
  fixture->window = GTK_WINDOW (gtk_window_new ());
  fixture->view = lt_chat_view_new (fixture->chat, conversation);
  gtk_window_set_default_size (fixture->window, 360, 400);
  gtk_window_set_child (fixture->window, GTK_WIDGET (fixture->view));
  gtk_window_present (fixture->window);
  wait_for (gtk_widget_get_mapped (GTK_WIDGET (fixture->view)),
            "Expected the chat view of %s to be mapped; it is not", conversation);
}

/* bob sends "message 001" to "message 120" to alice; returns once
 * alice's daemon has the last one. */
static void
seed_messages (Fixture *fixture)
{
  g_autofree char *last = NULL;

  for (guint i = 1; i <= N_SEEDED; i++)
    {
      g_autofree char *text = g_strdup_printf ("message %03u", i);

      lt_test_bus_send (fixture->bob, "alice", text);
    }
  last = g_strdup_printf ("'bob', 'message %03u')", N_SEEDED);
  lt_test_wait_signal (fixture->alice, last);
}

/* Every message shown is bob's, in the order of the ids, each once,
 * and the shown ones are the newest @n_expected. */
static void
assert_newest_in_order_at (LT_TEST_LOCATION,
                           Fixture *fixture,
                           guint    n_expected)
{
  GListModel *messages = shown_messages (fixture);
  guint n = g_list_model_get_n_items (messages);
  guint64 previous_id = 0;

  if (n != n_expected)
    lt_test_fail_at (file, line, func, "Expected the newest %u messages, got %u", n_expected, n);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(LtMessage) message = g_list_model_get_item (messages, i);
      g_autofree char *expected = g_strdup_printf ("message %03u", N_SEEDED - n + i + 1);

      if (lt_message_get_id (message) <= previous_id)
        lt_test_fail_at (file, line, func, "Expected ids in increasing order, got %"
                         G_GUINT64_FORMAT " after %" G_GUINT64_FORMAT " at %u",
                         lt_message_get_id (message), previous_id, i);
      if (g_strcmp0 (lt_message_get_text (message), expected) != 0)
        lt_test_fail_at (file, line, func, "Expected “%s” at %u, got “%s”", expected, i,
                         lt_message_get_text (message));
      previous_id = lt_message_get_id (message);
    }
}

#define assert_newest_in_order(fixture, n_expected) \
  assert_newest_in_order_at (LT_TEST_HERE, (fixture), (n_expected))

static void
assert_history_calls_at (LT_TEST_LOCATION,
                         Fixture *fixture,
                         int      expected)
{
  int n = g_atomic_int_get (&fixture->n_history_calls);

  if (n != expected)
    lt_test_fail_at (file, line, func, "Expected %d GetHistory calls, got %d", expected, n);
}

#define assert_history_calls(fixture, expected) \
  assert_history_calls_at (LT_TEST_HERE, (fixture), (expected))

/* Tests ---------------------------------------------------------------------- */

/* Scrolled to the top, the view asks for one older page, and again,
 * until a page comes back short; the list stays in id order, and what
 * was on top stays there. */
static void
test_older_pages (Fixture      *fixture,
                  gconstpointer data)
{
  GtkAdjustment *adjustment;

  seed_messages (fixture);
  show_view (fixture, "bob");
  wait_for (n_shown (fixture) == 50, "Expected the newest page of 50 messages, got %u",
            n_shown (fixture));
  run_for (SETTLE_MS);
  assert_newest_in_order (fixture, 50);
  assert_history_calls (fixture, 1);

  adjustment = scroll_adjustment (fixture);
  gtk_adjustment_set_value (adjustment, 0);
  wait_for (n_shown (fixture) == 100, "Expected 100 messages after scrolling to the top, got %u",
            n_shown (fixture));
  run_for (SETTLE_MS);
  assert_row_at_top (fixture, "message 071");
  assert_newest_in_order (fixture, 100);
  assert_history_calls (fixture, 2);

  gtk_adjustment_set_value (adjustment, 0);
  wait_for (n_shown (fixture) == N_SEEDED, "Expected all %u messages after scrolling to the "
            "top again, got %u", N_SEEDED, n_shown (fixture));
  run_for (SETTLE_MS);
  assert_newest_in_order (fixture, N_SEEDED);
  assert_row_at_top (fixture, "message 021");

  /* That page was short: there is nothing older to ask for. */
  gtk_adjustment_set_value (adjustment, 0);
  run_for (SETTLE_MS);
  assert_newest_in_order (fixture, N_SEEDED);
  assert_history_calls (fixture, 3);
}

/* At the bottom, the view follows new messages; scrolled up to read,
 * it stays where the person is. */
static void
test_follows_end (Fixture      *fixture,
                  gconstpointer data)
{
  GtkAdjustment *adjustment;
  double reading_at;

  seed_messages (fixture);
  show_view (fixture, "bob");
  wait_for (n_shown (fixture) == 50 && is_at_bottom (fixture),
            "Expected the newest 50 messages, scrolled to the bottom; got %u, %s",
            n_shown (fixture), describe_scroll (fixture));

  lt_test_bus_send (fixture->bob, "alice", "at the bottom");
  wait_for (row_in_view (fixture, "at the bottom") && is_at_bottom (fixture),
            "Expected “at the bottom” in view, scrolled to the bottom; got %s, %s",
            row_in_view (fixture, "at the bottom") ? "it" : "not it", describe_scroll (fixture));

  adjustment = scroll_adjustment (fixture);
  reading_at = gtk_adjustment_get_upper (adjustment) / 2;
  gtk_adjustment_set_value (adjustment, reading_at);
  lt_test_bus_send (fixture->bob, "alice", "while reading");
  wait_for (n_shown (fixture) == 52, "Expected 52 messages, got %u", n_shown (fixture));
  run_for (SETTLE_MS);
  if (gtk_adjustment_get_value (adjustment) != reading_at || row_in_view (fixture, "while reading"))
    lt_test_fail ("Expected the view to stay at %g, without “while reading”; got %s, %s",
                  reading_at, describe_scroll (fixture),
                  row_in_view (fixture, "while reading") ? "with it" : "without it");
}

/* Own messages, bob's and system lines each have their style class. */
static void
test_row_kinds (Fixture      *fixture,
                gconstpointer data)
{
  show_view (fixture, "bob");
  lt_test_bus_send (fixture->bob, "alice", "hi alice");
  wait_row_kind (fixture, "hi alice", "other");

  compose (fixture, "hello bob");
  gtk_widget_activate_action (GTK_WIDGET (fixture->view), "chat-view.send", NULL);
  wait_row_kind (fixture, "hello bob", "own");

  g_variant_unref (lt_test_bus_call_ok (fixture->bob, "Logout", NULL));
  wait_row_kind (fixture, "bob went offline", "system");
}

/* A sent message shows "Sending…" until the daemon says MessageSent,
 * however long the server takes (here: frozen). */
static void
test_pending_then_sent (Fixture      *fixture,
                        gconstpointer data)
{
  const char *text = "while the server sleeps";

  show_view (fixture, "bob");
  wait_history_loaded (fixture);
  lt_test_server_freeze (fixture->base.server);
  compose (fixture, text);
  gtk_widget_activate_action (GTK_WIDGET (fixture->view), "chat-view.send", NULL);
  wait_for (row_has_class (fixture, text, "pending") && row_shows_sending (fixture, text),
            "Expected “%s” pending, showing “Sending…”; got the classes %s", text,
            row_classes (fixture, text));

  run_for (2 * SETTLE_MS);
  if (!row_has_class (fixture, text, "pending") || !row_shows_sending (fixture, text))
    lt_test_fail ("Expected “%s” still pending while the server is frozen, got the classes %s",
                  text, row_classes (fixture, text));

  lt_test_server_unfreeze (fixture->base.server);
  wait_for (row_has_class (fixture, text, "sent") && !row_shows_sending (fixture, text),
            "Expected “%s” sent, without “Sending…”; got the classes %s", text,
            row_classes (fixture, text));
}

/* With enter-sends (the default) Enter sends and Shift+Enter starts a
 * new line; without, Enter starts a new line and Ctrl+Enter sends.
 * Blank text is not sent.  Real key presses, through xdotool. */
static void
test_enter_sends (Fixture      *fixture,
                  gconstpointer data)
{
  guint n_before;

  show_view (fixture, "bob");
  wait_history_loaded (fixture);
  focus_composer (fixture);

  compose (fixture, "sent with Enter");
  press ("Return");
  wait_row_kind (fixture, "sent with Enter", "own");
  wait_composer (fixture, "");

  compose (fixture, "two");
  press ("shift+Return");
  wait_composer (fixture, "two\n");

  n_before = n_shown (fixture);
  compose (fixture, "  \n ");
  press ("Return");
  run_for (SETTLE_MS);
  wait_composer (fixture, "  \n ");
  if (n_shown (fixture) != n_before)
    lt_test_fail ("Expected blank text not to be sent (%u messages), got %u", n_before,
                  n_shown (fixture));

  g_settings_set_boolean (fixture->settings, "enter-sends", FALSE);
  compose (fixture, "two");
  press ("Return");
  wait_composer (fixture, "two\n");
  gtk_text_buffer_insert_at_cursor (composer (fixture), "lines", -1);
  press ("ctrl+Return");
  wait_row_kind (fixture, "two\nlines", "own");
  wait_composer (fixture, "");
}

/* While an input method composes, Enter is its own: it commits what
 * was being composed, and only the next Enter sends.  GTK's built-in
 * input method composes a character from its code after Ctrl+Shift+U,
 * as pinyin composes a word: "4f60" is 你. */
static void
test_enter_commits_input_method (Fixture      *fixture,
                                 gconstpointer data)
{
  const char *code[] = { "4", "f", "6", "0" };
  guint n_before;

  show_view (fixture, "bob");
  wait_history_loaded (fixture);
  focus_composer (fixture);
  n_before = n_shown (fixture);

  press ("ctrl+shift+u");
  for (guint i = 0; i < G_N_ELEMENTS (code); i++)
    press (code[i]);
  press ("Return");
  wait_composer (fixture, "你");
  run_for (SETTLE_MS);
  if (n_shown (fixture) != n_before)
    lt_test_fail ("Expected the Enter that ends composing not to send (%u messages), got %u",
                  n_before, n_shown (fixture));

  press ("Return");
  wait_row_kind (fixture, "你", "own");
  wait_composer (fixture, "");
}

/* In a room's view, bob's join and leave are system lines. */
static void
test_room_membership (Fixture      *fixture,
                      gconstpointer data)
{
  g_variant_unref (lt_test_bus_call_ok (fixture->alice, "CreateRoom",
                                        g_variant_new ("(ss)", "#tea", "")));
  show_view (fixture, "#tea");
  g_variant_unref (lt_test_bus_call_ok (fixture->bob, "JoinRoom", g_variant_new ("(s)", "#tea")));
  wait_row_kind (fixture, "bob joined #tea", "system");
  g_variant_unref (lt_test_bus_call_ok (fixture->bob, "LeaveRoom",
                                        g_variant_new ("(s)", "#tea")));
  wait_row_kind (fixture, "bob left #tea", "system");
}

/* A message the server refuses shows an error icon that says why; a
 * text the daemon refuses at once goes back into the composer. */
static void
test_refused (Fixture      *fixture,
              gconstpointer data)
{
  const char *expected = "No one has this username";
  const char *too_long_error = "This message is too long: at most 4000 characters";
  g_autofree char *too_long = lt_test_text_of_length (4001, "a");
  GtkWidget *text_view;

  show_view (fixture, "nobody");
  compose (fixture, "anyone there?");
  gtk_widget_activate_action (GTK_WIDGET (fixture->view), "chat-view.send", NULL);
  wait_for (row_has_class (fixture, "anyone there?", "failed")
            && g_strcmp0 (row_error_tooltip (fixture, "anyone there?"), expected) == 0,
            "Expected “anyone there?” failed, its error icon saying “%s”; got the classes %s, "
            "the icon saying “%s”", expected, row_classes (fixture, "anyone there?"),
            row_error_tooltip (fixture, "anyone there?"));

  compose (fixture, too_long);
  gtk_widget_activate_action (GTK_WIDGET (fixture->view), "chat-view.send", NULL);
  text_view = find_descendant (GTK_WIDGET (fixture->view), GTK_TYPE_TEXT_VIEW);
  wait_for (g_strcmp0 (gtk_widget_get_tooltip_text (text_view), too_long_error) == 0,
            "Expected the composer to say “%s”, got “%s”", too_long_error,
            gtk_widget_get_tooltip_text (text_view));
  wait_composer (fixture, too_long);
}

int
main (int   argc,
      char *argv[])
{
  GSubprocess *xvfb = lt_test_display_start ();
  int status;

  /* This process's settings stay in memory: never the user's dconf. */
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  /* Our Xvfb, even when run by hand on a Wayland desktop. */
  gdk_set_allowed_backends ("x11");
  /* GTK's own input method, whatever the desktop running the test has. */
  g_setenv ("GTK_IM_MODULE", "gtk-im-context-simple", TRUE);
  gtk_test_init (&argc, &argv, NULL);

  add_test ("older-pages", test_older_pages);
  add_test ("follows-end", test_follows_end);
  add_test ("row-kinds", test_row_kinds);
  add_test ("pending-then-sent", test_pending_then_sent);
  add_test ("refused", test_refused);
  add_test ("enter-sends", test_enter_sends);
  add_test ("enter-commits-input-method", test_enter_commits_input_method);
  add_test ("room-membership", test_room_membership);

  status = g_test_run ();

  lt_test_display_stop (xvfb);
  return status;
}
