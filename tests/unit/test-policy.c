/* The policy, by tables: every reason the README lists, the order in which they win,
 * MinConnectivity with NetworkManager's UNKNOWN, metered values, required connections
 * by id and uuid, VPNs, the backends. */
#include "policy.h"

/* Row.backend: 0 is NetworkManager. */
enum { NETLINK = 1, NONE = 2 };
enum { ON = OM_STATE_ONLINE, OFF = OM_STATE_OFFLINE };

typedef struct {
  const char *id, *uuid, *type;
  guint32 state;
  gboolean vpn;
} Conn;

typedef struct {
  const char *what;
  /* The network; the defaults (all zero) are filled in by row_snapshot(). */
  int backend;            /* 0: NM */
  guint32 nm_state;       /* 0: 70 under NM */
  int connectivity;       /* 0: FULL under NM, UNKNOWN otherwise; else C(value) */
  int metered;            /* 0: GUESS_NO; else M(value) */
  gboolean disabled;      /* NetworkingEnabled false */
  int default_route;      /* 0: from nm_state (>= CONNECTED_SITE); else ROUTE or NO_ROUTE */
  gboolean suspended;
  Conn conns[3];
  /* Requests: 0 means ONLINE. */
  int global_requested, requested;
  /* Settings. */
  OmMinConnectivity min;
  gboolean no_metered;    /* AllowMetered=false */
  const char *require[3];
  gboolean check;
  OmProbeResult probe;

  OmReason expect;
} Row;

#define C(value) ((int)(value) + 1)
#define M(value) ((int)(value) + 1)
enum { ROUTE = 1, NO_ROUTE = 2 };

static void
row_snapshot(const Row *r, OmNetworkSnapshot *s)
{
  om_network_snapshot_init(s);
  gboolean nm = r->backend == 0;

  s->backend = nm ? OM_BACKEND_NETWORKMANAGER
                 : r->backend == NETLINK ? OM_BACKEND_NETLINK : OM_BACKEND_NONE;
  s->nm_state = r->nm_state;
  if (nm && r->nm_state == 0)
    s->nm_state = OM_NM_STATE_CONNECTED_GLOBAL;
  if (r->connectivity == 0)
    s->connectivity = nm ? OM_NM_CONNECTIVITY_FULL : OM_NM_CONNECTIVITY_UNKNOWN;
  else
    s->connectivity = (guint32)r->connectivity - 1;
  s->metered = r->metered == 0 ? OM_NM_METERED_GUESS_NO : (guint32)r->metered - 1;
  s->networking_enabled = !r->disabled;
  if (r->default_route == 0)
    s->default_route = s->nm_state >= OM_NM_STATE_CONNECTED_SITE;
  else
    s->default_route = r->default_route == ROUTE;
  s->suspended = r->suspended;
  for (guint i = 0; i < G_N_ELEMENTS(r->conns) && r->conns[i].id != NULL; i++) {
    OmActiveConnection *c = g_new0(OmActiveConnection, 1);

    c->id = g_strdup(r->conns[i].id);
    c->uuid = g_strdup(r->conns[i].uuid);
    c->type = g_strdup(r->conns[i].type);
    c->state = r->conns[i].state;
    c->vpn = r->conns[i].vpn;
    g_ptr_array_add(s->active, c);
  }
}

static void
row_settings(const Row *r, OmAccountSettings *settings)
{
  guint n = 0;

  om_account_settings_init(settings);
  settings->min_connectivity = r->min;
  settings->allow_metered = !r->no_metered;
  settings->check_reachability = r->check;
  if (r->check) {
    settings->host = g_strdup("imap.example.com");
    settings->port = 993;
  }
  while (n < G_N_ELEMENTS(r->require) && r->require[n] != NULL)
    n++;
  g_strfreev(settings->require_connections);
  settings->require_connections = g_new0(char *, n + 1);
  for (guint i = 0; i < n; i++)
    settings->require_connections[i] = g_strdup(r->require[i]);
}

static OmState
requested(int value)
{
  return value == 0 ? OM_STATE_ONLINE : (OmState)value;
}

