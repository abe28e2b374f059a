/* SPDX-License-Identifier: GPL-3.0-or-later */
/* lt-daemon-cache.c: LtDaemonCache, liaotiand's local store.
 *
 * One SQLite file per server and user holds the messages the daemon has
 * received or fetched (deduplicated by server id), what it knows of
 * their order, the outbox of messages not yet answered by the server,
 * the unread counts, and the highest id the daemon may acknowledge.
 *
 * History: each message may know its predecessor in its conversation
 * (prev_id).  A cached page is only answered as complete when its
 * messages are linked one to the next, from the newest below `before`
 * down to a full page or to the conversation's first message; a hole,
 * such as room messages sent while the daemon was away, breaks the
 * chain and sends the daemon to the server.
 *
 * Thread: every SQLite call, opening and closing included, runs on one
 * thread of the cache's own, which takes jobs from a queue in order.
 * A job's arguments and result are GVariants: immutable, so they cross
 * threads without copies, and results are what the D-Bus methods send.
 * Each result goes back to the caller's thread-default main context.
 *
 * Durability: a write-ahead log with synchronous=FULL, so that a message
 * the daemon has acknowledged to the server, or an outbox entry it has
 * returned to a client, survives a power loss.
 *
 * Privacy: the folder is 0700 and the database 0600.  SQLite gives its
 * -wal and -shm files the mode of the database file, so creating that
 * file first covers all three without touching the process-wide umask.
 *
 * Statements and schema follow service/lt-sqlite-store.c, through
 * common/lt-sqlite.c: constant SQL in statement_sql[], each prepared
 * once and reset after use, values always bound; migrations[] tracked
 * in PRAGMA user_version. */
#include "config.h"

#include "lt-daemon-cache.h"

#include "lt-daemon-error.h"
#include "lt-sqlite.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <sys/stat.h>

#define DATABASE_NAME "cache.db"

/* The cursors row behind lt_daemon_cache_highest_id_async(). */
#define CURSOR_HIGHEST_RECEIVED "highest_received"
/* The anchor of a catch-up that has not ended yet (0: none). */
#define CURSOR_CATCH_UP_ANCHOR "catch_up_anchor"

/* migrations[v] takes the database from user_version v to v + 1; only
 * ever append.
 *
 * Version 1:
 * - messages.id is the server's id, so a message pushed twice is one
 *   row.  conversation is the peer's username or the "#room", as this
 *   user sees it, which makes history one range of an index.
 * - outbox.local_id is AUTOINCREMENT: never reused, so a late
 *   MessageSent for a removed entry cannot name a newer one.
 * - unread has a row only for conversations with unread messages.
 * - cursors holds named counters that only grow.
 *
 * Version 2:
 * - messages.prev_id is the id of the previous message of the same
 *   conversation: NULL while unknown (all older rows), 0 for the
 *   conversation's first message.  It need not be cached itself.
 * - messages.delivered is 0 for a message only fetched with history: it
 *   is still news when the server delivers it (the login push may come
 *   after a page that already held it).
 *
 * Version 3 (files, docs/DESIGN-files.md):
 * - files has a row per file_offered this daemon stored: what ListFiles
 *   answers while offline, and the conversation of a file to download.
 *   Its announcement is also a row of messages, with the name as text.
 * - transfers has a row per upload and download, so that they resume
 *   after a restart.  path is an upload's source, or a download's
 *   destination folder; part the download's "NAME.part"; result where
 *   the finished file is; manifest the upload's offer as JSON (name,
 *   and size and sha256, or entries), once hashed. */
static const char *const migrations[] = {
  "CREATE TABLE messages ("
  "  id INTEGER PRIMARY KEY NOT NULL,"
  "  ts INTEGER NOT NULL,"
  "  sender TEXT NOT NULL,"
  "  recipient TEXT NOT NULL,"
  "  conversation TEXT NOT NULL,"
  "  text TEXT NOT NULL"
  ");"
  "CREATE INDEX messages_by_conversation ON messages (conversation, id);"
  "CREATE TABLE outbox ("
  "  local_id INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  client_id TEXT NOT NULL UNIQUE,"
  "  recipient TEXT NOT NULL,"
  "  text TEXT NOT NULL,"
  "  created INTEGER NOT NULL"
  ");"
  "CREATE TABLE unread ("
  "  conversation TEXT PRIMARY KEY NOT NULL,"
  "  count INTEGER NOT NULL,"
  "  newest_id INTEGER NOT NULL REFERENCES messages (id)"
  ") WITHOUT ROWID;"
  "CREATE TABLE cursors ("
  "  name TEXT PRIMARY KEY NOT NULL,"
  "  value INTEGER NOT NULL"
  ") WITHOUT ROWID;"
  "PRAGMA user_version = 1;",

  "ALTER TABLE messages ADD COLUMN prev_id INTEGER;"
  "ALTER TABLE messages ADD COLUMN delivered INTEGER NOT NULL DEFAULT 1;"
  "PRAGMA user_version = 2;",

  "CREATE TABLE files ("
  "  file_id INTEGER PRIMARY KEY NOT NULL,"
  "  id INTEGER NOT NULL,"
  "  ts INTEGER NOT NULL,"
  "  sender TEXT NOT NULL,"
  "  conversation TEXT NOT NULL,"
  "  name TEXT NOT NULL,"
  "  size INTEGER NOT NULL,"
  "  folder INTEGER NOT NULL,"
  "  state TEXT NOT NULL"
  ");"
  "CREATE INDEX files_by_conversation ON files (conversation, id);"
  "CREATE TABLE transfers ("
  "  transfer_id INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  upload INTEGER NOT NULL,"
  "  file_id INTEGER NOT NULL,"
  "  conversation TEXT NOT NULL,"
  "  name TEXT NOT NULL,"
  "  path TEXT NOT NULL,"
  "  part TEXT NOT NULL,"
  "  result TEXT NOT NULL,"
  "  state TEXT NOT NULL,"
  "  done INTEGER NOT NULL,"
  "  total INTEGER NOT NULL,"
  "  manifest TEXT NOT NULL"
  ");"
  "PRAGMA user_version = 3;",
};

typedef enum
{
  STMT_USER_VERSION,
  STMT_BEGIN,
  STMT_COMMIT,
  STMT_ROLLBACK,
  STMT_INSERT_DELIVERED,
  STMT_INSERT_FETCHED,
  STMT_LINK,
  STMT_PREV_ID,
  STMT_BUMP_UNREAD,
  STMT_RAISE_CURSOR,
  STMT_GET_CURSOR,
  STMT_SET_CURSOR,
  STMT_NEWEST_DELIVERED,
  STMT_HISTORY,
  STMT_MARK_READ,
  STMT_LIST_UNREAD,
  STMT_OUTBOX_ADD,
  STMT_OUTBOX_LIST,
  STMT_OUTBOX_REMOVE,
  STMT_FILE_ADD,
  STMT_FILE_SET_STATE,
  STMT_FILES_LIST,
  STMT_FILE_CONVERSATION,
  STMT_TRANSFER_SAVE,
  STMT_TRANSFERS_LIST,
  N_STATEMENTS
} StatementId;

/* Query plans (EXPLAIN QUERY PLAN, checked by tests/test-daemon-cache.c):
 *   history: SEARCH messages USING INDEX messages_by_conversation (conversation=? AND id<?)
 *   link, prev_id: SEARCH messages USING INTEGER PRIMARY KEY (rowid=?) */
