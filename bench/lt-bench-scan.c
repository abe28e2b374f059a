/* SPDX-License-Identifier: GPL-3.0-or-later */
/* One pass over the frame: the members of the frame's object are
 * visited in whatever order they come, "params" and "error" are
 * visited in place, and every other value is skipped by counting
 * brackets outside strings.  Nothing is unescaped or allocated.  At a
 * million frames a second this is most of the load generator's work,
 * so strings are skipped with memchr() and characters are classified
 * by table. */
#include "config.h"

#include "lt-bench-scan.h"

#include <string.h>

typedef struct
{
  const char *p;
  const char *end;
} Cursor;

typedef struct _Found Found;

typedef gboolean (*MemberFunc) (LtbSpan key,
                                Cursor *cursor,
                                Found  *found);

enum { PLAIN, QUOTE, OPEN, CLOSE, DELIMITER };

static const guint8 structure[256] = {
  ['"'] = QUOTE, ['{'] = OPEN, ['['] = OPEN, ['}'] = CLOSE, [']'] = CLOSE,
};

static const guint8 after_scalar[256] = {
  [','] = DELIMITER, ['}'] = DELIMITER, [']'] = DELIMITER,
  [' '] = DELIMITER, ['\t'] = DELIMITER, ['\r'] = DELIMITER, ['\n'] = DELIMITER,
};

static void
skip_space (Cursor *c)
{
  while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\r' || *c->p == '\n'))
    c->p++;
}

static gboolean
expect (Cursor *c,
        char    ch)
{
  skip_space (c);
  if (c->p >= c->end || *c->p != ch)
    return FALSE;
  c->p++;
  return TRUE;
}

/* At an opening quote: *contents gets what is up to the closing one,
 * the first quote after an even number of backslashes. */
static gboolean
read_string (Cursor  *c,
             LtbSpan *contents)
{
  const char *start = c->p + 1;
  const char *p = start;

  for (;;)
    {
      const char *quote = memchr (p, '"', c->end - p);
      const char *escapes = quote;

      if (quote == NULL)
        return FALSE;
      while (escapes > start && escapes[-1] == '\\')
        escapes--;
      if ((quote - escapes) % 2 == 0)
        {
          contents->start = start;
          contents->length = quote - start;
          c->p = quote + 1;
          return TRUE;
        }
      p = quote + 1;
    }
}

static gboolean
skip_container (Cursor *c)
{
  LtbSpan ignored;
  int depth = 0;

  while (c->p < c->end)
    {
      switch (structure[(guchar) *c->p])
        {
        case QUOTE:
          if (!read_string (c, &ignored))
            return FALSE;
          continue;
        case OPEN:
          depth++;
          break;
        case CLOSE:
          if (--depth == 0)
            {
              c->p++;
              return TRUE;
            }
          break;
        default:
          break;
        }
      c->p++;
    }

  return FALSE;
}

/* *value spans the value; for a string, only its contents. */
static gboolean
read_value (Cursor  *c,
            LtbSpan *value)
{
  const char *start;

  skip_space (c);
  start = c->p;
  if (c->p >= c->end)
    return FALSE;
  if (*c->p == '"')
    return read_string (c, value);

  if (*c->p == '{' || *c->p == '[')
    {
      if (!skip_container (c))
        return FALSE;
    }
  else
    {
      while (c->p < c->end && after_scalar[(guchar) *c->p] != DELIMITER)
        c->p++;
    }

  value->start = start;
  value->length = c->p - start;
  return value->length > 0;
}

static gboolean
skip_value (Cursor *c)
{
  LtbSpan ignored;

  return read_value (c, &ignored);
}

/* Calls @member for each key with the cursor on its value; @member
 * reads or skips the value. */
static gboolean
visit_object (Cursor    *c,
              MemberFunc member,
              Found     *found)
{
  LtbSpan key;

  if (!expect (c, '{'))
    return FALSE;
  skip_space (c);
  if (c->p < c->end && *c->p == '}')
    {
      c->p++;
      return TRUE;
    }

  for (;;)
    {
      skip_space (c);
      if (c->p >= c->end || *c->p != '"' || !read_string (c, &key) || !expect (c, ':')
          || !member (key, c, found))
        return FALSE;

      skip_space (c);
      if (c->p >= c->end || (*c->p != ',' && *c->p != '}'))
        return FALSE;
      if (*c->p++ == '}')
        return TRUE;
    }
}

