/* SPDX-License-Identifier: GPL-3.0-or-later */
/* LtRateLimiter: one token bucket per key (a username, an address).
 * A bucket holds up to `burst` tokens and refills completely in
 * `seconds_to_refill`; full buckets are forgotten by prune(), so memory
 * follows the active keys only.  Used for the send rate per user
 * (burst 2N, refilled in 2 s) and for failed logins (5 per username,
 * 20 per address, refilled in 15 minutes). */
#include "config.h"

#include "lt-rate-limiter.h"

typedef struct
{
  double tokens;
  gint64 updated; /* monotonic µs */
} Bucket;

struct _LtRateLimiter
{
  GObject parent_instance;

  GHashTable *buckets; /* char* → Bucket* */
  double burst;
  double tokens_per_usec;
};

G_DEFINE_FINAL_TYPE (LtRateLimiter, lt_rate_limiter, G_TYPE_OBJECT)

static double
refilled_tokens (LtRateLimiter *self,
                 const Bucket  *bucket,
                 gint64         now)
{
  return MIN (self->burst, bucket->tokens + (now - bucket->updated) * self->tokens_per_usec);
}

/* TRUE when @key has a whole token left. */
gboolean
lt_rate_limiter_allows (LtRateLimiter *self,
                        const char    *key)
{
  Bucket *bucket;

  g_return_val_if_fail (LT_IS_RATE_LIMITER (self), FALSE);

  bucket = g_hash_table_lookup (self->buckets, key);
  return bucket == NULL || refilled_tokens (self, bucket, g_get_monotonic_time ()) >= 1.0;
}

/* Takes one token; FALSE (taking nothing) when there is none. */
gboolean
lt_rate_limiter_take (LtRateLimiter *self,
                      const char    *key)
{
  gint64 now = g_get_monotonic_time ();
  Bucket *bucket;

  g_return_val_if_fail (LT_IS_RATE_LIMITER (self), FALSE);

  bucket = g_hash_table_lookup (self->buckets, key);
  if (bucket == NULL)
    {
      bucket = g_new (Bucket, 1);
      bucket->tokens = self->burst;
      g_hash_table_insert (self->buckets, g_strdup (key), bucket);
    }
  else
    {
      bucket->tokens = refilled_tokens (self, bucket, now);
    }
  bucket->updated = now;

  if (bucket->tokens < 1.0)
    return FALSE;

  bucket->tokens -= 1.0;
  return TRUE;
}

static gboolean
bucket_is_full (gpointer key,
                gpointer value,
                gpointer user_data)
{
  LtRateLimiter *self = user_data;

  return refilled_tokens (self, value, g_get_monotonic_time ()) >= self->burst;
}

/* Forgets the keys that have their whole burst again. */
void
lt_rate_limiter_prune (LtRateLimiter *self)
{
  g_return_if_fail (LT_IS_RATE_LIMITER (self));

  g_hash_table_foreach_remove (self->buckets, bucket_is_full, self);
}

LtRateLimiter *
lt_rate_limiter_new (double burst,
                     double seconds_to_refill)
{
  LtRateLimiter *self;

  g_return_val_if_fail (burst >= 1.0, NULL);
  g_return_val_if_fail (seconds_to_refill > 0, NULL);

  self = g_object_new (LT_TYPE_RATE_LIMITER, NULL);
  self->burst = burst;
  self->tokens_per_usec = burst / (seconds_to_refill * G_USEC_PER_SEC);
  return self;
}

static void
lt_rate_limiter_finalize (GObject *object)
{
  LtRateLimiter *self = LT_RATE_LIMITER (object);

  g_clear_pointer (&self->buckets, g_hash_table_unref);

  G_OBJECT_CLASS (lt_rate_limiter_parent_class)->finalize (object);
}

static void
lt_rate_limiter_class_init (LtRateLimiterClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = lt_rate_limiter_finalize;
}

static void
lt_rate_limiter_init (LtRateLimiter *self)
{
  self->buckets = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}