#define VPN_UP { "office-vpn", "5f0b0a9e-vpn", "vpn", OM_NM_ACTIVE_CONNECTION_STATE_ACTIVATED, TRUE }
#define WIRED_UP { "Wired", "0e11-wired", "802-3-ethernet", OM_NM_ACTIVE_CONNECTION_STATE_ACTIVATED, FALSE }

static const Row account_rows[] = {
  { "all conditions hold", .expect = OM_REASON_NONE },

  /* Each reason alone. */
  { "global object requested offline", .global_requested = OFF,
    .expect = OM_REASON_GLOBAL_OFFLINE },
  { "account requested offline", .requested = OFF, .expect = OM_REASON_USER_OFFLINE },
  { "suspended", .suspended = TRUE, .expect = OM_REASON_SUSPENDED },
  { "NetworkingEnabled false", .disabled = TRUE, .expect = OM_REASON_NETWORKING_DISABLED },
  { "NM asleep", .nm_state = OM_NM_STATE_ASLEEP, .connectivity = C(1),
    .expect = OM_REASON_NETWORKING_DISABLED },
  { "NM disconnected", .nm_state = OM_NM_STATE_DISCONNECTED, .connectivity = C(1),
    .expect = OM_REASON_NO_NETWORK },
  { "NM disconnecting", .nm_state = OM_NM_STATE_DISCONNECTING, .expect = OM_REASON_NO_NETWORK },
  { "NM connecting", .nm_state = OM_NM_STATE_CONNECTING, .expect = OM_REASON_NO_NETWORK },
  { "NM state unknown", .nm_state = 1, .expect = OM_REASON_NO_NETWORK },
  { "NM connectivity none", .connectivity = C(OM_NM_CONNECTIVITY_NONE),
    .expect = OM_REASON_NO_NETWORK },
  { "no backend", .backend = NONE, .expect = OM_REASON_NO_NETWORK_MONITOR },
  { "portal", .nm_state = 60, .connectivity = C(OM_NM_CONNECTIVITY_PORTAL),
    .expect = OM_REASON_PORTAL },
  { "limited", .nm_state = 60, .connectivity = C(OM_NM_CONNECTIVITY_LIMITED),
    .expect = OM_REASON_LIMITED },
  { "metered", .metered = M(OM_NM_METERED_YES), .no_metered = TRUE,
    .expect = OM_REASON_METERED },
  { "required connection inactive", .require = { "office-vpn" },
    .expect = OM_REASON_CONNECTION_INACTIVE },
  { "unreachable", .check = TRUE, .probe = OM_PROBE_UNREACHABLE,
    .expect = OM_REASON_UNREACHABLE },

  /* The order in which they win: each row has its reason and every later one. */
  { "global-offline beats user-offline and the rest", .global_requested = OFF,
    .requested = OFF, .suspended = TRUE, .disabled = TRUE, .nm_state = 20, .connectivity = C(1),
    .metered = M(1), .no_metered = TRUE, .require = { "x" }, .check = TRUE,
    .probe = OM_PROBE_UNREACHABLE, .expect = OM_REASON_GLOBAL_OFFLINE },
  { "user-offline beats suspended", .requested = OFF, .suspended = TRUE,
    .disabled = TRUE, .backend = NONE, .expect = OM_REASON_USER_OFFLINE },
  { "suspended beats networking-disabled", .suspended = TRUE, .disabled = TRUE,
    .nm_state = 10, .expect = OM_REASON_SUSPENDED },
  { "suspended beats no-network-monitor", .suspended = TRUE, .backend = NONE,
    .expect = OM_REASON_SUSPENDED },
  { "networking-disabled beats no-network", .disabled = TRUE, .nm_state = 20,
    .connectivity = C(1), .metered = M(1), .no_metered = TRUE, .expect = OM_REASON_NETWORKING_DISABLED },
  { "no-network beats portal and the account's conditions", .nm_state = 30,
    .connectivity = C(OM_NM_CONNECTIVITY_PORTAL), .metered = M(1), .no_metered = TRUE,
    .require = { "x" }, .check = TRUE, .probe = OM_PROBE_UNREACHABLE,
    .expect = OM_REASON_NO_NETWORK },
  { "portal beats metered", .nm_state = 60, .connectivity = C(2), .metered = M(1),
    .no_metered = TRUE, .require = { "x" }, .expect = OM_REASON_PORTAL },
  { "limited beats metered", .nm_state = 60, .connectivity = C(3), .metered = M(3),
    .no_metered = TRUE, .require = { "x" }, .expect = OM_REASON_LIMITED },
  { "metered beats connection-inactive", .metered = M(1), .no_metered = TRUE,
    .require = { "x" }, .check = TRUE, .probe = OM_PROBE_UNREACHABLE,
    .expect = OM_REASON_METERED },
  { "connection-inactive beats unreachable", .require = { "x" }, .check = TRUE,
    .probe = OM_PROBE_UNREACHABLE, .expect = OM_REASON_CONNECTION_INACTIVE },

  /* MinConnectivity against NetworkManager's connectivity. */
  { "full: full", .min = OM_MIN_CONNECTIVITY_FULL, .expect = OM_REASON_NONE },
  { "full: limited", .connectivity = C(3), .min = OM_MIN_CONNECTIVITY_FULL,
    .expect = OM_REASON_LIMITED },
  { "full: portal", .connectivity = C(2), .min = OM_MIN_CONNECTIVITY_FULL,
    .expect = OM_REASON_PORTAL },
  { "limited: full", .min = OM_MIN_CONNECTIVITY_LIMITED, .expect = OM_REASON_NONE },
  { "limited: limited", .connectivity = C(3), .min = OM_MIN_CONNECTIVITY_LIMITED,
    .expect = OM_REASON_NONE },
  { "limited: portal", .connectivity = C(2), .min = OM_MIN_CONNECTIVITY_LIMITED,
    .expect = OM_REASON_PORTAL },
  { "portal: full", .min = OM_MIN_CONNECTIVITY_PORTAL, .expect = OM_REASON_NONE },
  { "portal: limited", .connectivity = C(3), .min = OM_MIN_CONNECTIVITY_PORTAL,
    .expect = OM_REASON_NONE },
  { "portal: portal", .connectivity = C(2), .min = OM_MIN_CONNECTIVITY_PORTAL,
    .expect = OM_REASON_NONE },
  /* UNKNOWN (checks off) counts as full with a default route, as limited without. */
  { "full: unknown with a default route", .connectivity = C(0),
    .min = OM_MIN_CONNECTIVITY_FULL, .expect = OM_REASON_NONE },
  { "full: unknown, PrimaryConnection only", .nm_state = 50, .connectivity = C(0),
    .default_route = ROUTE, .expect = OM_REASON_NONE },
  { "full: unknown without a default route", .nm_state = 50, .connectivity = C(0),
    .default_route = NO_ROUTE, .min = OM_MIN_CONNECTIVITY_FULL, .expect = OM_REASON_LIMITED },
  { "limited: unknown without a default route", .nm_state = 50, .connectivity = C(0),
    .default_route = NO_ROUTE, .min = OM_MIN_CONNECTIVITY_LIMITED, .expect = OM_REASON_NONE },
  { "portal: unknown without a default route", .nm_state = 50, .connectivity = C(0),
    .default_route = NO_ROUTE, .min = OM_MIN_CONNECTIVITY_PORTAL, .expect = OM_REASON_NONE },

  /* Metered: YES and GUESS_YES count; NO, GUESS_NO and UNKNOWN do not. */
  { "metered yes", .metered = M(OM_NM_METERED_YES), .no_metered = TRUE,
    .expect = OM_REASON_METERED },
  { "metered guess-yes", .metered = M(OM_NM_METERED_GUESS_YES), .no_metered = TRUE,
    .expect = OM_REASON_METERED },
  { "metered no", .metered = M(OM_NM_METERED_NO), .no_metered = TRUE,
    .expect = OM_REASON_NONE },
  { "metered guess-no", .metered = M(OM_NM_METERED_GUESS_NO), .no_metered = TRUE,
    .expect = OM_REASON_NONE },
  { "metered unknown", .metered = M(OM_NM_METERED_UNKNOWN), .no_metered = TRUE,
    .expect = OM_REASON_NONE },
  { "metered yes, allowed", .metered = M(OM_NM_METERED_YES), .expect = OM_REASON_NONE },

  /* RequireConnections, by id and by uuid. */
  { "required by id", .conns = { WIRED_UP, VPN_UP }, .require = { "office-vpn" },
    .expect = OM_REASON_NONE },
  { "required by uuid", .conns = { VPN_UP }, .require = { "5f0b0a9e-vpn" },
    .expect = OM_REASON_NONE },
  { "one of several required", .conns = { WIRED_UP },
    .require = { "office-vpn", "Wired" }, .expect = OM_REASON_NONE },
  { "required, another one active", .conns = { WIRED_UP }, .require = { "office-vpn" },
    .expect = OM_REASON_CONNECTION_INACTIVE },
  { "required, a prefix of the id", .conns = { VPN_UP }, .require = { "office" },
    .expect = OM_REASON_CONNECTION_INACTIVE },
  { "required VPN activating",
    .conns = { { "office-vpn", "5f0b0a9e-vpn", "vpn", 1, TRUE } },
    .require = { "office-vpn" }, .expect = OM_REASON_CONNECTION_INACTIVE },
  { "required VPN deactivating",
    .conns = { { "office-vpn", "5f0b0a9e-vpn", "vpn", 3, TRUE } },
    .require = { "5f0b0a9e-vpn" }, .expect = OM_REASON_CONNECTION_INACTIVE },
  { "required WireGuard (not a VPN plugin)",
    .conns = { { "wg0", "77-wg", "wireguard", 2, FALSE } }, .require = { "wg0" },
    .expect = OM_REASON_NONE },

  /* Reachability counts only with CheckReachability, and only a failed probe. */
  { "probe failed", .check = TRUE, .probe = OM_PROBE_UNREACHABLE,
    .expect = OM_REASON_UNREACHABLE },
  { "probe not done yet", .check = TRUE, .probe = OM_PROBE_UNKNOWN,
    .expect = OM_REASON_NONE },
  { "probe succeeded", .check = TRUE, .probe = OM_PROBE_REACHABLE,
    .expect = OM_REASON_NONE },
  { "probe failed, not checking", .probe = OM_PROBE_UNREACHABLE,
    .expect = OM_REASON_NONE },

  /* The netlink fallback: a default route or none; nothing more is known. */
  { "netlink, a default route", .backend = NETLINK, .nm_state = 70,
    .default_route = ROUTE, .expect = OM_REASON_NONE },
  { "netlink, no default route", .backend = NETLINK, .nm_state = 20,
    .default_route = NO_ROUTE, .expect = OM_REASON_NO_NETWORK },
  { "netlink, a route, metered not allowed", .backend = NETLINK, .nm_state = 70,
    .default_route = ROUTE, .metered = M(0), .no_metered = TRUE, .expect = OM_REASON_NONE },
  { "netlink, a route, connections required", .backend = NETLINK, .nm_state = 70,
    .default_route = ROUTE, .require = { "office-vpn" }, .expect = OM_REASON_CONNECTION_INACTIVE },
  { "netlink ignores NM-only fields", .backend = NETLINK, .nm_state = 70,
    .default_route = ROUTE, .connectivity = C(1), .disabled = FALSE, .expect = OM_REASON_NONE },
  { "no backend, everything else fine", .backend = NONE, .default_route = ROUTE,
    .expect = OM_REASON_NO_NETWORK_MONITOR },
};

