#!/usr/bin/env python3
"""Account keyfiles: picked up live when added, changed, renamed or removed; a file that
does not parse is logged with its name and the parser's message, skipped and never
rewritten, while the other accounts load; writes replace files atomically."""

import os

import dbus

from omtest import (IFACE_ACCOUNT, IFACE_MANAGER, IFACE_OFFLINE, OFFLINE, ONLINE, ROOT_PATH,
                    DaemonTestCase, account_path, main)


class AccountFilesTestCase(DaemonTestCase):
    def wait_event(self, kind, path, timeout=5):
        self.wait_until(lambda: any(e[0] == kind and e[1] == path
                                    for e in self.recorder.events),
                        timeout, '%s on %s' % (kind, path))

    def account_changes(self, path):
        return self.recorder.property_changes(path, IFACE_ACCOUNT)

    def read_bytes(self, account_id):
        with open(self.account_file(account_id), 'rb') as f:
            return f.read()


class LiveFilesTest(AccountFilesTestCase):
    def test_file_added(self):
        self.start_daemon()
        path = account_path('work')
        self.write_account('work', '[Account]\nDisplayName=Work\nHost=imap.example.com\n')
        self.wait_event('InterfacesAdded', path)
        self.assertEqual(self.get(path, IFACE_ACCOUNT, 'DisplayName'), 'Work')
        self.assertEqual(self.get(path, IFACE_ACCOUNT, 'Settings')['Host'], 'imap.example.com')
        self.assertEqual(self.call(ROOT_PATH, IFACE_MANAGER, 'GetAccount', 'work'), path)
        self.assertEqual(self.state(path), self.state())
        # Set directly, like at start: no transition for a new account.
        self.sync()
        self.assertEqual(self.recorder.phases(path), [])
        self.wait_until(lambda: self.notify.last('STATUS=').startswith('1 account,'), 5,
                        'STATUS= to count the new account')

    def test_file_changed(self):
        self.write_account('work', '[Account]\nDisplayName=Work\n')
        self.start_daemon()
        path = account_path('work')
        self.write_account('work', '[Account]\nDisplayName=Office\n')
        self.wait_until(lambda: self.account_changes(path), 5, 'PropertiesChanged')
        self.assertEqual(self.account_changes(path)[0]['DisplayName'], 'Office')
        self.assertEqual(self.account_changes(path)[0]['Settings']['DisplayName'], 'Office')
        self.assertEqual(self.get(path, IFACE_ACCOUNT, 'DisplayName'), 'Office')

        # Only Settings changes when the display name stays.
        self.recorder.clear()
        self.write_account('work', '[Account]\nDisplayName=Office\nPort=993\n')
        self.wait_until(lambda: self.account_changes(path), 5, 'PropertiesChanged')
        self.assertEqual(sorted(self.account_changes(path)[0]), ['Settings'])
        self.assertEqual(self.account_changes(path)[0]['Settings']['Port'], 993)
        # The same object throughout.
        self.assertFalse([e for e in self.recorder.events
                          if e[0] in ('InterfacesAdded', 'InterfacesRemoved')])

    def test_file_change_takes_effect(self):
        self.write_account('work', '[Account]\n')
        self.start_daemon()
        self.require_online()
        path = account_path('work')
        # Without NetworkManager no connection is active, so requiring one forbids ONLINE.
        self.write_account('work', '[Account]\nRequireConnections=office-vpn;\n')
        self.wait_phases(path, 3)
        self.assert_transition(path, ONLINE, OFFLINE)
        self.assertEqual(self.reason(path), 'connection-inactive')
        self.write_account('work', '[Account]\n')
        self.wait_phases(path, 6)
        self.assert_transition(path, OFFLINE, ONLINE, self.recorder.phases(path)[3:])

    def test_file_removed(self):
        self.write_account('work', '[Account]\n')
        self.write_account('home', '[Account]\n')
        self.start_daemon()
        path = account_path('work')
        self.set_state(path, OFFLINE)
        with open(self.state_file()) as f:
            self.assertIn('work=offline', f.read())
        os.unlink(self.account_file('work'))
        self.wait_event('InterfacesRemoved', path)
        self.assert_error('NotFound', ROOT_PATH, IFACE_MANAGER, 'GetAccount', 'work')
        self.assert_error('org.freedesktop.DBus.Error.UnknownObject', path, IFACE_OFFLINE,
                          'GetCurrentState')
        # Its requested mode goes with it.
        with open(self.state_file()) as f:
            self.assertNotIn('work', f.read())
        self.assertEqual(self.get(account_path('home'), IFACE_ACCOUNT, 'Id'), 'home')
        self.wait_until(lambda: self.notify.last('STATUS=').startswith('1 account,'), 5,
                        'STATUS= to drop the account')

    def test_file_renamed(self):
        self.write_account('work', '[Account]\nDisplayName=Work\n')
        self.start_daemon()
        os.rename(self.account_file('work'), self.account_file('office'))
        self.wait_event('InterfacesRemoved', account_path('work'))
        self.wait_event('InterfacesAdded', account_path('office'))
        self.assertEqual(self.get(account_path('office'), IFACE_ACCOUNT, 'DisplayName'), 'Work')
        # Moved out of the directory: gone.
        os.rename(self.account_file('office'), os.path.join(self.tmp, 'office.conf'))
        self.wait_event('InterfacesRemoved', account_path('office'))

    def test_other_files_ignored(self):
        self.write_account('work', '[Account]\n')
        for name in ('not an id.conf', 'notes.txt', '.conf', 'caf\u00e9.conf', 'work.conf~',
                     'work.conf.bak'):
            with open(os.path.join(self.accounts_dir, name), 'w') as f:
                f.write('[Account]\n')
        self.start_daemon()
        managed = self.call(ROOT_PATH, 'org.freedesktop.DBus.ObjectManager',
                            'GetManagedObjects')
        self.assertEqual(list(managed), [account_path('work')])
        self.assertEqual(self.notify.last('STATUS=')[:10], '1 account,')


