/* The daemon as a whole: whether it runs, the Manager's properties, and accounts. */
#include <stdlib.h>
#include <string.h>

#include "client-private.h"

#define CHECK_CLIENT(client, error)                                                      \
  do {                                                                                   \
    if ((client) == NULL)                                                                \
      return om_set_error((error), OM_E_INVALID_ARGS, NULL, "No client given");          \
  } while (0)

int
om_client_daemon_is_running(OmClient *client, OmError *error)
{
  const char *name = OM_BUS_NAME;
  DBusMessage *msg, *reply;
  dbus_bool_t has_owner = FALSE;
  int r;

  CHECK_CLIENT(client, error);
  msg = dbus_message_new_method_call(DBUS_SERVICE_DBUS, DBUS_PATH_DBUS, DBUS_INTERFACE_DBUS,
                                     "NameHasOwner");
  if (msg != NULL && !dbus_message_append_args(msg, DBUS_TYPE_STRING, &name, DBUS_TYPE_INVALID)) {
    dbus_message_unref(msg);
    msg = NULL;
  }
  r = om_client_call(client, msg, &reply, error);
  if (msg != NULL)
    dbus_message_unref(msg);
  if (r < 0)
    return r;
  if (!dbus_message_get_args(reply, NULL, DBUS_TYPE_BOOLEAN, &has_owner, DBUS_TYPE_INVALID))
    r = om_set_error(error, OM_E_FAILED, NULL, "Unexpected reply from the bus");
  dbus_message_unref(reply);
  return r < 0 ? r : has_owner ? 1 : 0;
}

static int
read_manager_prop(const char *key, DBusMessageIter *value, void *data)
{
  OmManagerInfo *info = data;

  if (strcmp(key, "Version") == 0)
    return om_read_string(value, &info->version);
  if (strcmp(key, "NetworkBackend") == 0)
    return om_read_string(value, &info->network_backend);
  if (strcmp(key, "NetworkState") == 0)
    return om_read_u32(value, &info->network_state);
  if (strcmp(key, "Connectivity") == 0)
    return om_read_u32(value, &info->connectivity);
  if (strcmp(key, "Metered") == 0)
    return om_read_bool(value, &info->metered);
  if (strcmp(key, "ActiveConnections") == 0)
    return om_read_strv(value, &info->active_connections);
  return 0;
}

int
om_client_get_manager_info(OmClient *client, OmManagerInfo *info, OmError *error)
{
  const char *iface = OM_IFACE_MANAGER;
  DBusMessage *msg, *reply;
  DBusMessageIter iter;
  int r;

  CHECK_CLIENT(client, error);
  if (info == NULL)
    return om_set_error(error, OM_E_INVALID_ARGS, NULL, "No place for the properties given");
  memset(info, 0, sizeof *info);
  msg = om_method_call(OM_ROOT_PATH, OM_IFACE_PROPERTIES, "GetAll");
  if (msg != NULL && !dbus_message_append_args(msg, DBUS_TYPE_STRING, &iface, DBUS_TYPE_INVALID)) {
    dbus_message_unref(msg);
    msg = NULL;
  }
  r = om_client_call(client, msg, &reply, error);
  if (msg != NULL)
    dbus_message_unref(msg);
  if (r < 0)
    return r;
  dbus_message_iter_init(reply, &iter);
  r = om_read_dict(&iter, read_manager_prop, info);
  dbus_message_unref(reply);
  if (r == 0 && (info->version == NULL || info->network_backend == NULL))
    r = OM_E_FAILED;
  if (r == 0 && info->active_connections == NULL &&
      (info->active_connections = calloc(1, sizeof(char *))) == NULL)
    r = OM_E_NO_MEMORY;
  if (r < 0) {
    om_manager_info_clear(info);
    return om_set_error(error, r, NULL, r == OM_E_NO_MEMORY ? "Out of memory" :
                        "Unexpected properties from offlinemgrd");
  }
  return 0;
}

