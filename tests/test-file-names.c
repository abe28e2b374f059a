/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Unit tests of the file names and relative paths that come from other
 * people: lt_file_name_sanitize(), lt_file_path_check() and
 * lt_file_path_split(). */
#include "config.h"

#include <string.h>

#include "lt-file-names.h"

typedef struct
{
  const char *name;
  const char *expected;
} NameCase;

static const NameCase name_cases[] = {
  /* Only the base name is kept. */
  { "../../etc/passwd", "passwd" },
  { "C:\\Windows\\evil.exe", "evil.exe" },
  { "\\\\server\\share\\x.doc", "x.doc" },
  { "a/b\\c", "c" },
  { "/", "file" },
  { "dir/", "file" },
  { "dir\\", "file" },
  /* Control characters, C0 and C1, and bidi overrides and isolates go. */
  { "a\nb.txt", "ab.txt" },
  { "a\tb\x1f" "c\x7f" ".txt", "abc.txt" },
  { "a\xc2\x80" "b\xc2\x85" "c\xc2\x9f" ".txt", "abc.txt" },
  { "photo\xe2\x80\xae" "gpj.exe", "photogpj.exe" },
  { "\xe2\x80\xaa" "a\xe2\x80\xab" "b\xe2\x80\xac" "c\xe2\x80\xad" ".txt", "abc.txt" },
  { "a\xe2\x81\xa6" "b\xe2\x81\xa7" "c\xe2\x81\xa8" "d\xe2\x81\xa9" ".txt", "abcd.txt" },
  /* Their neighbours stay. */
  { "a\xe2\x80\xa9" "b\xe2\x81\xaa" ".txt", "a\xe2\x80\xa9" "b\xe2\x81\xaa" ".txt" },
  { "caf\xc3\xa9 \xc2\xa0menu.txt", "caf\xc3\xa9 \xc2\xa0menu.txt" },
  /* Invalid UTF-8 is replaced by U+FFFD. */
  { "bad\xff.txt", "bad\xef\xbf\xbd.txt" },
  { "bad\xc3.txt", "bad\xef\xbf\xbd.txt" },
  /* White space at both ends and dots at the end are trimmed. */
  { "  report.pdf  ", "report.pdf" },
  { "\xc2\xa0report.pdf\xe3\x80\x80", "report.pdf" },
  { "name.", "name" },
  { "name. . .", "name" },
  { "name .txt", "name .txt" },
  { "\x01 report.pdf", "report.pdf" },
  /* Leading dots stay. */
  { ".bashrc", ".bashrc" },
  { "..bashrc", "..bashrc" },
  { "a..b", "a..b" },
  /* Nothing left */
  { "", "file" },
  { ".", "file" },
  { "..", "file" },
  { "...", "file" },
  { " . ", "file" },
  { "\t\x01\n", "file" },
  { "\xe2\x80\xae", "file" },
  { "a/..", "file" },
  /* Already fine */
  { "file", "file" },
  { "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e.txt", "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e.txt" },
  { "r\xc3\xa9sum\xc3\xa9 (final).pdf", "r\xc3\xa9sum\xc3\xa9 (final).pdf" },
};

/* What every result must be, whatever came in. */
static void
check_safe_name (const char *name,
                 const char *safe)
{
  g_autofree char *again = lt_file_name_sanitize (safe);
  g_autoptr(GError) error = NULL;

  if (!g_utf8_validate (safe, -1, NULL))
    g_error ("“%s”: the result is not valid UTF-8", name);
  g_assert_cmpuint (strlen (safe), >, 0);
  g_assert_cmpuint (strlen (safe), <=, LT_FILE_NAME_MAX_BYTES);
  g_assert_null (strchr (safe, '/'));
  g_assert_null (strchr (safe, '\\'));
  /* A safe name stays as it is, and it is a valid path. */
  g_assert_cmpstr (again, ==, safe);
  if (!lt_file_path_check (safe, &error))
    g_error ("“%s”: the path check refuses the sanitized “%s”: %s", name, safe, error->message);
}

static void
test_sanitize (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (name_cases); i++)
    {
      g_autofree char *escaped = g_strescape (name_cases[i].name, NULL);
      g_autofree char *safe = lt_file_name_sanitize (name_cases[i].name);

      g_test_message ("“%s” → “%s”", escaped, safe);
      if (!g_str_equal (safe, name_cases[i].expected))
        g_error ("“%s”: expected “%s”, got “%s”", escaped, name_cases[i].expected, safe);
      check_safe_name (escaped, safe);
    }
}

static void
test_sanitize_null (void)
{
  g_autofree char *safe = lt_file_name_sanitize (NULL);

  g_assert_cmpstr (safe, ==, "file");
}

static char *
repeat (const char *s,
        guint       n)
{
  GString *result = g_string_new (NULL);

  for (guint i = 0; i < n; i++)
    g_string_append (result, s);
  return g_string_free (result, FALSE);
}

