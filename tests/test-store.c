/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-store.c: LtSqliteStore on real database files in a temporary
 * directory, one fresh database per test. */
#include "config.h"

#include "lt-protocol.h"
#include "lt-sqlite-store.h"

#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>

G_DEFINE_AUTOPTR_CLEANUP_FUNC (sqlite3, sqlite3_close)

/* Each test starts with users alice, bob and carol, all in #lobby. */
typedef struct
{
  char *dir;
  char *path;
  LtStore *store;
} Fixture;

/* Asserts that @call fails with @domain and @code.  @call reports into
 * `failure`, which the macro declares. */
#define assert_fails(call, domain, code)        \
  G_STMT_START                                  \
  {                                             \
    g_autoptr(GError) failure = NULL;           \
    gboolean succeeded = (call) != 0;           \
    g_assert_error (failure, (domain), (code)); \
    g_assert_false (succeeded);                 \
  }                                             \
  G_STMT_END

/* Asserts that @call, returning a gboolean into `failure`, succeeds. */
#define assert_ok(call)                   \
  G_STMT_START                            \
  {                                       \
    g_autoptr(GError) failure = NULL;     \
    gboolean succeeded = (call);          \
    g_assert_no_error (failure);          \
    g_assert_true (succeeded);            \
  }                                       \
  G_STMT_END

/* Expected lists of strings. */
#define STRV(...) ((const char *const[]) { __VA_ARGS__, NULL })
#define EMPTY_STRV ((const char *const[]) { NULL })

/* assert_fails() with LT_PROTOCOL_ERROR_@code. */
#define assert_refused(call, code) assert_fails (call, LT_PROTOCOL_ERROR, LT_PROTOCOL_ERROR_##code)

static LtStore *
open_store (const char *path)
{
  g_autoptr(GError) error = NULL;
  LtSqliteStore *store = lt_sqlite_store_new (path, &error);

  g_assert_no_error (error);
  g_assert_nonnull (store);
  return LT_STORE (store);
}

static void
reopen_store (Fixture *f)
{
  g_clear_object (&f->store);
  f->store = open_store (f->path);
}

static gboolean
try_create_user (LtStore    *store,
                 const char *username,
                 const char *nickname,
                 const char *email,
                 GError    **error)
{
  LtUser user = {
    .username = (char *) username,
    .nickname = (char *) nickname,
    .email = (char *) email,
    .password_hash = (char *) "$argon2id$v=19$m=19456,t=2,p=1$fake",
    .created = 1700000000000,
  };

  return lt_store_create_user (store, &user, error);
}

static void
create_user (LtStore    *store,
             const char *username,
             const char *nickname,
             const char *email)
{
  assert_ok (try_create_user (store, username, nickname, email, &failure));
}

static void
fixture_setup (Fixture      *f,
               gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("test-store-XXXXXX", &error);
  g_assert_no_error (error);
  f->path = g_build_filename (f->dir, "liaotian.db", NULL);
  f->store = open_store (f->path);

  create_user (f->store, "alice", "Alice", "alice@example.org");
  create_user (f->store, "bob", "Bob", "bob@example.org");
  create_user (f->store, "carol", "Carol", "carol@example.org");
}

static void
remove_dir (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDir) dir = g_dir_open (path, 0, &error);
  const char *name;

  g_assert_no_error (error);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *file = g_build_filename (path, name, NULL);

      g_assert_cmpint (g_remove (file), ==, 0);
    }
  g_assert_cmpint (g_rmdir (path), ==, 0);
}

static void
fixture_teardown (Fixture      *f,
                  gconstpointer data)
{
  g_clear_object (&f->store);
  remove_dir (f->dir);
  g_free (f->path);
  g_free (f->dir);
}

static sqlite3 *
open_raw (const char *path)
{
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  return db;
}

static void
raw_exec (sqlite3    *db,
          const char *sql)
{
  int rc = sqlite3_exec (db, sql, NULL, NULL, NULL);

  g_assert_cmpstr (rc == SQLITE_OK ? NULL : sqlite3_errmsg (db), ==, NULL);
}

/* Column @column of every row of @sql, joined by "\n". */
static char *
raw_column (sqlite3    *db,
            const char *sql,
            int         column)
{
  g_autoptr(GString) text = g_string_new (NULL);
  sqlite3_stmt *stmt = NULL;

  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_string_append_printf (text, "%s%s", text->len > 0 ? "\n" : "",
                            (const char *) sqlite3_column_text (stmt, column));
  g_assert_cmpint (sqlite3_finalize (stmt), ==, SQLITE_OK);
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static gint64
send_message (Fixture    *f,
              const char *from,
              const char *to,
              const char *text)
{
  g_autoptr(GError) error = NULL;
  gint64 id = 0, ts = 0;
  gboolean duplicate = TRUE;

  lt_store_add_message (f->store, from, to, text, 1700000000123, NULL, &id, &ts, &duplicate,
                        &error);
  g_assert_no_error (error);
  g_assert_cmpint (ts, ==, 1700000000123);
  g_assert_false (duplicate);
  return id;
}

static GStrv
message_texts (GPtrArray *messages)
{
  g_autoptr(GStrvBuilder) texts = g_strv_builder_new ();

  g_assert_nonnull (messages);
  for (guint i = 0; i < messages->len; i++)
    g_strv_builder_add (texts, ((LtMessage *) g_ptr_array_index (messages, i))->text);
  return g_strv_builder_end (texts);
}

static void
assert_pending (Fixture           *f,
                const char        *username,
                const char *const *texts)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) pending = lt_store_list_pending (f->store, username, 0, 0, &error);
  g_auto(GStrv) pending_texts = NULL;
  guint count = G_MAXUINT;

  g_assert_no_error (error);
  pending_texts = message_texts (pending);
  g_assert_cmpstrv (pending_texts, texts);
  assert_ok (lt_store_count_pending (f->store, username, &count, &failure));
  g_assert_cmpuint (count, ==, g_strv_length ((GStrv) texts));
}

static void
assert_history (Fixture           *f,
                const char        *username,
                const char        *with,
                const char *const *texts)
{
  g_autoptr(GError) error = NULL;
  gboolean more = TRUE;
  g_autoptr(GPtrArray) history = lt_store_history (f->store, username, with, 0, 50, &more, &error);
  g_auto(GStrv) history_texts = NULL;

  g_assert_no_error (error);
  history_texts = message_texts (history);
  g_assert_cmpstrv (history_texts, texts);
  g_assert_false (more);
}

/* Asserts that @call, returning a GStrv into `failure`, returns @expected. */
#define assert_strv_result(call, expected) \
  G_STMT_START                             \
  {                                        \
    g_autoptr(GError) failure = NULL;      \
    g_auto(GStrv) result = (call);         \
    g_assert_no_error (failure);           \
    g_assert_cmpstrv (result, (expected)); \
  }                                        \
  G_STMT_END

static void
assert_user_rooms (Fixture           *f,
                   const char        *username,
                   const char *const *rooms)
{
  assert_strv_result (lt_store_list_user_rooms (f->store, username, &failure), rooms);
}

