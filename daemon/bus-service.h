/* The daemon's face on the session bus (model: logind-session-dbus.c beside
 * logind-session.c): it owns the connection, the vtables of the interfaces in dbus/ and
 * the ObjectManager, the bus name, the bound on a bus that stops taking messages, the
 * waiting BLOCK calls, and the signals. The engine tells it what changed; it calls the
 * engine back through OmBusServiceHandlers for what clients ask. docs/design.md, "The
 * bus face". */
#pragma once

#include <glib.h>
#include <systemd/sd-bus.h>

#include "network-snapshot.h"
#include "offline-object.h"

typedef struct OmBusService OmBusService;

typedef struct {
  /* What clients ask. Each saves the change before it applies it; on error nothing
   * changed and @error (OM_ERROR) says why. */
  gboolean (*set_requested)(OmObject *object, OmState requested, GError **error,
                            gpointer user_data);
  OmObject *(*add_account)(const char *id, const OmAccountSettings *settings, GError **error,
                           gpointer user_data);
  /* @settings: the account's with what the client gave over them; @given: which those
   * were. */
  gboolean (*update_account)(OmObject *account, const OmAccountSettings *settings,
                             const gboolean given[OM_N_SETTINGS], GError **error,
                             gpointer user_data);
  gboolean (*remove_account)(OmObject *account, GError **error, gpointer user_data);
  void (*reload)(gpointer user_data);
  /* The Account property Origin: "file", "goa", "eds". */
  const char *(*origin)(OmObject *account, gpointer user_data);
  /* The bus name is ours. */
  void (*name_acquired)(gpointer user_data);
  /* The service cannot go on: the name could not be had or was taken over (@status 1 or
   * 0), or the session bus is gone (1). */
  void (*stop)(int status, gpointer user_data);
} OmBusServiceHandlers;

/* Connects to the session bus and attaches it to the default main context. */
OmBusService *om_bus_service_new(const OmBusServiceHandlers *handlers, gpointer user_data,
                                 GError **error);
/* Closes the connection; a BLOCK call still waiting gets no answer (its caller sees the
 * connection's end). */
void om_bus_service_free(OmBusService *service);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(OmBusService, om_bus_service_free)

/* For the daemon's other session-bus peers (they must not block it either). */
sd_bus *om_bus_service_get_bus(OmBusService *service);

/* Exports the root object (@global and the Manager, reading @network), the accounts
 * added so far and the ObjectManager, then asks for the bus name (@replace: take it from
 * a running instance). Returns a negative errno on failure. */
int om_bus_service_start(OmBusService *service, OmObject *global,
                         const OmNetworkSnapshot *network, gboolean replace);

/* Accounts appear and go (InterfacesAdded/Removed once exported). A removed account's
 * waiting BLOCK call fails with NotFound. */
void om_bus_service_add_account(OmBusService *service, OmObject *account);
void om_bus_service_remove_account(OmBusService *service, OmObject *account);

/* What the objects and the network did. */
void om_bus_service_emit_phase(OmBusService *service, OmObject *object, OmNotifyType type,
                               OmState old_state, OmState new_state);
void om_bus_service_emit_properties(OmBusService *service, OmObject *object,
                                    OmObjectProps changed);
void om_bus_service_network_changed(OmBusService *service, OmNetworkFacts changed);
/* The phases and property changes above are kept until the end of the main loop's turn
 * and then sent as one StatesChanged followed by the objects' own signals (nothing else
 * overtakes them: anything sent or read sends them first). This sends them now, for the
 * engine's end of a network change, the path whose latency counts. */
void om_bus_service_send_changes(OmBusService *service);

/* A transition of @object ended: its waiting BLOCK call is answered with its state. */
void om_bus_service_transition_done(OmBusService *service, OmObject *object);

/* Calls @done once the bus has taken everything sent so far (a round trip to the bus
 * driver, answered only after it read what came before). */
void om_bus_service_when_sent(OmBusService *service, void (*done)(gpointer user_data),
                              gpointer user_data);

/* Sends what is queued, for a bounded time: at exit. */
void om_bus_service_flush(OmBusService *service);
