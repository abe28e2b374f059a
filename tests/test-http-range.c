/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Unit tests of the strict Range and Content-Range parsing that the
 * file service and the daemon share. */
#include "config.h"

#include <string.h>

#include "lt-http-range.h"

#define NONE LT_HTTP_RANGE_NONE
#define SINGLE LT_HTTP_RANGE_SINGLE
#define IGNORED LT_HTTP_RANGE_IGNORED
#define UNSATISFIABLE LT_HTTP_RANGE_UNSATISFIABLE

/* One Range value on a body of size bytes, and what must come of it:
 * start-end for SINGLE, a part of the error message for UNSATISFIABLE. */
typedef struct
{
  const char *value;
  guint64 size;
  LtHttpRangeResult result;
  guint64 start;
  guint64 end;
  const char *message;
} RangeCase;

#define REFUSED(value, size, message) { (value), (size), UNSATISFIABLE, 0, 0, (message) }

static const char *
result_name (LtHttpRangeResult result)
{
  switch (result)
    {
    case LT_HTTP_RANGE_NONE:
      return "NONE";
    case LT_HTTP_RANGE_SINGLE:
      return "SINGLE";
    case LT_HTTP_RANGE_IGNORED:
      return "IGNORED";
    case LT_HTTP_RANGE_UNSATISFIABLE:
      return "UNSATISFIABLE";
    default:
      return "(not a result)";
    }
}

static void
check_error_message (const char   *what,
                     const GError *error,
                     const char   *expected)
{
  if (error == NULL)
    g_error ("%s: expected an error about “%s”, got none", what, expected);
  if (strstr (error->message, expected) == NULL)
    g_error ("%s: expected an error about “%s”, got “%s”", what, expected, error->message);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
}

static void
check_range_case (const RangeCase *c)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *escaped = c->value ? g_strescape (c->value, NULL) : NULL;
  g_autofree char *what = g_strdup_printf ("Range “%s” on %" G_GUINT64_FORMAT " bytes",
                                           escaped ? escaped : "(none)", c->size);
  LtHttpRange range = { 4242, 4242 };
  LtHttpRangeResult result = lt_http_range_parse (c->value, c->size, &range, &error);

  g_test_message ("%s: %s%s%s", what, result_name (result), error ? ", " : "",
                  error ? error->message : "");
  if (result != c->result)
    g_error ("%s: expected %s, got %s (%s)", what, result_name (c->result), result_name (result),
             error ? error->message : "no error");

  if (result == UNSATISFIABLE)
    {
      check_error_message (what, error, c->message);
      return;
    }
  g_assert_no_error (error);

  if (result == SINGLE && (range.start != c->start || range.end != c->end))
    g_error ("%s: expected bytes %" G_GUINT64_FORMAT "-%" G_GUINT64_FORMAT
             ", got %" G_GUINT64_FORMAT "-%" G_GUINT64_FORMAT,
             what, c->start, c->end, range.start, range.end);
  /* The range is left alone unless there is one range to serve. */
  if (result != SINGLE && (range.start != 4242 || range.end != 4242))
    g_error ("%s: the range was written to", what);
}

static void
check_range_cases (const RangeCase *cases,
                   gsize            n_cases)
{
  for (gsize i = 0; i < n_cases; i++)
    check_range_case (&cases[i]);
}

static void
test_range_none (void)
{
  static const RangeCase cases[] = {
    { NULL, 100, NONE },
    { NULL, 0, NONE },
  };

  check_range_cases (cases, G_N_ELEMENTS (cases));
}

