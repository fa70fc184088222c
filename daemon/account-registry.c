#include "account-registry.h"

#include "account-store.h"
#include "discovered-store.h"
#include "eds-source.h"
#include "errors.h"
#include "goa-source.h"
#include "offlinemgr-bus.h"

struct OmAccountRegistry {
  const OmObjectContext *ctx;
  OmStateStore *state_store;   /* borrowed */
  OmServiceStatus *status;     /* borrowed */
  OmAccountStore *files;
  GHashTable *accounts;        /* id → OmObject*, owned */

  OmDiscoveredStore *discovered;
  OmAccountSource *goa, *eds;  /* NULL: turned off */
  GHashTable *origins;         /* id → OmAccountOrigin of every discovered account's object */
  GHashTable *overrides;       /* id → OmDiscoveredOverrides*, the user's, as last read */
  gboolean awaiting;           /* sources_settled is still to be called */
  guint settle_id;             /* bounds the wait */
  gboolean started;            /* accounts are visible: new ones start at once */
  OmAccountRegistryEvents events;
  gpointer user_data;
};

static char *
account_path(const char *id)
{
  char *path = NULL;

  if (sd_bus_path_encode(OM_ACCOUNT_PATH_PREFIX, id, &path) < 0)
    g_error("Out of memory");
  return path;
}

static OmObject *
create_account(OmAccountRegistry *reg, const char *id, const OmAccountSettings *settings,
               OmAccountOrigin origin)
{
  g_autofree char *path = account_path(id);
  OmObject *obj = om_object_new_account(reg->ctx, path, id, settings,
                                        om_state_store_get_account(reg->state_store, id));

  g_hash_table_insert(reg->accounts, g_strdup(id), obj);
  if (origin != OM_ACCOUNT_ORIGIN_FILE)
    g_hash_table_insert(reg->origins, g_strdup(id), GINT_TO_POINTER(origin));
  reg->events.added(obj, reg->user_data);
  if (reg->started)
    om_object_start(obj);
  om_service_status_changed(reg->status);
  return obj;
}

static void
destroy_account(OmAccountRegistry *reg, OmObject *obj)
{
  g_autofree char *id = g_strdup(om_object_get_id(obj));

  reg->events.removed(obj, reg->user_data);
  g_hash_table_remove(reg->origins, id);
  g_hash_table_remove(reg->accounts, id);
  om_service_status_changed(reg->status);
}

/* ---- discovered accounts ---- */

static gboolean
is_discovered(OmAccountRegistry *reg, const char *id)
{
  return g_hash_table_contains(reg->origins, id);
}

/* Ids of the discovered kind: their requested modes and files outlive their accounts,
 * which come back when mail is turned on again or the service starts. */
static gboolean
has_discovered_prefix(const char *id)
{
  return g_str_has_prefix(id, "goa-") || g_str_has_prefix(id, "eds-");
}

/* The account @id as a source last reported it, or NULL. */
static const OmDiscoveredAccount *
find_discovered(OmAccountRegistry *reg, const char *id, OmAccountSource **source)
{
  OmAccountSource *sources[] = { reg->goa, reg->eds };

  for (guint i = 0; i < G_N_ELEMENTS(sources); i++) {
    const OmDiscoveredAccount *account;

    if (sources[i] == NULL || (account = om_account_source_lookup(sources[i], id)) == NULL)
      continue;
    if (source != NULL)
      *source = sources[i];
    return account;
  }
  return NULL;
}

/* The user's settings for @id, read once and then kept. A file that cannot be used is
 * reported, and the source's values apply alone (saving refuses to rewrite it). */
static const OmDiscoveredOverrides *
get_overrides(OmAccountRegistry *reg, const char *id)
{
  OmDiscoveredOverrides *o = g_hash_table_lookup(reg->overrides, id);
  g_autoptr(GError) error = NULL;

  if (o != NULL)
    return o;
  o = g_new0(OmDiscoveredOverrides, 1);
  om_discovered_overrides_init(o);
  if (!om_discovered_store_load(reg->discovered, id, o, &error)) {
    g_warning("Ignoring the settings for account %s: %s", id, error->message);
    om_discovered_overrides_clear(o);
    om_discovered_overrides_init(o);
  }
  g_hash_table_insert(reg->overrides, g_strdup(id), o);
  return o;
}

