/* SPDX-License-Identifier: GPL-3.0-or-later */
/* LtFrameStream: newline-delimited frames over any pollable GIOStream
 * (a plain socket or a TLS connection), never blocking the main loop.
 *
 * Reading: when the input is readable, up to READS_PER_DISPATCH chunks
 * are read into one scratch buffer shared by every stream of the
 * thread and cut into frames by an LtFrameReader, so an idle
 * connection holds no read buffer.
 *
 * Writing: frames are queued as GBytes in a ring of pointers, so the
 * same serialized message can be queued to many streams without copies
 * and without a list node per frame.  Queued streams are
 * flushed together once per main loop iteration with one writev() of
 * many frames each; a stream whose peer does not read waits on a
 * pollable source, and one whose queue grows over max_queued is closed
 * rather than allowed to eat the server's memory. */
#include "config.h"

#include "lt-frame-stream.h"
#include "lt-frame-reader.h"
#include "lt-protocol.h"

#define SCRATCH_SIZE (64 * 1024)
#define READS_PER_DISPATCH 4
#define MAX_VECTORS 64
#define CLOSE_FLUSH_TIMEOUT_SECONDS 5

struct _LtFrameStream
{
  GObject parent_instance;

  GIOStream *stream;
  GPollableInputStream *input;
  GPollableOutputStream *output;
  LtFrameReader *reader;
  GSource *read_source;
  GSource *write_source;
  GSource *close_timeout;

  /* The output queue: a ring of frames, allocated on first use. */
  GBytes **ring;
  guint ring_size; /* a power of two, or 0 */
  guint ring_head;
  guint ring_length;
  gsize head_offset; /* bytes of the head frame already written */
  gsize queued;
  gsize max_queued;

  guint flush_scheduled : 1;
  guint closing : 1;
  guint closed : 1;
};

