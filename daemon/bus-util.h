/* sd-bus helpers the daemon's bus code shares: GLib cleanup functions for sd-bus types,
 * and the one reader of an a{sv} (NetworkManager's properties, the settings clients
 * send). */
#pragma once

#include <glib.h>
#include <systemd/sd-bus.h>

G_DEFINE_AUTOPTR_CLEANUP_FUNC(sd_bus, sd_bus_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(sd_bus_message, sd_bus_message_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(sd_bus_slot, sd_bus_slot_unref)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(sd_bus_error, sd_bus_error_free)

/* Called for each entry of an a{sv} with its key and @m at the entry's variant, which it
 * must read or skip. A negative return stops the reading and is returned. */
typedef int (*OmBusDictEntryFunc)(const char *key, sd_bus_message *m, gpointer user_data);

/* Reads the a{sv} at the read position of @m, calling @func for each entry in order.
 * With @max_entries > 0 the entries are counted first, and more than that many fail
 * with -E2BIG before @func sees any (a limit does not depend on what entries hold).
 * Returns 0 or a negative errno. */
int om_bus_read_dict(sd_bus_message *m, guint max_entries, OmBusDictEntryFunc func,
                     gpointer user_data);
