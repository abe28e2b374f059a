/* SPDX-License-Identifier: GPL-3.0-or-later */
/* lt-sqlite-store.c: LtStore on one SQLite database file.
 *
 * Durability: the journal is a write-ahead log with synchronous=FULL, so
 * COMMIT returns only once the log is fsync()ed and an acknowledged
 * message survives a power loss (NORMAL would only survive a crash of
 * the process).  The worker groups many jobs into one commit, which is
 * what keeps the fsync rate bearable.
 *
 * Statements: all SQL is constant and listed in statement_sql[], run
 * through common/lt-sqlite.c: prepared once, kept until the store
 * closes, values always bound as parameters, never spliced into SQL.
 *
 * Schema: migrations[] below, constant scripts that the store runs
 * when it opens an older database, tracked in PRAGMA user_version. */
#include "config.h"

#include "lt-sqlite-store-private.h"

#include "lt-protocol.h"
#include "lt-sqlite.h"

#include <string.h>

/* migrations[v] takes a database from user_version v to v + 1 and sets
 * user_version itself (PRAGMA values cannot be bound), so the schema
 * version of this code is G_N_ELEMENTS (migrations).  Released entries
 * are never edited: a change to the schema appends an entry.
 *
 * Version 1:
 * - users.email is stored lowercased by the store, which makes UNIQUE
 *   compare emails without case.
 * - friendships holds both directions of each friendship, so a user's
 *   friends are one range of the primary key; add and remove write both
 *   rows in one statement.
 * - Every user is a member of #lobby and the creator of a room a member
 *   of it: triggers keep that true within the inserting statement.
 * - messages holds private and room messages; its AUTOINCREMENT id is the
 *   global, never reused message id.  conversation is "#room" for a room
 *   and "alice\nbob" (the two usernames sorted) for a private
 *   conversation, so history is one range of messages_by_conversation.
 *   messages_pending indexes private messages only (room messages are
 *   never pending), which is why the pending queries repeat its WHERE.
 * - reset_tokens has one row per user: a new token replaces the old.
 *
 * Version 2, files:
 * - files has one row per offer of a file or folder, file_entries one
 *   per file (or directory) in it; a single file is one entry named
 *   like the file.  files.size is the offer's total, which the quota
 *   adds up per sender (files_by_sender).
 * - A complete offer is announced by a message whose file_id points to
 *   it, so it is pending, pushed, acknowledged and listed in history
 *   like any message; messages_files lists a conversation's files.
 * - files_unfinished finds the offers whose upload went stale. */
/* LtFileState in SQL: files.state < 2 is an offer still uploading. */
#define FILE_STATE_COMPLETE "2"
#define FILE_STATE_CANCELLED "3"
G_STATIC_ASSERT (LT_FILE_STATE_COMPLETE == 2 && LT_FILE_STATE_CANCELLED == 3);

static const char *const migrations[] = {
  "CREATE TABLE users ("
  "  username TEXT PRIMARY KEY NOT NULL,"
  "  nickname TEXT NOT NULL UNIQUE,"
  "  email TEXT NOT NULL UNIQUE,"
  "  phone TEXT,"
  "  password_hash TEXT NOT NULL,"
  "  created INTEGER NOT NULL"
  ");"
  "CREATE TABLE friendships ("
  "  username TEXT NOT NULL REFERENCES users (username),"
  "  friend TEXT NOT NULL REFERENCES users (username),"
  "  PRIMARY KEY (username, friend)"
  ") WITHOUT ROWID;"
  "CREATE TABLE rooms ("
  "  name TEXT PRIMARY KEY NOT NULL,"
  "  topic TEXT NOT NULL DEFAULT '',"
  "  created INTEGER NOT NULL,"
  "  creator TEXT REFERENCES users (username)"
  ");"
  "CREATE TABLE room_members ("
  "  room TEXT NOT NULL REFERENCES rooms (name),"
  "  username TEXT NOT NULL REFERENCES users (username),"
  "  PRIMARY KEY (room, username)"
  ") WITHOUT ROWID;"
  "CREATE INDEX room_members_by_user ON room_members (username, room);"
  "CREATE TABLE messages ("
  "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  ts INTEGER NOT NULL,"
  "  sender TEXT NOT NULL REFERENCES users (username),"
  "  recipient TEXT NOT NULL,"
  "  conversation TEXT NOT NULL,"
  "  text TEXT NOT NULL"
  ");"
  "CREATE INDEX messages_by_conversation ON messages (conversation, id);"
  "CREATE INDEX messages_pending ON messages (recipient, id)"
  "  WHERE substr (recipient, 1, 1) <> '#';"
  "CREATE TABLE delivery_cursors ("
  "  username TEXT PRIMARY KEY NOT NULL REFERENCES users (username),"
  "  last_acked INTEGER NOT NULL"
  ") WITHOUT ROWID;"
  "CREATE TABLE reset_tokens ("
  "  username TEXT PRIMARY KEY NOT NULL REFERENCES users (username),"
  "  token_hash TEXT NOT NULL,"
  "  expires INTEGER NOT NULL"
  ") WITHOUT ROWID;"
  "CREATE TABLE idempotency_keys ("
  "  username TEXT NOT NULL REFERENCES users (username),"
  "  client_id TEXT NOT NULL,"
  "  message_id INTEGER NOT NULL REFERENCES messages (id),"
  "  PRIMARY KEY (username, client_id)"
  ") WITHOUT ROWID;"
  "CREATE TRIGGER users_join_lobby AFTER INSERT ON users BEGIN"
  "  INSERT INTO room_members (room, username) VALUES ('" LT_LOBBY "', NEW.username);"
  "END;"
  "CREATE TRIGGER rooms_join_creator AFTER INSERT ON rooms WHEN NEW.creator IS NOT NULL BEGIN"
  "  INSERT INTO room_members (room, username) VALUES (NEW.name, NEW.creator);"
  "END;"
  "INSERT INTO rooms (name, created)"
  "  VALUES ('" LT_LOBBY "', CAST ((julianday ('now') - 2440587.5) * 86400000 AS INTEGER));"
  "PRAGMA user_version = 1;",

  "CREATE TABLE files ("
  "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  sender TEXT NOT NULL REFERENCES users (username),"
  "  recipient TEXT NOT NULL,"
  "  name TEXT NOT NULL,"
  "  size INTEGER NOT NULL,"
  "  sha256 TEXT,"
  "  folder INTEGER NOT NULL,"
  "  entries INTEGER NOT NULL,"
  "  state INTEGER NOT NULL,"
  "  answer INTEGER NOT NULL DEFAULT 0,"
  "  message_id INTEGER REFERENCES messages (id),"
  "  created INTEGER NOT NULL,"
  "  updated INTEGER NOT NULL"
  ");"
  "CREATE INDEX files_by_sender ON files (sender, state);"
  "CREATE INDEX files_unfinished ON files (updated) WHERE state < " FILE_STATE_COMPLETE ";"
  "CREATE TABLE file_entries ("
  "  file_id INTEGER NOT NULL REFERENCES files (id),"
  "  idx INTEGER NOT NULL,"
  "  path TEXT NOT NULL,"
  "  size INTEGER NOT NULL,"
  "  sha256 TEXT,"
  "  done INTEGER NOT NULL,"
  "  PRIMARY KEY (file_id, idx),"
  "  UNIQUE (file_id, path)"
  ") WITHOUT ROWID;"
  "ALTER TABLE messages ADD COLUMN file_id INTEGER REFERENCES files (id);"
  "CREATE INDEX messages_files ON messages (conversation, id) WHERE file_id IS NOT NULL;"
  "PRAGMA user_version = 2;",
};

