/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "lt-bench-histogram.h"

#define SUB_BUCKETS (1 << LTB_HISTOGRAM_SUB_BITS)

static guint
bucket_of (gint64 usec)
{
  guint exponent;
  guint64 value = MAX (usec, 0);
  guint index;

  if (value < SUB_BUCKETS)
    return value;

  exponent = 63 - __builtin_clzll (value);
  index = SUB_BUCKETS * (exponent - LTB_HISTOGRAM_SUB_BITS + 1)
          + (value >> (exponent - LTB_HISTOGRAM_SUB_BITS)) - SUB_BUCKETS;
  return MIN (index, LTB_HISTOGRAM_BUCKETS - 1);
}

/* The middle of the bucket's range. */
static gint64
value_of (guint bucket)
{
  guint exponent;
  guint64 low;

  if (bucket < SUB_BUCKETS)
    return bucket;

  exponent = bucket / SUB_BUCKETS + LTB_HISTOGRAM_SUB_BITS - 1;
  low = (guint64) (SUB_BUCKETS + bucket % SUB_BUCKETS) << (exponent - LTB_HISTOGRAM_SUB_BITS);
  return low + ((G_GUINT64_CONSTANT (1) << (exponent - LTB_HISTOGRAM_SUB_BITS)) / 2);
}

void
ltb_histogram_add (LtbHistogram *histogram,
                   gint64        usec)
{
  histogram->counts[bucket_of (usec)]++;
  histogram->total++;
  histogram->max = MAX (histogram->max, usec);
  histogram->sum += usec;
}

/* The smallest value that percent % of the samples do not exceed
 * (to the resolution of the buckets); 0 when there are none. */
gint64
ltb_histogram_percentile (const LtbHistogram *histogram,
                          gdouble             percent)
{
  guint64 rank = (guint64) (histogram->total * percent / 100.0 + 0.5);
  guint64 seen = 0;

  rank = CLAMP (rank, 1, histogram->total);
  for (guint i = 0; i < LTB_HISTOGRAM_BUCKETS && histogram->total > 0; i++)
    {
      seen += histogram->counts[i];
      if (seen >= rank)
        return MIN (value_of (i), histogram->max);
    }

  return 0;
}

gdouble
ltb_histogram_mean (const LtbHistogram *histogram)
{
  return histogram->total > 0 ? histogram->sum / histogram->total : 0.0;
}
