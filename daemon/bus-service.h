/* The session bus face of the daemon: sd-bus vtables for the interfaces in dbus/ (the XML),
 * the ObjectManager, and the signals. Marshalling only; decisions live in daemon.c and
 * offline-object.c. */
#pragma once

#include <systemd/sd-bus.h>

#include "daemon.h"

/* Exports the root object, the account objects (a fallback vtable with a node
 * enumerator) and the ObjectManager. Returns a negative errno on failure. */
int om_bus_service_export(OmDaemon *daemon, sd_bus *bus);

void om_bus_service_emit_phase(sd_bus *bus, OmObject *object, OmNotifyType type,
                               OmState old_state, OmState new_state);
void om_bus_service_emit_properties(sd_bus *bus, OmObject *object, OmObjectProps changed);
void om_bus_service_emit_manager_properties(sd_bus *bus, OmManagerProps changed);
void om_bus_service_emit_account_added(sd_bus *bus, OmObject *object);
/* Call while the object can still be found. */
void om_bus_service_emit_account_removed(sd_bus *bus, OmObject *object);

/* Answers the BLOCK call waiting on @object, if any: with its state, or with @error. */
void om_bus_service_complete_waiter(OmObject *object, const GError *error);
