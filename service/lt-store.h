/* SPDX-License-Identifier: GPL-3.0-or-later */
/* lt-store.h: the storage interface of liaotian-server.
 *
 * Every operation is synchronous and is called from one thread only:
 * the LtStoreWorker thread, which batches jobs into one transaction
 * (group commit) and gives each job a savepoint.  A backend implements
 * the vfuncs; SQLite (LtSqliteStore) is the embedded default and a
 * PostgreSQL backend can implement the same table of operations.
 *
 * Errors are LT_PROTOCOL_ERROR codes when the client is at fault
 * (LT_PROTOCOL_ERROR_USERNAME_TAKEN, ...) and LT_STORE_ERROR otherwise. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef enum
{
  LT_STORE_ERROR_FAILED,
  LT_STORE_ERROR_CORRUPT,
  LT_STORE_ERROR_TOO_NEW,
} LtStoreError;

#define LT_STORE_ERROR (lt_store_error_quark ())
GQuark lt_store_error_quark (void);

typedef struct
{
  char *username;
  char *nickname;
  char *email;
  char *phone; /* nullable */
  char *password_hash;
  gint64 created; /* ms since the Unix epoch */
} LtUser;

/* What an offer of a file or folder is going through. */
typedef enum
{
  LT_FILE_STATE_DESCRIBING, /* a folder whose entries are still coming */
  LT_FILE_STATE_UPLOADING,
  LT_FILE_STATE_COMPLETE, /* verified and announced */
  LT_FILE_STATE_CANCELLED, /* withdrawn by the sender, or dropped as stale */
} LtFileState;

/* The recipient's answer to a private file. */
typedef enum
{
  LT_FILE_ANSWER_NONE,
  LT_FILE_ANSWER_ACCEPTED,
  LT_FILE_ANSWER_REJECTED,
} LtFileAnswer;

/* Who wants to do what with a file: see lt_store_open_file(). */
typedef enum
{
  LT_FILE_ACCESS_SEND, /* its sender, before it is complete */
  LT_FILE_ACCESS_RECEIVE, /* someone who may download it */
  LT_FILE_ACCESS_ANSWER, /* the recipient of a private file */
} LtFileAccess;

typedef struct
{
  gint64 id;
  char *from;
  char *to; /* a username or a "#room" */
  char *name; /* a safe base name */
  gint64 size; /* of a folder: the sum of its files */
  char *sha256; /* NULL for a folder */
  gboolean folder;
  guint n_entries;
  LtFileState state;
  LtFileAnswer answer;
  gint64 message_id; /* of its announcement; 0 before */
} LtFile;

/* A file of an offer: the one file of a file offer (its path is the
 * name), or a file or directory of a folder. */
typedef struct
{
  guint index;
  char *path;
  gint64 size; /* 0 for a directory */
  char *sha256; /* NULL for a directory */
  gboolean done; /* all its bytes arrived and were verified */
} LtFileEntry;

/* The limits an offer is checked against. */
typedef struct
{
  gint64 max_size;
  gint64 quota;
  guint max_entries;
} LtFileLimits;

typedef struct
{
  gint64 id;
  gint64 ts; /* ms since the Unix epoch */
  char *from;
  char *nickname; /* of the sender */
  char *to; /* a username or a "#room" */
  char *text; /* of a file's announcement: its name */
  LtFile *file; /* NULL for a text message */
} LtMessage;

typedef struct
{
  char *name; /* "#room" */
  char *topic; /* never NULL, may be empty */
  guint members;
  gboolean joined;
} LtRoom;

typedef struct
{
  char *username;
  char *nickname;
} LtUserName;

void lt_user_free (LtUser *user);
void lt_message_free (LtMessage *message);
void lt_room_free (LtRoom *room);
void lt_user_name_free (LtUserName *name);
void lt_file_free (LtFile *file);
void lt_file_entry_free (LtFileEntry *entry);
LtFileEntry *lt_file_entry_new (const char *path,
                                gint64      size,
                                const char *sha256);
