/* The fallback network source: whether the kernel has a default route, from a
 * NETLINK_ROUTE socket (a dump, then RTMGRP_IPV4_ROUTE / RTMGRP_IPV6_ROUTE notifications).
 *
 * Runs only while NetworkManager cannot be used; an idle machine sends no route
 * notifications, so it costs no wakeups. The socket is read from the GLib main loop and
 * never blocks it. Lost notifications (ENOBUFS) and interrupted dumps lead to a new
 * dump. */
#pragma once

#include <glib.h>

typedef struct OmNetlinkMonitor OmNetlinkMonitor;

/* Called when the first dump is complete, when the presence of a default route changes
 * afterwards, and once when the monitor fails (then it reads no more). */
typedef void (*OmNetlinkChanged)(OmNetlinkMonitor *monitor, gpointer user_data);

/* Opens the socket and asks for a dump. NULL with @error when netlink cannot be used
 * (a sandbox that forbids AF_NETLINK, for one). */
OmNetlinkMonitor *om_netlink_monitor_new(OmNetlinkChanged changed, gpointer user_data,
                                         GError **error);
void om_netlink_monitor_free(OmNetlinkMonitor *monitor);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(OmNetlinkMonitor, om_netlink_monitor_free)

/* The first dump is complete: has_default_route means something. */
gboolean om_netlink_monitor_is_settled(OmNetlinkMonitor *monitor);
gboolean om_netlink_monitor_has_default_route(OmNetlinkMonitor *monitor);
/* The socket failed; the monitor reports nothing more. */
gboolean om_netlink_monitor_has_failed(OmNetlinkMonitor *monitor);
