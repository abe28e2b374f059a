/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A latency histogram in microseconds: exact below 64 µs, then 64
 * buckets per power of two (about 1.6 % resolution) up to hours. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define LTB_HISTOGRAM_SUB_BITS 6
#define LTB_HISTOGRAM_BUCKETS (64 * 40)

typedef struct
{
  guint64 counts[LTB_HISTOGRAM_BUCKETS];
  guint64 total;
  gint64 max;
  gdouble sum;
} LtbHistogram;

void ltb_histogram_add (LtbHistogram *histogram,
                        gint64        usec);
gint64 ltb_histogram_percentile (const LtbHistogram *histogram,
                                 gdouble             percent);
gdouble ltb_histogram_mean (const LtbHistogram *histogram);

G_END_DECLS
