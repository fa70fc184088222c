#include "nm-monitor.h"

#include <errno.h>
#include <string.h>

#include "bus-name-watch.h"
#include "bus-util.h"

#define NM_NAME "org.freedesktop.NetworkManager"
#define NM_PATH "/org/freedesktop/NetworkManager"
#define NM_IFACE "org.freedesktop.NetworkManager"
#define NM_ACTIVE_IFACE "org.freedesktop.NetworkManager.Connection.Active"
#define NM_ACTIVE_PREFIX NM_PATH "/ActiveConnection"
#define PROPERTIES_IFACE "org.freedesktop.DBus.Properties"

/* NetworkManager answers in milliseconds; a peer that takes longer is treated as not
 * answering, and asked again after a delay that grows from RETRY_FIRST_MS. */
#define CALL_TIMEOUT_USEC (5 * G_USEC_PER_SEC)
#define RETRY_FIRST_MS 50
#define RETRY_MAX_MS 30000

typedef struct {
  OmNmMonitor *nm;
  char *path;
  sd_bus_slot *call;     /* GetAll in flight */
  gboolean valid;        /* read successfully */
  OmActiveConnection conn;
} ActiveEntry;

struct OmNmMonitor {
  sd_bus *bus;
  OmBusNameWatch *watch;
  sd_bus_slot *manager_match;
  sd_bus_slot *active_match;
  OmNmStatus status;
  char *owner;            /* NetworkManager's unique name while it has one */

  sd_bus_slot *manager_call;   /* GetAll of the manager in flight */
  guint retry_id;
  guint retry_ms;
  guint n_loading;        /* active connections whose GetAll is in flight */

  guint32 state;
  guint32 connectivity;
  guint32 metered;
  gboolean networking_enabled;
  char *primary;
  GHashTable *active;     /* object path → ActiveEntry*, owned */

  OmNmChanged changed;
  gpointer user_data;
};

static void start_read(OmNmMonitor *nm);

static void
active_entry_free(ActiveEntry *e)
{
  if (e->call != NULL) {
    e->call = sd_bus_slot_unref(e->call);
    e->nm->n_loading--;
  }
  g_free(e->path);
  g_free(e->conn.id);
  g_free(e->conn.uuid);
  g_free(e->conn.type);
  g_free(e);
}

static void
reset_state(OmNmMonitor *nm)
{
  nm->manager_call = sd_bus_slot_unref(nm->manager_call);
  g_clear_handle_id(&nm->retry_id, g_source_remove);
  nm->retry_ms = 0;
  g_hash_table_remove_all(nm->active);
  g_assert(nm->n_loading == 0);
  nm->state = OM_NM_STATE_UNKNOWN;
  nm->connectivity = OM_NM_CONNECTIVITY_UNKNOWN;
  nm->metered = OM_NM_METERED_UNKNOWN;
  nm->networking_enabled = TRUE;
  g_clear_pointer(&nm->primary, g_free);
}

/* Tells the owner once everything asked for has been answered. */
static void
maybe_notify(OmNmMonitor *nm)
{
  if (nm->owner == NULL || nm->manager_call != NULL || nm->retry_id != 0 ||
      nm->n_loading > 0)
    return;
  if (nm->status == OM_NM_STATUS_READING) {
    g_message("NetworkManager is on the system bus (%s)", nm->owner);
    nm->status = OM_NM_STATUS_UP;
  }
  nm->changed(nm, nm->user_data);
}

/* ---- reading variants ---- */

/* Enters the variant at the read position if it holds @signature; otherwise skips it
 * and returns 0. */
static int
enter_variant(sd_bus_message *m, const char *signature)
{
  const char *contents;
  char type;
  int r;

  r = sd_bus_message_peek_type(m, &type, &contents);
  if (r < 0)
    return r;
  if (type != SD_BUS_TYPE_VARIANT || !g_str_equal(contents, signature)) {
    g_debug("NetworkManager: ignoring a property of type %s", contents ? contents : "?");
    r = sd_bus_message_skip(m, "v");
    return r < 0 ? r : 0;
  }
  r = sd_bus_message_enter_container(m, SD_BUS_TYPE_VARIANT, signature);
  return r < 0 ? r : 1;
}

