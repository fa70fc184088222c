"""offlinemgrd with the real goa-daemon and evolution-source-registry: the accounts they
know appear on our bus with their Origin, follow them live, and keep what the user set
for them (discovered/<id>.conf) and their requested modes across restarts."""

import json
import os
import subprocess

from omtest import (IFACE_ACCOUNT, IFACE_MANAGER, IFACE_OBJECT_MANAGER, IFACE_OFFLINE,
                    OFFLINE, ROOT_PATH, TIMEOUT_SCALE, account_path, main)
from test_sources import SourcesTestCase, eds_mail_source, goa_account

OFFLINEMGRCTL = os.path.join(os.environ.get('OM_BUILD_ROOT', ''), 'cli', 'offlinemgrctl')
NO_DELAYS = '[Policy]\nOfflineDelayMs=0\nOnlineDelayMs=0\n'


class DaemonSourcesTestCase(SourcesTestCase):

    def accounts(self):
        """Id → the Account interface's properties, from the ObjectManager."""
        managed = self.call(ROOT_PATH, IFACE_OBJECT_MANAGER, 'GetManagedObjects')
        return {str(ifaces[IFACE_ACCOUNT]['Id']): ifaces[IFACE_ACCOUNT]
                for ifaces in managed.values() if IFACE_ACCOUNT in ifaces}

    def wait_account(self, account_id, timeout=20):
        self.wait_until(lambda: account_id in self.accounts(), timeout,
                        'account %s on our bus (have %s)' % (account_id,
                                                             sorted(self.accounts())))
        return self.accounts()[account_id]

    def wait_no_account(self, account_id, timeout=20):
        self.wait_until(lambda: account_id not in self.accounts(), timeout,
                        'account %s to go from our bus' % account_id)

    def discovered_file(self, account_id):
        return os.path.join(self.config_dir, 'discovered', account_id + '.conf')

    def read_discovered(self, account_id):
        with open(self.discovered_file(account_id)) as f:
            return f.read()

    def ctl(self, *args):
        proc = subprocess.run([OFFLINEMGRCTL] + list(args), stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, timeout=30 * TIMEOUT_SCALE)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        return proc.stdout


