/* The GLib adapter: a client attached to a GMainContext gets its callbacks from that
 * context's loop. Needs a running daemon on the session bus; exits 0 when the phases of
 * one transition arrived in order, each from the loop. */
#include <stdio.h>
#include <stdlib.h>

#include <offlinemgr/offlinemgr-glib.h>

typedef struct {
  GMainLoop *loop;
  GMainContext *context;
  GArray *phases;
  gboolean from_loop;
} Monitor;

static void
on_change(OmOffline *offline, uint32_t client_token, const OmStateChange *change, void *data)
{
  Monitor *m = data;

  printf("notify %u %u %u %u\n", client_token, change->notify_type, change->old_state,
         change->new_state);
  m->from_loop = m->from_loop && g_main_context_is_owner(m->context) &&
                 g_main_depth() > 0;
  g_array_append_val(m->phases, change->notify_type);
  if (change->notify_type == OM_NOTIFY_DONE)
    g_main_loop_quit(m->loop);
}

static gboolean
on_timeout(gpointer data)
{
  fprintf(stderr, "no DONE within the time limit\n");
  exit(1);
}

static gboolean
request_offline(gpointer data)
{
  OmError error = OM_ERROR_INIT;
  uint32_t effective;

  if (om_offline_set_state(data, 0, OM_STATE_OFFLINE, &effective, &error) < 0) {
    fprintf(stderr, "set_state: %s\n", error.message);
    exit(1);
  }
  return G_SOURCE_REMOVE;
}

int
main(int argc, char **argv)
{
  OmError error = OM_ERROR_INIT;
  Monitor m = { .from_loop = TRUE, .phases = g_array_new(FALSE, FALSE, sizeof(uint32_t)) };
  OmClient *client = om_client_new(&error);
  OmOffline *offline;
  uint32_t token;
  guint id;

  if (client == NULL || (offline = om_offline_open(client, NULL, &error)) == NULL) {
    fprintf(stderr, "%s\n", error.message);
    return 1;
  }
  /* A context of its own, to show it need not be the default one. */
  m.context = g_main_context_new();
  m.loop = g_main_loop_new(m.context, FALSE);
  g_main_context_push_thread_default(m.context);
  id = om_glib_attach(client, m.context);
  g_assert(id > 0);
  if (om_offline_advise(offline, 42, OM_STATE_ALL, on_change, &m, NULL, &token, &error) < 0) {
    fprintf(stderr, "advise: %s\n", error.message);
    return 1;
  }
  {
    GSource *s = g_timeout_source_new_seconds(30);
    g_source_set_callback(s, on_timeout, NULL, NULL);
    g_source_attach(s, m.context);
    g_source_unref(s);
    s = g_idle_source_new();
    g_source_set_callback(s, request_offline, offline, NULL);
    g_source_attach(s, m.context);
    g_source_unref(s);
  }
  g_main_loop_run(m.loop);

  g_assert_cmpuint(m.phases->len, ==, 3);
  for (guint i = 0; i < 3; i++)
    g_assert_cmpuint(g_array_index(m.phases, uint32_t, i), ==, i + 1);
  g_assert_true(m.from_loop);

  /* Removing the source detaches the client; the source's reference is dropped. */
  g_source_destroy(g_main_context_find_source_by_id(m.context, id));
  om_offline_unadvise(offline, token);
  om_offline_close(offline);
  om_client_unref(client);
  g_main_context_pop_thread_default(m.context);
  g_main_loop_unref(m.loop);
  g_main_context_unref(m.context);
  g_array_unref(m.phases);
  printf("ok\n");
  return 0;
}
