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

/* Parses GVariant text of type @type, failing the test on an error. */
static GVariant *
parse (const char *type,
       const char *text)
{
  g_autoptr(GError) error = NULL;
  GVariant *value = g_variant_parse (G_VARIANT_TYPE (type), text, NULL, NULL, &error);

  g_assert_no_error (error);
  return value;
}

/* Delivers @messages, GVariant text of type a(txsssx): (id, ts, from,
 * to, text, previous id or -1); returns the new ones. */
static GVariant *
store_focused (Fixture    *f,
               const char *messages,
               const char *focused)
{
  g_autoptr(GVariant) batch = parse ("a(txsssx)", messages);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GVariant *added;

  lt_daemon_cache_store_messages_async (f->cache, batch, USER, focused, NULL, on_ready, f);
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

/* Stores a server page, @messages in GVariant text of type a(txsss). */
static void
store_history (Fixture    *f,
               const char *conversation,
               guint64     before,
               const char *messages,
               gboolean    more)
{
  g_autoptr(GVariant) page = parse ("a(txsss)", messages);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  lt_daemon_cache_store_history_async (f->cache, conversation, before, page, more, NULL, on_ready,
                                       f);
  result = await_result (f);
  g_assert_true (lt_daemon_cache_store_history_finish (f->cache, result, &error));
  g_assert_no_error (error);
}

/* @tail: what the daemon knows of the newest id, -1 for nothing. */
static GVariant *
history (Fixture    *f,
         const char *conversation,
         guint64     before,
         guint       limit,
         gint64      tail,
         gboolean   *complete)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GVariant *page;

  lt_daemon_cache_history_async (f->cache, conversation, before, limit, tail, NULL, on_ready,
                                 f);
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

/* The ids of a history page, e.g. "5 4 3 ". */
static char *
page_ids (GVariant *page)
{
  GString *ids = g_string_new (NULL);
  GVariantIter iter;
  guint64 id;

  g_variant_iter_init (&iter, page);
  while (g_variant_iter_loop (&iter, "(txsss)", &id, NULL, NULL, NULL, NULL))
    g_string_append_printf (ids, "%" G_GUINT64_FORMAT " ", id);
  return g_string_free (ids, FALSE);
}

/* Asks the cache for a page and compares its ids and whether it is
 * complete with @expected, e.g. "9 7 5 complete" or "incomplete". */
static void
assert_history (Fixture    *f,
                const char *conversation,
                guint64     before,
                guint       limit,
                gint64      tail,
                const char *expected)
{
  gboolean complete = FALSE;
  g_autoptr(GVariant) page = history (f, conversation, before, limit, tail, &complete);
  g_autofree char *ids = page_ids (page);
  g_autofree char *got = g_strconcat (ids, complete ? "complete" : "incomplete", NULL);

  g_assert_cmpstr (got, ==, expected);
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
  assert_variant (store (f, "[(1, 100, 'bob', 'alice', 'hi', -1),"
                            " (2, 200, 'alice', 'bob', 'hi bob', -1)]"),
                  "[('bob', @t 1, @x 100, 'bob', 'hi'), ('bob', 2, 200, 'alice', 'hi bob')]");

  /* Pushed again after a reconnection: only 3 is new. */
  assert_variant (store (f, "[(2, 200, 'alice', 'bob', 'hi bob', -1),"
                            " (3, 300, 'carol', '#lobby', 'hello', -1)]"),
                  "[('#lobby', @t 3, @x 300, 'carol', 'hello')]");

  /* Twice in one batch, and nothing new at all. */
  assert_variant (store (f, "[(4, 400, 'bob', 'alice', 'x', -1),"
                            " (4, 400, 'bob', 'alice', 'x', -1)]"),
                  "[('bob', @t 4, @x 400, 'bob', 'x')]");
  assert_variant (store (f, "[(1, 100, 'bob', 'alice', 'hi', -1)]"), "@a(stxss) []");
  assert_variant (store (f, "[]"), "@a(stxss) []");

  reopen_cache (f);
  assert_variant (store (f, "[(3, 300, 'carol', '#lobby', 'hello', -1)]"), "@a(stxss) []");
}

static void
test_unread (Fixture      *f,
             gconstpointer data)
{
  g_autoptr(GVariant) added = NULL;

  assert_variant (list_unread (f), "@a(sut) []");

  /* Own messages (also to oneself) are not unread; others' are, per
   * conversation, with the newest id. */
  added = store (f, "[(1, 1, 'bob', 'alice', 'a', -1), (2, 2, 'alice', 'bob', 'b', -1),"
                    " (3, 3, 'bob', 'alice', 'c', -1), (4, 4, 'carol', '#lobby', 'd', -1),"
                    " (5, 5, 'alice', 'alice', 'e', -1), (6, 6, 'alice', '#lobby', 'f', -1)]");
  assert_variant (list_unread (f), "[('#lobby', @u 1, @t 4), ('bob', 2, 3)]");

  /* Nothing counts twice, and the focused conversation does not count. */
  g_clear_pointer (&added, g_variant_unref);
  added = store_focused (f, "[(3, 3, 'bob', 'alice', 'c', -1), (7, 7, 'dave', '#lobby', 'g', -1),"
                            " (8, 8, 'carol', 'alice', 'h', -1)]", "#lobby");
  assert_variant (list_unread (f), "[('#lobby', @u 1, @t 4), ('bob', 2, 3), ('carol', 1, 8)]");

  mark_read (f, "bob");
  mark_read (f, "nobody");
  assert_variant (list_unread (f), "[('#lobby', @u 1, @t 4), ('carol', 1, 8)]");

  reopen_cache (f);
  mark_read (f, "#lobby");
  assert_variant (list_unread (f), "[('carol', @u 1, @t 8)]");
}

/* Pages hold what the cache has of one conversation, newest first.
 * Without links none is complete, not even a full one: the cache
 * cannot see what it never received in between. */
static void
test_history (Fixture      *f,
              gconstpointer data)
{
  g_autoptr(GVariant) added = NULL;
  gboolean complete = TRUE;

  /* Stored out of order, with other conversations in between. */
  added = store (f, "[(5, 50, 'bob', 'alice', 'five', -1), (1, 10, 'alice', 'bob', 'one', -1),"
                    " (2, 20, 'carol', 'alice', 'carol', -1), (3, 30, 'bob', 'alice', 'three', -1),"
                    " (4, 40, 'bob', '#lobby', 'room', -1), (6, 60, 'alice', 'bob', 'six', -1),"
                    " (7, 70, 'bob', 'alice', 'seven', -1)]");

  assert_variant (history (f, "bob", 0, 2, 7, &complete),
                  "[(@t 7, @x 70, 'bob', 'alice', 'seven'), (6, 60, 'alice', 'bob', 'six')]");
  g_assert_false (complete);
  assert_history (f, "bob", 6, 2, -1, "5 3 incomplete");
  assert_history (f, "bob", 3, 2, -1, "1 incomplete");
  assert_history (f, "bob", 1, 2, -1, "incomplete");
  assert_history (f, "bob", 0, 200, 7, "7 6 5 3 1 incomplete");
  assert_history (f, "carol", G_MAXUINT64, 5, -1, "2 incomplete");

  /* A page of one needs no link, only to know the newest message. */
  assert_history (f, "#lobby", 0, 1, 4, "4 complete");
  assert_history (f, "#lobby", 0, 1, -1, "4 incomplete");
}

/* A server page links its messages one to the next, the message above
 * it to its newest, and at the start of the conversation its oldest to
 * nothing. */
static void
test_history_from_pages (Fixture      *f,
                         gconstpointer data)
{
  store_history (f, "#lobby", 0,
                 "[(9, 90, 'bob', '#lobby', 'nine'), (7, 70, 'carol', '#lobby', 'seven'),"
                 " (5, 50, 'bob', '#lobby', 'five')]", TRUE);
  assert_history (f, "#lobby", 0, 3, 9, "9 7 5 complete");

  /* Unless the newest is known to be 9, more may have come since. */
  assert_history (f, "#lobby", 0, 3, -1, "9 7 5 incomplete");
  assert_history (f, "#lobby", 0, 3, 10, "9 7 5 incomplete");

  /* The server has more below 5. */
  assert_history (f, "#lobby", 0, 4, 9, "9 7 5 incomplete");
  assert_history (f, "#lobby", 9, 2, -1, "7 5 complete");
  assert_history (f, "#lobby", 5, 2, -1, "incomplete");

  /* The page below 5 reaches the first message. */
  store_history (f, "#lobby", 5,
                 "[(3, 30, 'carol', '#lobby', 'three'), (1, 10, 'bob', '#lobby', 'one')]", FALSE);
  assert_history (f, "#lobby", 0, 200, 9, "9 7 5 3 1 complete");
  assert_history (f, "#lobby", 3, 5, -1, "1 complete");
  assert_history (f, "#lobby", 1, 5, -1, "complete");

  /* @before must be a message of the conversation. */
  assert_history (f, "bob", 1, 5, -1, "incomplete");

  /* A conversation the server says is empty. */
  store_history (f, "carol", 0, "[]", FALSE);
  assert_history (f, "carol", 0, 5, 0, "complete");
  assert_history (f, "carol", 0, 5, -1, "incomplete");
}

/* Fetched messages are not news: no unread count, no ack.  When the
 * server delivers one later, that is news, once, and it keeps its
 * links. */
static void
test_history_not_news (Fixture      *f,
                       gconstpointer data)
{
  store_history (f, "bob", 0,
                 "[(8, 80, 'bob', 'alice', 'pending'), (6, 60, 'alice', 'bob', 'hi')]", FALSE);
  assert_variant (list_unread (f), "@a(sut) []");
  g_assert_cmpuint (highest_id (f), ==, 0);

  assert_variant (store (f, "[(8, 80, 'bob', 'alice', 'pending', -1)]"),
                  "[('bob', @t 8, @x 80, 'bob', 'pending')]");
  assert_variant (store (f, "[(8, 80, 'bob', 'alice', 'pending', -1)]"), "@a(stxss) []");
  assert_variant (list_unread (f), "[('bob', @u 1, @t 8)]");
  g_assert_cmpuint (highest_id (f), ==, 8);

  /* And a page fetched again does not make it old news. */
  store_history (f, "bob", 0, "[(8, 80, 'bob', 'alice', 'pending')]", TRUE);
  assert_history (f, "bob", 0, 5, 8, "8 6 complete");
  assert_variant (store (f, "[(8, 80, 'bob', 'alice', 'pending', -1)]"), "@a(stxss) []");
}

/* Live messages of one connection link to the one before them.  The
 * first after an absence does not: the hole stays visible until a
 * server page fills it. */
static void
test_history_from_live (Fixture      *f,
                        gconstpointer data)
{
  g_autoptr(GVariant) first = NULL;
  g_autoptr(GVariant) after_absence = NULL;

  first = store (f, "[(10, 100, 'bob', '#lobby', 'a', -1), (12, 120, 'carol', '#lobby', 'b', 10),"
                    " (15, 150, 'bob', '#lobby', 'c', 12)]");
  assert_history (f, "#lobby", 0, 3, 15, "15 12 10 complete");
  assert_history (f, "#lobby", 0, 4, 15, "15 12 10 incomplete");
  assert_history (f, "#lobby", 15, 2, -1, "12 10 complete");

  /* 17 and 18 were sent while the daemon was away. */
  after_absence = store (f, "[(20, 200, 'bob', '#lobby', 'd', -1)]");
  assert_history (f, "#lobby", 0, 3, 20, "20 15 12 incomplete");
  assert_history (f, "#lobby", 0, 1, 20, "20 complete");

  store_history (f, "#lobby", 0,
                 "[(20, 200, 'bob', '#lobby', 'd'), (18, 180, 'carol', '#lobby', 'e'),"
                 " (17, 170, 'bob', '#lobby', 'f'), (15, 150, 'bob', '#lobby', 'c')]", TRUE);
  assert_history (f, "#lobby", 0, 5, 20, "20 18 17 15 12 complete");

  /* Delivered late, 18 is news; its live link fills in only what is
   * unknown, so the page's stays. */
  assert_variant (store (f, "[(18, 180, 'carol', '#lobby', 'e', 16)]"),
                  "[('#lobby', @t 18, @x 180, 'carol', 'e')]");
  assert_history (f, "#lobby", 20, 3, -1, "18 17 15 complete");
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

  first = store (f, "[(7, 1, 'bob', 'alice', 'a', -1), (9, 2, 'bob', '#lobby', 'b', -1),"
                    " (11, 3, 'alice', 'bob', 'c', -1)]");
  g_assert_cmpuint (highest_id (f), ==, 7);

  /* An older message arriving late does not move it back. */
  second = store (f, "[(5, 1, 'bob', 'alice', 'late', -1)]");
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
  g_assert_cmpint (read_user_version (db), ==, 3);

  open_cache (f);
  outbox_add (f, "bob", "still here", NULL);
  g_clear_object (&f->cache);
  g_assert_cmpint (read_user_version (db), ==, 3);

  set_user_version (db, 4);
  newer = try_open (f, f->dir, &error);
  g_assert_error (error, LT_DAEMON_ERROR, LT_DAEMON_ERROR_FAILED);
  g_assert_null (newer);
  g_assert_nonnull (strstr (error->message, "schema version 4"));

  set_user_version (db, 3);
  open_cache (f);
  outbox = outbox_list (f);
  g_assert_cmpuint (g_variant_n_children (outbox), ==, 1);
}

/* A cache as the first liaotiand left it: version 1, with a message
 * delivered to it.  The schema is copied, not shared with the cache's
 * migrations[0], so that the test keeps what version 1 was. */
static void
write_v1_cache (const char *path)
{
  static const char v1[] =
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
    "PRAGMA user_version = 1;"
    "INSERT INTO messages VALUES (4, 40, 'bob', '#lobby', '#lobby', 'old');";
  g_autoptr(sqlite3) db = NULL;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, v1, NULL, NULL, NULL), ==, SQLITE_OK);
}