static void
keep_overrides(OmAccountRegistry *reg, const char *id, const OmDiscoveredOverrides *o)
{
  OmDiscoveredOverrides *copy = g_new0(OmDiscoveredOverrides, 1);

  om_discovered_overrides_copy(copy, o);
  g_hash_table_insert(reg->overrides, g_strdup(id), copy);
}

static void
free_overrides(gpointer data)
{
  om_discovered_overrides_clear(data);
  g_free(data);
}

/* Brings the account of @account in line: created, changed, hidden, or left to the
 * account file with its id. */
static void
apply_discovered(OmAccountRegistry *reg, OmAccountSource *source,
                 const OmDiscoveredAccount *account)
{
  OmObject *obj = g_hash_table_lookup(reg->accounts, account->id);
  const OmDiscoveredOverrides *o;
  g_auto(OmAccountSettings) settings = { 0 };  /* cleared on the early returns too */
  g_autoptr(GError) error = NULL;

  if ((obj != NULL && !is_discovered(reg, account->id)) ||
      (obj == NULL && om_account_store_exists(reg->files, account->id))) {
    g_message("%s: account %s has the id of an account file in %s, which wins",
              om_account_source_get_service(source), account->id,
              om_account_store_get_dir(reg->files));
    return;
  }
  o = get_overrides(reg, account->id);
  if (o->hidden) {
    if (obj != NULL)
      destroy_account(reg, obj);
    g_debug("%s: account %s is hidden (Hidden=true in %s)",
            om_account_source_get_service(source), account->id,
            om_discovered_store_get_dir(reg->discovered));
    return;
  }
  om_account_settings_init(&settings);
  if (!om_discovered_merge(account, o, &settings, &error))
    g_warning("Account %s: %s", account->id, error->message);
  if (obj != NULL) {
    om_object_set_settings(obj, &settings);
    return;
  }
  if (g_hash_table_size(reg->accounts) >= OM_ACCOUNTS_MAX) {
    g_warning("Not loading account %s from %s: the limit of %d accounts is reached",
              account->id, om_account_source_get_service(source), OM_ACCOUNTS_MAX);
    return;
  }
  create_account(reg, account->id, &settings, account->origin);
}

static void
on_source_changed(OmAccountSource *source, const OmDiscoveredAccount *account,
                  gpointer user_data)
{
  apply_discovered(user_data, source, account);
}

static void
on_source_removed(OmAccountSource *source, const char *id, gpointer user_data)
{
  OmAccountRegistry *reg = user_data;
  OmObject *obj = g_hash_table_lookup(reg->accounts, id);

  /* The requested mode and the user's settings stay for when it comes back. */
  if (obj != NULL && is_discovered(reg, id)) {
    g_message("%s: account %s is gone", om_account_source_get_service(source), id);
    destroy_account(reg, obj);
  }
}

static gboolean
sources_settled(OmAccountRegistry *reg)
{
  return (reg->goa == NULL || om_account_source_is_settled(reg->goa)) &&
         (reg->eds == NULL || om_account_source_is_settled(reg->eds));
}

static void
end_await(OmAccountRegistry *reg)
{
  reg->awaiting = FALSE;
  g_clear_handle_id(&reg->settle_id, g_source_remove);
  reg->events.sources_settled(reg->user_data);
}

static void
on_source_status_changed(OmAccountSource *source, gpointer user_data)
{
  OmAccountRegistry *reg = user_data;

  g_debug("%s: %s", om_account_source_get_service(source),
          om_mirror_status_to_string(om_account_source_get_status(source)));
  if (reg->awaiting && sources_settled(reg))
    end_await(reg);
}

static gboolean
on_settle_timeout(gpointer user_data)
{
  OmAccountRegistry *reg = user_data;

  reg->settle_id = 0;
  g_message("Not waiting any longer for the account sources: their accounts appear as "
            "they are read");
  end_await(reg);
  return G_SOURCE_REMOVE;
}

