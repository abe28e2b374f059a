/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Unit tests of the JSON-RPC layer shared by the server and the daemon:
 * the nesting check, frame parsing, frame builders, the wire error
 * table and the typed parameter getters. */
#include "config.h"

#include <string.h>

#include "lt-json.h"
#include "lt-protocol.h"

static char *
nested (guint       depth,
        const char *open,
        const char *inner,
        const char *close)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < depth; i++)
    g_string_append (s, open);
  g_string_append (s, inner);
  for (guint i = 0; i < depth; i++)
    g_string_append (s, close);
  return g_string_free (s, FALSE);
}

static gboolean
check_depth (const char *json,
             guint       max_depth)
{
  return lt_json_check_depth (json, strlen (json), max_depth);
}

static void
test_depth_limit (void)
{
  g_autofree char *arrays_32 = nested (32, "[", "1", "]");
  g_autofree char *arrays_33 = nested (33, "[", "1", "]");
  g_autofree char *objects_32 = nested (31, "{\"a\":", "{}", "}");
  g_autofree char *objects_33 = nested (32, "{\"a\":", "{}", "}");
  g_autofree char *mixed_33 = nested (11, "[{\"k\":[", "0", "]}]");
  g_autofree char *deep = nested (10000, "[", "", "]");

  g_assert_true (check_depth ("", LT_MAX_JSON_DEPTH));
  g_assert_true (check_depth ("42", 0));
  g_assert_true (check_depth ("[]", 1));
  g_assert_false (check_depth ("[]", 0));
  g_assert_true (check_depth (arrays_32, LT_MAX_JSON_DEPTH));
  g_assert_false (check_depth (arrays_33, LT_MAX_JSON_DEPTH));
  g_assert_true (check_depth (objects_32, LT_MAX_JSON_DEPTH));
  g_assert_false (check_depth (objects_33, LT_MAX_JSON_DEPTH));
  g_assert_false (check_depth (mixed_33, LT_MAX_JSON_DEPTH));
  g_assert_false (check_depth (deep, LT_MAX_JSON_DEPTH));

  /* Depth is nesting, not the number of brackets. */
  g_assert_true (check_depth ("[[],[],[],[]]", 2));
  g_assert_true (check_depth ("{\"a\":[1],\"b\":{\"c\":2},\"d\":[[3]]}", 3));
  g_assert_false (check_depth ("{\"a\":[1],\"b\":{\"c\":2},\"d\":[[3]]}", 2));

  /* Closing brackets without openers do not let a later run go deeper. */
  g_assert_false (check_depth ("]]]]][[[", 2));
}

static void
test_depth_strings (void)
{
  g_autofree char *brackets = nested (100, "[", "", "]");
  g_autofree char *in_string = g_strdup_printf ("{\"text\":\"%s\"}", brackets);
  g_autofree char *after_escaped_quote = g_strdup_printf ("{\"text\":\"\\\"%s\"}", brackets);
  g_autofree char *after_escaped_backslash = g_strdup_printf ("[\"\\\\\",%s]", brackets);
  g_autofree char *escaped_quotes = g_strdup_printf ("[\"\\\"\\\"\\\\\\\"%s\"]", brackets);

  /* Brackets inside a string do not count, */
  g_assert_true (check_depth (in_string, 1));
  /* nor after an escaped quote, which does not end the string, */
  g_assert_true (check_depth (after_escaped_quote, 1));
  g_assert_true (check_depth (escaped_quotes, 1));
  /* but after an escaped backslash the quote ends it. */
  g_assert_false (check_depth (after_escaped_backslash, LT_MAX_JSON_DEPTH));
  g_assert_true (check_depth ("[\"\\\\\",[1]]", 2));
  g_assert_false (check_depth ("[\"\\\\\",[1]]", 1));
  /* Keys are strings too. */
  g_assert_true (check_depth ("{\"[[[[\":1}", 1));
}

static void
assert_parse_error (const char *data,
                    gsize       length)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = lt_json_parse_frame (data, length, &error);

  if (node != NULL)
    g_error ("Parsing \"%.60s\": expected parse_error, got a %s", data,
             json_node_type_name (node));
  if (error == NULL)
    g_error ("Parsing \"%.60s\": expected parse_error, got NULL without an error", data);
  g_assert_error (error, LT_PROTOCOL_ERROR, LT_PROTOCOL_ERROR_PARSE_ERROR);
}