LtUserName *lt_user_name_new (const char *username,
                              const char *nickname);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LtUser, lt_user_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LtMessage, lt_message_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LtRoom, lt_room_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LtUserName, lt_user_name_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LtFile, lt_file_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LtFileEntry, lt_file_entry_free)

#define LT_TYPE_STORE (lt_store_get_type ())
G_DECLARE_INTERFACE (LtStore, lt_store, LT, STORE, GObject)

struct _LtStoreInterface
{
  GTypeInterface parent_iface;

  /* Transactions: one per batch, a savepoint per job.  savepoint fails
   * when no transaction is open: a backend may end one by itself after
   * an I/O error, and no job may then commit on its own. */
  gboolean (*begin) (LtStore *self, GError **error);
  gboolean (*commit) (LtStore *self, GError **error);
  void (*rollback) (LtStore *self);
  gboolean (*savepoint) (LtStore *self, GError **error);
  gboolean (*release_savepoint) (LtStore *self, GError **error);
  void (*rollback_to_savepoint) (LtStore *self);

  /* Accounts.  create_user also makes the user a member of #lobby;
   * the taken-checks are in the order username, nickname, email.
   * lookup_user* return NULL without an error when there is none. */
  gboolean (*create_user) (LtStore *self, const LtUser *user, GError **error);
  LtUser *(*lookup_user) (LtStore *self, const char *username, GError **error);
  LtUser *(*lookup_user_by_email) (LtStore *self, const char *email, GError **error);
  gboolean (*set_password_hash) (LtStore *self, const char *username, const char *hash,
                                 GError **error);

  /* Password reset tokens, stored as a hash of the token.  A new token
   * replaces the user's older ones.  consume: TRUE when a token with that
   * hash exists for the user and expires after @now; it is deleted (used
   * once).  FALSE without an error when there is none. */
  gboolean (*add_reset_token) (LtStore *self, const char *username, const char *token_hash,
                               gint64 expires, GError **error);
  gboolean (*consume_reset_token) (LtStore *self, const char *username, const char *token_hash,
                                   gint64 now, GError **error);

  /* Messages.  @to is a username or a "#room".  When @client_id is not
   * NULL and the sender already sent a message with it, the first
   * message's id and ts are returned, *duplicate is TRUE and nothing is
   * stored.  Errors: NO_SUCH_USER for an unknown recipient, NO_SUCH_ROOM,
   * NOT_IN_ROOM when the sender is not a member.  ids are global and
   * strictly increasing. */
  gboolean (*add_message) (LtStore *self, const char *from, const char *to, const char *text,
                           gint64 ts, const char *client_id, gint64 *id, gint64 *ts_out,
                           gboolean *duplicate, GError **error);
  /* Private messages to @username with an id above its cursor and
   * above @after_id (to page through them), oldest first, at most
   * @limit (0: no limit). */
  GPtrArray *(*list_pending) (LtStore *self, const char *username, gint64 after_id, guint limit,
                              GError **error);
  gboolean (*count_pending) (LtStore *self, const char *username, guint *count, GError **error);
  /* Moves the cursor forward to @up_to (never backwards, never past the
   * newest message id). */
  gboolean (*ack) (LtStore *self, const char *username, gint64 up_to, GError **error);
  /* The conversation of @username with @with (a username or a "#room"),
   * newest first, ids below @before (0: from the newest), at most
   * @limit; *more is TRUE when older ones exist.  Errors: NO_SUCH_USER,
   * NO_SUCH_ROOM, NOT_IN_ROOM. */
  GPtrArray *(*history) (LtStore *self, const char *username, const char *with, gint64 before,
                         guint limit, gboolean *more, GError **error);

