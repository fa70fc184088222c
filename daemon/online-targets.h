/* The online targets: offlinemgr-online.target is active while the global object is
 * ONLINE, offlinemgr-online@<id>.target while account <id> is. Sync services bind to them
 * (BindsTo=, After=, WantedBy=). They are started and stopped through the systemd user
 * manager on the session bus (org.freedesktop.systemd1), asynchronously: a transition
 * never waits for systemd, and systemd is never activated by these calls. Without a user
 * manager nothing is asked, and the log says so once; when one appears on the bus (also
 * after this daemon, at login), every target is put right. */
#pragma once

#include <systemd/sd-bus.h>

#include "policy.h"

typedef struct OmOnlineTargets OmOnlineTargets;

/* Starts tracking on @session_bus (a reference is taken). Once the manager is there, it
 * also asks which of the targets are active, to stop those that should not be (left from
 * an earlier run, or of an account that is gone). */
OmOnlineTargets *om_online_targets_new(sd_bus *session_bus);

/* The object's effective state now (at start for every object, after every DONE);
 * account_id NULL: the global object. Asks systemd only when it differs from what
 * was last asked for that object. @targets NULL: nothing happens. */
void om_online_targets_update(OmOnlineTargets *targets, const char *account_id, OmState state);

/* The account is gone: its target is stopped and forgotten. @targets NULL: nothing. */
void om_online_targets_remove(OmOnlineTargets *targets, const char *account_id);

void om_online_targets_free(OmOnlineTargets *targets);

/* The target of @account_id (NULL: the global object's), the id escaped as
 * `systemd-escape` does. Free with g_free(). */
char *om_online_targets_unit_name(const char *account_id);
