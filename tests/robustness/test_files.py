#!/usr/bin/env python3
"""Careless and hostile files: account files that are symlinks, directories, FIFOs,
unreadable, huge, not UTF-8, ambiguous or broken; a corrupt requested-state file;
leftovers of interrupted writes. Each is reported and left untouched, the other accounts
load, and the daemon keeps serving."""

import os
import stat

import dbus

from omtest import (IFACE_ACCOUNT, IFACE_MANAGER, IFACE_OFFLINE, OFFLINE, ONLINE, ROOT_PATH,
                    DaemonTestCase, account_path, main)
import hostile

GOOD = '[Account]\nDisplayName=Good\n'


class AccountFileTest(DaemonTestCase):
    def snapshot(self, path):
        """What is at path, to check that it was left alone."""
        st = os.lstat(path)
        if stat.S_ISLNK(st.st_mode):
            return ('symlink', os.readlink(path))
        if stat.S_ISREG(st.st_mode):
            with open(path, 'rb') as f:
                return ('file', stat.S_IMODE(st.st_mode), f.read())
        return (stat.S_IFMT(st.st_mode), stat.S_IMODE(st.st_mode))

    def assert_refused(self, account_id, why, wrapper=()):
        """Starts the daemon with `good` and the file of account_id prepared by the
        caller; checks that the file is reported (why), not loaded, and left alone, and
        that AddAccount of that id does not replace it."""
        self.write_account('good', GOOD)
        path = self.account_file(account_id)
        before = self.snapshot(path)
        self.start_daemon(wrapper=wrapper)
        self.assertEqual(self.notify.last('STATUS='), '1 account, 1 online')
        self.assertEqual(self.get(account_path('good'), IFACE_ACCOUNT, 'DisplayName'), 'Good')
        self.assert_error('NotFound', ROOT_PATH, IFACE_MANAGER, 'GetAccount', account_id)
        self.assertRegex(self.daemon_log(), r'Cannot load account %s: .*%s' % (account_id, why))
        message = self.assert_error('AlreadyExists', ROOT_PATH, IFACE_MANAGER, 'AddAccount',
                                    account_id, dbus.Dictionary({}, signature='sv'))
        self.assertIn('cannot be loaded', message)
        self.call(ROOT_PATH, IFACE_MANAGER, 'Reload')
        self.assertEqual(self.snapshot(path), before)

    def test_symlink(self):
        target = os.path.join(self.tmp, 'elsewhere.conf')
        with open(target, 'w') as f:
            f.write('[Account]\nDisplayName=Elsewhere\n')
        os.symlink(target, self.account_file('link'))
        self.assert_refused('link', 'symbolic link')
        with open(target) as f:
            self.assertEqual(f.read(), '[Account]\nDisplayName=Elsewhere\n')

    def test_directory(self):
        os.mkdir(self.account_file('dir'))
        self.assert_refused('dir', 'not a regular file')

    def test_fifo(self):
        # Opening a FIFO for reading would block until a writer comes: it must not.
        os.mkfifo(self.account_file('pipe'))
        self.assert_refused('pipe', 'not a regular file')

    def test_unreadable(self):
        with open(self.account_file('secret'), 'w') as f:
            f.write(GOOD)
        os.chmod(self.account_file('secret'), 0)
        self.assert_refused('secret', 'Permission denied', wrapper=hostile.without_dac_override())

    def test_huge(self):
        # A keyfile that fits exactly loads; one byte more is refused unread.
        header = '[Account]\nDisplayName=Big\n#'
        fits = header + 'x' * (hostile.ACCOUNT_FILE_MAX - len(header) - 1) + '\n'
        self.assertEqual(len(fits), hostile.ACCOUNT_FILE_MAX)
        with open(self.account_file('big'), 'w') as f:
            f.write(fits)
        with open(self.account_file('huge'), 'w') as f:
            f.write(fits + '\n')
        self.write_account('good', GOOD)
        self.start_daemon()
        self.assertEqual(self.get(account_path('big'), IFACE_ACCOUNT, 'DisplayName'), 'Big')
        self.assertIn('huge.conf is larger than %d bytes' % hostile.ACCOUNT_FILE_MAX,
                      self.daemon_log())
        self.assert_error('NotFound', ROOT_PATH, IFACE_MANAGER, 'GetAccount', 'huge')

    def test_invalid_utf8_value(self):
        with open(self.account_file('latin1'), 'wb') as f:
            f.write(b'[Account]\nDisplayName=Gr\xfc\xdfe\n')
        self.assert_refused('latin1', 'DisplayName')

    def test_invalid_utf8_group(self):
        with open(self.account_file('badgroup'), 'wb') as f:
            f.write(b'[Acc\xffount]\nDisplayName=x\n')
        self.assert_refused('badgroup', 'badgroup.conf')

    def test_invalid_utf8_in_unknown_key_is_kept(self):
        # A key the daemon does not know is none of its business: the account loads,
        # and the key survives a rewrite byte for byte.
        with open(self.account_file('notes'), 'wb') as f:
            f.write(b'[Account]\nX-Note=caf\xe9\n')
        self.start_daemon()
        self.update_account('notes', {'Port': dbus.UInt32(993)})
        with open(self.account_file('notes'), 'rb') as f:
            data = f.read()
        self.assertIn(b'X-Note=caf\xe9\n', data)
        self.assertIn(b'Port=993\n', data)

    def test_duplicate_key(self):
        # GKeyFile takes the last; a rewrite that clears the setting would bring the
        # first back. Refused instead, and said why.
        self.write_account('twice', '[Account]\nHost=old.example.com\nHost=new.example.com\n')
        self.assert_refused('twice', 'Host is set more than once')

    def test_broken_file_keeps_last_settings_and_is_not_overwritten(self):
        self.write_account('work', '[Account]\nDisplayName=Work\nPort=993\n')
        self.start_daemon()
        self.write_account('work', '[Account]\nDisplayName=Work\nPort=abc\n')
        self.wait_until(lambda: 'Cannot load account work' in self.daemon_log(), 5,
                        'the daemon to notice the broken file')
        settings = self.get(account_path('work'), IFACE_ACCOUNT, 'Settings')
        self.assertEqual((settings['DisplayName'], settings['Port']), ('Work', 993))
        message = self.assert_error('Failed', ROOT_PATH, IFACE_MANAGER, 'UpdateAccount',
                                    'work', dbus.Dictionary({'Port': dbus.UInt32(143)},
                                                            signature='sv'))
        self.assertIn('Not overwriting', message)
        self.assertIn('Port', message)
        with open(self.account_file('work')) as f:
            self.assertEqual(f.read(), '[Account]\nDisplayName=Work\nPort=abc\n')
        # Fixed by hand: picked up, and updates work again.
        self.write_account('work', '[Account]\nDisplayName=Work\nPort=995\n')
        self.wait_until(lambda: self.get(account_path('work'), IFACE_ACCOUNT,
                                         'Settings')['Port'] == 995, 5, 'the fixed file')
        self.update_account('work', {'Port': dbus.UInt32(143)})
        self.assertEqual(self.get(account_path('work'), IFACE_ACCOUNT, 'Settings')['Port'], 143)


