/* The GIO module's view of the daemon (gio-module/daemon-state.c), fed with the bus
 * messages it reads, as GVariants. */
#include <gio/gio.h>

#include "daemon-state.h"
#include "offlinemgr-bus.h"

#define WORK OM_ACCOUNT_PATH_PREFIX "/work"
#define HOME OM_ACCOUNT_PATH_PREFIX "/home"

/* The three answers that make a state: the root object's GetAll of Offline and of
 * Manager, and GetManagedObjects with two accounts. */
static int
load(OmDaemonState *state, guint32 global, const char *global_reason, guint32 nm_state,
     guint32 connectivity, gboolean metered, guint32 work)
{
  g_autoptr(GVariant) offline = g_variant_ref_sink(g_variant_new_parsed(
      "({'State': <%u>, 'Reason': <%s>, 'Transitioning': <false>},)", global, global_reason));
  g_autoptr(GVariant) manager = g_variant_ref_sink(g_variant_new_parsed(
      "({'NetworkBackend': <'networkmanager'>, 'NetworkState': <%u>, 'Connectivity': <%u>,"
      "  'Metered': <%b>},)", nm_state, connectivity, metered));
  g_autoptr(GVariant) accounts = g_variant_ref_sink(g_variant_new_parsed(
      "({%o: {%s: {'State': <%u>, 'Reason': <%s>},"
      "       %s: {'Id': <'work'>, 'Settings': <{'Host': <'IMAP.Work.example.'>, 'Port': <@u 993>}>}},"
      "  %o: {%s: {'State': <@u 2>, 'Reason': <''>},"
      "       %s: {'Id': <'home'>, 'Settings': <{'Host': <'2001:DB8::1'>, 'Port': <@u 0>}>}}},)",
      WORK, OM_IFACE_OFFLINE, work, work == 2 ? "" : "connection-inactive", OM_IFACE_ACCOUNT,
      HOME, OM_IFACE_OFFLINE, OM_IFACE_ACCOUNT));

  if (om_daemon_state_load_root(state, OM_IFACE_OFFLINE, offline) < 0 ||
      om_daemon_state_load_root(state, OM_IFACE_MANAGER, manager) < 0)
    return -1;
  return om_daemon_state_load_accounts(state, accounts);
}

static OmChanged
changed_props(OmDaemonState *state, const char *path, GVariant *message)
{
  g_autoptr(GVariant) owned = g_variant_ref_sink(message);

  return om_daemon_state_properties_changed(state, path, owned);
}

static OmChanged
added(OmDaemonState *state, GVariant *message)
{
  g_autoptr(GVariant) owned = g_variant_ref_sink(message);

  return om_daemon_state_interfaces_added(state, owned);
}

static OmChanged
removed(OmDaemonState *state, GVariant *message)
{
  g_autoptr(GVariant) owned = g_variant_ref_sink(message);

  return om_daemon_state_interfaces_removed(state, owned);
}

static void
assert_view(OmDaemonState *state, gboolean available, gboolean metered,
            GNetworkConnectivity connectivity)
{
  OmNetworkView view = om_daemon_state_view(state);

  g_assert_cmpint(view.available, ==, available);
  g_assert_cmpint(view.metered, ==, metered);
  g_assert_cmpint(view.connectivity, ==, connectivity);
}

static OmReach
reach(OmDaemonState *state, const char *host, guint16 port, const char *message)
{
  g_autofree char *said = NULL;
  OmReach r = om_daemon_state_reach(state, host, port, &said);

  g_assert_cmpstr(said, ==, message);
  return r;
}

