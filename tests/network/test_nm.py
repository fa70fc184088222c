#!/usr/bin/env python3
"""Following NetworkManager on the system bus: properties, active connections, the
standard PropertiesChanged only, NetworkManager leaving and returning, half-started and
hung peers, and never starting it."""

import os
import subprocess

import dbus

from nettest import (AC_ACTIVATED, AC_ACTIVATING, MOCK_IFACE, NM_CONNECTIVITY_FULL,
                     NM_CONNECTIVITY_NONE, NM_CONNECTIVITY_PORTAL, NM_IFACE, NM_MAIN,
                     NM_METERED_GUESS_NO, NM_METERED_GUESS_YES, NM_METERED_YES, NM_NAME,
                     NM_PATH, NM_STATE_CONNECTED_GLOBAL, NM_STATE_CONNECTED_SITE,
                     NM_STATE_DISCONNECTED, NetworkTestCase, kernel_has_default_route)
from omtest import IFACE_MANAGER, ROOT_PATH, TIMEOUT_SCALE, account_path, main


class NetworkManagerTest(NetworkTestCase):
    def test_properties_come_from_networkmanager(self):
        self.start_nm(State=NM_STATE_CONNECTED_GLOBAL, Connectivity=NM_CONNECTIVITY_FULL,
                      Metered=NM_METERED_GUESS_YES)
        self.nm_add_active('Wired connection 1')
        self.nm_add_active('office-vpn', conn_type='vpn', vpn=True, state=AC_ACTIVATING)
        self.start_daemon()
        self.assertEqual(self.get_all(ROOT_PATH, IFACE_MANAGER), {
            'Version': self.manager('Version'),
            'NetworkBackend': 'networkmanager',
            'NetworkState': NM_STATE_CONNECTED_GLOBAL,
            'Connectivity': NM_CONNECTIVITY_FULL,
            'Metered': True,
            # Only activated connections are listed.
            'ActiveConnections': ['Wired connection 1'],
        })
        self.assertEqual(self.state(), 2)

    def test_active_connections_follow_networkmanager(self):
        self.start_nm()
        self.start_daemon()
        self.assertEqual(self.manager('ActiveConnections'), [])
        vpn = self.nm_add_active('office-vpn', conn_type='vpn', vpn=True, state=AC_ACTIVATING)
        wired = self.nm_add_active('Wired')
        self.wait_manager('ActiveConnections', ['Wired'])
        self.nm_set_active_state(vpn, AC_ACTIVATED)
        self.wait_manager('ActiveConnections', ['Wired', 'office-vpn'])
        self.nm_remove_active(wired)
        self.wait_manager('ActiveConnections', ['office-vpn'])
        self.nm_remove_active(vpn)
        self.wait_manager('ActiveConnections', [])

    def test_manager_properties_batched_per_change(self):
        self.start_nm(State=NM_STATE_CONNECTED_GLOBAL, Connectivity=NM_CONNECTIVITY_FULL,
                      Metered=NM_METERED_GUESS_NO)
        self.start_daemon()
        self.recorder.clear()
        # One PropertiesChanged from NetworkManager with three properties...
        self.nm_set(State=NM_STATE_CONNECTED_SITE, Connectivity=NM_CONNECTIVITY_PORTAL,
                    Metered=NM_METERED_YES)
        self.wait_manager('NetworkState', NM_STATE_CONNECTED_SITE)
        self.sync()
        # ... is one PropertiesChanged of the Manager, with all three.
        self.assertEqual(self.manager_changes(), [{
            'NetworkState': NM_STATE_CONNECTED_SITE,
            'Connectivity': NM_CONNECTIVITY_PORTAL,
            'Metered': True,
        }])
        # A change the Manager does not show (GUESS_YES is metered as YES was) emits nothing.
        self.recorder.clear()
        self.nm_set(Metered=NM_METERED_GUESS_YES, State=NM_STATE_CONNECTED_GLOBAL)
        self.wait_manager('NetworkState', NM_STATE_CONNECTED_GLOBAL)
        self.sync()
        self.assertEqual(self.manager_changes(), [{'NetworkState': NM_STATE_CONNECTED_GLOBAL}])

    def test_legacy_properties_changed_is_ignored(self):
        self.start_nm(State=NM_STATE_CONNECTED_GLOBAL)
        self.start_daemon()
        self.recorder.clear()
        # NetworkManager's own PropertiesChanged (gone since 1.32), alone: no effect.
        self.system_object(NM_PATH).EmitSignal(
            NM_IFACE, 'PropertiesChanged', 'a{sv}',
            [dbus.Dictionary({'State': dbus.UInt32(NM_STATE_DISCONNECTED)}, signature='sv')],
            dbus_interface=MOCK_IFACE)
        # The template's SetGlobalConnectionState sends both kinds; the standard one counts.
        self.system_object(NM_MAIN).SetConnectivity(dbus.UInt32(NM_CONNECTIVITY_NONE),
                                                    dbus_interface=MOCK_IFACE)
        self.wait_manager('Connectivity', NM_CONNECTIVITY_NONE)
        self.sync()
        self.assertEqual(self.manager('NetworkState'), NM_STATE_CONNECTED_GLOBAL)
        self.assertEqual(self.manager_changes(), [{'Connectivity': NM_CONNECTIVITY_NONE}])

    def test_signals_from_others_are_ignored(self):
        self.start_nm(State=NM_STATE_CONNECTED_GLOBAL)
        self.start_daemon()
        # Another peer sends what looks like NetworkManager's signal, from its own name.
        impostor = dbus.bus.BusConnection(os.environ['DBUS_SYSTEM_BUS_ADDRESS'])
        msg = dbus.lowlevel.SignalMessage(NM_PATH, 'org.freedesktop.DBus.Properties',
                                          'PropertiesChanged')
        msg.append(NM_IFACE, dbus.Dictionary({'State': dbus.UInt32(NM_STATE_DISCONNECTED)},
                                             signature='sv'), dbus.Array([], signature='s'),
                   signature='sa{sv}as')
        impostor.send_message(msg)
        impostor.flush()
        # Something real afterwards, to know the daemon has seen everything before it.
        self.nm_set(Connectivity=NM_CONNECTIVITY_PORTAL)
        self.wait_manager('Connectivity', NM_CONNECTIVITY_PORTAL)
        self.assertEqual(self.manager('NetworkState'), NM_STATE_CONNECTED_GLOBAL)
        impostor.close()

    def test_networkmanager_not_installed(self):
        self.start_daemon()
        self.assertEqual(self.manager('NetworkBackend'), 'netlink')
        routed = kernel_has_default_route()
        self.assertEqual(self.manager('NetworkState'), 70 if routed else 20)
        self.assertEqual(self.manager('Connectivity'), 0)
        self.assertEqual(self.manager('ActiveConnections'), [])
        self.assertEqual(self.reason(), '' if routed else 'no-network')
        self.assertNotIn('WARNING', self.daemon_log())
        self.assertNotIn('CRITICAL', self.daemon_log())

    def test_networkmanager_leaves_and_returns(self):
        self.start_nm(State=NM_STATE_CONNECTED_GLOBAL)
        self.nm_add_active('office-vpn', uuid='uuid-vpn', conn_type='vpn', vpn=True)
        self.start_daemon()
        self.add_account('work', {'RequireConnections': dbus.Array(['uuid-vpn'],
                                                                    signature='s')})
        work = account_path('work')
        self.assertEqual(self.reason(work), '')

        self.recorder.clear()
        self.stop_nm()
        self.wait_manager('NetworkBackend', 'netlink')
        self.assertEqual(self.manager('ActiveConnections'), [])
        # The fallback cannot see connections.
        self.wait_reason(work, 'connection-inactive')
        self.assertEqual(self.manager_changes()[0]['NetworkBackend'], 'netlink')

        # A new instance: its first active connection gets the path that office-vpn had.
        self.start_nm(State=NM_STATE_CONNECTED_GLOBAL)
        self.nm_add_active('Wired', uuid='uuid-wired')
        vpn = self.nm_add_active('office-vpn', uuid='uuid-vpn', conn_type='vpn', vpn=True)
        self.wait_manager('NetworkBackend', 'networkmanager')
        self.wait_manager('ActiveConnections', ['Wired', 'office-vpn'])
        self.wait_reason(work, '')
        self.nm_remove_active(vpn)
        self.wait_manager('ActiveConnections', ['Wired'])
        self.wait_reason(work, 'connection-inactive')
        self.assertIsNone(self.daemon.poll())

    def test_half_started_networkmanager_is_asked_again(self):
        # The name comes before the objects: the first calls fail.
        self.start_standin('networkmanager', {'State': NM_STATE_DISCONNECTED},
                           name_first_ms=int(400 * TIMEOUT_SCALE))
        self.start_daemon()
        self.wait_manager('NetworkBackend', 'networkmanager')
        self.assertEqual(self.manager('NetworkState'), NM_STATE_DISCONNECTED)
        self.assertIn('does not answer yet', self.daemon_log())

    def test_hung_networkmanager_does_not_hold_up_start(self):
        self.start_standin('networkmanager', hang=True)
        # start_daemon waits (boundedly) for READY=1.
        self.start_daemon()
        self.assertEqual(self.manager('NetworkBackend'), 'netlink')
        self.assertIn('has not answered', self.daemon_log())

    def test_networkmanager_is_never_started(self):
        # NetworkManager is activatable on this bus: anything sent to its name with
        # auto-start would run the service, which leaves a mark.
        mark = os.path.join(self.tmp, 'activated')
        service = os.path.join(self.get_services_dir(system_bus=True), NM_NAME + '.service')
        with open(service, 'w') as f:
            f.write('[D-BUS Service]\nName=%s\nExec=/usr/bin/touch %s\nUser=root\n' %
                    (NM_NAME, mark))
        self.addCleanup(os.unlink, service)
        self.system.get_object('org.freedesktop.DBus', '/org/freedesktop/DBus').ReloadConfig(
            dbus_interface='org.freedesktop.DBus')

        self.start_daemon()
        self.sync()
        self.assertEqual(self.manager('NetworkBackend'), 'netlink')
        # Anything the daemon sent is processed by the bus before this answer.
        self.system.list_names()
        self.assertFalse(os.path.exists(mark))

        # The service really is activatable: asking for it starts it.
        self.system.call_async('org.freedesktop.DBus', '/org/freedesktop/DBus',
                               'org.freedesktop.DBus', 'StartServiceByName', 'su',
                               (NM_NAME, 0), None, None)
        self.wait_until(lambda: os.path.exists(mark), 5, 'the activation mark')

    def test_stock_dbusmock_template(self):
        """python-dbusmock's own template: it owns the name before its objects exist, and
        lacks Metered and PrimaryConnection."""
        self.start_daemon()
        proc, mock = self.spawn_server_template('networkmanager', {}, system_bus=True,
                                                stdout=subprocess.DEVNULL)
        self.addCleanup(proc.wait)
        self.addCleanup(proc.terminate)
        self.wait_manager('NetworkBackend', 'networkmanager')
        self.assertEqual(self.manager('NetworkState'), NM_STATE_CONNECTED_GLOBAL)
        self.assertEqual(self.manager('Connectivity'), NM_CONNECTIVITY_FULL)
        self.assertFalse(self.manager('Metered'))
        self.assertEqual(self.reason(), '')

        # A VPN made with the template's own helpers.
        device = mock.AddEthernetDevice('eth0', 'eth0', 100, dbus_interface=MOCK_IFACE)
        settings = self.system_object('/org/freedesktop/NetworkManager/Settings')
        conn = settings.AddConnection(
            dbus.Dictionary({'connection': dbus.Dictionary(
                {'id': 'corp', 'type': 'vpn', 'uuid': 'c0ffee00-0000-4000-8000-000000000001'},
                signature='sv')}, signature='sa{sv}'),
            dbus_interface='org.freedesktop.NetworkManager.Settings')
        mock.AddActiveConnection([device], conn, '/', 'corp', dbus.UInt32(AC_ACTIVATED),
                                 dbus_interface=MOCK_IFACE)
        self.wait_manager('ActiveConnections', ['corp'])
        self.add_account('work', {'RequireConnections': dbus.Array(
            ['c0ffee00-0000-4000-8000-000000000001'], signature='s')})
        self.assertEqual(self.reason(account_path('work')), '')


if __name__ == '__main__':
    main()
