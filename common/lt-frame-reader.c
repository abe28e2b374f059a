/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "lt-frame-reader.h"
#include "lt-protocol.h"

#include <string.h>

struct _LtFrameReader
{
  gsize max_frame;
  GByteArray *partial; /* NULL while no partial frame is pending */
};

LtFrameReader *
lt_frame_reader_new (gsize max_frame)
{
  LtFrameReader *self = g_new0 (LtFrameReader, 1);

  self->max_frame = max_frame;
  return self;
}

void
lt_frame_reader_free (LtFrameReader *self)
{
  if (self == NULL)
    return;

  g_clear_pointer (&self->partial, g_byte_array_unref);
  g_free (self);
}

gsize
lt_frame_reader_get_pending (LtFrameReader *self)
{
  return self->partial ? self->partial->len : 0;
}

static gboolean
frame_too_large (LtFrameReader *self,
                 GError       **error)
{
  g_clear_pointer (&self->partial, g_byte_array_unref);
  g_set_error (error, LT_PROTOCOL_ERROR, LT_PROTOCOL_ERROR_FRAME_TOO_LARGE,
               "Frame exceeds %" G_GSIZE_FORMAT " bytes", self->max_frame);
  return FALSE;
}

/* Emits one line (without its "\n"); FALSE if it is over the limit. */
static gboolean
emit_line (LtFrameReader *self,
           const char    *line,
           gsize          length,
           LtFrameFunc    func,
           gpointer       user_data)
{
  if (length > 0 && line[length - 1] == '\r')
    length--;
  if (length > self->max_frame)
    return FALSE;
  if (length > 0)
    func (line, length, user_data);
  return TRUE;
}

gboolean
lt_frame_reader_feed (LtFrameReader *self,
                      const char    *data,
                      gsize          length,
                      LtFrameFunc    func,
                      gpointer       user_data,
                      GError       **error)
{
  const char *end = data + length;
  const char *newline;

  while (data < end && (newline = memchr (data, '\n', end - data)) != NULL)
    {
      gsize line_length = newline - data;
      gboolean fits;

      if (self->partial != NULL)
        {
          g_autoptr(GByteArray) line = g_steal_pointer (&self->partial);

          /* One byte over the limit may still be a "\r". */
          if (line->len + line_length > self->max_frame + 1)
            return frame_too_large (self, error);
          g_byte_array_append (line, (const guint8 *) data, line_length);
          fits = emit_line (self, (const char *) line->data, line->len, func, user_data);
        }
      else
        {
          fits = emit_line (self, data, line_length, func, user_data);
        }

      if (!fits)
        return frame_too_large (self, error);
      data = newline + 1;
    }

  if (data < end)
    {
      if (lt_frame_reader_get_pending (self) + (end - data) > self->max_frame + 1)
        return frame_too_large (self, error);
      if (self->partial == NULL)
        self->partial = g_byte_array_sized_new (end - data);
      g_byte_array_append (self->partial, (const guint8 *) data, end - data);
    }

  return TRUE;
}