static void
test_parse_frame (void)
{
  static const char bad_utf8[] = "{\"text\":\"\xff\xfe\"}";
  static const char overlong[] = "{\"text\":\"\xc0\xaf\"}";
  static const char surrogate[] = "{\"text\":\"\xed\xa0\x80\"}";
  static const char nul[] = "{\"text\":\"a\0b\"}";
  g_autofree char *deep = nested (10000, "[", "", "]");
  g_autofree char *ok_32 = nested (31, "{\"a\":", "[]", "}");
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  const char *good = "{\"text\":\"\xe4\xbd\xa0\xe5\xa5\xbd \xf0\x9f\x98\x80\"}";

  node = lt_json_parse_frame (good, strlen (good), &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (node), "text"), ==,
                   "\xe4\xbd\xa0\xe5\xa5\xbd \xf0\x9f\x98\x80");
  g_clear_pointer (&node, json_node_unref);

  node = lt_json_parse_frame (ok_32, strlen (ok_32), &error);
  g_assert_no_error (error);
  g_assert_nonnull (node);
  g_clear_pointer (&node, json_node_unref);

  /* The length is honoured: trailing bytes outside it are not parsed. */
  node = lt_json_parse_frame ("[1]garbage", 3, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_ARRAY (node));

  assert_parse_error (bad_utf8, sizeof bad_utf8 - 1);
  assert_parse_error (overlong, sizeof overlong - 1);
  assert_parse_error (surrogate, sizeof surrogate - 1);
  assert_parse_error (nul, sizeof nul - 1);
  assert_parse_error (deep, strlen (deep));
  assert_parse_error ("{not json", strlen ("{not json"));
  assert_parse_error ("{\"a\":1,}", strlen ("{\"a\":1,}"));
}

/* json-glib accepts an empty or blank document with a NULL root and no
 * error; a frame of spaces (the frame reader only skips empty lines)
 * must still fail as a parse error rather than return NULL without one,
 * or the caller dereferences a NULL error. */
static void
test_parse_frame_blank (void)
{
  assert_parse_error ("", 0);
  assert_parse_error ("   ", 3);
  assert_parse_error (" \t ", 3);
}

