/* offlinemgrd.conf: $XDG_CONFIG_HOME/offlinemgr/offlinemgrd.conf
 *
 *   [Policy]
 *   OfflineDelayMs=500     grace period before going OFFLINE after a network change
 *   OnlineDelayMs=1000     quiet period before going ONLINE after a network change
 *   ProbeTimeoutMs=5000    bound on one reachability probe (TCP connect)
 *
 *   [Sources]
 *   GnomeOnlineAccounts=true   mail accounts of GNOME Online Accounts
 *   EvolutionDataServer=true   mail accounts of evolution-data-server
 *
 * 0 means at once for the delays. A file that does not parse, or a value out of range,
 * is reported and the previous values stay. */
#pragma once

#include <glib.h>

#define OM_DELAY_MAX_MS 600000
#define OM_PROBE_TIMEOUT_MIN_MS 100
#define OM_PROBE_TIMEOUT_MAX_MS 60000

typedef struct {
  guint offline_delay_ms;
  guint online_delay_ms;
  guint probe_timeout_ms;
  gboolean source_goa;  /* [Sources] GnomeOnlineAccounts */
  gboolean source_eds;  /* [Sources] EvolutionDataServer */
} OmDaemonConfig;

void om_daemon_config_init(OmDaemonConfig *config);

/* Loads @path over @config. A missing file resets to the defaults. On error @config is
 * unchanged. */
gboolean om_daemon_config_load(OmDaemonConfig *config, const char *path, GError **error);
