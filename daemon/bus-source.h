/* Drives an sd-bus connection from a GLib main context.
 *
 * sd-bus tells which poll events its fd needs and when its next timeout is due; this
 * GSource polls for exactly that and calls sd_bus_process() until the connection has
 * nothing left to do. The fd's events are changed only when they differ:
 * g_source_modify_unix_fd() wakes the context, and calling it on every prepare would spin
 * the loop at 100% CPU. */
#pragma once

#include <glib.h>
#include <systemd/sd-bus.h>

/* Called once when the connection is lost. */
typedef void (*OmBusDisconnected)(sd_bus *bus, gpointer user_data);

/* Attaches @bus to @context (NULL: the default). The source holds a reference on @bus. */
GSource *om_bus_source_attach(sd_bus *bus, GMainContext *context,
                              OmBusDisconnected disconnected, gpointer user_data);
