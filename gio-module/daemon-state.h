/* What the GIO module knows of offlinemgrd: the global object, the Manager's network
 * properties and every account's host, port and state, as the daemon's bus messages
 * (GetManagedObjects, PropertiesChanged, InterfacesAdded/Removed) tell it. Pure: no bus,
 * no locking (daemon-link.c holds the lock); tested with tables in tests/gio. */
#pragma once

#include <gio/gio.h>

typedef struct OmDaemonState OmDaemonState;

/* What a message changed, for the monitor's notifications. */
typedef enum {
  OM_CHANGED_AVAILABLE = 1 << 0,     /* the global object's State */
  OM_CHANGED_METERED = 1 << 1,
  OM_CHANGED_CONNECTIVITY = 1 << 2,
  OM_CHANGED_REACH = 1 << 3,         /* an account's State, host or port; accounts added or removed */
} OmChanged;

/* The monitor's three properties, as derived from the state. */
typedef struct {
  gboolean available;
  gboolean metered;
  GNetworkConnectivity connectivity;
} OmNetworkView;

/* What GLib's base monitor says, and the module while the daemon is away. */
#define OM_NETWORK_VIEW_BASE ((OmNetworkView){ TRUE, FALSE, G_NETWORK_CONNECTIVITY_FULL })

/* The OM_CHANGED_* bits for properties that differ between @before and @after (a change
 * of network-available changes can_reach's answers too). */
OmChanged om_network_view_diff(const OmNetworkView *before, const OmNetworkView *after);

typedef enum {
  OM_REACH_ONLINE,        /* an account with this host (and port) is ONLINE */
  OM_REACH_OFFLINE,       /* accounts with this host are all OFFLINE; the message says which */
  OM_REACH_NETWORK_OFFLINE,  /* no account's; the global object is OFFLINE */
  OM_REACH_NOT_ACCOUNT,   /* no account's; the global object is ONLINE */
} OmReach;

OmDaemonState *om_daemon_state_new(void);
void om_daemon_state_free(OmDaemonState *state);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(OmDaemonState, om_daemon_state_free)

/* A fresh state is read with three calls, whose replies apply in the order they come,
 * among the signals: ObjectManager.GetManagedObjects on the root object (the accounts;
 * the root object itself is not among its managed objects) and Properties.GetAll of
 * its Offline and Manager interfaces. */

/* Replaces the accounts with a GetManagedObjects reply, "(a{oa{sa{sv}}})". Returns -1
 * (and nothing changes) when @reply is not one. */
int om_daemon_state_load_accounts(OmDaemonState *state, GVariant *reply);
/* Applies a GetAll reply, "(a{sv})", of the root object's @iface (OM_IFACE_OFFLINE or
 * OM_IFACE_MANAGER). Returns -1 (and nothing changes) when @reply is not one. */
int om_daemon_state_load_root(OmDaemonState *state, const char *iface, GVariant *reply);

/* Applies a PropertiesChanged body, "(sa{sv}as)", of the object at @path. */
OmChanged om_daemon_state_properties_changed(OmDaemonState *state, const char *path,
                                             GVariant *body);
/* Applies an ObjectManager InterfacesAdded body "(oa{sa{sv}})" or InterfacesRemoved
 * body "(oas)". */
OmChanged om_daemon_state_interfaces_added(OmDaemonState *state, GVariant *body);
OmChanged om_daemon_state_interfaces_removed(OmDaemonState *state, GVariant *body);

OmNetworkView om_daemon_state_view(const OmDaemonState *state);

/* Whether @host (and @port; 0: not given) is an account's, and what offlinemgr says of
 * it. With OM_REACH_OFFLINE and OM_REACH_NETWORK_OFFLINE, *@message (owned by the
 * caller) says which account and why ("work is offline: connection-inactive"). */
OmReach om_daemon_state_reach(const OmDaemonState *state, const char *host, guint16 port,
                              char **message);

/* @host as accounts are compared: ASCII lower case, no trailing dot, IP addresses in
 * GLib's canonical form. Owned by the caller. */
char *om_daemon_state_normalize_host(const char *host);
