#include "nm-standin.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>

#define NM_NAME "org.freedesktop.NetworkManager"
#define NM_PATH "/org/freedesktop/NetworkManager"
#define NM_IFACE "org.freedesktop.NetworkManager"
#define AC_PATH NM_PATH "/ActiveConnection/1"
#define AC_IFACE "org.freedesktop.NetworkManager.Connection.Active"
#define SETTINGS_CONNECTION_PATH NM_PATH "/Settings/1"

enum {
  STATE_DISCONNECTED = 20,
  STATE_CONNECTED_GLOBAL = 70,
  CONNECTIVITY_NONE = 1,
  CONNECTIVITY_FULL = 4,
  METERED_GUESS_YES = 3,
  METERED_GUESS_NO = 4,
  AC_STATE_ACTIVATED = 2,
};

struct NmStandin {
  sd_bus *bus;
  sd_bus_slot *slots[4];

  /* org.freedesktop.NetworkManager; the default getters read these by offset. */
  uint32_t state;
  uint32_t connectivity;
  uint32_t metered;
  int networking_enabled;
  int wireless_enabled;
  int startup;
  int connectivity_check_enabled;
  const char *primary_connection;
  const char *primary_connection_type;
  const char *activating_connection;
  const char *version;

  /* The one active connection. */
  const char *ac_connection;
  const char *ac_specific_object;
  const char *ac_id;
  const char *ac_uuid;
  const char *ac_type;
  uint32_t ac_state;
  uint32_t ac_state_flags;
  int ac_default;
  int ac_default6;
  int ac_vpn;
  const char *ac_ip4_config;
  const char *ac_ip6_config;
  const char *ac_master;
};

static int
get_active_connections(sd_bus *bus, const char *path, const char *interface,
                       const char *property, sd_bus_message *reply, void *userdata,
                       sd_bus_error *ret_error)
{
  return sd_bus_message_append(reply, "ao", 1, AC_PATH);
}

static int
get_empty_ao(sd_bus *bus, const char *path, const char *interface, const char *property,
             sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
  return sd_bus_message_append(reply, "ao", 0);
}

static int
get_empty_au(sd_bus *bus, const char *path, const char *interface, const char *property,
             sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
  return sd_bus_message_append(reply, "au", 0);
}

static int
method_state(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
  NmStandin *nm = userdata;

  return sd_bus_reply_method_return(m, "u", nm->state);
}

static int
method_check_connectivity(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
  NmStandin *nm = userdata;

  return sd_bus_reply_method_return(m, "u", nm->connectivity);
}

#define P(name, sig, field, flags) \
  SD_BUS_PROPERTY(name, sig, NULL, offsetof(NmStandin, field), flags)
#define CHANGES SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE

static const sd_bus_vtable manager_vtable[] = {
  SD_BUS_VTABLE_START(0),
  SD_BUS_METHOD("state", "", "u", method_state, SD_BUS_VTABLE_UNPRIVILEGED),
  SD_BUS_METHOD("CheckConnectivity", "", "u", method_check_connectivity,
                SD_BUS_VTABLE_UNPRIVILEGED),
  SD_BUS_PROPERTY("Devices", "ao", get_empty_ao, 0, CHANGES),
  SD_BUS_PROPERTY("AllDevices", "ao", get_empty_ao, 0, CHANGES),
  SD_BUS_PROPERTY("Checkpoints", "ao", get_empty_ao, 0, CHANGES),
  P("NetworkingEnabled", "b", networking_enabled, CHANGES),
  P("WirelessEnabled", "b", wireless_enabled, CHANGES),
  P("WirelessHardwareEnabled", "b", wireless_enabled, CHANGES),
  P("WwanEnabled", "b", wireless_enabled, CHANGES),
  P("WwanHardwareEnabled", "b", wireless_enabled, CHANGES),
  SD_BUS_PROPERTY("ActiveConnections", "ao", get_active_connections, 0, CHANGES),
  P("PrimaryConnection", "o", primary_connection, CHANGES),
  P("PrimaryConnectionType", "s", primary_connection_type, CHANGES),
  P("Metered", "u", metered, CHANGES),
  P("ActivatingConnection", "o", activating_connection, CHANGES),
  P("Startup", "b", startup, CHANGES),
  P("Version", "s", version, SD_BUS_VTABLE_PROPERTY_CONST),
  SD_BUS_PROPERTY("Capabilities", "au", get_empty_au, 0, CHANGES),
  P("State", "u", state, CHANGES),
  P("Connectivity", "u", connectivity, CHANGES),
  P("ConnectivityCheckAvailable", "b", connectivity_check_enabled, CHANGES),
  P("ConnectivityCheckEnabled", "b", connectivity_check_enabled, CHANGES),
  SD_BUS_SIGNAL("StateChanged", "u", 0),
  SD_BUS_SIGNAL("DeviceAdded", "o", 0),
  SD_BUS_SIGNAL("DeviceRemoved", "o", 0),
  SD_BUS_VTABLE_END,
};

