/* offlinemgrctl status [ID]: one object in detail; for the global object also the
 * network as the daemon sees it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

/* Labelled values, printed as aligned "Label: value" lines on a terminal and as
 * "Label<tab>value" lines otherwise. */
#define MAX_FIELDS 24

typedef struct {
  const char *label;
  char *value;
  bool is_state;  /* coloured */
} Field;

typedef struct {
  Field items[MAX_FIELDS];
  size_t n;
} Fields;

static void
add_field(Fields *fields, const char *label, const char *value, bool is_state)
{
  char *copy = strdup(value && *value ? value : "-");

  if (copy == NULL || fields->n == MAX_FIELDS)
    abort();
  fields->items[fields->n++] = (Field){ label, copy, is_state };
}

static void
add_field_uint(Fields *fields, const char *label, unsigned long value)
{
  char buf[32];

  snprintf(buf, sizeof(buf), "%lu", value);
  add_field(fields, label, buf, false);
}

static void
print_fields(const CtlOptions *options, Fields *fields)
{
  size_t width = 0;

  for (size_t i = 0; i < fields->n; i++)
    if (strlen(fields->items[i].label) > width)
      width = strlen(fields->items[i].label);
  for (size_t i = 0; i < fields->n; i++) {
    const Field *f = &fields->items[i];
    const char *state = f->is_state ? f->value : NULL;

    if (options->mode.tty)
      printf("%s:%*s %s%s%s\n", f->label, (int)(width - strlen(f->label)), "",
             output_colour_start(&options->mode, state), f->value,
             output_colour_end(&options->mode, state));
    else
      printf("%s\t%s\n", f->label, f->value);
    free(f->value);
  }
  fields->n = 0;
}

static const char *
nm_state_name(uint32_t state)
{
  switch (state) {
  case 10: return "asleep";
  case 20: return "disconnected";
  case 30: return "disconnecting";
  case 40: return "connecting";
  case 50: return "connected-local";
  case 60: return "connected-site";
  case 70: return "connected-global";
  default: return "unknown";
  }
}

static const char *
connectivity_name(uint32_t connectivity)
{
  switch (connectivity) {
  case 1: return "none";
  case 2: return "portal";
  case 3: return "limited";
  case 4: return "full";
  default: return "unknown";
  }
}

/* Items joined by @separator, owned by the caller. */
static char *
join(char *const *items, const char *separator)
{
  char *out = NULL;
  size_t size = 0;
  FILE *f = open_memstream(&out, &size);

  if (f == NULL)
    abort();
  for (size_t i = 0; items && items[i]; i++)
    fprintf(f, "%s%s", i ? separator : "", items[i]);
  fclose(f);
  return out;
}

/* ---- the global object ---- */

static int
status_global(const CtlOptions *options, OmClient *client)
{
  OmError error = OM_ERROR_INIT;
  OmOfflineInfo info = { 0 };
  OmManagerInfo manager = { 0 };
  OmAccountInfo *accounts = NULL;
  size_t n_accounts = 0, n_online = 0;
  OmOffline *global;
  int status = CTL_EXIT_OK;

  global = om_offline_open(client, NULL, &error);
  if (global == NULL)
    return ctl_error(&error, NULL);
  if (om_offline_get_info(global, &info, &error) < 0 ||
      om_client_get_manager_info(client, &manager, &error) < 0 ||
      om_client_list_accounts(client, &accounts, &n_accounts, &error) < 0) {
    status = ctl_error(&error, NULL);
    goto out;
  }
  for (size_t i = 0; i < n_accounts; i++)
    if (accounts[i].state == OM_STATE_ONLINE)
      n_online++;

  if (options->json) {
    JsonWriter json;

    json_writer_init(&json, stdout, true);
    json_begin_object(&json, NULL);
    ctl_json_object_members(&json, NULL, NULL, info.state, info.requested_state, info.reason,
                            info.transitioning);
    json_begin_object(&json, "network");
    json_string(&json, "backend", manager.network_backend);
    json_string(&json, "state", nm_state_name(manager.network_state));
    json_uint(&json, "nm_state", manager.network_state);
    json_string(&json, "connectivity", connectivity_name(manager.connectivity));
    json_uint(&json, "nm_connectivity", manager.connectivity);
    json_bool(&json, "metered", manager.metered);
    json_begin_array(&json, "active_connections");
    for (size_t i = 0; manager.active_connections && manager.active_connections[i]; i++)
      json_string(&json, NULL, manager.active_connections[i]);
    json_end_array(&json);
    json_end_object(&json);
    json_begin_object(&json, "accounts");
    json_uint(&json, "total", n_accounts);
    json_uint(&json, "online", n_online);
    json_end_object(&json);
    json_string(&json, "version", manager.version);
    json_end_object(&json);
    json_finish(&json);
  } else {
    Fields fields = { 0 };
    char *connections = join(manager.active_connections, options->mode.tty ? ", " : "\t");

    add_field(&fields, "State", ctl_state_name(info.state), true);
    add_field(&fields, "Reason", info.reason, false);
    add_field(&fields, "Requested", ctl_mode_name(info.requested_state), false);
    add_field(&fields, "Transitioning", info.transitioning ? "yes" : "no", false);
    add_field_uint(&fields, "Accounts", n_accounts);
    add_field_uint(&fields, "Accounts online", n_online);
    add_field(&fields, "Backend", manager.network_backend, false);
    add_field(&fields, "Network", nm_state_name(manager.network_state), false);
    add_field(&fields, "Connectivity", connectivity_name(manager.connectivity), false);
    add_field(&fields, "Metered", manager.metered ? "yes" : "no", false);
    add_field(&fields, "Connections", connections, false);
    add_field(&fields, "Version", manager.version, false);
    print_fields(options, &fields);
    free(connections);
  }

out:
  om_account_info_list_free(accounts, n_accounts);
  om_manager_info_clear(&manager);
  om_offline_info_clear(&info);
  om_offline_close(global);
  return status;
}