#define USER_COLUMNS "SELECT username, nickname, email, phone, password_hash, created FROM users "

/* The columns lt_sqlite_store_file_from_row() reads. */
#define FILE_COLUMNS                                                                  \
  "f.id, f.sender, f.recipient, f.name, f.size, f.sha256, f.folder, f.entries, f.state, " \
  "f.answer, f.message_id "

/* The columns lt_sqlite_store_message_from_row() reads; the file
 * columns are NULL for a text message. */
#define MESSAGE_COLUMNS                                                \
  "SELECT m.id, m.ts, m.sender, u.nickname, m.recipient, m.text, " FILE_COLUMNS \
  "FROM messages AS m JOIN users AS u ON u.username = m.sender "       \
  "LEFT JOIN files AS f ON f.id = m.file_id "

#define FILE_ENTRY_COLUMNS "SELECT idx, path, size, sha256, done FROM file_entries "

/* Private messages to ?1 above its cursor.  The substr() term repeats
 * the WHERE of messages_pending: SQLite uses a partial index only for
 * queries that contain its condition. */
#define PENDING_CONDITION                                         \
  "WHERE m.recipient = ?1 AND substr (m.recipient, 1, 1) <> '#' " \
  "AND m.id > coalesce ((SELECT last_acked FROM delivery_cursors WHERE username = ?1), 0) "

/* Query plans at millions of messages (EXPLAIN QUERY PLAN, checked by
 * tests/test-store.c):
 *   history: SEARCH m USING INDEX messages_by_conversation (conversation=? AND id<?)
 *            SEARCH u USING INDEX sqlite_autoindex_users_1 (username=?)
 *   pending: SEARCH m USING INDEX messages_pending (recipient=? AND id>?)
 * Both walk the index in id order: no sorting, no scan. */
