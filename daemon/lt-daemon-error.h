/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/**
 * LtDaemonError:
 *
 * The errors of org.liaotian.Chat1, each a D-Bus error name
 * org.liaotian.Chat1.Error.<Name>.  One per server error, plus Offline
 * and Failed.
 */
typedef enum
{
  LT_DAEMON_ERROR_FAILED,
  LT_DAEMON_ERROR_OFFLINE,
  LT_DAEMON_ERROR_INVALID_ARGUMENT,
  LT_DAEMON_ERROR_NOT_LOGGED_IN,
  LT_DAEMON_ERROR_NICKNAME_TAKEN,
  LT_DAEMON_ERROR_USERNAME_TAKEN,
  LT_DAEMON_ERROR_EMAIL_TAKEN,
  LT_DAEMON_ERROR_NO_SUCH_USER,
  LT_DAEMON_ERROR_WRONG_PASSWORD,
  LT_DAEMON_ERROR_RATE_LIMITED,
  LT_DAEMON_ERROR_NO_SUCH_EMAIL,
  LT_DAEMON_ERROR_INVALID_TOKEN,
  LT_DAEMON_ERROR_ALREADY_FRIENDS,
  LT_DAEMON_ERROR_NO_SUCH_ROOM,
  LT_DAEMON_ERROR_ROOM_EXISTS,
  LT_DAEMON_ERROR_NOT_IN_ROOM,
  LT_DAEMON_ERROR_MESSAGE_TOO_LONG,
  LT_DAEMON_ERROR_FILE_TOO_LARGE,
  LT_DAEMON_ERROR_QUOTA_EXCEEDED,
  LT_DAEMON_ERROR_NO_SUCH_FILE,
  LT_DAEMON_ERROR_FILE_UNAVAILABLE,
} LtDaemonError;

#define LT_DAEMON_ERROR (lt_daemon_error_quark ())
GQuark lt_daemon_error_quark (void);

GError *lt_daemon_error_from_protocol (const GError *error);
const char *lt_daemon_error_get_dbus_name (LtDaemonError code);
GError *lt_daemon_error_new_not_logged_in (void);
gboolean lt_daemon_error_check_conversation (const char  *conversation,
                                            GError     **error);

G_END_DECLS
