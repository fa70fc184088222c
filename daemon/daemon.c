#include "daemon.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib-unix.h>
#include <systemd/sd-daemon.h>

#include "account-store.h"
#include "bus-service.h"
#include "bus-source.h"
#include "config.h"
#include "daemon-config.h"
#include "durable-file.h"
#include "errors.h"
#include "network-monitor.h"
#include "state-store.h"

struct OmDaemon {
  gboolean replace;
  char *config_path;     /* offlinemgrd.conf */
  char *accounts_dir;
  char *state_path;      /* requested-state */
  char *save_problem;    /* why changes cannot be saved, for the log and STATUS=; or NULL */

  GMainLoop *loop;
  int exit_status;
  guint signal_ids[3];
  guint watchdog_id;

  sd_bus *bus;           /* the session bus */
  GSource *bus_source;
  gboolean exported;
  gboolean ready;        /* the name is ours and READY=1 was sent */
  char *status;          /* the last STATUS= sent */
  guint status_id;       /* a STATUS= update is scheduled */

  OmDaemonConfig config;
  OmStateStore *state_store;
  OmAccountStore *account_store;
  OmNetworkMonitor *monitor;
  OmNetworkSnapshot net;  /* what the objects read; a copy of the monitor's */
  sd_bus_slot *sleep_call; /* the round trip before sleep is allowed */
  OmState global_requested;

  OmObjectContext ctx;
  OmObject *global;
  GHashTable *accounts;   /* id → OmObject*, owned */
  guint n_online;         /* accounts ONLINE */
};

/* ---- status ---- */

/* Computes the one-line summary and sends it as STATUS= if it changed. */
static void
send_status(OmDaemon *d)
{
  g_autofree char *status = NULL;
  guint n = g_hash_table_size(d->accounts);

  if (om_object_get_state(d->global) == OM_STATE_ONLINE)
    status = g_strdup_printf("%u account%s, %u online", n, n == 1 ? "" : "s", d->n_online);
  else
    status = g_strdup_printf("%u account%s, %u online; offline: %s", n, n == 1 ? "" : "s",
                             d->n_online,
                             om_reason_to_string(om_object_get_reason(d->global)));
  if (d->save_problem != NULL) {
    char *with_problem = g_strdup_printf("%s; cannot save: %s", status, d->save_problem);
    g_free(status);
    status = with_problem;
  }
  if (g_strcmp0(status, d->status) == 0)
    return;
  g_free(d->status);
  d->status = g_steal_pointer(&status);
  sd_notifyf(0, "STATUS=%s", d->status);
}

static gboolean
on_status_idle(gpointer user_data)
{
  OmDaemon *d = user_data;

  d->status_id = 0;
  send_status(d);
  return G_SOURCE_REMOVE;
}

/* Schedules one STATUS= after the current batch of changes: one network event may
 * change thousands of accounts, and each sd_notify() is a datagram that blocks while the
 * service manager's queue is full. */
static void
update_status(OmDaemon *d)
{
  if (d->ready && d->status_id == 0)
    d->status_id = g_idle_add_full(G_PRIORITY_LOW, on_status_idle, d, NULL);
}

/* Why files cannot be written in @dir, or NULL: it must be a writable directory, or be
 * missing with a writable directory as its nearest existing ancestor (the write creates
 * it; nothing is created here). */
static char *
cannot_write_in(const char *dir)
{
  g_autofree char *path = g_strdup(dir);
  struct stat st;

  while (lstat(path, &st) < 0) {
    char *parent;

    if (errno != ENOENT)
      return g_strdup_printf("%s: %s", path, g_strerror(errno));
    parent = g_path_get_dirname(path);
    if (g_str_equal(parent, path)) {
      g_free(parent);
      return g_strdup_printf("%s: %s", path, g_strerror(ENOENT));
    }
    g_free(path);
    path = parent;
  }
  if (!S_ISDIR(st.st_mode) && stat(path, &st) == 0 && !S_ISDIR(st.st_mode))
    return g_strdup_printf("%s: %s", path, g_strerror(ENOTDIR));
  if (access(path, W_OK | X_OK) < 0)
    return g_strdup_printf("%s: %s", path, g_strerror(errno));
  return NULL;
}