void
om_account_registry_await_sources(OmAccountRegistry *reg)
{
  if (reg->awaiting)
    return;
  reg->awaiting = TRUE;
  if (sources_settled(reg)) {
    end_await(reg);
    return;
  }
  reg->settle_id = g_timeout_add(OM_SOURCES_SETTLE_MAX_MS, on_settle_timeout, reg);
}

/* Turns the source at @slot on (@bus non-NULL) or off. */
static void
set_source(OmAccountRegistry *reg, OmAccountSource **slot, OmAccountOrigin origin,
           sd_bus *bus)
{
  static const OmAccountSourceCallbacks callbacks = {
    .changed = on_source_changed,
    .removed = on_source_removed,
    .status_changed = on_source_status_changed,
  };
  const char *service = origin == OM_ACCOUNT_ORIGIN_GOA ? "GNOME Online Accounts"
                                                        : "evolution-data-server";
  g_autoptr(GPtrArray) gone = NULL;
  GHashTableIter iter;
  gpointer key, value;
  int r = 0;

  if ((bus != NULL) == (*slot != NULL))
    return;
  if (bus != NULL) {
    *slot = origin == OM_ACCOUNT_ORIGIN_GOA ? om_goa_source_new(bus, &callbacks, reg, &r)
                                            : om_eds_source_new(bus, &callbacks, reg, &r);
    if (*slot == NULL)
      g_warning("Cannot follow %s: %s", service, g_strerror(-r));
    return;
  }
  g_message("%s: turned off in [Sources]; its accounts go", service);
  g_clear_pointer(slot, om_account_source_free);
  gone = g_ptr_array_new_with_free_func(g_free);
  g_hash_table_iter_init(&iter, reg->origins);
  while (g_hash_table_iter_next(&iter, &key, &value))
    if (GPOINTER_TO_INT(value) == (int)origin)
      g_ptr_array_add(gone, g_strdup(key));
  for (guint i = 0; i < gone->len; i++)
    destroy_account(reg, g_hash_table_lookup(reg->accounts, g_ptr_array_index(gone, i)));
}

void
om_account_registry_set_sources(OmAccountRegistry *reg, sd_bus *bus, gboolean goa,
                                 gboolean eds)
{
  set_source(reg, &reg->goa, OM_ACCOUNT_ORIGIN_GOA, goa ? bus : NULL);
  set_source(reg, &reg->eds, OM_ACCOUNT_ORIGIN_EDS, eds ? bus : NULL);
  if (reg->awaiting && sources_settled(reg))
    end_await(reg);
}

/* Every account of every source applied again, after the user's settings were read
 * again or an account file with one's id went. */
static void
apply_all_discovered(OmAccountRegistry *reg)
{
  OmAccountSource *sources[] = { reg->goa, reg->eds };

  for (guint i = 0; i < G_N_ELEMENTS(sources); i++) {
    GHashTableIter iter;
    gpointer value;

    if (sources[i] == NULL)
      continue;
    g_hash_table_iter_init(&iter, om_account_source_get_accounts(sources[i]));
    while (g_hash_table_iter_next(&iter, NULL, &value))
      apply_discovered(reg, sources[i], value);
  }
}

const char *
om_account_registry_get_origin(OmAccountRegistry *reg, OmObject *account)
{
  gpointer origin;

  if (!g_hash_table_lookup_extended(reg->origins, om_object_get_id(account), NULL, &origin))
    return om_account_origin_to_string(OM_ACCOUNT_ORIGIN_FILE);
  return om_account_origin_to_string(GPOINTER_TO_INT(origin));
}

/* Forgets @id's requested mode; the account is gone either way, and a stale entry is
 * cleaned up at the next start. */
static void
forget_request(OmAccountRegistry *reg, const char *id)
{
  g_autoptr(GError) error = NULL;

  if (!om_state_store_remove_account(reg->state_store, id, &error))
    g_warning("%s", error->message);
}

