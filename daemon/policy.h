/* The policy: from what the daemon knows about the world to each object's effective
 * state and the reason for it. Pure functions, no I/O, table-tested in tests/unit. */
#pragma once

#include <glib.h>

#include "account-settings.h"
#include "network-snapshot.h"

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
  OM_PROBE_UNKNOWN,      /* not probed since the last change */
  OM_PROBE_REACHABLE,
  OM_PROBE_UNREACHABLE,
} OmProbeResult;

const char *om_reason_to_string(OmReason reason);
const char *om_state_to_string(OmState state);

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