static void
assert_room_members (Fixture           *f,
                     const char        *room,
                     const char *const *usernames)
{
  assert_strv_result (lt_store_list_room_members (f->store, room, &failure), usernames);
}

static void
assert_friends (Fixture           *f,
                const char        *username,
                const char *const *friends)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) list = lt_store_list_friends (f->store, username, &error);
  g_autoptr(GStrvBuilder) names = g_strv_builder_new ();
  g_auto(GStrv) got = NULL;

  g_assert_no_error (error);
  for (guint i = 0; i < list->len; i++)
    {
      LtUserName *name = g_ptr_array_index (list, i);
      g_autofree char *nickname = g_ascii_strdown (name->nickname, -1);

      /* Each fixture user's nickname is its capitalized username. */
      g_assert_cmpstr (nickname, ==, name->username);
      g_strv_builder_add (names, name->username);
    }
  got = g_strv_builder_end (names);
  g_assert_cmpstrv (got, friends);
}

static void
test_open_schema (Fixture      *f,
                  gconstpointer data)
{
  g_autoptr(sqlite3) db = open_raw (f->path);
  g_autofree char *version = raw_column (db, "PRAGMA user_version", 0);
  g_autofree char *journal_mode = raw_column (db, "PRAGMA journal_mode", 0);
  g_autofree char *rooms = raw_column (db, "SELECT name FROM rooms", 0);

  g_assert_cmpstr (version, ==, "2");
  g_assert_cmpstr (journal_mode, ==, "wal");
  g_assert_cmpstr (rooms, ==, LT_LOBBY);
}

/* Opening a second connection while the first is open, then reopening,
 * must not run a migration again. */
static void
test_open_twice (Fixture      *f,
                 gconstpointer data)
{
  g_autoptr(LtStore) second = open_store (f->path);
  g_autoptr(sqlite3) db = NULL;
  g_autofree char *version = NULL;
  guint count = 0;

  send_message (f, "alice", "bob", "seen by both");
  assert_ok (lt_store_count_pending (second, "bob", &count, &failure));
  g_assert_cmpuint (count, ==, 1);
  g_clear_object (&second);
  reopen_store (f);

  db = open_raw (f->path);
  version = raw_column (db, "PRAGMA user_version", 0);
  g_assert_cmpstr (version, ==, "2");
  assert_user_rooms (f, "alice", STRV (LT_LOBBY));
  assert_pending (f, "bob", STRV ("seen by both"));
}

static void
test_open_too_new (Fixture      *f,
                   gconstpointer data)
{
  g_autoptr(sqlite3) db = open_raw (f->path);
  g_autoptr(GError) error = NULL;
  LtSqliteStore *store;

  g_clear_object (&f->store);
  raw_exec (db, "PRAGMA user_version = 1000000");

  store = lt_sqlite_store_new (f->path, &error);
  g_assert_error (error, LT_STORE_ERROR, LT_STORE_ERROR_TOO_NEW);
  g_assert_null (store);
}

static void
test_open_not_a_database (Fixture      *f,
                          gconstpointer data)
{
  g_autofree char *path = g_build_filename (f->dir, "junk.db", NULL);
  g_autofree char *junk = g_strnfill (4096, 'x');
  g_autoptr(GError) error = NULL;
  LtSqliteStore *store;

  g_file_set_contents (path, junk, -1, &error);
  g_assert_no_error (error);

  store = lt_sqlite_store_new (path, &error);
  g_assert_error (error, LT_STORE_ERROR, LT_STORE_ERROR_CORRUPT);
  g_assert_null (store);
}

static void
test_open_closed (Fixture      *f,
                  gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LtUser) user = NULL;

  lt_sqlite_store_close (LT_SQLITE_STORE (f->store));
  user = lt_store_lookup_user (f->store, "alice", &error);
  g_assert_error (error, LT_STORE_ERROR, LT_STORE_ERROR_FAILED);
  g_assert_null (user);
}

/* The columns of lt-sqlite-store.c's MESSAGE_COLUMNS. */
#define MESSAGE_QUERY                                                                     \
  "EXPLAIN QUERY PLAN SELECT m.id, m.ts, m.sender, u.nickname, m.recipient, m.text,"      \
  " f.id, f.sender, f.recipient, f.name, f.size, f.sha256, f.folder, f.entries, f.state," \
  " f.answer, f.message_id"                                                               \
  " FROM messages AS m JOIN users AS u ON u.username = m.sender"                          \
  " LEFT JOIN files AS f ON f.id = m.file_id "

static void
assert_plan_searches (const char *plan,
                      const char *first_step)
{
  g_assert_cmpstr (strstr (plan, first_step), ==, plan);
  g_assert_cmpstr (strstr (plan, "SCAN"), ==, NULL);
  g_assert_cmpstr (strstr (plan, "TEMP B-TREE"), ==, NULL);
}

/* The history, pending, file list and stale file statements of
 * lt-sqlite-store.c: keep these in step with STMT_HISTORY,
 * STMT_LIST_PENDING, STMT_LIST_FILES and STMT_STALE_FILES there. */
static void
test_open_query_plans (Fixture      *f,
                       gconstpointer data)
{
  g_autoptr(sqlite3) db = open_raw (f->path);
  g_autofree char *history = raw_column (
      db, MESSAGE_QUERY "WHERE m.conversation = ?1 AND m.id < ?2 ORDER BY m.id DESC LIMIT ?3", 3);
  g_autofree char *pending = raw_column (
      db,
      MESSAGE_QUERY "WHERE m.recipient = ?1 AND substr (m.recipient, 1, 1) <> '#'"
      " AND m.id > coalesce ((SELECT last_acked FROM delivery_cursors WHERE username = ?1), 0)"
      " AND m.id > ?3 ORDER BY m.id LIMIT ?2",
      3);
  g_autofree char *files = raw_column (
      db,
      MESSAGE_QUERY "WHERE m.conversation = ?1 AND m.id < ?2 AND m.file_id IS NOT NULL"
      " ORDER BY m.id DESC LIMIT ?3",
      3);
  g_autofree char *stale = raw_column (
      db, "EXPLAIN QUERY PLAN SELECT id FROM files AS f WHERE f.state < 2 AND f.updated < ?1", 3);

  assert_plan_searches (history,
                        "SEARCH m USING INDEX messages_by_conversation (conversation=? AND id<?)");
  assert_plan_searches (pending, "SEARCH m USING INDEX messages_pending (recipient=? AND id>?)");
  assert_plan_searches (files, "SEARCH m USING INDEX messages_files (conversation=? AND id<?)");
  assert_plan_searches (stale, "SEARCH f USING INDEX files_unfinished (updated<?)");
}

