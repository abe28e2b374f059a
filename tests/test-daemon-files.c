/* SPDX-License-Identifier: GPL-3.0-or-later */
/* File transfer through liaotiand, as users meet it: alice and bob each
 * have a real liaotiand on a session bus of their own (lt-test-bus),
 * both talking to one real liaotian-server over the chat port and its
 * HTTP file service, driven only over D-Bus.  Every byte that arrives
 * is compared with what was sent; every wait is bounded. */
#include "config.h"

#include "lt-test-bus.h"
#include "lt-test-notifications.h"

#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

/* Big enough that a transfer is still under way when the test cuts it;
 * smaller under valgrind, where everything is slower anyway. */
#define BIG_SIZE (64 * 1024 * 1024)
#define BIG_SIZE_VALGRIND (8 * 1024 * 1024)
#define TRANSFER_TIMEOUT_MS 30000

typedef struct
{
  LtTestFixture base;
  LtTestSession *alice;
  LtTestSession *bob;
  char *dir; /* files to send, and the folders they arrive in */
} Fixture;

static LtTestSession *
session_new (Fixture    *fixture,
             const char *name)
{
  LtTestSession *session = lt_test_session_new (name, fixture->base.server);

  lt_test_session_set_setting (session, "reconnect-max-delay", "1");
  return session;
}

static void
setup (Fixture      *fixture,
       gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  lt_test_fixture_setup (&fixture->base, data);
  fixture->alice = session_new (fixture, "alice");
  fixture->bob = session_new (fixture, "bob");
  fixture->dir = g_dir_make_tmp ("liaotian-files-XXXXXX", &error);
  g_assert_no_error (error);
}

static void
teardown (Fixture      *fixture,
          gconstpointer data)
{
  g_clear_pointer (&fixture->alice, lt_test_session_free);
  g_clear_pointer (&fixture->bob, lt_test_session_free);
  lt_test_remove_tree (fixture->dir);
  g_clear_pointer (&fixture->dir, g_free);
  lt_test_fixture_teardown (&fixture->base, data);
}

#define add_test(path, func) \
  g_test_add ((path), Fixture, NULL, setup, (func), teardown)

/* Files ------------------------------------------------------------------ */

static gsize
big_size (void)
{
  return g_getenv ("LT_TEST_VALGRIND") != NULL ? BIG_SIZE_VALGRIND : BIG_SIZE;
}

/* Writes @size bytes that differ from file to file (@seed), so that a
 * byte out of place shows. */
static char *
make_file (const char *dir,
           const char *name,
           gsize       size,
           guint32     seed)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autofree guint32 *block = g_new (guint32, 16384);
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  FILE *file = fopen (path, "wb");
  gsize left = size;

  g_assert_nonnull (file);
  while (left > 0)
    {
      gsize n = MIN (left, 16384 * sizeof (guint32));

      for (guint i = 0; i < 16384; i++)
        block[i] = g_rand_int (rand);
      g_assert_cmpuint (fwrite (block, 1, n, file), ==, n);
      left -= n;
    }
  g_assert_cmpint (fclose (file), ==, 0);
  return g_steal_pointer (&path);
}

static char *
sha256_of (const char *path)
{
  g_autoptr(GMappedFile) mapped = NULL;
  g_autoptr(GError) error = NULL;

  mapped = g_mapped_file_new (path, FALSE, &error);
  g_assert_no_error (error);
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256,
                                      (const guchar *) g_mapped_file_get_contents (mapped),
                                      g_mapped_file_get_length (mapped));
}

static void
assert_same_file_at (LT_TEST_LOCATION,
                     const char *expected,
                     const char *got)
{
  g_autofree char *expected_sha256 = sha256_of (expected);
  g_autofree char *got_sha256 = NULL;
  GStatBuf expected_stat, got_stat;

  if (g_stat (got, &got_stat) != 0)
    lt_test_fail_at (file, line, func, "Expected %s to exist, a copy of %s", got, expected);
  g_assert_cmpint (g_stat (expected, &expected_stat), ==, 0);
  got_sha256 = sha256_of (got);
  if (expected_stat.st_size != got_stat.st_size || g_strcmp0 (expected_sha256, got_sha256) != 0)
    lt_test_fail_at (file, line, func, "Expected %s to be %" G_GINT64_FORMAT " bytes with "
                     "SHA-256 %s, got %" G_GINT64_FORMAT " bytes with %s", got,
                     (gint64) expected_stat.st_size, expected_sha256, (gint64) got_stat.st_size,
                     got_sha256);
}

#define assert_same_file(expected, got) assert_same_file_at (LT_TEST_HERE, (expected), (got))

static char *
make_dir (const char *parent,
          const char *name)
{
  char *path = g_build_filename (parent, name, NULL);

  g_assert_cmpint (g_mkdir_with_parents (path, 0700), ==, 0);
  return path;
}

/* Signals --------------------------------------------------------------- */

/* Waits up to @timeout_ms for a signal holding @expected. */
static GVariant *
wait_signal_within_at (LT_TEST_LOCATION,
                       LtTestSession *session,
                       const char    *expected,
                       guint          timeout_ms)
{
  gint64 deadline = lt_test_deadline (timeout_ms);

  for (;;)
    {
      g_autoptr(GPtrArray) taken = lt_test_session_take_signals (session, expected);

      if (taken->len > 0)
        return g_variant_ref (g_ptr_array_index (taken, 0));
      if (!lt_test_iterate (deadline))
        return lt_test_session_wait_signal_at (file, line, func, session, expected);
    }
}

/* The id of a transfer's TransferStarted, with what it says checked. */
static void
wait_started_at (LT_TEST_LOCATION,
                 LtTestSession *session,
                 guint64        transfer_id,
                 guint64        file_id,
                 const char    *conversation,
                 gboolean       upload,
                 const char    *name,
                 guint64        total)
{
  g_autofree char *expected = g_strdup_printf ("TransferStarted (%" G_GUINT64_FORMAT ", ",
                                               transfer_id);
  g_autofree char *want = g_strdup_printf ("(%" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT
                                           ", '%s', %s, '%s', %" G_GUINT64_FORMAT ")",
                                           transfer_id, file_id, conversation,
                                           upload ? "true" : "false", name, total);
  g_autoptr(GVariant) args = wait_signal_within_at (file, line, func, session, expected,
                                                    TRANSFER_TIMEOUT_MS);
  g_autofree char *got = g_variant_print (args, FALSE);

  if (g_strcmp0 (got, want) != 0)
    lt_test_fail_at (file, line, func, "Expected TransferStarted %s, got %s", want, got);
}

