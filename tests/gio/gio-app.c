/* A GIO application for the GIO module's tests: it asks g_network_monitor_get_default(),
 * whichever monitor GIO picks (GIO_USE_NETWORK_MONITOR, GIO_EXTRA_MODULES), and reports
 * what it hears. The same line protocol as gio_app.py, its Python twin:
 *
 *   ready TYPE AVAILABLE METERED CONNECTIVITY    once, at start
 *   notify PROPERTY VALUE                        for every notify:: of the three properties
 *   changed AVAILABLE                            for every network-changed
 *
 * Commands, one answer each ("ok ..." or "error DOMAIN CODE MESSAGE"):
 *   props                       ok AVAILABLE METERED CONNECTIVITY
 *   reach HOST PORT             g_network_monitor_can_reach(), in this thread
 *   reach-async HOST PORT       g_network_monitor_can_reach_async()
 *   reach-thread HOST PORT      g_network_monitor_can_reach() in a thread of its own
 *   lookups                     ok N: name lookups asked of the resolver so far
 *   quit
 *
 * The default resolver is replaced by one that fails every lookup and counts them, so
 * a test sees whether a monitor looked a name up: no resolver is reachable here. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gio/gio.h>

/* ---- a resolver that resolves nothing and counts ---- */

typedef struct {
  GResolver parent_instance;
} TestResolver;

typedef struct {
  GResolverClass parent_class;
} TestResolverClass;

static GType test_resolver_get_type(void);
G_DEFINE_TYPE(TestResolver, test_resolver, G_TYPE_RESOLVER)

static gint lookups;

static GError *
no_resolver(const char *hostname)
{
  g_atomic_int_inc(&lookups);
  return g_error_new(G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND,
                     "no resolver in this test (asked for %s)", hostname);
}

static GList *
lookup_by_name(GResolver *resolver, const char *hostname, GCancellable *cancellable,
               GError **error)
{
  g_propagate_error(error, no_resolver(hostname));
  return NULL;
}

static GList *
lookup_by_name_with_flags(GResolver *resolver, const char *hostname,
                          GResolverNameLookupFlags flags, GCancellable *cancellable,
                          GError **error)
{
  return lookup_by_name(resolver, hostname, cancellable, error);
}

static void
lookup_by_name_async(GResolver *resolver, const char *hostname, GCancellable *cancellable,
                     GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new(resolver, cancellable, callback, user_data);

  g_task_return_error(task, no_resolver(hostname));
  g_object_unref(task);
}

static void
lookup_by_name_with_flags_async(GResolver *resolver, const char *hostname,
                                GResolverNameLookupFlags flags, GCancellable *cancellable,
                                GAsyncReadyCallback callback, gpointer user_data)
{
  lookup_by_name_async(resolver, hostname, cancellable, callback, user_data);
}

static GList *
lookup_by_name_finish(GResolver *resolver, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer(G_TASK(result), error);
}

static void
test_resolver_init(TestResolver *resolver)
{
}

static void
test_resolver_class_init(TestResolverClass *klass)
{
  GResolverClass *resolver_class = G_RESOLVER_CLASS(klass);

  resolver_class->lookup_by_name = lookup_by_name;
  resolver_class->lookup_by_name_async = lookup_by_name_async;
  resolver_class->lookup_by_name_finish = lookup_by_name_finish;
  resolver_class->lookup_by_name_with_flags = lookup_by_name_with_flags;
  resolver_class->lookup_by_name_with_flags_async = lookup_by_name_with_flags_async;
  resolver_class->lookup_by_name_with_flags_finish = lookup_by_name_finish;
}

/* ---- the application ---- */

typedef struct {
  GMainLoop *loop;
  GNetworkMonitor *monitor;
  GIOChannel *input;
  guint watch;
} App;

static void
say(const char *format, ...) G_GNUC_PRINTF(1, 2);

static void
say(const char *format, ...)
{
  va_list args;

  va_start(args, format);
  vprintf(format, args);
  va_end(args);
  putchar('\n');
  fflush(stdout);
}

static void
say_props(const char *prefix, GNetworkMonitor *monitor)
{
  say("%s %d %d %d", prefix, g_network_monitor_get_network_available(monitor),
      g_network_monitor_get_network_metered(monitor),
      (int)g_network_monitor_get_connectivity(monitor));
}

static void
say_result(gboolean reachable, GError *error)
{
  if (error != NULL)
    say("error %s %d %s", g_quark_to_string(error->domain), error->code, error->message);
  else
    say("ok %d", reachable);
}

