/* SPDX-License-Identifier: GPL-3.0-or-later */
/* lt-store.c: the LtStore interface, its records and its dispatch. */
#include "config.h"

#include "lt-store.h"

G_DEFINE_QUARK (lt-store-error-quark, lt_store_error)

G_DEFINE_INTERFACE (LtStore, lt_store, G_TYPE_OBJECT)

static void
lt_store_default_init (LtStoreInterface *iface)
{
}

void
lt_user_free (LtUser *user)
{
  if (user == NULL)
    return;

  g_free (user->username);
  g_free (user->nickname);
  g_free (user->email);
  g_free (user->phone);
  g_free (user->password_hash);
  g_free (user);
}

void
lt_message_free (LtMessage *message)
{
  if (message == NULL)
    return;

  g_free (message->from);
  g_free (message->nickname);
  g_free (message->to);
  g_free (message->text);
  lt_file_free (message->file);
  g_free (message);
}

void
lt_file_free (LtFile *file)
{
  if (file == NULL)
    return;

  g_free (file->from);
  g_free (file->to);
  g_free (file->name);
  g_free (file->sha256);
  g_free (file);
}

LtFileEntry *
lt_file_entry_new (const char *path,
                   gint64      size,
                   const char *sha256)
{
  LtFileEntry *entry = g_new0 (LtFileEntry, 1);

  entry->path = g_strdup (path);
  entry->size = size;
  entry->sha256 = g_strdup (sha256);
  return entry;
}

void
lt_file_entry_free (LtFileEntry *entry)
{
  if (entry == NULL)
    return;

  g_free (entry->path);
  g_free (entry->sha256);
  g_free (entry);
}

void
lt_room_free (LtRoom *room)
{
  if (room == NULL)
    return;

  g_free (room->name);
  g_free (room->topic);
  g_free (room);
}

LtUserName *
lt_user_name_new (const char *username,
                  const char *nickname)
{
  LtUserName *name = g_new0 (LtUserName, 1);

  name->username = g_strdup (username);
  name->nickname = g_strdup (nickname);
  return name;
}

void
lt_user_name_free (LtUserName *name)
{
  if (name == NULL)
    return;

  g_free (name->username);
  g_free (name->nickname);
  g_free (name);
}

gboolean
lt_store_begin (LtStore *self,
                GError **error)
{
  g_return_val_if_fail (LT_IS_STORE (self), FALSE);

  return LT_STORE_GET_IFACE (self)->begin (self, error);
}

gboolean
lt_store_commit (LtStore *self,
                 GError **error)
{
  g_return_val_if_fail (LT_IS_STORE (self), FALSE);

  return LT_STORE_GET_IFACE (self)->commit (self, error);
}

void
lt_store_rollback (LtStore *self)
{
  g_return_if_fail (LT_IS_STORE (self));

  LT_STORE_GET_IFACE (self)->rollback (self);
}

gboolean
lt_store_savepoint (LtStore *self,
                    GError **error)
{
  g_return_val_if_fail (LT_IS_STORE (self), FALSE);

  return LT_STORE_GET_IFACE (self)->savepoint (self, error);
}

gboolean
lt_store_release_savepoint (LtStore *self,
                            GError **error)
{
  g_return_val_if_fail (LT_IS_STORE (self), FALSE);

  return LT_STORE_GET_IFACE (self)->release_savepoint (self, error);
}

void
lt_store_rollback_to_savepoint (LtStore *self)
{
  g_return_if_fail (LT_IS_STORE (self));

  LT_STORE_GET_IFACE (self)->rollback_to_savepoint (self);
}

gboolean
lt_store_create_user (LtStore      *self,
                      const LtUser *user,
                      GError      **error)
{
  g_return_val_if_fail (LT_IS_STORE (self), FALSE);
  g_return_val_if_fail (user != NULL, FALSE);

  return LT_STORE_GET_IFACE (self)->create_user (self, user, error);
}

LtUser *
lt_store_lookup_user (LtStore    *self,
                      const char *username,
                      GError    **error)
{
  g_return_val_if_fail (LT_IS_STORE (self), NULL);
  g_return_val_if_fail (username != NULL, NULL);

  return LT_STORE_GET_IFACE (self)->lookup_user (self, username, error);
}

