/* The engine: wires the network monitor, the objects, the account registry, the bus face
 * and the service status together, and runs the start-up order of docs/design.md,
 * "Start-up and the service". */
#pragma once

#include <glib.h>

typedef struct OmDaemon OmDaemon;

typedef struct {
  gboolean replace;        /* take the name over from a running instance */
  const char *config_dir;  /* NULL: $XDG_CONFIG_HOME/offlinemgr */
  const char *state_dir;   /* NULL: $XDG_STATE_HOME/offlinemgr */
} OmDaemonOptions;

OmDaemon *om_daemon_new(const OmDaemonOptions *options);
void om_daemon_free(OmDaemon *daemon);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(OmDaemon, om_daemon_free)

/* Runs until SIGTERM/SIGINT, the loss of the bus name or of the session bus; returns
 * the exit status. */
int om_daemon_run(OmDaemon *daemon);
