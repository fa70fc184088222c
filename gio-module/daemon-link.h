/* The GIO module's line to offlinemgrd: follows the daemon on the application's shared
 * session bus connection (GDBus) and keeps an OmDaemonState current, from any thread.
 *
 * Messages are read in a GDBus connection filter, that is in GDBus's worker thread as
 * soon as they arrive, in the order they arrive: the snapshot (GetManagedObjects) and
 * the signals after it apply in the daemon's order, and the state is current even when
 * the application's main loop is busy. Changes are handed to the application's main
 * context through one GSource. */
#pragma once

#include <gio/gio.h>

#include "daemon-state.h"

typedef struct OmDaemonLink OmDaemonLink;

/* Called from @context after the state changed, with everything that changed since the
 * last call. @owner is a strong reference for the duration of the call. */
typedef void (*OmDaemonLinkNotify)(GObject *owner, OmChanged changed);

/* A link that will report to @owner (held weakly) through @notify in @context. */
OmDaemonLink *om_daemon_link_new(GDBusConnection *bus, GObject *owner, GMainContext *context,
                                 OmDaemonLinkNotify notify);

/* Subscribes and reads the daemon's state, starting the daemon by D-Bus activation if
 * the bus can. Blocks the calling thread for at most @timeout_ms. Fails when the
 * daemon is not running and cannot be activated, or does not answer in time. */
gboolean om_daemon_link_start(OmDaemonLink *link, guint timeout_ms, GError **error);

/* Stops following the daemon: no @notify call starts after it returns. Then unref. */
void om_daemon_link_stop(OmDaemonLink *link);

OmDaemonLink *om_daemon_link_ref(OmDaemonLink *link);
void om_daemon_link_unref(OmDaemonLink *link);

/* The monitor's properties now; OM_NETWORK_VIEW_BASE while the daemon is away. Any
 * thread. */
OmNetworkView om_daemon_link_view(OmDaemonLink *link);

/* om_daemon_state_reach() now; FALSE (and nothing set) while the daemon is away. Any
 * thread. */
gboolean om_daemon_link_reach(OmDaemonLink *link, const char *host, guint16 port,
                              OmReach *reach, char **message);
