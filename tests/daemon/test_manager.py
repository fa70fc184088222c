#!/usr/bin/env python3
"""org.offlinemgr.OfflineMgr1.Manager: every method, its validation (ids, setting names,
types and values) and its errors, the Account properties, the Manager properties and the
ObjectManager. Bad input is refused with a named error and changes nothing."""

import os
import re
import subprocess

import dbus
from gi.repository import GLib

from omtest import (ACCOUNT_PREFIX, BUS_NAME, IFACE_ACCOUNT, IFACE_MANAGER,
                    IFACE_OBJECT_MANAGER, IFACE_OFFLINE, IFACE_PROPS, OFFLINE, OFFLINEMGRD,
                    ONLINE, ROOT_PATH, SOURCE_ROOT, DaemonTestCase, account_path, main)

DEFAULTS = {'Host': '', 'Port': 0, 'RequireConnections': [], 'MinConnectivity': 'full',
            'AllowMetered': True, 'CheckReachability': False}
STANDARD_IFACES = ('org.freedesktop.DBus.Introspectable', 'org.freedesktop.DBus.Peer',
                   IFACE_PROPS)
BAD_IDS = ['', 'x' * 65, '/', 'a/b', '../work', 'caf\u00e9', 'a b', 'a:b', 'work.conf\n']


def settings(**kwargs):
    return dbus.Dictionary(kwargs, signature='sv')


def has_key(kf, group, key):
    try:
        kf.get_value(group, key)
        return True
    except GLib.Error:
        return False


def read_keyfile(path):
    kf = GLib.KeyFile()
    kf.load_from_file(path, GLib.KeyFileFlags.KEEP_COMMENTS)
    return kf


class ManagerTestCase(DaemonTestCase):
    def snapshot(self):
        """What a refused call must leave alone: the files and their contents."""
        files = {}
        for top in (self.config_dir, self.state_dir):
            for dirpath, _, names in os.walk(top):
                for name in names:
                    path = os.path.join(dirpath, name)
                    with open(path, 'rb') as f:
                        files[path] = f.read()
        return files

    def assert_refused(self, error, method, *args, contains=None):
        """Calls a Manager method that must fail with error (and a message containing
        contains), change no file and emit nothing."""
        self.sync()
        self.recorder.clear()
        before = self.snapshot()
        message = self.assert_error(error, ROOT_PATH, IFACE_MANAGER, method, *args)
        if contains is not None:
            self.assertIn(contains, message)
        self.sync()
        self.assertEqual(self.recorder.events, [])
        self.assertEqual(self.snapshot(), before)
        return message


class GetAccountTest(ManagerTestCase):
    def test_get_account(self):
        self.write_account('work', '[Account]\n')
        self.start_daemon()
        self.assertEqual(self.call(ROOT_PATH, IFACE_MANAGER, 'GetAccount', 'work'),
                         ACCOUNT_PREFIX + '/work')
        self.assertEqual(self.get(ACCOUNT_PREFIX + '/work', IFACE_ACCOUNT, 'Id'), 'work')

    def test_get_account_not_found(self):
        self.write_account('work', '[Account]\n')
        self.start_daemon()
        message = self.assert_refused('NotFound', 'GetAccount', 'Work')
        self.assertIn('Work', message)


