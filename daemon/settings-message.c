#include "settings-message.h"

#include <errno.h>
#include <string.h>

#include "bus-util.h"
#include "errors.h"

typedef struct {
  OmAccountSettings *settings;
  gboolean seen[OM_N_SETTINGS];
  sd_bus_error *ret_error;
} Reading;

static int
read_setting(const char *name, sd_bus_message *m, gpointer user_data)
{
  Reading *reading = user_data;
  sd_bus_error *ret_error = reading->ret_error;
  const char *contents;
  OmSettingKey key;
  OmSettingValue value = { 0 };
  g_auto(GStrv) strv = NULL;
  g_autoptr(GError) error = NULL;
  char type;
  int r;

  if (!om_setting_lookup(name, &key))
    return om_bus_error_set(ret_error, OM_ERROR_INVALID_ARGS, "Unknown setting '%.64s'", name);
  if (reading->seen[key])
    return om_bus_error_set(ret_error, OM_ERROR_INVALID_ARGS, "Setting %s given twice", name);
  reading->seen[key] = TRUE;
  r = sd_bus_message_peek_type(m, &type, &contents);
  if (r < 0)
    return r;
  if (g_strcmp0(contents, om_setting_signature(key)) != 0)
    return om_bus_error_set(ret_error, OM_ERROR_INVALID_ARGS,
                            "Setting %s has type '%s', expected '%s'", name, contents,
                            om_setting_signature(key));
  r = sd_bus_message_enter_container(m, 'v', contents);
  if (r < 0)
    return r;
  switch (contents[0]) {
  case 's':
    r = sd_bus_message_read(m, "s", &value.s);
    break;
  case 'u':
    r = sd_bus_message_read(m, "u", &value.u);
    break;
  case 'b': {
    int b;
    r = sd_bus_message_read(m, "b", &b);
    value.b = b;
    break;
  }
  default:
    r = sd_bus_message_read_strv(m, &strv);
    /* sd-bus gives NULL for an empty array; settings keep lists non-NULL. */
    if (r >= 0 && strv == NULL)
      strv = g_new0(char *, 1);
    value.strv = (const char *const *)strv;
    break;
  }
  if (r < 0)
    return r;
  if (!om_account_settings_set(reading->settings, key, &value, &error))
    return om_bus_error_set_gerror(ret_error, error);
  return sd_bus_message_exit_container(m);
}

int
om_settings_message_read(sd_bus_message *m, OmAccountSettings *settings,
                         gboolean given[OM_N_SETTINGS], sd_bus_error *ret_error)
{
  Reading reading = { .settings = settings, .ret_error = ret_error };
  int r = om_bus_read_dict(m, OM_SETTINGS_ENTRIES_MAX, read_setting, &reading);

  if (given != NULL)
    memcpy(given, reading.seen, sizeof(reading.seen));
  if (r == -E2BIG)
    return om_bus_error_set(ret_error, OM_ERROR_LIMIT_EXCEEDED, "More than %d settings given",
                            OM_SETTINGS_ENTRIES_MAX);
  return r;
}
