/* SPDX-License-Identifier: GPL-3.0-or-later */
/* LtFile: one file (or folder) of a conversation as the client shows
 * it: who sent it, its name and size, the answer to it (offered,
 * accepted, rejected, or shared in a room), the last upload or
 * download of it by this daemon with its progress, and where it is on
 * this computer once it is here.
 *
 * What the person can do with it (lt_file_get_actions()) and what its
 * card says (lt_file_dup_status()) follow from these alone, so that
 * they are tested without widgets.  Every change is notified. */
#include "config.h"

#include "lt-file.h"

#include <glib/gi18n.h>

struct _LtFile
{
  GObject parent_instance;

  char *conversation;
  char *sender;
  char *name;
  gboolean own;

  guint64 file_id;    /* the server's; 0 until it took the offer */
  guint64 message_id; /* the announcement's; 0 until known */
  gint64 timestamp;   /* milliseconds since the Unix epoch */
  guint64 size;
  gboolean folder;
  char *path;         /* on this computer, or NULL */
  LtFileAnswer answer;

  guint64 transfer_id;
  LtFileTransfer transfer;
  guint64 done;
  guint64 total;
  char *error_text;
  gboolean cancelling; /* the person asked CancelTransfer */
};

enum {
  PROP_0,
  PROP_CONVERSATION,
  PROP_SENDER,
  PROP_OWN,
  PROP_NAME,
  PROP_FILE_ID,
  PROP_MESSAGE_ID,
  PROP_TIMESTAMP,
  PROP_SIZE,
  PROP_FOLDER,
  PROP_PATH,
  PROP_ANSWER,
  PROP_TRANSFER_ID,
  PROP_TRANSFER,
  PROP_DONE,
  PROP_TOTAL,
  PROP_ERROR_TEXT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_ENUM_TYPE (LtFileAnswer, lt_file_answer,
                    G_DEFINE_ENUM_VALUE (LT_FILE_ANSWER_OFFERED, "offered"),
                    G_DEFINE_ENUM_VALUE (LT_FILE_ANSWER_ACCEPTED, "accepted"),
                    G_DEFINE_ENUM_VALUE (LT_FILE_ANSWER_REJECTED, "rejected"),
                    G_DEFINE_ENUM_VALUE (LT_FILE_ANSWER_SHARED, "shared"))

G_DEFINE_ENUM_TYPE (LtFileTransfer, lt_file_transfer,
                    G_DEFINE_ENUM_VALUE (LT_FILE_TRANSFER_NONE, "none"),
                    G_DEFINE_ENUM_VALUE (LT_FILE_TRANSFER_RUNNING, "running"),
                    G_DEFINE_ENUM_VALUE (LT_FILE_TRANSFER_DONE, "done"),
                    G_DEFINE_ENUM_VALUE (LT_FILE_TRANSFER_FAILED, "failed"),
                    G_DEFINE_ENUM_VALUE (LT_FILE_TRANSFER_CANCELLED, "cancelled"))

G_DEFINE_FLAGS_TYPE (LtFileActions, lt_file_actions,
                     G_DEFINE_ENUM_VALUE (LT_FILE_ACTION_NONE, "none"),
                     G_DEFINE_ENUM_VALUE (LT_FILE_ACTION_ACCEPT, "accept"),
                     G_DEFINE_ENUM_VALUE (LT_FILE_ACTION_REJECT, "reject"),
                     G_DEFINE_ENUM_VALUE (LT_FILE_ACTION_DOWNLOAD, "download"),
                     G_DEFINE_ENUM_VALUE (LT_FILE_ACTION_CANCEL, "cancel"),
                     G_DEFINE_ENUM_VALUE (LT_FILE_ACTION_OPEN, "open"),
                     G_DEFINE_ENUM_VALUE (LT_FILE_ACTION_SHOW, "show"))

G_DEFINE_FINAL_TYPE (LtFile, lt_file, G_TYPE_OBJECT)

static void
lt_file_finalize (GObject *object)
{
  LtFile *self = LT_FILE (object);

  g_free (self->conversation);
  g_free (self->sender);
  g_free (self->name);
  g_free (self->path);
  g_free (self->error_text);

  G_OBJECT_CLASS (lt_file_parent_class)->finalize (object);
}

static void
lt_file_get_property (GObject    *object,
                      guint       prop_id,
                      GValue     *value,
                      GParamSpec *pspec)
{
  LtFile *self = LT_FILE (object);

  switch (prop_id)
    {
    case PROP_CONVERSATION:
      g_value_set_string (value, self->conversation);
      break;
    case PROP_SENDER:
      g_value_set_string (value, self->sender);
      break;
    case PROP_OWN:
      g_value_set_boolean (value, self->own);
      break;
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    case PROP_FILE_ID:
      g_value_set_uint64 (value, self->file_id);
      break;
    case PROP_MESSAGE_ID:
      g_value_set_uint64 (value, self->message_id);
      break;
    case PROP_TIMESTAMP:
      g_value_set_int64 (value, self->timestamp);
      break;
    case PROP_SIZE:
      g_value_set_uint64 (value, self->size);
      break;
    case PROP_FOLDER:
      g_value_set_boolean (value, self->folder);
      break;
    case PROP_PATH:
      g_value_set_string (value, self->path);
      break;
    case PROP_ANSWER:
      g_value_set_enum (value, self->answer);
      break;
    case PROP_TRANSFER_ID:
      g_value_set_uint64 (value, self->transfer_id);
      break;
    case PROP_TRANSFER:
      g_value_set_enum (value, self->transfer);
      break;
    case PROP_DONE:
      g_value_set_uint64 (value, self->done);
      break;
    case PROP_TOTAL:
      g_value_set_uint64 (value, self->total);
      break;
    case PROP_ERROR_TEXT:
      g_value_set_string (value, self->error_text);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static char *
dup_or_empty (const GValue *value)
{
  const char *s = g_value_get_string (value);

  return g_strdup (s != NULL ? s : "");
}

static void
lt_file_set_property (GObject      *object,
                      guint         prop_id,
                      const GValue *value,
                      GParamSpec   *pspec)
{
  LtFile *self = LT_FILE (object);

  switch (prop_id)
    {
    case PROP_CONVERSATION:
      self->conversation = dup_or_empty (value);
      break;
    case PROP_SENDER:
      self->sender = dup_or_empty (value);
      break;
    case PROP_OWN:
      self->own = g_value_get_boolean (value);
      break;
    case PROP_NAME:
      self->name = dup_or_empty (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lt_file_class_init (LtFileClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags construct = G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS;
  GParamFlags changing = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = lt_file_finalize;
  object_class->get_property = lt_file_get_property;
  object_class->set_property = lt_file_set_property;

  properties[PROP_CONVERSATION] = g_param_spec_string ("conversation", NULL, NULL, "", construct);
  /* Construct-only but for a download known before its file: EXPLICIT_NOTIFY. */
  properties[PROP_SENDER] = g_param_spec_string ("sender", NULL, NULL, "",
                                                 construct | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_OWN] = g_param_spec_boolean ("own", NULL, NULL, FALSE, construct);
  properties[PROP_NAME] = g_param_spec_string ("name", NULL, NULL, "", construct);
  properties[PROP_FILE_ID] = g_param_spec_uint64 ("file-id", NULL, NULL, 0, G_MAXUINT64, 0,
                                                  changing);
  properties[PROP_MESSAGE_ID] = g_param_spec_uint64 ("message-id", NULL, NULL, 0, G_MAXUINT64, 0,
                                                     changing);
  properties[PROP_TIMESTAMP] = g_param_spec_int64 ("timestamp", NULL, NULL, G_MININT64,
                                                   G_MAXINT64, 0, changing);
  properties[PROP_SIZE] = g_param_spec_uint64 ("size", NULL, NULL, 0, G_MAXUINT64, 0, changing);
  properties[PROP_FOLDER] = g_param_spec_boolean ("folder", NULL, NULL, FALSE, changing);
  properties[PROP_PATH] = g_param_spec_string ("path", NULL, NULL, NULL, changing);
  properties[PROP_ANSWER] = g_param_spec_enum ("answer", NULL, NULL, LT_TYPE_FILE_ANSWER,
                                               LT_FILE_ANSWER_OFFERED, changing);
  properties[PROP_TRANSFER_ID] = g_param_spec_uint64 ("transfer-id", NULL, NULL, 0, G_MAXUINT64,
                                                      0, changing);
  properties[PROP_TRANSFER] = g_param_spec_enum ("transfer", NULL, NULL, LT_TYPE_FILE_TRANSFER,
                                                 LT_FILE_TRANSFER_NONE, changing);
  properties[PROP_DONE] = g_param_spec_uint64 ("done", NULL, NULL, 0, G_MAXUINT64, 0, changing);
  properties[PROP_TOTAL] = g_param_spec_uint64 ("total", NULL, NULL, 0, G_MAXUINT64, 0,
                                                changing);
  properties[PROP_ERROR_TEXT] = g_param_spec_string ("error-text", NULL, NULL, NULL, changing);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
lt_file_init (LtFile *self)
{
}

/**
 * lt_file_new:
 * @conversation: a peer's username or a #room
 * @sender: the sender's username
 * @own: whether the sender is the logged-in user
 * @name: the file's or folder's name
 *
 * Returns: (transfer full): a file offered but not answered yet (a
 *   room's: shared), with no transfer
 */
LtFile *
lt_file_new (const char *conversation,
             const char *sender,
             gboolean    own,
             const char *name)
{
  LtFile *self;

  g_return_val_if_fail (conversation != NULL, NULL);

  self = g_object_new (LT_TYPE_FILE, "conversation", conversation, "sender", sender,
                       "own", own, "name", name, NULL);
  if (conversation[0] == '#')
    self->answer = LT_FILE_ANSWER_SHARED;
  return self;
}

/* Setters of the changing properties, each notifying a change only. */
#define DEFINE_SETTER(Type, field, PROP) \
  static gboolean \
  set_##field (LtFile *self, \
               Type    value) \
  { \
    if (self->field == value) \
      return FALSE; \
    self->field = value; \
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP]); \
    return TRUE; \
  }

DEFINE_SETTER (guint64, file_id, PROP_FILE_ID)
DEFINE_SETTER (guint64, message_id, PROP_MESSAGE_ID)
DEFINE_SETTER (gint64, timestamp, PROP_TIMESTAMP)
DEFINE_SETTER (guint64, size, PROP_SIZE)
DEFINE_SETTER (gboolean, folder, PROP_FOLDER)
DEFINE_SETTER (LtFileAnswer, answer, PROP_ANSWER)
DEFINE_SETTER (guint64, transfer_id, PROP_TRANSFER_ID)
DEFINE_SETTER (LtFileTransfer, transfer, PROP_TRANSFER)
DEFINE_SETTER (guint64, done, PROP_DONE)
DEFINE_SETTER (guint64, total, PROP_TOTAL)

static void
set_string (LtFile     *self,
            char      **field,
            const char *value,
            guint       prop)
{
  if (g_strcmp0 (*field, value) == 0)
    return;
  g_free (*field);
  *field = g_strdup (value);
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

const char *
lt_file_get_conversation (LtFile *self)
{
  g_return_val_if_fail (LT_IS_FILE (self), NULL);

  return self->conversation;
}

gboolean
lt_file_is_room (LtFile *self)
{
  g_return_val_if_fail (LT_IS_FILE (self), FALSE);

  return self->conversation[0] == '#';
}

const char *
lt_file_get_sender (LtFile *self)
{
  g_return_val_if_fail (LT_IS_FILE (self), NULL);

  return self->sender;
}

/**
 * lt_file_set_sender_if_unknown:
 * @sender: the sender's username
 *
 * A download that started before the file was known (from the
 * daemon's notification) has no sender until ListFiles or FileOffered
 * tells it.
 */
void
lt_file_set_sender_if_unknown (LtFile     *self,
                               const char *sender)
{
  g_return_if_fail (LT_IS_FILE (self));

  if (*self->sender == '\0' && sender != NULL && *sender != '\0')
    set_string (self, &self->sender, sender, PROP_SENDER);
}

gboolean
lt_file_is_own (LtFile *self)
{
  g_return_val_if_fail (LT_IS_FILE (self), FALSE);

  return self->own;
}

const char *
lt_file_get_name (LtFile *self)
{
  g_return_val_if_fail (LT_IS_FILE (self), NULL);

  return self->name;
}

guint64
lt_file_get_file_id (LtFile *self)
{
  g_return_val_if_fail (LT_IS_FILE (self), 0);

  return self->file_id;
}

void
lt_file_set_file_id (LtFile *self,
                     guint64 file_id)
{
  g_return_if_fail (LT_IS_FILE (self));

  set_file_id (self, file_id);
}

guint64
lt_file_get_message_id (LtFile *self)
{
  g_return_val_if_fail (LT_IS_FILE (self), 0);

  return self->message_id;
}

void
lt_file_set_message_id (LtFile *self,
                        guint64 message_id)
{
  g_return_if_fail (LT_IS_FILE (self));

  set_message_id (self, message_id);
}

gint64
lt_file_get_timestamp (LtFile *self)
{
  g_return_val_if_fail (LT_IS_FILE (self), 0);

  return self->timestamp;
}

void
lt_file_set_timestamp (LtFile *self,
                       gint64  timestamp)
{
  g_return_if_fail (LT_IS_FILE (self));

  set_timestamp (self, timestamp);
}

guint64
lt_file_get_size (LtFile *self)
{
  g_return_val_if_fail (LT_IS_FILE (self), 0);

  return self->size;
}

void
lt_file_set_size (LtFile *self,
                  guint64 size)
{
  g_return_if_fail (LT_IS_FILE (self));

  set_size (self, size);
}

gboolean
lt_file_is_folder (LtFile *self)
{
  g_return_val_if_fail (LT_IS_FILE (self), FALSE);

  return self->folder;
}

void
lt_file_set_folder (LtFile  *self,
                    gboolean folder)
{
  g_return_if_fail (LT_IS_FILE (self));

  set_folder (self, !!folder);
}

/**
 * lt_file_get_path:
 *
 * Returns: (nullable): where the file is on this computer: where it
 *   was downloaded to, or sent from; %NULL if it is not here
 */
const char *
lt_file_get_path (LtFile *self)
{
  g_return_val_if_fail (LT_IS_FILE (self), NULL);

  return self->path;
}

/**
 * lt_file_set_path:
 * @path: (nullable): an absolute path; %NULL or "" for none
 */
void
lt_file_set_path (LtFile     *self,
                  const char *path)
{
  g_return_if_fail (LT_IS_FILE (self));

  set_string (self, &self->path, path != NULL && *path != '\0' ? path : NULL, PROP_PATH);
}

LtFileAnswer
lt_file_get_answer (LtFile *self)
{
  g_return_val_if_fail (LT_IS_FILE (self), LT_FILE_ANSWER_OFFERED);

  return self->answer;
}

void
lt_file_set_answer (LtFile      *self,
                    LtFileAnswer answer)
{
  g_return_if_fail (LT_IS_FILE (self));

  set_answer (self, answer);
}

/**
 * lt_file_set_answer_from_string:
 * @answer: a state of ListFiles: "offered", "accepted", "rejected" or
 *   "shared"
 *
 * Returns: %FALSE, changing nothing, for anything else
 */
gboolean
lt_file_set_answer_from_string (LtFile     *self,
                                const char *answer)
{
  g_autoptr(GEnumClass) enum_class = g_type_class_ref (LT_TYPE_FILE_ANSWER);
  GEnumValue *value;

  g_return_val_if_fail (LT_IS_FILE (self), FALSE);

  value = answer != NULL ? g_enum_get_value_by_nick (enum_class, answer) : NULL;
  if (value == NULL)
    return FALSE;
  set_answer (self, value->value);
  return TRUE;
}

guint64
lt_file_get_transfer_id (LtFile *self)
{
  g_return_val_if_fail (LT_IS_FILE (self), 0);

  return self->transfer_id;
}

LtFileTransfer
lt_file_get_transfer (LtFile *self)
{
  g_return_val_if_fail (LT_IS_FILE (self), LT_FILE_TRANSFER_NONE);

  return self->transfer;
}

guint64
lt_file_get_done (LtFile *self)
{
  g_return_val_if_fail (LT_IS_FILE (self), 0);

  return self->done;
}

guint64
lt_file_get_total (LtFile *self)
{
  g_return_val_if_fail (LT_IS_FILE (self), 0);

  return self->total;
}

/**
 * lt_file_get_fraction:
 *
 * Returns: how much of the transfer is done, 0 to 1; 1 once it is done
 */
double
lt_file_get_fraction (LtFile *self)
{
  g_return_val_if_fail (LT_IS_FILE (self), 0);

  if (self->transfer == LT_FILE_TRANSFER_DONE)
    return 1;
  if (self->total == 0)
    return 0;
  return MIN (1.0, (double) self->done / (double) self->total);
}

/**
 * lt_file_get_error_text:
 *
 * Returns: (nullable): why the last transfer failed, in words for the
 *   person; %NULL unless it failed
 */
const char *
lt_file_get_error_text (LtFile *self)
{
  g_return_val_if_fail (LT_IS_FILE (self), NULL);

  return self->error_text;
}

/**
 * lt_file_start_transfer:
 * @transfer_id: what SendFile or AcceptFile returned
 *
 * An upload or a download of the file runs, from nothing done; the
 * same transfer again changes nothing.
 */
void
lt_file_start_transfer (LtFile *self,
                        guint64 transfer_id)
{
  g_return_if_fail (LT_IS_FILE (self));
  g_return_if_fail (transfer_id > 0);

  if (self->transfer_id == transfer_id && self->transfer == LT_FILE_TRANSFER_RUNNING)
    return;

  g_object_freeze_notify (G_OBJECT (self));
  set_transfer_id (self, transfer_id);
  set_done (self, 0);
  set_string (self, &self->error_text, NULL, PROP_ERROR_TEXT);
  self->cancelling = FALSE;
  set_transfer (self, LT_FILE_TRANSFER_RUNNING);
  g_object_thaw_notify (G_OBJECT (self));
}

/**
 * lt_file_set_progress:
 * @done: bytes moved so far
 * @total: the bytes to move
 */
void
lt_file_set_progress (LtFile *self,
                      guint64 done,
                      guint64 total)
{
  g_return_if_fail (LT_IS_FILE (self));

  g_object_freeze_notify (G_OBJECT (self));
  set_total (self, total);
  set_done (self, done);
  g_object_thaw_notify (G_OBJECT (self));
}

/**
 * lt_file_finish_transfer:
 * @ok: whether every byte arrived
 * @error_text: (nullable): why not, for people
 *
 * The transfer is over: done, or failed, or cancelled when the person
 * had asked for it (lt_file_cancel_transfer()).
 */
void
lt_file_finish_transfer (LtFile     *self,
                         gboolean    ok,
                         const char *error_text)
{
  LtFileTransfer transfer;

  g_return_if_fail (LT_IS_FILE (self));

  if (ok)
    transfer = LT_FILE_TRANSFER_DONE;
  else if (self->cancelling)
    transfer = LT_FILE_TRANSFER_CANCELLED;
  else
    transfer = LT_FILE_TRANSFER_FAILED;

  g_object_freeze_notify (G_OBJECT (self));
  if (ok)
    set_done (self, self->total);
  set_string (self, &self->error_text,
              transfer == LT_FILE_TRANSFER_FAILED
                ? (error_text != NULL && *error_text != '\0' ? error_text : _("Unknown error"))
                : NULL,
              PROP_ERROR_TEXT);
  self->cancelling = FALSE;
  set_transfer (self, transfer);
  g_object_thaw_notify (G_OBJECT (self));
}

/**
 * lt_file_cancel_transfer:
 *
 * The person asked to stop the running transfer: its end (from
 * TransferFinished) is a cancellation, not a failure.
 */
void
lt_file_cancel_transfer (LtFile *self)
{
  g_return_if_fail (LT_IS_FILE (self));

  if (self->transfer == LT_FILE_TRANSFER_RUNNING)
    self->cancelling = TRUE;
}

static gboolean
is_here (LtFile *self)
{
  return self->path != NULL && self->transfer != LT_FILE_TRANSFER_FAILED
         && self->transfer != LT_FILE_TRANSFER_CANCELLED;
}

/**
 * lt_file_get_actions:
 *
 * Returns: what the person can do with the file now
 */
LtFileActions
lt_file_get_actions (LtFile *self)
{
  g_return_val_if_fail (LT_IS_FILE (self), LT_FILE_ACTION_NONE);

  if (self->transfer == LT_FILE_TRANSFER_RUNNING)
    return LT_FILE_ACTION_CANCEL;
  if (is_here (self))
    return LT_FILE_ACTION_OPEN | LT_FILE_ACTION_SHOW;
  if (self->own || self->file_id == 0)
    return LT_FILE_ACTION_NONE;

  switch (self->answer)
    {
    case LT_FILE_ANSWER_OFFERED:
      return LT_FILE_ACTION_ACCEPT | LT_FILE_ACTION_REJECT;
    case LT_FILE_ANSWER_ACCEPTED:
    case LT_FILE_ANSWER_SHARED:
      return LT_FILE_ACTION_DOWNLOAD;
    case LT_FILE_ANSWER_REJECTED:
      return LT_FILE_ACTION_NONE;
    default:
      g_assert_not_reached ();
    }
}

static char *
dup_progress (LtFile *self)
{
  g_autofree char *done = NULL;
  g_autofree char *total = NULL;

  if (self->total == 0)
    return g_strdup (self->own ? _("Preparing…") : _("Waiting…"));

  done = g_format_size (self->done);
  total = g_format_size (self->total);
  if (self->own)
    /* Translators: an upload's progress, e.g. "Uploading 1.2 MB of 5.0 MB". */
    return g_strdup_printf (_("Uploading %s of %s"), done, total);
  /* Translators: a download's progress, e.g. "Downloading 1.2 MB of 5.0 MB". */
  return g_strdup_printf (_("Downloading %s of %s"), done, total);
}

/* The answer, as the sender sees it. */
static char *
dup_own_status (LtFile *self)
{
  switch (self->answer)
    {
    case LT_FILE_ANSWER_OFFERED:
      if (self->file_id == 0)
        return g_strdup ("");
      /* Translators: under a file sent to someone; %s is their username. */
      return g_strdup_printf (_("Waiting for %s to accept"), self->conversation);
    case LT_FILE_ANSWER_ACCEPTED:
      /* Translators: under a file sent to someone; %s is their username. */
      return g_strdup_printf (_("Accepted by %s"), self->conversation);
    case LT_FILE_ANSWER_REJECTED:
      /* Translators: under a file sent to someone; %s is their username. */
      return g_strdup_printf (_("Rejected by %s"), self->conversation);
    case LT_FILE_ANSWER_SHARED:
      /* Translators: under a file sent to a room; %s is the room ("#lobby"). */
      return g_strdup_printf (_("Shared in %s"), self->conversation);
    default:
      g_assert_not_reached ();
    }
}

/* The answer, as a recipient sees it. */
static char *
dup_other_status (LtFile *self)
{
  if (is_here (self))
    return g_strdup (_("Downloaded"));

  switch (self->answer)
    {
    case LT_FILE_ANSWER_OFFERED:
      return g_strdup (_("Accept to download it to your Downloads folder"));
    case LT_FILE_ANSWER_ACCEPTED:
      return g_strdup (_("Accepted, not downloaded here"));
    case LT_FILE_ANSWER_REJECTED:
      return g_strdup (_("You rejected this file"));
    case LT_FILE_ANSWER_SHARED:
      return g_strdup (_("Not downloaded yet"));
    default:
      g_assert_not_reached ();
    }
}

/**
 * lt_file_dup_status:
 *
 * Returns: (transfer full): what the file's card says about where it
 *   stands, in words for the person, "" for nothing
 */
char *
lt_file_dup_status (LtFile *self)
{
  g_return_val_if_fail (LT_IS_FILE (self), NULL);

  switch (self->transfer)
    {
    case LT_FILE_TRANSFER_RUNNING:
      return dup_progress (self);
    case LT_FILE_TRANSFER_FAILED:
      /* Translators: a transfer that failed; %s says why. */
      return g_strdup_printf (self->own ? _("Upload failed: %s") : _("Download failed: %s"),
                              self->error_text);
    case LT_FILE_TRANSFER_CANCELLED:
      return g_strdup (self->own ? _("Upload cancelled") : _("Download cancelled"));
    case LT_FILE_TRANSFER_NONE:
    case LT_FILE_TRANSFER_DONE:
      return self->own ? dup_own_status (self) : dup_other_status (self);
    default:
      g_assert_not_reached ();
    }
}

/**
 * lt_file_dup_details:
 *
 * Returns: (transfer full): the size (a folder's: "Folder, 3.1 MB")
 *   and the sender, for under the file's name
 */
char *
lt_file_dup_details (LtFile *self)
{
  g_autofree char *size = NULL;
  g_autofree char *what = NULL;

  g_return_val_if_fail (LT_IS_FILE (self), NULL);

  /* Before the daemon has looked at an upload, its size is unknown. */
  if (self->size == 0 && self->file_id == 0)
    return g_strdup (self->sender);

  size = g_format_size (self->size);
  /* Translators: the size of a folder that was sent, e.g. "Folder, 3.1 MB". */
  what = self->folder ? g_strdup_printf (_("Folder, %s"), size) : g_steal_pointer (&size);
  /* Translators: under a file's name: its size, then who sent it, e.g.
   * "3.1 MB · alice". */
  return g_strdup_printf (_("%s · %s"), what, self->sender);
}

/**
 * lt_file_dup_icon:
 *
 * Returns: (transfer full): a folder's icon, or the icon of the file's
 *   type as its name suggests
 */
GIcon *
lt_file_dup_icon (LtFile *self)
{
  g_autofree char *content_type = NULL;

  g_return_val_if_fail (LT_IS_FILE (self), NULL);

  if (self->folder)
    return g_themed_icon_new ("folder");
  content_type = g_content_type_guess (self->name, NULL, 0, NULL);
  return g_content_type_get_icon (content_type);
}
