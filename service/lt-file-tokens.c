/* SPDX-License-Identifier: GPL-3.0-or-later */
/* lt-file-tokens.c: the bearer tokens of the HTTP file service.
 *
 * A token says who may do what with which file until when, and carries
 * an HMAC (libsodium's crypto_auth, HMAC-SHA-512-256) of that under a
 * key only the server knows:
 *
 *   1.PURPOSE.FILE_ID.EXPIRES.USERNAME.MAC
 *
 * PURPOSE is "u" (upload) or "d" (download), EXPIRES is in ms since the
 * epoch, MAC is base64url without padding.  Usernames may hold dots, so
 * the MAC is what follows the last dot.  The HTTP service checks a
 * token without a database lookup; what the user may still do with the
 * file (a rejected file, a room left) is checked against the store on
 * each request.  The key lives in the data folder (mode 0600), so that
 * tokens outlive a restart of the server. */
#include "config.h"

#include "lt-file-tokens.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <sodium.h>
#include <string.h>

G_DEFINE_QUARK (lt-file-token-error-quark, lt_file_token_error)

struct _LtFileTokens
{
  GObject parent_instance;

  guint8 key[crypto_auth_KEYBYTES];
};

G_DEFINE_FINAL_TYPE (LtFileTokens, lt_file_tokens, G_TYPE_OBJECT)

static const char purpose_names[] = { [LT_FILE_TOKEN_UPLOAD] = 'u', [LT_FILE_TOKEN_DOWNLOAD] = 'd' };

static void
lt_file_tokens_finalize (GObject *object)
{
  LtFileTokens *self = LT_FILE_TOKENS (object);

  sodium_memzero (self->key, sizeof self->key);
  G_OBJECT_CLASS (lt_file_tokens_parent_class)->finalize (object);
}

static void
lt_file_tokens_class_init (LtFileTokensClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = lt_file_tokens_finalize;
}

static void
lt_file_tokens_init (LtFileTokens *self)
{
}

static gboolean
load_key (LtFileTokens *self,
          const char   *key_path,
          GError      **error)
{
  g_autofree char *contents = NULL;
  gsize length = 0;

  if (!g_file_get_contents (key_path, &contents, &length, error))
    return FALSE;
  if (length != sizeof self->key)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                   "%s is not a key of the file service (%zu bytes, not %zu)", key_path, length,
                   sizeof self->key);
      return FALSE;
    }

  memcpy (self->key, contents, sizeof self->key);
  sodium_memzero (contents, length);
  return TRUE;
}

static gboolean
create_key (LtFileTokens *self,
            const char   *key_path,
            GError      **error)
{
  crypto_auth_keygen (self->key);
  return g_file_set_contents_full (key_path, (const char *) self->key, sizeof self->key,
                                   G_FILE_SET_CONTENTS_CONSISTENT
                                     | G_FILE_SET_CONTENTS_DURABLE,
                                   0600, error);
}

/**
 * lt_file_tokens_new:
 * @key_path: the file of the key; made with a new random key if missing
 */
LtFileTokens *
lt_file_tokens_new (const char *key_path,
                    GError    **error)
{
  g_autoptr(LtFileTokens) self = g_object_new (LT_TYPE_FILE_TOKENS, NULL);
  gboolean ok;

  g_return_val_if_fail (key_path != NULL, NULL);

  if (sodium_init () < 0)
    {
      g_set_error_literal (error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "libsodium cannot start");
      return NULL;
    }

  if (g_file_test (key_path, G_FILE_TEST_EXISTS))
    ok = load_key (self, key_path, error);
  else
    ok = create_key (self, key_path, error);

  return ok ? g_steal_pointer (&self) : NULL;
}

static char *
mac_of (LtFileTokens *self,
        const char   *text,
        gsize         length)
{
  guint8 mac[crypto_auth_BYTES];
  char encoded[sodium_base64_ENCODED_LEN (crypto_auth_BYTES,
                                          sodium_base64_VARIANT_URLSAFE_NO_PADDING)];

  crypto_auth (mac, (const guint8 *) text, length, self->key);
  return g_strdup (sodium_bin2base64 (encoded, sizeof encoded, mac, sizeof mac,
                                      sodium_base64_VARIANT_URLSAFE_NO_PADDING));
}