class AccountIdTest(ManagerTestCase):
    def test_malformed_ids_refused_by_every_method(self):
        self.write_account('work', '[Account]\n')
        self.start_daemon()
        for bad in BAD_IDS:
            with self.subTest(id=bad):
                for method, args in (('GetAccount', (bad,)),
                                     ('AddAccount', (bad, settings())),
                                     ('UpdateAccount', (bad, settings(Port=dbus.UInt32(1)))),
                                     ('RemoveAccount', (bad,))):
                    self.assert_refused('InvalidArgs', method, *args,
                                        contains='Invalid account id')
        self.assertEqual(sorted(os.listdir(self.accounts_dir)), ['work.conf'])

    def test_longest_id(self):
        longest = 'a' * 64
        self.start_daemon()
        path = self.add_account(longest)
        self.assertEqual(path, ACCOUNT_PREFIX + '/' + longest)
        self.assertTrue(os.path.exists(self.account_file(longest)))
        self.assertEqual(self.call(ROOT_PATH, IFACE_MANAGER, 'GetAccount', longest), path)
        self.update_account(longest, {'DisplayName': 'Long'})
        self.assertEqual(self.get(path, IFACE_ACCOUNT, 'DisplayName'), 'Long')
        self.remove_account(longest)
        self.assertFalse(os.path.exists(self.account_file(longest)))

    def test_object_paths_are_escaped(self):
        # sd_bus_path_encode(): _xx for bytes outside [A-Za-z0-9] and a leading digit.
        expected = {
            'a.b': 'a_2eb', 'a-b': 'a_2db', 'a_b': 'a_5fb', '1abc': '_31abc', 'A9': 'A9',
            '.': '_2e', '_': '_5f', '-x-': '_2dx_2d', '42': '_342',
        }
        self.write_account('a.b', '[Account]\n')  # loaded from a file
        self.start_daemon()
        for account_id, label in expected.items():
            with self.subTest(id=account_id):
                path = ACCOUNT_PREFIX + '/' + label
                self.assertEqual(account_path(account_id), path)
                if account_id != 'a.b':
                    self.assertEqual(self.add_account(account_id), path)
                self.assertEqual(self.call(ROOT_PATH, IFACE_MANAGER, 'GetAccount', account_id),
                                 path)
                self.assertEqual(self.get(path, IFACE_ACCOUNT, 'Id'), account_id)
                self.assertEqual(self.state(path), self.state(ROOT_PATH))
        managed = self.call(ROOT_PATH, IFACE_OBJECT_MANAGER, 'GetManagedObjects')
        self.assertEqual(sorted(managed), sorted(ACCOUNT_PREFIX + '/' + label
                                                 for label in expected.values()))


