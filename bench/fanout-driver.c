/* The fan-out benchmark's driver: owns a NetworkManager stand-in per target (each on a
 * private system bus of its own), takes the network down or up, and waits until every
 * client of that target has reported the change. The targets take turns, transition by
 * transition, so that a shared machine's load falls on all of them alike.
 *
 *   fanout-driver OUT-FILE --target NAME SYSTEM-BUS REPORT-SOCKET [--target ...]
 *
 * A target is offlinemgrd with libofflinemgr clients (fanout-client), or the minimal relay
 * with bare receivers (relay-receiver): the driver does not know which, it counts reports.
 * Prints "nm-ready"; then, for each "run CLIENTS TRANSITIONS WARMUP GAP-MS" on stdin
 * (CLIENTS fresh clients of every target are up and registered), makes WARMUP + TRANSITIONS
 * transitions per target, a quiet gap after each, appends
 * "target,clients,transition,direction,first_ns,last_ns" lines to OUT-FILE for all but the
 * warm-up, and prints "done". Exits on "quit". */
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
#define MAX_TARGETS 4

typedef struct {
  const char *name;
  sd_bus *bus;
  NmStandin *nm;
  uint32_t expected_seq;
  uint32_t expected_state;
  unsigned reported;      /* clients that reported expected_seq */
  unsigned bad;           /* reports for another transition or state */
  uint64_t first_ns, last_ns;
} Target;

typedef struct {
  sd_event *event;
  Target targets[MAX_TARGETS];
  size_t n_targets;
  BenchCommands commands;
} Driver;

static int
on_report(sd_event_source *source, int fd, uint32_t revents, void *userdata)
{
  Target *t = userdata;
  BenchReport report;

  while (recv(fd, &report, sizeof(report), 0) == (ssize_t)sizeof(report)) {
    if (report.seq != t->expected_seq || report.value != t->expected_state) {
      t->bad++;
      continue;
    }
    if (t->reported == 0 || report.ts_ns < t->first_ns)
      t->first_ns = report.ts_ns;
    if (t->reported == 0 || report.ts_ns > t->last_ns)
      t->last_ns = report.ts_ns;
    t->reported++;
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

/* One transition of one target: until every client has reported it. */
static int
transition(Driver *d, Target *t, FILE *out, unsigned clients, unsigned i, unsigned warmup)
{
  bool online = !nm_standin_get_online(t->nm);
  uint64_t sent;
  int r;

  t->expected_seq++;
  t->expected_state = online ? 2 : 1;
  t->reported = 0;
  sent = bench_now_ns();
  if ((r = nm_standin_set_online(t->nm, online)) < 0)
    return r;
  while (t->reported < clients) {
    uint64_t now = bench_now_ns();
    if (now - sent > TIMEOUT_NS) {
      fprintf(stderr, "fanout-driver: %s: %u of %u clients reported within %llu s\n", t->name,
              t->reported, clients, TIMEOUT_NS / 1000000000ull);
      return -ETIMEDOUT;
    }
    if ((r = run_once(d, (sent + TIMEOUT_NS - now) / 1000)) < 0)
      return r;
  }
  if (i >= warmup)
    fprintf(out, "%s,%u,%u,%s,%llu,%llu\n", t->name, clients, i - warmup,
            online ? "up" : "down", (unsigned long long)(t->first_ns - sent),
            (unsigned long long)(t->last_ns - sent));
  return 0;
}

static int
measure(Driver *d, FILE *out, unsigned clients, unsigned transitions, unsigned warmup,
        unsigned gap_ms)
{
  for (size_t k = 0; k < d->n_targets; k++)
    d->targets[k].expected_seq = 0;
  for (unsigned i = 0; i < warmup + transitions; i++)
    for (size_t k = 0; k < d->n_targets; k++) {
      int r = transition(d, &d->targets[k], out, clients, i, warmup);
      if (r < 0 || (r = run_for(d, (uint64_t)gap_ms * 1000000u)) < 0)
        return r;
    }
  fflush(out);
  for (size_t k = 0; k < d->n_targets; k++)
    if (d->targets[k].bad > 0) {
      fprintf(stderr, "fanout-driver: %s: %u reports for the wrong transition or state\n",
              d->targets[k].name, d->targets[k].bad);
      return -EPROTO;
    }
  return 0;
}

static int
add_target(Driver *d, const char *name, const char *address, const char *report_socket)
{
  Target *t = &d->targets[d->n_targets++];
  int fd, r;

  t->name = name;
  fd = bench_report_bind(report_socket);
  if (fd < 0) {
    fprintf(stderr, "fanout-driver: %s: %s\n", report_socket, strerror(-fd));
    return fd;
  }
  if ((r = sd_event_add_io(d->event, NULL, fd, EPOLLIN, on_report, t)) < 0 ||
      (r = bench_bus_open(address, &t->bus)) < 0 ||
      (r = sd_bus_attach_event(t->bus, d->event, 0)) < 0 ||
      (r = nm_standin_new(t->bus, &t->nm)) < 0)
    fprintf(stderr, "fanout-driver: %s: %s\n", name, strerror(-r));
  return r;
}

int
main(int argc, char **argv)
{
  Driver d = { 0 };
  FILE *out;
  int r;

  setvbuf(stdout, NULL, _IOLBF, 0);
  if ((r = sd_event_new(&d.event)) < 0 ||
      (r = sd_event_add_io(d.event, NULL, STDIN_FILENO, EPOLLIN, on_stdin, &d)) < 0) {
    fprintf(stderr, "fanout-driver: %s\n", strerror(-r));
    return 1;
  }
  for (int i = 2; i + 3 < argc && strcmp(argv[i], "--target") == 0 && d.n_targets < MAX_TARGETS;
       i += 4)
    if (add_target(&d, argv[i + 1], argv[i + 2], argv[i + 3]) < 0)
      return 1;
  if (argc < 2 || d.n_targets == 0 || (size_t)argc != 2 + 4 * d.n_targets) {
    fprintf(stderr, "usage: fanout-driver OUT-FILE --target NAME SYSTEM-BUS REPORT-SOCKET "
            "[--target ...] (at most %d)\n", MAX_TARGETS);
    return 2;
  }
  out = fopen(argv[1], "w");
  if (out == NULL) {
    fprintf(stderr, "fanout-driver: %s: %s\n", argv[1], strerror(errno));
    return 1;
  }
  fprintf(out, "target,clients,transition,direction,first_ns,last_ns\n");
  printf("nm-ready\n");
  for (;;) {
    unsigned clients, transitions, warmup, gap_ms;

    d.commands.command[0] = '\0';
    while (d.commands.command[0] == '\0')
      if (run_once(&d, UINT64_MAX) < 0)
        return 1;
    if (strcmp(d.commands.command, "quit") == 0)
      break;
    if (sscanf(d.commands.command, "run %u %u %u %u", &clients, &transitions, &warmup,
               &gap_ms) != 4) {
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
  for (size_t k = 0; k < d.n_targets; k++) {
    nm_standin_free(d.targets[k].nm);
    sd_bus_flush_close_unref(d.targets[k].bus);
  }
  sd_event_unref(d.event);
  return 0;
}
