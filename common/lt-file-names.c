/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "lt-file-names.h"

#include <string.h>

/* A longer "extension" is more likely part of the name. */
#define MAX_EXTENSION_BYTES 16

static gboolean
is_control (gunichar c)
{
  return c < 0x20 || (c >= 0x7f && c <= 0x9f);
}

/* The bidirectional overrides and isolates: with them "xcod.exe" can
 * show as "exe.docx". */
static gboolean
is_bidi_control (gunichar c)
{
  return (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
}

static const char *
base_name (const char *name)
{
  const char *base = name;

  for (const char *p = name; *p != '\0'; p++)
    {
      if (*p == '/' || *p == '\\')
        base = p + 1;
    }
  return base;
}

static GString *
drop_unsafe_characters (const char *valid)
{
  GString *kept = g_string_sized_new (strlen (valid));

  for (const char *p = valid; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (!is_control (c) && !is_bidi_control (c))
        g_string_append_unichar (kept, c);
    }
  return kept;
}

static gunichar
last_char (const char *s,
           gsize       length)
{
  return g_utf8_get_char (g_utf8_find_prev_char (s, s + length));
}

/* White space at both ends and dots at the end go: a trailing dot or
 * space is dropped by some systems, and "." and ".." go with them. */
static void
trim (GString *name)
{
  const char *start = name->str;

  while (*start != '\0' && g_unichar_isspace (g_utf8_get_char (start)))
    start = g_utf8_next_char (start);
  g_string_erase (name, 0, start - name->str);

  while (name->len > 0)
    {
      gunichar c = last_char (name->str, name->len);

      if (c != '.' && !g_unichar_isspace (c))
        break;
      g_string_truncate (name, g_utf8_find_prev_char (name->str, name->str + name->len)
                                 - name->str);
    }
}

/* The length of the longest prefix of s, at most max bytes, that ends
 * on a character boundary. */
static gsize
utf8_prefix_length (const char *s,
                    gsize       length,
                    gsize       max)
{
  gsize end = max;

  if (length <= max)
    return length;
  while (end > 0 && ((guchar) s[end] & 0xc0) == 0x80)
    end--;
  return end;
}

/* Cuts the name to LT_FILE_NAME_MAX_BYTES, keeping a short extension. */
static void
truncate_name (GString *name)
{
  const char *dot = strrchr (name->str, '.');
  gsize extension = dot != NULL ? name->len - (dot - name->str) : 0;
  gsize stem;

  if (name->len <= LT_FILE_NAME_MAX_BYTES)
    return;
  if (extension > MAX_EXTENSION_BYTES)
    extension = 0;

  stem = utf8_prefix_length (name->str, name->len - extension,
                             LT_FILE_NAME_MAX_BYTES - extension);
  g_string_erase (name, stem, name->len - extension - stem);
  /* Without an extension, the cut may leave a trailing space or dot. */
  trim (name);
}

/**
 * lt_file_name_sanitize:
 * @name: (nullable): a file name or path from a peer
 *
 * Reduces @name to a base name that is safe to store and to show: the
 * part after the last "/" or "\", in valid UTF-8, without control and
 * bidirectional formatting characters, trimmed, and at most
 * %LT_FILE_NAME_MAX_BYTES bytes (a short extension is kept).  Leading
 * dots stay.  The result of a result is itself.
 *
 * Returns: (transfer full): the safe name, "file" if nothing is left
 */
char *
lt_file_name_sanitize (const char *name)
{
  g_autofree char *valid = g_utf8_make_valid (base_name (name ? name : ""), -1);
  g_autoptr(GString) safe = drop_unsafe_characters (valid);

  trim (safe);
  truncate_name (safe);
  /* Trimming the trailing dots took "." and ".." too. */
  if (safe->len == 0)
    return g_strdup ("file");
  return g_string_free (g_steal_pointer (&safe), FALSE);
}

static gboolean refuse (GError    **error,
                        const char *format,
                        ...) G_GNUC_PRINTF (2, 3);

static gboolean
refuse (GError    **error,
        const char *format,
        ...)
{
  va_list args;

  va_start (args, format);
  g_propagate_error (error, g_error_new_valist (G_IO_ERROR, G_IO_ERROR_INVALID_FILENAME, format,
                                                args));
  va_end (args);
  return FALSE;
}

/* Why lt_file_name_sanitize() would change a component, or NULL.  The
 * component is not quoted in messages: it may hold control characters. */
static const char *
component_problem (const char *component)
{
  gsize length = strlen (component);
  g_autofree char *safe = NULL;
  gunichar last;

  if (length > LT_FILE_NAME_MAX_BYTES)
    return "is too long: more than 255 bytes";
  for (const char *p = component; *p != '\0'; p = g_utf8_next_char (p))
    {
      if (is_control (g_utf8_get_char (p)))
        return "has a control character";
      if (is_bidi_control (g_utf8_get_char (p)))
        return "has a bidirectional formatting character";
    }
  if (g_unichar_isspace (g_utf8_get_char (component)))
    return "starts with white space";
  last = last_char (component, length);
  if (g_unichar_isspace (last))
    return "ends with white space";
  if (last == '.')
    return "ends with a dot";

  safe = lt_file_name_sanitize (component);
  if (!g_str_equal (safe, component))
    return "is not a safe file name";
  return NULL;
}

static gboolean
check_component (const char *component,
                 guint       index,
                 GError    **error)
{
  const char *problem;

  if (component[0] == '\0')
    return refuse (error, "The path has an empty component");
  if (g_str_equal (component, ".") || g_str_equal (component, ".."))
    return refuse (error, "“%s” is not allowed in a path", component);

  problem = component_problem (component);
  if (problem != NULL)
    return refuse (error, "Component %u of the path %s", index + 1, problem);
  return TRUE;
}

/**
 * lt_file_path_check:
 * @path: the relative path of a file in a folder being sent, "a/b/c.txt"
 * @error: why @path is refused
 *
 * Checks a path from a peer before it is stored or written: it must
 * be valid UTF-8, relative, at most %LT_FILE_PATH_MAX_BYTES bytes and
 * %LT_FILE_PATH_MAX_DEPTH components, with components separated by
 * single "/" that are neither "." nor ".." and that
 * lt_file_name_sanitize() leaves as they are.  Backslashes are refused.
 *
 * Returns: %TRUE if @path is safe
 */
gboolean
lt_file_path_check (const char *path,
                    GError    **error)
{
  g_auto(GStrv) components = NULL;
  gsize length;

  g_return_val_if_fail (path != NULL, FALSE);

  length = strlen (path);
  if (length == 0)
    return refuse (error, "The path is empty");
  if (length > LT_FILE_PATH_MAX_BYTES)
    return refuse (error, "The path is too long: more than %d bytes", LT_FILE_PATH_MAX_BYTES);
  if (!g_utf8_validate (path, length, NULL))
    return refuse (error, "The path is not valid UTF-8");
  if (path[0] == '/')
    return refuse (error, "The path is an absolute path");
  if (strchr (path, '\\') != NULL)
    return refuse (error, "The path has a backslash");
  if (path[length - 1] == '/')
    return refuse (error, "The path ends with “/”");

  components = g_strsplit (path, "/", -1);
  if (g_strv_length (components) > LT_FILE_PATH_MAX_DEPTH)
    return refuse (error, "The path is too deep: more than %d components",
                   LT_FILE_PATH_MAX_DEPTH);

  for (guint i = 0; components[i] != NULL; i++)
    {
      if (!check_component (components[i], i, error))
        return FALSE;
    }
  return TRUE;
}

/**
 * lt_file_path_split:
 * @path: a path that lt_file_path_check() accepts
 *
 * Returns: (transfer full): the components of @path
 */
char **
lt_file_path_split (const char *path)
{
  g_return_val_if_fail (path != NULL && lt_file_path_check (path, NULL), NULL);

  return g_strsplit (path, "/", -1);
}