class AddAccountTest(ManagerTestCase):
    def test_add_account_writes_file_and_announces(self):
        self.start_daemon()
        path = self.add_account('work', {'Host': 'imap.example.com',
                                         'Port': dbus.UInt32(993)})
        self.assertEqual(path, ACCOUNT_PREFIX + '/work')
        # The reply comes after the file is on disk.
        kf = read_keyfile(self.account_file('work'))
        self.assertEqual(kf.get_string('Account', 'Host'), 'imap.example.com')
        self.assertEqual(kf.get_string('Account', 'Port'), '993')
        self.assertFalse(has_key(kf, 'Account', 'CheckReachability'))
        self.sync()
        added = [e for e in self.recorder.events if e[0] == 'InterfacesAdded']
        self.assertEqual(added, [('InterfacesAdded', path,
                                  tuple(sorted((IFACE_ACCOUNT, IFACE_OFFLINE) +
                                               STANDARD_IFACES)))])
        self.assertEqual(self.recorder.phases(path), [])
        # Its state is set at once from the network, like the global object's.
        self.assertEqual(self.state(path), self.state())
        self.assertEqual(self.get(path, IFACE_OFFLINE, 'RequestedState'), ONLINE)
        self.assertFalse(self.get(path, IFACE_OFFLINE, 'Transitioning'))

    def test_settings_show_defaults(self):
        self.start_daemon()
        path = self.add_account('work')
        self.assertEqual(self.get(path, IFACE_ACCOUNT, 'Settings'),
                         dict(DEFAULTS, DisplayName='work'))
        self.assertEqual(self.get(path, IFACE_ACCOUNT, 'DisplayName'), 'work')
        self.assertEqual(self.get(path, IFACE_ACCOUNT, 'Id'), 'work')
        # Nothing but the group is written for defaults.
        kf = read_keyfile(self.account_file('work'))
        self.assertEqual(kf.get_keys('Account')[0], [])

    def test_every_setting(self):
        self.start_daemon()
        given = {
            'DisplayName': 'Work mail',
            'Host': 'imap.example.com',
            'Port': dbus.UInt32(993),
            'RequireConnections': dbus.Array(['office-vpn', 'Office LAN'], signature='s'),
            'MinConnectivity': 'limited',
            'AllowMetered': dbus.Boolean(False),
            'CheckReachability': dbus.Boolean(False),
        }
        path = self.add_account('work', given)
        got = self.get(path, IFACE_ACCOUNT, 'Settings')
        self.assertEqual(got, {
            'DisplayName': 'Work mail', 'Host': 'imap.example.com', 'Port': 993,
            'RequireConnections': ['office-vpn', 'Office LAN'], 'MinConnectivity': 'limited',
            'AllowMetered': False, 'CheckReachability': False})
        self.assertEqual(self.get(path, IFACE_ACCOUNT, 'DisplayName'), 'Work mail')
        kf = read_keyfile(self.account_file('work'))
        self.assertEqual(kf.get_string_list('Account', 'RequireConnections'),
                         ['office-vpn', 'Office LAN'])
        self.assertFalse(kf.get_boolean('Account', 'AllowMetered'))

    def test_empty_list_setting(self):
        self.start_daemon()
        path = self.add_account('work', {
            'RequireConnections': dbus.Array([], signature='s')})
        self.assertEqual(self.get(path, IFACE_ACCOUNT, 'Settings')['RequireConnections'], [])
        self.update_account('work', {
            'RequireConnections': dbus.Array(['vpn'], signature='s')})
        self.update_account('work', {
            'RequireConnections': dbus.Array([], signature='s')})
        self.assertEqual(self.get(path, IFACE_ACCOUNT, 'Settings')['RequireConnections'], [])
        self.assertFalse(has_key(read_keyfile(self.account_file('work')), 'Account',
                                 'RequireConnections'))

    def test_add_account_already_exists(self):
        self.write_account('work', '[Account]\nDisplayName=Mine\n')
        self.start_daemon()
        self.assert_refused('AlreadyExists', 'AddAccount', 'work',
                            settings(DisplayName='Theirs'), contains='work')
        self.assertEqual(self.get(account_path('work'), IFACE_ACCOUNT, 'DisplayName'), 'Mine')

    def test_add_account_already_exists_for_corrupt_file(self):
        self.write_account('work', '[Account\nnot a keyfile\n')
        self.start_daemon()
        message = self.assert_refused('AlreadyExists', 'AddAccount', 'work', settings(),
                                      contains='work')
        self.assertIn('cannot be loaded', message)
        # Nor does the corrupt file become an account.
        self.assert_refused('NotFound', 'GetAccount', 'work')

    def test_invalid_settings_are_named(self):
        self.start_daemon()
        cases = [
            (settings(Colour='blue'), 'InvalidArgs', 'Colour'),
            (settings(displayname='x'), 'InvalidArgs', 'displayname'),
            (settings(Port='993'), 'InvalidArgs', 'Port'),
            (settings(Port=dbus.Int32(993)), 'InvalidArgs', 'Port'),
            (settings(Port=dbus.UInt32(65536)), 'InvalidArgs', 'Port'),
            (settings(Host=dbus.Array(['a'], signature='s')), 'InvalidArgs', 'Host'),
            (settings(Host='imap example.com'), 'InvalidArgs', 'Host'),
            (settings(DisplayName=dbus.Boolean(True)), 'InvalidArgs', 'DisplayName'),
            (settings(DisplayName='two\nlines'), 'InvalidArgs', 'DisplayName'),
            (settings(DisplayName='x' * 257), 'LimitExceeded', 'DisplayName'),
            (settings(RequireConnections='vpn'), 'InvalidArgs', 'RequireConnections'),
            (settings(RequireConnections=dbus.Array(['a;b'], signature='s')), 'InvalidArgs',
             'RequireConnections'),
            (settings(RequireConnections=dbus.Array([''], signature='s')), 'InvalidArgs',
             'RequireConnections'),
            (settings(RequireConnections=dbus.Array(['vpn%d' % i for i in range(33)],
                                                    signature='s')), 'LimitExceeded',
             'RequireConnections'),
            (settings(MinConnectivity='none'), 'InvalidArgs', 'MinConnectivity'),
            (settings(AllowMetered=dbus.UInt32(0)), 'InvalidArgs', 'AllowMetered'),
            (settings(AllowMetered='false'), 'InvalidArgs', 'AllowMetered'),
            (settings(CheckReachability=dbus.Boolean(True)), 'InvalidArgs',
             'CheckReachability'),
            (settings(CheckReachability=dbus.Boolean(True), Host='h'), 'InvalidArgs',
             'CheckReachability'),
            (settings(Host='valid.example.com', Port=dbus.UInt32(1), Colour='x'),
             'InvalidArgs', 'Colour'),
        ]
        for given, error, named in cases:
            with self.subTest(settings=dict(given)):
                self.assert_refused(error, 'AddAccount', 'work', given, contains=named)
        self.assertEqual(os.listdir(self.accounts_dir), [])

    def test_setting_given_twice(self):
        self.start_daemon()
        result = subprocess.run(['busctl', '--user', 'call', BUS_NAME, ROOT_PATH, IFACE_MANAGER,
                                 'AddAccount', 'sa{sv}', 'work', '2', 'Port', 'u', '1', 'Port',
                                 'u', '2'], capture_output=True, text=True)
        self.assertNotEqual(result.returncode, 0)
        self.assertIn('Port', result.stderr)
        self.assertIn('twice', result.stderr)
        self.assertEqual(os.listdir(self.accounts_dir), [])


