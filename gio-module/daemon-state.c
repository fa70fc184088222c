#include "daemon-state.h"

#include <string.h>

#include "offlinemgr-bus.h"

/* offlinemgr's MAPI states. */
enum { STATE_OFFLINE = 1, STATE_ONLINE = 2 };

/* Copied from NetworkManager's NMState and NMConnectivityState (libnm's nm-dbus-interface.h),
 * the values the Manager's NetworkState and Connectivity carry; as GLib's
 * gnetworkmonitornm.c does, inline, so the module needs no NetworkManager headers. */
typedef enum {
  NM_STATE_CONNECTED_LOCAL = 50,
  NM_STATE_CONNECTED_SITE = 60,
} NMState;

typedef enum {
  NM_CONNECTIVITY_UNKNOWN = 0,
  NM_CONNECTIVITY_NONE = 1,
  NM_CONNECTIVITY_PORTAL = 2,
  NM_CONNECTIVITY_LIMITED = 3,
  NM_CONNECTIVITY_FULL = 4,
} NMConnectivityState;

typedef struct {
  char *id;
  char *host;     /* normalized; NULL: none */
  guint16 port;   /* 0: none */
  guint32 state;
  char *reason;
} Account;

struct OmDaemonState {
  guint32 global_state;
  char *global_reason;
  char *backend;
  guint32 nm_state;
  guint32 connectivity;
  gboolean metered;
  GHashTable *accounts;  /* object path → Account */
};

static void
account_free(gpointer data)
{
  Account *a = data;

  g_free(a->id);
  g_free(a->host);
  g_free(a->reason);
  g_free(a);
}

OmDaemonState *
om_daemon_state_new(void)
{
  OmDaemonState *state = g_new0(OmDaemonState, 1);

  state->global_reason = g_strdup("");
  state->backend = g_strdup("");
  state->accounts = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, account_free);
  return state;
}

void
om_daemon_state_free(OmDaemonState *state)
{
  if (state == NULL)
    return;
  g_free(state->global_reason);
  g_free(state->backend);
  g_hash_table_unref(state->accounts);
  g_free(state);
}

/* GLib's nm_conn_to_g_conn() (gnetworkmonitornm.c). */
static GNetworkConnectivity
nm_connectivity_to_g(guint32 connectivity)
{
  switch (connectivity) {
  case NM_CONNECTIVITY_PORTAL: return G_NETWORK_CONNECTIVITY_PORTAL;
  case NM_CONNECTIVITY_LIMITED: return G_NETWORK_CONNECTIVITY_LIMITED;
  case NM_CONNECTIVITY_FULL: return G_NETWORK_CONNECTIVITY_FULL;
  default: return G_NETWORK_CONNECTIVITY_LOCAL;
  }
}

OmNetworkView
om_daemon_state_view(const OmDaemonState *state)
{
  OmNetworkView view = { FALSE, FALSE, G_NETWORK_CONNECTIVITY_LOCAL };

  /* Offline is offline for every property, as in GLib's own monitors: an application
   * that looks at connectivity instead of network-available hears the user too. */
  if (state->global_state != STATE_ONLINE)
    return view;
  view.available = TRUE;
  if (strcmp(state->backend, "networkmanager") != 0) {
    /* No NetworkManager behind the daemon: nothing to tell beyond a route, as GLib's
     * base and netlink monitors say. */
    view.connectivity = G_NETWORK_CONNECTIVITY_FULL;
    return view;
  }
  /* GLib's sync_properties() (gnetworkmonitornm.c): metered and the connectivity check's
   * verdict count only with global connectivity. */
  if (state->nm_state <= NM_STATE_CONNECTED_LOCAL)
    view.connectivity = G_NETWORK_CONNECTIVITY_LOCAL;
  else if (state->nm_state <= NM_STATE_CONNECTED_SITE)
    view.connectivity = state->connectivity == NM_CONNECTIVITY_PORTAL
                          ? G_NETWORK_CONNECTIVITY_PORTAL : G_NETWORK_CONNECTIVITY_LIMITED;
  else {
    view.connectivity = nm_connectivity_to_g(state->connectivity);
    view.metered = state->metered;
  }
  return view;
}

