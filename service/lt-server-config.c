/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The server's settings: defaults, then the [server] group of the
 * --config key file, then the command line, each overriding the one
 * before.  Key names are the long option names without dashes. */
#include "config.h"

#include "lt-server-config.h"
#include "lt-protocol.h"

#include <gio/gio.h>
#include <string.h>

#define UNSET_INT G_MININT
#define UNSET_INT64 G_MININT64

LtServerConfig *
lt_server_config_new (void)
{
  LtServerConfig *config = g_new0 (LtServerConfig, 1);

  config->listen = g_strdup ("127.0.0.1");
  config->port = LT_DEFAULT_PORT;
  config->data_dir = g_build_filename (g_get_user_data_dir (), "liaotian", "server", NULL);
  config->max_frame = LT_DEFAULT_MAX_FRAME;
  config->max_connections_per_address = 32;
  config->login_timeout = 30;
  config->idle_timeout = 120;
  config->rate_limit = 20;
  config->max_queue = 4 * 1024 * 1024;
  config->hash_threads = 2;
  config->http_port = LT_DEFAULT_HTTP_PORT;
  config->max_file_size = (gint64) 2 << 30;
  config->file_quota = (gint64) 10 << 30;
  config->stale_file_age = 24 * 60 * 60;
  config->file_token_lifetime = 24 * 60 * 60;
  return config;
}

void
lt_server_config_free (LtServerConfig *config)
{
  if (config == NULL)
    return;

  g_free (config->listen);
  g_free (config->data_dir);
  g_free (config->tls_cert);
  g_free (config->tls_key);
  g_free (config->mail_command);
  g_free (config);
}

typedef enum
{
  SETTING_STRING,
  SETTING_FILENAME,
  SETTING_INT,
  SETTING_INT64,
  SETTING_BOOL,
} SettingType;

typedef struct
{
  const char *name;
  SettingType type;
  gsize offset;
  const char *description;
  const char *arg_description;
} Setting;

#define SETTING(name, type, field, description, arg) \
  { name, type, G_STRUCT_OFFSET (LtServerConfig, field), description, arg }

/* One table drives the options, the key file and the overlay. */
static const Setting settings[] = {
  SETTING ("listen", SETTING_STRING, listen, "Address to listen on (default 127.0.0.1)", "ADDR"),
  SETTING ("port", SETTING_INT, port, "TCP port (default 4567; 0 picks a free one)", "N"),
  SETTING ("data-dir", SETTING_FILENAME, data_dir, "Folder of the database and outbox", "DIR"),
  SETTING ("tls-cert", SETTING_FILENAME, tls_cert, "PEM certificate: speak direct TLS", "FILE"),
  SETTING ("tls-key", SETTING_FILENAME, tls_key, "PEM private key of --tls-cert", "FILE"),
  SETTING ("max-frame", SETTING_INT64, max_frame, "Largest frame in bytes (default 65536)", "BYTES"),
  SETTING ("mail-command", SETTING_STRING, mail_command, "Pipe mails to this command", "CMD"),
  SETTING ("verbose", SETTING_BOOL, verbose, "Log debug messages", NULL),
  SETTING ("insecure-plaintext", SETTING_BOOL, insecure_plaintext,
           "Allow a non-loopback address without TLS", NULL),
  SETTING ("max-connections-per-address", SETTING_INT, max_connections_per_address,
           "Connections one address may hold on each port, chat and HTTP (default 32)",
           "N"),
  SETTING ("login-timeout", SETTING_INT, login_timeout,
           "Seconds a connection may take to log in (default 30)", "S"),
  SETTING ("idle-timeout", SETTING_INT, idle_timeout,
           "Seconds of silence before a connection is closed (default 120)", "S"),
  SETTING ("rate-limit", SETTING_INT, rate_limit, "Messages per second per user (default 20)",
           "N"),
  SETTING ("max-queue", SETTING_INT64, max_queue,
           "Unsent bytes before a client is disconnected (default 4194304)", "BYTES"),
  SETTING ("hash-threads", SETTING_INT, hash_threads,
           "Threads hashing passwords (default 2)", "N"),
  SETTING ("http-port", SETTING_INT, http_port,
           "Port of the HTTP file service (default 4568; 0 picks a free one; -1 turns it off)",
           "N"),
  SETTING ("max-file-size", SETTING_INT64, max_file_size,
           "Largest file or folder one can send (default 2147483648)", "BYTES"),
  SETTING ("file-quota", SETTING_INT64, file_quota,
           "Bytes of files each user may have stored (default 10737418240)", "BYTES"),
  SETTING ("stale-file-age", SETTING_INT, stale_file_age,
           "Seconds an incomplete file offer may stay idle before it is dropped "
           "(default 86400)", "S"),
  SETTING ("file-token-lifetime", SETTING_INT, file_token_lifetime,
           "Seconds an upload or download token is good for (default 86400)", "S"),
};

