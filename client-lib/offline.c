/* Offline object handles: open, read, set state, advise and unadvise. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client-private.h"

#define CHECK_HANDLE(offline, error)                                                     \
  do {                                                                                   \
    if ((offline) == NULL)                                                               \
      return om_set_error((error), OM_E_INVALID_ARGS, NULL, "No offline object given");  \
  } while (0)

static int
check_id(const char *id, OmError *error)
{
  if (!om_account_id_is_valid(id))
    return om_set_error(error, OM_E_INVALID_ARGS, NULL,
                        "Invalid account id '%.80s': it must be 1-%d characters of "
                        "[A-Za-z0-9_.-]", id, OM_ACCOUNT_ID_MAX);
  return 0;
}

OmOffline *
om_offline_open(OmClient *client, const char *account_id, OmError *error)
{
  DBusMessage *msg, *reply = NULL;
  OmOffline *offline;
  const char *path = OM_ROOT_PATH;
  int r;

  if (client == NULL) {
    om_set_error(error, OM_E_INVALID_ARGS, NULL, "No client given");
    return NULL;
  }
  if (account_id != NULL && account_id[0] == '\0')
    account_id = NULL;
  if (account_id != NULL) {
    if (check_id(account_id, error) < 0)
      return NULL;
    msg = om_method_call(OM_ROOT_PATH, OM_IFACE_MANAGER, "GetAccount");
    if (msg != NULL &&
        !dbus_message_append_args(msg, DBUS_TYPE_STRING, &account_id, DBUS_TYPE_INVALID)) {
      dbus_message_unref(msg);
      msg = NULL;
    }
  } else {
    /* Any call asks the daemon (and activates it); this one is cheapest. */
    msg = om_method_call(OM_ROOT_PATH, OM_IFACE_OFFLINE, "GetCapabilities");
  }
  r = om_client_call(client, msg, &reply, error);
  if (msg != NULL)
    dbus_message_unref(msg);
  if (r < 0)
    return NULL;
  if (account_id != NULL &&
      !dbus_message_get_args(reply, NULL, DBUS_TYPE_OBJECT_PATH, &path, DBUS_TYPE_INVALID)) {
    om_set_error(error, OM_E_FAILED, NULL, "Unexpected reply from offlinemgrd to GetAccount");
    dbus_message_unref(reply);
    return NULL;
  }
  offline = calloc(1, sizeof *offline);
  if (offline == NULL || (offline->path = strdup(path)) == NULL ||
      (account_id != NULL && (offline->id = strdup(account_id)) == NULL)) {
    if (offline != NULL) {
      free(offline->path);
      free(offline);
    }
    dbus_message_unref(reply);
    om_set_error(error, OM_E_NO_MEMORY, NULL, "Out of memory");
    return NULL;
  }
  dbus_message_unref(reply);
  offline->client = om_client_ref(client);
  return offline;
}

void
om_offline_close(OmOffline *offline)
{
  if (offline == NULL)
    return;
  om_client_unadvise_all(offline->client, offline);
  om_client_unref(offline->client);
  free(offline->id);
  free(offline->path);
  free(offline);
}

const char *
om_offline_get_id(OmOffline *offline)
{
  return offline != NULL ? offline->id : NULL;
}

const char *
om_offline_get_path(OmOffline *offline)
{
  return offline != NULL ? offline->path : NULL;
}

OmClient *
om_offline_get_client(OmOffline *offline)
{
  return offline != NULL ? offline->client : NULL;
}

static int
call_uint32(OmOffline *offline, const char *method, uint32_t *value, OmError *error)
{
  DBusMessage *msg = om_method_call(offline->path, OM_IFACE_OFFLINE, method), *reply;
  int r = om_client_call(offline->client, msg, &reply, error);

  if (msg != NULL)
    dbus_message_unref(msg);
  if (r < 0)
    return r;
  r = om_read_uint32_reply(reply, value, error);
  dbus_message_unref(reply);
  return r;
}

