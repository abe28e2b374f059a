/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * LtFrameReader:
 *
 * Splits a byte stream into newline-terminated frames of at most
 * max_frame bytes (the newline not counted).  It keeps no buffer while
 * no partial frame is pending, so an idle connection costs nothing
 * here, and it never grows past max_frame: a longer line is an error
 * and the caller closes the connection.  A trailing "\r" is dropped and
 * empty lines are skipped, so people can type frames with nc or telnet.
 */
typedef struct _LtFrameReader LtFrameReader;

typedef void (*LtFrameFunc) (const char *frame,
                             gsize       length,
                             gpointer    user_data);

LtFrameReader *lt_frame_reader_new (gsize max_frame);
void lt_frame_reader_free (LtFrameReader *self);
gsize lt_frame_reader_get_pending (LtFrameReader *self);
gboolean lt_frame_reader_feed (LtFrameReader *self,
                               const char    *data,
                               gsize          length,
                               LtFrameFunc    func,
                               gpointer       user_data,
                               GError       **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LtFrameReader, lt_frame_reader_free)

G_END_DECLS