static const char *const statement_sql[N_STATEMENTS] = {
  [STMT_USER_VERSION] = "PRAGMA user_version",
  [STMT_BEGIN] = "BEGIN IMMEDIATE",
  [STMT_COMMIT] = "COMMIT",
  [STMT_ROLLBACK] = "ROLLBACK",
  [STMT_SAVEPOINT] = "SAVEPOINT job",
  [STMT_RELEASE] = "RELEASE job",
  [STMT_ROLLBACK_TO] = "ROLLBACK TO job",
  [STMT_USERS_TAKEN] = "SELECT EXISTS (SELECT 1 FROM users WHERE username = ?1),"
                       " EXISTS (SELECT 1 FROM users WHERE nickname = ?2),"
                       " EXISTS (SELECT 1 FROM users WHERE email = ?3)",
  [STMT_INSERT_USER] = "INSERT INTO users"
                       " (username, nickname, email, phone, password_hash, created)"
                       " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
  [STMT_USER_BY_USERNAME] = USER_COLUMNS "WHERE username = ?1",
  [STMT_USER_BY_EMAIL] = USER_COLUMNS "WHERE email = ?1",
  [STMT_USER_EXISTS] = "SELECT 1 FROM users WHERE username = ?1",
  [STMT_SET_PASSWORD_HASH] = "UPDATE users SET password_hash = ?2 WHERE username = ?1",
  [STMT_REPLACE_RESET_TOKEN] = "INSERT INTO reset_tokens (username, token_hash, expires)"
                               " VALUES (?1, ?2, ?3) ON CONFLICT (username) DO UPDATE"
                               " SET token_hash = excluded.token_hash, expires = excluded.expires",
  [STMT_CONSUME_RESET_TOKEN] = "DELETE FROM reset_tokens"
                               " WHERE username = ?1 AND token_hash = ?2 AND expires > ?3",
  [STMT_FIND_IDEMPOTENT_SEND] = "SELECT m.id, m.ts FROM idempotency_keys AS k"
                                " JOIN messages AS m ON m.id = k.message_id"
                                " WHERE k.username = ?1 AND k.client_id = ?2",
  [STMT_INSERT_MESSAGE] = "INSERT INTO messages"
                          " (ts, sender, recipient, conversation, text, file_id)"
                          " VALUES (?1, ?2, ?3, ?4, ?5, nullif (?6, 0))",
  [STMT_INSERT_IDEMPOTENCY_KEY] = "INSERT INTO idempotency_keys (username, client_id, message_id)"
                                  " VALUES (?1, ?2, ?3)",
  [STMT_LIST_PENDING] = MESSAGE_COLUMNS PENDING_CONDITION "AND m.id > ?3 ORDER BY m.id LIMIT ?2",
  [STMT_COUNT_PENDING] = "SELECT count (*) FROM messages AS m " PENDING_CONDITION,
  [STMT_ACK] = "INSERT INTO delivery_cursors (username, last_acked)"
               " VALUES (?1, min (?2, (SELECT coalesce (max (id), 0) FROM messages)))"
               " ON CONFLICT (username) DO UPDATE"
               " SET last_acked = max (last_acked, excluded.last_acked)",
  [STMT_HISTORY] = MESSAGE_COLUMNS "WHERE m.conversation = ?1 AND m.id < ?2"
                                   " ORDER BY m.id DESC LIMIT ?3",
  [STMT_INSERT_ROOM] = "INSERT INTO rooms (name, topic, created, creator)"
                       " VALUES (?1, coalesce (?2, ''), ?3, ?4) ON CONFLICT (name) DO NOTHING",
  [STMT_ROOM_EXISTS] = "SELECT 1 FROM rooms WHERE name = ?1",
  [STMT_ROOM_MEMBERSHIP] = "SELECT EXISTS (SELECT 1 FROM room_members"
                           "               WHERE room = ?1 AND username = ?2)"
                           " FROM rooms WHERE name = ?1",
  [STMT_JOIN_ROOM] = "INSERT INTO room_members (room, username) VALUES (?1, ?2)",
  [STMT_LEAVE_ROOM] = "DELETE FROM room_members WHERE room = ?1 AND username = ?2",
  [STMT_LIST_ROOMS] = "SELECT r.name, r.topic,"
                      " (SELECT count (*) FROM room_members AS m WHERE m.room = r.name),"
                      " EXISTS (SELECT 1 FROM room_members AS m"
                      "         WHERE m.room = r.name AND m.username = ?1)"
                      " FROM rooms AS r ORDER BY r.name",
  [STMT_LIST_USER_ROOMS] = "SELECT room FROM room_members WHERE username = ?1"
                           " ORDER BY room <> '" LT_LOBBY "', room",
  [STMT_LIST_ROOM_MEMBERS] = "SELECT username FROM room_members WHERE room = ?1 ORDER BY username",
  [STMT_ADD_FRIEND] = "INSERT INTO friendships (username, friend) VALUES (?1, ?2), (?2, ?1)"
                      " ON CONFLICT DO NOTHING",
  [STMT_REMOVE_FRIEND] = "DELETE FROM friendships"
                         " WHERE (username = ?1 AND friend = ?2)"
                         " OR (username = ?2 AND friend = ?1)",
  [STMT_LIST_FRIENDS] = "SELECT u.username, u.nickname FROM friendships AS f"
                        " JOIN users AS u ON u.username = f.friend"
                        " WHERE f.username = ?1 ORDER BY f.friend",
  [STMT_MESSAGE_BY_ID] = MESSAGE_COLUMNS "WHERE m.id = ?1",
  [STMT_INSERT_FILE] = "INSERT INTO files (sender, recipient, name, size, sha256, folder, entries,"
                       " state, created, updated) VALUES (?1, ?2, ?3, 0, ?4, ?5, 0, ?6, ?7, ?7)",
  [STMT_INSERT_FILE_ENTRY] = "INSERT INTO file_entries (file_id, idx, path, size, sha256, done)"
                             " VALUES (?1, ?2, ?3, ?4, ?5, ?5 IS NULL)",
  [STMT_FILE_PATH_EXISTS] = "SELECT 1 FROM file_entries WHERE file_id = ?1 AND path = ?2",
  [STMT_GROW_FILE] = "UPDATE files SET size = size + ?2, entries = entries + ?3, state = ?4,"
                     " updated = ?5 WHERE id = ?1",
  [STMT_QUOTA_USED] = "SELECT coalesce (sum (size), 0) FROM files"
                      " WHERE sender = ?1 AND state <> " FILE_STATE_CANCELLED,
  [STMT_FILE_BY_ID] = "SELECT " FILE_COLUMNS "FROM files AS f WHERE f.id = ?1",
  [STMT_FILE_ENTRY] = FILE_ENTRY_COLUMNS "WHERE file_id = ?1 AND idx = ?2",
  [STMT_FILE_ENTRIES] = FILE_ENTRY_COLUMNS "WHERE file_id = ?1 AND idx > ?2 ORDER BY idx LIMIT ?3",
  [STMT_FINISH_FILE_ENTRY] = "UPDATE file_entries SET done = 1 WHERE file_id = ?1 AND idx = ?2",
  [STMT_FILE_ENTRIES_MISSING] = "SELECT count (*) FROM file_entries"
                                " WHERE file_id = ?1 AND NOT done",
  [STMT_COMPLETE_FILE] = "UPDATE files SET state = " FILE_STATE_COMPLETE ","
                         " message_id = ?2, updated = ?3 WHERE id = ?1",
  [STMT_TOUCH_FILE] = "UPDATE files SET updated = ?2 WHERE id = ?1",
  [STMT_CANCEL_FILE] = "UPDATE files SET state = " FILE_STATE_CANCELLED
                       " WHERE id = ?1 AND state < " FILE_STATE_COMPLETE,
  [STMT_ANSWER_FILE] = "UPDATE files SET answer = ?2 WHERE id = ?1",
  [STMT_STALE_FILES] = "SELECT " FILE_COLUMNS "FROM files AS f"
                       " WHERE f.state < " FILE_STATE_COMPLETE " AND f.updated < ?1",
  [STMT_LIST_FILES] = MESSAGE_COLUMNS "WHERE m.conversation = ?1 AND m.id < ?2"
                                      " AND m.file_id IS NOT NULL ORDER BY m.id DESC LIMIT ?3",
};

