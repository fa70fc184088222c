#!/usr/bin/env python3
"""Limits against careless and hostile clients: each is a named error that changes
nothing, and the daemon keeps serving."""

import os

import dbus
from gi.repository import Gio, GLib

from omtest import (BUS_NAME, IFACE_ACCOUNT, IFACE_MANAGER, ROOT_PATH, DaemonTestCase,
                    account_path, main)
import hostile


class LimitsTest(DaemonTestCase):
    def setUp(self):
        super().setUp()
        self.start_daemon()

    def assert_nothing_added(self):
        self.assertEqual(os.listdir(self.accounts_dir), [])
        self.assertEqual(self.call(ROOT_PATH, 'org.freedesktop.DBus.ObjectManager',
                                   'GetManagedObjects'), {})

    def test_account_id_length(self):
        longest = 'a' * hostile.ACCOUNT_ID_MAX
        message = self.assert_error('InvalidArgs', ROOT_PATH, IFACE_MANAGER, 'AddAccount',
                                    longest + 'a', dbus.Dictionary({}, signature='sv'))
        self.assertIn('1-%d characters' % hostile.ACCOUNT_ID_MAX, message)
        self.assert_nothing_added()
        self.assertEqual(self.add_account(longest), account_path(longest))
        self.assertEqual(self.get(account_path(longest), IFACE_ACCOUNT, 'Id'), longest)
        # A huge id is refused the same way; the message quotes only its start.
        message = self.assert_error('InvalidArgs', ROOT_PATH, IFACE_MANAGER, 'GetAccount',
                                    'x' * 100000)
        self.assertLess(len(message), 300)

    def test_display_name_length(self):
        self.add_account('work')
        # The limit counts bytes of UTF-8: 128 two-byte characters fit, 129 do not.
        fits = 'é' * (hostile.DISPLAY_NAME_MAX // 2)
        message = self.assert_error('LimitExceeded', ROOT_PATH, IFACE_MANAGER, 'UpdateAccount',
                                    'work', dbus.Dictionary({'DisplayName': fits + 'é'},
                                                            signature='sv'))
        self.assertIn('DisplayName', message)
        self.assertEqual(self.get(account_path('work'), IFACE_ACCOUNT, 'DisplayName'), 'work')
        self.update_account('work', {'DisplayName': fits})
        self.assertEqual(self.get(account_path('work'), IFACE_ACCOUNT, 'DisplayName'), fits)

    def test_host_length(self):
        longest = ('a' * 63 + '.') * 3 + 'a' * (hostile.HOST_MAX - 64 * 3)
        self.assertEqual(len(longest), hostile.HOST_MAX)
        message = self.assert_error('LimitExceeded', ROOT_PATH, IFACE_MANAGER, 'AddAccount',
                                    'work', dbus.Dictionary({'Host': longest + 'a'},
                                                            signature='sv'))
        self.assertIn('Host', message)
        self.assert_nothing_added()
        self.add_account('work', {'Host': longest})
        self.assertEqual(self.get(account_path('work'), IFACE_ACCOUNT, 'Settings')['Host'],
                         longest)

    def test_settings_dict_size(self):
        # Too many entries is LimitExceeded whatever they are (here: all duplicates).
        name, message = self.call_raw_add('work', hostile.SETTINGS_ENTRIES_MAX + 1)
        self.assertEqual(name, 'org.offlinemgr.OfflineMgr1.Error.LimitExceeded')
        self.assertIn(str(hostile.SETTINGS_ENTRIES_MAX), message)
        # At the limit, the entries are read: a duplicate is reported as such.
        name, message = self.call_raw_add('work', hostile.SETTINGS_ENTRIES_MAX)
        self.assertEqual(name, 'org.offlinemgr.OfflineMgr1.Error.InvalidArgs')
        self.assertIn('twice', message)
        self.assert_nothing_added()

    def call_raw_add(self, account_id, n):
        """AddAccount with an a{sv} of n entries Port=1 (dbus-python's dictionaries cannot
        hold duplicates; GVariant arrays can); returns (error name, message)."""
        conn = Gio.DBusConnection.new_for_address_sync(
            os.environ['DBUS_SESSION_BUS_ADDRESS'],
            Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT |
            Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION, None, None)
        entry = GLib.Variant.new_dict_entry(GLib.Variant('s', 'Port'),
                                            GLib.Variant('v', GLib.Variant('u', 1)))
        args = GLib.Variant.new_tuple(GLib.Variant('s', account_id),
                                      GLib.Variant.new_array(GLib.VariantType('{sv}'),
                                                             [entry] * n))
        try:
            conn.call_sync(BUS_NAME, ROOT_PATH, IFACE_MANAGER, 'AddAccount', args, None,
                           Gio.DBusCallFlags.NONE, 10000, None)
        except GLib.Error as e:
            name = Gio.DBusError.get_remote_error(e)
            Gio.DBusError.strip_remote_error(e)
            return name, e.message
        finally:
            conn.close_sync(None)
        self.fail('AddAccount succeeded')

    def test_require_connections_limits(self):
        self.add_account('work', {'RequireConnections': dbus.Array(['vpn'], signature='s')})
        too_many = dbus.Array(['c%d' % i for i in range(hostile.REQUIRE_CONNECTIONS_MAX + 1)],
                              signature='s')
        message = self.assert_error('LimitExceeded', ROOT_PATH, IFACE_MANAGER, 'UpdateAccount',
                                    'work', dbus.Dictionary({'RequireConnections': too_many},
                                                            signature='sv'))
        self.assertIn('RequireConnections', message)
        too_long = dbus.Array(['c' * (hostile.CONNECTION_NAME_MAX + 1)], signature='s')
        self.assert_error('LimitExceeded', ROOT_PATH, IFACE_MANAGER, 'UpdateAccount', 'work',
                          dbus.Dictionary({'RequireConnections': too_long}, signature='sv'))
        self.assertEqual(self.get(account_path('work'), IFACE_ACCOUNT,
                                  'Settings')['RequireConnections'], ['vpn'])
        # The most that is allowed, and an empty list, are fine.
        most = ['c' * hostile.CONNECTION_NAME_MAX] + [
            'c%d' % i for i in range(hostile.REQUIRE_CONNECTIONS_MAX - 1)]
        self.update_account('work', {'RequireConnections': dbus.Array(most, signature='s')})
        self.update_account('work', {'RequireConnections': dbus.Array([], signature='s')})
        self.assertEqual(self.get(account_path('work'), IFACE_ACCOUNT,
                                  'Settings')['RequireConnections'], [])

    def test_error_messages_are_utf8_whatever_they_quote(self):
        # Messages quote the first 64 bytes of an unknown name: here they end inside a
        # two-byte character. The reply must still arrive (sd-bus cannot send an error
        # message that is not UTF-8).
        name = 'x' * 63 + 'é'
        message = self.assert_error('InvalidArgs', ROOT_PATH, IFACE_MANAGER, 'AddAccount',
                                    'work', dbus.Dictionary({name: 'v'}, signature='sv'))
        self.assertIn('Unknown setting', message)
        message = self.assert_error('InvalidArgs', ROOT_PATH, IFACE_MANAGER, 'AddAccount',
                                    'work', dbus.Dictionary({'Host': 'h' * 63 + 'é'},
                                                            signature='sv'))
        self.assertIn('Host', message)

    def test_unknown_accounts_are_not_found(self):
        for method, args in [('UpdateAccount', ('nosuch', dbus.Dictionary(
                {'Port': dbus.UInt32(1)}, signature='sv'))), ('RemoveAccount', ('nosuch',)),
                ('GetAccount', ('nosuch',))]:
            self.assert_error('NotFound', ROOT_PATH, IFACE_MANAGER, method, *args)
            self.assert_error('InvalidArgs', ROOT_PATH, IFACE_MANAGER, method,
                              *(('no such',) + args[1:]))
        self.assert_nothing_added()


class AccountCountTest(DaemonTestCase):
    def test_account_count_limit(self):
        # Written directly (as a user could, by hand or by script): the daemon loads at
        # most ACCOUNTS_MAX of them, says so for the rest, and refuses to add more.
        body = '[Account]\n'
        for i in range(hostile.ACCOUNTS_MAX + 1):
            with open(self.account_file('a%05d' % i), 'w') as f:
                f.write(body)
        self.start_daemon()
        self.assertEqual(self.notify.last('STATUS='), '%d accounts, %d online' % (
            hostile.ACCOUNTS_MAX, hostile.ACCOUNTS_MAX))
        log = self.daemon_log()
        self.assertIn('Not loading account a%05d: the limit of %d accounts is reached' % (
            hostile.ACCOUNTS_MAX, hostile.ACCOUNTS_MAX), log)
        message = self.assert_error('LimitExceeded', ROOT_PATH, IFACE_MANAGER, 'AddAccount',
                                    'one-more', dbus.Dictionary({}, signature='sv'))
        self.assertIn(str(hostile.ACCOUNTS_MAX), message)
        self.assertFalse(os.path.exists(self.account_file('one-more')))
        # Removing one makes room again.
        self.remove_account('a00000')
        self.add_account('one-more')
        self.assertEqual(self.get(account_path('one-more'), IFACE_ACCOUNT, 'Id'), 'one-more')


if __name__ == '__main__':
    main()
