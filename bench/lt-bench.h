/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the modes of lt-bench share: the options, the report lines,
 * and the figures read from /proc. */
#pragma once

#include "lt-bench-histogram.h"
#include "lt-bench-net.h"

G_BEGIN_DECLS

typedef struct
{
  gint port;
  gint server_pid;     /* 0: unknown */
  gdouble duration;    /* seconds measured */
  gdouble warmup;      /* seconds of traffic before measuring */
  gint window;         /* sends in flight per sender */
  gdouble rate;        /* messages per second over all senders; 0: max */
  gint text_bytes;
  gint connections;    /* register */
  gint login_window;
  gint first_user;
  gint warmup_clients; /* idle */
  gdouble timeout;     /* seconds any one phase may take */
} LtbOptions;

/* CPU time used by the server (when its pid is known) and by us. */
typedef struct
{
  gint64 wall_ns;
  gdouble server_seconds;
  gdouble bench_seconds;
} LtbCpuSample;

gint64 ltb_deadline (const LtbOptions *options);

void ltb_print_text (const char *name,
                     const char *format,
                     ...) G_GNUC_PRINTF (2, 3);
void ltb_print_count (const char *name,
                      guint64     value,
                      const char *unit);
void ltb_print_number (const char *name,
                       gdouble     value,
                       const char *unit);
void ltb_print_latency (const char         *prefix,
                        const LtbHistogram *histogram);
void ltb_print_cpu (const LtbCpuSample *start,
                    const LtbCpuSample *end);
void ltb_print_health (const LtbBench *bench);

void ltb_cpu_sample (LtbCpuSample *sample,
                     gint          server_pid);
gint64 ltb_read_rss_kib (gint server_pid);

int ltb_run_fanout (const LtbOptions *options,
                    guint             clients,
                    guint             senders);
int ltb_run_private (const LtbOptions *options,
                     guint             pairs);

G_END_DECLS