class StateFileTest(DaemonTestCase):
    def test_corrupt_requested_state_is_kept_aside(self):
        os.makedirs(self.state_dir)
        garbage = b'\x00\xff[[[\nnot a keyfile'
        with open(self.state_file(), 'wb') as f:
            f.write(garbage)
        self.start_daemon()
        self.assertIn('Cannot read the requested modes', self.daemon_log())
        self.assertEqual(self.state(), ONLINE)
        self.assertEqual(self.set_state(ROOT_PATH, OFFLINE), OFFLINE)
        with open(self.state_file() + '.corrupt', 'rb') as f:
            self.assertEqual(f.read(), garbage)
        self.assertEqual(hostile.parse_keyfile(self.state_file()).get_string(
            'Global', 'RequestedState'), 'offline')

    def test_leftovers_of_interrupted_writes_are_removed(self):
        os.makedirs(self.state_dir)
        leftovers = [os.path.join(self.accounts_dir, '.#offlinemgr-a1b2c3'),
                     os.path.join(self.state_dir, '.#offlinemgr-d4e5f6')]
        for path in leftovers:
            with open(path, 'w') as f:
                f.write('[Account]\nDisplayNa')
        self.write_account('work', GOOD)
        self.start_daemon()
        for path in leftovers:
            self.assertFalse(os.path.exists(path), path)
            self.assertIn('Removed %s' % path, self.daemon_log())
        self.assertEqual(sorted(os.listdir(self.accounts_dir)), ['work.conf'])
        self.assertEqual(self.get(account_path('work'), IFACE_OFFLINE, 'State'), ONLINE)


if __name__ == '__main__':
    main()