static int
read_variant_basic(sd_bus_message *m, char type, void *out)
{
  char signature[2] = { type, '\0' };
  int r = enter_variant(m, signature);

  if (r <= 0)
    return r;
  r = sd_bus_message_read_basic(m, type, out);
  if (r < 0)
    return r;
  return sd_bus_message_exit_container(m);
}

static int
read_variant_u32(sd_bus_message *m, guint32 *out)
{
  uint32_t v;
  int r = read_variant_basic(m, SD_BUS_TYPE_UINT32, &v);

  if (r > 0)
    *out = v;
  return r;
}

static int
read_variant_bool(sd_bus_message *m, gboolean *out)
{
  int v;
  int r = read_variant_basic(m, SD_BUS_TYPE_BOOLEAN, &v);

  if (r > 0)
    *out = v != 0;
  return r;
}

/* For "s" and "o". */
static int
read_variant_string(sd_bus_message *m, char type, char **out)
{
  const char *v;
  int r = read_variant_basic(m, type, &v);

  if (r > 0) {
    g_free(*out);
    *out = g_strdup(v);
  }
  return r;
}

/* ---- active connections ---- */

static int
apply_active_property(const char *name, sd_bus_message *m, gpointer user_data)
{
  ActiveEntry *e = user_data;

  if (g_str_equal(name, "Id"))
    return read_variant_string(m, SD_BUS_TYPE_STRING, &e->conn.id);
  if (g_str_equal(name, "Uuid"))
    return read_variant_string(m, SD_BUS_TYPE_STRING, &e->conn.uuid);
  if (g_str_equal(name, "Type"))
    return read_variant_string(m, SD_BUS_TYPE_STRING, &e->conn.type);
  if (g_str_equal(name, "State"))
    return read_variant_u32(m, &e->conn.state);
  if (g_str_equal(name, "Vpn"))
    return read_variant_bool(m, &e->conn.vpn);
  return sd_bus_message_skip(m, "v");
}

static int
on_active_read(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
  ActiveEntry *e = userdata;
  OmNmMonitor *nm = e->nm;
  const sd_bus_error *error = sd_bus_message_get_error(m);
  int r;

  e->call = sd_bus_slot_unref(e->call);
  nm->n_loading--;
  if (error != NULL) {
    /* Gone already (a short-lived activation); the next ActiveConnections drops it. */
    g_debug("NetworkManager: cannot read %s: %s", e->path, error->message);
  } else {
    r = om_bus_read_dict(m, 0, apply_active_property, e);
    if (r < 0)
      g_warning("NetworkManager: cannot parse %s: %s", e->path, g_strerror(-r));
    else
      e->valid = TRUE;
  }
  maybe_notify(nm);
  return 0;
}

static int
call_get_all(OmNmMonitor *nm, const char *path, const char *iface, sd_bus_slot **slot,
             sd_bus_message_handler_t callback, gpointer userdata)
{
  g_autoptr(sd_bus_message) m = NULL;
  int r;

  r = sd_bus_message_new_method_call(nm->bus, &m, nm->owner, path, PROPERTIES_IFACE,
                                     "GetAll");
  if (r < 0)
    return r;
  r = sd_bus_message_append(m, "s", iface);
  if (r < 0)
    return r;
  /* The destination is a unique name, which never activates anything; this says so
   * once more. */
  r = sd_bus_message_set_auto_start(m, 0);
  if (r < 0)
    return r;
  return sd_bus_call_async(nm->bus, slot, m, callback, userdata, CALL_TIMEOUT_USEC);
}