static void
test_reopen_keeps_everything (Fixture      *f,
                              gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LtUser) alice = NULL;
  gint64 first_id, id = 0, ts = 0, last_id;
  gboolean duplicate = FALSE;

  assert_ok (lt_store_create_room (f->store, "#rust", "Crabs", "alice", &failure));
  assert_ok (lt_store_add_friend (f->store, "alice", "bob", &failure));
  assert_ok (lt_store_add_message (f->store, "alice", "bob", "acked", 10, "c1", &first_id, &ts,
                                   &duplicate, &failure));
  assert_ok (lt_store_ack (f->store, "bob", first_id, &failure));
  last_id = send_message (f, "alice", "bob", "pending");
  send_message (f, "alice", "#rust", "crab talk");
  assert_ok (lt_store_add_reset_token (f->store, "alice", "token-hash", 2000, &failure));
  assert_ok (lt_store_set_password_hash (f->store, "alice", "new-hash", &failure));

  reopen_store (f);

  alice = lt_store_lookup_user (f->store, "alice", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (alice->nickname, ==, "Alice");
  g_assert_cmpstr (alice->password_hash, ==, "new-hash");
  assert_user_rooms (f, "alice", STRV (LT_LOBBY, "#rust"));
  assert_friends (f, "bob", STRV ("alice"));
  assert_pending (f, "bob", STRV ("pending"));
  assert_history (f, "alice", "bob", STRV ("pending", "acked"));
  assert_history (f, "alice", "#rust", STRV ("crab talk"));
  assert_ok (lt_store_add_message (f->store, "alice", "bob", "acked", 20, "c1", &id, &ts,
                                   &duplicate, &failure));
  g_assert_true (duplicate);
  g_assert_cmpint (id, ==, first_id);
  g_assert_cmpint (send_message (f, "bob", "alice", "after"), >, last_id);
  assert_ok (lt_store_consume_reset_token (f->store, "alice", "token-hash", 1000, &failure));
}

