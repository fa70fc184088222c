#include "account-source.h"

#include <string.h>

#include "errors.h"

/* Hex digits of the SHA-256 that end an id too long to keep whole. */
#define ID_HASH_CHARS 12

struct OmAccountSource {
  const OmAccountSourceClass *klass;
  gpointer data;
  OmObjectMirror *mirror;
  const OmAccountSourceCallbacks *callbacks;
  gpointer user_data;
  GHashTable *accounts;  /* id → OmDiscoveredAccount*, owned */
  GHashTable *notes;     /* source id → why it gives no account, as last logged */
  GHashTable *seen;      /* ids reported or kept during a full read; NULL otherwise */
};

static const char *const origin_names[] = {
  [OM_ACCOUNT_ORIGIN_FILE] = "file",
  [OM_ACCOUNT_ORIGIN_GOA] = "goa",
  [OM_ACCOUNT_ORIGIN_EDS] = "eds",
};

const char *
om_account_origin_to_string(OmAccountOrigin origin)
{
  return origin_names[origin];
}

/* ---- discovered accounts ---- */

void
om_discovered_account_clear(OmDiscoveredAccount *a)
{
  g_clear_pointer(&a->id, g_free);
  g_clear_pointer(&a->source_id, g_free);
  g_clear_pointer(&a->display_name, g_free);
  g_clear_pointer(&a->host, g_free);
  a->port = 0;
}

void
om_discovered_account_copy(OmDiscoveredAccount *dest, const OmDiscoveredAccount *src)
{
  *dest = *src;
  dest->id = g_strdup(src->id);
  dest->source_id = g_strdup(src->source_id);
  dest->display_name = g_strdup(src->display_name);
  dest->host = g_strdup(src->host);
}

gboolean
om_discovered_account_equal(const OmDiscoveredAccount *a, const OmDiscoveredAccount *b)
{
  return a->origin == b->origin && g_strcmp0(a->id, b->id) == 0 &&
         g_strcmp0(a->source_id, b->source_id) == 0 &&
         g_strcmp0(a->display_name, b->display_name) == 0 &&
         g_strcmp0(a->host, b->host) == 0 && a->port == b->port;
}

gboolean
om_discovered_account_set_values(OmDiscoveredAccount *account, const char *display_name,
                                 const char *host, guint32 port, GError **error)
{
  g_auto(OmAccountSettings) s;
  OmSettingValue name_value = { .s = display_name ? display_name : "" };
  OmSettingValue host_value = { .s = host ? host : "" };
  OmSettingValue port_value = { .u = port };

  om_account_settings_init(&s);
  if (!om_account_settings_set(&s, OM_SETTING_DISPLAY_NAME, &name_value, error) ||
      !om_account_settings_set(&s, OM_SETTING_HOST, &host_value, error) ||
      !om_account_settings_set(&s, OM_SETTING_PORT, &port_value, error))
    return FALSE;
  g_free(account->display_name);
  account->display_name = g_steal_pointer(&s.display_name);
  g_free(account->host);
  account->host = g_steal_pointer(&s.host);
  account->port = s.port;
  return TRUE;
}

char *
om_discovered_account_id(OmAccountOrigin origin, const char *source_id)
{
  g_autoptr(GString) id = NULL;

  if (origin == OM_ACCOUNT_ORIGIN_FILE || source_id == NULL || *source_id == '\0')
    return NULL;
  id = g_string_new(om_account_origin_to_string(origin));
  g_string_append_c(id, '-');
  for (const unsigned char *p = (const unsigned char *)source_id; *p; p++) {
    if (g_ascii_isalnum(*p) || *p == '_' || *p == '.' || *p == '-')
      g_string_append_c(id, (char)*p);
    else
      g_string_append_printf(id, "_%02x", *p);
  }
  if (id->len > OM_ACCOUNT_ID_MAX) {
    g_autofree char *hash = g_compute_checksum_for_string(G_CHECKSUM_SHA256, source_id, -1);

    g_string_truncate(id, OM_ACCOUNT_ID_MAX - ID_HASH_CHARS - 1);
    g_string_append_c(id, '-');
    g_string_append_len(id, hash, ID_HASH_CHARS);
  }
  g_assert(om_account_id_is_valid(id->str));
  return g_string_free(g_steal_pointer(&id), FALSE);
}

