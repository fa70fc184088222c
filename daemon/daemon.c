#include "daemon.h"

#include <signal.h>

#include <glib-unix.h>

#include "account-registry.h"
#include "bus-service.h"
#include "config.h"
#include "daemon-config.h"
#include "durable-file.h"
#include "network-monitor.h"
#include "offlinemgr-bus.h"
#include "online-targets.h"
#include "service-status.h"
#include "state-store.h"

struct OmDaemon {
  gboolean replace;
  char *config_path;      /* offlinemgrd.conf */
  char *accounts_dir;
  char *discovered_dir;   /* the user's settings for discovered accounts */
  char *state_path;       /* requested-state */

  GMainLoop *loop;
  int exit_status;
  guint signal_ids[3];

  OmDaemonConfig config;
  OmStateStore *state_store;
  OmServiceStatus *status;
  OmNetworkMonitor *monitor;
  OmNetworkSnapshot net;  /* what the objects read; a copy of the monitor's */
  OmState global_requested;

  OmObjectContext ctx;
  OmObject *global;
  OmAccountRegistry *accounts;
  OmBusService *bus;
  OmOnlineTargets *online_targets;  /* once the bus name is ours */
};

static void
quit(OmDaemon *d, int status)
{
  d->exit_status = status;
  g_main_loop_quit(d->loop);
}

/* ---- what the objects do ---- */

static void
on_emit_phase(OmObject *obj, OmNotifyType type, OmState old_state, OmState new_state,
              gpointer user_data)
{
  OmDaemon *d = user_data;

  om_bus_service_emit_phase(d->bus, obj, type, old_state, new_state);
  if (type != OM_NOTIFY_DONE)
    return;
  /* The global object's transitions go to the journal; per-account ones only with
   * --verbose, because thousands of accounts may change at once and GLib formats a
   * message even when no handler prints it. */
  if (om_object_is_global(obj))
    g_message("global: %s → %s%s%s", om_state_to_string(old_state),
              om_state_to_string(new_state),
              om_object_get_reason(obj) != OM_REASON_NONE ? ", " : "",
              om_reason_to_string(om_object_get_reason(obj)));
  else if (g_log_get_debug_enabled())
    g_debug("%s: %s → %s%s%s", om_object_get_id(obj), om_state_to_string(old_state),
            om_state_to_string(new_state),
            om_object_get_reason(obj) != OM_REASON_NONE ? ", " : "",
            om_reason_to_string(om_object_get_reason(obj)));
}

static void
on_emit_properties(OmObject *obj, OmObjectProps changed, gpointer user_data)
{
  OmDaemon *d = user_data;

  om_bus_service_emit_properties(d->bus, obj, changed);
}

static void
on_transition_done(OmObject *obj, gpointer user_data)
{
  OmDaemon *d = user_data;

  om_bus_service_transition_done(d->bus, obj);
  om_online_targets_update(d->online_targets,
                           om_object_is_global(obj) ? NULL : om_object_get_id(obj),
                           om_object_get_state(obj));
  om_service_status_changed(d->status);
}

/* ---- what the registry does ---- */

static void
on_account_added(OmObject *account, gpointer user_data)
{
  OmDaemon *d = user_data;

  om_bus_service_add_account(d->bus, account);
  om_online_targets_update(d->online_targets, om_object_get_id(account),
                           om_object_get_state(account));
}

static void
on_account_removed(OmObject *account, gpointer user_data)
{
  OmDaemon *d = user_data;

  om_bus_service_remove_account(d->bus, account);
  om_online_targets_remove(d->online_targets, om_object_get_id(account));
}

static void
summarize(OmServiceSummary *summary, gpointer user_data)
{
  OmDaemon *d = user_data;

  summary->n_accounts = om_account_registry_count(d->accounts);
  summary->n_online = om_account_registry_count_online(d->accounts);
  summary->global_state = om_object_get_state(d->global);
  summary->global_reason = om_object_get_reason(d->global);
}

