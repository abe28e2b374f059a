/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* What liaotian-server is told by its command line and --config file. */
typedef struct
{
  char *listen;
  gint port;
  char *data_dir;
  char *tls_cert;
  char *tls_key;
  gint64 max_frame;
  char *mail_command;
  gboolean verbose;
  gboolean insecure_plaintext;
  gint max_connections_per_address;
  gint login_timeout;
  gint idle_timeout;
  gint rate_limit;
  gint64 max_queue;
  gint hash_threads;
  gint http_port; /* -1: no file service */
  gint64 max_file_size;
  gint64 file_quota;
  gint stale_file_age; /* seconds without upload activity before an offer is dropped */
  gint file_token_lifetime; /* seconds an upload or download token is good for */
} LtServerConfig;

LtServerConfig *lt_server_config_new (void);
void lt_server_config_free (LtServerConfig *config);
gboolean lt_server_config_parse (LtServerConfig *config,
                                 int            *argc,
                                 char         ***argv,
                                 GError        **error);
gboolean lt_server_config_validate (LtServerConfig *config,
                                    GError        **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LtServerConfig, lt_server_config_free)

G_END_DECLS