/* Parses a frame built by lt_jsonrpc_*_new() and checks the framing. */
static JsonObject *
parse_built_frame (GBytes *frame)
{
  gsize length;
  const char *data = g_bytes_get_data (frame, &length);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  JsonObject *object;

  g_assert_cmpuint (length, >, 1);
  g_assert_cmpint (data[length - 1], ==, '\n');
  g_assert_null (memchr (data, '\n', length - 1));
  node = lt_json_parse_frame (data, length - 1, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
  object = json_node_get_object (node);
  g_assert_cmpstr (json_object_get_string_member (object, "jsonrpc"), ==, "2.0");
  return json_object_ref (object);
}

static void
test_request_round_trip (void)
{
  g_autoptr(JsonObject) params = json_object_new ();
  g_autoptr(GBytes) frame = NULL;
  g_autoptr(JsonObject) request = NULL;
  g_autoptr(JsonObject) empty_request = NULL;
  JsonObject *got_params;

  json_object_set_string_member (params, "to", "#lobby");
  json_object_set_string_member (params, "text", "line one\nline \"two\" \\ \xe2\x9c\x93");
  frame = lt_jsonrpc_request_new (G_GINT64_CONSTANT (9007199254740991), "send", params);
  request = parse_built_frame (frame);

  g_assert_cmpint (json_object_get_int_member (request, "id"), ==,
                   G_GINT64_CONSTANT (9007199254740991));
  g_assert_cmpstr (json_object_get_string_member (request, "method"), ==, "send");
  got_params = json_object_get_object_member (request, "params");
  g_assert_cmpstr (json_object_get_string_member (got_params, "to"), ==, "#lobby");
  g_assert_cmpstr (json_object_get_string_member (got_params, "text"), ==,
                   "line one\nline \"two\" \\ \xe2\x9c\x93");
  g_assert_cmpuint (json_object_get_size (request), ==, 4);

  /* NULL params become {} */
  g_clear_pointer (&frame, g_bytes_unref);
  frame = lt_jsonrpc_request_new (1, "ping", NULL);
  empty_request = parse_built_frame (frame);
  g_assert_cmpuint (json_object_get_size (json_object_get_object_member (empty_request,
                                                                         "params")), ==, 0);
}

static void
test_notification_round_trip (void)
{
  g_autoptr(JsonObject) params = json_object_new ();
  g_autoptr(GBytes) frame = NULL;
  g_autoptr(JsonObject) notification = NULL;

  json_object_set_string_member (params, "username", "alice");
  json_object_set_boolean_member (params, "online", TRUE);
  frame = lt_jsonrpc_notification_new ("presence", params);
  notification = parse_built_frame (frame);

  g_assert_false (json_object_has_member (notification, "id"));
  g_assert_cmpstr (json_object_get_string_member (notification, "method"), ==, "presence");
  g_assert_true (json_object_get_boolean_member (json_object_get_object_member (notification,
                                                                                "params"),
                                                 "online"));
}

static void
test_result_round_trip (void)
{
  g_autoptr(JsonObject) result = json_object_new ();
  g_autoptr(JsonNode) int_id = json_node_new (JSON_NODE_VALUE);
  g_autoptr(JsonNode) string_id = json_node_new (JSON_NODE_VALUE);
  g_autoptr(GBytes) frame = NULL;
  g_autoptr(JsonObject) response = NULL;

  json_object_set_int_member (result, "id", 42);
  json_node_set_int (int_id, 7);
  json_node_set_string (string_id, "req-7");

  frame = lt_jsonrpc_result_new (int_id, result);
  response = parse_built_frame (frame);
  g_assert_cmpint (json_object_get_int_member (response, "id"), ==, 7);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (response, "result"),
                                               "id"), ==, 42);
  g_assert_false (json_object_has_member (response, "error"));
  g_clear_pointer (&frame, g_bytes_unref);
  g_clear_pointer (&response, json_object_unref);

  /* A string id comes back as a string. */
  frame = lt_jsonrpc_result_new (string_id, NULL);
  response = parse_built_frame (frame);
  g_assert_cmpstr (json_object_get_string_member (response, "id"), ==, "req-7");
  g_assert_cmpuint (json_object_get_size (json_object_get_object_member (response, "result")),
                    ==, 0);
  g_clear_pointer (&frame, g_bytes_unref);
  g_clear_pointer (&response, json_object_unref);

  /* No id: "id": null, which JSON-RPC requires in that case. */
  frame = lt_jsonrpc_result_new (NULL, NULL);
  response = parse_built_frame (frame);
  g_assert_true (json_object_has_member (response, "id"));
  g_assert_true (JSON_NODE_HOLDS_NULL (json_object_get_member (response, "id")));
}

/* Every LtProtocolError goes out and comes back unchanged, through the
 * wire table and through complete error frames. */