static void
test_users_create (Fixture      *f,
                   gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  LtUser dave = {
    .username = (char *) "dave",
    .nickname = (char *) "Dave 大卫",
    .email = (char *) "Dave@Example.ORG",
    .phone = (char *) "+1 555 0100",
    .password_hash = (char *) "hash",
    .created = 1234,
  };
  g_autoptr(LtUser) by_name = NULL;
  g_autoptr(LtUser) by_email = NULL;
  g_autoptr(LtUser) alice = NULL;
  g_autoptr(LtUser) nobody = NULL;

  assert_ok (lt_store_create_user (f->store, &dave, &failure));

  by_name = lt_store_lookup_user (f->store, "dave", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (by_name->username, ==, "dave");
  g_assert_cmpstr (by_name->nickname, ==, "Dave 大卫");
  g_assert_cmpstr (by_name->email, ==, "dave@example.org");
  g_assert_cmpstr (by_name->phone, ==, "+1 555 0100");
  g_assert_cmpstr (by_name->password_hash, ==, "hash");
  g_assert_cmpint (by_name->created, ==, 1234);

  by_email = lt_store_lookup_user_by_email (f->store, "DAVE@example.org", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (by_email->username, ==, "dave");

  alice = lt_store_lookup_user (f->store, "alice", &error);
  g_assert_no_error (error);
  g_assert_null (alice->phone);

  nobody = lt_store_lookup_user (f->store, "nobody", &error);
  g_assert_no_error (error);
  g_assert_null (nobody);
  nobody = lt_store_lookup_user_by_email (f->store, "nobody@example.org", &error);
  g_assert_no_error (error);
  g_assert_null (nobody);

  assert_user_rooms (f, "dave", STRV (LT_LOBBY));
  assert_room_members (f, LT_LOBBY, STRV ("alice", "bob", "carol", "dave"));
}

static void
test_users_taken (Fixture      *f,
                  gconstpointer data)
{
  LtStore *store = f->store;

  assert_refused (try_create_user (store, "alice", "New", "new@example.org", &failure),
                USERNAME_TAKEN);
  assert_refused (try_create_user (store, "new", "Alice", "new@example.org", &failure),
                NICKNAME_TAKEN);
  assert_refused (try_create_user (store, "new", "New", "ALICE@example.org", &failure),
                EMAIL_TAKEN);
  /* Checked in the order username, nickname, email. */
  assert_refused (try_create_user (store, "alice", "Bob", "carol@example.org", &failure),
                USERNAME_TAKEN);
  assert_refused (try_create_user (store, "new", "Bob", "carol@example.org", &failure),
                NICKNAME_TAKEN);
  /* Nicknames compare exactly. */
  assert_ok (try_create_user (store, "new", "alice", "new@example.org", &failure));
}

static void
test_users_password_hash (Fixture      *f,
                          gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LtUser) alice = NULL;

  assert_ok (lt_store_set_password_hash (f->store, "alice", "rehashed", &failure));
  alice = lt_store_lookup_user (f->store, "alice", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (alice->password_hash, ==, "rehashed");

  assert_refused (lt_store_set_password_hash (f->store, "nobody", "hash", &failure),
                NO_SUCH_USER);
}

static void
assert_consume (Fixture    *f,
                const char *username,
                const char *token_hash,
                gint64      now,
                gboolean    expected)
{
  g_autoptr(GError) error = NULL;
  gboolean consumed = lt_store_consume_reset_token (f->store, username, token_hash, now, &error);

  g_assert_no_error (error);
  g_assert_cmpint (consumed, ==, expected);
}

static void
test_users_reset_tokens (Fixture      *f,
                         gconstpointer data)
{
  assert_ok (lt_store_add_reset_token (f->store, "alice", "h1", 2000, &failure));
  assert_consume (f, "alice", "wrong", 1000, FALSE);
  assert_consume (f, "bob", "h1", 1000, FALSE);
  assert_consume (f, "alice", "h1", 1000, TRUE);
  assert_consume (f, "alice", "h1", 1000, FALSE); /* used once */

  assert_ok (lt_store_add_reset_token (f->store, "alice", "h2", 2000, &failure));
  assert_consume (f, "alice", "h2", 2000, FALSE); /* expired */

  assert_ok (lt_store_add_reset_token (f->store, "alice", "h3", 2000, &failure));
  assert_ok (lt_store_add_reset_token (f->store, "alice", "h4", 2000, &failure));
  assert_consume (f, "alice", "h3", 1000, FALSE); /* replaced */
  assert_consume (f, "alice", "h4", 1000, TRUE);
}

static void
test_messages_private (Fixture      *f,
                       gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) first = NULL;
  g_autoptr(GPtrArray) next = NULL;
  gint64 one = send_message (f, "alice", "bob", "one");
  gint64 two = send_message (f, "carol", "bob", "two");
  LtMessage *message;

  send_message (f, "bob", "alice", "three");
  send_message (f, "alice", "alice", "note to self");
  g_assert_cmpint (two, >, one);

  assert_pending (f, "bob", STRV ("one", "two"));
  assert_pending (f, "alice", STRV ("three", "note to self"));
  assert_pending (f, "carol", EMPTY_STRV);

  first = lt_store_list_pending (f->store, "bob", 0, 1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (first->len, ==, 1);
  message = g_ptr_array_index (first, 0);
  g_assert_cmpint (message->id, ==, one);
  g_assert_cmpint (message->ts, ==, 1700000000123);
  g_assert_cmpstr (message->from, ==, "alice");
  g_assert_cmpstr (message->nickname, ==, "Alice");
  g_assert_cmpstr (message->to, ==, "bob");
  g_assert_cmpstr (message->text, ==, "one");

  /* The next page starts after the last message of this one. */
  next = lt_store_list_pending (f->store, "bob", one, 1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (next->len, ==, 1);
  g_assert_cmpint (((LtMessage *) g_ptr_array_index (next, 0))->id, ==, two);
}

static void
test_messages_room (Fixture      *f,
                    gconstpointer data)
{
  send_message (f, "alice", LT_LOBBY, "hello, everyone");

  assert_pending (f, "bob", EMPTY_STRV);
  assert_history (f, "bob", LT_LOBBY, STRV ("hello, everyone"));
}

static gboolean
try_send (Fixture    *f,
          const char *from,
          const char *to,
          const char *client_id,
          GError    **error)
{
  gint64 id, ts;
  gboolean duplicate;

  return lt_store_add_message (f->store, from, to, "text", 1, client_id, &id, &ts, &duplicate,
                               error);
}

static void
test_messages_errors (Fixture      *f,
                      gconstpointer data)
{
  assert_ok (lt_store_create_room (f->store, "#rust", NULL, "alice", &failure));

  assert_refused (try_send (f, "alice", "nobody", NULL, &failure), NO_SUCH_USER);
  assert_refused (try_send (f, "alice", "#nowhere", NULL, &failure), NO_SUCH_ROOM);
  assert_refused (try_send (f, "bob", "#rust", NULL, &failure), NOT_IN_ROOM);
  /* A send that failed does not claim its client_id. */
  assert_refused (try_send (f, "alice", "nobody", "c1", &failure), NO_SUCH_USER);
  assert_ok (try_send (f, "alice", "bob", "c1", &failure));
  /* A store error: the sender does not exist. */
  assert_fails (try_send (f, "nobody", "bob", NULL, &failure), LT_STORE_ERROR,
                LT_STORE_ERROR_FAILED);
  /* The same with a client_id, which takes a savepoint of its own: it
   * must not leave a transaction open. */
  assert_fails (try_send (f, "nobody", "bob", "c2", &failure), LT_STORE_ERROR,
                LT_STORE_ERROR_FAILED);
  assert_ok (lt_store_begin (f->store, &failure));
  lt_store_rollback (f->store);
}

static void
assert_send_once (Fixture    *f,
                  const char *from,
                  const char *to,
                  const char *client_id,
                  gint64      ts,
                  gint64     *id,
                  gboolean    expect_duplicate,
                  gint64      expect_ts)
{
  gint64 ts_out = 0;
  gboolean duplicate = !expect_duplicate;

  assert_ok (lt_store_add_message (f->store, from, to, "text", ts, client_id, id, &ts_out,
                                   &duplicate, &failure));
  g_assert_cmpint (duplicate, ==, expect_duplicate);
  g_assert_cmpint (ts_out, ==, expect_ts);
}

static void
test_messages_idempotent (Fixture      *f,
                          gconstpointer data)
{
  gint64 first = 0, again = 0, other = 0, in_room = 0, room_again = 0;

  assert_send_once (f, "alice", "bob", "c1", 100, &first, FALSE, 100);
  assert_send_once (f, "alice", "bob", "c1", 200, &again, TRUE, 100);
  g_assert_cmpint (again, ==, first);
  assert_pending (f, "bob", STRV ("text"));

  /* client_ids belong to their sender. */
  assert_send_once (f, "bob", "alice", "c1", 300, &other, FALSE, 300);
  g_assert_cmpint (other, >, first);

  /* A resend after leaving the room still gets the first answer. */
  assert_ok (lt_store_create_room (f->store, "#rust", "", "alice", &failure));
  assert_send_once (f, "alice", "#rust", "c2", 400, &in_room, FALSE, 400);
  assert_ok (lt_store_leave_room (f->store, "#rust", "alice", &failure));
  assert_send_once (f, "alice", "#rust", "c2", 500, &room_again, TRUE, 400);
  g_assert_cmpint (room_again, ==, in_room);
}

static void
test_messages_ack (Fixture      *f,
                   gconstpointer data)
{
  gint64 first = send_message (f, "alice", "bob", "first");
  gint64 second = send_message (f, "alice", "bob", "second");
  gint64 third = send_message (f, "alice", "bob", "third");

  assert_ok (lt_store_ack (f->store, "bob", second, &failure));
  assert_pending (f, "bob", STRV ("third"));

  /* Never backwards. */
  assert_ok (lt_store_ack (f->store, "bob", first, &failure));
  assert_pending (f, "bob", STRV ("third"));

  /* Never past the newest message: a later one is still pending. */
  assert_ok (lt_store_ack (f->store, "bob", third + 1000, &failure));
  assert_pending (f, "bob", EMPTY_STRV);
  send_message (f, "carol", "bob", "fourth");
  assert_pending (f, "bob", STRV ("fourth"));

  /* Cursors are per user. */
  send_message (f, "bob", "alice", "to alice");
  assert_pending (f, "alice", STRV ("to alice"));
}

static void
send_many (Fixture *f,
           guint    n_messages)
{
  assert_ok (lt_store_begin (f->store, &failure));
  for (guint i = 0; i < n_messages; i++)
    {
      g_autofree char *text = g_strdup_printf ("message %u", i);

      send_message (f, i % 2 ? "alice" : "bob", i % 2 ? "bob" : "alice", text);
      /* Other conversations in between must not show up. */
      if (i % 100 == 0)
        {
          send_message (f, "alice", "carol", "noise");
          send_message (f, "carol", LT_LOBBY, "noise");
        }
    }
  assert_ok (lt_store_commit (f->store, &failure));
}

static void
test_history_paging (Fixture      *f,
                     gconstpointer data)
{
  const guint n_messages = 1000, page_size = 50;
  gint64 before = 0, previous = G_MAXINT64;
  guint seen = 0;
  gboolean more = TRUE;

  send_many (f, n_messages);

  while (more)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) page = lt_store_history (f->store, "bob", "alice", before, page_size,
                                                    &more, &error);

      g_assert_no_error (error);
      g_assert_cmpuint (page->len, ==, page_size);
      for (guint i = 0; i < page->len; i++)
        {
          LtMessage *message = g_ptr_array_index (page, i);
          g_autofree char *text = g_strdup_printf ("message %u", n_messages - 1 - seen);

          g_assert_cmpint (message->id, <, previous);
          g_assert_cmpstr (message->text, ==, text);
          previous = message->id;
          seen++;
        }
      before = previous;
    }

  g_assert_cmpuint (seen, ==, n_messages);
}

static void
test_history_unlimited (Fixture      *f,
                        gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) all = NULL;
  gboolean more = TRUE;

  send_many (f, 120);
  all = lt_store_history (f->store, "alice", "bob", 0, 0, &more, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (all->len, ==, 120);
  g_assert_false (more);
}

static void
test_history_conversations (Fixture      *f,
                            gconstpointer data)
{
  send_message (f, "alice", "bob", "ab");
  send_message (f, "bob", "alice", "ba");
  send_message (f, "alice", "carol", "ac");
  send_message (f, "alice", "alice", "aa");
  send_message (f, "carol", LT_LOBBY, "lobby");

  assert_history (f, "alice", "bob", STRV ("ba", "ab"));
  assert_history (f, "bob", "alice", STRV ("ba", "ab"));
  assert_history (f, "carol", "alice", STRV ("ac"));
  assert_history (f, "alice", "alice", STRV ("aa"));
  assert_history (f, "bob", LT_LOBBY, STRV ("lobby"));
}

static void
test_history_errors (Fixture      *f,
                     gconstpointer data)
{
  gboolean more;

  assert_ok (lt_store_create_room (f->store, "#rust", NULL, "alice", &failure));

  assert_refused (lt_store_history (f->store, "alice", "nobody", 0, 10, &more, &failure),
                NO_SUCH_USER);
  assert_refused (lt_store_history (f->store, "alice", "#nowhere", 0, 10, &more, &failure),
                NO_SUCH_ROOM);
  assert_refused (lt_store_history (f->store, "bob", "#rust", 0, 10, &more, &failure),
                NOT_IN_ROOM);
}

static void
assert_room (GPtrArray  *rooms,
             guint       index,
             const char *name,
             const char *topic,
             guint       members,
             gboolean    joined)
{
  LtRoom *room = g_ptr_array_index (rooms, index);

  g_assert_cmpstr (room->name, ==, name);
  g_assert_cmpstr (room->topic, ==, topic);
  g_assert_cmpuint (room->members, ==, members);
  g_assert_cmpint (room->joined, ==, joined);
}

static void
test_rooms_create (Fixture      *f,
                   gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rooms = NULL;

  assert_ok (lt_store_create_room (f->store, "#rust", "Crabs", "alice", &failure));
  assert_ok (lt_store_create_room (f->store, "#empty", NULL, "alice", &failure));
  assert_refused (lt_store_create_room (f->store, "#rust", "Again", "bob", &failure),
                ROOM_EXISTS);
  assert_refused (lt_store_create_room (f->store, LT_LOBBY, "", "bob", &failure),
                ROOM_EXISTS);

  rooms = lt_store_list_rooms (f->store, "bob", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rooms->len, ==, 3);
  assert_room (rooms, 0, "#empty", "", 1, FALSE);
  assert_room (rooms, 1, LT_LOBBY, "", 3, TRUE);
  assert_room (rooms, 2, "#rust", "Crabs", 1, FALSE);

  /* "#empty" sorts before "#lobby", which still comes first. */
  assert_user_rooms (f, "alice", STRV (LT_LOBBY, "#empty", "#rust"));
  assert_room_members (f, "#rust", STRV ("alice"));
  assert_refused (lt_store_list_room_members (f->store, "#nowhere", &failure),
                NO_SUCH_ROOM);
}

static void
test_rooms_join_leave (Fixture      *f,
                       gconstpointer data)
{
  gboolean changed = FALSE;

  assert_ok (lt_store_create_room (f->store, "#rust", NULL, "alice", &failure));

  assert_ok (lt_store_join_room (f->store, "#rust", "bob", &changed, &failure));
  g_assert_true (changed);
  assert_ok (lt_store_join_room (f->store, "#rust", "bob", &changed, &failure));
  g_assert_false (changed);
  assert_room_members (f, "#rust", STRV ("alice", "bob"));
  assert_refused (lt_store_join_room (f->store, "#nowhere", "bob", &changed, &failure),
                NO_SUCH_ROOM);

  assert_ok (lt_store_leave_room (f->store, "#rust", "bob", &failure));
  assert_room_members (f, "#rust", STRV ("alice"));
  assert_user_rooms (f, "bob", STRV (LT_LOBBY));
  assert_refused (lt_store_leave_room (f->store, "#rust", "bob", &failure),
                NOT_IN_ROOM);
  assert_refused (lt_store_leave_room (f->store, "#nowhere", "bob", &failure),
                NO_SUCH_ROOM);
  assert_refused (lt_store_leave_room (f->store, LT_LOBBY, "bob", &failure),
                INVALID_PARAMS);
}

static void
test_friends (Fixture      *f,
              gconstpointer data)
{
  assert_friends (f, "alice", EMPTY_STRV);
  assert_ok (lt_store_add_friend (f->store, "alice", "carol", &failure));
  assert_ok (lt_store_add_friend (f->store, "bob", "alice", &failure));
  assert_friends (f, "alice", STRV ("bob", "carol"));
  assert_friends (f, "bob", STRV ("alice"));
  assert_friends (f, "carol", STRV ("alice"));

  assert_refused (lt_store_add_friend (f->store, "alice", "bob", &failure),
                ALREADY_FRIENDS);
  assert_refused (lt_store_add_friend (f->store, "alice", "nobody", &failure),
                NO_SUCH_USER);
  assert_refused (lt_store_add_friend (f->store, "alice", "alice", &failure),
                INVALID_PARAMS);

  assert_ok (lt_store_remove_friend (f->store, "bob", "alice", &failure));
  assert_friends (f, "alice", STRV ("carol"));
  assert_friends (f, "bob", EMPTY_STRV);
  assert_refused (lt_store_remove_friend (f->store, "alice", "bob", &failure),
                NO_SUCH_USER);
  assert_refused (lt_store_remove_friend (f->store, "alice", "nobody", &failure),
                NO_SUCH_USER);
}

static void
assert_user_exists (Fixture    *f,
                    const char *username,
                    gboolean    expected)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LtUser) user = lt_store_lookup_user (f->store, username, &error);

  g_assert_no_error (error);
  g_assert_cmpint (user != NULL, ==, expected);
}