typedef struct
{
  const char *prefix;
  const char *unit; /* repeated count times */
  guint count;
  const char *suffix;
  gsize expected_length;
  const char *expected_suffix;
} LongNameCase;

static void
test_sanitize_long (void)
{
  static const LongNameCase cases[] = {
    /* 300 bytes ending in ".tar.gz": ".gz" is kept. */
    { "", "a", 293, ".tar.gz", 255, "aaa.gz" },
    /* 300 bytes of 3-byte characters and an extension */
    { "ab", "\xe4\xb8\xad", 98, ".txt", 255, "\xe4\xb8\xad.txt" },
    /* 304 bytes: the cut falls inside a character, which goes whole. */
    { "", "\xe4\xb8\xad", 100, ".txt", 253, "\xe4\xb8\xad.txt" },
    /* No extension */
    { "", "\xe4\xb8\xad", 100, "", 255, "\xe4\xb8\xad" },
    { "", "\xc3\xa9", 150, "", 254, "\xc3\xa9" },
    /* An "extension" over 16 bytes is not kept. */
    { "", "a", 300, ".bbbbbbbbbbbbbbbbbbbb", 255, "aaa" },
    { "", "a", 300, ".bbbbbbbbbbbbbbb", 255, "a.bbbbbbbbbbbbbbb" },
    /* A cut before a space does not leave it at the end. */
    { "", "a", 254, " bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb.cccccccccccccccccccc", 254, "aaa" },
    { "", "a", 254, "..bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", 254, "aaa" },
    /* A hidden file keeps its leading dot. */
    { ".", "a", 300, "", 255, "aaa" },
    /* The folders go first. */
    { "dir/", "a", 300, ".txt", 255, "aaa.txt" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const LongNameCase *c = &cases[i];
      g_autofree char *units = repeat (c->unit, c->count);
      g_autofree char *name = g_strconcat (c->prefix, units, c->suffix, NULL);
      g_autofree char *safe = lt_file_name_sanitize (name);

      g_test_message ("%" G_GSIZE_FORMAT " bytes → %" G_GSIZE_FORMAT ": “%s”", strlen (name),
                      strlen (safe), safe);
      check_safe_name (name, safe);
      if (strlen (safe) != c->expected_length || !g_str_has_suffix (safe, c->expected_suffix))
        g_error ("Long name %" G_GSIZE_FORMAT ": expected %" G_GSIZE_FORMAT
                 " bytes ending in “%s”, got %" G_GSIZE_FORMAT ": “%s”",
                 i, c->expected_length, c->expected_suffix, strlen (safe), safe);
      /* The start of the base name is kept. */
      g_assert_cmpint (strncmp (safe, strrchr (name, '/') ? strrchr (name, '/') + 1 : name, 4), ==,
                       0);
    }
}

typedef struct
{
  const char *path;
  const char *message; /* a part of the error message; NULL if accepted */
} PathCase;

static void
check_path_case (const PathCase *c)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *escaped = g_strescape (c->path, NULL);
  gboolean ok = lt_file_path_check (c->path, &error);

  g_test_message ("“%s”: %s", escaped, ok ? "accepted" : error->message);
  if (c->message == NULL && !ok)
    g_error ("“%s”: expected to be accepted, got “%s”", escaped, error->message);
  if (c->message != NULL && ok)
    g_error ("“%s”: expected an error about “%s”, got none", escaped, c->message);
  if (c->message != NULL && strstr (error->message, c->message) == NULL)
    g_error ("“%s”: expected an error about “%s”, got “%s”", escaped, c->message,
             error->message);
  if (!ok)
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_FILENAME);
}

