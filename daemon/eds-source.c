#include "eds-source.h"

#include <string.h>

#include "errors.h"

#define EDS_NAME "org.gnome.evolution.dataserver.Sources5"
#define EDS_PATH "/org/gnome/evolution/dataserver/SourceManager"
#define EDS_SOURCE_IFACE "org.gnome.evolution.dataserver.Source"

#define GROUP_SOURCE "Data Source"
#define GROUP_MAIL "Mail Account"
#define GROUP_AUTH "Authentication"
#define GROUP_SECURITY "Security"
#define GROUP_GOA "GNOME Online Accounts"

/* Parent chains deeper than this are taken for loops. */
#define PARENTS_MAX 32

enum { IFACE_SOURCE };
enum { PROP_UID, PROP_DATA, N_PROPS };

static const char *const interfaces[] = {
  [IFACE_SOURCE] = EDS_SOURCE_IFACE,
  NULL,
};

static const OmMirrorProperty properties[N_PROPS] = {
  [PROP_UID] = { EDS_SOURCE_IFACE, "UID", 's' },
  [PROP_DATA] = { EDS_SOURCE_IFACE, "Data", 's' },
};

/* The registry's built-in sources (evolution-data-server's
 * src/services/evolution-source-registry/builtin/); newer built-in mail stores also say
 * [Mail Account] Builtin=true. */
static const char *const builtin_uids[] = {
  "birthdays", "caldav-stub", "carddav-stub", "contacts-stub", "google-stub", "ldap-stub",
  "local", "local-stub", "sendmail", "system-address-book", "system-calendar",
  "system-memo-list", "system-proxy", "system-task-list", "vfolder", "weather-stub",
  "webcal-stub", "webdav-notes-stub", NULL,
};

/* Camel's mail stores that keep mail on this machine (no server to reach). */
static const char *const local_backends[] = {
  "maildir", "mbox", "mh", "spool", "spooldir", "local", "vfolder", "none", NULL,
};

/* ---- the translation ---- */

void
om_eds_source_info_clear(OmEdsSourceInfo *info)
{
  g_clear_pointer(&info->uid, g_free);
  g_clear_pointer(&info->error, g_free);
  g_clear_pointer(&info->parent, g_free);
  g_clear_pointer(&info->display_name, g_free);
  g_clear_pointer(&info->goa_account_id, g_free);
  g_clear_pointer(&info->host, g_free);
  *info = (OmEdsSourceInfo){ 0 };
}

void
om_eds_source_info_free(OmEdsSourceInfo *info)
{
  if (info == NULL)
    return;
  om_eds_source_info_clear(info);
  g_free(info);
}

/* A string value, NULL when absent or empty. */
static char *
get_string(GKeyFile *kf, const char *group, const char *key)
{
  g_autofree char *s = g_key_file_get_string(kf, group, key, NULL);

  return s != NULL && *s != '\0' ? g_steal_pointer(&s) : NULL;
}

/* A boolean that may be absent (@dflt); FALSE with @error when malformed. */
static gboolean
get_boolean(GKeyFile *kf, const char *group, const char *key, gboolean dflt, gboolean *value,
            char **error)
{
  g_autoptr(GError) local_error = NULL;

  *value = dflt;
  if (!g_key_file_has_key(kf, group, key, NULL))
    return TRUE;
  *value = g_key_file_get_boolean(kf, group, key, &local_error);
  if (local_error != NULL) {
    *error = g_strdup_printf("[%s] %s: %s", group, key, local_error->message);
    return FALSE;
  }
  return TRUE;
}

/* The port IMAP or POP uses when the source names none. */
static guint32
default_port(GKeyFile *kf)
{
  g_autofree char *backend = get_string(kf, GROUP_MAIL, "BackendName");
  g_autofree char *security = get_string(kf, GROUP_SECURITY, "Method");
  gboolean tls = g_strcmp0(security, "ssl-on-alternate-port") == 0;

  if (g_strcmp0(backend, "imapx") == 0)
    return tls ? 993 : 143;
  if (g_strcmp0(backend, "pop") == 0)
    return tls ? 995 : 110;
  return 0;
}

/* Host and Port of a mail account's [Authentication]. */
static gboolean
parse_server(OmEdsSourceInfo *info, GKeyFile *kf)
{
  g_autofree char *host = get_string(kf, GROUP_AUTH, "Host");
  g_autofree char *port = g_key_file_get_value(kf, GROUP_AUTH, "Port", NULL);
  guint64 number = 0;

  if (port != NULL && *g_strstrip(port) != '\0' &&
      !g_ascii_string_to_unsigned(port, 10, 0, 65535, &number, NULL)) {
    info->error = g_strdup_printf("[%s] Port '%.32s' is not a number from 0 to 65535",
                                  GROUP_AUTH, port);
    return FALSE;
  }
  /* An IPv6 address may come in brackets, as in a URL. */
  if (host != NULL && host[0] == '[' && g_str_has_suffix(host, "]")) {
    char *bare = g_strndup(host + 1, strlen(host) - 2);
    g_free(host);
    host = bare;
  }
  info->host = g_steal_pointer(&host);
  info->port = (guint32)number;
  if (info->host != NULL && info->port == 0)
    info->port = default_port(kf);
  return TRUE;
}

