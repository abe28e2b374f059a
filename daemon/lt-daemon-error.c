/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "lt-daemon-error.h"
#include "lt-protocol.h"

#define ERROR_PREFIX "org.liaotian.Chat1.Error."

static const GDBusErrorEntry dbus_errors[] = {
  { LT_DAEMON_ERROR_FAILED, ERROR_PREFIX "Failed" },
  { LT_DAEMON_ERROR_OFFLINE, ERROR_PREFIX "Offline" },
  { LT_DAEMON_ERROR_INVALID_ARGUMENT, ERROR_PREFIX "InvalidArgument" },
  { LT_DAEMON_ERROR_NOT_LOGGED_IN, ERROR_PREFIX "NotLoggedIn" },
  { LT_DAEMON_ERROR_NICKNAME_TAKEN, ERROR_PREFIX "NicknameTaken" },
  { LT_DAEMON_ERROR_USERNAME_TAKEN, ERROR_PREFIX "UsernameTaken" },
  { LT_DAEMON_ERROR_EMAIL_TAKEN, ERROR_PREFIX "EmailTaken" },
  { LT_DAEMON_ERROR_NO_SUCH_USER, ERROR_PREFIX "NoSuchUser" },
  { LT_DAEMON_ERROR_WRONG_PASSWORD, ERROR_PREFIX "WrongPassword" },
  { LT_DAEMON_ERROR_RATE_LIMITED, ERROR_PREFIX "RateLimited" },
  { LT_DAEMON_ERROR_NO_SUCH_EMAIL, ERROR_PREFIX "NoSuchEmail" },
  { LT_DAEMON_ERROR_INVALID_TOKEN, ERROR_PREFIX "InvalidToken" },
  { LT_DAEMON_ERROR_ALREADY_FRIENDS, ERROR_PREFIX "AlreadyFriends" },
  { LT_DAEMON_ERROR_NO_SUCH_ROOM, ERROR_PREFIX "NoSuchRoom" },
  { LT_DAEMON_ERROR_ROOM_EXISTS, ERROR_PREFIX "RoomExists" },
  { LT_DAEMON_ERROR_NOT_IN_ROOM, ERROR_PREFIX "NotInRoom" },
  { LT_DAEMON_ERROR_MESSAGE_TOO_LONG, ERROR_PREFIX "MessageTooLong" },
  { LT_DAEMON_ERROR_FILE_TOO_LARGE, ERROR_PREFIX "FileTooLarge" },
  { LT_DAEMON_ERROR_QUOTA_EXCEEDED, ERROR_PREFIX "QuotaExceeded" },
  { LT_DAEMON_ERROR_NO_SUCH_FILE, ERROR_PREFIX "NoSuchFile" },
  { LT_DAEMON_ERROR_FILE_UNAVAILABLE, ERROR_PREFIX "FileUnavailable" },
};

G_STATIC_ASSERT (G_N_ELEMENTS (dbus_errors) == LT_DAEMON_ERROR_FILE_UNAVAILABLE + 1);

GQuark
lt_daemon_error_quark (void)
{
  static gsize quark = 0;

  g_dbus_error_register_error_domain ("lt-daemon-error-quark", &quark, dbus_errors,
                                      G_N_ELEMENTS (dbus_errors));
  return (GQuark) quark;
}

const char *
lt_daemon_error_get_dbus_name (LtDaemonError code)
{
  for (guint i = 0; i < G_N_ELEMENTS (dbus_errors); i++)
    {
      if (dbus_errors[i].error_code == (gint) code)
        return dbus_errors[i].dbus_error_name;
    }

  return dbus_errors[LT_DAEMON_ERROR_FAILED].dbus_error_name;
}

