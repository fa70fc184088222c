/* The aggregator: owns the system bus connection, runs the NetworkManager, logind and
 * netlink monitors, and turns what they say into one snapshot. */
#include "network-monitor.h"

#include <errno.h>

#include "bus-source.h"
#include "logind-monitor.h"
#include "netlink-monitor.h"
#include "nm-monitor.h"

#define RECONNECT_FIRST_S 1
#define RECONNECT_MAX_S 60

struct OmNetworkMonitor {
  OmNetworkMonitorCallbacks callbacks;
  gpointer user_data;
  OmNetworkSnapshot snapshot;  /* as published */
  gboolean ready;
  guint deadline_id;
  gboolean deadline_passed;

  sd_bus *bus;                 /* the system bus, or NULL */
  GSource *bus_source;
  guint reconnect_id;
  guint reconnect_s;

  OmNmMonitor *nm;
  OmLogindMonitor *logind;
  OmNetlinkMonitor *netlink;
  gboolean netlink_unusable;   /* refused or failed; tried again when NM next leaves */
  guint cleanup_id;            /* frees a failed netlink monitor outside its callback */
};

static void update(OmNetworkMonitor *monitor);

static void
on_nm_changed(OmNmMonitor *nm, gpointer user_data)
{
  update(user_data);
}

static void
on_logind_changed(OmLogindMonitor *logind, gpointer user_data)
{
  update(user_data);
}

static gboolean
on_cleanup(gpointer user_data)
{
  OmNetworkMonitor *monitor = user_data;

  monitor->cleanup_id = 0;
  if (monitor->netlink != NULL && om_netlink_monitor_has_failed(monitor->netlink))
    g_clear_pointer(&monitor->netlink, om_netlink_monitor_free);
  return G_SOURCE_REMOVE;
}

static void
on_netlink_changed(OmNetlinkMonitor *netlink, gpointer user_data)
{
  OmNetworkMonitor *monitor = user_data;

  if (om_netlink_monitor_has_failed(netlink)) {
    monitor->netlink_unusable = TRUE;
    if (monitor->cleanup_id == 0)
      monitor->cleanup_id = g_idle_add(on_cleanup, monitor);
  }
  update(monitor);
}

/* ---- the system bus ---- */

static void connect_system_bus(OmNetworkMonitor *monitor);

static gboolean
on_reconnect(gpointer user_data)
{
  OmNetworkMonitor *monitor = user_data;

  monitor->reconnect_id = 0;
  connect_system_bus(monitor);
  update(monitor);
  return G_SOURCE_REMOVE;
}

static void
schedule_reconnect(OmNetworkMonitor *monitor)
{
  monitor->reconnect_s = monitor->reconnect_s == 0
                           ? RECONNECT_FIRST_S
                           : MIN(monitor->reconnect_s * 2, RECONNECT_MAX_S);
  g_debug("Connecting to the system bus again in %u s", monitor->reconnect_s);
  monitor->reconnect_id = g_timeout_add_seconds(monitor->reconnect_s, on_reconnect, monitor);
}

static void
drop_system_bus(OmNetworkMonitor *monitor)
{
  g_clear_pointer(&monitor->nm, om_nm_monitor_free);
  g_clear_pointer(&monitor->logind, om_logind_monitor_free);
  if (monitor->bus_source != NULL) {
    g_source_destroy(monitor->bus_source);
    g_clear_pointer(&monitor->bus_source, g_source_unref);
  }
  if (monitor->bus != NULL) {
    sd_bus_close(monitor->bus);
    monitor->bus = sd_bus_unref(monitor->bus);
  }
}

static void
on_system_bus_lost(sd_bus *bus, gpointer user_data)
{
  OmNetworkMonitor *monitor = user_data;

  g_warning("Lost the system bus; following the kernel's routes until it is back");
  /* The source removes itself after this callback; forget it first. */
  g_clear_pointer(&monitor->bus_source, g_source_unref);
  drop_system_bus(monitor);
  schedule_reconnect(monitor);
  update(monitor);
}

static void
connect_system_bus(OmNetworkMonitor *monitor)
{
  sd_bus *bus = NULL;
  int r;

  r = sd_bus_open_system(&bus);
  if (r < 0) {
    if (monitor->reconnect_s == 0)
      g_message("No system bus (%s): NetworkManager and logind cannot be followed",
                g_strerror(-r));
    schedule_reconnect(monitor);
    return;
  }
  monitor->bus = bus;
  monitor->bus_source = om_bus_source_attach(bus, NULL, on_system_bus_lost, monitor);
  monitor->nm = om_nm_monitor_new(bus, on_nm_changed, monitor, &r);
  if (monitor->nm != NULL)
    monitor->logind = om_logind_monitor_new(bus, on_logind_changed, monitor, &r);
  if (r < 0) {
    g_warning("Cannot follow NetworkManager and logind: %s", g_strerror(-r));
    drop_system_bus(monitor);
    schedule_reconnect(monitor);
    return;
  }
  if (monitor->reconnect_s != 0)
    g_message("Connected to the system bus again");
  monitor->reconnect_s = 0;
}

/* ---- the snapshot ---- */

static OmNmStatus
nm_status(OmNetworkMonitor *monitor)
{
  return monitor->nm != NULL ? om_nm_monitor_get_status(monitor->nm) : OM_NM_STATUS_ABSENT;
}

