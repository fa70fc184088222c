#include "goa-source.h"

#include <string.h>

#include "errors.h"

#define GOA_NAME "org.gnome.OnlineAccounts"
#define GOA_PATH "/org/gnome/OnlineAccounts"
#define GOA_ACCOUNT_IFACE "org.gnome.OnlineAccounts.Account"
#define GOA_MAIL_IFACE "org.gnome.OnlineAccounts.Mail"

/* IMAP's ports: over TLS from the start (imaps), or plain with STARTTLS. */
#define IMAPS_PORT 993
#define IMAP_PORT 143

enum { IFACE_ACCOUNT, IFACE_MAIL };
enum { PROP_ID, PROP_PRESENTATION_IDENTITY, PROP_EMAIL_ADDRESS, PROP_IMAP_SUPPORTED,
       PROP_IMAP_HOST, PROP_IMAP_USE_SSL, N_PROPS };

static const char *const interfaces[] = {
  [IFACE_ACCOUNT] = GOA_ACCOUNT_IFACE,
  [IFACE_MAIL] = GOA_MAIL_IFACE,
  NULL,
};

static const OmMirrorProperty properties[N_PROPS] = {
  [PROP_ID] = { GOA_ACCOUNT_IFACE, "Id", 's' },
  [PROP_PRESENTATION_IDENTITY] = { GOA_ACCOUNT_IFACE, "PresentationIdentity", 's' },
  [PROP_EMAIL_ADDRESS] = { GOA_MAIL_IFACE, "EmailAddress", 's' },
  [PROP_IMAP_SUPPORTED] = { GOA_MAIL_IFACE, "ImapSupported", 'b' },
  [PROP_IMAP_HOST] = { GOA_MAIL_IFACE, "ImapHost", 's' },
  [PROP_IMAP_USE_SSL] = { GOA_MAIL_IFACE, "ImapUseSsl", 'b' },
};

/* ---- the translation ---- */

static gboolean
parse_port(const char *text, const char *imap_host, guint32 *port, GError **error)
{
  guint64 v;

  if (!g_ascii_string_to_unsigned(text, 10, 1, 65535, &v, NULL)) {
    g_set_error(error, OM_ERROR, OM_ERROR_INVALID_ARGS,
                "ImapHost '%.300s' has a port that is not a number from 1 to 65535",
                imap_host);
    return FALSE;
  }
  *port = (guint32)v;
  return TRUE;
}

gboolean
om_goa_parse_imap_host(const char *imap_host, gboolean use_ssl, char **host, guint32 *port,
                       GError **error)
{
  g_autofree char *name = NULL;
  guint32 number = use_ssl ? IMAPS_PORT : IMAP_PORT;
  const char *colon;

  if (imap_host[0] == '[') {
    const char *close = strchr(imap_host, ']');

    if (close == NULL || (close[1] != '\0' && close[1] != ':')) {
      g_set_error(error, OM_ERROR, OM_ERROR_INVALID_ARGS,
                  "ImapHost '%.300s' is not [address] or [address]:port", imap_host);
      return FALSE;
    }
    name = g_strndup(imap_host + 1, close - imap_host - 1);
    if (close[1] == ':' && !parse_port(close + 2, imap_host, &number, error))
      return FALSE;
  } else if ((colon = strchr(imap_host, ':')) != NULL && strchr(colon + 1, ':') == NULL) {
    name = g_strndup(imap_host, colon - imap_host);
    if (!parse_port(colon + 1, imap_host, &number, error))
      return FALSE;
  } else {
    /* A name, or an IPv6 address without brackets (two colons or more), which cannot
     * carry a port. */
    name = g_strdup(imap_host);
  }
  if (*name == '\0') {
    g_set_error(error, OM_ERROR, OM_ERROR_INVALID_ARGS, "ImapHost '%.300s' has no host name",
                imap_host);
    return FALSE;
  }
  *host = g_steal_pointer(&name);
  *port = number;
  return TRUE;
}

static gboolean
is_empty(const char *s)
{
  return s == NULL || *s == '\0';
}

gboolean
om_goa_mail_to_account(const OmGoaMail *mail, OmDiscoveredAccount *account, GError **error)
{
  g_autofree char *host = NULL;
  guint32 port = 0;
  const char *name = !is_empty(mail->email_address) ? mail->email_address
                                                     : mail->presentation_identity;

  if (mail->imap_supported) {
    if (is_empty(mail->imap_host)) {
      g_set_error_literal(error, OM_ERROR, OM_ERROR_INVALID_ARGS, "ImapHost is empty");
      return FALSE;
    }
    if (!om_goa_parse_imap_host(mail->imap_host, mail->imap_use_ssl, &host, &port, error))
      return FALSE;
  }
  return om_discovered_account_set_values(account, is_empty(name) ? NULL : name, host, port,
                                          error);
}