static void
test_error_round_trip (void)
{
  static const struct
  {
    LtProtocolError error;
    gint wire_code;
    const char *reason;
  } table[] = {
    { LT_PROTOCOL_ERROR_PARSE_ERROR, -32700, "parse_error" },
    { LT_PROTOCOL_ERROR_INVALID_REQUEST, -32600, "invalid_request" },
    { LT_PROTOCOL_ERROR_FRAME_TOO_LARGE, -32600, "frame_too_large" },
    { LT_PROTOCOL_ERROR_METHOD_NOT_FOUND, -32601, "method_not_found" },
    { LT_PROTOCOL_ERROR_INVALID_PARAMS, -32602, "invalid_params" },
    { LT_PROTOCOL_ERROR_INTERNAL_ERROR, -32603, "internal_error" },
    { LT_PROTOCOL_ERROR_NOT_LOGGED_IN, 1000, "not_logged_in" },
    { LT_PROTOCOL_ERROR_NICKNAME_TAKEN, 1001, "nickname_taken" },
    { LT_PROTOCOL_ERROR_USERNAME_TAKEN, 1002, "username_taken" },
    { LT_PROTOCOL_ERROR_EMAIL_TAKEN, 1003, "email_taken" },
    { LT_PROTOCOL_ERROR_NO_SUCH_USER, 1004, "no_such_user" },
    { LT_PROTOCOL_ERROR_WRONG_PASSWORD, 1005, "wrong_password" },
    { LT_PROTOCOL_ERROR_RATE_LIMITED, 1006, "rate_limited" },
    { LT_PROTOCOL_ERROR_NO_SUCH_EMAIL, 1007, "no_such_email" },
    { LT_PROTOCOL_ERROR_INVALID_TOKEN, 1008, "invalid_token" },
    { LT_PROTOCOL_ERROR_ALREADY_FRIENDS, 1009, "already_friends" },
    { LT_PROTOCOL_ERROR_NO_SUCH_ROOM, 1010, "no_such_room" },
    { LT_PROTOCOL_ERROR_ROOM_EXISTS, 1011, "room_exists" },
    { LT_PROTOCOL_ERROR_NOT_IN_ROOM, 1012, "not_in_room" },
    { LT_PROTOCOL_ERROR_MESSAGE_TOO_LONG, 1013, "message_too_long" },
    { LT_PROTOCOL_ERROR_FILE_TOO_LARGE, 1014, "file_too_large" },
    { LT_PROTOCOL_ERROR_QUOTA_EXCEEDED, 1015, "quota_exceeded" },
    { LT_PROTOCOL_ERROR_NO_SUCH_FILE, 1016, "no_such_file" },
    { LT_PROTOCOL_ERROR_FILE_UNAVAILABLE, 1017, "file_unavailable" },
  };

  /* The table covers the whole enum. */
  g_assert_cmpuint (G_N_ELEMENTS (table), ==, LT_PROTOCOL_ERROR_FILE_UNAVAILABLE + 1);

  for (guint i = 0; i < G_N_ELEMENTS (table); i++)
    {
      g_autoptr(GError) error = g_error_new (LT_PROTOCOL_ERROR, table[i].error,
                                             "Message %u \"quoted\"", i);
      g_autoptr(JsonNode) id = json_node_new (JSON_NODE_VALUE);
      g_autoptr(GBytes) frame = NULL;
      g_autoptr(JsonObject) response = NULL;
      g_autoptr(GError) back = NULL;
      g_autofree char *message = NULL;
      JsonObject *error_object;
      JsonObject *data;
      LtProtocolError from_wire = -1;
      gint wire_code = 0;
      const char *reason = NULL;

      g_test_message ("error %s", table[i].reason);

      lt_protocol_error_to_wire (table[i].error, &wire_code, &reason);
      g_assert_cmpint (wire_code, ==, table[i].wire_code);
      g_assert_cmpstr (reason, ==, table[i].reason);
      g_assert_true (lt_protocol_error_from_wire (table[i].wire_code, table[i].reason,
                                                  &from_wire));
      g_assert_cmpint (from_wire, ==, table[i].error);

      json_node_set_int (id, i + 1);
      frame = lt_jsonrpc_error_new (id, error);
      response = parse_built_frame (frame);
      g_assert_cmpint (json_object_get_int_member (response, "id"), ==, i + 1);
      g_assert_false (json_object_has_member (response, "result"));
      error_object = json_object_get_object_member (response, "error");
      g_assert_nonnull (error_object);
      g_assert_cmpint (json_object_get_int_member (error_object, "code"), ==,
                       table[i].wire_code);
      message = g_strdup_printf ("Message %u \"quoted\"", i);
      g_assert_cmpstr (json_object_get_string_member (error_object, "message"), ==, message);
      data = json_object_get_object_member (error_object, "data");
      g_assert_nonnull (data);
      g_assert_cmpstr (json_object_get_string_member (data, "reason"), ==, table[i].reason);

      back = lt_jsonrpc_error_to_gerror (error_object);
      g_assert_error (back, LT_PROTOCOL_ERROR, (gint) table[i].error);
      g_assert_cmpstr (back->message, ==, message);
    }
}

