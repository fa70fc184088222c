/* NetworkManager on the system bus: whether it is there, and its State, Connectivity,
 * Metered, NetworkingEnabled, PrimaryConnection and active connections (Id, Uuid, Type,
 * State, Vpn of each).
 *
 * Follows NameOwnerChanged and asks GetNameOwner, so it never starts NetworkManager:
 * every call goes to NetworkManager's current unique name with auto-start off, and
 * signals from any other sender are ignored. Changes come only from the standard
 * org.freedesktop.DBus.Properties.PropertiesChanged (NetworkManager's own legacy
 * PropertiesChanged, gone since 1.32 but still sent by python-dbusmock, is not even
 * subscribed to); match rules on the interface name keep the bus from waking the daemon
 * for devices, access points and the like. All calls are asynchronous. A peer that owns
 * the name but does not answer yet (a half-started stand-in) or fails is asked again
 * with a growing delay. Active connections are reported by Id and Uuid; object paths
 * serve only to follow their changes within one NetworkManager instance, and everything
 * is read anew when the name changes hands. */
#pragma once

#include <glib.h>
#include <systemd/sd-bus.h>

#include "policy.h"

typedef struct OmNmMonitor OmNmMonitor;

typedef enum {
  OM_NM_STATUS_UNKNOWN,  /* the bus has not said yet whether the name has an owner */
  OM_NM_STATUS_ABSENT,   /* nobody owns org.freedesktop.NetworkManager */
  OM_NM_STATUS_READING,  /* it is there; its state is not known yet */
  OM_NM_STATUS_UP,       /* it is there and its state is current */
} OmNmStatus;

/* Called when the status changes, and while UP whenever something the snapshot holds may
 * have changed (once per PropertiesChanged, after any active connections it added have
 * been read). */
typedef void (*OmNmChanged)(OmNmMonitor *monitor, gpointer user_data);

/* Starts following NetworkManager on @bus (referenced). Returns NULL with a negative
 * errno in @error_out when the match rules cannot even be queued. */
OmNmMonitor *om_nm_monitor_new(sd_bus *bus, OmNmChanged changed, gpointer user_data,
                               int *error_out);
void om_nm_monitor_free(OmNmMonitor *monitor);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(OmNmMonitor, om_nm_monitor_free)

OmNmStatus om_nm_monitor_get_status(OmNmMonitor *monitor);

/* Writes what NetworkManager said into @snapshot (backend, nm_state, connectivity,
 * metered, networking_enabled, default_route, active), when UP. default_route is true
 * when PrimaryConnection is not "/" or State is at least CONNECTED_SITE (which
 * NetworkManager reports only with a default route). Active connections are sorted by
 * Id, then Uuid. */
void om_nm_monitor_fill(OmNmMonitor *monitor, OmNetworkSnapshot *snapshot);
