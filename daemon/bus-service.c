#include "bus-service.h"

#include <errno.h>
#include <inttypes.h>

#include "config.h"
#include "errors.h"
#include "settings-message.h"

#define invalid_args(ret_error, ...) \
  om_bus_error_set(ret_error, OM_BUS_ERROR_INVALID_ARGS, __VA_ARGS__)

/* ---- org.offlinemgr.OfflineMgr1.Offline ---- */

static int
method_get_current_state(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
  return sd_bus_reply_method_return(m, "u", (uint32_t)om_object_get_state(userdata));
}

static int
method_get_capabilities(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
  return sd_bus_reply_method_return(m, "u", (uint32_t)OM_CAPABILITIES);
}

static int
method_set_current_state(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
  OmObject *obj = userdata;
  uint32_t flags, mask, state;
  g_autoptr(GError) error = NULL;
  int r;

  r = sd_bus_message_read(m, "uuu", &flags, &mask, &state);
  if (r < 0)
    return r;
  if (flags & ~OM_FLAG_BLOCK)
    return invalid_args(ret_error, "flags 0x%x: only MAPIOFFLINE_FLAG_BLOCK (0x2000) is allowed",
                        flags);
  if (mask != OM_STATE_MASK)
    return invalid_args(ret_error, "mask 0x%x: must be MAPIOFFLINE_STATE_OFFLINE_MASK (0x3)",
                        mask);
  if (state != OM_STATE_OFFLINE && state != OM_STATE_ONLINE)
    return invalid_args(ret_error, "state %u: must be 1 (OFFLINE) or 2 (ONLINE)", state);
  if (om_object_get_transitioning(obj))
    return om_bus_error_set(ret_error, OM_BUS_ERROR_PENDING, "A transition of %s is under way",
                            om_object_get_path(obj));

  if (!om_daemon_set_requested(om_object_get_context(obj)->user_data, obj, (OmState)state, &error))
    return om_bus_error_set_gerror(ret_error, error);

  if ((flags & OM_FLAG_BLOCK) && om_object_get_transitioning(obj)) {
    /* Answered after DONE, by om_bus_service_complete_waiter(). */
    om_object_set_waiter(obj, sd_bus_message_ref(m));
    return 1;
  }
  return sd_bus_reply_method_return(m, "u", (uint32_t)om_object_get_state(obj));
}

static int
prop_get_state(sd_bus *bus, const char *path, const char *interface, const char *property,
               sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
  return sd_bus_message_append(reply, "u", (uint32_t)om_object_get_state(userdata));
}

static int
prop_get_requested_state(sd_bus *bus, const char *path, const char *interface,
                         const char *property, sd_bus_message *reply, void *userdata,
                         sd_bus_error *ret_error)
{
  return sd_bus_message_append(reply, "u", (uint32_t)om_object_get_requested(userdata));
}

static int
prop_get_reason(sd_bus *bus, const char *path, const char *interface, const char *property,
                sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
  return sd_bus_message_append(reply, "s", om_reason_to_string(om_object_get_reason(userdata)));
}

static int
prop_get_transitioning(sd_bus *bus, const char *path, const char *interface,
                       const char *property, sd_bus_message *reply, void *userdata,
                       sd_bus_error *ret_error)
{
  return sd_bus_message_append(reply, "b", (int)om_object_get_transitioning(userdata));
}