  /* Rooms.  Errors: ROOM_EXISTS, NO_SUCH_ROOM, NOT_IN_ROOM (leave). */
  gboolean (*create_room) (LtStore *self, const char *room, const char *topic,
                           const char *creator, GError **error);
  /* *changed is FALSE when the user was already (or no longer) a member. */
  gboolean (*join_room) (LtStore *self, const char *room, const char *username,
                         gboolean *changed, GError **error);
  gboolean (*leave_room) (LtStore *self, const char *room, const char *username,
                          GError **error);
  /* Every room, by name, with its member count and whether @username
   * is a member. */
  GPtrArray *(*list_rooms) (LtStore *self, const char *username, GError **error);
  /* Names of the rooms @username belongs to, sorted, "#lobby" first. */
  GStrv (*list_user_rooms) (LtStore *self, const char *username, GError **error);
  /* Usernames of the members of @room; NO_SUCH_ROOM. */
  GStrv (*list_room_members) (LtStore *self, const char *room, GError **error);

  /* Friends: mutual.  Errors: NO_SUCH_USER, ALREADY_FRIENDS; remove
   * fails with NO_SUCH_USER when they were not friends. */
  gboolean (*add_friend) (LtStore *self, const char *username, const char *friend_name,
                          GError **error);
  gboolean (*remove_friend) (LtStore *self, const char *username, const char *friend_name,
                             GError **error);
  /* LtUserName of each friend, by username. */
  GPtrArray *(*list_friends) (LtStore *self, const char *username, GError **error);

  /* Files.  add_file stores the offer @file (from, to, name, size,
   * sha256, folder; id is filled in) with its LtFileEntry @entries, in
   * state DESCRIBING when @more entries will follow, else UPLOADING.
   * Errors: NO_SUCH_USER, NO_SUCH_ROOM, NOT_IN_ROOM, FILE_TOO_LARGE,
   * QUOTA_EXCEEDED (the sender's offers that are not cancelled would
   * pass the quota), INVALID_PARAMS (a path twice, too many entries). */
  gboolean (*add_file) (LtStore *self, LtFile *file, GPtrArray *entries, gboolean more,
                        const LtFileLimits *limits, GError **error);
  /* The next page of a DESCRIBING offer of @sender; the same errors. */
  gboolean (*add_file_entries) (LtStore *self, gint64 file_id, const char *sender,
                                GPtrArray *entries, gboolean more, const LtFileLimits *limits,
                                GError **error);
  /* The file @id if @username may do @access with it.  Errors:
   * NO_SUCH_FILE (unknown, or not one @username may see),
   * FILE_UNAVAILABLE (in the wrong state, or rejected), NOT_IN_ROOM. */
  LtFile *(*open_file) (LtStore *self, gint64 id, const char *username, LtFileAccess access,
                        GError **error);
  /* NULL without an error when there is no such entry. */
  LtFileEntry *(*lookup_file_entry) (LtStore *self, gint64 file_id, guint index, GError **error);
  GPtrArray *(*list_file_entries) (LtStore *self, gint64 file_id, gint64 after, guint limit,
                                   gboolean *more, GError **error);
  /* Marks an entry done.  When it was the last one missing, the offer
   * becomes COMPLETE and its announcement is stored as a message of
   * the conversation at @ts, returned in *announcement (else NULL). */
  gboolean (*finish_file_entry) (LtStore *self, gint64 file_id, guint index, gint64 ts,
                                 LtMessage **announcement, GError **error);
  /* Records upload activity at @now: offers idle for long are stale. */
  gboolean (*touch_file) (LtStore *self, gint64 file_id, gint64 now, GError **error);
  /* Cancels an offer that is not COMPLETE: FILE_UNAVAILABLE otherwise. */
  gboolean (*cancel_file) (LtStore *self, gint64 file_id, GError **error);
  gboolean (*answer_file) (LtStore *self, gint64 file_id, LtFileAnswer answer, GError **error);
  /* Offers not COMPLETE nor CANCELLED without activity since @before. */
  GPtrArray *(*list_stale_files) (LtStore *self, gint64 before, GError **error);
  /* The complete files of a conversation, as for history. */
  GPtrArray *(*list_files) (LtStore *self, const char *username, const char *with, gint64 before,
                            guint limit, gboolean *more, GError **error);
};

