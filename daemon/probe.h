/* Reachability probes: one TCP connect to Host:Port, bounded in time, never blocking
 * the main loop (name resolution runs on GLib's resolver thread). */
#pragma once

#include <glib.h>

typedef struct OmProbe OmProbe;

/* @reachable: the connection was established within the time limit. @detail says what
 * happened, for the log. */
typedef void (*OmProbeDone)(gboolean reachable, const char *detail, gpointer user_data);

/* Starts a probe; @done is called once from the main loop, unless the probe is cancelled
 * first. */
OmProbe *om_probe_start(const char *host, guint16 port, guint timeout_ms, OmProbeDone done,
                        gpointer user_data);

/* Cancels a probe that has not finished: @done will not be called. */
void om_probe_cancel(OmProbe *probe);
