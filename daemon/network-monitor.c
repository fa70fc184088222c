/* Placeholder until the NetworkManager, netlink and logind monitors land: the network is
 * taken as always available (a default route, full connectivity). */
#include "network-monitor.h"

struct OmNetworkMonitor {
  OmNetworkMonitorCallbacks callbacks;
  gpointer user_data;
  OmNetworkSnapshot snapshot;
  guint ready_id;
};

OmNetworkMonitor *
om_network_monitor_new(const OmNetworkMonitorCallbacks *callbacks, gpointer user_data)
{
  OmNetworkMonitor *monitor = g_new0(OmNetworkMonitor, 1);

  monitor->callbacks = *callbacks;
  monitor->user_data = user_data;
  om_network_snapshot_init(&monitor->snapshot);
  monitor->snapshot.backend = OM_BACKEND_NETLINK;
  monitor->snapshot.default_route = TRUE;
  monitor->snapshot.nm_state = OM_NM_STATE_CONNECTED_GLOBAL;
  return monitor;
}

static gboolean
on_ready(gpointer user_data)
{
  OmNetworkMonitor *monitor = user_data;

  monitor->ready_id = 0;
  monitor->callbacks.ready(monitor, monitor->user_data);
  return G_SOURCE_REMOVE;
}

void
om_network_monitor_start(OmNetworkMonitor *monitor)
{
  monitor->ready_id = g_idle_add(on_ready, monitor);
}

const OmNetworkSnapshot *
om_network_monitor_get_snapshot(OmNetworkMonitor *monitor)
{
  return &monitor->snapshot;
}

void
om_network_monitor_free(OmNetworkMonitor *monitor)
{
  if (monitor == NULL)
    return;
  g_clear_handle_id(&monitor->ready_id, g_source_remove);
  om_network_snapshot_clear(&monitor->snapshot);
  g_free(monitor);
}
