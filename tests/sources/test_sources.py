"""The account sources against the real goa-daemon and evolution-source-registry.

Each test starts the services it needs on the class's private session bus, with HOME and
the XDG directories in the test's temporary directory and GSETTINGS_BACKEND=memory, and
runs tests/sources/source-driver, which prints the sources' callbacks. Stand-ins
(standin.py) play only what the real services cannot: one that never answers, and a
registry whose Data does not parse."""

import hashlib
import json
import os
import select
import signal
import subprocess
import sys
import time

import dbus

from clienttest import ClientTestCase
from omtest import TIMEOUT_SCALE, _die_with_parent, main

GOA_DAEMON = '/usr/libexec/goa-daemon'
EDS_REGISTRY = '/usr/libexec/evolution-source-registry'
SOURCE_DRIVER = os.environ.get('OM_SOURCE_DRIVER', '')
STANDIN = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'standin.py')

GOA_NAME = 'org.gnome.OnlineAccounts'
GOA_ACCOUNTS = '/org/gnome/OnlineAccounts/Accounts/'
GOA_ACCOUNT = 'org.gnome.OnlineAccounts.Account'
EDS_NAME = 'org.gnome.evolution.dataserver.Sources5'
EDS_PATH = '/org/gnome/evolution/dataserver/SourceManager'
EDS_SOURCE = 'org.gnome.evolution.dataserver.Source'
OBJECT_MANAGER = 'org.freedesktop.DBus.ObjectManager'

# The bound on the services' answers given to the driver in tests of stalls.
STALL_TIMEOUT_MS = 1000


def goa_account(account_id, email, imap_host, ssl=True, **extra):
    """An imap_smtp account of goa-1.0/accounts.conf."""
    keys = {
        'Provider': 'imap_smtp', 'Identity': email, 'PresentationIdentity': email,
        'EmailAddress': email, 'Name': 'Test User', 'Enabled': 'true',
        'ImapHost': imap_host, 'ImapUserName': 'user', 'ImapUseSsl': str(ssl).lower(),
        'ImapUseTls': 'false', 'ImapAcceptSslErrors': 'false',
        'SmtpHost': 'smtp.example.com', 'SmtpUseAuth': 'false', 'SmtpUseSsl': 'true',
        'SmtpUseTls': 'false', 'SmtpAcceptSslErrors': 'false',
    }
    keys.update(extra)
    return '[Account %s]\n%s\n' % (account_id, ''.join('%s=%s\n' % kv for kv in keys.items()))


def eds_mail_source(name, host, port=993, enabled=True, parent='', backend='imapx',
                    security='ssl-on-alternate-port'):
    """A mail account's .source keyfile."""
    text = ('[Data Source]\nDisplayName=%s\nEnabled=%s\nParent=%s\n\n'
            '[Mail Account]\nBackendName=%s\n\n[Authentication]\n' %
            (name, str(enabled).lower(), parent, backend))
    if host is not None:
        text += 'Host=%s\n' % host
    if port is not None:
        text += 'Port=%s\n' % port
    text += 'User=user\n\n[Security]\nMethod=%s\n' % security
    return text


def eds_calendar_source(name):
    return ('[Data Source]\nDisplayName=%s\nEnabled=true\nParent=local-stub\n\n'
            '[Calendar]\nBackendName=local\n' % name)


def account(origin, account_id, source_id, display_name, host, port):
    return {'origin': origin, 'id': account_id, 'source_id': source_id,
            'display_name': display_name, 'host': host, 'port': port}


