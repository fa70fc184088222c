'''NetworkManager mock template for offlinemgr's tests.

python-dbusmock's networkmanager template, plus what it lacks: the manager's Metered,
PrimaryConnection and ActivatingConnection properties, and active connections (VPN ones
with org.freedesktop.NetworkManager.VPN.Connection) made and changed the way
NetworkManager does, each change in one standard PropertiesChanged.

Parameters (besides the stock template's State, Connectivity, NetworkingEnabled):
Metered (u, default 4 GUESS_NO), PrimaryConnection (o, default '/').
'''

import dbus

import dbusmock
from dbusmock import MOCK_IFACE
# The stock template's methods and constants; AddTemplate picks up every D-Bus method
# of this module, these included.
from dbusmock.templates.networkmanager import *  # noqa: F401,F403 pylint: disable=wildcard-import,unused-wildcard-import
from dbusmock.templates.networkmanager import load as stock_load
from dbusmock.templates.networkmanager import (ACTIVE_CONNECTION_IFACE, MANAGER_IFACE,
                                               MANAGER_OBJ)

VPN_CONNECTION_IFACE = 'org.freedesktop.NetworkManager.VPN.Connection'
ACTIVE_PREFIX = '/org/freedesktop/NetworkManager/ActiveConnection/'

# NMVpnConnectionState for an NMActiveConnectionState.
VPN_STATE = {0: 0, 1: 3, 2: 5, 3: 7, 4: 7}

_next_active = [100]


def load(mock, parameters):
    # JSON and a{sv} parameters arrive as int32; NetworkManager's enums are uint32.
    parameters = dict(parameters)
    for name in ('State', 'Connectivity', 'Metered'):
        if name in parameters:
            parameters[name] = dbus.UInt32(parameters[name])
    if 'NetworkingEnabled' in parameters:
        parameters['NetworkingEnabled'] = dbus.Boolean(parameters['NetworkingEnabled'])
    stock_load(mock, parameters)
    manager = dbusmock.get_object(MANAGER_OBJ)
    manager.AddProperties(MANAGER_IFACE, {
        'Metered': dbus.UInt32(parameters.get('Metered', 4)),
        'PrimaryConnection': dbus.ObjectPath(parameters.get('PrimaryConnection', '/')),
        'ActivatingConnection': dbus.ObjectPath('/'),
    })


@dbus.service.method(MOCK_IFACE, in_signature='sssub', out_signature='o')
def AddActive(self, conn_id, uuid, conn_type, state, vpn):
    '''Adds an active connection and lists it in the manager's ActiveConnections.

    Returns its object path; NetworkManager never reuses one within an instance.'''
    path = ACTIVE_PREFIX + str(_next_active[0])
    _next_active[0] += 1
    self.AddObject(path, ACTIVE_CONNECTION_IFACE, {
        'Id': conn_id,
        'Uuid': uuid,
        'Type': conn_type,
        'State': dbus.UInt32(state),
        'StateFlags': dbus.UInt32(0),
        'Vpn': dbus.Boolean(vpn),
        'Default': dbus.Boolean(False),
        'Default6': dbus.Boolean(False),
        'Devices': dbus.Array([], signature='o'),
        'Connection': dbus.ObjectPath('/'),
        'SpecificObject': dbus.ObjectPath('/'),
        'Master': dbus.ObjectPath('/'),
        'Ip4Config': dbus.ObjectPath('/'),
        'Ip6Config': dbus.ObjectPath('/'),
    }, [])
    if vpn:
        dbusmock.get_object(path).AddProperties(VPN_CONNECTION_IFACE, {
            'VpnState': dbus.UInt32(VPN_STATE.get(int(state), 0)),
            'Banner': '',
        })
    self.object_manager_emit_added(path)
    manager = dbusmock.get_object(MANAGER_OBJ)
    paths = list(manager.Get(MANAGER_IFACE, 'ActiveConnections')) + [dbus.ObjectPath(path)]
    manager.UpdateProperties(MANAGER_IFACE, {
        'ActiveConnections': dbus.Array(paths, signature='o')})
    return path


@dbus.service.method(MOCK_IFACE, in_signature='ou', out_signature='')
def SetActiveState(_self, path, state):
    '''Changes an active connection's State, with the signals NetworkManager sends.'''
    obj = dbusmock.get_object(path)
    obj.UpdateProperties(ACTIVE_CONNECTION_IFACE, {'State': dbus.UInt32(state)})
    obj.EmitSignal(ACTIVE_CONNECTION_IFACE, 'StateChanged', 'uu', [dbus.UInt32(state),
                                                                    dbus.UInt32(0)])
    if obj.Get(ACTIVE_CONNECTION_IFACE, 'Vpn'):
        vpn_state = dbus.UInt32(VPN_STATE.get(int(state), 0))
        obj.UpdateProperties(VPN_CONNECTION_IFACE, {'VpnState': vpn_state})
        obj.EmitSignal(VPN_CONNECTION_IFACE, 'VpnStateChanged', 'uu', [vpn_state,
                                                                        dbus.UInt32(0)])


@dbus.service.method(MOCK_IFACE, in_signature='o', out_signature='')
def RemoveActive(self, path):
    '''Takes an active connection out of ActiveConnections, then removes its object.'''
    manager = dbusmock.get_object(MANAGER_OBJ)
    paths = [p for p in manager.Get(MANAGER_IFACE, 'ActiveConnections') if p != path]
    manager.UpdateProperties(MANAGER_IFACE, {
        'ActiveConnections': dbus.Array(paths, signature='o')})
    self.object_manager_emit_removed(path)
    self.RemoveObject(path)


@dbus.service.method(MOCK_IFACE, in_signature='a{sv}', out_signature='')
def SetManager(_self, properties):
    '''Changes manager properties in one standard PropertiesChanged, as NetworkManager
    does. (UpdateProperties of python-dbusmock 0.28 cannot send object paths.)'''
    manager = dbusmock.get_object(MANAGER_OBJ)
    for name, value in properties.items():
        if name not in manager.props[MANAGER_IFACE]:
            raise dbus.exceptions.DBusException('no property ' + name,
                                                name=MANAGER_IFACE + '.NoSuchProperty')
        manager._set_property(MANAGER_IFACE, name, value)  # pylint: disable=protected-access
    manager.EmitSignal(dbus.PROPERTIES_IFACE, 'PropertiesChanged', 'sa{sv}as',
                       [MANAGER_IFACE, properties, dbus.Array([], signature='s')])
