#include "bus-service.h"

#include <errno.h>
#include <inttypes.h>

#include <gio/gio.h>

#include "bus-source.h"
#include "bus-util.h"
#include "config.h"
#include "errors.h"
#include "offlinemgr-bus.h"
#include "settings-message.h"

/* One exported offline object: what the vtables' handlers get as userdata. */
typedef struct {
  OmBusService *svc;
  OmObject *obj;
  sd_bus_message *waiter;  /* a SetCurrentState(BLOCK) answered after DONE */
} BusObject;

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

/* At exit, what is queued is sent for at most this long: sd_bus_flush() would wait for
 * ever for a bus that stopped reading from us, and then the daemon would not stop. */
#define FLUSH_TIMEOUT_S 2

struct OmBusService {
  sd_bus *bus;
  GSource *source;
  OmBusServiceHandlers handlers;
  gpointer user_data;

  gboolean exported;
  sd_bus_slot *incoming;
  GArray *batch;                      /* Emission: this turn's signals, not sent yet */
  guint batch_id;                     /* sends the batch at the end of the turn */
  BusObject global;
  GHashTable *accounts;               /* id → BusObject*, owned */
  const OmNetworkSnapshot *net;       /* the engine's, read by the Manager's getters */
  sd_bus_slot *name_lost;

  struct {
    uint64_t last_queued;
    gint64 stalled_since;             /* 0: not stalled */
    uint64_t dropped;
  } congestion;

  sd_bus_slot *when_sent_call;
  void (*when_sent)(gpointer user_data);
  gpointer when_sent_data;
};

/* ---- answering ---- */

static void send_batch(OmBusService *svc);

/* Answers @bo's waiting BLOCK call with its state, or with @error. */
static void
complete_waiter(BusObject *bo, const GError *error)
{
  sd_bus_message *m = g_steal_pointer(&bo->waiter);
  int r;

  if (m == NULL)
    return;
  send_batch(bo->svc);
  if (error != NULL) {
    g_auto(sd_bus_error) bus_error = SD_BUS_ERROR_NULL;

    om_bus_error_set_gerror(&bus_error, error);
    r = sd_bus_reply_method_error(m, &bus_error);
  } else {
    r = sd_bus_reply_method_return(m, "u", (uint32_t)om_object_get_state(bo->obj));
  }
  if (r < 0)
    g_debug("Cannot answer SetCurrentState on %s: %s", om_object_get_path(bo->obj),
            g_strerror(-r));
  sd_bus_message_unref(m);
}

/* ---- org.offlinemgr.OfflineMgr1.Offline ---- */

static int
method_get_current_state(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
  BusObject *bo = userdata;

  return sd_bus_reply_method_return(m, "u", (uint32_t)om_object_get_state(bo->obj));
}

static int
method_get_capabilities(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
  return sd_bus_reply_method_return(m, "u", (uint32_t)OM_CAPABILITIES);
}

static int
method_set_current_state(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
  BusObject *bo = userdata;
  OmBusService *svc = bo->svc;
  uint32_t flags, mask, state;
  g_autoptr(GError) error = NULL;
  int r;

  r = sd_bus_message_read(m, "uuu", &flags, &mask, &state);
  if (r < 0)
    return r;
  if (flags & ~OM_FLAG_BLOCK)
    return om_bus_error_set(ret_error, OM_ERROR_INVALID_ARGS,
                            "flags 0x%x: only MAPIOFFLINE_FLAG_BLOCK (0x2000) is allowed", flags);
  if (mask != OM_STATE_MASK)
    return om_bus_error_set(ret_error, OM_ERROR_INVALID_ARGS,
                            "mask 0x%x: must be MAPIOFFLINE_STATE_OFFLINE_MASK (0x3)", mask);
  if (state != OM_STATE_OFFLINE && state != OM_STATE_ONLINE)
    return om_bus_error_set(ret_error, OM_ERROR_INVALID_ARGS,
                            "state %u: must be 1 (OFFLINE) or 2 (ONLINE)", state);
  if (om_object_get_transitioning(bo->obj))
    return om_bus_error_set(ret_error, OM_ERROR_PENDING, "A transition of %s is under way",
                            om_object_get_path(bo->obj));

  r = svc->handlers.set_requested(bo->obj, (OmState)state, &error, svc->user_data);
  /* The reply follows the signals of what the request did. */
  send_batch(svc);
  if (!r)
    return om_bus_error_set_gerror(ret_error, error);
  if ((flags & OM_FLAG_BLOCK) && om_object_get_transitioning(bo->obj)) {
    /* Answered after DONE, by om_bus_service_transition_done(). */
    bo->waiter = sd_bus_message_ref(m);
    return 1;
  }
  return sd_bus_reply_method_return(m, "u", (uint32_t)om_object_get_state(bo->obj));
}

