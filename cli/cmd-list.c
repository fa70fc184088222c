/* offlinemgrctl list: every account with its state and reason. */
#include <stdio.h>
#include <stdlib.h>

#include "ctl.h"

static void
print_json(const OmAccountInfo *accounts, size_t n)
{
  JsonWriter json;

  json_writer_init(&json, stdout, true);
  json_begin_array(&json, NULL);
  for (size_t i = 0; i < n; i++) {
    json_begin_object(&json, NULL);
    ctl_json_object_members(&json, accounts[i].id, accounts[i].display_name, accounts[i].state,
                            accounts[i].requested_state, accounts[i].reason,
                            accounts[i].transitioning);
    json_end_object(&json);
  }
  json_end_array(&json);
  json_finish(&json);
}

static void
print_table(const CtlOptions *options, const OmAccountInfo *accounts, size_t n)
{
  OutputTable *table;

  if (n == 0) {
    puts("No accounts.");
    return;
  }
  table = output_table_new(4, 1);
  output_table_add_row(table, (const char *const[]){ "ID", "STATE", "REASON", "NAME" });
  for (size_t i = 0; i < n; i++) {
    const char *reason = accounts[i].reason && *accounts[i].reason ? accounts[i].reason : "-";
    output_table_add_row(table, (const char *const[]){ accounts[i].id,
                                                       ctl_state_name(accounts[i].state),
                                                       reason, accounts[i].display_name });
  }
  output_table_print(table, stdout, &options->mode);
  output_table_free(table);
}

int
ctl_list(const CtlOptions *options, int n_args, char **args)
{
  OmError error = OM_ERROR_INIT;
  OmAccountInfo *accounts = NULL;
  size_t n = 0;
  OmClient *client;
  int status = CTL_EXIT_OK;

  if (n_args > 0)
    return ctl_usage_error("list takes no arguments");
  if ((client = ctl_connect(&status)) == NULL)
    return status;
  if (om_client_list_accounts(client, &accounts, &n, &error) < 0) {
    status = ctl_error(&error, "cannot list the accounts");
  } else if (options->json) {
    print_json(accounts, n);
  } else if (options->mode.tty) {
    print_table(options, accounts, n);
  } else {
    for (size_t i = 0; i < n; i++)
      ctl_print_tsv_line(accounts[i].id, accounts[i].state, accounts[i].reason,
                         accounts[i].display_name);
  }
  om_account_info_list_free(accounts, n);
  om_client_unref(client);
  return status;
}