/* Brings the account @id in line with its file: added, changed, removed or broken. */
static void
reconcile_account(OmAccountRegistry *reg, const char *id)
{
  OmObject *obj = g_hash_table_lookup(reg->accounts, id);
  g_auto(OmAccountSettings) settings;
  g_autoptr(GError) error = NULL;

  OmAccountSource *source = NULL;
  const OmDiscoveredAccount *discovered;

  om_account_settings_init(&settings);
  if (!om_account_store_load(reg->files, id, &settings, &error)) {
    if (g_error_matches(error, G_FILE_ERROR, G_FILE_ERROR_NOENT)) {
      if (obj != NULL && is_discovered(reg, id))
        return;  /* not a file's account */
      if (obj != NULL) {
        g_message("Account %s: its file was removed", id);
        destroy_account(reg, obj);
      }
      /* A discovered account the file kept away comes back. */
      if ((discovered = find_discovered(reg, id, &source)) != NULL) {
        apply_discovered(reg, source, discovered);
        return;
      }
      /* Also when the file never loaded (it did not parse): its request is kept only
       * while the file may still be fixed, as forget_stale_requests() does at start. */
      if (!has_discovered_prefix(id))
        forget_request(reg, id);
      return;
    }
    /* The file exists but cannot be used: it is left alone, and an account already
     * known keeps its last good settings. */
    g_warning("Cannot load account %s: %s%s", id, error->message,
              obj != NULL ? " (keeping its last good settings)" : "");
    return;
  }
  if (obj != NULL && is_discovered(reg, id)) {
    g_message("Account %s: a file for it appeared in %s, and wins over the discovered "
              "account", id, om_account_store_get_dir(reg->files));
    destroy_account(reg, obj);
    obj = NULL;
  }
  if (obj != NULL) {
    om_object_set_settings(obj, &settings);
    return;
  }
  if (g_hash_table_size(reg->accounts) >= OM_ACCOUNTS_MAX) {
    g_warning("Not loading account %s: the limit of %d accounts is reached", id,
              OM_ACCOUNTS_MAX);
    return;
  }
  create_account(reg, id, &settings, OM_ACCOUNT_ORIGIN_FILE);
}

static void
on_account_file_changed(const char *id, gpointer user_data)
{
  reconcile_account(user_data, id);
}

void
om_account_registry_reload(OmAccountRegistry *reg)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) ids = om_account_store_list(reg->files, &error);
  g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) gone = g_ptr_array_new_with_free_func(g_free);
  GHashTableIter iter;
  gpointer key;

  if (ids == NULL) {
    g_warning("Cannot list accounts: %s", error->message);
    return;
  }
  for (guint i = 0; i < ids->len; i++) {
    reconcile_account(reg, g_ptr_array_index(ids, i));
    g_hash_table_add(seen, g_ptr_array_index(ids, i));
  }
  g_hash_table_iter_init(&iter, reg->accounts);
  while (g_hash_table_iter_next(&iter, &key, NULL))
    if (!g_hash_table_contains(seen, key) && !is_discovered(reg, key))
      g_ptr_array_add(gone, g_strdup(key));
  for (guint i = 0; i < gone->len; i++)
    reconcile_account(reg, g_ptr_array_index(gone, i));
  /* A hand edit of discovered/ (Hidden=true removed, say) applies now. */
  g_hash_table_remove_all(reg->overrides);
  apply_all_discovered(reg);
}

void
om_account_registry_load(OmAccountRegistry *reg)
{
  g_autoptr(GError) error = NULL;

  if (!om_account_store_watch(reg->files, on_account_file_changed, reg, &error))
    g_warning("Not watching %s for changes: %s", om_account_store_get_dir(reg->files),
              error->message);
  om_account_registry_reload(reg);
}

void
om_account_registry_forget_stale_requests(OmAccountRegistry *reg)
{
  g_auto(GStrv) ids = om_state_store_list_accounts(reg->state_store);

  for (char **id = ids; *id; id++)
    if (!om_account_id_is_valid(*id) ||
        (!om_account_store_exists(reg->files, *id) && !has_discovered_prefix(*id)))
      forget_request(reg, *id);
}

void
om_account_registry_start(OmAccountRegistry *reg)
{
  GHashTableIter iter;
  gpointer value;

  reg->started = TRUE;
  g_hash_table_iter_init(&iter, reg->accounts);
  while (g_hash_table_iter_next(&iter, NULL, &value))
    om_object_start(value);
}