static const sd_bus_vtable offline_vtable[] = {
  SD_BUS_VTABLE_START(0),
  SD_BUS_METHOD_WITH_ARGS("GetCurrentState", SD_BUS_NO_ARGS, SD_BUS_RESULT("u", state),
                          method_get_current_state, SD_BUS_VTABLE_UNPRIVILEGED),
  SD_BUS_METHOD_WITH_ARGS("GetCapabilities", SD_BUS_NO_ARGS, SD_BUS_RESULT("u", capabilities),
                          method_get_capabilities, SD_BUS_VTABLE_UNPRIVILEGED),
  SD_BUS_METHOD_WITH_ARGS("SetCurrentState",
                          SD_BUS_ARGS("u", flags, "u", mask, "u", state),
                          SD_BUS_RESULT("u", effective_state),
                          method_set_current_state, SD_BUS_VTABLE_UNPRIVILEGED),
  SD_BUS_SIGNAL_WITH_ARGS(OM_SIGNAL_STATE_CHANGED,
                          SD_BUS_ARGS("u", notify_type, "u", mask, "u", old_state,
                                      "u", new_state), 0),
  SD_BUS_PROPERTY("State", "u", prop_get_state, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
  SD_BUS_PROPERTY("RequestedState", "u", prop_get_requested_state, 0,
                  SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
  SD_BUS_PROPERTY("Reason", "s", prop_get_reason, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
  SD_BUS_PROPERTY("Transitioning", "b", prop_get_transitioning, 0,
                  SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
  SD_BUS_VTABLE_END,
};

/* ---- org.offlinemgr.OfflineMgr1.Account ---- */

static int
append_settings(sd_bus_message *reply, OmObject *obj)
{
  const OmAccountSettings *s = om_object_get_settings(obj);
  int r;

  r = sd_bus_message_append(reply, "{sv}{sv}{sv}",
                            "DisplayName", "s", om_object_get_display_name(obj),
                            "Host", "s", s->host ? s->host : "",
                            "Port", "u", (uint32_t)s->port);
  if (r < 0)
    return r;
  r = sd_bus_message_open_container(reply, 'e', "sv");
  if (r < 0)
    return r;
  r = sd_bus_message_append(reply, "s", "RequireConnections");
  if (r < 0)
    return r;
  r = sd_bus_message_open_container(reply, 'v', "as");
  if (r < 0)
    return r;
  r = sd_bus_message_append_strv(reply, s->require_connections);
  if (r < 0)
    return r;
  r = sd_bus_message_close_container(reply);
  if (r < 0)
    return r;
  r = sd_bus_message_close_container(reply);
  if (r < 0)
    return r;
  return sd_bus_message_append(reply, "{sv}{sv}{sv}",
                               "MinConnectivity", "s",
                               om_min_connectivity_to_string(s->min_connectivity),
                               "AllowMetered", "b", (int)s->allow_metered,
                               "CheckReachability", "b", (int)s->check_reachability);
}

static int
prop_get_settings(sd_bus *bus, const char *path, const char *interface, const char *property,
                  sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
  int r = sd_bus_message_open_container(reply, 'a', "{sv}");

  if (r < 0)
    return r;
  r = append_settings(reply, userdata);
  if (r < 0)
    return r;
  return sd_bus_message_close_container(reply);
}

static int
prop_get_id(sd_bus *bus, const char *path, const char *interface, const char *property,
            sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
  return sd_bus_message_append(reply, "s", om_object_get_id(userdata));
}

static int
prop_get_display_name(sd_bus *bus, const char *path, const char *interface,
                      const char *property, sd_bus_message *reply, void *userdata,
                      sd_bus_error *ret_error)
{
  return sd_bus_message_append(reply, "s", om_object_get_display_name(userdata));
}

static const sd_bus_vtable account_vtable[] = {
  SD_BUS_VTABLE_START(0),
  SD_BUS_PROPERTY("Id", "s", prop_get_id, 0, SD_BUS_VTABLE_PROPERTY_CONST),
  SD_BUS_PROPERTY("DisplayName", "s", prop_get_display_name, 0,
                  SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
  SD_BUS_PROPERTY("Settings", "a{sv}", prop_get_settings, 0,
                  SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
  SD_BUS_VTABLE_END,
};

/* ---- org.offlinemgr.OfflineMgr1.Manager ---- */

/* Reads an id argument and checks its form. */
static int
read_id(sd_bus_message *m, const char **id, sd_bus_error *ret_error)
{
  int r = sd_bus_message_read(m, "s", id);

  if (r < 0)
    return r;
  if (!om_account_id_is_valid(*id))
    return invalid_args(ret_error,
                        "Invalid account id '%.80s': it must be 1-%d characters of "
                        "[A-Za-z0-9_.-]", *id, OM_ACCOUNT_ID_MAX);
  return 0;
}

static int
lookup_account(OmDaemon *d, const char *id, OmObject **obj, sd_bus_error *ret_error)
{
  *obj = om_daemon_lookup_account(d, id);
  if (*obj == NULL)
    return om_bus_error_set(ret_error, OM_BUS_ERROR_NOT_FOUND, "No account '%s'", id);
  return 0;
}

static int
method_get_account(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
  const char *id;
  OmObject *obj;
  int r;

  if ((r = read_id(m, &id, ret_error)) < 0 || (r = lookup_account(userdata, id, &obj, ret_error)) < 0)
    return r;
  return sd_bus_reply_method_return(m, "o", om_object_get_path(obj));
}

static int
method_add_account(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
  g_auto(OmAccountSettings) settings;
  g_autoptr(GError) error = NULL;
  const char *id;
  OmObject *obj;
  int r;

  om_account_settings_init(&settings);
  if ((r = read_id(m, &id, ret_error)) < 0 ||
      (r = om_settings_message_read(m, &settings, ret_error)) < 0)
    return r;
  obj = om_daemon_add_account(userdata, id, &settings, &error);
  if (obj == NULL)
    return om_bus_error_set_gerror(ret_error, error);
  return sd_bus_reply_method_return(m, "o", om_object_get_path(obj));
}

static int
method_update_account(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
  g_auto(OmAccountSettings) settings = { 0 };  /* cleared on the early returns too */
  g_autoptr(GError) error = NULL;
  const char *id;
  OmObject *obj;
  int r;

  if ((r = read_id(m, &id, ret_error)) < 0 ||
      (r = lookup_account(userdata, id, &obj, ret_error)) < 0)
    return r;
  om_account_settings_copy(&settings, om_object_get_settings(obj));
  if ((r = om_settings_message_read(m, &settings, ret_error)) < 0)
    return r;
  if (!om_daemon_update_account(userdata, obj, &settings, &error))
    return om_bus_error_set_gerror(ret_error, error);
  return sd_bus_reply_method_return(m, "");
}

static int
method_remove_account(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
  g_autoptr(GError) error = NULL;
  const char *id;
  OmObject *obj;
  int r;

  if ((r = read_id(m, &id, ret_error)) < 0 || (r = lookup_account(userdata, id, &obj, ret_error)) < 0)
    return r;
  if (!om_daemon_remove_account(userdata, obj, &error))
    return om_bus_error_set_gerror(ret_error, error);
  return sd_bus_reply_method_return(m, "");
}

static int
method_reload(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
  om_daemon_reload(userdata);
  return sd_bus_reply_method_return(m, "");
}

static int
prop_get_version(sd_bus *bus, const char *path, const char *interface, const char *property,
                 sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
  return sd_bus_message_append(reply, "s", OM_VERSION);
}

static int
prop_get_network(sd_bus *bus, const char *path, const char *interface, const char *property,
                 sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
  const OmNetworkSnapshot *net = om_daemon_get_network(userdata);

  if (g_str_equal(property, "NetworkBackend"))
    return sd_bus_message_append(reply, "s", om_backend_to_string(net->backend));
  if (g_str_equal(property, "NetworkState"))
    return sd_bus_message_append(reply, "u", net->nm_state);
  if (g_str_equal(property, "Connectivity"))
    return sd_bus_message_append(reply, "u", net->connectivity);
  if (g_str_equal(property, "Metered"))
    return sd_bus_message_append(reply, "b",
                                 (int)(net->metered == OM_NM_METERED_YES ||
                                       net->metered == OM_NM_METERED_GUESS_YES));
  if (g_str_equal(property, "ActiveConnections")) {
    int r = sd_bus_message_open_container(reply, 'a', "s");
    if (r < 0)
      return r;
    for (guint i = 0; i < net->active->len; i++) {
      const OmActiveConnection *c = g_ptr_array_index(net->active, i);
      if (c->state != OM_NM_ACTIVE_CONNECTION_STATE_ACTIVATED || c->id == NULL)
        continue;
      r = sd_bus_message_append(reply, "s", c->id);
      if (r < 0)
        return r;
    }
    return sd_bus_message_close_container(reply);
  }
  return -ENOENT;
}

static const sd_bus_vtable manager_vtable[] = {
  SD_BUS_VTABLE_START(0),
  SD_BUS_METHOD_WITH_ARGS("GetAccount", SD_BUS_ARGS("s", id), SD_BUS_RESULT("o", account),
                          method_get_account, SD_BUS_VTABLE_UNPRIVILEGED),
  SD_BUS_METHOD_WITH_ARGS("AddAccount", SD_BUS_ARGS("s", id, "a{sv}", settings),
                          SD_BUS_RESULT("o", account), method_add_account,
                          SD_BUS_VTABLE_UNPRIVILEGED),
  SD_BUS_METHOD_WITH_ARGS("UpdateAccount", SD_BUS_ARGS("s", id, "a{sv}", settings),
                          SD_BUS_NO_RESULT, method_update_account, SD_BUS_VTABLE_UNPRIVILEGED),
  SD_BUS_METHOD_WITH_ARGS("RemoveAccount", SD_BUS_ARGS("s", id), SD_BUS_NO_RESULT,
                          method_remove_account, SD_BUS_VTABLE_UNPRIVILEGED),
  SD_BUS_METHOD_WITH_ARGS("Reload", SD_BUS_NO_ARGS, SD_BUS_NO_RESULT, method_reload,
                          SD_BUS_VTABLE_UNPRIVILEGED),
  SD_BUS_PROPERTY("Version", "s", prop_get_version, 0, SD_BUS_VTABLE_PROPERTY_CONST),
  SD_BUS_PROPERTY("NetworkBackend", "s", prop_get_network, 0,
                  SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
  SD_BUS_PROPERTY("NetworkState", "u", prop_get_network, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
  SD_BUS_PROPERTY("Connectivity", "u", prop_get_network, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
  SD_BUS_PROPERTY("Metered", "b", prop_get_network, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
  SD_BUS_PROPERTY("ActiveConnections", "as", prop_get_network, 0,
                  SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
  SD_BUS_VTABLE_END,
};

/* ---- account objects ---- */

static int
find_account(sd_bus *bus, const char *path, const char *interface, void *userdata,
             void **found, sd_bus_error *ret_error)
{
  g_autofree char *id = NULL;
  OmObject *obj;

  if (sd_bus_path_decode(path, OM_ACCOUNT_PATH_PREFIX, &id) <= 0)
    return 0;
  obj = om_daemon_lookup_account(userdata, id);
  if (obj == NULL)
    return 0;
  *found = obj;
  return 1;
}

static int
enumerate_accounts(sd_bus *bus, const char *path, void *userdata, char ***nodes,
                   sd_bus_error *ret_error)
{
  GHashTable *accounts = om_daemon_get_accounts(userdata);
  char **list = g_new(char *, g_hash_table_size(accounts) + 1);
  GHashTableIter iter;
  gpointer value;
  guint i = 0;

  /* sd-bus frees the list with free(); GLib's allocator is malloc. */
  g_hash_table_iter_init(&iter, accounts);
  while (g_hash_table_iter_next(&iter, NULL, &value))
    list[i++] = g_strdup(om_object_get_path(value));
  list[i] = NULL;
  *nodes = list;
  return 0;
}

int
om_bus_service_export(OmDaemon *d, sd_bus *bus)
{
  int r;

  if ((r = sd_bus_add_object_vtable(bus, NULL, OM_ROOT_PATH, OM_IFACE_OFFLINE, offline_vtable,
                                    om_daemon_get_global(d))) < 0 ||
      (r = sd_bus_add_object_vtable(bus, NULL, OM_ROOT_PATH, OM_IFACE_MANAGER, manager_vtable,
                                    d)) < 0 ||
      (r = sd_bus_add_object_manager(bus, NULL, OM_ROOT_PATH)) < 0 ||
      (r = sd_bus_add_fallback_vtable(bus, NULL, OM_ACCOUNT_PATH_PREFIX, OM_IFACE_OFFLINE,
                                      offline_vtable, find_account, d)) < 0 ||
      (r = sd_bus_add_fallback_vtable(bus, NULL, OM_ACCOUNT_PATH_PREFIX, OM_IFACE_ACCOUNT,
                                      account_vtable, find_account, d)) < 0 ||
      (r = sd_bus_add_node_enumerator(bus, NULL, OM_ACCOUNT_PATH_PREFIX, enumerate_accounts, d)) < 0)
    return r;
  return 0;
}

/* ---- emission ---- */

/* When the session bus stops taking our messages, signals would pile up in sd-bus's
 * queue (up to 384k messages). dbus-daemon does that when it still holds
 * max_incoming_bytes of our messages for a subscriber that never reads (1 GB on a stock
 * session bus, much less on a tight one): it stops reading from us until that subscriber
 * reads or goes, and does not disconnect it. Past QUEUE_SOFT_MAX queued messages that
 * have not moved for STALL_S seconds, signals are dropped and counted in the log.
 * Replies are always queued, so every call is answered once the bus moves again. A
 * healthy bus drains even the largest burst (every account changing at once) at once. */
#define QUEUE_SOFT_MAX 1024
#define STALL_S 5

static struct {
  uint64_t last_queued;
  gint64 stalled_since;  /* 0: not stalled */
  uint64_t dropped;
} congestion;

static gboolean
may_emit(sd_bus *bus)
{
  uint64_t queued = 0;
  gint64 now;

  if (sd_bus_get_n_queued_write(bus, &queued) < 0 || queued < QUEUE_SOFT_MAX) {
    if (congestion.dropped > 0)
      g_message("The session bus takes messages again; %" PRIu64 " signals were dropped",
                congestion.dropped);
    congestion.dropped = 0;
    congestion.stalled_since = 0;
    return TRUE;
  }
  now = g_get_monotonic_time();
  if (congestion.stalled_since == 0 || queued < congestion.last_queued)
    congestion.stalled_since = now;
  congestion.last_queued = queued;
  if (now - congestion.stalled_since < STALL_S * G_USEC_PER_SEC)
    return TRUE;
  if (congestion.dropped++ == 0)
    g_warning("The session bus has not taken our %" PRIu64 " queued messages for %d s; "
              "dropping signals until it does", queued, STALL_S);
  return FALSE;
}

void
om_bus_service_emit_phase(sd_bus *bus, OmObject *obj, OmNotifyType type, OmState old_state,
                          OmState new_state)
{
  int r;

  if (!may_emit(bus))
    return;
  r = sd_bus_emit_signal(bus, om_object_get_path(obj), OM_IFACE_OFFLINE, OM_SIGNAL_STATE_CHANGED,
                         "uuuu", (uint32_t)type, (uint32_t)OM_STATE_MASK,
                         (uint32_t)old_state, (uint32_t)new_state);
  if (r < 0)
    g_warning("Cannot emit StateChanged on %s: %s", om_object_get_path(obj), g_strerror(-r));
}

static void
emit_changed(sd_bus *bus, const char *path, const char *iface, const char **names)
{
  int r;

  if (names[0] == NULL || !may_emit(bus))
    return;
  r = sd_bus_emit_properties_changed_strv(bus, path, iface, (char **)names);
  if (r < 0)
    g_warning("Cannot emit PropertiesChanged on %s: %s", path, g_strerror(-r));
}

/* The Offline interface's PropertiesChanged, built here rather than by
 * sd_bus_emit_properties_changed(), which finds the object through the fallback vtable
 * and its getters again: that took four times the instructions, for every object in
 * every transition (bench/REPORT.md). The values are the getters'. */
static int
emit_offline_changed(sd_bus *bus, OmObject *obj, OmObjectProps changed)
{
  sd_bus_message *m = NULL;
  int r;

  r = sd_bus_message_new_signal(bus, &m, om_object_get_path(obj),
                                "org.freedesktop.DBus.Properties", "PropertiesChanged");
  if (r >= 0)
    r = sd_bus_message_append(m, "s", OM_IFACE_OFFLINE);
  if (r >= 0)
    r = sd_bus_message_open_container(m, 'a', "{sv}");
  if (r >= 0 && (changed & OM_PROP_STATE))
    r = sd_bus_message_append(m, "{sv}", "State", "u", (uint32_t)om_object_get_state(obj));
  if (r >= 0 && (changed & OM_PROP_REQUESTED_STATE))
    r = sd_bus_message_append(m, "{sv}", "RequestedState", "u",
                              (uint32_t)om_object_get_requested(obj));
  if (r >= 0 && (changed & OM_PROP_REASON))
    r = sd_bus_message_append(m, "{sv}", "Reason", "s",
                              om_reason_to_string(om_object_get_reason(obj)));
  if (r >= 0 && (changed & OM_PROP_TRANSITIONING))
    r = sd_bus_message_append(m, "{sv}", "Transitioning", "b",
                              (int)om_object_get_transitioning(obj));
  if (r >= 0)
    r = sd_bus_message_close_container(m);
  if (r >= 0)
    r = sd_bus_message_append(m, "as", 0);
  if (r >= 0)
    r = sd_bus_send(bus, m, NULL);
  sd_bus_message_unref(m);
  return r;
}

void
om_bus_service_emit_properties(sd_bus *bus, OmObject *obj, OmObjectProps changed)
{
  const char *account[3];
  guint a = 0;
  int r;

  if ((changed & (OM_PROP_STATE | OM_PROP_REQUESTED_STATE | OM_PROP_REASON |
                  OM_PROP_TRANSITIONING)) && may_emit(bus)) {
    r = emit_offline_changed(bus, obj, changed);
    if (r < 0)
      g_warning("Cannot emit PropertiesChanged on %s: %s", om_object_get_path(obj),
                g_strerror(-r));
  }
  if (changed & OM_PROP_DISPLAY_NAME)
    account[a++] = "DisplayName";
  if (changed & OM_PROP_SETTINGS)
    account[a++] = "Settings";
  account[a] = NULL;
  emit_changed(bus, om_object_get_path(obj), OM_IFACE_ACCOUNT, account);
}

void
om_bus_service_emit_manager_properties(sd_bus *bus, OmManagerProps changed)
{
  static const char *const all[] = { "NetworkBackend", "NetworkState", "Connectivity",
                                     "Metered", "ActiveConnections" };
  const char *names[G_N_ELEMENTS(all) + 1];
  guint n = 0;

  for (guint i = 0; i < G_N_ELEMENTS(all); i++)
    if (changed & (1u << i))
      names[n++] = all[i];
  names[n] = NULL;
  emit_changed(bus, OM_ROOT_PATH, OM_IFACE_MANAGER, names);
}

void
om_bus_service_emit_account_added(sd_bus *bus, OmObject *obj)
{
  int r;

  if (!may_emit(bus))
    return;
  r = sd_bus_emit_object_added(bus, om_object_get_path(obj));
  if (r < 0)
    g_warning("Cannot emit InterfacesAdded for %s: %s", om_object_get_path(obj),
              g_strerror(-r));
}

void
om_bus_service_emit_account_removed(sd_bus *bus, OmObject *obj)
{
  int r;

  if (!may_emit(bus))
    return;
  r = sd_bus_emit_object_removed(bus, om_object_get_path(obj));
  if (r < 0)
    g_warning("Cannot emit InterfacesRemoved for %s: %s", om_object_get_path(obj),
              g_strerror(-r));
}

void
om_bus_service_complete_waiter(OmObject *obj, const GError *error)
{
  sd_bus_message *m = om_object_get_waiter(obj);
  int r;

  if (m == NULL)
    return;
  om_object_set_waiter(obj, NULL);
  if (error != NULL) {
    sd_bus_error bus_error = SD_BUS_ERROR_NULL;
    om_bus_error_set_gerror(&bus_error, error);
    r = sd_bus_reply_method_error(m, &bus_error);
    sd_bus_error_free(&bus_error);
  }
  else
    r = sd_bus_reply_method_return(m, "u", (uint32_t)om_object_get_state(obj));
  if (r < 0)
    g_debug("Cannot answer SetCurrentState on %s: %s", om_object_get_path(obj), g_strerror(-r));
  sd_bus_message_unref(m);
}