class UpdateAccountTest(ManagerTestCase):
    def test_update_merges_and_emits(self):
        self.start_daemon()
        path = self.add_account('work', {'Host': 'imap.example.com'})
        self.sync()
        self.recorder.clear()
        self.update_account('work', {'Port': dbus.UInt32(993)})
        got = self.get(path, IFACE_ACCOUNT, 'Settings')
        self.assertEqual(got['Host'], 'imap.example.com')
        self.assertEqual(got['Port'], 993)
        kf = read_keyfile(self.account_file('work'))
        self.assertEqual(kf.get_string('Account', 'Host'), 'imap.example.com')
        self.assertEqual(kf.get_string('Account', 'Port'), '993')
        self.sync()
        changes = self.recorder.property_changes(path, IFACE_ACCOUNT)
        self.assertEqual(len(changes), 1)
        self.assertEqual(sorted(changes[0]), ['Settings'])
        self.assertEqual(changes[0]['Settings']['Port'], 993)

        self.recorder.clear()
        self.update_account('work', {'DisplayName': 'Work'})
        self.sync()
        changes = self.recorder.property_changes(path, IFACE_ACCOUNT)
        self.assertEqual(changes, [{'DisplayName': 'Work',
                                    'Settings': dict(got, DisplayName='Work')}])
        # Settings that change nothing emit nothing.
        self.recorder.clear()
        self.update_account('work', {'DisplayName': 'Work'})
        self.update_account('work', {})
        self.sync()
        self.assertEqual(self.recorder.property_changes(path, IFACE_ACCOUNT), [])
        self.assertEqual(self.recorder.phases(path), [])

    def test_update_keeps_comments_and_unknown_keys(self):
        text = ('# My work account, set up by hand.\n'
                '[Account]\n'
                '# where the mail lives\n'
                'Host=old.example.com\n'
                'Colour=blue\n'
                'DisplayName[de]=Arbeit\n'
                '\n'
                '[Notes]\n'
                'Remember=the VPN\n')
        self.write_account('work', text)
        self.start_daemon()
        self.update_account('work', {'Host': 'new.example.com', 'Port': dbus.UInt32(143)})
        with open(self.account_file('work')) as f:
            written = f.read()
        self.assertIn('# My work account, set up by hand.\n', written)
        self.assertIn('# where the mail lives\nHost=new.example.com\n', written)
        self.assertIn('Colour=blue\n', written)
        self.assertIn('DisplayName[de]=Arbeit\n', written)
        self.assertIn('[Notes]\nRemember=the VPN\n', written)
        self.assertIn('Port=143\n', written)
        self.assertNotIn('old.example.com', written)
        self.assertIn('unknown key Colour', self.daemon_log())

    def test_update_not_found(self):
        self.write_account('work', '[Account]\n')
        self.start_daemon()
        self.assert_refused('NotFound', 'UpdateAccount', 'home', settings(DisplayName='x'),
                            contains='home')
        self.assertFalse(os.path.exists(self.account_file('home')))

    def test_invalid_update_changes_nothing(self):
        self.write_account('work', '[Account]\nHost=imap.example.com\n')
        self.start_daemon()
        path = account_path('work')
        before = self.get(path, IFACE_ACCOUNT, 'Settings')
        for given, named in ((settings(DisplayName='New', Colour='x'), 'Colour'),
                             (settings(DisplayName='New', Port=dbus.UInt32(70000)), 'Port'),
                             (settings(Port='1'), 'Port'),
                             (settings(CheckReachability=dbus.Boolean(True)),
                              'CheckReachability')):
            with self.subTest(settings=dict(given)):
                self.assert_refused('InvalidArgs', 'UpdateAccount', 'work', given,
                                    contains=named)
                self.assertEqual(self.get(path, IFACE_ACCOUNT, 'Settings'), before)
        # A change that would break a rule across settings is refused too.
        self.update_account('work', {'Port': dbus.UInt32(993),
                                     'CheckReachability': dbus.Boolean(False)})
        self.update_account('work', {'CheckReachability': dbus.Boolean(True),
                                     'Host': '127.0.0.1', 'Port': dbus.UInt32(self.open_port())})
        self.assert_refused('InvalidArgs', 'UpdateAccount', 'work', settings(Host=''),
                            contains='CheckReachability')

    def test_update_refuses_corrupt_file(self):
        self.write_account('work', '[Account]\nDisplayName=Good\n')
        self.start_daemon()
        # A value that does not parse, and a file that is not a keyfile at all.
        for n, (corrupt, named) in enumerate(((b'[Account]\nPort=not a port\n', 'Port'),
                                              (b'[Account\nDisplayName=Bad\n', 'Account'))):
            with self.subTest(corrupt=corrupt):
                self.write_account('work', corrupt.decode())
                self.wait_until(lambda: self.daemon_log().count('Cannot load account work')
                                > n, 5, 'the daemon to notice the corrupt file')
                message = self.assert_refused('Failed', 'UpdateAccount', 'work',
                                              settings(DisplayName='Changed'))
                self.assertIn('Not overwriting', message)
                self.assertIn(named, message)
                with open(self.account_file('work'), 'rb') as f:
                    self.assertEqual(f.read(), corrupt)
                # The account keeps its last good settings meanwhile.
                self.assertEqual(self.get(account_path('work'), IFACE_ACCOUNT, 'DisplayName'),
                                 'Good')