static void
test_transactions_commit_rollback (Fixture      *f,
                                   gconstpointer data)
{
  assert_ok (lt_store_begin (f->store, &failure));
  create_user (f->store, "dave", "Dave", "dave@example.org");
  lt_store_rollback (f->store);
  assert_user_exists (f, "dave", FALSE);

  assert_ok (lt_store_begin (f->store, &failure));
  create_user (f->store, "dave", "Dave", "dave@example.org");
  assert_ok (lt_store_commit (f->store, &failure));
  reopen_store (f);
  assert_user_exists (f, "dave", TRUE);

  /* Nothing to roll back: nothing happens. */
  lt_store_rollback (f->store);
  lt_store_rollback_to_savepoint (f->store);
}

/* One transaction, three jobs: the second one's writes go, the other
 * two stay. */
static void
test_transactions_savepoint (Fixture      *f,
                             gconstpointer data)
{
  assert_ok (lt_store_begin (f->store, &failure));

  assert_ok (lt_store_savepoint (f->store, &failure));
  create_user (f->store, "dave", "Dave", "dave@example.org");
  assert_ok (lt_store_release_savepoint (f->store, &failure));

  assert_ok (lt_store_savepoint (f->store, &failure));
  create_user (f->store, "erin", "Erin", "erin@example.org");
  send_message (f, "alice", "bob", "lost");
  lt_store_rollback_to_savepoint (f->store);

  assert_ok (lt_store_savepoint (f->store, &failure));
  create_user (f->store, "frank", "Frank", "frank@example.org");
  assert_ok (lt_store_release_savepoint (f->store, &failure));

  assert_ok (lt_store_commit (f->store, &failure));

  assert_user_exists (f, "dave", TRUE);
  assert_user_exists (f, "erin", FALSE);
  assert_user_exists (f, "frank", TRUE);
  assert_pending (f, "bob", EMPTY_STRV);
}