void
om_eds_source_info_parse(OmEdsSourceInfo *info, const char *uid, const char *data)
{
  g_autoptr(GKeyFile) kf = g_key_file_new();
  g_autoptr(GError) error = NULL;
  g_autofree char *backend = NULL;

  om_eds_source_info_clear(info);
  info->uid = g_strdup(uid);
  info->enabled = TRUE;
  if (!g_key_file_load_from_data(kf, data, -1, G_KEY_FILE_NONE, &error)) {
    info->error = g_strdup_printf("its Data does not parse: %s", error->message);
    return;
  }
  info->parent = get_string(kf, GROUP_SOURCE, "Parent");
  info->display_name = get_string(kf, GROUP_SOURCE, "DisplayName");
  info->goa_account_id = get_string(kf, GROUP_GOA, "AccountId");
  info->mail_account = g_key_file_has_group(kf, GROUP_MAIL);
  info->builtin = g_strv_contains(builtin_uids, uid);
  if (!get_boolean(kf, GROUP_SOURCE, "Enabled", TRUE, &info->enabled, &info->error))
    return;
  if (!info->mail_account)
    return;
  if (!info->builtin &&
      !get_boolean(kf, GROUP_MAIL, "Builtin", FALSE, &info->builtin, &info->error))
    return;
  backend = get_string(kf, GROUP_MAIL, "BackendName");
  info->local = backend == NULL || g_strv_contains(local_backends, backend);
  parse_server(info, kf);
}

OmEdsVerdict
om_eds_evaluate(GHashTable *sources, const char *uid, OmDiscoveredAccount *account, char **why)
{
  const OmEdsSourceInfo *info = g_hash_table_lookup(sources, uid);
  g_autoptr(GError) error = NULL;
  const char *parent;
  guint depth = 0;

  g_return_val_if_fail(info != NULL, OM_EDS_BAD);
  if (info->error != NULL) {
    *why = g_strdup(info->error);
    return OM_EDS_BAD;
  }
  if (!info->mail_account) {
    *why = g_strdup("not a mail account");
    return OM_EDS_NOT_MAIL;
  }
  if (info->builtin) {
    *why = g_strdup("one of the registry's built-in sources");
    return OM_EDS_BUILTIN;
  }
  if (info->goa_account_id != NULL) {
    *why = g_strdup_printf("GNOME Online Accounts' account %s", info->goa_account_id);
    return OM_EDS_GOA;
  }
  if (!info->enabled) {
    *why = g_strdup("disabled");
    return OM_EDS_DISABLED;
  }
  for (parent = info->parent; parent != NULL; parent = info->parent) {
    if (++depth > PARENTS_MAX) {
      *why = g_strdup_printf("its parents (Parent=) go more than %d deep, or in a loop",
                             PARENTS_MAX);
      return OM_EDS_BAD;
    }
    info = g_hash_table_lookup(sources, parent);
    if (info == NULL)
      break;
    if (info->error != NULL) {
      *why = g_strdup_printf("its parent %s cannot be read: %s", parent, info->error);
      return OM_EDS_BAD;
    }
    if (info->goa_account_id != NULL) {
      *why = g_strdup_printf("GNOME Online Accounts' account %s (through %s)",
                             info->goa_account_id, parent);
      return OM_EDS_GOA;
    }
    if (!info->enabled) {
      *why = g_strdup_printf("its parent %s is disabled", parent);
      return OM_EDS_DISABLED;
    }
  }

  info = g_hash_table_lookup(sources, uid);
  if (info->host == NULL) {
    if (info->local) {
      *why = g_strdup("a local mail store, with no server");
      return OM_EDS_LOCAL;
    }
    *why = g_strdup_printf("[%s] has no Host", GROUP_AUTH);
    return OM_EDS_BAD;
  }
  if (!om_discovered_account_set_values(account, info->display_name, info->host, info->port,
                                        &error)) {
    *why = g_strdup(error->message);
    return OM_EDS_BAD;
  }
  return OM_EDS_ACCOUNT;
}

/* ---- the source ---- */

typedef struct {
  OmAccountSource *source;
  GHashTable *infos;  /* uid → OmEdsSourceInfo*, owned */
  GHashTable *uids;   /* object path → uid */
} EdsData;

static void
eds_data_free(gpointer data)
{
  EdsData *eds = data;

  g_hash_table_unref(eds->infos);
  g_hash_table_unref(eds->uids);
  g_free(eds);
}

/* Acts on what source @uid is. */
static void
apply(EdsData *eds, const char *uid)
{
  g_auto(OmDiscoveredAccount) account = { 0 };
  g_autofree char *why = NULL;

  switch (om_eds_evaluate(eds->infos, uid, &account, &why)) {
  case OM_EDS_ACCOUNT:
    om_account_source_report(eds->source, uid, &account);
    break;
  case OM_EDS_NOT_MAIL:
    om_account_source_withdraw(eds->source, uid, NULL);
    break;
  case OM_EDS_BUILTIN:
  case OM_EDS_LOCAL:
  case OM_EDS_DISABLED:
  case OM_EDS_GOA:
    om_account_source_withdraw(eds->source, uid, why);
    break;
  case OM_EDS_BAD:
    om_account_source_reject(eds->source, uid, why);
    break;
  }
}