OmChanged
om_network_view_diff(const OmNetworkView *before, const OmNetworkView *after)
{
  OmChanged changed = 0;

  if (before->available != after->available)
    changed |= OM_CHANGED_AVAILABLE | OM_CHANGED_REACH;
  if (before->metered != after->metered)
    changed |= OM_CHANGED_METERED;
  if (before->connectivity != after->connectivity)
    changed |= OM_CHANGED_CONNECTIVITY;
  return changed;
}

char *
om_daemon_state_normalize_host(const char *host)
{
  g_autofree char *lower = NULL;
  g_autoptr(GInetAddress) address = NULL;
  size_t len;

  if (host == NULL || host[0] == '\0')
    return NULL;
  len = strlen(host);
  if (host[0] == '[' && host[len - 1] == ']') {
    host++;
    len -= 2;
  }
  if (len > 1 && host[len - 1] == '.')
    len--;
  lower = g_ascii_strdown(host, (gssize)len);
  address = g_inet_address_new_from_string(lower);
  if (address != NULL)
    return g_inet_address_to_string(address);
  return g_steal_pointer(&lower);
}

/* The value of @key in an a{sv} if it has @type; NULL otherwise. A peer that sends
 * another type is ignored, not trusted: g_variant_lookup() would fail an assertion. */
static GVariant *
lookup(GVariant *dict, const char *key, const GVariantType *type)
{
  return g_variant_lookup_value(dict, key, type);
}

static gboolean
lookup_u(GVariant *dict, const char *key, guint32 *value)
{
  g_autoptr(GVariant) v = lookup(dict, key, G_VARIANT_TYPE_UINT32);

  if (v == NULL)
    return FALSE;
  *value = g_variant_get_uint32(v);
  return TRUE;
}

static gboolean
lookup_s(GVariant *dict, const char *key, char **value)
{
  g_autoptr(GVariant) v = lookup(dict, key, G_VARIANT_TYPE_STRING);

  if (v == NULL)
    return FALSE;
  g_free(*value);
  *value = g_variant_dup_string(v, NULL);
  return TRUE;
}

static void
apply_global_offline(OmDaemonState *state, GVariant *props)
{
  lookup_u(props, "State", &state->global_state);
  lookup_s(props, "Reason", &state->global_reason);
}

static void
apply_manager(OmDaemonState *state, GVariant *props)
{
  g_autoptr(GVariant) metered = lookup(props, "Metered", G_VARIANT_TYPE_BOOLEAN);

  lookup_s(props, "NetworkBackend", &state->backend);
  lookup_u(props, "NetworkState", &state->nm_state);
  lookup_u(props, "Connectivity", &state->connectivity);
  if (metered != NULL)
    state->metered = g_variant_get_boolean(metered);
}

static gboolean
is_account_path(const char *path)
{
  return g_str_has_prefix(path, OM_ACCOUNT_PATH_PREFIX "/") &&
         strchr(path + strlen(OM_ACCOUNT_PATH_PREFIX "/"), '/') == NULL;
}

static Account *
account_for(OmDaemonState *state, const char *path)
{
  Account *a = g_hash_table_lookup(state->accounts, path);

  if (a == NULL) {
    a = g_new0(Account, 1);
    a->state = STATE_OFFLINE;
    a->reason = g_strdup("");
    /* Until the Account interface says otherwise, the path's last element. */
    a->id = g_strdup(strrchr(path, '/') + 1);
    g_hash_table_insert(state->accounts, g_strdup(path), a);
  }
  return a;
}

/* Returns whether what can_reach answers for the account changed. */
static gboolean
apply_account_offline(Account *a, GVariant *props)
{
  guint32 old = a->state;

  lookup_u(props, "State", &a->state);
  lookup_s(props, "Reason", &a->reason);
  return old != a->state;
}

