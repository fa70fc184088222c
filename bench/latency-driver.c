/* End-to-end latency of a network change, side by side: offlinemgrd, the minimal relay (the
 * floor) and an application on GIO's GNetworkMonitor (the status quo).
 *
 *   latency-driver --out FILE [--rounds N] [--warmup N] [--gap-ms MS]
 *                  [--daemon SYSTEM-BUS --account ID]
 *                  [--relay SYSTEM-BUS SESSION-BUS] [--relay-mapi SYSTEM-BUS SESSION-BUS]
 *                  [--gio SYSTEM-BUS REPORT-SOCKET]
 *
 * The relay-mapi path is the relay sending the daemon's messages (relay --mapi), its
 * arrival the StatesChanged carrying its account's DONE (the first message, as for
 * libofflinemgr).
 *
 * Each target has a NetworkManager stand-in of its own, owned by this process on a private
 * system bus of its own, so that only one consumer wakes up per transition. A round takes
 * every target's network down (or up) once, one after the other, each after the previous
 * one's arrival and a quiet gap; targets thus share the machine's conditions.
 * The send time is taken just before the PropertiesChanged is written; the arrival time
 * when this process has the account's DONE (through libofflinemgr, on the session bus in
 * DBUS_SESSION_BUS_ADDRESS), the relay's signal (libdbus-1), or, for GIO, when the
 * observer process has its notify::network-available (its own CLOCK_MONOTONIC stamp).
 *
 * With the harness (bench/run) on stdin and stdout: prints "nm-ready" once the stand-ins
 * own their names, waits for "go" (the consumers are up), subscribes, prints "armed",
 * waits for "start", measures, writes FILE (target,round,direction,latency_ns) and
 * prints "done". */
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
#include "daemon-receiver.h"
#include "dbus-receiver.h"
#include "nm-standin.h"
#include "offlinemgr-bus.h"

#define TIMEOUT_NS (10ull * 1000000000u)

enum { MAPI_OFFLINE = 1, MAPI_ONLINE = 2 };

typedef struct Target Target;

struct Target {
  const char *name;
  const char *system_address;
  sd_bus *system_bus;
  NmStandin *nm;

  bool online;        /* what the last transition asked for */
  bool waiting;
  bool arrived;
  uint64_t arrival_ns;
  unsigned mismatches;

  DaemonReceiver *daemon;  /* one of these three */
  DbusReceiver *relay;
  int report_fd;
  sd_event_source *report_source;
};

typedef struct {
  sd_event *event;
  Target targets[4];
  size_t n_targets;
  BenchCommands commands;
} Driver;

static void
arrive(Target *t, uint64_t ts_ns, bool online)
{
  if (!t->waiting)
    return;
  if (online != t->online) {
    t->mismatches++;
    return;
  }
  t->waiting = false;
  t->arrived = true;
  t->arrival_ns = ts_ns;
}

static void
on_daemon_done(size_t index, uint32_t new_state, void *userdata)
{
  arrive(userdata, bench_now_ns(), new_state == MAPI_ONLINE);
}

static void
on_relay_signal(DBusMessage *message, void *userdata)
{
  uint64_t now = bench_now_ns();
  uint32_t state;

  if (!dbus_message_is_signal(message, "org.offlinemgr.Bench.Relay", "StateChanged") ||
      !dbus_message_get_args(message, NULL, DBUS_TYPE_UINT32, &state, DBUS_TYPE_INVALID))
    return;
  arrive(userdata, now, state >= 60);
}

/* The relay's StatesChanged: arrival when it carries the account's DONE, read entry by
 * entry as libofflinemgr reads the daemon's. */
static void
on_relay_mapi_signal(DBusMessage *message, void *userdata)
{
  uint64_t now = bench_now_ns();
  DBusMessageIter args, array, entry;

  if (!dbus_message_is_signal(message, OM_IFACE_MANAGER, OM_SIGNAL_STATES_CHANGED) ||
      !dbus_message_has_signature(message, "a(ouuu)") ||
      !dbus_message_iter_init(message, &args))
    return;
  dbus_message_iter_recurse(&args, &array);
  for (; dbus_message_iter_get_arg_type(&array) == DBUS_TYPE_STRUCT;
       dbus_message_iter_next(&array)) {
    const char *path;
    uint32_t values[3];   /* notify type, old state, new state */

    dbus_message_iter_recurse(&array, &entry);
    dbus_message_iter_get_basic(&entry, &path);
    for (int i = 0; i < 3; i++) {
      dbus_message_iter_next(&entry);
      dbus_message_iter_get_basic(&entry, &values[i]);
    }
    if (values[0] == 3 && strcmp(path, "/org/offlinemgr/Bench/Mapi/account/bench") == 0) {
      arrive(userdata, now, values[2] == MAPI_ONLINE);
      return;
    }
  }
}