gboolean lt_store_begin (LtStore *self, GError **error);
gboolean lt_store_commit (LtStore *self, GError **error);
void lt_store_rollback (LtStore *self);
gboolean lt_store_savepoint (LtStore *self, GError **error);
gboolean lt_store_release_savepoint (LtStore *self, GError **error);
void lt_store_rollback_to_savepoint (LtStore *self);

gboolean lt_store_create_user (LtStore *self, const LtUser *user, GError **error);
LtUser *lt_store_lookup_user (LtStore *self, const char *username, GError **error);
LtUser *lt_store_lookup_user_by_email (LtStore *self, const char *email, GError **error);
gboolean lt_store_set_password_hash (LtStore *self, const char *username, const char *hash,
                                     GError **error);
gboolean lt_store_add_reset_token (LtStore *self, const char *username, const char *token_hash,
                                   gint64 expires, GError **error);
gboolean lt_store_consume_reset_token (LtStore *self, const char *username,
                                       const char *token_hash, gint64 now, GError **error);
gboolean lt_store_add_message (LtStore *self, const char *from, const char *to, const char *text,
                               gint64 ts, const char *client_id, gint64 *id, gint64 *ts_out,
                               gboolean *duplicate, GError **error);
GPtrArray *lt_store_list_pending (LtStore *self, const char *username, gint64 after_id,
                                  guint limit, GError **error);
gboolean lt_store_count_pending (LtStore *self, const char *username, guint *count,
                                 GError **error);
gboolean lt_store_ack (LtStore *self, const char *username, gint64 up_to, GError **error);
GPtrArray *lt_store_history (LtStore *self, const char *username, const char *with,
                             gint64 before, guint limit, gboolean *more, GError **error);
gboolean lt_store_create_room (LtStore *self, const char *room, const char *topic,
                               const char *creator, GError **error);
gboolean lt_store_join_room (LtStore *self, const char *room, const char *username,
                             gboolean *changed, GError **error);
gboolean lt_store_leave_room (LtStore *self, const char *room, const char *username,
                              GError **error);
GPtrArray *lt_store_list_rooms (LtStore *self, const char *username, GError **error);
GStrv lt_store_list_user_rooms (LtStore *self, const char *username, GError **error);
GStrv lt_store_list_room_members (LtStore *self, const char *room, GError **error);
gboolean lt_store_add_friend (LtStore *self, const char *username, const char *friend_name,
                              GError **error);
gboolean lt_store_remove_friend (LtStore *self, const char *username, const char *friend_name,
                                 GError **error);
GPtrArray *lt_store_list_friends (LtStore *self, const char *username, GError **error);
gboolean lt_store_add_file (LtStore *self, LtFile *file, GPtrArray *entries, gboolean more,
                            const LtFileLimits *limits, GError **error);
gboolean lt_store_add_file_entries (LtStore *self, gint64 file_id, const char *sender,
                                    GPtrArray *entries, gboolean more,
                                    const LtFileLimits *limits, GError **error);
LtFile *lt_store_open_file (LtStore *self, gint64 id, const char *username, LtFileAccess access,
                            GError **error);
LtFileEntry *lt_store_lookup_file_entry (LtStore *self, gint64 file_id, guint index,
                                         GError **error);
GPtrArray *lt_store_list_file_entries (LtStore *self, gint64 file_id, gint64 after, guint limit,
                                       gboolean *more, GError **error);
gboolean lt_store_finish_file_entry (LtStore *self, gint64 file_id, guint index, gint64 ts,
                                     LtMessage **announcement, GError **error);
gboolean lt_store_touch_file (LtStore *self, gint64 file_id, gint64 now, GError **error);
gboolean lt_store_cancel_file (LtStore *self, gint64 file_id, GError **error);
gboolean lt_store_answer_file (LtStore *self, gint64 file_id, LtFileAnswer answer,
                               GError **error);
GPtrArray *lt_store_list_stale_files (LtStore *self, gint64 before, GError **error);
GPtrArray *lt_store_list_files (LtStore *self, const char *username, const char *with,
                                gint64 before, guint limit, gboolean *more, GError **error);

G_END_DECLS