LtUser *
lt_store_lookup_user_by_email (LtStore    *self,
                               const char *email,
                               GError    **error)
{
  g_return_val_if_fail (LT_IS_STORE (self), NULL);
  g_return_val_if_fail (email != NULL, NULL);

  return LT_STORE_GET_IFACE (self)->lookup_user_by_email (self, email, error);
}

gboolean
lt_store_set_password_hash (LtStore    *self,
                            const char *username,
                            const char *hash,
                            GError    **error)
{
  g_return_val_if_fail (LT_IS_STORE (self), FALSE);
  g_return_val_if_fail (username != NULL, FALSE);
  g_return_val_if_fail (hash != NULL, FALSE);

  return LT_STORE_GET_IFACE (self)->set_password_hash (self, username, hash, error);
}

gboolean
lt_store_add_reset_token (LtStore    *self,
                          const char *username,
                          const char *token_hash,
                          gint64      expires,
                          GError    **error)
{
  g_return_val_if_fail (LT_IS_STORE (self), FALSE);
  g_return_val_if_fail (username != NULL, FALSE);
  g_return_val_if_fail (token_hash != NULL, FALSE);

  return LT_STORE_GET_IFACE (self)->add_reset_token (self, username, token_hash, expires, error);
}

gboolean
lt_store_consume_reset_token (LtStore    *self,
                              const char *username,
                              const char *token_hash,
                              gint64      now,
                              GError    **error)
{
  g_return_val_if_fail (LT_IS_STORE (self), FALSE);
  g_return_val_if_fail (username != NULL, FALSE);
  g_return_val_if_fail (token_hash != NULL, FALSE);

  return LT_STORE_GET_IFACE (self)->consume_reset_token (self, username, token_hash, now, error);
}

gboolean
lt_store_add_message (LtStore    *self,
                      const char *from,
                      const char *to,
                      const char *text,
                      gint64      ts,
                      const char *client_id,
                      gint64     *id,
                      gint64     *ts_out,
                      gboolean   *duplicate,
                      GError    **error)
{
  g_return_val_if_fail (LT_IS_STORE (self), FALSE);
  g_return_val_if_fail (from != NULL, FALSE);
  g_return_val_if_fail (to != NULL, FALSE);
  g_return_val_if_fail (text != NULL, FALSE);
  g_return_val_if_fail (id != NULL, FALSE);
  g_return_val_if_fail (ts_out != NULL, FALSE);
  g_return_val_if_fail (duplicate != NULL, FALSE);

  return LT_STORE_GET_IFACE (self)->add_message (self, from, to, text, ts, client_id, id, ts_out,
                                                 duplicate, error);
}

GPtrArray *
lt_store_list_pending (LtStore    *self,
                       const char *username,
                       gint64      after_id,
                       guint       limit,
                       GError    **error)
{
  g_return_val_if_fail (LT_IS_STORE (self), NULL);
  g_return_val_if_fail (username != NULL, NULL);

  return LT_STORE_GET_IFACE (self)->list_pending (self, username, after_id, limit, error);
}

gboolean
lt_store_count_pending (LtStore    *self,
                        const char *username,
                        guint      *count,
                        GError    **error)
{
  g_return_val_if_fail (LT_IS_STORE (self), FALSE);
  g_return_val_if_fail (username != NULL, FALSE);
  g_return_val_if_fail (count != NULL, FALSE);

  return LT_STORE_GET_IFACE (self)->count_pending (self, username, count, error);
}

gboolean
lt_store_ack (LtStore    *self,
              const char *username,
              gint64      up_to,
              GError    **error)
{
  g_return_val_if_fail (LT_IS_STORE (self), FALSE);
  g_return_val_if_fail (username != NULL, FALSE);

  return LT_STORE_GET_IFACE (self)->ack (self, username, up_to, error);
}

GPtrArray *
lt_store_history (LtStore    *self,
                  const char *username,
                  const char *with,
                  gint64      before,
                  guint       limit,
                  gboolean   *more,
                  GError    **error)
{
  g_return_val_if_fail (LT_IS_STORE (self), NULL);
  g_return_val_if_fail (username != NULL, NULL);
  g_return_val_if_fail (with != NULL, NULL);
  g_return_val_if_fail (more != NULL, NULL);

  return LT_STORE_GET_IFACE (self)->history (self, username, with, before, limit, more, error);
}

