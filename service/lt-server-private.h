/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the method handlers (lt-server-*.c) share with LtServer: its
 * parts, and the registry of who is online where. */
#pragma once

#include "lt-address-counter.h"
#include "lt-file-storage.h"
#include "lt-file-tokens.h"
#include "lt-mailer.h"
#include "lt-password-hasher.h"
#include "lt-rate-limiter.h"
#include "lt-server.h"
#include "lt-server-connection.h"
#include "lt-store-worker.h"

G_BEGIN_DECLS

/* The online connections of one user. */
typedef struct
{
  char *username;
  char *nickname;
  GPtrArray *connections; /* of LtServerConnection*, not owned */
} LtSession;

struct _LtServer
{
  GObject parent_instance;

  LtServerConfig *config;
  LtStore *store;
  LtStoreWorker *worker;
  LtPasswordHasher *hasher;
  LtMailer *mailer;
  LtRateLimiter *send_limiter;
  LtRateLimiter *login_user_limiter;
  LtRateLimiter *login_address_limiter;
  LtRateLimiter *reset_limiter;
  GTlsCertificate *certificate;
  /* The file service; all NULL with --http-port -1. */
  LtFileStorage *file_storage;
  LtFileTokens *file_tokens;
  GObject *file_service; /* LtFileService */
  guint16 http_port;
  GBytes *hello; /* the frame, built once the ports are bound */

  GSocketService *service;
  GInetSocketAddress *bound_address;
  GHashTable *connections; /* set of LtServerConnection*, owned */
  LtAddressCounter *address_counter; /* of the chat port */
  GHashTable *sessions; /* username → LtSession* */
  GHashTable *room_members; /* "#room" → set of usernames; not #lobby */
  guint sweep_id;

  GTask *shutdown_task;
  gboolean shutting_down;
};

LtSession *lt_server_lookup_session (LtServer   *self,
                                     const char *username);
gboolean lt_server_session_add (LtServer           *self,
                                LtServerConnection *connection,
                                const char         *nickname);
void lt_server_broadcast_presence (LtServer   *self,
                                   const char *username,
                                   const char *nickname,
                                   gboolean    online);
void lt_server_send_to_user (LtServer   *self,
                             const char *username,
                             GBytes     *frame);
void lt_server_send_to_room (LtServer   *self,
                             const char *room,
                             GBytes     *frame);
void lt_server_send_to_all (LtServer   *self,
                            GBytes     *frame,
                            const char *except_username);
GPtrArray *lt_server_list_online (LtServer   *self,
                                  const char *room);
gboolean lt_server_room_exists (LtServer   *self,
                                const char *room);
void lt_server_room_add_member (LtServer   *self,
                                const char *room,
                                const char *username);
void lt_server_room_remove_member (LtServer   *self,
                                   const char *room,
                                   const char *username);

G_END_DECLS