/* ---- what clients ask (the bus face's handlers) ---- */

static gboolean
set_requested(OmObject *obj, OmState requested, GError **error, gpointer user_data)
{
  OmDaemon *d = user_data;

  if (om_object_get_requested(obj) == requested)
    return TRUE;
  if (!om_object_is_global(obj))
    return om_account_registry_set_requested(d->accounts, obj, requested, error);
  if (!om_service_status_saved(d->status,
                               om_state_store_set_global(d->state_store, requested, error)))
    return FALSE;
  d->global_requested = requested;
  om_object_set_requested(obj, requested);
  om_account_registry_update_all(d->accounts, OM_CAUSE_USER);
  om_service_status_changed(d->status);
  return TRUE;
}

static OmObject *
add_account(const char *id, const OmAccountSettings *settings, GError **error,
            gpointer user_data)
{
  OmDaemon *d = user_data;

  return om_account_registry_add(d->accounts, id, settings, error);
}

static gboolean
update_account(OmObject *account, const OmAccountSettings *settings,
               const gboolean given[OM_N_SETTINGS], GError **error, gpointer user_data)
{
  OmDaemon *d = user_data;

  return om_account_registry_update(d->accounts, account, settings, given, error);
}

static gboolean
remove_account(OmObject *account, GError **error, gpointer user_data)
{
  OmDaemon *d = user_data;

  return om_account_registry_remove(d->accounts, account, error);
}

static const char *
account_origin(OmObject *account, gpointer user_data)
{
  OmDaemon *d = user_data;

  return om_account_registry_get_origin(d->accounts, account);
}

static void
load_config(OmDaemon *d)
{
  g_autoptr(GError) error = NULL;

  if (!om_daemon_config_load(&d->config, d->config_path, &error))
    g_warning("Ignoring %s: %s", d->config_path, error->message);
  g_debug("Policy: OfflineDelayMs=%u OnlineDelayMs=%u ProbeTimeoutMs=%u",
          d->config.offline_delay_ms, d->config.online_delay_ms, d->config.probe_timeout_ms);
}

/* Re-reads offlinemgrd.conf and every account file. */
static void
reload(gpointer user_data)
{
  OmDaemon *d = user_data;

  g_message("Reloading configuration and accounts");
  load_config(d);
  /* Before the first network snapshot (a SIGHUP during start-up) no account is loaded
   * yet: the start loads them, with the network known, and watches for changes. */
  if (d->global != NULL) {
    om_account_registry_reload(d->accounts);
    om_account_registry_set_sources(d->accounts, om_bus_service_get_bus(d->bus),
                                    d->config.source_goa, d->config.source_eds);
  }
}

static void
update_account_target(OmObject *account, gpointer user_data)
{
  OmDaemon *d = user_data;

  om_online_targets_update(d->online_targets, om_object_get_id(account),
                           om_object_get_state(account));
}

static void
on_name_acquired(gpointer user_data)
{
  OmDaemon *d = user_data;

  om_object_start(d->global);
  om_account_registry_start(d->accounts);
  /* The targets follow the states the clients can now see; the user manager is on the
   * same bus. */
  if (d->online_targets == NULL)
    d->online_targets = om_online_targets_new(om_bus_service_get_bus(d->bus));
  om_online_targets_update(d->online_targets, NULL, om_object_get_state(d->global));
  om_account_registry_foreach(d->accounts, update_account_target, d);
  g_message("offlinemgrd %s ready: %s", OM_VERSION, om_service_status_ready(d->status));
}

static void
on_bus_stop(int status, gpointer user_data)
{
  quit(user_data, status);
}

/* ---- the network ---- */

static void
allow_sleep(gpointer user_data)
{
  OmDaemon *d = user_data;

  om_network_monitor_allow_sleep(d->monitor);
}

