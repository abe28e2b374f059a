/* SPDX-License-Identifier: GPL-3.0-or-later */
/* LtChatView: one conversation, a peer's or a #room's.
 *
 * Its messages are an LtMessageList, shown by LtMessageRows: the
 * newest page of GetHistory at first, older pages as the person
 * scrolls up (one request at a time, until a page comes back short),
 * then what MessageReceived brings for this conversation, the
 * person's own sends, pending until MessageSent (or failed on
 * MessageFailed), and system lines: joins and leaves in a room, the
 * peer's presence in a private conversation.  While the person is at
 * the bottom the view follows new messages; once they scroll up to
 * read, it stays put.
 *
 * The composer below the list is a text view of a few lines: Enter
 * sends and Shift+Enter starts a new line, or the other way round
 * with Ctrl+Enter sending, as the enter-sends setting says.
 *
 * Files: the attach menu (a file chooser for files, another for
 * folders) and files dropped on the view are sent with SendFile.  The
 * conversation's files are an LtFileList, from ListFiles (at first,
 * and again when FileOffered or TransferFinished says something
 * changed: the list gives each file's message id and where it is on
 * this computer), and from the transfer signals; ListTransfers once
 * at first restores the running ones.  A message that announces a
 * file shows its LtFileCard; the person's uploads show at the end
 * until the server announces them.  The cards' buttons act through the
 * view's file actions ("files."), which the file list dialog shares. */
#include "config.h"

#include "lt-chat-view.h"
#include "lt-error-text.h"
#include "lt-file-launcher.h"
#include "lt-file-list.h"
#include "lt-files-dialog.h"
#include "lt-message-list.h"
#include "lt-message-row.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#define HISTORY_PAGE 50
/* How close to the bottom, in pixels, still counts as at the bottom. */
#define BOTTOM_SLACK 8.0

struct _LtChatView
{
  GtkWidget parent_instance;

  char *conversation;
  LtChat1 *chat;
  LtMessageList *messages;
  LtFileList *files;
  GSimpleActionGroup *file_actions;
  GSettings *settings;
  GCancellable *cancellable;
  GtkNativeDialog *chooser;     /* while choosing files to send */
  GtkWindow *files_dialog;      /* weak */

  gboolean loading_older;
  gboolean has_oldest;   /* a page came back short: there is nothing older */
  gboolean follows_end;  /* the person was at the bottom before the latest change */
  gboolean composing;    /* an input method has text in preedit */
  gboolean listing_files;     /* a ListFiles call is under way */
  gboolean list_files_again;  /* and something changed since it was made */
  guint scroll_to_end_id;

  /* The template's children; overlay and composer, its direct
   * children, are bound so that dispose_template() unparents them. */
  GtkWidget *overlay;
  AdwToastOverlay *toasts;
  GtkWidget *drop_hint;
  GtkScrolledWindow *scroller;
  GtkWidget *composer;
  GtkListView *messages_view;
  GtkMenuButton *emoji_button;
  GtkTextView *text_view;
  GtkWidget *placeholder;
};

