#include "account-settings.h"

#include <errno.h>
#include <string.h>

#include "errors.h"

static const struct {
  const char *name;
  const char *signature;
} setting_info[OM_N_SETTINGS] = {
  [OM_SETTING_DISPLAY_NAME] = { "DisplayName", "s" },
  [OM_SETTING_HOST] = { "Host", "s" },
  [OM_SETTING_PORT] = { "Port", "u" },
  [OM_SETTING_REQUIRE_CONNECTIONS] = { "RequireConnections", "as" },
  [OM_SETTING_MIN_CONNECTIVITY] = { "MinConnectivity", "s" },
  [OM_SETTING_ALLOW_METERED] = { "AllowMetered", "b" },
  [OM_SETTING_CHECK_REACHABILITY] = { "CheckReachability", "b" },
};

static const char *const min_connectivity_names[] = {
  [OM_MIN_CONNECTIVITY_FULL] = "full",
  [OM_MIN_CONNECTIVITY_LIMITED] = "limited",
  [OM_MIN_CONNECTIVITY_PORTAL] = "portal",
};

gboolean
om_account_id_is_valid(const char *id)
{
  gsize n = 0;

  if (id == NULL)
    return FALSE;
  for (const char *p = id; *p; p++, n++) {
    if (n >= OM_ACCOUNT_ID_MAX)
      return FALSE;
    if (!g_ascii_isalnum(*p) && *p != '_' && *p != '.' && *p != '-')
      return FALSE;
  }
  return n > 0;
}

gboolean
om_setting_lookup(const char *name, OmSettingKey *key)
{
  for (int i = 0; i < OM_N_SETTINGS; i++) {
    if (g_strcmp0(name, setting_info[i].name) == 0) {
      *key = (OmSettingKey)i;
      return TRUE;
    }
  }
  return FALSE;
}

const char *
om_setting_name(OmSettingKey key)
{
  return setting_info[key].name;
}

const char *
om_setting_signature(OmSettingKey key)
{
  return setting_info[key].signature;
}

const char *
om_min_connectivity_to_string(OmMinConnectivity min)
{
  return min_connectivity_names[min];
}

void
om_account_settings_init(OmAccountSettings *settings)
{
  *settings = (OmAccountSettings){
    .require_connections = g_new0(char *, 1),
    .min_connectivity = OM_MIN_CONNECTIVITY_FULL,
    .allow_metered = TRUE,
  };
}

void
om_account_settings_clear(OmAccountSettings *settings)
{
  g_clear_pointer(&settings->display_name, g_free);
  g_clear_pointer(&settings->host, g_free);
  g_clear_pointer(&settings->require_connections, g_strfreev);
}

void
om_account_settings_copy(OmAccountSettings *dest, const OmAccountSettings *src)
{
  *dest = *src;
  dest->display_name = g_strdup(src->display_name);
  dest->host = g_strdup(src->host);
  dest->require_connections = g_strdupv(src->require_connections);
}

gboolean
om_account_settings_equal(const OmAccountSettings *a, const OmAccountSettings *b)
{
  return g_strcmp0(a->display_name, b->display_name) == 0 &&
         g_strcmp0(a->host, b->host) == 0 &&
         a->port == b->port &&
         g_strv_equal((const char *const *)a->require_connections,
                      (const char *const *)b->require_connections) &&
         a->min_connectivity == b->min_connectivity &&
         a->allow_metered == b->allow_metered &&
         a->check_reachability == b->check_reachability;
}

static gboolean
has_control_chars(const char *s)
{
  for (const unsigned char *p = (const unsigned char *)s; *p; p++)
    if (*p < 0x20 || *p == 0x7f)
      return TRUE;
  return FALSE;
}

/* A host name or an IP literal: letters, digits, '.', '-', '_' and ':' (IPv6). The
 * probe's resolver has the last word; this only keeps junk out of files and logs. */
static gboolean
host_is_valid(const char *host)
{
  for (const char *p = host; *p; p++)
    if (!g_ascii_isalnum(*p) && !strchr(".-_:", *p))
      return FALSE;
  return *host != '\0';
}

