/* The network as the daemon sees it: one snapshot of NetworkManager's state (or the
 * kernel's routes in its absence) and of logind's suspend, copied whole on every change.
 * The facts the Manager publishes (Metered, ActiveConnections) are worked out here once;
 * docs/design.md, "The data path", shows where snapshots come from and who reads them. */
#pragma once

#include <glib.h>

typedef enum {
  OM_BACKEND_NONE,
  OM_BACKEND_NETLINK,
  OM_BACKEND_NETWORKMANAGER,
} OmBackend;

/* NetworkManager's enums (NetworkManager's nm-dbus-interface.h), as far as the daemon
 * needs them. */
enum {
  OM_NM_STATE_UNKNOWN = 0,
  OM_NM_STATE_ASLEEP = 10,
  OM_NM_STATE_DISCONNECTED = 20,
  OM_NM_STATE_DISCONNECTING = 30,
  OM_NM_STATE_CONNECTING = 40,
  OM_NM_STATE_CONNECTED_LOCAL = 50,
  OM_NM_STATE_CONNECTED_SITE = 60,
  OM_NM_STATE_CONNECTED_GLOBAL = 70,
};
enum {
  OM_NM_CONNECTIVITY_UNKNOWN = 0,
  OM_NM_CONNECTIVITY_NONE = 1,
  OM_NM_CONNECTIVITY_PORTAL = 2,
  OM_NM_CONNECTIVITY_LIMITED = 3,
  OM_NM_CONNECTIVITY_FULL = 4,
};
enum {
  OM_NM_METERED_UNKNOWN = 0,
  OM_NM_METERED_YES = 1,
  OM_NM_METERED_NO = 2,
  OM_NM_METERED_GUESS_YES = 3,
  OM_NM_METERED_GUESS_NO = 4,
};
enum {
  OM_NM_ACTIVE_CONNECTION_STATE_ACTIVATED = 2,
};

/* One of NetworkManager's active connections. */
typedef struct {
  char *id;
  char *uuid;
  char *type;
  guint32 state;  /* NMActiveConnectionState */
  gboolean vpn;
} OmActiveConnection;

/* What the daemon knows about the world outside it. */
typedef struct {
  OmBackend backend;
  guint32 nm_state;            /* NMState; under netlink 70 with a default route, else 20 */
  guint32 connectivity;        /* NMConnectivityState; under netlink UNKNOWN */
  guint32 metered;             /* NMMetered */
  gboolean networking_enabled;
  gboolean default_route;      /* NM: PrimaryConnection is not "/" or State >= CONNECTED_SITE;
                                * netlink: a default route */
  gboolean suspended;          /* logind PrepareForSleep(true) until PrepareForSleep(false) */
  GPtrArray *active;           /* OmActiveConnection*, owned; never NULL */
} OmNetworkSnapshot;

/* The facts of a snapshot that the Manager interface publishes, as flags: what changed
 * between two snapshots. */
typedef enum {
  OM_NETWORK_FACT_BACKEND = 1 << 0,
  OM_NETWORK_FACT_NM_STATE = 1 << 1,
  OM_NETWORK_FACT_CONNECTIVITY = 1 << 2,
  OM_NETWORK_FACT_METERED = 1 << 3,
  OM_NETWORK_FACT_ACTIVE_IDS = 1 << 4,
} OmNetworkFacts;

void om_network_snapshot_init(OmNetworkSnapshot *snapshot);
void om_network_snapshot_clear(OmNetworkSnapshot *snapshot);
void om_network_snapshot_copy(OmNetworkSnapshot *dest, const OmNetworkSnapshot *src);
void om_active_connection_free(OmActiveConnection *connection);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(OmNetworkSnapshot, om_network_snapshot_clear)

/* Whether @a and @b agree on everything but `suspended`. */
gboolean om_network_snapshot_network_equal(const OmNetworkSnapshot *a,
                                           const OmNetworkSnapshot *b);

/* NetworkManager says the link is metered (YES or GUESS_YES). */
gboolean om_network_snapshot_is_metered(const OmNetworkSnapshot *snapshot);

/* Whether @connection is activated and has an id: what ActiveConnections lists, in the
 * snapshot's order. */
gboolean om_active_connection_is_listed(const OmActiveConnection *connection);

/* Which published facts differ between @a and @b. */
OmNetworkFacts om_network_snapshot_diff(const OmNetworkSnapshot *a, const OmNetworkSnapshot *b);

const char *om_backend_to_string(OmBackend backend);
