/* SPDX-License-Identifier: GPL-3.0-or-later */
/* LtDaemonAlerts: which received messages become desktop notifications.
 *
 * A private message notifies, and so does a room message that mentions
 * the user's username or nickname, unless it is the user's own (sent
 * from another device), its conversation is the focused one, or the
 * notifications key is off.  Each conversation has one notification,
 * updated in place.  During a catch-up (the offline messages pushed at
 * login, and what the rooms missed) messages are gathered per conversation and announced once at
 * its end, as "3 new messages", so that a long absence never ends in a
 * flood.  Reading or focusing a conversation, or logging out, withdraws its
 * notification; clicking one asks the GNOME client to open the
 * conversation through its app.open-chat action.  A private file
 * offered to the user gets a notification of its own with Accept
 * (download into the Downloads folder) and Reject. */
#include "config.h"

#include "lt-daemon-alerts.h"
#include "lt-daemon-notifier.h"

#include <glib/gi18n.h>
#include <string.h>

#define CLIENT_APP_ID "org.liaotian.Liaotian"
#define CLIENT_PATH "/org/liaotian/Liaotian"

struct _LtDaemonAlerts
{
  GObject parent_instance;

  LtDaemon *daemon;
  GSettings *settings;
  GDBusConnection *bus;
  LtDaemonNotifier *notifier;
  LtDaemonTransfers *transfers; /* for a file's Accept and Reject */
  gboolean enabled;

  GHashTable *shown; /* conversations whose notification is up */
  GHashTable *gathered; /* during a catch-up: conversation → Gathered */
};

G_DEFINE_FINAL_TYPE (LtDaemonAlerts, lt_daemon_alerts, G_TYPE_OBJECT)

/* A conversation's messages during a catch-up. */
typedef struct
{
  guint count;
  char *summary; /* of the newest message alone */
  char *text; /* the newest message's */
} Gathered;

static void
gathered_free (Gathered *gathered)
{
  g_free (gathered->summary);
  g_free (gathered->text);
  g_free (gathered);
}

/* Mentions ---------------------------------------------------------------- */

/* Latin, Cyrillic… words are separated by spaces, so "al" must not match
 * inside "also"; Chinese and Japanese are written without spaces, so a
 * name in them matches wherever it stands.  A combining mark belongs to
 * the word it follows. */
static gboolean
is_word_char (gunichar c)
{
  return (g_unichar_isalnum (c) || g_unichar_ismark (c) || c == '_') && !g_unichar_iswide (c);
}

/* Case-folded, then composed (NFKC), so that "José" typed with a
 * combining accent is the same as with a precomposed é. */
static char *
fold (const char *text)
{
  g_autofree char *folded = g_utf8_casefold (text, -1);

  return g_utf8_normalize (folded, -1, G_NORMALIZE_ALL_COMPOSE);
}

static gboolean
continues_word (gunichar before,
                gunichar after)
{
  return is_word_char (before) && is_word_char (after);
}

static gboolean
stands_alone (const char *text,
              const char *at,
              const char *name,
              gsize       name_len)
{
  const char *end = at + name_len;
  const char *last = g_utf8_find_prev_char (name, name + name_len);

  if (at > text
      && continues_word (g_utf8_get_char (g_utf8_find_prev_char (text, at)),
                         g_utf8_get_char (name)))
    return FALSE;
  return *end == '\0' || !continues_word (g_utf8_get_char (last), g_utf8_get_char (end));
}

/**
 * lt_daemon_alerts_text_mentions:
 * @text: a message
 * @name: a username or nickname; "" never matches
 *
 * Returns: whether @name occurs in @text, ignoring case, and not as
 *   part of a longer word
 */
gboolean
lt_daemon_alerts_text_mentions (const char *text,
                                const char *name)
{
  g_autofree char *folded_text = NULL;
  g_autofree char *folded_name = NULL;
  gsize name_len;

  g_return_val_if_fail (text != NULL, FALSE);

  if (name == NULL || *name == '\0')
    return FALSE;

  folded_text = fold (text);
  folded_name = fold (name);
  if (folded_text == NULL || folded_name == NULL)
    return FALSE;
  name_len = strlen (folded_name);
  for (const char *at = strstr (folded_text, folded_name); at != NULL;
       at = strstr (at + 1, folded_name))
    {
      if (stands_alone (folded_text, at, folded_name, name_len))
        return TRUE;
    }
  return FALSE;
}

/* Posting and withdrawing ------------------------------------------------ */

static gboolean
is_room (const char *conversation)
{
  return conversation[0] == '#';
}