static gboolean
set_string(char **field, const char *value, gsize max, const char *name, GError **error)
{
  if (!g_utf8_validate(value, -1, NULL)) {
    g_set_error(error, OM_ERROR, OM_ERROR_INVALID_ARGS, "%s is not valid UTF-8", name);
    return FALSE;
  }
  if (strlen(value) > max) {
    g_set_error(error, OM_ERROR, OM_ERROR_LIMIT_EXCEEDED,
                "%s is longer than %" G_GSIZE_FORMAT " bytes", name, max);
    return FALSE;
  }
  if (has_control_chars(value)) {
    g_set_error(error, OM_ERROR, OM_ERROR_INVALID_ARGS, "%s contains control characters", name);
    return FALSE;
  }
  g_free(*field);
  *field = *value ? g_strdup(value) : NULL;
  return TRUE;
}

gboolean
om_account_settings_set(OmAccountSettings *settings, OmSettingKey key,
                        const OmSettingValue *value, GError **error)
{
  switch (key) {
  case OM_SETTING_DISPLAY_NAME:
    return set_string(&settings->display_name, value->s, OM_DISPLAY_NAME_MAX, "DisplayName", error);

  case OM_SETTING_HOST:
    if (strlen(value->s) > OM_HOST_MAX) {
      g_set_error(error, OM_ERROR, OM_ERROR_LIMIT_EXCEEDED,
                  "Host is longer than %d characters", OM_HOST_MAX);
      return FALSE;
    }
    if (*value->s && !host_is_valid(value->s)) {
      g_set_error(error, OM_ERROR, OM_ERROR_INVALID_ARGS,
                  "Host '%.64s' is not a host name or IP address (letters, digits, '.', "
                  "'-', '_', ':')", value->s);
      return FALSE;
    }
    return set_string(&settings->host, value->s, OM_HOST_MAX, "Host", error);

  case OM_SETTING_PORT:
    if (value->u > 65535) {
      g_set_error(error, OM_ERROR, OM_ERROR_INVALID_ARGS,
                  "Port %u is out of range (1-65535, or 0 for none)", value->u);
      return FALSE;
    }
    settings->port = value->u;
    return TRUE;

  case OM_SETTING_REQUIRE_CONNECTIONS: {
    guint n = g_strv_length((char **)value->strv);
    if (n > OM_REQUIRE_CONNECTIONS_MAX) {
      g_set_error(error, OM_ERROR, OM_ERROR_LIMIT_EXCEEDED,
                  "RequireConnections has %u entries, at most %d are allowed",
                  n, OM_REQUIRE_CONNECTIONS_MAX);
      return FALSE;
    }
    for (guint i = 0; i < n; i++) {
      const char *c = value->strv[i];
      if (!g_utf8_validate(c, -1, NULL) || has_control_chars(c) || *c == '\0' ||
          strchr(c, ';') != NULL) {
        g_set_error(error, OM_ERROR, OM_ERROR_INVALID_ARGS,
                    "RequireConnections entry %u is empty, not UTF-8, or contains ';' or "
                    "control characters", i + 1);
        return FALSE;
      }
      if (strlen(c) > OM_CONNECTION_NAME_MAX) {
        g_set_error(error, OM_ERROR, OM_ERROR_LIMIT_EXCEEDED,
                    "RequireConnections entry %u is longer than %d bytes", i + 1,
                    OM_CONNECTION_NAME_MAX);
        return FALSE;
      }
    }
    g_strfreev(settings->require_connections);
    settings->require_connections = g_strdupv((char **)value->strv);
    if (settings->require_connections == NULL)
      settings->require_connections = g_new0(char *, 1);
    return TRUE;
  }

  case OM_SETTING_MIN_CONNECTIVITY:
    for (guint i = 0; i < G_N_ELEMENTS(min_connectivity_names); i++) {
      if (g_strcmp0(value->s, min_connectivity_names[i]) == 0) {
        settings->min_connectivity = (OmMinConnectivity)i;
        return TRUE;
      }
    }
    g_set_error(error, OM_ERROR, OM_ERROR_INVALID_ARGS,
                "MinConnectivity '%.32s' is not one of full, limited, portal", value->s);
    return FALSE;

  case OM_SETTING_ALLOW_METERED:
    settings->allow_metered = value->b;
    return TRUE;

  case OM_SETTING_CHECK_REACHABILITY:
    settings->check_reachability = value->b;
    return TRUE;

  case OM_N_SETTINGS:
    break;
  }
  g_assert_not_reached();
}

gboolean
om_account_settings_check(const OmAccountSettings *settings, GError **error)
{
  if (settings->check_reachability && (settings->host == NULL || settings->port == 0)) {
    g_set_error_literal(error, OM_ERROR, OM_ERROR_INVALID_ARGS,
                        "CheckReachability needs both Host and Port");
    return FALSE;
  }
  return TRUE;
}