static const char *const statement_sql[N_STATEMENTS] = {
  [STMT_USER_VERSION] = "PRAGMA user_version",
  [STMT_BEGIN] = "BEGIN IMMEDIATE",
  [STMT_COMMIT] = "COMMIT",
  [STMT_ROLLBACK] = "ROLLBACK",
  /* Changes a row when the message is news: new, or fetched before. */
  [STMT_INSERT_DELIVERED] = "INSERT INTO messages (id, ts, sender, recipient, conversation, text)"
                            " VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
                            " ON CONFLICT (id) DO UPDATE SET delivered = 1 WHERE NOT delivered",
  [STMT_INSERT_FETCHED] = "INSERT INTO messages"
                          " (id, ts, sender, recipient, conversation, text, delivered)"
                          " VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0) ON CONFLICT (id) DO NOTHING",
  /* ?4 says whether to replace a known link, see link_message(). */
  [STMT_LINK] = "UPDATE messages SET prev_id = ?2"
                " WHERE id = ?1 AND conversation = ?3 AND (prev_id IS NULL OR ?4)",
  [STMT_PREV_ID] = "SELECT coalesce (prev_id, -1) FROM messages"
                   " WHERE id = ?1 AND conversation = ?2",
  [STMT_BUMP_UNREAD] = "INSERT INTO unread (conversation, count, newest_id) VALUES (?1, 1, ?2)"
                       " ON CONFLICT (conversation) DO UPDATE"
                       " SET count = count + 1, newest_id = max (newest_id, excluded.newest_id)",
  [STMT_RAISE_CURSOR] = "INSERT INTO cursors (name, value) VALUES (?1, ?2)"
                        " ON CONFLICT (name) DO UPDATE SET value = max (value, excluded.value)",
  [STMT_GET_CURSOR] = "SELECT value FROM cursors WHERE name = ?1",
  [STMT_SET_CURSOR] = "INSERT INTO cursors (name, value) VALUES (?1, ?2)"
                      " ON CONFLICT (name) DO UPDATE SET value = excluded.value",
  [STMT_NEWEST_DELIVERED] = "SELECT coalesce (max (id), 0) FROM messages WHERE delivered",
  [STMT_HISTORY] = "SELECT id, ts, sender, recipient, text, coalesce (prev_id, -1) FROM messages"
                   " WHERE conversation = ?1 AND id < ?2 ORDER BY id DESC LIMIT ?3",
  [STMT_MARK_READ] = "DELETE FROM unread WHERE conversation = ?1",
  [STMT_LIST_UNREAD] = "SELECT conversation, count, newest_id FROM unread ORDER BY conversation",
  [STMT_OUTBOX_ADD] = "INSERT INTO outbox (client_id, recipient, text, created)"
                      " VALUES (?1, ?2, ?3, ?4)",
  [STMT_OUTBOX_LIST] = "SELECT local_id, client_id, recipient, text FROM outbox ORDER BY local_id",
  [STMT_OUTBOX_REMOVE] = "DELETE FROM outbox WHERE local_id = ?1",
  [STMT_FILE_ADD] = "INSERT INTO files"
                    " (file_id, id, ts, sender, conversation, name, size, folder, state)"
                    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT (file_id) DO NOTHING",
  [STMT_FILE_SET_STATE] = "UPDATE files SET state = ?2 WHERE file_id = ?1",
  [STMT_FILES_LIST] = "SELECT file_id, id, ts, sender, name, size, folder, state FROM files"
                      " WHERE conversation = ?1 ORDER BY id DESC LIMIT 200",
  [STMT_FILE_CONVERSATION] = "SELECT conversation, sender FROM files WHERE file_id = ?1",
  /* ?1 NULL inserts a new transfer. */
  [STMT_TRANSFER_SAVE] = "INSERT INTO transfers (transfer_id, upload, file_id, conversation, name,"
                         " path, part, result, state, done, total, manifest)"
                         " VALUES (nullif (?1, 0), ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"
                         " ON CONFLICT (transfer_id) DO UPDATE SET file_id = excluded.file_id,"
                         " name = excluded.name, part = excluded.part,"
                         " result = excluded.result, state = excluded.state,"
                         " done = excluded.done, total = excluded.total,"
                         " manifest = excluded.manifest",
  [STMT_TRANSFERS_LIST] = "SELECT transfer_id, upload, file_id, conversation, name, path, part,"
                          " result, state, done, total, manifest FROM transfers"
                          " ORDER BY transfer_id",
};

/* Runs on the cache's thread.  Returns a new (possibly floating)
 * GVariant, or NULL with @error set. */
typedef GVariant *(*JobFunc) (LtDaemonCache *self,
                              GVariant      *args,
                              GError       **error);

typedef struct
{
  GTask *task;
  JobFunc func;
  GVariant *args;
  GVariant *result;
  GError *error;
} Job;

struct _LtDaemonCache
{
  GObject parent_instance;

  GThread *thread;
  GAsyncQueue *jobs;

  /* Only the cache's thread uses the connection. */
  LtSqlite *sqlite;
};

G_DEFINE_FINAL_TYPE (LtDaemonCache, lt_daemon_cache, G_TYPE_OBJECT)

/* Queued by finalize to end the thread. */
static Job stop_job;

/* The LtSqliteErrorFunc of the cache. */
static void
set_sqlite_error (sqlite3 *db,
                  GError **error)
{
  g_set_error (error, LT_DAEMON_ERROR, LT_DAEMON_ERROR_FAILED, "The local cache failed: %s",
               sqlite3_errmsg (db));
}

/* Returns FALSE, so that callers can return it. */
static gboolean
set_file_error (GError    **error,
                int         saved_errno,
                const char *path)
{
  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
               "Cannot create the local cache %s: %s", path, g_strerror (saved_errno));
  return FALSE;
}

static GVariant *
column_variant (sqlite3_stmt *stmt,
                int           column,
                char          type)
{
  const char *text;

  switch (type)
    {
    case 't':
      return g_variant_new_uint64 (sqlite3_column_int64 (stmt, column));
    case 'x':
      return g_variant_new_int64 (sqlite3_column_int64 (stmt, column));
    case 'b':
      return g_variant_new_boolean (sqlite3_column_int64 (stmt, column) != 0);
    case 'u':
      return g_variant_new_uint32 (CLAMP (sqlite3_column_int64 (stmt, column), 0, G_MAXUINT32));
    case 's':
      text = (const char *) sqlite3_column_text (stmt, column);
      return g_variant_new_string (text != NULL ? text : "");
    default:
      g_assert_not_reached ();
    }
}

typedef struct
{
  GVariantBuilder *rows;
  const GVariantType *tuple_type;
  const char *row_type;
} QueryRows;

static void
add_tuple (LtSqliteStatement *stmt,
           gpointer           user_data)
{
  QueryRows *query = user_data;

  g_variant_builder_open (query->rows, query->tuple_type);
  for (int i = 0; query->row_type[i] != '\0'; i++)
    g_variant_builder_add_value (query->rows, column_variant (stmt, i, query->row_type[i]));
  g_variant_builder_close (query->rows);
}

/* Every row of statement @id as an array of tuples of @row_type, one
 * column per character: 't', 'x' and 'u' integers, 's' text. */
static GVariant *
query_rows (LtDaemonCache *self,
            StatementId    id,
            const char    *row_type,
            GError       **error,
            const char    *signature,
            ...)
{
  g_autofree char *array_type = g_strdup_printf ("a(%s)", row_type);
  g_auto(GVariantBuilder) rows = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE (array_type));
  QueryRows query = { &rows, g_variant_type_element (G_VARIANT_TYPE (array_type)), row_type };
  gboolean ok;
  va_list args;

  va_start (args, signature);
  ok = lt_sqlite_foreach_row_valist (self->sqlite, id, add_tuple, &query, error, signature, args);
  va_end (args);

  return ok ? g_variant_builder_end (&rows) : NULL;
}

typedef gboolean (*TransactionFunc) (LtDaemonCache *self,
                                     gpointer       data,
                                     GError       **error);