static void
show (LtDaemonAlerts *self,
      const char     *conversation,
      const char     *summary,
      const char     *text)
{
  lt_daemon_notifier_show (self->notifier, conversation, summary, text);
  g_hash_table_add (self->shown, g_strdup (conversation));
}

static void
withdraw (LtDaemonAlerts *self,
          const char     *conversation)
{
  g_hash_table_remove (self->gathered, conversation);
  if (g_hash_table_remove (self->shown, conversation))
    lt_daemon_notifier_withdraw (self->notifier, conversation);
}

static void
withdraw_all (LtDaemonAlerts *self)
{
  g_autofree char **conversations = NULL;

  conversations = (char **) g_hash_table_get_keys_as_array (self->shown, NULL);
  for (guint i = 0; conversations[i] != NULL; i++)
    lt_daemon_notifier_withdraw (self->notifier, conversations[i]);
  g_hash_table_remove_all (self->shown);
  g_hash_table_remove_all (self->gathered);
}

/* Messages ---------------------------------------------------------------- */

static gboolean
deserves_alert (LtDaemonAlerts *self,
                const char     *conversation,
                const char     *sender,
                const char     *text)
{
  if (!self->enabled || g_str_equal (sender, lt_daemon_get_username (self->daemon))
      || g_str_equal (conversation, lt_daemon_get_focused (self->daemon)))
    return FALSE;

  return !is_room (conversation)
         || lt_daemon_alerts_text_mentions (text, lt_daemon_get_username (self->daemon))
         || lt_daemon_alerts_text_mentions (text, lt_daemon_get_nickname (self->daemon));
}

/* A private chat's notification is titled with the peer's nickname; a
 * room's also names the room. */
static char *
summary_for (const char *conversation,
             const char *nickname)
{
  if (is_room (conversation))
    /* Translators: a notification's title: "Bob in #lobby" */
    return g_strdup_printf (_("%s in %s"), nickname, conversation);
  return g_strdup (nickname);
}

static void
gather (LtDaemonAlerts *self,
        const char     *conversation,
        char           *summary,
        const char     *text)
{
  Gathered *gathered = g_hash_table_lookup (self->gathered, conversation);

  if (gathered == NULL)
    {
      gathered = g_new0 (Gathered, 1);
      g_hash_table_insert (self->gathered, g_strdup (conversation), gathered);
    }
  gathered->count++;
  g_free (gathered->summary);
  gathered->summary = summary;
  g_free (gathered->text);
  gathered->text = g_strdup (text);
}

static void
on_message_received (LtDaemon       *daemon,
                     const char     *conversation,
                     guint64         id,
                     gint64          ts,
                     const char     *sender,
                     const char     *text,
                     const char     *nickname,
                     LtDaemonAlerts *self)
{
  g_autofree char *summary = NULL;

  if (!deserves_alert (self, conversation, sender, text))
    return;

  summary = summary_for (conversation, *nickname != '\0' ? nickname : sender);
  if (lt_daemon_get_catching_up (daemon))
    gather (self, conversation, g_steal_pointer (&summary), text);
  else
    show (self, conversation, summary, text);
}

/* One notification per conversation for everything the catch-up
 * brought. */
static void
announce_gathered (LtDaemonAlerts *self)
{
  GHashTableIter iter;
  const char *conversation;
  Gathered *gathered;

  g_hash_table_iter_init (&iter, self->gathered);
  while (g_hash_table_iter_next (&iter, (gpointer *) &conversation, (gpointer *) &gathered))
    {
      g_autofree char *count = NULL;

      if (gathered->count == 1)
        {
          show (self, conversation, gathered->summary, gathered->text);
          continue;
        }
      count = g_strdup_printf (ngettext ("%u new message", "%u new messages", gathered->count),
                               gathered->count);
      show (self, conversation, is_room (conversation) ? conversation : gathered->summary,
            count);
    }
  g_hash_table_remove_all (self->gathered);
}

static void
on_catching_up_changed (LtDaemonAlerts *self)
{
  if (lt_daemon_get_catching_up (self->daemon))
    return;

  /* Logged out in the middle: nothing to announce for that account. */
  if (lt_daemon_get_state (self->daemon) == LT_DAEMON_STATE_OFFLINE)
    g_hash_table_remove_all (self->gathered);
  else
    announce_gathered (self);
}

/* A click on a notification of an account no longer logged in would
 * open a conversation of the next one. */
static void
on_username_changed (LtDaemonAlerts *self)
{
  if (*lt_daemon_get_username (self->daemon) == '\0')
    withdraw_all (self);
}

