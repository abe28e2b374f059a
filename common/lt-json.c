/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "lt-json.h"
#include "lt-protocol.h"

/* json-glib 1.6 parses recursively with no depth limit, so a frame of
 * "[[[[..." would overflow the stack: count nesting ourselves first.
 * Brackets inside strings do not count. */
gboolean
lt_json_check_depth (const char *data,
                     gsize       length,
                     guint       max_depth)
{
  guint depth = 0;
  gboolean in_string = FALSE;

  for (gsize i = 0; i < length; i++)
    {
      char c = data[i];

      if (in_string)
        {
          if (c == '\\')
            i++;
          else if (c == '"')
            in_string = FALSE;
          continue;
        }

      switch (c)
        {
        case '"':
          in_string = TRUE;
          break;
        case '[':
        case '{':
          if (++depth > max_depth)
            return FALSE;
          break;
        case ']':
        case '}':
          if (depth > 0)
            depth--;
          break;
        default:
          break;
        }
    }

  return TRUE;
}

JsonNode *
lt_json_parse_frame (const char *data,
                     gsize       length,
                     GError    **error)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) local_error = NULL;

  if (!g_utf8_validate_len (data, length, NULL))
    {
      g_set_error_literal (error, LT_PROTOCOL_ERROR, LT_PROTOCOL_ERROR_PARSE_ERROR,
                           "Frame is not valid UTF-8");
      return NULL;
    }

  if (!lt_json_check_depth (data, length, LT_MAX_JSON_DEPTH))
    {
      g_set_error (error, LT_PROTOCOL_ERROR, LT_PROTOCOL_ERROR_PARSE_ERROR,
                   "JSON nested deeper than %d levels", LT_MAX_JSON_DEPTH);
      return NULL;
    }

  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, data, length, &local_error))
    {
      g_set_error (error, LT_PROTOCOL_ERROR, LT_PROTOCOL_ERROR_PARSE_ERROR,
                   "Invalid JSON: %s", local_error->message);
      return NULL;
    }

  /* json-glib accepts blank input as a document without a root. */
  if (json_parser_get_root (parser) == NULL)
    {
      g_set_error_literal (error, LT_PROTOCOL_ERROR, LT_PROTOCOL_ERROR_PARSE_ERROR,
                           "Frame holds no JSON value");
      return NULL;
    }

  return json_parser_steal_root (parser);
}

GBytes *
lt_json_to_frame (JsonNode *node)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  GString *frame;

  json_generator_set_root (generator, node);
  frame = json_generator_to_gstring (generator, g_string_sized_new (128));
  g_string_append_c (frame, '\n');
  return g_string_free_to_bytes (frame);
}

static JsonObject *
jsonrpc_object_new (void)
{
  JsonObject *object = json_object_new ();

  json_object_set_string_member (object, "jsonrpc", "2.0");
  return object;
}

static GBytes *
object_to_frame (JsonObject *object)
{
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), object);

  return lt_json_to_frame (node);
}

static JsonNode *
id_or_null (JsonNode *id)
{
  return id ? json_node_copy (id) : json_node_new (JSON_NODE_NULL);
}

GBytes *
lt_jsonrpc_request_new (gint64      id,
                        const char *method,
                        JsonObject *params)
{
  g_autoptr(JsonObject) object = jsonrpc_object_new ();

  json_object_set_int_member (object, "id", id);
  json_object_set_string_member (object, "method", method);
  json_object_set_object_member (object, "params",
                                 params ? json_object_ref (params) : json_object_new ());
  return object_to_frame (object);
}

GBytes *
lt_jsonrpc_notification_new (const char *method,
                             JsonObject *params)
{
  g_autoptr(JsonObject) object = jsonrpc_object_new ();

  json_object_set_string_member (object, "method", method);
  json_object_set_object_member (object, "params",
                                 params ? json_object_ref (params) : json_object_new ());
  return object_to_frame (object);
}

GBytes *
lt_jsonrpc_result_new (JsonNode   *id,
                       JsonObject *result)
{
  g_autoptr(JsonObject) object = jsonrpc_object_new ();

  json_object_set_member (object, "id", id_or_null (id));
  json_object_set_object_member (object, "result",
                                 result ? json_object_ref (result) : json_object_new ());
  return object_to_frame (object);
}

