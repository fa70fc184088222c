#include "policy.h"

const char *
om_reason_to_string(OmReason reason)
{
  static const char *const names[] = {
    [OM_REASON_NONE] = "",
    [OM_REASON_GLOBAL_OFFLINE] = "global-offline",
    [OM_REASON_USER_OFFLINE] = "user-offline",
    [OM_REASON_SUSPENDED] = "suspended",
    [OM_REASON_NETWORKING_DISABLED] = "networking-disabled",
    [OM_REASON_NO_NETWORK] = "no-network",
    [OM_REASON_NO_NETWORK_MONITOR] = "no-network-monitor",
    [OM_REASON_PORTAL] = "portal",
    [OM_REASON_LIMITED] = "limited",
    [OM_REASON_METERED] = "metered",
    [OM_REASON_CONNECTION_INACTIVE] = "connection-inactive",
    [OM_REASON_UNREACHABLE] = "unreachable",
  };
  return names[reason];
}

const char *
om_state_to_string(OmState state)
{
  return state == OM_STATE_ONLINE ? "online" : "offline";
}

/* The conditions the global object and every account share, in the order they win. */
static OmReason
network_reason(const OmNetworkSnapshot *net)
{
  if (net->suspended)
    return OM_REASON_SUSPENDED;
  switch (net->backend) {
  case OM_BACKEND_NETWORKMANAGER:
    if (!net->networking_enabled || net->nm_state == OM_NM_STATE_ASLEEP)
      return OM_REASON_NETWORKING_DISABLED;
    if (net->nm_state < OM_NM_STATE_CONNECTED_LOCAL ||
        net->connectivity == OM_NM_CONNECTIVITY_NONE)
      return OM_REASON_NO_NETWORK;
    return OM_REASON_NONE;
  case OM_BACKEND_NETLINK:
    return net->default_route ? OM_REASON_NONE : OM_REASON_NO_NETWORK;
  case OM_BACKEND_NONE:
    break;
  }
  return OM_REASON_NO_NETWORK_MONITOR;
}

OmReason
om_policy_global(const OmNetworkSnapshot *net, OmState requested)
{
  if (requested == OM_STATE_OFFLINE)
    return OM_REASON_USER_OFFLINE;
  return network_reason(net);
}

/* NM's UNKNOWN (connectivity checking off) counts as full with a default route and as
 * limited without one; the netlink fallback never knows more than that. */
static guint32
effective_connectivity(const OmNetworkSnapshot *net)
{
  if (net->backend != OM_BACKEND_NETWORKMANAGER ||
      net->connectivity == OM_NM_CONNECTIVITY_UNKNOWN)
    return net->default_route ? OM_NM_CONNECTIVITY_FULL : OM_NM_CONNECTIVITY_LIMITED;
  return net->connectivity;
}

static gboolean
required_connection_active(const OmNetworkSnapshot *net, const OmAccountSettings *settings)
{
  for (guint i = 0; i < net->active->len; i++) {
    const OmActiveConnection *c = g_ptr_array_index(net->active, i);

    if (c->state != OM_NM_ACTIVE_CONNECTION_STATE_ACTIVATED)
      continue;
    for (char **want = settings->require_connections; *want; want++)
      if (g_strcmp0(*want, c->id) == 0 || g_strcmp0(*want, c->uuid) == 0)
        return TRUE;
  }
  return FALSE;
}

OmReason
om_policy_account(const OmNetworkSnapshot *net, OmState global_requested, OmState requested,
                  const OmAccountSettings *settings, OmProbeResult probe)
{
  OmReason reason;
  guint32 connectivity;

  if (global_requested == OM_STATE_OFFLINE)
    return OM_REASON_GLOBAL_OFFLINE;
  if (requested == OM_STATE_OFFLINE)
    return OM_REASON_USER_OFFLINE;
  reason = network_reason(net);
  if (reason != OM_REASON_NONE)
    return reason;

  connectivity = effective_connectivity(net);
  if (connectivity == OM_NM_CONNECTIVITY_PORTAL &&
      settings->min_connectivity != OM_MIN_CONNECTIVITY_PORTAL)
    return OM_REASON_PORTAL;
  if (connectivity == OM_NM_CONNECTIVITY_LIMITED &&
      settings->min_connectivity == OM_MIN_CONNECTIVITY_FULL)
    return OM_REASON_LIMITED;
  if (!settings->allow_metered && om_network_snapshot_is_metered(net))
    return OM_REASON_METERED;
  if (settings->require_connections[0] != NULL && !required_connection_active(net, settings))
    return OM_REASON_CONNECTION_INACTIVE;
  if (settings->check_reachability && probe == OM_PROBE_UNREACHABLE)
    return OM_REASON_UNREACHABLE;
  return OM_REASON_NONE;
}