/* Reads an active connection (again). */
static void
load_active(OmNmMonitor *nm, ActiveEntry *e)
{
  int r;

  if (e->call != NULL) {
    e->call = sd_bus_slot_unref(e->call);
    nm->n_loading--;
  }
  r = call_get_all(nm, e->path, NM_ACTIVE_IFACE, &e->call, on_active_read, e);
  if (r < 0)
    g_warning("NetworkManager: cannot ask for %s: %s", e->path, g_strerror(-r));
  else
    nm->n_loading++;
}

/* Makes the table follow NetworkManager's list (@paths NULL: empty): new paths are
 * read, gone ones dropped. */
static void
sync_active(OmNmMonitor *nm, char **paths)
{
  g_autoptr(GHashTable) wanted = g_hash_table_new(g_str_hash, g_str_equal);
  GHashTableIter iter;
  gpointer key;

  for (char **p = paths; p != NULL && *p; p++)
    g_hash_table_add(wanted, *p);
  g_hash_table_iter_init(&iter, nm->active);
  while (g_hash_table_iter_next(&iter, &key, NULL))
    if (!g_hash_table_contains(wanted, key))
      g_hash_table_iter_remove(&iter);

  for (char **p = paths; p != NULL && *p; p++) {
    ActiveEntry *e;

    if (g_hash_table_contains(nm->active, *p))
      continue;
    e = g_new0(ActiveEntry, 1);
    e->nm = nm;
    e->path = g_strdup(*p);
    g_hash_table_insert(nm->active, e->path, e);
    load_active(nm, e);
  }
}

/* ---- the manager ---- */

static int
apply_manager_property(const char *name, sd_bus_message *m, gpointer user_data)
{
  OmNmMonitor *nm = user_data;

  if (g_str_equal(name, "State"))
    return read_variant_u32(m, &nm->state);
  if (g_str_equal(name, "Connectivity"))
    return read_variant_u32(m, &nm->connectivity);
  if (g_str_equal(name, "Metered"))
    return read_variant_u32(m, &nm->metered);
  if (g_str_equal(name, "NetworkingEnabled"))
    return read_variant_bool(m, &nm->networking_enabled);
  if (g_str_equal(name, "PrimaryConnection"))
    return read_variant_string(m, SD_BUS_TYPE_OBJECT_PATH, &nm->primary);
  if (g_str_equal(name, "ActiveConnections")) {
    g_auto(GStrv) paths = NULL;
    int r = enter_variant(m, "ao");

    if (r <= 0)
      return r;
    r = sd_bus_message_read_strv(m, &paths);
    if (r < 0)
      return r;
    sync_active(nm, paths);
    return sd_bus_message_exit_container(m);
  }
  return sd_bus_message_skip(m, "v");
}

static gboolean
on_retry(gpointer user_data)
{
  OmNmMonitor *nm = user_data;

  nm->retry_id = 0;
  start_read(nm);
  return G_SOURCE_REMOVE;
}

static void
schedule_retry(OmNmMonitor *nm, const char *why)
{
  if (nm->retry_ms == 0) {
    g_message("NetworkManager (%s) does not answer yet: %s; asking again", nm->owner, why);
    nm->retry_ms = RETRY_FIRST_MS;
  } else {
    g_debug("NetworkManager (%s) does not answer yet: %s", nm->owner, why);
    nm->retry_ms = MIN(nm->retry_ms * 2, RETRY_MAX_MS);
  }
  g_clear_handle_id(&nm->retry_id, g_source_remove);
  nm->retry_id = g_timeout_add(nm->retry_ms, on_retry, nm);
}