G_DEFINE_FINAL_TYPE (LtChatView, lt_chat_view, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_CHAT,
  PROP_CONVERSATION,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

const char *
lt_chat_view_get_conversation (LtChatView *self)
{
  g_return_val_if_fail (LT_IS_CHAT_VIEW (self), NULL);

  return self->conversation;
}

/* Where the person was typing stays; otherwise the composer. */
static void
focus_composer_unless_inside (LtChatView *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkWidget *focus = root != NULL ? gtk_root_get_focus (root) : NULL;

  if (focus == NULL || !gtk_widget_is_ancestor (focus, GTK_WIDGET (self)))
    gtk_widget_grab_focus (GTK_WIDGET (self->text_view));
}

/**
 * lt_chat_view_set_shown:
 * @shown: whether the person is looking at this conversation
 *
 * What the person looks at notifies nothing (SetFocused) and is read
 * (MarkRead); its composer has the focus.
 */
void
lt_chat_view_set_shown (LtChatView *self,
                        gboolean    shown)
{
  g_return_if_fail (LT_IS_CHAT_VIEW (self));

  lt_chat1_call_set_focused (self->chat, shown ? self->conversation : "", NULL, NULL, NULL);
  if (!shown)
    return;
  lt_chat1_call_mark_read (self->chat, self->conversation, NULL, NULL, NULL);
  focus_composer_unless_inside (self);
}

static const char *
own_username (LtChatView *self)
{
  const char *username = lt_chat1_get_username (self->chat);

  return username != NULL ? username : "";
}

static gboolean
is_room (LtChatView *self)
{
  return self->conversation[0] == '#';
}

/* History and scrolling ---------------------------------------------------- */

static GtkAdjustment *
vadjustment (LtChatView *self)
{
  return gtk_scrolled_window_get_vadjustment (self->scroller);
}

static gboolean
is_at_bottom (GtkAdjustment *adjustment)
{
  return gtk_adjustment_get_value (adjustment) + gtk_adjustment_get_page_size (adjustment)
         >= gtk_adjustment_get_upper (adjustment) - BOTTOM_SLACK;
}

static void on_history (GObject      *source,
                        GAsyncResult *result,
                        gpointer      user_data);
static void show_all_files (LtChatView *self);

/* The page before the oldest message there is (the newest page while
 * there is none), unless a request is under way or nothing is older. */
static void
load_older (LtChatView *self)
{
  if (self->loading_older || self->has_oldest)
    return;

  self->loading_older = TRUE;
  lt_chat1_call_get_history (self->chat, self->conversation,
                             lt_message_list_get_oldest_id (self->messages), HISTORY_PAGE,
                             self->cancellable, on_history, g_object_ref (self));
}

static void
on_history (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(LtChatView) self = user_data;
  g_autoptr(GVariant) page = NULL;
  g_autoptr(GError) error = NULL;

  if (!lt_chat1_call_get_history_finish (LT_CHAT1 (source), &page, result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_message ("No history of %s: %s", self->conversation, error->message);
          self->loading_older = FALSE;
        }
      return;
    }

  self->loading_older = FALSE;
  self->has_oldest = g_variant_n_children (page) < HISTORY_PAGE;
  lt_message_list_prepend_page (self->messages, page, own_username (self));
  show_all_files (self);
}

static void
on_edge_reached (LtChatView     *self,
                 GtkPositionType position)
{
  if (position == GTK_POS_TOP)
    load_older (self);
}

static void
on_scrolled (LtChatView    *self,
             GtkAdjustment *adjustment)
{
  self->follows_end = is_at_bottom (adjustment);
}

static gboolean
scroll_to_end (gpointer user_data)
{
  LtChatView *self = user_data;
  GtkAdjustment *adjustment = vadjustment (self);

  self->scroll_to_end_id = 0;
  /* The person may have scrolled away since this was asked for. */
  if (!self->follows_end)
    return G_SOURCE_REMOVE;
  gtk_adjustment_set_value (adjustment, gtk_adjustment_get_upper (adjustment)
                                          - gtk_adjustment_get_page_size (adjustment));
  return G_SOURCE_REMOVE;
}

/* The list grew or the view's size changed.  The list view keeps the
 * row it is anchored to in place, also when an older page comes before
 * it; at the end, the person wants to see the new messages instead.
 * While the messages do not fill the view, there is no scrolling up to
 * ask for older ones: ask at once. */
static void
on_extent_changed (LtChatView    *self,
                   GtkAdjustment *adjustment)
{
  double page_size = gtk_adjustment_get_page_size (adjustment);

  /* Not in the middle of the list view's size allocation, which this
   * signal is part of: scrolling then would leave rows unallocated. */
  if (self->follows_end && self->scroll_to_end_id == 0)
    self->scroll_to_end_id = g_idle_add (scroll_to_end, self);
  if (page_size > 0 && gtk_adjustment_get_upper (adjustment) <= page_size)
    load_older (self);
}

static void
watch_scrolling (LtChatView *self)
{
  GtkAdjustment *adjustment = vadjustment (self);

  self->follows_end = TRUE;
  g_signal_connect_object (adjustment, "value-changed", G_CALLBACK (on_scrolled), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (adjustment, "changed", G_CALLBACK (on_extent_changed), self,
                           G_CONNECT_SWAPPED);
}

/* What the daemon says ----------------------------------------------------- */

static void
on_message_received (LtChat1    *chat,
                     const char *conversation,
                     guint64     id,
                     gint64      ts,
                     const char *sender,
                     const char *text,
                     LtChatView *self)
{
  LtFile *file;

  if (g_strcmp0 (conversation, self->conversation) != 0)
    return;

  lt_message_list_add_received (self->messages, id, ts, sender, text,
                                g_strcmp0 (sender, own_username (self)) == 0
                                  ? LT_MESSAGE_KIND_OWN : LT_MESSAGE_KIND_OTHER);
  /* A file's announcement, if the daemon tells it as a message too. */
  file = lt_file_list_lookup_message (self->files, id);
  if (file != NULL)
    lt_message_list_set_file (self->messages, id, file);
}

static void
on_message_sent (LtChat1    *chat,
                 const char *conversation,
                 guint64     local_id,
                 guint64     id,
                 LtChatView *self)
{
  if (g_strcmp0 (conversation, self->conversation) == 0)
    lt_message_list_mark_sent (self->messages, local_id, id);
}

static void
on_message_failed (LtChat1    *chat,
                   const char *conversation,
                   guint64     local_id,
                   const char *error_name,
                   const char *message,
                   LtChatView *self)
{
  if (g_strcmp0 (conversation, self->conversation) == 0)
    lt_message_list_mark_failed (self->messages, local_id, lt_error_text_for (error_name, NULL));
}

static void
add_system_line (LtChatView *self,
                 const char *text)
{
  lt_message_list_add_system (self->messages, g_get_real_time () / 1000, text);
}

static void
on_room_membership (LtChat1    *chat,
                    const char *room,
                    const char *username,
                    gboolean    joined,
                    LtChatView *self)
{
  g_autofree char *line = NULL;

  if (g_strcmp0 (room, self->conversation) != 0)
    return;

  if (joined)
    /* Translators: a line in a room's conversation; the first %s is a
     * username ("bob"), the second the room ("#lobby"). */
    line = g_strdup_printf (_("%s joined %s"), username, room);
  else
    /* Translators: a line in a room's conversation; the first %s is a
     * username ("bob"), the second the room ("#lobby"). */
    line = g_strdup_printf (_("%s left %s"), username, room);
  add_system_line (self, line);
}

static void
on_presence_changed (LtChat1    *chat,
                     const char *username,
                     const char *nickname,
                     gboolean    online,
                     LtChatView *self)
{
  g_autofree char *line = NULL;

  if (is_room (self) || g_strcmp0 (username, self->conversation) != 0)
    return;

  if (online)
    /* Translators: a line in a private conversation; %s is the other
     * person's username. */
    line = g_strdup_printf (_("%s is online"), username);
  else
    /* Translators: a line in a private conversation; %s is the other
     * person's username. */
    line = g_strdup_printf (_("%s went offline"), username);
  add_system_line (self, line);
}

static void
watch_chat (LtChatView *self)
{
  g_signal_connect_object (self->chat, "message-received", G_CALLBACK (on_message_received),
                           self, 0);
  g_signal_connect_object (self->chat, "message-sent", G_CALLBACK (on_message_sent), self, 0);
  g_signal_connect_object (self->chat, "message-failed", G_CALLBACK (on_message_failed), self,
                           0);
  g_signal_connect_object (self->chat, "room-membership", G_CALLBACK (on_room_membership),
                           self, 0);
  g_signal_connect_object (self->chat, "presence-changed", G_CALLBACK (on_presence_changed),
                           self, 0);
  load_older (self);
}

/* Files -------------------------------------------------------------------- */

static void
show_toast (LtChatView *self,
            const char *text)
{
  g_autofree char *markup = g_markup_escape_text (text, -1);

  adw_toast_overlay_add_toast (self->toasts, adw_toast_new (markup));
}

/* Whether a message with @id belongs among those loaded: newer than
 * the oldest, or there is nothing older.  Older ones come with their
 * page of history. */
static gboolean
is_loaded_range (LtChatView *self,
                 guint64     id)
{
  guint64 oldest = lt_message_list_get_oldest_id (self->messages);

  return self->has_oldest || (oldest != 0 && id > oldest);
}

/* @file in the messages: on its announcement once its message id is
 * known (the announcement added if the daemon did not tell it as a
 * message), else the person's upload at the end. */
static void
show_file_in_messages (LtChatView *self,
                       LtFile     *file)
{
  guint64 message_id = lt_file_get_message_id (file);
  LtMessageKind kind = lt_file_is_own (file) ? LT_MESSAGE_KIND_OWN : LT_MESSAGE_KIND_OTHER;

  if (message_id == 0)
    {
      if (lt_file_is_own (file) && lt_file_get_transfer_id (file) != 0)
        lt_message_list_add_upload (self->messages, file);
      return;
    }

  if (lt_message_list_set_file (self->messages, message_id, file) == NULL
      && is_loaded_range (self, message_id))
    {
      lt_message_list_add_received (self->messages, message_id, lt_file_get_timestamp (file),
                                    lt_file_get_sender (file), lt_file_get_name (file), kind);
      lt_message_list_set_file (self->messages, message_id, file);
    }
  lt_message_list_remove_upload (self->messages, lt_file_get_transfer_id (file));
}

static void
show_all_files (LtChatView *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->files));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(LtFile) file = g_list_model_get_item (G_LIST_MODEL (self->files), i);

      show_file_in_messages (self, file);
    }
}

