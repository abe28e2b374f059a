/* SPDX-License-Identifier: GPL-3.0-or-later */
/* lt-protocol.h: constants and errors of Liaotian protocol v1 (docs/PROTOCOL.md). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define LT_PROTOCOL_VERSION 1
#define LT_DEFAULT_PORT 4567
#define LT_DEFAULT_MAX_FRAME 65536
#define LT_MAX_JSON_DEPTH 32
#define LT_LOBBY "#lobby"

#define LT_MAX_TEXT_CHARS 4000
#define LT_MAX_CLIENT_ID_CHARS 64
#define LT_MAX_PASSWORD_BYTES 1024
#define LT_MIN_PASSWORD_CHARS 8
#define LT_MAX_NICKNAME_CHARS 32
#define LT_MAX_TOPIC_CHARS 200
#define LT_HISTORY_DEFAULT_LIMIT 50
#define LT_HISTORY_MAX_LIMIT 200

#define LT_DEFAULT_HTTP_PORT 4568
#define LT_MAX_FOLDER_ENTRIES 10000
#define LT_FILE_ENTRIES_DEFAULT_LIMIT 500
#define LT_FILE_ENTRIES_MAX_LIMIT 1000

/**
 * LtProtocolError:
 *
 * Every error a Liaotian server can answer with.  The enum values are
 * GError codes; the code and reason sent on the wire come from
 * lt_protocol_error_to_wire(), because one wire code (-32600) carries
 * two reasons.
 */
typedef enum
{
  LT_PROTOCOL_ERROR_PARSE_ERROR,
  LT_PROTOCOL_ERROR_INVALID_REQUEST,
  LT_PROTOCOL_ERROR_FRAME_TOO_LARGE,
  LT_PROTOCOL_ERROR_METHOD_NOT_FOUND,
  LT_PROTOCOL_ERROR_INVALID_PARAMS,
  LT_PROTOCOL_ERROR_INTERNAL_ERROR,
  LT_PROTOCOL_ERROR_NOT_LOGGED_IN,
  LT_PROTOCOL_ERROR_NICKNAME_TAKEN,
  LT_PROTOCOL_ERROR_USERNAME_TAKEN,
  LT_PROTOCOL_ERROR_EMAIL_TAKEN,
  LT_PROTOCOL_ERROR_NO_SUCH_USER,
  LT_PROTOCOL_ERROR_WRONG_PASSWORD,
  LT_PROTOCOL_ERROR_RATE_LIMITED,
  LT_PROTOCOL_ERROR_NO_SUCH_EMAIL,
  LT_PROTOCOL_ERROR_INVALID_TOKEN,
  LT_PROTOCOL_ERROR_ALREADY_FRIENDS,
  LT_PROTOCOL_ERROR_NO_SUCH_ROOM,
  LT_PROTOCOL_ERROR_ROOM_EXISTS,
  LT_PROTOCOL_ERROR_NOT_IN_ROOM,
  LT_PROTOCOL_ERROR_MESSAGE_TOO_LONG,
  LT_PROTOCOL_ERROR_FILE_TOO_LARGE,
  LT_PROTOCOL_ERROR_QUOTA_EXCEEDED,
  LT_PROTOCOL_ERROR_NO_SUCH_FILE,
  LT_PROTOCOL_ERROR_FILE_UNAVAILABLE,
} LtProtocolError;

#define LT_PROTOCOL_ERROR (lt_protocol_error_quark ())
GQuark lt_protocol_error_quark (void);

void lt_protocol_error_to_wire (LtProtocolError error,
                                gint           *wire_code,
                                const char    **reason);
gboolean lt_protocol_error_from_wire (gint             wire_code,
                                      const char      *reason,
                                      LtProtocolError *error);

gboolean lt_protocol_is_valid_username (const char *username);
gboolean lt_protocol_is_valid_room (const char *room);
gboolean lt_protocol_is_valid_email (const char *email);
gboolean lt_protocol_is_valid_nickname (const char *nickname);

G_END_DECLS