/* Where a setting's command-line value lands before the overlay. */
typedef union
{
  char *string;
  gint integer;
  gint64 integer64;
  gboolean boolean;
} CliValue;

static GOptionArg
option_arg (SettingType type)
{
  switch (type)
    {
    case SETTING_STRING:
      return G_OPTION_ARG_STRING;
    case SETTING_FILENAME:
      return G_OPTION_ARG_FILENAME;
    case SETTING_INT:
      return G_OPTION_ARG_INT;
    case SETTING_INT64:
      return G_OPTION_ARG_INT64;
    case SETTING_BOOL:
    default:
      return G_OPTION_ARG_NONE;
    }
}

static void
set_string (LtServerConfig *config,
            const Setting  *setting,
            char           *value)
{
  char **field = G_STRUCT_MEMBER_P (config, setting->offset);

  g_free (*field);
  *field = value;
}

static gboolean
apply_key (LtServerConfig *config,
           const Setting  *setting,
           GKeyFile       *keyfile,
           GError        **error)
{
  GError *local_error = NULL;
  gpointer field = G_STRUCT_MEMBER_P (config, setting->offset);

  if (!g_key_file_has_key (keyfile, "server", setting->name, NULL))
    return TRUE;

  switch (setting->type)
    {
    case SETTING_STRING:
    case SETTING_FILENAME:
      set_string (config, setting, g_key_file_get_string (keyfile, "server", setting->name, NULL));
      break;
    case SETTING_INT:
      *(gint *) field = g_key_file_get_integer (keyfile, "server", setting->name, &local_error);
      break;
    case SETTING_INT64:
      *(gint64 *) field = g_key_file_get_int64 (keyfile, "server", setting->name, &local_error);
      break;
    case SETTING_BOOL:
      *(gboolean *) field = g_key_file_get_boolean (keyfile, "server", setting->name,
                                                    &local_error);
      break;
    }

  if (local_error != NULL)
    {
      g_propagate_prefixed_error (error, local_error, "Key “%s”: ", setting->name);
      return FALSE;
    }

  return TRUE;
}

static gboolean
load_keyfile (LtServerConfig *config,
              const char     *path,
              GError        **error)
{
  g_autoptr(GKeyFile) keyfile = g_key_file_new ();

  if (!g_key_file_load_from_file (keyfile, path, G_KEY_FILE_NONE, error))
    {
      g_prefix_error (error, "%s: ", path);
      return FALSE;
    }

  for (guint i = 0; i < G_N_ELEMENTS (settings); i++)
    {
      if (!apply_key (config, &settings[i], keyfile, error))
        {
          g_prefix_error (error, "%s: ", path);
          return FALSE;
        }
    }

  return TRUE;
}

static void
apply_cli_value (LtServerConfig *config,
                 const Setting  *setting,
                 CliValue       *value)
{
  gpointer field = G_STRUCT_MEMBER_P (config, setting->offset);

  switch (setting->type)
    {
    case SETTING_STRING:
    case SETTING_FILENAME:
      if (value->string != NULL)
        set_string (config, setting, g_steal_pointer (&value->string));
      break;
    case SETTING_INT:
      if (value->integer != UNSET_INT)
        *(gint *) field = value->integer;
      break;
    case SETTING_INT64:
      if (value->integer64 != UNSET_INT64)
        *(gint64 *) field = value->integer64;
      break;
    case SETTING_BOOL:
      if (value->boolean)
        *(gboolean *) field = TRUE;
      break;
    }
}

