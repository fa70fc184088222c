/* The daemon's view of the world outside it: NetworkManager on the system bus, the
 * kernel's routes when NetworkManager is absent, and logind's suspend signal.
 *
 * The monitor owns its system bus connection and keeps one OmNetworkSnapshot current.
 * It never blocks the main loop, never auto-starts NetworkManager, and treats a missing
 * system bus, NetworkManager or logind as normal. */
#pragma once

#include <glib.h>

#include "policy.h"

typedef struct OmNetworkMonitor OmNetworkMonitor;

typedef enum {
  OM_NETWORK_CHANGE_NETWORK = 1 << 0,  /* anything in the snapshot but `suspended` */
  OM_NETWORK_CHANGE_SUSPEND = 1 << 1,  /* `suspended` flipped: to sleep, or resumed */
} OmNetworkChange;

typedef struct {
  /* Exactly once, when the first snapshot is known (NetworkManager read, or found absent
   * and the fallback read), within a bounded time. */
  void (*ready)(OmNetworkMonitor *monitor, gpointer user_data);
  /* After ready, whenever the snapshot changed. */
  void (*changed)(OmNetworkMonitor *monitor, OmNetworkChange change, gpointer user_data);
} OmNetworkMonitorCallbacks;

OmNetworkMonitor *om_network_monitor_new(const OmNetworkMonitorCallbacks *callbacks,
                                         gpointer user_data);
void om_network_monitor_start(OmNetworkMonitor *monitor);
const OmNetworkSnapshot *om_network_monitor_get_snapshot(OmNetworkMonitor *monitor);
void om_network_monitor_free(OmNetworkMonitor *monitor);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(OmNetworkMonitor, om_network_monitor_free)