class CorruptFileTest(AccountFilesTestCase):
    def test_corrupt_file_skipped_at_start(self):
        corrupt = b'[Account\nHost=imap.example.com\n'
        self.write_account('good', '[Account]\nDisplayName=Good\n')
        self.write_account('bad', corrupt.decode())
        self.write_account('badvalue', '[Account]\nAllowMetered=sometimes\n')
        self.start_daemon()
        log = self.daemon_log()
        # Named, with the parser's own message.
        self.assertIn('Cannot load account bad: %s: ' % self.account_file('bad'), log)
        self.assertIn('[Account', log)
        self.assertIn('Cannot load account badvalue: %s: AllowMetered' %
                      self.account_file('badvalue'), log)
        # Skipped; the others load.
        self.assertEqual(self.get(account_path('good'), IFACE_ACCOUNT, 'DisplayName'), 'Good')
        self.assert_error('NotFound', ROOT_PATH, IFACE_MANAGER, 'GetAccount', 'bad')
        self.assertEqual(self.notify.last('STATUS=')[:10], '1 account,')

        # Never rewritten, whatever is tried.
        self.assert_error('AlreadyExists', ROOT_PATH, IFACE_MANAGER, 'AddAccount', 'bad',
                          dbus.Dictionary({'Host': 'x.example.com'}, signature='sv'))
        self.assert_error('NotFound', ROOT_PATH, IFACE_MANAGER, 'UpdateAccount', 'bad',
                          dbus.Dictionary({'Host': 'x.example.com'}, signature='sv'))
        self.assert_error('NotFound', ROOT_PATH, IFACE_MANAGER, 'RemoveAccount', 'bad')
        self.call(ROOT_PATH, IFACE_MANAGER, 'Reload')
        self.stop_daemon()
        self.assertEqual(self.read_bytes('bad'), corrupt)

    def test_file_broken_at_run_time(self):
        self.write_account('work', '[Account]\nDisplayName=Good\n')
        self.start_daemon()
        path = account_path('work')
        broken = '[Account]\nDisplayName=Broken\nPort=99999\n'
        self.write_account('work', broken)
        self.wait_log('Cannot load account work')
        self.assertIn('keeping its last good settings', self.daemon_log())
        self.assertEqual(self.get(path, IFACE_ACCOUNT, 'DisplayName'), 'Good')
        self.assert_error('Failed', ROOT_PATH, IFACE_MANAGER, 'UpdateAccount', 'work',
                          dbus.Dictionary({'DisplayName': 'Fixed?'}, signature='sv'))
        self.assertEqual(self.read_bytes('work').decode(), broken)
        # Fixed by hand: picked up.
        self.write_account('work', '[Account]\nDisplayName=Fixed\n')
        self.wait_until(lambda: self.account_changes(path), 5, 'PropertiesChanged')
        self.assertEqual(self.get(path, IFACE_ACCOUNT, 'DisplayName'), 'Fixed')
        # And writable again.
        self.update_account('work', {'DisplayName': 'Mine'})
        self.assertIn('DisplayName=Mine', self.read_bytes('work').decode())

    def test_unusable_files_refused(self):
        target = os.path.join(self.tmp, 'elsewhere.conf')
        with open(target, 'w') as f:
            f.write('[Account]\n')
        os.symlink(target, self.account_file('link'))
        os.mkdir(self.account_file('dir'))
        with open(self.account_file('huge'), 'w') as f:
            f.write('[Account]\n' + '# padding\n' * 7000)
        self.start_daemon()
        log = self.daemon_log()
        self.assertIn('symbolic link', log)
        self.assertIn('%s is not a regular file' % self.account_file('dir'), log)
        self.assertIn('%s is larger than' % self.account_file('huge'), log)
        managed = self.call(ROOT_PATH, 'org.freedesktop.DBus.ObjectManager',
                            'GetManagedObjects')
        self.assertEqual(list(managed), [])
        self.assert_error('AlreadyExists', ROOT_PATH, IFACE_MANAGER, 'AddAccount', 'link',
                          dbus.Dictionary({}, signature='sv'))
        self.assertTrue(os.path.islink(self.account_file('link')))