static void
test_account_table(void)
{
  for (guint i = 0; i < G_N_ELEMENTS(account_rows); i++) {
    const Row *r = &account_rows[i];
    g_auto(OmNetworkSnapshot) net = { 0 };
    g_auto(OmAccountSettings) settings;
    OmReason got;

    row_snapshot(r, &net);
    row_settings(r, &settings);
    got = om_policy_account(&net, requested(r->global_requested), requested(r->requested),
                            &settings, r->probe);
    if (got != r->expect)
      g_error("%s: expected '%s', got '%s'", r->what, om_reason_to_string(r->expect),
              om_reason_to_string(got));
  }
}

/* The global object: its own request, suspend and the network's existence only. */
static const Row global_rows[] = {
  { "all conditions hold", .expect = OM_REASON_NONE },
  { "requested offline", .requested = OFF, .suspended = TRUE,
    .expect = OM_REASON_USER_OFFLINE },
  { "suspended", .suspended = TRUE, .disabled = TRUE, .expect = OM_REASON_SUSPENDED },
  { "networking disabled", .disabled = TRUE, .expect = OM_REASON_NETWORKING_DISABLED },
  { "no network", .nm_state = 20, .connectivity = C(1), .expect = OM_REASON_NO_NETWORK },
  { "connected locally", .nm_state = 50, .connectivity = C(3), .expect = OM_REASON_NONE },
  { "connectivity none", .connectivity = C(1), .expect = OM_REASON_NO_NETWORK },
  { "no backend", .backend = NONE, .expect = OM_REASON_NO_NETWORK_MONITOR },
  { "netlink, no route", .backend = NETLINK, .nm_state = 20, .default_route = NO_ROUTE,
    .expect = OM_REASON_NO_NETWORK },
  { "netlink, a route", .backend = NETLINK, .nm_state = 70, .default_route = ROUTE,
    .expect = OM_REASON_NONE },
  /* Account-only conditions do not apply. */
  { "portal", .nm_state = 60, .connectivity = C(2), .expect = OM_REASON_NONE },
  { "limited", .nm_state = 60, .connectivity = C(3), .expect = OM_REASON_NONE },
  { "metered", .metered = M(1), .expect = OM_REASON_NONE },
};