class RemoveAccountTest(ManagerTestCase):
    def test_remove_deletes_file_and_object(self):
        self.write_account('home', '[Account]\n')
        self.start_daemon()
        path = self.add_account('work')
        self.sync()
        self.recorder.clear()
        self.assertIsNone(self.remove_account('work'))
        self.assertFalse(os.path.exists(self.account_file('work')))
        self.assertEqual(sorted(os.listdir(self.accounts_dir)), ['home.conf'])
        self.sync()
        self.assertEqual(self.recorder.events, [
            ('InterfacesRemoved', path,
             tuple(sorted((IFACE_ACCOUNT, IFACE_OFFLINE) + STANDARD_IFACES)))])
        self.assert_refused('NotFound', 'GetAccount', 'work')
        self.assert_error('org.freedesktop.DBus.Error.UnknownObject', path, IFACE_OFFLINE,
                          'GetCurrentState')
        managed = self.call(ROOT_PATH, IFACE_OBJECT_MANAGER, 'GetManagedObjects')
        self.assertEqual(list(managed), [account_path('home')])
        # The id can be used again, from scratch.
        self.assertEqual(self.add_account('work'), path)

    def test_remove_drops_requested_mode(self):
        self.start_daemon()
        path = self.add_account('work')
        self.set_state(path, OFFLINE)
        kf = read_keyfile(self.state_file())
        self.assertEqual(kf.get_string('Accounts', 'work'), 'offline')
        self.remove_account('work')
        kf = read_keyfile(self.state_file())
        self.assertFalse(has_key(kf, 'Accounts', 'work'))
        self.add_account('work')
        self.assertEqual(self.get(path, IFACE_OFFLINE, 'RequestedState'), ONLINE)
        self.assertNotEqual(self.reason(path), 'user-offline')

    def test_remove_not_found(self):
        self.write_account('work', '[Account]\n')
        self.start_daemon()
        self.assert_refused('NotFound', 'RemoveAccount', 'home', contains='home')
        self.assertTrue(os.path.exists(self.account_file('work')))

    def test_remove_corrupt_file_not_found(self):
        # A file that never loaded is no account: RemoveAccount does not touch it.
        self.write_account('work', '[Account\n')
        self.start_daemon()
        self.assert_refused('NotFound', 'RemoveAccount', 'work')
        self.assertTrue(os.path.exists(self.account_file('work')))