#define wait_started(session, transfer_id, file_id, conversation, upload, name, total) \
  wait_started_at (LT_TEST_HERE, (session), (transfer_id), (file_id), (conversation), \
                   (upload), (name), (total))

/* Waits for TransferFinished of @transfer_id; checks its ok and, when
 * it failed, that its error holds @error_part. */
static void
wait_finished_at (LT_TEST_LOCATION,
                  LtTestSession *session,
                  guint64        transfer_id,
                  gboolean       ok,
                  const char    *error_part)
{
  g_autofree char *expected = g_strdup_printf ("TransferFinished (%" G_GUINT64_FORMAT ", ",
                                               transfer_id);
  g_autoptr(GVariant) args = wait_signal_within_at (file, line, func, session, expected,
                                                    TRANSFER_TIMEOUT_MS);
  const char *error;
  gboolean got_ok;

  g_variant_get (args, "(tb&s)", NULL, &got_ok, &error);
  if (got_ok != ok || (ok && *error != '\0')
      || (!ok && error_part != NULL && strstr (error, error_part) == NULL))
    lt_test_fail_at (file, line, func, "Expected transfer %" G_GUINT64_FORMAT " to end %s%s%s, "
                     "got %s “%s”", transfer_id, ok ? "ok" : "failed",
                     error_part ? " with " : "", error_part ? error_part : "",
                     got_ok ? "ok" : "failed", error);
}

#define wait_signal_within(session, expected, timeout_ms) \
  wait_signal_within_at (LT_TEST_HERE, (session), (expected), (timeout_ms))

#define wait_finished(session, transfer_id, ok, error_part) \
  wait_finished_at (LT_TEST_HERE, (session), (transfer_id), (ok), (error_part))

/* Every TransferProgress of @transfer_id so far: done never goes down,
 * total is @total, and the last one is (total, total). */
static void
assert_progress_at (LT_TEST_LOCATION,
                    LtTestSession *session,
                    guint64        transfer_id,
                    guint64        total)
{
  g_autofree char *expected = g_strdup_printf ("TransferProgress (%" G_GUINT64_FORMAT ", ",
                                               transfer_id);
  g_autoptr(GPtrArray) progress = lt_test_session_take_signals (session, expected);
  guint64 last = 0;

  if (progress->len == 0)
    lt_test_fail_at (file, line, func, "Expected TransferProgress for %" G_GUINT64_FORMAT
                     ", got none", transfer_id);
  for (guint i = 0; i < progress->len; i++)
    {
      guint64 done, got_total;

      g_variant_get (g_ptr_array_index (progress, i), "(ttt)", NULL, &done, &got_total);
      if (done < last || got_total != total || done > total)
        lt_test_fail_at (file, line, func, "TransferProgress %u of %u: expected at least %"
                         G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT ", got %" G_GUINT64_FORMAT
                         " of %" G_GUINT64_FORMAT, i, progress->len, last, total, done,
                         got_total);
      last = done;
    }
  if (last != total)
    lt_test_fail_at (file, line, func, "Expected the last TransferProgress at %" G_GUINT64_FORMAT
                     ", got %" G_GUINT64_FORMAT, total, last);
}

#define assert_progress(session, transfer_id, total) \
  assert_progress_at (LT_TEST_HERE, (session), (transfer_id), (total))

/* Waits for the FileOffered of @name in @conversation; returns its id. */
static guint64
wait_offered_at (LT_TEST_LOCATION,
                 LtTestSession *session,
                 const char    *conversation,
                 const char    *sender,
                 const char    *name,
                 guint64        size)
{
  g_autofree char *expected = g_strdup_printf ("FileOffered ('%s', ", conversation);
  g_autoptr(GVariant) args = wait_signal_within_at (file, line, func, session, expected,
                                                    TRANSFER_TIMEOUT_MS);
  const char *got_sender, *got_name;
  guint64 file_id, got_size;

  g_variant_get (args, "(&st&s&st)", NULL, &file_id, &got_sender, &got_name, &got_size);
  if (g_strcmp0 (got_sender, sender) != 0 || g_strcmp0 (got_name, name) != 0
      || got_size != size || file_id == 0)
    lt_test_fail_at (file, line, func, "Expected FileOffered of “%s” (%" G_GUINT64_FORMAT
                     " bytes) from %s, got “%s” (%" G_GUINT64_FORMAT " bytes) from %s, id %"
                     G_GUINT64_FORMAT, name, size, sender, got_name, got_size, got_sender,
                     file_id);
  return file_id;
}

#define wait_offered(session, conversation, sender, name, size) \
  wait_offered_at (LT_TEST_HERE, (session), (conversation), (sender), (name), (size))

/* Waits until a TransferProgress of @transfer_id reaches @at bytes (and
 * not the end), to cut the transfer there.  Returns the bytes done. */
static guint64
wait_progress_past_at (LT_TEST_LOCATION,
                       LtTestSession *session,
                       guint64        transfer_id,
                       guint64        at)
{
  g_autofree char *expected = g_strdup_printf ("TransferProgress (%" G_GUINT64_FORMAT ", ",
                                               transfer_id);
  gint64 deadline = lt_test_deadline (TRANSFER_TIMEOUT_MS);

  for (;;)
    {
      g_autoptr(GPtrArray) progress = lt_test_session_take_signals (session, expected);

      for (guint i = 0; i < progress->len; i++)
        {
          guint64 done;

          g_variant_get (g_ptr_array_index (progress, i), "(ttt)", NULL, &done, NULL);
          if (done >= at)
            return done;
        }
      if (!lt_test_iterate (deadline))
        lt_test_fail_at (file, line, func, "Expected transfer %" G_GUINT64_FORMAT " to pass %"
                         G_GUINT64_FORMAT " bytes within %d ms", transfer_id, at,
                         TRANSFER_TIMEOUT_MS);
    }
}

#define wait_progress_past(session, transfer_id, at) \
  wait_progress_past_at (LT_TEST_HERE, (session), (transfer_id), (at))

/* Steps ------------------------------------------------------------------- */

static guint64
send_file_at (LT_TEST_LOCATION,
              LtTestSession *session,
              const char    *to,
              const char    *path)
{
  g_autoptr(GVariant) reply = lt_test_session_call_ok_at (file, line, func, session, "SendFile",
                                                          g_variant_new ("(ss)", to, path));
  guint64 id;

  g_variant_get (reply, "(t)", &id);
  return id;
}