/* Port as written in a keyfile: decimal digits only, 0-65535 (range checked by _set). */
static gboolean
parse_port(const char *text, guint32 *port, GError **error)
{
  guint64 v;

  if (!g_ascii_string_to_unsigned(text, 10, 0, 65535, &v, NULL)) {
    g_set_error(error, OM_ERROR, OM_ERROR_INVALID_ARGS,
                "Port '%.16s' is not a number from 1 to 65535", text);
    return FALSE;
  }
  *port = (guint32)v;
  return TRUE;
}

gboolean
om_account_settings_from_keyfile(OmAccountSettings *settings, GKeyFile *keyfile,
                                 char ***unknown_keys, GError **error)
{
  return om_account_settings_from_keyfile_full(settings, keyfile, FALSE, NULL, unknown_keys,
                                               error);
}

gboolean
om_account_settings_from_keyfile_full(OmAccountSettings *settings, GKeyFile *keyfile,
                                      gboolean partial, gboolean present[OM_N_SETTINGS],
                                      char ***unknown_keys, GError **error)
{
  g_auto(OmAccountSettings) parsed;
  g_autoptr(GPtrArray) unknown = g_ptr_array_new_with_free_func(g_free);
  g_auto(GStrv) keys = NULL;
  g_autoptr(GError) local_error = NULL;
  gboolean seen[OM_N_SETTINGS] = { FALSE };

  om_account_settings_init(&parsed);
  if (!g_key_file_has_group(keyfile, OM_ACCOUNT_GROUP)) {
    g_set_error(error, OM_ERROR, OM_ERROR_INVALID_ARGS, "no [%s] group", OM_ACCOUNT_GROUP);
    return FALSE;
  }
  keys = g_key_file_get_keys(keyfile, OM_ACCOUNT_GROUP, NULL, NULL);
  for (char **k = keys; k && *k; k++) {
    OmSettingKey key;
    OmSettingValue value = { 0 };
    g_autofree char *s = NULL;
    g_auto(GStrv) strv = NULL;

    if (!om_setting_lookup(*k, &key)) {
      g_ptr_array_add(unknown, g_strdup(*k));
      continue;
    }
    /* GKeyFile reads the last of duplicate keys but cannot remove the others: a rewrite
     * that drops the key would bring an earlier value back. */
    if (seen[key]) {
      g_set_error(error, OM_ERROR, OM_ERROR_INVALID_ARGS, "%s is set more than once", *k);
      return FALSE;
    }
    seen[key] = TRUE;
    switch (om_setting_signature(key)[0]) {
    case 's':
      value.s = s = g_key_file_get_string(keyfile, OM_ACCOUNT_GROUP, *k, &local_error);
      break;
    case 'u':
      s = g_key_file_get_value(keyfile, OM_ACCOUNT_GROUP, *k, &local_error);
      if (s != NULL && !parse_port(g_strstrip(s), &value.u, error))
        return FALSE;
      break;
    case 'b':
      value.b = g_key_file_get_boolean(keyfile, OM_ACCOUNT_GROUP, *k, &local_error);
      break;
    case 'a':
      /* "RequireConnections=" (empty) is an empty list; any other value that is not a
       * list (a bad escape) fails the file rather than silently requiring nothing. */
      s = g_key_file_get_value(keyfile, OM_ACCOUNT_GROUP, *k, &local_error);
      if (s != NULL && *g_strstrip(s) == '\0')
        strv = g_new0(char *, 1);
      else if (s != NULL)
        strv = g_key_file_get_string_list(keyfile, OM_ACCOUNT_GROUP, *k, NULL, &local_error);
      value.strv = (const char *const *)strv;
      break;
    default:
      g_assert_not_reached();
    }
    if (local_error != NULL) {
      g_set_error(error, OM_ERROR, OM_ERROR_INVALID_ARGS, "%s: %s", *k, local_error->message);
      return FALSE;
    }
    if (!om_account_settings_set(&parsed, key, &value, error))
      return FALSE;
  }
  if (!partial && !om_account_settings_check(&parsed, error))
    return FALSE;

  if (present != NULL)
    memcpy(present, seen, sizeof seen);
  om_account_settings_clear(settings);
  *settings = parsed;
  om_account_settings_init(&parsed);
  if (unknown_keys != NULL) {
    g_ptr_array_add(unknown, NULL);
    *unknown_keys = (char **)g_ptr_array_steal(unknown, NULL);
  }
  return TRUE;
}