static int
on_report(sd_event_source *source, int fd, uint32_t revents, void *userdata)
{
  BenchReport report;

  while (recv(fd, &report, sizeof(report), 0) == (ssize_t)sizeof(report))
    arrive(userdata, report.ts_ns, report.value != 0);
  return 0;
}

static int
on_stdin(sd_event_source *source, int fd, uint32_t revents, void *userdata)
{
  Driver *d = userdata;

  if (bench_commands_read(&d->commands, fd) < 0) {
    fprintf(stderr, "latency-driver: stdin closed\n");
    return sd_event_exit(d->event, 1);
  }
  return 0;
}

/* Runs the loop until stdin says @command. */
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

    if ((t != NULL && t->arrived) || now >= deadline_ns)
      return 0;
    r = sd_event_run(d->event, (deadline_ns - now + 999) / 1000);
    if (r < 0)
      return r;
    if (sd_event_get_state(d->event) == SD_EVENT_FINISHED)
      return -ECANCELED;
  }
}

static Target *
add_target(Driver *d, const char *name, const char *system_address)
{
  Target *t = &d->targets[d->n_targets++];

  t->name = name;
  t->system_address = system_address;
  t->report_fd = -1;
  t->online = true;
  return t;
}

static void
usage(void)
{
  fprintf(stderr,
          "usage: latency-driver --out FILE [--rounds N] [--warmup N] [--gap-ms MS]\n"
          "         [--daemon SYSTEM-BUS --account ID] [--relay SYSTEM-BUS SESSION-BUS]\n"
          "         [--relay-mapi SYSTEM-BUS SESSION-BUS] [--gio SYSTEM-BUS REPORT-SOCKET]\n");
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
    { "daemon", required_argument, NULL, 'd' },
    { "account", required_argument, NULL, 'a' },
    { "relay", required_argument, NULL, 'r' },
    { "relay-mapi", required_argument, NULL, 'm' },
    { "gio", required_argument, NULL, 'G' },
    { NULL },
  };
  Driver d = { 0 };
  const char *out_path = NULL, *account = NULL;
  const char *relay_session = NULL, *mapi_session = NULL, *gio_socket = NULL;
  long rounds = 1000, warmup = 20, gap_ms = 5;
  Target *daemon_target = NULL, *relay_target = NULL, *mapi_target = NULL;
  Target *gio_target = NULL;
  FILE *out;
  int opt, r;

  while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
    switch (opt) {
    case 'o': out_path = optarg; break;
    case 'n': rounds = strtol(optarg, NULL, 10); break;
    case 'w': warmup = strtol(optarg, NULL, 10); break;
    case 'g': gap_ms = strtol(optarg, NULL, 10); break;
    case 'd': daemon_target = add_target(&d, "daemon", optarg); break;
    case 'a': account = optarg; break;
    case 'r':
      if (optind >= argc)
        usage();
      relay_target = add_target(&d, "relay", optarg);
      relay_session = argv[optind++];
      break;
    case 'm':
      if (optind >= argc)
        usage();
      mapi_target = add_target(&d, "relay-mapi", optarg);
      mapi_session = argv[optind++];
      break;
    case 'G':
      if (optind >= argc)
        usage();
      gio_target = add_target(&d, "gio", optarg);
      gio_socket = argv[optind++];
      break;
    default: usage();
    }
  }
  if (out_path == NULL || d.n_targets == 0 || rounds <= 0 || warmup < 0 || gap_ms < 0 ||
      (daemon_target != NULL && account == NULL))
    usage();
  setvbuf(stdout, NULL, _IOLBF, 0);

  if ((r = sd_event_new(&d.event)) < 0 ||
      (r = sd_event_add_io(d.event, NULL, STDIN_FILENO, EPOLLIN, on_stdin, &d)) < 0) {
    fprintf(stderr, "latency-driver: %s\n", strerror(-r));
    return 1;
  }
  for (size_t i = 0; i < d.n_targets; i++) {
    Target *t = &d.targets[i];
    if ((r = bench_bus_open(t->system_address, &t->system_bus)) < 0 ||
        (r = sd_bus_attach_event(t->system_bus, d.event, 0)) < 0 ||
        (r = nm_standin_new(t->system_bus, &t->nm)) < 0) {
      fprintf(stderr, "latency-driver: NetworkManager stand-in for %s on %s: %s\n", t->name,
              t->system_address, strerror(-r));
      return 1;
    }
  }
  if (gio_target != NULL) {
    gio_target->report_fd = bench_report_bind(gio_socket);
    if (gio_target->report_fd < 0 ||
        (r = sd_event_add_io(d.event, &gio_target->report_source, gio_target->report_fd,
                             EPOLLIN, on_report, gio_target)) < 0) {
      fprintf(stderr, "latency-driver: report socket %s: %s\n", gio_socket,
              strerror(gio_target->report_fd < 0 ? -gio_target->report_fd : -r));
      return 1;
    }
  }
  printf("nm-ready\n");

  if (wait_command(&d, "go") < 0)
    return 1;
  if (daemon_target != NULL) {
    daemon_target->daemon = daemon_receiver_new(d.event, &account, 1, on_daemon_done,
                                                daemon_target);
    if (daemon_target->daemon == NULL)
      return 1;
  }
  if (relay_target != NULL) {
    relay_target->relay = dbus_receiver_new(
        d.event, relay_session,
        "type='signal',interface='org.offlinemgr.Bench.Relay',member='StateChanged'",
        on_relay_signal, relay_target);
    if (relay_target->relay == NULL)
      return 1;
  }
  if (mapi_target != NULL) {
    mapi_target->relay = dbus_receiver_new(
        d.event, mapi_session,
        "type='signal',path='/org/offlinemgr/Bench/Mapi',"
        "interface='" OM_IFACE_MANAGER "',member='" OM_SIGNAL_STATES_CHANGED "'",
        on_relay_mapi_signal, mapi_target);
    if (mapi_target->relay == NULL)
      return 1;
  }
  printf("armed\n");
  if (wait_command(&d, "start") < 0)
    return 1;

  out = fopen(out_path, "w");
  if (out == NULL) {
    fprintf(stderr, "latency-driver: %s: %s\n", out_path, strerror(errno));
    return 1;
  }
  fprintf(out, "target,round,direction,latency_ns\n");
  for (long round = -warmup; round < rounds; round++) {
    for (size_t i = 0; i < d.n_targets; i++) {
      Target *t = &d.targets[i];
      uint64_t sent;

      t->online = !t->online;
      t->arrived = false;
      t->waiting = true;
      sent = bench_now_ns();
      r = nm_standin_set_online(t->nm, t->online);
      if (r < 0) {
        fprintf(stderr, "latency-driver: cannot emit for %s: %s\n", t->name, strerror(-r));
        return 1;
      }
      if ((r = run_until(&d, t, sent + TIMEOUT_NS)) < 0)
        return 1;
      if (!t->arrived) {
        fprintf(stderr, "latency-driver: %s: nothing arrived within %llu s (round %ld)\n",
                t->name, TIMEOUT_NS / 1000000000ull, round);
        return 1;
      }
      if (round >= 0)
        fprintf(out, "%s,%ld,%s,%llu\n", t->name, round, t->online ? "up" : "down",
                (unsigned long long)(t->arrival_ns - sent));
      if ((r = run_until(&d, NULL, bench_now_ns() + (uint64_t)gap_ms * 1000000u)) < 0)
        return 1;
    }
  }
  if (fclose(out) != 0) {
    fprintf(stderr, "latency-driver: %s: %s\n", out_path, strerror(errno));
    return 1;
  }
  for (size_t i = 0; i < d.n_targets; i++)
    if (d.targets[i].mismatches > 0)
      fprintf(stderr, "latency-driver: %s: %u arrivals in the wrong direction\n",
              d.targets[i].name, d.targets[i].mismatches);
  printf("done\n");

  for (size_t i = 0; i < d.n_targets; i++) {
    Target *t = &d.targets[i];
    daemon_receiver_free(t->daemon);
    dbus_receiver_free(t->relay);
    sd_event_source_disable_unref(t->report_source);
    if (t->report_fd >= 0)
      close(t->report_fd);
    nm_standin_free(t->nm);
    sd_bus_flush_close_unref(t->system_bus);
  }
  sd_event_unref(d.event);
  return 0;
}