static gboolean
run_in_transaction (LtDaemonCache  *self,
                    TransactionFunc func,
                    gpointer        data,
                    GError        **error)
{
  g_autoptr(GError) rollback_error = NULL;

  if (!lt_sqlite_execute (self->sqlite, STMT_BEGIN, error, ""))
    return FALSE;

  if (func (self, data, error) && lt_sqlite_execute (self->sqlite, STMT_COMMIT, error, ""))
    return TRUE;

  /* After some errors (SQLITE_FULL, SQLITE_IOERR) SQLite has already
   * left the transaction: then there is nothing to roll back. */
  if (!sqlite3_get_autocommit (lt_sqlite_get_db (self->sqlite)) &&
      !lt_sqlite_execute (self->sqlite, STMT_ROLLBACK, &rollback_error, ""))
    g_warning ("Could not roll back the local cache: %s", rollback_error->message);
  return FALSE;
}

/* The user_version is read under the write lock of BEGIN IMMEDIATE, so
 * that two daemons opening one file cannot both migrate it. */
static gboolean
migrate (LtDaemonCache *self,
         gpointer       data,
         GError       **error)
{
  return lt_sqlite_migrate (self->sqlite, STMT_USER_VERSION, migrations,
                            G_N_ELEMENTS (migrations), "The local cache", "liaotiand",
                            LT_DAEMON_ERROR, LT_DAEMON_ERROR_FAILED, error);
}


/* g_mkdir_with_parents() leaves the mode of an existing folder alone:
 * tighten it too. */
static gboolean
make_private_folder (const char *dir,
                     GError    **error)
{
  if (g_mkdir_with_parents (dir, 0700) != 0 || g_chmod (dir, 0700) != 0)
    return set_file_error (error, errno, dir);
  return TRUE;
}

/* Creates the database file 0600 before SQLite does, and tightens any
 * -wal and -shm files left by an older run. */
static gboolean
make_private_files (const char *path,
                    GError    **error)
{
  const char *const suffixes[] = { "-wal", "-shm" };
  int fd = g_open (path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);

  if (fd < 0 || fchmod (fd, 0600) != 0)
    {
      int saved_errno = errno;

      if (fd >= 0)
        g_close (fd, NULL);
      return set_file_error (error, saved_errno, path);
    }
  if (!g_close (fd, error))
    return FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *file = g_strconcat (path, suffixes[i], NULL);

      if (g_chmod (file, 0600) != 0 && errno != ENOENT)
        return set_file_error (error, errno, file);
    }

  return TRUE;
}

static GVariant *
open_job (LtDaemonCache *self,
          GVariant      *args,
          GError       **error)
{
  const char *dir = g_variant_get_bytestring (args);
  g_autofree char *path = g_build_filename (dir, DATABASE_NAME, NULL);

  if (!make_private_folder (dir, error) || !make_private_files (path, error))
    return NULL;

  if (!lt_sqlite_open (self->sqlite, path, error)
      || !lt_sqlite_make_durable (self->sqlite, "The local cache", LT_DAEMON_ERROR,
                                  LT_DAEMON_ERROR_FAILED, error)
      || !run_in_transaction (self, migrate, NULL, error))
    return NULL;

  return g_variant_new ("()");
}

typedef struct
{
  guint64 id;
  gint64 ts;
  const char *sender;
  const char *recipient;
  const char *text;
  gint64 prev_id; /* LT_DAEMON_CACHE_UNKNOWN_ID, 0 or an id */
} Message;

/* What store_messages_job() works with inside its transaction. */
typedef struct
{
  GVariant *messages;
  const char *username;
  const char *focused;
  GVariantBuilder added;
} StoreBatch;

static gboolean
insert_message (LtDaemonCache *self,
                StatementId    id,
                const Message *message,
                const char    *conversation,
                GError       **error)
{
  return lt_sqlite_execute (self->sqlite, id, error, "xxssss", (gint64) message->id, message->ts,
                            message->sender, message->recipient, conversation, message->text);
}

/* Records that @prev_id precedes message @id of @conversation, if @id is
 * cached there.  A server page is the server's word (@replace); a link
 * from live messages only fills in what is unknown. */
static gboolean
link_message (LtDaemonCache *self,
              gint64         id,
              const char    *conversation,
              gint64         prev_id,
              gboolean       replace,
              GError       **error)
{
  return lt_sqlite_execute (self->sqlite, STMT_LINK, error, "xxsx", id, prev_id, conversation,
                            (gint64) replace);
}

/* Only news counts: a message seen before is neither signalled nor
 * counted again, unless it was only fetched with history so far. */
static gboolean
store_message (LtDaemonCache *self,
               StoreBatch    *batch,
               const Message *message,
               GError       **error)
{
  const char *conversation = lt_daemon_cache_conversation_of (message->sender, message->recipient,
                                                              batch->username);
  gint64 id = message->id;
  gboolean news;

  if (!insert_message (self, STMT_INSERT_DELIVERED, message, conversation, error))
    return FALSE;
  news = sqlite3_changes (lt_sqlite_get_db (self->sqlite)) > 0;
  if (message->prev_id != LT_DAEMON_CACHE_UNKNOWN_ID &&
      !link_message (self, id, conversation, message->prev_id, FALSE, error))
    return FALSE;
  if (!news)
    return TRUE;

  g_variant_builder_add (&batch->added, "(stxss)", conversation, message->id, message->ts,
                         message->sender, message->text);

  if (g_strcmp0 (message->recipient, batch->username) == 0 &&
      !lt_sqlite_execute (self->sqlite, STMT_RAISE_CURSOR, error, "sx", CURSOR_HIGHEST_RECEIVED,
                          id))
    return FALSE;

  if (g_strcmp0 (message->sender, batch->username) == 0 ||
      g_strcmp0 (conversation, batch->focused) == 0)
    return TRUE;
  return lt_sqlite_execute (self->sqlite, STMT_BUMP_UNREAD, error, "sx", conversation, id);
}

static gboolean
store_batch (LtDaemonCache *self,
             gpointer       data,
             GError       **error)
{
  StoreBatch *batch = data;
  GVariantIter iter;
  Message message;

  g_variant_iter_init (&iter, batch->messages);
  while (g_variant_iter_next (&iter, "(tx&s&s&sx)", &message.id, &message.ts, &message.sender,
                              &message.recipient, &message.text, &message.prev_id))
    {
      if (!store_message (self, batch, &message, error))
        return FALSE;
    }

  return TRUE;
}

static GVariant *
store_messages_job (LtDaemonCache *self,
                    GVariant      *args,
                    GError       **error)
{
  g_autoptr(GVariant) messages = g_variant_get_child_value (args, 0);
  StoreBatch batch = { .messages = messages };

  g_variant_get_child (args, 1, "&s", &batch.username);
  g_variant_get_child (args, 2, "&s", &batch.focused);
  g_variant_builder_init (&batch.added, G_VARIANT_TYPE ("a(stxss)"));

  if (!run_in_transaction (self, store_batch, &batch, error))
    {
      g_variant_builder_clear (&batch.added);
      return NULL;
    }

  return g_variant_builder_end (&batch.added);
}

/* A page of the server's history, as store_history_job() reads it. */
typedef struct
{
  const char *conversation;
  guint64 before;
  GVariant *messages;
  gboolean more;
} ServerPage;

/* The page is contiguous, newest first: the predecessor of each message
 * is the next one, that of @before is the newest, and without more the
 * oldest (or @before itself, when the page is empty) has none. */