gboolean
lt_store_create_room (LtStore    *self,
                      const char *room,
                      const char *topic,
                      const char *creator,
                      GError    **error)
{
  g_return_val_if_fail (LT_IS_STORE (self), FALSE);
  g_return_val_if_fail (room != NULL, FALSE);
  g_return_val_if_fail (creator != NULL, FALSE);

  return LT_STORE_GET_IFACE (self)->create_room (self, room, topic, creator, error);
}

gboolean
lt_store_join_room (LtStore    *self,
                    const char *room,
                    const char *username,
                    gboolean   *changed,
                    GError    **error)
{
  g_return_val_if_fail (LT_IS_STORE (self), FALSE);
  g_return_val_if_fail (room != NULL, FALSE);
  g_return_val_if_fail (username != NULL, FALSE);
  g_return_val_if_fail (changed != NULL, FALSE);

  return LT_STORE_GET_IFACE (self)->join_room (self, room, username, changed, error);
}

gboolean
lt_store_leave_room (LtStore    *self,
                     const char *room,
                     const char *username,
                     GError    **error)
{
  g_return_val_if_fail (LT_IS_STORE (self), FALSE);
  g_return_val_if_fail (room != NULL, FALSE);
  g_return_val_if_fail (username != NULL, FALSE);

  return LT_STORE_GET_IFACE (self)->leave_room (self, room, username, error);
}

GPtrArray *
lt_store_list_rooms (LtStore    *self,
                     const char *username,
                     GError    **error)
{
  g_return_val_if_fail (LT_IS_STORE (self), NULL);
  g_return_val_if_fail (username != NULL, NULL);

  return LT_STORE_GET_IFACE (self)->list_rooms (self, username, error);
}

GStrv
lt_store_list_user_rooms (LtStore    *self,
                          const char *username,
                          GError    **error)
{
  g_return_val_if_fail (LT_IS_STORE (self), NULL);
  g_return_val_if_fail (username != NULL, NULL);

  return LT_STORE_GET_IFACE (self)->list_user_rooms (self, username, error);
}

GStrv
lt_store_list_room_members (LtStore    *self,
                            const char *room,
                            GError    **error)
{
  g_return_val_if_fail (LT_IS_STORE (self), NULL);
  g_return_val_if_fail (room != NULL, NULL);

  return LT_STORE_GET_IFACE (self)->list_room_members (self, room, error);
}

gboolean
lt_store_add_friend (LtStore    *self,
                     const char *username,
                     const char *friend_name,
                     GError    **error)
{
  g_return_val_if_fail (LT_IS_STORE (self), FALSE);
  g_return_val_if_fail (username != NULL, FALSE);
  g_return_val_if_fail (friend_name != NULL, FALSE);

  return LT_STORE_GET_IFACE (self)->add_friend (self, username, friend_name, error);
}

gboolean
lt_store_remove_friend (LtStore    *self,
                        const char *username,
                        const char *friend_name,
                        GError    **error)
{
  g_return_val_if_fail (LT_IS_STORE (self), FALSE);
  g_return_val_if_fail (username != NULL, FALSE);
  g_return_val_if_fail (friend_name != NULL, FALSE);

  return LT_STORE_GET_IFACE (self)->remove_friend (self, username, friend_name, error);
}

GPtrArray *
lt_store_list_friends (LtStore    *self,
                       const char *username,
                       GError    **error)
{
  g_return_val_if_fail (LT_IS_STORE (self), NULL);
  g_return_val_if_fail (username != NULL, NULL);

  return LT_STORE_GET_IFACE (self)->list_friends (self, username, error);
}

gboolean
lt_store_add_file (LtStore            *self,
                   LtFile             *file,
                   GPtrArray          *entries,
                   gboolean            more,
                   const LtFileLimits *limits,
                   GError            **error)
{
  g_return_val_if_fail (LT_IS_STORE (self), FALSE);
  g_return_val_if_fail (file != NULL, FALSE);
  g_return_val_if_fail (entries != NULL && entries->len > 0, FALSE);
  g_return_val_if_fail (limits != NULL, FALSE);

  return LT_STORE_GET_IFACE (self)->add_file (self, file, entries, more, limits, error);
}

