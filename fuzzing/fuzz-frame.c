/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Everything a server does with bytes from a client before a method
 * handler sees them: cutting frames, the UTF-8 and depth checks, JSON
 * parsing, reading the JSON-RPC envelope and typed parameters, and
 * answering with an error frame. */
#include "config.h"

#include "fuzz.h"
#include "lt-frame-reader.h"
#include "lt-json.h"
#include "lt-protocol.h"

#define FUZZ_MAX_FRAME 4096

static void
read_params (JsonObject *object)
{
  const char *text = NULL;
  gint64 number = 0;
  gboolean flag = FALSE;
  JsonObject *params = NULL;

  if (json_object_has_member (object, "params")
      && JSON_NODE_HOLDS_OBJECT (json_object_get_member (object, "params")))
    params = json_object_get_object_member (object, "params");

  lt_json_get_string (object, "method", FALSE, &text, NULL);
  lt_json_get_string (params, "text", FALSE, &text, NULL);
  lt_json_get_int (params, "up_to", FALSE, &number, NULL);
  lt_json_get_bool (params, "offline", FALSE, &flag, NULL);
  if (text != NULL)
    {
      lt_protocol_is_valid_username (text);
      lt_protocol_is_valid_room (text);
      lt_protocol_is_valid_email (text);
      lt_protocol_is_valid_nickname (text);
    }

  if (json_object_has_member (object, "error")
      && JSON_NODE_HOLDS_OBJECT (json_object_get_member (object, "error")))
    g_error_free (lt_jsonrpc_error_to_gerror (json_object_get_object_member (object, "error")));
}

static void
on_frame (const char *frame,
          gsize       length,
          gpointer    user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = lt_json_parse_frame (frame, length, &error);
  g_autoptr(GBytes) reply = NULL;

  if (root == NULL)
    {
      /* Every refusal must carry a reason: the server answers with it. */
      g_assert (error != NULL && error->domain == LT_PROTOCOL_ERROR);
      reply = lt_jsonrpc_error_new (NULL, error);
      return;
    }

  if (JSON_NODE_HOLDS_OBJECT (root))
    read_params (json_node_get_object (root));
  reply = lt_json_to_frame (root);
}

int
LLVMFuzzerTestOneInput (const unsigned char *data,
                        size_t               size)
{
  g_autoptr(LtFrameReader) reader = lt_frame_reader_new (FUZZ_MAX_FRAME);
  gsize half = size / 2;

  /* Two feeds, so frames split across reads are exercised too. */
  if (lt_frame_reader_feed (reader, (const char *) data, half, on_frame, NULL, NULL))
    lt_frame_reader_feed (reader, (const char *) data + half, size - half, on_frame, NULL, NULL);
  g_assert (lt_frame_reader_get_pending (reader) <= FUZZ_MAX_FRAME + 1);
  return 0;
}