static gboolean
apply_account(Account *a, GVariant *props)
{
  g_autoptr(GVariant) settings = lookup(props, "Settings", G_VARIANT_TYPE_VARDICT);
  g_autofree char *host = NULL;
  guint32 port = 0;
  gboolean changed;

  lookup_s(props, "Id", &a->id);
  if (settings == NULL)
    return FALSE;
  if (lookup_s(settings, "Host", &host)) {
    g_autofree char *normalized = om_daemon_state_normalize_host(host);
    g_free(host);
    host = g_steal_pointer(&normalized);
  }
  lookup_u(settings, "Port", &port);
  if (port > G_MAXUINT16)
    port = 0;
  changed = g_strcmp0(host, a->host) != 0 || port != a->port;
  g_free(a->host);
  a->host = g_steal_pointer(&host);
  a->port = (guint16)port;
  return changed;
}

/* Applies the interfaces (a{sa{sv}}) of the object at @path; returns whether an
 * account's answer changed. */
static gboolean
apply_interfaces(OmDaemonState *state, const char *path, GVariant *interfaces)
{
  gboolean account = is_account_path(path);
  gboolean changed = FALSE;
  GVariantIter iter;
  const char *iface;
  GVariant *props;

  if (!account && strcmp(path, OM_ROOT_PATH) != 0)
    return FALSE;
  g_variant_iter_init(&iter, interfaces);
  while (g_variant_iter_loop(&iter, "{&s@a{sv}}", &iface, &props)) {
    if (!account && strcmp(iface, OM_IFACE_OFFLINE) == 0)
      apply_global_offline(state, props);
    else if (!account && strcmp(iface, OM_IFACE_MANAGER) == 0)
      apply_manager(state, props);
    else if (account && strcmp(iface, OM_IFACE_OFFLINE) == 0)
      changed |= apply_account_offline(account_for(state, path), props);
    else if (account && strcmp(iface, OM_IFACE_ACCOUNT) == 0)
      changed |= apply_account(account_for(state, path), props);
  }
  return changed;
}

int
om_daemon_state_load_accounts(OmDaemonState *state, GVariant *reply)
{
  g_autoptr(GVariant) objects = NULL;
  GVariantIter iter;
  const char *path;
  GVariant *interfaces;

  if (!g_variant_is_of_type(reply, G_VARIANT_TYPE("(a{oa{sa{sv}}})")))
    return -1;
  g_hash_table_remove_all(state->accounts);
  objects = g_variant_get_child_value(reply, 0);
  g_variant_iter_init(&iter, objects);
  while (g_variant_iter_loop(&iter, "{&o@a{sa{sv}}}", &path, &interfaces))
    if (is_account_path(path))
      apply_interfaces(state, path, interfaces);
  return 0;
}

int
om_daemon_state_load_root(OmDaemonState *state, const char *iface, GVariant *reply)
{
  g_autoptr(GVariant) props = NULL;

  if (!g_variant_is_of_type(reply, G_VARIANT_TYPE("(a{sv})")))
    return -1;
  props = g_variant_get_child_value(reply, 0);
  if (strcmp(iface, OM_IFACE_OFFLINE) == 0)
    apply_global_offline(state, props);
  else if (strcmp(iface, OM_IFACE_MANAGER) == 0)
    apply_manager(state, props);
  else
    return -1;
  return 0;
}