#define send_file(session, to, path) send_file_at (LT_TEST_HERE, (session), (to), (path))

static guint64
accept_file_at (LT_TEST_LOCATION,
                LtTestSession *session,
                guint64        file_id,
                const char    *dir)
{
  g_autoptr(GVariant) reply = lt_test_session_call_ok_at (file, line, func, session,
                                                          "AcceptFile",
                                                          g_variant_new ("(ts)", file_id, dir));
  guint64 id;

  g_variant_get (reply, "(t)", &id);
  return id;
}

#define accept_file(session, file_id, dir) \
  accept_file_at (LT_TEST_HERE, (session), (file_id), (dir))

/* alice sends @path to bob and waits until it is uploaded and offered;
 * returns the file id. */
static guint64
upload_to_bob_at (LT_TEST_LOCATION,
                  Fixture    *fixture,
                  const char *path,
                  const char *name,
                  guint64     size)
{
  guint64 transfer = send_file_at (file, line, func, fixture->alice, "bob", path);
  guint64 file_id = wait_offered_at (file, line, func, fixture->bob, "alice", "alice", name,
                                     size);

  wait_started_at (file, line, func, fixture->alice, transfer, file_id, "bob", TRUE, name, size);
  wait_finished_at (file, line, func, fixture->alice, transfer, TRUE, NULL);
  assert_progress_at (file, line, func, fixture->alice, transfer, size);
  return file_id;
}

#define upload_to_bob(fixture, path, name, size) \
  upload_to_bob_at (LT_TEST_HERE, (fixture), (path), (name), (size))

static void
start_both (Fixture *fixture)
{
  lt_test_start_user (fixture->alice, "alice");
  lt_test_start_user (fixture->bob, "bob");
}

/* Tests ------------------------------------------------------------------- */

/* A file from alice to bob: offered to both, uploaded with progress,
 * downloaded with progress into bob's folder, byte for byte. */
static void
test_private_file (Fixture      *fixture,
                   gconstpointer data)
{
  g_autofree char *source = make_file (fixture->dir, "photo.bin", 3 * 1024 * 1024 + 17, 1);
  g_autofree char *inbox = make_dir (fixture->dir, "inbox");
  g_autofree char *arrived = g_build_filename (inbox, "photo.bin", NULL);
  g_autofree char *expected = NULL;
  g_autoptr(GVariant) history = NULL;
  g_autoptr(GVariant) files = NULL;
  g_autofree char *printed = NULL;
  guint64 size = 3 * 1024 * 1024 + 17;
  guint64 file_id, download;

  start_both (fixture);
  file_id = upload_to_bob (fixture, source, "photo.bin", size);
  g_assert_cmpuint (wait_offered (fixture->alice, "bob", "alice", "photo.bin", size), ==,
                    file_id);

  download = accept_file (fixture->bob, file_id, inbox);
  wait_started (fixture->bob, download, file_id, "alice", FALSE, "photo.bin", size);
  wait_finished (fixture->bob, download, TRUE, NULL);
  assert_progress (fixture->bob, download, size);
  assert_same_file (source, arrived);
  lt_test_assert_call (fixture->bob, "ListTransfers", NULL, "(@a(ttsbstt) [],)");

  /* The announcement is a message of the conversation. */
  history = lt_test_bus_call_ok (fixture->bob, "GetHistory",
                                 g_variant_new ("(stu)", "alice", (guint64) 0, 10));
  printed = g_variant_print (history, FALSE);
  g_assert_nonnull (strstr (printed, "'alice', 'bob', 'photo.bin')"));

  /* ListFiles knows the answer and where the file went. */
  files = lt_test_bus_call_ok (fixture->bob, "ListFiles", g_variant_new ("(s)", "alice"));
  g_clear_pointer (&printed, g_free);
  printed = g_variant_print (files, FALSE);
  expected = g_strdup_printf ("'alice', 'photo.bin', %" G_GUINT64_FORMAT ", false, 'accepted', "
                              "'%s')", size, arrived);
  if (strstr (printed, expected) == NULL)
    g_error ("ListFiles: expected an entry ending %s, got %s", expected, printed);
}

/* An empty file goes and arrives empty. */
static void
test_empty_file (Fixture      *fixture,
                 gconstpointer data)
{
  g_autofree char *source = make_file (fixture->dir, "empty.txt", 0, 2);
  g_autofree char *inbox = make_dir (fixture->dir, "inbox");
  g_autofree char *arrived = g_build_filename (inbox, "empty.txt", NULL);
  guint64 file_id, download;

  start_both (fixture);
  file_id = upload_to_bob (fixture, source, "empty.txt", 0);
  download = accept_file (fixture->bob, file_id, inbox);
  wait_started (fixture->bob, download, file_id, "alice", FALSE, "empty.txt", 0);
  wait_finished (fixture->bob, download, TRUE, NULL);
  assert_same_file (source, arrived);
}

/* A name taken in the destination: the file arrives as "name (2)", and
 * what was there is untouched. */
static void
test_name_taken (Fixture      *fixture,
                 gconstpointer data)
{
  g_autofree char *source = make_file (fixture->dir, "report.pdf", 5000, 3);
  g_autofree char *inbox = make_dir (fixture->dir, "inbox");
  g_autofree char *existing = make_file (inbox, "report.pdf", 10, 4);
  g_autofree char *copy = g_strdup_printf ("%s.copy", existing);
  g_autofree char *arrived = g_build_filename (inbox, "report (2).pdf", NULL);
  g_autoptr(GFile) existing_file = g_file_new_for_path (existing);
  g_autoptr(GFile) copy_file = g_file_new_for_path (copy);
  guint64 file_id, download;

  g_assert_true (g_file_copy (existing_file, copy_file, G_FILE_COPY_NONE, NULL, NULL, NULL,
                              NULL));
  start_both (fixture);
  file_id = upload_to_bob (fixture, source, "report.pdf", 5000);
  download = accept_file (fixture->bob, file_id, inbox);
  wait_finished (fixture->bob, download, TRUE, NULL);
  assert_same_file (source, arrived);
  assert_same_file (copy, existing);
}