/* Whether changes can be saved in the accounts and the state directory. Run at start,
 * and after saves while there is a problem or when a save failed, so that the log and
 * STATUS= say why changes cannot be saved, and stop saying it once they can. */
static void
check_saving(OmDaemon *d)
{
  g_autofree char *state_dir = g_path_get_dirname(d->state_path);
  g_autofree char *problem = cannot_write_in(d->accounts_dir);

  if (problem == NULL)
    problem = cannot_write_in(state_dir);
  if (g_strcmp0(problem, d->save_problem) == 0)
    return;
  if (problem != NULL)
    g_warning("Changes cannot be saved: %s", problem);
  else
    g_message("Changes can be saved again");
  g_free(d->save_problem);
  d->save_problem = g_steal_pointer(&problem);
  update_status(d);
}

/* After an attempt to save: re-checks when it failed, or when a problem was known. */
static gboolean
saved(OmDaemon *d, gboolean ok)
{
  if (!ok || d->save_problem != NULL)
    check_saving(d);
  return ok;
}

/* ---- object context callbacks ---- */

static void
on_emit_phase(OmObject *obj, OmNotifyType type, OmState old_state, OmState new_state,
              gpointer user_data)
{
  OmDaemon *d = user_data;

  if (d->exported)
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

  if ((changed & OM_PROP_STATE) && !om_object_is_global(obj)) {
    if (om_object_get_state(obj) == OM_STATE_ONLINE)
      d->n_online++;
    else
      d->n_online--;
  }
  if (d->exported)
    om_bus_service_emit_properties(d->bus, obj, changed);
}

static void
on_transition_done(OmObject *obj, gpointer user_data)
{
  om_bus_service_complete_waiter(obj, NULL);
  update_status(user_data);
}

/* ---- accounts ---- */

static char *
account_path(const char *id)
{
  char *path = NULL;

  if (sd_bus_path_encode(OM_ACCOUNT_PATH_PREFIX, id, &path) < 0)
    g_error("Out of memory");
  return path;
}

static OmObject *
create_account(OmDaemon *d, const char *id, const OmAccountSettings *settings)
{
  g_autofree char *path = account_path(id);
  OmObject *obj = om_object_new_account(&d->ctx, path, id, settings,
                                        om_state_store_get_account(d->state_store, id));

  g_hash_table_insert(d->accounts, g_strdup(id), obj);
  if (om_object_get_state(obj) == OM_STATE_ONLINE)
    d->n_online++;
  if (d->exported)
    om_bus_service_emit_account_added(d->bus, obj);
  /* Before the name is ours, on_name_acquired() starts every object. */
  if (d->ready)
    om_object_start(obj);
  return obj;
}

static void
destroy_account(OmDaemon *d, OmObject *obj)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *id = g_strdup(om_object_get_id(obj));

  error = g_error_new(OM_ERROR, OM_ERROR_NOT_FOUND, "Account '%s' was removed", id);
  om_bus_service_complete_waiter(obj, error);
  if (d->exported)
    om_bus_service_emit_account_removed(d->bus, obj);
  if (om_object_get_state(obj) == OM_STATE_ONLINE)
    d->n_online--;
  g_hash_table_remove(d->accounts, id);
}