class GoaDaemonTest(DaemonSourcesTestCase):

    def test_goa_account_on_our_bus(self):
        self.start_goa(goa_account('account_1_0', 'alice@example.com', 'imap.example.com'),
                       goa_account('account_2_0', 'bob@example.org', 'mail.example.org:1143',
                                   ssl=False))
        self.start_daemon()
        # Start-up waited for GOA: the accounts are there as soon as the name is.
        accounts = self.accounts()
        self.assertEqual(sorted(accounts), ['goa-account_1_0', 'goa-account_2_0'])
        alice = accounts['goa-account_1_0']
        self.assertEqual(alice['Origin'], 'goa')
        self.assertEqual(alice['DisplayName'], 'alice@example.com')
        self.assertEqual((alice['Settings']['Host'], alice['Settings']['Port']),
                         ('imap.example.com', 993))
        bob = accounts['goa-account_2_0']
        self.assertEqual((bob['Settings']['Host'], bob['Settings']['Port']),
                         ('mail.example.org', 1143))
        # offlinemgrctl shows where they come from.
        self.assertEqual([line.split('\t')[4] for line in self.ctl('list').splitlines()],
                         ['goa', 'goa'])
        self.assertEqual({a['id']: a['origin'] for a in json.loads(self.ctl('--json', 'list'))},
            {'goa-account_1_0': 'goa', 'goa-account_2_0': 'goa'})
        self.assertIn('Origin\tgoa\n', self.ctl('status', 'goa-account_1_0'))
        # Nothing of ours was written where nobody set anything.
        self.assertFalse(os.path.exists(os.path.join(self.config_dir, 'discovered')))

    def test_mail_turned_off_and_on_keeps_the_users_settings(self):
        self.start_goa(goa_account('account_1_0', 'alice@example.com', 'imap.example.com'))
        self.start_daemon()
        path = account_path('goa-account_1_0')
        self.update_account('goa-account_1_0', {'AllowMetered': False,
                                                'Host': 'imap.internal.example.com'})
        settings = self.get(path, IFACE_ACCOUNT, 'Settings')
        self.assertEqual((settings['AllowMetered'], settings['Host'], settings['Port']),
                         (False, 'imap.internal.example.com', 993))
        # Only what the user gave is kept.
        text = self.read_discovered('goa-account_1_0')
        self.assertIn('AllowMetered=false', text)
        self.assertIn('Host=imap.internal.example.com', text)
        for key in ('Port=', 'DisplayName=', 'MinConnectivity=', 'CheckReachability='):
            self.assertNotIn(key, text)

        self.set_mail_disabled('account_1_0', True)
        self.wait_no_account('goa-account_1_0')
        self.assertTrue(os.path.exists(self.discovered_file('goa-account_1_0')))
        self.set_mail_disabled('account_1_0', False)
        back = self.wait_account('goa-account_1_0')
        self.assertEqual((back['Settings']['AllowMetered'], back['Settings']['Host'],
                          back['Settings']['Port'], back['Origin']),
                         (False, 'imap.internal.example.com', 993, 'goa'))

        # An empty Host gives the service's back.
        self.update_account('goa-account_1_0', {'Host': ''})
        self.assertEqual(self.get(path, IFACE_ACCOUNT, 'Settings')['Host'], 'imap.example.com')
        self.assertNotIn('Host=', self.read_discovered('goa-account_1_0'))

    def test_remove_hides_it_for_good(self):
        self.start_goa(goa_account('account_1_0', 'alice@example.com', 'imap.example.com'),
                       goa_account('account_2_0', 'bob@example.org', 'mail.example.org'))
        self.start_daemon()
        self.remove_account('goa-account_1_0')
        self.assertNotIn('goa-account_1_0', self.accounts())
        self.assertIn('Hidden=true', self.read_discovered('goa-account_1_0'))
        self.wait_log('Account goa-account_1_0 comes from GNOME Online Accounts and is '
                      'hidden, not deleted')
        # GOA still has it: nothing of its was touched.
        self.assertEqual(str(self.goa_account_proxy('account_1_0').Get(
            'org.gnome.OnlineAccounts.Account', 'Id',
            dbus_interface='org.freedesktop.DBus.Properties')), 'account_1_0')
        # Its id is taken.
        message = self.assert_error('AlreadyExists', ROOT_PATH, IFACE_MANAGER, 'AddAccount',
                                    'goa-account_1_0', {}, signature='sa{sv}')
        self.assertIn('Hidden=true', message)
        self.assert_error('AlreadyExists', ROOT_PATH, IFACE_MANAGER, 'AddAccount',
                          'goa-account_2_0', {}, signature='sa{sv}')
        self.assertFalse(os.path.exists(self.account_file('goa-account_1_0')))

        self.stop_daemon()
        self.start_daemon()
        self.assertEqual(sorted(self.accounts()), ['goa-account_2_0'])

        # Removing the line and reloading shows it again.
        with open(self.discovered_file('goa-account_1_0'), 'w') as f:
            f.write('[Account]\n')
        self.call(ROOT_PATH, IFACE_MANAGER, 'Reload')
        self.assertEqual(self.accounts()['goa-account_1_0']['Origin'], 'goa')

    def test_requested_offline_survives_restart(self):
        self.start_goa(goa_account('account_1_0', 'alice@example.com', 'imap.example.com'))
        self.start_daemon()
        path = account_path('goa-account_1_0')
        self.set_state(path, OFFLINE)
        self.assertEqual(self.get(path, IFACE_OFFLINE, 'RequestedState'), OFFLINE)
        self.stop_daemon()
        self.start_daemon()
        self.assertEqual(self.get(path, IFACE_OFFLINE, 'RequestedState'), OFFLINE)
        self.assertEqual(self.get(path, IFACE_OFFLINE, 'State'), OFFLINE)
        self.assertEqual(self.get(path, IFACE_OFFLINE, 'Reason'), 'user-offline')

    def test_goa_started_after_the_daemon(self):
        self.start_daemon()
        self.assertEqual(self.accounts(), {})
        self.start_goa(goa_account('account_1_0', 'alice@example.com', 'imap.example.com'))
        self.assertEqual(self.wait_account('goa-account_1_0')['Origin'], 'goa')

    def test_bad_port_is_skipped_and_logged(self):
        self.start_goa(goa_account('account_1_0', 'alice@example.com', 'imap.example.com'),
                       goa_account('account_2_0', 'bob@example.org',
                                   'imap.example.org:99999'))
        self.start_daemon()
        self.assertEqual(sorted(self.accounts()), ['goa-account_1_0'])
        log = self.wait_log('account_2_0')
        self.assertIn('99999', log)
        self.assertIn('GNOME Online Accounts', log)
        self.assertIsNone(self.daemon.poll())

    def test_an_account_file_wins(self):
        self.start_goa(goa_account('account_1_0', 'alice@example.com', 'imap.example.com'))
        self.write_account('goa-account_1_0', '[Account]\nHost=mine.example.com\nPort=143\n')
        self.start_daemon()
        mine = self.accounts()['goa-account_1_0']
        self.assertEqual((mine['Origin'], mine['Settings']['Host']), ('file', 'mine.example.com'))
        self.wait_log('has the id of an account file')
        # The file goes: the discovered account takes its place.
        os.unlink(self.account_file('goa-account_1_0'))
        self.wait_until(lambda: self.accounts().get('goa-account_1_0', {}).get('Origin') ==
                        'goa', 10, 'the GOA account to replace the file account')


