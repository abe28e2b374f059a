/* SPDX-License-Identifier: GPL-3.0-or-later */
/* LtMessageList: one conversation as a GListModel of LtMessage.
 *
 * The order is the server's: messages by id, each once.  The person's
 * own messages still in the daemon's outbox (pending, or failed) have
 * no id yet and come after all of them, in the order they were sent.
 * A pending message becomes sent on MessageSent; if the server's echo
 * of it (MessageReceived, same id) arrived first, the echo already
 * shows it and the pending one goes, so it is never shown twice.
 *
 * The person's uploads come last, until the server has announced
 * them: each is a message of its LtFile, keyed by the transfer id, that
 * the announcement replaces (lt_message_list_remove_upload()).
 *
 * System lines (joins, leaves, presence) have no server id: each one
 * follows the newest message there was when it was added, so that
 * neither later messages nor older pages move it away from its
 * neighbours.
 *
 * The entries live in a GSequence, a balanced tree: finding a place,
 * an id or a position is O(log n), so a conversation of 100,000
 * messages stays as quick as a short one. */
#include "config.h"

#include "lt-message-list.h"
#include "lt-message-private.h"

typedef enum
{
  GROUP_PLACED,  /* messages with a server id, and system lines */
  GROUP_PENDING, /* own messages still in the outbox: pending or failed */
  GROUP_UPLOAD,  /* own files not announced yet, by transfer id */
} Group;

/* An entry's place is (group, key, rank), compared in that order. */
typedef struct
{
  Group group;
  guint64 key;  /* placed: the server id, or the one a system line follows; pending: the
                 * local id; upload: the transfer id */
  guint64 rank; /* 0 for a message; system lines count up from 1 */
  LtMessage *message;
} Entry;

struct _LtMessageList
{
  GObject parent_instance;

  GSequence *entries;
  guint64 n_system_lines; /* ever added: the rank of the next is one more */
};

static void lt_message_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (LtMessageList, lt_message_list, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL,
                                                      lt_message_list_model_init))

static Entry *
entry_new (Group      group,
           guint64    key,
           guint64    rank,
           LtMessage *message)
{
  Entry *entry = g_new (Entry, 1);

  entry->group = group;
  entry->key = key;
  entry->rank = rank;
  entry->message = message;
  return entry;
}

static void
entry_free (gpointer data)
{
  Entry *entry = data;

  g_object_unref (entry->message);
  g_free (entry);
}

static int
compare_u64 (guint64 a,
             guint64 b)
{
  return (a > b) - (a < b);
}

static int
entry_compare (gconstpointer a,
               gconstpointer b,
               gpointer      user_data)
{
  const Entry *x = a;
  const Entry *y = b;
  int result = compare_u64 (x->group, y->group);

  if (result == 0)
    result = compare_u64 (x->key, y->key);
  if (result == 0)
    result = compare_u64 (x->rank, y->rank);
  return result;
}

/* The iter before which an entry at (group, key, rank) belongs. */
static GSequenceIter *
search (LtMessageList *self,
        Group          group,
        guint64        key,
        guint64        rank)
{
  Entry probe = { group, key, rank, NULL };

  return g_sequence_search (self->entries, &probe, entry_compare, NULL);
}

/* The message at (group, key) itself, not a system line after it. */
static GSequenceIter *
lookup (LtMessageList *self,
        Group          group,
        guint64        key)
{
  Entry probe = { group, key, 0, NULL };

  return g_sequence_lookup (self->entries, &probe, entry_compare, NULL);
}

static LtMessage *
message_at (GSequenceIter *iter)
{
  return ((Entry *) g_sequence_get (iter))->message;
}

/* Takes @message; returns it, owned by the list. */
static LtMessage *
add_entry (LtMessageList *self,
           Group          group,
           guint64        key,
           guint64        rank,
           LtMessage     *message)
{
  GSequenceIter *iter =
    g_sequence_insert_sorted (self->entries, entry_new (group, key, rank, message),
                              entry_compare, NULL);

  g_list_model_items_changed (G_LIST_MODEL (self), g_sequence_iter_get_position (iter), 0, 1);
  return message;
}

static void
remove_entry (LtMessageList *self,
              GSequenceIter *iter)
{
  guint position = g_sequence_iter_get_position (iter);

  g_sequence_remove (iter);
  g_list_model_items_changed (G_LIST_MODEL (self), position, 1, 0);
}

static void
lt_message_list_finalize (GObject *object)
{
  LtMessageList *self = LT_MESSAGE_LIST (object);

  g_sequence_free (self->entries);

  G_OBJECT_CLASS (lt_message_list_parent_class)->finalize (object);
}

