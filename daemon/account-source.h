/* Accounts that other services already know: GNOME Online Accounts (goa-source.h) and
 * evolution-data-server (eds-source.h), each followed live on the session bus.
 *
 * A source reports every account it discovers through its callbacks: changed (appeared
 * or changed) and removed, each exactly once per real change. It never starts the
 * service, never writes its files, and never blocks: it watches the service's name and
 * reads its objects when the name has an owner (see object-mirror.h).
 *
 * When the service leaves the bus, or stops answering, its accounts stay as they were
 * last read: a crash or an upgrade restarts it within seconds, and mail applications
 * should not see every account vanish and come back meanwhile. When it is back and read
 * again, the accounts it no longer has are removed then. Likewise an account whose data
 * turns bad (a Host that is not a host name, say) keeps its last good values, and the
 * problem is logged, as a broken account file does.
 *
 * Bad data from a service is logged once, naming the service and the account, and skips
 * that account only. */
#pragma once

#include <glib.h>
#include <systemd/sd-bus.h>

#include "account-settings.h"
#include "object-mirror.h"

typedef enum {
  OM_ACCOUNT_ORIGIN_FILE,  /* a keyfile in $XDG_CONFIG_HOME/offlinemgr/accounts/ */
  OM_ACCOUNT_ORIGIN_GOA,   /* GNOME Online Accounts */
  OM_ACCOUNT_ORIGIN_EDS,   /* evolution-data-server */
} OmAccountOrigin;

/* "file", "goa", "eds": the Origin property's values. */
const char *om_account_origin_to_string(OmAccountOrigin origin);

/* What a source knows of an account. The strings are owned by the source. */
typedef struct {
  OmAccountOrigin origin;
  char *id;            /* a valid account id: "goa-" or "eds-" + the service's id, mapped */
  char *source_id;     /* the service's own id: the GOA account id, the EDS source UID */
  char *display_name;  /* NULL: none */
  char *host;          /* NULL: none */
  guint32 port;        /* 0: none */
} OmDiscoveredAccount;

void om_discovered_account_clear(OmDiscoveredAccount *account);
void om_discovered_account_copy(OmDiscoveredAccount *dest, const OmDiscoveredAccount *src);
gboolean om_discovered_account_equal(const OmDiscoveredAccount *a,
                                     const OmDiscoveredAccount *b);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(OmDiscoveredAccount, om_discovered_account_clear)

/* Validates a source's DisplayName, Host and Port with the rules of account settings and
 * stores copies in @account; on error (naming the setting) @account is unchanged. */
gboolean om_discovered_account_set_values(OmDiscoveredAccount *account,
                                          const char *display_name, const char *host,
                                          guint32 port, GError **error);

/* The account id of the service's id @source_id: "goa-"/"eds-" followed by @source_id,
 * where every byte outside the id alphabet [A-Za-z0-9_.-] becomes '_' and two lowercase
 * hex digits ("odd uid@x" → "eds-odd_20uid_40x"). An id that would be longer than
 * OM_ACCOUNT_ID_MAX keeps its first 51 characters and ends with '-' and 12 hex digits of
 * the SHA-256 of @source_id. GOA's ids ("account_1700000000_0") and EDS's UIDs (SHA-1
 * hex, or time.pid.n@host) come out readable. Two ids map to one only when one has a
 * literal "_xx" where the other has the character it stands for, or when two long ids
 * share their first part and 48 bits of hash: om_account_source_report() logs that and
 * skips the second. NULL for an empty @source_id or OM_ACCOUNT_ORIGIN_FILE. */
char *om_discovered_account_id(OmAccountOrigin origin, const char *source_id);

typedef struct OmAccountSource OmAccountSource;

typedef struct {
  /* An account appeared, or its values changed. */
  void (*changed)(OmAccountSource *source, const OmDiscoveredAccount *account,
                  gpointer user_data);
  void (*removed)(OmAccountSource *source, const char *id, gpointer user_data);
  /* om_account_source_get_status() changed. Becoming UP means the service was read in
   * full, and the changed and removed calls for it have all been made. */
  void (*status_changed)(OmAccountSource *source, gpointer user_data);
} OmAccountSourceCallbacks;

void om_account_source_free(OmAccountSource *source);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(OmAccountSource, om_account_source_free)

/* How long the service may take to answer a call (default 5 s); when it takes longer,
 * it is given up on (STALLED) until its name changes hands. */
void om_account_source_set_timeout(OmAccountSource *source, guint64 usec);

OmAccountOrigin om_account_source_get_origin(OmAccountSource *source);
/* The service's name for logs: "GNOME Online Accounts", "evolution-data-server". */
const char *om_account_source_get_service(OmAccountSource *source);
OmMirrorStatus om_account_source_get_status(OmAccountSource *source);
/* Whether there is nothing more to wait for: the bus has said whether the service is
 * there, and if it is, it was read or given up on. */
gboolean om_account_source_is_settled(OmAccountSource *source);

/* The account @id as last reported, or NULL. Owned by the source; valid until the
 * source next processes a message. */
const OmDiscoveredAccount *om_account_source_lookup(OmAccountSource *source, const char *id);
/* The accounts, id → OmDiscoveredAccount*, owned by the source. */
GHashTable *om_account_source_get_accounts(OmAccountSource *source);

/* ---- for the implementations (goa-source.c, eds-source.c) ---- */

typedef struct {
  OmAccountOrigin origin;
  OmMirrorSpec mirror;
  /* The mirror holds a new complete set of objects: report them all. */
  void (*synced)(OmAccountSource *source);
  /* While UP: an object appeared, changed or went away. */
  void (*object_changed)(OmAccountSource *source, const OmMirrorObject *object);
  void (*object_removed)(OmAccountSource *source, const OmMirrorObject *object);
  /* The service left or changed hands: forget what was kept per object. */
  void (*reset)(OmAccountSource *source);
  void (*free_data)(gpointer data);
} OmAccountSourceClass;

OmAccountSource *om_account_source_new(const OmAccountSourceClass *klass, gpointer data,
                                       sd_bus *bus, const OmAccountSourceCallbacks *callbacks,
                                       gpointer user_data, int *error_out);
gpointer om_account_source_get_data(OmAccountSource *source);
OmObjectMirror *om_account_source_get_mirror(OmAccountSource *source);

/* The service's object @source_id gives @account (whose id, origin and source_id are
 * filled in here): reported when new or different. An id already reported for another
 * object (two ids that map to one) is logged and skipped. */
void om_account_source_report(OmAccountSource *source, const char *source_id,
                              OmDiscoveredAccount *account);
/* The object @source_id gives no account (anymore), for a reason that is no problem
 * (mail turned off, a disabled source): it is removed if it was reported. @why is
 * logged at debug level when it changes. */
void om_account_source_withdraw(OmAccountSource *source, const char *source_id,
                                const char *why);
/* The object @source_id has bad data: logged as a warning when the problem is new; an
 * account already reported for it keeps its last good values. */
void om_account_source_reject(OmAccountSource *source, const char *source_id,
                              const char *why);