OmChanged
om_daemon_state_properties_changed(OmDaemonState *state, const char *path, GVariant *body)
{
  g_autoptr(GVariant) props = NULL;
  OmNetworkView before, after;
  const char *iface;
  OmChanged changed = 0;

  if (!g_variant_is_of_type(body, G_VARIANT_TYPE("(sa{sv}as)")))
    return 0;
  before = om_daemon_state_view(state);
  g_variant_get(body, "(&s@a{sv}@as)", &iface, &props, NULL);
  if (strcmp(path, OM_ROOT_PATH) == 0) {
    if (strcmp(iface, OM_IFACE_OFFLINE) == 0)
      apply_global_offline(state, props);
    else if (strcmp(iface, OM_IFACE_MANAGER) == 0)
      apply_manager(state, props);
  }
  else if (is_account_path(path)) {
    if (strcmp(iface, OM_IFACE_OFFLINE) == 0 &&
        apply_account_offline(account_for(state, path), props))
      changed |= OM_CHANGED_REACH;
    else if (strcmp(iface, OM_IFACE_ACCOUNT) == 0 &&
             apply_account(account_for(state, path), props))
      changed |= OM_CHANGED_REACH;
  }
  after = om_daemon_state_view(state);
  return changed | om_network_view_diff(&before, &after);
}

OmChanged
om_daemon_state_interfaces_added(OmDaemonState *state, GVariant *body)
{
  g_autoptr(GVariant) interfaces = NULL;
  const char *path;

  if (!g_variant_is_of_type(body, G_VARIANT_TYPE("(oa{sa{sv}})")))
    return 0;
  g_variant_get(body, "(&o@a{sa{sv}})", &path, &interfaces);
  if (!is_account_path(path))
    return 0;
  /* A new account changes what can_reach answers for its host. */
  apply_interfaces(state, path, interfaces);
  return OM_CHANGED_REACH;
}

OmChanged
om_daemon_state_interfaces_removed(OmDaemonState *state, GVariant *body)
{
  g_autofree const char **ifaces = NULL;
  const char *path;

  if (!g_variant_is_of_type(body, G_VARIANT_TYPE("(oas)")))
    return 0;
  g_variant_get(body, "(&o^a&s)", &path, &ifaces);
  /* An account object goes as a whole; its Offline interface is enough to tell. */
  if (!is_account_path(path) || !g_strv_contains(ifaces, OM_IFACE_OFFLINE))
    return 0;
  return g_hash_table_remove(state->accounts, path) ? OM_CHANGED_REACH : 0;
}

static gint
compare_accounts(gconstpointer a, gconstpointer b)
{
  return strcmp((*(const Account *const *)a)->id, (*(const Account *const *)b)->id);
}

OmReach
om_daemon_state_reach(const OmDaemonState *state, const char *host, guint16 port,
                      char **message)
{
  g_autofree char *wanted = om_daemon_state_normalize_host(host);
  g_autoptr(GPtrArray) offline = g_ptr_array_new();
  g_autoptr(GString) text = NULL;
  GHashTableIter iter;
  gpointer value;

  *message = NULL;
  if (wanted != NULL) {
    g_hash_table_iter_init(&iter, state->accounts);
    while (g_hash_table_iter_next(&iter, NULL, &value)) {
      Account *a = value;
      if (a->host == NULL || strcmp(a->host, wanted) != 0 ||
          (a->port != 0 && port != 0 && a->port != port))
        continue;
      if (a->state == STATE_ONLINE)
        return OM_REACH_ONLINE;
      g_ptr_array_add(offline, a);
    }
  }
  if (offline->len == 0) {
    if (state->global_state == STATE_ONLINE)
      return OM_REACH_NOT_ACCOUNT;
    *message = g_strdup_printf("the network is offline: %s",
                               state->global_reason[0] != '\0' ? state->global_reason
                                                               : "unknown reason");
    return OM_REACH_NETWORK_OFFLINE;
  }
  /* Several accounts on one server: name them all, in a stable order. */
  g_ptr_array_sort(offline, compare_accounts);
  text = g_string_new(NULL);
  for (guint i = 0; i < offline->len; i++) {
    const Account *a = offline->pdata[i];
    g_string_append_printf(text, "%s%s is offline: %s", i > 0 ? "; " : "", a->id,
                           a->reason[0] != '\0' ? a->reason : "unknown reason");
  }
  *message = g_string_free(g_steal_pointer(&text), FALSE);
  return OM_REACH_OFFLINE;
}