static void lt_sqlite_store_iface_init (LtStoreInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (LtSqliteStore, lt_sqlite_store, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (LT_TYPE_STORE, lt_sqlite_store_iface_init))

/* The LtSqliteErrorFunc of the store: corruption has its own code. */
static void
set_sqlite_error (sqlite3 *db,
                  GError **error)
{
  int code;

  if (db == NULL)
    {
      g_set_error_literal (error, LT_STORE_ERROR, LT_STORE_ERROR_FAILED, "The store is closed");
      return;
    }

  code = sqlite3_errcode (db);
  g_set_error_literal (error, LT_STORE_ERROR,
                       code == SQLITE_CORRUPT || code == SQLITE_NOTADB ?
                         LT_STORE_ERROR_CORRUPT : LT_STORE_ERROR_FAILED,
                       sqlite3_errmsg (db));
}

/* Returns FALSE, so that callers can return it. */
gboolean
lt_sqlite_store_set_protocol_error (GError        **error,
                                    LtProtocolError code,
                                    const char     *format,
                                    ...)
{
  va_list args;

  if (error == NULL)
    return FALSE;

  va_start (args, format);
  g_propagate_error (error, g_error_new_valist (LT_PROTOCOL_ERROR, code, format, args));
  va_end (args);
  return FALSE;
}

typedef struct
{
  GPtrArray *rows;
  RowFunc from_row;
} QueryRows;

static void
add_row (LtSqliteStatement *stmt,
         gpointer           user_data)
{
  QueryRows *query = user_data;

  g_ptr_array_add (query->rows, query->from_row (stmt));
}

/* Every row of statement @id, each made by @from_row. */
GPtrArray *
lt_sqlite_store_query_rows (LtSqliteStore *self,
                            StatementId    id,
                            RowFunc        from_row,
                            GDestroyNotify free_func,
                            GError       **error,
                            const char    *signature,
                            ...)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func (free_func);
  QueryRows query = { rows, from_row };
  gboolean ok;
  va_list args;

  va_start (args, signature);
  ok = lt_sqlite_foreach_row_valist (self->sqlite, id, add_row, &query, error, signature, args);
  va_end (args);

  return ok ? g_steal_pointer (&rows) : NULL;
}

char *
lt_sqlite_store_column_strdup (sqlite3_stmt *stmt,
                               int           column)
{
  return g_strdup ((const char *) sqlite3_column_text (stmt, column));
}

/* Takes @rows, queried with one row more than a page of @limit (0: no
 * limit), and drops that row: *more tells whether it was there. */
GPtrArray *
lt_sqlite_store_trim_page (GPtrArray *rows,
                           guint      limit,
                           gboolean  *more)
{
  if (rows == NULL)
    return NULL;

  *more = limit > 0 && rows->len > limit;
  if (*more)
    g_ptr_array_remove_index (rows, limit);
  return rows;
}

static gpointer
string_from_row (sqlite3_stmt *stmt)
{
  return lt_sqlite_store_column_strdup (stmt, 0);
}

static gpointer
user_from_row (sqlite3_stmt *stmt)
{
  LtUser *user = g_new0 (LtUser, 1);

  user->username = lt_sqlite_store_column_strdup (stmt, 0);
  user->nickname = lt_sqlite_store_column_strdup (stmt, 1);
  user->email = lt_sqlite_store_column_strdup (stmt, 2);
  user->phone = lt_sqlite_store_column_strdup (stmt, 3);
  user->password_hash = lt_sqlite_store_column_strdup (stmt, 4);
  user->created = sqlite3_column_int64 (stmt, 5);
  return user;
}

static gpointer
user_name_from_row (sqlite3_stmt *stmt)
{
  return lt_user_name_new ((const char *) sqlite3_column_text (stmt, 0),
                           (const char *) sqlite3_column_text (stmt, 1));
}

gpointer
lt_sqlite_store_message_from_row (sqlite3_stmt *stmt)
{
  LtMessage *message = g_new0 (LtMessage, 1);

  message->id = sqlite3_column_int64 (stmt, 0);
  message->ts = sqlite3_column_int64 (stmt, 1);
  message->from = lt_sqlite_store_column_strdup (stmt, 2);
  message->nickname = lt_sqlite_store_column_strdup (stmt, 3);
  message->to = lt_sqlite_store_column_strdup (stmt, 4);
  message->text = lt_sqlite_store_column_strdup (stmt, 5);
  if (sqlite3_column_type (stmt, 6) != SQLITE_NULL)
    message->file = lt_sqlite_store_file_from_row (stmt, 6);
  return message;
}

static gpointer
room_from_row (sqlite3_stmt *stmt)
{
  LtRoom *room = g_new0 (LtRoom, 1);

  room->name = lt_sqlite_store_column_strdup (stmt, 0);
  room->topic = lt_sqlite_store_column_strdup (stmt, 1);
  room->members = sqlite3_column_int (stmt, 2);
  room->joined = sqlite3_column_int (stmt, 3) != 0;
  return room;
}

/* Takes @rows of strings and returns them as a GStrv. */
static GStrv
strv_from_rows (GPtrArray *rows)
{
  if (rows == NULL)
    return NULL;

  g_ptr_array_add (rows, NULL);
  return (GStrv) g_ptr_array_free (rows, FALSE);
}

/* SQLite leaves the transaction by itself after some errors
 * (SQLITE_FULL, SQLITE_IOERR, ...): then there is nothing to roll back. */
static gboolean
in_transaction (LtSqliteStore *self)
{
  sqlite3 *db = lt_sqlite_get_db (self->sqlite);

  return db != NULL && !sqlite3_get_autocommit (db);
}

static void
execute_or_warn (LtSqliteStore *self,
                 StatementId    id)
{
  g_autoptr(GError) error = NULL;

  if (!lt_sqlite_execute (self->sqlite, id, &error, ""))
    g_warning ("%s failed: %s", statement_sql[id], error->message);
}

static gboolean
lt_sqlite_store_begin (LtStore *store,
                       GError **error)
{
  return lt_sqlite_execute (LT_SQLITE_STORE (store)->sqlite, STMT_BEGIN, error, "");
}

static gboolean
lt_sqlite_store_commit (LtStore *store,
                        GError **error)
{
  return lt_sqlite_execute (LT_SQLITE_STORE (store)->sqlite, STMT_COMMIT, error, "");
}

