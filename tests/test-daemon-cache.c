/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-daemon-cache.c: LtDaemonCache on real SQLite files in a
 * temporary folder, driven through its async API from a main loop.
 * The user of each cache is alice. */
#include "config.h"

#include "lt-daemon-cache.h"
#include "lt-daemon-error.h"

#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/stat.h>

G_DEFINE_AUTOPTR_CLEANUP_FUNC (sqlite3, sqlite3_close)

#define USER "alice"
#define WAIT_SECONDS 10

typedef struct
{
  char *tmp;
  char *dir; /* the cache's folder, below tmp */
  LtDaemonCache *cache;
  GMainLoop *loop;
  GQueue results; /* of GAsyncResult, in the order they came */
} Fixture;

static void
on_ready (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  Fixture *f = user_data;

  g_queue_push_tail (&f->results, g_object_ref (result));
  g_main_loop_quit (f->loop);
}

static gboolean
on_timeout (gpointer user_data)
{
  g_error ("The cache did not answer within %d s", WAIT_SECONDS);
  return G_SOURCE_REMOVE;
}

/* Runs the loop until a call started with on_ready() has finished, and
 * returns the oldest result not yet taken. */
static GAsyncResult *
await_result (Fixture *f)
{
  guint timeout = g_timeout_add_seconds (WAIT_SECONDS, on_timeout, NULL);

  if (g_queue_is_empty (&f->results))
    g_main_loop_run (f->loop);
  g_source_remove (timeout);
  return g_queue_pop_head (&f->results);
}

static LtDaemonCache *
try_open (Fixture    *f,
          const char *dir,
          GError    **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  lt_daemon_cache_new_async (dir, NULL, on_ready, f);
  result = await_result (f);
  return lt_daemon_cache_new_finish (result, error);
}

static void
open_cache (Fixture *f)
{
  g_autoptr(GError) error = NULL;

  f->cache = try_open (f, f->dir, &error);
  g_assert_no_error (error);
  g_assert_nonnull (f->cache);
}

/* A daemon restart: close the database and open it again. */
static void
reopen_cache (Fixture *f)
{
  g_clear_object (&f->cache);
  open_cache (f);
}

static void
fixture_setup (Fixture      *f,
               gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  f->tmp = g_dir_make_tmp ("test-daemon-cache-XXXXXX", &error);
  g_assert_no_error (error);
  f->dir = g_build_filename (f->tmp, "example.org%3A4567", USER, NULL);
  f->loop = g_main_loop_new (NULL, FALSE);
  open_cache (f);
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      remove_tree (child);
    }
  g_assert_cmpint (g_remove (path), ==, 0);
}

static void
fixture_teardown (Fixture      *f,
                  gconstpointer data)
{
  g_clear_object (&f->cache);
  g_assert_true (g_queue_is_empty (&f->results));
  remove_tree (f->tmp);
  g_main_loop_unref (f->loop);
  g_free (f->dir);
  g_free (f->tmp);
}

/* Synchronous wrappers, each asserting that its call succeeds. */

static guint64
outbox_add (Fixture    *f,
            const char *to,
            const char *text,
            char      **client_id)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  guint64 local_id = 0;

  lt_daemon_cache_outbox_add_async (f->cache, to, text, NULL, on_ready, f);
  result = await_result (f);
  g_assert_true (lt_daemon_cache_outbox_add_finish (f->cache, result, &local_id, client_id,
                                                    &error));
  g_assert_no_error (error);
  return local_id;
}

static GVariant *
outbox_list (Fixture *f)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GVariant *outbox;

  lt_daemon_cache_outbox_list_async (f->cache, NULL, on_ready, f);
  result = await_result (f);
  outbox = lt_daemon_cache_outbox_list_finish (f->cache, result, &error);
  g_assert_no_error (error);
  return outbox;
}

static void
outbox_remove (Fixture *f,
               guint64  local_id)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  lt_daemon_cache_outbox_remove_async (f->cache, local_id, NULL, on_ready, f);
  result = await_result (f);
  g_assert_true (lt_daemon_cache_outbox_remove_finish (f->cache, result, &error));
  g_assert_no_error (error);
}

/* @messages is GVariant text of type a(txsss); returns the new ones. */
static GVariant *
store_focused (Fixture    *f,
               const char *messages,
               const char *focused)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GVariant *added;

  lt_daemon_cache_store_messages_async (f->cache, g_variant_new_parsed (messages), USER, focused,
                                        NULL, on_ready, f);
  result = await_result (f);
  added = lt_daemon_cache_store_messages_finish (f->cache, result, &error);
  g_assert_no_error (error);
  return added;
}

