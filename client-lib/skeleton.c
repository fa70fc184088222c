/* Placeholder implementation so that programs can be built against the public header
 * while the library is written: every call fails with OM_E_FAILED. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "offlinemgr/offlinemgr.h"

static int
not_yet(OmError *error)
{
  if (error != NULL) {
    error->code = OM_E_FAILED;
    error->name[0] = '\0';
    snprintf(error->message, sizeof error->message, "libofflinemgr: not implemented yet");
  }
  return OM_E_FAILED;
}

const char *om_error_code_to_string(int code) { return "unknown error"; }
OmClient *om_client_new(OmError *error) { not_yet(error); return NULL; }
OmClient *om_client_new_for_address(const char *address, OmError *error) { not_yet(error); return NULL; }
OmClient *om_client_ref(OmClient *client) { return client; }
void om_client_unref(OmClient *client) { }
int om_client_set_timeout(OmClient *client, int timeout_ms) { return not_yet(NULL); }
int om_client_get_fd(OmClient *client) { return not_yet(NULL); }
int om_client_dispatch(OmClient *client) { return not_yet(NULL); }
int om_client_daemon_is_running(OmClient *client, OmError *error) { return not_yet(error); }
int om_client_get_manager_info(OmClient *client, OmManagerInfo *info, OmError *error) { return not_yet(error); }
void om_manager_info_clear(OmManagerInfo *info) { }
int om_client_list_accounts(OmClient *client, OmAccountInfo **accounts, size_t *n_accounts, OmError *error) { return not_yet(error); }
void om_account_info_list_free(OmAccountInfo *accounts, size_t n_accounts) { }
int om_client_add_account(OmClient *client, const char *id, const char *const *settings, OmError *error) { return not_yet(error); }
int om_client_update_account(OmClient *client, const char *id, const char *const *settings, OmError *error) { return not_yet(error); }
int om_client_remove_account(OmClient *client, const char *id, OmError *error) { return not_yet(error); }
int om_client_reload(OmClient *client, OmError *error) { return not_yet(error); }
OmOffline *om_offline_open(OmClient *client, const char *account_id, OmError *error) { not_yet(error); return NULL; }
void om_offline_close(OmOffline *offline) { }
const char *om_offline_get_id(OmOffline *offline) { return NULL; }
const char *om_offline_get_path(OmOffline *offline) { return NULL; }
OmClient *om_offline_get_client(OmOffline *offline) { return NULL; }
int om_offline_get_state(OmOffline *offline, uint32_t *state, OmError *error) { return not_yet(error); }
int om_offline_get_capabilities(OmOffline *offline, uint32_t *capabilities, OmError *error) { return not_yet(error); }
int om_offline_get_info(OmOffline *offline, OmOfflineInfo *info, OmError *error) { return not_yet(error); }
void om_offline_info_clear(OmOfflineInfo *info) { }
int om_offline_get_settings(OmOffline *offline, OmSetting **settings, size_t *n_settings, OmError *error) { return not_yet(error); }
void om_settings_free(OmSetting *settings, size_t n_settings) { }
int om_offline_set_state(OmOffline *offline, uint32_t flags, uint32_t state, uint32_t *effective_state, OmError *error) { return not_yet(error); }
int om_offline_advise(OmOffline *offline, uint32_t client_token, uint32_t state_mask, OmStateCallback callback, void *user_data, OmDestroyNotify destroy, uint32_t *token, OmError *error) { return not_yet(error); }
int om_offline_unadvise(OmOffline *offline, uint32_t token) { return OM_E_NOT_FOUND; }
