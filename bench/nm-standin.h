/* A NetworkManager stand-in for the benchmarks: org.freedesktop.NetworkManager on one
 * sd-bus connection (a private system bus), answering what NetworkManager's clients ask
 * (GetAll and Get on the manager and on its active connection, Introspect,
 * GetManagedObjects) and taking the network down or up with one standard
 * org.freedesktop.DBus.Properties.PropertiesChanged.
 *
 * Its objects exist before it owns the name, as with the real NetworkManager, so a client
 * that reads the manager the moment the name appears always finds them. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <systemd/sd-bus.h>

typedef struct NmStandin NmStandin;

/* Exports the objects on @bus (a started bus client connection, borrowed), then owns
 * org.freedesktop.NetworkManager. The network starts up: CONNECTED_GLOBAL, FULL, one
 * activated ethernet connection as the primary. Returns a negative errno on failure. */
int nm_standin_new(sd_bus *bus, NmStandin **ret);
NmStandin *nm_standin_free(NmStandin *nm);

/* Takes the network down (State DISCONNECTED, Connectivity NONE) or up (State
 * CONNECTED_GLOBAL, Connectivity FULL) with exactly one PropertiesChanged message, written
 * to the socket before this returns (unless the socket is full). */
int nm_standin_set_online(NmStandin *nm, bool online);
bool nm_standin_get_online(const NmStandin *nm);

/* Flips Metered between GUESS_NO and GUESS_YES (one PropertiesChanged): an NM event that
 * changes no account with the default AllowMetered=true. */
int nm_standin_toggle_metered(NmStandin *nm);

/* Opens a bus client connection to @address (not shared with anything else). */
int bench_bus_open(const char *address, sd_bus **ret);