/* Brings the account @id in line with its file: added, changed, removed or broken. */
static void
reconcile_account(OmDaemon *d, const char *id)
{
  OmObject *obj = g_hash_table_lookup(d->accounts, id);
  g_auto(OmAccountSettings) settings;
  g_autoptr(GError) error = NULL;

  om_account_settings_init(&settings);
  if (!om_account_store_load(d->account_store, id, &settings, &error)) {
    if (g_error_matches(error, G_FILE_ERROR, G_FILE_ERROR_NOENT)) {
      g_autoptr(GError) state_error = NULL;

      if (obj != NULL) {
        g_message("Account %s: its file was removed", id);
        destroy_account(d, obj);
        update_status(d);
      }
      /* Also when the file never loaded (it did not parse): its request is kept only
       * while the file may still be fixed, as forget_stale_requests() does at start. */
      if (!om_state_store_remove_account(d->state_store, id, &state_error))
        g_warning("%s", state_error->message);
      return;
    }
    /* The file exists but cannot be used: it is left alone, and an account already
     * known keeps its last good settings. */
    g_warning("Cannot load account %s: %s%s", id, error->message,
              obj != NULL ? " (keeping its last good settings)" : "");
    if (obj != NULL)
      om_object_set_file_broken(obj, TRUE);
    return;
  }
  if (obj != NULL) {
    om_object_set_file_broken(obj, FALSE);
    om_object_set_settings(obj, &settings);
    return;
  }
  if (g_hash_table_size(d->accounts) >= OM_ACCOUNTS_MAX) {
    g_warning("Not loading account %s: the limit of %d accounts is reached", id,
              OM_ACCOUNTS_MAX);
    return;
  }
  create_account(d, id, &settings);
  update_status(d);
}

static void
on_account_file_changed(const char *id, gpointer user_data)
{
  reconcile_account(user_data, id);
}

/* Every account file, and every account known in memory, reconciled. */
static void
reconcile_all_accounts(OmDaemon *d)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) ids = om_account_store_list(d->account_store, &error);
  g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) gone = g_ptr_array_new_with_free_func(g_free);
  GHashTableIter iter;
  gpointer key;

  if (ids == NULL) {
    g_warning("Cannot list accounts: %s", error->message);
    return;
  }
  for (guint i = 0; i < ids->len; i++) {
    reconcile_account(d, g_ptr_array_index(ids, i));
    g_hash_table_add(seen, g_ptr_array_index(ids, i));
  }
  g_hash_table_iter_init(&iter, d->accounts);
  while (g_hash_table_iter_next(&iter, &key, NULL))
    if (!g_hash_table_contains(seen, key))
      g_ptr_array_add(gone, g_strdup(key));
  for (guint i = 0; i < gone->len; i++)
    reconcile_account(d, g_ptr_array_index(gone, i));
}

/* ---- API for the bus layer ---- */

OmObject *
om_daemon_get_global(OmDaemon *d)
{
  return d->global;
}

OmObject *
om_daemon_lookup_account(OmDaemon *d, const char *id)
{
  return g_hash_table_lookup(d->accounts, id);
}

GHashTable *
om_daemon_get_accounts(OmDaemon *d)
{
  return d->accounts;
}

const OmNetworkSnapshot *
om_daemon_get_network(OmDaemon *d)
{
  return &d->net;
}

gboolean
om_daemon_set_requested(OmDaemon *d, OmObject *obj, OmState requested, GError **error)
{
  GHashTableIter iter;
  gpointer value;

  if (om_object_get_requested(obj) == requested)
    return TRUE;
  if (!om_object_is_global(obj)) {
    if (!saved(d, om_state_store_set_account(d->state_store, om_object_get_id(obj), requested,
                                             error)))
      return FALSE;
    om_object_set_requested(obj, requested);
    return TRUE;
  }
  if (!saved(d, om_state_store_set_global(d->state_store, requested, error)))
    return FALSE;
  d->global_requested = requested;
  om_object_set_requested(obj, requested);
  g_hash_table_iter_init(&iter, d->accounts);
  while (g_hash_table_iter_next(&iter, NULL, &value))
    om_object_update(value, OM_CAUSE_USER);
  update_status(d);
  return TRUE;
}

