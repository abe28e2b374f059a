/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "lt-server-request.h"
#include "lt-json.h"
#include "lt-server-methods.h"

#include <stdarg.h>

static gboolean
invalid_request (GError    **error,
                 const char *message)
{
  g_set_error_literal (error, LT_PROTOCOL_ERROR, LT_PROTOCOL_ERROR_INVALID_REQUEST, message);
  return FALSE;
}

static gboolean
is_valid_id (JsonNode *id)
{
  GType type = json_node_get_value_type (id);

  return JSON_NODE_HOLDS_NULL (id) || type == G_TYPE_INT64 || type == G_TYPE_STRING
         || type == G_TYPE_DOUBLE;
}

/* Checks the JSON-RPC 2.0 envelope; *id is set as soon as it is known. */
static gboolean
check_envelope (JsonObject *object,
                JsonNode  **id,
                GError    **error)
{
  JsonNode *id_node = json_object_get_member (object, "id");
  JsonNode *params = json_object_get_member (object, "params");
  const char *version = NULL;
  const char *method = NULL;

  if (id_node != NULL)
    {
      if (!is_valid_id (id_node))
        return invalid_request (error, "\"id\" must be a number, a string or null");
      *id = json_node_copy (id_node);
    }

  if (!lt_json_get_string (object, "jsonrpc", FALSE, &version, NULL)
      || g_strcmp0 (version, "2.0") != 0)
    return invalid_request (error, "\"jsonrpc\" must be \"2.0\"");
  if (!lt_json_get_string (object, "method", FALSE, &method, NULL) || method == NULL)
    return invalid_request (error, "\"method\" must be a string");
  if (params != NULL && !JSON_NODE_HOLDS_OBJECT (params))
    return invalid_request (error, "\"params\" must be an object");

  return TRUE;
}

/**
 * lt_server_request_new:
 * @root: a parsed frame
 * @id: (out): the request's id when it could be read, for the answer
 *   to an invalid request
 *
 * Returns: (nullable): the request, or %NULL with
 *   LT_PROTOCOL_ERROR_INVALID_REQUEST
 */
LtServerRequest *
lt_server_request_new (LtServer           *server,
                       LtServerConnection *connection,
                       JsonNode           *root,
                       JsonNode          **id,
                       GError            **error)
{
  LtServerRequest *request;
  JsonObject *object;
  JsonNode *params;

  *id = NULL;
  if (!JSON_NODE_HOLDS_OBJECT (root))
    {
      invalid_request (error, "A request must be a JSON object");
      return NULL;
    }

  object = json_node_get_object (root);
  if (!check_envelope (object, id, error))
    return NULL;

  params = json_object_get_member (object, "params");
  request = g_new0 (LtServerRequest, 1);
  request->server = g_object_ref (server);
  request->connection = g_object_ref (connection);
  request->method = g_strdup (json_object_get_string_member (object, "method"));
  request->id = g_steal_pointer (id);
  request->params = params ? json_object_ref (json_node_get_object (params)) : json_object_new ();
  return request;
}

void
lt_server_request_free (LtServerRequest *request)
{
  if (request == NULL)
    return;

  if (request->state_free != NULL)
    g_clear_pointer (&request->state, request->state_free);
  g_clear_object (&request->server);
  g_clear_object (&request->connection);
  g_clear_pointer (&request->method, g_free);
  g_clear_pointer (&request->id, json_node_unref);
  g_clear_pointer (&request->params, json_object_unref);
  g_free (request);
}

void
lt_server_request_dispatch (LtServerRequest *request)
{
  const LtServerMethod *method = lt_server_method_lookup (request->method);

  if (method == NULL)
    {
      lt_server_request_return_new_error (request, LT_PROTOCOL_ERROR_METHOD_NOT_FOUND,
                                          "Unknown method \"%s\"", request->method);
      return;
    }

  if (method->needs_login && lt_server_request_get_username (request) == NULL)
    {
      lt_server_request_return_new_error (request, LT_PROTOCOL_ERROR_NOT_LOGGED_IN,
                                          "Log in first");
      return;
    }

  method->func (request);
}

/* The logged-in user of the request's connection, or NULL. */
const char *
lt_server_request_get_username (LtServerRequest *request)
{
  return lt_server_connection_get_username (request->connection);
}

/**
 * lt_server_request_return:
 * @result: (transfer full) (nullable): the result; %NULL for {}
 *
 * Answers the request and frees it.
 */
void
lt_server_request_return (LtServerRequest *request,
                          JsonObject      *result)
{
  g_autoptr(LtServerRequest) owned = request;
  g_autoptr(JsonObject) owned_result = result;

  if (request->id != NULL)
    {
      g_autoptr(GBytes) frame = lt_jsonrpc_result_new (request->id, result);

      lt_server_connection_send (request->connection, frame);
    }
}

/* Answers the request with @error and frees it.  Errors that are not
 * the client's fault are logged: the client only learns "internal". */
void
lt_server_request_return_error (LtServerRequest *request,
                                const GError    *error)
{
  g_autoptr(LtServerRequest) owned = request;

  if (error->domain != LT_PROTOCOL_ERROR || error->code == LT_PROTOCOL_ERROR_INTERNAL_ERROR)
    g_warning ("%s from %s failed: %s", request->method,
               lt_server_connection_get_address (request->connection), error->message);

  if (request->id != NULL)
    {
      g_autoptr(GBytes) frame = lt_jsonrpc_error_new (request->id, error);

      lt_server_connection_send (request->connection, frame);
    }
}

void
lt_server_request_return_new_error (LtServerRequest *request,
                                    LtProtocolError  code,
                                    const char      *format,
                                    ...)
{
  g_autoptr(GError) error = NULL;
  va_list args;

  va_start (args, format);
  error = g_error_new_valist (LT_PROTOCOL_ERROR, code, format, args);
  va_end (args);

  lt_server_request_return_error (request, error);
}

/* @state is freed with the request. */
void
lt_server_request_set_state (LtServerRequest *request,
                             gpointer         state,
                             GDestroyNotify   state_free)
{
  g_assert (request->state == NULL);

  request->state = state;
  request->state_free = state_free;
}

typedef struct
{
  LtServerRequest *request;
  LtServerJobDone done;
} JobClosure;

static void
on_job_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  JobClosure *closure = user_data;
  g_autoptr(GError) error = NULL;
  gpointer value;

  value = lt_store_worker_run_finish (LT_STORE_WORKER (source), result, &error);
  closure->done (closure->request, value, error);
  g_free (closure);
}

/**
 * lt_server_request_run_job:
 * @data: (transfer full): the job's data, freed with @data_free
 * @result_free: frees the job's result should it never reach @done
 * @done: called on the main loop after the job's transaction has been
 *   committed (or has failed), with the result
 *
 * Runs @job in the store's thread on behalf of @request.
 */
void
lt_server_request_run_job (LtServerRequest *request,
                           LtStoreJobFunc   job,
                           gpointer         data,
                           GDestroyNotify   data_free,
                           GDestroyNotify   result_free,
                           LtServerJobDone  done)
{
  JobClosure *closure = g_new0 (JobClosure, 1);

  closure->request = request;
  closure->done = done;
  lt_store_worker_run_async (request->server->worker, job, data, data_free, result_free, NULL,
                             on_job_done, closure);
}
