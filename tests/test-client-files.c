/* SPDX-License-Identifier: GPL-3.0-or-later */
/* File transfer in the client.
 *
 * The models first, without a daemon: what an LtFile offers to do and
 * says in each state, and how LtFileList makes one file of the pieces
 * the daemon tells (ListFiles, FileOffered, SendFile, the transfer
 * signals).
 *
 * Then LtChatView in a real GtkWindow on an Xvfb of this program's own
 * (lt-test-display), as in test-client-chat-view: alice's and bob's
 * real liaotiand on one real liaotian-server, each on a private
 * session bus (lt-test-bus), the view talking to one of them through
 * an LtChat1 proxy.  The other side is scripted over D-Bus.  What is
 * checked is what the person sees: the cards on screen, their labels
 * and buttons, the progress bar; buttons are activated as a click
 * would (gtk_widget_activate), drops go through the view's own
 * GtkDropTarget, and a downloaded file is compared byte for byte with
 * what was sent, in the Downloads folder the daemon chose (set with
 * user-dirs.dirs in bob's XDG_CONFIG_HOME). */
#include "config.h"

#include <glib/gstdio.h>
#include <gtk/gtk.h>
#include <string.h>

#include "lt-chat-view.h"
#include "lt-error-text.h"
#include "lt-file-card.h"
#include "lt-file-list.h"
#include "lt-files-dialog.h"
#include "lt-message-list.h"
#include "lt-test-bus.h"
#include "lt-test-display.h"

#define SMALL_SIZE 150000
#define LARGE_SIZE (64 * 1024 * 1024)
#define TRANSFER_TIMEOUT_MS 20000

/* The models ----------------------------------------------------------------- */

static LtFile *
offered_file (const char *conversation,
              gboolean    own)
{
  LtFile *file = lt_file_new (conversation, own ? "alice" : "bob", own, "report.pdf");

  lt_file_set_file_id (file, 7);
  lt_file_set_size (file, SMALL_SIZE);
  return file;
}

static void
assert_actions_at (LT_TEST_LOCATION,
                   LtFile        *f,
                   LtFileActions  expected)
{
  LtFileActions actions = lt_file_get_actions (f);

  if (actions != expected)
    {
      g_autofree char *want = g_flags_to_string (LT_TYPE_FILE_ACTIONS, expected);
      g_autofree char *got = g_flags_to_string (LT_TYPE_FILE_ACTIONS, actions);

      lt_test_fail_at (file, line, func, "Expected the actions %s, got %s", want, got);
    }
}

static void
assert_status_at (LT_TEST_LOCATION,
                  LtFile     *f,
                  const char *expected)
{
  g_autofree char *status = lt_file_dup_status (f);

  if (g_strcmp0 (status, expected) != 0)
    lt_test_fail_at (file, line, func, "Expected the status “%s”, got “%s”", expected, status);
}

#define assert_actions(f, expected) assert_actions_at (LT_TEST_HERE, (f), (expected))
#define assert_status(f, expected) assert_status_at (LT_TEST_HERE, (f), (expected))

/* An incoming private file: Accept or Reject; accepted, it downloads
 * with a cancel button, then opens; rejected, nothing. */
static void
test_model_private (void)
{
  g_autoptr(LtFile) file = offered_file ("bob", FALSE);
  g_autoptr(LtFile) rejected = offered_file ("bob", FALSE);
  g_autofree char *details = NULL;
  g_autofree char *size = g_format_size (SMALL_SIZE);
  g_autofree char *expected_details = g_strdup_printf ("%s · bob", size);

  assert_actions (file, LT_FILE_ACTION_ACCEPT | LT_FILE_ACTION_REJECT);
  assert_status (file, "Accept to download it to your Downloads folder");
  details = lt_file_dup_details (file);
  g_assert_cmpstr (details, ==, expected_details);

  lt_file_set_answer (file, LT_FILE_ANSWER_ACCEPTED);
  lt_file_start_transfer (file, 3);
  lt_file_set_progress (file, SMALL_SIZE / 2, SMALL_SIZE);
  assert_actions (file, LT_FILE_ACTION_CANCEL);
  g_assert_cmpfloat_with_epsilon (lt_file_get_fraction (file), 0.5, 0.01);

  lt_file_finish_transfer (file, TRUE, "");
  lt_file_set_path (file, "/tmp/Downloads/report.pdf");
  assert_actions (file, LT_FILE_ACTION_OPEN | LT_FILE_ACTION_SHOW);
  assert_status (file, "Downloaded");
  g_assert_cmpfloat (lt_file_get_fraction (file), ==, 1.0);

  g_assert_true (lt_file_set_answer_from_string (rejected, "rejected"));
  g_assert_false (lt_file_set_answer_from_string (rejected, "eaten"));
  assert_actions (rejected, LT_FILE_ACTION_NONE);
  assert_status (rejected, "You rejected this file");
}

/* A room's file needs no answer: Download; a failed download can be
 * tried again, a cancelled one too, and each says what happened. */
static void
test_model_room (void)
{
  g_autoptr(LtFile) file = offered_file ("#lobby", FALSE);

  g_assert_cmpint (lt_file_get_answer (file), ==, LT_FILE_ANSWER_SHARED);
  assert_actions (file, LT_FILE_ACTION_DOWNLOAD);

  lt_file_start_transfer (file, 4);
  lt_file_finish_transfer (file, FALSE, "The file was changed on the way");
  assert_status (file, "Download failed: The file was changed on the way");
  assert_actions (file, LT_FILE_ACTION_DOWNLOAD);

  lt_file_start_transfer (file, 5);
  lt_file_cancel_transfer (file);
  lt_file_finish_transfer (file, FALSE, "Cancelled");
  g_assert_cmpint (lt_file_get_transfer (file), ==, LT_FILE_TRANSFER_CANCELLED);
  assert_status (file, "Download cancelled");
  assert_actions (file, LT_FILE_ACTION_DOWNLOAD);
}

/* The sender's side: preparing, uploading, then the answer. */
static void
test_model_own (void)
{
  g_autoptr(LtFileList) list = lt_file_list_new ("bob");
  LtFile *file = lt_file_list_add_upload (list, 9, "alice", "report.pdf", "/home/a/report.pdf");

  assert_status (file, "Preparing…");
  assert_actions (file, LT_FILE_ACTION_CANCEL);
  lt_file_list_transfer_started (list, 9, 7, TRUE, "report.pdf", 2000000, "alice");
  lt_file_list_transfer_progress (list, 9, 1000000, 2000000);
  {
    g_autofree char *done = g_format_size (1000000);
    g_autofree char *total = g_format_size (2000000);
    g_autofree char *expected = g_strdup_printf ("Uploading %s of %s", done, total);

    assert_status (file, expected);
  }
  lt_file_list_transfer_finished (list, 9, TRUE, "");
  assert_status (file, "Waiting for bob to accept");
  assert_actions (file, LT_FILE_ACTION_OPEN | LT_FILE_ACTION_SHOW);
  g_assert_true (lt_file_list_file_rejected (list, 7) == file);
  assert_status (file, "Rejected by bob");
}

static GVariant *
listing (guint64     file_id,
         guint64     message_id,
         const char *sender,
         const char *name,
         gboolean    folder,
         const char *state,
         const char *path)
{
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(ttxsstbss)"));
  g_variant_builder_add (&builder, "(ttxsstbss)", file_id, message_id, (gint64) 1000, sender,
                         name, (guint64) 42, folder, state, path);
  return g_variant_builder_end (&builder);
}