static void
test_path_check (void)
{
  static const PathCase cases[] = {
    { "a", NULL },
    { "a/b/c.txt", NULL },
    { "\xe6\x97\xa5\xe6\x9c\xac/\xe6\x96\x87\xe6\x9b\xb8.txt", NULL },
    { ".hidden/.bashrc", NULL },
    { "a b/c d.txt", NULL },
    { "..a/b..c/.d", NULL },
    { "", "The path is empty" },
    { "/etc/passwd", "absolute path" },
    { "//a", "absolute path" },
    { "a/", "ends with “/”" },
    { "a//b", "empty component" },
    { ".", "“.” is not allowed" },
    { "./a", "“.” is not allowed" },
    { "a/./b", "“.” is not allowed" },
    { "..", "“..” is not allowed" },
    { "../a", "“..” is not allowed" },
    { "a/../../b", "“..” is not allowed" },
    { "a/..", "“..” is not allowed" },
    { "a\\b", "backslash" },
    { "..\\a", "backslash" },
    { "C:\\x", "backslash" },
    { "a/b\nc", "Component 2 of the path has a control character" },
    { "a\x01", "control character" },
    { "a/b\x7f", "control character" },
    { "a/b\xc2\x85", "control character" },
    { "a/photo\xe2\x80\xae" "gpj.exe", "bidirectional formatting character" },
    { "\xe2\x81\xa6x/y", "Component 1 of the path has a bidirectional" },
    { " a/b", "starts with white space" },
    { "\xc2\xa0" "a/b", "starts with white space" },
    { "a /b", "ends with white space" },
    { "a/b.txt\t", "control character" },
    { "a/b.", "ends with a dot" },
    { "a/...", "ends with a dot" },
    { "a/\xff", "not valid UTF-8" },
    { "a/b\xc3", "not valid UTF-8" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    check_path_case (&cases[i]);
}

/* Components of n bytes each, joined by "/" */
static char *
path_of (guint n_components,
         guint component_length)
{
  g_autofree char *component = repeat ("a", component_length);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) components = NULL;

  for (guint i = 0; i < n_components; i++)
    g_strv_builder_add (builder, component);
  components = g_strv_builder_end (builder);
  return g_strjoinv ("/", components);
}

static void
test_path_limits (void)
{
  g_autofree char *depth_32 = path_of (LT_FILE_PATH_MAX_DEPTH, 1);
  g_autofree char *depth_33 = path_of (LT_FILE_PATH_MAX_DEPTH + 1, 1);
  g_autofree char *component_255 = path_of (1, LT_FILE_NAME_MAX_BYTES);
  g_autofree char *component_256 = path_of (1, LT_FILE_NAME_MAX_BYTES + 1);
  g_autofree char *second_256 = g_strconcat ("a/", component_256, NULL);
  /* 4 × 255 bytes and 3 slashes: 1023 bytes */
  g_autofree char *four_255 = path_of (4, LT_FILE_NAME_MAX_BYTES);
  g_autofree char *three_255 = path_of (3, LT_FILE_NAME_MAX_BYTES);
  g_autofree char *component_254 = path_of (1, LT_FILE_NAME_MAX_BYTES - 1);
  g_autofree char *bytes_1024 = g_strconcat (three_255, "/", component_254, "/b", NULL);
  g_autofree char *bytes_1025 = g_strconcat (three_255, "/", component_254, "/bb", NULL);
  g_autofree char *parts_1024 = g_strconcat (four_255, "/", NULL);
  const PathCase cases[] = {
    { depth_32, NULL },
    { depth_33, "too deep: more than 32 components" },
    { component_255, NULL },
    { component_256, "Component 1 of the path is too long: more than 255 bytes" },
    { second_256, "Component 2 of the path is too long" },
    { four_255, NULL },
    { bytes_1024, NULL },
    { bytes_1025, "too long: more than 1024 bytes" },
    { parts_1024, "ends with “/”" },
  };

  g_assert_cmpuint (strlen (bytes_1024), ==, LT_FILE_PATH_MAX_BYTES);
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    check_path_case (&cases[i]);
}

/* A name with no "/" is a valid path exactly when sanitizing leaves it
 * as it is. */
static void
test_path_check_agrees_with_sanitize (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (name_cases); i++)
    {
      const char *name = name_cases[i].name;
      g_autofree char *safe = lt_file_name_sanitize (name);
      g_autofree char *escaped = g_strescape (name, NULL);
      gboolean checked;

      if (strchr (name, '/') != NULL)
        continue;
      checked = lt_file_path_check (name, NULL);
      if (checked != g_str_equal (safe, name))
        g_error ("“%s”: the path check %s it, but sanitizing gives “%s”", escaped,
                 checked ? "accepts" : "refuses", safe);
    }
}

static void
test_path_split (void)
{
  g_auto(GStrv) three = lt_file_path_split ("a/b/c.txt");
  g_auto(GStrv) one = lt_file_path_split (".bashrc");

  g_assert_cmpstrv (three, ((const char *[]) { "a", "b", "c.txt", NULL }));
  g_assert_cmpstrv (one, ((const char *[]) { ".bashrc", NULL }));

  /* Only for checked paths */
  g_test_expect_message ("Liaotian", G_LOG_LEVEL_CRITICAL, "*lt_file_path_check*");
  g_assert_null (lt_file_path_split ("../a"));
  g_test_assert_expected_messages ();
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/file-names/sanitize", test_sanitize);
  g_test_add_func ("/file-names/sanitize-null", test_sanitize_null);
  g_test_add_func ("/file-names/sanitize-long", test_sanitize_long);
  g_test_add_func ("/file-names/path-check", test_path_check);
  g_test_add_func ("/file-names/path-limits", test_path_limits);
  g_test_add_func ("/file-names/path-check-agrees-with-sanitize",
                   test_path_check_agrees_with_sanitize);
  g_test_add_func ("/file-names/path-split", test_path_split);

  return g_test_run ();
}
