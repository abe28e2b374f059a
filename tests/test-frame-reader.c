/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Unit tests of LtFrameReader, the capped line splitter in front of
 * every JSON parse on both ends of a Liaotian connection. */
#include "config.h"

#include <string.h>

#include "lt-frame-reader.h"
#include "lt-protocol.h"

#define MAX_FRAME 16

typedef struct
{
  LtFrameReader *reader;
  GPtrArray *frames; /* of char*, each one frame as received */
} Fixture;

static void
collect_frame (const char *frame,
               gsize       length,
               gpointer    user_data)
{
  Fixture *fixture = user_data;

  g_assert_cmpuint (length, >, 0);
  g_assert_cmpuint (length, <=, MAX_FRAME);
  g_assert_null (memchr (frame, '\n', length));
  g_ptr_array_add (fixture->frames, g_strndup (frame, length));
}

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  fixture->reader = lt_frame_reader_new (MAX_FRAME);
  fixture->frames = g_ptr_array_new_with_free_func (g_free);
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  g_clear_pointer (&fixture->reader, lt_frame_reader_free);
  g_clear_pointer (&fixture->frames, g_ptr_array_unref);
}

static gboolean
feed (Fixture    *fixture,
      const char *data,
      GError    **error)
{
  return lt_frame_reader_feed (fixture->reader, data, strlen (data),
                               collect_frame, fixture, error);
}

static void
feed_ok (Fixture    *fixture,
         const char *data)
{
  g_autoptr(GError) error = NULL;

  if (!feed (fixture, data, &error))
    g_error ("Feeding \"%s\": expected success, got %s", g_strescape (data, NULL),
             error->message);
}

static void
feed_too_large (Fixture    *fixture,
                const char *data)
{
  g_autoptr(GError) error = NULL;

  if (feed (fixture, data, &error))
    g_error ("Feeding \"%s\": expected frame_too_large, got success", data);
  g_assert_error (error, LT_PROTOCOL_ERROR, LT_PROTOCOL_ERROR_FRAME_TOO_LARGE);
  /* Whatever was pending is dropped: the caller closes the connection. */
  g_assert_cmpuint (lt_frame_reader_get_pending (fixture->reader), ==, 0);
}

/* Asserts that exactly these frames were emitted so far (NULL-terminated). */
static void
assert_frames (Fixture            *fixture,
               const char * const *expected)
{
  guint n_expected = g_strv_length ((char **) expected);
  g_autoptr(GString) got = g_string_new (NULL);

  for (guint i = 0; i < fixture->frames->len; i++)
    g_string_append_printf (got, "%s\"%s\"", i ? ", " : "",
                            (char *) g_ptr_array_index (fixture->frames, i));

  if (fixture->frames->len != n_expected)
    g_error ("Expected %u frames, got %u: [%s]", n_expected, fixture->frames->len, got->str);
  for (guint i = 0; i < n_expected; i++)
    {
      if (!g_str_equal (g_ptr_array_index (fixture->frames, i), expected[i]))
        g_error ("Frame %u: expected \"%s\", got [%s]", i, expected[i], got->str);
    }
}

static char *
repeat (char  c,
        gsize n)
{
  char *s = g_malloc (n + 1);

  memset (s, c, n);
  s[n] = '\0';
  return s;
}

static void
test_single (Fixture       *fixture,
             gconstpointer  data)
{
  feed_ok (fixture, "{\"a\":1}\n");
  assert_frames (fixture, (const char *[]) { "{\"a\":1}", NULL });
  g_assert_cmpuint (lt_frame_reader_get_pending (fixture->reader), ==, 0);
}

static void
test_split (Fixture       *fixture,
            gconstpointer  data)
{
  feed_ok (fixture, "ab");
  assert_frames (fixture, (const char *[]) { NULL });
  g_assert_cmpuint (lt_frame_reader_get_pending (fixture->reader), ==, 2);
  feed_ok (fixture, "cd");
  g_assert_cmpuint (lt_frame_reader_get_pending (fixture->reader), ==, 4);
  feed_ok (fixture, "e\nfg");
  assert_frames (fixture, (const char *[]) { "abcde", NULL });
  g_assert_cmpuint (lt_frame_reader_get_pending (fixture->reader), ==, 2);
  feed_ok (fixture, "\n");
  assert_frames (fixture, (const char *[]) { "abcde", "fg", NULL });
  g_assert_cmpuint (lt_frame_reader_get_pending (fixture->reader), ==, 0);
}