/* bob declines: alice hears of it, and bob can no longer download. */
static void
test_reject (Fixture      *fixture,
             gconstpointer data)
{
  g_autofree char *source = make_file (fixture->dir, "offer.bin", 1000, 5);
  g_autofree char *inbox = make_dir (fixture->dir, "inbox");
  g_autofree char *expected = NULL;
  guint64 file_id;

  start_both (fixture);
  file_id = upload_to_bob (fixture, source, "offer.bin", 1000);
  lt_test_assert_call (fixture->bob, "RejectFile", g_variant_new ("(t)", file_id), "()");
  expected = g_strdup_printf ("FileRejected ('bob', %" G_GUINT64_FORMAT ", 'bob')", file_id);
  lt_test_wait_signal (fixture->alice, expected);
  lt_test_assert_call_error (fixture->bob, "AcceptFile", g_variant_new ("(ts)", file_id, inbox),
                             "FileUnavailable");
}

/* A room file needs no answer: a member downloads it at once. */
static void
test_room_file (Fixture      *fixture,
                gconstpointer data)
{
  g_autofree char *source = make_file (fixture->dir, "slides.odp", 200000, 6);
  g_autofree char *inbox = make_dir (fixture->dir, "inbox");
  g_autofree char *arrived = g_build_filename (inbox, "slides.odp", NULL);
  guint64 transfer, file_id, download;

  start_both (fixture);
  transfer = send_file (fixture->alice, "#lobby", source);
  file_id = wait_offered (fixture->bob, "#lobby", "alice", "slides.odp", 200000);
  wait_finished (fixture->alice, transfer, TRUE, NULL);
  download = accept_file (fixture->bob, file_id, inbox);
  wait_started (fixture->bob, download, file_id, "#lobby", FALSE, "slides.odp", 200000);
  wait_finished (fixture->bob, download, TRUE, NULL);
  assert_same_file (source, arrived);
}

/* A file sent while bob's daemon is not running is announced when he
 * logs in, once. */
static void
test_offline_announced (Fixture      *fixture,
                        gconstpointer data)
{
  g_autofree char *source = make_file (fixture->dir, "later.txt", 4321, 7);
  guint64 transfer;

  start_both (fixture);
  lt_test_stop_daemon (fixture->bob);
  transfer = send_file (fixture->alice, "bob", source);
  wait_finished (fixture->alice, transfer, TRUE, NULL);

  lt_test_start_daemon (fixture->bob, NULL);
  lt_test_bus_login (fixture->bob, "bob");
  wait_offered (fixture->bob, "alice", "alice", "later.txt", 4321);
}

/* Paths that cannot be sent are refused at once. */
static void
test_bad_paths (Fixture      *fixture,
                gconstpointer data)
{
  g_autofree char *missing = g_build_filename (fixture->dir, "missing", NULL);

  start_both (fixture);
  lt_test_assert_call_error (fixture->alice, "SendFile",
                             g_variant_new ("(ss)", "bob", "relative/path"),
                             "InvalidArgument");
  lt_test_assert_call_error (fixture->alice, "SendFile", g_variant_new ("(ss)", "bob", missing),
                             "InvalidArgument");
  lt_test_assert_call_error (fixture->alice, "SendFile", g_variant_new ("(ss)", "bob", "/dev/null"),
                             "InvalidArgument");
  lt_test_assert_call_error (fixture->alice, "CancelTransfer", g_variant_new ("(t)", 999),
                             "InvalidArgument");
}

/* Cuts ------------------------------------------------------------------------ */

/* The file id of an upload's TransferStarted. */
static guint64
wait_upload_started_at (LT_TEST_LOCATION,
                        LtTestSession *session,
                        guint64        transfer_id)
{
  g_autofree char *expected = g_strdup_printf ("TransferStarted (%" G_GUINT64_FORMAT ", ",
                                               transfer_id);
  g_autoptr(GVariant) args = wait_signal_within_at (file, line, func, session, expected,
                                                    TRANSFER_TIMEOUT_MS);
  guint64 file_id;

  g_variant_get (args, "(tt&sb&st)", NULL, &file_id, NULL, NULL, NULL, NULL);
  return file_id;
}

#define wait_upload_started(session, transfer_id) \
  wait_upload_started_at (LT_TEST_HERE, (session), (transfer_id))

/* Stops the server (SIGSTOP) once @transfer_id is under way, and checks
 * that it was cut before its end. */
static void
freeze_server_mid_transfer_at (LT_TEST_LOCATION,
                               Fixture       *fixture,
                               LtTestSession *session,
                               guint64        transfer_id,
                               guint64        size)
{
  guint64 done = wait_progress_past_at (file, line, func, session, transfer_id, 1);

  lt_test_server_freeze (fixture->base.server);
  if (done >= size)
    lt_test_fail_at (file, line, func, "Expected to cut transfer %" G_GUINT64_FORMAT " before "
                     "its end, but it had moved all %" G_GUINT64_FORMAT " bytes", transfer_id,
                     size);
  g_test_message ("Cut transfer %" G_GUINT64_FORMAT " at %" G_GUINT64_FORMAT " of %"
                  G_GUINT64_FORMAT " bytes", transfer_id, done, size);
}

#define freeze_server_mid_transfer(fixture, session, transfer_id, size) \
  freeze_server_mid_transfer_at (LT_TEST_HERE, (fixture), (session), (transfer_id), (size))

/* Kills the server (frozen by freeze_server_mid_transfer()) after
 * @pause_ms, and starts it again. */
static void
restart_server_after (Fixture *fixture,
                      guint    pause_ms)
{
  g_usleep ((gulong) pause_ms * 1000);
  lt_test_server_kill (fixture->base.server);
  lt_test_server_start (fixture->base.server);
}

/* Cuts alice's upload of a big file to bob with a restart of the server
 * @pause_ms after the cut, then checks that it finishes and that bob
 * gets it whole. */
static void
check_upload_cut (Fixture *fixture,
                  guint32  seed,
                  guint    pause_ms)
{
  gsize size = big_size ();
  g_autofree char *source = make_file (fixture->dir, "big.bin", size, seed);
  g_autofree char *inbox = make_dir (fixture->dir, "inbox");
  g_autofree char *arrived = g_build_filename (inbox, "big.bin", NULL);
  guint64 transfer, file_id, download;

  start_both (fixture);
  transfer = send_file (fixture->alice, "bob", source);
  file_id = wait_upload_started (fixture->alice, transfer);
  freeze_server_mid_transfer (fixture, fixture->alice, transfer, size);
  restart_server_after (fixture, pause_ms);

  wait_finished (fixture->alice, transfer, TRUE, NULL);
  assert_progress (fixture->alice, transfer, size);
  g_assert_cmpuint (wait_offered (fixture->bob, "alice", "alice", "big.bin", size), ==, file_id);
  download = accept_file (fixture->bob, file_id, inbox);
  wait_finished (fixture->bob, download, TRUE, NULL);
  assert_same_file (source, arrived);
}

