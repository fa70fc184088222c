#!/usr/bin/env python3
"""The installed unit under a real systemd user manager (usermanager.py): D-Bus and
systemctl activation, READY=1 and STATUS= as the manager sees them, the sandbox in force,
restarts after SIGKILL and after the watchdog fires, reload, stop; and the online targets
that sync services bind to.

Where the machine cannot run a user manager (not root, no dbus-user-session, namespaces
not permitted) every test skips and says why; with OM_SYSTEMD_TESTS=enabled
(-Dsystemd_tests=enabled, which CI sets) that is a failure instead."""

import os
import pwd
import re
import shlex
import socket
import subprocess
import sys
import unittest

from omtest import main
from usermanager import TIMEOUT_SCALE, Unavailable, UserManager

BUS_NAME = 'org.offlinemgr.OfflineMgr1'
ROOT_PATH = '/org/offlinemgr/OfflineMgr1'
IFACE_OFFLINE = 'org.offlinemgr.OfflineMgr1.Offline'
UNIT = 'offlinemgr.service'
STATUS_TEXT = re.compile(r'^\d+ accounts?, \d+ online')


class ManagerTestCase(unittest.TestCase):
    """One user manager per class (each test runs in a process of its own under meson),
    the daemon's output in <work>/offlinemgrd.log, the service stopped between tests."""

    manager = None

    @classmethod
    def new_manager(cls):
        return UserManager()

    @classmethod
    def setUpClass(cls):
        cls.manager = cls.new_manager()
        try:
            cls.manager.start()
        except Unavailable as e:
            cls.manager.stop()
            if os.environ.get('OM_SYSTEMD_TESTS') == 'enabled':
                raise AssertionError('a real systemd user manager is required '
                                     '(-Dsystemd_tests=enabled) but: %s' % e)
            raise unittest.SkipTest('no real systemd user manager here: %s' % e)
        except BaseException:
            cls.manager.stop()
            raise
        cls.daemon_log_path = os.path.join(cls.manager.work, 'offlinemgrd.log')
        cls.exits_path = os.path.join(cls.manager.work, 'exits')
        # A sanitizer build (meson test --setup sanitize) reports what it finds in the
        # daemon's log and aborts, which the manager sees as a failure. Not leaks: LSan
        # needs ptrace at exit, which the unit's system call filter refuses; the other
        # suites check the daemon's leaks, run outside the sandbox.
        sanitizer_env = ''.join(
            'Environment="%s=%s%s"\n' % (name, os.environ[name].replace('%', '%%'),
                                         ':detect_leaks=0' if name == 'ASAN_OPTIONS' else '')
            for name in ('ASAN_OPTIONS', 'UBSAN_OPTIONS') if name in os.environ)
        # Criticals abort, as everywhere in the tests (a restart would show); the output
        # goes to a file (there is no journal here); and every end of the main process is
        # written down, as systemd tells ExecStopPost= (outside the sandbox: "+"), because
        # a stopped unit is forgotten with its exit status.
        cls.write_home_file('.config/systemd/user/offlinemgr.service.d/test.conf',
                            '[Service]\nEnvironment=G_DEBUG=fatal-criticals\n' + sanitizer_env +
                            'StandardOutput=append:%s\nStandardError=inherit\n'
                            "ExecStopPost=+/bin/sh -c 'echo $$SERVICE_RESULT $$EXIT_CODE "
                            "$$EXIT_STATUS >>%s'\n" % (cls.daemon_log_path, cls.exits_path))
        cls.manager.systemctl('daemon-reload')

    @classmethod
    def tearDownClass(cls):
        if cls.manager is not None:
            cls.manager.stop()

    def setUp(self):
        m = self.manager
        m.systemctl('stop', UNIT)
        m.systemctl('reset-failed', check=False)
        for d in ('.config/offlinemgr', '.local/state/offlinemgr'):
            subprocess.run(['rm', '-rf', os.path.join(m.home, d)], check=True)
        if os.path.exists(self.exits_path):
            os.remove(self.exits_path)

    def tearDown(self):
        outcome = getattr(self, '_outcome', None)
        result = getattr(outcome, 'result', None)
        if result is not None and any(t is self for t, _ in result.failures + result.errors):
            sys.stderr.write('--- offlinemgrd log ---\n%s\n--- manager log ---\n%s\n' % (
                self.daemon_log(), self.manager.manager_log()))

    # ---- helpers ----

    @classmethod
    def write_home_file(cls, relative, text):
        path = os.path.join(cls.manager.home, relative)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, 'w') as f:
            f.write(text)
        return path

    def exits(self):
        """How the main process ended, each time: (SERVICE_RESULT, EXIT_CODE, EXIT_STATUS)
        as ExecStopPost= sees them, e.g. ('success', 'exited', '0')."""
        try:
            with open(self.exits_path) as f:
                return [tuple(line.split()) for line in f]
        except FileNotFoundError:
            return []

    def daemon_log(self):
        try:
            with open(self.daemon_log_path, errors='replace') as f:
                return f.read()
        except OSError:
            return ''

    def ctl(self, *args, timeout=30):
        """The installed offlinemgrctl on the user bus; returns (status, stdout, stderr)."""
        proc = subprocess.run([self.manager.offlinemgrctl()] + list(args),
                              env=self.manager.ctl_env(), stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, timeout=timeout * TIMEOUT_SCALE)
        return proc.returncode, proc.stdout, proc.stderr

    def ctl_ok(self, *args, timeout=30):
        status, out, err = self.ctl(*args, timeout=timeout)
        self.assertEqual(status, 0, 'offlinemgrctl %s: %s%s' % (' '.join(args), out, err))
        return out

    def busctl(self, *args):
        proc = subprocess.run(['busctl', '--address=' + self.manager.bus_address] + list(args),
                              stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              timeout=60 * TIMEOUT_SCALE)
        self.assertEqual(proc.returncode, 0, 'busctl %s: %s' % (' '.join(args), proc.stderr))
        return proc.stdout

    def state_of(self, account):
        """(STATE, reason) as offlinemgrctl list prints them."""
        for line in self.ctl_ok('list').splitlines():
            fields = line.split('\t')
            if fields[0] == account:
                return fields[1], fields[2]
        self.fail('no account %s' % account)

    def wait_prop(self, unit, name, value, timeout=10):
        self.manager.wait_until(lambda: self.manager.prop(unit, name) == value, timeout,
                                '%s %s=%s (now %s)' % (unit, name, value,
                                                       self.manager.prop(unit, name)))

    def wait_active(self, unit, timeout=10):
        self.wait_prop(unit, 'ActiveState', 'active', timeout)

    def wait_inactive(self, unit, timeout=10):
        self.wait_prop(unit, 'ActiveState', 'inactive', timeout)

    def start_service(self):
        self.manager.systemctl('start', UNIT)
        return self.main_pid()

    def main_pid(self):
        pid = int(self.manager.prop(UNIT, 'MainPID'))
        self.assertNotEqual(pid, 0, 'offlinemgr.service has no main process')
        return pid

    def wait_restarted(self, old_pid, after, timeout=15):
        """Waits until the service was restarted once and runs again in a new process."""
        def restarted():
            props = self.manager.show(UNIT, 'NRestarts', 'ActiveState', 'MainPID')
            return (props['NRestarts'], props['ActiveState']) == ('1', 'active') and \
                props['MainPID'] not in ('0', str(old_pid))
        self.manager.wait_until(restarted, timeout, 'a restart after %s' % after,
                                detail=lambda: str(self.manager.show(
                                    UNIT, 'NRestarts', 'ActiveState', 'MainPID', 'Result')))

    def listen(self, backlog=16):
        sock = socket.socket()
        self.addCleanup(sock.close)
        sock.bind(('127.0.0.1', 0))
        sock.listen(backlog)
        return sock, sock.getsockname()[1]


