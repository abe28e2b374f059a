/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the file service and the daemon do with a Range or
 * Content-Range header and with a file name or path from a peer. */
#include "config.h"

#include <string.h>

#include "fuzz.h"
#include "lt-file-names.h"
#include "lt-http-range.h"

static void
parse_range (const char *value,
             guint64     size)
{
  g_autoptr(GError) error = NULL;
  LtHttpRange range;

  switch (lt_http_range_parse (value, size, &range, &error))
    {
    case LT_HTTP_RANGE_SINGLE:
      g_assert (range.start <= range.end && range.end < size);
      G_GNUC_FALLTHROUGH;
    case LT_HTTP_RANGE_NONE:
    case LT_HTTP_RANGE_IGNORED:
      g_assert (error == NULL);
      break;
    case LT_HTTP_RANGE_UNSATISFIABLE:
    default:
      /* Every refusal carries a reason. */
      g_assert (error != NULL && g_utf8_validate (error->message, -1, NULL));
      break;
    }
}

static void
parse_content_range (const char *value)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *formatted = NULL;
  LtHttpRange range, again;
  guint64 complete, complete_again;

  if (!lt_http_content_range_parse (value, &range, &complete, &error))
    {
      g_assert (error != NULL && g_utf8_validate (error->message, -1, NULL));
      return;
    }

  g_assert (range.start <= range.end && range.end < complete);
  /* What is read is written back the same (but for case and zeros). */
  formatted = lt_http_content_range_format (&range, complete);
  g_assert (lt_http_content_range_parse (formatted, &again, &complete_again, NULL));
  g_assert (again.start == range.start && again.end == range.end);
  g_assert (complete_again == complete);
}

static void
check_name (const char *name)
{
  g_autofree char *safe = lt_file_name_sanitize (name);
  g_autofree char *again = lt_file_name_sanitize (safe);

  g_assert (g_utf8_validate (safe, -1, NULL));
  g_assert (safe[0] != '\0' && strlen (safe) <= LT_FILE_NAME_MAX_BYTES);
  g_assert (strchr (safe, '/') == NULL && strchr (safe, '\\') == NULL);
  g_assert (g_str_equal (again, safe));
  g_assert (lt_file_path_check (safe, NULL));
}

static void
check_path (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) components = NULL;

  if (!lt_file_path_check (path, &error))
    {
      g_assert (error != NULL && g_utf8_validate (error->message, -1, NULL));
      return;
    }

  components = lt_file_path_split (path);
  g_assert (g_strv_length (components) <= LT_FILE_PATH_MAX_DEPTH);
  for (guint i = 0; components[i] != NULL; i++)
    {
      g_autofree char *safe = lt_file_name_sanitize (components[i]);

      g_assert (g_str_equal (safe, components[i]));
    }
}

int
LLVMFuzzerTestOneInput (const unsigned char *data,
                        size_t               size)
{
  static const guint64 sizes[] = { 0, 1, 1000, G_MAXUINT64 };
  g_autofree char *value = g_strndup ((const char *) data, size);

  for (gsize i = 0; i < G_N_ELEMENTS (sizes); i++)
    parse_range (value, sizes[i]);
  parse_content_range (value);
  check_name (value);
  check_path (value);
  return 0;
}