/* Cuts bob's download of a big file from alice with a restart of the
 * server @pause_ms after the cut, then checks that it finishes whole. */
static void
check_download_cut (Fixture *fixture,
                    guint32  seed,
                    guint    pause_ms)
{
  gsize size = big_size ();
  g_autofree char *source = make_file (fixture->dir, "big.bin", size, seed);
  g_autofree char *inbox = make_dir (fixture->dir, "inbox");
  g_autofree char *arrived = g_build_filename (inbox, "big.bin", NULL);
  guint64 file_id, download;

  start_both (fixture);
  file_id = upload_to_bob (fixture, source, "big.bin", size);
  download = accept_file (fixture->bob, file_id, inbox);
  freeze_server_mid_transfer (fixture, fixture->bob, download, size);
  restart_server_after (fixture, pause_ms);

  wait_finished (fixture->bob, download, TRUE, NULL);
  assert_progress (fixture->bob, download, size);
  assert_same_file (source, arrived);
}

/* The server dies mid-upload and comes back: the upload goes on from
 * what the server kept (HEAD), and arrives whole. */
static void
test_server_restart_upload (Fixture      *fixture,
                            gconstpointer data)
{
  check_upload_cut (fixture, 8, 0);
}

/* The server dies mid-download and comes back: the download goes on
 * with Range from its part file. */
static void
test_server_restart_download (Fixture      *fixture,
                              gconstpointer data)
{
  check_download_cut (fixture, 9, 0);
}

/* Tokens good for TOKEN_LIFETIME seconds; a cut of TOKEN_PAUSE_MS
 * outlives the one a transfer holds. */
#define TOKEN_LIFETIME "4"
#define TOKEN_PAUSE_MS 5000

static const LtTestServerOptions short_tokens = {
  .args = { "--file-token-lifetime", TOKEN_LIFETIME, NULL },
};

/* The server comes back after the upload's token expired: HEAD gets
 * 401, file_resume gives a fresh token, and the upload goes on. */
static void
test_token_expired_upload (Fixture      *fixture,
                           gconstpointer data)
{
  check_upload_cut (fixture, 19, TOKEN_PAUSE_MS);
}

/* The server comes back after the download's token expired: GET gets
 * 401, file_accept gives a fresh token, and the download goes on. */
static void
test_token_expired_download (Fixture      *fixture,
                             gconstpointer data)
{
  check_download_cut (fixture, 20, TOKEN_PAUSE_MS);
}

/* liaotiand is stopped mid-transfer and started again: after the next
 * login the transfers go on from the cache, under the same ids. */
static void
test_daemon_restart (Fixture      *fixture,
                     gconstpointer data)
{
  gsize size = big_size ();
  g_autofree char *source = make_file (fixture->dir, "big.bin", size, 10);
  g_autofree char *inbox = make_dir (fixture->dir, "inbox");
  g_autofree char *arrived = g_build_filename (inbox, "big.bin", NULL);
  g_autofree char *listed = NULL;
  g_autoptr(GVariant) transfers = NULL;
  guint64 upload, file_id, download;

  start_both (fixture);
  upload = send_file (fixture->alice, "bob", source);
  wait_progress_past (fixture->alice, upload, 1);
  lt_test_stop_daemon (fixture->alice);
  lt_test_start_daemon (fixture->alice, NULL);
  lt_test_bus_login (fixture->alice, "alice");
  wait_finished (fixture->alice, upload, TRUE, NULL);
  file_id = wait_offered (fixture->bob, "alice", "alice", "big.bin", size);

  download = accept_file (fixture->bob, file_id, inbox);
  wait_progress_past (fixture->bob, download, 1);
  lt_test_stop_daemon (fixture->bob);
  lt_test_start_daemon (fixture->bob, NULL);
  lt_test_bus_login (fixture->bob, "bob");
  transfers = lt_test_bus_call_ok (fixture->bob, "ListTransfers", NULL);
  listed = g_variant_print (transfers, FALSE);
  wait_finished (fixture->bob, download, TRUE, NULL);
  assert_same_file (source, arrived);
  /* Listed until it finished, unless it finished before the call. */
  if (strstr (listed, "'big.bin'") == NULL && strcmp (listed, "([],)") != 0)
    g_error ("ListTransfers after the restart: expected the download or nothing, got %s",
             listed);
}

/* Cancelling an upload and a download: TransferFinished says so, and
 * the download's part file is gone. */
static void
test_cancel (Fixture      *fixture,
             gconstpointer data)
{
  gsize size = big_size ();
  g_autofree char *source = make_file (fixture->dir, "big.bin", size, 11);
  g_autofree char *inbox = make_dir (fixture->dir, "inbox");
  g_autofree char *part = g_build_filename (inbox, "big.bin.part", NULL);
  guint64 upload, file_id, download;
  gint64 deadline;

  start_both (fixture);
  upload = send_file (fixture->alice, "bob", source);
  lt_test_assert_call (fixture->alice, "CancelTransfer", g_variant_new ("(t)", upload), "()");
  wait_finished (fixture->alice, upload, FALSE, "Cancel");
  lt_test_assert_call (fixture->alice, "ListTransfers", NULL, "(@a(ttsbstt) [],)");
  lt_test_assert_call_error (fixture->alice, "CancelTransfer", g_variant_new ("(t)", upload),
                             "InvalidArgument");

  file_id = upload_to_bob (fixture, source, "big.bin", size);
  download = accept_file (fixture->bob, file_id, inbox);
  lt_test_server_freeze (fixture->base.server);
  lt_test_assert_call (fixture->bob, "CancelTransfer", g_variant_new ("(t)", download), "()");
  wait_finished (fixture->bob, download, FALSE, "Cancel");
  lt_test_server_unfreeze (fixture->base.server);
  deadline = lt_test_deadline (LT_TEST_BUS_TIMEOUT_MS);
  while (g_file_test (part, G_FILE_TEST_EXISTS))
    if (!lt_test_iterate (deadline))
      g_error ("Expected %s to be deleted after the cancel, it is still there", part);
}