static void
on_network_changed(OmNetworkMonitor *monitor, OmNetworkChange change, gpointer user_data)
{
  OmDaemon *d = user_data;
  const OmNetworkSnapshot *latest = om_network_monitor_get_snapshot(monitor);
  OmNetworkFacts changed = om_network_snapshot_diff(&d->net, latest);
  OmCause cause = OM_CAUSE_NETWORK;

  om_network_snapshot_clear(&d->net);
  om_network_snapshot_copy(&d->net, latest);
  if (change & OM_NETWORK_CHANGE_SUSPEND)
    cause = d->net.suspended ? OM_CAUSE_SUSPEND : OM_CAUSE_RESUME;

  /* The accounts' transitions go out first: they are what mail applications act on, and
   * every message sent before an account's DONE delays it (the bus routes them in
   * order). The global object and the Manager's network properties, which are
   * informational for most clients, follow. All state is updated before any message is
   * read, so a client that queries on DONE sees the whole new picture. */
  om_account_registry_update_all(d->accounts, cause);
  om_object_update(d->global, cause);
  if (changed != 0)
    om_bus_service_network_changed(d->bus, changed);
  om_bus_service_send_changes(d->bus);
  om_service_status_changed(d->status);
  /* The machine may sleep once the OFFLINE notifications have left. */
  if (cause == OM_CAUSE_SUSPEND)
    om_bus_service_when_sent(d->bus, allow_sleep, d);
}

/* ---- start-up ---- */

static void
on_network_ready(OmNetworkMonitor *monitor, gpointer user_data)
{
  OmDaemon *d = user_data;

  om_network_snapshot_clear(&d->net);
  om_network_snapshot_copy(&d->net, om_network_monitor_get_snapshot(monitor));
  g_message("Network backend: %s", om_backend_to_string(d->net.backend));

  d->global = om_object_new_global(&d->ctx, OM_ROOT_PATH, d->global_requested);
  om_account_registry_load(d->accounts);
  om_account_registry_set_sources(d->accounts, om_bus_service_get_bus(d->bus),
                                  d->config.source_goa, d->config.source_eds);
  if (d->net.suspended)
    om_bus_service_when_sent(d->bus, allow_sleep, d);
  /* Clients see the discovered accounts from the first moment. */
  om_account_registry_await_sources(d->accounts);
}

static void
on_sources_settled(gpointer user_data)
{
  OmDaemon *d = user_data;
  int r;

  r = om_bus_service_start(d->bus, d->global, &d->net, d->replace);
  if (r < 0) {
    g_printerr("Cannot export objects or request %s: %s\n", OM_BUS_NAME, g_strerror(-r));
    quit(d, 1);
  }
}