static void
on_notify(GObject *object, GParamSpec *pspec, gpointer user_data)
{
  GValue value = G_VALUE_INIT;

  g_value_init(&value, pspec->value_type);
  g_object_get_property(object, pspec->name, &value);
  say("notify %s %d", pspec->name,
      G_VALUE_HOLDS_BOOLEAN(&value) ? g_value_get_boolean(&value) : g_value_get_enum(&value));
  g_value_unset(&value);
}

static void
on_network_changed(GNetworkMonitor *monitor, gboolean available, gpointer user_data)
{
  say("changed %d", available);
}

static void
on_reached(GObject *source, GAsyncResult *result, gpointer user_data)
{
  GError *error = NULL;
  gboolean reachable = g_network_monitor_can_reach_finish(G_NETWORK_MONITOR(source), result,
                                                          &error);

  say_result(reachable, error);
  g_clear_error(&error);
}

typedef struct {
  GNetworkMonitor *monitor;
  GSocketConnectable *address;
  gboolean reachable;
  GError *error;
} Reach;

static gpointer
reach_in_thread(gpointer data)
{
  Reach *r = data;

  r->reachable = g_network_monitor_can_reach(r->monitor, r->address, NULL, &r->error);
  return NULL;
}

static void
run_command(App *app, char **words)
{
  guint n = g_strv_length(words);

  if (n == 1 && strcmp(words[0], "props") == 0)
    say_props("ok", app->monitor);
  else if (n == 1 && strcmp(words[0], "lookups") == 0)
    say("ok %d", g_atomic_int_get(&lookups));
  else if (n == 1 && strcmp(words[0], "quit") == 0) {
    say("ok");
    g_main_loop_quit(app->loop);
  }
  else if (n == 3 && g_str_has_prefix(words[0], "reach")) {
    GSocketConnectable *address = g_network_address_new(words[1], (guint16)atoi(words[2]));
    if (strcmp(words[0], "reach") == 0) {
      GError *error = NULL;
      gboolean reachable = g_network_monitor_can_reach(app->monitor, address, NULL, &error);
      say_result(reachable, error);
      g_clear_error(&error);
    }
    else if (strcmp(words[0], "reach-async") == 0)
      g_network_monitor_can_reach_async(app->monitor, address, NULL, on_reached, NULL);
    else if (strcmp(words[0], "reach-thread") == 0) {
      Reach r = { app->monitor, address, FALSE, NULL };
      g_thread_join(g_thread_new("reach", reach_in_thread, &r));
      say_result(r.reachable, r.error);
      g_clear_error(&r.error);
    }
    else
      say("error app 0 unknown command %s", words[0]);
    g_object_unref(address);
  }
  else
    say("error app 0 cannot parse the command");
}

static gboolean
on_input(GIOChannel *channel, GIOCondition condition, gpointer user_data)
{
  App *app = user_data;
  char *line = NULL;
  GIOStatus status;

  while ((status = g_io_channel_read_line(channel, &line, NULL, NULL, NULL)) ==
         G_IO_STATUS_NORMAL) {
    char **words = g_strsplit(g_strstrip(line), " ", -1);
    run_command(app, words);
    g_strfreev(words);
    g_free(line);
  }
  if (status == G_IO_STATUS_EOF || status == G_IO_STATUS_ERROR) {
    g_main_loop_quit(app->loop);
    app->watch = 0;
    return G_SOURCE_REMOVE;
  }
  return G_SOURCE_CONTINUE;
}

int
main(int argc, char **argv)
{
  App app = { 0 };
  GResolver *resolver = g_object_new(test_resolver_get_type(), NULL);
  char *ready;

  g_resolver_set_default(resolver);
  g_object_unref(resolver);
  app.loop = g_main_loop_new(NULL, FALSE);
  app.monitor = g_network_monitor_get_default();
  g_signal_connect(app.monitor, "notify::network-available", G_CALLBACK(on_notify), NULL);
  g_signal_connect(app.monitor, "notify::network-metered", G_CALLBACK(on_notify), NULL);
  g_signal_connect(app.monitor, "notify::connectivity", G_CALLBACK(on_notify), NULL);
  g_signal_connect(app.monitor, "network-changed", G_CALLBACK(on_network_changed), NULL);
  ready = g_strdup_printf("ready %s", G_OBJECT_TYPE_NAME(app.monitor));
  say_props(ready, app.monitor);
  g_free(ready);

  app.input = g_io_channel_unix_new(0);
  g_io_channel_set_flags(app.input, G_IO_FLAG_NONBLOCK, NULL);
  app.watch = g_io_add_watch(app.input, G_IO_IN | G_IO_HUP | G_IO_ERR, on_input, &app);
  g_main_loop_run(app.loop);

  if (app.watch != 0)
    g_source_remove(app.watch);
  g_io_channel_unref(app.input);
  g_signal_handlers_disconnect_by_data(app.monitor, NULL);
  g_main_loop_unref(app.loop);
  return 0;
}