static void
test_global_table(void)
{
  for (guint i = 0; i < G_N_ELEMENTS(global_rows); i++) {
    const Row *r = &global_rows[i];
    g_auto(OmNetworkSnapshot) net = { 0 };
    OmReason got;

    row_snapshot(r, &net);
    got = om_policy_global(&net, requested(r->requested));
    if (got != r->expect)
      g_error("global, %s: expected '%s', got '%s'", r->what, om_reason_to_string(r->expect),
              om_reason_to_string(got));
  }
}

static void
test_reason_names(void)
{
  /* The README's words, in the order in which they win. */
  static const char *const names[] = {
    "", "global-offline", "user-offline", "suspended", "networking-disabled", "no-network",
    "no-network-monitor", "portal", "limited", "metered", "connection-inactive",
    "unreachable",
  };

  for (guint i = 0; i < G_N_ELEMENTS(names); i++)
    g_assert_cmpstr(om_reason_to_string((OmReason)i), ==, names[i]);
  g_assert_cmpint(om_reason_to_state(OM_REASON_NONE), ==, OM_STATE_ONLINE);
  for (guint i = 1; i < G_N_ELEMENTS(names); i++)
    g_assert_cmpint(om_reason_to_state((OmReason)i), ==, OM_STATE_OFFLINE);
  g_assert_cmpstr(om_backend_to_string(OM_BACKEND_NETWORKMANAGER), ==, "networkmanager");
  g_assert_cmpstr(om_backend_to_string(OM_BACKEND_NETLINK), ==, "netlink");
  g_assert_cmpstr(om_backend_to_string(OM_BACKEND_NONE), ==, "none");
}

