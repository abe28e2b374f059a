/* SPDX-License-Identifier: GPL-3.0-or-later */
/* lt-test-display.h: an Xvfb of the test program's own.
 *
 * With -displayfd the X server picks a free display and tells it, so
 * parallel tests cannot race for a display number, and valgrind
 * (meson test --setup valgrind) checks the test program, not a wrapper
 * script.  The server dies with the test program, even when an
 * assertion aborts it. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

GSubprocess *lt_test_display_start (void);
void lt_test_display_stop (GSubprocess *xvfb);

G_END_DECLS