static int
on_manager_read(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
  OmNmMonitor *nm = userdata;
  const sd_bus_error *error = sd_bus_message_get_error(m);
  int r;

  nm->manager_call = sd_bus_slot_unref(nm->manager_call);
  if (error != NULL) {
    /* A half-started peer (UnknownObject, UnknownMethod), a hung one (NoReply), or
     * one that just left, in which case NameOwnerChanged cancels the retry. */
    schedule_retry(nm, error->message);
    return 0;
  }
  r = om_bus_read_dict(m, 0, apply_manager_property, nm);
  if (r < 0) {
    g_autofree char *why = g_strdup_printf("malformed reply: %s", g_strerror(-r));
    schedule_retry(nm, why);
    return 0;
  }
  nm->retry_ms = 0;
  maybe_notify(nm);
  return 0;
}

static void
start_read(OmNmMonitor *nm)
{
  int r;

  nm->manager_call = sd_bus_slot_unref(nm->manager_call);
  r = call_get_all(nm, NM_PATH, NM_IFACE, &nm->manager_call, on_manager_read, nm);
  if (r < 0)
    schedule_retry(nm, g_strerror(-r));
}

static gboolean
from_owner(OmNmMonitor *nm, sd_bus_message *m)
{
  return nm->owner != NULL && g_strcmp0(sd_bus_message_get_sender(m), nm->owner) == 0;
}

/* Whether an invalidated-properties list names something we keep. */
static gboolean
invalidates(sd_bus_message *m, const char *const *names)
{
  g_auto(GStrv) invalidated = NULL;

  if (sd_bus_message_read_strv(m, &invalidated) < 0 || invalidated == NULL)
    return FALSE;
  for (char **i = invalidated; *i; i++)
    if (g_strv_contains(names, *i))
      return TRUE;
  return FALSE;
}

static int
on_manager_properties_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
  static const char *const kept[] = { "State", "Connectivity", "Metered",
                                      "NetworkingEnabled", "PrimaryConnection",
                                      "ActiveConnections", NULL };
  OmNmMonitor *nm = userdata;
  const char *iface;
  int r;

  if (!from_owner(nm, m) || sd_bus_message_read(m, "s", &iface) < 0 ||
      !g_str_equal(iface, NM_IFACE))
    return 0;
  r = om_bus_read_dict(m, 0, apply_manager_property, nm);
  if (r < 0) {
    g_warning("NetworkManager: malformed PropertiesChanged: %s", g_strerror(-r));
    start_read(nm);
    return 0;
  }
  if (invalidates(m, kept))
    start_read(nm);
  maybe_notify(nm);
  return 0;
}

static int
on_active_properties_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
  static const char *const kept[] = { "Id", "Uuid", "Type", "State", "Vpn", NULL };
  OmNmMonitor *nm = userdata;
  ActiveEntry *e;
  const char *iface;
  int r;

  if (!from_owner(nm, m) || sd_bus_message_read(m, "s", &iface) < 0 ||
      !g_str_equal(iface, NM_ACTIVE_IFACE))
    return 0;
  e = g_hash_table_lookup(nm->active, sd_bus_message_get_path(m));
  if (e == NULL)
    return 0;
  r = om_bus_read_dict(m, 0, apply_active_property, e);
  if (r < 0)
    g_warning("NetworkManager: malformed PropertiesChanged on %s", e->path);
  /* Read it whole when this left a gap: a property invalidated, or an entry whose
   * first reading failed. */
  if (r < 0 || invalidates(m, kept) || (!e->valid && e->call == NULL))
    load_active(nm, e);
  maybe_notify(nm);
  return 0;
}

static void
on_owner_changed(OmBusNameWatch *watch, const char *owner, gpointer user_data)
{
  OmNmMonitor *nm = user_data;

  if (nm->owner != NULL)
    g_message("NetworkManager (%s) left the system bus", nm->owner);
  /* A new instance reuses object paths for other things: forget everything. */
  reset_state(nm);
  g_free(nm->owner);
  nm->owner = g_strdup(owner);
  if (owner == NULL) {
    nm->status = OM_NM_STATUS_ABSENT;
    nm->changed(nm, nm->user_data);
    return;
  }
  nm->status = OM_NM_STATUS_READING;
  nm->changed(nm, nm->user_data);
  start_read(nm);
}

