/* The daemon's view of the world outside it: NetworkManager on the system bus, the
 * kernel's routes when NetworkManager is absent, and logind's suspend signal.
 *
 * The monitor owns its system bus connection and keeps one OmNetworkSnapshot current.
 * It never blocks the main loop, never auto-starts NetworkManager, and treats a missing
 * system bus, NetworkManager or logind as normal.
 *
 * Backends, in order of preference (docs/network.md has the details):
 *   networkmanager  NetworkManager owns its name and its state has been read
 *                   (nm-monitor.h);
 *   netlink         otherwise, the kernel's default routes (netlink-monitor.h): NM state
 *                   70 with a default route, else 20; connectivity unknown; no active
 *                   connections. The netlink socket is open only while this is needed;
 *   none            neither can tell (netlink refused, e.g. by a sandbox).
 * While NetworkManager is back but not read yet, the netlink snapshot stays; while the
 * netlink dump is under way after NetworkManager left, the last snapshot stays.
 *
 * Losing the system bus makes the monitor fall back to netlink and reconnect with a
 * growing delay (1 s doubling to 60 s); that timer runs only while disconnected. */
#pragma once

#include <glib.h>

#include "policy.h"

/* `ready` comes no later than this after om_network_monitor_start(), even if
 * NetworkManager owns its name but does not answer. */
#define OM_NETWORK_READY_TIMEOUT_MS 2500

typedef struct OmNetworkMonitor OmNetworkMonitor;

typedef enum {
  OM_NETWORK_CHANGE_NETWORK = 1 << 0,  /* anything in the snapshot but `suspended` */
  OM_NETWORK_CHANGE_SUSPEND = 1 << 1,  /* `suspended` flipped: to sleep, or resumed */
} OmNetworkChange;

typedef struct {
  /* Exactly once, when the first snapshot is known (NetworkManager read, or found absent
   * and the fallback read), within OM_NETWORK_READY_TIMEOUT_MS. */
  void (*ready)(OmNetworkMonitor *monitor, gpointer user_data);
  /* After ready, whenever the snapshot changed. */
  void (*changed)(OmNetworkMonitor *monitor, OmNetworkChange change, gpointer user_data);
} OmNetworkMonitorCallbacks;

OmNetworkMonitor *om_network_monitor_new(const OmNetworkMonitorCallbacks *callbacks,
                                         gpointer user_data);
void om_network_monitor_start(OmNetworkMonitor *monitor);
const OmNetworkSnapshot *om_network_monitor_get_snapshot(OmNetworkMonitor *monitor);

/* When the snapshot turns suspended, logind's sleep is delayed (a delay inhibitor lock)
 * until this is called: the daemon calls it once the OFFLINE notifications have left. */
void om_network_monitor_allow_sleep(OmNetworkMonitor *monitor);

void om_network_monitor_free(OmNetworkMonitor *monitor);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(OmNetworkMonitor, om_network_monitor_free)
