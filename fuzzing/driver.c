/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Runs a fuzz target over the files named on the command line, so that
 * every target is also a plain test over its seed corpus when libFuzzer
 * is not there. */
#include "config.h"

#include "fuzz.h"

int
main (int   argc,
      char *argv[])
{
  for (int i = 1; i < argc; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *contents = NULL;
      gsize length;

      if (!g_file_get_contents (argv[i], &contents, &length, &error))
        {
          g_printerr ("%s\n", error->message);
          return 1;
        }

      LLVMFuzzerTestOneInput ((const unsigned char *) contents, length);
      g_print ("ok %d %s\n", i, argv[i]);
    }

  g_print ("1..%d\n", argc - 1);
  return 0;
}
