#include "online-targets.h"

#include <string.h>

#include <glib.h>

#include "bus-name-watch.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC(sd_bus_message, sd_bus_message_unref)

#define SYSTEMD_NAME "org.freedesktop.systemd1"
#define SYSTEMD_PATH "/org/freedesktop/systemd1"
#define SYSTEMD_MANAGER "org.freedesktop.systemd1.Manager"

#define GLOBAL_TARGET "offlinemgr-online.target"
#define TARGET_PREFIX "offlinemgr-online@"
#define TARGET_SUFFIX ".target"

typedef struct Target Target;

struct OmOnlineTargets {
  sd_bus *bus;
  OmBusNameWatch *manager;  /* org.freedesktop.systemd1 */
  gboolean manager_present; /* as the watch last said */
  GHashTable *targets;      /* unit name → Target*, owned */
  sd_bus_slot *list_call;   /* which targets are active, asked when the manager appears */
  gboolean not_installed;   /* systemd knows no such targets: nothing more is asked */
  gboolean absence_logged;
  gboolean failure_logged;
};

struct Target {
  OmOnlineTargets *owner;
  char *unit;
  OmState state;       /* the object's state, as last given; its target is asked to match
                          (OFFLINE: stopped, or known not to be active) */
  sd_bus_slot *call;   /* the last StartUnit/StopUnit, until its reply */
};

/* ---- unit names ---- */

/* As systemd's unit_name_escape(): '/' becomes '-'; '-', '\' and every byte outside
 * [A-Za-z0-9:_.] become \xNN; so does a leading '.'. */
static void
escape_into(GString *out, const char *s)
{
  for (const char *p = s; *p != '\0'; p++) {
    unsigned char c = (unsigned char)*p;

    if (c == '/')
      g_string_append_c(out, '-');
    else if (g_ascii_isalnum(c) || c == ':' || c == '_' || (c == '.' && p != s))
      g_string_append_c(out, (char)c);
    else
      g_string_append_printf(out, "\\x%02x", c);
  }
}

char *
om_online_targets_unit_name(const char *account_id)
{
  GString *name;

  if (account_id == NULL)
    return g_strdup(GLOBAL_TARGET);
  name = g_string_new(TARGET_PREFIX);
  escape_into(name, account_id);
  g_string_append(name, TARGET_SUFFIX);
  return g_string_free(name, FALSE);
}

static gboolean
is_our_target(const char *unit)
{
  return g_str_equal(unit, GLOBAL_TARGET) ||
         (g_str_has_prefix(unit, TARGET_PREFIX) && g_str_has_suffix(unit, TARGET_SUFFIX));
}

/* ---- asking systemd ---- */

static void
target_free(gpointer data)
{
  Target *t = data;

  sd_bus_slot_unref(t->call);
  g_free(t->unit);
  g_free(t);
}

/* Whether the manager can be asked now. */
static gboolean
available(OmOnlineTargets *ot)
{
  return !ot->not_installed && ot->manager_present;
}

/* Logs a failed call. Targets that are not installed (a daemon run from a build tree) are
 * said once, and nothing more is asked; a manager that went away meanwhile is the name
 * watch's business; any other failure is logged once as a warning, then with --verbose. */
static void
call_failed(OmOnlineTargets *ot, const char *what, const sd_bus_error *error)
{
  if (ot->not_installed ||
      sd_bus_error_has_name(error, "org.freedesktop.DBus.Error.ServiceUnknown") ||
      sd_bus_error_has_name(error, "org.freedesktop.DBus.Error.NameHasNoOwner"))
    return;
  if (sd_bus_error_has_name(error, "org.freedesktop.systemd1.NoSuchUnit")) {
    ot->not_installed = TRUE;
    g_message("Not starting the online targets: they are not installed (%s)", error->message);
  } else if (!ot->failure_logged) {
    ot->failure_logged = TRUE;
    g_warning("Cannot %s: %s (further failures are logged with --verbose)", what,
              error->message);
  } else {
    g_debug("Cannot %s: %s", what, error->message);
  }
}