/* Every byte in its own feed. */
static void
test_byte_by_byte (Fixture       *fixture,
                   gconstpointer  data)
{
  const char *input = "one\r\ntwo\n\nthree\r\n";

  for (const char *p = input; *p; p++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_true (lt_frame_reader_feed (fixture->reader, p, 1, collect_frame, fixture,
                                           &error));
      g_assert_no_error (error);
    }

  assert_frames (fixture, (const char *[]) { "one", "two", "three", NULL });
  g_assert_cmpuint (lt_frame_reader_get_pending (fixture->reader), ==, 0);
}

static void
test_crlf (Fixture       *fixture,
           gconstpointer  data)
{
  feed_ok (fixture, "ping\r\n");
  /* "\r" and "\n" in separate feeds */
  feed_ok (fixture, "pong\r");
  feed_ok (fixture, "\n");
  /* Only one trailing "\r" is dropped; one inside the frame stays. */
  feed_ok (fixture, "a\rb\r\n");
  assert_frames (fixture, (const char *[]) { "ping", "pong", "a\rb", NULL });
}

static void
test_empty_lines (Fixture       *fixture,
                  gconstpointer  data)
{
  feed_ok (fixture, "\n\n\r\n");
  assert_frames (fixture, (const char *[]) { NULL });
  g_assert_cmpuint (lt_frame_reader_get_pending (fixture->reader), ==, 0);
  feed_ok (fixture, "\nx\n\n\r\ny\n\r");
  feed_ok (fixture, "\n");
  assert_frames (fixture, (const char *[]) { "x", "y", NULL });
  /* A lone "\r" line is an empty line too, and so is an empty feed. */
  g_assert_true (lt_frame_reader_feed (fixture->reader, "", 0, collect_frame, fixture, NULL));
  assert_frames (fixture, (const char *[]) { "x", "y", NULL });
}

static void
test_many_in_one_feed (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(GString) input = g_string_new (NULL);
  g_autoptr(GPtrArray) expected = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < 1000; i++)
    {
      g_string_append_printf (input, "frame %u\n", i);
      g_ptr_array_add (expected, g_strdup_printf ("frame %u", i));
    }
  g_string_append (input, "tail");
  g_ptr_array_add (expected, NULL);

  feed_ok (fixture, input->str);
  assert_frames (fixture, (const char * const *) expected->pdata);
  g_assert_cmpuint (lt_frame_reader_get_pending (fixture->reader), ==, 4);
}

static void
test_exact_limit (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autofree char *max = repeat ('x', MAX_FRAME);
  g_autofree char *line = g_strconcat (max, "\n", NULL);
  g_autofree char *crlf_line = g_strconcat (max, "\r\n", NULL);

  /* In one feed, */
  feed_ok (fixture, line);
  /* with a "\r" that does not count, */
  feed_ok (fixture, crlf_line);
  /* and split so that the pending part reaches the limit before "\r\n" comes. */
  feed_ok (fixture, max);
  g_assert_cmpuint (lt_frame_reader_get_pending (fixture->reader), ==, MAX_FRAME);
  feed_ok (fixture, "\r");
  g_assert_cmpuint (lt_frame_reader_get_pending (fixture->reader), ==, MAX_FRAME + 1);
  feed_ok (fixture, "\n");
  assert_frames (fixture, (const char *[]) { max, max, max, NULL });
  g_assert_cmpuint (lt_frame_reader_get_pending (fixture->reader), ==, 0);
}

static void
test_limit_plus_one (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autofree char *over = repeat ('x', MAX_FRAME + 1);
  g_autofree char *line = g_strconcat ("ok\n", over, "\nnever\n", NULL);

  /* Frames before the bad one are still delivered; none after it. */
  feed_too_large (fixture, line);
  assert_frames (fixture, (const char *[]) { "ok", NULL });
}

static void
test_limit_plus_one_crlf (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autofree char *over = repeat ('x', MAX_FRAME + 1);
  g_autofree char *line = g_strconcat (over, "\r\n", NULL);

  feed_too_large (fixture, line);
  assert_frames (fixture, (const char *[]) { NULL });
}

