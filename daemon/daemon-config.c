#include "daemon-config.h"

#include "durable-file.h"
#include "errors.h"

#define GROUP "Policy"

void
om_daemon_config_init(OmDaemonConfig *config)
{
  *config = (OmDaemonConfig){
    .offline_delay_ms = 500,
    .online_delay_ms = 1000,
    .probe_timeout_ms = 5000,
    .source_goa = TRUE,
    .source_eds = TRUE,
  };
}

static gboolean
get_ms(GKeyFile *kf, const char *key, guint min, guint max, guint *out, GError **error)
{
  g_autofree char *text = g_key_file_get_value(kf, GROUP, key, NULL);
  guint64 v;

  if (text == NULL)
    return TRUE;
  if (!g_ascii_string_to_unsigned(g_strstrip(text), 10, min, max, &v, NULL)) {
    g_set_error(error, OM_ERROR, OM_ERROR_INVALID_ARGS,
                "[%s] %s='%.32s' is not a number of milliseconds from %u to %u", GROUP, key,
                text, min, max);
    return FALSE;
  }
  *out = (guint)v;
  return TRUE;
}

static gboolean
get_source(GKeyFile *kf, const char *key, gboolean *out, GError **error)
{
  g_autofree char *text = g_key_file_get_value(kf, "Sources", key, NULL);

  if (text == NULL)
    return TRUE;
  g_strstrip(text);
  if (g_strcmp0(text, "true") == 0)
    *out = TRUE;
  else if (g_strcmp0(text, "false") == 0)
    *out = FALSE;
  else {
    g_set_error(error, OM_ERROR, OM_ERROR_INVALID_ARGS,
                "[Sources] %s='%.32s' is neither true nor false", key, text);
    return FALSE;
  }
  return TRUE;
}

gboolean
om_daemon_config_load(OmDaemonConfig *config, const char *path, GError **error)
{
  g_autoptr(GKeyFile) kf = g_key_file_new();
  g_autoptr(GError) local_error = NULL;
  g_autofree char *contents = NULL;
  OmDaemonConfig parsed;
  gsize length;

  om_daemon_config_init(&parsed);
  if (!om_read_regular_file(path, 64 * 1024, &contents, &length, &local_error)) {
    if (g_error_matches(local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT)) {
      *config = parsed;
      return TRUE;
    }
    g_propagate_error(error, g_steal_pointer(&local_error));
    return FALSE;
  }
  if (!g_key_file_load_from_data(kf, contents, length, G_KEY_FILE_NONE, &local_error)) {
    g_set_error(error, OM_ERROR, OM_ERROR_INVALID_ARGS, "%s: %s", path, local_error->message);
    return FALSE;
  }
  if (!get_ms(kf, "OfflineDelayMs", 0, OM_DELAY_MAX_MS, &parsed.offline_delay_ms, &local_error) ||
      !get_ms(kf, "OnlineDelayMs", 0, OM_DELAY_MAX_MS, &parsed.online_delay_ms, &local_error) ||
      !get_ms(kf, "ProbeTimeoutMs", OM_PROBE_TIMEOUT_MIN_MS, OM_PROBE_TIMEOUT_MAX_MS,
              &parsed.probe_timeout_ms, &local_error) ||
      !get_source(kf, "GnomeOnlineAccounts", &parsed.source_goa, &local_error) ||
      !get_source(kf, "EvolutionDataServer", &parsed.source_eds, &local_error)) {
    g_set_error(error, OM_ERROR, OM_ERROR_INVALID_ARGS, "%s: %s", path, local_error->message);
    return FALSE;
  }
  *config = parsed;
  return TRUE;
}