static void
test_error_wire_edge_cases (void)
{
  g_autoptr(GError) foreign = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED,
                                                   "secret /path/to/db detail");
  g_autoptr(GBytes) frame = NULL;
  g_autoptr(JsonObject) response = NULL;
  g_autoptr(JsonObject) no_data = json_object_new ();
  g_autoptr(GError) from_no_data = NULL;
  JsonObject *error_object;
  LtProtocolError error = -1;
  gint wire_code = 0;
  const char *reason = NULL;

  /* Unknown wire codes are refused; a known code with an unknown or
   * missing reason maps to the first error with that code. */
  g_assert_false (lt_protocol_error_from_wire (1099, "nope", &error));
  g_assert_false (lt_protocol_error_from_wire (0, NULL, &error));
  g_assert_true (lt_protocol_error_from_wire (-32600, NULL, &error));
  g_assert_cmpint (error, ==, LT_PROTOCOL_ERROR_INVALID_REQUEST);
  g_assert_true (lt_protocol_error_from_wire (-32600, "frame_too_large", &error));
  g_assert_cmpint (error, ==, LT_PROTOCOL_ERROR_FRAME_TOO_LARGE);
  g_assert_true (lt_protocol_error_from_wire (1005, "something_else", &error));
  g_assert_cmpint (error, ==, LT_PROTOCOL_ERROR_WRONG_PASSWORD);

  /* An enum value out of range goes out as internal_error. */
  lt_protocol_error_to_wire (LT_PROTOCOL_ERROR_FILE_UNAVAILABLE + 1, &wire_code, &reason);
  g_assert_cmpint (wire_code, ==, -32603);
  g_assert_cmpstr (reason, ==, "internal_error");

  /* An error of another domain never leaks its message to the peer. */
  frame = lt_jsonrpc_error_new (NULL, foreign);
  response = parse_built_frame (frame);
  g_assert_true (JSON_NODE_HOLDS_NULL (json_object_get_member (response, "id")));
  error_object = json_object_get_object_member (response, "error");
  g_assert_cmpint (json_object_get_int_member (error_object, "code"), ==, -32603);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (error_object,
                                                                                 "data"),
                                                  "reason"), ==, "internal_error");
  g_assert_null (strstr (json_object_get_string_member (error_object, "message"), "secret"));

  /* A peer's error object without data still becomes a GError. */
  json_object_set_int_member (no_data, "code", 1010);
  json_object_set_string_member (no_data, "message", "No such room");
  from_no_data = lt_jsonrpc_error_to_gerror (no_data);
  g_assert_error (from_no_data, LT_PROTOCOL_ERROR, LT_PROTOCOL_ERROR_NO_SUCH_ROOM);
}

static JsonObject *
object_from_json (const char *json)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = lt_json_parse_frame (json, strlen (json), &error);

  g_assert_no_error (error);
  return json_object_ref (json_node_get_object (node));
}

static void
assert_invalid_params (gboolean    ok,
                       GError     *error,
                       const char *member)
{
  g_assert_false (ok);
  g_assert_error (error, LT_PROTOCOL_ERROR, LT_PROTOCOL_ERROR_INVALID_PARAMS);
  /* The message names the field. */
  if (strstr (error->message, member) == NULL)
    g_error ("Expected an error message naming \"%s\", got \"%s\"", member, error->message);
}