gboolean
lt_store_add_file_entries (LtStore            *self,
                           gint64              file_id,
                           const char         *sender,
                           GPtrArray          *entries,
                           gboolean            more,
                           const LtFileLimits *limits,
                           GError            **error)
{
  g_return_val_if_fail (LT_IS_STORE (self), FALSE);
  g_return_val_if_fail (sender != NULL, FALSE);
  g_return_val_if_fail (entries != NULL, FALSE);
  g_return_val_if_fail (limits != NULL, FALSE);

  return LT_STORE_GET_IFACE (self)->add_file_entries (self, file_id, sender, entries, more, limits,
                                                      error);
}

LtFile *
lt_store_open_file (LtStore     *self,
                    gint64       id,
                    const char  *username,
                    LtFileAccess access,
                    GError     **error)
{
  g_return_val_if_fail (LT_IS_STORE (self), NULL);
  g_return_val_if_fail (username != NULL, NULL);

  return LT_STORE_GET_IFACE (self)->open_file (self, id, username, access, error);
}

LtFileEntry *
lt_store_lookup_file_entry (LtStore *self,
                            gint64   file_id,
                            guint    index,
                            GError **error)
{
  g_return_val_if_fail (LT_IS_STORE (self), NULL);

  return LT_STORE_GET_IFACE (self)->lookup_file_entry (self, file_id, index, error);
}

GPtrArray *
lt_store_list_file_entries (LtStore  *self,
                            gint64    file_id,
                            gint64    after,
                            guint     limit,
                            gboolean *more,
                            GError  **error)
{
  g_return_val_if_fail (LT_IS_STORE (self), NULL);
  g_return_val_if_fail (more != NULL, NULL);

  return LT_STORE_GET_IFACE (self)->list_file_entries (self, file_id, after, limit, more, error);
}

gboolean
lt_store_finish_file_entry (LtStore    *self,
                            gint64      file_id,
                            guint       index,
                            gint64      ts,
                            LtMessage **announcement,
                            GError    **error)
{
  g_return_val_if_fail (LT_IS_STORE (self), FALSE);
  g_return_val_if_fail (announcement != NULL, FALSE);

  return LT_STORE_GET_IFACE (self)->finish_file_entry (self, file_id, index, ts, announcement,
                                                       error);
}

gboolean
lt_store_touch_file (LtStore *self,
                     gint64   file_id,
                     gint64   now,
                     GError **error)
{
  g_return_val_if_fail (LT_IS_STORE (self), FALSE);

  return LT_STORE_GET_IFACE (self)->touch_file (self, file_id, now, error);
}

gboolean
lt_store_cancel_file (LtStore *self,
                      gint64   file_id,
                      GError **error)
{
  g_return_val_if_fail (LT_IS_STORE (self), FALSE);

  return LT_STORE_GET_IFACE (self)->cancel_file (self, file_id, error);
}

gboolean
lt_store_answer_file (LtStore     *self,
                      gint64       file_id,
                      LtFileAnswer answer,
                      GError     **error)
{
  g_return_val_if_fail (LT_IS_STORE (self), FALSE);

  return LT_STORE_GET_IFACE (self)->answer_file (self, file_id, answer, error);
}

GPtrArray *
lt_store_list_stale_files (LtStore *self,
                           gint64   before,
                           GError **error)
{
  g_return_val_if_fail (LT_IS_STORE (self), NULL);

  return LT_STORE_GET_IFACE (self)->list_stale_files (self, before, error);
}

GPtrArray *
lt_store_list_files (LtStore    *self,
                     const char *username,
                     const char *with,
                     gint64      before,
                     guint       limit,
                     gboolean   *more,
                     GError    **error)
{
  g_return_val_if_fail (LT_IS_STORE (self), NULL);
  g_return_val_if_fail (username != NULL, NULL);
  g_return_val_if_fail (with != NULL, NULL);
  g_return_val_if_fail (more != NULL, NULL);

  return LT_STORE_GET_IFACE (self)->list_files (self, username, with, before, limit, more, error);
}
