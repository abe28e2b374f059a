/* SPDX-License-Identifier: GPL-3.0-or-later */
/* lt-json.h: JSON-RPC 2.0 frames for Liaotian, on json-glib. */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

gboolean lt_json_check_depth (const char *data,
                              gsize       length,
                              guint       max_depth);
JsonNode *lt_json_parse_frame (const char *data,
                               gsize       length,
                               GError    **error);
GBytes *lt_json_to_frame (JsonNode *node);

GBytes *lt_jsonrpc_request_new (gint64      id,
                                const char *method,
                                JsonObject *params);
GBytes *lt_jsonrpc_notification_new (const char *method,
                                     JsonObject *params);
GBytes *lt_jsonrpc_result_new (JsonNode   *id,
                               JsonObject *result);
GBytes *lt_jsonrpc_error_new (JsonNode     *id,
                              const GError *error);
GError *lt_jsonrpc_error_to_gerror (JsonObject *error_object);

gboolean lt_json_get_string (JsonObject  *object,
                             const char  *member,
                             gboolean     required,
                             const char **value,
                             GError     **error);
gboolean lt_json_get_int (JsonObject *object,
                          const char *member,
                          gboolean    required,
                          gint64     *value,
                          GError    **error);
gboolean lt_json_get_bool (JsonObject *object,
                           const char *member,
                           gboolean    required,
                           gboolean   *value,
                           GError    **error);
gboolean lt_json_get_array (JsonObject *object,
                            const char *member,
                            gboolean    required,
                            JsonArray **value,
                            GError    **error);

G_END_DECLS