static void
test_snapshot_copy_and_equal(void)
{
  const Row r = { "with connections", .conns = { WIRED_UP, VPN_UP } };
  g_auto(OmNetworkSnapshot) a = { 0 };
  g_auto(OmNetworkSnapshot) b = { 0 };
  OmActiveConnection *c;

  row_snapshot(&r, &a);
  om_network_snapshot_copy(&b, &a);
  g_assert_true(om_network_snapshot_network_equal(&a, &b));
  g_assert_true(a.active->pdata[0] != b.active->pdata[0]);

  b.suspended = TRUE;  /* not part of the network */
  g_assert_true(om_network_snapshot_network_equal(&a, &b));
  b.metered = M(OM_NM_METERED_YES);
  g_assert_false(om_network_snapshot_network_equal(&a, &b));
  b.metered = a.metered;
  c = g_ptr_array_index(b.active, 1);
  c->state = 3;
  g_assert_false(om_network_snapshot_network_equal(&a, &b));
  c->state = 2;
  g_free(c->uuid);
  c->uuid = g_strdup("another");
  g_assert_false(om_network_snapshot_network_equal(&a, &b));
  g_ptr_array_set_size(b.active, 1);
  g_assert_false(om_network_snapshot_network_equal(&a, &b));
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/policy/account-table", test_account_table);
  g_test_add_func("/policy/global-table", test_global_table);
  g_test_add_func("/policy/reason-names", test_reason_names);
  g_test_add_func("/policy/snapshot-copy-and-equal", test_snapshot_copy_and_equal);
  return g_test_run();
}