static void
lt_sqlite_store_rollback (LtStore *store)
{
  LtSqliteStore *self = LT_SQLITE_STORE (store);

  if (in_transaction (self))
    execute_or_warn (self, STMT_ROLLBACK);
}

static gboolean
lt_sqlite_store_savepoint (LtStore *store,
                           GError **error)
{
  return lt_sqlite_execute (LT_SQLITE_STORE (store)->sqlite, STMT_SAVEPOINT, error, "");
}

/* A job's savepoint within a batch.  When the batch's transaction is
 * gone (after an I/O error), a SAVEPOINT would start a transaction of
 * its own that the job's RELEASE commits alone: refuse instead, so the
 * whole batch fails together. */
static gboolean
lt_sqlite_store_job_savepoint (LtStore *store,
                               GError **error)
{
  if (!in_transaction (LT_SQLITE_STORE (store)))
    {
      g_set_error_literal (error, LT_STORE_ERROR, LT_STORE_ERROR_FAILED,
                           "The transaction was rolled back after an error");
      return FALSE;
    }

  return lt_sqlite_store_savepoint (store, error);
}

static gboolean
lt_sqlite_store_release_savepoint (LtStore *store,
                                   GError **error)
{
  return lt_sqlite_execute (LT_SQLITE_STORE (store)->sqlite, STMT_RELEASE, error, "");
}

/* ROLLBACK TO keeps the savepoint open: release it too, so that the
 * next job's savepoint does not nest inside this one. */
static void
lt_sqlite_store_rollback_to_savepoint (LtStore *store)
{
  LtSqliteStore *self = LT_SQLITE_STORE (store);

  if (!in_transaction (self))
    return;

  execute_or_warn (self, STMT_ROLLBACK_TO);
  execute_or_warn (self, STMT_RELEASE);
}

/* Fails with @code when statement @id finds no row for @key, a @what. */
static gboolean
require_row (LtSqliteStore  *self,
             StatementId     id,
             const char     *key,
             LtProtocolError code,
             const char     *what,
             GError        **error)
{
  gboolean exists;

  if (!lt_sqlite_query_integers (self->sqlite, id, NULL, 0, &exists, error, "s", key))
    return FALSE;
  if (!exists)
    return lt_sqlite_store_set_protocol_error (error, code, "No %s %s", what, key);
  return TRUE;
}

gboolean
lt_sqlite_store_require_user (LtSqliteStore *self,
                              const char    *username,
                              GError       **error)
{
  return require_row (self, STMT_USER_EXISTS, username, LT_PROTOCOL_ERROR_NO_SUCH_USER, "user",
                      error);
}

static gboolean
require_room (LtSqliteStore *self,
              const char    *room,
              GError       **error)
{
  return require_row (self, STMT_ROOM_EXISTS, room, LT_PROTOCOL_ERROR_NO_SUCH_ROOM, "room", error);
}

/* Fails with NO_SUCH_ROOM when @room does not exist. */
static gboolean
room_membership (LtSqliteStore *self,
                 const char    *room,
                 const char    *username,
                 gboolean      *member,
                 GError       **error)
{
  gint64 is_member;
  gboolean exists;

  if (!lt_sqlite_query_integers (self->sqlite, STMT_ROOM_MEMBERSHIP, &is_member, 1, &exists,
                                 error, "ss", room, username))
    return FALSE;
  if (!exists)
    return lt_sqlite_store_set_protocol_error (error, LT_PROTOCOL_ERROR_NO_SUCH_ROOM, "No room %s",
                                               room);

  *member = is_member != 0;
  return TRUE;
}

gboolean
lt_sqlite_store_require_member (LtSqliteStore *self,
                                const char    *room,
                                const char    *username,
                                GError       **error)
{
  gboolean member = FALSE;

  if (!room_membership (self, room, username, &member, error))
    return FALSE;
  if (!member)
    return lt_sqlite_store_set_protocol_error (error, LT_PROTOCOL_ERROR_NOT_IN_ROOM,
                                               "%s is not in %s", username, room);
  return TRUE;
}

/* Fails with the first of USERNAME_TAKEN, NICKNAME_TAKEN, EMAIL_TAKEN
 * that applies, in the order of statement STMT_USERS_TAKEN's columns. */
static gboolean
require_user_free (LtSqliteStore *self,
                   const LtUser  *user,
                   const char    *email,
                   GError       **error)
{
  static const struct
  {
    LtProtocolError code;
    const char *message;
  } taken_errors[] = {
    { LT_PROTOCOL_ERROR_USERNAME_TAKEN, "The username is taken" },
    { LT_PROTOCOL_ERROR_NICKNAME_TAKEN, "The nickname is taken" },
    { LT_PROTOCOL_ERROR_EMAIL_TAKEN, "The email address is taken" },
  };
  gint64 taken[G_N_ELEMENTS (taken_errors)];

  if (!lt_sqlite_query_integers (self->sqlite, STMT_USERS_TAKEN, taken, G_N_ELEMENTS (taken), NULL,
                                 error, "sss", user->username, user->nickname, email))
    return FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (taken); i++)
    {
      if (taken[i])
        return lt_sqlite_store_set_protocol_error (error, taken_errors[i].code, "%s",
                                                   taken_errors[i].message);
    }

  return TRUE;
}

/* The users_join_lobby trigger makes the user a member of #lobby. */
static gboolean
lt_sqlite_store_create_user (LtStore      *store,
                             const LtUser *user,
                             GError      **error)
{
  LtSqliteStore *self = LT_SQLITE_STORE (store);
  g_autofree char *email = g_utf8_strdown (user->email, -1);

  return require_user_free (self, user, email, error) &&
         lt_sqlite_execute (self->sqlite, STMT_INSERT_USER, error, "sssssx", user->username,
                            user->nickname, email, user->phone, user->password_hash,
                            user->created);
}

