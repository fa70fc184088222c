/* evolution-data-server's source registry (org.gnome.evolution.dataserver.Sources5 on the
 * session bus, object manager at /org/gnome/evolution/dataserver/SourceManager) as an
 * account source: every enabled source whose Data keyfile has a [Mail Account] group and
 * a server in [Authentication] (Host, Port). The id is "eds-" + the source's UID, mapped
 * as om_discovered_account_id() says; DisplayName comes from [Data Source].
 *
 * Skipped: the registry's built-in sources ("On This Computer", "Search Folders", ...),
 * local mail stores (maildir, mbox, ...: no server), sources that are disabled
 * themselves or through an ancestor (Parent=), and mail accounts under a collection
 * with [GNOME Online Accounts] AccountId=: those are GNOME Online Accounts' accounts,
 * which the GOA source reports, and each account appears once.
 *
 * Parents and children: the registry itself holds a source whose parent is not loaded
 * yet back (its "orphans") and exports it only after the parent, and removes children
 * before their parent, so a child is never seen without its parent; a Parent= that
 * names no source (left behind by hand) is taken as no parent, as the registry's own
 * e_source_registry_check_enabled() does. When a source changes, every mail account is
 * looked at again, since a change to a collection changes the accounts below it. */
#pragma once

#include "account-source.h"

/* Follows evolution-data-server on @bus (see account-source.h). */
OmAccountSource *om_eds_source_new(sd_bus *bus, const OmAccountSourceCallbacks *callbacks,
                                   gpointer user_data, int *error_out);

/* ---- the translation, apart from the bus ---- */

/* What offlinemgr reads from a source's Data. */
typedef struct {
  char *uid;
  char *error;           /* non-NULL: Data cannot be used, and this says why */
  char *parent;          /* [Data Source] Parent; NULL: none */
  gboolean enabled;      /* [Data Source] Enabled, default true */
  char *display_name;    /* [Data Source] DisplayName (untranslated); NULL: none */
  gboolean mail_account; /* the Data has [Mail Account] */
  gboolean builtin;      /* a built-in of the registry (by UID, or [Mail Account] Builtin) */
  gboolean local;        /* a mail account whose backend keeps mail locally (maildir, ...) */
  char *goa_account_id;  /* [GNOME Online Accounts] AccountId; NULL: none */
  char *host;            /* [Authentication] Host of a mail account; NULL: none */
  guint32 port;          /* [Authentication] Port, else IMAP's or POP's default; 0: none */
} OmEdsSourceInfo;

void om_eds_source_info_clear(OmEdsSourceInfo *info);
void om_eds_source_info_free(OmEdsSourceInfo *info);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(OmEdsSourceInfo, om_eds_source_info_clear)

/* Reads @data, the Data property of source @uid, into @info. Data that does not parse,
 * or a malformed Enabled, Builtin or Port (a mail account's), leaves the reason in
 * @info->error, so that the source is still known (as a parent, say). */
void om_eds_source_info_parse(OmEdsSourceInfo *info, const char *uid, const char *data);

typedef enum {
  OM_EDS_ACCOUNT,      /* a mail account: @account holds its values */
  OM_EDS_NOT_MAIL,     /* a calendar, address book, identity, transport, collection, ... */
  OM_EDS_BUILTIN,      /* one of the registry's own */
  OM_EDS_LOCAL,        /* a local mail store: nothing to reach */
  OM_EDS_DISABLED,     /* disabled, itself or through an ancestor */
  OM_EDS_GOA,          /* GNOME Online Accounts' account, seen through the registry */
  OM_EDS_BAD,          /* bad data */
} OmEdsVerdict;

/* What source @uid is, given every source known (@sources: uid → OmEdsSourceInfo*).
 * For OM_EDS_ACCOUNT, @account gets the values; for the others, @why says why there is
 * no account. */
OmEdsVerdict om_eds_evaluate(GHashTable *sources, const char *uid, OmDiscoveredAccount *account,
                             char **why);
