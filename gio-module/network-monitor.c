#include "network-monitor.h"

#include "daemon-link.h"
#include "offlinemgr-bus.h"

enum {
  PROP_0,
  PROP_NETWORK_AVAILABLE,
  PROP_NETWORK_METERED,
  PROP_CONNECTIVITY,
};

struct _OmGioNetworkMonitor {
  GObject parent_instance;
  /* GLib's own base monitor: it answers can_reach for hosts that are no account's, and
   * everything while the daemon is away. (GNetworkMonitorBase is not public API, so it
   * cannot be a parent class here.) */
  GNetworkMonitor *base;
  OmDaemonLink *link;
  /* What notify:: has told, in the context the monitor was made in. */
  OmNetworkView published;
};

static void om_gio_network_monitor_iface_init(GNetworkMonitorInterface *iface);
static void om_gio_network_monitor_initable_iface_init(GInitableIface *iface);

G_DEFINE_DYNAMIC_TYPE_EXTENDED(OmGioNetworkMonitor, om_gio_network_monitor, G_TYPE_OBJECT, 0,
                               /* GInitable first: GNetworkMonitor requires it. */
                               G_IMPLEMENT_INTERFACE_DYNAMIC(G_TYPE_INITABLE,
                                                             om_gio_network_monitor_initable_iface_init)
                               G_IMPLEMENT_INTERFACE_DYNAMIC(G_TYPE_NETWORK_MONITOR,
                                                             om_gio_network_monitor_iface_init))

static OmNetworkView
current_view(OmGioNetworkMonitor *self)
{
  return self->link != NULL ? om_daemon_link_view(self->link) : OM_NETWORK_VIEW_BASE;
}

static void
om_gio_network_monitor_get_property(GObject *object, guint prop_id, GValue *value,
                                    GParamSpec *pspec)
{
  OmNetworkView view = current_view(OM_GIO_NETWORK_MONITOR(object));

  switch (prop_id) {
  case PROP_NETWORK_AVAILABLE:
    g_value_set_boolean(value, view.available);
    break;
  case PROP_NETWORK_METERED:
    g_value_set_boolean(value, view.metered);
    break;
  case PROP_CONNECTIVITY:
    g_value_set_enum(value, view.connectivity);
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
    break;
  }
}

/* In the monitor's context, after the daemon's state changed. */
static void
on_changed(GObject *object, OmChanged changed)
{
  OmGioNetworkMonitor *self = OM_GIO_NETWORK_MONITOR(object);
  OmNetworkView view = current_view(self);
  OmChanged told = om_network_view_diff(&self->published, &view);

  self->published = view;
  g_object_freeze_notify(object);
  if (told & OM_CHANGED_AVAILABLE)
    g_object_notify(object, "network-available");
  if (told & OM_CHANGED_METERED)
    g_object_notify(object, "network-metered");
  if (told & OM_CHANGED_CONNECTIVITY)
    g_object_notify(object, "connectivity");
  g_object_thaw_notify(object);
  if ((changed | told) & (OM_CHANGED_AVAILABLE | OM_CHANGED_METERED | OM_CHANGED_CONNECTIVITY |
                          OM_CHANGED_REACH))
    g_signal_emit_by_name(self, "network-changed", view.available);
}

static GNetworkMonitor *
base_monitor_new(GError **error)
{
  GIOExtensionPoint *point = g_io_extension_point_lookup(G_NETWORK_MONITOR_EXTENSION_POINT_NAME);
  GIOExtension *base = point != NULL ? g_io_extension_point_get_extension_by_name(point, "base")
                                     : NULL;

  if (base == NULL) {
    g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                        "GIO has no base network monitor");
    return NULL;
  }
  return g_initable_new(g_io_extension_get_type(base), NULL, error, NULL);
}

static gboolean
om_gio_network_monitor_initable_init(GInitable *initable, GCancellable *cancellable,
                                     GError **error)
{
  OmGioNetworkMonitor *self = OM_GIO_NETWORK_MONITOR(initable);
  g_autoptr(GMainContext) context = g_main_context_ref_thread_default();
  g_autoptr(GDBusConnection) bus = NULL;

  if (self->link != NULL)
    return TRUE;
  self->base = base_monitor_new(error);
  if (self->base == NULL)
    return FALSE;
  bus = g_bus_get_sync(G_BUS_TYPE_SESSION, cancellable, error);
  if (bus == NULL)
    return FALSE;
  self->link = om_daemon_link_new(bus, G_OBJECT(self), context, on_changed);
  if (!om_daemon_link_start(self->link, OM_GIO_START_TIMEOUT_MS, error)) {
    g_prefix_error(error, "offlinemgr's network monitor: ");
    om_daemon_link_stop(self->link);
    g_clear_pointer(&self->link, om_daemon_link_unref);
    return FALSE;
  }
  self->published = om_daemon_link_view(self->link);
  return TRUE;
}

static void
om_gio_network_monitor_finalize(GObject *object)
{
  OmGioNetworkMonitor *self = OM_GIO_NETWORK_MONITOR(object);

  if (self->link != NULL) {
    om_daemon_link_stop(self->link);
    om_daemon_link_unref(self->link);
  }
  g_clear_object(&self->base);
  G_OBJECT_CLASS(om_gio_network_monitor_parent_class)->finalize(object);
}

/* ---- can_reach ---- */

/* The host and port a connectable names without a lookup; NULL host when it names none
 * (a GNetworkService's domain is not a server's name). */
