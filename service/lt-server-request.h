/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "lt-protocol.h"
#include "lt-server-private.h"
#include "lt-store-worker.h"

G_BEGIN_DECLS

/**
 * LtServerRequest:
 *
 * One JSON-RPC request on its way through a method handler.  Each
 * request is answered exactly once: lt_server_request_return*() send
 * the answer (none for a JSON-RPC notification) and free the request.
 */
typedef struct
{
  LtServer *server;
  LtServerConnection *connection;
  char *method;
  JsonNode *id; /* NULL for a notification */
  JsonObject *params; /* never NULL */
  gpointer state; /* a handler's own, across its async steps */
  GDestroyNotify state_free;
} LtServerRequest;

/* Runs on the main loop once a store job is committed (or failed);
 * @result is transfer full. */
typedef void (*LtServerJobDone) (LtServerRequest *request,
                                 gpointer         result,
                                 const GError    *error);

LtServerRequest *lt_server_request_new (LtServer           *server,
                                        LtServerConnection *connection,
                                        JsonNode           *root,
                                        JsonNode          **id,
                                        GError            **error);
void lt_server_request_free (LtServerRequest *request);
void lt_server_request_dispatch (LtServerRequest *request);
void lt_server_request_set_state (LtServerRequest *request,
                                  gpointer         state,
                                  GDestroyNotify   state_free);
const char *lt_server_request_get_username (LtServerRequest *request);
void lt_server_request_return (LtServerRequest *request,
                               JsonObject      *result);
void lt_server_request_return_error (LtServerRequest *request,
                                     const GError    *error);
void lt_server_request_return_new_error (LtServerRequest *request,
                                         LtProtocolError  code,
                                         const char      *format,
                                         ...) G_GNUC_PRINTF (3, 4);
void lt_server_request_run_job (LtServerRequest *request,
                                LtStoreJobFunc   job,
                                gpointer         data,
                                GDestroyNotify   data_free,
                                GDestroyNotify   result_free,
                                LtServerJobDone  done);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LtServerRequest, lt_server_request_free)

G_END_DECLS
