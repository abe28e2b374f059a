/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "lt-http-range.h"

/* 19 digits always fit in a guint64 (its maximum has 20), so a longer
 * number is refused rather than checked for overflow. */
#define MAX_DIGITS 19

/* Where a parse is in a header value; header names the header in
 * error messages. */
typedef struct
{
  const char *value;
  const char *p;
  const char *header;
} Cursor;

/* A range-spec as written: "first-last", "first-" (no last) or
 * "-suffix" (no first; the suffix length is in last). */
typedef struct
{
  guint64 first;
  guint64 last;
  gboolean has_first;
  gboolean has_last;
} RangeSpec;

static gboolean
expected (Cursor     *c,
          const char *what,
          GError    **error)
{
  gsize offset = c->p - c->value;

  /* The value comes from a peer: quote only a printable ASCII byte. */
  if (*c->p == '\0')
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                 "%s: expected %s at the end", c->header, what);
  else if (g_ascii_isprint (*c->p))
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                 "%s: expected %s at byte %" G_GSIZE_FORMAT ", found “%c”", c->header, what,
                 offset, *c->p);
  else
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                 "%s: expected %s at byte %" G_GSIZE_FORMAT ", found byte 0x%02x", c->header,
                 what, offset, (guchar) *c->p);
  return FALSE;
}

static gboolean
expect_char (Cursor  *c,
             char     wanted,
             GError **error)
{
  g_autofree char *what = g_strdup_printf ("“%c”", wanted);

  if (*c->p != wanted)
    return expected (c, what, error);
  c->p++;
  return TRUE;
}

/* The unit "bytes" (in any case) and the separator after it. */
static gboolean
read_unit (Cursor  *c,
           char     separator,
           GError **error)
{
  if (g_ascii_strncasecmp (c->p, "bytes", 5) != 0 || c->p[5] != separator)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "%s does not start with “bytes%c”", c->header, separator);
      return FALSE;
    }
  c->p += 6;
  return TRUE;
}

/* ASCII digits only: no sign, no white space, no hex. */
static gboolean
read_number (Cursor  *c,
             guint64 *value,
             GError **error)
{
  const char *start = c->p;
  guint64 number = 0;

  if (!g_ascii_isdigit (*c->p))
    return expected (c, "a number", error);

  for (; g_ascii_isdigit (*c->p); c->p++)
    {
      if (c->p - start == MAX_DIGITS)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       "%s: the number at byte %" G_GSIZE_FORMAT " has more than %d digits",
                       c->header, (gsize) (start - c->value), MAX_DIGITS);
          return FALSE;
        }
      number = number * 10 + (*c->p - '0');
    }

  *value = number;
  return TRUE;
}

static void
skip_spaces (Cursor *c)
{
  while (*c->p == ' ' || *c->p == '\t')
    c->p++;
}

static gboolean
read_range_spec (Cursor    *c,
                 RangeSpec *spec,
                 GError   **error)
{
  *spec = (RangeSpec) { 0 };

  if (*c->p == '-')
    {
      c->p++;
      spec->has_last = TRUE;
      return read_number (c, &spec->last, error);
    }

  if (!g_ascii_isdigit (*c->p))
    return expected (c, "a byte range", error);
  spec->has_first = TRUE;
  if (!read_number (c, &spec->first, error) || !expect_char (c, '-', error))
    return FALSE;
  if (!g_ascii_isdigit (*c->p))
    return TRUE;
  spec->has_last = TRUE;
  return read_number (c, &spec->last, error);
}

static char *
range_spec_to_string (const RangeSpec *spec)
{
  g_autoptr(GString) text = g_string_new (NULL);

  if (spec->has_first)
    g_string_append_printf (text, "%" G_GUINT64_FORMAT, spec->first);
  g_string_append_c (text, '-');
  if (spec->has_last)
    g_string_append_printf (text, "%" G_GUINT64_FORMAT, spec->last);
  return g_string_free (g_steal_pointer (&text), FALSE);
}

/* Resolves a range-spec against a body of size bytes; a last byte past
 * the end is clamped, as RFC 9110 asks. */
static gboolean
resolve_range_spec (const RangeSpec *spec,
                    guint64          size,
                    LtHttpRange     *range,
                    GError         **error)
{
  const char *problem = NULL;

  if (!spec->has_first && spec->last == 0)
    problem = "selects no bytes";
  else if (spec->has_first && spec->has_last && spec->first > spec->last)
    problem = "is inverted: its first byte is after its last";
  else if (size == 0)
    problem = "cannot be satisfied: the body is empty";
  else if (spec->has_first && spec->first >= size)
    problem = "starts after the end of the body";

  if (problem != NULL)
    {
      g_autofree char *text = range_spec_to_string (spec);

      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "Range %s %s; the body has %" G_GUINT64_FORMAT " bytes", text, problem,
                   size);
      return FALSE;
    }

  if (!spec->has_first)
    range->start = size > spec->last ? size - spec->last : 0;
  else
    range->start = spec->first;
  range->end = spec->has_first && spec->has_last ? MIN (spec->last, size - 1) : size - 1;
  return TRUE;
}

static int
compare_ranges (gconstpointer a,
                gconstpointer b)
{
  const LtHttpRange *range_a = a;
  const LtHttpRange *range_b = b;

  return range_a->start < range_b->start ? -1 : range_a->start > range_b->start;
}

/* Sorted by start, a range overlaps an earlier one only if it overlaps
 * the one just before it. */