static LtUser *
query_user (LtSqliteStore *self,
            StatementId    id,
            const char    *key,
            GError       **error)
{
  g_autoptr (GPtrArray) users = lt_sqlite_store_query_rows (
      self, id, user_from_row, (GDestroyNotify)lt_user_free, error, "s", key);

  if (users == NULL || users->len == 0)
    return NULL;
  return g_ptr_array_steal_index (users, 0);
}

static LtUser *
lt_sqlite_store_lookup_user (LtStore    *store,
                             const char *username,
                             GError    **error)
{
  return query_user (LT_SQLITE_STORE (store), STMT_USER_BY_USERNAME, username, error);
}

static LtUser *
lt_sqlite_store_lookup_user_by_email (LtStore    *store,
                                      const char *email,
                                      GError    **error)
{
  g_autofree char *lowercase = g_utf8_strdown (email, -1);

  return query_user (LT_SQLITE_STORE (store), STMT_USER_BY_EMAIL, lowercase, error);
}

static gboolean
lt_sqlite_store_set_password_hash (LtStore    *store,
                                   const char *username,
                                   const char *hash,
                                   GError    **error)
{
  LtSqliteStore *self = LT_SQLITE_STORE (store);

  if (!lt_sqlite_execute (self->sqlite, STMT_SET_PASSWORD_HASH, error, "ss", username, hash))
    return FALSE;
  if (sqlite3_changes (lt_sqlite_get_db (self->sqlite)) == 0)
    return lt_sqlite_store_set_protocol_error (error, LT_PROTOCOL_ERROR_NO_SUCH_USER, "No user %s",
                                               username);
  return TRUE;
}

static gboolean
lt_sqlite_store_add_reset_token (LtStore    *store,
                                 const char *username,
                                 const char *token_hash,
                                 gint64      expires,
                                 GError    **error)
{
  return lt_sqlite_execute (LT_SQLITE_STORE (store)->sqlite, STMT_REPLACE_RESET_TOKEN, error,
                            "ssx", username, token_hash, expires);
}

static gboolean
lt_sqlite_store_consume_reset_token (LtStore    *store,
                                     const char *username,
                                     const char *token_hash,
                                     gint64      now,
                                     GError    **error)
{
  LtSqliteStore *self = LT_SQLITE_STORE (store);

  return lt_sqlite_execute (self->sqlite, STMT_CONSUME_RESET_TOKEN, error, "ssx", username,
                            token_hash, now) &&
         sqlite3_changes (lt_sqlite_get_db (self->sqlite)) > 0;
}

/* The key of the conversation of @username with @peer (a username or a
 * "#room"), after checking that @username may take part in it.  No
 * username contains "\n", so private keys cannot collide. */
char *
lt_sqlite_store_conversation_key (LtSqliteStore *self,
                                  const char    *username,
                                  const char    *peer,
                                  GError       **error)
{
  if (peer[0] == '#')
    return lt_sqlite_store_require_member (self, peer, username, error) ? g_strdup (peer) : NULL;

  if (!lt_sqlite_store_require_user (self, peer, error))
    return NULL;
  if (strcmp (username, peer) <= 0)
    return g_strconcat (username, "\n", peer, NULL);
  return g_strconcat (peer, "\n", username, NULL);
}

static gboolean
find_idempotent_send (LtSqliteStore *self,
                      const char    *from,
                      const char    *client_id,
                      gint64        *id,
                      gint64        *ts,
                      gboolean      *found,
                      GError       **error)
{
  gint64 first[2];

  if (!lt_sqlite_query_integers (self->sqlite, STMT_FIND_IDEMPOTENT_SEND, first,
                                 G_N_ELEMENTS (first), found, error, "ss", from, client_id))
    return FALSE;

  *id = first[0];
  *ts = first[1];
  return TRUE;
}

gboolean
lt_sqlite_store_insert_message (LtSqliteStore *self,
                                const char    *from,
                                const char    *to,
                                const char    *conversation,
                                const char    *text,
                                gint64         ts,
                                const char    *client_id,
                                gint64         file_id,
                                gint64        *id,
                                GError       **error)
{
  if (!lt_sqlite_execute (self->sqlite, STMT_INSERT_MESSAGE, error, "xssssx", ts, from, to,
                          conversation, text, file_id))
    return FALSE;

  *id = sqlite3_last_insert_rowid (lt_sqlite_get_db (self->sqlite));
  return client_id == NULL ||
         lt_sqlite_execute (self->sqlite, STMT_INSERT_IDEMPOTENCY_KEY, error, "ssx", from,
                            client_id, *id);
}

/* lt_sqlite_store_insert_message() is two statements: outside a caller's transaction a
 * savepoint of its own keeps a message and its idempotency key together. */
static gboolean
store_message (LtSqliteStore *self,
               const char    *from,
               const char    *to,
               const char    *conversation,
               const char    *text,
               gint64         ts,
               const char    *client_id,
               gint64        *id,
               GError       **error)
{
  LtStore *store = LT_STORE (self);
  gboolean own_savepoint = client_id != NULL && !in_transaction (self);

  if (own_savepoint && !lt_sqlite_store_savepoint (store, error))
    return FALSE;

  if (!lt_sqlite_store_insert_message (self, from, to, conversation, text, ts, client_id, 0, id,
                                       error))
    {
      if (own_savepoint)
        lt_sqlite_store_rollback_to_savepoint (store);
      return FALSE;
    }

  return !own_savepoint || lt_sqlite_store_release_savepoint (store, error);
}

/* A resend is recognized before the recipient is checked: it gets the
 * first answer even when the sender has left the room since. */
static gboolean
lt_sqlite_store_add_message (LtStore    *store,
                             const char *from,
                             const char *to,
                             const char *text,
                             gint64      ts,
                             const char *client_id,
                             gint64     *id,
                             gint64     *ts_out,
                             gboolean   *duplicate,
                             GError    **error)
{
  LtSqliteStore *self = LT_SQLITE_STORE (store);
  g_autofree char *conversation = NULL;

  *duplicate = FALSE;
  if (client_id != NULL &&
      !find_idempotent_send (self, from, client_id, id, ts_out, duplicate, error))
    return FALSE;
  if (*duplicate)
    return TRUE;

  conversation = lt_sqlite_store_conversation_key (self, from, to, error);
  if (conversation == NULL)
    return FALSE;

  *ts_out = ts;
  return store_message (self, from, to, conversation, text, ts, client_id, id, error);
}

