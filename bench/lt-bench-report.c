/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Report lines ("name: value unit") and the server's figures from
 * /proc. */
#include "config.h"

#include "lt-bench.h"

#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

gint64
ltb_deadline (const LtbOptions *options)
{
  return ltb_now () + (gint64) (options->timeout * LTB_NS_PER_SECOND);
}

void
ltb_print_text (const char *name,
                const char *format,
                ...)
{
  g_autofree char *value = NULL;
  va_list args;

  va_start (args, format);
  value = g_strdup_vprintf (format, args);
  va_end (args);
  g_print ("%s: %s\n", name, value);
}

void
ltb_print_count (const char *name,
                 guint64     value,
                 const char *unit)
{
  g_print ("%s: %" G_GUINT64_FORMAT "%s%s\n", name, value, *unit ? " " : "", unit);
}

void
ltb_print_number (const char *name,
                  gdouble     value,
                  const char *unit)
{
  g_print ("%s: %.*f%s%s\n", name, value >= 100 ? 0 : 2, value, *unit ? " " : "", unit);
}

void
ltb_print_latency (const char         *prefix,
                   const LtbHistogram *histogram)
{
  static const struct { const char *name; gdouble percent; } points[] = {
    { "p50", 50 }, { "p90", 90 }, { "p99", 99 }, { "p99.9", 99.9 },
  };
  g_autofree char *mean = g_strdup_printf ("%s_mean", prefix);
  g_autofree char *max = g_strdup_printf ("%s_max", prefix);

  ltb_print_text (mean, "%.2f ms", ltb_histogram_mean (histogram) / 1000.0);
  for (gsize i = 0; i < G_N_ELEMENTS (points); i++)
    {
      g_autofree char *name = g_strdup_printf ("%s_%s", prefix, points[i].name);

      ltb_print_text (name, "%.2f ms",
                      ltb_histogram_percentile (histogram, points[i].percent) / 1000.0);
    }
  ltb_print_text (max, "%.2f ms", histogram->max / 1000.0);
}

/* Percent of one core over the interval. */
void
ltb_print_cpu (const LtbCpuSample *start,
               const LtbCpuSample *end)
{
  gdouble wall = (end->wall_ns - start->wall_ns) / (gdouble) LTB_NS_PER_SECOND;

  if (wall <= 0)
    return;
  if (end->server_seconds > 0)
    ltb_print_number ("server_cpu", 100 * (end->server_seconds - start->server_seconds) / wall,
                      "% of one core");
  ltb_print_number ("bench_cpu", 100 * (end->bench_seconds - start->bench_seconds) / wall,
                    "% of one core");
}

/* What went wrong on the wire, if anything. */
void
ltb_print_health (const LtbBench *bench)
{
  ltb_print_count ("disconnects", bench->disconnects, "");
  if (bench->bad_frames > 0)
    ltb_print_count ("unexpected_frames", bench->bad_frames, "");
  if (bench->byes > 0)
    ltb_print_count ("bye_notifications", bench->byes, "");
}

/* utime + stime, fields 14 and 15 of /proc/PID/stat, after the
 * command name (which may hold spaces) in parentheses. */
static gdouble
read_process_cpu (gint pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", pid);
  g_autofree char *contents = NULL;
  unsigned long utime, stime;
  const char *after_name;

  if (!g_file_get_contents (path, &contents, NULL, NULL)
      || (after_name = strrchr (contents, ')')) == NULL
      || sscanf (after_name + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
                 &utime, &stime) != 2)
    return 0;

  return (gdouble) (utime + stime) / sysconf (_SC_CLK_TCK);
}

void
ltb_cpu_sample (LtbCpuSample *sample,
                gint          server_pid)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  sample->wall_ns = ltb_now ();
  sample->server_seconds = server_pid > 0 ? read_process_cpu (server_pid) : 0;
  sample->bench_seconds = usage.ru_utime.tv_sec + usage.ru_stime.tv_sec
                          + (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

/* VmRSS of /proc/PID/status, or -1. */
gint64
ltb_read_rss_kib (gint server_pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/status", server_pid);
  g_autofree char *contents = NULL;
  const char *line;

  if (!g_file_get_contents (path, &contents, NULL, NULL)
      || (line = strstr (contents, "\nVmRSS:")) == NULL)
    return -1;

  return g_ascii_strtoll (line + strlen ("\nVmRSS:"), NULL, 10);
}
