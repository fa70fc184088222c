/* Runs the account sources (GNOME Online Accounts, evolution-data-server) on the session
 * bus, on a GLib main loop as the daemon does, and prints one line per callback:
 *
 *   status <origin> <status>
 *   changed <origin> {"origin": ..., "id": ..., "source_id": ..., "display_name": ...,
 *                     "host": ..., "port": N}
 *   removed <origin> <id>
 *
 * Commands on stdin, one answer line each:
 *   list    "ok [...]": every account, as in changed lines, sorted by id
 *   idle    "ok wakeups=N timeout=T": how often the bus or a timer woke the main loop since
 *           the last idle command, and the timeout (ms, -1: none) of the last poll, the one
 *           that waited for this command: with nothing going on, wakeups=0 timeout=-1
 *   quit    frees everything and exits 0
 *
 * Options: --goa, --eds (default: both), --timeout-ms N (the bound on the services'
 * answers), --log FILE (log messages go there instead of stderr). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <glib-unix.h>
#include <glib.h>
#include <systemd/sd-bus.h>

#include "bus-source.h"
#include "eds-source.h"
#include "goa-source.h"

typedef struct {
  GMainLoop *loop;
  GString *input;
  OmAccountSource *sources[2];
  guint n_sources;
  int status;
} Driver;

/* What the sources can wake the loop for: traffic on the bus, or a timer. GLib's own
 * wake-ups (it wakes itself once per command read) and stdin are not counted. */
static int bus_fd = -1;
static guint wakeups;
static gint last_timeout;

static gint
counting_poll(GPollFD *fds, guint nfds, gint timeout)
{
  gint r = g_poll(fds, nfds, timeout);

  last_timeout = timeout;
  if (r == 0 && timeout != 0)
    wakeups++;
  for (guint i = 0; r > 0 && i < nfds; i++)
    if (fds[i].fd == bus_fd && fds[i].revents != 0)
      wakeups++;
  return r;
}

static void
append_json_string(GString *out, const char *s)
{
  if (s == NULL) {
    g_string_append(out, "null");
    return;
  }
  g_string_append_c(out, '"');
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (*p == '"' || *p == '\\')
      g_string_append_printf(out, "\\%c", *p);
    else if (*p < 0x20)
      g_string_append_printf(out, "\\u%04x", *p);
    else
      g_string_append_c(out, (char)*p);
  }
  g_string_append_c(out, '"');
}

static void
append_account(GString *out, const OmDiscoveredAccount *a)
{
  g_string_append_printf(out, "{\"origin\": \"%s\", \"id\": ",
                         om_account_origin_to_string(a->origin));
  append_json_string(out, a->id);
  g_string_append(out, ", \"source_id\": ");
  append_json_string(out, a->source_id);
  g_string_append(out, ", \"display_name\": ");
  append_json_string(out, a->display_name);
  g_string_append(out, ", \"host\": ");
  append_json_string(out, a->host);
  g_string_append_printf(out, ", \"port\": %u}", a->port);
}

static void
on_changed(OmAccountSource *source, const OmDiscoveredAccount *account, gpointer user_data)
{
  g_autoptr(GString) line = g_string_new(NULL);

  g_string_append_printf(line, "changed %s ", om_account_origin_to_string(account->origin));
  append_account(line, account);
  printf("%s\n", line->str);
  fflush(stdout);
}

static void
on_removed(OmAccountSource *source, const char *id, gpointer user_data)
{
  printf("removed %s %s\n", om_account_origin_to_string(om_account_source_get_origin(source)),
         id);
  fflush(stdout);
}

static void
on_status_changed(OmAccountSource *source, gpointer user_data)
{
  printf("status %s %s\n", om_account_origin_to_string(om_account_source_get_origin(source)),
         om_mirror_status_to_string(om_account_source_get_status(source)));
  fflush(stdout);
}

static const OmAccountSourceCallbacks callbacks = {
  .changed = on_changed,
  .removed = on_removed,
  .status_changed = on_status_changed,
};

static gint
compare_ids(gconstpointer a, gconstpointer b)
{
  const OmDiscoveredAccount *x = *(OmDiscoveredAccount *const *)a;
  const OmDiscoveredAccount *y = *(OmDiscoveredAccount *const *)b;

  return strcmp(x->id, y->id);
}