enum {
  SIGNAL_FRAME,
  SIGNAL_FRAME_ERROR,
  SIGNAL_CLOSED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (LtFrameStream, lt_frame_stream, G_TYPE_OBJECT)

static void lt_frame_stream_flush (LtFrameStream *self);

/* Per-thread state: the scratch buffer and the streams to flush. */
typedef struct
{
  char scratch[SCRATCH_SIZE];
  GPtrArray *dirty;
  GSource *flush_source;
} ThreadState;

static void
thread_state_free (gpointer data)
{
  ThreadState *state = data;

  if (state->flush_source != NULL)
    g_source_destroy (state->flush_source);
  g_clear_pointer (&state->flush_source, g_source_unref);
  g_clear_pointer (&state->dirty, g_ptr_array_unref);
  g_free (state);
}

static GPrivate thread_state_key = G_PRIVATE_INIT (thread_state_free);

static ThreadState *
get_thread_state (void)
{
  ThreadState *state = g_private_get (&thread_state_key);

  if (state == NULL)
    {
      state = g_new0 (ThreadState, 1);
      state->dirty = g_ptr_array_new_with_free_func (g_object_unref);
      g_private_set (&thread_state_key, state);
    }

  return state;
}

static gboolean
flush_dirty_streams (gpointer user_data)
{
  ThreadState *state = get_thread_state ();
  g_autoptr(GPtrArray) dirty = g_steal_pointer (&state->dirty);

  state->dirty = g_ptr_array_new_with_free_func (g_object_unref);
  g_clear_pointer (&state->flush_source, g_source_unref);

  for (guint i = 0; i < dirty->len; i++)
    {
      LtFrameStream *stream = g_ptr_array_index (dirty, i);

      stream->flush_scheduled = FALSE;
      lt_frame_stream_flush (stream);
    }

  return G_SOURCE_REMOVE;
}

/* The flush runs at default priority so that it is not starved by
 * readable sockets under load: it runs in the next iteration, after
 * every read of this one has queued its replies. */
static void
schedule_flush (LtFrameStream *self)
{
  ThreadState *state;

  if (self->flush_scheduled || self->write_source != NULL)
    return;

  state = get_thread_state ();
  self->flush_scheduled = TRUE;
  g_ptr_array_add (state->dirty, g_object_ref (self));

  if (state->flush_source == NULL)
    {
      state->flush_source = g_idle_source_new ();
      g_source_set_priority (state->flush_source, G_PRIORITY_DEFAULT);
      g_source_set_static_name (state->flush_source, "[liaotian] flush frame streams");
      g_source_set_callback (state->flush_source, flush_dirty_streams, NULL, NULL);
      g_source_attach (state->flush_source, g_main_context_get_thread_default ());
    }
}

static void
clear_source (GSource **source)
{
  if (*source == NULL)
    return;
  g_source_destroy (*source);
  g_clear_pointer (source, g_source_unref);
}

static GBytes *
ring_nth (LtFrameStream *self,
          guint          n)
{
  return self->ring[(self->ring_head + n) & (self->ring_size - 1)];
}

static void
ring_push (LtFrameStream *self,
           GBytes        *frame)
{
  if (self->ring_length == self->ring_size)
    {
      guint new_size = MAX (self->ring_size * 2, 8);
      GBytes **ring = g_new (GBytes *, new_size);

      for (guint i = 0; i < self->ring_length; i++)
        ring[i] = ring_nth (self, i);
      g_free (self->ring);
      self->ring = ring;
      self->ring_size = new_size;
      self->ring_head = 0;
    }

  self->ring[(self->ring_head + self->ring_length++) & (self->ring_size - 1)] = frame;
}

static void
ring_pop (LtFrameStream *self)
{
  g_bytes_unref (self->ring[self->ring_head]);
  self->ring_head = (self->ring_head + 1) & (self->ring_size - 1);
  self->ring_length--;
}

static void
drop_queue (LtFrameStream *self)
{
  while (self->ring_length > 0)
    ring_pop (self);
  g_clear_pointer (&self->ring, g_free);
  self->ring_size = 0;
  self->ring_head = 0;
  self->head_offset = 0;
  self->queued = 0;
}

static void
on_stream_closed (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(LtFrameStream) self = user_data;

  g_io_stream_close_finish (G_IO_STREAM (object), result, NULL);
}

typedef struct
{
  LtFrameStream *stream;
  GError *error;
} ClosedEmission;

static void
closed_emission_free (ClosedEmission *emission)
{
  g_clear_object (&emission->stream);
  g_clear_error (&emission->error);
  g_free (emission);
}

static gboolean
emit_closed (gpointer user_data)
{
  ClosedEmission *emission = user_data;

  g_signal_emit (emission->stream, signals[SIGNAL_CLOSED], 0, emission->error);
  return G_SOURCE_REMOVE;
}

/* Ends the stream now.  "closed" is emitted once, with the reason, but
 * from an idle callback: never from inside a call such as send(), so
 * that a caller walking its recipients never sees one of them vanish
 * under it. */
static void
finish_close (LtFrameStream *self,
              const GError  *error)
{
  ClosedEmission *emission;
  GSource *source;

  if (self->closed)
    return;

  self->closed = TRUE;
  self->closing = TRUE;
  clear_source (&self->read_source);
  clear_source (&self->write_source);
  clear_source (&self->close_timeout);
  drop_queue (self);
  g_io_stream_close_async (self->stream, G_PRIORITY_DEFAULT, NULL, on_stream_closed,
                           g_object_ref (self));

  emission = g_new0 (ClosedEmission, 1);
  emission->stream = g_object_ref (self);
  emission->error = error ? g_error_copy (error) : NULL;
  source = g_idle_source_new ();
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_static_name (source, "[liaotian] frame stream closed");
  g_source_set_callback (source, emit_closed, emission, (GDestroyNotify) closed_emission_free);
  g_source_attach (source, g_main_context_get_thread_default ());
  g_source_unref (source);
}

static void
on_frame (const char *frame,
          gsize       length,
          gpointer    user_data)
{
  LtFrameStream *self = user_data;
  g_autoptr(GBytes) bytes = NULL;

  if (self->closing)
    return;

  bytes = g_bytes_new_static (frame, length);
  g_signal_emit (self, signals[SIGNAL_FRAME], 0, bytes);
}

/* FALSE when reading should stop (end of stream, error, closing). */
static gboolean
read_some (LtFrameStream *self,
           char          *scratch)
{
  g_autoptr(GError) error = NULL;
  gssize n;

  n = g_pollable_input_stream_read_nonblocking (self->input, scratch, SCRATCH_SIZE, NULL, &error);
  if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
    return FALSE;
  if (n <= 0)
    {
      finish_close (self, error);
      return FALSE;
    }

  if (!lt_frame_reader_feed (self->reader, scratch, n, on_frame, self, &error))
    {
      /* Stop reading; the owner answers the error and closes. */
      clear_source (&self->read_source);
      g_signal_emit (self, signals[SIGNAL_FRAME_ERROR], 0, error);
      return FALSE;
    }

  return !self->closing;
}

static gboolean
on_readable (GObject *pollable,
             gpointer user_data)
{
  g_autoptr(LtFrameStream) self = g_object_ref (user_data);
  ThreadState *state = get_thread_state ();

  for (guint i = 0; i < READS_PER_DISPATCH; i++)
    {
      if (!read_some (self, state->scratch))
        break;
    }

  return G_SOURCE_CONTINUE;
}

static gboolean
on_writable (GObject *pollable,
             gpointer user_data)
{
  LtFrameStream *self = user_data;

  g_clear_pointer (&self->write_source, g_source_unref);
  lt_frame_stream_flush (self);
  return G_SOURCE_REMOVE;
}

static void
wait_writable (LtFrameStream *self)
{
  self->write_source = g_pollable_output_stream_create_source (self->output, NULL);
  g_source_set_static_name (self->write_source, "[liaotian] frame stream writable");
  g_source_set_callback (self->write_source, G_SOURCE_FUNC (on_writable), self, NULL);
  g_source_attach (self->write_source, g_main_context_get_thread_default ());
}

static void
consume (LtFrameStream *self,
         gsize          written)
{
  self->queued -= written;

  while (written > 0)
    {
      gsize left = g_bytes_get_size (ring_nth (self, 0)) - self->head_offset;

      if (written < left)
        {
          self->head_offset += written;
          return;
        }

      written -= left;
      self->head_offset = 0;
      ring_pop (self);
    }
}

/* Writes as much of the queue as the peer takes without blocking. */
static void
lt_frame_stream_flush (LtFrameStream *self)
{
  while (!self->closed && self->ring_length > 0)
    {
      GOutputVector vectors[MAX_VECTORS];
      g_autoptr(GError) error = NULL;
      gsize offset = self->head_offset;
      gsize written = 0;
      guint n;

      for (n = 0; n < self->ring_length && n < MAX_VECTORS; n++)
        {
          gsize size;
          const char *data = g_bytes_get_data (ring_nth (self, n), &size);

          vectors[n].buffer = data + offset;
          vectors[n].size = size - offset;
          offset = 0;
        }

      switch (g_pollable_output_stream_writev_nonblocking (self->output, vectors, n, &written,
                                                           NULL, &error))
        {
        case G_POLLABLE_RETURN_OK:
          consume (self, written);
          break;
        case G_POLLABLE_RETURN_WOULD_BLOCK:
          wait_writable (self);
          return;
        case G_POLLABLE_RETURN_FAILED:
        default:
          finish_close (self, error);
          return;
        }
    }

  if (self->closing && !self->closed)
    finish_close (self, NULL);
}

LtFrameStream *
lt_frame_stream_new (GIOStream *stream,
                     gsize      max_frame,
                     gsize      max_queued)
{
  LtFrameStream *self;

  g_return_val_if_fail (G_IS_IO_STREAM (stream), NULL);
  g_return_val_if_fail (G_IS_POLLABLE_INPUT_STREAM (g_io_stream_get_input_stream (stream)), NULL);
  g_return_val_if_fail (G_IS_POLLABLE_OUTPUT_STREAM (g_io_stream_get_output_stream (stream)),
                        NULL);

  self = g_object_new (LT_TYPE_FRAME_STREAM, NULL);
  self->stream = g_object_ref (stream);
  self->input = G_POLLABLE_INPUT_STREAM (g_io_stream_get_input_stream (stream));
  self->output = G_POLLABLE_OUTPUT_STREAM (g_io_stream_get_output_stream (stream));
  self->reader = lt_frame_reader_new (max_frame);
  self->max_queued = max_queued;
  return self;
}


void
lt_frame_stream_start (LtFrameStream *self)
{
  g_return_if_fail (LT_IS_FRAME_STREAM (self));
  g_return_if_fail (self->read_source == NULL);

  if (self->closing)
    return;

  self->read_source = g_pollable_input_stream_create_source (self->input, NULL);
  g_source_set_static_name (self->read_source, "[liaotian] frame stream readable");
  g_source_set_callback (self->read_source, G_SOURCE_FUNC (on_readable), self, NULL);
  g_source_attach (self->read_source, g_main_context_get_thread_default ());
}

/**
 * lt_frame_stream_send:
 * @frame: one whole frame, ending in "\n"
 *
 * Queues @frame; it is written in the next main loop iteration.  A
 * stream whose queue would exceed max_queued bytes is closed with
 * G_IO_ERROR_NO_SPACE: its peer is not reading.
 *
 * Returns: FALSE when the stream is closed or closing
 */
gboolean
lt_frame_stream_send (LtFrameStream *self,
                      GBytes        *frame)
{
  gsize size;

  g_return_val_if_fail (LT_IS_FRAME_STREAM (self), FALSE);

  if (self->closing)
    return FALSE;

  size = g_bytes_get_size (frame);
  if (self->queued + size > self->max_queued)
    {
      g_autoptr(GError) error = NULL;

      error = g_error_new (G_IO_ERROR, G_IO_ERROR_NO_SPACE,
                           "Output queue over %" G_GSIZE_FORMAT " bytes: peer is not reading",
                           self->max_queued);
      finish_close (self, error);
      return FALSE;
    }

  ring_push (self, g_bytes_ref (frame));
  self->queued += size;
  schedule_flush (self);
  return TRUE;
}

gsize
lt_frame_stream_get_queued (LtFrameStream *self)
{
  g_return_val_if_fail (LT_IS_FRAME_STREAM (self), 0);

  return self->queued;
}

gboolean
lt_frame_stream_is_closed (LtFrameStream *self)
{
  g_return_val_if_fail (LT_IS_FRAME_STREAM (self), TRUE);

  return self->closed;
}

static gboolean
on_close_timeout (gpointer user_data)
{
  LtFrameStream *self = user_data;
  g_autoptr(GError) error = NULL;

  g_clear_pointer (&self->close_timeout, g_source_unref);
  error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                               "Peer did not take the last frames in time");
  finish_close (self, error);
  return G_SOURCE_REMOVE;
}

