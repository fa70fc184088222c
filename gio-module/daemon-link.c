#include "daemon-link.h"

#include <string.h>

#include "offlinemgr-bus.h"

#define DBUS_NAME "org.freedesktop.DBus"
#define DBUS_PATH "/org/freedesktop/DBus"
#define PROPERTIES_IFACE "org.freedesktop.DBus.Properties"
#define OBJECT_MANAGER_IFACE "org.freedesktop.DBus.ObjectManager"

/* Only the signals the module reads: not StateChanged, three of which come with every
 * transition of every object. */
static const char *const match_rules[] = {
  "type='signal',sender='" OM_BUS_NAME "',interface='" PROPERTIES_IFACE "',"
  "member='PropertiesChanged',path_namespace='" OM_ROOT_PATH "'",
  "type='signal',sender='" OM_BUS_NAME "',interface='" OBJECT_MANAGER_IFACE "',"
  "path='" OM_ROOT_PATH "'",
  "type='signal',sender='" DBUS_NAME "',interface='" DBUS_NAME "',member='NameOwnerChanged',"
  "path='" DBUS_PATH "',arg0='" OM_BUS_NAME "'",
};

/* The three calls that read a fresh state (daemon-state.h). */
enum { REQUEST_ACCOUNTS, REQUEST_GLOBAL, REQUEST_MANAGER, N_REQUESTS };

struct OmDaemonLink {
  gint ref_count;
  GDBusConnection *bus;
  GMainContext *context;
  GWeakRef owner;
  OmDaemonLinkNotify notify;
  guint filter_id;
  guint n_matches;       /* rules added, from the start of match_rules */

  /* Everything below is read and written under the lock, from the worker thread and
   * the application's threads. */
  GMutex lock;
  GCond started;
  GSource *source;       /* fires @notify in @context; NULL once stopped */
  OmChanged pending;     /* changes @notify has not had yet */
  OmDaemonState *state;
  OmDaemonState *loading;  /* a fresh state being read, or NULL */
  guint32 requests[N_REQUESTS];  /* serials of its answers still to come; 0: in */
  char *daemon;          /* the unique name of the daemon followed, or NULL */
  gboolean present;      /* @state is the daemon's (it answered, and has not left since) */
  gboolean starting;     /* om_daemon_link_start() waits for the first answer */
  GError *start_error;
  gboolean said_gone;
};

OmDaemonLink *
om_daemon_link_ref(OmDaemonLink *link)
{
  g_atomic_int_inc(&link->ref_count);
  return link;
}

void
om_daemon_link_unref(OmDaemonLink *link)
{
  if (link == NULL || !g_atomic_int_dec_and_test(&link->ref_count))
    return;
  g_clear_error(&link->start_error);
  g_free(link->daemon);
  om_daemon_state_free(link->state);
  om_daemon_state_free(link->loading);
  g_cond_clear(&link->started);
  g_mutex_clear(&link->lock);
  g_weak_ref_clear(&link->owner);
  g_main_context_unref(link->context);
  g_object_unref(link->bus);
  g_free(link);
}

/* ---- the application's side: one GSource that runs @notify ---- */

