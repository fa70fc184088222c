#include "state-store.h"

#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>

#include "durable-file.h"
#include "errors.h"

#define GROUP_GLOBAL "Global"
#define GROUP_ACCOUNTS "Accounts"
#define KEY_GLOBAL "RequestedState"
#define FILE_MAX (4 * 1024 * 1024)

struct OmStateStore {
  char *path;
  GKeyFile *keyfile;
  gboolean move_aside;  /* the file on disk did not parse; keep it before writing */
};

OmStateStore *
om_state_store_new(const char *path)
{
  OmStateStore *store = g_new0(OmStateStore, 1);

  store->path = g_strdup(path);
  store->keyfile = g_key_file_new();
  return store;
}

void
om_state_store_free(OmStateStore *store)
{
  if (store == NULL)
    return;
  g_key_file_unref(store->keyfile);
  g_free(store->path);
  g_free(store);
}

gboolean
om_state_store_load(OmStateStore *store, GError **error)
{
  g_autofree char *contents = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GKeyFile) keyfile = g_key_file_new();
  gsize length;

  if (!om_read_regular_file(store->path, FILE_MAX, &contents, &length, &local_error)) {
    if (g_error_matches(local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
      return TRUE;
    store->move_aside = TRUE;
    g_propagate_error(error, g_steal_pointer(&local_error));
    return FALSE;
  }
  if (!g_key_file_load_from_data(keyfile, contents, length, G_KEY_FILE_NONE, &local_error)) {
    store->move_aside = TRUE;
    g_set_error(error, OM_ERROR, OM_ERROR_INVALID_ARGS, "%s: %s", store->path,
                local_error->message);
    return FALSE;
  }
  g_key_file_unref(store->keyfile);
  store->keyfile = g_steal_pointer(&keyfile);
  return TRUE;
}

static OmState
parse_state(GKeyFile *kf, const char *group, const char *key)
{
  g_autofree char *value = g_key_file_get_string(kf, group, key, NULL);

  return g_strcmp0(value, "offline") == 0 ? OM_STATE_OFFLINE : OM_STATE_ONLINE;
}

OmState
om_state_store_get_global(OmStateStore *store)
{
  return parse_state(store->keyfile, GROUP_GLOBAL, KEY_GLOBAL);
}

OmState
om_state_store_get_account(OmStateStore *store, const char *id)
{
  return parse_state(store->keyfile, GROUP_ACCOUNTS, id);
}

/* <path>.corrupt, or <path>.corrupt.N when earlier unreadable files are kept there. */
static char *
aside_path(const char *path)
{
  char *aside = g_strconcat(path, ".corrupt", NULL);
  struct stat st;

  for (guint n = 1; lstat(aside, &st) == 0; n++) {
    g_free(aside);
    aside = g_strdup_printf("%s.corrupt.%u", path, n);
  }
  return aside;
}

static gboolean
save(OmStateStore *store, GError **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *data = NULL;
  gsize length;

  if (store->move_aside) {
    g_autofree char *aside = aside_path(store->path);
    if (rename(store->path, aside) < 0 && errno != ENOENT) {
      int err = errno;
      g_set_error(error, OM_ERROR, OM_ERROR_FAILED,
                  "Cannot move the unreadable %s aside: %s", store->path, g_strerror(err));
      return FALSE;
    }
    g_warning("Moved the unreadable %s to %s", store->path, aside);
    store->move_aside = FALSE;
  }
  data = g_key_file_to_data(store->keyfile, &length, NULL);
  if (!om_durable_write(store->path, data, length, &local_error)) {
    g_set_error(error, OM_ERROR, OM_ERROR_FAILED, "Cannot save the requested state: %s",
                local_error->message);
    return FALSE;
  }
  return TRUE;
}

/* Sets (or, for ONLINE, removes) one entry, writes, and undoes the change in memory when
 * the write fails. */
static gboolean
set_entry(OmStateStore *store, const char *group, const char *key, OmState state,
          GError **error)
{
  OmState old = parse_state(store->keyfile, group, key);

  if (old == state)
    return TRUE;
  if (state == OM_STATE_OFFLINE)
    g_key_file_set_string(store->keyfile, group, key, "offline");
  else
    g_key_file_remove_key(store->keyfile, group, key, NULL);
  if (!save(store, error)) {
    if (old == OM_STATE_OFFLINE)
      g_key_file_set_string(store->keyfile, group, key, "offline");
    else
      g_key_file_remove_key(store->keyfile, group, key, NULL);
    return FALSE;
  }
  return TRUE;
}

gboolean
om_state_store_set_global(OmStateStore *store, OmState state, GError **error)
{
  return set_entry(store, GROUP_GLOBAL, KEY_GLOBAL, state, error);
}

gboolean
om_state_store_set_account(OmStateStore *store, const char *id, OmState state, GError **error)
{
  return set_entry(store, GROUP_ACCOUNTS, id, state, error);
}

gboolean
om_state_store_remove_account(OmStateStore *store, const char *id, GError **error)
{
  return set_entry(store, GROUP_ACCOUNTS, id, OM_STATE_ONLINE, error);
}

char **
om_state_store_list_accounts(OmStateStore *store)
{
  char **keys = g_key_file_get_keys(store->keyfile, GROUP_ACCOUNTS, NULL, NULL);

  return keys != NULL ? keys : g_new0(char *, 1);
}