class SourcesTestCase(ClientTestCase):
    """A private session bus per class (omtest), the services per test."""

    def setUp(self):
        for program, package in ((GOA_DAEMON, 'gnome-online-accounts'),
                                 (EDS_REGISTRY, 'evolution-data-server')):
            if not os.access(program, os.X_OK):
                self.skipTest('%s is not installed (Debian package %s; scripts/install-deps '
                              'test installs it)' % (program, package))
        super().setUp()
        self.services = {}   # bus name → Popen
        self.standins = []
        for d in ('home', 'config/goa-1.0', 'config/evolution/sources', 'data', 'cache',
                  'runtime'):
            os.makedirs(os.path.join(self.tmp, d), exist_ok=True)
        os.chmod(os.path.join(self.tmp, 'runtime'), 0o700)
        self.driver_log_path = os.path.join(self.tmp, 'source-driver.log')

    def tearDown(self):
        problems = []
        for name in list(self.services):
            problems += self.stop_service(name, check=False)
        for p in self.standins:
            if p.poll() is None:
                p.kill()
            p.wait()
        if self._failed():
            sys.stderr.write('--- source-driver log ---\n%s\n' % self.driver_log())
            for name in ('goa', 'eds'):
                path = os.path.join(self.tmp, name + '.log')
                if os.path.exists(path):
                    with open(path, errors='replace') as f:
                        sys.stderr.write('--- %s log ---\n%s\n' % (name, f.read()))
        super().tearDown()

    # ---- the services ----

    def service_env(self):
        env = dict(os.environ)
        env.pop('G_DEBUG', None)
        env.update({
            'HOME': os.path.join(self.tmp, 'home'),
            'XDG_CONFIG_HOME': os.path.join(self.tmp, 'config'),
            'XDG_DATA_HOME': os.path.join(self.tmp, 'data'),
            'XDG_CACHE_HOME': os.path.join(self.tmp, 'cache'),
            'XDG_RUNTIME_DIR': os.path.join(self.tmp, 'runtime'),
            'GSETTINGS_BACKEND': 'memory',
        })
        return env

    def start_service(self, name, argv, log):
        self.assertNotIn(name, self.services)
        proc = subprocess.Popen(argv, env=self.service_env(), stdin=subprocess.DEVNULL,
                                stdout=open(os.path.join(self.tmp, log), 'a'),
                                stderr=subprocess.STDOUT, preexec_fn=_die_with_parent)
        self.services[name] = proc
        self.wait_until(lambda: self.session.name_has_owner(name) or proc.poll() is not None,
                        20, '%s to own %s' % (argv[0], name))
        self.assertIsNone(proc.poll(), '%s exited with %s' % (argv[0], proc.returncode))
        return proc

    def start_goa(self, *accounts):
        """Writes accounts.conf (if accounts are given) and starts goa-daemon."""
        if accounts:
            self.write_goa(*accounts)
        return self.start_service(GOA_NAME, [GOA_DAEMON], 'goa.log')

    def write_goa(self, *accounts):
        """Writes accounts.conf at once (goa-daemon watches it), as GOA itself does."""
        path = os.path.join(self.tmp, 'config', 'goa-1.0', 'accounts.conf')
        with open(path + '.tmp', 'w') as f:
            f.write('\n'.join(accounts))
        os.rename(path + '.tmp', path)

    def start_eds(self):
        proc = self.start_service(EDS_NAME, [EDS_REGISTRY], 'eds.log')
        # The registry owns its name first and loads the sources after.
        self.wait_until(lambda: self.eds_uids(), 20, 'the registry to export its sources')
        return proc

    def write_source(self, uid, text):
        path = os.path.join(self.tmp, 'config', 'evolution', 'sources', uid + '.source')
        with open(path, 'w') as f:
            f.write(text)

    def stop_service(self, name, check=True):
        """Stops a service with SIGTERM (SIGKILL after a bound) and waits until its name
        is released. Returns problems found when check is False."""
        proc = self.services.pop(name)
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        try:
            self.wait_until(lambda: not self.session.name_has_owner(name), 10,
                            '%s to be released' % name)
        except AssertionError as e:
            if check:
                raise
            return [str(e)]
        return []

    def start_standin(self, *args):
        proc = subprocess.Popen(['/usr/bin/python3', STANDIN] + list(args),
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                env=self.service_env(), preexec_fn=_die_with_parent)
        self.standins.append(proc)
        ready, _, _ = select.select([proc.stdout], [], [], 20)
        self.assertTrue(ready and proc.stdout.readline().strip() == 'ready',
                        'the stand-in did not start')
        return proc

    def stop_standin(self, proc, name):
        proc.stdin.close()
        proc.kill()
        proc.wait()
        self.wait_until(lambda: not self.session.name_has_owner(name), 10,
                        '%s to be released' % name)

    # ---- talking to the services ----

    def goa_account_proxy(self, account_id):
        return self.session.get_object(GOA_NAME, GOA_ACCOUNTS + account_id, introspect=False)

    def set_mail_disabled(self, account_id, disabled):
        self.goa_account_proxy(account_id).Set(
            GOA_ACCOUNT, 'MailDisabled', dbus.Boolean(disabled), signature='ssv',
            dbus_interface='org.freedesktop.DBus.Properties', timeout=10 * TIMEOUT_SCALE)

    def eds_objects(self):
        manager = self.session.get_object(EDS_NAME, EDS_PATH, introspect=False)
        return manager.GetManagedObjects(dbus_interface=OBJECT_MANAGER,
                                         timeout=10 * TIMEOUT_SCALE)

    def eds_uids(self):
        return {str(ifaces[EDS_SOURCE]['UID']): str(path)
                for path, ifaces in self.eds_objects().items() if EDS_SOURCE in ifaces}

    def eds_data(self, uid):
        for ifaces in self.eds_objects().values():
            if EDS_SOURCE in ifaces and str(ifaces[EDS_SOURCE]['UID']) == uid:
                return str(ifaces[EDS_SOURCE]['Data'])
        return None

    def eds_source_proxy(self, uid):
        return self.session.get_object(EDS_NAME, self.eds_uids()[uid], introspect=False)

    def eds_create(self, uid, text):
        manager = self.session.get_object(EDS_NAME, EDS_PATH, introspect=False)
        manager.CreateSources({uid: text}, signature='a{ss}',
                              dbus_interface='org.gnome.evolution.dataserver.SourceManager',
                              timeout=10 * TIMEOUT_SCALE)

    # ---- the driver ----

    def start_driver(self, *args):
        self.assertTrue(SOURCE_DRIVER, 'OM_SOURCE_DRIVER is not set')
        return self.driver(SOURCE_DRIVER, args=['--log', self.driver_log_path] + list(args))

    def driver_log(self):
        try:
            with open(self.driver_log_path, errors='replace') as f:
                return f.read()
        except FileNotFoundError:
            return ''

    def wait_driver_log(self, text, timeout=10):
        self.wait_until(lambda: text in self.driver_log(), timeout, 'log line %r' % text)

    def wait_line(self, d, line, timeout=20):
        """Waits for an event line; returns the events seen so far."""
        d.wait_events(lambda ev: line in ev, timeout, repr(line))
        return list(d.events)

    def wait_status(self, d, origin, status, timeout=20):
        return self.wait_line(d, 'status %s %s' % (origin, status), timeout)

    def events(self, d):
        """The event lines received so far."""
        d._take_events()
        return d.events

    def clear_events(self, d):
        self.events(d).clear()

    def changes(self, d, origin=None):
        """The changed events' accounts, in order."""
        out = []
        for e in self.events(d):
            parts = e.split(' ', 2)
            if parts[0] == 'changed' and (origin is None or parts[1] == origin):
                out.append(json.loads(parts[2]))
        return out

    def removals(self, d, origin=None):
        return [e.split(' ')[2] for e in self.events(d)
                if e.startswith('removed ') and (origin is None or e.split(' ')[1] == origin)]

    def accounts(self, d):
        return json.loads(d.ok('list'))

    def wait_accounts(self, d, expected, timeout=20):
        self.wait_until(lambda: self.accounts(d) == expected, timeout,
                        'the accounts to be %s (have %s)' % (expected, self.accounts(d)))

    def assert_idle(self, d, window=0):
        """No timer is armed in the driver (the poll that waited for the command had no
        timeout), and neither the bus nor a timer woke it in an observation window of
        @window seconds."""
        d.ok('idle')
        if window:
            deadline = time.monotonic() + window
            self.wait_until(lambda: time.monotonic() > deadline, window + 5,
                            'the observation window to pass')
        self.assertEqual(d.ok('idle'), 'wakeups=0 timeout=-1')

    def assert_no_timer(self, d):
        """No timer is armed in the driver. (The services themselves may still send
        signals now and then: goa-daemon flags AttentionNeeded when it finds no
        credentials, say.)"""
        d.ok('idle')
        self.assertRegex(d.ok('idle'), r'^wakeups=\d+ timeout=-1$')