static void
test_getters (void)
{
  g_autoptr(JsonObject) params = object_from_json ("{\"s\":\"text\",\"i\":-5,\"b\":true,"
                                                   "\"n\":null,\"d\":1.5,\"a\":[],\"o\":{},"
                                                   "\"big\":9007199254740993}");
  const char *s = NULL;
  gint64 i = 0;
  gboolean b = FALSE;
  JsonArray *a = NULL;

  g_assert_true (lt_json_get_string (params, "s", TRUE, &s, NULL));
  g_assert_cmpstr (s, ==, "text");
  g_assert_true (lt_json_get_int (params, "i", TRUE, &i, NULL));
  g_assert_cmpint (i, ==, -5);
  g_assert_true (lt_json_get_int (params, "big", TRUE, &i, NULL));
  g_assert_cmpint (i, ==, G_GINT64_CONSTANT (9007199254740993));
  g_assert_true (lt_json_get_bool (params, "b", TRUE, &b, NULL));
  g_assert_true (b);
  g_assert_true (lt_json_get_array (params, "a", TRUE, &a, NULL));
  g_assert_nonnull (a);
  g_assert_cmpuint (json_array_get_length (a), ==, 0);

  /* Optional and absent, or null: TRUE, value untouched. */
  s = "untouched";
  g_assert_true (lt_json_get_string (params, "missing", FALSE, &s, NULL));
  g_assert_cmpstr (s, ==, "untouched");
  g_assert_true (lt_json_get_string (params, "n", FALSE, &s, NULL));
  g_assert_cmpstr (s, ==, "untouched");
  i = 77;
  g_assert_true (lt_json_get_int (params, "missing", FALSE, &i, NULL));
  g_assert_cmpint (i, ==, 77);
  g_assert_true (lt_json_get_bool (params, "n", FALSE, &b, NULL));
  g_assert_true (b);
  a = NULL;
  g_assert_true (lt_json_get_array (params, "missing", FALSE, &a, NULL));
  g_assert_null (a);
  /* A NULL object (no "params" at all) is an empty one. */
  g_assert_true (lt_json_get_string (NULL, "s", FALSE, &s, NULL));
}

static void
test_getter_errors (void)
{
  g_autoptr(JsonObject) params = object_from_json ("{\"s\":\"text\",\"i\":-5,\"b\":true,"
                                                   "\"n\":null,\"d\":1.5,\"a\":[],\"o\":{}}");
  static const char *not_strings[] = { "i", "b", "d", "a", "o" };
  static const char *not_ints[] = { "s", "b", "d", "a", "o" };
  static const char *not_bools[] = { "s", "i", "d", "a", "o" };
  static const char *not_arrays[] = { "s", "i", "b", "d", "o" };
  const char *s = "untouched";
  gint64 i = 77;
  gboolean b = FALSE;
  JsonArray *a = NULL;
  gboolean ok;

  for (guint k = 0; k < G_N_ELEMENTS (not_strings); k++)
    {
      g_autoptr(GError) error = NULL;

      g_test_message ("string getter on \"%s\"", not_strings[k]);
      ok = lt_json_get_string (params, not_strings[k], FALSE, &s, &error);
      assert_invalid_params (ok, error, not_strings[k]);
      g_assert_cmpstr (s, ==, "untouched");
    }

  for (guint k = 0; k < G_N_ELEMENTS (not_ints); k++)
    {
      g_autoptr(GError) error = NULL;

      g_test_message ("int getter on \"%s\"", not_ints[k]);
      ok = lt_json_get_int (params, not_ints[k], TRUE, &i, &error);
      assert_invalid_params (ok, error, not_ints[k]);
      g_assert_cmpint (i, ==, 77);
    }

  for (guint k = 0; k < G_N_ELEMENTS (not_bools); k++)
    {
      g_autoptr(GError) error = NULL;

      g_test_message ("bool getter on \"%s\"", not_bools[k]);
      ok = lt_json_get_bool (params, not_bools[k], TRUE, &b, &error);
      assert_invalid_params (ok, error, not_bools[k]);
      g_assert_false (b);
    }

  for (guint k = 0; k < G_N_ELEMENTS (not_arrays); k++)
    {
      g_autoptr(GError) error = NULL;

      g_test_message ("array getter on \"%s\"", not_arrays[k]);
      ok = lt_json_get_array (params, not_arrays[k], FALSE, &a, &error);
      assert_invalid_params (ok, error, not_arrays[k]);
      g_assert_null (a);
    }

  /* Required and absent or null: invalid_params naming the member. */
  {
    g_autoptr(GError) missing = NULL;
    g_autoptr(GError) null = NULL;
    g_autoptr(GError) no_object = NULL;

    ok = lt_json_get_string (params, "username", TRUE, &s, &missing);
    assert_invalid_params (ok, missing, "username");
    ok = lt_json_get_int (params, "n", TRUE, &i, &null);
    assert_invalid_params (ok, null, "n");
    ok = lt_json_get_bool (NULL, "online", TRUE, &b, &no_object);
    assert_invalid_params (ok, no_object, "online");
  }
}