static void list_files (LtChatView *self);

static void
restore_transfer (LtChatView *self,
                  GVariant   *transfer)
{
  guint64 transfer_id, file_id, done, total;
  const char *conversation, *name;
  gboolean upload;
  LtFile *file;

  g_variant_get (transfer, "(tt&sb&stt)", &transfer_id, &file_id, &conversation, &upload, &name,
                 &done, &total);
  if (g_strcmp0 (conversation, self->conversation) != 0 || transfer_id == 0)
    return;

  if (file_id == 0 && upload)
    file = lt_file_list_add_upload (self->files, transfer_id, own_username (self), name, NULL);
  else
    file = lt_file_list_transfer_started (self->files, transfer_id, file_id, upload, name, total,
                                          own_username (self));
  lt_file_set_progress (file, done, total);
  show_file_in_messages (self, file);
}

static void
on_transfers_listed (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(LtChatView) self = user_data;
  g_autoptr(GVariant) transfers = NULL;
  g_autoptr(GError) error = NULL;

  if (!lt_chat1_call_list_transfers_finish (LT_CHAT1 (source), &transfers, result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("No transfers of %s: %s", self->conversation, error->message);
      return;
    }

  for (gsize i = 0; i < g_variant_n_children (transfers); i++)
    {
      g_autoptr(GVariant) transfer = g_variant_get_child_value (transfers, i);

      restore_transfer (self, transfer);
    }
}

static void
on_files_listed (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(LtChatView) self = user_data;
  g_autoptr(GVariant) files = NULL;
  g_autoptr(GError) error = NULL;

  if (!lt_chat1_call_list_files_finish (LT_CHAT1 (source), &files, result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      g_debug ("No files of %s: %s", self->conversation, error->message);
    }
  else
    {
      lt_file_list_apply_listing (self->files, files, own_username (self));
      show_all_files (self);
    }

  self->listing_files = FALSE;
  if (self->list_files_again)
    {
      self->list_files_again = FALSE;
      list_files (self);
    }
}

/* ListFiles, one call at a time; asked again while one is under way,
 * once more after it. */
static void
list_files (LtChatView *self)
{
  if (self->listing_files)
    {
      self->list_files_again = TRUE;
      return;
    }

  self->listing_files = TRUE;
  lt_chat1_call_list_files (self->chat, self->conversation, self->cancellable, on_files_listed,
                            g_object_ref (self));
}

/* FileOffered has no message id: ListFiles tells it. */
static void
on_file_offered (LtChat1    *chat,
                 const char *conversation,
                 guint64     file_id,
                 const char *sender,
                 const char *name,
                 guint64     size,
                 LtChatView *self)
{
  if (g_strcmp0 (conversation, self->conversation) != 0)
    return;

  lt_file_list_add_offered (self->files, file_id, sender, name, size, own_username (self));
  list_files (self);
}

static void
on_file_rejected (LtChat1    *chat,
                  const char *conversation,
                  guint64     file_id,
                  const char *by,
                  LtChatView *self)
{
  if (g_strcmp0 (conversation, self->conversation) == 0)
    lt_file_list_file_rejected (self->files, file_id);
}

static void
on_transfer_started (LtChat1    *chat,
                     guint64     transfer_id,
                     guint64     file_id,
                     const char *conversation,
                     gboolean    upload,
                     const char *name,
                     guint64     total,
                     LtChatView *self)
{
  LtFile *file;

  if (g_strcmp0 (conversation, self->conversation) != 0)
    return;

  file = lt_file_list_transfer_started (self->files, transfer_id, file_id, upload, name, total,
                                        own_username (self));
  show_file_in_messages (self, file);
}

static void
on_transfer_progress (LtChat1    *chat,
                      guint64     transfer_id,
                      guint64     done,
                      guint64     total,
                      LtChatView *self)
{
  lt_file_list_transfer_progress (self->files, transfer_id, done, total);
}

/* Where a download went, or the answer to an upload: ListFiles. */
static void
on_transfer_finished (LtChat1    *chat,
                      guint64     transfer_id,
                      gboolean    ok,
                      const char *error_text,
                      LtChatView *self)
{
  if (lt_file_list_transfer_finished (self->files, transfer_id, ok, error_text) != NULL)
    list_files (self);
}

static void
watch_files (LtChatView *self)
{
  g_signal_connect_object (self->chat, "file-offered", G_CALLBACK (on_file_offered), self, 0);
  g_signal_connect_object (self->chat, "file-rejected", G_CALLBACK (on_file_rejected), self, 0);
  g_signal_connect_object (self->chat, "transfer-started", G_CALLBACK (on_transfer_started),
                           self, 0);
  g_signal_connect_object (self->chat, "transfer-progress", G_CALLBACK (on_transfer_progress),
                           self, 0);
  g_signal_connect_object (self->chat, "transfer-finished", G_CALLBACK (on_transfer_finished),
                           self, 0);
  /* Each on its own: ListFiles may wait for the server, ListTransfers
   * never does. */
  list_files (self);
  lt_chat1_call_list_transfers (self->chat, self->cancellable, on_transfers_listed,
                                g_object_ref (self));
}

/* Sending files ------------------------------------------------------------ */

typedef struct
{
  LtChatView *self;
  LtFile *file; /* or the path of a file being sent */
  char *path;
} FileCall;

static FileCall *
file_call_new (LtChatView *self,
               LtFile     *file,
               const char *path)
{
  FileCall *call = g_new0 (FileCall, 1);

  call->self = g_object_ref (self);
  call->file = file != NULL ? g_object_ref (file) : NULL;
  call->path = g_strdup (path);
  return call;
}

static void
file_call_free (FileCall *call)
{
  g_object_unref (call->self);
  g_clear_object (&call->file);
  g_free (call->path);
  g_free (call);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FileCall, file_call_free)

static void
on_file_sent (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(FileCall) call = user_data;
  LtChatView *self = call->self;
  g_autoptr(GError) error = NULL;
  g_autofree char *name = g_path_get_basename (call->path);
  g_autofree char *text = NULL;
  guint64 transfer_id = 0;
  LtFile *file;

  if (!lt_chat1_call_send_file_finish (LT_CHAT1 (source), &transfer_id, result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      /* Translators: a toast; the first %s is a file's name, the second says why. */
      text = g_strdup_printf (_("“%s” cannot be sent: %s"), name,
                              lt_error_text_for_error (error, NULL));
      show_toast (self, text);
      return;
    }

  file = lt_file_list_add_upload (self->files, transfer_id, own_username (self), name,
                                  call->path);
  if (lt_file_get_path (file) == NULL)
    lt_file_set_path (file, call->path);
  self->follows_end = TRUE;
  show_file_in_messages (self, file);
}

static void
send_path (LtChatView *self,
           const char *path)
{
  lt_chat1_call_send_file (self->chat, self->conversation, path, self->cancellable, on_file_sent,
                           file_call_new (self, NULL, path));
}

/**
 * lt_chat_view_send_files:
 * @files: (element-type GFile): files and folders on this computer
 *
 * Sends each of @files to the conversation, as the attach menu and a
 * drop do.
 */
void
lt_chat_view_send_files (LtChatView *self,
                         GSList     *files)
{
  g_return_if_fail (LT_IS_CHAT_VIEW (self));

  for (GSList *l = files; l != NULL; l = l->next)
    {
      g_autofree char *path = g_file_get_path (l->data);

      if (path == NULL)
        {
          show_toast (self, _("Only files on this computer can be sent"));
          continue;
        }
      send_path (self, path);
    }
}

static void
on_chooser_response (GtkNativeDialog *chooser,
                     int              response,
                     LtChatView      *self)
{
  g_autoptr(GListModel) chosen = NULL;
  g_autoptr(GtkNativeDialog) owned = g_steal_pointer (&self->chooser);
  GSList *files = NULL;

  if (response != GTK_RESPONSE_ACCEPT)
    return;

  chosen = gtk_file_chooser_get_files (GTK_FILE_CHOOSER (chooser));
  for (guint i = g_list_model_get_n_items (chosen); i > 0; i--)
    files = g_slist_prepend (files, g_list_model_get_item (chosen, i - 1));
  lt_chat_view_send_files (self, files);
  g_slist_free_full (files, g_object_unref);
}

static void
choose_files (LtChatView          *self,
              GtkFileChooserAction action,
              const char          *title)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkFileChooserNative *chooser;

  if (self->chooser != NULL)
    {
      gtk_native_dialog_show (self->chooser);
      return;
    }

  chooser = gtk_file_chooser_native_new (title, GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                         action, _("_Send"), NULL);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  gtk_file_chooser_set_select_multiple (GTK_FILE_CHOOSER (chooser), TRUE);
  g_signal_connect_object (chooser, "response", G_CALLBACK (on_chooser_response), self, 0);
  self->chooser = GTK_NATIVE_DIALOG (chooser);
  gtk_native_dialog_show (self->chooser);
}

static void
send_file_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  choose_files (LT_CHAT_VIEW (widget), GTK_FILE_CHOOSER_ACTION_OPEN, _("Send Files"));
}

static void
send_folder_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  choose_files (LT_CHAT_VIEW (widget), GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER, _("Send Folders"));
}

