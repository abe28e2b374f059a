/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The errors of liaotiand (docs/DBUS.md §7) in words for the person,
 * with the field each one concerns.  The daemon's own messages are the
 * server's English and may change: the client goes by the name only. */
#include "config.h"

#include "lt-error-text.h"

#include <glib/gi18n.h>
#include <string.h>

#define ERROR_PREFIX "org.liaotian.Chat1.Error."

typedef struct
{
  const char *name; /* without ERROR_PREFIX */
  const char *text;
  LtErrorField field;
} ErrorText;

static const ErrorText error_texts[] = {
  { "NoSuchUser", N_("No one has this username"), LT_ERROR_FIELD_USERNAME },
  { "WrongPassword", N_("This password is not correct"), LT_ERROR_FIELD_PASSWORD },
  { "UsernameTaken", N_("This username is taken"), LT_ERROR_FIELD_USERNAME },
  { "NicknameTaken", N_("This nickname is taken"), LT_ERROR_FIELD_NICKNAME },
  { "EmailTaken", N_("An account with this email address exists already"),
    LT_ERROR_FIELD_EMAIL },
  { "NotLoggedIn", N_("You are not logged in"), LT_ERROR_FIELD_NONE },
  { "Offline", N_("The server cannot be reached. Check the server address or try again later."),
    LT_ERROR_FIELD_SERVER },
  { "RateLimited", N_("Too many attempts. Wait a moment, then try again."), LT_ERROR_FIELD_NONE },
  { "InvalidArgument", N_("Something you entered is not valid. Please check it."),
    LT_ERROR_FIELD_NONE },
  { "NoSuchEmail", N_("No account has this email address"), LT_ERROR_FIELD_EMAIL },
  { "InvalidToken", N_("This reset code is wrong, expired or already used"),
    LT_ERROR_FIELD_TOKEN },
  { "AlreadyFriends", N_("You are friends already"), LT_ERROR_FIELD_USERNAME },
  { "NoSuchRoom", N_("There is no room with this name"), LT_ERROR_FIELD_ROOM },
  { "RoomExists", N_("A room with this name exists already"), LT_ERROR_FIELD_ROOM },
  { "NotInRoom", N_("You are not a member of this room"), LT_ERROR_FIELD_ROOM },
  { "MessageTooLong", N_("This message is too long: at most 4000 characters"),
    LT_ERROR_FIELD_MESSAGE },
  { "FileTooLarge", N_("This file is larger than the server accepts"), LT_ERROR_FIELD_NONE },
  { "QuotaExceeded", N_("Your space for files on the server is full"), LT_ERROR_FIELD_NONE },
  { "NoSuchFile", N_("This file is no longer on the server"), LT_ERROR_FIELD_NONE },
  { "FileUnavailable", N_("This file cannot be downloaded: it was declined or has expired"),
    LT_ERROR_FIELD_NONE },
  { "Failed", N_("The server could not do this. Please try again later."),
    LT_ERROR_FIELD_NONE },
};

/* InvalidArgument in words for the one field a form checks, as the
 * daemon's rules are (docs/DBUS.md §5). */
static const ErrorText invalid_texts[] = {
  { NULL, N_("A room name is # and 1 to 32 of a–z, 0–9, “_”, “.” and “-”"),
    LT_ERROR_FIELD_ROOM },
  { NULL, N_("A password has at least 8 characters"), LT_ERROR_FIELD_NEW_PASSWORD },
  { NULL, N_("You cannot add yourself as a friend"), LT_ERROR_FIELD_USERNAME },
  { NULL, N_("Enter the server address as host:port"), LT_ERROR_FIELD_SERVER },
};

static const char generic_text[] = N_("Something went wrong. Please try again.");

static const ErrorText *
find_error_text (const char *dbus_error_name)
{
  const char *name;

  if (dbus_error_name == NULL || !g_str_has_prefix (dbus_error_name, ERROR_PREFIX))
    return NULL;

  name = dbus_error_name + strlen (ERROR_PREFIX);
  for (guint i = 0; i < G_N_ELEMENTS (error_texts); i++)
    {
      if (g_str_equal (error_texts[i].name, name))
        return &error_texts[i];
    }
  return NULL;
}

/**
 * lt_error_text_for:
 * @dbus_error_name: (nullable): a D-Bus error name, such as
 *   org.liaotian.Chat1.Error.UsernameTaken
 * @field: (out) (optional): the field the error concerns
 *
 * Returns: a translated sentence saying what went wrong; a generic one,
 *   with no field, for a name that is not liaotiand's
 */
const char *
lt_error_text_for (const char   *dbus_error_name,
                   LtErrorField *field)
{
  const ErrorText *error_text = find_error_text (dbus_error_name);

  if (field != NULL)
    *field = error_text != NULL ? error_text->field : LT_ERROR_FIELD_NONE;
  return _(error_text != NULL ? error_text->text : generic_text);
}

/**
 * lt_error_text_for_error:
 * @error: the error of a D-Bus call to liaotiand
 * @field: (out) (optional): the field the error concerns
 *
 * The same as lt_error_text_for() for the remote error name of @error.
 * A cancelled call is no error to show: check for it first.
 *
 * Returns: a translated sentence saying what went wrong
 */
const char *
lt_error_text_for_error (const GError *error,
                         LtErrorField *field)
{
  g_autofree char *name = NULL;

  g_return_val_if_fail (error != NULL, NULL);

  name = g_dbus_error_get_remote_error (error);
  return lt_error_text_for (name, field);
}

/**
 * lt_error_text_for_form:
 * @error: the error of a D-Bus call to liaotiand
 * @invalid_field: the field of the form that the daemon's
 *   InvalidArgument concerns, for the one call the form makes
 * @field: (out) (optional): the field the error concerns
 *
 * The same as lt_error_text_for_error(), except that InvalidArgument,
 * which the daemon gives for a value that breaks a rule, is said for
 * @invalid_field (a room name, a new password, a username) rather
 * than in general words.
 *
 * Returns: a translated sentence saying what went wrong
 */
const char *
lt_error_text_for_form (const GError *error,
                        LtErrorField  invalid_field,
                        LtErrorField *field)
{
  g_autofree char *name = NULL;

  g_return_val_if_fail (error != NULL, NULL);

  name = g_dbus_error_get_remote_error (error);
  if (g_strcmp0 (name, ERROR_PREFIX "InvalidArgument") == 0)
    {
      for (guint i = 0; i < G_N_ELEMENTS (invalid_texts); i++)
        {
          if (invalid_texts[i].field == invalid_field)
            {
              if (field != NULL)
                *field = invalid_field;
              return _(invalid_texts[i].text);
            }
        }
    }
  return lt_error_text_for (name, field);
}