static void
test_view_follows_networkmanager_as_glib_does(void)
{
  /* NMState, NMConnectivityState, Metered → network-available, metered, connectivity,
   * with the global object ONLINE; gnetworkmonitornm.c's table. */
  static const struct {
    guint32 nm_state, connectivity;
    gboolean metered;
    gboolean want_metered;
    GNetworkConnectivity want;
  } rows[] = {
    { 70, 4, FALSE, FALSE, G_NETWORK_CONNECTIVITY_FULL },
    { 70, 4, TRUE, TRUE, G_NETWORK_CONNECTIVITY_FULL },
    { 70, 2, FALSE, FALSE, G_NETWORK_CONNECTIVITY_PORTAL },
    { 70, 3, TRUE, TRUE, G_NETWORK_CONNECTIVITY_LIMITED },
    { 70, 0, FALSE, FALSE, G_NETWORK_CONNECTIVITY_LOCAL },
    { 60, 2, TRUE, FALSE, G_NETWORK_CONNECTIVITY_PORTAL },
    { 60, 4, FALSE, FALSE, G_NETWORK_CONNECTIVITY_LIMITED },
    { 50, 4, TRUE, FALSE, G_NETWORK_CONNECTIVITY_LOCAL },
  };

  for (guint i = 0; i < G_N_ELEMENTS(rows); i++) {
    g_autoptr(OmDaemonState) state = om_daemon_state_new();
    g_assert_cmpint(load(state, 2, "", rows[i].nm_state,
                                                         rows[i].connectivity,
                                                         rows[i].metered, 2), >=, 0);
    assert_view(state, TRUE, rows[i].want_metered, rows[i].want);
  }
}

static void
test_offline_is_offline_everywhere(void)
{
  g_autoptr(OmDaemonState) state = om_daemon_state_new();

  g_assert_cmpint(load(state, 1, "global-offline", 70, 4, TRUE, 2),
                  >=, 0);
  assert_view(state, FALSE, FALSE, G_NETWORK_CONNECTIVITY_LOCAL);
  g_assert_cmpint(reach(state, "other.example", 80, "the network is offline: global-offline"),
                  ==, OM_REACH_NETWORK_OFFLINE);
}

static void
test_reach_by_host_and_port(void)
{
  g_autoptr(OmDaemonState) state = om_daemon_state_new();

  g_assert_cmpint(load(state, 2, "", 70, 4, FALSE, 1), >=, 0);
  /* Case, a trailing dot, and a missing port do not matter; another port does. */
  g_assert_cmpint(reach(state, "imap.work.example", 993, "work is offline: connection-inactive"),
                  ==, OM_REACH_OFFLINE);
  g_assert_cmpint(reach(state, "IMAP.WORK.EXAMPLE.", 0, "work is offline: connection-inactive"),
                  ==, OM_REACH_OFFLINE);
  g_assert_cmpint(reach(state, "imap.work.example", 143, NULL), ==, OM_REACH_NOT_ACCOUNT);
  /* An account without a port matches every port; addresses compare as addresses. */
  g_assert_cmpint(reach(state, "2001:db8:0::1", 443, NULL), ==, OM_REACH_ONLINE);
  g_assert_cmpint(reach(state, "[2001:db8::1]", 0, NULL), ==, OM_REACH_ONLINE);
  g_assert_cmpint(reach(state, NULL, 0, NULL), ==, OM_REACH_NOT_ACCOUNT);
}

static void
test_one_online_account_on_a_server_is_enough(void)
{
  g_autoptr(OmDaemonState) state = om_daemon_state_new();
  GVariant *new_account = g_variant_new_parsed(
      "(%o, {%s: {'State': <@u 2>, 'Reason': <''>},"
      "      %s: {'Id': <'work2'>, 'Settings': <{'Host': <'imap.work.example'>, 'Port': <@u 0>}>}})",
      OM_ACCOUNT_PATH_PREFIX "/work2", OM_IFACE_OFFLINE, OM_IFACE_ACCOUNT);
  GVariant *gone = g_variant_new_parsed("(%o, [%s, %s])", OM_ACCOUNT_PATH_PREFIX "/work2",
                                           OM_IFACE_OFFLINE, OM_IFACE_ACCOUNT);

  g_assert_cmpint(load(state, 2, "", 70, 4, FALSE, 1), >=, 0);
  g_assert_cmpint(added(state, new_account), ==, OM_CHANGED_REACH);
  g_assert_cmpint(reach(state, "imap.work.example", 993, NULL), ==, OM_REACH_ONLINE);
  g_assert_cmpint(removed(state, gone), ==, OM_CHANGED_REACH);
  g_assert_cmpint(reach(state, "imap.work.example", 993, "work is offline: connection-inactive"),
                  ==, OM_REACH_OFFLINE);
}