static void
on_focused_changed (LtDaemonAlerts *self)
{
  withdraw (self, lt_daemon_get_focused (self->daemon));
}

static void
on_conversation_read (LtDaemon       *daemon,
                      const char     *conversation,
                      LtDaemonAlerts *self)
{
  withdraw (self, conversation);
}

static void
on_enabled_changed (LtDaemonAlerts *self)
{
  self->enabled = g_settings_get_boolean (self->settings, "notifications");
  if (!self->enabled)
    withdraw_all (self);
}

/* Files --------------------------------------------------------------------- */

#define FILE_KEY_PREFIX "file:"

/* A private file for the user: Accept or Reject, even when the
 * conversation is focused (the client shows the offer, but the
 * notification is where a person answers from outside it). */
static void
on_file_offered (LtDaemon       *daemon,
                 const char     *conversation,
                 guint64         file_id,
                 const char     *sender,
                 const char     *name,
                 guint64         size,
                 const char     *nickname,
                 LtDaemonAlerts *self)
{
  g_autofree char *key = NULL;
  g_autofree char *formatted_size = NULL;
  g_autofree char *text = NULL;

  if (!self->enabled || is_room (conversation)
      || g_str_equal (sender, lt_daemon_get_username (self->daemon)))
    return;

  key = g_strdup_printf (FILE_KEY_PREFIX "%" G_GUINT64_FORMAT, file_id);
  formatted_size = g_format_size (size);
  /* Translators: a notification's text; %s are a file's name and size */
  text = g_strdup_printf (_("Sends you “%s” (%s)"), name, formatted_size);
  lt_daemon_notifier_show_file (self->notifier, key, conversation,
                                *nickname != '\0' ? nickname : sender, text);
  g_hash_table_add (self->shown, g_steal_pointer (&key));
}

static void
on_file_answered (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  LtDaemonTransfers *transfers = LT_DAEMON_TRANSFERS (source);
  g_autoptr(GError) error = NULL;
  gboolean ok;

  if (g_task_get_source_tag (G_TASK (result)) == lt_daemon_transfers_accept_file_async)
    ok = lt_daemon_transfers_accept_file_finish (transfers, result, &error) != 0;
  else
    ok = lt_daemon_transfers_reject_file_finish (transfers, result, &error);
  if (!ok)
    g_message ("Could not answer a file from its notification: %s", error->message);
}

/* Accept downloads into the user's Downloads folder. */
static void
on_notifier_action (LtDaemonNotifier *notifier,
                    const char       *key,
                    const char       *action,
                    LtDaemonAlerts   *self)
{
  guint64 file_id;

  if (!g_str_has_prefix (key, FILE_KEY_PREFIX) || self->transfers == NULL
      || !g_ascii_string_to_unsigned (key + strlen (FILE_KEY_PREFIX), 10, 1, G_MAXUINT64,
                                      &file_id, NULL))
    return;

  g_debug ("%s of file %" G_GUINT64_FORMAT " from its notification", action, file_id);
  if (g_str_equal (action, "accept"))
    lt_daemon_transfers_accept_file_async (self->transfers, file_id, "", NULL, on_file_answered,
                                           NULL);
  else if (g_str_equal (action, "reject"))
    lt_daemon_transfers_reject_file_async (self->transfers, file_id, NULL, on_file_answered,
                                           NULL);
  withdraw (self, key);
}

static void
withdraw_file (LtDaemonAlerts *self,
               guint64         file_id)
{
  g_autofree char *key = g_strdup_printf (FILE_KEY_PREFIX "%" G_GUINT64_FORMAT, file_id);

  withdraw (self, key);
}

/* The file was answered elsewhere (in the client, on another device):
 * its notification goes, or its Accept would download it again. */
static void
on_transfer_started (LtDaemonTransfers *transfers,
                     guint64            transfer_id,
                     guint64            file_id,
                     const char        *conversation,
                     gboolean           upload,
                     const char        *name,
                     guint64            total,
                     LtDaemonAlerts    *self)
{
  if (!upload)
    withdraw_file (self, file_id);
}

static void
on_file_rejected (LtDaemon       *daemon,
                  const char     *conversation,
                  guint64         file_id,
                  const char     *by,
                  LtDaemonAlerts *self)
{
  if (g_strcmp0 (by, lt_daemon_get_username (daemon)) == 0)
    withdraw_file (self, file_id);
}

/**
 * lt_daemon_alerts_set_transfers:
 * @transfers: what a file notification's Accept and Reject go to
 */