class GoaTest(SourcesTestCase):

    def test_accounts_present_at_start(self):
        self.start_goa(goa_account('account_1_0', 'alice@example.com', 'imap.example.com'),
                       goa_account('account_2_0', 'bob@example.org', 'mail.example.org:1143',
                                   ssl=False),
                       goa_account('account_3_0', 'carol@example.net', '[2001:db8::1]:1993'),
                       goa_account('account_4_0', 'dave@example.net', 'mail.example.net',
                                   ssl=False))
        d = self.start_driver('--goa')
        self.wait_status(d, 'goa', 'up')
        expected = [
            account('goa', 'goa-account_1_0', 'account_1_0', 'alice@example.com',
                    'imap.example.com', 993),
            account('goa', 'goa-account_2_0', 'account_2_0', 'bob@example.org',
                    'mail.example.org', 1143),
            account('goa', 'goa-account_3_0', 'account_3_0', 'carol@example.net',
                    '2001:db8::1', 1993),
            account('goa', 'goa-account_4_0', 'account_4_0', 'dave@example.net',
                    'mail.example.net', 143),
        ]
        # Every account is reported before the source says it is up, each once.
        self.assertEqual(sorted(self.changes(d), key=lambda a: a['id']), expected)
        self.assertEqual(self.events(d)[-1], 'status goa up')
        self.assertEqual(self.accounts(d), expected)
        self.assert_no_timer(d)

    def test_mail_turned_off_and_on(self):
        self.start_goa(goa_account('account_1_0', 'alice@example.com', 'imap.example.com'),
                       goa_account('account_2_0', 'bob@example.org', 'imap.example.org'))
        d = self.start_driver('--goa')
        self.wait_status(d, 'goa', 'up')
        self.assertEqual(len(self.accounts(d)), 2)

        self.set_mail_disabled('account_1_0', True)
        self.wait_line(d, 'removed goa goa-account_1_0')
        self.assertEqual([a['id'] for a in self.accounts(d)], ['goa-account_2_0'])

        self.clear_events(d)
        self.set_mail_disabled('account_1_0', False)
        self.wait_until(lambda: self.changes(d), 20, 'the account to come back')
        self.assertEqual(self.changes(d), [account('goa', 'goa-account_1_0', 'account_1_0',
                                                   'alice@example.com', 'imap.example.com',
                                                   993)])
        self.assertEqual(len(self.accounts(d)), 2)
        # The other account was not touched.
        self.assertEqual(self.removals(d), [])

    def test_account_removed(self):
        """goa-daemon reloads accounts.conf when it changes, and removes the objects of
        the accounts gone from it (its Account.Remove() does the same after deleting the
        credentials from a keyring, which the test bus does not have)."""
        alice = goa_account('account_1_0', 'alice@example.com', 'imap.example.com')
        self.start_goa(alice, goa_account('account_2_0', 'bob@example.org', 'imap.example.org'))
        d = self.start_driver('--goa')
        self.wait_status(d, 'goa', 'up')
        self.clear_events(d)
        self.write_goa(alice)
        self.wait_line(d, 'removed goa goa-account_2_0')
        self.assertEqual([a['id'] for a in self.accounts(d)], ['goa-account_1_0'])
        self.assertEqual(self.changes(d), [])

    def test_started_late(self):
        d = self.start_driver('--goa')
        self.wait_status(d, 'goa', 'absent')
        self.assertEqual(self.accounts(d), [])
        self.start_goa(goa_account('account_1_0', 'alice@example.com', 'imap.example.com'))
        self.wait_status(d, 'goa', 'up')
        self.assertEqual([a['id'] for a in self.accounts(d)], ['goa-account_1_0'])
        self.assertIn('status goa reading', self.events(d))

    def test_restarted(self):
        """Accounts stay while the service is away; when it is back, what changed
        meanwhile is reported, and nothing else."""
        self.start_goa(goa_account('account_1_0', 'alice@example.com', 'imap.example.com'),
                       goa_account('account_2_0', 'bob@example.org', 'imap.example.org'),
                       goa_account('account_3_0', 'carol@example.net', 'imap.example.net'))
        d = self.start_driver('--goa')
        self.wait_status(d, 'goa', 'up')
        before = self.accounts(d)
        self.clear_events(d)

        self.stop_service(GOA_NAME)
        self.wait_status(d, 'goa', 'absent')
        self.assertEqual(self.accounts(d), before)
        self.write_goa(goa_account('account_1_0', 'alice@example.com', 'imap.example.com'),
                       goa_account('account_2_0', 'bob@example.org', 'imap2.example.org:994'))
        self.start_goa()
        self.wait_status(d, 'goa', 'up')
        self.assertEqual(self.changes(d), [account('goa', 'goa-account_2_0', 'account_2_0',
                                                   'bob@example.org', 'imap2.example.org',
                                                   994)])
        self.assertEqual(self.removals(d), ['goa-account_3_0'])
        self.assertEqual([a['id'] for a in self.accounts(d)],
                         ['goa-account_1_0', 'goa-account_2_0'])

    def test_replaced(self):
        """Another goa-daemon takes the name over (--replace): the new owner is read."""
        self.start_goa(goa_account('account_1_0', 'alice@example.com', 'imap.example.com'))
        d = self.start_driver('--goa')
        self.wait_status(d, 'goa', 'up')
        first = self.services.pop(GOA_NAME)
        owner = self.session.get_name_owner(GOA_NAME)
        self.write_goa(goa_account('account_1_0', 'alice@example.com', 'imap.example.com'),
                       goa_account('account_2_0', 'bob@example.org', 'imap.example.org'))
        self.clear_events(d)
        proc = subprocess.Popen([GOA_DAEMON, '--replace'], env=self.service_env(),
                                stdin=subprocess.DEVNULL,
                                stdout=open(os.path.join(self.tmp, 'goa.log'), 'a'),
                                stderr=subprocess.STDOUT, preexec_fn=_die_with_parent)
        self.services[GOA_NAME] = proc
        self.wait_until(lambda: first.poll() is not None, 20, 'the first goa-daemon to exit')
        self.wait_until(lambda: self.session.name_has_owner(GOA_NAME) and
                        self.session.get_name_owner(GOA_NAME) != owner, 20, 'the new owner')
        self.wait_line(d, 'status goa up')
        self.assertEqual([a['id'] for a in self.accounts(d)],
                         ['goa-account_1_0', 'goa-account_2_0'])
        self.assertEqual([a['id'] for a in self.changes(d)], ['goa-account_2_0'])
        self.assertEqual(self.removals(d), [])

    def test_bad_data(self):
        long_address = 'x' * 300 + '@example.com'
        self.start_goa(
            goa_account('account_1_0', 'alice@example.com', 'imap.example.com'),
            goa_account('account_2_0', 'port@example.com', 'imap.example.com:99999'),
            goa_account('account_3_0', 'zero@example.com', 'imap.example.com:0'),
            goa_account('account_4_0', 'space@example.com', 'bad host!'),
            goa_account('account_5_0', 'bracket@example.com', '[2001:db8::1'),
            goa_account('account_6_0', 'empty@example.com', ''),
            goa_account('account_7_0', long_address, 'imap.example.com'),
            goa_account('account_8_0', 'colon@example.com', 'imap.example.com:'),
        )
        d = self.start_driver('--goa')
        self.wait_status(d, 'goa', 'up')
        self.assertEqual([a['id'] for a in self.accounts(d)], ['goa-account_1_0'])
        log = self.driver_log()
        for account_id, what in (('account_2_0', "ImapHost 'imap.example.com:99999' has a port"),
                                 ('account_3_0', "ImapHost 'imap.example.com:0' has a port"),
                                 ('account_4_0', "Host 'bad host!' is not a host name"),
                                 ('account_5_0', "ImapHost '[2001:db8::1' is not [address]"),
                                 ('account_6_0', 'ImapHost is empty'),
                                 ('account_7_0', 'DisplayName is longer than 256 bytes'),
                                 ('account_8_0', "ImapHost 'imap.example.com:' has a port")):
            self.assertIn('GNOME Online Accounts: %s: %s' % (account_id, what), log)
        self.assertEqual(log.count('; skipped'), 7, log)
        # Logged once, not again on changes that do not touch the problem.
        self.set_mail_disabled('account_1_0', True)
        self.wait_line(d, 'removed goa goa-account_1_0')
        self.assertEqual(self.driver_log().count('; skipped'), 7)

    def test_stalled_service_given_up_and_retried(self):
        """A service that owns the name but never answers is given up on within the
        bound, and read again when another owner comes."""
        d = self.start_driver('--goa', '--timeout-ms', str(int(STALL_TIMEOUT_MS * TIMEOUT_SCALE)))
        self.wait_status(d, 'goa', 'absent')
        standin = self.start_standin('silent', GOA_NAME)
        self.wait_status(d, 'goa', 'reading')
        start = time.monotonic()
        self.wait_status(d, 'goa', 'stalled', timeout=STALL_TIMEOUT_MS / 1000 + 5)
        self.assertLess(time.monotonic() - start, (STALL_TIMEOUT_MS / 1000 + 2) * TIMEOUT_SCALE)
        self.wait_driver_log('GNOME Online Accounts (')
        self.assertIn('does not answer GetManagedObjects (no answer within %.1f s); giving up'
                      % (STALL_TIMEOUT_MS * TIMEOUT_SCALE / 1000), self.driver_log())
        # Given up: no timer left behind, and no retry until the name changes hands.
        self.assert_idle(d)

        self.stop_standin(standin, GOA_NAME)
        self.wait_line(d, 'status goa absent')
        self.start_goa(goa_account('account_1_0', 'alice@example.com', 'imap.example.com'))
        self.wait_status(d, 'goa', 'up')
        self.assertEqual([a['id'] for a in self.accounts(d)], ['goa-account_1_0'])


