/* The requested modes (SetCurrentState), persisted in
 * $XDG_STATE_HOME/offlinemgr/requested-state:
 *
 *   [Global]
 *   RequestedState=offline
 *   [Accounts]
 *   work=offline
 *
 * Only OFFLINE requests are stored; ONLINE is the default. Every change is written
 * durably before it is acknowledged; when writing fails, nothing changes in memory. */
#pragma once

#include <glib.h>

#include "policy.h"

typedef struct OmStateStore OmStateStore;

OmStateStore *om_state_store_new(const char *path);
void om_state_store_free(OmStateStore *store);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(OmStateStore, om_state_store_free)

/* Loads the file; a missing file means everything ONLINE. A file that does not parse is
 * reported, and kept: it is renamed aside (<name>.corrupt, or <name>.corrupt.N so that
 * an earlier one is not replaced) before the first write. */
gboolean om_state_store_load(OmStateStore *store, GError **error);

OmState om_state_store_get_global(OmStateStore *store);
OmState om_state_store_get_account(OmStateStore *store, const char *id);
gboolean om_state_store_set_global(OmStateStore *store, OmState state, GError **error);
gboolean om_state_store_set_account(OmStateStore *store, const char *id, OmState state,
                                    GError **error);
/* The ids with a stored request. */
char **om_state_store_list_accounts(OmStateStore *store);
/* Forgets @id's request (the account was removed). */
gboolean om_state_store_remove_account(OmStateStore *store, const char *id, GError **error);
