/* SPDX-License-Identifier: GPL-3.0-or-later */
/* LtPreferences: the server address, as “host:port”, which is the
 * daemon's Server property (docs/DBUS.md §4): the daemon stores it and
 * reconnects to it if logged in.  It is set with an explicit
 * Properties.Set call rather than the proxy's setter, so that a refusal
 * is shown in words next to the row. */
#include "config.h"

#include "lt-error-text.h"
#include "lt-preferences.h"

#include <glib/gi18n.h>

struct _LtPreferences
{
  AdwPreferencesWindow parent_instance;

  LtChat1 *chat;
  GCancellable *cancellable;

  AdwPreferencesGroup *server_group;
  AdwEntryRow *server_row;
};

G_DEFINE_FINAL_TYPE (LtPreferences, lt_preferences, ADW_TYPE_PREFERENCES_WINDOW)

static void
show_server_error (LtPreferences *self,
                   const char    *text)
{
  gtk_widget_add_css_class (GTK_WIDGET (self->server_row), "error");
  adw_preferences_group_set_description (self->server_group, text);
}

static void
clear_server_error (LtPreferences *self)
{
  gtk_widget_remove_css_class (GTK_WIDGET (self->server_row), "error");
  adw_preferences_group_set_description (self->server_group, NULL);
}

static void
on_server_set (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(LtPreferences) self = user_data;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;

  reply = g_dbus_proxy_call_finish (G_DBUS_PROXY (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  gtk_widget_set_sensitive (GTK_WIDGET (self->server_row), TRUE);
  if (error != NULL)
    {
      g_debug ("Could not set the server: %s", error->message);
      show_server_error (self, lt_error_text_for_form (error, LT_ERROR_FIELD_SERVER, NULL));
      return;
    }
  adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self),
                                    adw_toast_new (_("Server address saved")));
}

static void
on_server_apply (LtPreferences *self)
{
  const char *server = gtk_editable_get_text (GTK_EDITABLE (self->server_row));

  /* The daemon checks the address, and refuses one it cannot use. */
  clear_server_error (self);
  gtk_widget_set_sensitive (GTK_WIDGET (self->server_row), FALSE);
  g_dbus_proxy_call (G_DBUS_PROXY (self->chat), "org.freedesktop.DBus.Properties.Set",
                     g_variant_new ("(ssv)", "org.liaotian.Chat1", "Server",
                                    g_variant_new_string (server)),
                     G_DBUS_CALL_FLAGS_NONE, -1, self->cancellable, on_server_set,
                     g_object_ref (self));
}

static void
on_server_changed (LtPreferences *self)
{
  clear_server_error (self);
}

LtPreferences *
lt_preferences_new (LtChat1 *chat)
{
  LtPreferences *self;
  const char *server;

  g_return_val_if_fail (LT_IS_CHAT1 (chat), NULL);

  self = g_object_new (LT_TYPE_PREFERENCES, NULL);
  self->chat = g_object_ref (chat);
  server = lt_chat1_get_server (chat);
  gtk_editable_set_text (GTK_EDITABLE (self->server_row), server != NULL ? server : "");
  clear_server_error (self);
  return self;
}

static void
lt_preferences_dispose (GObject *object)
{
  LtPreferences *self = LT_PREFERENCES (object);

  g_cancellable_cancel (self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), LT_TYPE_PREFERENCES);
  g_clear_object (&self->chat);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (lt_preferences_parent_class)->dispose (object);
}

static void
lt_preferences_class_init (LtPreferencesClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = lt_preferences_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/liaotian/Liaotian/lt-preferences.ui");
  gtk_widget_class_bind_template_child (widget_class, LtPreferences, server_group);
  gtk_widget_class_bind_template_child (widget_class, LtPreferences, server_row);
  gtk_widget_class_bind_template_callback (widget_class, on_server_apply);
  gtk_widget_class_bind_template_callback (widget_class, on_server_changed);
}

static void
lt_preferences_init (LtPreferences *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->cancellable = g_cancellable_new ();
}
