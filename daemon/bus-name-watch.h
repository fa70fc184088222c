/* Who owns a well-known name on a bus, without ever activating it.
 *
 * Subscribes to the bus driver's NameOwnerChanged for the name, then asks GetNameOwner
 * (the bus handles the match rule first, so no change falls between the two). Used for
 * NetworkManager and logind, whose signals are accepted only from the current owner. */
#pragma once

#include <glib.h>
#include <systemd/sd-bus.h>

typedef struct OmBusNameWatch OmBusNameWatch;

/* Called once the owner is first known (@owner NULL if there is none) and whenever it
 * changes afterwards. @owner is a unique name, valid during the call. */
typedef void (*OmNameOwnerChanged)(OmBusNameWatch *watch, const char *owner,
                                   gpointer user_data);

/* Returns NULL with a negative errno in @error_out when the calls cannot be queued. */
OmBusNameWatch *om_bus_name_watch_new(sd_bus *bus, const char *name,
                                      OmNameOwnerChanged changed, gpointer user_data,
                                      int *error_out);
void om_bus_name_watch_free(OmBusNameWatch *watch);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(OmBusNameWatch, om_bus_name_watch_free)
