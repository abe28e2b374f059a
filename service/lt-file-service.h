/* SPDX-License-Identifier: GPL-3.0-or-later */
/* lt-file-service.h: the HTTP file service of liaotian-server. */
#pragma once

#include "lt-server.h"

G_BEGIN_DECLS

#define LT_TYPE_FILE_SERVICE (lt_file_service_get_type ())
G_DECLARE_FINAL_TYPE (LtFileService, lt_file_service, LT, FILE_SERVICE, GObject)

LtFileService *lt_file_service_new (LtServer        *server,
                                    GTlsCertificate *certificate);
gboolean lt_file_service_listen (LtFileService *self,
                                 GInetAddress  *address,
                                 guint16        port,
                                 guint16       *bound_port,
                                 GError       **error);
void lt_file_service_stop (LtFileService *self);

G_END_DECLS
