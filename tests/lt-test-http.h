/* SPDX-License-Identifier: GPL-3.0-or-later */
/* lt-test-http.h: HTTP requests to the file service of a test server
 * (PROTOCOL.md §13) with a libsoup client, and the file_* calls that
 * go with them, for the tests of the file service. */
#pragma once

#include "lt-test-utils.h"

#include <libsoup/soup.h>

G_BEGIN_DECLS

/* An answer, its body read whole. */
typedef struct
{
  guint status;
  SoupMessageHeaders *headers;
  GBytes *body;
} LtTestReply;

void lt_test_reply_free (LtTestReply *reply);

SoupSession *lt_test_http_session (void);
SoupMessage *lt_test_http_message (LtTestServer *server,
                                   const char   *method,
                                   const char   *path,
                                   const char   *token);
LtTestReply *lt_test_http_send (SoupMessage *msg);
LtTestReply *lt_test_http_request (LtTestServer *server,
                                   const char   *method,
                                   const char   *path,
                                   const char   *token,
                                   GBytes       *body,
                                   ...) G_GNUC_NULL_TERMINATED;

#define lt_test_assert_status(reply, expected)                                            \
  G_STMT_START                                                                            \
  {                                                                                       \
    if ((reply)->status != (expected))                                                    \
      lt_test_fail ("Expected HTTP %u, got %u: %.*s", (guint) (expected), (reply)->status, \
                    (int) g_bytes_get_size ((reply)->body),                               \
                    (const char *) g_bytes_get_data ((reply)->body, NULL));               \
  }                                                                                       \
  G_STMT_END

void lt_test_assert_body (LtTestReply *reply,
                          const char  *expected);
void lt_test_assert_get (LtTestServer *server,
                         const char   *path,
                         const char   *token,
                         guint         status,
                         const char   *content);
char *lt_test_sha256_of (const char *data);

/* An offer: its id, upload URL and token. */
typedef struct
{
  gint64 file_id;
  char *url;
  char *token;
} LtTestOffer;

void lt_test_offer_free (LtTestOffer *offer);

LtTestOffer *lt_test_offer_sized (LtTestClient *client,
                                  const char   *to,
                                  const char   *name,
                                  guint64       size,
                                  const char   *sha256);
LtTestOffer *lt_test_offer_file (LtTestClient *client,
                                 const char   *to,
                                 const char   *name,
                                 const char   *content,
                                 const char   *sha256);
LtTestReply *lt_test_put_bytes (LtTestServer *server,
                                LtTestOffer  *offer,
                                const char   *content);
char *lt_test_accept_file (LtTestClient *client,
                           gint64        file_id);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LtTestReply, lt_test_reply_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LtTestOffer, lt_test_offer_free)

G_END_DECLS
