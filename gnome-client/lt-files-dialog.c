/* SPDX-License-Identifier: GPL-3.0-or-later */
/* LtFilesDialog: the files of a conversation, newest first, as
 * LtFileCards over the conversation's own LtFileList, so that each
 * card follows its file's progress and state as the conversation's
 * rows do.  The buttons act through the conversation's file actions
 * ("files."), which the dialog is given; "No Files" while there are
 * none. */
#include "config.h"

#include "lt-file-card.h"
#include "lt-files-dialog.h"


struct _LtFilesDialog
{
  AdwWindow parent_instance;

  GListModel *files;

  AdwWindowTitle *title;
  GtkStack *stack;
  GtkListView *list_view;
};

G_DEFINE_FINAL_TYPE (LtFilesDialog, lt_files_dialog, ADW_TYPE_WINDOW)

static void
update_page (LtFilesDialog *self)
{
  gtk_stack_set_visible_child_name (self->stack,
                                    g_list_model_get_n_items (self->files) > 0 ? "list"
                                                                              : "empty");
}

/**
 * lt_files_dialog_new:
 * @files: a list of LtFile
 * @file_actions: the actions the cards' buttons activate, as "files."
 * @conversation: a peer's username or a #room, the subtitle
 */
LtFilesDialog *
lt_files_dialog_new (GListModel   *files,
                     GActionGroup *file_actions,
                     const char   *conversation)
{
  LtFilesDialog *self;
  g_autoptr(GtkNoSelection) selection = NULL;

  g_return_val_if_fail (G_IS_LIST_MODEL (files), NULL);
  g_return_val_if_fail (G_IS_ACTION_GROUP (file_actions), NULL);

  self = g_object_new (LT_TYPE_FILES_DIALOG, NULL);
  self->files = g_object_ref (files);
  adw_window_title_set_subtitle (self->title, conversation);
  gtk_widget_insert_action_group (GTK_WIDGET (self), "files", file_actions);
  selection = gtk_no_selection_new (g_object_ref (files));
  gtk_list_view_set_model (self->list_view, GTK_SELECTION_MODEL (selection));
  g_signal_connect_object (files, "items-changed", G_CALLBACK (update_page), self,
                           G_CONNECT_SWAPPED);
  update_page (self);
  return self;
}

/**
 * lt_files_dialog_get_files:
 *
 * Returns: (transfer none): the files it lists
 */
GListModel *
lt_files_dialog_get_files (LtFilesDialog *self)
{
  g_return_val_if_fail (LT_IS_FILES_DIALOG (self), NULL);

  return self->files;
}

static void
lt_files_dialog_dispose (GObject *object)
{
  LtFilesDialog *self = LT_FILES_DIALOG (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), LT_TYPE_FILES_DIALOG);
  g_clear_object (&self->files);

  G_OBJECT_CLASS (lt_files_dialog_parent_class)->dispose (object);
}

static void
lt_files_dialog_class_init (LtFilesDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = lt_files_dialog_dispose;

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/liaotian/Liaotian/lt-files-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, LtFilesDialog, title);
  gtk_widget_class_bind_template_child (widget_class, LtFilesDialog, stack);
  gtk_widget_class_bind_template_child (widget_class, LtFilesDialog, list_view);
}

static void
lt_files_dialog_init (LtFilesDialog *self)
{
  g_type_ensure (LT_TYPE_FILE_CARD);
  gtk_widget_init_template (GTK_WIDGET (self));
}
