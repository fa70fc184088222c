/* The accounts: one OmObject per account, kept in line with where accounts come from
 * (today the keyfiles of account-store.h), and the Manager's operations on them (add,
 * update, remove, request a mode), each saved before it is applied. Tells the engine
 * through OmAccountRegistryEvents when an account appears or goes, so that the bus face
 * can follow. docs/design.md, "Accounts". */
#pragma once

#include <glib.h>

#include "account-settings.h"
#include "offline-object.h"
#include "service-status.h"
#include "state-store.h"

typedef struct OmAccountRegistry OmAccountRegistry;

typedef struct {
  /* A new account, its state already set. */
  void (*added)(OmObject *account, gpointer user_data);
  /* An account about to be freed. */
  void (*removed)(OmObject *account, gpointer user_data);
} OmAccountRegistryEvents;

/* Accounts are created with @context (borrowed, outlives the registry); requested modes
 * are read from and saved to @state_store; saves are reported to @status. */
OmAccountRegistry *om_account_registry_new(const char *accounts_dir,
                                           const OmObjectContext *context,
                                           OmStateStore *state_store,
                                           OmServiceStatus *status,
                                           const OmAccountRegistryEvents *events,
                                           gpointer user_data);
void om_account_registry_free(OmAccountRegistry *registry);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(OmAccountRegistry, om_account_registry_free)

const char *om_account_registry_get_dir(OmAccountRegistry *registry);

/* Drops the stored requested modes of accounts whose file is gone (not of files that
 * merely fail to parse: they may be fixed). Before load. */
void om_account_registry_forget_stale_requests(OmAccountRegistry *registry);

/* Loads every account and starts watching for changes. */
void om_account_registry_load(OmAccountRegistry *registry);

/* Every account file, and every account known in memory, brought in line again. */
void om_account_registry_reload(OmAccountRegistry *registry);

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
gboolean om_account_registry_update(OmAccountRegistry *registry, OmObject *account,
                                    const OmAccountSettings *settings, GError **error);
gboolean om_account_registry_remove(OmAccountRegistry *registry, OmObject *account,
                                    GError **error);
gboolean om_account_registry_set_requested(OmAccountRegistry *registry, OmObject *account,
                                           OmState requested, GError **error);