/* Each file once, whatever order the daemon tells the pieces in. */
static void
test_model_one_file (void)
{
  g_autoptr(LtFileList) list = lt_file_list_new ("bob");
  LtFile *upload;
  LtFile *other;

  /* FileOffered and ListFiles before TransferStarted names the file. */
  upload = lt_file_list_add_upload (list, 1, "alice", "a.txt", "/tmp/a.txt");
  lt_file_list_add_offered (list, 11, "alice", "a.txt", 42, "alice");
  lt_file_list_apply_listing (list, listing (11, 101, "alice", "a.txt", FALSE, "offered", ""),
                              "alice");
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 2);
  lt_file_list_transfer_started (list, 1, 11, TRUE, "a.txt", 42, "alice");
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 1);
  g_assert_true (lt_file_list_lookup_file (list, 11) == upload);
  g_assert_cmpuint (lt_file_get_message_id (upload), ==, 101);
  g_assert_cmpstr (lt_file_get_path (upload), ==, "/tmp/a.txt");

  /* The usual order: TransferStarted, then FileOffered. */
  lt_file_list_add_upload (list, 2, "alice", "b.txt", "/tmp/b.txt");
  lt_file_list_transfer_started (list, 2, 12, TRUE, "b.txt", 42, "alice");
  lt_file_list_add_offered (list, 12, "alice", "b.txt", 42, "alice");
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 2);

  /* bob's folder, newest: first once its message id is known. */
  other = lt_file_list_add_offered (list, 13, "bob", "photos", 42, "alice");
  lt_file_list_apply_listing (list, listing (13, 103, "bob", "photos", TRUE, "offered", ""),
                              "alice");
  lt_file_list_apply_listing (list, listing (12, 102, "alice", "b.txt", FALSE, "offered", ""),
                              "alice");
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 3);
  g_assert_true (lt_file_list_lookup_message (list, 103) == other);
  g_assert_true (lt_file_is_folder (other));
  g_assert_false (lt_file_is_own (other));
  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(LtFile) file = g_list_model_get_item (G_LIST_MODEL (list), i);

      g_assert_cmpuint (lt_file_get_message_id (file), ==, 103 - i);
    }
}

/* A download accepted from the daemon's notification before the view
 * knew the file: TransferStarted makes it, ListFiles tells its sender,
 * and it is still one file. */
static void
test_model_download_first (void)
{
  g_autoptr(LtFileList) list = lt_file_list_new ("bob");
  LtFile *file = lt_file_list_transfer_started (list, 3, 21, FALSE, "c.txt", 42, "alice");

  g_assert_cmpstr (lt_file_get_sender (file), ==, "");
  g_assert_cmpint (lt_file_get_answer (file), ==, LT_FILE_ANSWER_ACCEPTED);
  assert_actions (file, LT_FILE_ACTION_CANCEL);
  lt_file_list_apply_listing (list, listing (21, 121, "bob", "c.txt", FALSE, "accepted", ""),
                              "alice");
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 1);
  g_assert_cmpstr (lt_file_get_sender (file), ==, "bob");
  g_assert_cmpuint (lt_file_get_message_id (file), ==, 121);
  g_assert_true (lt_file_list_transfer_finished (list, 3, TRUE, "") == file);
  lt_file_list_apply_listing (list, listing (21, 121, "bob", "c.txt", FALSE, "accepted",
                                             "/tmp/c.txt"), "alice");
  assert_actions (file, LT_FILE_ACTION_OPEN | LT_FILE_ACTION_SHOW);
}

/* The icon: a folder's, or the type's that the name suggests. */
static void
test_model_icon (void)
{
  g_autoptr(LtFile) file = offered_file ("bob", FALSE);
  g_autoptr(LtFile) folder = offered_file ("bob", FALSE);
  g_autoptr(GIcon) file_icon = lt_file_dup_icon (file);
  g_autoptr(GIcon) folder_icon = NULL;
  g_autofree char *file_icon_text = g_icon_to_string (file_icon);
  g_autofree char *folder_icon_text = NULL;

  lt_file_set_folder (folder, TRUE);
  folder_icon = lt_file_dup_icon (folder);
  folder_icon_text = g_icon_to_string (folder_icon);
  g_assert_cmpstr (folder_icon_text, ==, "folder");
  if (strstr (file_icon_text, "pdf") == NULL)
    lt_test_fail ("Expected a PDF icon for report.pdf, got %s", file_icon_text);
}

/* A message list keeps an upload at the end until its announcement
 * takes its place. */
static void
test_model_upload_message (void)
{
  g_autoptr(LtMessageList) messages = lt_message_list_new ();
  g_autoptr(LtFileList) files = lt_file_list_new ("bob");
  LtFile *file = lt_file_list_add_upload (files, 5, "alice", "a.txt", "/tmp/a.txt");
  g_autoptr(LtMessage) last = NULL;

  lt_message_list_add_received (messages, 10, 0, "bob", "hi", LT_MESSAGE_KIND_OTHER);
  lt_message_list_add_upload (messages, file);
  lt_message_list_add_upload (messages, file);
  lt_message_list_add_pending (messages, 1, 0, "alice", "still sending");
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (messages)), ==, 3);
  last = g_list_model_get_item (G_LIST_MODEL (messages), 2);
  g_assert_true (lt_message_get_file (last) == file);

  lt_message_list_add_received (messages, 11, 0, "alice", "a.txt", LT_MESSAGE_KIND_OWN);
  g_assert_nonnull (lt_message_list_set_file (messages, 11, file));
  g_assert_true (lt_message_list_remove_upload (messages, 5));
  g_assert_false (lt_message_list_remove_upload (messages, 5));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (messages)), ==, 3);
  g_assert_true (lt_message_get_file (lt_message_list_lookup (messages, 11)) == file);
}

/* The daemon's file errors each have a sentence of their own. */
static void
test_model_error_texts (void)
{
  static const char * const names[] = { "FileTooLarge", "QuotaExceeded", "NoSuchFile",
                                        "FileUnavailable" };
  g_autoptr(GHashTable) texts = g_hash_table_new (g_str_hash, g_str_equal);

  g_hash_table_add (texts, (gpointer) lt_error_text_for (NULL, NULL));
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *name = g_strconcat (LT_TEST_ERROR_PREFIX, names[i], NULL);
      const char *text = lt_error_text_for (name, NULL);

      if (!g_hash_table_add (texts, (gpointer) text))
        lt_test_fail ("Expected a text of its own for %s, got “%s” again", names[i], text);
    }
}

/* The views ------------------------------------------------------------------ */

typedef struct
{
  LtTestFixture base;
  LtTestSession *alice;
  LtTestSession *bob;
  LtChat1 *alice_chat;
  LtChat1 *bob_chat;
  char *dir;           /* what is sent */
  char *bob_downloads; /* bob's Downloads folder */
  GtkWindow *window;
  LtChatView *view;
} Fixture;

static char *
session_dir (LtTestSession *session,
             const char    *variable)
{
  g_autoptr(GSubprocessLauncher) launcher =
    lt_test_session_launcher_new (session, G_SUBPROCESS_FLAGS_NONE);

  return g_strdup (g_subprocess_launcher_getenv (launcher, variable));
}

