/* SPDX-License-Identifier: GPL-3.0-or-later */
/* liaotiand's desktop notifications as a user meets them: a real
 * liaotiand on a private session bus with a real notification service
 * (python3-dbusmock's notification_daemon), alice logged in through
 * D-Bus, and bob and carol writing to her from plain protocol clients
 * on the same real server.
 *
 * A notification that must not come is checked by a later one that
 * must: the daemon handles messages in order, so when the later one is
 * the first Notify call, the earlier message posted nothing.  The
 * service numbers notifications from 1, fresh for each test. */
#include "config.h"

#include "lt-daemon-alerts.h"
#include "lt-test-bus.h"
#include "lt-test-notifications.h"

#define CLIENT_NAME "org.liaotian.Liaotian"
#define CLIENT_PATH "/org/liaotian/Liaotian"

typedef struct
{
  LtTestFixture base;
  LtTestSession *alice;
  LtTestNotifications *service;
  LtTestClient *bob;
  LtTestClient *carol;
} Fixture;

static void
start_service (Fixture *fixture)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;

  launcher = lt_test_session_launcher_new (fixture->alice, G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  fixture->service = lt_test_notifications_start (launcher,
                                                  lt_test_session_get_connection (fixture->alice));
}

/* alice is logged in through her daemon; bob and carol are online. */
static void
setup (Fixture      *fixture,
       gconstpointer data)
{
  lt_test_fixture_setup (&fixture->base, data);
  fixture->alice = lt_test_session_new ("alice", fixture->base.server);
  start_service (fixture);
  lt_test_start_daemon (fixture->alice, NULL);
  lt_test_bus_register (fixture->alice, "alice");
  lt_test_bus_login (fixture->alice, "alice");
  fixture->bob = lt_test_client_new_user (fixture->base.server, "bob");
  fixture->carol = lt_test_client_new_user (fixture->base.server, "carol");
}

static void
teardown (Fixture      *fixture,
          gconstpointer data)
{
  g_clear_pointer (&fixture->bob, lt_test_client_free);
  g_clear_pointer (&fixture->carol, lt_test_client_free);
  g_clear_pointer (&fixture->alice, lt_test_session_free);
  g_clear_pointer (&fixture->service, lt_test_notifications_free);
  lt_test_fixture_teardown (&fixture->base, data);
}

#define add_test(path, func) \
  g_test_add ((path), Fixture, NULL, setup, (func), teardown)

/* Waits until alice's daemon has signalled @text, so that it has also
 * decided whether to notify. */
static void
wait_received (Fixture    *fixture,
               const char *text)
{
  g_autofree char *quoted = g_strdup_printf ("'%s')", text);

  lt_test_wait_signal (fixture->alice, quoted);
}

static void
assert_notify_at (LT_TEST_LOCATION,
                  const LtTestNotify *notify,
                  const char         *summary,
                  const char         *body)
{
  if (g_strcmp0 (notify->summary, summary) != 0 || g_strcmp0 (notify->body, body) != 0)
    lt_test_fail_at (file, line, func, "Expected a notification “%s: %s”, got “%s: %s”",
                     summary, body, notify->summary, notify->body);
}

#define assert_notify(notify, summary, body) \
  assert_notify_at (LT_TEST_HERE, (notify), (summary), (body))

/* Private messages -------------------------------------------------------- */

/* One notification per conversation, updated in place, closed when
 * the conversation is read. */
