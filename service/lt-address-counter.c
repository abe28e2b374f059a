/* SPDX-License-Identifier: GPL-3.0-or-later */
/* LtAddressCounter: how many connections each client IP address has
 * open on one port, for --max-connections-per-address.  The chat port
 * and the HTTP file port have one each: the limit applies to each port
 * separately.  Addresses with no connection are forgotten. */
#include "config.h"

#include "lt-address-counter.h"

struct _LtAddressCounter
{
  GObject parent_instance;

  GHashTable *counts; /* address → count, as GUINT_TO_POINTER */
  guint max_per_address;
};

G_DEFINE_FINAL_TYPE (LtAddressCounter, lt_address_counter, G_TYPE_OBJECT)

static void
lt_address_counter_finalize (GObject *object)
{
  g_clear_pointer (&LT_ADDRESS_COUNTER (object)->counts, g_hash_table_unref);

  G_OBJECT_CLASS (lt_address_counter_parent_class)->finalize (object);
}

static void
lt_address_counter_class_init (LtAddressCounterClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = lt_address_counter_finalize;
}

static void
lt_address_counter_init (LtAddressCounter *self)
{
  self->counts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

LtAddressCounter *
lt_address_counter_new (guint max_per_address)
{
  LtAddressCounter *self = g_object_new (LT_TYPE_ADDRESS_COUNTER, NULL);

  self->max_per_address = max_per_address;
  return self;
}

static guint
count_of (LtAddressCounter *self,
          const char       *address)
{
  return GPOINTER_TO_UINT (g_hash_table_lookup (self->counts, address));
}

/* Counts one more connection from @address, unless it has the most
 * allowed already: then FALSE, and nothing is counted. */
gboolean
lt_address_counter_add (LtAddressCounter *self,
                        const char       *address)
{
  guint count;

  g_return_val_if_fail (LT_IS_ADDRESS_COUNTER (self), FALSE);

  count = count_of (self, address);
  if (count >= self->max_per_address)
    return FALSE;

  g_hash_table_insert (self->counts, g_strdup (address), GUINT_TO_POINTER (count + 1));
  return TRUE;
}

/* A connection counted by lt_address_counter_add() is closed. */
void
lt_address_counter_remove (LtAddressCounter *self,
                           const char       *address)
{
  guint count = count_of (self, address);

  g_return_if_fail (count > 0);

  if (count == 1)
    g_hash_table_remove (self->counts, address);
  else
    g_hash_table_insert (self->counts, g_strdup (address), GUINT_TO_POINTER (count - 1));
}

typedef struct
{
  LtAddressCounter *counter; /* owned: the object may outlive its port */
  char *address;
} Held;

static void
held_free (gpointer data)
{
  Held *held = data;

  lt_address_counter_remove (held->counter, held->address);
  g_object_unref (held->counter);
  g_free (held->address);
  g_free (held);
}

/* The connection counted for @address is @object (a GSocketConnection):
 * it is removed once @object is finalized, whichever way it closed.
 * Once only: the destroy notify of object data runs once. */
void
lt_address_counter_remove_on_finalize (LtAddressCounter *self,
                                       const char       *address,
                                       gpointer          object)
{
  Held *held;

  g_return_if_fail (LT_IS_ADDRESS_COUNTER (self));
  g_return_if_fail (G_IS_OBJECT (object));

  held = g_new0 (Held, 1);
  held->counter = g_object_ref (self);
  held->address = g_strdup (address);
  g_object_set_data_full (G_OBJECT (object), "lt-address-counted", held, held_free);
}

/* The client's IP address, as text, or "unknown". */
char *
lt_address_of_peer (GSocketConnection *connection)
{
  g_autoptr(GSocketAddress) remote = g_socket_connection_get_remote_address (connection, NULL);

  if (remote == NULL || !G_IS_INET_SOCKET_ADDRESS (remote))
    return g_strdup ("unknown");

  return g_inet_address_to_string (
    g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (remote)));
}
