/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define LT_TYPE_DAEMON_CACHE (lt_daemon_cache_get_type ())
G_DECLARE_FINAL_TYPE (LtDaemonCache, lt_daemon_cache, LT, DAEMON_CACHE, GObject)

/* An id not known: the predecessor of a message, the newest message of
 * a conversation. */
#define LT_DAEMON_CACHE_UNKNOWN_ID ((gint64) -1)

const char *lt_daemon_cache_conversation_of (const char *from,
                                             const char *to,
                                             const char *username);

char *lt_daemon_cache_dir_for (const char *server,
                               const char *username);

void lt_daemon_cache_new_async (const char         *dir,
                                GCancellable       *cancellable,
                                GAsyncReadyCallback callback,
                                gpointer            user_data);
LtDaemonCache *lt_daemon_cache_new_finish (GAsyncResult *result,
                                           GError      **error);

void lt_daemon_cache_outbox_add_async (LtDaemonCache      *self,
                                       const char         *to,
                                       const char         *text,
                                       GCancellable       *cancellable,
                                       GAsyncReadyCallback callback,
                                       gpointer            user_data);
gboolean lt_daemon_cache_outbox_add_finish (LtDaemonCache *self,
                                            GAsyncResult  *result,
                                            guint64       *local_id,
                                            char         **client_id,
                                            GError       **error);

void lt_daemon_cache_outbox_list_async (LtDaemonCache      *self,
                                        GCancellable       *cancellable,
                                        GAsyncReadyCallback callback,
                                        gpointer            user_data);
GVariant *lt_daemon_cache_outbox_list_finish (LtDaemonCache *self,
                                              GAsyncResult  *result,
                                              GError       **error);

void lt_daemon_cache_outbox_remove_async (LtDaemonCache      *self,
                                          guint64             local_id,
                                          GCancellable       *cancellable,
                                          GAsyncReadyCallback callback,
                                          gpointer            user_data);
gboolean lt_daemon_cache_outbox_remove_finish (LtDaemonCache *self,
                                               GAsyncResult  *result,
                                               GError       **error);

void lt_daemon_cache_store_messages_async (LtDaemonCache      *self,
                                           GVariant           *messages,
                                           const char         *username,
                                           const char         *focused,
                                           GCancellable       *cancellable,
                                           GAsyncReadyCallback callback,
                                           gpointer            user_data);
GVariant *lt_daemon_cache_store_messages_finish (LtDaemonCache *self,
                                                 GAsyncResult  *result,
                                                 GError       **error);

void lt_daemon_cache_store_history_async (LtDaemonCache      *self,
                                          const char         *conversation,
                                          guint64             before,
                                          GVariant           *messages,
                                          gboolean            more,
                                          GCancellable       *cancellable,
                                          GAsyncReadyCallback callback,
                                          gpointer            user_data);
gboolean lt_daemon_cache_store_history_finish (LtDaemonCache *self,
                                               GAsyncResult  *result,
                                               GError       **error);

void lt_daemon_cache_history_async (LtDaemonCache      *self,
                                    const char         *conversation,
                                    guint64             before,
                                    guint               limit,
                                    gint64              tail,
                                    GCancellable       *cancellable,
                                    GAsyncReadyCallback callback,
                                    gpointer            user_data);
GVariant *lt_daemon_cache_history_finish (LtDaemonCache *self,
                                          GAsyncResult  *result,
                                          gboolean      *complete,
                                          GError       **error);

void lt_daemon_cache_mark_read_async (LtDaemonCache      *self,
                                      const char         *conversation,
                                      GCancellable       *cancellable,
                                      GAsyncReadyCallback callback,
                                      gpointer            user_data);
gboolean lt_daemon_cache_mark_read_finish (LtDaemonCache *self,
                                           GAsyncResult  *result,
                                           GError       **error);

void lt_daemon_cache_list_unread_async (LtDaemonCache      *self,
                                        GCancellable       *cancellable,
                                        GAsyncReadyCallback callback,
                                        gpointer            user_data);
GVariant *lt_daemon_cache_list_unread_finish (LtDaemonCache *self,
                                              GAsyncResult  *result,
                                              GError       **error);

void lt_daemon_cache_highest_id_async (LtDaemonCache      *self,
                                       GCancellable       *cancellable,
                                       GAsyncReadyCallback callback,
                                       gpointer            user_data);
gboolean lt_daemon_cache_highest_id_finish (LtDaemonCache *self,
                                            GAsyncResult  *result,
                                            guint64       *id,
                                            GError       **error);
void lt_daemon_cache_begin_catch_up_async (LtDaemonCache      *self,
                                           GCancellable       *cancellable,
                                           GAsyncReadyCallback callback,
                                           gpointer            user_data);
gboolean lt_daemon_cache_begin_catch_up_finish (LtDaemonCache *self,
                                                GAsyncResult  *result,
                                                guint64       *anchor,
                                                GError       **error);
void lt_daemon_cache_end_catch_up (LtDaemonCache *self);

/* A transfer row: transfer_id, upload, file_id, conversation, name,
 * path, part, result, state, done, total, manifest. */
#define LT_DAEMON_CACHE_TRANSFER_ROW "tbtsssssstts"

void lt_daemon_cache_file_add_async (LtDaemonCache      *self,
                                     GVariant           *file,
                                     GCancellable       *cancellable,
                                     GAsyncReadyCallback callback,
                                     gpointer            user_data);
gboolean lt_daemon_cache_file_add_finish (LtDaemonCache *self,
                                          GAsyncResult  *result,
                                          GError       **error);
void lt_daemon_cache_file_set_state_async (LtDaemonCache      *self,
                                           guint64             file_id,
                                           const char         *state,
                                           GCancellable       *cancellable,
                                           GAsyncReadyCallback callback,
                                           gpointer            user_data);
gboolean lt_daemon_cache_file_set_state_finish (LtDaemonCache *self,
                                                GAsyncResult  *result,
                                                GError       **error);
void lt_daemon_cache_files_list_async (LtDaemonCache      *self,
                                       const char         *conversation,
                                       GCancellable       *cancellable,
                                       GAsyncReadyCallback callback,
                                       gpointer            user_data);
GVariant *lt_daemon_cache_files_list_finish (LtDaemonCache *self,
                                             GAsyncResult  *result,
                                             GError       **error);
void lt_daemon_cache_file_conversation_async (LtDaemonCache      *self,
                                              guint64             file_id,
                                              GCancellable       *cancellable,
                                              GAsyncReadyCallback callback,
                                              gpointer            user_data);
gboolean lt_daemon_cache_file_conversation_finish (LtDaemonCache *self,
                                                   GAsyncResult  *result,
                                                   char         **conversation,
                                                   char         **sender,
                                                   GError       **error);
void lt_daemon_cache_transfer_save_async (LtDaemonCache      *self,
                                          GVariant           *transfer,
                                          GCancellable       *cancellable,
                                          GAsyncReadyCallback callback,
                                          gpointer            user_data);
guint64 lt_daemon_cache_transfer_save_finish (LtDaemonCache *self,
                                              GAsyncResult  *result,
                                              GError       **error);
void lt_daemon_cache_transfers_list_async (LtDaemonCache      *self,
                                           GCancellable       *cancellable,
                                           GAsyncReadyCallback callback,
                                           gpointer            user_data);
GVariant *lt_daemon_cache_transfers_list_finish (LtDaemonCache *self,
                                                 GAsyncResult  *result,
                                                 GError       **error);

G_END_DECLS