static GPtrArray *
lt_sqlite_store_list_pending (LtStore    *store,
                              const char *username,
                              gint64      after_id,
                              guint       limit,
                              GError    **error)
{
  /* LIMIT -1 is no limit. */
  return lt_sqlite_store_query_rows (LT_SQLITE_STORE (store), STMT_LIST_PENDING,
                                     lt_sqlite_store_message_from_row,
                                     (GDestroyNotify)lt_message_free, error, "sxx", username,
                                     limit > 0 ? (gint64)limit : -1, after_id);
}

static gboolean
lt_sqlite_store_count_pending (LtStore    *store,
                               const char *username,
                               guint      *count,
                               GError    **error)
{
  gint64 pending;

  if (!lt_sqlite_query_integers (LT_SQLITE_STORE (store)->sqlite, STMT_COUNT_PENDING, &pending, 1,
                                 NULL, error, "s", username))
    return FALSE;

  *count = MIN (pending, G_MAXUINT);
  return TRUE;
}

static gboolean
lt_sqlite_store_ack (LtStore    *store,
                     const char *username,
                     gint64      up_to,
                     GError    **error)
{
  return lt_sqlite_execute (LT_SQLITE_STORE (store)->sqlite, STMT_ACK, error, "sx", username,
                            up_to);
}

/* A page of the messages of statement @id (STMT_HISTORY or
 * STMT_LIST_FILES) in the conversation of @username with @with, newest
 * first.  @limit 0 is no limit here too, as for list_pending. */
GPtrArray *
lt_sqlite_store_conversation_page (LtSqliteStore *self,
                                   StatementId    id,
                                   const char    *username,
                                   const char    *with,
                                   gint64         before,
                                   guint          limit,
                                   gboolean      *more,
                                   GError       **error)
{
  g_autofree char *conversation = lt_sqlite_store_conversation_key (self, username, with, error);

  if (conversation == NULL)
    return NULL;

  /* One row more than the page tells whether older messages exist. */
  return lt_sqlite_store_trim_page (
      lt_sqlite_store_query_rows (self, id, lt_sqlite_store_message_from_row,
                                  (GDestroyNotify) lt_message_free, error, "sxx", conversation,
                                  before > 0 ? before : G_MAXINT64,
                                  limit > 0 ? (gint64) limit + 1 : -1),
      limit, more);
}

static GPtrArray *
lt_sqlite_store_history (LtStore    *store,
                         const char *username,
                         const char *with,
                         gint64      before,
                         guint       limit,
                         gboolean   *more,
                         GError    **error)
{
  return lt_sqlite_store_conversation_page (LT_SQLITE_STORE (store), STMT_HISTORY, username, with,
                                            before, limit, more, error);
}

/* The rooms_join_creator trigger makes the creator a member. */
static gboolean
lt_sqlite_store_create_room (LtStore    *store,
                             const char *room,
                             const char *topic,
                             const char *creator,
                             GError    **error)
{
  LtSqliteStore *self = LT_SQLITE_STORE (store);
  gint64 now_ms = g_get_real_time () / 1000;

  if (!lt_sqlite_execute (self->sqlite, STMT_INSERT_ROOM, error, "ssxs", room, topic, now_ms,
                          creator))
    return FALSE;
  if (sqlite3_changes (lt_sqlite_get_db (self->sqlite)) == 0)
    return lt_sqlite_store_set_protocol_error (error, LT_PROTOCOL_ERROR_ROOM_EXISTS,
                                               "%s exists already", room);
  return TRUE;
}

static gboolean
lt_sqlite_store_join_room (LtStore    *store,
                           const char *room,
                           const char *username,
                           gboolean   *changed,
                           GError    **error)
{
  LtSqliteStore *self = LT_SQLITE_STORE (store);
  gboolean member = FALSE;

  if (!room_membership (self, room, username, &member, error))
    return FALSE;

  *changed = !member;
  return member || lt_sqlite_execute (self->sqlite, STMT_JOIN_ROOM, error, "ss", room, username);
}

static gboolean
lt_sqlite_store_leave_room (LtStore    *store,
                            const char *room,
                            const char *username,
                            GError    **error)
{
  LtSqliteStore *self = LT_SQLITE_STORE (store);

  if (g_str_equal (room, LT_LOBBY))
    return lt_sqlite_store_set_protocol_error (error, LT_PROTOCOL_ERROR_INVALID_PARAMS,
                                               "Nobody leaves %s", LT_LOBBY);

  return lt_sqlite_store_require_member (self, room, username, error) &&
         lt_sqlite_execute (self->sqlite, STMT_LEAVE_ROOM, error, "ss", room, username);
}

static GPtrArray *
lt_sqlite_store_list_rooms (LtStore    *store,
                            const char *username,
                            GError    **error)
{
  return lt_sqlite_store_query_rows (LT_SQLITE_STORE (store), STMT_LIST_ROOMS, room_from_row,
                     (GDestroyNotify) lt_room_free, error, "s", username);
}

static GStrv
lt_sqlite_store_list_user_rooms (LtStore    *store,
                                 const char *username,
                                 GError    **error)
{
  return strv_from_rows (lt_sqlite_store_query_rows (LT_SQLITE_STORE (store), STMT_LIST_USER_ROOMS,
                                     string_from_row, g_free, error, "s", username));
}

static GStrv
lt_sqlite_store_list_room_members (LtStore    *store,
                                   const char *room,
                                   GError    **error)
{
  LtSqliteStore *self = LT_SQLITE_STORE (store);

  if (!require_room (self, room, error))
    return NULL;

  return strv_from_rows (lt_sqlite_store_query_rows (self, STMT_LIST_ROOM_MEMBERS, string_from_row,
                                                     g_free, error, "s", room));
}

