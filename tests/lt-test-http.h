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

/* The test pattern: deterministic bytes, any part of which can be made
 * without the rest, uploaded and checked a chunk at a time. */
#define LT_TEST_PATTERN_CHUNK (256 * 1024)

void lt_test_pattern_fill (guint8 *buffer,
                           guint64 offset,
                           gsize   length);
char *lt_test_pattern_range_sha256 (guint64 first,
                                    guint64 end);
char *lt_test_pattern_sha256 (guint64 size);
LtTestReply *lt_test_put_pattern (LtTestServer *server,
                                  const char   *path,
                                  const char   *token,
                                  guint64       first,
                                  guint64       end,
                                  guint64       size);
LtTestReply *lt_test_get_hashed (LtTestServer  *server,
                                 const char    *path,
                                 const char    *token,
                                 const char    *range,
                                 guint64       *length,
                                 char         **sha256);
void lt_test_assert_download_is_pattern (LtTestServer *server,
                                         const char   *path,
                                         const char   *token,
                                         guint64       size,
                                         const char   *sha256);
LtTestOffer *lt_test_upload_pattern (LtTestServer *server,
                                     LtTestClient *sender,
                                     const char   *to,
                                     guint64       size,
                                     LtTestClient *receiver,
                                     char        **token);
void lt_test_receive_pattern (LtTestServer *server,
                              LtTestClient *receiver,
                              LtTestOffer  *offer,
                              guint64       size,
                              const char   *sha256);
gint64 lt_test_upload_offset (LtTestServer *server,
                              const char   *path,
                              const char   *token);
void lt_test_wait_upload_offset (LtTestServer *server,
                                 const char   *path,
                                 const char   *token,
                                 gint64        expected);

/* Raw HTTP over a connection whose reads and writes time out. */
GIOStream *lt_test_raw_connect (LtTestServer *server);
void lt_test_raw_send_head (GIOStream  *stream,
                            const char *method,
                            const char *path,
                            const char *token,
                            const char *headers);
void lt_test_raw_send_pattern (GIOStream *stream,
                               guint64    first,
                               guint64    end);
char *lt_test_raw_read_head (GIOStream *stream);
void lt_test_assert_head_status (const char *head,
                                 guint       status);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LtTestReply, lt_test_reply_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LtTestOffer, lt_test_offer_free)

G_END_DECLS