static void
lt_message_list_class_init (LtMessageListClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = lt_message_list_finalize;
}

static void
lt_message_list_init (LtMessageList *self)
{
  self->entries = g_sequence_new (entry_free);
}

static GType
lt_message_list_get_item_type (GListModel *model)
{
  return LT_TYPE_MESSAGE;
}

static guint
lt_message_list_get_n_items (GListModel *model)
{
  return g_sequence_get_length (LT_MESSAGE_LIST (model)->entries);
}

static gpointer
lt_message_list_get_item (GListModel *model,
                          guint       position)
{
  GSequenceIter *iter = g_sequence_get_iter_at_pos (LT_MESSAGE_LIST (model)->entries, position);

  if (g_sequence_iter_is_end (iter))
    return NULL;
  return g_object_ref (message_at (iter));
}

static void
lt_message_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = lt_message_list_get_item_type;
  iface->get_n_items = lt_message_list_get_n_items;
  iface->get_item = lt_message_list_get_item;
}

LtMessageList *
lt_message_list_new (void)
{
  return g_object_new (LT_TYPE_MESSAGE_LIST, NULL);
}

/**
 * lt_message_list_add_received:
 * @self: a #LtMessageList
 * @id: the server's id, not 0
 * @timestamp: milliseconds since the Unix epoch
 * @sender: the sender's username
 * @text: the text
 * @kind: %LT_MESSAGE_KIND_OWN for the echo of the person's own message
 *
 * Adds a message of MessageReceived in its place by @id, unless the
 * list has one with @id already.
 *
 * Returns: (transfer none): the message with @id
 */
LtMessage *
lt_message_list_add_received (LtMessageList *self,
                              guint64        id,
                              gint64         timestamp,
                              const char    *sender,
                              const char    *text,
                              LtMessageKind  kind)
{
  GSequenceIter *iter;

  g_return_val_if_fail (LT_IS_MESSAGE_LIST (self), NULL);
  g_return_val_if_fail (id > 0, NULL);

  iter = lookup (self, GROUP_PLACED, id);
  if (iter != NULL)
    return message_at (iter);
  return add_entry (self, GROUP_PLACED, id, 0, lt_message_new (id, timestamp, sender, text, kind));
}

/**
 * lt_message_list_add_pending:
 * @self: a #LtMessageList
 * @local_id: what SendMessage returned
 * @timestamp: milliseconds since the Unix epoch
 * @sender: the person's own username
 * @text: the text
 *
 * Adds an own message that waits in the daemon's outbox, after every
 * message the server has, unless the list has @local_id already.
 *
 * Returns: (transfer none): the pending message with @local_id
 */
LtMessage *
lt_message_list_add_pending (LtMessageList *self,
                             guint64        local_id,
                             gint64         timestamp,
                             const char    *sender,
                             const char    *text)
{
  GSequenceIter *iter;

  g_return_val_if_fail (LT_IS_MESSAGE_LIST (self), NULL);
  g_return_val_if_fail (local_id > 0, NULL);

  iter = lookup (self, GROUP_PENDING, local_id);
  if (iter != NULL)
    return message_at (iter);
  return add_entry (self, GROUP_PENDING, local_id, 0,
                    lt_message_new_pending (local_id, timestamp, sender, text));
}

/* The key of the last placed entry: the newest id there is. */
static guint64
newest_placed_key (LtMessageList *self)
{
  GSequenceIter *first_pending = search (self, GROUP_PENDING, 0, 0);

  if (g_sequence_iter_is_begin (first_pending))
    return 0;
  return ((Entry *) g_sequence_get (g_sequence_iter_prev (first_pending)))->key;
}

/**
 * lt_message_list_add_system:
 * @self: a #LtMessageList
 * @timestamp: milliseconds since the Unix epoch
 * @text: the line, in words for the person ("bob joined")
 *
 * Adds a system line after the newest message there is and the
 * system lines that follow it, before the pending messages.
 *
 * Returns: (transfer none): the new line
 */
LtMessage *
lt_message_list_add_system (LtMessageList *self,
                            gint64         timestamp,
                            const char    *text)
{
  g_return_val_if_fail (LT_IS_MESSAGE_LIST (self), NULL);

  return add_entry (self, GROUP_PLACED, newest_placed_key (self), ++self->n_system_lines,
                    lt_message_new (0, timestamp, "", text, LT_MESSAGE_KIND_SYSTEM));
}