/* Drops of files and folders from a file manager. */
static GdkDragAction
on_drop_enter (GtkDropTarget *target,
               double         x,
               double         y,
               LtChatView    *self)
{
  gtk_widget_set_visible (self->drop_hint, TRUE);
  return GDK_ACTION_COPY;
}

static void
on_drop_leave (GtkDropTarget *target,
               LtChatView    *self)
{
  gtk_widget_set_visible (self->drop_hint, FALSE);
}

static gboolean
on_drop (GtkDropTarget *target,
         const GValue  *value,
         double         x,
         double         y,
         LtChatView    *self)
{
  GSList *files;

  gtk_widget_set_visible (self->drop_hint, FALSE);
  if (!G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST))
    return FALSE;

  files = gdk_file_list_get_files (g_value_get_boxed (value));
  if (files == NULL)
    return FALSE;
  lt_chat_view_send_files (self, files);
  g_slist_free (files);
  return TRUE;
}

static void
add_drop_target (LtChatView *self)
{
  GtkDropTarget *target = gtk_drop_target_new (GDK_TYPE_FILE_LIST, GDK_ACTION_COPY);

  g_signal_connect_object (target, "enter", G_CALLBACK (on_drop_enter), self, 0);
  g_signal_connect_object (target, "leave", G_CALLBACK (on_drop_leave), self, 0);
  g_signal_connect_object (target, "drop", G_CALLBACK (on_drop), self, 0);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (target));
}

