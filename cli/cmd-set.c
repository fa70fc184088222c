/* offlinemgrctl set ID|--global online|offline: requests a mode (SetCurrentState). */
#include <stdio.h>
#include <strings.h>

#include "ctl.h"

/* With BLOCK the daemon answers after the transition, which may include a reachability
 * probe (ProbeTimeoutMs, at most 60 s); wait longer than that. */
#define BLOCK_TIMEOUT_MS 90000

int
ctl_set(const CtlOptions *options, int n_args, char **args)
{
  OmError error = OM_ERROR_INIT;
  const char *id = options->global ? NULL : args[0];
  const char *mode = options->global ? args[0] : args[1];
  uint32_t state;
  OmClient *client;
  OmOffline *offline;
  int status = CTL_EXIT_OK;

  if (options->global && n_args != 1)
    return ctl_usage_error("usage: set --global online|offline");
  if (!options->global && n_args != 2)
    return ctl_usage_error("usage: set ID online|offline (or set --global online|offline)");
  if (strcasecmp(mode, "online") == 0)
    state = OM_STATE_ONLINE;
  else if (strcasecmp(mode, "offline") == 0)
    state = OM_STATE_OFFLINE;
  else
    return ctl_usage_error("'%s' is not online or offline", mode);

  if ((client = ctl_connect(&status)) == NULL)
    return status;
  if (!options->no_block)
    om_client_set_timeout(client, BLOCK_TIMEOUT_MS);
  offline = om_offline_open(client, id, &error);
  if (offline == NULL) {
    status = ctl_error(&error, NULL);
  } else if (om_offline_set_state(offline, options->no_block ? 0 : OM_FLAG_BLOCK, state,
                                  NULL, &error) < 0) {
    status = ctl_error(&error, id ? id : "global");
  } else {
    status = ctl_show_changed_object(options, client, id);
  }
  om_offline_close(offline);
  om_client_unref(client);
  return status;
}
