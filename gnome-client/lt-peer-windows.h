/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/**
 * LtPeerWindowFactory:
 * @peer: the peer's username
 * @user_data: the data given to lt_peer_windows_present_or_create()
 *
 * Makes the window of a private chat with @peer.
 *
 * Returns: (transfer none): a new window, owned by GTK as every
 *   toplevel is
 */
typedef GtkWindow *(*LtPeerWindowFactory) (const char *peer,
                                           gpointer    user_data);

#define LT_TYPE_PEER_WINDOWS (lt_peer_windows_get_type ())
G_DECLARE_FINAL_TYPE (LtPeerWindows, lt_peer_windows, LT, PEER_WINDOWS, GObject)

LtPeerWindows *lt_peer_windows_new (void);
GtkWindow *lt_peer_windows_lookup (LtPeerWindows *self,
                                   const char    *peer);
void lt_peer_windows_add (LtPeerWindows *self,
                          const char    *peer,
                          GtkWindow     *window);
guint lt_peer_windows_get_n_windows (LtPeerWindows *self);
GtkWindow *lt_peer_windows_present_or_create (LtPeerWindows      *self,
                                              const char         *peer,
                                              LtPeerWindowFactory factory,
                                              gpointer            user_data);

G_END_DECLS
