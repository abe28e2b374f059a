/* SPDX-License-Identifier: GPL-3.0-or-later */
/* LtRateLimiter: a bucket per key, a burst, a refill over time, and
 * forgetting keys whose bucket is full again. */
#include "config.h"

#include "lt-rate-limiter.h"

static void
test_burst_per_key (void)
{
  g_autoptr(LtRateLimiter) limiter = lt_rate_limiter_new (3, 3600);

  for (guint i = 0; i < 3; i++)
    {
      g_assert_true (lt_rate_limiter_allows (limiter, "alice"));
      g_assert_true (lt_rate_limiter_take (limiter, "alice"));
    }

  /* Empty: refused, and a refusal takes nothing. */
  g_assert_false (lt_rate_limiter_allows (limiter, "alice"));
  g_assert_false (lt_rate_limiter_take (limiter, "alice"));
  g_assert_false (lt_rate_limiter_take (limiter, "alice"));

  /* Another key has a bucket of its own. */
  g_assert_true (lt_rate_limiter_take (limiter, "bob"));
}

/* Two tokens in 0.2 s: after 0.15 s one whole token is back. */
static void
test_refill (void)
{
  g_autoptr(LtRateLimiter) limiter = lt_rate_limiter_new (2, 0.2);

  g_assert_true (lt_rate_limiter_take (limiter, "alice"));
  g_assert_true (lt_rate_limiter_take (limiter, "alice"));
  g_assert_false (lt_rate_limiter_allows (limiter, "alice"));

  g_usleep (150 * 1000);
  g_assert_true (lt_rate_limiter_take (limiter, "alice"));
}

/* Pruning forgets full buckets only: a key in debt stays in debt. */
static void
test_prune (void)
{
  g_autoptr(LtRateLimiter) limiter = lt_rate_limiter_new (1, 3600);

  g_assert_true (lt_rate_limiter_take (limiter, "alice"));
  lt_rate_limiter_prune (limiter);
  g_assert_false (lt_rate_limiter_allows (limiter, "alice"));
  g_assert_true (lt_rate_limiter_allows (limiter, "bob"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/rate-limiter/burst-per-key", test_burst_per_key);
  g_test_add_func ("/rate-limiter/refill", test_refill);
  g_test_add_func ("/rate-limiter/prune", test_prune);

  return g_test_run ();
}