static GVariant *
store (Fixture    *f,
       const char *messages)
{
  return store_focused (f, messages, NULL);
}

static GVariant *
history (Fixture    *f,
         const char *conversation,
         guint64     before,
         guint       limit,
         gboolean   *complete)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GVariant *page;

  lt_daemon_cache_history_async (f->cache, conversation, before, limit, NULL, on_ready, f);
  result = await_result (f);
  page = lt_daemon_cache_history_finish (f->cache, result, complete, &error);
  g_assert_no_error (error);
  return page;
}

static void
mark_read (Fixture    *f,
           const char *conversation)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  lt_daemon_cache_mark_read_async (f->cache, conversation, NULL, on_ready, f);
  result = await_result (f);
  g_assert_true (lt_daemon_cache_mark_read_finish (f->cache, result, &error));
  g_assert_no_error (error);
}

static GVariant *
list_unread (Fixture *f)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GVariant *unread;

  lt_daemon_cache_list_unread_async (f->cache, NULL, on_ready, f);
  result = await_result (f);
  unread = lt_daemon_cache_list_unread_finish (f->cache, result, &error);
  g_assert_no_error (error);
  return unread;
}

static guint64
highest_id (Fixture *f)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  guint64 id = G_MAXUINT64;

  lt_daemon_cache_highest_id_async (f->cache, NULL, on_ready, f);
  result = await_result (f);
  g_assert_true (lt_daemon_cache_highest_id_finish (f->cache, result, &id, &error));
  g_assert_no_error (error);
  return id;
}

/* Compares @value, which it consumes, with GVariant text, so that a
 * failure prints both. */
static void
assert_variant (GVariant   *value,
                const char *expected)
{
  g_autoptr(GVariant) owned = g_variant_take_ref (value);
  g_autoptr(GVariant) wanted = g_variant_parse (g_variant_get_type (owned), expected, NULL,
                                                NULL, NULL);
  g_autofree char *got = g_variant_print (owned, FALSE);
  g_autofree char *want = g_variant_print (wanted, FALSE);

  g_assert_cmpstr (got, ==, want);
}

/* The ids of a history page, e.g. "5 4 3". */
static void
assert_page_ids (GVariant   *page,
                 const char *expected)
{
  g_autoptr(GVariant) owned = page;
  g_autoptr(GString) ids = g_string_new (NULL);
  GVariantIter iter;
  guint64 id;

  g_variant_iter_init (&iter, owned);
  while (g_variant_iter_loop (&iter, "(txsss)", &id, NULL, NULL, NULL, NULL))
    g_string_append_printf (ids, "%s%" G_GUINT64_FORMAT, ids->len > 0 ? " " : "", id);
  g_assert_cmpstr (ids->str, ==, expected);
}

static void
assert_mode (const char *path,
             guint       expected)
{
  GStatBuf buf;

  g_assert_cmpint (g_stat (path, &buf), ==, 0);
  g_assert_cmpuint (buf.st_mode & 0777, ==, expected);
}

