/* The floor for the latency benchmark: the least a program can do to carry NetworkManager's
 * state to the session bus. It subscribes to NetworkManager's PropertiesChanged on the
 * system bus and, for each, emits one signal on the session bus carrying the new State,
 * nothing else.
 *
 * sd-bus on sd-event, the bus library the daemon uses, so that the ratio of the two
 * measures the daemon's own work and not a difference between bus libraries (libdbus-1,
 * sd-bus on sd-event and sd-bus on a GLib loop measured alike for this relay earlier; see
 * DESIGN.md). Prints "ready" on stdout once both connections and the match are set up. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#define RELAY_PATH "/org/offlinemgr/Bench/Relay"
#define RELAY_IFACE "org.offlinemgr.Bench.Relay"

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
on_nm_properties_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
  sd_bus *session = userdata;
  uint32_t state;
  int r = read_state(m, &state);

  if (r <= 0)
    return 0;
  r = sd_bus_emit_signal(session, RELAY_PATH, RELAY_IFACE, "StateChanged", "u", state);
  if (r < 0)
    fprintf(stderr, "relay: cannot emit: %s\n", strerror(-r));
  return 0;
}

int
main(void)
{
  sd_event *event = NULL;
  sd_bus *system_bus = NULL, *session = NULL;
  int r;

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
