#include "account-store.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include <gio/gio.h>

#include "durable-file.h"
#include "errors.h"

#define SUFFIX ".conf"

struct OmAccountStore {
  char *dir;
  GFileMonitor *monitor;
  OmAccountFileChanged changed;
  gpointer user_data;
};

OmAccountStore *
om_account_store_new(const char *dir)
{
  OmAccountStore *store = g_new0(OmAccountStore, 1);

  store->dir = g_strdup(dir);
  return store;
}

void
om_account_store_free(OmAccountStore *store)
{
  if (store == NULL)
    return;
  if (store->monitor != NULL) {
    g_signal_handlers_disconnect_by_data(store->monitor, store);
    g_file_monitor_cancel(store->monitor);
    g_object_unref(store->monitor);
  }
  g_free(store->dir);
  g_free(store);
}

const char *
om_account_store_get_dir(OmAccountStore *store)
{
  return store->dir;
}

static char *
account_path(OmAccountStore *store, const char *id)
{
  g_autofree char *name = g_strconcat(id, SUFFIX, NULL);
  return g_build_filename(store->dir, name, NULL);
}

/* The id of a file name <id>.conf, or NULL when the name is not an account's. */
static char *
id_from_file_name(const char *name)
{
  gsize len = strlen(name);
  g_autofree char *id = NULL;

  if (len <= strlen(SUFFIX) || !g_str_has_suffix(name, SUFFIX))
    return NULL;
  id = g_strndup(name, len - strlen(SUFFIX));
  return om_account_id_is_valid(id) ? g_steal_pointer(&id) : NULL;
}

static gint
compare_strings(gconstpointer a, gconstpointer b)
{
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

GPtrArray *
om_account_store_list(OmAccountStore *store, GError **error)
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
    char *id = id_from_file_name(name);
    if (id != NULL)
      g_ptr_array_add(ids, id);
  }
  g_ptr_array_sort(ids, compare_strings);
  return g_steal_pointer(&ids);
}

gboolean
om_account_store_exists(OmAccountStore *store, const char *id)
{
  g_autofree char *path = account_path(store, id);
  struct stat st;

  return lstat(path, &st) == 0;
}

/* Reads and parses the keyfile of @id, keeping comments for a later rewrite. */
static GKeyFile *
read_keyfile(OmAccountStore *store, const char *id, GError **error)
{
  g_autofree char *path = account_path(store, id);
  g_autofree char *contents = NULL;
  g_autoptr(GKeyFile) keyfile = g_key_file_new();
  g_autoptr(GError) local_error = NULL;
  gsize length;

  if (!om_read_regular_file(path, OM_ACCOUNT_FILE_MAX, &contents, &length, error))
    return NULL;
  if (!g_key_file_load_from_data(keyfile, contents, length,
                                 G_KEY_FILE_KEEP_COMMENTS | G_KEY_FILE_KEEP_TRANSLATIONS,
                                 &local_error)) {
    g_set_error(error, OM_ERROR, OM_ERROR_INVALID_ARGS, "%s: %s", path, local_error->message);
    return NULL;
  }
  return g_steal_pointer(&keyfile);
}

gboolean
om_account_store_load(OmAccountStore *store, const char *id, OmAccountSettings *settings,
                      GError **error)
{
  g_autoptr(GKeyFile) keyfile = read_keyfile(store, id, error);
  g_autoptr(GError) local_error = NULL;
  g_auto(GStrv) unknown = NULL;

  if (keyfile == NULL)
    return FALSE;
  if (!om_account_settings_from_keyfile(settings, keyfile, &unknown, &local_error)) {
    g_autofree char *path = account_path(store, id);
    g_set_error(error, OM_ERROR, OM_ERROR_INVALID_ARGS, "%s: %s", path, local_error->message);
    return FALSE;
  }
  for (char **k = unknown; *k; k++)
    g_message("Account %s: ignoring unknown key %s (kept in the file)", id, *k);
  return TRUE;
}