/* Room for one file of OFFER_SIZE in the sender's quota, not two. */
#define OFFER_SIZE 70000

static const LtTestServerOptions small_quota = {
  .args = { "--file-quota", "100000", NULL },
};

/* An upload cancelled while the server is making its offer: the offer
 * the server made is withdrawn, so that it does not hold the sender's
 * quota, and the same file can be sent again at once. */
static void
test_cancel_offering (Fixture      *fixture,
                      gconstpointer data)
{
  g_autofree char *source = make_file (fixture->dir, "offered.bin", OFFER_SIZE, 21);
  g_autoptr(GVariant) files = NULL;
  guint64 upload;
  gint64 deadline;

  start_both (fixture);
  lt_test_server_freeze (fixture->base.server);
  upload = send_file (fixture->alice, "bob", source);
  /* Hashed, and file_offer written to the frozen server. */
  deadline = lt_test_deadline (500);
  while (lt_test_iterate (deadline))
    continue;
  lt_test_assert_call (fixture->alice, "CancelTransfer", g_variant_new ("(t)", upload), "()");
  wait_finished (fixture->alice, upload, FALSE, "Cancel");
  lt_test_server_unfreeze (fixture->base.server);
  /* A round trip on the same connection: file_offer's answer, and the
   * file_cancel it brings, came before it. */
  files = lt_test_bus_call_ok (fixture->alice, "ListFiles", g_variant_new ("(s)", "bob"));

  upload_to_bob (fixture, source, "offered.bin", OFFER_SIZE);
}

/* A folder with nested files and an empty folder arrives whole, under
 * its name; a symbolic link in it is not followed nor sent. */
static void
test_folder (Fixture      *fixture,
             gconstpointer data)
{
  g_autofree char *album = make_dir (fixture->dir, "album");
  g_autofree char *sub = make_dir (album, "sub");
  g_autofree char *deeper = make_dir (sub, "deeper");
  g_autofree char *empty = make_dir (album, "empty");
  g_autofree char *a = make_file (album, "a.txt", 100, 12);
  g_autofree char *b = make_file (sub, "b.bin", 300000, 13);
  g_autofree char *c = make_file (deeper, "c.txt", 0, 14);
  g_autofree char *link = g_build_filename (album, "passwd", NULL);
  g_autofree char *inbox = make_dir (fixture->dir, "inbox");
  g_autofree char *got_a = g_build_filename (inbox, "album", "a.txt", NULL);
  g_autofree char *got_b = g_build_filename (inbox, "album", "sub", "b.bin", NULL);
  g_autofree char *got_c = g_build_filename (inbox, "album", "sub", "deeper", "c.txt", NULL);
  g_autofree char *got_empty = g_build_filename (inbox, "album", "empty", NULL);
  g_autofree char *got_link = g_build_filename (inbox, "album", "passwd", NULL);
  guint64 file_id, download;

  g_assert_cmpint (symlink ("/etc/passwd", link), ==, 0);
  start_both (fixture);
  file_id = upload_to_bob (fixture, album, "album", 300100);
  download = accept_file (fixture->bob, file_id, inbox);
  wait_started (fixture->bob, download, file_id, "alice", FALSE, "album", 300100);
  wait_finished (fixture->bob, download, TRUE, NULL);
  assert_progress (fixture->bob, download, 300100);
  assert_same_file (a, got_a);
  assert_same_file (b, got_b);
  assert_same_file (c, got_c);
  g_assert_true (g_file_test (got_empty, G_FILE_TEST_IS_DIR));
  g_assert_false (g_file_test (got_link, G_FILE_TEST_EXISTS));
}

/* Notifications ----------------------------------------------------------- */

typedef struct
{
  Fixture files;
  LtTestNotifications *service;
  char *downloads;
} NotifyFixture;

/* bob's session has a notification service, and a Downloads folder
 * (not there yet) set in its XDG user-dirs.dirs. */
static void
notify_setup (NotifyFixture *fixture,
              gconstpointer  data)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autofree char *config = NULL;
  g_autofree char *user_dirs = NULL;
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;
  LtTestSession *bob;

  setup (&fixture->files, data);
  bob = fixture->files.bob;
  /* Not made: the daemon makes it for the first download. */
  fixture->downloads = g_build_filename (fixture->files.dir, "Downloads", NULL);
  config = g_build_filename (lt_test_session_get_dir (bob), "XDG_CONFIG_HOME", NULL);
  g_assert_cmpint (g_mkdir_with_parents (config, 0700), ==, 0);
  user_dirs = g_build_filename (config, "user-dirs.dirs", NULL);
  contents = g_strdup_printf ("XDG_DOWNLOAD_DIR=\"%s\"\n", fixture->downloads);
  g_file_set_contents (user_dirs, contents, -1, &error);
  g_assert_no_error (error);

  launcher = lt_test_session_launcher_new (bob, G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  fixture->service = lt_test_notifications_start (launcher, lt_test_session_get_connection (bob));
}

static void
notify_teardown (NotifyFixture *fixture,
                 gconstpointer  data)
{
  g_clear_pointer (&fixture->files.alice, lt_test_session_free);
  g_clear_pointer (&fixture->files.bob, lt_test_session_free);
  g_clear_pointer (&fixture->service, lt_test_notifications_free);
  g_clear_pointer (&fixture->downloads, g_free);
  teardown (&fixture->files, data);
}

/* alice sends bob a file; bob's notification offers Accept and Reject,
 * and returns its id. */
static guint32
file_notification_at (LT_TEST_LOCATION,
                      NotifyFixture *fixture,
                      const char    *source,
                      const char    *name,
                      guint64        size,
                      guint64       *file_id)
{
  g_autoptr(GVariant) args = NULL;
  g_autofree const char **actions = NULL;
  g_autofree char *printed = NULL;
  const char *summary, *body;

  send_file_at (file, line, func, fixture->files.alice, "bob", source);
  *file_id = wait_offered_at (file, line, func, fixture->files.bob, "alice", "alice", name, size);
  args = lt_test_notifications_wait_call_at (file, line, func, fixture->service, "Notify", 1);
  g_variant_get (args, "(&su&s&s&s^a&s@a{sv}i)", NULL, NULL, NULL, &summary, &body, &actions,
                 NULL, NULL);
  printed = g_strjoinv (" ", (char **) actions);
  if (g_strcmp0 (summary, "Alice") != 0 || strstr (body, name) == NULL
      || strstr (printed, "accept") == NULL || strstr (printed, "reject") == NULL)
    lt_test_fail_at (file, line, func, "Expected a notification from Alice about %s with accept "
                     "and reject, got “%s: %s” with actions %s", name, summary, body, printed);
  /* python3-dbusmock numbers a test's notifications from 1. */
  return 1;
}

