/* SPDX-License-Identifier: GPL-3.0-or-later */
/* lt-http-range.h: strict parsing of HTTP byte ranges (RFC 9110 §14),
 * for the file service and the daemon.  Pure GLib: no libsoup. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/**
 * LtHttpRange:
 * @start: the first byte
 * @end: the last byte, inclusive
 */
typedef struct
{
  guint64 start;
  guint64 end;
} LtHttpRange;

/**
 * LtHttpRangeResult:
 * @LT_HTTP_RANGE_NONE: no Range header: serve the whole body (200)
 * @LT_HTTP_RANGE_SINGLE: one satisfiable range: serve it (206)
 * @LT_HTTP_RANGE_IGNORED: several valid, satisfiable, disjoint ranges:
 *   serve the whole body (200), as RFC 9110 allows
 * @LT_HTTP_RANGE_UNSATISFIABLE: a bad or unsatisfiable Range (416)
 */
typedef enum
{
  LT_HTTP_RANGE_NONE,
  LT_HTTP_RANGE_SINGLE,
  LT_HTTP_RANGE_IGNORED,
  LT_HTTP_RANGE_UNSATISFIABLE,
} LtHttpRangeResult;

LtHttpRangeResult lt_http_range_parse (const char  *value,
                                       guint64      size,
                                       LtHttpRange *range,
                                       GError     **error);

gboolean lt_http_content_range_parse (const char  *value,
                                      LtHttpRange *range,
                                      guint64     *complete_length,
                                      GError     **error);
char *lt_http_content_range_format (const LtHttpRange *range,
                                    guint64            complete_length);

G_END_DECLS
