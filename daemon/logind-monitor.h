/* logind on the system bus: PrepareForSleep, and a "delay" sleep inhibitor so that the
 * OFFLINE notifications leave before the machine sleeps.
 *
 * While logind is on the bus the monitor holds a delay lock (Inhibit("sleep",
 * "offlinemgr", ..., "delay")). PrepareForSleep(true) from logind's current owner makes
 * it suspended; the lock is kept until om_logind_monitor_allow_sleep() (the daemon calls
 * it once its notifications are out; logind's InhibitDelayMaxSec bounds the wait if it
 * never does). PrepareForSleep(false) ends the suspension and takes a new lock. logind
 * leaving the bus ends a suspension too. No logind at all is normal: never suspended.
 * Calls go to logind's unique name with auto-start off. */
#pragma once

#include <glib.h>
#include <systemd/sd-bus.h>

typedef struct OmLogindMonitor OmLogindMonitor;

/* Called when `suspended` flips. */
typedef void (*OmLogindChanged)(OmLogindMonitor *monitor, gpointer user_data);

/* Returns NULL with a negative errno in @error_out when the calls cannot be queued. */
OmLogindMonitor *om_logind_monitor_new(sd_bus *bus, OmLogindChanged changed,
                                       gpointer user_data, int *error_out);
void om_logind_monitor_free(OmLogindMonitor *monitor);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(OmLogindMonitor, om_logind_monitor_free)

gboolean om_logind_monitor_get_suspended(OmLogindMonitor *monitor);

/* Releases the delay lock of a suspension under way; nothing otherwise. */
void om_logind_monitor_allow_sleep(OmLogindMonitor *monitor);