static void
test_private (Fixture      *fixture,
              gconstpointer data)
{
  g_auto(LtTestNotify) first = { 0 };
  g_auto(LtTestNotify) second = { 0 };
  g_auto(LtTestNotify) other = { 0 };

  lt_test_send (fixture->bob, "alice", "Lunch at <noon> & later?");
  lt_test_notifications_wait_notify (fixture->service, 1, &first);
  assert_notify (&first, "Bob", "Lunch at &lt;noon&gt; &amp; later?");
  g_assert_cmpuint (first.replaces_id, ==, 0);
  g_assert_true (first.has_default_action);
  g_assert_cmpstr (first.desktop_entry, ==, "org.liaotian.Liaotian");

  lt_test_send (fixture->bob, "alice", "Are you there?");
  lt_test_notifications_wait_notify (fixture->service, 2, &second);
  assert_notify (&second, "Bob", "Are you there?");
  g_assert_cmpuint (second.replaces_id, !=, 0);

  lt_test_send (fixture->carol, "alice", "Hi from Carol");
  lt_test_notifications_wait_notify (fixture->service, 3, &other);
  assert_notify (&other, "Carol", "Hi from Carol");
  g_assert_cmpuint (other.replaces_id, ==, 0);

  lt_test_assert_call (fixture->alice, "MarkRead", g_variant_new ("(s)", "bob"), "()");
  g_assert_cmpuint (lt_test_notifications_wait_close (fixture->service, 1), ==,
                    second.replaces_id);
}

/* Logging out withdraws the account's notifications: a click would
 * open a conversation the next account does not have. */
static void
test_logout (Fixture      *fixture,
             gconstpointer data)
{
  g_auto(LtTestNotify) notify = { 0 };

  lt_test_send (fixture->bob, "alice", "see you");
  lt_test_notifications_wait_notify (fixture->service, 1, &notify);
  lt_test_assert_call (fixture->alice, "Logout", NULL, "()");
  g_assert_cmpuint (lt_test_notifications_wait_close (fixture->service, 1), ==, 1);
}

/* The user's own messages, also from another device, never notify. */
static void
test_own_messages (Fixture      *fixture,
                   gconstpointer data)
{
  g_autoptr(LtTestClient) other_device = lt_test_client_new_login (fixture->base.server, "alice");
  g_auto(LtTestNotify) notify = { 0 };

  lt_test_bus_send (fixture->alice, "bob", "sent from the daemon");
  lt_test_send (other_device, "bob", "sent from my phone");
  wait_received (fixture, "sent from my phone");

  lt_test_send (fixture->bob, "alice", "reply");
  lt_test_notifications_wait_notify (fixture->service, 1, &notify);
  assert_notify (&notify, "Bob", "reply");
}

/* Rooms -------------------------------------------------------------------- */

/* In a room only a mention notifies: the username or the nickname as a
 * word of its own, in any case. */
static void
test_room_mentions (Fixture      *fixture,
                    gconstpointer data)
{
  g_auto(LtTestNotify) by_name = { 0 };
  g_auto(LtTestNotify) by_nickname = { 0 };

  lt_test_send (fixture->carol, "#lobby", "hello everyone");
  lt_test_send (fixture->carol, "#lobby", "malice aforethought");
  lt_test_send (fixture->carol, "#lobby", "@alice: look at this");
  lt_test_notifications_wait_notify (fixture->service, 1, &by_name);
  assert_notify (&by_name, "Carol in #lobby", "@alice: look at this");

  lt_test_send (fixture->bob, "#lobby", "ALICE, lunch?");
  lt_test_notifications_wait_notify (fixture->service, 2, &by_nickname);
  assert_notify (&by_nickname, "Bob in #lobby", "ALICE, lunch?");
  /* The room's notification, updated in place. */
  g_assert_cmpuint (by_nickname.replaces_id, ==, 1);
}