static void
test_properties_changed(void)
{
  g_autoptr(OmDaemonState) state = om_daemon_state_new();
  OmChanged changed;

  g_assert_cmpint(load(state, 2, "", 70, 4, FALSE, 1), >=, 0);

  /* The global object goes OFFLINE: every property, and can_reach's answers. */
  changed = changed_props(state, OM_ROOT_PATH, g_variant_new_parsed(
      "(%s, {'State': <@u 1>, 'Reason': <'no-network'>}, @as [])", OM_IFACE_OFFLINE));
  g_assert_cmpint(changed, ==, OM_CHANGED_AVAILABLE | OM_CHANGED_CONNECTIVITY | OM_CHANGED_REACH);
  changed = changed_props(state, OM_ROOT_PATH, g_variant_new_parsed(
      "(%s, {'State': <@u 2>, 'Reason': <''>}, @as [])", OM_IFACE_OFFLINE));
  g_assert_cmpint(changed, ==, OM_CHANGED_AVAILABLE | OM_CHANGED_CONNECTIVITY | OM_CHANGED_REACH);

  /* The Manager's Metered. */
  changed = changed_props(state, OM_ROOT_PATH, g_variant_new_parsed(
      "(%s, {'Metered': <true>}, @as [])", OM_IFACE_MANAGER));
  g_assert_cmpint(changed, ==, OM_CHANGED_METERED);

  /* An account's State; a Reason alone changes no answer. */
  changed = changed_props(state, WORK, g_variant_new_parsed(
      "(%s, {'State': <@u 2>, 'Reason': <''>}, @as [])", OM_IFACE_OFFLINE));
  g_assert_cmpint(changed, ==, OM_CHANGED_REACH);
  changed = changed_props(state, WORK, g_variant_new_parsed(
      "(%s, {'Reason': <'metered'>}, @as [])", OM_IFACE_OFFLINE));
  g_assert_cmpint(changed, ==, 0);

  /* A new host for the account. */
  changed = changed_props(state, WORK, g_variant_new_parsed(
      "(%s, {'Settings': <{'Host': <'192.0.2.1'>, 'Port': <@u 993>}>}, @as [])",
      OM_IFACE_ACCOUNT));
  g_assert_cmpint(changed, ==, OM_CHANGED_REACH);
  g_assert_cmpint(reach(state, "192.0.2.1", 993, NULL), ==, OM_REACH_ONLINE);
  g_assert_cmpint(reach(state, "imap.work.example", 993, NULL), ==, OM_REACH_NOT_ACCOUNT);
}

static void
test_bad_messages_change_nothing(void)
{
  g_autoptr(OmDaemonState) state = om_daemon_state_new();

  g_autoptr(GVariant) nonsense = g_variant_ref_sink(g_variant_new_parsed("('nonsense',)"));

  /* Answers of another shape are refused. */
  g_assert_cmpint(om_daemon_state_load_accounts(state, nonsense), ==, -1);
  g_assert_cmpint(om_daemon_state_load_root(state, OM_IFACE_OFFLINE, nonsense), ==, -1);
  g_assert_cmpint(load(state, 2, "", 70, 4, FALSE, 1), ==, 0);
  g_assert_cmpint(om_daemon_state_load_root(state, OM_IFACE_ACCOUNT, nonsense), ==, -1);
  /* Wrong types are ignored, not trusted. */
  g_assert_cmpint(changed_props(state, OM_ROOT_PATH, g_variant_new_parsed(
                      "(%s, {'State': <'offline'>}, @as [])", OM_IFACE_OFFLINE)), ==, 0);
  g_assert_cmpint(changed_props(state, OM_ROOT_PATH,
                                                     g_variant_new_parsed("('x',)")), ==, 0);
  g_assert_cmpint(changed_props(state, "/elsewhere", g_variant_new_parsed(
                      "(%s, {'State': <@u 1>}, @as [])", OM_IFACE_OFFLINE)), ==, 0);
  g_assert_cmpint(added(state, g_variant_new_parsed("('x',)")), ==, 0);
  assert_view(state, TRUE, FALSE, G_NETWORK_CONNECTIVITY_FULL);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/gio-state/view-follows-networkmanager-as-glib-does",
                  test_view_follows_networkmanager_as_glib_does);
  g_test_add_func("/gio-state/offline-is-offline-everywhere", test_offline_is_offline_everywhere);
  g_test_add_func("/gio-state/reach-by-host-and-port", test_reach_by_host_and_port);
  g_test_add_func("/gio-state/one-online-account-on-a-server-is-enough",
                  test_one_online_account_on_a_server_is_enough);
  g_test_add_func("/gio-state/properties-changed", test_properties_changed);
  g_test_add_func("/gio-state/bad-messages-change-nothing", test_bad_messages_change_nothing);
  return g_test_run();
}