static void
init_cli_value (const Setting *setting,
                CliValue      *value)
{
  memset (value, 0, sizeof *value);
  if (setting->type == SETTING_INT)
    value->integer = UNSET_INT;
  else if (setting->type == SETTING_INT64)
    value->integer64 = UNSET_INT64;
}

/**
 * lt_server_config_parse:
 *
 * Reads the command line, and the key file it names with --config,
 * into @config.
 */
gboolean
lt_server_config_parse (LtServerConfig *config,
                        int            *argc,
                        char         ***argv,
                        GError        **error)
{
  g_autoptr(GOptionContext) context = g_option_context_new ("— the Liaotian chat server");
  GOptionEntry entries[G_N_ELEMENTS (settings) + 2] = { { NULL } };
  CliValue values[G_N_ELEMENTS (settings)];
  g_autofree char *config_path = NULL;
  gboolean ok = TRUE;

  for (guint i = 0; i < G_N_ELEMENTS (settings); i++)
    {
      init_cli_value (&settings[i], &values[i]);
      entries[i] = (GOptionEntry) { settings[i].name, 0, 0, option_arg (settings[i].type),
                                    &values[i], settings[i].description,
                                    settings[i].arg_description };
    }
  entries[G_N_ELEMENTS (settings)] = (GOptionEntry) {
    "config", 'c', 0, G_OPTION_ARG_FILENAME, &config_path,
    "Key file with a [server] group of these settings", "FILE"
  };

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_summary (context, "Serves Liaotian protocol v1; see docs/PROTOCOL.md.");

  ok = g_option_context_parse (context, argc, argv, error);
  if (ok && config_path != NULL)
    ok = load_keyfile (config, config_path, error);

  for (guint i = 0; i < G_N_ELEMENTS (settings); i++)
    {
      if (ok)
        apply_cli_value (config, &settings[i], &values[i]);
      if (settings[i].type == SETTING_STRING || settings[i].type == SETTING_FILENAME)
        g_free (values[i].string);
    }

  return ok;
}

static gboolean
invalid (GError    **error,
         const char *message)
{
  g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, message);
  return FALSE;
}

/**
 * lt_server_config_validate:
 *
 * Checks ranges and the TLS rule: a non-loopback address needs TLS
 * unless --insecure-plaintext says otherwise.
 */
gboolean
lt_server_config_validate (LtServerConfig *config,
                           GError        **error)
{
  g_autoptr(GInetAddress) address = g_inet_address_new_from_string (config->listen);

  if (address == NULL)
    return invalid (error, "--listen takes a numeric IPv4 or IPv6 address");
  if (config->port < 0 || config->port > 65535)
    return invalid (error, "--port must be between 0 and 65535");
  if (config->http_port < -1 || config->http_port > 65535)
    return invalid (error, "--http-port must be between -1 and 65535");
  if (config->max_file_size < 0 || config->file_quota < 0)
    return invalid (error, "--max-file-size and --file-quota must not be negative");
  if (config->stale_file_age < 1)
    return invalid (error, "--stale-file-age must be at least 1 second");
  if (config->file_token_lifetime < 1)
    return invalid (error, "--file-token-lifetime must be at least 1 second");
  if ((config->tls_cert == NULL) != (config->tls_key == NULL))
    return invalid (error, "--tls-cert and --tls-key go together");
  if (config->max_frame < 1024 || config->max_frame > 16 * 1024 * 1024)
    return invalid (error, "--max-frame must be between 1024 and 16777216 bytes");
  if (config->max_queue < config->max_frame)
    return invalid (error, "--max-queue must be at least --max-frame");
  if (config->max_connections_per_address < 1 || config->login_timeout < 1
      || config->idle_timeout < 1 || config->rate_limit < 1 || config->hash_threads < 1)
    return invalid (error, "Limits, timeouts and thread counts must be at least 1");
  if (!g_inet_address_get_is_loopback (address) && config->tls_cert == NULL
      && !config->insecure_plaintext)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "Refusing to listen on %s without TLS: give --tls-cert and --tls-key, "
                   "or --insecure-plaintext to send passwords in clear on purpose",
                   config->listen);
      return FALSE;
    }

  return TRUE;
}