OmObject *
om_daemon_add_account(OmDaemon *d, const char *id, const OmAccountSettings *settings,
                      GError **error)
{
  OmObject *obj;

  if (g_hash_table_contains(d->accounts, id)) {
    g_set_error(error, OM_ERROR, OM_ERROR_ALREADY_EXISTS, "Account '%s' already exists", id);
    return NULL;
  }
  if (om_account_store_exists(d->account_store, id)) {
    g_set_error(error, OM_ERROR, OM_ERROR_ALREADY_EXISTS,
                "A file for account '%s' exists in %s but cannot be loaded; fix or remove it",
                id, om_account_store_get_dir(d->account_store));
    return NULL;
  }
  if (g_hash_table_size(d->accounts) >= OM_ACCOUNTS_MAX) {
    g_set_error(error, OM_ERROR, OM_ERROR_LIMIT_EXCEEDED,
                "There are already %d accounts, the most allowed", OM_ACCOUNTS_MAX);
    return NULL;
  }
  if (!om_account_settings_check(settings, error) ||
      !saved(d, om_account_store_save(d->account_store, id, settings, error)))
    return NULL;
  obj = create_account(d, id, settings);
  update_status(d);
  return obj;
}

gboolean
om_daemon_update_account(OmDaemon *d, OmObject *obj, const OmAccountSettings *settings,
                         GError **error)
{
  if (!om_account_settings_check(settings, error) ||
      !saved(d, om_account_store_save(d->account_store, om_object_get_id(obj), settings, error)))
    return FALSE;
  om_object_set_file_broken(obj, FALSE);
  om_object_set_settings(obj, settings);
  return TRUE;
}