/**
 * lt_file_tokens_issue:
 * @lifetime: seconds the token is good for (--file-token-lifetime)
 * @expires: (out): when it expires, in ms since the epoch
 */
char *
lt_file_tokens_issue (LtFileTokens      *self,
                      const char        *username,
                      gint64             file_id,
                      LtFileTokenPurpose purpose,
                      gint               lifetime,
                      gint64            *expires)
{
  g_autofree char *claims = NULL;
  g_autofree char *mac = NULL;

  g_return_val_if_fail (LT_IS_FILE_TOKENS (self), NULL);
  g_return_val_if_fail (username != NULL, NULL);
  g_return_val_if_fail (lifetime > 0, NULL);
  g_return_val_if_fail (expires != NULL, NULL);

  *expires = g_get_real_time () / 1000 + (gint64) lifetime * 1000;
  claims = g_strdup_printf ("1.%c.%" G_GINT64_FORMAT ".%" G_GINT64_FORMAT ".%s",
                            purpose_names[purpose], file_id, *expires, username);
  mac = mac_of (self, claims, strlen (claims));
  return g_strconcat (claims, ".", mac, NULL);
}

static gboolean
invalid (GError    **error,
         const char *message)
{
  g_set_error_literal (error, LT_FILE_TOKEN_ERROR, LT_FILE_TOKEN_ERROR_INVALID, message);
  return FALSE;
}

/* Checks the MAC of @token, in constant time. */
static gboolean
check_mac (LtFileTokens *self,
           const char   *token,
           GError      **error)
{
  const char *last_dot = strrchr (token, '.');
  guint8 mac[crypto_auth_BYTES];
  gsize mac_length = 0;

  if (last_dot == NULL
      || sodium_base642bin (mac, sizeof mac, last_dot + 1, strlen (last_dot + 1), NULL,
                            &mac_length, NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0
      || mac_length != sizeof mac
      || crypto_auth_verify (mac, (const guint8 *) token, last_dot - token, self->key) != 0)
    return invalid (error, "The token is not one this server issued");

  return TRUE;
}

/**
 * lt_file_tokens_verify:
 *
 * Returns: (transfer full): the username @token was issued to, when it
 *   is genuine, unexpired and for @purpose on @file_id
 */
char *
lt_file_tokens_verify (LtFileTokens      *self,
                       const char        *token,
                       gint64             file_id,
                       LtFileTokenPurpose purpose,
                       GError           **error)
{
  g_auto(GStrv) fields = NULL;
  gint64 token_file = 0, expires = 0;

  g_return_val_if_fail (LT_IS_FILE_TOKENS (self), NULL);
  g_return_val_if_fail (token != NULL, NULL);

  if (!check_mac (self, token, error))
    return NULL;

  /* Genuine, so well formed: version, purpose, file, expiry, user, MAC. */
  fields = g_strsplit (token, ".", 5);
  if (g_strv_length (fields) != 5 || strcmp (fields[0], "1") != 0
      || !g_ascii_string_to_signed (fields[2], 10, 1, G_MAXINT64, &token_file, NULL)
      || !g_ascii_string_to_signed (fields[3], 10, 0, G_MAXINT64, &expires, NULL))
    {
      invalid (error, "The token is malformed");
      return NULL;
    }

  if (expires <= g_get_real_time () / 1000)
    {
      invalid (error, "The token has expired");
      return NULL;
    }

  if (token_file != file_id || fields[1][0] != purpose_names[purpose] || fields[1][1] != '\0')
    {
      g_set_error_literal (error, LT_FILE_TOKEN_ERROR, LT_FILE_TOKEN_ERROR_WRONG_FILE,
                           "The token is for another file or purpose");
      return NULL;
    }

  /* fields[4] is "USERNAME.MAC". */
  return g_strndup (fields[4], strrchr (fields[4], '.') - fields[4]);
}