static char *
connectable_host(GSocketConnectable *connectable, guint16 *port)
{
  *port = 0;
  if (G_IS_PROXY_ADDRESS(connectable)) {
    *port = g_proxy_address_get_destination_port(G_PROXY_ADDRESS(connectable));
    return g_strdup(g_proxy_address_get_destination_hostname(G_PROXY_ADDRESS(connectable)));
  }
  if (G_IS_INET_SOCKET_ADDRESS(connectable)) {
    GInetSocketAddress *address = G_INET_SOCKET_ADDRESS(connectable);
    *port = g_inet_socket_address_get_port(address);
    return g_inet_address_to_string(g_inet_socket_address_get_address(address));
  }
  if (G_IS_NETWORK_ADDRESS(connectable)) {
    *port = g_network_address_get_port(G_NETWORK_ADDRESS(connectable));
    return g_strdup(g_network_address_get_hostname(G_NETWORK_ADDRESS(connectable)));
  }
  return NULL;
}

/* offlinemgr's answer, without waiting for anything: TRUE when it has one (then
 * *@reachable, or *@error), FALSE when GLib's base monitor answers. */
static gboolean
decide(OmGioNetworkMonitor *self, GSocketConnectable *connectable, gboolean *reachable,
       GError **error)
{
  guint16 port;
  g_autofree char *host = connectable_host(connectable, &port);
  g_autofree char *message = NULL;
  OmReach reach;

  if (self->link == NULL || !om_daemon_link_reach(self->link, host, port, &reach, &message))
    return FALSE;
  switch (reach) {
  case OM_REACH_ONLINE:
    *reachable = TRUE;
    return TRUE;
  case OM_REACH_OFFLINE:
  case OM_REACH_NETWORK_OFFLINE:
    *reachable = FALSE;
    g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_NETWORK_UNREACHABLE, message);
    return TRUE;
  case OM_REACH_NOT_ACCOUNT:
  default:
    return FALSE;
  }
}

static gboolean
om_gio_network_monitor_can_reach(GNetworkMonitor *monitor, GSocketConnectable *connectable,
                                 GCancellable *cancellable, GError **error)
{
  OmGioNetworkMonitor *self = OM_GIO_NETWORK_MONITOR(monitor);
  gboolean reachable = FALSE;

  if (decide(self, connectable, &reachable, error))
    return reachable;
  return g_network_monitor_can_reach(self->base, connectable, cancellable, error);
}

static void
on_base_reached(GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (g_network_monitor_can_reach_finish(G_NETWORK_MONITOR(source), result, &error))
    g_task_return_boolean(task, TRUE);
  else
    g_task_return_error(task, error);
}

static void
om_gio_network_monitor_can_reach_async(GNetworkMonitor *monitor,
                                       GSocketConnectable *connectable,
                                       GCancellable *cancellable, GAsyncReadyCallback callback,
                                       gpointer user_data)
{
  OmGioNetworkMonitor *self = OM_GIO_NETWORK_MONITOR(monitor);
  g_autoptr(GTask) task = g_task_new(monitor, cancellable, callback, user_data);
  gboolean reachable = FALSE;
  GError *error = NULL;

  g_task_set_source_tag(task, om_gio_network_monitor_can_reach_async);
  if (!decide(self, connectable, &reachable, &error)) {
    g_network_monitor_can_reach_async(self->base, connectable, cancellable, on_base_reached,
                                      g_steal_pointer(&task));
    return;
  }
  if (error != NULL)
    g_task_return_error(task, error);
  else
    g_task_return_boolean(task, reachable);
}

static gboolean
om_gio_network_monitor_can_reach_finish(GNetworkMonitor *monitor, GAsyncResult *result,
                                        GError **error)
{
  g_return_val_if_fail(g_task_is_valid(result, monitor), FALSE);
  return g_task_propagate_boolean(G_TASK(result), error);
}

/* ---- type ---- */

static void
om_gio_network_monitor_init(OmGioNetworkMonitor *self)
{
  self->published = OM_NETWORK_VIEW_BASE;
}

static void
om_gio_network_monitor_class_init(OmGioNetworkMonitorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS(klass);

  object_class->get_property = om_gio_network_monitor_get_property;
  object_class->finalize = om_gio_network_monitor_finalize;
  g_object_class_override_property(object_class, PROP_NETWORK_AVAILABLE, "network-available");
  g_object_class_override_property(object_class, PROP_NETWORK_METERED, "network-metered");
  g_object_class_override_property(object_class, PROP_CONNECTIVITY, "connectivity");
}

static void
om_gio_network_monitor_class_finalize(OmGioNetworkMonitorClass *klass)
{
}

static void
om_gio_network_monitor_iface_init(GNetworkMonitorInterface *iface)
{
  iface->can_reach = om_gio_network_monitor_can_reach;
  iface->can_reach_async = om_gio_network_monitor_can_reach_async;
  iface->can_reach_finish = om_gio_network_monitor_can_reach_finish;
}

static void
om_gio_network_monitor_initable_iface_init(GInitableIface *iface)
{
  iface->init = om_gio_network_monitor_initable_init;
}

void
om_gio_network_monitor_register(GIOModule *module)
{
  om_gio_network_monitor_register_type(G_TYPE_MODULE(module));
  g_io_extension_point_implement(G_NETWORK_MONITOR_EXTENSION_POINT_NAME,
                                 OM_TYPE_GIO_NETWORK_MONITOR, OM_GIO_EXTENSION_NAME,
                                 OM_GIO_EXTENSION_PRIORITY);
}