gboolean
om_account_store_save(OmAccountStore *store, const char *id,
                      const OmAccountSettings *settings, GError **error)
{
  g_autofree char *path = account_path(store, id);
  g_autoptr(GKeyFile) keyfile = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *data = NULL;
  gsize length;

  keyfile = read_keyfile(store, id, &local_error);
  if (keyfile != NULL) {
    /* A file whose syntax is fine but whose values are not is as unusable as one that
     * does not parse at all, and is left alone the same way. */
    g_auto(OmAccountSettings) current;
    g_autoptr(GError) value_error = NULL;

    om_account_settings_init(&current);
    if (!om_account_settings_from_keyfile(&current, keyfile, NULL, &value_error)) {
      g_set_error(&local_error, OM_ERROR, OM_ERROR_INVALID_ARGS, "%s: %s", path,
                  value_error->message);
      g_clear_pointer(&keyfile, g_key_file_unref);
    }
  }
  if (keyfile == NULL) {
    if (!g_error_matches(local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT)) {
      g_set_error(error, OM_ERROR, OM_ERROR_FAILED,
                  "Not overwriting the account's file, which cannot be used: %s",
                  local_error->message);
      return FALSE;
    }
    g_clear_error(&local_error);
    keyfile = g_key_file_new();
  }
  om_account_settings_to_keyfile(settings, keyfile);
  data = g_key_file_to_data(keyfile, &length, NULL);
  if (!om_durable_write(path, data, length, &local_error)) {
    g_set_error(error, OM_ERROR, OM_ERROR_FAILED, "Cannot save account %s: %s", id,
                local_error->message);
    return FALSE;
  }
  return TRUE;
}

gboolean
om_account_store_delete(OmAccountStore *store, const char *id, GError **error)
{
  g_autofree char *path = account_path(store, id);
  g_autoptr(GError) local_error = NULL;

  if (!om_durable_unlink(path, &local_error)) {
    g_set_error(error, OM_ERROR, OM_ERROR_FAILED, "Cannot remove account %s: %s", id,
                local_error->message);
    return FALSE;
  }
  return TRUE;
}

static void
notify_file(OmAccountStore *store, GFile *file)
{
  g_autofree char *name = NULL;
  g_autofree char *id = NULL;

  if (file == NULL)
    return;
  name = g_file_get_basename(file);
  id = id_from_file_name(name);
  if (id != NULL)
    store->changed(id, store->user_data);
}

static void
on_monitor_changed(GFileMonitor *monitor, GFile *file, GFile *other, GFileMonitorEvent event,
                   gpointer user_data)
{
  OmAccountStore *store = user_data;

  /* CREATED and CHANGED are followed by CHANGES_DONE_HINT once the writer closes the
   * file; reading earlier would see half-written files. */
  switch (event) {
  case G_FILE_MONITOR_EVENT_CHANGES_DONE_HINT:
  case G_FILE_MONITOR_EVENT_DELETED:
  case G_FILE_MONITOR_EVENT_MOVED_IN:
  case G_FILE_MONITOR_EVENT_MOVED_OUT:
    notify_file(store, file);
    break;
  case G_FILE_MONITOR_EVENT_RENAMED:
    notify_file(store, file);
    notify_file(store, other);
    break;
  default:
    break;
  }
}

gboolean
om_account_store_watch(OmAccountStore *store, OmAccountFileChanged changed, gpointer user_data,
                       GError **error)
{
  g_autoptr(GFile) dir = g_file_new_for_path(store->dir);

  /* Watching a missing directory makes GLib poll for it; create it instead. */
  if (g_mkdir_with_parents(store->dir, 0700) < 0) {
    int err = errno;
    g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(err),
                "Cannot create %s: %s", store->dir, g_strerror(err));
    return FALSE;
  }
  store->monitor = g_file_monitor_directory(dir, G_FILE_MONITOR_WATCH_MOVES, NULL, error);
  if (store->monitor == NULL)
    return FALSE;
  store->changed = changed;
  store->user_data = user_data;
  g_signal_connect(store->monitor, "changed", G_CALLBACK(on_monitor_changed), store);
  return TRUE;
}
