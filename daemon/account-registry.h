/* The accounts: one OmObject per account, kept in line with where accounts come from
 * (the keyfiles of account-store.h, and the accounts that GNOME Online Accounts and
 * evolution-data-server know, account-source.h, with the user's settings for them from
 * discovered-store.h), and the Manager's operations on them (add, update, remove,
 * request a mode), each saved before it is applied. Tells the engine through
 * OmAccountRegistryEvents when an account appears or goes, so that the bus face can
 * follow. docs/design.md, "Accounts"; docs/account-sources.md.
 *
 * An account file wins over a discovered account with the same id (logged). A discovered
 * account's UpdateAccount keeps only the settings given, RemoveAccount hides it
 * (Hidden=true) and AddAccount with its id is AlreadyExists. */
#pragma once

#include <glib.h>
#include <systemd/sd-bus.h>

#include "account-settings.h"
#include "account-source.h"
#include "offline-object.h"
#include "service-status.h"
#include "state-store.h"

typedef struct OmAccountRegistry OmAccountRegistry;

typedef struct {
  /* A new account, its state already set. */
  void (*added)(OmObject *account, gpointer user_data);
  /* An account about to be freed. */
  void (*removed)(OmObject *account, gpointer user_data);
  /* Once per om_account_registry_await_sources(). */
  void (*sources_settled)(gpointer user_data);
} OmAccountRegistryEvents;

/* How long start-up waits for the account sources to be read: they answer in tens of
 * milliseconds; one that has not by then shows its accounts as they come. */
#define OM_SOURCES_SETTLE_MAX_MS 2000

/* Accounts are created with @context (borrowed, outlives the registry); requested modes
 * are read from and saved to @state_store; saves are reported to @status. */
/* @discovered_dir holds the user's settings for discovered accounts. */
OmAccountRegistry *om_account_registry_new(const char *accounts_dir,
                                           const char *discovered_dir,
                                           const OmObjectContext *context,
                                           OmStateStore *state_store,
                                           OmServiceStatus *status,
                                           const OmAccountRegistryEvents *events,
                                           gpointer user_data);
void om_account_registry_free(OmAccountRegistry *registry);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(OmAccountRegistry, om_account_registry_free)

const char *om_account_registry_get_dir(OmAccountRegistry *registry);

/* Drops the stored requested modes of accounts whose file is gone (not of files that
 * merely fail to parse: they may be fixed, nor of discovered ids, goa-* and eds-*, which
 * are not read yet and come back when mail is turned on again). Before load. */
void om_account_registry_forget_stale_requests(OmAccountRegistry *registry);

/* Loads every account and starts watching for changes. */
void om_account_registry_load(OmAccountRegistry *registry);

/* Every account file, and every account known in memory, brought in line again; the
 * user's settings for discovered accounts read again. */
void om_account_registry_reload(OmAccountRegistry *registry);

/* Follows GNOME Online Accounts and evolution-data-server on @bus (borrowed, outlives
 * the registry), each only when asked for; a source turned off takes its accounts away.
 * After load, and again whenever the configuration is read. */
void om_account_registry_set_sources(OmAccountRegistry *registry, sd_bus *bus,
                                     gboolean goa, gboolean eds);

/* Calls the sources_settled event once every source followed is settled (absent, read,
 * or given up on: om_account_source_is_settled()), or after OM_SOURCES_SETTLE_MAX_MS,
 * whichever comes first; at once when they are. */
void om_account_registry_await_sources(OmAccountRegistry *registry);

/* The Account property Origin of @account: "file", "goa", "eds". */
const char *om_account_registry_get_origin(OmAccountRegistry *registry, OmObject *account);

/* The accounts are visible: starts every account (om_object_start()), and every later
 * one as it is created. */
void om_account_registry_start(OmAccountRegistry *registry);

OmObject *om_account_registry_lookup(OmAccountRegistry *registry, const char *id);
guint om_account_registry_count(OmAccountRegistry *registry);
guint om_account_registry_count_online(OmAccountRegistry *registry);
/* Re-evaluates every account. */
void om_account_registry_update_all(OmAccountRegistry *registry, OmCause cause);
void om_account_registry_foreach(OmAccountRegistry *registry,
                                 void (*func)(OmObject *account, gpointer user_data),
                                 gpointer user_data);

/* The Manager's operations. Each saves the change first; on error nothing changed and
 * @error (OM_ERROR) says why. */
OmObject *om_account_registry_add(OmAccountRegistry *registry, const char *id,
                                  const OmAccountSettings *settings, GError **error);
/* @settings: the account's with the client's values over them; @given: which settings
 * the client gave (a discovered account keeps only those as the user's). */
gboolean om_account_registry_update(OmAccountRegistry *registry, OmObject *account,
                                    const OmAccountSettings *settings,
                                    const gboolean given[OM_N_SETTINGS], GError **error);
/* A file account's file is deleted; a discovered account is hidden (Hidden=true). */
gboolean om_account_registry_remove(OmAccountRegistry *registry, OmObject *account,
                                    GError **error);
gboolean om_account_registry_set_requested(OmAccountRegistry *registry, OmObject *account,
                                           OmState requested, GError **error);