/* ---- the source ---- */

static void
discovered_account_free(OmDiscoveredAccount *a)
{
  om_discovered_account_clear(a);
  g_free(a);
}

/* Logs @why for @source_id unless it was the last thing logged for it. */
static gboolean
note(OmAccountSource *s, const char *source_id, const char *why)
{
  const char *last = g_hash_table_lookup(s->notes, source_id);

  if (g_strcmp0(last, why) == 0)
    return FALSE;
  g_hash_table_replace(s->notes, g_strdup(source_id), g_strdup(why));
  return TRUE;
}

static void
mark_seen(OmAccountSource *s, const char *id)
{
  if (s->seen != NULL)
    g_hash_table_add(s->seen, g_strdup(id));
}

/* The account reported for @source_id, if any (with its id in @id_out). */
static OmDiscoveredAccount *
lookup_by_source_id(OmAccountSource *s, const char *source_id, char **id_out)
{
  g_autofree char *id = om_discovered_account_id(s->klass->origin, source_id);
  OmDiscoveredAccount *a = id != NULL ? g_hash_table_lookup(s->accounts, id) : NULL;

  if (a == NULL || g_strcmp0(a->source_id, source_id) != 0)
    return NULL;
  if (id_out != NULL)
    *id_out = g_steal_pointer(&id);
  return a;
}

void
om_account_source_report(OmAccountSource *s, const char *source_id,
                         OmDiscoveredAccount *account)
{
  g_autofree char *id = om_discovered_account_id(s->klass->origin, source_id);
  OmDiscoveredAccount *known;
  OmDiscoveredAccount *copy;

  if (id == NULL) {
    om_account_source_reject(s, "", "the service gives an empty id");
    return;
  }
  known = g_hash_table_lookup(s->accounts, id);
  if (known != NULL && !g_str_equal(known->source_id, source_id)) {
    g_autofree char *why = g_strdup_printf("its account id %s is already %s's; skipped", id,
                                           known->source_id);
    if (note(s, source_id, why))
      g_warning("%s: %s: %s", s->klass->mirror.service, source_id, why);
    return;
  }
  g_hash_table_remove(s->notes, source_id);
  g_free(account->id);
  account->id = g_strdup(id);
  g_free(account->source_id);
  account->source_id = g_strdup(source_id);
  account->origin = s->klass->origin;
  mark_seen(s, id);
  if (known != NULL && om_discovered_account_equal(known, account))
    return;
  copy = g_new0(OmDiscoveredAccount, 1);
  om_discovered_account_copy(copy, account);
  g_hash_table_replace(s->accounts, copy->id, copy);
  s->callbacks->changed(s, copy, s->user_data);
}

void
om_account_source_withdraw(OmAccountSource *s, const char *source_id, const char *why)
{
  g_autofree char *id = NULL;

  if (why == NULL)
    g_hash_table_remove(s->notes, source_id);
  else if (note(s, source_id, why))
    g_debug("%s: %s: %s", s->klass->mirror.service, source_id, why);
  if (lookup_by_source_id(s, source_id, &id) == NULL)
    return;
  g_hash_table_remove(s->accounts, id);
  s->callbacks->removed(s, id, s->user_data);
}

void
om_account_source_reject(OmAccountSource *s, const char *source_id, const char *why)
{
  g_autofree char *id = NULL;
  gboolean known = lookup_by_source_id(s, source_id, &id) != NULL;

  if (note(s, source_id, why))
    g_warning("%s: %s: %s%s", s->klass->mirror.service, source_id, why,
              known ? " (keeping its last good values)" : "; skipped");
  if (known)
    mark_seen(s, id);
}