class AtomicWriteTest(AccountFilesTestCase):
    def test_writes_replace_files(self):
        self.start_daemon()
        path = self.add_account('work', {'Host': 'imap.example.com'})
        inode = os.stat(self.account_file('work')).st_ino
        self.update_account('work', {'Port': dbus.UInt32(993)})
        # Renamed over, never rewritten in place; no temporary file left behind.
        self.assertNotEqual(os.stat(self.account_file('work')).st_ino, inode)
        self.assertEqual(os.listdir(self.accounts_dir), ['work.conf'])
        self.assertEqual(os.stat(self.account_file('work')).st_mode & 0o777, 0o600)
        # What was written reads back as the same settings: re-reading changes nothing.
        self.call(ROOT_PATH, IFACE_MANAGER, 'Reload')
        self.sync()
        changes = self.account_changes(path)
        self.assertEqual(len(changes), 1, changes)
        self.assertEqual(changes[0]['Settings']['Port'], 993)
        self.remove_account('work')
        self.assertEqual(os.listdir(self.accounts_dir), [])


class ProbedAccountTest(AccountFilesTestCase):
    """An account with CheckReachability added at run time is announced before its first
    probe begins, and that probe is one whole transition (tests/network covers probes)."""

    def test_added_account_announced_before_transition(self):
        self.start_daemon()
        self.require_online()
        path = account_path('work')
        self.add_account('work', {'Host': '127.0.0.1', 'Port': dbus.UInt32(self.open_port()),
                                  'CheckReachability': dbus.Boolean(True)})
        self.wait_phases(path, 3)
        events = [(e[0], e[2] if e[0] == 'StateChanged' else None)
                  for e in self.recorder.events if e[1] == path and e[0] != 'PropertiesChanged']
        self.assertEqual(events[0][0], 'InterfacesAdded')
        self.assert_transition(path, OFFLINE, ONLINE)
        self.assertEqual(self.reason(path), '')
        self.assertNotIn('Cannot emit', self.daemon_log())


if __name__ == '__main__':
    main()