/* Version 1 messages know nothing of their order, and were delivered:
 * they are no news again, and a page links them. */
static void
test_migration_from_v1 (Fixture      *f,
                        gconstpointer data)
{
  g_autofree char *dir = g_build_filename (f->tmp, "v1", NULL);
  g_autofree char *db = g_build_filename (dir, "cache.db", NULL);
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  write_v1_cache (db);
  g_clear_object (&f->cache);
  f->cache = try_open (f, dir, &error);
  g_assert_no_error (error);
  g_assert_cmpint (read_user_version (db), ==, 3);

  assert_variant (store (f, "[(4, 40, 'bob', '#lobby', 'old', -1),"
                            " (6, 60, 'bob', '#lobby', 'new', 4)]"),
                  "[('#lobby', @t 6, @x 60, 'bob', 'new')]");
  assert_history (f, "#lobby", 0, 5, 6, "6 4 incomplete");

  store_history (f, "#lobby", 0,
                 "[(6, 60, 'bob', '#lobby', 'new'), (4, 40, 'bob', '#lobby', 'old')]", FALSE);
  assert_history (f, "#lobby", 0, 5, 6, "6 4 complete");
}

/* EXPLAIN QUERY PLAN of @sql on the cache file, its details joined. */
static char *
query_plan (const char *path,
            const char *sql)
{
  g_autoptr(sqlite3) db = NULL;
  g_autofree char *explain = g_strconcat ("EXPLAIN QUERY PLAN ", sql, NULL);
  g_autoptr(GString) plan = g_string_new (NULL);
  sqlite3_stmt *stmt = NULL;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, explain, -1, &stmt, NULL), ==, SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_string_append_printf (plan, "%s%s", plan->len > 0 ? "; " : "",
                            (const char *) sqlite3_column_text (stmt, 3));
  sqlite3_finalize (stmt);
  return g_string_free (g_steal_pointer (&plan), FALSE);
}