/* Runs the netlink monitor exactly while NetworkManager cannot be used. */
static void
run_netlink(OmNetworkMonitor *monitor, gboolean wanted)
{
  g_autoptr(GError) error = NULL;

  if (!wanted) {
    g_clear_pointer(&monitor->netlink, om_netlink_monitor_free);
    monitor->netlink_unusable = FALSE;
    return;
  }
  if (monitor->netlink != NULL || monitor->netlink_unusable)
    return;
  monitor->netlink = om_netlink_monitor_new(on_netlink_changed, monitor, &error);
  if (monitor->netlink == NULL) {
    g_warning("No fallback network source: %s", error->message);
    monitor->netlink_unusable = TRUE;
  }
}

/* Writes the network part of @s from the best source that can tell; FALSE when the
 * answer is not known yet. */
static gboolean
fill_network(OmNetworkMonitor *monitor, OmNmStatus status, OmNetworkSnapshot *s)
{
  gboolean netlink_settled = monitor->netlink != NULL &&
                             !om_netlink_monitor_has_failed(monitor->netlink) &&
                             om_netlink_monitor_is_settled(monitor->netlink);

  if (status == OM_NM_STATUS_UP) {
    om_nm_monitor_fill(monitor->nm, s);
    return TRUE;
  }
  if (!netlink_settled && !monitor->netlink_unusable)
    return FALSE;
  g_ptr_array_set_size(s->active, 0);
  s->metered = OM_NM_METERED_UNKNOWN;
  s->connectivity = OM_NM_CONNECTIVITY_UNKNOWN;
  s->networking_enabled = TRUE;
  if (netlink_settled) {
    s->backend = OM_BACKEND_NETLINK;
    s->default_route = om_netlink_monitor_has_default_route(monitor->netlink);
    s->nm_state = s->default_route ? OM_NM_STATE_CONNECTED_GLOBAL : OM_NM_STATE_DISCONNECTED;
  } else {
    s->backend = OM_BACKEND_NONE;
    s->default_route = FALSE;
    s->nm_state = OM_NM_STATE_UNKNOWN;
  }
  return TRUE;
}

static void
update(OmNetworkMonitor *monitor)
{
  OmNmStatus status = nm_status(monitor);
  g_auto(OmNetworkSnapshot) next = { 0 };
  OmNetworkChange change = 0;
  gboolean known;

  run_netlink(monitor, status != OM_NM_STATUS_UP);

  om_network_snapshot_copy(&next, &monitor->snapshot);
  known = fill_network(monitor, status, &next);
  next.suspended = monitor->logind != NULL && om_logind_monitor_get_suspended(monitor->logind);

  if (!monitor->ready) {
    /* NetworkManager's answer is preferred; without it, the fallback's, once it is
     * clear that NetworkManager is absent or the deadline has passed. */
    gboolean decided = status == OM_NM_STATUS_UP ||
                       (known && (status == OM_NM_STATUS_ABSENT || monitor->deadline_passed));
    if (!decided && !monitor->deadline_passed)
      return;
    om_network_snapshot_clear(&monitor->snapshot);
    monitor->snapshot = next;
    next.active = NULL;
    monitor->ready = TRUE;
    g_clear_handle_id(&monitor->deadline_id, g_source_remove);
    monitor->callbacks.ready(monitor, monitor->user_data);
    return;
  }

  if (next.suspended != monitor->snapshot.suspended)
    change |= OM_NETWORK_CHANGE_SUSPEND;
  if (!om_network_snapshot_network_equal(&next, &monitor->snapshot))
    change |= OM_NETWORK_CHANGE_NETWORK;
  if (change == 0)
    return;
  if (next.backend != monitor->snapshot.backend)
    g_message("Network backend: %s", om_backend_to_string(next.backend));
  om_network_snapshot_clear(&monitor->snapshot);
  monitor->snapshot = next;
  next.active = NULL;
  monitor->callbacks.changed(monitor, change, monitor->user_data);
}

static gboolean
on_deadline(gpointer user_data)
{
  OmNetworkMonitor *monitor = user_data;

  monitor->deadline_id = 0;
  monitor->deadline_passed = TRUE;
  if (!monitor->ready)
    g_message("NetworkManager has not answered in %d ms; starting without it",
              OM_NETWORK_READY_TIMEOUT_MS);
  update(monitor);
  return G_SOURCE_REMOVE;
}

OmNetworkMonitor *
om_network_monitor_new(const OmNetworkMonitorCallbacks *callbacks, gpointer user_data)
{
  OmNetworkMonitor *monitor = g_new0(OmNetworkMonitor, 1);

  monitor->callbacks = *callbacks;
  monitor->user_data = user_data;
  om_network_snapshot_init(&monitor->snapshot);
  return monitor;
}

void
om_network_monitor_start(OmNetworkMonitor *monitor)
{
  monitor->deadline_id = g_timeout_add(OM_NETWORK_READY_TIMEOUT_MS, on_deadline, monitor);
  connect_system_bus(monitor);
  update(monitor);
}

const OmNetworkSnapshot *
om_network_monitor_get_snapshot(OmNetworkMonitor *monitor)
{
  return &monitor->snapshot;
}

void
om_network_monitor_allow_sleep(OmNetworkMonitor *monitor)
{
  if (monitor->logind != NULL)
    om_logind_monitor_allow_sleep(monitor->logind);
}

void
om_network_monitor_free(OmNetworkMonitor *monitor)
{
  if (monitor == NULL)
    return;
  g_clear_handle_id(&monitor->deadline_id, g_source_remove);
  g_clear_handle_id(&monitor->reconnect_id, g_source_remove);
  g_clear_handle_id(&monitor->cleanup_id, g_source_remove);
  drop_system_bus(monitor);
  g_clear_pointer(&monitor->netlink, om_netlink_monitor_free);
  om_network_snapshot_clear(&monitor->snapshot);
  g_free(monitor);
}