static void
on_status_changed(OmObjectMirror *mirror, gpointer user_data)
{
  OmAccountSource *s = user_data;
  OmMirrorStatus status = om_object_mirror_get_status(mirror);

  switch (status) {
  case OM_MIRROR_READING:
  case OM_MIRROR_ABSENT:
    /* The accounts stay as they are until the service is read again (see the header). */
    s->klass->reset(s);
    g_hash_table_remove_all(s->notes);
    break;
  case OM_MIRROR_UP: {
    g_autoptr(GPtrArray) gone = g_ptr_array_new_with_free_func(g_free);
    GHashTableIter iter;
    gpointer key;

    s->seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    s->klass->synced(s);
    g_hash_table_iter_init(&iter, s->accounts);
    while (g_hash_table_iter_next(&iter, &key, NULL))
      if (!g_hash_table_contains(s->seen, key))
        g_ptr_array_add(gone, g_strdup(key));
    g_clear_pointer(&s->seen, g_hash_table_unref);
    for (guint i = 0; i < gone->len; i++) {
      const char *id = g_ptr_array_index(gone, i);

      g_hash_table_remove(s->accounts, id);
      s->callbacks->removed(s, id, s->user_data);
    }
    break;
  }
  case OM_MIRROR_UNKNOWN:
  case OM_MIRROR_STALLED:
    break;
  }
  s->callbacks->status_changed(s, s->user_data);
}

static void
on_object_changed(OmObjectMirror *mirror, const OmMirrorObject *object, gpointer user_data)
{
  OmAccountSource *s = user_data;

  s->klass->object_changed(s, object);
}

static void
on_object_removed(OmObjectMirror *mirror, const OmMirrorObject *object, gpointer user_data)
{
  OmAccountSource *s = user_data;

  s->klass->object_removed(s, object);
}

static const OmMirrorCallbacks mirror_callbacks = {
  .status_changed = on_status_changed,
  .object_changed = on_object_changed,
  .object_removed = on_object_removed,
};

OmAccountSource *
om_account_source_new(const OmAccountSourceClass *klass, gpointer data, sd_bus *bus,
                      const OmAccountSourceCallbacks *callbacks, gpointer user_data,
                      int *error_out)
{
  g_autoptr(OmAccountSource) s = g_new0(OmAccountSource, 1);

  s->klass = klass;
  s->data = data;
  s->callbacks = callbacks;
  s->user_data = user_data;
  s->accounts = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
                                      (GDestroyNotify)discovered_account_free);
  s->notes = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  s->mirror = om_object_mirror_new(bus, &klass->mirror, &mirror_callbacks, s, error_out);
  if (s->mirror == NULL)
    return NULL;
  return g_steal_pointer(&s);
}

void
om_account_source_free(OmAccountSource *s)
{
  if (s == NULL)
    return;
  om_object_mirror_free(s->mirror);
  if (s->data != NULL)
    s->klass->free_data(s->data);
  g_hash_table_unref(s->accounts);
  g_hash_table_unref(s->notes);
  g_free(s);
}

void
om_account_source_set_timeout(OmAccountSource *s, guint64 usec)
{
  om_object_mirror_set_timeout(s->mirror, usec);
}

OmAccountOrigin
om_account_source_get_origin(OmAccountSource *s)
{
  return s->klass->origin;
}

const char *
om_account_source_get_service(OmAccountSource *s)
{
  return s->klass->mirror.service;
}

OmMirrorStatus
om_account_source_get_status(OmAccountSource *s)
{
  return om_object_mirror_get_status(s->mirror);
}

gboolean
om_account_source_is_settled(OmAccountSource *s)
{
  OmMirrorStatus status = om_object_mirror_get_status(s->mirror);

  return status != OM_MIRROR_UNKNOWN && status != OM_MIRROR_READING;
}

const OmDiscoveredAccount *
om_account_source_lookup(OmAccountSource *s, const char *id)
{
  return g_hash_table_lookup(s->accounts, id);
}

GHashTable *
om_account_source_get_accounts(OmAccountSource *s)
{
  return s->accounts;
}

gpointer
om_account_source_get_data(OmAccountSource *s)
{
  return s->data;
}

OmObjectMirror *
om_account_source_get_mirror(OmAccountSource *s)
{
  return s->mirror;
}
