#include "settings-message.h"

#include "errors.h"

int
om_settings_message_read(sd_bus_message *m, OmAccountSettings *settings,
                         sd_bus_error *ret_error)
{
  gboolean seen[OM_N_SETTINGS] = { FALSE };
  guint n = 0;
  int r;

  r = sd_bus_message_enter_container(m, 'a', "{sv}");
  if (r < 0)
    return r;
  /* Count first, so that an oversized dict is LimitExceeded whatever its entries hold
   * (otherwise its first duplicate or unknown name would be reported instead). */
  while ((r = sd_bus_message_skip(m, "{sv}")) > 0)
    if (++n > OM_SETTINGS_ENTRIES_MAX)
      return om_bus_error_set(ret_error, OM_BUS_ERROR_LIMIT_EXCEEDED,
                              "More than %d settings given", OM_SETTINGS_ENTRIES_MAX);
  if (r < 0 || (r = sd_bus_message_rewind(m, FALSE)) < 0)
    return r;

  while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
    const char *name, *contents;
    OmSettingKey key;
    OmSettingValue value = { 0 };
    g_auto(GStrv) strv = NULL;
    g_autoptr(GError) error = NULL;
    char type;

    r = sd_bus_message_read(m, "s", &name);
    if (r < 0)
      return r;
    if (!om_setting_lookup(name, &key))
      return om_bus_error_set(ret_error, OM_BUS_ERROR_INVALID_ARGS,
                              "Unknown setting '%.64s'", name);
    if (seen[key])
      return om_bus_error_set(ret_error, OM_BUS_ERROR_INVALID_ARGS,
                              "Setting %s given twice", name);
    seen[key] = TRUE;
    r = sd_bus_message_peek_type(m, &type, &contents);
    if (r < 0)
      return r;
    if (g_strcmp0(contents, om_setting_signature(key)) != 0)
      return om_bus_error_set(ret_error, OM_BUS_ERROR_INVALID_ARGS,
                              "Setting %s has type '%s', expected '%s'", name,
                              contents, om_setting_signature(key));
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
    if (!om_account_settings_set(settings, key, &value, &error))
      return om_bus_error_set_gerror(ret_error, error);
    r = sd_bus_message_exit_container(m);
    if (r < 0)
      return r;
    r = sd_bus_message_exit_container(m);
    if (r < 0)
      return r;
  }
  if (r < 0)
    return r;
  return sd_bus_message_exit_container(m);
}
