/* One receiver process of the fan-out benchmark's floor: a bare libdbus-1 connection to the
 * session bus with one match rule for the minimal relay's signal (bench/relay.c, one signal
 * per network change); for each signal it reports the time it arrived to the driver. The
 * same report as fanout-client's, so that the driver counts both alike: what separates the
 * two is the library and the daemon, not the harness.
 *
 *   relay-receiver INDEX REPORT-SOCKET
 *
 * Prints "ready" once the match rule is in place; runs until SIGTERM. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <systemd/sd-event.h>

#include "bench-report.h"
#include "dbus-receiver.h"

#define RELAY_MATCH \
  "type='signal',interface='org.offlinemgr.Bench.Relay',member='StateChanged'," \
  "path='/org/offlinemgr/Bench/Relay'"

/* The MAPI states the fan-out clients report, so that the driver checks both alike. */
#define MAPI_OFFLINE 1
#define MAPI_ONLINE 2

typedef struct {
  uint32_t index;
  int report_fd;
  uint32_t seq;
} Receiver;

static void
on_signal(DBusMessage *message, void *userdata)
{
  uint64_t now = bench_now_ns();
  Receiver *rc = userdata;
  uint32_t state;
  int r;

  if (!dbus_message_is_signal(message, "org.offlinemgr.Bench.Relay", "StateChanged") ||
      !dbus_message_get_args(message, NULL, DBUS_TYPE_UINT32, &state, DBUS_TYPE_INVALID))
    return;
  /* NetworkManager's CONNECTED_SITE (60) and above count as up, as in the relay. */
  r = bench_report_send(rc->report_fd, rc->index, ++rc->seq,
                        state >= 60 ? MAPI_ONLINE : MAPI_OFFLINE, now);
  if (r < 0)
    fprintf(stderr, "relay-receiver %u: cannot report: %s\n", rc->index, strerror(-r));
}

int
main(int argc, char **argv)
{
  Receiver rc = { 0 };
  sd_event *event = NULL;
  DbusReceiver *receiver;
  const char *address = getenv("DBUS_SESSION_BUS_ADDRESS");
  int r;

  if (argc != 3 || address == NULL) {
    fprintf(stderr, "usage: DBUS_SESSION_BUS_ADDRESS=... relay-receiver INDEX REPORT-SOCKET\n");
    return 2;
  }
  rc.index = (uint32_t)strtoul(argv[1], NULL, 10);
  rc.report_fd = bench_report_connect(argv[2]);
  if (rc.report_fd < 0) {
    fprintf(stderr, "relay-receiver: %s: %s\n", argv[2], strerror(-rc.report_fd));
    return 1;
  }
  if ((r = sd_event_default(&event)) < 0 ||
      (r = sd_event_add_signal(event, NULL, SIGTERM | SD_EVENT_SIGNAL_PROCMASK, NULL,
                               NULL)) < 0) {
    fprintf(stderr, "relay-receiver: %s\n", strerror(-r));
    return 1;
  }
  receiver = dbus_receiver_new(event, address, RELAY_MATCH, on_signal, &rc);
  if (receiver == NULL)
    return 1;
  printf("ready\n");
  fflush(stdout);
  r = sd_event_loop(event);
  dbus_receiver_free(receiver);
  sd_event_unref(event);
  return r < 0 ? 1 : 0;
}