class SaveFailedTest(ManagerTestCase):
    def test_add_account_cannot_be_saved(self):
        self.start_daemon()
        # The accounts directory replaced by a file: nothing can be written there.
        os.rmdir(self.accounts_dir)
        with open(self.accounts_dir, 'w') as f:
            f.write('not a directory')
        message = self.assert_refused('Failed', 'AddAccount', 'work', settings())
        self.assertIn(self.account_file('work'), message)
        self.assert_refused('NotFound', 'GetAccount', 'work')


class BusctlTest(ManagerTestCase):
    """The README's busctl examples, as written there."""

    def busctl(self, *args):
        return subprocess.run(['busctl', '--user'] + list(args), capture_output=True,
                              text=True, check=True, timeout=30).stdout.strip()

    def test_readme_examples(self):
        self.start_daemon()
        d, root, mgr = BUS_NAME, ROOT_PATH, IFACE_MANAGER
        self.assertEqual(self.busctl('call', d, root, mgr, 'AddAccount', 'sa{sv}', 'work', '3',
                                     'Host', 's', 'imap.example.com', 'Port', 'u', '993',
                                     'RequireConnections', 'as', '1', 'office-vpn'),
                         'o "/org/offlinemgr/OfflineMgr1/account/work"')
        self.assertEqual(self.busctl('call', d, root, mgr, 'GetAccount', 's', 'work'),
                         'o "/org/offlinemgr/OfflineMgr1/account/work"')
        self.assertEqual(self.busctl('call', d, root, mgr, 'UpdateAccount', 'sa{sv}', 'work',
                                     '1', 'AllowMetered', 'b', 'false'), '')
        self.assertEqual(self.busctl('get-property', d, root + '/account/work', IFACE_ACCOUNT,
                                     'Id', 'DisplayName'), 's "work"\ns "work"')
        out = self.busctl('get-property', d, root + '/account/work', IFACE_ACCOUNT, 'Settings')
        self.assertIn('"AllowMetered" b false', out)
        self.assertIn('"RequireConnections" as 1 "office-vpn"', out)
        self.assertEqual(self.busctl('call', d, root + '/account/work', IFACE_OFFLINE,
                                     'SetCurrentState', 'uuu', '0', '3', '1'), 'u 1')
        self.assertEqual(self.busctl('call', d, root, IFACE_OFFLINE, 'GetCapabilities'), 'u 3')
        self.assertIn('/org/offlinemgr/OfflineMgr1/account/work', self.busctl('tree', d))
        self.assertEqual(self.busctl('call', d, root, mgr, 'RemoveAccount', 's', 'work'), '')
        self.assertEqual(self.busctl('call', d, root, mgr, 'Reload'), '')
        out = self.busctl('get-property', d, root, mgr, 'Version', 'NetworkBackend')
        self.assertRegex(out, r'^s "[0-9.]+"\ns "(networkmanager|netlink|none)"$')
        out = self.busctl('call', d, root, IFACE_OBJECT_MANAGER, 'GetManagedObjects')
        self.assertEqual(out, 'a{oa{sa{sv}}} 0')


