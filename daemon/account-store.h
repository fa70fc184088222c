/* The account keyfiles: $XDG_CONFIG_HOME/offlinemgr/accounts/<id>.conf.
 *
 * Reads them with limits (regular files only, at most OM_ACCOUNT_FILE_MAX bytes), writes
 * them durably while keeping comments and keys it does not know, and watches the
 * directory so that hand edits are picked up live. A file that does not parse is never
 * rewritten. */
#pragma once

#include <glib.h>

#include "account-settings.h"

typedef struct OmAccountStore OmAccountStore;

/* Called for a file whose <id>.conf was created, changed, renamed or removed. */
typedef void (*OmAccountFileChanged)(const char *id, gpointer user_data);

OmAccountStore *om_account_store_new(const char *dir);
void om_account_store_free(OmAccountStore *store);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(OmAccountStore, om_account_store_free)

const char *om_account_store_get_dir(OmAccountStore *store);

/* The ids of the files in the directory named <valid id>.conf, sorted. A missing
 * directory is empty. */
GPtrArray *om_account_store_list(OmAccountStore *store, GError **error);

/* Whether anything exists at the account's path (even a file that does not parse). */
gboolean om_account_store_exists(OmAccountStore *store, const char *id);

/* Loads one account. G_FILE_ERROR_NOENT: no file. Any other error: the file exists but
 * cannot be used; the message says why (with the file's name). */
gboolean om_account_store_load(OmAccountStore *store, const char *id,
                               OmAccountSettings *settings, GError **error);

/* Writes the account durably, merged into the existing file. Fails, without touching
 * the file, when the existing file cannot be read or parsed. */
gboolean om_account_store_save(OmAccountStore *store, const char *id,
                               const OmAccountSettings *settings, GError **error);

gboolean om_account_store_delete(OmAccountStore *store, const char *id, GError **error);

/* Starts watching the directory (creating it if needed). */
gboolean om_account_store_watch(OmAccountStore *store, OmAccountFileChanged changed,
                                gpointer user_data, GError **error);