static gboolean
on_quit_signal(gpointer user_data)
{
  g_message("Exiting on signal");
  quit(user_data, 0);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_reload_signal(gpointer user_data)
{
  reload(user_data);
  return G_SOURCE_CONTINUE;
}

OmDaemon *
om_daemon_new(const OmDaemonOptions *options)
{
  OmDaemon *d = g_new0(OmDaemon, 1);
  g_autofree char *config_dir = g_strdup(options->config_dir);
  g_autofree char *state_dir = g_strdup(options->state_dir);

  if (config_dir == NULL)
    config_dir = g_build_filename(g_get_user_config_dir(), "offlinemgr", NULL);
  if (state_dir == NULL)
    state_dir = g_build_filename(g_get_user_state_dir(), "offlinemgr", NULL);
  d->replace = options->replace;
  d->config_path = g_build_filename(config_dir, "offlinemgrd.conf", NULL);
  d->accounts_dir = g_build_filename(config_dir, "accounts", NULL);
  d->discovered_dir = g_build_filename(config_dir, "discovered", NULL);
  d->state_path = g_build_filename(state_dir, "requested-state", NULL);
  d->loop = g_main_loop_new(NULL, FALSE);
  om_daemon_config_init(&d->config);
  om_network_snapshot_init(&d->net);
  d->state_store = om_state_store_new(d->state_path);
  d->ctx = (OmObjectContext){
    .net = &d->net,
    .config = &d->config,
    .global_requested = &d->global_requested,
    .emit_phase = on_emit_phase,
    .emit_properties = on_emit_properties,
    .transition_done = on_transition_done,
    .user_data = d,
  };
  return d;
}

int
om_daemon_run(OmDaemon *d)
{
  static const OmNetworkMonitorCallbacks monitor_callbacks = {
    .ready = on_network_ready,
    .changed = on_network_changed,
  };
  static const OmBusServiceHandlers bus_handlers = {
    .set_requested = set_requested,
    .add_account = add_account,
    .update_account = update_account,
    .remove_account = remove_account,
    .reload = reload,
    .origin = account_origin,
    .name_acquired = on_name_acquired,
    .stop = on_bus_stop,
  };
  static const OmAccountRegistryEvents account_events = {
    .added = on_account_added,
    .removed = on_account_removed,
    .sources_settled = on_sources_settled,
  };
  g_autoptr(GError) error = NULL;
  g_autofree char *state_dir = g_path_get_dirname(d->state_path);

  load_config(d);
  om_durable_remove_leftovers(d->accounts_dir);
  om_durable_remove_leftovers(d->discovered_dir);
  om_durable_remove_leftovers(state_dir);
  d->status = om_service_status_new(d->accounts_dir, state_dir, summarize, d);
  om_service_status_check_saving(d->status);
  if (!om_state_store_load(d->state_store, &error)) {
    g_warning("Cannot read the requested modes, starting with everything online: %s",
              error->message);
    g_clear_error(&error);
  }
  d->accounts = om_account_registry_new(d->accounts_dir, d->discovered_dir, &d->ctx, d->state_store, d->status,
                                        &account_events, d);
  om_account_registry_forget_stale_requests(d->accounts);
  d->global_requested = om_state_store_get_global(d->state_store);

  d->bus = om_bus_service_new(&bus_handlers, d, &error);
  if (d->bus == NULL) {
    g_printerr("%s\n", error->message);
    return 1;
  }

  d->signal_ids[0] = g_unix_signal_add(SIGTERM, on_quit_signal, d);
  d->signal_ids[1] = g_unix_signal_add(SIGINT, on_quit_signal, d);
  d->signal_ids[2] = g_unix_signal_add(SIGHUP, on_reload_signal, d);

  d->monitor = om_network_monitor_new(&monitor_callbacks, d);
  om_network_monitor_start(d->monitor);

  d->exit_status = 0;
  g_main_loop_run(d->loop);

  om_service_status_stopping(d->status);
  /* Every acknowledged change is already on disk; only pending messages remain. */
  om_bus_service_flush(d->bus);
  return d->exit_status;
}

void
om_daemon_free(OmDaemon *d)
{
  if (d == NULL)
    return;
  for (guint i = 0; i < G_N_ELEMENTS(d->signal_ids); i++)
    g_clear_handle_id(&d->signal_ids[i], g_source_remove);
  /* The objects first: freeing them emits nothing, and the bus face still holds them. */
  g_clear_pointer(&d->accounts, om_account_registry_free);
  g_clear_pointer(&d->global, om_object_free);
  /* Before the bus face, which closes the connection its calls are pending on. */
  g_clear_pointer(&d->online_targets, om_online_targets_free);
  g_clear_pointer(&d->monitor, om_network_monitor_free);
  g_clear_pointer(&d->bus, om_bus_service_free);
  g_clear_pointer(&d->status, om_service_status_free);
  g_clear_pointer(&d->state_store, om_state_store_free);
  om_network_snapshot_clear(&d->net);
  g_main_loop_unref(d->loop);
  g_free(d->config_path);
  g_free(d->accounts_dir);
  g_free(d->discovered_dir);
  g_free(d->state_path);
  g_free(d);
}
