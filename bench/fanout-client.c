/* One client process of the fan-out benchmark: registrations on accounts through
 * libofflinemgr; when every registration has had its DONE for a transition, it reports the
 * time of the last one to the driver.
 *
 *   fanout-client INDEX REPORT-SOCKET ACCOUNT-ID...
 *
 * Prints "ready" once every registration is in place; runs until SIGTERM. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <systemd/sd-event.h>

#include "bench-report.h"
#include "daemon-receiver.h"

typedef struct {
  uint32_t index;
  int report_fd;
  size_t n;
  size_t done;        /* registrations that had DONE in the current transition */
  uint32_t seq;
  uint32_t state;
  unsigned mixed;     /* transitions whose DONEs disagreed on the new state */
} Client;

static void
on_done(size_t index, uint32_t new_state, void *userdata)
{
  uint64_t now = bench_now_ns();
  Client *c = userdata;
  int r;

  if (c->done == 0)
    c->state = new_state;
  else if (new_state != c->state)
    c->mixed++;
  if (++c->done < c->n)
    return;
  c->done = 0;
  r = bench_report_send(c->report_fd, c->index, ++c->seq, c->mixed ? 0 : c->state, now);
  if (r < 0)
    fprintf(stderr, "fanout-client %u: cannot report: %s\n", c->index, strerror(-r));
}

int
main(int argc, char **argv)
{
  Client c = { 0 };
  sd_event *event = NULL;
  DaemonReceiver *receiver;
  int r;

  if (argc < 4) {
    fprintf(stderr, "usage: fanout-client INDEX REPORT-SOCKET ACCOUNT-ID...\n");
    return 2;
  }
  c.index = (uint32_t)strtoul(argv[1], NULL, 10);
  c.report_fd = bench_report_connect(argv[2]);
  c.n = (size_t)(argc - 3);
  if (c.report_fd < 0) {
    fprintf(stderr, "fanout-client: %s: %s\n", argv[2], strerror(-c.report_fd));
    return 1;
  }
  if ((r = sd_event_default(&event)) < 0 ||
      (r = sd_event_add_signal(event, NULL, SIGTERM | SD_EVENT_SIGNAL_PROCMASK, NULL,
                               NULL)) < 0) {
    fprintf(stderr, "fanout-client: %s\n", strerror(-r));
    return 1;
  }
  receiver = daemon_receiver_new(event, (const char *const *)argv + 3, c.n, on_done, &c);
  if (receiver == NULL)
    return 1;
  printf("ready\n");
  fflush(stdout);
  r = sd_event_loop(event);
  daemon_receiver_free(receiver);
  sd_event_unref(event);
  return r < 0 ? 1 : 0;
}
