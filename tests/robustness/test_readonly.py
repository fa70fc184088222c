#!/usr/bin/env python3
"""Read-only and missing directories: the daemon starts and serves anyway, says why it
cannot save (log, STATUS=, and the Failed answer of each call that would save), changes
nothing it could not save, and saves again once it can."""

import os

import dbus

from omtest import (IFACE_ACCOUNT, IFACE_MANAGER, IFACE_OFFLINE, OFFLINE, ONLINE, ROOT_PATH,
                    DaemonTestCase, account_path, main)
import hostile


class ReadOnlyTest(DaemonTestCase):
    def setUp(self):
        super().setUp()
        self.read_only = []

    def tearDown(self):
        # Writable again before the test's directory is removed.
        for path in self.read_only:
            if os.path.exists(path):
                os.chmod(path, 0o755)
        super().tearDown()

    def make_read_only(self, path):
        os.makedirs(path, exist_ok=True)
        os.chmod(path, 0o555)
        self.read_only.append(path)

    def start(self, **kwargs):
        self.start_daemon(wrapper=hostile.without_dac_override(), **kwargs)

    def test_read_only_accounts_directory(self):
        self.write_account('work', '[Account]\nDisplayName=Work\n')
        self.make_read_only(self.accounts_dir)
        self.start()
        status = self.notify.last('STATUS=')
        self.assertEqual(status, '1 account, 1 online; cannot save: %s: Permission denied' %
                         self.accounts_dir)
        self.assertIn('Changes cannot be saved: %s: Permission denied' % self.accounts_dir,
                      self.daemon_log())
        self.assertEqual(self.get(account_path('work'), IFACE_ACCOUNT, 'DisplayName'), 'Work')
        self.recorder.clear()

        message = self.assert_error('Failed', ROOT_PATH, IFACE_MANAGER, 'AddAccount', 'new',
                                    dbus.Dictionary({}, signature='sv'))
        self.assertIn('Permission denied', message)
        message = self.assert_error('Failed', ROOT_PATH, IFACE_MANAGER, 'UpdateAccount',
                                    'work', dbus.Dictionary({'DisplayName': 'Changed'},
                                                            signature='sv'))
        self.assertIn('Permission denied', message)
        message = self.assert_error('Failed', ROOT_PATH, IFACE_MANAGER, 'RemoveAccount', 'work')
        self.assertIn('Permission denied', message)
        self.sync()
        self.assertEqual(self.recorder.events, [], 'a change that was not saved was announced')
        self.assertEqual(self.get(account_path('work'), IFACE_ACCOUNT, 'DisplayName'), 'Work')
        self.assert_error('NotFound', ROOT_PATH, IFACE_MANAGER, 'GetAccount', 'new')
        self.assertEqual(os.listdir(self.accounts_dir), ['work.conf'])

        # Fixed: the next save works, and the daemon stops complaining.
        os.chmod(self.accounts_dir, 0o755)
        self.add_account('new')
        # STATUS= follows a batch of changes, after the reply.
        self.wait_until(lambda: self.notify.last('STATUS=') == '2 accounts, 2 online', 10,
                        'STATUS= without the problem')
        self.assertIn('Changes can be saved again', self.daemon_log())

    def test_config_directory_that_cannot_be_created(self):
        parent = os.path.join(self.tmp, 'readonly-home')
        self.make_read_only(parent)
        config_home = os.path.join(parent, 'config')
        self.start(env={'XDG_CONFIG_HOME': config_home}, delays=None)
        # The reason names the directory in the way: the nearest one that exists.
        self.assertEqual(self.notify.last('STATUS='),
                         '0 accounts, 0 online; cannot save: %s: Permission denied' % parent)
        message = self.assert_error('Failed', ROOT_PATH, IFACE_MANAGER, 'AddAccount', 'work',
                                    dbus.Dictionary({}, signature='sv'))
        self.assertIn('Cannot create directory', message)
        self.assertIn('Permission denied', message)
        self.assertFalse(os.path.exists(config_home))
        # Everything that needs no saving works.
        self.assertEqual(self.state(), ONLINE)
        self.assertEqual(self.set_state(ROOT_PATH, OFFLINE), OFFLINE)

    def test_missing_config_directory_is_created(self):
        config_home = os.path.join(self.tmp, 'new-home', 'config')
        self.start(env={'XDG_CONFIG_HOME': config_home}, delays=None)
        self.assertEqual(self.notify.last('STATUS='), '0 accounts, 0 online')
        self.add_account('work')
        self.assertTrue(os.path.isfile(os.path.join(config_home, 'offlinemgr', 'accounts',
                                                    'work.conf')))

    def test_read_only_state_directory(self):
        self.write_account('work', '[Account]\n')
        self.make_read_only(self.state_dir)
        self.start()
        self.assertIn('cannot save: %s: Permission denied' % self.state_dir,
                      self.notify.last('STATUS='))
        self.recorder.clear()
        for path in (ROOT_PATH, account_path('work')):
            message = self.assert_error('Failed', path, IFACE_OFFLINE, 'SetCurrentState',
                                        dbus.UInt32(0), dbus.UInt32(3), dbus.UInt32(OFFLINE))
            self.assertIn('Cannot save the requested state', message)
            self.assertIn('Permission denied', message)
            self.assertEqual(self.get(path, IFACE_OFFLINE, 'RequestedState'), ONLINE)
            self.assertEqual(self.state(path), ONLINE)
        self.sync()
        self.assertEqual(self.recorder.events, [])
        self.assertEqual(os.listdir(self.state_dir), [])


if __name__ == '__main__':
    main()