OmObject *
om_account_registry_lookup(OmAccountRegistry *reg, const char *id)
{
  return g_hash_table_lookup(reg->accounts, id);
}

guint
om_account_registry_count(OmAccountRegistry *reg)
{
  return g_hash_table_size(reg->accounts);
}

guint
om_account_registry_count_online(OmAccountRegistry *reg)
{
  GHashTableIter iter;
  gpointer value;
  guint n = 0;

  g_hash_table_iter_init(&iter, reg->accounts);
  while (g_hash_table_iter_next(&iter, NULL, &value))
    if (om_object_get_state(value) == OM_STATE_ONLINE)
      n++;
  return n;
}

void
om_account_registry_foreach(OmAccountRegistry *reg,
                            void (*func)(OmObject *account, gpointer user_data),
                            gpointer user_data)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init(&iter, reg->accounts);
  while (g_hash_table_iter_next(&iter, NULL, &value))
    func(value, user_data);
}

void
om_account_registry_update_all(OmAccountRegistry *reg, OmCause cause)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init(&iter, reg->accounts);
  while (g_hash_table_iter_next(&iter, NULL, &value))
    om_object_update(value, cause);
}

OmObject *
om_account_registry_add(OmAccountRegistry *reg, const char *id,
                        const OmAccountSettings *settings, GError **error)
{
  OmAccountSource *source = NULL;

  if (g_hash_table_contains(reg->accounts, id)) {
    g_set_error(error, OM_ERROR, OM_ERROR_ALREADY_EXISTS, "Account '%s' already exists%s",
                id, is_discovered(reg, id) ? " (a discovered account)" : "");
    return NULL;
  }
  if (find_discovered(reg, id, &source) != NULL ||
      (has_discovered_prefix(id) && get_overrides(reg, id)->hidden)) {
    g_set_error(error, OM_ERROR, OM_ERROR_ALREADY_EXISTS,
                "Account '%s' is a discovered account%s%s, hidden: remove Hidden=true from "
                "%s/%s.conf to show it again", id, source != NULL ? " from " : "",
                source != NULL ? om_account_source_get_service(source) : "",
                om_discovered_store_get_dir(reg->discovered), id);
    return NULL;
  }
  if (om_account_store_exists(reg->files, id)) {
    g_set_error(error, OM_ERROR, OM_ERROR_ALREADY_EXISTS,
                "A file for account '%s' exists in %s but cannot be loaded; fix or remove it",
                id, om_account_store_get_dir(reg->files));
    return NULL;
  }
  if (g_hash_table_size(reg->accounts) >= OM_ACCOUNTS_MAX) {
    g_set_error(error, OM_ERROR, OM_ERROR_LIMIT_EXCEEDED,
                "There are already %d accounts, the most allowed", OM_ACCOUNTS_MAX);
    return NULL;
  }
  if (!om_account_settings_check(settings, error) ||
      !om_service_status_saved(reg->status,
                               om_account_store_save(reg->files, id, settings, error)))
    return NULL;
  return create_account(reg, id, settings, OM_ACCOUNT_ORIGIN_FILE);
}

/* UpdateAccount on a discovered account: the settings given become the user's, kept in
 * its discovered/ file; the source's values stay under them. */
static gboolean
update_discovered(OmAccountRegistry *reg, OmObject *obj, const OmAccountSettings *settings,
                  const gboolean given[OM_N_SETTINGS], GError **error)
{
  const char *id = om_object_get_id(obj);
  const OmDiscoveredAccount *account = find_discovered(reg, id, NULL);
  g_auto(OmDiscoveredOverrides) o = { 0 };
  g_auto(OmAccountSettings) merged = { 0 };

  if (account == NULL) {
    g_set_error(error, OM_ERROR, OM_ERROR_FAILED, "Account %s is not known to its source", id);
    return FALSE;
  }
  om_discovered_overrides_copy(&o, get_overrides(reg, id));
  om_discovered_overrides_update(&o, settings, given);
  om_account_settings_init(&merged);
  if (!om_discovered_merge(account, &o, &merged, error) ||
      !om_service_status_saved(reg->status,
                               om_discovered_store_save(reg->discovered, id, &o, error)))
    return FALSE;
  keep_overrides(reg, id, &o);
  om_object_set_settings(obj, &merged);
  return TRUE;
}