static void
command(Driver *d, const char *line)
{
  if (g_str_equal(line, "quit")) {
    g_main_loop_quit(d->loop);
  } else if (g_str_equal(line, "list")) {
    g_autoptr(GPtrArray) all = g_ptr_array_new();
    g_autoptr(GString) out = g_string_new("ok [");
    GHashTableIter iter;
    gpointer value;

    for (guint i = 0; i < d->n_sources; i++) {
      g_hash_table_iter_init(&iter, om_account_source_get_accounts(d->sources[i]));
      while (g_hash_table_iter_next(&iter, NULL, &value))
        g_ptr_array_add(all, value);
    }
    g_ptr_array_sort(all, compare_ids);
    for (guint i = 0; i < all->len; i++) {
      if (i > 0)
        g_string_append(out, ", ");
      append_account(out, g_ptr_array_index(all, i));
    }
    printf("%s]\n", out->str);
  } else if (g_str_equal(line, "idle")) {
    printf("ok wakeups=%u timeout=%d\n", wakeups, last_timeout);
    wakeups = 0;
  } else {
    printf("error %d unknown command %s\n", -EINVAL, line);
  }
  fflush(stdout);
}

static gboolean
on_stdin(gint fd, GIOCondition condition, gpointer user_data)
{
  Driver *d = user_data;
  char buf[4096];
  ssize_t n = read(fd, buf, sizeof buf);
  char *nl;

  if (n <= 0) {
    g_main_loop_quit(d->loop);
    return G_SOURCE_REMOVE;
  }
  g_string_append_len(d->input, buf, n);
  while ((nl = memchr(d->input->str, '\n', d->input->len)) != NULL) {
    g_autofree char *line = g_strndup(d->input->str, nl - d->input->str);
    g_string_erase(d->input, 0, nl - d->input->str + 1);
    command(d, line);
  }
  return G_SOURCE_CONTINUE;
}

static void
on_bus_lost(sd_bus *bus, gpointer user_data)
{
  Driver *d = user_data;

  fprintf(stderr, "source-driver: lost the session bus\n");
  d->status = 1;
  g_main_loop_quit(d->loop);
}

int
main(int argc, char **argv)
{
  gboolean goa = FALSE, eds = FALSE;
  gint timeout_ms = 0;
  g_autofree char *log = NULL;
  GOptionEntry entries[] = {
    { "goa", 0, 0, G_OPTION_ARG_NONE, &goa, "GNOME Online Accounts", NULL },
    { "eds", 0, 0, G_OPTION_ARG_NONE, &eds, "evolution-data-server", NULL },
    { "timeout-ms", 0, 0, G_OPTION_ARG_INT, &timeout_ms, "bound on answers", "MS" },
    { "log", 0, 0, G_OPTION_ARG_FILENAME, &log, "where log messages go", "FILE" },
    { NULL },
  };
  g_autoptr(GOptionContext) context = g_option_context_new(NULL);
  g_autoptr(GError) error = NULL;
  Driver d = { 0 };
  sd_bus *bus = NULL;
  GSource *bus_source;
  guint stdin_id;
  int r;

  g_option_context_add_main_entries(context, entries, NULL);
  if (!g_option_context_parse(context, &argc, &argv, &error)) {
    fprintf(stderr, "source-driver: %s\n", error->message);
    return 2;
  }
  if (!goa && !eds)
    goa = eds = TRUE;
  if (log != NULL && freopen(log, "a", stderr) == NULL) {
    perror(log);
    return 2;
  }
  setvbuf(stderr, NULL, _IOLBF, 0);
  g_main_context_set_poll_func(NULL, counting_poll);

  r = sd_bus_open_user(&bus);
  if (r < 0) {
    fprintf(stderr, "source-driver: cannot connect to the session bus: %s\n", g_strerror(-r));
    return 1;
  }
  d.loop = g_main_loop_new(NULL, FALSE);
  d.input = g_string_new(NULL);
  bus_source = om_bus_source_attach(bus, NULL, on_bus_lost, &d);
  bus_fd = sd_bus_get_fd(bus);
  if (goa)
    d.sources[d.n_sources++] = om_goa_source_new(bus, &callbacks, &d, &r);
  if (r >= 0 && eds)
    d.sources[d.n_sources++] = om_eds_source_new(bus, &callbacks, &d, &r);
  for (guint i = 0; i < d.n_sources; i++) {
    if (d.sources[i] == NULL) {
      fprintf(stderr, "source-driver: cannot start a source: %s\n", g_strerror(-r));
      return 1;
    }
    if (timeout_ms > 0)
      om_account_source_set_timeout(d.sources[i], (guint64)timeout_ms * 1000);
  }
  stdin_id = g_unix_fd_add(STDIN_FILENO, G_IO_IN | G_IO_HUP, on_stdin, &d);
  printf("ready\n");
  fflush(stdout);

  g_main_loop_run(d.loop);

  g_source_remove(stdin_id);
  for (guint i = 0; i < d.n_sources; i++)
    om_account_source_free(d.sources[i]);
  g_source_destroy(bus_source);
  g_source_unref(bus_source);
  sd_bus_flush_close_unref(bus);
  g_main_loop_unref(d.loop);
  g_string_free(d.input, TRUE);
  return d.status;
}