/* ---- an account ---- */

/* A setting's value in keyfile syntax as JSON of its D-Bus type. */
static void
json_setting(JsonWriter *json, const OmSetting *setting)
{
  switch (setting->type) {
  case 'u':
    json_uint(json, setting->key, strtoul(setting->value, NULL, 10));
    break;
  case 'b':
    json_bool(json, setting->key, strcmp(setting->value, "true") == 0);
    break;
  case 'a': {
    /* ';'-separated, "\;" and "\\" escaped, a trailing ';' ending the list. */
    char *item = malloc(strlen(setting->value) + 1);
    const char *p = setting->value;

    if (item == NULL)
      abort();
    json_begin_array(json, setting->key);
    while (*p) {
      size_t len = 0;

      while (*p && *p != ';') {
        if (*p == '\\' && (p[1] == ';' || p[1] == '\\'))
          p++;
        item[len++] = *p++;
      }
      item[len] = '\0';
      json_string(json, NULL, item);
      if (*p == ';')
        p++;
    }
    json_end_array(json);
    free(item);
    break;
  }
  default:
    json_string(json, setting->key, setting->value);
  }
}

static int
status_account(const CtlOptions *options, OmClient *client, const char *id)
{
  OmError error = OM_ERROR_INIT;
  OmOfflineInfo info = { 0 };
  OmSetting *settings = NULL;
  size_t n_settings = 0;
  char *origin = NULL;
  OmOffline *account;
  int status = CTL_EXIT_OK;

  account = om_offline_open(client, id, &error);
  if (account == NULL)
    return ctl_error(&error, NULL);
  if (om_offline_get_info(account, &info, &error) < 0 ||
      om_offline_get_settings(account, &settings, &n_settings, &error) < 0) {
    status = ctl_error(&error, id);
    goto out;
  }
  /* A daemon older than the Origin property: shown as unknown. */
  if (om_offline_get_origin(account, &origin, &error) < 0)
    origin = NULL;

  if (options->json) {
    JsonWriter json;

    json_writer_init(&json, stdout, true);
    json_begin_object(&json, NULL);
    ctl_json_object_members(&json, id, info.display_name, info.state, info.requested_state,
                            info.reason, info.transitioning);
    json_string(&json, "origin", origin ? origin : "");
    json_begin_object(&json, "settings");
    for (size_t i = 0; i < n_settings; i++)
      json_setting(&json, &settings[i]);
    json_end_object(&json);
    json_end_object(&json);
    json_finish(&json);
  } else {
    Fields fields = { 0 };

    add_field(&fields, "Account", id, false);
    add_field(&fields, "State", ctl_state_name(info.state), true);
    add_field(&fields, "Reason", info.reason, false);
    add_field(&fields, "Requested", ctl_mode_name(info.requested_state), false);
    add_field(&fields, "Transitioning", info.transitioning ? "yes" : "no", false);
    add_field(&fields, "Origin", origin ? origin : "-", false);
    for (size_t i = 0; i < n_settings && fields.n < MAX_FIELDS; i++)
      add_field(&fields, settings[i].key, settings[i].value, false);
    print_fields(options, &fields);
  }

out:
  free(origin);
  om_settings_free(settings, n_settings);
  om_offline_info_clear(&info);
  om_offline_close(account);
  return status;
}

int
ctl_status(const CtlOptions *options, int n_args, char **args)
{
  OmClient *client;
  int status = CTL_EXIT_OK;

  if (n_args > 1)
    return ctl_usage_error("status takes at most one account id");
  if ((client = ctl_connect(&status)) == NULL)
    return status;
  if (n_args == 0)
    status = status_global(options, client);
  else
    status = status_account(options, client, args[0]);
  om_client_unref(client);
  return status;
}