OmNmMonitor *
om_nm_monitor_new(sd_bus *bus, OmNmChanged changed, gpointer user_data, int *error_out)
{
  g_autoptr(OmNmMonitor) nm = g_new0(OmNmMonitor, 1);
  int r;

  nm->bus = sd_bus_ref(bus);
  nm->changed = changed;
  nm->user_data = user_data;
  nm->active = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
                                     (GDestroyNotify)active_entry_free);
  reset_state(nm);
  nm->status = OM_NM_STATUS_UNKNOWN;

  /* Filtering on arg0 (the interface) keeps device and access point chatter off. The
   * match rules go out before GetNameOwner, so nothing is missed in between. */
  r = sd_bus_add_match_async(bus, &nm->manager_match,
                             "type='signal',sender='" NM_NAME "',path='" NM_PATH "',"
                             "interface='" PROPERTIES_IFACE "',member='PropertiesChanged',"
                             "arg0='" NM_IFACE "'",
                             on_manager_properties_changed, NULL, nm);
  if (r >= 0)
    r = sd_bus_add_match_async(bus, &nm->active_match,
                               "type='signal',sender='" NM_NAME "',"
                               "path_namespace='" NM_ACTIVE_PREFIX "',"
                               "interface='" PROPERTIES_IFACE "',member='PropertiesChanged',"
                               "arg0='" NM_ACTIVE_IFACE "'",
                               on_active_properties_changed, NULL, nm);
  if (r >= 0)
    nm->watch = om_bus_name_watch_new(bus, NM_NAME, on_owner_changed, nm, &r);
  if (r < 0) {
    *error_out = r;
    return NULL;
  }
  return g_steal_pointer(&nm);
}

void
om_nm_monitor_free(OmNmMonitor *nm)
{
  if (nm == NULL)
    return;
  om_bus_name_watch_free(nm->watch);
  reset_state(nm);
  g_hash_table_unref(nm->active);
  sd_bus_slot_unref(nm->manager_match);
  sd_bus_slot_unref(nm->active_match);
  sd_bus_unref(nm->bus);
  g_free(nm->owner);
  g_free(nm);
}

OmNmStatus
om_nm_monitor_get_status(OmNmMonitor *nm)
{
  return nm->status;
}

static int
compare_active(gconstpointer a, gconstpointer b)
{
  const OmActiveConnection *x = *(OmActiveConnection *const *)a;
  const OmActiveConnection *y = *(OmActiveConnection *const *)b;
  int c = g_strcmp0(x->id, y->id);

  return c != 0 ? c : g_strcmp0(x->uuid, y->uuid);
}

void
om_nm_monitor_fill(OmNmMonitor *nm, OmNetworkSnapshot *s)
{
  GHashTableIter iter;
  gpointer value;

  s->backend = OM_BACKEND_NETWORKMANAGER;
  s->nm_state = nm->state;
  s->connectivity = nm->connectivity;
  s->metered = nm->metered;
  s->networking_enabled = nm->networking_enabled;
  s->default_route = (nm->primary != NULL && !g_str_equal(nm->primary, "/")) ||
                     nm->state >= OM_NM_STATE_CONNECTED_SITE;
  g_ptr_array_set_size(s->active, 0);
  g_hash_table_iter_init(&iter, nm->active);
  while (g_hash_table_iter_next(&iter, NULL, &value)) {
    const ActiveEntry *e = value;
    OmActiveConnection *c;

    if (!e->valid)
      continue;
    c = g_new0(OmActiveConnection, 1);
    c->id = g_strdup(e->conn.id);
    c->uuid = g_strdup(e->conn.uuid);
    c->type = g_strdup(e->conn.type);
    c->state = e->conn.state;
    c->vpn = e->conn.vpn;
    g_ptr_array_add(s->active, c);
  }
  g_ptr_array_sort(s->active, compare_active);
}