class EdsDaemonTest(DaemonSourcesTestCase):

    def test_eds_mail_source_on_our_bus(self):
        self.write_source('imap-account', eds_mail_source('bob@example.org', 'mail.example.org',
                                                          1993))
        self.start_eds()
        self.start_daemon()
        bob = self.accounts()['eds-imap-account']
        self.assertEqual(bob['Origin'], 'eds')
        self.assertEqual(bob['DisplayName'], 'bob@example.org')
        self.assertEqual((bob['Settings']['Host'], bob['Settings']['Port']),
                         ('mail.example.org', 1993))
        # The registry's built-in sources are no accounts.
        self.assertEqual(sorted(self.accounts()), ['eds-imap-account'])

    def test_goa_mirror_appears_once(self):
        self.start_goa(goa_account('account_1_0', 'alice@example.com', 'imap.example.com'))
        self.write_source('own-account', eds_mail_source('bob@example.org', 'mail.example.org'))
        self.start_eds()
        self.wait_until(lambda: any('AccountId=account_1_0' in (self.eds_data(u) or '')
                                    for u in self.eds_uids()), 20, "the registry's mirror")
        self.start_daemon()
        accounts = self.accounts()
        self.assertEqual({i: a['Origin'] for i, a in accounts.items()},
                         {'goa-account_1_0': 'goa', 'eds-own-account': 'eds'})


class SourcesOffTest(DaemonSourcesTestCase):

    def test_sources_turned_off(self):
        self.start_goa(goa_account('account_1_0', 'alice@example.com', 'imap.example.com'))
        self.write_source('imap-account', eds_mail_source('bob@example.org', 'mail.example.org'))
        self.start_eds()
        self.write_config(NO_DELAYS + '[Sources]\nGnomeOnlineAccounts=false\n'
                          'EvolutionDataServer=false\n')
        self.write_account('mine', '[Account]\nHost=mine.example.com\n')
        self.start_daemon()
        self.assertEqual(sorted(self.accounts()), ['mine'])
        # Turned on again: a reload brings them.
        self.write_config(NO_DELAYS + '[Sources]\nEvolutionDataServer=false\n')
        self.call(ROOT_PATH, IFACE_MANAGER, 'Reload')
        self.wait_account('goa-account_1_0')
        self.assertNotIn('eds-imap-account', self.accounts())
        # And off: a reload takes them away.
        self.write_config(NO_DELAYS + '[Sources]\nGnomeOnlineAccounts=false\n')
        self.call(ROOT_PATH, IFACE_MANAGER, 'Reload')
        self.wait_account('eds-imap-account')
        self.assertEqual(sorted(self.accounts()), ['eds-imap-account', 'mine'])


if __name__ == '__main__':
    main()
