/* The fan-out benchmark's driver: owns the NetworkManager stand-in (on the system bus in
 * DBUS_SYSTEM_BUS_ADDRESS), takes the network down or up, and waits until every client has
 * reported that all its registrations had their DONE.
 *
 *   fanout-driver OUT-FILE REPORT-SOCKET
 *
 * Prints "nm-ready"; then, for each "run CLIENTS TRANSITIONS WARMUP GAP-MS" on stdin
 * (CLIENTS fresh clients are up and registered), makes WARMUP + TRANSITIONS transitions, a
 * quiet gap after each, appends "clients,transition,direction,first_ns,last_ns" lines to
 * OUT-FILE for all but the warm-up, and prints "done". Exits on "quit". */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "bench-report.h"
#include "nm-standin.h"

#define TIMEOUT_NS (60ull * 1000000000u)

typedef struct {
  sd_event *event;
  NmStandin *nm;
  uint32_t expected_seq;
  uint32_t expected_state;
  unsigned reported;      /* clients that reported expected_seq */
  unsigned bad;           /* reports for another transition or state */
  uint64_t first_ns, last_ns;
  BenchCommands commands;
} Driver;

static int
on_report(sd_event_source *source, int fd, uint32_t revents, void *userdata)
{
  Driver *d = userdata;
  BenchReport report;

  while (recv(fd, &report, sizeof(report), 0) == (ssize_t)sizeof(report)) {
    if (report.seq != d->expected_seq || report.value != d->expected_state) {
      d->bad++;
      continue;
    }
    if (d->reported == 0 || report.ts_ns < d->first_ns)
      d->first_ns = report.ts_ns;
    if (d->reported == 0 || report.ts_ns > d->last_ns)
      d->last_ns = report.ts_ns;
    d->reported++;
  }
  return 0;
}

static int
on_stdin(sd_event_source *source, int fd, uint32_t revents, void *userdata)
{
  Driver *d = userdata;

  if (bench_commands_read(&d->commands, fd) < 0)
    return sd_event_exit(d->event, 1);
  return 0;
}

static int
run_once(Driver *d, uint64_t timeout_us)
{
  int r = sd_event_run(d->event, timeout_us);

  if (r >= 0 && sd_event_get_state(d->event) == SD_EVENT_FINISHED)
    return -ECANCELED;
  return r;
}

static int
run_for(Driver *d, uint64_t ns)
{
  uint64_t deadline = bench_now_ns() + ns;

  for (uint64_t now; (now = bench_now_ns()) < deadline;) {
    int r = run_once(d, (deadline - now + 999) / 1000);
    if (r < 0)
      return r;
  }
  return 0;
}

static int
measure(Driver *d, FILE *out, unsigned clients, unsigned transitions, unsigned warmup,
        unsigned gap_ms)
{
  d->expected_seq = 0;
  for (unsigned i = 0; i < warmup + transitions; i++) {
    bool online = !nm_standin_get_online(d->nm);
    uint64_t sent;
    int r;

    d->expected_seq++;
    d->expected_state = online ? 2 : 1;
    d->reported = 0;
    sent = bench_now_ns();
    if ((r = nm_standin_set_online(d->nm, online)) < 0)
      return r;
    while (d->reported < clients) {
      uint64_t now = bench_now_ns();
      if (now - sent > TIMEOUT_NS) {
        fprintf(stderr, "fanout-driver: %u of %u clients reported within %llu s\n",
                d->reported, clients, TIMEOUT_NS / 1000000000ull);
        return -ETIMEDOUT;
      }
      if ((r = run_once(d, (sent + TIMEOUT_NS - now) / 1000)) < 0)
        return r;
    }
    if (i >= warmup)
      fprintf(out, "%u,%u,%s,%llu,%llu\n", clients, i - warmup, online ? "up" : "down",
              (unsigned long long)(d->first_ns - sent), (unsigned long long)(d->last_ns - sent));
    if ((r = run_for(d, (uint64_t)gap_ms * 1000000u)) < 0)
      return r;
  }
  fflush(out);
  if (d->bad > 0) {
    fprintf(stderr, "fanout-driver: %u reports for the wrong transition or state\n", d->bad);
    return -EPROTO;
  }
  return 0;
}

int
main(int argc, char **argv)
{
  Driver d = { 0 };
  sd_bus *bus = NULL;
  FILE *out;
  int fd, r;

  if (argc != 3) {
    fprintf(stderr, "usage: fanout-driver OUT-FILE REPORT-SOCKET\n");
    return 2;
  }
  setvbuf(stdout, NULL, _IOLBF, 0);
  out = fopen(argv[1], "w");
  if (out == NULL) {
    fprintf(stderr, "fanout-driver: %s: %s\n", argv[1], strerror(errno));
    return 1;
  }
  fprintf(out, "clients,transition,direction,first_ns,last_ns\n");
  fd = bench_report_bind(argv[2]);
  if (fd < 0) {
    fprintf(stderr, "fanout-driver: %s: %s\n", argv[2], strerror(-fd));
    return 1;
  }
  if ((r = sd_event_new(&d.event)) < 0 ||
      (r = sd_event_add_io(d.event, NULL, STDIN_FILENO, EPOLLIN, on_stdin, &d)) < 0 ||
      (r = sd_event_add_io(d.event, NULL, fd, EPOLLIN, on_report, &d)) < 0 ||
      (r = sd_bus_open_system(&bus)) < 0 || (r = sd_bus_attach_event(bus, d.event, 0)) < 0 ||
      (r = nm_standin_new(bus, &d.nm)) < 0) {
    fprintf(stderr, "fanout-driver: %s\n", strerror(-r));
    return 1;
  }
  printf("nm-ready\n");
  for (;;) {
    unsigned clients, transitions, warmup, gap_ms;

    d.commands.command[0] = '\0';
    while (d.commands.command[0] == '\0')
      if (run_once(&d, UINT64_MAX) < 0)
        return 1;
    if (strcmp(d.commands.command, "quit") == 0)
      break;
    if (sscanf(d.commands.command, "run %u %u %u %u", &clients, &transitions, &warmup, &gap_ms) != 4) {
      fprintf(stderr, "fanout-driver: unknown command '%s'\n", d.commands.command);
      return 1;
    }
    if ((r = measure(&d, out, clients, transitions, warmup, gap_ms)) < 0) {
      fprintf(stderr, "fanout-driver: %s\n", strerror(-r));
      return 1;
    }
    printf("done\n");
  }
  fclose(out);
  nm_standin_free(d.nm);
  sd_bus_flush_close_unref(bus);
  sd_event_unref(d.event);
  return 0;
}
