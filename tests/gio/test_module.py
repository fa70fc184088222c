#!/usr/bin/env python3
"""The GIO module in real GIO applications (C and PyGObject, side by side): chosen by
GIO_USE_NETWORK_MONITOR, network-available from the global object, can_reach from the
accounts without a name lookup, metered and connectivity from NetworkManager through the
daemon, the daemon leaving and coming back, and GIO's fallback when there is no daemon."""

import os
import signal

import dbus

from giotest import (FULL, G_IO_ERROR, G_IO_ERROR_NETWORK_UNREACHABLE, G_RESOLVER_ERROR,
                     LOCAL, MODULE_TYPE, NM_TYPE, OFFLINE, ONLINE, PORTAL, GioTestCase)
from nettest import (AC_ACTIVATED, NM_CONNECTIVITY_FULL, NM_CONNECTIVITY_PORTAL,
                     NM_METERED_GUESS_NO, NM_METERED_YES, NM_STATE_CONNECTED_GLOBAL,
                     NM_STATE_DISCONNECTED)
from omtest import (BUS_NAME, OFFLINEMGRD, ROOT_PATH, SOURCE_ROOT, account_path, main)

WORK_HOST, WORK_PORT = 'imap.work.invalid', 993
HOME_HOST, HOME_PORT = 'mail.home.invalid', 993