/* Indexed by LtProtocolError: what a server error is on the bus. */
static const LtDaemonError from_protocol[] = {
  [LT_PROTOCOL_ERROR_PARSE_ERROR] = LT_DAEMON_ERROR_FAILED,
  [LT_PROTOCOL_ERROR_INVALID_REQUEST] = LT_DAEMON_ERROR_FAILED,
  [LT_PROTOCOL_ERROR_FRAME_TOO_LARGE] = LT_DAEMON_ERROR_INVALID_ARGUMENT,
  [LT_PROTOCOL_ERROR_METHOD_NOT_FOUND] = LT_DAEMON_ERROR_FAILED,
  [LT_PROTOCOL_ERROR_INVALID_PARAMS] = LT_DAEMON_ERROR_INVALID_ARGUMENT,
  [LT_PROTOCOL_ERROR_INTERNAL_ERROR] = LT_DAEMON_ERROR_FAILED,
  [LT_PROTOCOL_ERROR_NOT_LOGGED_IN] = LT_DAEMON_ERROR_NOT_LOGGED_IN,
  [LT_PROTOCOL_ERROR_NICKNAME_TAKEN] = LT_DAEMON_ERROR_NICKNAME_TAKEN,
  [LT_PROTOCOL_ERROR_USERNAME_TAKEN] = LT_DAEMON_ERROR_USERNAME_TAKEN,
  [LT_PROTOCOL_ERROR_EMAIL_TAKEN] = LT_DAEMON_ERROR_EMAIL_TAKEN,
  [LT_PROTOCOL_ERROR_NO_SUCH_USER] = LT_DAEMON_ERROR_NO_SUCH_USER,
  [LT_PROTOCOL_ERROR_WRONG_PASSWORD] = LT_DAEMON_ERROR_WRONG_PASSWORD,
  [LT_PROTOCOL_ERROR_RATE_LIMITED] = LT_DAEMON_ERROR_RATE_LIMITED,
  [LT_PROTOCOL_ERROR_NO_SUCH_EMAIL] = LT_DAEMON_ERROR_NO_SUCH_EMAIL,
  [LT_PROTOCOL_ERROR_INVALID_TOKEN] = LT_DAEMON_ERROR_INVALID_TOKEN,
  [LT_PROTOCOL_ERROR_ALREADY_FRIENDS] = LT_DAEMON_ERROR_ALREADY_FRIENDS,
  [LT_PROTOCOL_ERROR_NO_SUCH_ROOM] = LT_DAEMON_ERROR_NO_SUCH_ROOM,
  [LT_PROTOCOL_ERROR_ROOM_EXISTS] = LT_DAEMON_ERROR_ROOM_EXISTS,
  [LT_PROTOCOL_ERROR_NOT_IN_ROOM] = LT_DAEMON_ERROR_NOT_IN_ROOM,
  [LT_PROTOCOL_ERROR_MESSAGE_TOO_LONG] = LT_DAEMON_ERROR_MESSAGE_TOO_LONG,
  [LT_PROTOCOL_ERROR_FILE_TOO_LARGE] = LT_DAEMON_ERROR_FILE_TOO_LARGE,
  [LT_PROTOCOL_ERROR_QUOTA_EXCEEDED] = LT_DAEMON_ERROR_QUOTA_EXCEEDED,
  [LT_PROTOCOL_ERROR_NO_SUCH_FILE] = LT_DAEMON_ERROR_NO_SUCH_FILE,
  [LT_PROTOCOL_ERROR_FILE_UNAVAILABLE] = LT_DAEMON_ERROR_FILE_UNAVAILABLE,
};

G_STATIC_ASSERT (G_N_ELEMENTS (from_protocol) == LT_PROTOCOL_ERROR_FILE_UNAVAILABLE + 1);

/**
 * lt_daemon_error_from_protocol:
 * @error: a server error (LT_PROTOCOL_ERROR), a connection error
 *   (G_IO_ERROR) or anything else
 *
 * Returns: (transfer full): the error to return on the bus, with the
 *   server's message: LT_DAEMON_ERROR_OFFLINE for a lost connection
 */
GError *
lt_daemon_error_from_protocol (const GError *error)
{
  LtDaemonError code = LT_DAEMON_ERROR_FAILED;

  if (error->domain == LT_DAEMON_ERROR)
    return g_error_copy (error);
  if (error->domain == LT_PROTOCOL_ERROR && (guint) error->code < G_N_ELEMENTS (from_protocol))
    code = from_protocol[error->code];
  else if (error->domain == G_IO_ERROR)
    code = LT_DAEMON_ERROR_OFFLINE;

  return g_error_new_literal (LT_DAEMON_ERROR, code, error->message);
}

/**
 * lt_daemon_error_new_not_logged_in:
 *
 * Returns: (transfer full): the error of a call that needs the user's
 *   account (and so the cache) before Login or after Logout
 */
GError *
lt_daemon_error_new_not_logged_in (void)
{
  return g_error_new_literal (LT_DAEMON_ERROR, LT_DAEMON_ERROR_NOT_LOGGED_IN, "Log in first");
}

/**
 * lt_daemon_error_check_conversation:
 * @conversation: what a caller named as a recipient
 * @error: InvalidArgument when it is neither
 *
 * Returns: whether @conversation is a username or a room name, checked
 *   before anything is queued for a server that would refuse it anyway
 */
gboolean
lt_daemon_error_check_conversation (const char  *conversation,
                                    GError     **error)
{
  if (lt_protocol_is_valid_username (conversation) || lt_protocol_is_valid_room (conversation))
    return TRUE;

  g_set_error (error, LT_DAEMON_ERROR, LT_DAEMON_ERROR_INVALID_ARGUMENT,
               "“%s” is neither a username nor a room", conversation);
  return FALSE;
}
