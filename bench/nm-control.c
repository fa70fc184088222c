/* A NetworkManager stand-in driven line by line, for the benchmarks that run the daemon
 * alone (start-up, memory, instruction counts, idle). Owns the stand-in on the system bus in
 * DBUS_SYSTEM_BUS_ADDRESS and watches the daemon on the session bus.
 *
 * Prints "nm-ready"; then for each line on stdin:
 *   down | up | metered   emits the change, waits until the daemon has handled it, and
 *                         prints "ok"
 *   quit                  exits
 * "Handled" is observed, not guessed: the daemon announces every change of its network
 * snapshot with the Manager's PropertiesChanged before it updates any object, and handles
 * one NetworkManager signal in one go; so once that signal is in, the reply to a method
 * call sent afterwards comes only after the whole change has been handled. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "nm-standin.h"
#include "offlinemgr-bus.h"

#define TIMEOUT_US (600ull * 1000000u)

typedef struct {
  sd_event *event;
  sd_bus *session;
  NmStandin *nm;
  bool waiting;  /* for the daemon's announcement of the change */
  char line[64];
  size_t line_len;
} Control;

static void
fail(Control *c, const char *what, int r)
{
  fprintf(stderr, "nm-control: %s: %s\n", what, strerror(-r));
  sd_event_exit(c->event, 1);
}

static int
on_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
  Control *c = userdata;
  const sd_bus_error *error = sd_bus_message_get_error(m);

  if (error != NULL) {
    fprintf(stderr, "nm-control: %s: %s\n", error->name, error->message);
    return sd_event_exit(c->event, 1);
  }
  printf("ok\n");
  return 0;
}

static int
on_manager_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
  Control *c = userdata;
  const char *iface;
  int r;

  if (!c->waiting || sd_bus_message_read(m, "s", &iface) < 0 ||
      strcmp(iface, OM_IFACE_MANAGER) != 0)
    return 0;
  c->waiting = false;
  r = sd_bus_call_method_async(c->session, NULL, OM_BUS_NAME, OM_ROOT_PATH,
                               OM_IFACE_OFFLINE, "GetCurrentState",
                               on_reply, c, "");
  if (r < 0)
    fail(c, "GetCurrentState", r);
  return 0;
}

static void
run_command(Control *c, const char *command)
{
  int r;

  if (strcmp(command, "quit") == 0) {
    sd_event_exit(c->event, 0);
    return;
  }
  if (strcmp(command, "down") == 0)
    r = nm_standin_set_online(c->nm, false);
  else if (strcmp(command, "up") == 0)
    r = nm_standin_set_online(c->nm, true);
  else if (strcmp(command, "metered") == 0)
    r = nm_standin_toggle_metered(c->nm);
  else
    r = -EINVAL;
  if (r < 0) {
    fail(c, command, r);
    return;
  }
  c->waiting = true;
}

static int
on_stdin(sd_event_source *source, int fd, uint32_t revents, void *userdata)
{
  Control *c = userdata;
  char ch;
  ssize_t n;

  while ((n = read(fd, &ch, 1)) == 1) {
    if (ch != '\n') {
      if (c->line_len < sizeof(c->line) - 1)
        c->line[c->line_len++] = ch;
      continue;
    }
    c->line[c->line_len] = '\0';
    c->line_len = 0;
    run_command(c, c->line);
    return 0;
  }
  if (n == 0)
    return sd_event_exit(c->event, 0);
  return 0;
}

int
main(void)
{
  Control c = { 0 };
  sd_bus *system_bus = NULL;
  int r;

  setvbuf(stdout, NULL, _IOLBF, 0);
  if ((r = sd_event_default(&c.event)) < 0 || (r = sd_bus_open_system(&system_bus)) < 0 ||
      (r = sd_bus_attach_event(system_bus, c.event, 0)) < 0 ||
      (r = nm_standin_new(system_bus, &c.nm)) < 0 || (r = sd_bus_open_user(&c.session)) < 0 ||
      (r = sd_bus_attach_event(c.session, c.event, 0)) < 0 ||
      (r = sd_bus_set_method_call_timeout(c.session, TIMEOUT_US)) < 0 ||
      (r = sd_bus_match_signal(c.session, NULL, OM_BUS_NAME, OM_ROOT_PATH,
                               "org.freedesktop.DBus.Properties", "PropertiesChanged",
                               on_manager_changed, &c)) < 0 ||
      (r = sd_event_add_io(c.event, NULL, STDIN_FILENO, EPOLLIN, on_stdin, &c)) < 0) {
    fprintf(stderr, "nm-control: %s\n", strerror(-r));
    return 1;
  }
  printf("nm-ready\n");
  r = sd_event_loop(c.event);
  nm_standin_free(c.nm);
  sd_bus_flush_close_unref(c.session);
  sd_bus_flush_close_unref(system_bus);
  sd_event_unref(c.event);
  return r != 0 ? 1 : 0;
}