/* Downloads under the session's own folder, as xdg-user-dirs says. */
static char *
set_downloads_dir (LtTestSession *session)
{
  g_autofree char *config = session_dir (session, "XDG_CONFIG_HOME");
  g_autofree char *data = session_dir (session, "XDG_DATA_HOME");
  g_autofree char *downloads = g_build_filename (data, "Downloads", NULL);
  g_autofree char *user_dirs = g_build_filename (config, "user-dirs.dirs", NULL);
  g_autofree char *contents = g_strdup_printf ("XDG_DOWNLOAD_DIR=\"%s\"\n", downloads);
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (config, 0700), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (downloads, 0700), ==, 0);
  g_file_set_contents (user_dirs, contents, -1, &error);
  g_assert_no_error (error);
  return g_steal_pointer (&downloads);
}

static LtChat1 *
chat_of (LtTestSession *session)
{
  g_autoptr(GError) error = NULL;
  LtChat1 *chat = lt_chat1_proxy_new_sync (lt_test_session_get_connection (session),
                                           G_DBUS_PROXY_FLAGS_NONE, LT_TEST_BUS_NAME,
                                           LT_TEST_OBJECT_PATH, NULL, &error);

  g_assert_no_error (error);
  return chat;
}

static void
setup (Fixture      *fixture,
       gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  lt_test_fixture_setup (&fixture->base, NULL);
  fixture->alice = lt_test_session_new ("alice", fixture->base.server);
  fixture->bob = lt_test_session_new ("bob", fixture->base.server);
  g_free (set_downloads_dir (fixture->alice));
  fixture->bob_downloads = set_downloads_dir (fixture->bob);
  lt_test_start_user (fixture->alice, "alice");
  lt_test_start_user (fixture->bob, "bob");
  fixture->alice_chat = chat_of (fixture->alice);
  fixture->bob_chat = chat_of (fixture->bob);
  fixture->dir = g_dir_make_tmp ("lt-client-files-XXXXXX", &error);
  g_assert_no_error (error);
}

static void
teardown (Fixture      *fixture,
          gconstpointer data)
{
  g_clear_pointer (&fixture->window, gtk_window_destroy);
  g_clear_object (&fixture->alice_chat);
  g_clear_object (&fixture->bob_chat);
  g_clear_pointer (&fixture->alice, lt_test_session_free);
  g_clear_pointer (&fixture->bob, lt_test_session_free);
  lt_test_remove_tree (fixture->dir);
  g_clear_pointer (&fixture->dir, g_free);
  g_clear_pointer (&fixture->bob_downloads, g_free);
  lt_test_fixture_teardown (&fixture->base, data);
}

#define add_test(path, func) \
  g_test_add ("/client-files/" path, Fixture, NULL, setup, (func), teardown)

/* Runs the main loop until @condition holds; after @timeout_ms fails
 * with the printf-style message that follows, which says what was
 * expected and what there is. */
#define wait_within(timeout_ms, condition, ...) \
  G_STMT_START { \
    gint64 wait_deadline_ = lt_test_deadline (timeout_ms); \
    while (!(condition)) \
      { \
        if (!lt_test_iterate (wait_deadline_)) \
          lt_test_fail (__VA_ARGS__); \
      } \
  } G_STMT_END
#define wait_for(condition, ...) wait_within (LT_TEST_TIMEOUT_MS, condition, __VA_ARGS__)

/* Files to send ---------------------------------------------------------------- */

/* @size bytes that differ from file to file: a random block of the
 * name's seed, each copy of it marked with its number. */
static char *
make_file (Fixture    *fixture,
           const char *name,
           gsize       size)
{
  g_autofree char *path = g_build_filename (fixture->dir, name, NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GError) error = NULL;
  g_autoptr(GFileOutputStream) out = g_file_replace (file, NULL, FALSE, G_FILE_CREATE_NONE, NULL,
                                                     &error);
  guint32 block[16 * 1024];
  GRand *rand = g_rand_new_with_seed (g_str_hash (name));

  g_assert_no_error (error);
  for (gsize i = 0; i < G_N_ELEMENTS (block); i++)
    block[i] = g_rand_int (rand);
  g_rand_free (rand);
  for (gsize written = 0, n = 0; written < size; written += sizeof block, n++)
    {
      block[0] = n;
      g_output_stream_write_all (G_OUTPUT_STREAM (out), block, MIN (sizeof block, size - written),
                                 NULL, NULL, &error);
      g_assert_no_error (error);
    }
  g_output_stream_close (G_OUTPUT_STREAM (out), NULL, &error);
  g_assert_no_error (error);
  return g_steal_pointer (&path);
}

static char *
make_folder (Fixture    *fixture,
             const char *name)
{
  g_autofree char *path = g_build_filename (fixture->dir, name, NULL);
  g_autofree char *inner = g_build_filename (name, "inner.txt", NULL);

  g_assert_cmpint (g_mkdir (path, 0700), ==, 0);
  g_free (make_file (fixture, inner, 1000));
  return g_steal_pointer (&path);
}

/* What the other side does, over D-Bus. */
static void
send_file (LtTestSession *session,
           const char    *to,
           const char    *path)
{
  g_variant_unref (lt_test_bus_call_ok (session, "SendFile", g_variant_new ("(ss)", to, path)));
}

/* The sender's transfer signals so far, for a failure message. */
static char *
describe_transfers (LtTestSession *sender)
{
  g_autoptr(GPtrArray) signals = lt_test_session_take_signals (sender, "Transfer");
  g_autoptr(GString) text = g_string_new (NULL);

  for (guint i = 0; i < signals->len; i++)
    {
      g_autofree char *printed = g_variant_print (g_ptr_array_index (signals, i), FALSE);

      g_string_append_printf (text, "%s%s", i > 0 ? "; " : "", printed);
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

/* Waits for FileOffered of @sender's @name on @receiver's bus; returns
 * its file id.  Only FileOffered has the sender right before the name
 * (TransferStarted has its direction there).  A failure tells what
 * the sender's daemon said about its transfers. */
static guint64
wait_offered_at (LT_TEST_LOCATION,
                 Fixture       *fixture,
                 LtTestSession *receiver,
                 const char    *sender,
                 const char    *name)
{
  g_autofree char *expected = g_strdup_printf ("'%s', '%s', ", sender, name);
  LtTestSession *sending = g_str_equal (sender, "alice") ? fixture->alice : fixture->bob;
  gint64 deadline = lt_test_deadline (TRANSFER_TIMEOUT_MS);
  g_autoptr(GPtrArray) offered = NULL;
  guint64 file_id = 0;

  for (offered = lt_test_session_take_signals (receiver, expected); offered->len == 0;
       offered = lt_test_session_take_signals (receiver, expected))
    {
      g_ptr_array_unref (offered);
      if (!lt_test_iterate (deadline))
        {
          g_autofree char *transfers = describe_transfers (sending);

          lt_test_fail_at (file, line, func, "Expected FileOffered of %s's %s within %d ms, got "
                           "none; %s's transfers: %s", sender, name, TRANSFER_TIMEOUT_MS,
                           sender, transfers);
        }
    }
  g_variant_get (g_ptr_array_index (offered, 0), "(&st&s&st)", NULL, &file_id, NULL, NULL,
                 NULL);
  return file_id;
}

#define wait_offered(fixture, receiver, sender, name) \
  wait_offered_at (LT_TEST_HERE, (fixture), (receiver), (sender), (name))

/* Finding widgets ---------------------------------------------------------------- */

typedef gboolean (*WidgetMatch) (GtkWidget    *widget,
                                 gconstpointer data);

/* The first widget under @widget, depth first, that @match takes;
 * hidden ones only when @hidden_too. */
static GtkWidget *
find_widget (GtkWidget    *widget,
             WidgetMatch   match,
             gconstpointer data,
             gboolean      hidden_too)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if (!hidden_too && !gtk_widget_get_visible (child))
        continue;
      found = match (child, data) ? child : find_widget (child, match, data, hidden_too);
      if (found != NULL)
        return found;
    }
  return NULL;
}

