/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "lt-protocol.h"

#include <string.h>

G_DEFINE_QUARK (lt-protocol-error-quark, lt_protocol_error)

typedef struct
{
  gint wire_code;
  const char *reason;
} LtWireError;

/* Indexed by LtProtocolError. */
static const LtWireError wire_errors[] = {
  [LT_PROTOCOL_ERROR_PARSE_ERROR] = { -32700, "parse_error" },
  [LT_PROTOCOL_ERROR_INVALID_REQUEST] = { -32600, "invalid_request" },
  [LT_PROTOCOL_ERROR_FRAME_TOO_LARGE] = { -32600, "frame_too_large" },
  [LT_PROTOCOL_ERROR_METHOD_NOT_FOUND] = { -32601, "method_not_found" },
  [LT_PROTOCOL_ERROR_INVALID_PARAMS] = { -32602, "invalid_params" },
  [LT_PROTOCOL_ERROR_INTERNAL_ERROR] = { -32603, "internal_error" },
  [LT_PROTOCOL_ERROR_NOT_LOGGED_IN] = { 1000, "not_logged_in" },
  [LT_PROTOCOL_ERROR_NICKNAME_TAKEN] = { 1001, "nickname_taken" },
  [LT_PROTOCOL_ERROR_USERNAME_TAKEN] = { 1002, "username_taken" },
  [LT_PROTOCOL_ERROR_EMAIL_TAKEN] = { 1003, "email_taken" },
  [LT_PROTOCOL_ERROR_NO_SUCH_USER] = { 1004, "no_such_user" },
  [LT_PROTOCOL_ERROR_WRONG_PASSWORD] = { 1005, "wrong_password" },
  [LT_PROTOCOL_ERROR_RATE_LIMITED] = { 1006, "rate_limited" },
  [LT_PROTOCOL_ERROR_NO_SUCH_EMAIL] = { 1007, "no_such_email" },
  [LT_PROTOCOL_ERROR_INVALID_TOKEN] = { 1008, "invalid_token" },
  [LT_PROTOCOL_ERROR_ALREADY_FRIENDS] = { 1009, "already_friends" },
  [LT_PROTOCOL_ERROR_NO_SUCH_ROOM] = { 1010, "no_such_room" },
  [LT_PROTOCOL_ERROR_ROOM_EXISTS] = { 1011, "room_exists" },
  [LT_PROTOCOL_ERROR_NOT_IN_ROOM] = { 1012, "not_in_room" },
  [LT_PROTOCOL_ERROR_MESSAGE_TOO_LONG] = { 1013, "message_too_long" },
  [LT_PROTOCOL_ERROR_FILE_TOO_LARGE] = { 1014, "file_too_large" },
  [LT_PROTOCOL_ERROR_QUOTA_EXCEEDED] = { 1015, "quota_exceeded" },
  [LT_PROTOCOL_ERROR_NO_SUCH_FILE] = { 1016, "no_such_file" },
  [LT_PROTOCOL_ERROR_FILE_UNAVAILABLE] = { 1017, "file_unavailable" },
};

G_STATIC_ASSERT (G_N_ELEMENTS (wire_errors) == LT_PROTOCOL_ERROR_FILE_UNAVAILABLE + 1);

void
lt_protocol_error_to_wire (LtProtocolError error,
                           gint           *wire_code,
                           const char    **reason)
{
  if ((guint) error >= G_N_ELEMENTS (wire_errors))
    error = LT_PROTOCOL_ERROR_INTERNAL_ERROR;

  *wire_code = wire_errors[error].wire_code;
  *reason = wire_errors[error].reason;
}

gboolean
lt_protocol_error_from_wire (gint             wire_code,
                             const char      *reason,
                             LtProtocolError *error)
{
  gint fallback = -1;

  for (guint i = 0; i < G_N_ELEMENTS (wire_errors); i++)
    {
      if (wire_errors[i].wire_code != wire_code)
        continue;
      if (reason != NULL && g_str_equal (reason, wire_errors[i].reason))
        {
          *error = i;
          return TRUE;
        }
      if (fallback < 0)
        fallback = i;
    }

  if (fallback < 0)
    return FALSE;

  *error = fallback;
  return TRUE;
}

gboolean
lt_protocol_is_valid_username (const char *username)
{
  gsize len;

  if (username == NULL)
    return FALSE;

  len = strlen (username);
  if (len < 3 || len > 32)
    return FALSE;

  for (const char *p = username; *p; p++)
    {
      if (!(g_ascii_islower (*p) || g_ascii_isdigit (*p) || *p == '_' || *p == '.' || *p == '-'))
        return FALSE;
    }

  return TRUE;
}

/* Room names are "#" followed by what a username may hold. */
gboolean
lt_protocol_is_valid_room (const char *room)
{
  gsize len;

  if (room == NULL || room[0] != '#')
    return FALSE;

  len = strlen (room + 1);
  if (len < 1 || len > 32)
    return FALSE;

  for (const char *p = room + 1; *p; p++)
    {
      if (!(g_ascii_islower (*p) || g_ascii_isdigit (*p) || *p == '_' || *p == '.' || *p == '-'))
        return FALSE;
    }

  return TRUE;
}

/* Deliberately loose: one "@", something on each side, a dot in the
 * domain, no whitespace or control characters.  The mail round trip
 * of a password reset is the real check. */
gboolean
lt_protocol_is_valid_email (const char *email)
{
  const char *at;
  const char *dot;

  if (email == NULL || strlen (email) > 254 || !g_utf8_validate (email, -1, NULL))
    return FALSE;

  for (const char *p = email; *p; p++)
    {
      if (g_ascii_isspace (*p) || g_ascii_iscntrl (*p))
        return FALSE;
    }

  at = strchr (email, '@');
  if (at == NULL || at == email || strchr (at + 1, '@') != NULL)
    return FALSE;

  dot = strrchr (at + 1, '.');
  return dot != NULL && dot > at + 1 && dot[1] != '\0';
}

/* 1 to 32 characters of any script, no control characters, not blank. */
gboolean
lt_protocol_is_valid_nickname (const char *nickname)
{
  glong chars;
  gboolean blank = TRUE;

  if (nickname == NULL || !g_utf8_validate (nickname, -1, NULL))
    return FALSE;

  chars = g_utf8_strlen (nickname, -1);
  if (chars < 1 || chars > LT_MAX_NICKNAME_CHARS)
    return FALSE;

  for (const char *p = nickname; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_iscntrl (c))
        return FALSE;
      if (!g_unichar_isspace (c))
        blank = FALSE;
    }

  return !blank;
}