int
om_offline_get_state(OmOffline *offline, uint32_t *state, OmError *error)
{
  uint32_t value;
  int r;

  CHECK_HANDLE(offline, error);
  if (state == NULL)
    return om_set_error(error, OM_E_INVALID_ARGS, NULL, "No place for the state given");
  if ((r = call_uint32(offline, "GetCurrentState", &value, error)) < 0)
    return r;
  if (value != OM_STATE_ONLINE && value != OM_STATE_OFFLINE)
    return om_set_error(error, OM_E_FAILED, NULL, "offlinemgrd reported state %u", value);
  *state = value;
  return 0;
}

int
om_offline_get_capabilities(OmOffline *offline, uint32_t *capabilities, OmError *error)
{
  CHECK_HANDLE(offline, error);
  if (capabilities == NULL)
    return om_set_error(error, OM_E_INVALID_ARGS, NULL, "No place for the capabilities given");
  return call_uint32(offline, "GetCapabilities", capabilities, error);
}

/* Properties.GetAll(@iface) or Get(@iface, @prop); returns the reply's iterator on its
 * a{sv} or on the variant's contents. */
static int
get_properties(OmOffline *offline, const char *iface, const char *prop, DBusMessage **reply,
               DBusMessageIter *iter, OmError *error)
{
  DBusMessage *msg = om_method_call(offline->path, OM_IFACE_PROPERTIES,
                                    prop != NULL ? "Get" : "GetAll");
  int r;

  if (msg != NULL &&
      !(prop != NULL ?
        dbus_message_append_args(msg, DBUS_TYPE_STRING, &iface, DBUS_TYPE_STRING, &prop,
                                 DBUS_TYPE_INVALID) :
        dbus_message_append_args(msg, DBUS_TYPE_STRING, &iface, DBUS_TYPE_INVALID))) {
    dbus_message_unref(msg);
    msg = NULL;
  }
  r = om_client_call(offline->client, msg, reply, error);
  if (msg != NULL)
    dbus_message_unref(msg);
  if (r < 0)
    return r;
  dbus_message_iter_init(*reply, iter);
  if (prop != NULL) {
    DBusMessageIter variant;

    if (dbus_message_iter_get_arg_type(iter) != DBUS_TYPE_VARIANT) {
      dbus_message_unref(*reply);
      return om_set_error(error, OM_E_FAILED, NULL, "Unexpected reply from offlinemgrd");
    }
    dbus_message_iter_recurse(iter, &variant);
    *iter = variant;
  }
  return 0;
}

static int
read_offline_prop(const char *key, DBusMessageIter *value, void *data)
{
  OmOfflineInfo *info = data;

  if (strcmp(key, "State") == 0)
    return om_read_u32(value, &info->state);
  if (strcmp(key, "RequestedState") == 0)
    return om_read_u32(value, &info->requested_state);
  if (strcmp(key, "Reason") == 0)
    return om_read_string(value, &info->reason);
  if (strcmp(key, "Transitioning") == 0)
    return om_read_bool(value, &info->transitioning);
  return 0;
}

int
om_offline_get_info(OmOffline *offline, OmOfflineInfo *info, OmError *error)
{
  DBusMessage *reply;
  DBusMessageIter iter;
  int r;

  CHECK_HANDLE(offline, error);
  if (info == NULL)
    return om_set_error(error, OM_E_INVALID_ARGS, NULL, "No place for the properties given");
  memset(info, 0, sizeof *info);
  if ((r = get_properties(offline, OM_IFACE_OFFLINE, NULL, &reply, &iter, error)) < 0)
    return r;
  r = om_read_dict(&iter, read_offline_prop, info);
  dbus_message_unref(reply);
  if (r == 0 && info->reason == NULL)
    r = OM_E_FAILED;
  if (r == 0 && offline->id != NULL) {
    if ((r = get_properties(offline, OM_IFACE_ACCOUNT, "DisplayName", &reply, &iter,
                            error)) < 0) {
      om_offline_info_clear(info);
      return r;
    }
    r = om_read_string(&iter, &info->display_name);
    dbus_message_unref(reply);
  }
  if (r < 0) {
    om_offline_info_clear(info);
    return om_set_error(error, r, NULL, r == OM_E_NO_MEMORY ? "Out of memory" :
                        "Unexpected properties from offlinemgrd");
  }
  return 0;
}

