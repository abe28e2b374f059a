/* SPDX-License-Identifier: GPL-3.0-or-later */
/* lt-sqlite-store-private.h: what the parts of LtSqliteStore share.
 * lt-sqlite-store.c holds the schema, every statement and the
 * operations on accounts, messages, rooms and friends;
 * lt-sqlite-store-files.c the operations on files. */
#pragma once

#include "lt-protocol.h"
#include "lt-sqlite-store.h"
#include "lt-sqlite.h"

G_BEGIN_DECLS

struct _LtSqliteStore
{
  GObject parent_instance;

  LtSqlite *sqlite;
};

/* Indexes into statement_sql[] of lt-sqlite-store.c. */
typedef enum
{
  STMT_USER_VERSION,
  STMT_BEGIN,
  STMT_COMMIT,
  STMT_ROLLBACK,
  STMT_SAVEPOINT,
  STMT_RELEASE,
  STMT_ROLLBACK_TO,
  STMT_USERS_TAKEN,
  STMT_INSERT_USER,
  STMT_USER_BY_USERNAME,
  STMT_USER_BY_EMAIL,
  STMT_USER_EXISTS,
  STMT_SET_PASSWORD_HASH,
  STMT_REPLACE_RESET_TOKEN,
  STMT_CONSUME_RESET_TOKEN,
  STMT_FIND_IDEMPOTENT_SEND,
  STMT_INSERT_MESSAGE,
  STMT_INSERT_IDEMPOTENCY_KEY,
  STMT_LIST_PENDING,
  STMT_COUNT_PENDING,
  STMT_ACK,
  STMT_HISTORY,
  STMT_INSERT_ROOM,
  STMT_ROOM_EXISTS,
  STMT_ROOM_MEMBERSHIP,
  STMT_JOIN_ROOM,
  STMT_LEAVE_ROOM,
  STMT_LIST_ROOMS,
  STMT_LIST_USER_ROOMS,
  STMT_LIST_ROOM_MEMBERS,
  STMT_ADD_FRIEND,
  STMT_REMOVE_FRIEND,
  STMT_LIST_FRIENDS,
  STMT_MESSAGE_BY_ID,
  STMT_INSERT_FILE,
  STMT_INSERT_FILE_ENTRY,
  STMT_FILE_PATH_EXISTS,
  STMT_GROW_FILE,
  STMT_QUOTA_USED,
  STMT_FILE_BY_ID,
  STMT_FILE_ENTRY,
  STMT_FILE_ENTRIES,
  STMT_FINISH_FILE_ENTRY,
  STMT_FILE_ENTRIES_MISSING,
  STMT_COMPLETE_FILE,
  STMT_TOUCH_FILE,
  STMT_CANCEL_FILE,
  STMT_ANSWER_FILE,
  STMT_STALE_FILES,
  STMT_LIST_FILES,
  N_STATEMENTS
} StatementId;

typedef gpointer (*RowFunc) (sqlite3_stmt *stmt);

G_GNUC_PRINTF (3, 4)
gboolean lt_sqlite_store_set_protocol_error (GError        **error,
                                             LtProtocolError code,
                                             const char     *format,
                                             ...);
GPtrArray *lt_sqlite_store_query_rows (LtSqliteStore *self,
                                       StatementId    id,
                                       RowFunc        from_row,
                                       GDestroyNotify free_func,
                                       GError       **error,
                                       const char    *signature,
                                       ...);
GPtrArray *lt_sqlite_store_trim_page (GPtrArray *rows,
                                      guint      limit,
                                      gboolean  *more);
char *lt_sqlite_store_column_strdup (sqlite3_stmt *stmt,
                                     int           column);
gpointer lt_sqlite_store_message_from_row (sqlite3_stmt *stmt);
LtFile *lt_sqlite_store_file_from_row (sqlite3_stmt *stmt,
                                       int           first_column);
gboolean lt_sqlite_store_require_user (LtSqliteStore *self,
                                       const char    *username,
                                       GError       **error);
gboolean lt_sqlite_store_require_member (LtSqliteStore *self,
                                         const char    *room,
                                         const char    *username,
                                         GError       **error);
char *lt_sqlite_store_conversation_key (LtSqliteStore *self,
                                        const char    *username,
                                        const char    *peer,
                                        GError       **error);
GPtrArray *lt_sqlite_store_conversation_page (LtSqliteStore *self,
                                              StatementId    id,
                                              const char    *username,
                                              const char    *with,
                                              gint64         before,
                                              guint          limit,
                                              gboolean      *more,
                                              GError       **error);
gboolean lt_sqlite_store_insert_message (LtSqliteStore *self,
                                         const char    *from,
                                         const char    *to,
                                         const char    *conversation,
                                         const char    *text,
                                         gint64         ts,
                                         const char    *client_id,
                                         gint64         file_id,
                                         gint64        *id,
                                         GError       **error);

void lt_sqlite_store_files_iface_init (LtStoreInterface *iface);

G_END_DECLS