static gboolean
store_page (LtDaemonCache *self,
            gpointer       data,
            GError       **error)
{
  ServerPage *page = data;
  gint64 newer = page->before <= G_MAXINT64 ? (gint64) page->before : 0; /* 0: none */
  Message message = { 0 };
  GVariantIter iter;

  g_variant_iter_init (&iter, page->messages);
  while (g_variant_iter_next (&iter, "(tx&s&s&s)", &message.id, &message.ts, &message.sender,
                              &message.recipient, &message.text))
    {
      if (!insert_message (self, STMT_INSERT_FETCHED, &message, page->conversation, error) ||
          (newer > 0 && !link_message (self, newer, page->conversation, message.id, TRUE, error)))
        return FALSE;
      newer = message.id;
    }

  return page->more || newer == 0 || link_message (self, newer, page->conversation, 0, TRUE, error);
}

static GVariant *
store_history_job (LtDaemonCache *self,
                   GVariant      *args,
                   GError       **error)
{
  g_autoptr(GVariant) messages = NULL;
  ServerPage page;

  g_variant_get (args, "(&st@a(txsss)b)", &page.conversation, &page.before, &messages,
                 &page.more);
  page.messages = messages;
  return run_in_transaction (self, store_page, &page, error) ? g_variant_new ("()") : NULL;
}

/* The rows of a cached page, and whether each is linked to the next. */
typedef struct
{
  QueryRows rows;
  guint n_rows;
  gint64 newest;
  gint64 oldest_prev_id; /* of the last row so far */
  gboolean linked;
} PageRows;

static void
add_page_row (LtSqliteStatement *stmt,
              gpointer           user_data)
{
  PageRows *page = user_data;
  gint64 id = sqlite3_column_int64 (stmt, 0);

  add_tuple (stmt, &page->rows);
  if (page->n_rows++ == 0)
    page->newest = id;
  else if (page->oldest_prev_id != id)
    page->linked = FALSE;
  page->oldest_prev_id = sqlite3_column_int64 (stmt, 5);
}

/* The id the newest message of a page must have for nothing to be
 * missing above it: the @tail the daemon knows for the newest page,
 * else the predecessor of @before, which must be of @conversation.
 * LT_DAEMON_CACHE_UNKNOWN_ID when nobody knows. */
static gboolean
get_expected_newest (LtDaemonCache *self,
                     const char    *conversation,
                     guint64        before,
                     gint64         tail,
                     gint64        *expected,
                     GError       **error)
{
  gboolean found = FALSE;

  *expected = before == 0 ? tail : LT_DAEMON_CACHE_UNKNOWN_ID;
  if (before == 0 || before > G_MAXINT64)
    return TRUE;

  if (!lt_sqlite_query_integers (self->sqlite, STMT_PREV_ID, expected, 1, &found, error, "xs",
                                 (gint64) before, conversation))
    return FALSE;
  if (!found)
    *expected = LT_DAEMON_CACHE_UNKNOWN_ID;
  return TRUE;
}

/* Complete: the page is what the server would answer.  Its newest
 * message is the one expected, each is linked to the next, and it is
 * full or reaches the conversation's first message.  An empty page is
 * complete only when nothing is below @before at all. */
static gboolean
page_is_complete (const PageRows *page,
                  guint           limit,
                  gint64          expected)
{
  if (expected == LT_DAEMON_CACHE_UNKNOWN_ID)
    return FALSE;
  if (page->n_rows == 0)
    return expected == 0;
  return page->newest == expected && page->linked &&
         (page->n_rows == limit || page->oldest_prev_id == 0);
}

static gboolean
foreach_row (LtDaemonCache  *self,
             StatementId     id,
             LtSqliteRowFunc func,
             gpointer        user_data,
             GError        **error,
             const char     *signature,
             ...)
{
  gboolean ok;
  va_list args;

  va_start (args, signature);
  ok = lt_sqlite_foreach_row_valist (self->sqlite, id, func, user_data, error, signature, args);
  va_end (args);
  return ok;
}

static GVariant *
history_job (LtDaemonCache *self,
             GVariant      *args,
             GError       **error)
{
  g_auto(GVariantBuilder) rows = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE ("a(txsss)"));
  PageRows page = { .rows = { &rows, G_VARIANT_TYPE ("(txsss)"), "txsss" }, .linked = TRUE };
  const char *conversation;
  guint64 before;
  guint32 limit;
  gint64 tail, expected;

  g_variant_get (args, "(&stux)", &conversation, &before, &limit, &tail);
  if (!get_expected_newest (self, conversation, before, tail, &expected, error) ||
      !foreach_row (self, STMT_HISTORY, add_page_row, &page, error, "sxx", conversation,
                    before == 0 || before > G_MAXINT64 ? G_MAXINT64 : (gint64) before,
                    (gint64) limit))
    return NULL;

  return g_variant_new ("(@a(txsss)b)", g_variant_builder_end (&rows),
                        page_is_complete (&page, limit, expected));
}

static GVariant *
outbox_add_job (LtDaemonCache *self,
                GVariant      *args,
                GError       **error)
{
  g_autofree char *client_id = g_uuid_string_random ();
  const char *to;
  const char *text;
  gint64 local_id;

  g_variant_get (args, "(&s&s)", &to, &text);
  if (!lt_sqlite_execute (self->sqlite, STMT_OUTBOX_ADD, error, "sssx", client_id, to, text,
                          g_get_real_time () / 1000))
    return NULL;

  local_id = sqlite3_last_insert_rowid (lt_sqlite_get_db (self->sqlite));
  return g_variant_new ("(ts)", (guint64) local_id, client_id);
}

static GVariant *
outbox_list_job (LtDaemonCache *self,
                 GVariant      *args,
                 GError       **error)
{
  return query_rows (self, STMT_OUTBOX_LIST, "tsss", error, "");
}

static GVariant *
outbox_remove_job (LtDaemonCache *self,
                   GVariant      *args,
                   GError       **error)
{
  if (!lt_sqlite_execute (self->sqlite, STMT_OUTBOX_REMOVE, error, "x",
                          g_variant_get_int64 (args)))
    return NULL;
  return g_variant_new ("()");
}

static GVariant *
file_add_job (LtDaemonCache *self,
              GVariant      *args,
              GError       **error)
{
  const char *sender, *conversation, *name, *state;
  guint64 file_id, id, size;
  gboolean folder;
  gint64 ts;

  g_variant_get (args, "(ttx&s&s&stb&s)", &file_id, &id, &ts, &sender, &conversation, &name,
                 &size, &folder, &state);
  if (!lt_sqlite_execute (self->sqlite, STMT_FILE_ADD, error, "xxxsssxxs", (gint64) file_id,
                          (gint64) id, ts, sender, conversation, name, (gint64) size,
                          (gint64) folder, state))
    return NULL;
  return g_variant_new ("()");
}

static GVariant *
file_set_state_job (LtDaemonCache *self,
                    GVariant      *args,
                    GError       **error)
{
  const char *state;
  guint64 file_id;

  g_variant_get (args, "(t&s)", &file_id, &state);
  if (!lt_sqlite_execute (self->sqlite, STMT_FILE_SET_STATE, error, "xs", (gint64) file_id,
                          state))
    return NULL;
  return g_variant_new ("()");
}

static GVariant *
files_list_job (LtDaemonCache *self,
                GVariant      *args,
                GError       **error)
{
  return query_rows (self, STMT_FILES_LIST, "ttxsstbs", error, "s",
                     g_variant_get_string (args, NULL));
}

static GVariant *
file_conversation_job (LtDaemonCache *self,
                       GVariant      *args,
                       GError       **error)
{
  g_autoptr(GVariant) rows = query_rows (self, STMT_FILE_CONVERSATION, "ss", error, "x",
                                         (gint64) g_variant_get_uint64 (args));

  if (rows == NULL)
    return NULL;
  if (g_variant_n_children (rows) == 0)
    return g_variant_new ("(ss)", "", "");
  return g_variant_get_child_value (rows, 0);
}

