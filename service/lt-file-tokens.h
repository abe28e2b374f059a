/* SPDX-License-Identifier: GPL-3.0-or-later */
/* lt-file-tokens.h: the bearer tokens of the HTTP file service. */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef enum
{
  LT_FILE_TOKEN_UPLOAD,
  LT_FILE_TOKEN_DOWNLOAD,
} LtFileTokenPurpose;

typedef enum
{
  LT_FILE_TOKEN_ERROR_INVALID, /* malformed, forged or expired: 401 */
  LT_FILE_TOKEN_ERROR_WRONG_FILE, /* for another file or purpose: 403 */
} LtFileTokenError;

#define LT_FILE_TOKEN_ERROR (lt_file_token_error_quark ())
GQuark lt_file_token_error_quark (void);

#define LT_TYPE_FILE_TOKENS (lt_file_tokens_get_type ())
G_DECLARE_FINAL_TYPE (LtFileTokens, lt_file_tokens, LT, FILE_TOKENS, GObject)

LtFileTokens *lt_file_tokens_new (const char *key_path,
                                  GError    **error);
char *lt_file_tokens_issue (LtFileTokens      *self,
                            const char        *username,
                            gint64             file_id,
                            LtFileTokenPurpose purpose,
                            gint               lifetime,
                            gint64            *expires);
char *lt_file_tokens_verify (LtFileTokens      *self,
                             const char        *token,
                             gint64             file_id,
                             LtFileTokenPurpose purpose,
                             GError           **error);

G_END_DECLS
