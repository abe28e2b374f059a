/* SPDX-License-Identifier: GPL-3.0-or-later */
/* LtConnectionBanner: a strip at the top of a window saying that the
 * daemon is not logged in right now, as libadwaita's AdwBanner would
 * (1.2 has none): a GtkRevealer with an icon and a sentence.
 *
 * It follows the daemon's State (docs/DBUS.md §10): hidden when
 * logged in or logged out (the login view speaks then); "Connecting…"
 * during a first login; "Reconnecting…" when the connection dropped
 * after a login, and, if that lasts longer than OFFLINE_AFTER_S (the
 * daemon's backoff is under way), that the person is offline and
 * their messages wait in the outbox. */
#include "config.h"

#include "lt-connection-banner.h"

#include <glib/gi18n.h>

/* As long as the daemon waits for a ping before it calls a server
 * gone: a shorter wait is a blip, not worth a second sentence. */
#define OFFLINE_AFTER_S 10

struct _LtConnectionBanner
{
  AdwBin parent_instance;

  LtChat1 *chat;
  gboolean was_logged_in;
  gboolean long_away; /* reconnecting for OFFLINE_AFTER_S already */
  guint offline_source;

  GtkRevealer *revealer;
  GtkImage *icon;
  GtkLabel *label;
};

G_DEFINE_FINAL_TYPE (LtConnectionBanner, lt_connection_banner, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_CHAT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
show_text (LtConnectionBanner *self,
           const char         *icon_name,
           const char         *text)
{
  gtk_image_set_from_icon_name (self->icon, icon_name);
  gtk_label_set_label (self->label, text);
  gtk_widget_set_visible (GTK_WIDGET (self->revealer), TRUE);
  gtk_revealer_set_reveal_child (self->revealer, TRUE);
}

static void update (LtConnectionBanner *self);

static gboolean
on_offline_timeout (gpointer user_data)
{
  LtConnectionBanner *self = user_data;

  self->offline_source = 0;
  self->long_away = TRUE;
  update (self);
  return G_SOURCE_REMOVE;
}

static void
hide (LtConnectionBanner *self)
{
  g_clear_handle_id (&self->offline_source, g_source_remove);
  self->long_away = FALSE;
  gtk_revealer_set_reveal_child (self->revealer, FALSE);
}

/* Once slid away, a screen reader no longer reads it either. */
static void
on_child_revealed (LtConnectionBanner *self)
{
  if (!gtk_revealer_get_child_revealed (self->revealer)
      && !gtk_revealer_get_reveal_child (self->revealer))
    gtk_widget_set_visible (GTK_WIDGET (self->revealer), FALSE);
}

static void
update (LtConnectionBanner *self)
{
  const char *state = self->chat != NULL ? lt_chat1_get_state (self->chat) : NULL;

  if (g_strcmp0 (state, "logged-in") == 0)
    self->was_logged_in = TRUE;
  else if (state == NULL || g_str_equal (state, "offline"))
    self->was_logged_in = FALSE;

  if (g_strcmp0 (state, "connecting") != 0 && g_strcmp0 (state, "connected") != 0)
    hide (self);
  else if (!self->was_logged_in)
    show_text (self, "network-idle-symbolic", _("Connecting…"));
  else if (self->long_away)
    show_text (self, "network-offline-symbolic",
               _("Offline — messages will be sent when you are back online"));
  else
    {
      show_text (self, "network-idle-symbolic", _("Reconnecting…"));
      if (self->offline_source == 0)
        self->offline_source = g_timeout_add_seconds (OFFLINE_AFTER_S, on_offline_timeout, self);
    }
}

LtConnectionBanner *
lt_connection_banner_new (void)
{
  return g_object_new (LT_TYPE_CONNECTION_BANNER, NULL);
}

LtChat1 *
lt_connection_banner_get_chat (LtConnectionBanner *self)
{
  g_return_val_if_fail (LT_IS_CONNECTION_BANNER (self), NULL);

  return self->chat;
}

/**
 * lt_connection_banner_set_chat:
 * @chat: (nullable): the proxy to liaotiand whose State to show
 */
void
lt_connection_banner_set_chat (LtConnectionBanner *self,
                               LtChat1            *chat)
{
  g_return_if_fail (LT_IS_CONNECTION_BANNER (self));
  g_return_if_fail (chat == NULL || LT_IS_CHAT1 (chat));

  if (self->chat == chat)
    return;

  if (self->chat != NULL)
    g_signal_handlers_disconnect_by_data (self->chat, self);
  g_set_object (&self->chat, chat);
  /* Learnt again from the new proxy's State. */
  self->was_logged_in = FALSE;
  if (chat != NULL)
    g_signal_connect_swapped (chat, "notify::state", G_CALLBACK (update), self);
  update (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CHAT]);
}

static void
lt_connection_banner_dispose (GObject *object)
{
  LtConnectionBanner *self = LT_CONNECTION_BANNER (object);

  lt_connection_banner_set_chat (self, NULL);
  g_clear_handle_id (&self->offline_source, g_source_remove);
  /* AdwBin's own dispose would unparent the revealer again after the
   * template let go of it: take it out of the bin first. */
  adw_bin_set_child (ADW_BIN (self), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), LT_TYPE_CONNECTION_BANNER);

  G_OBJECT_CLASS (lt_connection_banner_parent_class)->dispose (object);
}

static void
lt_connection_banner_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  LtConnectionBanner *self = LT_CONNECTION_BANNER (object);

  switch (prop_id)
    {
    case PROP_CHAT:
      g_value_set_object (value, self->chat);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lt_connection_banner_set_property (GObject      *object,
                                   guint         prop_id,
                                   const GValue *value,
                                   GParamSpec   *pspec)
{
  LtConnectionBanner *self = LT_CONNECTION_BANNER (object);

  switch (prop_id)
    {
    case PROP_CHAT:
      lt_connection_banner_set_chat (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lt_connection_banner_class_init (LtConnectionBannerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = lt_connection_banner_dispose;
  object_class->get_property = lt_connection_banner_get_property;
  object_class->set_property = lt_connection_banner_set_property;

  properties[PROP_CHAT] =
    g_param_spec_object ("chat", NULL, NULL, LT_TYPE_CHAT1,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/liaotian/Liaotian/lt-connection-banner.ui");
  gtk_widget_class_bind_template_child (widget_class, LtConnectionBanner, revealer);
  gtk_widget_class_bind_template_child (widget_class, LtConnectionBanner, icon);
  gtk_widget_class_bind_template_child (widget_class, LtConnectionBanner, label);
  gtk_widget_class_bind_template_callback (widget_class, on_child_revealed);
}

static void
lt_connection_banner_init (LtConnectionBanner *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