/**
 * lt_message_list_mark_sent:
 * @self: a #LtMessageList
 * @local_id: the local id of MessageSent
 * @id: the server's id of MessageSent
 *
 * Makes the pending message with @local_id a sent one with @id and
 * moves it into its place.  If the echo with @id is in the list
 * already, it drops the pending one instead.  A message whose place
 * does not change keeps its position: only its properties change.
 *
 * Returns: %TRUE if @local_id was pending here; %FALSE for a message
 *   sent by another client of the same daemon
 */
gboolean
lt_message_list_mark_sent (LtMessageList *self,
                           guint64        local_id,
                           guint64        id)
{
  GSequenceIter *iter;
  Entry *entry;
  g_autoptr(LtMessage) message = NULL;

  g_return_val_if_fail (LT_IS_MESSAGE_LIST (self), FALSE);
  g_return_val_if_fail (id > 0, FALSE);

  iter = lookup (self, GROUP_PENDING, local_id);
  if (iter == NULL)
    return FALSE;
  entry = g_sequence_get (iter);

  if (lookup (self, GROUP_PLACED, id) != NULL)
    {
      remove_entry (self, iter);
      return TRUE;
    }

  /* Usually the first pending message becomes the newest sent one:
   * same position, and its row updates through notify. */
  if (search (self, GROUP_PLACED, id, 0) == iter)
    {
      entry->group = GROUP_PLACED;
      entry->key = id;
      _lt_message_set_sent (entry->message, id);
      return TRUE;
    }

  message = g_object_ref (entry->message);
  remove_entry (self, iter);
  _lt_message_set_sent (message, id);
  add_entry (self, GROUP_PLACED, id, 0, g_steal_pointer (&message));
  return TRUE;
}

/**
 * lt_message_list_mark_failed:
 * @self: a #LtMessageList
 * @local_id: the local id of MessageFailed
 * @error_text: why, in words for the person (see lt_error_text_for())
 *
 * Marks the pending message with @local_id as refused.  It keeps its
 * place.
 *
 * Returns: %TRUE if @local_id was pending here
 */
gboolean
lt_message_list_mark_failed (LtMessageList *self,
                             guint64        local_id,
                             const char    *error_text)
{
  GSequenceIter *iter;

  g_return_val_if_fail (LT_IS_MESSAGE_LIST (self), FALSE);
  g_return_val_if_fail (error_text != NULL, FALSE);

  iter = lookup (self, GROUP_PENDING, local_id);
  if (iter == NULL)
    return FALSE;
  _lt_message_set_failed (message_at (iter), error_text);
  return TRUE;
}

/**
 * lt_message_list_prepend_page:
 * @self: a #LtMessageList
 * @page: (transfer floating): a page of GetHistory: a(txsss) of (id,
 *   timestamp, from, to, text), newest first
 * @own_username: (nullable): the person's username, to tell own
 *   messages from others'
 *
 * Adds the messages of @page that the list does not have yet, each in
 * its place.  A run of them that lands in one place, as a page older
 * than everything does, is announced with one items-changed.
 *
 * Returns: how many messages were added
 */
guint
lt_message_list_prepend_page (LtMessageList *self,
                              GVariant      *page,
                              const char    *own_username)
{
  g_autoptr(GVariant) owned_page = NULL;
  guint run_start = 0;
  guint run_length = 0;
  guint added = 0;

  g_return_val_if_fail (LT_IS_MESSAGE_LIST (self), 0);
  g_return_val_if_fail (page != NULL, 0);
  g_return_val_if_fail (g_variant_is_of_type (page, G_VARIANT_TYPE ("a(txsss)")), 0);

  owned_page = g_variant_ref_sink (page);

  /* Oldest first, so that each message goes right after the one before. */
  for (gsize i = g_variant_n_children (page); i > 0; i--)
    {
      guint64 id;
      gint64 timestamp;
      const char *from;
      const char *text;
      LtMessageKind kind;
      GSequenceIter *place;
      guint position;

      g_variant_get_child (page, i - 1, "(tx&s&s&s)", &id, &timestamp, &from, NULL, &text);
      /* Server ids start at 1: a 0 from a broken daemon would pass for pending. */
      if (id == 0 || lookup (self, GROUP_PLACED, id) != NULL)
        continue;

      place = search (self, GROUP_PLACED, id, 0);
      position = g_sequence_iter_get_position (place);
      if (run_length > 0 && position != run_start + run_length)
        {
          g_list_model_items_changed (G_LIST_MODEL (self), run_start, 0, run_length);
          run_length = 0;
        }
      if (run_length == 0)
        run_start = position;

      kind = g_strcmp0 (from, own_username) == 0 ? LT_MESSAGE_KIND_OWN : LT_MESSAGE_KIND_OTHER;
      g_sequence_insert_before (
        place, entry_new (GROUP_PLACED, id, 0, lt_message_new (id, timestamp, from, text, kind)));
      run_length++;
      added++;
    }

  if (run_length > 0)
    g_list_model_items_changed (G_LIST_MODEL (self), run_start, 0, run_length);
  return added;
}