static const sd_bus_vtable active_connection_vtable[] = {
  SD_BUS_VTABLE_START(0),
  P("Connection", "o", ac_connection, CHANGES),
  P("SpecificObject", "o", ac_specific_object, CHANGES),
  P("Id", "s", ac_id, CHANGES),
  P("Uuid", "s", ac_uuid, CHANGES),
  P("Type", "s", ac_type, CHANGES),
  SD_BUS_PROPERTY("Devices", "ao", get_empty_ao, 0, CHANGES),
  P("State", "u", ac_state, CHANGES),
  P("StateFlags", "u", ac_state_flags, CHANGES),
  P("Default", "b", ac_default, CHANGES),
  P("Ip4Config", "o", ac_ip4_config, CHANGES),
  P("Dhcp4Config", "o", ac_ip4_config, CHANGES),
  P("Default6", "b", ac_default6, CHANGES),
  P("Ip6Config", "o", ac_ip6_config, CHANGES),
  P("Dhcp6Config", "o", ac_ip6_config, CHANGES),
  P("Vpn", "b", ac_vpn, CHANGES),
  P("Master", "o", ac_master, CHANGES),
  SD_BUS_SIGNAL("StateChanged", "uu", 0),
  SD_BUS_VTABLE_END,
};

int
nm_standin_new(sd_bus *bus, NmStandin **ret)
{
  NmStandin *nm = calloc(1, sizeof(*nm));
  int r;

  if (nm == NULL)
    return -ENOMEM;
  nm->bus = sd_bus_ref(bus);
  nm->state = STATE_CONNECTED_GLOBAL;
  nm->connectivity = CONNECTIVITY_FULL;
  nm->metered = METERED_GUESS_NO;
  nm->networking_enabled = 1;
  nm->wireless_enabled = 1;
  nm->connectivity_check_enabled = 1;
  nm->primary_connection = AC_PATH;
  nm->primary_connection_type = "802-3-ethernet";
  nm->activating_connection = "/";
  nm->version = "1.42.4";
  nm->ac_connection = SETTINGS_CONNECTION_PATH;
  nm->ac_specific_object = "/";
  nm->ac_id = "Wired connection 1";
  nm->ac_uuid = "0f5a5a3c-1f6e-4c2b-9a0e-6c1f0b8d2e41";
  nm->ac_type = "802-3-ethernet";
  nm->ac_state = AC_STATE_ACTIVATED;
  nm->ac_default = 1;
  nm->ac_ip4_config = "/";
  nm->ac_ip6_config = "/";
  nm->ac_master = "/";

  /* Objects first, then the name. */
  if ((r = sd_bus_add_object_vtable(bus, &nm->slots[0], NM_PATH, NM_IFACE, manager_vtable,
                                    nm)) < 0 ||
      (r = sd_bus_add_object_vtable(bus, &nm->slots[1], AC_PATH, AC_IFACE,
                                    active_connection_vtable, nm)) < 0 ||
      (r = sd_bus_add_object_manager(bus, &nm->slots[2], "/org/freedesktop")) < 0 ||
      (r = sd_bus_request_name(bus, NM_NAME, 0)) < 0) {
    nm_standin_free(nm);
    return r;
  }
  *ret = nm;
  return 0;
}

NmStandin *
nm_standin_free(NmStandin *nm)
{
  if (nm == NULL)
    return NULL;
  for (size_t i = 0; i < sizeof(nm->slots) / sizeof(nm->slots[0]); i++)
    sd_bus_slot_unref(nm->slots[i]);
  sd_bus_unref(nm->bus);
  free(nm);
  return NULL;
}

int
nm_standin_set_online(NmStandin *nm, bool online)
{
  nm->state = online ? STATE_CONNECTED_GLOBAL : STATE_DISCONNECTED;
  nm->connectivity = online ? CONNECTIVITY_FULL : CONNECTIVITY_NONE;
  return sd_bus_emit_properties_changed(nm->bus, NM_PATH, NM_IFACE, "State", "Connectivity",
                                        NULL);
}

bool
nm_standin_get_online(const NmStandin *nm)
{
  return nm->state == STATE_CONNECTED_GLOBAL;
}

int
nm_standin_toggle_metered(NmStandin *nm)
{
  nm->metered = nm->metered == METERED_GUESS_NO ? METERED_GUESS_YES : METERED_GUESS_NO;
  return sd_bus_emit_properties_changed(nm->bus, NM_PATH, NM_IFACE, "Metered", NULL);
}

int
bench_bus_open(const char *address, sd_bus **ret)
{
  sd_bus *bus = NULL;
  int r;

  if ((r = sd_bus_new(&bus)) < 0)
    return r;
  if ((r = sd_bus_set_address(bus, address)) < 0 || (r = sd_bus_set_bus_client(bus, 1)) < 0 ||
      (r = sd_bus_start(bus)) < 0) {
    sd_bus_unref(bus);
    return r;
  }
  *ret = bus;
  return 0;
}