static gboolean
span_is (LtbSpan     span,
         const char *literal)
{
  gsize length = strlen (literal);

  return span.length == length && memcmp (span.start, literal, length) == 0;
}

/* Integers only: the ids and codes of this protocol. */
static gboolean
span_to_int (LtbSpan span,
             gint64 *out)
{
  const char *p = span.start;
  const char *end = span.start + span.length;
  gboolean negative = p < end && *p == '-';
  gint64 value = 0;

  if (negative)
    p++;
  if (p >= end)
    return FALSE;
  for (; p < end; p++)
    {
      if (*p < '0' || *p > '9' || value > (G_MAXINT64 - 9) / 10)
        return FALSE;
      value = value * 10 + (*p - '0');
    }

  *out = negative ? -value : value;
  return TRUE;
}

/* What the scan finds before it knows what kind of frame it is. */
struct _Found
{
  LtbFrame frame;     /* the members of params, and the error code */
  LtbSpan method, id;
  gboolean has_method, has_id, has_result, has_error, has_code;
  gboolean has_message_id, has_text;
};

static gboolean
params_member (LtbSpan key,
               Cursor *c,
               Found  *found)
{
  LtbSpan value;

  if (!read_value (c, &value))
    return FALSE;

  if (span_is (key, "id"))
    found->has_message_id = span_to_int (value, &found->frame.id);
  else if (span_is (key, "text"))
    {
      found->frame.text = value;
      found->has_text = TRUE;
    }
  else if (span_is (key, "offline"))
    found->frame.offline = span_is (value, "true");
  return TRUE;
}

static gboolean
error_member (LtbSpan key,
              Cursor *c,
              Found  *found)
{
  LtbSpan value;

  if (!read_value (c, &value))
    return FALSE;
  if (span_is (key, "code"))
    found->has_code = span_to_int (value, &found->frame.error_code);
  return TRUE;
}

/* Values the frame's kind depends on; their spans are kept. */
static gboolean
read_member (LtbSpan     key,
             const char *name,
             Cursor     *c,
             LtbSpan    *value,
             gboolean   *found,
             gboolean   *ok)
{
  if (!span_is (key, name))
    return FALSE;

  *found = TRUE;
  *ok = read_value (c, value);
  return TRUE;
}

static gboolean
frame_member (LtbSpan key,
              Cursor *c,
              Found  *found)
{
  LtbSpan ignored;
  gboolean ok;

  if (span_is (key, "params"))
    return visit_object (c, params_member, found);
  if (span_is (key, "error"))
    {
      found->has_error = TRUE;
      return visit_object (c, error_member, found);
    }
  if (read_member (key, "method", c, &found->method, &found->has_method, &ok)
      || read_member (key, "id", c, &found->id, &found->has_id, &ok)
      || read_member (key, "result", c, &ignored, &found->has_result, &ok))
    return ok;

  return skip_value (c);
}

static gboolean
classify_notification (Found    *found,
                       LtbFrame *out)
{
  if (span_is (found->method, "message"))
    out->kind = LTB_FRAME_MESSAGE;
  else if (span_is (found->method, "hello"))
    out->kind = LTB_FRAME_HELLO;
  else if (span_is (found->method, "bye"))
    out->kind = LTB_FRAME_BYE;
  else
    out->kind = LTB_FRAME_OTHER;

  return out->kind != LTB_FRAME_MESSAGE || (found->has_message_id && found->has_text);
}

static gboolean
classify_response (Found    *found,
                   LtbFrame *out)
{
  out->kind = LTB_FRAME_RESPONSE;
  out->is_error = found->has_error;
  out->offline = FALSE;
  out->text.start = NULL;
  out->text.length = 0;

  return found->has_result != found->has_error
         && span_to_int (found->id, &out->id)
         && (!found->has_error || found->has_code);
}

/**
 * ltb_scan_frame:
 * @frame: one frame, without its newline
 *
 * Returns: FALSE when the frame is not a JSON object of the shape the
 *   protocol promises (or not one the scanner understands, such as an
 *   error with "id": null)
 */
gboolean
ltb_scan_frame (const char *frame,
                gsize       length,
                LtbFrame   *out)
{
  Found found = { 0 };
  Cursor cursor = { frame, frame + length };

  if (!visit_object (&cursor, frame_member, &found))
    return FALSE;

  if (found.has_method && !found.has_id)
    {
      *out = found.frame;
      return classify_notification (&found, out);
    }

  if (!found.has_id)
    return FALSE;
  *out = found.frame;
  return classify_response (&found, out);
}