static void
test_transactions_errors (Fixture      *f,
                          gconstpointer data)
{
  assert_fails (lt_store_commit (f->store, &failure), LT_STORE_ERROR, LT_STORE_ERROR_FAILED);
  assert_fails (lt_store_release_savepoint (f->store, &failure), LT_STORE_ERROR,
                LT_STORE_ERROR_FAILED);
  /* A job's savepoint outside a batch would commit alone: refused. */
  assert_fails (lt_store_savepoint (f->store, &failure), LT_STORE_ERROR, LT_STORE_ERROR_FAILED);
  assert_ok (lt_store_begin (f->store, &failure));
  assert_fails (lt_store_begin (f->store, &failure), LT_STORE_ERROR, LT_STORE_ERROR_FAILED);
  lt_store_rollback (f->store);
}

/* Files ---------------------------------------------------------------- */

#define SHA_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define SHA_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

static const LtFileLimits file_limits = { 1000, 3000, 4 };

static gboolean
try_offer (Fixture    *f,
           const char *from,
           const char *to,
           const char *name,
           GPtrArray  *entries,
           gboolean    more,
           gint64     *id,
           GError    **error)
{
  LtFile file = {
    .from = (char *) from,
    .to = (char *) to,
    .name = (char *) name,
    .folder = entries != NULL,
  };
  g_autoptr (GPtrArray) single
      = g_ptr_array_new_with_free_func ((GDestroyNotify)lt_file_entry_free);

  if (entries == NULL)
    g_ptr_array_add (single, lt_file_entry_new (name, 100, SHA_A));
  else
    g_ptr_array_extend_and_steal (single, g_ptr_array_ref (entries));

  if (!lt_store_add_file (f->store, &file, single, more, &file_limits, error))
    return FALSE;

  *id = file.id;
  return TRUE;
}

/* A file of 100 bytes from @from to @to, all uploaded but not finished. */
static gint64
offer_file (Fixture    *f,
            const char *from,
            const char *to,
            const char *name)
{
  gint64 id = 0;

  assert_ok (try_offer (f, from, to, name, NULL, FALSE, &id, &failure));
  g_assert_cmpint (id, >, 0);
  return id;
}

static LtMessage *
finish_entry (Fixture *f,
              gint64   id,
              guint    index)
{
  LtMessage *announcement = NULL;

  assert_ok (lt_store_finish_file_entry (f->store, id, index, 1700000000456, &announcement,
                                         &failure));
  return announcement;
}

static LtMessage *
finish_file (Fixture *f,
             gint64   id)
{
  LtMessage *announcement = finish_entry (f, id, 0);

  g_assert_nonnull (announcement);
  return announcement;
}

static GPtrArray *
entries_new (const char *first_path,
             ...)
{
  GPtrArray *entries = g_ptr_array_new_with_free_func ((GDestroyNotify) lt_file_entry_free);
  const char *path = first_path;
  va_list args;

  /* A path ending in "/" is a directory; the others are files of 10 bytes. */
  va_start (args, first_path);
  for (; path != NULL; path = va_arg (args, const char *))
    {
      if (g_str_has_suffix (path, "/"))
        {
          g_autofree char *dir = g_strndup (path, strlen (path) - 1);

          g_ptr_array_add (entries, lt_file_entry_new (dir, 0, NULL));
        }
      else
        g_ptr_array_add (entries, lt_file_entry_new (path, 10, SHA_B));
    }
  va_end (args);
  return entries;
}

static void
assert_open (Fixture     *f,
             gint64       id,
             const char  *username,
             LtFileAccess access)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LtFile) file = lt_store_open_file (f->store, id, username, access, &error);

  g_assert_no_error (error);
  g_assert_nonnull (file);
  g_assert_cmpint (file->id, ==, id);
}

#define assert_open_refused(f, id, username, access, code)                                         \
  assert_refused (lt_store_open_file ((f)->store, (id), (username), (access), &failure) != NULL,   \
                  code)

static void
test_files_private (Fixture      *f,
                    gconstpointer data)
{
  gint64 id = offer_file (f, "alice", "bob", "report.pdf");
  g_autoptr(LtFileEntry) entry = NULL;
  g_autoptr(LtMessage) announcement = NULL;
  g_autoptr(GPtrArray) pending = NULL;
  g_autoptr(GPtrArray) files = NULL;
  gboolean more = TRUE;
  LtMessage *listed;

  /* Before it is complete only the sender knows of it. */
  assert_open (f, id, "alice", LT_FILE_ACCESS_SEND);
  assert_open_refused (f, id, "bob", LT_FILE_ACCESS_RECEIVE, NO_SUCH_FILE);
  assert_open_refused (f, id, "alice", LT_FILE_ACCESS_RECEIVE, FILE_UNAVAILABLE);
  assert_pending (f, "bob", EMPTY_STRV);

  entry = lt_store_lookup_file_entry (f->store, id, 0, NULL);
  g_assert_nonnull (entry);
  g_assert_cmpstr (entry->path, ==, "report.pdf");
  g_assert_cmpint (entry->size, ==, 100);
  g_assert_cmpstr (entry->sha256, ==, SHA_A);
  g_assert_false (entry->done);
  g_assert_null (lt_store_lookup_file_entry (f->store, id, 1, NULL));

  announcement = finish_file (f, id);
  g_assert_cmpstr (announcement->text, ==, "report.pdf");
  g_assert_cmpstr (announcement->from, ==, "alice");
  g_assert_cmpstr (announcement->nickname, ==, "Alice");
  g_assert_cmpstr (announcement->to, ==, "bob");
  g_assert_cmpint (announcement->ts, ==, 1700000000456);
  g_assert_cmpint (announcement->file->id, ==, id);
  g_assert_cmpint (announcement->file->size, ==, 100);
  g_assert_cmpstr (announcement->file->sha256, ==, SHA_A);
  g_assert_cmpint (announcement->file->state, ==, LT_FILE_STATE_COMPLETE);
  g_assert_cmpint (announcement->file->message_id, ==, announcement->id);
  g_assert_false (announcement->file->folder);

  /* The announcement is a message: pending, in history, in the list. */
  assert_pending (f, "bob", STRV ("report.pdf"));
  pending = lt_store_list_pending (f->store, "bob", 0, 0, NULL);
  g_assert_cmpint (((LtMessage *) g_ptr_array_index (pending, 0))->file->id, ==, id);
  assert_history (f, "alice", "bob", STRV ("report.pdf"));
  files = lt_store_list_files (f->store, "bob", "alice", 0, 10, &more, NULL);
  g_assert_cmpuint (files->len, ==, 1);
  g_assert_false (more);
  listed = g_ptr_array_index (files, 0);
  g_assert_cmpint (listed->id, ==, announcement->id);
  g_assert_cmpint (listed->file->id, ==, id);

  assert_open (f, id, "bob", LT_FILE_ACCESS_RECEIVE);
  assert_open (f, id, "alice", LT_FILE_ACCESS_RECEIVE);
  assert_open (f, id, "bob", LT_FILE_ACCESS_ANSWER);
  assert_open_refused (f, id, "carol", LT_FILE_ACCESS_RECEIVE, NO_SUCH_FILE);
  assert_open_refused (f, id, "carol", LT_FILE_ACCESS_ANSWER, NO_SUCH_FILE);
  assert_open_refused (f, id, "alice", LT_FILE_ACCESS_ANSWER, INVALID_PARAMS);
  assert_open_refused (f, id, "alice", LT_FILE_ACCESS_SEND, FILE_UNAVAILABLE);
  assert_refused (lt_store_cancel_file (f->store, id, &failure), FILE_UNAVAILABLE);
  assert_open_refused (f, 9999, "alice", LT_FILE_ACCESS_RECEIVE, NO_SUCH_FILE);
}