class EdsTest(SourcesTestCase):

    def test_sources_present_at_start(self):
        self.write_source('imap-account', eds_mail_source('bob@example.org', 'mail.example.org',
                                                          993))
        self.write_source('pop-account', eds_mail_source('pop@example.org', 'pop.example.org',
                                                         port=None, backend='pop',
                                                         security='none'))
        self.write_source('disabled-account', eds_mail_source('off@example.org',
                                                              'off.example.org',
                                                              enabled=False))
        self.write_source('maildir-account', eds_mail_source('local', None, port=None,
                                                             backend='maildir'))
        self.write_source('my-calendar', eds_calendar_source('Calendar'))
        self.start_eds()
        d = self.start_driver('--eds')
        self.wait_status(d, 'eds', 'up')
        expected = [
            account('eds', 'eds-imap-account', 'imap-account', 'bob@example.org',
                    'mail.example.org', 993),
            account('eds', 'eds-pop-account', 'pop-account', 'pop@example.org',
                    'pop.example.org', 110),
        ]
        self.assertEqual(self.accounts(d), expected)
        self.assertEqual(sorted(self.changes(d), key=lambda a: a['id']), expected)
        # The registry's built-in mail stores were there, and were skipped.
        uids = self.eds_uids()
        self.assertIn('local', uids)
        self.assertIn('vfolder', uids)
        self.assert_no_timer(d)

    def test_source_added_changed_removed(self):
        self.start_eds()
        d = self.start_driver('--eds')
        self.wait_status(d, 'eds', 'up')
        self.assertEqual(self.accounts(d), [])

        self.eds_create('new-account', eds_mail_source('new@example.org', 'imap.example.org'))
        self.wait_until(lambda: self.changes(d), 20, 'the new account')
        self.assertEqual(self.changes(d), [account('eds', 'eds-new-account', 'new-account',
                                                   'new@example.org', 'imap.example.org', 993)])

        self.clear_events(d)
        data = self.eds_data('new-account').replace('Host=imap.example.org',
                                                    'Host=imap2.example.org')
        self.eds_source_proxy('new-account').Write(
            data, dbus_interface='org.gnome.evolution.dataserver.Source.Writable',
            timeout=10 * TIMEOUT_SCALE)
        self.wait_until(lambda: self.changes(d), 20, 'the change')
        self.assertEqual(self.changes(d), [account('eds', 'eds-new-account', 'new-account',
                                                   'new@example.org', 'imap2.example.org',
                                                   993)])

        # Disabled and enabled again.
        self.clear_events(d)
        self.eds_source_proxy('new-account').Write(
            data.replace('Enabled=true', 'Enabled=false'),
            dbus_interface='org.gnome.evolution.dataserver.Source.Writable',
            timeout=10 * TIMEOUT_SCALE)
        self.wait_line(d, 'removed eds eds-new-account')
        self.eds_source_proxy('new-account').Write(
            data, dbus_interface='org.gnome.evolution.dataserver.Source.Writable',
            timeout=10 * TIMEOUT_SCALE)
        self.wait_until(lambda: self.changes(d), 20, 'the account to come back')

        self.clear_events(d)
        self.eds_source_proxy('new-account').Remove(
            dbus_interface='org.gnome.evolution.dataserver.Source.Removable',
            timeout=10 * TIMEOUT_SCALE)
        self.wait_line(d, 'removed eds eds-new-account')
        self.assertEqual(self.accounts(d), [])

    def test_disabled_parent(self):
        """A mail account under a disabled collection is skipped, and comes when the
        collection is enabled."""
        self.write_source('my-collection', '[Data Source]\nDisplayName=Work\nEnabled=false\n'
                          'Parent=\n\n[Collection]\nBackendName=none\n')
        self.write_source('work-mail', eds_mail_source('work@example.org', 'imap.example.org',
                                                       parent='my-collection'))
        self.start_eds()
        d = self.start_driver('--eds')
        self.wait_status(d, 'eds', 'up')
        self.assertEqual(self.accounts(d), [])
        data = self.eds_data('my-collection').replace('Enabled=false', 'Enabled=true')
        self.eds_source_proxy('my-collection').Write(
            data, dbus_interface='org.gnome.evolution.dataserver.Source.Writable',
            timeout=10 * TIMEOUT_SCALE)
        self.wait_until(lambda: self.changes(d), 20, 'the account under the collection')
        self.assertEqual([a['id'] for a in self.accounts(d)], ['eds-work-mail'])

    def test_parent_after_child(self):
        """The registry holds a source whose parent is not there back until the parent
        comes, and then exports the parent first: the parent decides for the child from
        the start."""
        self.start_eds()
        d = self.start_driver('--eds')
        self.wait_status(d, 'eds', 'up')
        self.eds_create('child', eds_mail_source('child@example.org', 'imap.example.org',
                                                 parent='late-collection'))
        self.eds_create('other-child', eds_mail_source('other@example.org', 'imap.example.org',
                                                       parent='other-collection'))
        self.assertIsNone(self.eds_data('child'))
        self.eds_create('late-collection', '[Data Source]\nDisplayName=Work\nEnabled=false\n'
                        'Parent=\n\n[Collection]\nBackendName=none\n')
        self.eds_create('other-collection', '[Data Source]\nDisplayName=Home\nEnabled=true\n'
                        'Parent=\n\n[Collection]\nBackendName=none\n')
        self.wait_until(lambda: self.changes(d), 20, 'the account under the enabled collection')
        self.assertIsNotNone(self.eds_data('child'))
        self.assertEqual([a['id'] for a in self.changes(d)], ['eds-other-child'])
        self.assertEqual([a['id'] for a in self.accounts(d)], ['eds-other-child'])
        self.assertEqual(self.removals(d), [])

    def test_bad_data(self):
        self.write_source('good', eds_mail_source('good@example.org', 'imap.example.org'))
        self.write_source('bad-host', eds_mail_source('bad@example.org', 'bad host!'))
        self.write_source('no-host', eds_mail_source('nohost@example.org', None))
        self.write_source('odd uid@x', eds_mail_source('odd@example.org', 'imap.example.org'))
        self.write_source('caf\u00e9', eds_mail_source('cafe@example.org', 'imap.example.org'))
        long_uid = 'a' * 70
        self.write_source(long_uid, eds_mail_source('long@example.org', 'imap.example.org'))
        self.start_eds()
        d = self.start_driver('--eds')
        self.wait_status(d, 'eds', 'up')
        ids = [a['id'] for a in self.accounts(d)]
        # Too long for an id: its start, and a hash of the whole.
        long_id = 'eds-' + 'a' * 47 + '-' + hashlib.sha256(long_uid.encode()).hexdigest()[:12]
        self.assertEqual(ids, [long_id, 'eds-caf_c3_a9', 'eds-good', 'eds-odd_20uid_40x'])
        self.assertEqual(len(long_id), 64)
        self.assertEqual({a['source_id'] for a in self.accounts(d)},
                         {'good', 'odd uid@x', 'caf\u00e9', long_uid})
        log = self.driver_log()
        self.assertIn("evolution-data-server: bad-host: Host 'bad host!' is not a host name", log)
        self.assertIn('evolution-data-server: no-host: [Authentication] has no Host; skipped',
                      log)

    def test_ids_that_map_to_one(self):
        """Two UIDs whose account ids are the same: one is reported, the other is logged
        and skipped."""
        self.write_source('odd uid@x', eds_mail_source('odd@example.org', 'imap.example.org'))
        self.write_source('odd_20uid_40x', eds_mail_source('lit@example.org', 'imap.example.org'))
        self.start_eds()
        d = self.start_driver('--eds')
        self.wait_status(d, 'eds', 'up')
        accounts = self.accounts(d)
        self.assertEqual([a['id'] for a in accounts], ['eds-odd_20uid_40x'])
        other = ({'odd uid@x', 'odd_20uid_40x'} - {accounts[0]['source_id']}).pop()
        self.assertIn('evolution-data-server: %s: its account id eds-odd_20uid_40x is already '
                      "%s's; skipped" % (other, accounts[0]['source_id']), self.driver_log())

    def test_unparsable_data_and_port_out_of_range(self):
        """What the real registry never exports (it refuses such files or rewrites them):
        a stand-in registry gives them."""
        base = eds_mail_source('x@example.org', 'imap.example.org')
        sources = {
            'good': base,
            'garbage': 'this is not a keyfile\n[[[\n',
            'port-high': base.replace('Port=993', 'Port=70000'),
            'port-text': base.replace('Port=993', 'Port=imap'),
            'enabled-odd': base.replace('Enabled=true', 'Enabled=maybe'),
        }
        path = os.path.join(self.tmp, 'sources.json')
        with open(path, 'w') as f:
            json.dump(sources, f)
        self.start_standin('eds', path)
        d = self.start_driver('--eds')
        self.wait_status(d, 'eds', 'up')
        self.assertEqual([a['id'] for a in self.accounts(d)], ['eds-good'])
        log = self.driver_log()
        for uid, what in (('garbage', 'its Data does not parse'),
                          ('port-high', "[Authentication] Port '70000' is not a number"),
                          ('port-text', "[Authentication] Port 'imap' is not a number"),
                          ('enabled-odd', '[Data Source] Enabled')):
            self.assertIn('evolution-data-server: %s: %s' % (uid, what), log)

    def test_started_late_and_restarted(self):
        d = self.start_driver('--eds')
        self.wait_status(d, 'eds', 'absent')
        self.write_source('one', eds_mail_source('one@example.org', 'imap.example.org'))
        self.write_source('two', eds_mail_source('two@example.org', 'imap.example.org'))
        self.start_eds()
        self.wait_status(d, 'eds', 'up')
        self.assertEqual([a['id'] for a in self.accounts(d)], ['eds-one', 'eds-two'])

        self.clear_events(d)
        self.stop_service(EDS_NAME)
        self.wait_status(d, 'eds', 'absent')
        self.assertEqual([a['id'] for a in self.accounts(d)], ['eds-one', 'eds-two'])
        os.unlink(os.path.join(self.tmp, 'config', 'evolution', 'sources', 'two.source'))
        self.start_eds()
        self.wait_status(d, 'eds', 'up')
        self.assertEqual(self.removals(d), ['eds-two'])
        self.assertEqual(self.changes(d), [])
        self.assertEqual([a['id'] for a in self.accounts(d)], ['eds-one'])


