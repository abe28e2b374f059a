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

typedef struct
{
  gint64 id;
  gint64 ts; /* ms since the Unix epoch */
  char *from;
  char *nickname; /* of the sender */
  char *to; /* a username or a "#room" */
  char *text;
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
LtUserName *lt_user_name_new (const char *username,
                              const char *nickname);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LtUser, lt_user_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LtMessage, lt_message_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LtRoom, lt_room_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LtUserName, lt_user_name_free)

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

G_END_DECLS