static void
test_validators (void)
{
  static const char *good_usernames[] = { "abc", "a_b.c-d", "user2024",
                                          "abcdefghijklmnopqrstuvwxyz012345" };
  static const char *bad_usernames[] = { "", "ab", "Alice", "al ice", "al@ice", "\xc3\xa9t\xc3\xa9",
                                         "abcdefghijklmnopqrstuvwxyz0123456" };
  static const char *good_rooms[] = { "#a", "#lobby", "#dev_team.2-x",
                                      "#abcdefghijklmnopqrstuvwxyz012345" };
  static const char *bad_rooms[] = { "", "#", "lobby", "#Lobby", "##a", "#a b",
                                     "#abcdefghijklmnopqrstuvwxyz0123456" };
  static const char *good_emails[] = { "a@b.c", "alice@example.org", "A.Li+tag@mail.example.cn" };
  static const char *bad_emails[] = { "", "alice", "alice@", "@example.org", "a@b@c.d",
                                      "alice@example", "alice@example.", "al ice@example.org",
                                      "alice@.org" };
  static const char *good_nicknames[] = { "A", "Alice Liddell", "\xe6\x9d\x8e\xe5\xb0\x8f\xe9\xbe\x99",
                                          "\xf0\x9f\x98\x80", "12345678901234567890123456789012" };
  static const char *bad_nicknames[] = { "", " ", "\t \t", "a\nb", "bell\a",
                                         "123456789012345678901234567890123", "\xff" };
  g_autofree char *local = g_strnfill (254 - strlen ("@example.org"), 'a');
  g_autofree char *email_254 = g_strdup_printf ("%s@example.org", local);
  g_autofree char *email_255 = g_strdup_printf ("%sa@example.org", local);

  for (guint i = 0; i < G_N_ELEMENTS (good_usernames); i++)
    g_assert_true (lt_protocol_is_valid_username (good_usernames[i]));
  for (guint i = 0; i < G_N_ELEMENTS (bad_usernames); i++)
    g_assert_false (lt_protocol_is_valid_username (bad_usernames[i]));
  g_assert_false (lt_protocol_is_valid_username (NULL));

  for (guint i = 0; i < G_N_ELEMENTS (good_rooms); i++)
    g_assert_true (lt_protocol_is_valid_room (good_rooms[i]));
  for (guint i = 0; i < G_N_ELEMENTS (bad_rooms); i++)
    g_assert_false (lt_protocol_is_valid_room (bad_rooms[i]));
  g_assert_true (lt_protocol_is_valid_room (LT_LOBBY));

  for (guint i = 0; i < G_N_ELEMENTS (good_emails); i++)
    g_assert_true (lt_protocol_is_valid_email (good_emails[i]));
  for (guint i = 0; i < G_N_ELEMENTS (bad_emails); i++)
    g_assert_false (lt_protocol_is_valid_email (bad_emails[i]));
  g_assert_cmpuint (strlen (email_254), ==, 254);
  g_assert_true (lt_protocol_is_valid_email (email_254));
  g_assert_false (lt_protocol_is_valid_email (email_255));

  for (guint i = 0; i < G_N_ELEMENTS (good_nicknames); i++)
    g_assert_true (lt_protocol_is_valid_nickname (good_nicknames[i]));
  for (guint i = 0; i < G_N_ELEMENTS (bad_nicknames); i++)
    g_assert_false (lt_protocol_is_valid_nickname (bad_nicknames[i]));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/json/depth/limit", test_depth_limit);
  g_test_add_func ("/json/depth/strings", test_depth_strings);
  g_test_add_func ("/json/parse-frame", test_parse_frame);
  g_test_add_func ("/json/parse-frame/blank", test_parse_frame_blank);
  g_test_add_func ("/json/round-trip/request", test_request_round_trip);
  g_test_add_func ("/json/round-trip/notification", test_notification_round_trip);
  g_test_add_func ("/json/round-trip/result", test_result_round_trip);
  g_test_add_func ("/json/round-trip/error", test_error_round_trip);
  g_test_add_func ("/json/error-wire-edge-cases", test_error_wire_edge_cases);
  g_test_add_func ("/json/getters", test_getters);
  g_test_add_func ("/json/getter-errors", test_getter_errors);
  g_test_add_func ("/protocol/validators", test_validators);

  return g_test_run ();
}
