#include "discovered-store.h"

#include <string.h>

#include "durable-file.h"
#include "errors.h"

#define SUFFIX ".conf"

struct OmDiscoveredStore {
  char *dir;
};

/* ---- overrides ---- */

void
om_discovered_overrides_init(OmDiscoveredOverrides *o)
{
  *o = (OmDiscoveredOverrides){ 0 };
  om_account_settings_init(&o->values);
}

void
om_discovered_overrides_clear(OmDiscoveredOverrides *o)
{
  om_account_settings_clear(&o->values);
  memset(o->set, 0, sizeof o->set);
  o->hidden = FALSE;
}

void
om_discovered_overrides_copy(OmDiscoveredOverrides *dest, const OmDiscoveredOverrides *src)
{
  *dest = *src;
  om_account_settings_copy(&dest->values, &src->values);
}

/* Copies setting @key from @src to @dest. */
static void
copy_setting(OmAccountSettings *dest, const OmAccountSettings *src, OmSettingKey key)
{
  switch (key) {
  case OM_SETTING_DISPLAY_NAME:
    g_free(dest->display_name);
    dest->display_name = g_strdup(src->display_name);
    break;
  case OM_SETTING_HOST:
    g_free(dest->host);
    dest->host = g_strdup(src->host);
    break;
  case OM_SETTING_PORT:
    dest->port = src->port;
    break;
  case OM_SETTING_REQUIRE_CONNECTIONS:
    g_strfreev(dest->require_connections);
    dest->require_connections = g_strdupv(src->require_connections);
    break;
  case OM_SETTING_MIN_CONNECTIVITY:
    dest->min_connectivity = src->min_connectivity;
    break;
  case OM_SETTING_ALLOW_METERED:
    dest->allow_metered = src->allow_metered;
    break;
  case OM_SETTING_CHECK_REACHABILITY:
    dest->check_reachability = src->check_reachability;
    break;
  case OM_N_SETTINGS:
    g_assert_not_reached();
  }
}

gboolean
om_discovered_overrides_equal(const OmDiscoveredOverrides *a, const OmDiscoveredOverrides *b)
{
  g_auto(OmAccountSettings) x;
  g_auto(OmAccountSettings) y;

  /* Only what is set counts: compare copies that hold just that. */
  om_account_settings_init(&x);
  om_account_settings_init(&y);
  if (a->hidden != b->hidden || memcmp(a->set, b->set, sizeof a->set) != 0)
    return FALSE;
  for (int k = 0; k < OM_N_SETTINGS; k++) {
    if (a->set[k]) {
      copy_setting(&x, &a->values, (OmSettingKey)k);
      copy_setting(&y, &b->values, (OmSettingKey)k);
    }
  }
  return om_account_settings_equal(&x, &y);
}

gboolean
om_discovered_overrides_is_empty(const OmDiscoveredOverrides *o)
{
  for (int k = 0; k < OM_N_SETTINGS; k++)
    if (o->set[k])
      return FALSE;
  return !o->hidden;
}

void
om_discovered_overrides_update(OmDiscoveredOverrides *o, const OmAccountSettings *values,
                               const gboolean given[OM_N_SETTINGS])
{
  OmAccountSettings defaults;

  om_account_settings_init(&defaults);
  for (int k = 0; k < OM_N_SETTINGS; k++) {
    OmSettingKey key = (OmSettingKey)k;
    gboolean back_to_source = (key == OM_SETTING_DISPLAY_NAME && values->display_name == NULL) ||
                              (key == OM_SETTING_HOST && values->host == NULL) ||
                              (key == OM_SETTING_PORT && values->port == 0);

    if (!given[k])
      continue;
    if (back_to_source) {
      copy_setting(&o->values, &defaults, key);
      o->set[k] = FALSE;
    } else {
      copy_setting(&o->values, values, key);
      o->set[k] = TRUE;
    }
  }
  om_account_settings_clear(&defaults);
}

