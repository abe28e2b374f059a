/* SPDX-License-Identifier: GPL-3.0-or-later */
/* liaotian: the GNOME client of Liaotian. */
#include "config.h"

#include "lt-application.h"
#include "lt-i18n.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(LtApplication) application = NULL;

  lt_i18n_init ();

  application = lt_application_new ();
  return g_application_run (G_APPLICATION (application), argc, argv);
}