/* The cards' actions -------------------------------------------------------- */

static LtFile *
file_of (LtChatView *self,
         GVariant   *file_id)
{
  return lt_file_list_lookup_file (self->files, g_variant_get_uint64 (file_id));
}

/* A toast that a file action failed: "“name”: why". */
static void
show_file_error (LtChatView   *self,
                 LtFile       *file,
                 const char   *why)
{
  /* Translators: a toast; the first %s is a file's name, the second says
   * what went wrong. */
  g_autofree char *text = g_strdup_printf (_("“%s”: %s"), lt_file_get_name (file), why);

  show_toast (self, text);
}

static void
on_accepted (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(FileCall) call = user_data;
  g_autoptr(GError) error = NULL;
  guint64 transfer_id = 0;

  if (!lt_chat1_call_accept_file_finish (LT_CHAT1 (source), &transfer_id, result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        show_file_error (call->self, call->file, lt_error_text_for_error (error, NULL));
      return;
    }

  if (lt_file_get_answer (call->file) == LT_FILE_ANSWER_OFFERED)
    lt_file_set_answer (call->file, LT_FILE_ANSWER_ACCEPTED);
  /* TransferStarted may have come first, or even TransferFinished. */
  if (lt_file_get_transfer_id (call->file) != transfer_id)
    lt_file_start_transfer (call->file, transfer_id);
}

/* Accept and Download: AcceptFile into the Downloads folder. */
static void
accept_file (GSimpleAction *action,
             GVariant      *parameter,
             gpointer       user_data)
{
  LtChatView *self = user_data;
  LtFile *file = file_of (self, parameter);

  if (file == NULL)
    return;
  lt_chat1_call_accept_file (self->chat, lt_file_get_file_id (file), "", self->cancellable,
                             on_accepted, file_call_new (self, file, NULL));
}

static void
on_rejected (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(FileCall) call = user_data;
  g_autoptr(GError) error = NULL;

  if (!lt_chat1_call_reject_file_finish (LT_CHAT1 (source), result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        show_file_error (call->self, call->file, lt_error_text_for_error (error, NULL));
      return;
    }
  lt_file_set_answer (call->file, LT_FILE_ANSWER_REJECTED);
}

static void
reject_file (GSimpleAction *action,
             GVariant      *parameter,
             gpointer       user_data)
{
  LtChatView *self = user_data;
  LtFile *file = file_of (self, parameter);

  if (file == NULL)
    return;
  lt_chat1_call_reject_file (self->chat, lt_file_get_file_id (file), self->cancellable,
                             on_rejected, file_call_new (self, file, NULL));
}

static void
on_cancelled (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(FileCall) call = user_data;
  g_autoptr(GError) error = NULL;

  if (!lt_chat1_call_cancel_transfer_finish (LT_CHAT1 (source), result, &error)
      && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    show_file_error (call->self, call->file, lt_error_text_for_error (error, NULL));
}

/* The parameter is the transfer id: an upload has no file id at first. */
static void
cancel_transfer (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       user_data)
{
  LtChatView *self = user_data;
  LtFile *file = lt_file_list_lookup_transfer (self->files, g_variant_get_uint64 (parameter));

  if (file == NULL)
    return;
  lt_file_cancel_transfer (file);
  lt_chat1_call_cancel_transfer (self->chat, lt_file_get_transfer_id (file), self->cancellable,
                                 on_cancelled, file_call_new (self, file, NULL));
}

static void
on_launched (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(FileCall) call = user_data;
  g_autoptr(GError) error = NULL;

  if (!lt_file_launcher_finish (result, &error)
      && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    show_file_error (call->self, call->file, error->message);
}

/* Open, or Show in Folder with the file manager on the bus the daemon
 * is on: the session's. */
static void
launch_file (LtChatView *self,
             GVariant   *file_id,
             gboolean    show)
{
  LtFile *file = file_of (self, file_id);
  g_autoptr(GAppLaunchContext) context = NULL;
  const char *path;

  if (file == NULL || lt_file_get_path (file) == NULL)
    return;

  path = lt_file_get_path (file);
  context = G_APP_LAUNCH_CONTEXT (
    gdk_display_get_app_launch_context (gtk_widget_get_display (GTK_WIDGET (self))));
  if (show)
    lt_file_launcher_show_async (g_dbus_proxy_get_connection (G_DBUS_PROXY (self->chat)), path,
                                 context, self->cancellable, on_launched,
                                 file_call_new (self, file, NULL));
  else
    lt_file_launcher_open_async (path, context, self->cancellable, on_launched,
                                 file_call_new (self, file, NULL));
}

static void
open_file (GSimpleAction *action,
           GVariant      *parameter,
           gpointer       user_data)
{
  launch_file (user_data, parameter, FALSE);
}

static void
show_file (GSimpleAction *action,
           GVariant      *parameter,
           gpointer       user_data)
{
  launch_file (user_data, parameter, TRUE);
}

static const GActionEntry file_action_entries[] = {
  { .name = "accept", .activate = accept_file, .parameter_type = "t" },
  { .name = "download", .activate = accept_file, .parameter_type = "t" },
  { .name = "reject", .activate = reject_file, .parameter_type = "t" },
  { .name = "cancel", .activate = cancel_transfer, .parameter_type = "t" },
  { .name = "open", .activate = open_file, .parameter_type = "t" },
  { .name = "show", .activate = show_file, .parameter_type = "t" },
};

static void
add_file_actions (LtChatView *self)
{
  self->file_actions = g_simple_action_group_new ();
  g_action_map_add_action_entries (G_ACTION_MAP (self->file_actions), file_action_entries,
                                   G_N_ELEMENTS (file_action_entries), self);
  gtk_widget_insert_action_group (GTK_WIDGET (self), "files",
                                  G_ACTION_GROUP (self->file_actions));
}

/**
 * lt_chat_view_get_files:
 *
 * Returns: (transfer none): the conversation's files, a GListModel of
 *   LtFile, newest first
 */
GListModel *
lt_chat_view_get_files (LtChatView *self)
{
  g_return_val_if_fail (LT_IS_CHAT_VIEW (self), NULL);

  return G_LIST_MODEL (self->files);
}

/**
 * lt_chat_view_show_files:
 *
 * Presents the conversation's file list, a dialog over the view's
 * window; the one that is open already, if there is one.
 *
 * Returns: (transfer none): the dialog
 */
GtkWindow *
lt_chat_view_show_files (LtChatView *self)
{
  GtkRoot *root;

  g_return_val_if_fail (LT_IS_CHAT_VIEW (self), NULL);

  if (self->files_dialog == NULL)
    {
      self->files_dialog = GTK_WINDOW (lt_files_dialog_new (G_LIST_MODEL (self->files),
                                                            G_ACTION_GROUP (self->file_actions),
                                                            self->conversation));
      g_object_add_weak_pointer (G_OBJECT (self->files_dialog),
                                 (gpointer *) &self->files_dialog);
      root = gtk_widget_get_root (GTK_WIDGET (self));
      if (GTK_IS_WINDOW (root))
        gtk_window_set_transient_for (self->files_dialog, GTK_WINDOW (root));
    }
  list_files (self);
  gtk_window_present (self->files_dialog);
  return self->files_dialog;
}

static void
show_files_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  lt_chat_view_show_files (LT_CHAT_VIEW (widget));
}

/* The composer ------------------------------------------------------------- */

typedef struct
{
  LtChatView *self;
  char *text;
  gint64 ts;
} Sending;

static void
sending_free (Sending *sending)
{
  g_object_unref (sending->self);
  g_free (sending->text);
  g_free (sending);
}

static GtkTextBuffer *
composer_buffer (LtChatView *self)
{
  return gtk_text_view_get_buffer (self->text_view);
}

/* The composer's frame shows why the daemon refused a text at once (too
 * long, say); the next edit clears it. */
static void
show_composer_error (LtChatView *self,
                     const char *error_text)
{
  GtkWidget *frame = gtk_widget_get_parent (GTK_WIDGET (self->text_view));

  if (error_text != NULL)
    gtk_widget_add_css_class (frame, "error");
  else
    gtk_widget_remove_css_class (frame, "error");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->text_view), error_text);
  if (error_text != NULL)
    gtk_accessible_update_property (GTK_ACCESSIBLE (self->text_view),
                                    GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, error_text, -1);
  else
    gtk_accessible_reset_property (GTK_ACCESSIBLE (self->text_view),
                                   GTK_ACCESSIBLE_PROPERTY_DESCRIPTION);
}

/* A text the daemon did not take goes back into the composer, unless
 * the person is writing the next one already. */
static void
give_back_text (LtChatView *self,
                const char *text,
                const char *error_text)
{
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (composer_buffer (self), &start, &end);
  if (gtk_text_iter_equal (&start, &end))
    gtk_text_buffer_set_text (composer_buffer (self), text, -1);
  show_composer_error (self, error_text);
}

static void
on_sent (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Sending *sending = user_data;
  LtChatView *self = sending->self;
  g_autoptr(GError) error = NULL;
  guint64 local_id = 0;

  if (lt_chat1_call_send_message_finish (LT_CHAT1 (source), &local_id, result, &error))
    lt_message_list_add_pending (self->messages, local_id, sending->ts, own_username (self),
                                 sending->text);
  else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    give_back_text (self, sending->text, lt_error_text_for_error (error, NULL));
  sending_free (sending);
}

/* The text written, without the blanks around it. */
static char *
composed_text (LtChatView *self)
{
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (composer_buffer (self), &start, &end);
  return g_strstrip (gtk_text_buffer_get_text (composer_buffer (self), &start, &end, FALSE));
}

static void
send_composed (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  LtChatView *self = LT_CHAT_VIEW (widget);
  g_autofree char *text = composed_text (self);
  Sending *sending;

  if (*text == '\0')
    return;

  sending = g_new0 (Sending, 1);
  sending->self = g_object_ref (self);
  sending->text = g_steal_pointer (&text);
  sending->ts = g_get_real_time () / 1000;
  /* What the person sends, they want to see: back to the end. */
  self->follows_end = TRUE;
  lt_chat1_call_send_message (self->chat, self->conversation, sending->text, self->cancellable,
                              on_sent, sending);
  gtk_text_buffer_set_text (composer_buffer (self), "", -1);
}

static void
on_composer_changed (LtChatView *self)
{
  g_autofree char *text = composed_text (self);
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (composer_buffer (self), &start, &end);
  gtk_widget_set_visible (self->placeholder, gtk_text_iter_equal (&start, &end));
  show_composer_error (self, NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "chat-view.send", *text != '\0');
}

static gboolean
is_enter (guint keyval)
{
  return keyval == GDK_KEY_Return || keyval == GDK_KEY_KP_Enter || keyval == GDK_KEY_ISO_Enter;
}

/* An input method (pinyin, say) is composing: its Enter commits what
 * is being composed, and must reach it. */
static void
on_preedit_changed (LtChatView *self,
                    const char *preedit)
{
  self->composing = preedit != NULL && *preedit != '\0';
}

/* Ctrl+Enter always sends; plain Enter only with enter-sends.  Every
 * other Enter goes on to the text view, which starts a new line. */
static gboolean
on_key_pressed (LtChatView     *self,
                guint           keyval,
                guint           keycode,
                GdkModifierType state)
{
  GdkModifierType modifiers = state & gtk_accelerator_get_default_mod_mask ();

  if (!is_enter (keyval) || self->composing)
    return FALSE;
  if (modifiers == GDK_CONTROL_MASK
      || (modifiers == 0 && g_settings_get_boolean (self->settings, "enter-sends")))
    {
      gtk_widget_activate_action (GTK_WIDGET (self), "chat-view.send", NULL);
      return TRUE;
    }
  return FALSE;
}

static void
on_emoji_picked (LtChatView *self,
                 const char *emoji)
{
  gtk_text_buffer_insert_at_cursor (composer_buffer (self), emoji, -1);
  gtk_widget_grab_focus (GTK_WIDGET (self->text_view));
}

/* The emoji chooser is made the first time it opens: it builds a
 * widget for each of thousands of emoji, too much for every chat. */
static void
create_emoji_chooser (GtkMenuButton *button,
                      gpointer       user_data)
{
  LtChatView *self = user_data;
  GtkWidget *chooser;

  if (gtk_menu_button_get_popover (button) != NULL)
    return;

  chooser = gtk_emoji_chooser_new ();
  g_signal_connect_object (chooser, "emoji-picked", G_CALLBACK (on_emoji_picked), self,
                           G_CONNECT_SWAPPED);
  gtk_menu_button_set_popover (button, chooser);
}

/* Life --------------------------------------------------------------------- */

/**
 * lt_chat_view_new:
 * @chat: the daemon
 * @conversation: a peer's username or a #room
 */
LtChatView *
lt_chat_view_new (LtChat1    *chat,
                  const char *conversation)
{
  g_return_val_if_fail (LT_IS_CHAT1 (chat), NULL);
  g_return_val_if_fail (conversation != NULL, NULL);

  return g_object_new (LT_TYPE_CHAT_VIEW, "chat", chat, "conversation", conversation, NULL);
}

static gboolean
lt_chat_view_grab_focus (GtkWidget *widget)
{
  return gtk_widget_grab_focus (GTK_WIDGET (LT_CHAT_VIEW (widget)->text_view));
}

static void
lt_chat_view_constructed (GObject *object)
{
  G_OBJECT_CLASS (lt_chat_view_parent_class)->constructed (object);

  watch_chat (LT_CHAT_VIEW (object));
  watch_files (LT_CHAT_VIEW (object));
}

static void
lt_chat_view_dispose (GObject *object)
{
  LtChatView *self = LT_CHAT_VIEW (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->scroll_to_end_id, g_source_remove);
  if (self->files_dialog != NULL)
    {
      g_object_remove_weak_pointer (G_OBJECT (self->files_dialog),
                                    (gpointer *) &self->files_dialog);
      gtk_window_destroy (g_steal_pointer (&self->files_dialog));
    }
  if (self->chooser != NULL)
    gtk_native_dialog_destroy (self->chooser);
  g_clear_object (&self->chooser);
  gtk_widget_dispose_template (GTK_WIDGET (self), LT_TYPE_CHAT_VIEW);
  g_clear_object (&self->chat);
  g_clear_object (&self->messages);
  g_clear_object (&self->files);
  g_clear_object (&self->file_actions);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (lt_chat_view_parent_class)->dispose (object);
}

static void
lt_chat_view_finalize (GObject *object)
{
  LtChatView *self = LT_CHAT_VIEW (object);

  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->conversation, g_free);

  G_OBJECT_CLASS (lt_chat_view_parent_class)->finalize (object);
}