gboolean
om_discovered_merge(const OmDiscoveredAccount *account, const OmDiscoveredOverrides *o,
                    OmAccountSettings *settings, GError **error)
{
  om_account_settings_clear(settings);
  om_account_settings_init(settings);
  settings->display_name = g_strdup(account->display_name);
  settings->host = g_strdup(account->host);
  settings->port = account->port;
  for (int k = 0; o != NULL && k < OM_N_SETTINGS; k++)
    if (o->set[k])
      copy_setting(settings, &o->values, (OmSettingKey)k);
  if (settings->check_reachability && (settings->host == NULL || settings->port == 0)) {
    settings->check_reachability = FALSE;
    g_set_error(error, OM_ERROR, OM_ERROR_INVALID_ARGS,
                "CheckReachability needs both Host and Port, and account %s has %s",
                account->id, settings->host == NULL ? "no Host" : "no Port");
    return FALSE;
  }
  return TRUE;
}

/* ---- the store ---- */

OmDiscoveredStore *
om_discovered_store_new(const char *dir)
{
  OmDiscoveredStore *store = g_new0(OmDiscoveredStore, 1);

  store->dir = g_strdup(dir);
  return store;
}

void
om_discovered_store_free(OmDiscoveredStore *store)
{
  if (store == NULL)
    return;
  g_free(store->dir);
  g_free(store);
}

const char *
om_discovered_store_get_dir(OmDiscoveredStore *store)
{
  return store->dir;
}

static gboolean
check_id(const char *id, GError **error)
{
  if (om_account_id_is_valid(id))
    return TRUE;
  g_set_error(error, OM_ERROR, OM_ERROR_INVALID_ARGS, "'%.80s' is not an account id", id);
  return FALSE;
}

static char *
file_path(OmDiscoveredStore *store, const char *id)
{
  g_autofree char *name = g_strconcat(id, SUFFIX, NULL);
  return g_build_filename(store->dir, name, NULL);
}

