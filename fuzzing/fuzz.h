/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

/* Each target defines this; libFuzzer or driver.c calls it. */
int LLVMFuzzerTestOneInput (const unsigned char *data,
                            size_t               size);