void
om_offline_info_clear(OmOfflineInfo *info)
{
  if (info == NULL)
    return;
  free(info->reason);
  free(info->display_name);
  memset(info, 0, sizeof *info);
}

typedef struct {
  OmSetting *items;
  size_t n, size;
} SettingList;

static int
read_setting(const char *key, DBusMessageIter *value, void *data)
{
  SettingList *list = data;
  OmSetting *s;
  char buf[16];
  const char *text = NULL;
  char *owned = NULL;
  int type = dbus_message_iter_get_arg_type(value);

  if (list->n == list->size) {
    size_t size = list->size != 0 ? 2 * list->size : 8;
    OmSetting *bigger = realloc(list->items, size * sizeof *bigger);
    if (bigger == NULL)
      return OM_E_NO_MEMORY;
    list->items = bigger;
    list->size = size;
  }
  s = &list->items[list->n];
  memset(s, 0, sizeof *s);
  switch (type) {
  case DBUS_TYPE_STRING:
    dbus_message_iter_get_basic(value, &text);
    s->type = 's';
    break;
  case DBUS_TYPE_UINT32: {
    dbus_uint32_t u;
    dbus_message_iter_get_basic(value, &u);
    snprintf(buf, sizeof buf, "%u", (unsigned)u);
    text = buf;
    s->type = 'u';
    break;
  }
  case DBUS_TYPE_BOOLEAN: {
    dbus_bool_t b;
    dbus_message_iter_get_basic(value, &b);
    text = b ? "true" : "false";
    s->type = 'b';
    break;
  }
  case DBUS_TYPE_ARRAY: {
    char **strv = NULL;
    int r = om_read_strv(value, &strv);
    if (r < 0)
      return r;
    owned = om_list_join((const char *const *)strv);
    om_strv_free(strv);
    if (owned == NULL)
      return OM_E_NO_MEMORY;
    s->type = 'a';
    break;
  }
  default:
    return OM_E_FAILED;
  }
  s->key = strdup(key);
  s->value = owned != NULL ? owned : strdup(text);
  if (s->key == NULL || s->value == NULL) {
    free(s->key);
    free(s->value);
    return OM_E_NO_MEMORY;
  }
  list->n++;
  return 0;
}

int
om_offline_get_settings(OmOffline *offline, OmSetting **settings, size_t *n_settings,
                        OmError *error)
{
  SettingList list = { 0 };
  DBusMessage *reply;
  DBusMessageIter iter;
  int r;

  CHECK_HANDLE(offline, error);
  if (settings == NULL || n_settings == NULL)
    return om_set_error(error, OM_E_INVALID_ARGS, NULL, "No place for the settings given");
  if (offline->id == NULL)
    return om_set_error(error, OM_E_INVALID_ARGS, NULL, "The global object has no settings");
  if ((r = get_properties(offline, OM_IFACE_ACCOUNT, "Settings", &reply, &iter, error)) < 0)
    return r;
  r = om_read_dict(&iter, read_setting, &list);
  dbus_message_unref(reply);
  if (r < 0) {
    om_settings_free(list.items, list.n);
    return om_set_error(error, r, NULL, r == OM_E_NO_MEMORY ? "Out of memory" :
                        "Unexpected settings from offlinemgrd");
  }
  *settings = list.items;
  *n_settings = list.n;
  return 0;
}