static gint
compare_strings(gconstpointer a, gconstpointer b)
{
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

GPtrArray *
om_discovered_store_list(OmDiscoveredStore *store, GError **error)
{
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func(g_free);
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GDir) dir = g_dir_open(store->dir, 0, &local_error);
  const char *name;

  if (dir == NULL) {
    if (g_error_matches(local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
      return g_steal_pointer(&ids);
    g_propagate_error(error, g_steal_pointer(&local_error));
    return NULL;
  }
  while ((name = g_dir_read_name(dir)) != NULL) {
    g_autofree char *id = NULL;

    if (!g_str_has_suffix(name, SUFFIX))
      continue;
    id = g_strndup(name, strlen(name) - strlen(SUFFIX));
    if (om_account_id_is_valid(id))
      g_ptr_array_add(ids, g_steal_pointer(&id));
  }
  g_ptr_array_sort(ids, compare_strings);
  return g_steal_pointer(&ids);
}

/* Reads and parses the file of @id (comments kept for a rewrite) into @overrides.
 * G_FILE_ERROR_NOENT when there is none; any other error names the file. */
static GKeyFile *
read_file(OmDiscoveredStore *store, const char *id, OmDiscoveredOverrides *overrides,
          GError **error)
{
  g_autofree char *path = file_path(store, id);
  g_autofree char *contents = NULL;
  g_autoptr(GKeyFile) keyfile = g_key_file_new();
  g_autoptr(GError) local_error = NULL;
  g_auto(OmDiscoveredOverrides) parsed;
  g_auto(GStrv) unknown = NULL;
  gsize length;

  om_discovered_overrides_init(&parsed);
  if (!om_read_regular_file(path, OM_ACCOUNT_FILE_MAX, &contents, &length, error))
    return NULL;
  if (!g_key_file_load_from_data(keyfile, contents, length,
                                 G_KEY_FILE_KEEP_COMMENTS | G_KEY_FILE_KEEP_TRANSLATIONS,
                                 &local_error) ||
      !om_account_settings_from_keyfile_full(&parsed.values, keyfile, TRUE, parsed.set,
                                             &unknown, &local_error)) {
    g_set_error(error, OM_ERROR, OM_ERROR_INVALID_ARGS, "%s: %s", path, local_error->message);
    return NULL;
  }
  if (g_key_file_has_key(keyfile, OM_ACCOUNT_GROUP, OM_DISCOVERED_HIDDEN_KEY, NULL)) {
    parsed.hidden = g_key_file_get_boolean(keyfile, OM_ACCOUNT_GROUP, OM_DISCOVERED_HIDDEN_KEY,
                                           &local_error);
    if (local_error != NULL) {
      g_set_error(error, OM_ERROR, OM_ERROR_INVALID_ARGS, "%s: %s: %s", path,
                  OM_DISCOVERED_HIDDEN_KEY, local_error->message);
      return NULL;
    }
  }
  for (char **k = unknown; *k; k++)
    if (!g_str_equal(*k, OM_DISCOVERED_HIDDEN_KEY))
      g_message("Discovered account %s: ignoring unknown key %s (kept in the file)", id, *k);
  if (overrides != NULL) {
    om_discovered_overrides_clear(overrides);
    *overrides = parsed;
    om_discovered_overrides_init(&parsed);
  }
  return g_steal_pointer(&keyfile);
}

gboolean
om_discovered_store_load(OmDiscoveredStore *store, const char *id,
                         OmDiscoveredOverrides *overrides, GError **error)
{
  g_autoptr(GKeyFile) keyfile = NULL;
  g_autoptr(GError) local_error = NULL;

  if (!check_id(id, error))
    return FALSE;
  keyfile = read_file(store, id, overrides, &local_error);
  if (keyfile != NULL)
    return TRUE;
  if (g_error_matches(local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT)) {
    om_discovered_overrides_clear(overrides);
    om_discovered_overrides_init(overrides);
    return TRUE;
  }
  g_propagate_error(error, g_steal_pointer(&local_error));
  return FALSE;
}

/* Whether @keyfile holds no key at all (comments alone do not count). */
static gboolean
has_no_keys(GKeyFile *keyfile)
{
  g_auto(GStrv) groups = g_key_file_get_groups(keyfile, NULL);

  for (char **g = groups; *g; g++) {
    g_auto(GStrv) keys = g_key_file_get_keys(keyfile, *g, NULL, NULL);
    if (keys != NULL && keys[0] != NULL)
      return FALSE;
  }
  return TRUE;
}

gboolean
om_discovered_store_save(OmDiscoveredStore *store, const char *id,
                         const OmDiscoveredOverrides *overrides, GError **error)
{
  g_autofree char *path = NULL;
  g_autoptr(GKeyFile) keyfile = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *data = NULL;
  gsize length;

  if (!check_id(id, error))
    return FALSE;
  path = file_path(store, id);
  keyfile = read_file(store, id, NULL, &local_error);
  if (keyfile == NULL) {
    if (!g_error_matches(local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT)) {
      g_set_error(error, OM_ERROR, OM_ERROR_FAILED,
                  "Not overwriting the settings of discovered account %s, whose file cannot "
                  "be used: %s", id, local_error->message);
      return FALSE;
    }
    g_clear_error(&local_error);
    keyfile = g_key_file_new();
  }
  om_account_settings_to_keyfile_only(&overrides->values, overrides->set, keyfile);
  if (overrides->hidden)
    g_key_file_set_boolean(keyfile, OM_ACCOUNT_GROUP, OM_DISCOVERED_HIDDEN_KEY, TRUE);
  else
    g_key_file_remove_key(keyfile, OM_ACCOUNT_GROUP, OM_DISCOVERED_HIDDEN_KEY, NULL);

  if (has_no_keys(keyfile)) {
    if (!om_durable_unlink(path, &local_error)) {
      g_set_error(error, OM_ERROR, OM_ERROR_FAILED,
                  "Cannot remove the settings of discovered account %s: %s", id,
                  local_error->message);
      return FALSE;
    }
    return TRUE;
  }
  data = g_key_file_to_data(keyfile, &length, NULL);
  if (!om_durable_write(path, data, length, &local_error)) {
    g_set_error(error, OM_ERROR, OM_ERROR_FAILED,
                "Cannot save the settings of discovered account %s: %s", id,
                local_error->message);
    return FALSE;
  }
  return TRUE;
}
