/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define LT_TYPE_RATE_LIMITER (lt_rate_limiter_get_type ())
G_DECLARE_FINAL_TYPE (LtRateLimiter, lt_rate_limiter, LT, RATE_LIMITER, GObject)

LtRateLimiter *lt_rate_limiter_new (double burst,
                                    double seconds_to_refill);
gboolean lt_rate_limiter_allows (LtRateLimiter *self,
                                 const char    *key);
gboolean lt_rate_limiter_take (LtRateLimiter *self,
                               const char    *key);
void lt_rate_limiter_prune (LtRateLimiter *self);

G_END_DECLS