#define file_notification(fixture, source, name, size, file_id) \
  file_notification_at (LT_TEST_HERE, (fixture), (source), (name), (size), (file_id))

/* Accept on the notification downloads into the Downloads folder. */
static void
test_notification_accept (NotifyFixture *fixture,
                          gconstpointer  data)
{
  g_autofree char *source = make_file (fixture->files.dir, "notes.txt", 7777, 15);
  g_autofree char *arrived = g_build_filename (fixture->downloads, "notes.txt", NULL);
  g_autofree char *expected = NULL;
  g_autoptr(GVariant) args = NULL;
  guint64 file_id, download;
  guint32 id;

  start_both (&fixture->files);
  id = file_notification (fixture, source, "notes.txt", 7777, &file_id);
  lt_test_notifications_emit (fixture->service, "ActionInvoked", id, "accept");

  expected = g_strdup_printf (", %" G_GUINT64_FORMAT ", 'alice', false, 'notes.txt', 7777)",
                              file_id);
  args = wait_signal_within (fixture->files.bob, expected, TRANSFER_TIMEOUT_MS);
  g_variant_get (args, "(tt&sb&st)", &download, NULL, NULL, NULL, NULL, NULL);
  wait_finished (fixture->files.bob, download, TRUE, NULL);
  assert_same_file (source, arrived);
}

/* Reject on the notification declines the file. */
static void
test_notification_reject (NotifyFixture *fixture,
                          gconstpointer  data)
{
  g_autofree char *source = make_file (fixture->files.dir, "spam.bin", 10, 16);
  g_autofree char *expected = NULL;
  guint64 file_id;
  guint32 id;

  start_both (&fixture->files);
  id = file_notification (fixture, source, "spam.bin", 10, &file_id);
  lt_test_notifications_emit (fixture->service, "ActionInvoked", id, "reject");
  expected = g_strdup_printf ("FileRejected ('bob', %" G_GUINT64_FORMAT ", 'bob')", file_id);
  lt_test_wait_signal (fixture->files.alice, expected);
}

/* Accepting in the client (AcceptFile) withdraws the file's
 * notification: its Accept would download the file again. */
static void
test_notification_answered (NotifyFixture *fixture,
                            gconstpointer  data)
{
  g_autofree char *source = make_file (fixture->files.dir, "report.pdf", 4321, 22);
  g_autofree char *inbox = make_dir (fixture->files.dir, "inbox");
  guint64 file_id, download;
  guint32 id;

  start_both (&fixture->files);
  id = file_notification (fixture, source, "report.pdf", 4321, &file_id);
  download = accept_file (fixture->files.bob, file_id, inbox);
  wait_finished (fixture->files.bob, download, TRUE, NULL);
  g_assert_cmpuint (lt_test_notifications_wait_close (fixture->service, 1), ==, id);
}

/* Offline, ListFiles answers from the cache (the answer and where the
 * file went); ListTransfers lists a transfer that waits for the
 * server. */
static void
test_list_files_offline (Fixture      *fixture,
                         gconstpointer data)
{
  g_autofree char *source = make_file (fixture->dir, "kept.txt", 123, 17);
  g_autofree char *inbox = make_dir (fixture->dir, "inbox");
  g_autofree char *arrived = g_build_filename (inbox, "kept.txt", NULL);
  g_autofree char *expected = NULL;
  g_autofree char *printed = NULL;
  g_autofree char *local = NULL;
  g_autoptr(GVariant) files = NULL;
  guint64 file_id, transfer, download;

  start_both (fixture);
  file_id = upload_to_bob (fixture, source, "kept.txt", 123);
  download = accept_file (fixture->bob, file_id, inbox);
  wait_finished (fixture->bob, download, TRUE, NULL);

  /* Offline, the cache answers with what it stored.  (The states of
   * the logins are forgotten first, to wait for the next.) */
  g_ptr_array_unref (lt_test_session_take_signals (fixture->alice, "'State'"));
  g_ptr_array_unref (lt_test_session_take_signals (fixture->bob, "'State'"));
  lt_test_server_stop (fixture->base.server);
  lt_test_wait_signal (fixture->bob, "PropertiesChanged 'State': <'connecting'>");
  files = lt_test_bus_call_ok (fixture->bob, "ListFiles", g_variant_new ("(s)", "alice"));
  printed = g_variant_print (files, FALSE);
  expected = g_strdup_printf ("(%" G_GUINT64_FORMAT ", ", file_id);
  local = g_strdup_printf ("'kept.txt', 123, false, 'accepted', '%s')", arrived);
  if (strstr (printed, expected) == NULL || strstr (printed, local) == NULL)
    g_error ("Offline ListFiles: expected %s… %s, got %s", expected, local, printed);

  /* A file sent meanwhile waits, listed, until the server is back. */
  lt_test_wait_signal (fixture->alice, "PropertiesChanged 'State': <'connecting'>");
  transfer = send_file (fixture->alice, "bob", source);
  g_clear_pointer (&expected, g_free);
  expected = g_strdup_printf ("([(%" G_GUINT64_FORMAT ", 0, 'bob', true, 'kept.txt', 0, 123)],)",
                              transfer);
  {
    gint64 deadline = lt_test_deadline (LT_TEST_BUS_TIMEOUT_MS);

    /* Hashing sets the total; wait for it, boundedly. */
    for (;;)
      {
        g_autoptr(GVariant) listed = lt_test_bus_call_ok (fixture->alice, "ListTransfers", NULL);
        g_autofree char *text = g_variant_print (listed, FALSE);

        if (g_strcmp0 (text, expected) == 0)
          break;
        if (!lt_test_iterate (deadline))
          g_error ("ListTransfers: expected %s, got %s", expected, text);
      }
  }
  lt_test_server_start (fixture->base.server);
  wait_finished (fixture->alice, transfer, TRUE, NULL);
}

/* A folder whose manifest outgrows a frame goes in pages
 * (file_entries_add) and comes back in pages (file_entries). */
