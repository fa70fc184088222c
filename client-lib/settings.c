/* Account settings as "Key=Value" strings: each value converted to its setting's D-Bus
 * type (dbus/org.offlinemgr.OfflineMgr1.Manager.xml lists them), and lists in the
 * keyfile's ';' syntax. Pure: no I/O beyond appending to a message. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "client-private.h"

static const struct {
  const char *key;
  char type;
} settings_table[] = {
  { "DisplayName", 's' },
  { "Host", 's' },
  { "Port", 'u' },
  { "RequireConnections", 'a' },
  { "MinConnectivity", 's' },
  { "AllowMetered", 'b' },
  { "CheckReachability", 'b' },
};

char
om_setting_type(const char *key)
{
  for (size_t i = 0; i < sizeof settings_table / sizeof settings_table[0]; i++)
    if (strcmp(key, settings_table[i].key) == 0)
      return settings_table[i].type;
  return 0;
}

bool
om_account_id_is_valid(const char *id)
{
  size_t n = 0;

  if (id == NULL)
    return false;
  for (const char *p = id; *p != '\0'; p++, n++) {
    char c = *p;
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
          c == '_' || c == '.' || c == '-'))
      return false;
  }
  return n >= 1 && n <= OM_ACCOUNT_ID_MAX;
}

bool
om_parse_bool(const char *value, int *out)
{
  static const char *const yes[] = { "true", "yes", "1" }, *const no[] = { "false", "no", "0" };

  for (size_t i = 0; i < 3; i++) {
    if (strcasecmp(value, yes[i]) == 0) {
      *out = 1;
      return true;
    }
    if (strcasecmp(value, no[i]) == 0) {
      *out = 0;
      return true;
    }
  }
  return false;
}

bool
om_parse_u32(const char *value, uint32_t *out)
{
  uint64_t v = 0;

  if (*value == '\0')
    return false;
  for (const char *p = value; *p != '\0'; p++) {
    if (*p < '0' || *p > '9')
      return false;
    v = v * 10 + (uint64_t)(*p - '0');
    if (v > UINT32_MAX)
      return false;
  }
  *out = (uint32_t)v;
  return true;
}

char **
om_list_split(const char *value)
{
  size_t len = strlen(value), n = 0;
  char **items = calloc(len + 2, sizeof *items);  /* at most one item per byte, + NULL */
  char *item = malloc(len + 1);
  size_t k = 0;

  if (items == NULL || item == NULL)
    goto oom;
  for (const char *p = value;; p++) {
    if (*p == '\\' && (p[1] == ';' || p[1] == '\\')) {
      item[k++] = *++p;
      continue;
    }
    if (*p == ';' || *p == '\0') {
      /* A trailing ';' (or an empty value) adds no empty item. */
      if (!(*p == '\0' && k == 0 && (p == value || p[-1] == ';'))) {
        item[k] = '\0';
        if ((items[n++] = strdup(item)) == NULL)
          goto oom;
      }
      k = 0;
      if (*p == '\0')
        break;
      continue;
    }
    item[k++] = *p;
  }
  free(item);
  return items;

oom:
  free(item);
  om_strv_free(items);
  return NULL;
}

char *
om_list_join(const char *const *items)
{
  size_t size = 1;
  char *out, *q;

  for (const char *const *p = items; *p != NULL; p++)
    size += 2 * strlen(*p) + 1;
  if ((out = malloc(size)) == NULL)
    return NULL;
  q = out;
  for (const char *const *p = items; *p != NULL; p++) {
    if (p != items)
      *q++ = ';';
    for (const char *s = *p; *s != '\0'; s++) {
      if (*s == ';' || *s == '\\')
        *q++ = '\\';
      *q++ = *s;
    }
  }
  *q = '\0';
  return out;
}