/**
 * lt_frame_stream_close:
 * @flush: write what is queued first (for at most a few seconds)
 *
 * Stops reading and closes the stream; "closed" is emitted once done.
 */
void
lt_frame_stream_close (LtFrameStream *self,
                       gboolean       flush)
{
  g_return_if_fail (LT_IS_FRAME_STREAM (self));

  if (self->closing)
    return;

  self->closing = TRUE;
  clear_source (&self->read_source);

  if (!flush || self->ring_length == 0)
    {
      finish_close (self, NULL);
      return;
    }

  self->close_timeout = g_timeout_source_new_seconds (CLOSE_FLUSH_TIMEOUT_SECONDS);
  g_source_set_callback (self->close_timeout, on_close_timeout, self, NULL);
  g_source_attach (self->close_timeout, g_main_context_get_thread_default ());
}

static void
lt_frame_stream_dispose (GObject *object)
{
  LtFrameStream *self = LT_FRAME_STREAM (object);

  clear_source (&self->read_source);
  clear_source (&self->write_source);
  clear_source (&self->close_timeout);
  drop_queue (self);

  G_OBJECT_CLASS (lt_frame_stream_parent_class)->dispose (object);
}

static void
lt_frame_stream_finalize (GObject *object)
{
  LtFrameStream *self = LT_FRAME_STREAM (object);

  g_clear_pointer (&self->reader, lt_frame_reader_free);
  g_clear_object (&self->stream);

  G_OBJECT_CLASS (lt_frame_stream_parent_class)->finalize (object);
}

static void
lt_frame_stream_class_init (LtFrameStreamClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = lt_frame_stream_dispose;
  object_class->finalize = lt_frame_stream_finalize;

  /**
   * LtFrameStream::frame:
   * @bytes: the frame, without its newline; valid only during emission
   */
  signals[SIGNAL_FRAME] = g_signal_new ("frame", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                        NULL, NULL, NULL, G_TYPE_NONE, 1,
                                        G_TYPE_BYTES | G_SIGNAL_TYPE_STATIC_SCOPE);

  /**
   * LtFrameStream::frame-error:
   * @error: why reading stopped (a frame over the limit)
   *
   * Reading has stopped; the owner answers and closes the stream.
   */
  signals[SIGNAL_FRAME_ERROR] = g_signal_new ("frame-error", G_TYPE_FROM_CLASS (klass),
                                              G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE,
                                              1, G_TYPE_ERROR);

  /**
   * LtFrameStream::closed:
   * @error: (nullable): why, or %NULL for an orderly close
   *
   * Emitted once, always from the main loop after the call that
   * closed the stream has returned.
   */
  signals[SIGNAL_CLOSED] = g_signal_new ("closed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                         NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);
}

static void
lt_frame_stream_init (LtFrameStream *self)
{
}
