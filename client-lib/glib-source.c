/* libofflinemgr-glib: a GSource over the client's fd. */
#include <offlinemgr/offlinemgr-glib.h>

typedef struct {
  GSource source;
  OmClient *client;
} OmGlibSource;

static gboolean
source_dispatch(GSource *source, GSourceFunc callback, gpointer user_data)
{
  OmGlibSource *s = (OmGlibSource *)source;

  /* Lost connections stop here: the fd will not become readable again. */
  om_client_dispatch(s->client);
  return G_SOURCE_CONTINUE;
}

static void
source_finalize(GSource *source)
{
  om_client_unref(((OmGlibSource *)source)->client);
}

static GSourceFuncs source_funcs = {
  .dispatch = source_dispatch,
  .finalize = source_finalize,
};

GSource *
om_glib_source_new(OmClient *client)
{
  GSource *source;
  int fd;

  g_return_val_if_fail(client != NULL, NULL);
  fd = om_client_get_fd(client);
  g_return_val_if_fail(fd >= 0, NULL);
  source = g_source_new(&source_funcs, sizeof(OmGlibSource));
  ((OmGlibSource *)source)->client = om_client_ref(client);
  g_source_add_unix_fd(source, fd, G_IO_IN);
  g_source_set_static_name(source, "libofflinemgr");
  return source;
}

guint
om_glib_attach(OmClient *client, GMainContext *context)
{
  GSource *source = om_glib_source_new(client);
  guint id;

  if (source == NULL)
    return 0;
  id = g_source_attach(source, context);
  g_source_unref(source);
  return id;
}