/* Checks one "Key=Value" string; returns its type and the position of its value. */
static int
check_setting(const char *setting, char *type, const char **value, OmError *error)
{
  const char *eq;
  char key[64];
  size_t key_len;
  int b;
  uint32_t u;

  if (setting == NULL)
    return om_set_error(error, OM_E_INVALID_ARGS, NULL, "A setting is NULL");
  eq = strchr(setting, '=');
  if (eq == NULL)
    return om_set_error(error, OM_E_INVALID_ARGS, NULL,
                        "Setting '%.80s' is not of the form Key=Value", setting);
  key_len = (size_t)(eq - setting);
  if (key_len == 0 || key_len >= sizeof key)
    return om_set_error(error, OM_E_INVALID_ARGS, NULL, "Unknown setting '%.*s'",
                        (int)(key_len < 80 ? key_len : 80), setting);
  memcpy(key, setting, key_len);
  key[key_len] = '\0';
  *type = om_setting_type(key);
  *value = eq + 1;
  switch (*type) {
  case 0:
    return om_set_error(error, OM_E_INVALID_ARGS, NULL,
                        "Unknown setting '%s' (known: DisplayName, Host, Port, "
                        "RequireConnections, MinConnectivity, AllowMetered, "
                        "CheckReachability)", key);
  case 'u':
    if (!om_parse_u32(*value, &u))
      return om_set_error(error, OM_E_INVALID_ARGS, NULL,
                          "Setting %s: '%.80s' is not a number", key, *value);
    break;
  case 'b':
    if (!om_parse_bool(*value, &b))
      return om_set_error(error, OM_E_INVALID_ARGS, NULL,
                          "Setting %s: '%.80s' is not true or false", key, *value);
    break;
  default:
    break;
  }
  return 0;
}

static int
append_setting(DBusMessageIter *dict, const char *setting, char type, const char *value)
{
  DBusMessageIter entry, variant, array;
  size_t key_len = (size_t)(strchr(setting, '=') - setting);
  char key[64];
  const char *key_ptr = key;
  static const char signature[][3] = { "s", "u", "b", "as" };
  const char *sig = type == 's' ? signature[0] : type == 'u' ? signature[1] :
                    type == 'b' ? signature[2] : signature[3];
  bool ok;

  memcpy(key, setting, key_len);
  key[key_len] = '\0';
  if (!dbus_message_iter_open_container(dict, DBUS_TYPE_DICT_ENTRY, NULL, &entry))
    return OM_E_NO_MEMORY;
  ok = dbus_message_iter_append_basic(&entry, DBUS_TYPE_STRING, &key_ptr) &&
       dbus_message_iter_open_container(&entry, DBUS_TYPE_VARIANT, sig, &variant);
  if (!ok) {
    dbus_message_iter_abandon_container_if_open(dict, &entry);
    return OM_E_NO_MEMORY;
  }
  switch (type) {
  case 's':
    ok = dbus_message_iter_append_basic(&variant, DBUS_TYPE_STRING, &value);
    break;
  case 'u': {
    uint32_t u = 0;
    dbus_uint32_t v;
    om_parse_u32(value, &u);
    v = u;
    ok = dbus_message_iter_append_basic(&variant, DBUS_TYPE_UINT32, &v);
    break;
  }
  case 'b': {
    int b = 0;
    dbus_bool_t v;
    om_parse_bool(value, &b);
    v = b ? TRUE : FALSE;
    ok = dbus_message_iter_append_basic(&variant, DBUS_TYPE_BOOLEAN, &v);
    break;
  }
  default: {
    char **items = om_list_split(value);

    ok = items != NULL &&
         dbus_message_iter_open_container(&variant, DBUS_TYPE_ARRAY, "s", &array);
    for (char **p = items; ok && *p != NULL; p++)
      ok = dbus_message_iter_append_basic(&array, DBUS_TYPE_STRING, p);
    ok = ok && dbus_message_iter_close_container(&variant, &array);
    om_strv_free(items);
    break;
  }
  }
  ok = ok && dbus_message_iter_close_container(&entry, &variant) &&
       dbus_message_iter_close_container(dict, &entry);
  return ok ? 0 : OM_E_NO_MEMORY;
}

int
om_settings_append(DBusMessageIter *iter, const char *const *settings, OmError *error)
{
  DBusMessageIter dict;
  const char *value;
  char type;
  int r;

  for (const char *const *p = settings; p != NULL && *p != NULL; p++)
    if ((r = check_setting(*p, &type, &value, error)) < 0)
      return r;
  if (!dbus_message_iter_open_container(iter, DBUS_TYPE_ARRAY, "{sv}", &dict))
    return om_set_error(error, OM_E_NO_MEMORY, NULL, "Out of memory");
  for (const char *const *p = settings; p != NULL && *p != NULL; p++) {
    check_setting(*p, &type, &value, NULL);
    if ((r = append_setting(&dict, *p, type, value)) < 0) {
      dbus_message_iter_abandon_container(iter, &dict);
      return om_set_error(error, r, NULL, "Out of memory");
    }
  }
  if (!dbus_message_iter_close_container(iter, &dict))
    return om_set_error(error, OM_E_NO_MEMORY, NULL, "Out of memory");
  return 0;
}
