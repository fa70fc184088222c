/* Checks on account settings shared by the daemon's fuzzers. */
#pragma once

#include "account-settings.h"
#include "fuzz-check.h"

/* Whether one setting has the same value in @a and @b. */
static inline gboolean
fuzz_setting_equal(const OmAccountSettings *a, const OmAccountSettings *b, OmSettingKey key)
{
  switch (key) {
  case OM_SETTING_DISPLAY_NAME:
    return g_strcmp0(a->display_name, b->display_name) == 0;
  case OM_SETTING_HOST:
    return g_strcmp0(a->host, b->host) == 0;
  case OM_SETTING_PORT:
    return a->port == b->port;
  case OM_SETTING_REQUIRE_CONNECTIONS:
    return g_strv_equal((const char *const *)a->require_connections,
                        (const char *const *)b->require_connections);
  case OM_SETTING_MIN_CONNECTIVITY:
    return a->min_connectivity == b->min_connectivity;
  case OM_SETTING_ALLOW_METERED:
    return a->allow_metered == b->allow_metered;
  case OM_SETTING_CHECK_REACHABILITY:
    return a->check_reachability == b->check_reachability;
  case OM_N_SETTINGS:
    break;
  }
  abort();
}

/* Settings the daemon accepted must survive being written to a keyfile and read back:
 * what is acknowledged is what is loaded after a restart. */
static inline void
fuzz_check_keyfile_round_trip(const OmAccountSettings *settings)
{
  g_autoptr(GKeyFile) out = g_key_file_new();
  g_autoptr(GKeyFile) in = g_key_file_new();
  g_autoptr(GError) error = NULL;
  g_auto(OmAccountSettings) back = { 0 };
  g_autofree char *data = NULL;
  gsize length;

  om_account_settings_init(&back);
  om_account_settings_to_keyfile(settings, out);
  data = g_key_file_to_data(out, &length, NULL);
  FUZZ_CHECK(g_key_file_load_from_data(in, data, length, G_KEY_FILE_KEEP_COMMENTS, &error),
             "written keyfile does not parse: %s\n%s", error->message, data);
  FUZZ_CHECK(om_account_settings_from_keyfile(&back, in, NULL, &error),
             "written settings do not load: %s\n%s", error->message, data);
  FUZZ_CHECK(om_account_settings_equal(settings, &back), "settings changed in the keyfile:\n%s",
             data);
}