static int
on_job_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
  Target *t = userdata;
  const sd_bus_error *error = sd_bus_message_get_error(reply);

  if (error != NULL) {
    g_autofree char *what = g_strdup_printf("%s %s",
                                            t->state == OM_STATE_ONLINE ? "start" : "stop",
                                            t->unit);
    call_failed(t->owner, what, error);
  }
  t->call = sd_bus_slot_unref(t->call);
  return 0;
}

/* Sends StartUnit or StopUnit (mode "replace": the newest request wins over a job still
 * queued) without activating systemd. @t NULL: nobody waits for the reply. */
static void
ask(OmOnlineTargets *ot, Target *t, const char *unit, OmState state)
{
  g_autoptr(sd_bus_message) m = NULL;
  int r;

  g_debug("%s %s", state == OM_STATE_ONLINE ? "Starting" : "Stopping", unit);
  r = sd_bus_message_new_method_call(ot->bus, &m, SYSTEMD_NAME, SYSTEMD_PATH, SYSTEMD_MANAGER,
                                     state == OM_STATE_ONLINE ? "StartUnit" : "StopUnit");
  if (r >= 0)
    r = sd_bus_message_append(m, "ss", unit, "replace");
  if (r >= 0)
    r = sd_bus_message_set_auto_start(m, 0);
  if (r >= 0 && t != NULL) {
    t->call = sd_bus_slot_unref(t->call);
    r = sd_bus_call_async(ot->bus, &t->call, m, on_job_reply, t, 0);
  } else if (r >= 0) {
    r = sd_bus_message_set_expect_reply(m, 0);
    if (r >= 0)
      r = sd_bus_send(ot->bus, m, NULL);
  }
  if (r < 0)
    g_warning("Cannot ask systemd to %s %s: %s", state == OM_STATE_ONLINE ? "start" : "stop",
              unit, g_strerror(-r));
}

/* The targets active when the manager appeared: those whose object is not ONLINE now (or
 * is gone, or not yet known) are stopped. At start every object's state is given before
 * this reply can arrive. */
static int
on_list_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
  OmOnlineTargets *ot = userdata;
  const sd_bus_error *error = sd_bus_message_get_error(reply);
  const char *unit;
  int r;

  ot->list_call = sd_bus_slot_unref(ot->list_call);
  if (error != NULL) {
    call_failed(ot, "list the online targets", error);
    return 0;
  }
  r = sd_bus_message_enter_container(reply, 'a', "(ssssssouso)");
  while (r > 0 &&
         (r = sd_bus_message_read(reply, "(ssssssouso)", &unit, NULL, NULL, NULL, NULL, NULL,
                                  NULL, NULL, NULL, NULL)) > 0) {
    Target *t = g_hash_table_lookup(ot->targets, unit);

    if (!is_our_target(unit) || (t != NULL && t->state == OM_STATE_ONLINE))
      continue;
    ask(ot, t, unit, OM_STATE_OFFLINE);
  }
  if (r < 0)
    g_warning("Cannot read the list of online targets: %s", g_strerror(-r));
  return 0;
}

/* The manager is on the bus (at start, or it appeared or was replaced): every target is
 * put right. The ONLINE ones are started; the list of the active ones tells which to
 * stop. */
