/* SPDX-License-Identifier: GPL-3.0-or-later */
/* LtPeerWindows: the application's one window per peer.  A second
 * message, a click on a notification or activating the peer again
 * presents the window there is; a window closed is forgotten, so the
 * next time makes a new one.  The registry does not keep windows
 * alive: GTK owns toplevels, and a window leaves the table when it is
 * destroyed. */
#include "config.h"

#include "lt-peer-windows.h"

typedef struct
{
  LtPeerWindows *registry; /* not owned: it frees its slots before it goes */
  char *peer;
  GtkWindow *window; /* not owned */
  gulong destroy_id;
} Slot;

struct _LtPeerWindows
{
  GObject parent_instance;

  GHashTable *slots; /* peer → Slot, keyed by the slot's own peer */
};

G_DEFINE_FINAL_TYPE (LtPeerWindows, lt_peer_windows, G_TYPE_OBJECT)

static void
slot_free (gpointer data)
{
  Slot *slot = data;

  g_clear_signal_handler (&slot->destroy_id, slot->window);
  g_free (slot->peer);
  g_free (slot);
}

static void
on_window_destroy (GtkWindow *window,
                   gpointer   user_data)
{
  Slot *slot = user_data;

  g_hash_table_remove (slot->registry->slots, slot->peer);
}

static void
lt_peer_windows_dispose (GObject *object)
{
  LtPeerWindows *self = LT_PEER_WINDOWS (object);

  /* Windows may outlive the registry: stop listening to them. */
  g_clear_pointer (&self->slots, g_hash_table_unref);

  G_OBJECT_CLASS (lt_peer_windows_parent_class)->dispose (object);
}

static void
lt_peer_windows_class_init (LtPeerWindowsClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = lt_peer_windows_dispose;
}

static void
lt_peer_windows_init (LtPeerWindows *self)
{
  self->slots = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, slot_free);
}

LtPeerWindows *
lt_peer_windows_new (void)
{
  return g_object_new (LT_TYPE_PEER_WINDOWS, NULL);
}

/**
 * lt_peer_windows_lookup:
 * @self: a #LtPeerWindows
 * @peer: a username
 *
 * Returns: (transfer none) (nullable): the window of @peer, if it has one
 */
GtkWindow *
lt_peer_windows_lookup (LtPeerWindows *self,
                        const char    *peer)
{
  Slot *slot;

  g_return_val_if_fail (LT_IS_PEER_WINDOWS (self), NULL);
  g_return_val_if_fail (peer != NULL, NULL);

  slot = g_hash_table_lookup (self->slots, peer);
  return slot != NULL ? slot->window : NULL;
}

/**
 * lt_peer_windows_add:
 * @self: a #LtPeerWindows
 * @peer: a username without a window
 * @window: the new window of @peer
 *
 * Registers @window as the window of @peer until it is destroyed.
 */
void
lt_peer_windows_add (LtPeerWindows *self,
                     const char    *peer,
                     GtkWindow     *window)
{
  Slot *slot;

  g_return_if_fail (LT_IS_PEER_WINDOWS (self));
  g_return_if_fail (peer != NULL);
  g_return_if_fail (GTK_IS_WINDOW (window));
  g_return_if_fail (lt_peer_windows_lookup (self, peer) == NULL);

  slot = g_new0 (Slot, 1);
  slot->registry = self;
  slot->peer = g_strdup (peer);
  slot->window = window;
  slot->destroy_id = g_signal_connect (window, "destroy", G_CALLBACK (on_window_destroy), slot);
  g_hash_table_insert (self->slots, slot->peer, slot);
}

guint
lt_peer_windows_get_n_windows (LtPeerWindows *self)
{
  g_return_val_if_fail (LT_IS_PEER_WINDOWS (self), 0);

  return g_hash_table_size (self->slots);
}

/**
 * lt_peer_windows_present_or_create:
 * @self: a #LtPeerWindows
 * @peer: a username
 * @factory: (scope call): makes the window if @peer has none
 * @user_data: the data for @factory
 *
 * Presents the window of @peer, made by @factory if it has none yet.
 *
 * Returns: (transfer none): the window of @peer
 */
GtkWindow *
lt_peer_windows_present_or_create (LtPeerWindows      *self,
                                   const char         *peer,
                                   LtPeerWindowFactory factory,
                                   gpointer            user_data)
{
  GtkWindow *window;

  g_return_val_if_fail (LT_IS_PEER_WINDOWS (self), NULL);
  g_return_val_if_fail (peer != NULL, NULL);
  g_return_val_if_fail (factory != NULL, NULL);

  window = lt_peer_windows_lookup (self, peer);
  if (window == NULL)
    {
      window = factory (peer, user_data);
      g_return_val_if_fail (GTK_IS_WINDOW (window), NULL);
      lt_peer_windows_add (self, peer, window);
    }
  gtk_window_present (window);
  return window;
}