static gboolean
is_of_type (GtkWidget    *widget,
            gconstpointer type)
{
  return G_TYPE_CHECK_INSTANCE_TYPE (widget, GPOINTER_TO_SIZE (type));
}

static GtkWidget *
find_descendant (GtkWidget *widget,
                 GType      type)
{
  return find_widget (widget, is_of_type, GSIZE_TO_POINTER (type), TRUE);
}

/* A card on screen showing the file named @data. */
static gboolean
is_card_of (GtkWidget    *widget,
            gconstpointer name)
{
  LtFile *file = LT_IS_FILE_CARD (widget) ? lt_file_card_get_file (LT_FILE_CARD (widget)) : NULL;

  return file != NULL && gtk_widget_get_mapped (widget)
         && g_strcmp0 (lt_file_get_name (file), name) == 0;
}

/* The card on screen that shows @name, or NULL. */
static LtFileCard *
find_card (GtkWidget  *widget,
           const char *name)
{
  return (LtFileCard *) find_widget (widget, is_card_of, name, FALSE);
}

static gboolean
is_button_of (GtkWidget    *widget,
              gconstpointer action_name)
{
  return GTK_IS_BUTTON (widget)
         && g_strcmp0 (gtk_actionable_get_action_name (GTK_ACTIONABLE (widget)), action_name) == 0;
}

/* The visible button under @widget that activates @action_name. */
static GtkWidget *
find_button_in (GtkWidget  *widget,
                const char *action_name)
{
  return find_widget (widget, is_button_of, action_name, FALSE);
}

static gboolean
is_label_with_class (GtkWidget    *widget,
                     gconstpointer css_class)
{
  return GTK_IS_LABEL (widget) && gtk_widget_has_css_class (widget, css_class);
}

static GtkWidget *
find_label_with_class (GtkWidget  *widget,
                       const char *css_class)
{
  return find_widget (widget, is_label_with_class, css_class, TRUE);
}

/* The view and what it shows ------------------------------------------------------ */

static void
show_view (Fixture    *fixture,
           LtChat1    *chat,
           const char *conversation)
{
  fixture->window = GTK_WINDOW (gtk_window_new ());
  fixture->view = lt_chat_view_new (chat, conversation);
  gtk_window_set_default_size (fixture->window, 480, 600);
  gtk_window_set_child (fixture->window, GTK_WIDGET (fixture->view));
  gtk_window_present (fixture->window);
  wait_for (gtk_widget_get_mapped (GTK_WIDGET (fixture->view)),
            "Expected the chat view of %s to be mapped; it is not", conversation);
}

static GListModel *
shown_messages (Fixture *fixture)
{
  GtkWidget *list = find_descendant (GTK_WIDGET (fixture->view), GTK_TYPE_LIST_VIEW);

  return G_LIST_MODEL (gtk_list_view_get_model (GTK_LIST_VIEW (list)));
}

/* How many messages of the view show @name: as a file, or as a text. */
static guint
count_messages_of (Fixture    *fixture,
                   const char *name)
{
  GListModel *messages = shown_messages (fixture);
  guint count = 0;

  for (guint i = 0; i < g_list_model_get_n_items (messages); i++)
    {
      g_autoptr(LtMessage) message = g_list_model_get_item (messages, i);
      LtFile *file = lt_message_get_file (message);

      if (g_strcmp0 (file != NULL ? lt_file_get_name (file) : lt_message_get_text (message),
                     name) == 0)
        count++;
    }
  return count;
}

static gboolean
card_has_button (LtFileCard *card,
                 const char *action)
{
  g_autofree char *action_name = g_strconcat ("files.", action, NULL);

  return card != NULL && find_button_in (GTK_WIDGET (card), action_name) != NULL;
}

static const char * const all_actions[] = { "accept", "reject", "download", "cancel", "open",
                                            "show" };

/* The card's visible buttons, by action: "accept reject". */
static char *
card_buttons (LtFileCard *card)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) buttons = NULL;

  if (card == NULL)
    return g_strdup ("no card");
  for (guint i = 0; i < G_N_ELEMENTS (all_actions); i++)
    {
      if (card_has_button (card, all_actions[i]))
        g_strv_builder_add (builder, all_actions[i]);
    }
  buttons = g_strv_builder_end (builder);
  return g_strjoinv (" ", buttons);
}

static gboolean
card_buttons_are (LtFileCard *card,
                  const char *expected)
{
  g_autofree char *buttons = card_buttons (card);

  return g_strcmp0 (buttons, expected) == 0;
}

/* The text of @card's label with the style class @css_class. */
static const char *
card_label (LtFileCard *card,
            const char *css_class)
{
  GtkWidget *label = card != NULL ? find_label_with_class (GTK_WIDGET (card), css_class) : NULL;

  if (label == NULL)
    return "(no label)";
  return gtk_widget_get_visible (label) ? gtk_label_get_label (GTK_LABEL (label)) : "(hidden)";
}

/* The line under the name: the size and the sender. */
static const char *
card_size_line (LtFileCard *card)
{
  return card_label (card, "dim-label");
}

static const char *
card_status (LtFileCard *card)
{
  return card_label (card, "status");
}

static void
click_at (LT_TEST_LOCATION,
          LtFileCard *card,
          const char *action)
{
  g_autofree char *action_name = g_strconcat ("files.", action, NULL);
  GtkWidget *button = card != NULL ? find_button_in (GTK_WIDGET (card), action_name) : NULL;

  if (button == NULL)
    {
      g_autofree char *buttons = card_buttons (card);

      lt_test_fail_at (file, line, func, "Expected a visible %s button, got: %s", action,
                       buttons);
    }
  gtk_widget_activate (button);
}

#define click(card, action) click_at (LT_TEST_HERE, (card), (action))

/* Records the largest fraction the card's progress bar showed. */
static void
on_fraction (GtkProgressBar *bar,
             GParamSpec     *pspec,
             double         *largest)
{
  *largest = MAX (*largest, gtk_progress_bar_get_fraction (bar));
}

static void
watch_progress (LtFileCard *card,
                double     *largest)
{
  GtkWidget *bar = find_descendant (GTK_WIDGET (card), GTK_TYPE_PROGRESS_BAR);

  g_signal_connect (bar, "notify::fraction", G_CALLBACK (on_fraction), largest);
}

