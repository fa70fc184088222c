#include "probe.h"

#include <gio/gio.h>

struct OmProbe {
  GCancellable *cancellable;
  guint timeout_id;
  gboolean timed_out;
  gboolean cancelled;   /* by the owner: report nothing */
  OmProbeDone done;
  gpointer user_data;
  char *target;
};

static void
probe_free(OmProbe *probe)
{
  g_clear_handle_id(&probe->timeout_id, g_source_remove);
  g_object_unref(probe->cancellable);
  g_free(probe->target);
  g_free(probe);
}

static gboolean
on_timeout(gpointer user_data)
{
  OmProbe *probe = user_data;

  probe->timeout_id = 0;
  probe->timed_out = TRUE;
  g_cancellable_cancel(probe->cancellable);
  return G_SOURCE_REMOVE;
}

static void
on_connected(GObject *source, GAsyncResult *result, gpointer user_data)
{
  OmProbe *probe = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketConnection) connection =
    g_socket_client_connect_to_host_finish(G_SOCKET_CLIENT(source), result, &error);
  g_autofree char *detail = NULL;

  /* The probe stays alive until GIO reports back, even when cancelled, so that this
   * callback never touches freed memory. */
  if (!probe->cancelled) {
    if (connection != NULL)
      detail = g_strdup_printf("connected to %s", probe->target);
    else if (probe->timed_out)
      detail = g_strdup_printf("no answer from %s in time", probe->target);
    else
      detail = g_strdup_printf("%s: %s", probe->target, error->message);
    probe->done(connection != NULL, detail, probe->user_data);
  }
  if (connection != NULL)
    g_io_stream_close(G_IO_STREAM(connection), NULL, NULL);
  probe_free(probe);
}

OmProbe *
om_probe_start(const char *host, guint16 port, guint timeout_ms, OmProbeDone done,
               gpointer user_data)
{
  OmProbe *probe = g_new0(OmProbe, 1);
  g_autoptr(GSocketClient) client = g_socket_client_new();

  probe->cancellable = g_cancellable_new();
  probe->done = done;
  probe->user_data = user_data;
  probe->target = g_strdup_printf("%s:%u", host, port);
  g_socket_client_set_enable_proxy(client, FALSE);
  probe->timeout_id = g_timeout_add(timeout_ms, on_timeout, probe);
  g_socket_client_connect_to_host_async(client, host, port, probe->cancellable, on_connected,
                                        probe);
  return probe;
}

void
om_probe_cancel(OmProbe *probe)
{
  probe->cancelled = TRUE;
  g_clear_handle_id(&probe->timeout_id, g_source_remove);
  g_cancellable_cancel(probe->cancellable);
}