static GVariant *
transfer_save_job (LtDaemonCache *self,
                   GVariant      *args,
                   GError       **error)
{
  const char *conversation, *name, *path, *part, *result, *state, *manifest;
  guint64 transfer_id, file_id, done, total;
  gboolean upload;

  g_variant_get (args, "(tbt&s&s&s&s&s&stt&s)", &transfer_id, &upload, &file_id, &conversation,
                 &name, &path, &part, &result, &state, &done, &total, &manifest);
  if (!lt_sqlite_execute (self->sqlite, STMT_TRANSFER_SAVE, error, "xxxssssssxxs",
                          (gint64) transfer_id, (gint64) upload, (gint64) file_id, conversation,
                          name, path, part, result, state, (gint64) done, (gint64) total,
                          manifest))
    return NULL;
  if (transfer_id == 0)
    transfer_id = sqlite3_last_insert_rowid (lt_sqlite_get_db (self->sqlite));
  return g_variant_new_uint64 (transfer_id);
}

static GVariant *
transfers_list_job (LtDaemonCache *self,
                    GVariant      *args,
                    GError       **error)
{
  return query_rows (self, STMT_TRANSFERS_LIST, LT_DAEMON_CACHE_TRANSFER_ROW, error, "");
}

static GVariant *
mark_read_job (LtDaemonCache *self,
               GVariant      *args,
               GError       **error)
{
  if (!lt_sqlite_execute (self->sqlite, STMT_MARK_READ, error, "s",
                          g_variant_get_string (args, NULL)))
    return NULL;
  return g_variant_new ("()");
}

static GVariant *
list_unread_job (LtDaemonCache *self,
                 GVariant      *args,
                 GError       **error)
{
  return query_rows (self, STMT_LIST_UNREAD, "sut", error, "");
}

static GVariant *
highest_id_job (LtDaemonCache *self,
                GVariant      *args,
                GError       **error)
{
  gint64 id;

  if (!lt_sqlite_query_integers (self->sqlite, STMT_GET_CURSOR, &id, 1, NULL, error, "s",
                                 CURSOR_HIGHEST_RECEIVED))
    return NULL;
  return g_variant_new_uint64 (id);
}

/* The anchor of a catch-up that did not end stays: what it had not
 * delivered yet is above it still. */
static gboolean
begin_catch_up (LtDaemonCache *self,
                gpointer       data,
                GError       **error)
{
  gint64 *anchor = data;

  if (!lt_sqlite_query_integers (self->sqlite, STMT_GET_CURSOR, anchor, 1, NULL, error, "s",
                                 CURSOR_CATCH_UP_ANCHOR))
    return FALSE;
  if (*anchor == 0
      && !lt_sqlite_query_integers (self->sqlite, STMT_NEWEST_DELIVERED, anchor, 1, NULL, error,
                                    ""))
    return FALSE;
  return lt_sqlite_execute (self->sqlite, STMT_SET_CURSOR, error, "sx", CURSOR_CATCH_UP_ANCHOR,
                            *anchor);
}

static GVariant *
begin_catch_up_job (LtDaemonCache *self,
                    GVariant      *args,
                    GError       **error)
{
  gint64 anchor = 0;

  if (!run_in_transaction (self, begin_catch_up, &anchor, error))
    return NULL;
  return g_variant_new_uint64 (anchor);
}

static GVariant *
end_catch_up_job (LtDaemonCache *self,
                  GVariant      *args,
                  GError       **error)
{
  if (!lt_sqlite_execute (self->sqlite, STMT_SET_CURSOR, error, "sx", CURSOR_CATCH_UP_ANCHOR,
                          (gint64) 0))
    return NULL;
  return g_variant_new ("()");
}

static void
job_free (Job *job)
{
  g_clear_pointer (&job->args, g_variant_unref);
  g_clear_pointer (&job->result, g_variant_unref);
  g_clear_error (&job->error);
  g_clear_object (&job->task);
  g_free (job);
}

/* In the task's main context. */
static gboolean
complete_job (gpointer user_data)
{
  Job *job = user_data;

  if (job->error != NULL)
    g_task_return_error (job->task, g_steal_pointer (&job->error));
  else
    g_task_return_pointer (job->task, g_steal_pointer (&job->result),
                           (GDestroyNotify) g_variant_unref);
  return G_SOURCE_REMOVE;
}

static gpointer
cache_thread (gpointer user_data)
{
  LtDaemonCache *self = user_data;
  Job *job;

  while ((job = g_async_queue_pop (self->jobs)) != &stop_job)
    {
      job->result = job->func (self, job->args, &job->error);
      if (job->result != NULL)
        g_variant_take_ref (job->result);

      /* job_free runs in the task's context as well: the task holds the
       * cache, whose finalize joins this thread, so its last reference
       * must not be dropped here. */
      g_main_context_invoke_full (g_task_get_context (job->task), G_PRIORITY_DEFAULT,
                                  complete_job, job, (GDestroyNotify) job_free);
    }

  g_clear_pointer (&self->sqlite, lt_sqlite_free);
  return NULL;
}

/* Takes @args if floating.  The task keeps the cache alive until the
 * job is done. */
static void
queue_job (LtDaemonCache      *self,
           JobFunc             func,
           GVariant           *args,
           gpointer            source_tag,
           GCancellable       *cancellable,
           GAsyncReadyCallback callback,
           gpointer            user_data)
{
  Job *job = g_new0 (Job, 1);

  job->task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (job->task, source_tag);
  job->func = func;
  job->args = g_variant_ref_sink (args);
  g_async_queue_push (self->jobs, job);
}