static void
test_range_single (void)
{
  static const RangeCase cases[] = {
    { "bytes=0-99", 100, SINGLE, 0, 99 },
    { "bytes=5-5", 10, SINGLE, 5, 5 },
    { "bytes=99-99", 100, SINGLE, 99, 99 },
    { "bytes=10-", 100, SINGLE, 10, 99 },
    { "bytes=99-", 100, SINGLE, 99, 99 },
    { "bytes=0-", 100, SINGLE, 0, 99 },
    /* Size 1 */
    { "bytes=0-0", 1, SINGLE, 0, 0 },
    { "bytes=0-", 1, SINGLE, 0, 0 },
    { "bytes=-1", 1, SINGLE, 0, 0 },
    { "bytes=0-5", 1, SINGLE, 0, 0 },
    /* Suffixes, up to and past the size */
    { "bytes=-10", 100, SINGLE, 90, 99 },
    { "bytes=-99", 100, SINGLE, 1, 99 },
    { "bytes=-100", 100, SINGLE, 0, 99 },
    { "bytes=-101", 100, SINGLE, 0, 99 },
    { "bytes=-9999999999999999999", 100, SINGLE, 0, 99 },
    /* A last byte at or past the end is clamped. */
    { "bytes=0-100", 100, SINGLE, 0, 99 },
    { "bytes=0-999999", 100, SINGLE, 0, 99 },
    { "bytes=50-9999999999999999999", 100, SINGLE, 50, 99 },
    /* 19 digits, leading zeros included, and the largest sizes */
    { "bytes=0000000000000000005-0000000000000000009", 100, SINGLE, 5, 9 },
    { "bytes=9999999999999999998-", G_MAXUINT64, SINGLE, 9999999999999999998u, G_MAXUINT64 - 1 },
    { "bytes=-1", G_MAXUINT64, SINGLE, G_MAXUINT64 - 1, G_MAXUINT64 - 1 },
  };

  check_range_cases (cases, G_N_ELEMENTS (cases));
}

static void
test_range_unit_and_spaces (void)
{
  static const RangeCase cases[] = {
    { "BYTES=0-1", 100, SINGLE, 0, 1 },
    { "Bytes=0-1", 100, SINGLE, 0, 1 },
    { "bytes= 0-1", 100, SINGLE, 0, 1 },
    { "bytes=\t 0-1", 100, SINGLE, 0, 1 },
    { "bytes=0-1 ", 100, SINGLE, 0, 1 },
    { "bytes=0-1 , 5-6", 100, IGNORED },
    { "bytes=0-1,\t5-6", 100, IGNORED },
    { "bytes=0-1\t,5-6", 100, IGNORED },
    REFUSED (" bytes=0-1", 100, "“bytes=”"),
    REFUSED ("bytes =0-1", 100, "“bytes=”"),
    REFUSED ("bytes 0-1", 100, "“bytes=”"),
    REFUSED ("byte=0-1", 100, "“bytes=”"),
    REFUSED ("items=0-1", 100, "“bytes=”"),
    REFUSED ("bytesx=0-1", 100, "“bytes=”"),
    REFUSED ("bytes=0 -1", 100, "expected “-” at byte 7"),
    REFUSED ("bytes=0- 1", 100, "expected “,” at byte 9, found “1”"),
    REFUSED ("bytes=- 1", 100, "expected a number at byte 7"),
    REFUSED ("bytes=0-1\n", 100, "found byte 0x0a"),
  };

  check_range_cases (cases, G_N_ELEMENTS (cases));
}

/* Several valid ranges: the whole body is served. */
static void
test_range_ignored (void)
{
  static const RangeCase cases[] = {
    { "bytes=0-9,10-19", 100, IGNORED },
    { "bytes=50-59,0-9", 100, IGNORED },
    { "bytes=0-0,-1", 2, IGNORED },
    { "bytes=0-9,20-29,-5", 100, IGNORED },
    { "bytes=90-,0-10", 100, IGNORED },
    { "bytes=0-0,1-1,2-2,3-3", 4, IGNORED },
  };

  check_range_cases (cases, G_N_ELEMENTS (cases));
}

