/* SPDX-License-Identifier: GPL-3.0-or-later */
/* lt-sqlite.c: the SQLite plumbing of LtSqliteStore and LtDaemonCache.
 *
 * All SQL is constant and listed by the caller in a table indexed by
 * statement id.  Each statement is prepared on first use with
 * SQLITE_PREPARE_PERSISTENT, kept until the connection closes, and
 * reset after every use; values are always bound as parameters, never
 * spliced into SQL.  Errors go through the caller's LtSqliteErrorFunc. */
#include "config.h"

#include "lt-sqlite.h"

/* How long a statement waits for another connection's write lock
 * (another process on the same file, e.g. a backup tool). */
#define BUSY_TIMEOUT_MS 5000

struct _LtSqlite
{
  sqlite3 *db;
  const char *const *sql;
  sqlite3_stmt **statements; /* prepared on first use */
  guint n_statements;
  LtSqliteErrorFunc set_error;
};

/* Resets @stmt for the next use instead of finalizing it, and drops the
 * bindings, which point at the caller's strings. */
void
lt_sqlite_statement_release (LtSqliteStatement *stmt)
{
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
}

/* @sql must outlive the connection. */
LtSqlite *
lt_sqlite_new (const char *const *sql,
               guint              n_statements,
               LtSqliteErrorFunc  set_error)
{
  LtSqlite *self = g_new0 (LtSqlite, 1);

  self->sql = sql;
  self->n_statements = n_statements;
  self->statements = g_new0 (sqlite3_stmt *, n_statements);
  self->set_error = set_error;
  return self;
}

void
lt_sqlite_free (LtSqlite *self)
{
  lt_sqlite_close (self);
  g_free (self->statements);
  g_free (self);
}

gboolean
lt_sqlite_open (LtSqlite   *self,
                const char *path,
                GError    **error)
{
  /* NOMUTEX: each user keeps the connection on one thread. */
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;

  g_return_val_if_fail (self->db == NULL, FALSE);

  /* SQLite gives a handle even when opening fails: close() frees it. */
  if (sqlite3_open_v2 (path, &self->db, flags, NULL) != SQLITE_OK)
    return lt_sqlite_set_error (self, error);

  sqlite3_busy_timeout (self->db, BUSY_TIMEOUT_MS);
  return TRUE;
}

/* Later statements fail with the error for a closed connection. */
void
lt_sqlite_close (LtSqlite *self)
{
  for (guint i = 0; i < self->n_statements; i++)
    g_clear_pointer (&self->statements[i], sqlite3_finalize);
  g_clear_pointer (&self->db, sqlite3_close);
}

/* NULL once closed. */
sqlite3 *
lt_sqlite_get_db (LtSqlite *self)
{
  return self->db;
}

/* Returns FALSE, so that callers can return it. */
gboolean
lt_sqlite_set_error (LtSqlite *self,
                     GError  **error)
{
  self->set_error (self->db, error);
  return FALSE;
}

static sqlite3_stmt *
get_statement (LtSqlite *self,
               guint     id,
               GError  **error)
{
  g_assert (id < self->n_statements);

  if (self->db == NULL)
    {
      lt_sqlite_set_error (self, error);
      return NULL;
    }

  if (self->statements[id] == NULL &&
      sqlite3_prepare_v3 (self->db, self->sql[id], -1, SQLITE_PREPARE_PERSISTENT,
                          &self->statements[id], NULL) != SQLITE_OK)
    {
      lt_sqlite_set_error (self, error);
      return NULL;
    }

  return self->statements[id];
}

/* Binds @args to the parameters of statement @id in order.  @signature
 * has one character per argument: 's' for a const char * (NULL binds
 * SQL NULL), 'x' for a gint64 (pass integers of other types cast).
 * Strings are not copied: they must outlive the bound statement, which
 * is released with g_autoptr(LtSqliteStatement). */
LtSqliteStatement *
lt_sqlite_bind_valist (LtSqlite   *self,
                       guint       id,
                       GError    **error,
                       const char *signature,
                       va_list     args)
{
  sqlite3_stmt *stmt = get_statement (self, id, error);
  int rc = SQLITE_OK;

  if (stmt == NULL)
    return NULL;

  for (int i = 0; signature[i] != '\0' && rc == SQLITE_OK; i++)
    {
      switch (signature[i])
        {
        case 's':
          rc = sqlite3_bind_text (stmt, i + 1, va_arg (args, const char *), -1, SQLITE_STATIC);
          break;
        case 'x':
          rc = sqlite3_bind_int64 (stmt, i + 1, va_arg (args, gint64));
          break;
        default:
          g_assert_not_reached ();
        }
    }

  if (rc != SQLITE_OK)
    {
      lt_sqlite_set_error (self, error);
      lt_sqlite_statement_release (stmt);
      return NULL;
    }

  return stmt;
}

gboolean
lt_sqlite_step (LtSqlite          *self,
                LtSqliteStatement *stmt,
                gboolean          *has_row,
                GError           **error)
{
  int rc = sqlite3_step (stmt);

  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return lt_sqlite_set_error (self, error);

  *has_row = rc == SQLITE_ROW;
  return TRUE;
}

