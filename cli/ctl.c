#include "ctl.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int
ctl_error(const OmError *error, const char *what)
{
  const char *message = error->message[0] ? error->message : om_error_code_to_string(error->code);

  switch (error->code) {
  case OM_E_NO_DAEMON:
  case OM_E_NO_BUS:
  case OM_E_TIMEOUT:
    fprintf(stderr, "offlinemgrctl: cannot reach offlinemgrd: %s\n", message);
    return CTL_EXIT_UNREACHABLE;
  default:
    break;
  }
  if (what != NULL)
    fprintf(stderr, "offlinemgrctl: %s: %s\n", what, message);
  else
    fprintf(stderr, "offlinemgrctl: %s\n", message);
  switch (error->code) {
  case OM_E_INVALID_ARGS:
    return CTL_EXIT_USAGE;
  case OM_E_NOT_FOUND:
    return CTL_EXIT_NOT_FOUND;
  case OM_E_PENDING:
    return CTL_EXIT_PENDING;
  default:
    return CTL_EXIT_FAILURE;
  }
}

int
ctl_usage_error(const char *format, ...)
{
  va_list ap;

  fputs("offlinemgrctl: ", stderr);
  va_start(ap, format);
  vfprintf(stderr, format, ap);
  va_end(ap);
  fputs("\nTry 'offlinemgrctl --help'.\n", stderr);
  return CTL_EXIT_USAGE;
}

OmClient *
ctl_connect(int *status)
{
  OmError error = OM_ERROR_INIT;
  OmClient *client = om_client_new(&error);

  if (client == NULL)
    *status = ctl_error(&error, NULL);
  return client;
}

const char *
ctl_state_name(uint32_t state)
{
  return state == OM_STATE_ONLINE ? "ONLINE" : "OFFLINE";
}

const char *
ctl_mode_name(uint32_t state)
{
  return state == OM_STATE_ONLINE ? "online" : "offline";
}

static const char *
or_dash(const char *s)
{
  return s != NULL && *s ? s : "-";
}

void
ctl_print_tsv_line(const char *id, uint32_t state, const char *reason,
                   const char *display_name)
{
  printf("%s\t%s\t%s\t%s\n", id ? id : "global", ctl_state_name(state), or_dash(reason),
         or_dash(display_name));
}

void
ctl_print_tsv_line_origin(const char *id, uint32_t state, const char *reason,
                          const char *display_name, const char *origin)
{
  printf("%s\t%s\t%s\t%s\t%s\n", id, ctl_state_name(state), or_dash(reason),
         or_dash(display_name), or_dash(origin));
}

void
ctl_print_object_line(const CtlOptions *options, const char *id, const OmOfflineInfo *info)
{
  const char *state = ctl_state_name(info->state);

  if (!options->mode.tty) {
    ctl_print_tsv_line(id, info->state, info->reason, info->display_name);
    return;
  }
  printf("%s: %s%s%s", id ? id : "global", output_colour_start(&options->mode, state), state,
         output_colour_end(&options->mode, state));
  if (info->reason != NULL && *info->reason)
    printf(" (%s)", info->reason);
  putchar('\n');
}

void
ctl_json_object_members(JsonWriter *json, const char *id, const char *display_name,
                        uint32_t state, uint32_t requested, const char *reason,
                        bool transitioning)
{
  json_string(json, "id", id);
  if (id != NULL)
    json_string(json, "display_name", display_name ? display_name : id);
  json_string(json, "state", ctl_mode_name(state));
  json_string(json, "requested", ctl_mode_name(requested));
  json_string(json, "reason", reason ? reason : "");
  json_bool(json, "transitioning", transitioning);
}

void
ctl_print_object_json(const char *id, const OmOfflineInfo *info)
{
  JsonWriter json;

  json_writer_init(&json, stdout, true);
  json_begin_object(&json, NULL);
  ctl_json_object_members(&json, id, info->display_name, info->state, info->requested_state,
                          info->reason, info->transitioning);
  json_end_object(&json);
  json_finish(&json);
}

int
ctl_show_changed_object(const CtlOptions *options, OmClient *client, const char *id)
{
  OmError error = OM_ERROR_INIT;
  OmOfflineInfo info;
  OmOffline *offline = om_offline_open(client, id, &error);
  int r;

  if (offline == NULL)
    return ctl_error(&error, id);
  r = om_offline_get_info(offline, &info, &error);
  om_offline_close(offline);
  if (r < 0)
    return ctl_error(&error, id);
  if (options->json)
    ctl_print_object_json(id, &info);
  else
    ctl_print_object_line(options, id, &info);
  om_offline_info_clear(&info);
  return CTL_EXIT_OK;
}
