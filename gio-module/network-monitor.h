/* OmGioNetworkMonitor: GIO's GNetworkMonitor with offlinemgr's answers. */
#pragma once

#include <gio/gio.h>

#define OM_TYPE_GIO_NETWORK_MONITOR (om_gio_network_monitor_get_type())
G_DECLARE_FINAL_TYPE(OmGioNetworkMonitor, om_gio_network_monitor, OM, GIO_NETWORK_MONITOR,
                     GObject)

/* The name on GIO's gio-network-monitor extension point, and its priority: below every
 * monitor GLib has (NetworkManager 30, netlink 20, and the base monitor 0, which always
 * works), so that GIO never picks it unless told to. */
#define OM_GIO_EXTENSION_NAME "offlinemgr"
#define OM_GIO_EXTENSION_PRIORITY (-10)

/* How long initialisation may wait for the daemon (D-Bus activation included) before it
 * fails and GIO falls back to its next monitor. */
#define OM_GIO_START_TIMEOUT_MS 5000

void om_gio_network_monitor_register(GIOModule *module);