static GVariant *
propagate_result (LtDaemonCache *self,
                  GAsyncResult  *result,
                  gpointer       source_tag,
                  GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == source_tag, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* For the operations whose result is "()". */
static gboolean
propagate_done (LtDaemonCache *self,
                GAsyncResult  *result,
                gpointer       source_tag,
                GError       **error)
{
  g_autoptr(GVariant) done = propagate_result (self, result, source_tag, error);

  return done != NULL;
}

/* Keeps what is safe in a folder name: ASCII letters, digits, "-", "_",
 * "~" and "." except at the start (no "..", no hidden folder); the rest
 * becomes %XX.  Host names do not care about case, so @server is
 * lowercased. */
static char *
folder_name (const char *component)
{
  g_autofree char *escaped = g_uri_escape_string (component, NULL, FALSE);

  if (escaped[0] == '.')
    return g_strconcat ("%2E", escaped + 1, NULL);
  if (escaped[0] == '\0')
    return g_strdup ("%00");
  return g_steal_pointer (&escaped);
}

/**
 * lt_daemon_cache_conversation_of:
 * @from: a message's sender
 * @to: its recipient, a username or a "#room"
 * @username: the user who owns the cache
 *
 * Returns: (transfer none): the conversation of a message as @username
 *   sees it (PROTOCOL.md §7): the room, or the peer of a private
 *   message in either direction; @from or @to
 */
const char *
lt_daemon_cache_conversation_of (const char *from,
                                 const char *to,
                                 const char *username)
{
  g_return_val_if_fail (to != NULL, NULL);

  if (to[0] == '#' || g_strcmp0 (from, username) == 0)
    return to;
  return from;
}

/**
 * lt_daemon_cache_dir_for:
 * @server: the server as "host:port"
 * @username: the user
 *
 * Returns: (transfer full): $XDG_DATA_HOME/liaotian/<server>/<user>,
 *   with both components escaped so that each is one safe folder name
 */
char *
lt_daemon_cache_dir_for (const char *server,
                         const char *username)
{
  g_autofree char *host = NULL;
  g_autofree char *server_folder = NULL;
  g_autofree char *user_folder = NULL;

  g_return_val_if_fail (server != NULL, NULL);
  g_return_val_if_fail (username != NULL, NULL);

  host = g_ascii_strdown (server, -1);
  server_folder = folder_name (host);
  user_folder = folder_name (username);
  return g_build_filename (g_get_user_data_dir (), "liaotian", server_folder, user_folder, NULL);
}

/**
 * lt_daemon_cache_new_async:
 * @dir: the cache's folder, e.g. from lt_daemon_cache_dir_for(); it is
 *   created 0700 if needed
 *
 * Opens (or creates and migrates) the cache in @dir on the cache's
 * thread.  Filesystem errors are G_IO_ERROR, SQLite errors and a schema
 * newer than this code LT_DAEMON_ERROR_FAILED.
 *
 * Dropping the last reference to the cache waits for its thread to
 * close the database (a WAL checkpoint): do it at logout, not per call.
 */
void
lt_daemon_cache_new_async (const char         *dir,
                           GCancellable       *cancellable,
                           GAsyncReadyCallback callback,
                           gpointer            user_data)
{
  g_autoptr(LtDaemonCache) self = NULL;

  g_return_if_fail (dir != NULL);

  self = g_object_new (LT_TYPE_DAEMON_CACHE, NULL);
  /* A bytestring: a path need not be UTF-8. */
  queue_job (self, open_job, g_variant_new_bytestring (dir), lt_daemon_cache_new_async,
             cancellable, callback, user_data);
}

/**
 * lt_daemon_cache_new_finish:
 *
 * Returns: (transfer full): the open cache, or %NULL with @error set
 */
LtDaemonCache *
lt_daemon_cache_new_finish (GAsyncResult *result,
                            GError      **error)
{
  LtDaemonCache *self;

  g_return_val_if_fail (G_IS_TASK (result), NULL);

  self = g_task_get_source_object (G_TASK (result));
  if (!propagate_done (self, result, lt_daemon_cache_new_async, error))
    return NULL;
  return g_object_ref (self);
}

/**
 * lt_daemon_cache_outbox_add_async:
 * @to: a username or a "#room"
 * @text: the message
 *
 * Queues a message for sending, on disk, with a new random client_id.
 */
void
lt_daemon_cache_outbox_add_async (LtDaemonCache      *self,
                                  const char         *to,
                                  const char         *text,
                                  GCancellable       *cancellable,
                                  GAsyncReadyCallback callback,
                                  gpointer            user_data)
{
  g_return_if_fail (LT_IS_DAEMON_CACHE (self));
  g_return_if_fail (to != NULL && text != NULL);

  queue_job (self, outbox_add_job, g_variant_new ("(ss)", to, text),
             lt_daemon_cache_outbox_add_async, cancellable, callback, user_data);
}

/**
 * lt_daemon_cache_outbox_add_finish:
 * @local_id: (out) (optional): the entry's id, never reused
 * @client_id: (out) (optional) (transfer full): the client_id to send
 *   with it, 36 characters
 */
gboolean
lt_daemon_cache_outbox_add_finish (LtDaemonCache *self,
                                   GAsyncResult  *result,
                                   guint64       *local_id,
                                   char         **client_id,
                                   GError       **error)
{
  g_autoptr(GVariant) added = NULL;

  added = propagate_result (self, result, lt_daemon_cache_outbox_add_async, error);
  if (added == NULL)
    return FALSE;

  g_variant_get (added, "(ts)", local_id, client_id);
  return TRUE;
}

/**
 * lt_daemon_cache_outbox_list_async:
 *
 * Lists the outbox, to resend it after a (re)connection.
 */
void
lt_daemon_cache_outbox_list_async (LtDaemonCache      *self,
                                   GCancellable       *cancellable,
                                   GAsyncReadyCallback callback,
                                   gpointer            user_data)
{
  g_return_if_fail (LT_IS_DAEMON_CACHE (self));

  queue_job (self, outbox_list_job, g_variant_new ("()"), lt_daemon_cache_outbox_list_async,
             cancellable, callback, user_data);
}

/**
 * lt_daemon_cache_outbox_list_finish:
 *
 * Returns: (transfer full): "a(tsss)", (local_id, client_id, to, text)
 *   of every queued message, oldest first; %NULL on error
 */
GVariant *
lt_daemon_cache_outbox_list_finish (LtDaemonCache *self,
                                    GAsyncResult  *result,
                                    GError       **error)
{
  return propagate_result (self, result, lt_daemon_cache_outbox_list_async, error);
}

/**
 * lt_daemon_cache_outbox_remove_async:
 * @local_id: what outbox_add gave
 *
 * Drops a message the server has answered (committed or refused).  An
 * id that is not queued is no error.
 */
void
lt_daemon_cache_outbox_remove_async (LtDaemonCache      *self,
                                     guint64             local_id,
                                     GCancellable       *cancellable,
                                     GAsyncReadyCallback callback,
                                     gpointer            user_data)
{
  g_return_if_fail (LT_IS_DAEMON_CACHE (self));
  g_return_if_fail (local_id <= G_MAXINT64);

  queue_job (self, outbox_remove_job, g_variant_new_int64 (local_id),
             lt_daemon_cache_outbox_remove_async, cancellable, callback, user_data);
}

gboolean
lt_daemon_cache_outbox_remove_finish (LtDaemonCache *self,
                                      GAsyncResult  *result,
                                      GError       **error)
{
  return propagate_done (self, result, lt_daemon_cache_outbox_remove_async, error);
}

/**
 * lt_daemon_cache_store_messages_async:
 * @messages: "a(txsssx)", (id, ts, from, to, text) as the server
 *   delivered them, and the id of the previous message of the same
 *   conversation: LT_DAEMON_CACHE_UNKNOWN_ID, or 0 for the first
 * @username: the logged-in user, who owns this cache
 * @focused: (nullable): the conversation the person is looking at
 *
 * Stores delivered messages in one transaction, with their links,
 * deduplicated by id.  Each new message (or one only fetched with
 * history so far) bumps the unread count of its conversation, unless
 * the user sent it or the conversation is @focused; each new one to
 * @username raises lt_daemon_cache_highest_id_async().  A cached message
 * keeps what it is and gains the link if it had none.
 */
void
lt_daemon_cache_store_messages_async (LtDaemonCache      *self,
                                      GVariant           *messages,
                                      const char         *username,
                                      const char         *focused,
                                      GCancellable       *cancellable,
                                      GAsyncReadyCallback callback,
                                      gpointer            user_data)
{
  g_return_if_fail (LT_IS_DAEMON_CACHE (self));
  g_return_if_fail (g_variant_is_of_type (messages, G_VARIANT_TYPE ("a(txsssx)")));
  g_return_if_fail (username != NULL);

  queue_job (self, store_messages_job,
             g_variant_new ("(@a(txsssx)ss)", messages, username, focused != NULL ? focused : ""),
             lt_daemon_cache_store_messages_async, cancellable, callback, user_data);
}

/**
 * lt_daemon_cache_store_messages_finish:
 *
 * Returns: (transfer full): "a(stxss)", the new messages in the order
 *   given, each as the arguments of MessageReceived (conversation, id,
 *   ts, sender, text); %NULL on error, when nothing was stored
 */
GVariant *
lt_daemon_cache_store_messages_finish (LtDaemonCache *self,
                                       GAsyncResult  *result,
                                       GError       **error)
{
  return propagate_result (self, result, lt_daemon_cache_store_messages_async, error);
}

/**
 * lt_daemon_cache_store_history_async:
 * @conversation: the `with` of the history request
 * @before: its `before`, 0 for the newest
 * @messages: "a(txsss)", the server's page, newest first
 * @more: the server's `more`: older messages than the page's exist
 *
 * Stores a page fetched from the server, in one transaction, with what
 * it says of the order: each message follows the next one in the page,
 * the newest precedes @before, and without @more the oldest is the
 * conversation's first.  Its messages are not news: they count neither
 * as unread nor for lt_daemon_cache_highest_id_async(), and a later
 * delivery still makes them new.  Cached messages keep their data.
 */
void
lt_daemon_cache_store_history_async (LtDaemonCache      *self,
                                     const char         *conversation,
                                     guint64             before,
                                     GVariant           *messages,
                                     gboolean            more,
                                     GCancellable       *cancellable,
                                     GAsyncReadyCallback callback,
                                     gpointer            user_data)
{
  g_return_if_fail (LT_IS_DAEMON_CACHE (self));
  g_return_if_fail (conversation != NULL);
  g_return_if_fail (g_variant_is_of_type (messages, G_VARIANT_TYPE ("a(txsss)")));

  queue_job (self, store_history_job,
             g_variant_new ("(st@a(txsss)b)", conversation, before, messages, more),
             lt_daemon_cache_store_history_async, cancellable, callback, user_data);
}

gboolean
lt_daemon_cache_store_history_finish (LtDaemonCache *self,
                                      GAsyncResult  *result,
                                      GError       **error)
{
  return propagate_done (self, result, lt_daemon_cache_store_history_async, error);
}

/**
 * lt_daemon_cache_history_async:
 * @conversation: a username or a "#room"
 * @before: only messages with a smaller id; 0 for the newest
 * @limit: at most this many, at least 1
 * @tail: for @before 0, the id of the conversation's newest message
 *   if the caller knows it (0: it has none), else
 *   LT_DAEMON_CACHE_UNKNOWN_ID; the cache cannot know what was sent
 *   after it last heard
 *
 * One page of a conversation from the cache, as GetHistory pages.
 */
void
lt_daemon_cache_history_async (LtDaemonCache      *self,
                               const char         *conversation,
                               guint64             before,
                               guint               limit,
                               gint64              tail,
                               GCancellable       *cancellable,
                               GAsyncReadyCallback callback,
                               gpointer            user_data)
{
  g_return_if_fail (LT_IS_DAEMON_CACHE (self));
  g_return_if_fail (conversation != NULL);
  g_return_if_fail (limit > 0);
  g_return_if_fail (tail >= LT_DAEMON_CACHE_UNKNOWN_ID);

  queue_job (self, history_job, g_variant_new ("(stux)", conversation, before, limit, tail),
             lt_daemon_cache_history_async, cancellable, callback, user_data);
}

/**
 * lt_daemon_cache_history_finish:
 * @complete: (out): whether the page is what the server would answer:
 *   its messages are linked one to the next from the newest below
 *   @before (for @before 0, the @tail) down to @limit messages or to
 *   the conversation's first
 *
 * Returns: (transfer full): "a(txsss)", (id, ts, from, to, text) newest
 *   first; %NULL on error
 */
GVariant *
lt_daemon_cache_history_finish (LtDaemonCache *self,
                                GAsyncResult  *result,
                                gboolean      *complete,
                                GError       **error)
{
  g_autoptr(GVariant) page = NULL;
  GVariant *messages;

  g_return_val_if_fail (complete != NULL, NULL);

  page = propagate_result (self, result, lt_daemon_cache_history_async, error);
  if (page == NULL)
    return NULL;

  g_variant_get (page, "(@a(txsss)b)", &messages, complete);
  return messages;
}

/**
 * lt_daemon_cache_mark_read_async:
 *
 * Sets the unread count of @conversation to 0.
 */
void
lt_daemon_cache_mark_read_async (LtDaemonCache      *self,
                                 const char         *conversation,
                                 GCancellable       *cancellable,
                                 GAsyncReadyCallback callback,
                                 gpointer            user_data)
{
  g_return_if_fail (LT_IS_DAEMON_CACHE (self));
  g_return_if_fail (conversation != NULL);

  queue_job (self, mark_read_job, g_variant_new_string (conversation),
             lt_daemon_cache_mark_read_async, cancellable, callback, user_data);
}

gboolean
lt_daemon_cache_mark_read_finish (LtDaemonCache *self,
                                  GAsyncResult  *result,
                                  GError       **error)
{
  return propagate_done (self, result, lt_daemon_cache_mark_read_async, error);
}

void
lt_daemon_cache_list_unread_async (LtDaemonCache      *self,
                                   GCancellable       *cancellable,
                                   GAsyncReadyCallback callback,
                                   gpointer            user_data)
{
  g_return_if_fail (LT_IS_DAEMON_CACHE (self));

  queue_job (self, list_unread_job, g_variant_new ("()"), lt_daemon_cache_list_unread_async,
             cancellable, callback, user_data);
}

/**
 * lt_daemon_cache_list_unread_finish:
 *
 * Returns: (transfer full): "a(sut)", (conversation, count, newest id)
 *   of every conversation with unread messages, by name; %NULL on error
 */
GVariant *
lt_daemon_cache_list_unread_finish (LtDaemonCache *self,
                                    GAsyncResult  *result,
                                    GError       **error)
{
  return propagate_result (self, result, lt_daemon_cache_list_unread_async, error);
}

/**
 * lt_daemon_cache_highest_id_async:
 *
 * The highest id of a message to the user (private, or to oneself) that
 * the cache has stored: what `ack` may confirm.  Room messages and the
 * user's own sends do not count: ack moves the cursor of private
 * messages to the user, and a room message's id could pass one that is
 * still to come in the login push.
 */
void
lt_daemon_cache_highest_id_async (LtDaemonCache      *self,
                                  GCancellable       *cancellable,
                                  GAsyncReadyCallback callback,
                                  gpointer            user_data)
{
  g_return_if_fail (LT_IS_DAEMON_CACHE (self));

  queue_job (self, highest_id_job, g_variant_new ("()"), lt_daemon_cache_highest_id_async,
             cancellable, callback, user_data);
}

static gboolean
propagate_id (LtDaemonCache *self,
              GAsyncResult  *result,
              gpointer       source_tag,
              guint64       *id,
              GError       **error)
{
  g_autoptr(GVariant) value = NULL;

  g_return_val_if_fail (id != NULL, FALSE);

  value = propagate_result (self, result, source_tag, error);
  if (value == NULL)
    return FALSE;

  *id = g_variant_get_uint64 (value);
  return TRUE;
}

/**
 * lt_daemon_cache_highest_id_finish:
 * @id: (out): the id, 0 when there is none yet
 */
gboolean
lt_daemon_cache_highest_id_finish (LtDaemonCache *self,
                                   GAsyncResult  *result,
                                   guint64       *id,
                                   GError       **error)
{
  return propagate_id (self, result, lt_daemon_cache_highest_id_async, id, error);
}

/**
 * lt_daemon_cache_begin_catch_up_async:
 *
 * Where the catch-up of the rooms after a login starts: the anchor of
 * an earlier catch-up that did not end (its connection dropped first),
 * or else the highest id of a message delivered to this cache (live or
 * pushed, not only fetched with history) in any conversation.  Ids grow
 * with time, so a room message above it came while the daemon was
 * away.  It stays the anchor until lt_daemon_cache_end_catch_up_async().
 */
void
lt_daemon_cache_begin_catch_up_async (LtDaemonCache      *self,
                                      GCancellable       *cancellable,
                                      GAsyncReadyCallback callback,
                                      gpointer            user_data)
{
  g_return_if_fail (LT_IS_DAEMON_CACHE (self));

  queue_job (self, begin_catch_up_job, g_variant_new ("()"),
             lt_daemon_cache_begin_catch_up_async, cancellable, callback, user_data);
}

/**
 * lt_daemon_cache_begin_catch_up_finish:
 * @anchor: (out): the id, 0 when nothing was delivered yet
 */
gboolean
lt_daemon_cache_begin_catch_up_finish (LtDaemonCache *self,
                                       GAsyncResult  *result,
                                       guint64       *anchor,
                                       GError       **error)
{
  return propagate_id (self, result, lt_daemon_cache_begin_catch_up_async, anchor, error);
}

/* Everything above the anchor is delivered: the next catch-up starts
 * from what is newest then.  Queued after those deliveries, it runs
 * after them. */
void
lt_daemon_cache_end_catch_up (LtDaemonCache *self)
{
  g_return_if_fail (LT_IS_DAEMON_CACHE (self));

  queue_job (self, end_catch_up_job, g_variant_new ("()"), lt_daemon_cache_end_catch_up, NULL,
             NULL, NULL);
}

/* Files and transfers ---------------------------------------------------- */

/**
 * lt_daemon_cache_file_add_async:
 * @file: "(ttxssstbs)": file_id, message id, ts, sender, conversation,
 *   name, size, folder, state
 *
 * Remembers a file announced to this user; a known file_id keeps its row.
 */
void
lt_daemon_cache_file_add_async (LtDaemonCache      *self,
                                GVariant           *file,
                                GCancellable       *cancellable,
                                GAsyncReadyCallback callback,
                                gpointer            user_data)
{
  g_return_if_fail (LT_IS_DAEMON_CACHE (self));
  g_return_if_fail (g_variant_is_of_type (file, G_VARIANT_TYPE ("(ttxssstbs)")));

  queue_job (self, file_add_job, file, lt_daemon_cache_file_add_async, cancellable, callback,
             user_data);
}

gboolean
lt_daemon_cache_file_add_finish (LtDaemonCache *self,
                                 GAsyncResult  *result,
                                 GError       **error)
{
  return propagate_done (self, result, lt_daemon_cache_file_add_async, error);
}

/* @state: "offered", "accepted", "rejected" or "shared" */
void
lt_daemon_cache_file_set_state_async (LtDaemonCache      *self,
                                      guint64             file_id,
                                      const char         *state,
                                      GCancellable       *cancellable,
                                      GAsyncReadyCallback callback,
                                      gpointer            user_data)
{
  g_return_if_fail (LT_IS_DAEMON_CACHE (self));
  g_return_if_fail (state != NULL);

  queue_job (self, file_set_state_job, g_variant_new ("(ts)", file_id, state),
             lt_daemon_cache_file_set_state_async, cancellable, callback, user_data);
}

gboolean
lt_daemon_cache_file_set_state_finish (LtDaemonCache *self,
                                       GAsyncResult  *result,
                                       GError       **error)
{
  return propagate_done (self, result, lt_daemon_cache_file_set_state_async, error);
}

void
lt_daemon_cache_files_list_async (LtDaemonCache      *self,
                                  const char         *conversation,
                                  GCancellable       *cancellable,
                                  GAsyncReadyCallback callback,
                                  gpointer            user_data)
{
  g_return_if_fail (LT_IS_DAEMON_CACHE (self));
  g_return_if_fail (conversation != NULL);

  queue_job (self, files_list_job, g_variant_new_string (conversation),
             lt_daemon_cache_files_list_async, cancellable, callback, user_data);
}

/**
 * lt_daemon_cache_files_list_finish:
 *
 * Returns: (transfer full): "a(ttxsstbs)", (file_id, message id, ts,
 *   sender, name, size, folder, state) of the conversation's newest 200
 *   files this cache knows, newest first; %NULL on error
 */
GVariant *
lt_daemon_cache_files_list_finish (LtDaemonCache *self,
                                   GAsyncResult  *result,
                                   GError       **error)
{
  return propagate_result (self, result, lt_daemon_cache_files_list_async, error);
}

void
lt_daemon_cache_file_conversation_async (LtDaemonCache      *self,
                                         guint64             file_id,
                                         GCancellable       *cancellable,
                                         GAsyncReadyCallback callback,
                                         gpointer            user_data)
{
  g_return_if_fail (LT_IS_DAEMON_CACHE (self));

  queue_job (self, file_conversation_job, g_variant_new_uint64 (file_id),
             lt_daemon_cache_file_conversation_async, cancellable, callback, user_data);
}

/**
 * lt_daemon_cache_file_conversation_finish:
 * @conversation: (out) (transfer full): the file's conversation
 * @sender: (out) (transfer full): who sent it
 *
 * Both are "" for a file whose announcement this cache did not store.
 */
gboolean
lt_daemon_cache_file_conversation_finish (LtDaemonCache *self,
                                          GAsyncResult  *result,
                                          char         **conversation,
                                          char         **sender,
                                          GError       **error)
{
  g_autoptr(GVariant) value = propagate_result (self, result,
                                                lt_daemon_cache_file_conversation_async, error);

  if (value == NULL)
    return FALSE;
  g_variant_get (value, "(ss)", conversation, sender);
  return TRUE;
}

/**
 * lt_daemon_cache_transfer_save_async:
 * @transfer: a LT_DAEMON_CACHE_TRANSFER_ROW tuple; transfer_id 0 adds
 *   a new row (its conversation and path are kept from then on)
 *
 * Inserts or updates a transfer; completes with its id.
 */
void
lt_daemon_cache_transfer_save_async (LtDaemonCache      *self,
                                     GVariant           *transfer,
                                     GCancellable       *cancellable,
                                     GAsyncReadyCallback callback,
                                     gpointer            user_data)
{
  g_return_if_fail (LT_IS_DAEMON_CACHE (self));
  g_return_if_fail (g_variant_is_of_type (transfer,
                                          G_VARIANT_TYPE ("(" LT_DAEMON_CACHE_TRANSFER_ROW ")")));

  queue_job (self, transfer_save_job, transfer, lt_daemon_cache_transfer_save_async,
             cancellable, callback, user_data);
}

/* Returns: the transfer's id, or 0 with @error set */
guint64
lt_daemon_cache_transfer_save_finish (LtDaemonCache *self,
                                      GAsyncResult  *result,
                                      GError       **error)
{
  guint64 id = 0;

  if (!propagate_id (self, result, lt_daemon_cache_transfer_save_async, &id, error))
    return 0;
  return id;
}

void
lt_daemon_cache_transfers_list_async (LtDaemonCache      *self,
                                      GCancellable       *cancellable,
                                      GAsyncReadyCallback callback,
                                      gpointer            user_data)
{
  g_return_if_fail (LT_IS_DAEMON_CACHE (self));

  queue_job (self, transfers_list_job, g_variant_new ("()"),
             lt_daemon_cache_transfers_list_async, cancellable, callback, user_data);
}

/**
 * lt_daemon_cache_transfers_list_finish:
 *
 * Returns: (transfer full): "a(" LT_DAEMON_CACHE_TRANSFER_ROW ")" of
 *   every transfer, oldest first; %NULL on error
 */
GVariant *
lt_daemon_cache_transfers_list_finish (LtDaemonCache *self,
                                       GAsyncResult  *result,
                                       GError       **error)
{
  return propagate_result (self, result, lt_daemon_cache_transfers_list_async, error);
}

static void
lt_daemon_cache_finalize (GObject *object)
{
  LtDaemonCache *self = LT_DAEMON_CACHE (object);

  /* Every queued job holds a reference: the queue is empty by now. */
  g_async_queue_push (self->jobs, &stop_job);
  g_thread_join (g_steal_pointer (&self->thread));
  g_clear_pointer (&self->jobs, g_async_queue_unref);

  G_OBJECT_CLASS (lt_daemon_cache_parent_class)->finalize (object);
}

static void
lt_daemon_cache_class_init (LtDaemonCacheClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = lt_daemon_cache_finalize;
}

static void
lt_daemon_cache_init (LtDaemonCache *self)
{
  self->jobs = g_async_queue_new ();
  self->sqlite = lt_sqlite_new (statement_sql, N_STATEMENTS, set_sqlite_error);
  self->thread = g_thread_new ("lt-daemon-cache", cache_thread, self);
}
