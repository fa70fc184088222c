/* The GIO module benchmark's driver: the time from NetworkManager's change to
 * notify::network-available in a GIO application, for each of several applications
 * (bench/gio-monitor-observer.c) side by side: GLib's NetworkManager monitor, and
 * offlinemgr's module behind the daemon.
 *
 *   gio-driver --out FILE [--rounds N] [--warmup N] [--gap-ms MS]
 *              --target NAME SYSTEM-BUS REPORT-SOCKET [--session SESSION-BUS] [--target ...]
 *
 * Each target has a NetworkManager stand-in of its own (bench/nm-standin.c), owned by this
 * process on that target's private system bus, and a report socket its observer sends its
 * CLOCK_MONOTONIC arrival stamps to. A round takes every target's network down (or up)
 * once, one after the other, each after the previous one's arrival and a quiet gap, so
 * the targets share the machine's conditions.
 *
 * With --session, the target is offlinemgrd's: this process also receives, with sd-bus on
 * that session bus, the global object's PropertiesChanged (State) that the module waits
 * for, and writes its arrival as target NAME-bus: what any client of the daemon could
 * know at best, against which the module's own share is measured.
 *
 * With the harness (bench/run) on stdin and stdout: prints "nm-ready" once the stand-ins
 * own their names, waits for "go" (the observers are up), prints "armed", waits for
 * "start", measures, writes FILE (target,round,direction,latency_ns), prints "done". */
#include <errno.h>
#include <getopt.h>
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
#include "offlinemgr-bus.h"

#define TIMEOUT_NS (10ull * 1000000000u)
#define MAX_TARGETS 4

typedef struct {
  const char *name;
  const char *system_address;
  const char *report_path;
  sd_bus *system_bus;
  NmStandin *nm;
  int report_fd;
  sd_event_source *report_source;
  bool online;
  bool waiting;
  bool arrived;
  uint64_t arrival_ns;
  unsigned mismatches;

  /* --session: the daemon's signal, as a bare receiver gets it */
  const char *session_address;
  sd_bus *session_bus;
  bool bus_arrived;
  uint64_t bus_arrival_ns;
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
    if (!t->waiting)
      continue;
    if ((report.value != 0) != t->online) {
      t->mismatches++;
      continue;
    }
    t->waiting = false;
    t->arrived = true;
    t->arrival_ns = report.ts_ns;
  }
  return 0;
}

static int
on_global_properties(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
  uint64_t now = bench_now_ns();
  Target *t = userdata;
  const char *iface, *name;
  uint32_t state = 0;
  int r;

  if (sd_bus_message_read(m, "s", &iface) < 0 || strcmp(iface, OM_IFACE_OFFLINE) != 0 ||
      sd_bus_message_enter_container(m, 'a', "{sv}") < 0)
    return 0;
  while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
    if (sd_bus_message_read(m, "s", &name) < 0)
      return 0;
    if (strcmp(name, "State") == 0) {
      if (sd_bus_message_read(m, "v", "u", &state) < 0)
        return 0;
    }
    else if (sd_bus_message_skip(m, "v") < 0)
      return 0;
    sd_bus_message_exit_container(m);
  }
  if (state != 0 && t->waiting && !t->bus_arrived && (state == 2) == t->online) {
    t->bus_arrived = true;
    t->bus_arrival_ns = now;
  }
  return 0;
}

static int
on_stdin(sd_event_source *source, int fd, uint32_t revents, void *userdata)
{
  Driver *d = userdata;

  if (bench_commands_read(&d->commands, fd) < 0) {
    fprintf(stderr, "gio-driver: stdin closed\n");
    return sd_event_exit(d->event, 1);
  }
  return 0;
}

static int
wait_command(Driver *d, const char *command)
{
  d->commands.command[0] = '\0';
  while (strcmp(d->commands.command, command) != 0) {
    int r = sd_event_run(d->event, UINT64_MAX);
    if (r < 0)
      return r;
    if (sd_event_get_state(d->event) == SD_EVENT_FINISHED)
      return -ECANCELED;
  }
  return 0;
}

/* Runs the loop until @deadline_ns, or until @t has arrived if @t is not NULL. */
static int
run_until(Driver *d, Target *t, uint64_t deadline_ns)
{
  for (;;) {
    uint64_t now = bench_now_ns();
    int r;

    if ((t != NULL && t->arrived && (t->session_bus == NULL || t->bus_arrived)) ||
        now >= deadline_ns)
      return 0;
    r = sd_event_run(d->event, (deadline_ns - now + 999) / 1000);
    if (r < 0)
      return r;
    if (sd_event_get_state(d->event) == SD_EVENT_FINISHED)
      return -ECANCELED;
  }
}

static void
usage(void)
{
  fprintf(stderr, "usage: gio-driver --out FILE [--rounds N] [--warmup N] [--gap-ms MS]\n"
                  "         --target NAME SYSTEM-BUS REPORT-SOCKET [--session SESSION-BUS]\n"
                  "         [--target ...]\n");
  exit(2);
}