static void
assert_same_bytes_at (LT_TEST_LOCATION,
                      const char *expected_path,
                      const char *path)
{
  g_autofree char *expected = NULL;
  g_autofree char *got = NULL;
  gsize expected_length = 0;
  gsize length = 0;
  g_autoptr(GError) error = NULL;

  g_file_get_contents (expected_path, &expected, &expected_length, &error);
  g_assert_no_error (error);
  if (!g_file_get_contents (path, &got, &length, &error))
    lt_test_fail_at (file, line, func, "Expected a file at %s, got: %s", path, error->message);
  if (length != expected_length || memcmp (expected, got, length) != 0)
    lt_test_fail_at (file, line, func, "Expected %s to have the %" G_GSIZE_FORMAT " bytes sent, "
                     "got %" G_GSIZE_FORMAT " other bytes", path, expected_length, length);
}

#define assert_same_bytes(expected_path, path) \
  assert_same_bytes_at (LT_TEST_HERE, (expected_path), (path))

/* The file of @name the view's model knows. */
static LtFile *
view_file (Fixture    *fixture,
           const char *name)
{
  GListModel *files = lt_chat_view_get_files (fixture->view);

  for (guint i = 0; i < g_list_model_get_n_items (files); i++)
    {
      g_autoptr(LtFile) file = g_list_model_get_item (files, i);

      if (g_strcmp0 (lt_file_get_name (file), name) == 0)
        return file; /* the list holds it */
    }
  return NULL;
}

/* Waits for the card of @name, with the size and sender under it. */
static LtFileCard *
wait_card_at (LT_TEST_LOCATION,
              Fixture    *fixture,
              const char *name,
              gsize       size,
              const char *sender)
{
  g_autofree char *size_text = g_format_size (size);
  g_autofree char *expected = g_strdup_printf ("%s · %s", size_text, sender);
  gint64 deadline = lt_test_deadline (LT_TEST_TIMEOUT_MS);

  while (find_card (GTK_WIDGET (fixture->view), name) == NULL
         || g_strcmp0 (card_size_line (find_card (GTK_WIDGET (fixture->view), name)),
                       expected) != 0)
    {
      if (!lt_test_iterate (deadline))
        lt_test_fail_at (file, line, func, "Expected a card “%s” saying “%s”, got %s", name,
                         expected,
                         find_card (GTK_WIDGET (fixture->view), name) != NULL
                           ? card_size_line (find_card (GTK_WIDGET (fixture->view), name))
                           : "no card");
    }
  return find_card (GTK_WIDGET (fixture->view), name);
}

#define wait_card(fixture, name, size, sender) \
  wait_card_at (LT_TEST_HERE, (fixture), (name), (size), (sender))

#define CARD(fixture, name) find_card (GTK_WIDGET ((fixture)->view), (name))

/* A file manager on @session's bus (python3-dbusmock) that records
 * FileManager1.ShowItems. */
#define FILE_MANAGER "org.freedesktop.FileManager1"
#define FILE_MANAGER_PATH "/org/freedesktop/FileManager1"
#define MOCK_INTERFACE "org.freedesktop.DBus.Mock"

static GSubprocess *
start_file_manager (LtTestSession *session)
{
  /* The mock logs each call on stdout, which is the test's TAP stream. */
  g_autoptr(GSubprocessLauncher) launcher =
    lt_test_session_launcher_new (session, G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autofree char *owner = NULL;
  /* Debian's python3, where python3-dbusmock is installed. */
  GSubprocess *mock = g_subprocess_launcher_spawn (launcher, &error, "/usr/bin/python3", "-m",
                                                   "dbusmock", FILE_MANAGER, FILE_MANAGER_PATH,
                                                   FILE_MANAGER, NULL);

  g_assert_no_error (error);
  owner = lt_test_wait_name_owner (session, FILE_MANAGER, NULL);
  reply = g_dbus_connection_call_sync (lt_test_session_get_connection (session), FILE_MANAGER,
                                       FILE_MANAGER_PATH, MOCK_INTERFACE, "AddMethod",
                                       g_variant_new ("(sssss)", "", "ShowItems", "ass", "", ""),
                                       NULL, G_DBUS_CALL_FLAGS_NONE, LT_TEST_TIMEOUT_MS, NULL,
                                       &error);
  g_assert_no_error (error);
  return mock;
}

static void
stop_file_manager (GSubprocess *mock)
{
  g_subprocess_force_exit (mock);
  g_subprocess_wait (mock, NULL, NULL);
  g_object_unref (mock);
}

/* The URIs of every ShowItems call so far, joined by spaces. */
static char *
shown_items (LtTestSession *session)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) calls = NULL;
  g_autoptr(GString) uris = g_string_new (NULL);

  reply = g_dbus_connection_call_sync (lt_test_session_get_connection (session), FILE_MANAGER,
                                       FILE_MANAGER_PATH, MOCK_INTERFACE, "GetMethodCalls",
                                       g_variant_new ("(s)", "ShowItems"),
                                       G_VARIANT_TYPE ("(a(tav))"), G_DBUS_CALL_FLAGS_NONE,
                                       LT_TEST_TIMEOUT_MS, NULL, &error);
  g_assert_no_error (error);
  calls = g_variant_get_child_value (reply, 0);
  for (gsize i = 0; i < g_variant_n_children (calls); i++)
    {
      g_autoptr(GVariant) call = g_variant_get_child_value (calls, i);
      g_autoptr(GVariant) args = g_variant_get_child_value (call, 1);
      g_autoptr(GVariant) boxed = g_variant_get_child_value (args, 0);
      g_autoptr(GVariant) items = g_variant_get_variant (boxed);
      g_autofree const char **strv = g_variant_get_strv (items, NULL);
      g_autofree char *joined = g_strjoinv (" ", (char **) strv);

      g_string_append_printf (uris, "%s%s", uris->len > 0 ? " " : "", joined);
    }
  return g_string_free (g_steal_pointer (&uris), FALSE);
}

static gboolean
shows_items (LtTestSession *session,
             const char    *expected,
             char         **got)
{
  g_free (*got);
  *got = shown_items (session);
  return g_strcmp0 (*got, expected) == 0;
}

/* The applications this process opens files and folders with: one
 * of the test's own, which writes what it was given into opened_log
 * (set up in main(), before GIO reads the applications). */
static char *opened_log;

static void
install_opener (const char *dir)
{
  g_autofree char *data = g_build_filename (dir, "data", NULL);
  g_autofree char *config = g_build_filename (dir, "config", NULL);
  g_autofree char *applications = g_build_filename (data, "applications", NULL);
  g_autofree char *script = g_build_filename (dir, "opener.sh", NULL);
  g_autofree char *desktop = g_build_filename (applications, "lt-test-opener.desktop", NULL);
  g_autofree char *mimeapps = g_build_filename (config, "mimeapps.list", NULL);
  g_autofree char *script_text = NULL;
  g_autofree char *desktop_text = NULL;
  g_autoptr(GError) error = NULL;

  opened_log = g_build_filename (dir, "opened", NULL);
  script_text = g_strdup_printf ("#!/bin/sh\nprintf '%%s\\n' \"$1\" >> '%s'\n", opened_log);
  desktop_text = g_strdup_printf ("[Desktop Entry]\nType=Application\nName=Opener\n"
                                  "Exec=%s %%u\nMimeType=application/pdf;inode/directory;\n"
                                  "NoDisplay=true\n", script);
  g_assert_cmpint (g_mkdir_with_parents (applications, 0700), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (config, 0700), ==, 0);
  g_file_set_contents (script, script_text, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_chmod (script, 0700), ==, 0);
  g_file_set_contents (desktop, desktop_text, -1, &error);
  g_assert_no_error (error);
  g_file_set_contents (mimeapps, "[Default Applications]\n"
                       "application/pdf=lt-test-opener.desktop\n"
                       "inode/directory=lt-test-opener.desktop\n", -1, &error);
  g_assert_no_error (error);
  g_setenv ("XDG_DATA_HOME", data, TRUE);
  g_setenv ("XDG_CONFIG_HOME", config, TRUE);
}