static void
test_range_syntax (void)
{
  static const RangeCase cases[] = {
    REFUSED ("", 100, "“bytes=”"),
    REFUSED ("bytes", 100, "“bytes=”"),
    REFUSED ("bytes=", 100, "list of byte ranges is empty"),
    REFUSED ("bytes=  ", 100, "list of byte ranges is empty"),
    REFUSED ("bytes=,", 100, "expected a byte range at byte 6"),
    REFUSED ("bytes=,0-1", 100, "expected a byte range"),
    REFUSED ("bytes=0-1,", 100, "expected a byte range at the end"),
    REFUSED ("bytes=0-1,,2-3", 100, "expected a byte range at byte 10"),
    REFUSED ("bytes=-", 100, "expected a number at the end"),
    REFUSED ("bytes=--1", 100, "expected a number"),
    REFUSED ("bytes=1", 100, "expected “-” at the end"),
    REFUSED ("bytes=1-2-3", 100, "expected “,”"),
    REFUSED ("bytes=a-1", 100, "expected a byte range at byte 6, found “a”"),
    REFUSED ("bytes=+1-2", 100, "found “+”"),
    REFUSED ("bytes=1-+2", 100, "found “+”"),
    REFUSED ("bytes=0x10-20", 100, "found “x”"),
    REFUSED ("bytes=1.5-2", 100, "found “.”"),
    REFUSED ("bytes=1-2;", 100, "found “;”"),
    REFUSED ("bytes=0-1 2-3", 100, "expected “,”"),
    /* A fullwidth digit is not an ASCII digit. */
    REFUSED ("bytes=\xef\xbc\x91-2", 100, "found byte 0xef"),
  };

  check_range_cases (cases, G_N_ELEMENTS (cases));
}

static void
test_range_digits (void)
{
  static const RangeCase cases[] = {
    REFUSED ("bytes=10000000000000000000-", 100, "more than 19 digits"),
    REFUSED ("bytes=0-18446744073709551615", 100, "more than 19 digits"),
    REFUSED ("bytes=-18446744073709551616", 100, "more than 19 digits"),
    REFUSED ("bytes=00000000000000000001-2", 100, "more than 19 digits"),
    REFUSED ("bytes=0-1,99999999999999999999999999", 100,
             "number at byte 10 has more than 19 digits"),
  };

  check_range_cases (cases, G_N_ELEMENTS (cases));
}

static void
test_range_inverted (void)
{
  static const RangeCase cases[] = {
    REFUSED ("bytes=5-4", 100, "Range 5-4 is inverted"),
    REFUSED ("bytes=1-0", 0, "inverted"),
    REFUSED ("bytes=200-100", 100, "inverted"),
    REFUSED ("bytes=0-1,5-4", 100, "inverted"),
  };

  check_range_cases (cases, G_N_ELEMENTS (cases));
}

static void
test_range_out_of_bounds (void)
{
  static const RangeCase cases[] = {
    REFUSED ("bytes=100-", 100, "Range 100- starts after the end of the body"),
    REFUSED ("bytes=100-200", 100, "starts after the end"),
    REFUSED ("bytes=1-", 1, "starts after the end"),
    REFUSED ("bytes=1-1", 1, "starts after the end"),
    REFUSED ("bytes=9999999999999999999-", 100, "starts after the end"),
    REFUSED ("bytes=0-1,100-", 100, "starts after the end"),
    /* Nothing is satisfiable on an empty body. */
    REFUSED ("bytes=0-0", 0, "the body is empty"),
    REFUSED ("bytes=0-", 0, "the body is empty"),
    REFUSED ("bytes=-1", 0, "the body is empty"),
    /* A suffix of 0 bytes selects nothing. */
    REFUSED ("bytes=-0", 100, "Range -0 selects no bytes"),
    REFUSED ("bytes=-0", 0, "selects no bytes"),
  };

  check_range_cases (cases, G_N_ELEMENTS (cases));
}

