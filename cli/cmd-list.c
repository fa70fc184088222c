/* offlinemgrctl list: every account with its state, reason and origin. */
#include <stdio.h>
#include <stdlib.h>

#include "ctl.h"

/* Each account's Origin, one call each (the listing's structure is part of the ABI and
 * has no room for it); NULL where it cannot be read (a daemon older than the property,
 * an account gone meanwhile): shown as "-". */
static char **
read_origins(OmClient *client, const OmAccountInfo *accounts, size_t n)
{
  char **origins = calloc(n + 1, sizeof *origins);

  if (origins == NULL)
    abort();
  for (size_t i = 0; i < n; i++) {
    OmError error = OM_ERROR_INIT;
    OmOffline *account = om_offline_open(client, accounts[i].id, &error);

    if (account != NULL && om_offline_get_origin(account, &origins[i], &error) < 0)
      origins[i] = NULL;
    om_offline_close(account);
  }
  return origins;
}

static void
free_origins(char **origins, size_t n)
{
  for (size_t i = 0; i < n; i++)
    free(origins[i]);
  free(origins);
}

static void
print_json(const OmAccountInfo *accounts, char **origins, size_t n)
{
  JsonWriter json;

  json_writer_init(&json, stdout, true);
  json_begin_array(&json, NULL);
  for (size_t i = 0; i < n; i++) {
    json_begin_object(&json, NULL);
    ctl_json_object_members(&json, accounts[i].id, accounts[i].display_name, accounts[i].state,
                            accounts[i].requested_state, accounts[i].reason,
                            accounts[i].transitioning);
    json_string(&json, "origin", origins[i] ? origins[i] : "");
    json_end_object(&json);
  }
  json_end_array(&json);
  json_finish(&json);
}

static void
print_table(const CtlOptions *options, const OmAccountInfo *accounts, char **origins,
            size_t n)
{
  OutputTable *table;

  if (n == 0) {
    puts("No accounts.");
    return;
  }
  table = output_table_new(5, 1);
  output_table_add_row(table,
                       (const char *const[]){ "ID", "STATE", "REASON", "ORIGIN", "NAME" });
  for (size_t i = 0; i < n; i++) {
    const char *reason = accounts[i].reason && *accounts[i].reason ? accounts[i].reason : "-";
    output_table_add_row(table, (const char *const[]){ accounts[i].id,
                                                       ctl_state_name(accounts[i].state),
                                                       reason, origins[i] ? origins[i] : "-",
                                                       accounts[i].display_name });
  }
  output_table_print(table, stdout, &options->mode);
  output_table_free(table);
}

int
ctl_list(const CtlOptions *options, int n_args, char **args)
{
  OmError error = OM_ERROR_INIT;
  OmAccountInfo *accounts = NULL;
  char **origins = NULL;
  size_t n = 0;
  OmClient *client;
  int status = CTL_EXIT_OK;

  if (n_args > 0)
    return ctl_usage_error("list takes no arguments");
  if ((client = ctl_connect(&status)) == NULL)
    return status;
  if (om_client_list_accounts(client, &accounts, &n, &error) < 0) {
    status = ctl_error(&error, "cannot list the accounts");
  } else {
    origins = read_origins(client, accounts, n);
    if (options->json) {
      print_json(accounts, origins, n);
    } else if (options->mode.tty) {
      print_table(options, accounts, origins, n);
    } else {
      /* The origin last, so that scripts reading the first four columns go on working. */
      for (size_t i = 0; i < n; i++)
        ctl_print_tsv_line_origin(accounts[i].id, accounts[i].state, accounts[i].reason,
                                  accounts[i].display_name, origins[i]);
    }
    free_origins(origins, n);
  }
  om_account_info_list_free(accounts, n);
  om_client_unref(client);
  return status;
}