class ManagerPropertiesTest(ManagerTestCase):
    def test_properties(self):
        self.start_daemon()
        raw = self.proxy(ROOT_PATH).GetAll(IFACE_MANAGER, dbus_interface=IFACE_PROPS)
        self.assertEqual(sorted(raw), ['ActiveConnections', 'Connectivity', 'Metered',
                                       'NetworkBackend', 'NetworkState', 'Version'])
        self.assertIsInstance(raw['Version'], dbus.String)
        self.assertIsInstance(raw['NetworkBackend'], dbus.String)
        self.assertIsInstance(raw['NetworkState'], dbus.UInt32)
        self.assertIsInstance(raw['Connectivity'], dbus.UInt32)
        self.assertIsInstance(raw['Metered'], dbus.Boolean)
        self.assertIsInstance(raw['ActiveConnections'], dbus.Array)
        self.assertEqual(raw['ActiveConnections'].signature, 's')
        self.assertIn(raw['NetworkBackend'], ('networkmanager', 'netlink', 'none'))
        self.assertIn(raw['NetworkState'], (0, 10, 20, 30, 40, 50, 60, 70))
        self.assertIn(raw['Connectivity'], (0, 1, 2, 3, 4))
        if raw['NetworkBackend'] != 'networkmanager':
            # Documented values without NetworkManager.
            self.assertEqual(raw['Connectivity'], 0)
            self.assertFalse(raw['Metered'])
            self.assertEqual(list(raw['ActiveConnections']), [])

    def test_version(self):
        with open(os.path.join(SOURCE_ROOT, 'meson.build')) as f:
            version = re.search(r"version: '([^']+)'", f.read()).group(1)
        self.start_daemon()
        self.assertEqual(self.get(ROOT_PATH, IFACE_MANAGER, 'Version'), version)
        out = subprocess.run([OFFLINEMGRD, '--version'], capture_output=True, text=True,
                             check=True).stdout
        self.assertEqual(out, 'offlinemgrd %s\n' % version)

    def test_get_managed_objects(self):
        self.write_account('work', '[Account]\nDisplayName=Work\nHost=imap.example.com\n')
        self.write_account('home', '[Account]\n')
        self.start_daemon()
        self.set_state(account_path('home'), OFFLINE)
        managed = self.call(ROOT_PATH, IFACE_OBJECT_MANAGER, 'GetManagedObjects')
        self.assertEqual(sorted(managed), sorted([account_path('work'), account_path('home')]))
        work = managed[account_path('work')]
        self.assertEqual(sorted(work), sorted((IFACE_ACCOUNT, IFACE_OFFLINE) + STANDARD_IFACES))
        self.assertEqual(work[IFACE_ACCOUNT], {
            'Id': 'work', 'DisplayName': 'Work', 'Origin': 'file',
            'Settings': dict(DEFAULTS, DisplayName='Work', Host='imap.example.com')})
        self.assertEqual(work[IFACE_OFFLINE], self.get_all(account_path('work'), IFACE_OFFLINE))
        home = managed[account_path('home')][IFACE_OFFLINE]
        self.assertEqual(home, {'State': OFFLINE, 'RequestedState': OFFLINE,
                                'Reason': 'user-offline', 'Transitioning': False})

    def test_standard_errors(self):
        self.start_daemon()
        self.assert_error('org.freedesktop.DBus.Error.UnknownMethod', ROOT_PATH, IFACE_MANAGER,
                          'DeleteEverything')
        self.assert_error('org.freedesktop.DBus.Error.UnknownMethod', ROOT_PATH, IFACE_OFFLINE,
                          'Advise')
        self.assert_error('org.freedesktop.DBus.Error.InvalidArgs', ROOT_PATH, IFACE_OFFLINE,
                          'SetCurrentState', 'offline', signature='s')
        self.assert_error('org.freedesktop.DBus.Error.InvalidArgs', ROOT_PATH, IFACE_MANAGER,
                          'GetAccount', dbus.UInt32(1))
        self.assert_error('org.freedesktop.DBus.Error.PropertyReadOnly', ROOT_PATH, IFACE_PROPS,
                          'Set', IFACE_OFFLINE, 'State', dbus.UInt32(OFFLINE, variant_level=1))
        self.assert_error('org.freedesktop.DBus.Error.PropertyReadOnly', ROOT_PATH, IFACE_PROPS,
                          'Set', IFACE_OFFLINE, 'RequestedState',
                          dbus.UInt32(OFFLINE, variant_level=1))
        self.assert_error('org.freedesktop.DBus.Error.UnknownProperty', ROOT_PATH, IFACE_PROPS,
                          'Get', IFACE_OFFLINE, 'Colour')
        self.assertEqual(self.get(ROOT_PATH, IFACE_OFFLINE, 'RequestedState'), ONLINE)


if __name__ == '__main__':
    main()
