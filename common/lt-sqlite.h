/* SPDX-License-Identifier: GPL-3.0-or-later */
/* lt-sqlite.h: one SQLite connection with a cache of prepared statements,
 * shared by the server's store and the daemon's cache. */
#pragma once

#include <glib.h>
#include <sqlite3.h>

G_BEGIN_DECLS

typedef struct _LtSqlite LtSqlite;

/* Sets @error for the last failure on @db, or for a closed connection
 * when @db is NULL: each user keeps its own error domain and codes. */
typedef void (*LtSqliteErrorFunc) (sqlite3 *db,
                                   GError **error);

/* A cached statement with its parameters bound; see lt_sqlite_bind(). */
typedef sqlite3_stmt LtSqliteStatement;

void lt_sqlite_statement_release (LtSqliteStatement *stmt);

typedef void (*LtSqliteRowFunc) (LtSqliteStatement *stmt,
                                 gpointer           user_data);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LtSqliteStatement, lt_sqlite_statement_release)

LtSqlite *lt_sqlite_new (const char *const *sql,
                         guint              n_statements,
                         LtSqliteErrorFunc  set_error);
void lt_sqlite_free (LtSqlite *self);

gboolean lt_sqlite_open (LtSqlite   *self,
                         const char *path,
                         GError    **error);
void lt_sqlite_close (LtSqlite *self);
sqlite3 *lt_sqlite_get_db (LtSqlite *self);
gboolean lt_sqlite_set_error (LtSqlite *self,
                              GError  **error);

LtSqliteStatement *lt_sqlite_bind_valist (LtSqlite   *self,
                                          guint       id,
                                          GError    **error,
                                          const char *signature,
                                          va_list     args);
gboolean lt_sqlite_step (LtSqlite          *self,
                         LtSqliteStatement *stmt,
                         gboolean          *has_row,
                         GError           **error);
gboolean lt_sqlite_foreach_row_valist (LtSqlite       *self,
                                       guint           id,
                                       LtSqliteRowFunc func,
                                       gpointer        user_data,
                                       GError        **error,
                                       const char     *signature,
                                       va_list         args);
gboolean lt_sqlite_execute (LtSqlite   *self,
                            guint       id,
                            GError    **error,
                            const char *signature,
                            ...);
gboolean lt_sqlite_query_integers (LtSqlite   *self,
                                   guint       id,
                                   gint64     *values,
                                   guint       n_values,
                                   gboolean   *found,
                                   GError    **error,
                                   const char *signature,
                                   ...);
gboolean lt_sqlite_make_durable (LtSqlite   *self,
                                 const char *database,
                                 GQuark      domain,
                                 int         code,
                                 GError    **error);
gboolean lt_sqlite_migrate (LtSqlite          *self,
                            guint              user_version_id,
                            const char *const *migrations,
                            guint              n_migrations,
                            const char        *database,
                            const char        *program,
                            GQuark             too_new_domain,
                            int                too_new_code,
                            GError           **error);

G_END_DECLS
