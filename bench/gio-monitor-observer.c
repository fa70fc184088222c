/* A GIO application that follows the network with g_network_monitor_get_default(), for
 * the GIO module benchmark: the same program observes GLib's NetworkManager monitor and
 * offlinemgr's module, whichever GIO_USE_NETWORK_MONITOR (and GIO_EXTRA_MODULES) make GIO
 * choose, so that the two differ only in the monitor.
 *
 *   gio-monitor-observer REPORT-SOCKET EXPECTED-TYPE
 *
 * Fails unless GIO chose EXPECTED-TYPE and the network is available at start; prints
 * "ready"; then, for every notify::network-available, sends a BenchReport (the time the
 * application learns of the change) to the driver's socket. */
#include <stdio.h>
#include <string.h>

#include <gio/gio.h>
#include <glib-unix.h>

#include "bench-report.h"

typedef struct {
  int fd;
  uint32_t seq;
} Observer;

static void
on_network_available(GNetworkMonitor *monitor, GParamSpec *pspec, gpointer user_data)
{
  uint64_t now = bench_now_ns();
  Observer *o = user_data;
  int r;

  r = bench_report_send(o->fd, 0, ++o->seq, g_network_monitor_get_network_available(monitor),
                        now);
  if (r < 0)
    g_printerr("gio-monitor-observer: cannot report: %s\n", g_strerror(-r));
}

static gboolean
on_sigterm(gpointer user_data)
{
  g_main_loop_quit(user_data);
  return G_SOURCE_REMOVE;
}

int
main(int argc, char **argv)
{
  g_autoptr(GMainLoop) loop = g_main_loop_new(NULL, FALSE);
  Observer o = { 0 };
  GNetworkMonitor *monitor;

  if (argc != 3) {
    g_printerr("usage: gio-monitor-observer REPORT-SOCKET EXPECTED-TYPE\n");
    return 2;
  }
  o.fd = bench_report_connect(argv[1]);
  if (o.fd < 0) {
    g_printerr("gio-monitor-observer: cannot connect to %s: %s\n", argv[1], g_strerror(-o.fd));
    return 1;
  }
  monitor = g_network_monitor_get_default();
  if (strcmp(G_OBJECT_TYPE_NAME(monitor), argv[2]) != 0) {
    g_printerr("gio-monitor-observer: GIO chose %s, not %s (GIO_USE_NETWORK_MONITOR, "
               "GIO_EXTRA_MODULES, and is the service on the bus?)\n",
               G_OBJECT_TYPE_NAME(monitor), argv[2]);
    return 1;
  }
  if (!g_network_monitor_get_network_available(monitor)) {
    g_printerr("gio-monitor-observer: the network should be available at start\n");
    return 1;
  }
  g_signal_connect(monitor, "notify::network-available", G_CALLBACK(on_network_available), &o);
  g_unix_signal_add(SIGTERM, on_sigterm, loop);
  printf("ready\n");
  fflush(stdout);
  g_main_loop_run(loop);
  return 0;
}
