/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define LT_TYPE_ADDRESS_COUNTER (lt_address_counter_get_type ())
G_DECLARE_FINAL_TYPE (LtAddressCounter, lt_address_counter, LT, ADDRESS_COUNTER, GObject)

LtAddressCounter *lt_address_counter_new (guint max_per_address);
gboolean lt_address_counter_add (LtAddressCounter *self,
                                 const char       *address);
void lt_address_counter_remove (LtAddressCounter *self,
                                const char       *address);
void lt_address_counter_remove_on_finalize (LtAddressCounter *self,
                                            const char       *address,
                                            gpointer          object);

char *lt_address_of_peer (GSocketConnection *connection);

G_END_DECLS
