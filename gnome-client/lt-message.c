/* SPDX-License-Identifier: GPL-3.0-or-later */
/* LtMessage: one line of a conversation as the client shows it.  Most
 * of it is fixed at construction; only a pending message changes, when
 * the server stores it (id and state) or refuses it (state and error
 * text), and it says so with notify so that its row updates.  A file's
 * announcement has its LtFile, set when the client learns which
 * message announces which file. */
#include "config.h"

#include "lt-message-private.h"

struct _LtMessage
{
  GObject parent_instance;

  guint64 id;       /* the server's; 0 while pending */
  guint64 local_id; /* the daemon's outbox id; 0 if not sent from here */
  gint64 timestamp; /* milliseconds since the Unix epoch */
  char *sender;
  char *text;
  char *error_text;
  LtFile *file;     /* what the message announces, or NULL */
  LtMessageKind kind;
  LtMessageState state;
};

enum {
  PROP_0,
  PROP_ID,
  PROP_LOCAL_ID,
  PROP_TIMESTAMP,
  PROP_SENDER,
  PROP_TEXT,
  PROP_KIND,
  PROP_STATE,
  PROP_ERROR_TEXT,
  PROP_FILE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_ENUM_TYPE (LtMessageKind, lt_message_kind,
                    G_DEFINE_ENUM_VALUE (LT_MESSAGE_KIND_OWN, "own"),
                    G_DEFINE_ENUM_VALUE (LT_MESSAGE_KIND_OTHER, "other"),
                    G_DEFINE_ENUM_VALUE (LT_MESSAGE_KIND_SYSTEM, "system"))

G_DEFINE_ENUM_TYPE (LtMessageState, lt_message_state,
                    G_DEFINE_ENUM_VALUE (LT_MESSAGE_STATE_PENDING, "pending"),
                    G_DEFINE_ENUM_VALUE (LT_MESSAGE_STATE_SENT, "sent"),
                    G_DEFINE_ENUM_VALUE (LT_MESSAGE_STATE_FAILED, "failed"))

G_DEFINE_FINAL_TYPE (LtMessage, lt_message, G_TYPE_OBJECT)

static void
lt_message_finalize (GObject *object)
{
  LtMessage *self = LT_MESSAGE (object);

  g_free (self->sender);
  g_free (self->text);
  g_free (self->error_text);
  g_clear_object (&self->file);

  G_OBJECT_CLASS (lt_message_parent_class)->finalize (object);
}

static void
lt_message_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  LtMessage *self = LT_MESSAGE (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_uint64 (value, self->id);
      break;
    case PROP_LOCAL_ID:
      g_value_set_uint64 (value, self->local_id);
      break;
    case PROP_TIMESTAMP:
      g_value_set_int64 (value, self->timestamp);
      break;
    case PROP_SENDER:
      g_value_set_string (value, self->sender);
      break;
    case PROP_TEXT:
      g_value_set_string (value, self->text);
      break;
    case PROP_KIND:
      g_value_set_enum (value, self->kind);
      break;
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    case PROP_ERROR_TEXT:
      g_value_set_string (value, self->error_text);
      break;
    case PROP_FILE:
      g_value_set_object (value, self->file);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

/* Rows show the sender and the text as they are: never NULL. */
static char *
dup_or_empty (const GValue *value)
{
  const char *s = g_value_get_string (value);

  return g_strdup (s != NULL ? s : "");
}

static void
lt_message_set_property (GObject      *object,
                         guint         prop_id,
                         const GValue *value,
                         GParamSpec   *pspec)
{
  LtMessage *self = LT_MESSAGE (object);

  switch (prop_id)
    {
    case PROP_ID:
      self->id = g_value_get_uint64 (value);
      break;
    case PROP_LOCAL_ID:
      self->local_id = g_value_get_uint64 (value);
      break;
    case PROP_TIMESTAMP:
      self->timestamp = g_value_get_int64 (value);
      break;
    case PROP_SENDER:
      self->sender = dup_or_empty (value);
      break;
    case PROP_TEXT:
      self->text = dup_or_empty (value);
      break;
    case PROP_KIND:
      self->kind = g_value_get_enum (value);
      break;
    case PROP_STATE:
      self->state = g_value_get_enum (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lt_message_class_init (LtMessageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags construct = G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = lt_message_finalize;
  object_class->get_property = lt_message_get_property;
  object_class->set_property = lt_message_set_property;

  /* The id and the state are construct-only for everyone else, but
   * change once when a pending message is sent: hence EXPLICIT_NOTIFY. */
  properties[PROP_ID] =
    g_param_spec_uint64 ("id", NULL, NULL, 0, G_MAXUINT64, 0, construct | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_LOCAL_ID] =
    g_param_spec_uint64 ("local-id", NULL, NULL, 0, G_MAXUINT64, 0, construct);
  properties[PROP_TIMESTAMP] =
    g_param_spec_int64 ("timestamp", NULL, NULL, G_MININT64, G_MAXINT64, 0, construct);
  properties[PROP_SENDER] = g_param_spec_string ("sender", NULL, NULL, "", construct);
  properties[PROP_TEXT] = g_param_spec_string ("text", NULL, NULL, "", construct);
  properties[PROP_KIND] = g_param_spec_enum ("kind", NULL, NULL, LT_TYPE_MESSAGE_KIND,
                                             LT_MESSAGE_KIND_OTHER, construct);
  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, LT_TYPE_MESSAGE_STATE, LT_MESSAGE_STATE_SENT,
                       construct | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_ERROR_TEXT] =
    g_param_spec_string ("error-text", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_FILE] =
    g_param_spec_object ("file", NULL, NULL, LT_TYPE_FILE,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
lt_message_init (LtMessage *self)
{
}

/**
 * lt_message_new:
 * @id: the server's id, not 0
 * @timestamp: milliseconds since the Unix epoch
 * @sender: the sender's username
 * @text: the text
 * @kind: whose it is
 *
 * Returns: (transfer full): a message the server has stored
 */
LtMessage *
lt_message_new (guint64       id,
                gint64        timestamp,
                const char   *sender,
                const char   *text,
                LtMessageKind kind)
{
  return g_object_new (LT_TYPE_MESSAGE, "id", id, "timestamp", timestamp, "sender", sender,
                       "text", text, "kind", kind, NULL);
}

/**
 * lt_message_new_pending:
 * @local_id: what SendMessage returned
 * @timestamp: milliseconds since the Unix epoch
 * @sender: the logged-in user's username
 * @text: the text
 *
 * Returns: (transfer full): an own message waiting in the outbox
 */
LtMessage *
lt_message_new_pending (guint64     local_id,
                        gint64      timestamp,
                        const char *sender,
                        const char *text)
{
  return g_object_new (LT_TYPE_MESSAGE, "local-id", local_id, "timestamp", timestamp, "sender",
                       sender, "text", text, "kind", LT_MESSAGE_KIND_OWN, "state",
                       LT_MESSAGE_STATE_PENDING, NULL);
}

guint64
lt_message_get_id (LtMessage *self)
{
  g_return_val_if_fail (LT_IS_MESSAGE (self), 0);

  return self->id;
}

guint64
lt_message_get_local_id (LtMessage *self)
{
  g_return_val_if_fail (LT_IS_MESSAGE (self), 0);

  return self->local_id;
}

gint64
lt_message_get_timestamp (LtMessage *self)
{
  g_return_val_if_fail (LT_IS_MESSAGE (self), 0);

  return self->timestamp;
}

const char *
lt_message_get_sender (LtMessage *self)
{
  g_return_val_if_fail (LT_IS_MESSAGE (self), NULL);

  return self->sender;
}

const char *
lt_message_get_text (LtMessage *self)
{
  g_return_val_if_fail (LT_IS_MESSAGE (self), NULL);

  return self->text;
}

LtMessageKind
lt_message_get_kind (LtMessage *self)
{
  g_return_val_if_fail (LT_IS_MESSAGE (self), LT_MESSAGE_KIND_OTHER);

  return self->kind;
}

LtMessageState
lt_message_get_state (LtMessage *self)
{
  g_return_val_if_fail (LT_IS_MESSAGE (self), LT_MESSAGE_STATE_SENT);

  return self->state;
}

/**
 * lt_message_get_error_text:
 *
 * Returns: (nullable): why the server refused a failed message, in
 *   words for the person; %NULL unless the state is failed
 */
const char *
lt_message_get_error_text (LtMessage *self)
{
  g_return_val_if_fail (LT_IS_MESSAGE (self), NULL);

  return self->error_text;
}

/**
 * lt_message_get_file:
 *
 * Returns: (transfer none) (nullable): the file the message announces
 */
LtFile *
lt_message_get_file (LtMessage *self)
{
  g_return_val_if_fail (LT_IS_MESSAGE (self), NULL);

  return self->file;
}

static void
set_state (LtMessage     *self,
           LtMessageState state)
{
  if (self->state == state)
    return;

  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

void
_lt_message_set_sent (LtMessage *self,
                      guint64    id)
{
  g_return_if_fail (LT_IS_MESSAGE (self));
  g_return_if_fail (id > 0);

  g_object_freeze_notify (G_OBJECT (self));
  if (self->id != id)
    {
      self->id = id;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ID]);
    }
  set_state (self, LT_MESSAGE_STATE_SENT);
  g_object_thaw_notify (G_OBJECT (self));
}

void
_lt_message_set_failed (LtMessage  *self,
                        const char *error_text)
{
  g_return_if_fail (LT_IS_MESSAGE (self));
  g_return_if_fail (error_text != NULL);

  g_object_freeze_notify (G_OBJECT (self));
  if (g_strcmp0 (self->error_text, error_text) != 0)
    {
      g_free (self->error_text);
      self->error_text = g_strdup (error_text);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR_TEXT]);
    }
  set_state (self, LT_MESSAGE_STATE_FAILED);
  g_object_thaw_notify (G_OBJECT (self));
}

void
_lt_message_set_file (LtMessage *self,
                      LtFile    *file)
{
  g_return_if_fail (LT_IS_MESSAGE (self));
  g_return_if_fail (file == NULL || LT_IS_FILE (file));

  if (g_set_object (&self->file, file))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FILE]);
}