static void
put_boolean(GKeyFile *kf, const char *key, gboolean value, gboolean dflt)
{
  if (value != dflt || g_key_file_has_key(kf, OM_ACCOUNT_GROUP, key, NULL))
    g_key_file_set_boolean(kf, OM_ACCOUNT_GROUP, key, value);
}

static void
put_string(GKeyFile *kf, const char *key, const char *value)
{
  if (value != NULL)
    g_key_file_set_string(kf, OM_ACCOUNT_GROUP, key, value);
  else
    g_key_file_remove_key(kf, OM_ACCOUNT_GROUP, key, NULL);
}

void
om_account_settings_to_keyfile(const OmAccountSettings *s, GKeyFile *kf)
{
  OmAccountSettings defaults;
  guint n_required = g_strv_length(s->require_connections);

  om_account_settings_init(&defaults);
  /* Make sure the group exists even when every setting is at its default: GKeyFile
   * keeps a group whose last key was removed. */
  if (!g_key_file_has_group(kf, OM_ACCOUNT_GROUP)) {
    g_key_file_set_boolean(kf, OM_ACCOUNT_GROUP, "AllowMetered", TRUE);
    g_key_file_remove_key(kf, OM_ACCOUNT_GROUP, "AllowMetered", NULL);
  }

  put_string(kf, "DisplayName", s->display_name);
  put_string(kf, "Host", s->host);
  if (s->port != 0)
    g_key_file_set_uint64(kf, OM_ACCOUNT_GROUP, "Port", s->port);
  else
    g_key_file_remove_key(kf, OM_ACCOUNT_GROUP, "Port", NULL);
  if (n_required > 0)
    g_key_file_set_string_list(kf, OM_ACCOUNT_GROUP, "RequireConnections",
                               (const char *const *)s->require_connections, n_required);
  else
    g_key_file_remove_key(kf, OM_ACCOUNT_GROUP, "RequireConnections", NULL);
  if (s->min_connectivity != defaults.min_connectivity ||
      g_key_file_has_key(kf, OM_ACCOUNT_GROUP, "MinConnectivity", NULL))
    g_key_file_set_string(kf, OM_ACCOUNT_GROUP, "MinConnectivity",
                          om_min_connectivity_to_string(s->min_connectivity));
  put_boolean(kf, "AllowMetered", s->allow_metered, defaults.allow_metered);
  put_boolean(kf, "CheckReachability", s->check_reachability, defaults.check_reachability);
  om_account_settings_clear(&defaults);
}

void
om_account_settings_to_keyfile_only(const OmAccountSettings *s,
                                    const gboolean present[OM_N_SETTINGS], GKeyFile *kf)
{
  for (int i = 0; i < OM_N_SETTINGS; i++) {
    const char *name = om_setting_name((OmSettingKey)i);

    if (!present[i]) {
      g_key_file_remove_key(kf, OM_ACCOUNT_GROUP, name, NULL);
      continue;
    }
    switch ((OmSettingKey)i) {
    case OM_SETTING_DISPLAY_NAME:
      g_key_file_set_string(kf, OM_ACCOUNT_GROUP, name, s->display_name ? s->display_name : "");
      break;
    case OM_SETTING_HOST:
      g_key_file_set_string(kf, OM_ACCOUNT_GROUP, name, s->host ? s->host : "");
      break;
    case OM_SETTING_PORT:
      g_key_file_set_uint64(kf, OM_ACCOUNT_GROUP, name, s->port);
      break;
    case OM_SETTING_REQUIRE_CONNECTIONS:
      /* An empty list is written as an empty value, which reads back as empty. */
      if (s->require_connections[0] != NULL)
        g_key_file_set_string_list(kf, OM_ACCOUNT_GROUP, name,
                                   (const char *const *)s->require_connections,
                                   g_strv_length(s->require_connections));
      else
        g_key_file_set_value(kf, OM_ACCOUNT_GROUP, name, "");
      break;
    case OM_SETTING_MIN_CONNECTIVITY:
      g_key_file_set_string(kf, OM_ACCOUNT_GROUP, name,
                            om_min_connectivity_to_string(s->min_connectivity));
      break;
    case OM_SETTING_ALLOW_METERED:
      g_key_file_set_boolean(kf, OM_ACCOUNT_GROUP, name, s->allow_metered);
      break;
    case OM_SETTING_CHECK_REACHABILITY:
      g_key_file_set_boolean(kf, OM_ACCOUNT_GROUP, name, s->check_reachability);
      break;
    case OM_N_SETTINGS:
      g_assert_not_reached();
    }
  }
}
