#include "bus-source.h"

#include <errno.h>
#include <poll.h>

typedef struct {
  GSource source;
  sd_bus *bus;
  gpointer fd_tag;
  GIOCondition events;
  OmBusDisconnected disconnected;
  gpointer user_data;
} OmBusSource;

/* sd-bus and GLib both count monotonic time in microseconds of CLOCK_MONOTONIC. */
static gint64
bus_deadline(OmBusSource *s)
{
  uint64_t until;

  if (sd_bus_get_timeout(s->bus, &until) < 0 || until == UINT64_MAX)
    return -1;
  return (gint64)MIN(until, (uint64_t)G_MAXINT64);
}

static gboolean
bus_source_prepare(GSource *source, gint *timeout)
{
  OmBusSource *s = (OmBusSource *)source;
  int r = sd_bus_get_events(s->bus);
  GIOCondition wanted = 0;
  gint64 deadline, now;

  if (r < 0) {
    /* Closed: dispatch once more, so that sd_bus_process() reports it. */
    *timeout = 0;
    return TRUE;
  }
  if (r & POLLIN)
    wanted |= G_IO_IN;
  if (r & POLLOUT)
    wanted |= G_IO_OUT;
  if (wanted != s->events) {
    g_source_modify_unix_fd(source, s->fd_tag, wanted);
    s->events = wanted;
  }

  deadline = bus_deadline(s);
  if (deadline < 0) {
    *timeout = -1;
    return FALSE;
  }
  now = g_source_get_time(source);
  if (deadline <= now) {
    *timeout = 0;
    return TRUE;
  }
  *timeout = (gint)MIN((deadline - now + 999) / 1000, G_MAXINT);
  return FALSE;
}

static gboolean
bus_source_check(GSource *source)
{
  OmBusSource *s = (OmBusSource *)source;
  gint64 deadline;

  if (g_source_query_unix_fd(source, s->fd_tag) != 0)
    return TRUE;
  deadline = bus_deadline(s);
  return deadline >= 0 && deadline <= g_source_get_time(source);
}

static gboolean
bus_source_dispatch(GSource *source, GSourceFunc callback, gpointer user_data)
{
  OmBusSource *s = (OmBusSource *)source;

  /* Bounded, so that a flood on one bus cannot starve the rest of the loop; a
   * connection with work left reports a timeout of 0 in the next prepare. */
  for (int i = 0; i < 64; i++) {
    int r = sd_bus_process(s->bus, NULL);

    if (r == 0)
      break;
    if (r < 0) {
      if (r != -ECONNRESET && r != -ENOTCONN && r != -EPIPE)
        g_warning("Bus connection failed: %s", g_strerror(-r));
      if (s->disconnected != NULL)
        s->disconnected(s->bus, s->user_data);
      return G_SOURCE_REMOVE;
    }
  }
  return G_SOURCE_CONTINUE;
}

static void
bus_source_finalize(GSource *source)
{
  OmBusSource *s = (OmBusSource *)source;

  sd_bus_unref(s->bus);
}

static GSourceFuncs bus_source_funcs = {
  .prepare = bus_source_prepare,
  .check = bus_source_check,
  .dispatch = bus_source_dispatch,
  .finalize = bus_source_finalize,
};

GSource *
om_bus_source_attach(sd_bus *bus, GMainContext *context, OmBusDisconnected disconnected,
                     gpointer user_data)
{
  GSource *source = g_source_new(&bus_source_funcs, sizeof(OmBusSource));
  OmBusSource *s = (OmBusSource *)source;

  s->bus = sd_bus_ref(bus);
  s->disconnected = disconnected;
  s->user_data = user_data;
  s->events = G_IO_IN;
  s->fd_tag = g_source_add_unix_fd(source, sd_bus_get_fd(bus), s->events);
  g_source_set_name(source, "sd-bus");
  g_source_attach(source, context);
  return source;
}
