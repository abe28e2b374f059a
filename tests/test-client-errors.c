/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Unit tests of lt-error-text: every error of liaotiand (docs/DBUS.md
 * §7) in words and with its field, anything else in generic words, and
 * the words translated. */
#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "lt-error-text.h"

static const struct
{
  const char *name;
  LtErrorField field;
} liaotiand_errors[] = {
  { "org.liaotian.Chat1.Error.NoSuchUser", LT_ERROR_FIELD_USERNAME },
  { "org.liaotian.Chat1.Error.WrongPassword", LT_ERROR_FIELD_PASSWORD },
  { "org.liaotian.Chat1.Error.UsernameTaken", LT_ERROR_FIELD_USERNAME },
  { "org.liaotian.Chat1.Error.NicknameTaken", LT_ERROR_FIELD_NICKNAME },
  { "org.liaotian.Chat1.Error.EmailTaken", LT_ERROR_FIELD_EMAIL },
  { "org.liaotian.Chat1.Error.NotLoggedIn", LT_ERROR_FIELD_NONE },
  { "org.liaotian.Chat1.Error.Offline", LT_ERROR_FIELD_SERVER },
  { "org.liaotian.Chat1.Error.RateLimited", LT_ERROR_FIELD_NONE },
  { "org.liaotian.Chat1.Error.InvalidArgument", LT_ERROR_FIELD_NONE },
  { "org.liaotian.Chat1.Error.NoSuchEmail", LT_ERROR_FIELD_EMAIL },
  { "org.liaotian.Chat1.Error.InvalidToken", LT_ERROR_FIELD_TOKEN },
  { "org.liaotian.Chat1.Error.AlreadyFriends", LT_ERROR_FIELD_USERNAME },
  { "org.liaotian.Chat1.Error.NoSuchRoom", LT_ERROR_FIELD_ROOM },
  { "org.liaotian.Chat1.Error.RoomExists", LT_ERROR_FIELD_ROOM },
  { "org.liaotian.Chat1.Error.NotInRoom", LT_ERROR_FIELD_ROOM },
  { "org.liaotian.Chat1.Error.MessageTooLong", LT_ERROR_FIELD_MESSAGE },
  { "org.liaotian.Chat1.Error.Failed", LT_ERROR_FIELD_NONE },
};

static const char *
generic_text (void)
{
  return lt_error_text_for (NULL, NULL);
}

static void
test_every_error (void)
{
  g_autoptr(GHashTable) texts = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < G_N_ELEMENTS (liaotiand_errors); i++)
    {
      LtErrorField field = -1;
      const char *text = lt_error_text_for (liaotiand_errors[i].name, &field);

      g_test_message ("%s: %s", liaotiand_errors[i].name, text);
      g_assert_nonnull (text);
      g_assert_cmpstr (text, !=, "");
      g_assert_cmpstr (text, !=, generic_text ());
      g_assert_cmpint (field, ==, liaotiand_errors[i].field);
      /* Each its own sentence: the person can tell them apart. */
      g_assert_true (g_hash_table_add (texts, (gpointer) text));
    }
}

static void
test_unknown (void)
{
  const char *unknown[] = {
    NULL,
    "",
    "org.liaotian.Chat1.Error.",
    "org.liaotian.Chat1.Error.SomethingNew",
    "org.liaotian.Chat1.Error.failed",
    "org.freedesktop.DBus.Error.ServiceUnknown",
    "UsernameTaken",
  };

  g_assert_cmpstr (generic_text (), !=, "");
  for (guint i = 0; i < G_N_ELEMENTS (unknown); i++)
    {
      LtErrorField field = -1;

      g_assert_cmpstr (lt_error_text_for (unknown[i], &field), ==, generic_text ());
      g_assert_cmpint (field, ==, LT_ERROR_FIELD_NONE);
    }
}