gboolean
om_daemon_remove_account(OmDaemon *d, OmObject *obj, GError **error)
{
  g_autofree char *id = g_strdup(om_object_get_id(obj));
  g_autoptr(GError) state_error = NULL;

  if (!saved(d, om_account_store_delete(d->account_store, id, error)))
    return FALSE;
  destroy_account(d, obj);
  /* The account is gone either way; a stale entry is cleaned up at the next start. */
  if (!om_state_store_remove_account(d->state_store, id, &state_error))
    g_warning("%s", state_error->message);
  update_status(d);
  return TRUE;
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

void
om_daemon_reload(OmDaemon *d)
{
  g_message("Reloading configuration and accounts");
  load_config(d);
  /* Before the first network snapshot (a SIGHUP during start-up) no account is loaded
   * yet: the start loads them, with the network known, and watches for changes. */
  if (d->global != NULL)
    reconcile_all_accounts(d);
}

/* ---- network ---- */

/* Whether the ActiveConnections property (the ids of activated connections, in the
 * snapshot's order) reads the same for both. */
static gboolean
active_ids_equal(const OmNetworkSnapshot *a, const OmNetworkSnapshot *b)
{
  guint i = 0, j = 0;

  for (;;) {
    const OmActiveConnection *x = NULL, *y = NULL;

    for (; i < a->active->len && x == NULL; i++) {
      const OmActiveConnection *c = g_ptr_array_index(a->active, i);
      if (c->state == OM_NM_ACTIVE_CONNECTION_STATE_ACTIVATED && c->id != NULL)
        x = c;
    }
    for (; j < b->active->len && y == NULL; j++) {
      const OmActiveConnection *c = g_ptr_array_index(b->active, j);
      if (c->state == OM_NM_ACTIVE_CONNECTION_STATE_ACTIVATED && c->id != NULL)
        y = c;
    }
    if (x == NULL || y == NULL)
      return x == y;
    if (!g_str_equal(x->id, y->id))
      return FALSE;
  }
}

static OmManagerProps
manager_props_diff(const OmNetworkSnapshot *a, const OmNetworkSnapshot *b)
{
  OmManagerProps changed = 0;
  gboolean metered_a = a->metered == OM_NM_METERED_YES || a->metered == OM_NM_METERED_GUESS_YES;
  gboolean metered_b = b->metered == OM_NM_METERED_YES || b->metered == OM_NM_METERED_GUESS_YES;

  if (a->backend != b->backend)
    changed |= OM_MANAGER_PROP_NETWORK_BACKEND;
  if (a->nm_state != b->nm_state)
    changed |= OM_MANAGER_PROP_NETWORK_STATE;
  if (a->connectivity != b->connectivity)
    changed |= OM_MANAGER_PROP_CONNECTIVITY;
  if (metered_a != metered_b)
    changed |= OM_MANAGER_PROP_METERED;
  if (!active_ids_equal(a, b))
    changed |= OM_MANAGER_PROP_ACTIVE_CONNECTIONS;
  return changed;
}

static int
on_sleep_notifications_sent(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
  OmDaemon *d = userdata;

  d->sleep_call = sd_bus_slot_unref(d->sleep_call);
  om_network_monitor_allow_sleep(d->monitor);
  return 0;
}

/* Lets the machine sleep once the OFFLINE notifications have left: a round trip to the
 * session bus driver is answered only after everything sent before it was taken. */
static void
allow_sleep_after_notifications(OmDaemon *d)
{
  int r;

  d->sleep_call = sd_bus_slot_unref(d->sleep_call);
  r = sd_bus_call_method_async(d->bus, &d->sleep_call, "org.freedesktop.DBus",
                               "/org/freedesktop/DBus", "org.freedesktop.DBus", "GetId",
                               on_sleep_notifications_sent, d, "");
  if (r < 0) {
    g_warning("Cannot confirm that notifications were sent: %s", g_strerror(-r));
    om_network_monitor_allow_sleep(d->monitor);
  }
}

static void
on_network_changed(OmNetworkMonitor *monitor, OmNetworkChange change, gpointer user_data)
{
  OmDaemon *d = user_data;
  const OmNetworkSnapshot *latest = om_network_monitor_get_snapshot(monitor);
  OmManagerProps changed = manager_props_diff(&d->net, latest);
  OmCause cause = OM_CAUSE_NETWORK;
  GHashTableIter iter;
  gpointer value;

  om_network_snapshot_clear(&d->net);
  om_network_snapshot_copy(&d->net, latest);
  if (change & OM_NETWORK_CHANGE_SUSPEND)
    cause = d->net.suspended ? OM_CAUSE_SUSPEND : OM_CAUSE_RESUME;

  /* The accounts' transitions go out first: they are what mail applications act on, and
   * every message sent before an account's DONE delays it (the bus routes them in
   * order). The global object and the Manager's network properties, which are
   * informational for most clients, follow. All state is updated before any message is
   * read, so a client that queries on DONE sees the whole new picture. */
  g_hash_table_iter_init(&iter, d->accounts);
  while (g_hash_table_iter_next(&iter, NULL, &value))
    om_object_update(value, cause);
  om_object_update(d->global, cause);
  if (changed != 0 && d->exported)
    om_bus_service_emit_manager_properties(d->bus, changed);
  update_status(d);
  if (cause == OM_CAUSE_SUSPEND)
    allow_sleep_after_notifications(d);
}

/* ---- start-up ---- */

/* Sends what is queued, for at most FLUSH_TIMEOUT_S: sd_bus_flush() would wait forever for
 * a bus that stopped reading from us (see bus-service.c), and then the daemon would not
 * stop either. Messages that arrive meanwhile are still answered. */
#define FLUSH_TIMEOUT_S 2

static void
flush_bounded(sd_bus *bus)
{
  gint64 deadline = g_get_monotonic_time() + FLUSH_TIMEOUT_S * G_USEC_PER_SEC;

  for (;;) {
    uint64_t queued = 0;
    gint64 now = g_get_monotonic_time();
    int r;

    if (sd_bus_get_n_queued_write(bus, &queued) < 0 || queued == 0)
      return;
    if (now >= deadline) {
      g_warning("Exiting with %" PRIu64 " messages unsent: the session bus does not take them",
                queued);
      return;
    }
    r = sd_bus_process(bus, NULL);
    if (r < 0)
      return;
    if (r == 0)
      sd_bus_wait(bus, (uint64_t)(deadline - now));
  }
}

static void
quit(OmDaemon *d, int status)
{
  d->exit_status = status;
  g_main_loop_quit(d->loop);
}

static int
on_name_lost(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
  const char *name;

  if (sd_bus_message_read(m, "s", &name) >= 0 && g_str_equal(name, OM_BUS_NAME)) {
    g_message("Replaced by another instance; exiting");
    quit(userdata, 0);
  }
  return 0;
}

static int
on_name_acquired(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
  OmDaemon *d = userdata;
  const sd_bus_error *error = sd_bus_message_get_error(reply);
  GHashTableIter iter;
  gpointer value;
  uint32_t result;

  if (error != NULL) {
    g_printerr("Cannot own %s: %s\n", OM_BUS_NAME, error->message);
    quit(d, 1);
    return 0;
  }
  if (sd_bus_message_read(reply, "u", &result) < 0 || (result != 1 && result != 4)) {
    g_printerr("Cannot own %s: another instance has it (use --replace to take over)\n",
               OM_BUS_NAME);
    quit(d, 1);
    return 0;
  }
  d->ready = TRUE;
  om_object_start(d->global);
  g_hash_table_iter_init(&iter, d->accounts);
  while (g_hash_table_iter_next(&iter, NULL, &value))
    om_object_start(value);
  send_status(d);
  sd_notify(0, "READY=1");
  g_message("offlinemgrd %s ready: %s", OM_VERSION, d->status);
  return 0;
}

static void
on_network_ready(OmNetworkMonitor *monitor, gpointer user_data)
{
  OmDaemon *d = user_data;
  g_autoptr(GError) error = NULL;
  uint64_t flags = SD_BUS_NAME_ALLOW_REPLACEMENT;
  int r;

  om_network_snapshot_clear(&d->net);
  om_network_snapshot_copy(&d->net, om_network_monitor_get_snapshot(monitor));
  g_message("Network backend: %s", om_backend_to_string(d->net.backend));

  d->global = om_object_new_global(&d->ctx, OM_ROOT_PATH, d->global_requested);
  if (!om_account_store_watch(d->account_store, on_account_file_changed, d, &error))
    g_warning("Not watching %s for changes: %s", d->accounts_dir, error->message);
  reconcile_all_accounts(d);

  if (d->net.suspended)
    allow_sleep_after_notifications(d);

  r = om_bus_service_export(d, d->bus);
  if (r < 0) {
    g_printerr("Cannot export objects: %s\n", g_strerror(-r));
    quit(d, 1);
    return;
  }
  d->exported = TRUE;
  sd_bus_match_signal(d->bus, NULL, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                      "org.freedesktop.DBus", "NameLost", on_name_lost, d);
  if (d->replace)
    flags |= SD_BUS_NAME_REPLACE_EXISTING;
  r = sd_bus_request_name_async(d->bus, NULL, OM_BUS_NAME, flags, on_name_acquired, d);
  if (r < 0) {
    g_printerr("Cannot request %s: %s\n", OM_BUS_NAME, g_strerror(-r));
    quit(d, 1);
  }
}

static void
on_session_bus_lost(sd_bus *bus, gpointer user_data)
{
  g_warning("Lost the session bus; exiting");
  quit(user_data, 1);
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
  om_daemon_reload(user_data);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_watchdog(gpointer user_data)
{
  sd_notify(0, "WATCHDOG=1");
  return G_SOURCE_CONTINUE;
}

/* Drops requested modes of accounts whose file is gone (not of files that merely fail
 * to parse: they may be fixed). */
static void
forget_stale_requests(OmDaemon *d)
{
  g_auto(GStrv) ids = om_state_store_list_accounts(d->state_store);

  for (char **id = ids; *id; id++) {
    g_autoptr(GError) error = NULL;
    if (om_account_id_is_valid(*id) && om_account_store_exists(d->account_store, *id))
      continue;
    if (!om_state_store_remove_account(d->state_store, *id, &error))
      g_warning("%s", error->message);
  }
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
  d->state_path = g_build_filename(state_dir, "requested-state", NULL);
  d->loop = g_main_loop_new(NULL, FALSE);
  d->accounts = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                      (GDestroyNotify)om_object_free);
  om_daemon_config_init(&d->config);
  om_network_snapshot_init(&d->net);
  d->state_store = om_state_store_new(d->state_path);
  d->account_store = om_account_store_new(d->accounts_dir);
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
  g_autoptr(GError) error = NULL;
  g_autofree char *state_dir = g_path_get_dirname(d->state_path);
  uint64_t watchdog_usec;
  int r;

  load_config(d);
  om_durable_remove_leftovers(d->accounts_dir);
  om_durable_remove_leftovers(state_dir);
  check_saving(d);
  if (!om_state_store_load(d->state_store, &error)) {
    g_warning("Cannot read the requested modes, starting with everything online: %s",
              error->message);
    g_clear_error(&error);
  }
  forget_stale_requests(d);
  d->global_requested = om_state_store_get_global(d->state_store);

  r = sd_bus_open_user(&d->bus);
  if (r < 0) {
    g_printerr("Cannot connect to the session bus: %s\n", g_strerror(-r));
    return 1;
  }
  d->bus_source = om_bus_source_attach(d->bus, NULL, on_session_bus_lost, d);

  d->signal_ids[0] = g_unix_signal_add(SIGTERM, on_quit_signal, d);
  d->signal_ids[1] = g_unix_signal_add(SIGINT, on_quit_signal, d);
  d->signal_ids[2] = g_unix_signal_add(SIGHUP, on_reload_signal, d);
  if (sd_watchdog_enabled(0, &watchdog_usec) > 0)
    d->watchdog_id = g_timeout_add(MAX(watchdog_usec / 2000, 1), on_watchdog, d);

  d->monitor = om_network_monitor_new(&monitor_callbacks, d);
  om_network_monitor_start(d->monitor);

  d->exit_status = 0;
  g_main_loop_run(d->loop);

  sd_notify(0, "STOPPING=1");
  /* Every acknowledged change is already on disk; only pending messages remain. */
  flush_bounded(d->bus);
  return d->exit_status;
}

void
om_daemon_free(OmDaemon *d)
{
  if (d == NULL)
    return;
  for (guint i = 0; i < G_N_ELEMENTS(d->signal_ids); i++)
    g_clear_handle_id(&d->signal_ids[i], g_source_remove);
  g_clear_handle_id(&d->watchdog_id, g_source_remove);
  g_clear_handle_id(&d->status_id, g_source_remove);
  d->exported = FALSE;
  if (d->accounts != NULL) {
    /* A BLOCK call still waiting gets no answer from a daemon that is exiting; its
     * caller sees the connection's end. */
    GHashTableIter iter;
    gpointer value;

    g_hash_table_iter_init(&iter, d->accounts);
    while (g_hash_table_iter_next(&iter, NULL, &value)) {
      sd_bus_message *waiter = om_object_get_waiter(value);

      om_object_set_waiter(value, NULL);
      sd_bus_message_unref(waiter);
    }
  }
  g_clear_pointer(&d->accounts, g_hash_table_unref);
  g_clear_pointer(&d->global, om_object_free);
  d->sleep_call = sd_bus_slot_unref(d->sleep_call);
  g_clear_pointer(&d->monitor, om_network_monitor_free);
  g_clear_pointer(&d->account_store, om_account_store_free);
  g_clear_pointer(&d->state_store, om_state_store_free);
  if (d->bus_source != NULL) {
    g_source_destroy(d->bus_source);
    g_clear_pointer(&d->bus_source, g_source_unref);
  }
  if (d->bus != NULL) {
    sd_bus_close(d->bus);
    d->bus = sd_bus_unref(d->bus);
  }
  om_network_snapshot_clear(&d->net);
  g_main_loop_unref(d->loop);
  g_free(d->status);
  g_free(d->save_problem);
  g_free(d->config_path);
  g_free(d->accounts_dir);
  g_free(d->state_path);
  g_free(d);
}
