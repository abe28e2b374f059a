/* SPDX-License-Identifier: GPL-3.0-or-later */
/* LtPasswordHasher: argon2id (libsodium crypto_pwhash_str) off the
 * main loop, in a pool of a few threads of its own.  Each hash needs
 * MEMLIMIT bytes and tens of milliseconds, so the pool is small and
 * its queue bounded: a flood of logins waits or is refused with
 * rate_limited, and never stalls chat traffic nor spawns hundreds of
 * threads. */
#include "config.h"

#include "lt-password-hasher.h"
#include "lt-protocol.h"

#include <sodium.h>
#include <string.h>

/* OWASP's minimum for argon2id: 19 MiB, 2 passes, 1 lane. */
#define OPSLIMIT 2
#define MEMLIMIT (19 * 1024 * 1024)

struct _LtPasswordHasher
{
  GObject parent_instance;

  GThreadPool *pool;
  guint max_pending;
  char dummy_hash[crypto_pwhash_STRBYTES];
};

G_DEFINE_FINAL_TYPE (LtPasswordHasher, lt_password_hasher, G_TYPE_OBJECT)

typedef struct
{
  char *password;
  char *hash; /* NULL to hash, the stored hash to verify */
} HashJob;

static void
hash_job_free (HashJob *job)
{
  if (job->password != NULL)
    {
      sodium_memzero (job->password, strlen (job->password));
      g_free (job->password);
    }
  g_free (job->hash);
  g_free (job);
}

static void
hash_password (GTask   *task,
               HashJob *job)
{
  char hash[crypto_pwhash_STRBYTES];

  if (crypto_pwhash_str (hash, job->password, strlen (job->password), OPSLIMIT, MEMLIMIT) != 0)
    g_task_return_new_error (task, LT_PROTOCOL_ERROR, LT_PROTOCOL_ERROR_INTERNAL_ERROR,
                             "Out of memory while hashing a password");
  else
    g_task_return_pointer (task, g_strdup (hash), g_free);
}

/* The result is a bitmask so that "needs rehash" travels with it. */
enum {
  VERIFY_OK = 1 << 0,
  VERIFY_NEEDS_REHASH = 1 << 1,
};

static void
verify_password (GTask   *task,
                 HashJob *job)
{
  gssize result = 0;

  if (crypto_pwhash_str_verify (job->hash, job->password, strlen (job->password)) == 0)
    {
      result |= VERIFY_OK;
      if (crypto_pwhash_str_needs_rehash (job->hash, OPSLIMIT, MEMLIMIT) != 0)
        result |= VERIFY_NEEDS_REHASH;
    }

  g_task_return_int (task, result);
}

static void
run_job (gpointer data,
         gpointer user_data)
{
  g_autoptr(GTask) task = data;
  HashJob *job = g_task_get_task_data (task);

  if (job->hash == NULL)
    hash_password (task, job);
  else
    verify_password (task, job);
}

static void
push_job (LtPasswordHasher   *self,
          const char         *password,
          const char         *hash,
          gpointer            source_tag,
          GAsyncReadyCallback callback,
          gpointer            user_data)
{
  g_autoptr(GTask) task = g_task_new (self, NULL, callback, user_data);
  HashJob *job;

  g_task_set_source_tag (task, source_tag);

  if (g_thread_pool_unprocessed (self->pool) >= self->max_pending)
    {
      g_task_return_new_error (task, LT_PROTOCOL_ERROR, LT_PROTOCOL_ERROR_RATE_LIMITED,
                               "The server is busy, try again later");
      return;
    }

  job = g_new0 (HashJob, 1);
  job->password = g_strdup (password);
  job->hash = g_strdup (hash);
  g_task_set_task_data (task, job, (GDestroyNotify) hash_job_free);
  g_thread_pool_push (self->pool, g_steal_pointer (&task), NULL);
}

void
lt_password_hasher_hash_async (LtPasswordHasher   *self,
                               const char         *password,
                               GAsyncReadyCallback callback,
                               gpointer            user_data)
{
  g_return_if_fail (LT_IS_PASSWORD_HASHER (self));
  g_return_if_fail (password != NULL);

  push_job (self, password, NULL, lt_password_hasher_hash_async, callback, user_data);
}

char *
lt_password_hasher_hash_finish (LtPasswordHasher *self,
                                GAsyncResult     *result,
                                GError          **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * lt_password_hasher_verify_async:
 * @hash: the stored hash; pass lt_password_hasher_get_dummy_hash() for
 *   an unknown user so that the answer takes as long as a real one
 */
void
lt_password_hasher_verify_async (LtPasswordHasher   *self,
                                 const char         *hash,
                                 const char         *password,
                                 GAsyncReadyCallback callback,
                                 gpointer            user_data)
{
  g_return_if_fail (LT_IS_PASSWORD_HASHER (self));
  g_return_if_fail (hash != NULL);
  g_return_if_fail (password != NULL);

  push_job (self, password, hash, lt_password_hasher_verify_async, callback, user_data);
}

/**
 * lt_password_hasher_verify_finish:
 * @needs_rehash: (out) (optional): TRUE when the password matched but
 *   the hash was made with other parameters than today's
 *
 * Returns: TRUE when the password matches; FALSE without an error when
 *   it does not
 */
gboolean
lt_password_hasher_verify_finish (LtPasswordHasher *self,
                                  GAsyncResult     *result,
                                  gboolean         *needs_rehash,
                                  GError          **error)
{
  gssize flags;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  flags = g_task_propagate_int (G_TASK (result), error);
  if (flags < 0)
    return FALSE;
  if (needs_rehash != NULL)
    *needs_rehash = (flags & VERIFY_NEEDS_REHASH) != 0;
  return (flags & VERIFY_OK) != 0;
}

const char *
lt_password_hasher_get_dummy_hash (LtPasswordHasher *self)
{
  g_return_val_if_fail (LT_IS_PASSWORD_HASHER (self), NULL);

  return self->dummy_hash;
}

/**
 * lt_password_hasher_new:
 * @threads: how many hashes may run at once
 * @max_pending: how many may wait before new ones are refused
 */
LtPasswordHasher *
lt_password_hasher_new (guint threads,
                        guint max_pending)
{
  LtPasswordHasher *self = g_object_new (LT_TYPE_PASSWORD_HASHER, NULL);
  guchar random_password[32];

  self->max_pending = max_pending;
  self->pool = g_thread_pool_new (run_job, self, MAX (threads, 1), TRUE, NULL);

  /* The hash unknown usernames are checked against. */
  randombytes_buf (random_password, sizeof random_password);
  if (crypto_pwhash_str (self->dummy_hash, (const char *) random_password, sizeof random_password,
                         OPSLIMIT, MEMLIMIT) != 0)
    g_error ("Cannot hash a password: out of memory");

  return self;
}

static void
lt_password_hasher_finalize (GObject *object)
{
  LtPasswordHasher *self = LT_PASSWORD_HASHER (object);

  /* Every task holds a reference to us, so the pool is idle by now;
   * the last reference may be dropped on a pool thread, which must not
   * wait for itself. */
  g_thread_pool_free (self->pool, FALSE, FALSE);

  G_OBJECT_CLASS (lt_password_hasher_parent_class)->finalize (object);
}

static void
lt_password_hasher_class_init (LtPasswordHasherClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = lt_password_hasher_finalize;
}

static void
lt_password_hasher_init (LtPasswordHasher *self)
{
  if (sodium_init () < 0)
    g_error ("libsodium could not be initialized");
}