class TestUserService(ManagerTestCase):

    def test_activation_by_a_bus_call(self):
        self.assertEqual(self.manager.prop(UNIT, 'ActiveState'), 'inactive')
        out = self.busctl('call', BUS_NAME, ROOT_PATH, IFACE_OFFLINE, 'GetCurrentState')
        self.assertRegex(out, r'^u [12]\n$')
        # The bus asked systemd (SystemdService=): the name's owner is the unit's process.
        props = self.manager.show(UNIT, 'ActiveState', 'SubState', 'MainPID', 'StatusText',
                                  'Type', 'NotifyAccess')
        self.assertEqual((props['ActiveState'], props['SubState']), ('active', 'running'))
        owner_pid = self.busctl('call', 'org.freedesktop.DBus', '/org/freedesktop/DBus',
                                'org.freedesktop.DBus', 'GetConnectionUnixProcessID', 's',
                                BUS_NAME)
        self.assertEqual(owner_pid.split(), ['u', props['MainPID']])
        self.assertEqual(self.manager.proc_file(props['MainPID'], 'comm'), 'offlinemgrd\n')
        # Type=notify: "active" is READY=1 seen; STATUS= reached the manager too.
        self.assertEqual((props['Type'], props['NotifyAccess']), ('notify', 'main'))
        self.assertRegex(props['StatusText'], STATUS_TEXT)

    def test_start_by_systemctl_and_status(self):
        self.start_service()
        props = self.manager.show(UNIT, 'ActiveState', 'StatusText')
        self.assertEqual(props['ActiveState'], 'active')
        self.assertRegex(props['StatusText'], r'^0 accounts, 0 online')
        self.ctl_ok('add', 'work')
        self.ctl_ok('set', 'work', 'offline')
        self.manager.wait_until(
            lambda: self.manager.prop(UNIT, 'StatusText').startswith('1 account, 0 online'),
            10, 'STATUS= with the new account (now %r)' % self.manager.prop(UNIT, 'StatusText'))

    def test_sandbox_in_force(self):
        pid = self.start_service()
        status = dict(line.split(':', 1) for line in
                      self.manager.proc_file(pid, 'status').splitlines() if ':' in line)
        self.assertEqual(status['NoNewPrivs'].strip(), '1')
        for caps in ('CapInh', 'CapPrm', 'CapEff', 'CapBnd', 'CapAmb'):
            self.assertEqual(int(status[caps], 16), 0, caps)
        self.assertEqual(status['Seccomp'].strip(), '2')

        # The file system as the daemon sees it: home read-only but for its two
        # directories, /usr read-only, no /proc/sys (ProcSubset=pid).
        home = pwd.getpwuid(os.geteuid()).pw_dir
        for path, writable in ((home + '/probe', False), ('/usr/local/probe', False),
                               (home + '/.config/offlinemgr/probe', True),
                               (home + '/.local/state/offlinemgr/probe', True)):
            with self.subTest(path=path):
                proc = self.manager.in_service_namespace(
                    pid, 'touch %s && rm %s' % (shlex.quote(path), shlex.quote(path)))
                if writable:
                    self.assertEqual(proc.returncode, 0, proc.stderr)
                else:
                    self.assertNotEqual(proc.returncode, 0)
                    self.assertIn('Read-only file system', proc.stderr)
        proc = self.manager.in_service_namespace(pid, 'test -e /proc/sys')
        self.assertNotEqual(proc.returncode, 0, '/proc/sys is visible to the daemon')

        # Reachability probes still reach a local TCP port, and find a closed one closed.
        _, port = self.listen()
        closed_sock, closed = self.listen()
        closed_sock.close()
        self.ctl_ok('add', 'probed', 'Host=127.0.0.1', 'Port=%d' % port,
                    'CheckReachability=true')
        self.ctl_ok('add', 'closed', 'Host=127.0.0.1', 'Port=%d' % closed,
                    'CheckReachability=true')
        self.ctl_ok('wait', 'probed', '--timeout', '10')
        self.assertEqual(self.state_of('probed'), ('ONLINE', '-'))
        self.manager.wait_until(lambda: self.state_of('closed')[1] == 'unreachable', 10,
                                'the closed port to be found unreachable')

    def test_sigkill_is_followed_by_a_restart(self):
        old = self.start_service()
        self.manager.systemctl('kill', '--signal=SIGKILL', UNIT)
        self.wait_restarted(old, 'SIGKILL')
        self.assertEqual(self.exits(), [('signal', 'killed', 'KILL')])
        self.assertRegex(self.manager.prop(UNIT, 'StatusText'), STATUS_TEXT)
        self.busctl('call', BUS_NAME, ROOT_PATH, IFACE_OFFLINE, 'GetCurrentState')

    def test_reload_rereads_the_files(self):
        # A probe that hangs: a listener whose accept queue (backlog 0) is full.
        _, port = self.listen(0)
        filler = socket.create_connection(('127.0.0.1', port), timeout=5)
        self.addCleanup(filler.close)
        self.write_home_file('.config/offlinemgr/offlinemgrd.conf',
                             '[Policy]\nProbeTimeoutMs=60000\n')
        self.write_home_file('.config/offlinemgr/accounts/probed.conf',
                             '[Account]\nHost=127.0.0.1\nPort=%d\nCheckReachability=true\n'
                             % port)
        self.write_home_file('.local/state/offlinemgr/requested-state',
                             '[Accounts]\nprobed=offline\n')
        pid = self.start_service()
        # Only a reload makes the daemon read offlinemgrd.conf again.
        self.write_home_file('.config/offlinemgr/offlinemgrd.conf',
                             '[Policy]\nProbeTimeoutMs=500\n')
        self.manager.systemctl('reload', UNIT)
        self.assertEqual(self.main_pid(), pid)
        self.assertEqual(self.manager.prop(UNIT, 'ActiveState'), 'active')
        # With the old 60 s the blocking set would outlast this bound by far.
        self.assertEqual(self.ctl_ok('set', 'probed', 'online', timeout=15),
                         'probed\tOFFLINE\tunreachable\tprobed\n')
        self.assertIn('Reloading configuration and accounts', self.daemon_log())

    def test_watchdog_restarts_a_stopped_daemon(self):
        self.write_home_file('.config/systemd/user/offlinemgr.service.d/watchdog.conf',
                             '[Service]\nWatchdogSec=2s\nLimitCORE=0\n')
        self.addCleanup(self.manager.systemctl, 'daemon-reload')
        self.addCleanup(os.remove, os.path.join(
            self.manager.home, '.config/systemd/user/offlinemgr.service.d/watchdog.conf'))
        self.manager.systemctl('daemon-reload')
        old = self.start_service()
        self.assertEqual(self.manager.prop(UNIT, 'WatchdogUSec'), '2s')
        self.manager.systemctl('kill', '--signal=SIGSTOP', UNIT)
        self.wait_restarted(old, 'the watchdog fired', timeout=20)
        # The watchdog's SIGABRT (SIGCONT follows it), not a stop or a crash of its own.
        self.assertEqual(self.exits()[0][0], 'watchdog', self.exits())

    def test_stop_exits_0_and_keeps_the_state(self):
        self.start_service()
        self.ctl_ok('add', 'work')
        self.ctl_ok('set', 'work', 'offline')
        self.manager.systemctl('stop', UNIT)
        self.assertEqual(self.manager.prop(UNIT, 'ActiveState'), 'inactive')
        self.assertEqual(self.exits(), [('success', 'exited', '0')])
        with open(os.path.join(self.manager.home,
                               '.local/state/offlinemgr/requested-state')) as f:
            self.assertIn('work=offline', f.read())
        self.assertTrue(os.path.exists(os.path.join(
            self.manager.home, '.config/offlinemgr/accounts/work.conf')))
        # Started again (by a call this time), the account is where it was left.
        self.assertEqual(self.state_of('work'), ('OFFLINE', 'user-offline'))
        self.assertEqual(self.manager.prop(UNIT, 'ActiveState'), 'active')