static gboolean
check_disjoint (GArray  *ranges,
                GError **error)
{
  g_array_sort (ranges, compare_ranges);

  for (guint i = 1; i < ranges->len; i++)
    {
      const LtHttpRange *before = &g_array_index (ranges, LtHttpRange, i - 1);
      const LtHttpRange *range = &g_array_index (ranges, LtHttpRange, i);

      if (range->start <= before->end)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       "Range: bytes %" G_GUINT64_FORMAT "-%" G_GUINT64_FORMAT
                       " and %" G_GUINT64_FORMAT "-%" G_GUINT64_FORMAT " overlap",
                       before->start, before->end, range->start, range->end);
          return FALSE;
        }
    }
  return TRUE;
}

/* Reads and resolves the comma-separated range-specs after "bytes=". */
static gboolean
read_range_set (Cursor  *c,
                guint64  size,
                GArray  *ranges,
                GError **error)
{
  skip_spaces (c);
  if (*c->p == '\0')
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "Range: the list of byte ranges is empty");
      return FALSE;
    }

  for (;;)
    {
      RangeSpec spec;
      LtHttpRange range;

      if (!read_range_spec (c, &spec, error) || !resolve_range_spec (&spec, size, &range, error))
        return FALSE;
      g_array_append_val (ranges, range);

      skip_spaces (c);
      if (*c->p == '\0')
        return TRUE;
      if (!expect_char (c, ',', error))
        return FALSE;
      skip_spaces (c);
    }
}

/**
 * lt_http_range_parse:
 * @value: (nullable): the value of a Range header, or %NULL if there is none
 * @size: the length of the body in bytes
 * @range: (out): the range to serve, set for %LT_HTTP_RANGE_SINGLE only
 * @error: why the result is %LT_HTTP_RANGE_UNSATISFIABLE
 *
 * Parses "bytes=" and one or more "first-last", "first-" or "-suffix"
 * specs separated by commas, strictly: anything but that grammar,
 * inverted or overlapping ranges and ranges outside the body are
 * unsatisfiable.  A last byte past the end is clamped to it.
 *
 * Returns: what to answer; see #LtHttpRangeResult
 */
LtHttpRangeResult
lt_http_range_parse (const char  *value,
                     guint64      size,
                     LtHttpRange *range,
                     GError     **error)
{
  g_autoptr(GArray) ranges = NULL;
  Cursor c = { value, value, "Range" };

  g_return_val_if_fail (range != NULL, LT_HTTP_RANGE_UNSATISFIABLE);

  if (value == NULL)
    return LT_HTTP_RANGE_NONE;

  ranges = g_array_new (FALSE, FALSE, sizeof (LtHttpRange));
  if (!read_unit (&c, '=', error) || !read_range_set (&c, size, ranges, error)
      || !check_disjoint (ranges, error))
    return LT_HTTP_RANGE_UNSATISFIABLE;

  if (ranges->len > 1)
    return LT_HTTP_RANGE_IGNORED;

  *range = g_array_index (ranges, LtHttpRange, 0);
  return LT_HTTP_RANGE_SINGLE;
}

/**
 * lt_http_content_range_parse:
 * @value: (nullable): the value of a Content-Range header
 * @range: (out): the range the body holds
 * @complete_length: (out): the length of the whole file
 * @error: why @value is refused
 *
 * Parses "bytes first-last/complete" strictly: the complete length
 * must be given ("*" is refused) and first <= last < complete.
 *
 * Returns: %TRUE if @value is such a Content-Range
 */
gboolean
lt_http_content_range_parse (const char  *value,
                             LtHttpRange *range,
                             guint64     *complete_length,
                             GError     **error)
{
  Cursor c = { value, value, "Content-Range" };
  guint64 first, last, complete;

  g_return_val_if_fail (range != NULL, FALSE);
  g_return_val_if_fail (complete_length != NULL, FALSE);

  if (value == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           "Content-Range is missing");
      return FALSE;
    }

  if (!read_unit (&c, ' ', error) || !read_number (&c, &first, error)
      || !expect_char (&c, '-', error) || !read_number (&c, &last, error)
      || !expect_char (&c, '/', error))
    return FALSE;
  /* An uploader must say how large the file is. */
  if (*c.p == '*')
    return expected (&c, "the complete length (not “*”)", error);
  if (!read_number (&c, &complete, error))
    return FALSE;
  if (*c.p != '\0')
    return expected (&c, "nothing more", error);

  if (first > last)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "Content-Range: bytes %" G_GUINT64_FORMAT "-%" G_GUINT64_FORMAT
                   " are inverted: the first byte is after the last",
                   first, last);
      return FALSE;
    }
  if (last >= complete)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "Content-Range: byte %" G_GUINT64_FORMAT " is past the end of the %"
                   G_GUINT64_FORMAT "-byte file", last, complete);
      return FALSE;
    }

  range->start = first;
  range->end = last;
  *complete_length = complete;
  return TRUE;
}

/**
 * lt_http_content_range_format:
 * @range: (nullable): the range sent, or %NULL for the "bytes *\/complete"
 *   of a 416 answer
 * @complete_length: the length of the whole file
 *
 * Returns: (transfer full): a Content-Range value, "bytes 0-99/1000"
 */
char *
lt_http_content_range_format (const LtHttpRange *range,
                              guint64            complete_length)
{
  if (range == NULL)
    return g_strdup_printf ("bytes */%" G_GUINT64_FORMAT, complete_length);

  g_return_val_if_fail (range->start <= range->end, NULL);
  g_return_val_if_fail (range->end < complete_length, NULL);

  return g_strdup_printf ("bytes %" G_GUINT64_FORMAT "-%" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT,
                          range->start, range->end, complete_length);
}
