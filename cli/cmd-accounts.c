/* offlinemgrctl add, update, remove, reload: the Manager's methods. */
#include <stdio.h>

#include "ctl.h"

/* The words after the id are KEY=VALUE settings; the library converts them to their
 * D-Bus types and names any it cannot. */
static int
add_or_update(const CtlOptions *options, int n_args, char **args, bool add)
{
  OmError error = OM_ERROR_INIT;
  const char *verb = add ? "add" : "update";
  OmClient *client;
  int status = CTL_EXIT_OK, r;

  if (n_args < 1)
    return ctl_usage_error("usage: %s ID %sKEY=VALUE...", verb, add ? "[" : "");
  if (!add && n_args < 2)
    return ctl_usage_error("update needs at least one KEY=VALUE setting");
  if ((client = ctl_connect(&status)) == NULL)
    return status;
  /* argv is NULL-terminated, so the settings are too. */
  if (add)
    r = om_client_add_account(client, args[0], (const char *const *)args + 1, &error);
  else
    r = om_client_update_account(client, args[0], (const char *const *)args + 1, &error);
  if (r < 0)
    status = ctl_error(&error, add ? "cannot add the account" : "cannot update the account");
  else
    status = ctl_show_changed_object(options, client, args[0]);
  om_client_unref(client);
  return status;
}

int
ctl_add(const CtlOptions *options, int n_args, char **args)
{
  return add_or_update(options, n_args, args, true);
}

int
ctl_update(const CtlOptions *options, int n_args, char **args)
{
  return add_or_update(options, n_args, args, false);
}

int
ctl_remove(const CtlOptions *options, int n_args, char **args)
{
  OmError error = OM_ERROR_INIT;
  OmClient *client;
  int status = CTL_EXIT_OK;

  if (n_args != 1)
    return ctl_usage_error("usage: remove ID");
  if ((client = ctl_connect(&status)) == NULL)
    return status;
  if (om_client_remove_account(client, args[0], &error) < 0)
    status = ctl_error(&error, "cannot remove the account");
  om_client_unref(client);
  return status;
}

int
ctl_reload(const CtlOptions *options, int n_args, char **args)
{
  OmError error = OM_ERROR_INIT;
  OmClient *client;
  int status = CTL_EXIT_OK;

  if (n_args != 0)
    return ctl_usage_error("reload takes no arguments");
  if ((client = ctl_connect(&status)) == NULL)
    return status;
  if (om_client_reload(client, &error) < 0)
    status = ctl_error(&error, "cannot reload");
  om_client_unref(client);
  return status;
}
