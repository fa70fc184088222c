/* The floor for the latency benchmark: the least a program can do to carry NetworkManager's
 * state to the session bus. It subscribes to NetworkManager's PropertiesChanged on the
 * system bus and, for each, emits one signal on the session bus carrying the new State,
 * nothing else.
 *
 * With --mapi it emits instead, with no decision behind them, the ten messages
 * offlinemgrd sends for one account when the network goes down or up, in its order: the
 * Manager's StatesChanged with the six phases of the turn (what libofflinemgr listens
 * to), then START, PropertiesChanged (State, Reason), STATECHANGE and DONE for the
 * account, the same for the global object, then the Manager's PropertiesChanged. That is
 * the floor for the MAPI contract on D-Bus; the daemon's distance from it is its own
 * work.
 *
 * sd-bus on sd-event, the bus library the daemon uses, so that the ratio of the two
 * measures the daemon's own work and not a difference between bus libraries (libdbus-1,
 * sd-bus on sd-event and sd-bus on a GLib loop measured alike for this relay earlier).
 * Prints "ready" on stdout once both connections and the match are set up. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "offlinemgr-bus.h"

#define RELAY_PATH "/org/offlinemgr/Bench/Relay"
#define RELAY_IFACE "org.offlinemgr.Bench.Relay"
#define MAPI_ROOT "/org/offlinemgr/Bench/Mapi"
#define MAPI_ACCOUNT MAPI_ROOT "/account/bench"

static int mapi;

/* Finds State in the a{sv} of PropertiesChanged; 0 when the message does not carry it. */
static int
read_state(sd_bus_message *m, uint32_t *state)
{
  const char *iface, *name;
  int r;

  if ((r = sd_bus_message_read(m, "s", &iface)) < 0 ||
      (r = sd_bus_message_enter_container(m, 'a', "{sv}")) < 0)
    return r;
  while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
    if ((r = sd_bus_message_read(m, "s", &name)) < 0)
      return r;
    if (strcmp(name, "State") == 0)
      return sd_bus_message_read(m, "v", "u", state);
    if ((r = sd_bus_message_skip(m, "v")) < 0 || (r = sd_bus_message_exit_container(m)) < 0)
      return r;
  }
  return r;
}

static int
emit_properties_changed(sd_bus *bus, const char *path, const char *iface, const char *name1,
                        uint32_t value1, const char *name2, const char *value2)
{
  sd_bus_message *m = NULL;
  int r;

  if ((r = sd_bus_message_new_signal(bus, &m, path, "org.freedesktop.DBus.Properties",
                                     "PropertiesChanged")) >= 0 &&
      (r = sd_bus_message_append(m, "sa{sv}as", iface, 2, name1, "u", value1, name2, "s",
                                 value2, 0)) >= 0)
    r = sd_bus_send(bus, m, NULL);
  sd_bus_message_unref(m);
  return r;
}

static int
emit_transition(sd_bus *bus, const char *path, uint32_t old_state, uint32_t new_state)
{
  int r;

  if ((r = sd_bus_emit_signal(bus, path, OM_IFACE_OFFLINE, "StateChanged", "uuuu", 1, 3,
                              old_state, new_state)) < 0 ||
      (r = emit_properties_changed(bus, path, OM_IFACE_OFFLINE, "State", new_state, "Reason",
                                   new_state == 2 ? "" : "no-network")) < 0 ||
      (r = sd_bus_emit_signal(bus, path, OM_IFACE_OFFLINE, "StateChanged", "uuuu", 2, 3,
                              old_state, new_state)) < 0)
    return r;
  return sd_bus_emit_signal(bus, path, OM_IFACE_OFFLINE, "StateChanged", "uuuu", 3, 3, old_state,
                            new_state);
}

/* StatesChanged(a(ouuu)): START, STATECHANGE and DONE of the account, then of the global
 * object, as the daemon sends it for one account. */
static int
emit_states_changed(sd_bus *bus, uint32_t old_state, uint32_t new_state)
{
  sd_bus_message *m = NULL;
  int r;

  if ((r = sd_bus_message_new_signal(bus, &m, MAPI_ROOT, OM_IFACE_MANAGER,
                                     OM_SIGNAL_STATES_CHANGED)) >= 0)
    r = sd_bus_message_append(m, "a(ouuu)", 6, MAPI_ACCOUNT, 1, old_state, new_state,
                              MAPI_ACCOUNT, 2, old_state, new_state, MAPI_ACCOUNT, 3,
                              old_state, new_state, MAPI_ROOT, 1, old_state, new_state,
                              MAPI_ROOT, 2, old_state, new_state, MAPI_ROOT, 3, old_state,
                              new_state);
  if (r >= 0)
    r = sd_bus_send(bus, m, NULL);
  sd_bus_message_unref(m);
  return r;
}

static int
on_nm_properties_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
  sd_bus *session = userdata;
  uint32_t state, online, offline;
  int r = read_state(m, &state);

  if (r <= 0)
    return 0;
  if (!mapi)
    r = sd_bus_emit_signal(session, RELAY_PATH, RELAY_IFACE, "StateChanged", "u", state);
  else {
    online = state >= 60 ? 2 : 1;
    offline = 3 - online;
    if ((r = emit_states_changed(session, offline, online)) >= 0 &&
        (r = emit_transition(session, MAPI_ACCOUNT, offline, online)) >= 0 &&
        (r = emit_transition(session, MAPI_ROOT, offline, online)) >= 0)
      r = emit_properties_changed(session, MAPI_ROOT, OM_IFACE_MANAGER,
                                  "NetworkState", state, "NetworkBackend", "networkmanager");
  }
  if (r < 0)
    fprintf(stderr, "relay: cannot emit: %s\n", strerror(-r));
  return 0;
}

int
main(int argc, char **argv)
{
  sd_event *event = NULL;
  sd_bus *system_bus = NULL, *session = NULL;
  int r;

  if (argc > 2 || (argc == 2 && strcmp(argv[1], "--mapi") != 0)) {
    fprintf(stderr, "usage: relay [--mapi]\n");
    return 2;
  }
  mapi = argc == 2;

  if ((r = sd_event_default(&event)) < 0 || (r = sd_bus_open_system(&system_bus)) < 0 ||
      (r = sd_bus_open_user(&session)) < 0 ||
      (r = sd_bus_attach_event(system_bus, event, 0)) < 0 ||
      (r = sd_bus_attach_event(session, event, 0)) < 0 ||
      (r = sd_bus_match_signal(system_bus, NULL, "org.freedesktop.NetworkManager",
                               "/org/freedesktop/NetworkManager",
                               "org.freedesktop.DBus.Properties", "PropertiesChanged",
                               on_nm_properties_changed, session)) < 0 ||
      (r = sd_event_add_signal(event, NULL, SIGTERM | SD_EVENT_SIGNAL_PROCMASK, NULL,
                               NULL)) < 0) {
    fprintf(stderr, "relay: cannot set up: %s\n", strerror(-r));
    return 1;
  }
  printf("ready\n");
  fflush(stdout);
  r = sd_event_loop(event);
  sd_bus_flush_close_unref(session);
  sd_bus_flush_close_unref(system_bus);
  sd_event_unref(event);
  return r < 0 ? 1 : 0;
}