/* MAX_FRAME + 1 bytes may still end in "\r", so they are held; the
 * newline then shows that they are one byte too many. */
static void
test_limit_plus_one_split (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autofree char *over = repeat ('x', MAX_FRAME + 1);

  feed_ok (fixture, over);
  g_assert_cmpuint (lt_frame_reader_get_pending (fixture->reader), ==, MAX_FRAME + 1);
  feed_too_large (fixture, "\n");
  assert_frames (fixture, (const char *[]) { NULL });
}

/* A partial frame that grows past the limit fails without waiting
 * for its newline, so a client cannot make the reader buffer more. */
static void
test_partial_over_limit (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autofree char *half = repeat ('x', MAX_FRAME / 2);
  g_autofree char *over = repeat ('y', MAX_FRAME + 2);

  feed_ok (fixture, half);
  feed_ok (fixture, half);
  g_assert_cmpuint (lt_frame_reader_get_pending (fixture->reader), ==, MAX_FRAME);
  /* One more byte could still be the "\r" of "\r\n", */
  feed_ok (fixture, "x");
  g_assert_cmpuint (lt_frame_reader_get_pending (fixture->reader), ==, MAX_FRAME + 1);
  /* but two cannot. */
  feed_too_large (fixture, "z");

  /* One feed that is over the limit on its own, in a fresh reader. */
  g_clear_pointer (&fixture->reader, lt_frame_reader_free);
  fixture->reader = lt_frame_reader_new (MAX_FRAME);
  feed_too_large (fixture, over);
  assert_frames (fixture, (const char *[]) { NULL });
}

/* An idle reader, or one between frames, holds no buffer. */
static void
test_idle_no_buffer (Fixture       *fixture,
                     gconstpointer  data)
{
  g_assert_cmpuint (lt_frame_reader_get_pending (fixture->reader), ==, 0);
  feed_ok (fixture, "a\nb\n");
  g_assert_cmpuint (lt_frame_reader_get_pending (fixture->reader), ==, 0);
  feed_ok (fixture, "partial");
  g_assert_cmpuint (lt_frame_reader_get_pending (fixture->reader), ==, strlen ("partial"));
  feed_ok (fixture, "\n");
  g_assert_cmpuint (lt_frame_reader_get_pending (fixture->reader), ==, 0);
  assert_frames (fixture, (const char *[]) { "a", "b", "partial", NULL });
}

/* Frames may hold any bytes but "\n", NUL included: the reader does not
 * judge content, the JSON layer does. */
static void
test_binary (Fixture       *fixture,
             gconstpointer  data)
{
  static const char input[] = "a\0b\xff\n";
  g_autoptr(GError) error = NULL;
  const char *frame;

  g_assert_true (lt_frame_reader_feed (fixture->reader, input, sizeof input - 1, collect_frame,
                                       fixture, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (fixture->frames->len, ==, 1);
  /* collect_frame() copied with g_strndup(), which stops at the NUL. */
  frame = g_ptr_array_index (fixture->frames, 0);
  g_assert_cmpstr (frame, ==, "a");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add ((path), Fixture, NULL, fixture_setup, (func), fixture_teardown)

  ADD ("/frame-reader/single", test_single);
  ADD ("/frame-reader/split", test_split);
  ADD ("/frame-reader/byte-by-byte", test_byte_by_byte);
  ADD ("/frame-reader/crlf", test_crlf);
  ADD ("/frame-reader/empty-lines", test_empty_lines);
  ADD ("/frame-reader/many-in-one-feed", test_many_in_one_feed);
  ADD ("/frame-reader/exact-limit", test_exact_limit);
  ADD ("/frame-reader/limit-plus-one", test_limit_plus_one);
  ADD ("/frame-reader/limit-plus-one-crlf", test_limit_plus_one_crlf);
  ADD ("/frame-reader/limit-plus-one-split", test_limit_plus_one_split);
  ADD ("/frame-reader/partial-over-limit", test_partial_over_limit);
  ADD ("/frame-reader/idle-no-buffer", test_idle_no_buffer);
  ADD ("/frame-reader/binary", test_binary);

#undef ADD

  return g_test_run ();
}