static void
test_mention_rules (void)
{
  struct
  {
    const char *text;
    const char *name;
    gboolean mentions;
  } cases[] = {
    { "hi alice", "alice", TRUE },
    { "Alice: hi", "alice", TRUE },
    { "@ALICE!", "alice", TRUE },
    { "alice_", "alice", FALSE },
    { "malice", "alice", FALSE },
    { "alicebob", "alice", FALSE },
    { "alice", "", FALSE },
    { "张三你好", "张三", TRUE },
    { "你好张三", "张三", TRUE },
    { "hi 张三!", "张三", TRUE },
    { "Ünal?", "ünal", TRUE },
    { "Ünalı", "ünal", FALSE },
    { "al al alice", "alice", TRUE },
    /* The same letters, precomposed or with a combining accent. */
    { "hola Jos\xc3\xa9", "Jose\xcc\x81", TRUE },
    { "hola Jose\xcc\x81", "Jos\xc3\xa9", TRUE },
    { "Jose\xcc\x81phine", "jose", FALSE },
    { "\xc4\xb0stanbul", "i", FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      gboolean mentions = lt_daemon_alerts_text_mentions (cases[i].text, cases[i].name);

      if (mentions != cases[i].mentions)
        lt_test_fail ("“%s” %s “%s”, expected the opposite", cases[i].text,
                      mentions ? "mentions" : "does not mention", cases[i].name);
    }
}

/* Focus -------------------------------------------------------------------- */

/* The conversation a person is looking at does not notify, and focusing
 * one withdraws its notification. */
static void
test_focus (Fixture      *fixture,
            gconstpointer data)
{
  g_auto(LtTestNotify) carol = { 0 };
  g_auto(LtTestNotify) bob = { 0 };

  lt_test_send (fixture->carol, "alice", "are you free?");
  lt_test_notifications_wait_notify (fixture->service, 1, &carol);

  lt_test_assert_call (fixture->alice, "SetFocused", g_variant_new ("(s)", "carol"), "()");
  g_assert_cmpuint (lt_test_notifications_wait_close (fixture->service, 1), ==, 1);
  lt_test_send (fixture->carol, "alice", "seen while focused");
  wait_received (fixture, "seen while focused");

  lt_test_assert_call (fixture->alice, "SetFocused", g_variant_new ("(s)", ""), "()");
  lt_test_send (fixture->bob, "alice", "after the focus");
  lt_test_notifications_wait_notify (fixture->service, 2, &bob);
  assert_notify (&bob, "Bob", "after the focus");
}

/* Catch-up ----------------------------------------------------------------- */

/* Offline messages at login give one notification per conversation,
 * not one per message; live messages after it update them in place. */
static void
test_catch_up (Fixture      *fixture,
               gconstpointer data)
{
  g_auto(LtTestNotify) first = { 0 };
  g_auto(LtTestNotify) second = { 0 };
  g_auto(LtTestNotify) live = { 0 };
  LtTestNotify *from_bob, *from_carol;

  lt_test_assert_call (fixture->alice, "Logout", NULL, "()");
  lt_test_wait_signal (fixture->alice, "'State': <'offline'>");
  for (guint i = 1; i <= 3; i++)
    {
      g_autofree char *text = g_strdup_printf ("while you were away %u", i);

      lt_test_send (fixture->bob, "alice", text);
    }
  lt_test_send (fixture->carol, "alice", "one from carol");

  lt_test_bus_login (fixture->alice, "alice");
  lt_test_notifications_wait_notify (fixture->service, 1, &first);
  lt_test_notifications_wait_notify (fixture->service, 2, &second);
  from_bob = g_str_equal (first.summary, "Bob") ? &first : &second;
  from_carol = from_bob == &first ? &second : &first;
  assert_notify (from_bob, "Bob", "3 new messages");
  assert_notify (from_carol, "Carol", "one from carol");

  lt_test_send (fixture->bob, "alice", "and one more");
  lt_test_notifications_wait_notify (fixture->service, 3, &live);
  assert_notify (&live, "Bob", "and one more");
  g_assert_cmpuint (live.replaces_id, !=, 0);
  g_assert_cmpuint (lt_test_notifications_count (fixture->service, "Notify"), ==, 3);
}

/* Settings ----------------------------------------------------------------- */

/* Turning notifications off withdraws the ones on screen and posts no
 * more. */
static void
test_turned_off (Fixture      *fixture,
                 gconstpointer data)
{
  g_auto(LtTestNotify) notify = { 0 };

  lt_test_send (fixture->bob, "alice", "before");
  lt_test_notifications_wait_notify (fixture->service, 1, &notify);

  lt_test_session_set_setting (fixture->alice, "notifications", "false");
  g_assert_cmpuint (lt_test_notifications_wait_close (fixture->service, 1), ==, 1);

  lt_test_send (fixture->bob, "alice", "while off");
  wait_received (fixture, "while off");
  /* Nothing came after the signal: give the notifier's thread the time
   * a Notify call takes, then count. */
  lt_test_iterate (lt_test_deadline (500));
  g_assert_cmpuint (lt_test_notifications_count (fixture->service, "Notify"), ==, 1);
}

/* Opening the conversation --------------------------------------------------- */

static const char client_xml[] =
  "<node>"
  "  <interface name='org.freedesktop.Application'>"
  "    <method name='ActivateAction'>"
  "      <arg type='s' name='action_name' direction='in'/>"
  "      <arg type='av' name='parameter' direction='in'/>"
  "      <arg type='a{sv}' name='platform_data' direction='in'/>"
  "    </method>"
  "  </interface>"
  "</node>";

/* The GNOME client's side of ActivateAction, as GApplication exports it. */
static void
on_client_call (GDBusConnection       *connection,
                const char            *sender,
                const char            *path,
                const char            *interface,
                const char            *method,
                GVariant              *parameters,
                GDBusMethodInvocation *invocation,
                gpointer               user_data)
{
  char **activated = user_data;

  g_free (*activated);
  *activated = g_variant_print (parameters, FALSE);
  g_dbus_method_invocation_return_value (invocation, NULL);
}

static const GDBusInterfaceVTable client_vtable = { on_client_call, NULL, NULL };

/* A click on the notification opens the conversation in the GNOME
 * client with app.open-chat, passing the activation token on. */
static void
test_open_chat (Fixture      *fixture,
                gconstpointer data)
{
  GDBusConnection *bus = lt_test_session_get_connection (fixture->alice);
  g_autoptr(GDBusNodeInfo) node = g_dbus_node_info_new_for_xml (client_xml, NULL);
  g_auto(LtTestNotify) first = { 0 };
  g_auto(LtTestNotify) update = { 0 };
  g_autofree char *activated = NULL;
  g_autoptr(GError) error = NULL;
  guint object_id, owner_id;
  gint64 deadline;

  object_id = g_dbus_connection_register_object (bus, CLIENT_PATH, node->interfaces[0],
                                                 &client_vtable, &activated, NULL, &error);
  g_assert_no_error (error);
  owner_id = g_bus_own_name_on_connection (bus, CLIENT_NAME, G_BUS_NAME_OWNER_FLAGS_NONE, NULL,
                                           NULL, NULL, NULL);
  g_free (lt_test_wait_name_owner (fixture->alice, CLIENT_NAME, NULL));

  lt_test_send (fixture->bob, "alice", "hi");
  lt_test_notifications_wait_notify (fixture->service, 1, &first);
  lt_test_send (fixture->bob, "alice", "open me");
  lt_test_notifications_wait_notify (fixture->service, 2, &update);
  lt_test_notifications_emit (fixture->service, "ActivationToken", update.replaces_id, "tok-7");
  lt_test_notifications_emit (fixture->service, "ActionInvoked", update.replaces_id, "default");

  deadline = lt_test_deadline (LT_TEST_TIMEOUT_MS);
  while (activated == NULL)
    {
      if (!lt_test_iterate (deadline))
        lt_test_fail ("Expected ActivateAction on %s within %d ms", CLIENT_NAME,
                      LT_TEST_TIMEOUT_MS);
    }
  g_assert_cmpstr (activated, ==,
                   "('open-chat', [<'bob'>], {'activation-token': <'tok-7'>, "
                   "'desktop-startup-id': <'tok-7'>})");

  g_bus_unown_name (owner_id);
  g_dbus_connection_unregister_object (bus, object_id);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/daemon-alerts/mention-rules", test_mention_rules);
  add_test ("/daemon-alerts/private", test_private);
  add_test ("/daemon-alerts/logout", test_logout);
  add_test ("/daemon-alerts/own-messages", test_own_messages);
  add_test ("/daemon-alerts/room-mentions", test_room_mentions);
  add_test ("/daemon-alerts/focus", test_focus);
  add_test ("/daemon-alerts/catch-up", test_catch_up);
  add_test ("/daemon-alerts/turned-off", test_turned_off);
  add_test ("/daemon-alerts/open-chat", test_open_chat);

  return g_test_run ();
}