void
lt_daemon_alerts_set_transfers (LtDaemonAlerts    *self,
                                LtDaemonTransfers *transfers)
{
  g_return_if_fail (LT_IS_DAEMON_ALERTS (self));

  if (self->transfers != NULL)
    g_signal_handlers_disconnect_by_func (self->transfers, on_transfer_started, self);
  g_set_object (&self->transfers, transfers);
  if (transfers != NULL)
    g_signal_connect_object (transfers, "transfer-started", G_CALLBACK (on_transfer_started),
                             self, 0);
}

/* Opening the conversation ---------------------------------------------- */

static void
on_action_activated (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  if (reply == NULL)
    g_message ("Could not open the conversation in %s: %s", CLIENT_APP_ID, error->message);
}

/* org.freedesktop.Application.ActivateAction starts the client if need
 * be; the notification service's activation token lets it take the
 * focus. */
static void
on_notification_activated (LtDaemonNotifier *notifier,
                           const char       *conversation,
                           const char       *activation_token,
                           LtDaemonAlerts   *self)
{
  g_auto(GVariantBuilder) platform_data = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);

  if (activation_token != NULL)
    {
      g_variant_builder_add (&platform_data, "{sv}", "activation-token",
                             g_variant_new_string (activation_token));
      g_variant_builder_add (&platform_data, "{sv}", "desktop-startup-id",
                             g_variant_new_string (activation_token));
    }

  g_debug ("Opening %s in %s", conversation, CLIENT_APP_ID);
  g_dbus_connection_call (self->bus, CLIENT_APP_ID, CLIENT_PATH, "org.freedesktop.Application",
                          "ActivateAction",
                          g_variant_new ("(s@ava{sv})", "open-chat",
                                         g_variant_new_parsed ("[<%s>]", conversation),
                                         &platform_data),
                          NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, on_action_activated, NULL);
}

/* GObject ----------------------------------------------------------------- */

/**
 * lt_daemon_alerts_new:
 * @daemon: whose messages to announce
 * @settings: org.liaotian.Daemon, for its notifications key
 * @bus: the session bus, to reach the GNOME client on
 */
LtDaemonAlerts *
lt_daemon_alerts_new (LtDaemon        *daemon,
                      GSettings       *settings,
                      GDBusConnection *bus)
{
  LtDaemonAlerts *self;

  g_return_val_if_fail (LT_IS_DAEMON (daemon), NULL);
  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);
  g_return_val_if_fail (G_IS_DBUS_CONNECTION (bus), NULL);

  self = g_object_new (LT_TYPE_DAEMON_ALERTS, NULL);
  self->daemon = g_object_ref (daemon);
  self->settings = g_object_ref (settings);
  self->bus = g_object_ref (bus);
  self->notifier = lt_daemon_notifier_new (CLIENT_APP_ID);
  self->enabled = g_settings_get_boolean (settings, "notifications");

  g_signal_connect_object (daemon, "message-received", G_CALLBACK (on_message_received), self,
                           0);
  g_signal_connect_object (daemon, "notify::catching-up", G_CALLBACK (on_catching_up_changed),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (daemon, "notify::focused", G_CALLBACK (on_focused_changed), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (daemon, "notify::username", G_CALLBACK (on_username_changed), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (daemon, "conversation-read", G_CALLBACK (on_conversation_read), self,
                           0);
  g_signal_connect_object (settings, "changed::notifications", G_CALLBACK (on_enabled_changed),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->notifier, "activated", G_CALLBACK (on_notification_activated),
                           self, 0);
  g_signal_connect_object (daemon, "file-offered", G_CALLBACK (on_file_offered), self, 0);
  g_signal_connect_object (self->notifier, "action", G_CALLBACK (on_notifier_action), self, 0);
  g_signal_connect_object (daemon, "file-rejected", G_CALLBACK (on_file_rejected), self, 0);
  return self;
}

static void
lt_daemon_alerts_finalize (GObject *object)
{
  LtDaemonAlerts *self = LT_DAEMON_ALERTS (object);

  g_clear_object (&self->notifier);
  g_clear_object (&self->transfers);
  g_clear_object (&self->bus);
  g_clear_object (&self->settings);
  g_clear_object (&self->daemon);
  g_clear_pointer (&self->shown, g_hash_table_unref);
  g_clear_pointer (&self->gathered, g_hash_table_unref);

  G_OBJECT_CLASS (lt_daemon_alerts_parent_class)->finalize (object);
}

static void
lt_daemon_alerts_class_init (LtDaemonAlertsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = lt_daemon_alerts_finalize;
}

static void
lt_daemon_alerts_init (LtDaemonAlerts *self)
{
  self->shown = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->gathered = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                          (GDestroyNotify) gathered_free);
}