/* Binds @args to statement @id and calls @func on each row it gives. */
gboolean
lt_sqlite_foreach_row_valist (LtSqlite       *self,
                              guint           id,
                              LtSqliteRowFunc func,
                              gpointer        user_data,
                              GError        **error,
                              const char     *signature,
                              va_list         args)
{
  g_autoptr(LtSqliteStatement) stmt = lt_sqlite_bind_valist (self, id, error, signature, args);
  gboolean has_row;

  if (stmt == NULL)
    return FALSE;

  while (lt_sqlite_step (self, stmt, &has_row, error))
    {
      if (!has_row)
        return TRUE;
      func (stmt, user_data);
    }

  return FALSE;
}

/* Binds @args to statement @id, runs it to its first row and reads
 * @n_values integer columns of that row. */
static gboolean
run_valist (LtSqlite   *self,
            guint       id,
            const char *signature,
            va_list     args,
            gint64     *values,
            guint       n_values,
            gboolean   *found,
            GError    **error)
{
  g_autoptr(LtSqliteStatement) stmt = lt_sqlite_bind_valist (self, id, error, signature, args);
  gboolean has_row;

  if (stmt == NULL || !lt_sqlite_step (self, stmt, &has_row, error))
    return FALSE;

  for (guint i = 0; i < n_values; i++)
    values[i] = has_row ? sqlite3_column_int64 (stmt, i) : 0;
  if (found != NULL)
    *found = has_row;
  return TRUE;
}

/* Runs statement @id once; sqlite3_changes() then counts its rows. */
gboolean
lt_sqlite_execute (LtSqlite   *self,
                   guint       id,
                   GError    **error,
                   const char *signature,
                   ...)
{
  va_list args;
  gboolean ok;

  va_start (args, signature);
  ok = run_valist (self, id, signature, args, NULL, 0, NULL, error);
  va_end (args);
  return ok;
}

/* Reads the first @n_values columns of the first row of statement @id
 * (zeros without a row).  @found, when not NULL, tells whether there
 * was one. */
gboolean
lt_sqlite_query_integers (LtSqlite   *self,
                          guint       id,
                          gint64     *values,
                          guint       n_values,
                          gboolean   *found,
                          GError    **error,
                          const char *signature,
                          ...)
{
  va_list args;
  gboolean ok;

  va_start (args, signature);
  ok = run_valist (self, id, signature, args, values, n_values, found, error);
  va_end (args);
  return ok;
}

static int
keep_first_value (void  *user_data,
                  int    n_columns,
                  char **values,
                  char **names)
{
  char **value = user_data;

  if (*value == NULL && n_columns > 0 && values[0] != NULL)
    *value = g_strdup (values[0]);
  return 0;
}

/* Foreign keys on, every commit synced (synchronous=FULL), and a
 * write-ahead log, which SQLite may refuse (on some file systems): then
 * this fails with @domain and @code, naming @database. */
gboolean
lt_sqlite_make_durable (LtSqlite   *self,
                        const char *database,
                        GQuark      domain,
                        int         code,
                        GError    **error)
{
  g_autofree char *mode = NULL;

  if (sqlite3_exec (self->db, "PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL", NULL, NULL,
                    NULL) != SQLITE_OK
      || sqlite3_exec (self->db, "PRAGMA journal_mode = WAL", keep_first_value, &mode,
                       NULL) != SQLITE_OK)
    return lt_sqlite_set_error (self, error);

  /* SQLite answers with the journal mode it could set. */
  if (g_strcmp0 (mode, "wal") != 0)
    {
      g_set_error (error, domain, code, "%s cannot use a write-ahead log, the journal mode is %s",
                   database, mode != NULL ? mode : "unknown");
      return FALSE;
    }
  return TRUE;
}

/* migrations[v] takes a database from user_version v to v + 1 and sets
 * user_version itself (PRAGMA values cannot be bound); statement
 * @user_version_id reads it.  Runs the migrations the database lacks,
 * within the caller's transaction, so that two processes opening one
 * file cannot both migrate it.  A database newer than @n_migrations is
 * refused with @too_new_domain and @too_new_code, the message naming
 * @database and @program. */
gboolean
lt_sqlite_migrate (LtSqlite          *self,
                   guint              user_version_id,
                   const char *const *migrations,
                   guint              n_migrations,
                   const char        *database,
                   const char        *program,
                   GQuark             too_new_domain,
                   int                too_new_code,
                   GError           **error)
{
  gint64 version;

  if (!lt_sqlite_query_integers (self, user_version_id, &version, 1, NULL, error, ""))
    return FALSE;

  if (version > (gint64) n_migrations)
    {
      g_set_error (error, too_new_domain, too_new_code,
                   "%s has schema version %" G_GINT64_FORMAT
                   " but this %s knows versions up to %u",
                   database, version, program, n_migrations);
      return FALSE;
    }

  for (gint64 v = MAX (version, 0); v < (gint64) n_migrations; v++)
    {
      if (sqlite3_exec (self->db, migrations[v], NULL, NULL, NULL) != SQLITE_OK)
        return lt_sqlite_set_error (self, error);
    }

  return TRUE;
}