static void
test_from_gerror (void)
{
  g_autoptr(GError) taken =
    g_dbus_error_new_for_dbus_error ("org.liaotian.Chat1.Error.UsernameTaken", "Username taken");
  g_autoptr(GError) service_unknown =
    g_dbus_error_new_for_dbus_error ("org.freedesktop.DBus.Error.ServiceUnknown", "No liaotiand");
  g_autoptr(GError) local = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "not from D-Bus");
  LtErrorField field = -1;

  g_assert_cmpstr (lt_error_text_for_error (taken, &field), ==, "This username is taken");
  g_assert_cmpint (field, ==, LT_ERROR_FIELD_USERNAME);
  g_assert_cmpstr (lt_error_text_for_error (service_unknown, &field), ==, generic_text ());
  g_assert_cmpint (field, ==, LT_ERROR_FIELD_NONE);
  g_assert_cmpstr (lt_error_text_for_error (local, NULL), ==, generic_text ());
}

/* A form says InvalidArgument for the field it checks, in words of its
 * own; other errors as lt_error_text_for_error() does. */
static void
test_for_form (void)
{
  g_autoptr(GError) invalid =
    g_dbus_error_new_for_dbus_error ("org.liaotian.Chat1.Error.InvalidArgument", "Bad room");
  g_autoptr(GError) wrong =
    g_dbus_error_new_for_dbus_error ("org.liaotian.Chat1.Error.WrongPassword", "Wrong password");
  const LtErrorField checked[] = {
    LT_ERROR_FIELD_ROOM, LT_ERROR_FIELD_NEW_PASSWORD, LT_ERROR_FIELD_USERNAME,
    LT_ERROR_FIELD_SERVER,
  };
  LtErrorField field = -1;

  for (guint i = 0; i < G_N_ELEMENTS (checked); i++)
    {
      const char *text = lt_error_text_for_form (invalid, checked[i], &field);

      g_test_message ("InvalidArgument for field %d: %s", checked[i], text);
      g_assert_cmpstr (text, !=, lt_error_text_for_error (invalid, NULL));
      g_assert_cmpint (field, ==, checked[i]);
    }
  g_assert_cmpstr (lt_error_text_for_form (invalid, LT_ERROR_FIELD_EMAIL, &field), ==,
                   lt_error_text_for_error (invalid, NULL));
  g_assert_cmpint (field, ==, LT_ERROR_FIELD_NONE);
  g_assert_cmpstr (lt_error_text_for_form (wrong, LT_ERROR_FIELD_NEW_PASSWORD, &field), ==,
                   "This password is not correct");
  g_assert_cmpint (field, ==, LT_ERROR_FIELD_PASSWORD);
}

/* The sentences go through gettext, in the domain the application
 * binds: with the zh_CN catalogue the build made, they are Chinese. */
static void
test_translated (void)
{
  /* The build puts the catalogues in po/ next to tests/. */
  g_autofree char *localedir = g_test_build_filename (G_TEST_BUILT, "..", "po", NULL);
  LtErrorField field = -1;

  g_setenv ("LANGUAGE", "zh_CN", TRUE);
  /* gettext ignores LANGUAGE in the plain C locale, not in C.UTF-8. */
  g_assert_nonnull (setlocale (LC_ALL, "C.UTF-8"));
  bindtextdomain (GETTEXT_PACKAGE, localedir);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  g_assert_cmpstr (lt_error_text_for ("org.liaotian.Chat1.Error.UsernameTaken", &field), ==,
                   "此用户名已被占用");
  g_assert_cmpint (field, ==, LT_ERROR_FIELD_USERNAME);
  g_assert_cmpstr (generic_text (), ==, "出了点问题，请重试。");

  setlocale (LC_ALL, "C");
  g_unsetenv ("LANGUAGE");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/client-errors/every-error", test_every_error);
  g_test_add_func ("/client-errors/unknown", test_unknown);
  g_test_add_func ("/client-errors/from-gerror", test_from_gerror);
  g_test_add_func ("/client-errors/for-form", test_for_form);
  g_test_add_func ("/client-errors/translated", test_translated);

  return g_test_run ();
}