/* ---- the source ---- */

typedef struct {
  GHashTable *ids;  /* object path → the GOA id it had */
} GoaData;

static void
goa_data_free(gpointer data)
{
  GoaData *goa = data;

  g_hash_table_unref(goa->ids);
  g_free(goa);
}

static const char *
get_string(const OmMirrorObject *o, guint index)
{
  const char *s = NULL;

  om_mirror_object_get_string(o, index, &s);
  return s;
}

static gboolean
get_boolean(const OmMirrorObject *o, guint index)
{
  gboolean b = FALSE;

  om_mirror_object_get_boolean(o, index, &b);
  return b;
}

static void
evaluate(OmAccountSource *source, const OmMirrorObject *o)
{
  GoaData *goa = om_account_source_get_data(source);
  const char *path = om_mirror_object_get_path(o);
  const char *id = get_string(o, PROP_ID);
  const char *previous = g_hash_table_lookup(goa->ids, path);
  g_auto(OmDiscoveredAccount) account = { 0 };
  g_autoptr(GError) error = NULL;
  OmGoaMail mail;

  if (previous != NULL && g_strcmp0(previous, id) != 0) {
    om_account_source_withdraw(source, previous, NULL);
    g_hash_table_remove(goa->ids, path);
  }
  if (!om_mirror_object_has_interface(o, IFACE_ACCOUNT))
    return;
  if (is_empty(id)) {
    om_account_source_reject(source, path, "the account has no Id");
    return;
  }
  g_hash_table_replace(goa->ids, g_strdup(path), g_strdup(id));
  if (!om_mirror_object_has_interface(o, IFACE_MAIL)) {
    om_account_source_withdraw(source, id, "mail is turned off for this account");
    return;
  }
  mail = (OmGoaMail){
    .presentation_identity = get_string(o, PROP_PRESENTATION_IDENTITY),
    .email_address = get_string(o, PROP_EMAIL_ADDRESS),
    .imap_supported = get_boolean(o, PROP_IMAP_SUPPORTED),
    .imap_host = get_string(o, PROP_IMAP_HOST),
    .imap_use_ssl = get_boolean(o, PROP_IMAP_USE_SSL),
  };
  if (!om_goa_mail_to_account(&mail, &account, &error)) {
    om_account_source_reject(source, id, error->message);
    return;
  }
  om_account_source_report(source, id, &account);
}

static void
goa_synced(OmAccountSource *source)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init(&iter, om_object_mirror_get_objects(om_account_source_get_mirror(source)));
  while (g_hash_table_iter_next(&iter, NULL, &value))
    evaluate(source, value);
}

static void
goa_object_removed(OmAccountSource *source, const OmMirrorObject *o)
{
  GoaData *goa = om_account_source_get_data(source);
  const char *id = g_hash_table_lookup(goa->ids, om_mirror_object_get_path(o));

  if (id != NULL) {
    om_account_source_withdraw(source, id, NULL);
    g_hash_table_remove(goa->ids, om_mirror_object_get_path(o));
  }
}

static void
goa_reset(OmAccountSource *source)
{
  GoaData *goa = om_account_source_get_data(source);

  g_hash_table_remove_all(goa->ids);
}

static const OmAccountSourceClass goa_class = {
  .origin = OM_ACCOUNT_ORIGIN_GOA,
  .mirror = {
    .service = "GNOME Online Accounts",
    .bus_name = GOA_NAME,
    .manager_path = GOA_PATH,
    .interfaces = interfaces,
    .properties = properties,
    .n_properties = N_PROPS,
  },
  .synced = goa_synced,
  .object_changed = evaluate,
  .object_removed = goa_object_removed,
  .reset = goa_reset,
  .free_data = goa_data_free,
};

OmAccountSource *
om_goa_source_new(sd_bus *bus, const OmAccountSourceCallbacks *callbacks, gpointer user_data,
                  int *error_out)
{
  GoaData *goa = g_new0(GoaData, 1);

  goa->ids = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  return om_account_source_new(&goa_class, goa, bus, callbacks, user_data, error_out);
}