static void
test_range_overlap (void)
{
  static const RangeCase cases[] = {
    REFUSED ("bytes=0-10,5-20", 100, "bytes 0-10 and 5-20 overlap"),
    REFUSED ("bytes=5-20,0-10", 100, "bytes 0-10 and 5-20 overlap"),
    REFUSED ("bytes=0-10,10-20", 100, "overlap"),
    REFUSED ("bytes=0-1,0-1", 100, "overlap"),
    REFUSED ("bytes=0-,-10", 100, "bytes 0-99 and 90-99 overlap"),
    REFUSED ("bytes=-10,-20", 100, "overlap"),
    REFUSED ("bytes=90-,-5", 100, "overlap"),
    /* Overlapping once clamped to the body */
    REFUSED ("bytes=0-1000,50-60", 100, "overlap"),
    REFUSED ("bytes=-200,-300", 100, "overlap"),
    /* Not next to each other in the list */
    REFUSED ("bytes=0-9,20-29,25-", 100, "overlap"),
    REFUSED ("bytes=0-5,20-30,3-4", 100, "bytes 0-5 and 3-4 overlap"),
  };

  check_range_cases (cases, G_N_ELEMENTS (cases));
}

/* One Content-Range value and what must come of it: the range and the
 * complete length, or a part of the error message. */
typedef struct
{
  const char *value;
  const char *message;
  guint64 start;
  guint64 end;
  guint64 complete;
} ContentRangeCase;

static void
check_content_range_case (const ContentRangeCase *c)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *escaped = c->value ? g_strescape (c->value, NULL) : NULL;
  g_autofree char *what = g_strdup_printf ("Content-Range “%s”", escaped ? escaped : "(none)");
  LtHttpRange range = { 4242, 4242 };
  guint64 complete = 4242;
  gboolean ok = lt_http_content_range_parse (c->value, &range, &complete, &error);

  g_test_message ("%s: %s", what, ok ? "accepted" : error->message);
  if (c->message != NULL)
    {
      if (ok)
        g_error ("%s: expected an error about “%s”, got bytes %" G_GUINT64_FORMAT
                 "-%" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT,
                 what, c->message, range.start, range.end, complete);
      check_error_message (what, error, c->message);
      return;
    }

  if (!ok)
    g_error ("%s: expected bytes %" G_GUINT64_FORMAT "-%" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT
             ", got “%s”", what, c->start, c->end, c->complete, error->message);
  g_assert_cmpuint (range.start, ==, c->start);
  g_assert_cmpuint (range.end, ==, c->end);
  g_assert_cmpuint (complete, ==, c->complete);
}

