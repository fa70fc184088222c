#!/usr/bin/env python3
"""Requested modes under $XDG_STATE_HOME/offlinemgr/: their format, surviving SIGTERM,
SIGINT and SIGKILL, start-up setting states directly (no StateChanged), stale entries
dropped, and a corrupt file kept aside rather than lost."""

import os
import signal

from gi.repository import GLib

from omtest import (IFACE_OFFLINE, OFFLINE, ONLINE, ROOT_PATH, DaemonTestCase, account_path,
                    main)


class PersistenceTestCase(DaemonTestCase):
    def write_state(self, text):
        os.makedirs(self.state_dir, exist_ok=True)
        with open(self.state_file(), 'w') as f:
            f.write(text)

    def read_state(self):
        kf = GLib.KeyFile()
        kf.load_from_file(self.state_file(), GLib.KeyFileFlags.NONE)
        return {(g, k): kf.get_string(g, k) for g in kf.get_groups()[0]
                for k in kf.get_keys(g)[0]}

    def set_everything(self):
        """Global OFFLINE, work OFFLINE, home ONLINE (its default)."""
        self.set_state(ROOT_PATH, OFFLINE)
        self.set_state(account_path('work'), OFFLINE)
        self.set_state(account_path('home'), OFFLINE)
        self.set_state(account_path('home'), ONLINE)

    def assert_everything(self):
        self.assertEqual(self.get_all(ROOT_PATH, IFACE_OFFLINE), {
            'State': OFFLINE, 'RequestedState': OFFLINE, 'Reason': 'user-offline',
            'Transitioning': False})
        self.assertEqual(self.get(account_path('work'), IFACE_OFFLINE, 'RequestedState'),
                         OFFLINE)
        self.assertEqual(self.get(account_path('home'), IFACE_OFFLINE, 'RequestedState'),
                         ONLINE)
        for account_id in ('work', 'home'):
            self.assertEqual(self.reason(account_path(account_id)), 'global-offline')


class StateFileTest(PersistenceTestCase):
    def test_state_file_format(self):
        self.write_account('work', '[Account]\n')
        self.write_account('home', '[Account]\n')
        self.start_daemon()
        self.assertFalse(os.path.exists(self.state_file()))
        self.set_everything()
        # Written before the reply: only OFFLINE requests are stored.
        self.assertEqual(self.read_state(), {('Global', 'RequestedState'): 'offline',
                                             ('Accounts', 'work'): 'offline'})
        self.assertEqual(os.stat(self.state_file()).st_mode & 0o777, 0o600)
        self.set_state(ROOT_PATH, ONLINE)
        self.set_state(account_path('work'), ONLINE)
        self.assertEqual(self.read_state(), {})
        self.assertEqual(os.listdir(self.state_dir), ['requested-state'])

    def test_survives_sigterm(self):
        self.write_account('work', '[Account]\n')
        self.write_account('home', '[Account]\n')
        self.start_daemon()
        self.set_everything()
        self.stop_daemon(signal.SIGTERM, expect=0)
        self.start_daemon()
        self.assert_everything()

    def test_survives_sigint(self):
        self.write_account('work', '[Account]\n')
        self.write_account('home', '[Account]\n')
        self.start_daemon()
        self.set_everything()
        self.stop_daemon(signal.SIGINT, expect=0)
        self.start_daemon()
        self.assert_everything()

    def test_survives_sigkill(self):
        self.write_account('work', '[Account]\n')
        self.write_account('home', '[Account]\n')
        self.start_daemon()
        self.set_everything()
        self.stop_daemon(signal.SIGKILL, expect=-signal.SIGKILL)
        self.start_daemon()
        self.assert_everything()

    def test_accounts_survive_restart(self):
        self.start_daemon()
        self.add_account('work', {'DisplayName': 'Work'})
        self.update_account('work', {'Host': 'imap.example.com'})
        self.stop_daemon(signal.SIGKILL, expect=-signal.SIGKILL)
        self.start_daemon()
        settings = self.get(account_path('work'), 'org.offlinemgr.OfflineMgr1.Account',
                            'Settings')
        self.assertEqual((settings['DisplayName'], settings['Host']),
                         ('Work', 'imap.example.com'))


