/* The user's own settings for discovered accounts (account-source.h):
 * $XDG_CONFIG_HOME/offlinemgr/discovered/<id>.conf, group [Account], holding only what the
 * user set (the keys of account-settings.h, at any value) and Hidden=true for an account
 * the user removed. Such a file is never an account of its own: it applies whenever its
 * account is discovered, after restarts, after mail was turned off and on, after GOA or
 * evolution-data-server started late.
 *
 *   [Account]
 *   AllowMetered=false
 *   Host=imap.internal.example.com
 *   Hidden=true
 *
 * Files are read with limits (regular files only, at most OM_ACCOUNT_FILE_MAX bytes),
 * written durably while keeping comments and keys this version does not know, and a
 * file that cannot be read or parsed is reported and never rewritten. The account's
 * requested mode is kept with every other account's, in the state store. */
#pragma once

#include <glib.h>

#include "account-settings.h"
#include "account-source.h"

#define OM_DISCOVERED_HIDDEN_KEY "Hidden"

typedef struct {
  OmAccountSettings values;     /* the user's values; only those marked in @set count */
  gboolean set[OM_N_SETTINGS];  /* which settings the user set */
  gboolean hidden;              /* the user removed the account */
} OmDiscoveredOverrides;

void om_discovered_overrides_init(OmDiscoveredOverrides *overrides);
void om_discovered_overrides_clear(OmDiscoveredOverrides *overrides);
void om_discovered_overrides_copy(OmDiscoveredOverrides *dest, const OmDiscoveredOverrides *src);
gboolean om_discovered_overrides_equal(const OmDiscoveredOverrides *a,
                                       const OmDiscoveredOverrides *b);
/* Nothing set and not hidden: the file has no reason to exist. */
gboolean om_discovered_overrides_is_empty(const OmDiscoveredOverrides *overrides);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(OmDiscoveredOverrides, om_discovered_overrides_clear)

/* UpdateAccount on a discovered account: the settings marked in @given, with their
 * values in @values (validated already, as by om_settings_message_read()), become the
 * user's. An empty DisplayName or Host, or Port 0, drops the user's value: the source's
 * applies again. */
void om_discovered_overrides_update(OmDiscoveredOverrides *overrides,
                                    const OmAccountSettings *values,
                                    const gboolean given[OM_N_SETTINGS]);

/* The settings of a discovered account: DisplayName, Host and Port from @account, the
 * user's values over them and over the defaults (@overrides may be NULL). @settings is
 * always usable; FALSE, with @error (InvalidArgs) saying why, when the user's
 * CheckReachability=true cannot apply because the result has no Host or Port: it is
 * off in @settings. */
gboolean om_discovered_merge(const OmDiscoveredAccount *account,
                             const OmDiscoveredOverrides *overrides,
                             OmAccountSettings *settings, GError **error);

typedef struct OmDiscoveredStore OmDiscoveredStore;

OmDiscoveredStore *om_discovered_store_new(const char *dir);
void om_discovered_store_free(OmDiscoveredStore *store);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(OmDiscoveredStore, om_discovered_store_free)

const char *om_discovered_store_get_dir(OmDiscoveredStore *store);

/* The ids of the files <valid id>.conf in the directory, sorted; a missing directory is
 * empty. */
GPtrArray *om_discovered_store_list(OmDiscoveredStore *store, GError **error);

/* Loads the user's settings for @id. No file: nothing set, and TRUE. A file that cannot
 * be used: FALSE, with @error naming the file and what is wrong. */
gboolean om_discovered_store_load(OmDiscoveredStore *store, const char *id,
                                  OmDiscoveredOverrides *overrides, GError **error);

/* Writes @overrides durably, merged into the existing file (other keys, groups and
 * comments stay); when nothing is left in the file, removes it. Fails, without touching
 * the file, when the existing file cannot be read or parsed. */
gboolean om_discovered_store_save(OmDiscoveredStore *store, const char *id,
                                  const OmDiscoveredOverrides *overrides, GError **error);