static void
test_content_range_valid (void)
{
  static const ContentRangeCase cases[] = {
    { "bytes 0-99/1000", NULL, 0, 99, 1000 },
    { "BYTES 0-0/1", NULL, 0, 0, 1 },
    { "Bytes 999-999/1000", NULL, 999, 999, 1000 },
    { "bytes 0-999/1000", NULL, 0, 999, 1000 },
    { "bytes 0-9999999999999999998/9999999999999999999", NULL, 0, 9999999999999999998u,
      9999999999999999999u },
    { "bytes 0000000000000000001-2/3", NULL, 1, 2, 3 },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    check_content_range_case (&cases[i]);
}

static void
test_content_range_invalid (void)
{
  static const ContentRangeCase cases[] = {
    { NULL, "missing" },
    { "", "“bytes ”" },
    { "bytes", "“bytes ”" },
    { "bytes=0-99/1000", "“bytes ”" },
    { "bytes\t0-99/1000", "“bytes ”" },
    { "items 0-99/1000", "“bytes ”" },
    { " bytes 0-99/1000", "“bytes ”" },
    { "bytes  0-99/1000", "expected a number at byte 6, found “ ”" },
    { "bytes 0 - 99/1000", "expected “-”" },
    { "bytes 0-99/*", "not “*”" },
    { "bytes */1000", "expected a number at byte 6, found “*”" },
    { "bytes 0-99", "expected “/” at the end" },
    { "bytes 0-99/", "expected a number at the end" },
    { "bytes 0-/1000", "expected a number" },
    { "bytes -1-99/1000", "expected a number" },
    { "bytes 0x0-99/1000", "found “x”" },
    { "bytes +0-99/1000", "found “+”" },
    { "bytes 0-99/1000 ", "expected nothing more" },
    { "bytes 0-99/1000,5-6", "expected nothing more" },
    { "bytes 99-0/1000", "inverted" },
    { "bytes 0-1000/1000", "byte 1000 is past the end of the 1000-byte file" },
    { "bytes 0-0/0", "past the end" },
    { "bytes 0-99/10000000000000000000", "more than 19 digits" },
    { "bytes 18446744073709551615-0/1", "more than 19 digits" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    check_content_range_case (&cases[i]);
}

static void
test_content_range_format (void)
{
  static const struct
  {
    LtHttpRange range;
    guint64 complete;
    const char *expected;
  } cases[] = {
    { { 0, 99 }, 1000, "bytes 0-99/1000" },
    { { 0, 0 }, 1, "bytes 0-0/1" },
    { { 999, 999 }, 1000, "bytes 999-999/1000" },
    { { 5, 9999999999999999998u }, 9999999999999999999u,
      "bytes 5-9999999999999999998/9999999999999999999" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = lt_http_content_range_format (&cases[i].range, cases[i].complete);
      g_autoptr(GError) error = NULL;
      LtHttpRange range;
      guint64 complete;

      g_assert_cmpstr (text, ==, cases[i].expected);
      /* What we write, we read. */
      g_assert_true (lt_http_content_range_parse (text, &range, &complete, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (range.start, ==, cases[i].range.start);
      g_assert_cmpuint (range.end, ==, cases[i].range.end);
      g_assert_cmpuint (complete, ==, cases[i].complete);
    }
}

/* The "bytes *\/length" of a 416 answer */
static void
test_content_range_format_unsatisfied (void)
{
  g_autofree char *text = lt_http_content_range_format (NULL, 1000);
  g_autofree char *empty = lt_http_content_range_format (NULL, 0);

  g_assert_cmpstr (text, ==, "bytes */1000");
  g_assert_cmpstr (empty, ==, "bytes */0");
}

static void
test_content_range_format_misuse (void)
{
  LtHttpRange inverted = { 5, 4 };
  LtHttpRange outside = { 0, 10 };

  g_test_expect_message ("Liaotian", G_LOG_LEVEL_CRITICAL, "*range->start <= range->end*");
  g_assert_null (lt_http_content_range_format (&inverted, 100));
  g_test_assert_expected_messages ();

  g_test_expect_message ("Liaotian", G_LOG_LEVEL_CRITICAL, "*range->end < complete_length*");
  g_assert_null (lt_http_content_range_format (&outside, 10));
  g_test_assert_expected_messages ();
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/http-range/none", test_range_none);
  g_test_add_func ("/http-range/single", test_range_single);
  g_test_add_func ("/http-range/unit-and-spaces", test_range_unit_and_spaces);
  g_test_add_func ("/http-range/ignored", test_range_ignored);
  g_test_add_func ("/http-range/syntax", test_range_syntax);
  g_test_add_func ("/http-range/digits", test_range_digits);
  g_test_add_func ("/http-range/inverted", test_range_inverted);
  g_test_add_func ("/http-range/out-of-bounds", test_range_out_of_bounds);
  g_test_add_func ("/http-range/overlap", test_range_overlap);
  g_test_add_func ("/http-range/content-range/valid", test_content_range_valid);
  g_test_add_func ("/http-range/content-range/invalid", test_content_range_invalid);
  g_test_add_func ("/http-range/content-range/format", test_content_range_format);
  g_test_add_func ("/http-range/content-range/format-unsatisfied",
                   test_content_range_format_unsatisfied);
  g_test_add_func ("/http-range/content-range/format-misuse", test_content_range_format_misuse);

  return g_test_run ();
}