SYNC_UNIT = '''[Unit]
Description=A mail sync stand-in for %I
BindsTo={target}
After={target}

[Service]
ExecStart=/bin/sh -c 'while :; do sleep 3600; done'

[Install]
WantedBy={target}
'''


class TestOnlineTargets(ManagerTestCase):
    """offlinemgr-online.target and offlinemgr-online@<id>.target follow the objects, and
    services bound to them (as README's mbsync@.service) start and stop with them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.write_home_file('.config/systemd/user/sync@.service',
                            SYNC_UNIT.format(target='offlinemgr-online@%i.target'))
        cls.write_home_file('.config/systemd/user/sync-global.service',
                            SYNC_UNIT.format(target='offlinemgr-online.target'))
        cls.manager.systemctl('daemon-reload')
        cls.manager.systemctl('enable', 'sync@work.service',
                              cls.escaped('sync@.service', 'my-mail'), 'sync-global.service')

    @staticmethod
    def escaped(template, instance):
        return subprocess.run(['systemd-escape', '--template=' + template, '--', instance],
                              capture_output=True, text=True, check=True).stdout.strip()

    def target(self, account=None):
        if account is None:
            return 'offlinemgr-online.target'
        return self.escaped('offlinemgr-online@.target', account)

    def sync(self, account):
        return self.escaped('sync@.service', account)

    def setUp(self):
        super().setUp()
        # Nothing left from an earlier test: the targets and the services bound to them.
        self.manager.systemctl('stop', 'offlinemgr-online.target', 'offlinemgr-online@*.target')

    def require_global_online(self):
        fields = dict(line.split('\t', 1) for line in self.ctl_ok('status').splitlines())
        if fields['State'] != 'ONLINE':
            self.skipTest('needs a network: the global object is OFFLINE (%s)' % fields['Reason'])

    def test_account_targets_follow_the_accounts(self):
        self.write_home_file('.config/offlinemgr/accounts/work.conf', '[Account]\n')
        self.write_home_file('.config/offlinemgr/accounts/my-mail.conf', '[Account]\n')
        self.start_service()
        self.require_global_online()
        self.assertEqual(self.target('my-mail'), 'offlinemgr-online@my\\x2dmail.target')
        for account in ('work', 'my-mail'):
            self.wait_active(self.target(account))
            self.wait_active(self.sync(account))

        self.ctl_ok('set', 'work', 'offline')
        self.wait_inactive(self.target('work'))
        self.wait_inactive(self.sync('work'))
        self.assertEqual(self.manager.prop(self.sync('my-mail'), 'ActiveState'), 'active')

        self.ctl_ok('set', 'work', 'online')
        self.wait_active(self.target('work'))
        self.wait_active(self.sync('work'))

        # An account that is removed takes its target with it.
        self.ctl_ok('remove', 'my-mail')
        self.wait_inactive(self.target('my-mail'))
        self.wait_inactive(self.sync('my-mail'))
        self.assertEqual(self.manager.prop(self.target('work'), 'ActiveState'), 'active')

    def test_global_target_follows_the_global_object(self):
        self.write_home_file('.config/offlinemgr/accounts/work.conf', '[Account]\n')
        self.start_service()
        self.require_global_online()
        self.wait_active(self.target())
        self.wait_active('sync-global.service')
        self.wait_active(self.target('work'))

        self.ctl_ok('set', '--global', 'offline')
        for unit in (self.target(), 'sync-global.service', self.target('work'),
                     self.sync('work')):
            self.wait_inactive(unit)

        self.ctl_ok('set', '--global', 'online')
        for unit in (self.target(), 'sync-global.service', self.target('work'),
                     self.sync('work')):
            self.wait_active(unit)

    def test_targets_left_from_an_earlier_run_are_put_right_at_start(self):
        self.write_home_file('.config/offlinemgr/accounts/work.conf', '[Account]\n')
        self.write_home_file('.config/offlinemgr/accounts/gone.conf', '[Account]\n')
        self.start_service()
        self.require_global_online()
        self.wait_active(self.target('work'))
        self.wait_active(self.target('gone'))
        # While the daemon is stopped its targets stay as they are; meanwhile one account
        # is requested offline and the other removed.
        self.manager.systemctl('stop', UNIT)
        self.assertEqual(self.manager.prop(self.target('work'), 'ActiveState'), 'active')
        os.remove(os.path.join(self.manager.home, '.config/offlinemgr/accounts/gone.conf'))
        self.write_home_file('.local/state/offlinemgr/requested-state',
                             '[Accounts]\nwork=offline\n')
        self.start_service()
        self.wait_inactive(self.target('work'))
        self.wait_inactive(self.sync('work'))
        self.wait_inactive(self.target('gone'))
        self.assertEqual(self.manager.prop(self.target(), 'ActiveState'), 'active')


if __name__ == '__main__':
    main()