/**
 * lt_message_list_get_oldest_id:
 * @self: a #LtMessageList
 *
 * Returns: the smallest server id in the list, the `before` of the next
 *   GetHistory call; 0 if it has none
 */
guint64
lt_message_list_get_oldest_id (LtMessageList *self)
{
  g_return_val_if_fail (LT_IS_MESSAGE_LIST (self), 0);

  /* Only system lines added before any message can come first. */
  for (GSequenceIter *iter = g_sequence_get_begin_iter (self->entries);
       !g_sequence_iter_is_end (iter); iter = g_sequence_iter_next (iter))
    {
      Entry *entry = g_sequence_get (iter);

      if (entry->group != GROUP_PLACED)
        break;
      if (entry->rank == 0)
        return entry->key;
    }
  return 0;
}

/**
 * lt_message_list_lookup:
 * @self: a #LtMessageList
 * @id: a server id
 *
 * Returns: (transfer none) (nullable): the message with @id
 */
LtMessage *
lt_message_list_lookup (LtMessageList *self,
                        guint64        id)
{
  GSequenceIter *iter;

  g_return_val_if_fail (LT_IS_MESSAGE_LIST (self), NULL);

  iter = id > 0 ? lookup (self, GROUP_PLACED, id) : NULL;
  return iter != NULL ? message_at (iter) : NULL;
}

/**
 * lt_message_list_set_file:
 * @self: a #LtMessageList
 * @id: the server id of a file's announcement
 * @file: the file it announces
 *
 * Returns: (transfer none) (nullable): the message with @id, now with
 *   @file; %NULL if the list has no message with @id
 */
LtMessage *
lt_message_list_set_file (LtMessageList *self,
                          guint64        id,
                          LtFile        *file)
{
  LtMessage *message;

  g_return_val_if_fail (LT_IS_MESSAGE_LIST (self), NULL);
  g_return_val_if_fail (LT_IS_FILE (file), NULL);

  message = lt_message_list_lookup (self, id);
  if (message != NULL)
    _lt_message_set_file (message, file);
  return message;
}

/**
 * lt_message_list_add_upload:
 * @self: a #LtMessageList
 * @file: the person's file being uploaded, with its transfer id
 *
 * Adds a message of @file after every other one, unless the list has
 * one for its transfer already.
 *
 * Returns: (transfer none): the message of the upload
 */
LtMessage *
lt_message_list_add_upload (LtMessageList *self,
                            LtFile        *file)
{
  guint64 transfer_id;
  GSequenceIter *iter;
  LtMessage *message;

  g_return_val_if_fail (LT_IS_MESSAGE_LIST (self), NULL);
  g_return_val_if_fail (LT_IS_FILE (file), NULL);
  transfer_id = lt_file_get_transfer_id (file);
  g_return_val_if_fail (transfer_id > 0, NULL);

  iter = lookup (self, GROUP_UPLOAD, transfer_id);
  if (iter != NULL)
    return message_at (iter);

  message = lt_message_new (0, lt_file_get_timestamp (file), lt_file_get_sender (file),
                            lt_file_get_name (file), LT_MESSAGE_KIND_OWN);
  _lt_message_set_file (message, file);
  return add_entry (self, GROUP_UPLOAD, transfer_id, 0, message);
}

/**
 * lt_message_list_remove_upload:
 * @self: a #LtMessageList
 * @transfer_id: the upload's transfer id
 *
 * Removes the message of an upload: it was announced, and is in the
 * list by its id now.
 *
 * Returns: %TRUE if the list had it
 */
gboolean
lt_message_list_remove_upload (LtMessageList *self,
                               guint64        transfer_id)
{
  GSequenceIter *iter;

  g_return_val_if_fail (LT_IS_MESSAGE_LIST (self), FALSE);

  iter = transfer_id > 0 ? lookup (self, GROUP_UPLOAD, transfer_id) : NULL;
  if (iter == NULL)
    return FALSE;
  remove_entry (self, iter);
  return TRUE;
}