static int
prop_get_state(sd_bus *bus, const char *path, const char *interface, const char *property,
               sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
  BusObject *bo = userdata;

  return sd_bus_message_append(reply, "u", (uint32_t)om_object_get_state(bo->obj));
}

static int
prop_get_requested_state(sd_bus *bus, const char *path, const char *interface,
                         const char *property, sd_bus_message *reply, void *userdata,
                         sd_bus_error *ret_error)
{
  BusObject *bo = userdata;

  return sd_bus_message_append(reply, "u", (uint32_t)om_object_get_requested(bo->obj));
}

static int
prop_get_reason(sd_bus *bus, const char *path, const char *interface, const char *property,
                sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
  BusObject *bo = userdata;

  return sd_bus_message_append(reply, "s", om_reason_to_string(om_object_get_reason(bo->obj)));
}

static int
prop_get_transitioning(sd_bus *bus, const char *path, const char *interface,
                       const char *property, sd_bus_message *reply, void *userdata,
                       sd_bus_error *ret_error)
{
  BusObject *bo = userdata;

  return sd_bus_message_append(reply, "b", (int)om_object_get_transitioning(bo->obj));
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
  BusObject *bo = userdata;
  int r = sd_bus_message_open_container(reply, 'a', "{sv}");

  if (r < 0)
    return r;
  r = append_settings(reply, bo->obj);
  if (r < 0)
    return r;
  return sd_bus_message_close_container(reply);
}

static int
prop_get_id(sd_bus *bus, const char *path, const char *interface, const char *property,
            sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
  BusObject *bo = userdata;

  return sd_bus_message_append(reply, "s", om_object_get_id(bo->obj));
}

static int
prop_get_display_name(sd_bus *bus, const char *path, const char *interface,
                      const char *property, sd_bus_message *reply, void *userdata,
                      sd_bus_error *ret_error)
{
  BusObject *bo = userdata;

  return sd_bus_message_append(reply, "s", om_object_get_display_name(bo->obj));
}

static int
prop_get_origin(sd_bus *bus, const char *path, const char *interface, const char *property,
                sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
  BusObject *bo = userdata;

  return sd_bus_message_append(reply, "s",
                               bo->svc->handlers.origin(bo->obj, bo->svc->user_data));
}

