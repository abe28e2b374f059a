/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/**
 * LtErrorField:
 * @LT_ERROR_FIELD_NONE: no field in particular
 * @LT_ERROR_FIELD_USERNAME: a username
 * @LT_ERROR_FIELD_NICKNAME: the nickname
 * @LT_ERROR_FIELD_PASSWORD: a password
 * @LT_ERROR_FIELD_EMAIL: the email address
 * @LT_ERROR_FIELD_TOKEN: the reset code of a password reset
 * @LT_ERROR_FIELD_ROOM: a room name
 * @LT_ERROR_FIELD_MESSAGE: the text of a message
 * @LT_ERROR_FIELD_SERVER: the server address (Preferences)
 * @LT_ERROR_FIELD_NEW_PASSWORD: the new password of a password change
 *
 * The field of a form an error concerns, so that a view can show the
 * error next to it.
 */
typedef enum
{
  LT_ERROR_FIELD_NONE,
  LT_ERROR_FIELD_USERNAME,
  LT_ERROR_FIELD_NICKNAME,
  LT_ERROR_FIELD_PASSWORD,
  LT_ERROR_FIELD_EMAIL,
  LT_ERROR_FIELD_TOKEN,
  LT_ERROR_FIELD_ROOM,
  LT_ERROR_FIELD_MESSAGE,
  LT_ERROR_FIELD_SERVER,
  LT_ERROR_FIELD_NEW_PASSWORD,
} LtErrorField;

const char *lt_error_text_for (const char   *dbus_error_name,
                               LtErrorField *field);
const char *lt_error_text_for_error (const GError *error,
                                     LtErrorField *field);
const char *lt_error_text_for_form (const GError *error,
                                    LtErrorField  invalid_field,
                                    LtErrorField *field);

G_END_DECLS