/* What the opener was given so far, one line each, or "". */
static char *
opened (void)
{
  char *contents = NULL;

  if (!g_file_get_contents (opened_log, &contents, NULL, NULL))
    return g_strdup ("");
  return g_strchomp (contents);
}

static gboolean
has_opened (const char *expected,
            char      **got)
{
  g_free (*got);
  *got = opened ();
  return g_strcmp0 (*got, expected) == 0;
}

/* Tests -------------------------------------------------------------------------- */

/* alice sends bob a file: bob's conversation shows its card with
 * Accept and Reject; Accept downloads it into his Downloads folder,
 * the progress bar fills, and Open and Show in Folder appear.  Open
 * opens it with the default application; Show in Folder opens the
 * folder while no file manager is on the session bus, and asks the
 * file manager to show the file once one is. */
static void
test_accept (Fixture      *fixture,
             gconstpointer data)
{
  g_autofree char *path = make_file (fixture, "report.pdf", SMALL_SIZE);
  g_autofree char *expected_path = g_build_filename (fixture->bob_downloads, "report.pdf", NULL);
  double largest_fraction = 0;
  LtFileCard *card;
  GSubprocess *file_manager;
  g_autoptr(GFile) expected_file = g_file_new_for_path (expected_path);
  g_autofree char *expected_uri = g_file_get_uri (expected_file);
  g_autofree char *shown = NULL;
  g_autofree char *expected_opened = NULL;
  g_autofree char *got_opened = NULL;

  show_view (fixture, fixture->bob_chat, "alice");
  send_file (fixture->alice, "bob", path);
  card = wait_card (fixture, "report.pdf", SMALL_SIZE, "alice");
  wait_for (card_buttons_are (CARD (fixture, "report.pdf"), "accept reject"),
            "Expected Accept and Reject on the card, got: %s",
            card_buttons (CARD (fixture, "report.pdf")));
  if (count_messages_of (fixture, "report.pdf") != 1)
    lt_test_fail ("Expected report.pdf once in the conversation, got it %u times",
                  count_messages_of (fixture, "report.pdf"));

  watch_progress (card, &largest_fraction);
  click (card, "accept");
  wait_within (TRANSFER_TIMEOUT_MS,
               card_buttons_are (CARD (fixture, "report.pdf"), "open show"),
               "Expected Open and Show in Folder after the download, got: %s (%s)",
               card_buttons (CARD (fixture, "report.pdf")),
               card_status (CARD (fixture, "report.pdf")));
  if (largest_fraction != 1.0)
    lt_test_fail ("Expected the progress bar to reach 1, got at most %g", largest_fraction);
  if (g_strcmp0 (card_status (CARD (fixture, "report.pdf")), "Downloaded") != 0)
    lt_test_fail ("Expected the card to say “Downloaded”, got “%s”",
                  card_status (CARD (fixture, "report.pdf")));
  if (g_strcmp0 (lt_file_get_path (view_file (fixture, "report.pdf")), expected_path) != 0)
    lt_test_fail ("Expected the file at %s, the daemon says %s", expected_path,
                  lt_file_get_path (view_file (fixture, "report.pdf")));
  assert_same_bytes (path, expected_path);

  g_remove (opened_log);
  click (CARD (fixture, "report.pdf"), "open");
  /* GIO gives a local file's path to an application that takes URIs. */
  wait_for (has_opened (expected_path, &got_opened),
            "Expected the default application to open %s, it got “%s”", expected_path,
            got_opened);
  click (CARD (fixture, "report.pdf"), "show");
  expected_opened = g_strdup_printf ("%s\n%s", expected_path, fixture->bob_downloads);
  wait_for (has_opened (expected_opened, &got_opened),
            "Expected the folder opened without a file manager, “%s”; got “%s”",
            expected_opened, got_opened);

  file_manager = start_file_manager (fixture->bob);
  click (CARD (fixture, "report.pdf"), "show");
  wait_for (shows_items (fixture->bob, expected_uri, &shown),
            "Expected the file manager to be asked to show %s, got “%s”", expected_uri, shown);
  stop_file_manager (file_manager);
}

/* A conversation opened after files came shows them from GetHistory
 * and ListFiles: each once, in the state it is in. */
static void
test_history (Fixture      *fixture,
              gconstpointer data)
{
  g_autofree char *first = make_file (fixture, "first.txt", 1000);
  g_autofree char *second = make_file (fixture, "second.txt", 2000);
  guint64 first_id;

  send_file (fixture->alice, "bob", first);
  first_id = wait_offered (fixture, fixture->bob, "alice", "first.txt");
  lt_test_bus_send (fixture->alice, "bob", "between the files");
  send_file (fixture->alice, "bob", second);
  wait_offered (fixture, fixture->bob, "alice", "second.txt");
  g_variant_unref (lt_test_bus_call_ok (fixture->bob, "RejectFile",
                                        g_variant_new ("(t)", first_id)));

  show_view (fixture, fixture->bob_chat, "alice");
  wait_card (fixture, "second.txt", 2000, "alice");
  wait_card (fixture, "first.txt", 1000, "alice");
  wait_for (card_buttons_are (CARD (fixture, "second.txt"), "accept reject")
            && card_buttons_are (CARD (fixture, "first.txt"), ""),
            "Expected Accept and Reject on second.txt and nothing on the rejected first.txt, "
            "got: %s; %s", card_buttons (CARD (fixture, "second.txt")),
            card_buttons (CARD (fixture, "first.txt")));
  if (g_strcmp0 (card_status (CARD (fixture, "first.txt")), "You rejected this file") != 0)
    lt_test_fail ("Expected first.txt to say “You rejected this file”, got “%s”",
                  card_status (CARD (fixture, "first.txt")));
  if (count_messages_of (fixture, "first.txt") != 1
      || count_messages_of (fixture, "second.txt") != 1
      || count_messages_of (fixture, "between the files") != 1)
    lt_test_fail ("Expected each file and the text once, got %u, %u and %u",
                  count_messages_of (fixture, "first.txt"),
                  count_messages_of (fixture, "second.txt"),
                  count_messages_of (fixture, "between the files"));
}

/* A room's file: Download, no answer to give. */
static void
test_room_download (Fixture      *fixture,
                    gconstpointer data)
{
  g_autofree char *path = make_file (fixture, "slides.odp", SMALL_SIZE);
  g_autofree char *expected_path = g_build_filename (fixture->bob_downloads, "slides.odp", NULL);
  LtFileCard *card;

  show_view (fixture, fixture->bob_chat, "#lobby");
  send_file (fixture->alice, "#lobby", path);
  card = wait_card (fixture, "slides.odp", SMALL_SIZE, "alice");
  wait_for (card_buttons_are (CARD (fixture, "slides.odp"), "download"),
            "Expected only Download on a room's file, got: %s",
            card_buttons (CARD (fixture, "slides.odp")));

  click (card, "download");
  wait_within (TRANSFER_TIMEOUT_MS, card_buttons_are (CARD (fixture, "slides.odp"), "open show"),
               "Expected Open and Show in Folder after the download, got: %s (%s)",
               card_buttons (CARD (fixture, "slides.odp")),
               card_status (CARD (fixture, "slides.odp")));
  assert_same_bytes (path, expected_path);
}

