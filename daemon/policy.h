/* The policy: from what the daemon knows about the world to each object's effective
 * state and the reason for it. Pure functions, no I/O, table-tested in tests/unit. */
#pragma once

#include <glib.h>

#include "account-settings.h"

/* MAPI's values (MAPIOFFLINE_STATE_*). */
typedef enum {
  OM_STATE_OFFLINE = 1,
  OM_STATE_ONLINE = 2,
} OmState;

/* Why an object is OFFLINE. The order is the order in which reasons win: the first that
 * applies is reported. OM_REASON_NONE means ONLINE. */
typedef enum {
  OM_REASON_NONE,
  OM_REASON_GLOBAL_OFFLINE,
  OM_REASON_USER_OFFLINE,
  OM_REASON_SUSPENDED,
  OM_REASON_NETWORKING_DISABLED,
  OM_REASON_NO_NETWORK,
  OM_REASON_NO_NETWORK_MONITOR,
  OM_REASON_PORTAL,
  OM_REASON_LIMITED,
  OM_REASON_METERED,
  OM_REASON_CONNECTION_INACTIVE,
  OM_REASON_UNREACHABLE,
} OmReason;

typedef enum {
  OM_BACKEND_NONE,
  OM_BACKEND_NETLINK,
  OM_BACKEND_NETWORKMANAGER,
} OmBackend;

/* NetworkManager's enums, as far as the policy needs them. */
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

typedef enum {
  OM_PROBE_UNKNOWN,      /* not probed since the last change */
  OM_PROBE_REACHABLE,
  OM_PROBE_UNREACHABLE,
} OmProbeResult;

const char *om_reason_to_string(OmReason reason);
const char *om_backend_to_string(OmBackend backend);
const char *om_state_to_string(OmState state);

void om_network_snapshot_init(OmNetworkSnapshot *snapshot);
void om_network_snapshot_clear(OmNetworkSnapshot *snapshot);
void om_network_snapshot_copy(OmNetworkSnapshot *dest, const OmNetworkSnapshot *src);
void om_active_connection_free(OmActiveConnection *connection);
/* Whether @a and @b agree on everything but `suspended`. */
gboolean om_network_snapshot_network_equal(const OmNetworkSnapshot *a,
                                           const OmNetworkSnapshot *b);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(OmNetworkSnapshot, om_network_snapshot_clear)

/* The reason the global object is OFFLINE, or NONE. Only its requested mode, suspend and
 * the network's existence count: connectivity, metered, connections and reachability
 * apply to accounts only. The global object's own request reads as user-offline. */
OmReason om_policy_global(const OmNetworkSnapshot *net, OmState requested);

/* The reason an account is OFFLINE, or NONE. @probe is the last reachability result;
 * it counts only when the account has CheckReachability. */
OmReason om_policy_account(const OmNetworkSnapshot *net, OmState global_requested,
                           OmState requested, const OmAccountSettings *settings,
                           OmProbeResult probe);

static inline OmState
om_reason_to_state(OmReason reason)
{
  return reason == OM_REASON_NONE ? OM_STATE_ONLINE : OM_STATE_OFFLINE;
}