static gboolean
lt_sqlite_store_add_friend (LtStore    *store,
                            const char *username,
                            const char *friend_name,
                            GError    **error)
{
  LtSqliteStore *self = LT_SQLITE_STORE (store);

  /* The server refuses this first; both rows would be the same row. */
  if (g_str_equal (username, friend_name))
    return lt_sqlite_store_set_protocol_error (error, LT_PROTOCOL_ERROR_INVALID_PARAMS,
                               "Nobody is their own friend");

  if (!lt_sqlite_store_require_user (self, friend_name, error) ||
      !lt_sqlite_execute (self->sqlite, STMT_ADD_FRIEND, error, "ss", username, friend_name))
    return FALSE;
  if (sqlite3_changes (lt_sqlite_get_db (self->sqlite)) == 0)
    return lt_sqlite_store_set_protocol_error (error, LT_PROTOCOL_ERROR_ALREADY_FRIENDS,
                               "%s and %s are friends already", username, friend_name);
  return TRUE;
}

static gboolean
lt_sqlite_store_remove_friend (LtStore    *store,
                               const char *username,
                               const char *friend_name,
                               GError    **error)
{
  LtSqliteStore *self = LT_SQLITE_STORE (store);

  if (!lt_sqlite_execute (self->sqlite, STMT_REMOVE_FRIEND, error, "ss", username, friend_name))
    return FALSE;
  if (sqlite3_changes (lt_sqlite_get_db (self->sqlite)) == 0)
    return lt_sqlite_store_set_protocol_error (error, LT_PROTOCOL_ERROR_NO_SUCH_USER,
                                               "%s has no friend %s", username, friend_name);
  return TRUE;
}

static GPtrArray *
lt_sqlite_store_list_friends (LtStore    *store,
                              const char *username,
                              GError    **error)
{
  return lt_sqlite_store_query_rows (LT_SQLITE_STORE (store), STMT_LIST_FRIENDS, user_name_from_row,
                     (GDestroyNotify) lt_user_name_free, error, "s", username);
}


/* All in one transaction, and user_version read under its write lock, so
 * that two servers starting on one file cannot both migrate it. */
static gboolean
migrate (LtSqliteStore *self,
         GError       **error)
{
  LtStore *store = LT_STORE (self);

  if (!lt_sqlite_store_begin (store, error))
    return FALSE;

  if (!lt_sqlite_migrate (self->sqlite, STMT_USER_VERSION, migrations,
                          G_N_ELEMENTS (migrations), "The database", "liaotian-server",
                          LT_STORE_ERROR, LT_STORE_ERROR_TOO_NEW, error))
    {
      lt_sqlite_store_rollback (store);
      return FALSE;
    }

  return lt_sqlite_store_commit (store, error);
}

static gboolean
open_database (LtSqliteStore *self,
               const char    *path,
               GError       **error)
{
  /* Only the store worker thread uses the connection. */
  return lt_sqlite_open (self->sqlite, path, error)
         && lt_sqlite_make_durable (self->sqlite, "The database", LT_STORE_ERROR,
                                    LT_STORE_ERROR_FAILED, error)
         && migrate (self, error);
}

LtSqliteStore *
lt_sqlite_store_new (const char *path,
                     GError    **error)
{
  g_autoptr(LtSqliteStore) self = NULL;

  g_return_val_if_fail (path != NULL, NULL);

  self = g_object_new (LT_TYPE_SQLITE_STORE, NULL);
  if (!open_database (self, path, error))
    return NULL;

  return g_steal_pointer (&self);
}

void
lt_sqlite_store_close (LtSqliteStore *self)
{
  g_return_if_fail (LT_IS_SQLITE_STORE (self));

  lt_sqlite_close (self->sqlite);
}

static void
lt_sqlite_store_finalize (GObject *object)
{
  g_clear_pointer (&LT_SQLITE_STORE (object)->sqlite, lt_sqlite_free);

  G_OBJECT_CLASS (lt_sqlite_store_parent_class)->finalize (object);
}

static void
lt_sqlite_store_class_init (LtSqliteStoreClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = lt_sqlite_store_finalize;
}

static void
lt_sqlite_store_init (LtSqliteStore *self)
{
  self->sqlite = lt_sqlite_new (statement_sql, N_STATEMENTS, set_sqlite_error);
}

static void
lt_sqlite_store_iface_init (LtStoreInterface *iface)
{
  iface->begin = lt_sqlite_store_begin;
  iface->commit = lt_sqlite_store_commit;
  iface->rollback = lt_sqlite_store_rollback;
  iface->savepoint = lt_sqlite_store_job_savepoint;
  iface->release_savepoint = lt_sqlite_store_release_savepoint;
  iface->rollback_to_savepoint = lt_sqlite_store_rollback_to_savepoint;
  iface->create_user = lt_sqlite_store_create_user;
  iface->lookup_user = lt_sqlite_store_lookup_user;
  iface->lookup_user_by_email = lt_sqlite_store_lookup_user_by_email;
  iface->set_password_hash = lt_sqlite_store_set_password_hash;
  iface->add_reset_token = lt_sqlite_store_add_reset_token;
  iface->consume_reset_token = lt_sqlite_store_consume_reset_token;
  iface->add_message = lt_sqlite_store_add_message;
  iface->list_pending = lt_sqlite_store_list_pending;
  iface->count_pending = lt_sqlite_store_count_pending;
  iface->ack = lt_sqlite_store_ack;
  iface->history = lt_sqlite_store_history;
  iface->create_room = lt_sqlite_store_create_room;
  iface->join_room = lt_sqlite_store_join_room;
  iface->leave_room = lt_sqlite_store_leave_room;
  iface->list_rooms = lt_sqlite_store_list_rooms;
  iface->list_user_rooms = lt_sqlite_store_list_user_rooms;
  iface->list_room_members = lt_sqlite_store_list_room_members;
  iface->add_friend = lt_sqlite_store_add_friend;
  iface->remove_friend = lt_sqlite_store_remove_friend;
  iface->list_friends = lt_sqlite_store_list_friends;
  lt_sqlite_store_files_iface_init (iface);
}