static void
sync_all(OmOnlineTargets *ot)
{
  g_autoptr(sd_bus_message) m = NULL;
  const char *active[] = { "active", "activating", "reloading", NULL };
  const char *patterns[] = { GLOBAL_TARGET, TARGET_PREFIX "*" TARGET_SUFFIX, NULL };
  GHashTableIter iter;
  gpointer value;
  int r;

  g_hash_table_iter_init(&iter, ot->targets);
  while (g_hash_table_iter_next(&iter, NULL, &value)) {
    Target *t = value;

    if (t->state == OM_STATE_ONLINE)
      ask(ot, t, t->unit, OM_STATE_ONLINE);
  }
  ot->list_call = sd_bus_slot_unref(ot->list_call);
  r = sd_bus_message_new_method_call(ot->bus, &m, SYSTEMD_NAME, SYSTEMD_PATH, SYSTEMD_MANAGER,
                                     "ListUnitsByPatterns");
  if (r >= 0)
    r = sd_bus_message_append_strv(m, (char **)active);
  if (r >= 0)
    r = sd_bus_message_append_strv(m, (char **)patterns);
  if (r >= 0)
    r = sd_bus_message_set_auto_start(m, 0);
  if (r >= 0)
    r = sd_bus_call_async(ot->bus, &ot->list_call, m, on_list_reply, ot, 0);
  if (r < 0)
    g_warning("Cannot ask systemd for the online targets: %s", g_strerror(-r));
}

static void
on_manager_changed(OmBusNameWatch *watch, const char *owner, gpointer user_data)
{
  OmOnlineTargets *ot = user_data;

  ot->manager_present = owner != NULL;
  if (owner == NULL) {
    ot->list_call = sd_bus_slot_unref(ot->list_call);
    if (!ot->absence_logged)
      g_message("No systemd user manager on the session bus: the online targets are "
                "started when one appears");
    ot->absence_logged = TRUE;
    return;
  }
  if (ot->absence_logged)
    g_message("The systemd user manager is on the session bus: starting the online targets");
  if (!ot->not_installed)
    sync_all(ot);
}

OmOnlineTargets *
om_online_targets_new(sd_bus *session_bus)
{
  OmOnlineTargets *ot = g_new0(OmOnlineTargets, 1);
  int r = 0;

  ot->bus = sd_bus_ref(session_bus);
  ot->targets = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, target_free);
  /* Only the bus driver is asked who owns the name: systemd is never activated. */
  ot->manager = om_bus_name_watch_new(ot->bus, SYSTEMD_NAME, on_manager_changed, ot, &r);
  if (ot->manager == NULL)
    g_warning("Cannot watch for the systemd user manager: %s; the online targets are not "
              "started", g_strerror(-r));
  return ot;
}

void
om_online_targets_update(OmOnlineTargets *ot, const char *account_id, OmState state)
{
  g_autofree char *unit = NULL;
  Target *t;

  if (ot == NULL)
    return;
  unit = om_online_targets_unit_name(account_id);
  t = g_hash_table_lookup(ot->targets, unit);
  if (t == NULL) {
    t = g_new0(Target, 1);
    t->owner = ot;
    t->unit = g_steal_pointer(&unit);
    /* A target that should be stopped is inactive, or in the list of active ones asked
     * for when the manager appeared, which stops it. */
    t->state = OM_STATE_OFFLINE;
    g_hash_table_insert(ot->targets, t->unit, t);
  }
  if (t->state == state)
    return;
  t->state = state;
  if (available(ot))
    ask(ot, t, t->unit, state);
}

void
om_online_targets_remove(OmOnlineTargets *ot, const char *account_id)
{
  g_autofree char *unit = NULL;
  Target *t;

  if (ot == NULL || account_id == NULL)
    return;
  unit = om_online_targets_unit_name(account_id);
  t = g_hash_table_lookup(ot->targets, unit);
  if (t == NULL)
    return;
  if (t->state == OM_STATE_ONLINE && available(ot))
    ask(ot, NULL, unit, OM_STATE_OFFLINE);
  g_hash_table_remove(ot->targets, unit);
}

void
om_online_targets_free(OmOnlineTargets *ot)
{
  if (ot == NULL)
    return;
  sd_bus_slot_unref(ot->list_call);
  om_bus_name_watch_free(ot->manager);
  g_hash_table_unref(ot->targets);
  sd_bus_unref(ot->bus);
  g_free(ot);
}