class BothTest(SourcesTestCase):

    def test_goa_mirror_in_eds_appears_once(self):
        self.start_goa(goa_account('account_1_0', 'alice@example.com', 'imap.example.com'))
        self.write_source('own-account', eds_mail_source('bob@example.org', 'mail.example.org'))
        self.start_eds()
        # The registry mirrors the GOA account: a collection with its AccountId, and a
        # mail account under it.
        self.wait_until(lambda: any('AccountId=account_1_0' in (self.eds_data(u) or '')
                                    for u in self.eds_uids()), 20, "the registry's mirror")
        objects = self.eds_objects()
        collection = [str(i[EDS_SOURCE]['UID']) for i in objects.values()
                      if 'AccountId=account_1_0' in str(i[EDS_SOURCE]['Data'])][0]
        self.wait_until(lambda: any('Parent=%s' % collection in (self.eds_data(u) or '') and
                                    '[Mail Account]' in (self.eds_data(u) or '')
                                    for u in self.eds_uids()), 20,
                        'the mirror mail account')

        d = self.start_driver()
        self.wait_status(d, 'goa', 'up')
        self.wait_status(d, 'eds', 'up')
        self.assertEqual([(a['origin'], a['id']) for a in self.accounts(d)],
                         [('eds', 'eds-own-account'), ('goa', 'goa-account_1_0')])

        # Live: a second GOA account, mirrored again, still appears once.
        self.set_mail_disabled('account_1_0', True)
        self.wait_line(d, 'removed goa goa-account_1_0')
        self.set_mail_disabled('account_1_0', False)
        self.wait_until(lambda: [a['id'] for a in self.changes(d, 'goa')].count(
            'goa-account_1_0') == 2, 20, 'the GOA account to come back')
        self.assertEqual([(a['origin'], a['id']) for a in self.accounts(d)],
                         [('eds', 'eds-own-account'), ('goa', 'goa-account_1_0')])
        self.assertEqual([a['id'] for a in self.changes(d, 'eds')], ['eds-own-account'])

    def test_neither_service(self):
        """Nothing there: both sources say so, report nothing, and the loop sleeps."""
        d = self.start_driver()
        self.wait_status(d, 'goa', 'absent')
        self.wait_status(d, 'eds', 'absent')
        self.assertEqual(self.accounts(d), [])
        self.assert_idle(d, window=1)
        self.assertEqual([e for e in self.events(d) if not e.startswith('status')], [])


if __name__ == '__main__':
    main()