/* RemoveAccount on a discovered account: nothing of its service is touched; the user's
 * file says Hidden=true, which keeps it away from now on. */
static gboolean
hide_discovered(OmAccountRegistry *reg, OmObject *obj, GError **error)
{
  g_autofree char *id = g_strdup(om_object_get_id(obj));
  OmAccountSource *source = NULL;
  g_auto(OmDiscoveredOverrides) o;

  om_discovered_overrides_copy(&o, get_overrides(reg, id));
  o.hidden = TRUE;
  if (!om_service_status_saved(reg->status,
                               om_discovered_store_save(reg->discovered, id, &o, error)))
    return FALSE;
  keep_overrides(reg, id, &o);
  find_discovered(reg, id, &source);
  g_message("Account %s comes from %s and is hidden, not deleted: Hidden=true in %s/%s.conf "
            "(remove that line and reload to show it again)", id,
            source != NULL ? om_account_source_get_service(source) : "its source",
            om_discovered_store_get_dir(reg->discovered), id);
  destroy_account(reg, obj);
  return TRUE;
}

gboolean
om_account_registry_update(OmAccountRegistry *reg, OmObject *obj,
                           const OmAccountSettings *settings,
                           const gboolean given[OM_N_SETTINGS], GError **error)
{
  if (is_discovered(reg, om_object_get_id(obj)))
    return update_discovered(reg, obj, settings, given, error);
  if (!om_account_settings_check(settings, error) ||
      !om_service_status_saved(reg->status, om_account_store_save(reg->files,
                                                                  om_object_get_id(obj),
                                                                  settings, error)))
    return FALSE;
  om_object_set_settings(obj, settings);
  return TRUE;
}

gboolean
om_account_registry_remove(OmAccountRegistry *reg, OmObject *obj, GError **error)
{
  g_autofree char *id = g_strdup(om_object_get_id(obj));

  if (is_discovered(reg, id))
    return hide_discovered(reg, obj, error);
  if (!om_service_status_saved(reg->status, om_account_store_delete(reg->files, id, error)))
    return FALSE;
  destroy_account(reg, obj);
  forget_request(reg, id);
  return TRUE;
}

gboolean
om_account_registry_set_requested(OmAccountRegistry *reg, OmObject *obj, OmState requested,
                                  GError **error)
{
  if (!om_service_status_saved(reg->status,
                               om_state_store_set_account(reg->state_store,
                                                          om_object_get_id(obj), requested,
                                                          error)))
    return FALSE;
  om_object_set_requested(obj, requested);
  return TRUE;
}

const char *
om_account_registry_get_dir(OmAccountRegistry *reg)
{
  return om_account_store_get_dir(reg->files);
}

OmAccountRegistry *
om_account_registry_new(const char *accounts_dir, const char *discovered_dir,
                        const OmObjectContext *context,
                        OmStateStore *state_store, OmServiceStatus *status,
                        const OmAccountRegistryEvents *events, gpointer user_data)
{
  OmAccountRegistry *reg = g_new0(OmAccountRegistry, 1);

  reg->ctx = context;
  reg->state_store = state_store;
  reg->status = status;
  reg->files = om_account_store_new(accounts_dir);
  reg->accounts = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                        (GDestroyNotify)om_object_free);
  reg->discovered = om_discovered_store_new(discovered_dir);
  reg->origins = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  reg->overrides = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, free_overrides);
  reg->events = *events;
  reg->user_data = user_data;
  return reg;
}

void
om_account_registry_free(OmAccountRegistry *reg)
{
  if (reg == NULL)
    return;
  g_clear_handle_id(&reg->settle_id, g_source_remove);
  /* The sources first: they call back into the accounts. */
  g_clear_pointer(&reg->goa, om_account_source_free);
  g_clear_pointer(&reg->eds, om_account_source_free);
  g_hash_table_unref(reg->accounts);
  g_hash_table_unref(reg->origins);
  g_hash_table_unref(reg->overrides);
  om_discovered_store_free(reg->discovered);
  om_account_store_free(reg->files);
  g_free(reg);
}