class ModuleTest(GioTestCase):
    def start(self, **nm):
        """NetworkManager online, the daemon with 'home' (ONLINE) and 'work' (needs the
        office VPN, which is down: OFFLINE, connection-inactive), then the applications."""
        params = dict(State=NM_STATE_CONNECTED_GLOBAL, Connectivity=NM_CONNECTIVITY_FULL,
                      Metered=NM_METERED_GUESS_NO)
        params.update(nm)
        self.start_nm(**params)
        self.write_account('home', '[Account]\nHost=%s\nPort=%d\n' % (HOME_HOST, HOME_PORT))
        self.write_account('work', '[Account]\nHost=%s\nPort=%d\nRequireConnections=office-vpn\n'
                           % (WORK_HOST, WORK_PORT))
        self.start_daemon()
        self.wait_reason(account_path('work'), 'connection-inactive')
        self.wait_reason(account_path('home'), '')
        return self.start_apps()

    def test_module_is_chosen(self):
        for app in self.start():
            self.assertEqual(app.type, MODULE_TYPE, app)
            self.assertEqual(app.initial, (1, 0, FULL), app)

    def test_network_available_follows_the_global_object(self):
        apps = self.start()
        self.set_global(OFFLINE)
        for app in apps:
            app.wait_events(['notify network-available 0', 'changed 0'])
            self.assertEqual(app.props(), (0, 0, LOCAL), app)
            app.clear_events()
        self.set_global(ONLINE)
        for app in apps:
            app.wait_events(['notify network-available 1', 'changed 1'])
            self.assertEqual(app.props(), (1, 0, FULL), app)
            app.clear_events()
        # NetworkManager takes the network away: the global object, and the applications,
        # follow (no-network).
        self.nm_set(State=NM_STATE_DISCONNECTED, Connectivity=1)
        self.wait_reason(ROOT_PATH, 'no-network')
        for app in apps:
            app.wait_events(['notify network-available 0', 'changed 0'])
        self.nm_set(State=NM_STATE_CONNECTED_GLOBAL, Connectivity=NM_CONNECTIVITY_FULL)
        for app in apps:
            app.wait_events(['notify network-available 1', 'changed 1'])

    def test_can_reach_an_online_account_without_a_lookup(self):
        for app in self.start():
            # The host cannot be resolved (.invalid, and no resolver): only the account
            # can say it is reachable.
            self.assertEqual(app.reach(HOME_HOST, HOME_PORT), (True,), app)
            self.assertEqual(app.reach(HOME_HOST.upper() + '.', HOME_PORT), (True,), app)
            self.assertEqual(app.reach(HOME_HOST, 0), (True,), app)
            self.assertEqual(app.reach(HOME_HOST, HOME_PORT, 'reach-thread'), (True,), app)
            self.assertEqual(app.lookups(), 0, '%s looked a name up' % app)
            # Another port of the same host is not the account's: GLib's base answer,
            # which asks the resolver.
            result = app.reach(HOME_HOST, 143)
            self.assertEqual(result[:2], (False, G_RESOLVER_ERROR), app)
            self.assertIn('no resolver in this test', result[3])
            self.assertEqual(app.lookups(), 1, app)

    def test_can_reach_an_offline_account_fails_with_its_reason(self):
        apps = self.start()
        for app in apps:
            self.assertEqual(app.reach(WORK_HOST, WORK_PORT), (
                False, G_IO_ERROR, G_IO_ERROR_NETWORK_UNREACHABLE,
                'work is offline: connection-inactive'), app)
            self.assertEqual(app.lookups(), 0, app)
            app.clear_events()
        # The VPN comes up: the account goes ONLINE, the applications hear it.
        self.nm_add_active('office-vpn', conn_type='vpn', vpn=True, state=AC_ACTIVATED)
        self.wait_reason(account_path('work'), '')
        for app in apps:
            app.wait_events(['changed 1'])
            self.assertEqual(app.reach(WORK_HOST, WORK_PORT), (True,), app)
        # The user takes the account offline.
        for app in apps:
            app.clear_events()
        self.set_state(account_path('work'), OFFLINE)
        for app in apps:
            app.wait_events(['changed 1'])
            self.assertEqual(app.reach(WORK_HOST, WORK_PORT), (
                False, G_IO_ERROR, G_IO_ERROR_NETWORK_UNREACHABLE,
                'work is offline: user-offline'), app)
            # network-changed for an account changes nothing else.
            self.assertEqual(app.props(), (1, 0, FULL), app)

    def test_can_reach_async(self):
        for app in self.start():
            self.assertEqual(app.reach(HOME_HOST, HOME_PORT, 'reach-async'), (True,), app)
            self.assertEqual(app.reach(WORK_HOST, WORK_PORT, 'reach-async'), (
                False, G_IO_ERROR, G_IO_ERROR_NETWORK_UNREACHABLE,
                'work is offline: connection-inactive'), app)
            self.assertEqual(app.lookups(), 0, app)
            # Any other host: GLib's base monitor's answer, asynchronously too.
            result = app.reach('other.invalid', 80, 'reach-async')
            self.assertEqual(result[:2], (False, G_RESOLVER_ERROR), app)
            self.assertGreater(app.lookups(), 0, app)

    def test_other_hosts_fail_while_the_global_object_is_offline(self):
        apps = self.start()
        self.set_global(OFFLINE)
        for app in apps:
            app.wait_events(['changed 0'])
            for how in ('reach', 'reach-async'):
                self.assertEqual(app.reach('other.invalid', 80, how), (
                    False, G_IO_ERROR, G_IO_ERROR_NETWORK_UNREACHABLE,
                    'the network is offline: user-offline'), app)
            # Every account is offline with it, and says why.
            self.assertEqual(app.reach(HOME_HOST, HOME_PORT)[3],
                             'home is offline: global-offline')
            self.assertEqual(app.lookups(), 0, app)

    def test_accounts_added_changed_and_removed(self):
        apps = self.start()
        for app in apps:
            app.clear_events()
        self.add_account('lab', {'Host': 'LAB.example.invalid', 'Port': dbus.UInt32(143)})
        self.wait_reason(account_path('lab'), '')
        for app in apps:
            app.wait_events(['changed 1'])
            self.assertEqual(app.reach('lab.example.invalid', 143), (True,), app)
            app.clear_events()
        self.update_account('lab', {'Host': '192.0.2.7', 'Port': dbus.UInt32(0)})
        for app in apps:
            app.wait_events(['changed 1'])
            self.assertEqual(app.reach('192.0.2.7', 25), (True,), app)
            app.clear_events()
        self.remove_account('lab')
        for app in apps:
            app.wait_events(['changed 1'])
            # No account's any more: the base monitor's answer for an address (no lookup
            # for an IP address; the base monitor assumes every route).
            self.assertEqual(app.reach('192.0.2.7', 25), (True,), app)
            self.assertEqual(app.reach('lab.example.invalid', 143)[1], G_RESOLVER_ERROR)

    def test_metered_and_connectivity_follow_networkmanager(self):
        apps = self.start()
        self.nm_set(Metered=NM_METERED_YES)
        for app in apps:
            app.wait_events(['notify network-metered 1', 'changed 1'])
            self.assertEqual(app.props(), (1, 1, FULL), app)
            app.clear_events()
        self.nm_set(Connectivity=NM_CONNECTIVITY_PORTAL)
        for app in apps:
            app.wait_events(['notify connectivity %d' % PORTAL, 'changed 1'])
            self.assertEqual(app.props(), (1, 1, PORTAL), app)
            app.clear_events()
        self.nm_set(Metered=NM_METERED_GUESS_NO, Connectivity=NM_CONNECTIVITY_FULL)
        for app in apps:
            app.wait_events(['notify network-metered 0', 'notify connectivity %d' % FULL])
            self.assertEqual(app.props(), (1, 0, FULL), app)

    def test_daemon_killed_and_restarted(self):
        apps = self.start()
        self.set_global(OFFLINE)
        for app in apps:
            app.wait_events(['changed 0'])
            app.clear_events()
        self.stop_daemon(signal.SIGKILL, expect=None)
        for app in apps:
            # Answers as GLib's base monitor would, and says so once.
            app.wait_events(['notify network-available 1', 'changed 1'])
            self.assertEqual(app.props(), (1, 0, FULL), app)
            self.assertEqual(app.reach(WORK_HOST, WORK_PORT)[1], G_RESOLVER_ERROR, app)
            self.assertEqual(app.stderr().count('offlinemgrd left the session bus'), 1,
                             app.stderr())
            app.clear_events()
        # Back, with the user's offline mode kept: the applications follow it again.
        self.start_daemon()
        for app in apps:
            app.wait_events(['notify network-available 0', 'changed 0'])
            self.assertEqual(app.reach(WORK_HOST, WORK_PORT)[3],
                             'work is offline: global-offline', app)
            app.clear_events()
        self.set_global(ONLINE)
        self.wait_reason(account_path('home'), '')
        for app in apps:
            app.wait_events(['notify network-available 1', 'changed 1'])
            app.wait(lambda: app.reach(HOME_HOST, HOME_PORT) == (True,), 10,
                     'the home account to be reachable')
            self.assertEqual(app.stderr().count('offlinemgrd left the session bus'), 1)

    def test_no_daemon_falls_back_to_the_next_monitor(self):
        self.start_nm(State=NM_STATE_CONNECTED_GLOBAL, Connectivity=NM_CONNECTIVITY_FULL)
        # Not running, and the bus cannot activate it.
        self.assertFalse(self.name_has_owner())
        for app in self.start_apps():
            self.assertEqual(app.type, NM_TYPE, app)

    def test_initialisation_activates_the_daemon(self):
        self.start_nm(State=NM_STATE_CONNECTED_GLOBAL, Connectivity=NM_CONNECTIVITY_FULL)
        self.write_config('[Policy]\nOfflineDelayMs=0\nOnlineDelayMs=0\n')
        self.write_account('home', '[Account]\nHost=%s\nPort=%d\n' % (HOME_HOST, HOME_PORT))
        self.install_activation_file()
        self.assertFalse(self.name_has_owner())
        apps = self.start_apps()
        self.assertTrue(self.name_has_owner())
        for app in apps:
            self.assertEqual(app.type, MODULE_TYPE, app)
            self.assertEqual(app.reach(HOME_HOST, HOME_PORT), (True,), app)

    def install_activation_file(self):
        """The activation file, as installed, but with Exec= the build tree's daemon and
        this test's directories in its environment."""
        with open(os.path.join(SOURCE_ROOT, 'dbus', BUS_NAME + '.service.in')) as f:
            text = f.read().replace('@bindir@/offlinemgrd', OFFLINEMGRD)
        path = os.path.join(self.get_services_dir(), BUS_NAME + '.service')
        with open(path, 'w') as f:
            f.write(text)
        self.addCleanup(os.unlink, path)
        driver = dbus.Interface(self.session.get_object('org.freedesktop.DBus',
                                                        '/org/freedesktop/DBus'),
                                'org.freedesktop.DBus')
        driver.ReloadConfig()
        env = self.activation_env()
        driver.UpdateActivationEnvironment(dbus.Dictionary(
            {k: env[k] for k in ('XDG_CONFIG_HOME', 'XDG_STATE_HOME', 'G_DEBUG',
                                 'DBUS_SYSTEM_BUS_ADDRESS')}, signature='ss'))
        self.addCleanup(self.kill_activated)

    def activation_env(self):
        return {'XDG_CONFIG_HOME': os.path.join(self.tmp, 'config'),
                'XDG_STATE_HOME': os.path.join(self.tmp, 'state'),
                'G_DEBUG': 'fatal-criticals',
                'DBUS_SYSTEM_BUS_ADDRESS': os.environ['DBUS_SYSTEM_BUS_ADDRESS']}

    def kill_activated(self):
        if not self.name_has_owner():
            return
        driver = dbus.Interface(self.session.get_object('org.freedesktop.DBus',
                                                        '/org/freedesktop/DBus'),
                                'org.freedesktop.DBus')
        pid = int(driver.GetConnectionUnixProcessID(driver.GetNameOwner(BUS_NAME)))
        os.kill(pid, signal.SIGTERM)
        self.wait_until(lambda: not self.name_has_owner(), 10, 'the activated daemon to exit')


if __name__ == '__main__':
    main()