static void
test_dir_for (void)
{
  const char *data = g_get_user_data_dir ();
  struct
  {
    const char *server;
    const char *username;
    const char *folders;
  } cases[] = {
    { "chat.example.org:4567", "alice", "chat.example.org%3A4567/alice" },
    { "Chat.Example.ORG:4567", "bob", "chat.example.org%3A4567/bob" },
    { "..", "...", "%2E./%2E.." },
    { "../../etc", "a/b", "%2E.%2F..%2Fetc/a%2Fb" },
    { "[::1]:4567", "", "%5B%3A%3A1%5D%3A4567/%00" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *dir = lt_daemon_cache_dir_for (cases[i].server, cases[i].username);
      g_autofree char *expected = g_build_filename (data, "liaotian", cases[i].folders, NULL);

      g_assert_cmpstr (dir, ==, expected);
    }
}

static void
test_permissions (Fixture      *f,
                  gconstpointer data)
{
  g_autofree char *db = g_build_filename (f->dir, "cache.db", NULL);
  g_autofree char *wal = g_strconcat (db, "-wal", NULL);
  g_autofree char *shm = g_strconcat (db, "-shm", NULL);

  /* A write, so that the log exists while the cache is open. */
  outbox_add (f, "bob", "hello", NULL);

  assert_mode (f->dir, 0700);
  assert_mode (db, 0600);
  assert_mode (wal, 0600);
  assert_mode (shm, 0600);
}

/* An older run, or the user, left the folder and files readable by
 * others: opening tightens them. */
static void
test_permissions_tightened (Fixture      *f,
                            gconstpointer data)
{
  g_autofree char *db = g_build_filename (f->dir, "cache.db", NULL);
  g_autofree char *wal = g_strconcat (db, "-wal", NULL);

  outbox_add (f, "bob", "hello", NULL);
  g_assert_cmpint (g_chmod (f->dir, 0755), ==, 0);
  g_assert_cmpint (g_chmod (db, 0644), ==, 0);
  g_assert_cmpint (g_chmod (wal, 0644), ==, 0);

  reopen_cache (f);
  outbox_add (f, "bob", "again", NULL);

  assert_mode (f->dir, 0700);
  assert_mode (db, 0600);
  assert_mode (wal, 0600);
}

static void
test_outbox (Fixture      *f,
             gconstpointer data)
{
  g_autofree char *first_client_id = NULL;
  g_autofree char *second_client_id = NULL;
  g_autofree char *expected = NULL;
  guint64 first = outbox_add (f, "bob", "hello bob", &first_client_id);
  guint64 second = outbox_add (f, "#lobby", "hello all", &second_client_id);

  g_assert_cmpuint (first, >, 0);
  g_assert_cmpuint (second, >, first);
  g_assert_cmpuint (strlen (first_client_id), ==, 36);
  g_assert_cmpstr (first_client_id, !=, second_client_id);

  expected = g_strdup_printf ("[(%" G_GUINT64_FORMAT ", '%s', 'bob', 'hello bob'),"
                              " (%" G_GUINT64_FORMAT ", '%s', '#lobby', 'hello all')]",
                              first, first_client_id, second, second_client_id);
  assert_variant (outbox_list (f), expected);

  outbox_remove (f, first);
  g_free (expected);
  expected = g_strdup_printf ("[(%" G_GUINT64_FORMAT ", '%s', '#lobby', 'hello all')]",
                              second, second_client_id);
  assert_variant (outbox_list (f), expected);

  /* Removing what is gone is no error. */
  outbox_remove (f, first);
  outbox_remove (f, second);
  assert_variant (outbox_list (f), "@a(tsss) []");
}

/* A daemon restart keeps the outbox, with the same client_ids, and
 * never hands out a local id again. */
static void
test_outbox_survives_reopen (Fixture      *f,
                             gconstpointer data)
{
  g_autofree char *client_id = NULL;
  g_autofree char *expected = NULL;
  guint64 kept = outbox_add (f, "bob", "kept", &client_id);
  guint64 removed = outbox_add (f, "bob", "removed", NULL);

  outbox_remove (f, removed);
  reopen_cache (f);

  expected = g_strdup_printf ("[(%" G_GUINT64_FORMAT ", '%s', 'bob', 'kept')]", kept, client_id);
  assert_variant (outbox_list (f), expected);
  g_assert_cmpuint (outbox_add (f, "bob", "new", NULL), >, removed);
}

static void
test_store_dedupe (Fixture      *f,
                   gconstpointer data)
{
  assert_variant (store (f, "[(@t 1, @x 100, 'bob', 'alice', 'hi'),"
                            " (2, 200, 'alice', 'bob', 'hi bob')]"),
                  "[('bob', @t 1, @x 100, 'bob', 'hi'), ('bob', 2, 200, 'alice', 'hi bob')]");

  /* Pushed again after a reconnection: only 3 is new. */
  assert_variant (store (f, "[(@t 2, @x 200, 'alice', 'bob', 'hi bob'),"
                            " (3, 300, 'carol', '#lobby', 'hello')]"),
                  "[('#lobby', @t 3, @x 300, 'carol', 'hello')]");

  /* Twice in one batch, and nothing new at all. */
  assert_variant (store (f, "[(@t 4, @x 400, 'bob', 'alice', 'x'), (4, 400, 'bob', 'alice', 'x')]"),
                  "[('bob', @t 4, @x 400, 'bob', 'x')]");
  assert_variant (store (f, "[(@t 1, @x 100, 'bob', 'alice', 'hi')]"), "@a(stxss) []");
  assert_variant (store (f, "@a(txsss) []"), "@a(stxss) []");

  reopen_cache (f);
  assert_variant (store (f, "[(@t 3, @x 300, 'carol', '#lobby', 'hello')]"), "@a(stxss) []");
}

static void
test_unread (Fixture      *f,
             gconstpointer data)
{
  g_autoptr(GVariant) added = NULL;

  assert_variant (list_unread (f), "@a(sut) []");

  /* Own messages (also to oneself) are not unread; others' are, per
   * conversation, with the newest id. */
  added = store (f, "[(@t 1, @x 1, 'bob', 'alice', 'a'), (2, 2, 'alice', 'bob', 'b'),"
                    " (3, 3, 'bob', 'alice', 'c'), (4, 4, 'carol', '#lobby', 'd'),"
                    " (5, 5, 'alice', 'alice', 'e'), (6, 6, 'alice', '#lobby', 'f')]");
  assert_variant (list_unread (f), "[('#lobby', @u 1, @t 4), ('bob', 2, 3)]");

  /* Nothing counts twice, and the focused conversation does not count. */
  g_clear_pointer (&added, g_variant_unref);
  added = store_focused (f, "[(@t 3, @x 3, 'bob', 'alice', 'c'), (7, 7, 'dave', '#lobby', 'g'),"
                            " (8, 8, 'carol', 'alice', 'h')]", "#lobby");
  assert_variant (list_unread (f), "[('#lobby', @u 1, @t 4), ('bob', 2, 3), ('carol', 1, 8)]");

  mark_read (f, "bob");
  mark_read (f, "nobody");
  assert_variant (list_unread (f), "[('#lobby', @u 1, @t 4), ('carol', 1, 8)]");

  reopen_cache (f);
  mark_read (f, "#lobby");
  assert_variant (list_unread (f), "[('carol', @u 1, @t 8)]");
}

static void
test_history (Fixture      *f,
              gconstpointer data)
{
  g_autoptr(GVariant) added = NULL;
  gboolean complete = FALSE;

  /* Stored out of order, with other conversations in between. */
  added = store (f, "[(@t 5, @x 50, 'bob', 'alice', 'five'), (@t 1, @x 10, 'alice', 'bob', 'one'),"
                    " (2, 20, 'carol', 'alice', 'carol'), (3, 30, 'bob', 'alice', 'three'),"
                    " (4, 40, 'bob', '#lobby', 'room'), (6, 60, 'alice', 'bob', 'six'),"
                    " (7, 70, 'bob', 'alice', 'seven')]");

  assert_variant (history (f, "bob", 0, 2, &complete),
                  "[(@t 7, @x 70, 'bob', 'alice', 'seven'), (6, 60, 'alice', 'bob', 'six')]");
  g_assert_true (complete);

  assert_page_ids (history (f, "bob", 6, 2, &complete), "5 3");
  g_assert_true (complete);

  /* The last page is short: the server may know older messages. */
  assert_page_ids (history (f, "bob", 3, 2, &complete), "1");
  g_assert_false (complete);
  assert_page_ids (history (f, "bob", 1, 2, &complete), "");
  g_assert_false (complete);

  assert_page_ids (history (f, "bob", 0, 200, &complete), "7 6 5 3 1");
  g_assert_false (complete);
  assert_page_ids (history (f, "#lobby", 0, 1, &complete), "4");
  g_assert_true (complete);
  assert_page_ids (history (f, "carol", G_MAXUINT64, 5, &complete), "2");
  g_assert_false (complete);
}

/* Only messages to the user move the cursor: a room message or one the
 * user sent could pass a private message still to come. */
static void
test_highest_id (Fixture      *f,
                 gconstpointer data)
{
  g_autoptr(GVariant) first = NULL;
  g_autoptr(GVariant) second = NULL;

  g_assert_cmpuint (highest_id (f), ==, 0);

  first = store (f, "[(@t 7, @x 1, 'bob', 'alice', 'a'), (9, 2, 'bob', '#lobby', 'b'),"
                    " (11, 3, 'alice', 'bob', 'c')]");
  g_assert_cmpuint (highest_id (f), ==, 7);

  /* An older message arriving late does not move it back. */
  second = store (f, "[(@t 5, @x 1, 'bob', 'alice', 'late')]");
  g_assert_cmpuint (highest_id (f), ==, 7);

  reopen_cache (f);
  g_assert_cmpuint (highest_id (f), ==, 7);
}

static gint64
read_user_version (const char *path)
{
  g_autoptr(sqlite3) db = NULL;
  sqlite3_stmt *stmt = NULL;
  gint64 version;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "PRAGMA user_version", -1, &stmt, NULL), ==,
                   SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  version = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return version;
}