/* Everything whose verdict may depend on other sources (mail accounts, and sources whose
 * Data is bad, logged once), evaluated again. A change to any source can change an
 * account below it; mail accounts are few, so all of them are looked at. */
static void
apply_all(EdsData *eds)
{
  g_autoptr(GPtrArray) uids = g_ptr_array_new_with_free_func(g_free);
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init(&iter, eds->infos);
  while (g_hash_table_iter_next(&iter, &key, &value)) {
    const OmEdsSourceInfo *info = value;
    if (info->mail_account || info->error != NULL)
      g_ptr_array_add(uids, g_strdup(key));
  }
  for (guint i = 0; i < uids->len; i++)
    apply(eds, g_ptr_array_index(uids, i));
}

/* Takes in an object's UID and Data; returns its UID, or NULL when it has none. */
static const char *
update_info(EdsData *eds, const OmMirrorObject *o)
{
  const char *path = om_mirror_object_get_path(o);
  const char *uid = NULL, *data = NULL;
  const char *previous = g_hash_table_lookup(eds->uids, path);
  OmEdsSourceInfo *info;

  om_mirror_object_get_string(o, PROP_UID, &uid);
  if (previous != NULL && g_strcmp0(previous, uid) != 0) {
    g_hash_table_remove(eds->infos, previous);
    om_account_source_withdraw(eds->source, previous, NULL);
    g_hash_table_remove(eds->uids, path);
  }
  if (uid == NULL || *uid == '\0') {
    om_account_source_reject(eds->source, path, "the source has no UID");
    return NULL;
  }
  g_hash_table_replace(eds->uids, g_strdup(path), g_strdup(uid));
  info = g_new0(OmEdsSourceInfo, 1);
  if (om_mirror_object_get_string(o, PROP_DATA, &data)) {
    om_eds_source_info_parse(info, uid, data);
  } else {
    info->uid = g_strdup(uid);
    info->enabled = TRUE;
    info->error = g_strdup("the source has no Data");
  }
  g_hash_table_replace(eds->infos, info->uid, info);
  return info->uid;
}

static void
eds_synced(OmAccountSource *source)
{
  EdsData *eds = om_account_source_get_data(source);
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init(&iter, om_object_mirror_get_objects(om_account_source_get_mirror(source)));
  while (g_hash_table_iter_next(&iter, NULL, &value))
    update_info(eds, value);
  apply_all(eds);
}

static void
eds_object_changed(OmAccountSource *source, const OmMirrorObject *o)
{
  EdsData *eds = om_account_source_get_data(source);
  const char *uid = update_info(eds, o);
  const OmEdsSourceInfo *info;

  if (uid == NULL)
    return;
  info = g_hash_table_lookup(eds->infos, uid);
  /* Withdraw a source that stopped being a mail account; apply_all() looks at mail
   * accounts only. */
  if (!info->mail_account && info->error == NULL)
    om_account_source_withdraw(source, uid, NULL);
  apply_all(eds);
}

static void
eds_object_removed(OmAccountSource *source, const OmMirrorObject *o)
{
  EdsData *eds = om_account_source_get_data(source);
  g_autofree char *path = NULL;
  g_autofree char *uid = NULL;

  if (!g_hash_table_steal_extended(eds->uids, om_mirror_object_get_path(o), (gpointer *)&path,
                                   (gpointer *)&uid))
    return;
  g_hash_table_remove(eds->infos, uid);
  om_account_source_withdraw(source, uid, NULL);
  /* Sources below it (if the registry left any) go on without it. */
  apply_all(eds);
}

static void
eds_reset(OmAccountSource *source)
{
  EdsData *eds = om_account_source_get_data(source);

  g_hash_table_remove_all(eds->infos);
  g_hash_table_remove_all(eds->uids);
}

static const OmAccountSourceClass eds_class = {
  .origin = OM_ACCOUNT_ORIGIN_EDS,
  .mirror = {
    .service = "evolution-data-server",
    .bus_name = EDS_NAME,
    .manager_path = EDS_PATH,
    .interfaces = interfaces,
    .properties = properties,
    .n_properties = N_PROPS,
  },
  .synced = eds_synced,
  .object_changed = eds_object_changed,
  .object_removed = eds_object_removed,
  .reset = eds_reset,
  .free_data = eds_data_free,
};

OmAccountSource *
om_eds_source_new(sd_bus *bus, const OmAccountSourceCallbacks *callbacks, gpointer user_data,
                  int *error_out)
{
  EdsData *eds = g_new0(EdsData, 1);
  OmAccountSource *source;

  eds->infos = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
                                     (GDestroyNotify)om_eds_source_info_free);
  eds->uids = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  source = om_account_source_new(&eds_class, eds, bus, callbacks, user_data, error_out);
  if (source != NULL)
    eds->source = source;
  return source;
}