static void
lt_chat_view_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  LtChatView *self = LT_CHAT_VIEW (object);

  switch (prop_id)
    {
    case PROP_CHAT:
      g_value_set_object (value, self->chat);
      break;
    case PROP_CONVERSATION:
      g_value_set_string (value, self->conversation);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lt_chat_view_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  LtChatView *self = LT_CHAT_VIEW (object);

  switch (prop_id)
    {
    case PROP_CHAT:
      self->chat = g_value_dup_object (value);
      break;
    case PROP_CONVERSATION:
      self->conversation = g_value_dup_string (value);
      self->files = lt_file_list_new (self->conversation);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lt_chat_view_class_init (LtChatViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = lt_chat_view_constructed;
  object_class->dispose = lt_chat_view_dispose;
  object_class->finalize = lt_chat_view_finalize;
  object_class->get_property = lt_chat_view_get_property;
  object_class->set_property = lt_chat_view_set_property;
  widget_class->grab_focus = lt_chat_view_grab_focus;

  properties[PROP_CHAT] =
    g_param_spec_object ("chat", NULL, NULL, LT_TYPE_CHAT1,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CONVERSATION] =
    g_param_spec_string ("conversation", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_install_action (widget_class, "chat-view.send", NULL, send_composed);
  gtk_widget_class_install_action (widget_class, "chat-view.send-file", NULL, send_file_action);
  gtk_widget_class_install_action (widget_class, "chat-view.send-folder", NULL,
                                   send_folder_action);
  gtk_widget_class_install_action (widget_class, "chat-view.show-files", NULL,
                                   show_files_action);

  gtk_widget_class_set_css_name (widget_class, "chatview");
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/liaotian/Liaotian/lt-chat-view.ui");
  gtk_widget_class_bind_template_child (widget_class, LtChatView, overlay);
  gtk_widget_class_bind_template_child (widget_class, LtChatView, toasts);
  gtk_widget_class_bind_template_child (widget_class, LtChatView, drop_hint);
  gtk_widget_class_bind_template_child (widget_class, LtChatView, scroller);
  gtk_widget_class_bind_template_child (widget_class, LtChatView, composer);
  gtk_widget_class_bind_template_child (widget_class, LtChatView, messages_view);
  gtk_widget_class_bind_template_child (widget_class, LtChatView, emoji_button);
  gtk_widget_class_bind_template_child (widget_class, LtChatView, text_view);
  gtk_widget_class_bind_template_child (widget_class, LtChatView, placeholder);
  gtk_widget_class_bind_template_callback (widget_class, on_edge_reached);
  gtk_widget_class_bind_template_callback (widget_class, on_key_pressed);
  gtk_widget_class_bind_template_callback (widget_class, on_preedit_changed);
}

static void
lt_chat_view_init (LtChatView *self)
{
  g_autoptr(GtkNoSelection) selection = NULL;

  g_type_ensure (LT_TYPE_MESSAGE);
  g_type_ensure (LT_TYPE_MESSAGE_ROW);
  gtk_widget_init_template (GTK_WIDGET (self));

  self->settings = g_settings_new ("org.liaotian.Liaotian");
  self->cancellable = g_cancellable_new ();
  self->messages = lt_message_list_new ();
  selection = gtk_no_selection_new (G_LIST_MODEL (g_object_ref (self->messages)));
  gtk_list_view_set_model (self->messages_view, GTK_SELECTION_MODEL (selection));

  g_signal_connect_object (composer_buffer (self), "changed", G_CALLBACK (on_composer_changed),
                           self, G_CONNECT_SWAPPED);
  on_composer_changed (self);
  gtk_menu_button_set_create_popup_func (self->emoji_button, create_emoji_chooser, self, NULL);
  watch_scrolling (self);
  add_file_actions (self);
  add_drop_target (self);
}