void
om_manager_info_clear(OmManagerInfo *info)
{
  if (info == NULL)
    return;
  free(info->version);
  free(info->network_backend);
  om_strv_free(info->active_connections);
  memset(info, 0, sizeof *info);
}

typedef struct {
  OmAccountInfo *items;
  size_t n, size;
} AccountList;

static int
read_account_prop(const char *key, DBusMessageIter *value, void *data)
{
  OmAccountInfo *a = data;

  if (strcmp(key, "Id") == 0)
    return om_read_string(value, &a->id);
  if (strcmp(key, "DisplayName") == 0)
    return om_read_string(value, &a->display_name);
  if (strcmp(key, "State") == 0)
    return om_read_u32(value, &a->state);
  if (strcmp(key, "RequestedState") == 0)
    return om_read_u32(value, &a->requested_state);
  if (strcmp(key, "Reason") == 0)
    return om_read_string(value, &a->reason);
  if (strcmp(key, "Transitioning") == 0)
    return om_read_bool(value, &a->transitioning);
  return 0;
}

static void
account_info_clear(OmAccountInfo *a)
{
  free(a->id);
  free(a->path);
  free(a->display_name);
  free(a->reason);
}

/* One entry of a{oa{sa{sv}}}: an object path and its interfaces. */
static int
read_managed_object(DBusMessageIter *entry, AccountList *list)
{
  DBusMessageIter ifaces, iface_entry, props;
  OmAccountInfo a = { 0 };
  const char *path;
  bool is_account = false;
  int r = 0;

  if (dbus_message_iter_get_arg_type(entry) != DBUS_TYPE_OBJECT_PATH)
    return OM_E_FAILED;
  dbus_message_iter_get_basic(entry, &path);
  dbus_message_iter_next(entry);
  if (dbus_message_iter_get_arg_type(entry) != DBUS_TYPE_ARRAY)
    return OM_E_FAILED;
  dbus_message_iter_recurse(entry, &ifaces);
  while (r == 0 && dbus_message_iter_get_arg_type(&ifaces) == DBUS_TYPE_DICT_ENTRY) {
    const char *iface;

    dbus_message_iter_recurse(&ifaces, &iface_entry);
    dbus_message_iter_get_basic(&iface_entry, &iface);
    dbus_message_iter_next(&iface_entry);
    props = iface_entry;
    if (strcmp(iface, OM_IFACE_ACCOUNT) == 0) {
      is_account = true;
      r = om_read_dict(&props, read_account_prop, &a);
    } else if (strcmp(iface, OM_IFACE_OFFLINE) == 0) {
      r = om_read_dict(&props, read_account_prop, &a);
    }
    dbus_message_iter_next(&ifaces);
  }
  if (r == 0 && is_account) {
    if (a.id == NULL || a.reason == NULL || a.display_name == NULL) {
      r = OM_E_FAILED;
    } else if ((a.path = strdup(path)) == NULL) {
      r = OM_E_NO_MEMORY;
    } else {
      if (list->n == list->size) {
        size_t size = list->size != 0 ? 2 * list->size : 8;
        OmAccountInfo *bigger = realloc(list->items, size * sizeof *bigger);
        if (bigger == NULL) {
          account_info_clear(&a);
          return OM_E_NO_MEMORY;
        }
        list->items = bigger;
        list->size = size;
      }
      list->items[list->n++] = a;
      return 0;
    }
  }
  account_info_clear(&a);
  return r;
}

static int
compare_accounts(const void *a, const void *b)
{
  return strcmp(((const OmAccountInfo *)a)->id, ((const OmAccountInfo *)b)->id);
}

