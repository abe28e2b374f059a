/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A minimal scanner for the frames the server sends: finds the members
 * the load generator needs without building a tree or allocating, and
 * without assuming any member order. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  const char *start;
  gsize length;
} LtbSpan;

typedef enum
{
  LTB_FRAME_OTHER,    /* a notification the load generator ignores */
  LTB_FRAME_HELLO,
  LTB_FRAME_BYE,
  LTB_FRAME_RESPONSE, /* a result or an error */
  LTB_FRAME_MESSAGE,
} LtbFrameKind;

typedef struct
{
  LtbFrameKind kind;
  gint64 id;          /* RESPONSE: the request id; MESSAGE: the message id */
  gboolean is_error;  /* RESPONSE */
  gint64 error_code;  /* RESPONSE with is_error */
  gboolean offline;   /* MESSAGE: part of the push after login */
  LtbSpan text;       /* MESSAGE: the text as it is in the frame (escaped) */
} LtbFrame;

gboolean ltb_scan_frame (const char *frame,
                         gsize       length,
                         LtbFrame   *out);

G_END_DECLS