static void
test_files_answer (Fixture      *f,
                   gconstpointer data)
{
  gint64 id = offer_file (f, "alice", "bob", "a.txt");
  g_autoptr(LtMessage) announcement = finish_file (f, id);
  g_autoptr(GPtrArray) files = NULL;
  gboolean more = TRUE;

  assert_ok (lt_store_answer_file (f->store, id, LT_FILE_ANSWER_ACCEPTED, &failure));
  files = lt_store_list_files (f->store, "alice", "bob", 0, 10, &more, NULL);
  g_assert_cmpint (((LtMessage *) g_ptr_array_index (files, 0))->file->answer, ==,
                   LT_FILE_ANSWER_ACCEPTED);

  /* A rejected file: the recipient may no longer download it. */
  assert_ok (lt_store_answer_file (f->store, id, LT_FILE_ANSWER_REJECTED, &failure));
  assert_open_refused (f, id, "bob", LT_FILE_ACCESS_RECEIVE, FILE_UNAVAILABLE);
  assert_open (f, id, "alice", LT_FILE_ACCESS_RECEIVE);
  assert_open (f, id, "bob", LT_FILE_ACCESS_ANSWER);
}

static void
test_files_room (Fixture      *f,
                 gconstpointer data)
{
  gint64 id = offer_file (f, "alice", LT_LOBBY, "slides.odp");
  g_autoptr(LtMessage) announcement = finish_file (f, id);

  g_assert_cmpstr (announcement->to, ==, LT_LOBBY);
  assert_history (f, "carol", LT_LOBBY, STRV ("slides.odp"));
  /* Room messages are never pending. */
  assert_pending (f, "carol", EMPTY_STRV);
  assert_open (f, id, "carol", LT_FILE_ACCESS_RECEIVE);
  assert_open_refused (f, id, "carol", LT_FILE_ACCESS_ANSWER, INVALID_PARAMS);

  assert_ok (lt_store_create_room (f->store, "#team", NULL, "bob", &failure));
  id = offer_file (f, "bob", "#team", "plan.txt");
  g_clear_pointer (&announcement, lt_message_free);
  announcement = finish_file (f, id);
  assert_open_refused (f, id, "carol", LT_FILE_ACCESS_RECEIVE, NOT_IN_ROOM);
  assert_refused (try_offer (f, "carol", "#team", "x", NULL, FALSE, &id, &failure), NOT_IN_ROOM);
  assert_refused (try_offer (f, "carol", "#none", "x", NULL, FALSE, &id, &failure), NO_SUCH_ROOM);
  assert_refused (try_offer (f, "carol", "dave", "x", NULL, FALSE, &id, &failure), NO_SUCH_USER);
}

static void
test_files_folder (Fixture      *f,
                   gconstpointer data)
{
  g_autoptr(GPtrArray) first = entries_new ("photos/a.jpg", "empty/", NULL);
  g_autoptr(GPtrArray) second = entries_new ("photos/b.jpg", NULL);
  g_autoptr(GPtrArray) twice = entries_new ("photos/a.jpg", NULL);
  g_autoptr(GPtrArray) listed = NULL;
  g_autoptr(LtMessage) announcement = NULL;
  g_autoptr(LtFile) file = NULL;
  gboolean more = FALSE;
  gint64 id = 0;

  assert_ok (try_offer (f, "alice", "bob", "Holiday", first, TRUE, &id, &failure));
  file = lt_store_open_file (f->store, id, "alice", LT_FILE_ACCESS_SEND, NULL);
  g_assert_cmpint (file->state, ==, LT_FILE_STATE_DESCRIBING);
  g_assert_cmpint (file->size, ==, 10);
  g_assert_true (file->folder);
  g_assert_null (file->sha256);

  assert_refused (lt_store_add_file_entries (f->store, id, "alice", twice, FALSE, &file_limits,
                                             &failure),
                  INVALID_PARAMS);
  assert_refused (lt_store_add_file_entries (f->store, id, "bob", second, FALSE, &file_limits,
                                             &failure),
                  NO_SUCH_FILE);
  assert_ok (lt_store_add_file_entries (f->store, id, "alice", second, FALSE, &file_limits,
                                        &failure));
  assert_refused (lt_store_add_file_entries (f->store, id, "alice", second, FALSE, &file_limits,
                                             &failure),
                  FILE_UNAVAILABLE);

  g_clear_pointer (&file, lt_file_free);
  file = lt_store_open_file (f->store, id, "alice", LT_FILE_ACCESS_SEND, NULL);
  g_assert_cmpint (file->state, ==, LT_FILE_STATE_UPLOADING);
  g_assert_cmpint (file->size, ==, 20);
  g_assert_cmpuint (file->n_entries, ==, 3);

  /* Pages of entries, in the order they were given; a directory is done. */
  listed = lt_store_list_file_entries (f->store, id, -1, 2, &more, NULL);
  g_assert_cmpuint (listed->len, ==, 2);
  g_assert_true (more);
  g_assert_cmpstr (((LtFileEntry *) g_ptr_array_index (listed, 1))->path, ==, "empty");
  g_assert_null (((LtFileEntry *) g_ptr_array_index (listed, 1))->sha256);
  g_assert_true (((LtFileEntry *) g_ptr_array_index (listed, 1))->done);
  g_clear_pointer (&listed, g_ptr_array_unref);
  listed = lt_store_list_file_entries (f->store, id, 1, 2, &more, NULL);
  g_assert_cmpuint (listed->len, ==, 1);
  g_assert_false (more);
  g_assert_cmpuint (((LtFileEntry *) g_ptr_array_index (listed, 0))->index, ==, 2);

  /* Announced when its last file is done, not before. */
  g_assert_null (finish_entry (f, id, 2));
  assert_pending (f, "bob", EMPTY_STRV);
  announcement = finish_entry (f, id, 0);
  g_assert_nonnull (announcement);
  g_assert_true (announcement->file->folder);
  g_assert_cmpstr (announcement->text, ==, "Holiday");
}