int
om_client_list_accounts(OmClient *client, OmAccountInfo **accounts, size_t *n_accounts,
                        OmError *error)
{
  AccountList list = { 0 };
  DBusMessage *msg, *reply;
  DBusMessageIter iter, objects, entry;
  int r = 0;

  CHECK_CLIENT(client, error);
  if (accounts == NULL || n_accounts == NULL)
    return om_set_error(error, OM_E_INVALID_ARGS, NULL, "No place for the accounts given");
  msg = om_method_call(OM_ROOT_PATH, OM_IFACE_OBJECT_MANAGER, "GetManagedObjects");
  r = om_client_call(client, msg, &reply, error);
  if (msg != NULL)
    dbus_message_unref(msg);
  if (r < 0)
    return r;
  dbus_message_iter_init(reply, &iter);
  if (dbus_message_iter_get_arg_type(&iter) != DBUS_TYPE_ARRAY) {
    r = OM_E_FAILED;
  } else {
    dbus_message_iter_recurse(&iter, &objects);
    while (r == 0 && dbus_message_iter_get_arg_type(&objects) == DBUS_TYPE_DICT_ENTRY) {
      dbus_message_iter_recurse(&objects, &entry);
      r = read_managed_object(&entry, &list);
      dbus_message_iter_next(&objects);
    }
  }
  dbus_message_unref(reply);
  if (r < 0) {
    om_account_info_list_free(list.items, list.n);
    return om_set_error(error, r, NULL, r == OM_E_NO_MEMORY ? "Out of memory" :
                        "Unexpected reply from offlinemgrd to GetManagedObjects");
  }
  if (list.n > 1)
    qsort(list.items, list.n, sizeof *list.items, compare_accounts);
  *accounts = list.items;
  *n_accounts = list.n;
  return 0;
}

void
om_account_info_list_free(OmAccountInfo *accounts, size_t n_accounts)
{
  if (accounts == NULL)
    return;
  for (size_t i = 0; i < n_accounts; i++)
    account_info_clear(&accounts[i]);
  free(accounts);
}

/* A Manager call taking an account id and, for Add and Update, settings. */
static int
account_call(OmClient *client, const char *method, const char *id, bool with_settings,
             const char *const *settings, OmError *error)
{
  DBusMessage *msg, *reply;
  DBusMessageIter iter;
  int r;

  CHECK_CLIENT(client, error);
  if (!om_account_id_is_valid(id))
    return om_set_error(error, OM_E_INVALID_ARGS, NULL,
                        "Invalid account id '%.80s': it must be 1-%d characters of "
                        "[A-Za-z0-9_.-]", id != NULL ? id : "(null)", OM_ACCOUNT_ID_MAX);
  msg = om_method_call(OM_ROOT_PATH, OM_IFACE_MANAGER, method);
  if (msg == NULL)
    return om_set_error(error, OM_E_NO_MEMORY, NULL, "Out of memory");
  dbus_message_iter_init_append(msg, &iter);
  if (!dbus_message_iter_append_basic(&iter, DBUS_TYPE_STRING, &id)) {
    dbus_message_unref(msg);
    return om_set_error(error, OM_E_NO_MEMORY, NULL, "Out of memory");
  }
  if (with_settings && (r = om_settings_append(&iter, settings, error)) < 0) {
    dbus_message_unref(msg);
    return r;
  }
  r = om_client_call(client, msg, &reply, error);
  dbus_message_unref(msg);
  if (r == 0)
    dbus_message_unref(reply);
  return r;
}

int
om_client_add_account(OmClient *client, const char *id, const char *const *settings,
                      OmError *error)
{
  return account_call(client, "AddAccount", id, true, settings, error);
}

int
om_client_update_account(OmClient *client, const char *id, const char *const *settings,
                         OmError *error)
{
  return account_call(client, "UpdateAccount", id, true, settings, error);
}

int
om_client_remove_account(OmClient *client, const char *id, OmError *error)
{
  return account_call(client, "RemoveAccount", id, false, NULL, error);
}

int
om_client_reload(OmClient *client, OmError *error)
{
  DBusMessage *msg, *reply;
  int r;

  CHECK_CLIENT(client, error);
  msg = om_method_call(OM_ROOT_PATH, OM_IFACE_MANAGER, "Reload");
  r = om_client_call(client, msg, &reply, error);
  if (msg != NULL)
    dbus_message_unref(msg);
  if (r == 0)
    dbus_message_unref(reply);
  return r;
}