static gboolean
notify_dispatch(GSource *source, GSourceFunc callback, gpointer user_data)
{
  OmDaemonLink *link = user_data;
  g_autoptr(GObject) owner = NULL;
  OmChanged changed;

  g_source_set_ready_time(source, -1);
  g_mutex_lock(&link->lock);
  changed = link->pending;
  link->pending = 0;
  g_mutex_unlock(&link->lock);
  owner = g_weak_ref_get(&link->owner);
  if (owner != NULL && changed != 0)
    link->notify(owner, changed);
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs notify_funcs = {
  .dispatch = notify_dispatch,
};

/* Under the lock. Setting a ready time wakes @context; nothing is allocated per change. */
static void
report_locked(OmDaemonLink *link, OmChanged changed)
{
  if (changed == 0 || link->source == NULL)
    return;
  link->pending |= changed;
  g_source_set_ready_time(link->source, 0);
}

OmDaemonLink *
om_daemon_link_new(GDBusConnection *bus, GObject *owner, GMainContext *context,
                   OmDaemonLinkNotify notify)
{
  OmDaemonLink *link = g_new0(OmDaemonLink, 1);

  link->ref_count = 1;
  link->bus = g_object_ref(bus);
  link->context = g_main_context_ref(context);
  g_weak_ref_init(&link->owner, owner);
  link->notify = notify;
  g_mutex_init(&link->lock);
  g_cond_init(&link->started);
  link->state = om_daemon_state_new();
  link->source = g_source_new(&notify_funcs, sizeof(GSource));
  g_source_set_callback(link->source, NULL, om_daemon_link_ref(link),
                        (GDestroyNotify)om_daemon_link_unref);
  g_source_set_static_name(link->source, "[offlinemgr] network-changed");
  g_source_attach(link->source, context);
  return link;
}

/* ---- the worker's side: the connection filter ---- */

static void
abort_loading_locked(OmDaemonLink *link, GError *error)
{
  g_debug("Cannot read the daemon's state: %s", error->message);
  g_clear_pointer(&link->loading, om_daemon_state_free);
  memset(link->requests, 0, sizeof(link->requests));
  if (link->starting && link->start_error == NULL)
    link->start_error = g_error_copy(error);
  g_cond_broadcast(&link->started);
}

/* Asks @destination for everything, under the lock. The answers come through the filter
 * like the signals around them, so that everything applies in the daemon's order. */
static void
request_state_locked(OmDaemonLink *link, const char *destination, gboolean activate)
{
  static const char *const calls[N_REQUESTS][3] = {
    [REQUEST_ACCOUNTS] = { OBJECT_MANAGER_IFACE, "GetManagedObjects", NULL },
    [REQUEST_GLOBAL] = { PROPERTIES_IFACE, "GetAll", OM_IFACE_OFFLINE },
    [REQUEST_MANAGER] = { PROPERTIES_IFACE, "GetAll", OM_IFACE_MANAGER },
  };

  g_clear_pointer(&link->loading, om_daemon_state_free);
  link->loading = om_daemon_state_new();
  for (guint i = 0; i < N_REQUESTS; i++) {
    g_autoptr(GDBusMessage) message = g_dbus_message_new_method_call(
        destination, OM_ROOT_PATH, calls[i][0], calls[i][1]);
    g_autoptr(GError) error = NULL;

    if (calls[i][2] != NULL)
      g_dbus_message_set_body(message, g_variant_new("(s)", calls[i][2]));
    if (!activate)
      g_dbus_message_set_flags(message, G_DBUS_MESSAGE_FLAGS_NO_AUTO_START);
    /* The lock is held, so that an answer, which the worker may read before this
     * returns, finds its serial. */
    if (!g_dbus_connection_send_message(link->bus, message, G_DBUS_SEND_MESSAGE_FLAGS_NONE,
                                        &link->requests[i], &error)) {
      abort_loading_locked(link, error);
      return;
    }
  }
}

static OmNetworkView
view_locked(OmDaemonLink *link)
{
  return link->present ? om_daemon_state_view(link->state) : OM_NETWORK_VIEW_BASE;
}

/* Applies one of the three answers; the last one makes the fresh state current. */
static void
on_answer_locked(OmDaemonLink *link, guint request, GDBusMessage *message)
{
  static const char *const root_ifaces[N_REQUESTS] = {
    [REQUEST_GLOBAL] = OM_IFACE_OFFLINE, [REQUEST_MANAGER] = OM_IFACE_MANAGER,
  };
  GVariant *body = g_dbus_message_get_body(message);
  g_autoptr(GError) error = NULL;
  OmNetworkView before, after;
  OmDaemonState *previous;
  int r = -1;

  link->requests[request] = 0;
  if (g_dbus_message_get_message_type(message) == G_DBUS_MESSAGE_TYPE_ERROR) {
    g_dbus_message_to_gerror(message, &error);
    abort_loading_locked(link, error);
    return;
  }
  if (body != NULL)
    r = request == REQUEST_ACCOUNTS ? om_daemon_state_load_accounts(link->loading, body)
                                    : om_daemon_state_load_root(link->loading,
                                                                root_ifaces[request], body);
  if (r < 0) {
    error = g_error_new(G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                        "%s answered a state call with %s", OM_BUS_NAME,
                        body != NULL ? g_variant_get_type_string(body) : "nothing");
    abort_loading_locked(link, error);
    return;
  }
  /* Signals from the daemon count from its first answer on. */
  if (link->daemon == NULL)
    link->daemon = g_strdup(g_dbus_message_get_sender(message));
  for (guint i = 0; i < N_REQUESTS; i++)
    if (link->requests[i] != 0)
      return;

  before = view_locked(link);
  previous = link->state;
  link->state = g_steal_pointer(&link->loading);
  om_daemon_state_free(previous);
  link->present = TRUE;
  after = view_locked(link);
  report_locked(link, om_network_view_diff(&before, &after) | OM_CHANGED_REACH);
  if (link->said_gone) {
    g_message("offlinemgrd is back on the session bus: network answers are offlinemgr's again");
    link->said_gone = FALSE;
  }
  g_cond_broadcast(&link->started);
}

static void
on_name_owner_changed_locked(OmDaemonLink *link, GVariant *body)
{
  const char *name, *old_owner, *new_owner;

  if (!g_variant_is_of_type(body, G_VARIANT_TYPE("(sss)")))
    return;
  g_variant_get(body, "(&s&s&s)", &name, &old_owner, &new_owner);
  if (strcmp(name, OM_BUS_NAME) != 0)
    return;

  if (new_owner[0] != '\0') {
    /* A new daemon (started again, or replacing the old one): until it answers, the old
     * state stands if there was one, GLib's base answers if not. */
    g_free(link->daemon);
    link->daemon = g_strdup(new_owner);
    request_state_locked(link, new_owner, FALSE);
    return;
  }

  g_clear_pointer(&link->daemon, g_free);
  g_clear_pointer(&link->loading, om_daemon_state_free);
  memset(link->requests, 0, sizeof(link->requests));
  if (link->present) {
    OmNetworkView before = view_locked(link), after;
    link->present = FALSE;
    after = view_locked(link);
    report_locked(link, om_network_view_diff(&before, &after) | OM_CHANGED_REACH);
    if (!link->said_gone) {
      g_message("offlinemgrd left the session bus: network answers are GLib's base "
                "monitor's until it is back");
      link->said_gone = TRUE;
    }
  }
}

static void
on_daemon_signal_locked(OmDaemonLink *link, GDBusMessage *message)
{
  const char *path = g_dbus_message_get_path(message);
  const char *iface = g_dbus_message_get_interface(message);
  const char *member = g_dbus_message_get_member(message);
  GVariant *body = g_dbus_message_get_body(message);
  OmChanged changed = 0;
  /* While a fresh state is read, signals apply to it, between its answers. */
  OmDaemonState *state = link->loading != NULL ? link->loading : link->state;

  if (path == NULL || iface == NULL || member == NULL || body == NULL)
    return;
  if (strcmp(iface, PROPERTIES_IFACE) == 0 && strcmp(member, "PropertiesChanged") == 0)
    changed = om_daemon_state_properties_changed(state, path, body);
  else if (strcmp(iface, OBJECT_MANAGER_IFACE) == 0 && strcmp(path, OM_ROOT_PATH) == 0) {
    if (strcmp(member, "InterfacesAdded") == 0)
      changed = om_daemon_state_interfaces_added(state, body);
    else if (strcmp(member, "InterfacesRemoved") == 0)
      changed = om_daemon_state_interfaces_removed(state, body);
  }
  if (state == link->state)
    report_locked(link, changed);
}

/* In GDBus's worker thread, for every message of the connection: it must not block. */
static GDBusMessage *
filter(GDBusConnection *bus, GDBusMessage *message, gboolean incoming, gpointer user_data)
{
  OmDaemonLink *link = user_data;
  const char *sender;
  gboolean consumed = FALSE;

  if (!incoming)
    return message;
  sender = g_dbus_message_get_sender(message);
  switch (g_dbus_message_get_message_type(message)) {
  case G_DBUS_MESSAGE_TYPE_METHOD_RETURN:
  case G_DBUS_MESSAGE_TYPE_ERROR:
    g_mutex_lock(&link->lock);
    for (guint i = 0; i < N_REQUESTS && !consumed && link->source != NULL; i++)
      if (link->requests[i] != 0 &&
          g_dbus_message_get_reply_serial(message) == link->requests[i]) {
        on_answer_locked(link, i, message);
        consumed = TRUE;
      }
    g_mutex_unlock(&link->lock);
    break;
  case G_DBUS_MESSAGE_TYPE_SIGNAL:
    if (sender == NULL)
      break;
    g_mutex_lock(&link->lock);
    if (link->source == NULL)
      ;
    else if (strcmp(sender, DBUS_NAME) == 0) {
      if (g_strcmp0(g_dbus_message_get_member(message), "NameOwnerChanged") == 0 &&
          g_strcmp0(g_dbus_message_get_interface(message), DBUS_NAME) == 0 &&
          g_dbus_message_get_body(message) != NULL)
        on_name_owner_changed_locked(link, g_dbus_message_get_body(message));
    }
    /* Signals of a daemon that has not answered yet are in its answers. */
    else if ((link->present || link->loading != NULL) && g_strcmp0(sender, link->daemon) == 0)
      on_daemon_signal_locked(link, message);
    g_mutex_unlock(&link->lock);
    break;
  default:
    break;
  }
  /* The answers were the module's own; signals go on to the application's subscribers. */
  if (consumed) {
    g_object_unref(message);
    return NULL;
  }
  return message;
}

/* ---- start and stop ---- */

gboolean
om_daemon_link_start(OmDaemonLink *link, guint timeout_ms, GError **error)
{
  gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * G_TIME_SPAN_MILLISECOND;
  gboolean ok;

  link->filter_id = g_dbus_connection_add_filter(link->bus, filter, om_daemon_link_ref(link),
                                                 (GDestroyNotify)om_daemon_link_unref);
  /* In effect before the state is asked for: the bus handles one connection's messages
   * in order, so no change after the answer can be missed. */
  for (; link->n_matches < G_N_ELEMENTS(match_rules); link->n_matches++) {
    g_autoptr(GVariant) reply = g_dbus_connection_call_sync(
        link->bus, DBUS_NAME, DBUS_PATH, DBUS_NAME, "AddMatch",
        g_variant_new("(s)", match_rules[link->n_matches]), NULL, G_DBUS_CALL_FLAGS_NONE,
        (int)timeout_ms, NULL, error);
    if (reply == NULL)
      return FALSE;
  }

  g_mutex_lock(&link->lock);
  link->starting = TRUE;
  request_state_locked(link, OM_BUS_NAME, TRUE);
  while (!link->present && link->start_error == NULL)
    if (!g_cond_wait_until(&link->started, &link->lock, deadline))
      break;
  link->starting = FALSE;
  /* The first state is no change to announce. */
  link->pending = 0;
  ok = link->present;
  if (!ok) {
    g_clear_pointer(&link->loading, om_daemon_state_free);
    memset(link->requests, 0, sizeof(link->requests));
    if (link->start_error != NULL)
      g_propagate_error(error, g_steal_pointer(&link->start_error));
    else
      g_set_error(error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                  "%s did not answer within %u ms", OM_BUS_NAME, timeout_ms);
  }
  g_mutex_unlock(&link->lock);
  return ok;
}

void
om_daemon_link_stop(OmDaemonLink *link)
{
  GSource *source;

  g_mutex_lock(&link->lock);
  source = g_steal_pointer(&link->source);
  g_mutex_unlock(&link->lock);
  if (source != NULL) {
    g_source_destroy(source);
    g_source_unref(source);
  }
  if (link->filter_id != 0)
    g_dbus_connection_remove_filter(link->bus, link->filter_id);
  link->filter_id = 0;
  /* No reply wanted: the rules go with the connection anyway. */
  for (; link->n_matches > 0; link->n_matches--)
    g_dbus_connection_call(link->bus, DBUS_NAME, DBUS_PATH, DBUS_NAME, "RemoveMatch",
                           g_variant_new("(s)", match_rules[link->n_matches - 1]), NULL,
                           G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL, NULL);
}

/* ---- reading, from any thread ---- */

OmNetworkView
om_daemon_link_view(OmDaemonLink *link)
{
  OmNetworkView view;

  g_mutex_lock(&link->lock);
  view = view_locked(link);
  g_mutex_unlock(&link->lock);
  return view;
}

gboolean
om_daemon_link_reach(OmDaemonLink *link, const char *host, guint16 port, OmReach *reach,
                     char **message)
{
  gboolean present;

  g_mutex_lock(&link->lock);
  present = link->present;
  if (present)
    *reach = om_daemon_state_reach(link->state, host, port, message);
  g_mutex_unlock(&link->lock);
  return present;
}