int
main(int argc, char **argv)
{
  static const struct option options[] = {
    { "out", required_argument, NULL, 'o' },
    { "rounds", required_argument, NULL, 'n' },
    { "warmup", required_argument, NULL, 'w' },
    { "gap-ms", required_argument, NULL, 'g' },
    { "target", required_argument, NULL, 't' },
    { "session", required_argument, NULL, 's' },
    { NULL },
  };
  Driver d = { 0 };
  const char *out_path = NULL;
  long rounds = 1000, warmup = 20, gap_ms = 5;
  FILE *out;
  int opt, r;

  while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
    switch (opt) {
    case 'o': out_path = optarg; break;
    case 'n': rounds = strtol(optarg, NULL, 10); break;
    case 'w': warmup = strtol(optarg, NULL, 10); break;
    case 'g': gap_ms = strtol(optarg, NULL, 10); break;
    case 't': {
      Target *t;
      if (optind + 1 >= argc || d.n_targets == MAX_TARGETS)
        usage();
      t = &d.targets[d.n_targets++];
      t->name = optarg;
      t->system_address = argv[optind++];
      t->report_path = argv[optind++];
      t->report_fd = -1;
      t->online = true;
      break;
    }
    case 's':
      if (d.n_targets == 0)
        usage();
      d.targets[d.n_targets - 1].session_address = optarg;
      break;
    default: usage();
    }
  }
  if (out_path == NULL || d.n_targets == 0 || rounds <= 0 || warmup < 0 || gap_ms < 0)
    usage();
  setvbuf(stdout, NULL, _IOLBF, 0);

  if ((r = sd_event_new(&d.event)) < 0 ||
      (r = sd_event_add_io(d.event, NULL, STDIN_FILENO, EPOLLIN, on_stdin, &d)) < 0) {
    fprintf(stderr, "gio-driver: %s\n", strerror(-r));
    return 1;
  }
  for (size_t i = 0; i < d.n_targets; i++) {
    Target *t = &d.targets[i];
    if ((r = bench_bus_open(t->system_address, &t->system_bus)) < 0 ||
        (r = sd_bus_attach_event(t->system_bus, d.event, 0)) < 0 ||
        (r = nm_standin_new(t->system_bus, &t->nm)) < 0) {
      fprintf(stderr, "gio-driver: NetworkManager stand-in for %s on %s: %s\n", t->name,
              t->system_address, strerror(-r));
      return 1;
    }
    t->report_fd = bench_report_bind(t->report_path);
    if (t->report_fd < 0 ||
        (r = sd_event_add_io(d.event, &t->report_source, t->report_fd, EPOLLIN, on_report,
                             t)) < 0) {
      fprintf(stderr, "gio-driver: report socket %s: %s\n", t->report_path,
              strerror(t->report_fd < 0 ? -t->report_fd : -r));
      return 1;
    }
  }
  printf("nm-ready\n");
  if (wait_command(&d, "go") < 0)
    return 1;
  for (size_t i = 0; i < d.n_targets; i++) {
    Target *t = &d.targets[i];
    if (t->session_address == NULL)
      continue;
    if ((r = bench_bus_open(t->session_address, &t->session_bus)) < 0 ||
        (r = sd_bus_attach_event(t->session_bus, d.event, 0)) < 0 ||
        (r = sd_bus_match_signal(t->session_bus, NULL, OM_BUS_NAME, OM_ROOT_PATH,
                                 "org.freedesktop.DBus.Properties", "PropertiesChanged",
                                 on_global_properties, t)) < 0) {
      fprintf(stderr, "gio-driver: session bus for %s: %s\n", t->name, strerror(-r));
      return 1;
    }
  }
  printf("armed\n");
  if (wait_command(&d, "start") < 0)
    return 1;

  out = fopen(out_path, "w");
  if (out == NULL) {
    fprintf(stderr, "gio-driver: %s: %s\n", out_path, strerror(errno));
    return 1;
  }
  fprintf(out, "target,round,direction,latency_ns\n");
  for (long round = -warmup; round < rounds; round++) {
    for (size_t i = 0; i < d.n_targets; i++) {
      Target *t = &d.targets[i];
      uint64_t sent;

      t->online = !t->online;
      t->arrived = false;
      t->bus_arrived = false;
      t->waiting = true;
      sent = bench_now_ns();
      if ((r = nm_standin_set_online(t->nm, t->online)) < 0) {
        fprintf(stderr, "gio-driver: cannot emit for %s: %s\n", t->name, strerror(-r));
        return 1;
      }
      if (run_until(&d, t, sent + TIMEOUT_NS) < 0)
        return 1;
      if (!t->arrived || (t->session_bus != NULL && !t->bus_arrived)) {
        fprintf(stderr, "gio-driver: %s: nothing arrived within %llu s (round %ld)\n",
                t->name, TIMEOUT_NS / 1000000000ull, round);
        return 1;
      }
      if (round >= 0) {
        fprintf(out, "%s,%ld,%s,%llu\n", t->name, round, t->online ? "up" : "down",
                (unsigned long long)(t->arrival_ns - sent));
        if (t->session_bus != NULL)
          fprintf(out, "%s-bus,%ld,%s,%llu\n", t->name, round, t->online ? "up" : "down",
                  (unsigned long long)(t->bus_arrival_ns - sent));
      }
      if (run_until(&d, NULL, bench_now_ns() + (uint64_t)gap_ms * 1000000u) < 0)
        return 1;
    }
  }
  if (fclose(out) != 0) {
    fprintf(stderr, "gio-driver: %s: %s\n", out_path, strerror(errno));
    return 1;
  }
  for (size_t i = 0; i < d.n_targets; i++)
    if (d.targets[i].mismatches > 0)
      fprintf(stderr, "gio-driver: %s: %u arrivals in the wrong direction\n",
              d.targets[i].name, d.targets[i].mismatches);
  printf("done\n");

  for (size_t i = 0; i < d.n_targets; i++) {
    Target *t = &d.targets[i];
    sd_event_source_disable_unref(t->report_source);
    if (t->report_fd >= 0)
      close(t->report_fd);
    nm_standin_free(t->nm);
    sd_bus_flush_close_unref(t->system_bus);
    sd_bus_flush_close_unref(t->session_bus);
  }
  sd_event_unref(d.event);
  return 0;
}