static const sd_bus_vtable account_vtable[] = {
  SD_BUS_VTABLE_START(0),
  SD_BUS_PROPERTY("Id", "s", prop_get_id, 0, SD_BUS_VTABLE_PROPERTY_CONST),
  SD_BUS_PROPERTY("DisplayName", "s", prop_get_display_name, 0,
                  SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
  SD_BUS_PROPERTY("Settings", "a{sv}", prop_get_settings, 0,
                  SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
  SD_BUS_PROPERTY("Origin", "s", prop_get_origin, 0, SD_BUS_VTABLE_PROPERTY_CONST),
  SD_BUS_VTABLE_END,
};

/* ---- org.offlinemgr.OfflineMgr1.Manager ---- */

/* Reads an id argument, checks its form and finds the account (@found NULL: only the
 * form is checked). */
static int
read_id(OmBusService *svc, sd_bus_message *m, const char **id, BusObject **found,
        sd_bus_error *ret_error)
{
  int r = sd_bus_message_read(m, "s", id);

  if (r < 0)
    return r;
  if (!om_account_id_is_valid(*id))
    return om_bus_error_set(ret_error, OM_ERROR_INVALID_ARGS,
                            "Invalid account id '%.80s': it must be 1-%d characters of "
                            "[A-Za-z0-9_.-]", *id, OM_ACCOUNT_ID_MAX);
  if (found != NULL && (*found = g_hash_table_lookup(svc->accounts, *id)) == NULL)
    return om_bus_error_set(ret_error, OM_ERROR_NOT_FOUND, "No account '%s'", *id);
  return 0;
}

static int
method_get_account(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
  BusObject *bo;
  const char *id;
  int r;

  if ((r = read_id(userdata, m, &id, &bo, ret_error)) < 0)
    return r;
  return sd_bus_reply_method_return(m, "o", om_object_get_path(bo->obj));
}

static int
method_add_account(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
  OmBusService *svc = userdata;
  g_auto(OmAccountSettings) settings;
  g_autoptr(GError) error = NULL;
  const char *id;
  OmObject *obj;
  int r;

  om_account_settings_init(&settings);
  if ((r = read_id(svc, m, &id, NULL, ret_error)) < 0 ||
      (r = om_settings_message_read(m, &settings, NULL, ret_error)) < 0)
    return r;
  obj = svc->handlers.add_account(id, &settings, &error, svc->user_data);
  send_batch(svc);
  if (obj == NULL)
    return om_bus_error_set_gerror(ret_error, error);
  return sd_bus_reply_method_return(m, "o", om_object_get_path(obj));
}

static int
method_update_account(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
  OmBusService *svc = userdata;
  g_auto(OmAccountSettings) settings = { 0 };  /* cleared on the early returns too */
  gboolean given[OM_N_SETTINGS] = { FALSE };
  g_autoptr(GError) error = NULL;
  BusObject *bo;
  const char *id;
  int r;

  if ((r = read_id(svc, m, &id, &bo, ret_error)) < 0)
    return r;
  om_account_settings_copy(&settings, om_object_get_settings(bo->obj));
  if ((r = om_settings_message_read(m, &settings, given, ret_error)) < 0)
    return r;
  r = svc->handlers.update_account(bo->obj, &settings, given, &error, svc->user_data);
  send_batch(svc);
  if (!r)
    return om_bus_error_set_gerror(ret_error, error);
  return sd_bus_reply_method_return(m, "");
}

static int
method_remove_account(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
  OmBusService *svc = userdata;
  g_autoptr(GError) error = NULL;
  BusObject *bo;
  const char *id;
  int r;

  if ((r = read_id(svc, m, &id, &bo, ret_error)) < 0)
    return r;
  r = svc->handlers.remove_account(bo->obj, &error, svc->user_data);
  send_batch(svc);
  if (!r)
    return om_bus_error_set_gerror(ret_error, error);
  return sd_bus_reply_method_return(m, "");
}

static int
method_reload(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
  OmBusService *svc = userdata;

  svc->handlers.reload(svc->user_data);
  send_batch(svc);
  return sd_bus_reply_method_return(m, "");
}

static int
prop_get_version(sd_bus *bus, const char *path, const char *interface, const char *property,
                 sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
  return sd_bus_message_append(reply, "s", OM_VERSION);
}

static int
prop_get_network_backend(sd_bus *bus, const char *path, const char *interface,
                         const char *property, sd_bus_message *reply, void *userdata,
                         sd_bus_error *ret_error)
{
  OmBusService *svc = userdata;

  return sd_bus_message_append(reply, "s", om_backend_to_string(svc->net->backend));
}

static int
prop_get_network_state(sd_bus *bus, const char *path, const char *interface,
                       const char *property, sd_bus_message *reply, void *userdata,
                       sd_bus_error *ret_error)
{
  OmBusService *svc = userdata;

  return sd_bus_message_append(reply, "u", svc->net->nm_state);
}

static int
prop_get_connectivity(sd_bus *bus, const char *path, const char *interface,
                      const char *property, sd_bus_message *reply, void *userdata,
                      sd_bus_error *ret_error)
{
  OmBusService *svc = userdata;

  return sd_bus_message_append(reply, "u", svc->net->connectivity);
}

static int
prop_get_metered(sd_bus *bus, const char *path, const char *interface, const char *property,
                 sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
  OmBusService *svc = userdata;

  return sd_bus_message_append(reply, "b", (int)om_network_snapshot_is_metered(svc->net));
}

static int
prop_get_active_connections(sd_bus *bus, const char *path, const char *interface,
                            const char *property, sd_bus_message *reply, void *userdata,
                            sd_bus_error *ret_error)
{
  OmBusService *svc = userdata;
  int r = sd_bus_message_open_container(reply, 'a', "s");

  if (r < 0)
    return r;
  for (guint i = 0; i < svc->net->active->len; i++) {
    const OmActiveConnection *c = g_ptr_array_index(svc->net->active, i);

    if (om_active_connection_is_listed(c) && (r = sd_bus_message_append(reply, "s", c->id)) < 0)
      return r;
  }
  return sd_bus_message_close_container(reply);
}

/* The Manager's properties that follow the network, by the fact each publishes. */
static const struct {
  OmNetworkFacts fact;
  const char *property;
} network_properties[] = {
  { OM_NETWORK_FACT_BACKEND, "NetworkBackend" },
  { OM_NETWORK_FACT_NM_STATE, "NetworkState" },
  { OM_NETWORK_FACT_CONNECTIVITY, "Connectivity" },
  { OM_NETWORK_FACT_METERED, "Metered" },
  { OM_NETWORK_FACT_ACTIVE_IDS, "ActiveConnections" },
};

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
  SD_BUS_SIGNAL_WITH_ARGS(OM_SIGNAL_STATES_CHANGED, SD_BUS_ARGS("a(ouuu)", changes), 0),
  SD_BUS_PROPERTY("Version", "s", prop_get_version, 0, SD_BUS_VTABLE_PROPERTY_CONST),
  SD_BUS_PROPERTY("NetworkBackend", "s", prop_get_network_backend, 0,
                  SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
  SD_BUS_PROPERTY("NetworkState", "u", prop_get_network_state, 0,
                  SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
  SD_BUS_PROPERTY("Connectivity", "u", prop_get_connectivity, 0,
                  SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
  SD_BUS_PROPERTY("Metered", "b", prop_get_metered, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
  SD_BUS_PROPERTY("ActiveConnections", "as", prop_get_active_connections, 0,
                  SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
  SD_BUS_VTABLE_END,
};

/* ---- account objects ---- */

static int
find_account(sd_bus *bus, const char *path, const char *interface, void *userdata,
             void **found, sd_bus_error *ret_error)
{
  OmBusService *svc = userdata;
  g_autofree char *id = NULL;
  BusObject *bo;

  if (sd_bus_path_decode(path, OM_ACCOUNT_PATH_PREFIX, &id) <= 0 ||
      (bo = g_hash_table_lookup(svc->accounts, id)) == NULL)
    return 0;
  *found = bo;
  return 1;
}

static int
enumerate_accounts(sd_bus *bus, const char *path, void *userdata, char ***nodes,
                   sd_bus_error *ret_error)
{
  OmBusService *svc = userdata;
  char **list = g_new(char *, g_hash_table_size(svc->accounts) + 1);
  GHashTableIter iter;
  gpointer value;
  guint i = 0;

  /* sd-bus frees the list with free(); GLib's allocator is malloc. */
  g_hash_table_iter_init(&iter, svc->accounts);
  while (g_hash_table_iter_next(&iter, NULL, &value))
    list[i++] = g_strdup(om_object_get_path(((BusObject *)value)->obj));
  list[i] = NULL;
  *nodes = list;
  return 0;
}

/* ---- emission ---- */

static gboolean
may_emit(OmBusService *svc)
{
  uint64_t queued = 0;
  gint64 now;

  if (!svc->exported)
    return FALSE;
  if (sd_bus_get_n_queued_write(svc->bus, &queued) < 0 || queued < QUEUE_SOFT_MAX) {
    if (svc->congestion.dropped > 0)
      g_message("The session bus takes messages again; %" PRIu64 " signals were dropped",
                svc->congestion.dropped);
    svc->congestion.dropped = 0;
    svc->congestion.stalled_since = 0;
    return TRUE;
  }
  now = g_get_monotonic_time();
  if (svc->congestion.stalled_since == 0 || queued < svc->congestion.last_queued)
    svc->congestion.stalled_since = now;
  svc->congestion.last_queued = queued;
  if (now - svc->congestion.stalled_since < STALL_S * G_USEC_PER_SEC)
    return TRUE;
  if (svc->congestion.dropped++ == 0)
    g_warning("The session bus has not taken our %" PRIu64 " queued messages for %d s; "
              "dropping signals until it does", queued, STALL_S);
  return FALSE;
}

/* ---- one turn's signals ---- */

/* A StateChanged phase or an Offline PropertiesChanged, kept until the end of the main
 * loop's turn with the values it had when it happened. */
typedef struct {
  OmObject *obj;          /* alive until sent: an account's removal sends the batch first */
  OmObjectProps props;    /* 0: a phase */
  guint8 type, old_state, new_state;                  /* a phase */
  guint8 state, requested, reason, transitioning;     /* the properties' values */
} Emission;

static gboolean on_batch_idle(gpointer user_data);

static Emission *
batch_add(OmBusService *svc, OmObject *obj)
{
  Emission *e;

  if (svc->batch_id == 0)
    svc->batch_id = g_idle_add_full(G_PRIORITY_HIGH, on_batch_idle, svc, NULL);
  g_array_set_size(svc->batch, svc->batch->len + 1);
  e = &g_array_index(svc->batch, Emission, svc->batch->len - 1);
  e->obj = obj;
  return e;
}

void
om_bus_service_emit_phase(OmBusService *svc, OmObject *obj, OmNotifyType type,
                          OmState old_state, OmState new_state)
{
  Emission *e;

  if (!may_emit(svc))
    return;
  e = batch_add(svc, obj);
  e->props = 0;
  e->type = type;
  e->old_state = old_state;
  e->new_state = new_state;
}

/* Properties whose PropertiesChanged sd-bus builds from the getters, at once (after the
 * batch, which they must not overtake). */
static void
emit_changed(OmBusService *svc, const char *path, const char *iface, const char **names)
{
  int r;

  if (names[0] == NULL || !may_emit(svc))
    return;
  send_batch(svc);
  r = sd_bus_emit_properties_changed_strv(svc->bus, path, iface, (char **)names);
  if (r < 0)
    g_warning("Cannot emit PropertiesChanged on %s: %s", path, g_strerror(-r));
}

void
om_bus_service_emit_properties(OmBusService *svc, OmObject *obj, OmObjectProps changed)
{
  const OmObjectProps offline = OM_PROP_STATE | OM_PROP_REQUESTED_STATE | OM_PROP_REASON |
                                OM_PROP_TRANSITIONING;
  const char *account[3];
  guint a = 0;

  if ((changed & offline) && may_emit(svc)) {
    Emission *e = batch_add(svc, obj);

    e->props = changed & offline;
    e->state = om_object_get_state(obj);
    e->requested = om_object_get_requested(obj);
    e->reason = om_object_get_reason(obj);
    e->transitioning = om_object_get_transitioning(obj);
  }
  if (changed & OM_PROP_DISPLAY_NAME)
    account[a++] = "DisplayName";
  if (changed & OM_PROP_SETTINGS)
    account[a++] = "Settings";
  account[a] = NULL;
  emit_changed(svc, om_object_get_path(obj), OM_IFACE_ACCOUNT, account);
}

/* The batch's messages are built with typed appends of basic values rather than
 * sd_bus_message_append()'s variadic form, which parses its signature string again for
 * every call: that parsing was a third of the daemon's instructions per changed account
 * (bench/REPORT.md, "Instructions per NetworkManager event"). */
static int
append_u(sd_bus_message *m, uint32_t value)
{
  return sd_bus_message_append_basic(m, SD_BUS_TYPE_UINT32, &value);
}

/* One {sv} entry of a PropertiesChanged, its variant holding @value of @type. */
static int
append_property(sd_bus_message *m, const char *name, char type, const void *value)
{
  const char contents[2] = { type, '\0' };
  int r;

  if ((r = sd_bus_message_open_container(m, SD_BUS_TYPE_DICT_ENTRY, "sv")) < 0 ||
      (r = sd_bus_message_append_basic(m, SD_BUS_TYPE_STRING, name)) < 0 ||
      (r = sd_bus_message_open_container(m, SD_BUS_TYPE_VARIANT, contents)) < 0 ||
      (r = sd_bus_message_append_basic(m, type, value)) < 0 ||
      (r = sd_bus_message_close_container(m)) < 0)
    return r;
  return sd_bus_message_close_container(m);
}

/* StatesChanged(a(ouuu)): every phase of the batch; not sent when it has none. */
static int
send_states_changed(OmBusService *svc)
{
  g_autoptr(sd_bus_message) m = NULL;
  guint i;
  int r;

  for (i = 0; i < svc->batch->len; i++)
    if (g_array_index(svc->batch, Emission, i).props == 0)
      break;
  if (i == svc->batch->len)
    return 0;
  r = sd_bus_message_new_signal(svc->bus, &m, OM_ROOT_PATH, OM_IFACE_MANAGER,
                                OM_SIGNAL_STATES_CHANGED);
  if (r >= 0)
    r = sd_bus_message_open_container(m, SD_BUS_TYPE_ARRAY, "(ouuu)");
  for (; r >= 0 && i < svc->batch->len; i++) {
    const Emission *e = &g_array_index(svc->batch, Emission, i);

    if (e->props != 0)
      continue;
    if ((r = sd_bus_message_open_container(m, SD_BUS_TYPE_STRUCT, "ouuu")) >= 0 &&
        (r = sd_bus_message_append_basic(m, SD_BUS_TYPE_OBJECT_PATH,
                                         om_object_get_path(e->obj))) >= 0 &&
        (r = append_u(m, e->type)) >= 0 && (r = append_u(m, e->old_state)) >= 0 &&
        (r = append_u(m, e->new_state)) >= 0)
      r = sd_bus_message_close_container(m);
  }
  if (r >= 0)
    r = sd_bus_message_close_container(m);
  if (r >= 0)
    r = sd_bus_send(svc->bus, m, NULL);
  return r;
}

static int
send_phase(OmBusService *svc, const Emission *e)
{
  g_autoptr(sd_bus_message) m = NULL;
  int r;

  r = sd_bus_message_new_signal(svc->bus, &m, om_object_get_path(e->obj), OM_IFACE_OFFLINE,
                                OM_SIGNAL_STATE_CHANGED);
  if (r >= 0 && (r = append_u(m, e->type)) >= 0 && (r = append_u(m, OM_STATE_MASK)) >= 0 &&
      (r = append_u(m, e->old_state)) >= 0 && (r = append_u(m, e->new_state)) >= 0)
    r = sd_bus_send(svc->bus, m, NULL);
  return r;
}

/* The Offline interface's PropertiesChanged, built here rather than by
 * sd_bus_emit_properties_changed(), which finds the object through the fallback vtable
 * and its getters again: that took four times the instructions, for every object in
 * every transition (bench/REPORT.md). The values are the getters' at the time. */
static int
send_offline_changed(OmBusService *svc, const Emission *e)
{
  g_autoptr(sd_bus_message) m = NULL;
  uint32_t state = e->state, requested = e->requested;
  int transitioning = e->transitioning;
  int r;

  r = sd_bus_message_new_signal(svc->bus, &m, om_object_get_path(e->obj),
                                "org.freedesktop.DBus.Properties", "PropertiesChanged");
  if (r >= 0)
    r = sd_bus_message_append_basic(m, SD_BUS_TYPE_STRING, OM_IFACE_OFFLINE);
  if (r >= 0)
    r = sd_bus_message_open_container(m, SD_BUS_TYPE_ARRAY, "{sv}");
  if (r >= 0 && (e->props & OM_PROP_STATE))
    r = append_property(m, "State", SD_BUS_TYPE_UINT32, &state);
  if (r >= 0 && (e->props & OM_PROP_REQUESTED_STATE))
    r = append_property(m, "RequestedState", SD_BUS_TYPE_UINT32, &requested);
  if (r >= 0 && (e->props & OM_PROP_REASON))
    r = append_property(m, "Reason", SD_BUS_TYPE_STRING,
                        om_reason_to_string((OmReason)e->reason));
  if (r >= 0 && (e->props & OM_PROP_TRANSITIONING))
    r = append_property(m, "Transitioning", SD_BUS_TYPE_BOOLEAN, &transitioning);
  if (r >= 0)
    r = sd_bus_message_close_container(m);
  if (r >= 0)
    r = sd_bus_message_open_container(m, SD_BUS_TYPE_ARRAY, "s");
  if (r >= 0)
    r = sd_bus_message_close_container(m);
  if (r >= 0)
    r = sd_bus_send(svc->bus, m, NULL);
  return r;
}

/* Sends the batch: StatesChanged first, then each object's signals in their order. At
 * the end of the turn, and before anything else is sent or read, so that nothing
 * overtakes the signals of what happened before it. */
static void
send_batch(OmBusService *svc)
{
  int r;

  if (svc->batch->len == 0)
    return;
  g_clear_handle_id(&svc->batch_id, g_source_remove);
  r = send_states_changed(svc);
  if (r < 0)
    g_warning("Cannot emit StatesChanged: %s", g_strerror(-r));
  for (guint i = 0; i < svc->batch->len; i++) {
    const Emission *e = &g_array_index(svc->batch, Emission, i);

    r = e->props == 0 ? send_phase(svc, e) : send_offline_changed(svc, e);
    if (r < 0)
      g_warning("Cannot emit %s on %s: %s",
                e->props == 0 ? "StateChanged" : "PropertiesChanged",
                om_object_get_path(e->obj), g_strerror(-r));
  }
  g_array_set_size(svc->batch, 0);
}

static gboolean
on_batch_idle(gpointer user_data)
{
  OmBusService *svc = user_data;

  svc->batch_id = 0;
  send_batch(svc);
  return G_SOURCE_REMOVE;
}

void
om_bus_service_send_changes(OmBusService *svc)
{
  send_batch(svc);
}

/* Every incoming message, before sd-bus dispatches it: a call is answered, and a reply
 * handled, only after the signals of what happened before it. */
static int
on_incoming(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
  send_batch(userdata);
  return 0;
}

void
om_bus_service_network_changed(OmBusService *svc, OmNetworkFacts changed)
{
  const char *names[G_N_ELEMENTS(network_properties) + 1];
  guint n = 0;

  for (guint i = 0; i < G_N_ELEMENTS(network_properties); i++)
    if (changed & network_properties[i].fact)
      names[n++] = network_properties[i].property;
  names[n] = NULL;
  emit_changed(svc, OM_ROOT_PATH, OM_IFACE_MANAGER, names);
}

void
om_bus_service_transition_done(OmBusService *svc, OmObject *obj)
{
  BusObject *bo = om_object_is_global(obj) ? &svc->global :
                  g_hash_table_lookup(svc->accounts, om_object_get_id(obj));

  if (bo != NULL)
    complete_waiter(bo, NULL);
}

/* ---- accounts ---- */

static void
bus_object_free(BusObject *bo)
{
  /* Only at exit does a waiter remain here: it gets no answer from a daemon that is
   * exiting, and its caller sees the connection's end. */
  sd_bus_message_unref(bo->waiter);
  g_free(bo);
}

void
om_bus_service_add_account(OmBusService *svc, OmObject *account)
{
  BusObject *bo = g_new0(BusObject, 1);
  int r;

  bo->svc = svc;
  bo->obj = account;
  g_hash_table_replace(svc->accounts, g_strdup(om_object_get_id(account)), bo);
  if (!may_emit(svc))
    return;
  send_batch(svc);
  r = sd_bus_emit_object_added(svc->bus, om_object_get_path(account));
  if (r < 0)
    g_warning("Cannot emit InterfacesAdded for %s: %s", om_object_get_path(account),
              g_strerror(-r));
}

void
om_bus_service_remove_account(OmBusService *svc, OmObject *account)
{
  const char *id = om_object_get_id(account);
  BusObject *bo = g_hash_table_lookup(svc->accounts, id);
  g_autoptr(GError) error = NULL;
  int r;

  if (bo == NULL)
    return;
  error = g_error_new(OM_ERROR, OM_ERROR_NOT_FOUND, "Account '%s' was removed", id);
  complete_waiter(bo, error);
  /* Before the record goes: sd-bus reads the object's interfaces through it. */
  send_batch(svc);
  if (may_emit(svc)) {
    r = sd_bus_emit_object_removed(svc->bus, om_object_get_path(account));
    if (r < 0)
      g_warning("Cannot emit InterfacesRemoved for %s: %s", om_object_get_path(account),
                g_strerror(-r));
  }
  g_hash_table_remove(svc->accounts, id);
}

/* ---- the name, the connection ---- */

static int
on_name_lost(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
  OmBusService *svc = userdata;
  const char *name;

  if (sd_bus_message_read(m, "s", &name) >= 0 && g_str_equal(name, OM_BUS_NAME)) {
    g_message("Replaced by another instance; exiting");
    svc->handlers.stop(0, svc->user_data);
  }
  return 0;
}

static int
on_name_acquired(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
  OmBusService *svc = userdata;
  const sd_bus_error *error = sd_bus_message_get_error(reply);
  uint32_t result;

  if (error != NULL) {
    g_printerr("Cannot own %s: %s\n", OM_BUS_NAME, error->message);
    svc->handlers.stop(1, svc->user_data);
    return 0;
  }
  /* DBUS_REQUEST_NAME_REPLY_PRIMARY_OWNER or _ALREADY_OWNER. */
  if (sd_bus_message_read(reply, "u", &result) < 0 || (result != 1 && result != 4)) {
    g_printerr("Cannot own %s: another instance has it (use --replace to take over)\n",
               OM_BUS_NAME);
    svc->handlers.stop(1, svc->user_data);
    return 0;
  }
  svc->handlers.name_acquired(svc->user_data);
  return 0;
}

int
om_bus_service_start(OmBusService *svc, OmObject *global, const OmNetworkSnapshot *network,
                     gboolean replace)
{
  uint64_t flags = SD_BUS_NAME_ALLOW_REPLACEMENT;
  int r;

  svc->global.obj = global;
  svc->net = network;
  if ((r = sd_bus_add_object_vtable(svc->bus, NULL, OM_ROOT_PATH, OM_IFACE_OFFLINE,
                                    offline_vtable, &svc->global)) < 0 ||
      (r = sd_bus_add_object_vtable(svc->bus, NULL, OM_ROOT_PATH, OM_IFACE_MANAGER,
                                    manager_vtable, svc)) < 0 ||
      (r = sd_bus_add_object_manager(svc->bus, NULL, OM_ROOT_PATH)) < 0 ||
      (r = sd_bus_add_fallback_vtable(svc->bus, NULL, OM_ACCOUNT_PATH_PREFIX, OM_IFACE_OFFLINE,
                                      offline_vtable, find_account, svc)) < 0 ||
      (r = sd_bus_add_fallback_vtable(svc->bus, NULL, OM_ACCOUNT_PATH_PREFIX, OM_IFACE_ACCOUNT,
                                      account_vtable, find_account, svc)) < 0 ||
      (r = sd_bus_add_node_enumerator(svc->bus, NULL, OM_ACCOUNT_PATH_PREFIX,
                                      enumerate_accounts, svc)) < 0)
    return r;
  svc->exported = TRUE;
  if ((r = sd_bus_match_signal(svc->bus, &svc->name_lost, "org.freedesktop.DBus",
                               "/org/freedesktop/DBus", "org.freedesktop.DBus", "NameLost",
                               on_name_lost, svc)) < 0)
    return r;
  if (replace)
    flags |= SD_BUS_NAME_REPLACE_EXISTING;
  return sd_bus_request_name_async(svc->bus, NULL, OM_BUS_NAME, flags, on_name_acquired, svc);
}

static int
on_when_sent(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
  OmBusService *svc = userdata;

  svc->when_sent_call = sd_bus_slot_unref(svc->when_sent_call);
  svc->when_sent(svc->when_sent_data);
  return 0;
}

void
om_bus_service_when_sent(OmBusService *svc, void (*done)(gpointer user_data),
                         gpointer user_data)
{
  int r;

  send_batch(svc);
  svc->when_sent_call = sd_bus_slot_unref(svc->when_sent_call);
  svc->when_sent = done;
  svc->when_sent_data = user_data;
  r = sd_bus_call_method_async(svc->bus, &svc->when_sent_call, "org.freedesktop.DBus",
                               "/org/freedesktop/DBus", "org.freedesktop.DBus", "GetId",
                               on_when_sent, svc, "");
  if (r < 0) {
    g_warning("Cannot confirm that notifications were sent: %s", g_strerror(-r));
    done(user_data);
  }
}

void
om_bus_service_flush(OmBusService *svc)
{
  gint64 deadline = g_get_monotonic_time() + FLUSH_TIMEOUT_S * G_USEC_PER_SEC;

  send_batch(svc);
  /* Messages that arrive meanwhile are still answered. */
  for (;;) {
    uint64_t queued = 0;
    gint64 now = g_get_monotonic_time();
    int r;

    if (sd_bus_get_n_queued_write(svc->bus, &queued) < 0 || queued == 0)
      return;
    if (now >= deadline) {
      g_warning("Exiting with %" PRIu64 " messages unsent: the session bus does not take them",
                queued);
      return;
    }
    r = sd_bus_process(svc->bus, NULL);
    if (r < 0)
      return;
    if (r == 0)
      sd_bus_wait(svc->bus, (uint64_t)(deadline - now));
  }
}

static void
on_bus_lost(sd_bus *bus, gpointer user_data)
{
  OmBusService *svc = user_data;

  g_warning("Lost the session bus; exiting");
  svc->handlers.stop(1, svc->user_data);
}

sd_bus *
om_bus_service_get_bus(OmBusService *svc)
{
  return svc->bus;
}

OmBusService *
om_bus_service_new(const OmBusServiceHandlers *handlers, gpointer user_data, GError **error)
{
  g_autoptr(sd_bus) bus = NULL;
  OmBusService *svc;
  int r;

  r = sd_bus_open_user(&bus);
  if (r < 0) {
    g_set_error(error, G_IO_ERROR, g_io_error_from_errno(-r),
                "Cannot connect to the session bus: %s", g_strerror(-r));
    return NULL;
  }
  svc = g_new0(OmBusService, 1);
  svc->bus = g_steal_pointer(&bus);
  svc->handlers = *handlers;
  svc->user_data = user_data;
  svc->global.svc = svc;
  svc->accounts = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                        (GDestroyNotify)bus_object_free);
  svc->batch = g_array_new(FALSE, TRUE, sizeof(Emission));
  r = sd_bus_add_filter(svc->bus, &svc->incoming, on_incoming, svc);
  if (r < 0) {
    g_set_error(error, G_IO_ERROR, g_io_error_from_errno(-r),
                "Cannot set up the session bus connection: %s", g_strerror(-r));
    om_bus_service_free(svc);
    return NULL;
  }
  svc->source = om_bus_source_attach(svc->bus, NULL, on_bus_lost, svc);
  return svc;
}

void
om_bus_service_free(OmBusService *svc)
{
  if (svc == NULL)
    return;
  svc->exported = FALSE;
  g_clear_handle_id(&svc->batch_id, g_source_remove);
  g_array_unref(svc->batch);
  svc->incoming = sd_bus_slot_unref(svc->incoming);
  g_clear_pointer(&svc->global.waiter, sd_bus_message_unref);
  g_hash_table_unref(svc->accounts);
  svc->name_lost = sd_bus_slot_unref(svc->name_lost);
  svc->when_sent_call = sd_bus_slot_unref(svc->when_sent_call);
  if (svc->source != NULL) {
    g_source_destroy(svc->source);
    g_source_unref(svc->source);
  }
  sd_bus_close(svc->bus);
  sd_bus_unref(svc->bus);
  g_free(svc);
}