/* A page walks messages_by_conversation in id order; links are looked
 * up by id.  The SQL is the cache's. */
static void
test_query_plans (Fixture      *f,
                  gconstpointer data)
{
  g_autofree char *db = g_build_filename (f->dir, "cache.db", NULL);
  g_autofree char *page = query_plan (
      db, "SELECT id, ts, sender, recipient, text, coalesce (prev_id, -1) FROM messages"
          " WHERE conversation = ?1 AND id < ?2 ORDER BY id DESC LIMIT ?3");
  g_autofree char *link = query_plan (
      db, "UPDATE messages SET prev_id = ?2"
          " WHERE id = ?1 AND conversation = ?3 AND (prev_id IS NULL OR ?4)");
  g_autofree char *prev_id = query_plan (
      db, "SELECT coalesce (prev_id, -1) FROM messages WHERE id = ?1 AND conversation = ?2");

  g_assert_cmpstr (page, ==,
                   "SEARCH messages USING INDEX messages_by_conversation (conversation=? AND id<?)");
  g_assert_cmpstr (link, ==, "SEARCH messages USING INTEGER PRIMARY KEY (rowid=?)");
  g_assert_cmpstr (prev_id, ==, "SEARCH messages USING INTEGER PRIMARY KEY (rowid=?)");
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

/* What LtDaemon relies on: a page queued for storing is in the cache
 * for a query queued after it, without waiting in between. */
static void
test_order_history (Fixture      *f,
                    gconstpointer data)
{
  g_autoptr(GVariant) server_page = parse ("a(txsss)", "[(3, 30, 'bob', 'alice', 'hi')]");
  g_autoptr(GAsyncResult) store_result = NULL;
  g_autoptr(GAsyncResult) history_result = NULL;
  g_autoptr(GVariant) page = NULL;
  g_autoptr(GError) error = NULL;
  gboolean complete = FALSE;

  lt_daemon_cache_store_history_async (f->cache, "bob", 0, server_page, FALSE, NULL, on_ready, f);
  lt_daemon_cache_history_async (f->cache, "bob", 0, 50, 3, NULL, on_ready, f);
  store_result = await_result (f);
  g_assert_true (lt_daemon_cache_store_history_finish (f->cache, store_result, &error));
  g_assert_no_error (error);
  history_result = await_result (f);
  page = lt_daemon_cache_history_finish (f->cache, history_result, &complete, &error);
  g_assert_no_error (error);
  g_assert_true (complete);
  assert_variant (g_steal_pointer (&page), "[(@t 3, @x 30, 'bob', 'alice', 'hi')]");
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
  ADD ("history-from-pages", test_history_from_pages);
  ADD ("history-not-news", test_history_not_news);
  ADD ("history-from-live", test_history_from_live);
  ADD ("highest-id", test_highest_id);
  ADD ("migration", test_migration);
  ADD ("migration-from-v1", test_migration_from_v1);
  ADD ("query-plans", test_query_plans);
  ADD ("unwritable-folder", test_unwritable_folder);
  ADD ("unusable-database", test_unusable_database);
  ADD ("order", test_order);
  ADD ("order-history", test_order_history);
#undef ADD

  return g_test_run ();
}
