/* The engine: accounts, requested modes, the network and the objects, tied together.
 *
 * Start-up order (DESIGN.md): load offlinemgrd.conf and the requested modes, connect to
 * the session bus, start the network monitor; once its first snapshot is known, watch
 * and load the accounts, create every object with its state set directly, export the
 * objects, and only then request the bus name. READY=1 follows the name. */
#pragma once

#include <glib.h>
#include <systemd/sd-bus.h>

#include "offline-object.h"
#include "offlinemgr-bus.h"


typedef struct OmDaemon OmDaemon;

typedef struct {
  gboolean replace;        /* take the name over from a running instance */
  const char *config_dir;  /* NULL: $XDG_CONFIG_HOME/offlinemgr */
  const char *state_dir;   /* NULL: $XDG_STATE_HOME/offlinemgr */
} OmDaemonOptions;

/* Manager properties that changed. */
typedef enum {
  OM_MANAGER_PROP_NETWORK_BACKEND = 1 << 0,
  OM_MANAGER_PROP_NETWORK_STATE = 1 << 1,
  OM_MANAGER_PROP_CONNECTIVITY = 1 << 2,
  OM_MANAGER_PROP_METERED = 1 << 3,
  OM_MANAGER_PROP_ACTIVE_CONNECTIONS = 1 << 4,
} OmManagerProps;

OmDaemon *om_daemon_new(const OmDaemonOptions *options);
void om_daemon_free(OmDaemon *daemon);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(OmDaemon, om_daemon_free)

/* Runs until SIGTERM/SIGINT, the loss of the bus name or of the session bus; returns
 * the exit status. */
int om_daemon_run(OmDaemon *daemon);

/* For the bus layer. */
OmObject *om_daemon_get_global(OmDaemon *daemon);
OmObject *om_daemon_lookup_account(OmDaemon *daemon, const char *id);
GHashTable *om_daemon_get_accounts(OmDaemon *daemon);  /* id → OmObject*, borrowed */
const OmNetworkSnapshot *om_daemon_get_network(OmDaemon *daemon);

/* Each persists the change before applying it; on error nothing changed. */
gboolean om_daemon_set_requested(OmDaemon *daemon, OmObject *object, OmState requested,
                                 GError **error);
OmObject *om_daemon_add_account(OmDaemon *daemon, const char *id,
                                const OmAccountSettings *settings, GError **error);
gboolean om_daemon_update_account(OmDaemon *daemon, OmObject *object,
                                  const OmAccountSettings *settings, GError **error);
gboolean om_daemon_remove_account(OmDaemon *daemon, OmObject *object, GError **error);

/* Re-reads offlinemgrd.conf and every account file. */
void om_daemon_reload(OmDaemon *daemon);