static void
test_folder_pages (Fixture      *fixture,
                   gconstpointer data)
{
  g_autofree char *folder = make_dir (fixture->dir, "many");
  g_autofree char *inbox = make_dir (fixture->dir, "inbox");
  g_autofree char *padding = g_strnfill (200, 'x');
  guint64 file_id, download;
  guint n = 260;

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *name = g_strdup_printf ("%s-%03u.txt", padding, i);

      g_free (make_file (folder, name, 1, 100 + i));
    }
  start_both (fixture);
  file_id = upload_to_bob (fixture, folder, "many", n);
  download = accept_file (fixture->bob, file_id, inbox);
  wait_finished (fixture->bob, download, TRUE, NULL);
  for (guint i = 0; i < n; i += 37)
    {
      g_autofree char *name = g_strdup_printf ("%s-%03u.txt", padding, i);
      g_autofree char *sent = g_build_filename (folder, name, NULL);
      g_autofree char *got = g_build_filename (inbox, "many", name, NULL);

      assert_same_file (sent, got);
    }
}

/* A download that does not match the sender's SHA-256 (the server's
 * copy was damaged on its disk) fails, and leaves neither the file nor
 * its part. */
static void
test_corrupt_download (Fixture      *fixture,
                       gconstpointer data)
{
  g_autofree char *source = make_file (fixture->dir, "fragile.bin", 70000, 19);
  g_autofree char *inbox = make_dir (fixture->dir, "inbox");
  g_autofree char *arrived = g_build_filename (inbox, "fragile.bin", NULL);
  g_autofree char *part = g_build_filename (inbox, "fragile.bin.part", NULL);
  g_autofree char *sha256 = sha256_of (source);
  g_autofree char *prefix = g_strndup (sha256, 2);
  g_autofree char *blob = g_build_filename (lt_test_server_get_data_dir (fixture->base.server),
                                            "files", "blobs", prefix, sha256, NULL);
  g_autofree char *bytes = NULL;
  g_autoptr(GError) error = NULL;
  guint64 file_id, download;
  gint64 deadline;
  gsize length;

  start_both (fixture);
  file_id = upload_to_bob (fixture, source, "fragile.bin", 70000);
  g_file_get_contents (blob, &bytes, &length, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (length, ==, 70000);
  bytes[1234] ^= 0x55;
  g_file_set_contents (blob, bytes, length, &error);
  g_assert_no_error (error);

  download = accept_file (fixture->bob, file_id, inbox);
  wait_finished (fixture->bob, download, FALSE, "does not match");
  g_assert_false (g_file_test (arrived, G_FILE_TEST_EXISTS));
  deadline = lt_test_deadline (LT_TEST_BUS_TIMEOUT_MS);
  while (g_file_test (part, G_FILE_TEST_EXISTS))
    if (!lt_test_iterate (deadline))
      g_error ("Expected %s to be deleted after the mismatch, it is still there", part);
}

/* TLS ------------------------------------------------------------------------ */

static const LtTestServerOptions tls_server = {
  .tls = TRUE,
};

/* Starts @username's daemon over TLS to "localhost", the name in the
 * test certificate, which is also its only authority. */
static void
start_tls_user (Fixture       *fixture,
                LtTestSession *session,
                const char    *username)
{
  g_autofree char *cert = g_build_filename (lt_test_server_get_dir (fixture->base.server),
                                            "cert.pem", NULL);
  g_autoptr(GVariant) value = g_variant_ref_sink (g_variant_new_string (cert));
  g_autofree char *quoted = g_variant_print (value, FALSE);
  g_autofree char *server_arg = g_strdup_printf ("--server=localhost:%u",
                                                 lt_test_server_get_port (fixture->base.server));

  lt_test_session_set_setting (session, "use-tls", "true");
  lt_test_session_set_setting (session, "tls-ca-file", quoted);
  lt_test_start_daemon (session, server_arg);
  lt_test_bus_register (session, username);
  lt_test_bus_login (session, username);
}

/* Over TLS, files go over HTTPS checked against the same authority. */
static void
test_tls (Fixture      *fixture,
          gconstpointer data)
{
  g_autofree char *source = make_file (fixture->dir, "secret.bin", 500000, 18);
  g_autofree char *inbox = make_dir (fixture->dir, "inbox");
  g_autofree char *arrived = g_build_filename (inbox, "secret.bin", NULL);
  guint64 file_id, download;

  start_tls_user (fixture, fixture->alice, "alice");
  start_tls_user (fixture, fixture->bob, "bob");
  file_id = upload_to_bob (fixture, source, "secret.bin", 500000);
  download = accept_file (fixture->bob, file_id, inbox);
  wait_finished (fixture->bob, download, TRUE, NULL);
  assert_same_file (source, arrived);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  add_test ("/daemon/files/private", test_private_file);
  add_test ("/daemon/files/empty", test_empty_file);
  add_test ("/daemon/files/name-taken", test_name_taken);
  add_test ("/daemon/files/reject", test_reject);
  add_test ("/daemon/files/room", test_room_file);
  add_test ("/daemon/files/offline", test_offline_announced);
  add_test ("/daemon/files/bad-paths", test_bad_paths);
  add_test ("/daemon/files/folder", test_folder);
  add_test ("/daemon/files/folder-pages", test_folder_pages);
  add_test ("/daemon/files/cancel", test_cancel);
  g_test_add ("/daemon/files/cancel-offering", Fixture, &small_quota, setup,
              test_cancel_offering, teardown);
  add_test ("/daemon/files/corrupt-download", test_corrupt_download);
  add_test ("/daemon/files/server-restart-upload", test_server_restart_upload);
  add_test ("/daemon/files/server-restart-download", test_server_restart_download);
  add_test ("/daemon/files/daemon-restart", test_daemon_restart);
  g_test_add ("/daemon/files/token-expired-upload", Fixture, &short_tokens, setup,
              test_token_expired_upload, teardown);
  g_test_add ("/daemon/files/token-expired-download", Fixture, &short_tokens, setup,
              test_token_expired_download, teardown);
  add_test ("/daemon/files/list-offline", test_list_files_offline);
  g_test_add ("/daemon/files/tls", Fixture, &tls_server, setup, test_tls, teardown);
  g_test_add ("/daemon/files/notification-accept", NotifyFixture, NULL, notify_setup,
              test_notification_accept, notify_teardown);
  g_test_add ("/daemon/files/notification-reject", NotifyFixture, NULL, notify_setup,
              test_notification_reject, notify_teardown);
  g_test_add ("/daemon/files/notification-answered", NotifyFixture, NULL, notify_setup,
              test_notification_answered, notify_teardown);

  return g_test_run ();
}