GBytes *
lt_jsonrpc_error_new (JsonNode     *id,
                      const GError *error)
{
  g_autoptr(JsonObject) object = jsonrpc_object_new ();
  JsonObject *error_object = json_object_new ();
  JsonObject *data = json_object_new ();
  LtProtocolError code = LT_PROTOCOL_ERROR_INTERNAL_ERROR;
  const char *message = "Internal error";
  const char *reason;
  gint wire_code;

  if (error->domain == LT_PROTOCOL_ERROR)
    {
      code = error->code;
      message = error->message;
    }

  lt_protocol_error_to_wire (code, &wire_code, &reason);
  json_object_set_string_member (data, "reason", reason);
  json_object_set_int_member (error_object, "code", wire_code);
  json_object_set_string_member (error_object, "message", message);
  json_object_set_object_member (error_object, "data", data);

  json_object_set_member (object, "id", id_or_null (id));
  json_object_set_object_member (object, "error", error_object);
  return object_to_frame (object);
}

/* The reverse of lt_jsonrpc_error_new(), for clients. */
GError *
lt_jsonrpc_error_to_gerror (JsonObject *error_object)
{
  const char *message = json_object_get_string_member_with_default (error_object, "message",
                                                                     "Unknown error");
  gint64 wire_code = json_object_get_int_member_with_default (error_object, "code", -32603);
  const char *reason = NULL;
  LtProtocolError code;

  if (json_object_has_member (error_object, "data")
      && JSON_NODE_HOLDS_OBJECT (json_object_get_member (error_object, "data")))
    {
      JsonObject *data = json_object_get_object_member (error_object, "data");

      reason = json_object_get_string_member_with_default (data, "reason", NULL);
    }

  if (!lt_protocol_error_from_wire (wire_code, reason, &code))
    code = LT_PROTOCOL_ERROR_INTERNAL_ERROR;

  return g_error_new_literal (LT_PROTOCOL_ERROR, code, message);
}

/* Looks a member up; FALSE with *node NULL when it is absent (or null)
 * and allowed to be, FALSE with an error when it is required. */
static gboolean
lookup_member (JsonObject  *object,
               const char  *member,
               gboolean     required,
               JsonNode   **node,
               GError     **error)
{
  *node = object ? json_object_get_member (object, member) : NULL;
  if (*node != NULL && !JSON_NODE_HOLDS_NULL (*node))
    return TRUE;

  *node = NULL;
  if (required)
    g_set_error (error, LT_PROTOCOL_ERROR, LT_PROTOCOL_ERROR_INVALID_PARAMS,
                 "Missing parameter \"%s\"", member);
  return FALSE;
}

static gboolean
wrong_type (const char *member,
            const char *type,
            GError    **error)
{
  g_set_error (error, LT_PROTOCOL_ERROR, LT_PROTOCOL_ERROR_INVALID_PARAMS,
               "Parameter \"%s\" must be %s", member, type);
  return FALSE;
}

/* TRUE with *node NULL when an optional member is absent. */
static gboolean
get_typed_member (JsonObject *object,
                  const char *member,
                  gboolean    required,
                  GType       type,
                  const char *type_name,
                  JsonNode  **node,
                  GError    **error)
{
  if (!lookup_member (object, member, required, node, error))
    return !required;

  if (json_node_get_value_type (*node) != type)
    return wrong_type (member, type_name, error);

  return TRUE;
}

gboolean
lt_json_get_string (JsonObject  *object,
                    const char  *member,
                    gboolean     required,
                    const char **value,
                    GError     **error)
{
  JsonNode *node;

  if (!get_typed_member (object, member, required, G_TYPE_STRING, "a string", &node, error))
    return FALSE;
  if (node != NULL)
    *value = json_node_get_string (node);
  return TRUE;
}

gboolean
lt_json_get_int (JsonObject *object,
                 const char *member,
                 gboolean    required,
                 gint64     *value,
                 GError    **error)
{
  JsonNode *node;

  if (!get_typed_member (object, member, required, G_TYPE_INT64, "an integer", &node, error))
    return FALSE;
  if (node != NULL)
    *value = json_node_get_int (node);
  return TRUE;
}

gboolean
lt_json_get_bool (JsonObject *object,
                  const char *member,
                  gboolean    required,
                  gboolean   *value,
                  GError    **error)
{
  JsonNode *node;

  if (!get_typed_member (object, member, required, G_TYPE_BOOLEAN, "true or false", &node,
                         error))
    return FALSE;
  if (node != NULL)
    *value = json_node_get_boolean (node);
  return TRUE;
}

/**
 * lt_json_get_array:
 * @value: (out) (transfer none): the array; left alone when an optional
 *   member is absent
 */
gboolean
lt_json_get_array (JsonObject *object,
                   const char *member,
                   gboolean    required,
                   JsonArray **value,
                   GError    **error)
{
  JsonNode *node;

  if (!get_typed_member (object, member, required, JSON_TYPE_ARRAY, "an array", &node, error))
    return FALSE;
  if (node != NULL)
    *value = json_node_get_array (node);
  return TRUE;
}