int
om_offline_get_origin(OmOffline *offline, char **origin, OmError *error)
{
  DBusMessage *reply;
  DBusMessageIter iter;
  int r;

  CHECK_HANDLE(offline, error);
  if (origin == NULL)
    return om_set_error(error, OM_E_INVALID_ARGS, NULL, "No place for the origin given");
  *origin = NULL;
  if (offline->id == NULL)
    return om_set_error(error, OM_E_INVALID_ARGS, NULL, "The global object has no origin");
  if ((r = get_properties(offline, OM_IFACE_ACCOUNT, "Origin", &reply, &iter, error)) < 0)
    return r;
  r = om_read_string(&iter, origin);
  dbus_message_unref(reply);
  if (r < 0)
    return om_set_error(error, r, NULL, r == OM_E_NO_MEMORY ? "Out of memory" :
                        "Unexpected Origin from offlinemgrd");
  return 0;
}

void
om_settings_free(OmSetting *settings, size_t n_settings)
{
  if (settings == NULL)
    return;
  for (size_t i = 0; i < n_settings; i++) {
    free(settings[i].key);
    free(settings[i].value);
  }
  free(settings);
}

int
om_offline_set_state(OmOffline *offline, uint32_t flags, uint32_t state,
                     uint32_t *effective_state, OmError *error)
{
  dbus_uint32_t f = flags, mask = OM_STATE_MASK, s = state;
  DBusMessage *msg, *reply;
  uint32_t value;
  int r;

  CHECK_HANDLE(offline, error);
  if (flags & ~OM_FLAG_BLOCK)
    return om_set_error(error, OM_E_INVALID_ARGS, NULL,
                        "Flags 0x%x: only OM_FLAG_BLOCK (0x2000) is allowed", flags);
  if (state != OM_STATE_OFFLINE && state != OM_STATE_ONLINE)
    return om_set_error(error, OM_E_INVALID_ARGS, NULL,
                        "State %u: must be 1 (OFFLINE) or 2 (ONLINE)", state);
  if ((flags & OM_FLAG_BLOCK) && om_client_in_callback(offline->client))
    return om_set_error(error, OM_E_PENDING, NULL,
                        "SetCurrentState with BLOCK from inside a callback would wait on "
                        "itself; call it without BLOCK");
  msg = om_method_call(offline->path, OM_IFACE_OFFLINE, "SetCurrentState");
  if (msg != NULL && !dbus_message_append_args(msg, DBUS_TYPE_UINT32, &f, DBUS_TYPE_UINT32,
                                               &mask, DBUS_TYPE_UINT32, &s,
                                               DBUS_TYPE_INVALID)) {
    dbus_message_unref(msg);
    msg = NULL;
  }
  /* With BLOCK and callbacks to wait for, the reply is taken after the DONE before it. */
  if ((flags & OM_FLAG_BLOCK) && msg != NULL && om_client_watches(offline->client, offline->path))
    r = om_client_call_in_order(offline->client, msg, &reply, error);
  else
    r = om_client_call(offline->client, msg, &reply, error);
  if (msg != NULL)
    dbus_message_unref(msg);
  if (r < 0)
    return r;
  r = om_read_uint32_reply(reply, &value, error);
  dbus_message_unref(reply);
  if (r == 0 && effective_state != NULL)
    *effective_state = value;
  return r;
}

int
om_offline_advise(OmOffline *offline, uint32_t client_token, uint32_t state_mask,
                  OmStateCallback callback, void *user_data, OmDestroyNotify destroy,
                  uint32_t *token, OmError *error)
{
  CHECK_HANDLE(offline, error);
  if (callback == NULL)
    return om_set_error(error, OM_E_INVALID_ARGS, NULL, "No callback given");
  if (token == NULL)
    return om_set_error(error, OM_E_INVALID_ARGS, NULL, "No place for the token given");
  return om_client_advise(offline->client, offline, client_token, state_mask, callback,
                          user_data, destroy, token, error);
}

int
om_offline_unadvise(OmOffline *offline, uint32_t token)
{
  if (offline == NULL)
    return OM_E_INVALID_ARGS;
  return om_client_unadvise(offline->client, offline, token);
}