static GtkDropTarget *
find_drop_target (GtkWidget *widget)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (widget);

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GObject) controller = g_list_model_get_item (controllers, i);

      if (GTK_IS_DROP_TARGET (controller))
        return GTK_DROP_TARGET (controller);
    }
  return NULL;
}

/* Drops @paths on the view as a file manager would: the view's own
 * drop target gets a GdkFileList. */
static void
drop_paths (Fixture            *fixture,
            const char * const *paths)
{
  GtkDropTarget *target = find_drop_target (GTK_WIDGET (fixture->view));
  GSList *files = NULL;
  g_auto(GValue) value = G_VALUE_INIT;
  GdkDragAction action = 0;
  gboolean taken = FALSE;

  if (target == NULL)
    lt_test_fail ("Expected a drop target on the chat view, found none");
  for (guint i = 0; paths[i] != NULL; i++)
    files = g_slist_append (files, g_file_new_for_path (paths[i]));
  g_value_init (&value, GDK_TYPE_FILE_LIST);
  g_value_take_boxed (&value, gdk_file_list_new_from_list (files));
  g_slist_free_full (files, g_object_unref);

  g_signal_emit_by_name (target, "enter", 10.0, 10.0, &action);
  if (action != GDK_ACTION_COPY)
    lt_test_fail ("Expected the view to take a drop as a copy, got the action %d", action);
  g_signal_emit_by_name (target, "drop", &value, 10.0, 10.0, &taken);
  if (!taken)
    lt_test_fail ("Expected the view to take the dropped files; it refused them");
}

/* A file dropped on alice's conversation with bob is sent; its card
 * shows at once, the upload's and then the announced file's, never
 * twice; bob rejects it, and alice's card says so. */
static void
test_drop_then_rejected (Fixture      *fixture,
                         gconstpointer data)
{
  g_autofree char *path = make_file (fixture, "notes.txt", SMALL_SIZE);
  const char *paths[] = { path, NULL };
  guint64 file_id;

  show_view (fixture, fixture->alice_chat, "bob");
  drop_paths (fixture, paths);
  wait_for (CARD (fixture, "notes.txt") != NULL, "Expected a card for the dropped notes.txt, "
            "got none");
  file_id = wait_offered (fixture, fixture->bob, "alice", "notes.txt");
  wait_for (g_strcmp0 (card_status (CARD (fixture, "notes.txt")), "Waiting for bob to accept")
            == 0 && lt_file_get_message_id (view_file (fixture, "notes.txt")) != 0,
            "Expected the announced notes.txt “Waiting for bob to accept”, got “%s”",
            card_status (CARD (fixture, "notes.txt")));
  if (count_messages_of (fixture, "notes.txt") != 1)
    lt_test_fail ("Expected notes.txt once in the conversation, got it %u times",
                  count_messages_of (fixture, "notes.txt"));
  if (g_strcmp0 (card_size_line (CARD (fixture, "notes.txt")), "") == 0)
    lt_test_fail ("Expected the size under notes.txt, got nothing");

  g_variant_unref (lt_test_bus_call_ok (fixture->bob, "RejectFile",
                                        g_variant_new ("(t)", file_id)));
  wait_for (g_strcmp0 (card_status (CARD (fixture, "notes.txt")), "Rejected by bob") == 0,
            "Expected notes.txt “Rejected by bob”, got “%s”",
            card_status (CARD (fixture, "notes.txt")));
  if (count_messages_of (fixture, "notes.txt") != 1)
    lt_test_fail ("Expected notes.txt once in the conversation, got it %u times",
                  count_messages_of (fixture, "notes.txt"));
}

/* A folder and a file dropped together: both are sent; the folder's
 * card has the folder icon. */
static void
test_drop_folder (Fixture      *fixture,
                  gconstpointer data)
{
  g_autofree char *folder = make_folder (fixture, "holiday");
  g_autofree char *path = make_file (fixture, "map.png", 3000);
  const char *paths[] = { folder, path, NULL };
  GtkWidget *icon;
  g_autoptr(GIcon) expected_icon = g_themed_icon_new ("folder");

  show_view (fixture, fixture->alice_chat, "bob");
  drop_paths (fixture, paths);
  wait_offered (fixture, fixture->bob, "alice", "holiday");
  wait_offered (fixture, fixture->bob, "alice", "map.png");
  wait_for (CARD (fixture, "holiday") != NULL && CARD (fixture, "map.png") != NULL
            && lt_file_get_message_id (view_file (fixture, "holiday")) != 0,
            "Expected the cards of holiday and map.png, got %s and %s",
            CARD (fixture, "holiday") != NULL ? "one" : "none",
            CARD (fixture, "map.png") != NULL ? "one" : "none");
  icon = find_descendant (GTK_WIDGET (CARD (fixture, "holiday")), GTK_TYPE_IMAGE);
  if (!g_icon_equal (gtk_image_get_gicon (GTK_IMAGE (icon)), expected_icon))
    lt_test_fail ("Expected the folder icon on holiday, got %s",
                  g_icon_to_string (gtk_image_get_gicon (GTK_IMAGE (icon))));
  if (!lt_file_is_folder (view_file (fixture, "holiday")))
    lt_test_fail ("Expected holiday to be a folder, it is not");
}

/* The file list shows every file of the conversation, newest first,
 * as cards with their buttons. */
static void
test_file_list (Fixture      *fixture,
                gconstpointer data)
{
  g_autofree char *from_alice = make_file (fixture, "from-alice.txt", 1000);
  g_autofree char *from_bob = make_file (fixture, "from-bob.txt", 2000);
  GtkWindow *dialog;
  GListModel *files;
  g_autoptr(LtFile) newest = NULL;

  show_view (fixture, fixture->bob_chat, "alice");
  send_file (fixture->alice, "bob", from_alice);
  wait_offered (fixture, fixture->bob, "alice", "from-alice.txt");
  send_file (fixture->bob, "alice", from_bob);
  wait_offered (fixture, fixture->bob, "bob", "from-bob.txt");

  dialog = lt_chat_view_show_files (fixture->view);
  g_assert_true (LT_IS_FILES_DIALOG (dialog));
  files = lt_files_dialog_get_files (LT_FILES_DIALOG (dialog));
  wait_for (g_list_model_get_n_items (files) == 2
            && find_card (GTK_WIDGET (dialog), "from-alice.txt") != NULL
            && find_card (GTK_WIDGET (dialog), "from-bob.txt") != NULL,
            "Expected the file list to show 2 files, got %u", g_list_model_get_n_items (files));
  newest = g_list_model_get_item (files, 0);
  if (g_strcmp0 (lt_file_get_name (newest), "from-bob.txt") != 0)
    lt_test_fail ("Expected from-bob.txt first, got %s", lt_file_get_name (newest));
  wait_for (card_buttons_are (find_card (GTK_WIDGET (dialog), "from-alice.txt"),
                              "accept reject"),
            "Expected Accept and Reject on from-alice.txt in the list, got: %s",
            card_buttons (find_card (GTK_WIDGET (dialog), "from-alice.txt")));
  g_assert_true (lt_chat_view_show_files (fixture->view) == dialog);
  gtk_window_destroy (dialog);
}

