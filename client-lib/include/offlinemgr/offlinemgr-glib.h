/* libofflinemgr-glib: runs an OmClient's callbacks from a GLib main context.
 *
 * A separate, small library (pkg-config module offlinemgr-glib), so that applications
 * without GLib do not link it. It is a GSource over om_client_get_fd() whose dispatch
 * calls om_client_dispatch(). */
#pragma once

#include <glib.h>

#include <offlinemgr/offlinemgr.h>

G_BEGIN_DECLS

/* A new GSource that dispatches @client (its callbacks then run from the context the
 * source is attached to). The source holds a reference on @client until it is
 * finalized. Returns a source owned by the caller (g_source_attach(), then
 * g_source_unref(); g_source_destroy() to stop), or NULL when @client is NULL. */
OM_PUBLIC GSource *om_glib_source_new(OmClient *client);

/* Creates that source and attaches it to @context (NULL: the global default context).
 * The context then owns the source; the returned id (> 0) removes it with
 * g_source_remove() when @context is the default one, or find it with
 * g_main_context_find_source_by_id(). Returns 0 when @client is NULL. */
OM_PUBLIC guint om_glib_attach(OmClient *client, GMainContext *context);

G_END_DECLS