static void
test_files_limits (Fixture      *f,
                   gconstpointer data)
{
  g_autoptr(GPtrArray) large = g_ptr_array_new_with_free_func ((GDestroyNotify) lt_file_entry_free);
  g_autoptr(GPtrArray) many = entries_new ("1", "2", "3", "4", "5", NULL);
  gint64 id = 0;

  /* Size: at most 1000 bytes per offer. */
  g_ptr_array_add (large, lt_file_entry_new ("big", 1001, SHA_A));
  assert_refused (try_offer (f, "alice", "bob", "big", large, FALSE, &id, &failure),
                  FILE_TOO_LARGE);
  /* Entries: at most 4. */
  assert_refused (try_offer (f, "alice", "bob", "many", many, FALSE, &id, &failure),
                  INVALID_PARAMS);

  /* Quota: 3000 bytes; the 100-byte offers count whether finished or not. */
  for (guint i = 0; i < 30; i++)
    offer_file (f, "alice", "bob", "x");
  assert_refused (try_offer (f, "alice", "bob", "x", NULL, FALSE, &id, &failure), QUOTA_EXCEEDED);
  offer_file (f, "bob", "alice", "others still can");

  /* A cancelled offer gives its share back. */
  assert_ok (lt_store_cancel_file (f->store, 1, &failure));
  assert_open_refused (f, 1, "alice", LT_FILE_ACCESS_SEND, FILE_UNAVAILABLE);
  offer_file (f, "alice", "bob", "fits again");
}

static void
test_files_stale (Fixture      *f,
                  gconstpointer data)
{
  gint64 old = offer_file (f, "alice", "bob", "old");
  gint64 done = offer_file (f, "alice", "bob", "done");
  g_autoptr(LtMessage) announcement = finish_file (f, done);
  g_autoptr(GPtrArray) stale = NULL;

  /* Only "old" is both idle since before 2000 and unfinished. */
  offer_file (f, "alice", "bob", "recent");
  assert_ok (lt_store_touch_file (f->store, old, 1000, &failure));
  assert_ok (lt_store_touch_file (f->store, done, 1000, &failure));
  stale = lt_store_list_stale_files (f->store, 2000, NULL);
  g_assert_cmpuint (stale->len, ==, 1);
  g_assert_cmpint (((LtFile *) g_ptr_array_index (stale, 0))->id, ==, old);
}

/* A database that a server of schema version 1 wrote (its dump is
 * tests/data/store-v1.sql), opened by this store: it is migrated, keeps
 * its users, rooms, friends, messages and delivery state, and holds
 * files. */
static void
test_open_migrate_v1 (Fixture      *f,
                      gconstpointer data)
{
  g_autofree char *dump_path = g_test_build_filename (G_TEST_DIST, "data", "store-v1.sql", NULL);
  g_autofree char *dump = NULL;
  g_autofree char *version = NULL;
  g_autoptr(sqlite3) db = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(LtUser) bob = NULL;
  g_autoptr(LtMessage) announcement = NULL;
  gint64 file_id;

  g_file_get_contents (dump_path, &dump, NULL, &error);
  g_assert_no_error (error);
  g_clear_object (&f->store);
  g_free (f->path);
  f->path = g_build_filename (f->dir, "v1.db", NULL);
  db = open_raw (f->path);
  raw_exec (db, dump);
  version = raw_column (db, "PRAGMA user_version", 0);
  g_assert_cmpstr (version, ==, "1");
  g_clear_pointer (&db, sqlite3_close);
  g_clear_pointer (&version, g_free);

  f->store = open_store (f->path);
  db = open_raw (f->path);
  version = raw_column (db, "PRAGMA user_version", 0);
  g_assert_cmpstr (version, ==, "2");

  bob = lt_store_lookup_user (f->store, "bob", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (bob->nickname, ==, "Bob");
  g_assert_cmpstr (bob->phone, ==, "+15550100");
  g_assert_true (g_str_has_prefix (bob->password_hash, "$argon2id$"));
  assert_friends (f, "alice", STRV ("bob"));
  assert_user_rooms (f, "bob", STRV ("#lobby", "#tea"));
  /* History is newest first. */
  assert_history (f, "alice", "bob", STRV ("unread by bob", "hello alice", "hello bob"));
  assert_history (f, "bob", "#tea", STRV ("tea time"));
  assert_pending (f, "alice", EMPTY_STRV);
  assert_pending (f, "bob", STRV ("hello bob", "unread by bob"));
  /* Message ids go on from where version 1 left them. */
  g_assert_cmpint (send_message (f, "bob", "alice", "after the upgrade"), ==, 6);

  file_id = offer_file (f, "alice", "bob", "report.pdf");
  announcement = finish_file (f, file_id);
  g_assert_cmpint (announcement->id, ==, 7);
  assert_pending (f, "bob", STRV ("hello bob", "unread by bob", "report.pdf"));
  assert_history (f, "alice", "bob",
                  STRV ("report.pdf", "after the upgrade", "unread by bob", "hello alice",
                        "hello bob"));
}

static void
add_test (const char *path,
          void (*test) (Fixture *, gconstpointer))
{
  g_test_add (path, Fixture, NULL, fixture_setup, test, fixture_teardown);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  add_test ("/store/open/schema", test_open_schema);
  add_test ("/store/open/twice", test_open_twice);
  add_test ("/store/open/too-new", test_open_too_new);
  add_test ("/store/open/not-a-database", test_open_not_a_database);
  add_test ("/store/open/closed", test_open_closed);
  add_test ("/store/open/query-plans", test_open_query_plans);
  add_test ("/store/open/reopen-keeps-everything", test_reopen_keeps_everything);
  add_test ("/store/open/migrate-v1", test_open_migrate_v1);
  add_test ("/store/users/create", test_users_create);
  add_test ("/store/users/taken", test_users_taken);
  add_test ("/store/users/password-hash", test_users_password_hash);
  add_test ("/store/users/reset-tokens", test_users_reset_tokens);
  add_test ("/store/messages/private", test_messages_private);
  add_test ("/store/messages/room", test_messages_room);
  add_test ("/store/messages/errors", test_messages_errors);
  add_test ("/store/messages/idempotent", test_messages_idempotent);
  add_test ("/store/messages/ack", test_messages_ack);
  add_test ("/store/history/paging", test_history_paging);
  add_test ("/store/history/unlimited", test_history_unlimited);
  add_test ("/store/history/conversations", test_history_conversations);
  add_test ("/store/history/errors", test_history_errors);
  add_test ("/store/rooms/create", test_rooms_create);
  add_test ("/store/rooms/join-leave", test_rooms_join_leave);
  add_test ("/store/friends/add-remove", test_friends);
  add_test ("/store/transactions/commit-rollback", test_transactions_commit_rollback);
  add_test ("/store/transactions/savepoint", test_transactions_savepoint);
  add_test ("/store/transactions/errors", test_transactions_errors);
  add_test ("/store/files/private", test_files_private);
  add_test ("/store/files/answer", test_files_answer);
  add_test ("/store/files/room", test_files_room);
  add_test ("/store/files/folder", test_files_folder);
  add_test ("/store/files/limits", test_files_limits);
  add_test ("/store/files/stale", test_files_stale);

  return g_test_run ();
}