/* An upload cancelled from its card says so and is never offered. */
static void
test_cancel_upload (Fixture      *fixture,
                    gconstpointer data)
{
  g_autofree char *path = make_file (fixture, "big.bin", LARGE_SIZE);
  const char *paths[] = { path, NULL };

  show_view (fixture, fixture->alice_chat, "bob");
  drop_paths (fixture, paths);
  wait_for (card_has_button (CARD (fixture, "big.bin"), "cancel"),
            "Expected a cancel button on the upload of big.bin, got: %s",
            card_buttons (CARD (fixture, "big.bin")));
  click (CARD (fixture, "big.bin"), "cancel");
  wait_within (TRANSFER_TIMEOUT_MS,
               g_strcmp0 (card_status (CARD (fixture, "big.bin")), "Upload cancelled") == 0,
               "Expected big.bin “Upload cancelled”, got “%s”",
               card_status (CARD (fixture, "big.bin")));
  if (card_has_button (CARD (fixture, "big.bin"), "cancel"))
    lt_test_fail ("Expected no cancel button once cancelled, there is one");
}

/* A download cancelled from its card (the server frozen meanwhile, so
 * that it cannot end first) says so and leaves nothing in Downloads;
 * Download then fetches the whole file. */
static void
test_cancel_download (Fixture      *fixture,
                      gconstpointer data)
{
  g_autofree char *path = make_file (fixture, "big.iso", LARGE_SIZE);
  g_autofree char *expected_path = g_build_filename (fixture->bob_downloads, "big.iso", NULL);
  g_autofree char *part_path = g_strconcat (expected_path, ".part", NULL);

  show_view (fixture, fixture->bob_chat, "alice");
  send_file (fixture->alice, "bob", path);
  wait_offered (fixture, fixture->bob, "alice", "big.iso");
  wait_within (TRANSFER_TIMEOUT_MS, card_buttons_are (CARD (fixture, "big.iso"), "accept reject"),
               "Expected Accept and Reject on big.iso, got: %s",
               card_buttons (CARD (fixture, "big.iso")));
  click (CARD (fixture, "big.iso"), "accept");
  wait_for (card_has_button (CARD (fixture, "big.iso"), "cancel"),
            "Expected a cancel button on the download of big.iso, got: %s",
            card_buttons (CARD (fixture, "big.iso")));
  lt_test_server_freeze (fixture->base.server);
  click (CARD (fixture, "big.iso"), "cancel");
  wait_within (TRANSFER_TIMEOUT_MS,
               g_strcmp0 (card_status (CARD (fixture, "big.iso")), "Download cancelled") == 0,
               "Expected big.iso “Download cancelled”, got “%s”",
               card_status (CARD (fixture, "big.iso")));
  lt_test_server_unfreeze (fixture->base.server);
  if (!card_buttons_are (CARD (fixture, "big.iso"), "download"))
    lt_test_fail ("Expected Download again on the cancelled big.iso, got: %s",
                  card_buttons (CARD (fixture, "big.iso")));
  if (g_file_test (expected_path, G_FILE_TEST_EXISTS)
      || g_file_test (part_path, G_FILE_TEST_EXISTS))
    lt_test_fail ("Expected nothing of big.iso in Downloads after cancelling, got %s",
                  g_file_test (expected_path, G_FILE_TEST_EXISTS) ? expected_path : part_path);

  click (CARD (fixture, "big.iso"), "download");
  wait_within (TRANSFER_TIMEOUT_MS, card_buttons_are (CARD (fixture, "big.iso"), "open show"),
               "Expected Open and Show in Folder after downloading again, got: %s (%s)",
               card_buttons (CARD (fixture, "big.iso")), card_status (CARD (fixture, "big.iso")));
  assert_same_bytes (path, expected_path);
}

/* A view made while an upload waits (the server is frozen: no offer is
 * taken) shows it from ListTransfers, with its cancel button; once the
 * server is back, the same card is the announced file, once. */
static void
test_restore_upload (Fixture      *fixture,
                     gconstpointer data)
{
  g_autofree char *path = make_file (fixture, "waiting.txt", 5000);

  lt_test_server_freeze (fixture->base.server);
  send_file (fixture->alice, "bob", path);
  show_view (fixture, fixture->alice_chat, "bob");
  wait_for (card_buttons_are (CARD (fixture, "waiting.txt"), "cancel"),
            "Expected the waiting upload restored with a cancel button, got: %s",
            card_buttons (CARD (fixture, "waiting.txt")));

  lt_test_server_unfreeze (fixture->base.server);
  wait_offered (fixture, fixture->bob, "alice", "waiting.txt");
  wait_within (TRANSFER_TIMEOUT_MS,
               g_strcmp0 (card_status (CARD (fixture, "waiting.txt")), "Waiting for bob to accept")
               == 0 && lt_file_get_message_id (view_file (fixture, "waiting.txt")) != 0,
               "Expected the announced waiting.txt “Waiting for bob to accept”, got “%s”",
               card_status (CARD (fixture, "waiting.txt")));
  if (count_messages_of (fixture, "waiting.txt") != 1)
    lt_test_fail ("Expected waiting.txt once in the conversation, got it %u times",
                  count_messages_of (fixture, "waiting.txt"));
}

int
main (int   argc,
      char *argv[])
{
  GSubprocess *xvfb = lt_test_display_start ();
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("lt-client-files-apps-XXXXXX", &error);
  int status;

  g_assert_no_error (error);
  /* Files are opened by an application of this test's own. */
  install_opener (dir);
  /* This process's settings stay in memory: never the user's dconf. */
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  /* Our Xvfb, even when run by hand on a Wayland desktop. */
  gdk_set_allowed_backends ("x11");
  gtk_test_init (&argc, &argv, NULL);

  g_test_add_func ("/client-files/model/private", test_model_private);
  g_test_add_func ("/client-files/model/room", test_model_room);
  g_test_add_func ("/client-files/model/own", test_model_own);
  g_test_add_func ("/client-files/model/one-file", test_model_one_file);
  g_test_add_func ("/client-files/model/download-first", test_model_download_first);
  g_test_add_func ("/client-files/model/icon", test_model_icon);
  g_test_add_func ("/client-files/model/upload-message", test_model_upload_message);
  g_test_add_func ("/client-files/model/error-texts", test_model_error_texts);
  add_test ("accept", test_accept);
  add_test ("history", test_history);
  add_test ("room-download", test_room_download);
  add_test ("drop-then-rejected", test_drop_then_rejected);
  add_test ("drop-folder", test_drop_folder);
  add_test ("file-list", test_file_list);
  add_test ("cancel-upload", test_cancel_upload);
  add_test ("cancel-download", test_cancel_download);
  add_test ("restore-upload", test_restore_upload);

  status = g_test_run ();

  lt_test_remove_tree (dir);
  g_clear_pointer (&opened_log, g_free);
  lt_test_display_stop (xvfb);
  return status;
}
