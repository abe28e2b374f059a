/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The gettext set-up of Liaotian's programs. */
#include "config.h"

#include "lt-i18n.h"

#include <glib/gi18n.h>
#include <locale.h>

/* LOCALEDIR once installed; an uninstalled build (run.sh, the tests,
 * `meson devenv`) sets LIAOTIAN_LOCALEDIR to its po/ folder. */
static const char *
locale_dir (void)
{
  const char *dir = g_getenv ("LIAOTIAN_LOCALEDIR");

  return dir != NULL && *dir != '\0' ? dir : LOCALEDIR;
}

/**
 * lt_i18n_init:
 *
 * Sets the locale from the environment and makes the program's
 * messages come from Liaotian's translations, in UTF-8.  Call it first
 * in main(), before anything is printed or parsed.
 */
void
lt_i18n_init (void)
{
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, locale_dir ());
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
}