static void
set_user_version (const char *path,
                  gint64      version)
{
  g_autoptr(sqlite3) db = NULL;
  g_autofree char *sql = g_strdup_printf ("PRAGMA user_version = %" G_GINT64_FORMAT, version);

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, sql, NULL, NULL, NULL), ==, SQLITE_OK);
}

/* A new file is migrated to the current version; reopening it runs no
 * migration again (which would fail on the existing tables); a file
 * from a newer liaotiand is refused, not damaged. */
static void
test_migration (Fixture      *f,
                gconstpointer data)
{
  g_autofree char *db = g_build_filename (f->dir, "cache.db", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(LtDaemonCache) newer = NULL;
  g_autoptr(GVariant) outbox = NULL;

  g_clear_object (&f->cache);
  g_assert_cmpint (read_user_version (db), ==, 1);

  open_cache (f);
  outbox_add (f, "bob", "still here", NULL);
  g_clear_object (&f->cache);
  g_assert_cmpint (read_user_version (db), ==, 1);

  set_user_version (db, 2);
  newer = try_open (f, f->dir, &error);
  g_assert_error (error, LT_DAEMON_ERROR, LT_DAEMON_ERROR_FAILED);
  g_assert_null (newer);
  g_assert_nonnull (strstr (error->message, "schema version 2"));

  set_user_version (db, 1);
  open_cache (f);
  outbox = outbox_list (f);
  g_assert_cmpuint (g_variant_n_children (outbox), ==, 1);
}

/* The tests run as root too, which ignores folder modes: a plain file
 * where a folder must go makes every path below it unusable. */
static void
test_unwritable_folder (Fixture      *f,
                        gconstpointer data)
{
  g_autofree char *file = g_build_filename (f->tmp, "not-a-folder", NULL);
  g_autofree char *below = g_build_filename (file, "server", USER, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(LtDaemonCache) cache = NULL;

  g_assert_true (g_file_set_contents (file, "", 0, NULL));
  cache = try_open (f, below, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_DIRECTORY);
  g_assert_null (cache);
  g_assert_nonnull (strstr (error->message, below));
}

/* A file that is not a database where the cache's must be. */
static void
test_unusable_database (Fixture      *f,
                        gconstpointer data)
{
  g_autofree char *dir = g_build_filename (f->tmp, "broken", NULL);
  g_autofree char *db = g_build_filename (dir, "cache.db", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(LtDaemonCache) cache = NULL;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (db, "not a database, but long enough to be read as one"
                                          " by SQLite, which wants a header of 100 bytes or"
                                          " more before it says so", -1, NULL));
  cache = try_open (f, dir, &error);
  g_assert_error (error, LT_DAEMON_ERROR, LT_DAEMON_ERROR_FAILED);
  g_assert_null (cache);
}

/* Calls queued back to back are answered in order. */
static void
test_order (Fixture      *f,
            gconstpointer data)
{
  g_autoptr(GAsyncResult) add_result = NULL;
  g_autoptr(GAsyncResult) list_result = NULL;
  g_autoptr(GVariant) outbox = NULL;
  g_autoptr(GError) error = NULL;

  lt_daemon_cache_outbox_add_async (f->cache, "bob", "first", NULL, on_ready, f);
  lt_daemon_cache_outbox_list_async (f->cache, NULL, on_ready, f);
  add_result = await_result (f);
  g_assert_true (lt_daemon_cache_outbox_add_finish (f->cache, add_result, NULL, NULL, &error));
  g_assert_no_error (error);
  list_result = await_result (f);
  outbox = lt_daemon_cache_outbox_list_finish (f->cache, list_result, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_variant_n_children (outbox), ==, 1);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/daemon-cache/dir-for", test_dir_for);
#define ADD(path, func) g_test_add ("/daemon-cache/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("permissions", test_permissions);
  ADD ("permissions-tightened", test_permissions_tightened);
  ADD ("outbox", test_outbox);
  ADD ("outbox-survives-reopen", test_outbox_survives_reopen);
  ADD ("store-dedupe", test_store_dedupe);
  ADD ("unread", test_unread);
  ADD ("history", test_history);
  ADD ("highest-id", test_highest_id);
  ADD ("migration", test_migration);
  ADD ("unwritable-folder", test_unwritable_folder);
  ADD ("unusable-database", test_unusable_database);
  ADD ("order", test_order);
#undef ADD

  return g_test_run ();
}
