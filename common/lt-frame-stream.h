/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define LT_TYPE_FRAME_STREAM (lt_frame_stream_get_type ())
G_DECLARE_FINAL_TYPE (LtFrameStream, lt_frame_stream, LT, FRAME_STREAM, GObject)

LtFrameStream *lt_frame_stream_new (GIOStream *stream,
                                    gsize      max_frame,
                                    gsize      max_queued);
void lt_frame_stream_start (LtFrameStream *self);
gboolean lt_frame_stream_send (LtFrameStream *self,
                               GBytes        *frame);
gsize lt_frame_stream_get_queued (LtFrameStream *self);
gboolean lt_frame_stream_is_closed (LtFrameStream *self);
void lt_frame_stream_close (LtFrameStream *self,
                            gboolean       flush);

G_END_DECLS
