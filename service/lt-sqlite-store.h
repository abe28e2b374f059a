/* SPDX-License-Identifier: GPL-3.0-or-later */
/* lt-sqlite-store.h: LtStore on one SQLite database file, the embedded
 * default backend of liaotian-server. */
#pragma once

#include "lt-store.h"

G_BEGIN_DECLS

#define LT_TYPE_SQLITE_STORE (lt_sqlite_store_get_type ())
G_DECLARE_FINAL_TYPE (LtSqliteStore, lt_sqlite_store, LT, SQLITE_STORE, GObject)

/* Opens the database at @path, creating it when missing, and brings its
 * schema up to date.  LT_STORE_ERROR_TOO_NEW when a newer liaotian-server
 * already migrated it, LT_STORE_ERROR_CORRUPT when it is not a database. */
LtSqliteStore *lt_sqlite_store_new (const char *path,
                                    GError    **error);
/* Closes the database (finalize does it too); an open transaction is
 * rolled back.  Every later operation fails with LT_STORE_ERROR_FAILED. */
void lt_sqlite_store_close (LtSqliteStore *self);

G_END_DECLS
