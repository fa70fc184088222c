/* How the benchmark's programs learn of accounts' transitions: one registration per account
 * through libofflinemgr (on the session bus in DBUS_SESSION_BUS_ADDRESS), driven from an
 * sd-event loop. Each DONE is reported with the account's index and the new MAPI state. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <systemd/sd-event.h>

typedef struct DaemonReceiver DaemonReceiver;

typedef void (*DaemonDone)(size_t index, uint32_t new_state, void *userdata);

/* Opens the @n accounts @ids and registers for each one's notifications. NULL on failure,
 * with a message on stderr. */
DaemonReceiver *daemon_receiver_new(sd_event *event, const char *const *ids, size_t n,
                                    DaemonDone done, void *userdata);
void daemon_receiver_free(DaemonReceiver *receiver);
