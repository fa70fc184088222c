/* Reading the daemon's replies: single values, a{sv} dictionaries and their variants. */
#include <stdlib.h>
#include <string.h>

#include "client-private.h"

int
om_read_uint32_reply(DBusMessage *reply, uint32_t *value, OmError *error)
{
  DBusError e = DBUS_ERROR_INIT;
  dbus_uint32_t v;

  if (!dbus_message_get_args(reply, &e, DBUS_TYPE_UINT32, &v, DBUS_TYPE_INVALID)) {
    om_set_error(error, OM_E_FAILED, e.name, "Unexpected reply from offlinemgrd: %s",
                 e.message != NULL ? e.message : "");
    dbus_error_free(&e);
    return OM_E_FAILED;
  }
  *value = v;
  return 0;
}

int
om_read_dict(DBusMessageIter *dict, OmDictFunc func, void *user_data)
{
  DBusMessageIter entries;

  if (dbus_message_iter_get_arg_type(dict) != DBUS_TYPE_ARRAY ||
      dbus_message_iter_get_element_type(dict) != DBUS_TYPE_DICT_ENTRY)
    return OM_E_FAILED;
  dbus_message_iter_recurse(dict, &entries);
  while (dbus_message_iter_get_arg_type(&entries) == DBUS_TYPE_DICT_ENTRY) {
    DBusMessageIter entry, variant;
    const char *key;
    int r;

    dbus_message_iter_recurse(&entries, &entry);
    if (dbus_message_iter_get_arg_type(&entry) != DBUS_TYPE_STRING)
      return OM_E_FAILED;
    dbus_message_iter_get_basic(&entry, &key);
    dbus_message_iter_next(&entry);
    if (dbus_message_iter_get_arg_type(&entry) == DBUS_TYPE_VARIANT) {
      dbus_message_iter_recurse(&entry, &variant);
      r = func(key, &variant, user_data);
    } else {
      r = func(key, &entry, user_data);
    }
    if (r != 0)
      return r;
    dbus_message_iter_next(&entries);
  }
  return 0;
}

int
om_read_string(DBusMessageIter *iter, char **value)
{
  const char *s;
  char *copy;
  int type = dbus_message_iter_get_arg_type(iter);

  if (type != DBUS_TYPE_STRING && type != DBUS_TYPE_OBJECT_PATH)
    return OM_E_FAILED;
  dbus_message_iter_get_basic(iter, &s);
  if ((copy = strdup(s)) == NULL)
    return OM_E_NO_MEMORY;
  free(*value);
  *value = copy;
  return 0;
}

int
om_read_u32(DBusMessageIter *iter, uint32_t *value)
{
  dbus_uint32_t v;

  if (dbus_message_iter_get_arg_type(iter) != DBUS_TYPE_UINT32)
    return OM_E_FAILED;
  dbus_message_iter_get_basic(iter, &v);
  *value = v;
  return 0;
}

int
om_read_bool(DBusMessageIter *iter, int *value)
{
  dbus_bool_t v;

  if (dbus_message_iter_get_arg_type(iter) != DBUS_TYPE_BOOLEAN)
    return OM_E_FAILED;
  dbus_message_iter_get_basic(iter, &v);
  *value = v ? 1 : 0;
  return 0;
}

void
om_strv_free(char **strv)
{
  if (strv == NULL)
    return;
  for (char **p = strv; *p != NULL; p++)
    free(*p);
  free(strv);
}

int
om_read_strv(DBusMessageIter *iter, char ***value)
{
  DBusMessageIter items;
  size_t n = 0, size = 4;
  char **strv;

  if (dbus_message_iter_get_arg_type(iter) != DBUS_TYPE_ARRAY ||
      dbus_message_iter_get_element_type(iter) != DBUS_TYPE_STRING)
    return OM_E_FAILED;
  if ((strv = calloc(size, sizeof *strv)) == NULL)
    return OM_E_NO_MEMORY;
  dbus_message_iter_recurse(iter, &items);
  while (dbus_message_iter_get_arg_type(&items) == DBUS_TYPE_STRING) {
    const char *s;

    if (n + 1 >= size) {
      char **bigger = realloc(strv, 2 * size * sizeof *strv);
      if (bigger == NULL) {
        om_strv_free(strv);
        return OM_E_NO_MEMORY;
      }
      strv = bigger;
      size *= 2;
    }
    dbus_message_iter_get_basic(&items, &s);
    if ((strv[n] = strdup(s)) == NULL) {
      om_strv_free(strv);
      return OM_E_NO_MEMORY;
    }
    strv[++n] = NULL;
    dbus_message_iter_next(&items);
  }
  om_strv_free(*value);
  *value = strv;
  return 0;
}