class StartStateTest(PersistenceTestCase):
    def test_states_set_directly_at_start(self):
        self.write_account('work', '[Account]\n')
        self.write_account('home', '[Account]\n')
        self.write_state('[Global]\nRequestedState=offline\n[Accounts]\nwork=offline\n')
        # The recorder listens from before the daemon starts.
        self.start_daemon()
        self.sync()
        self.assertEqual([e for e in self.recorder.events if e[0] in ('StateChanged',
                                                                      'PropertiesChanged')], [])
        self.assertEqual(self.get_all(ROOT_PATH, IFACE_OFFLINE)['Reason'], 'user-offline')
        self.assertEqual(self.get_all(account_path('work'), IFACE_OFFLINE), {
            'State': OFFLINE, 'RequestedState': OFFLINE, 'Reason': 'global-offline',
            'Transitioning': False})
        self.assertEqual(self.get(account_path('home'), IFACE_OFFLINE, 'RequestedState'),
                         ONLINE)
        self.assertEqual(self.notify.last('STATUS='),
                         '2 accounts, 0 online; offline: user-offline')

    def test_stale_requests_dropped_at_start(self):
        self.write_account('work', '[Account]\n')
        self.write_account('broken', '[Account\n')
        self.write_state('[Accounts]\nwork=offline\ngone=offline\nbroken=offline\n')
        self.start_daemon()
        # The request of an account whose file is gone is dropped; one whose file is only
        # broken is kept for when it is fixed.
        self.assertEqual(self.read_state(), {('Accounts', 'work'): 'offline',
                                             ('Accounts', 'broken'): 'offline'})
        self.write_account('broken', '[Account]\n')
        self.wait_until(self._has_broken, 5, 'the fixed account to load')
        self.assertEqual(self.get(account_path('broken'), IFACE_OFFLINE, 'RequestedState'),
                         OFFLINE)

    def test_request_of_removed_broken_file_dropped(self):
        # A file that never loaded is removed at run time: its request goes too, as it
        # would at the next start, so that a new account of that id starts afresh.
        self.write_account('broken', '[Account\n')
        self.write_state('[Accounts]\nbroken=offline\n')
        self.start_daemon()
        os.unlink(self.account_file('broken'))
        self.wait_until(lambda: self.read_state() == {}, 5, 'the request to be dropped')
        self.add_account('broken')
        self.assertEqual(self.get(account_path('broken'), IFACE_OFFLINE, 'RequestedState'),
                         ONLINE)

    def _has_broken(self):
        managed = self.call(ROOT_PATH, 'org.freedesktop.DBus.ObjectManager',
                            'GetManagedObjects')
        return account_path('broken') in managed

    def test_corrupt_state_file_kept(self):
        garbage = b'[Global\nRequestedState=offline\n\xff\n'
        os.makedirs(self.state_dir)
        with open(self.state_file(), 'wb') as f:
            f.write(garbage)
        self.write_account('work', '[Account]\n')
        self.start_daemon()
        self.assertIn('Cannot read the requested modes', self.daemon_log())
        self.assertIn(self.state_file(), self.daemon_log())
        self.assertEqual(self.get(ROOT_PATH, IFACE_OFFLINE, 'RequestedState'), ONLINE)
        # Untouched until there is something to write; then kept aside, not lost.
        with open(self.state_file(), 'rb') as f:
            self.assertEqual(f.read(), garbage)
        self.set_state(account_path('work'), OFFLINE)
        with open(self.state_file() + '.corrupt', 'rb') as f:
            self.assertEqual(f.read(), garbage)
        self.assertEqual(self.read_state(), {('Accounts', 'work'): 'offline'})


if __name__ == '__main__':
    main()
