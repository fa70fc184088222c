/* Receiving one kind of signal with libdbus-1 on an sd-event loop, the way the benchmark's
 * driver receives the relay's signal: a private connection, one match rule, and an I/O
 * source that reads and pops messages without dispatching (nothing else is wanted). */
#pragma once

#include <dbus/dbus.h>
#include <systemd/sd-event.h>

typedef struct DbusReceiver DbusReceiver;

/* Called for every message that arrives; @message is borrowed. */
typedef void (*DbusReceived)(DBusMessage *message, void *userdata);

/* Connects to @address (a bus), adds @match_rule and attaches to @event. NULL on failure,
 * with a message on stderr. */
DbusReceiver *dbus_receiver_new(sd_event *event, const char *address, const char *match_rule,
                                DbusReceived received, void *userdata);
void dbus_receiver_free(DbusReceiver *receiver);
