#include "account-registry.h"

#include "account-store.h"
#include "errors.h"
#include "offlinemgr-bus.h"

struct OmAccountRegistry {
  const OmObjectContext *ctx;
  OmStateStore *state_store;   /* borrowed */
  OmServiceStatus *status;     /* borrowed */
  OmAccountStore *files;
  GHashTable *accounts;        /* id → OmObject*, owned */
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
create_account(OmAccountRegistry *reg, const char *id, const OmAccountSettings *settings)
{
  g_autofree char *path = account_path(id);
  OmObject *obj = om_object_new_account(reg->ctx, path, id, settings,
                                        om_state_store_get_account(reg->state_store, id));

  g_hash_table_insert(reg->accounts, g_strdup(id), obj);
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
  g_hash_table_remove(reg->accounts, id);
  om_service_status_changed(reg->status);
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

  om_account_settings_init(&settings);
  if (!om_account_store_load(reg->files, id, &settings, &error)) {
    if (g_error_matches(error, G_FILE_ERROR, G_FILE_ERROR_NOENT)) {
      if (obj != NULL) {
        g_message("Account %s: its file was removed", id);
        destroy_account(reg, obj);
      }
      /* Also when the file never loaded (it did not parse): its request is kept only
       * while the file may still be fixed, as forget_stale_requests() does at start. */
      forget_request(reg, id);
      return;
    }
    /* The file exists but cannot be used: it is left alone, and an account already
     * known keeps its last good settings. */
    g_warning("Cannot load account %s: %s%s", id, error->message,
              obj != NULL ? " (keeping its last good settings)" : "");
    return;
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
  create_account(reg, id, &settings);
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
    if (!g_hash_table_contains(seen, key))
      g_ptr_array_add(gone, g_strdup(key));
  for (guint i = 0; i < gone->len; i++)
    reconcile_account(reg, g_ptr_array_index(gone, i));
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
    if (!om_account_id_is_valid(*id) || !om_account_store_exists(reg->files, *id))
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
  if (g_hash_table_contains(reg->accounts, id)) {
    g_set_error(error, OM_ERROR, OM_ERROR_ALREADY_EXISTS, "Account '%s' already exists", id);
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
  return create_account(reg, id, settings);
}

gboolean
om_account_registry_update(OmAccountRegistry *reg, OmObject *obj,
                           const OmAccountSettings *settings, GError **error)
{
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
om_account_registry_new(const char *accounts_dir, const OmObjectContext *context,
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
  reg->events = *events;
  reg->user_data = user_data;
  return reg;
}

void
om_account_registry_free(OmAccountRegistry *reg)
{
  if (reg == NULL)
    return;
  g_hash_table_unref(reg->accounts);
  om_account_store_free(reg->files);
  g_free(reg);
}
