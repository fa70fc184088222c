#!/usr/bin/env python3
"""offlinemgrctl against the build tree's daemon on private buses: text and JSON output,
exit statuses of every error class, colour rules, the monitor stream, the bash
completion and the man pages."""

import json
import os
import pty
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import time

import dbus

from omtest import (ACCOUNT_PREFIX, BUS_NAME, DONE, IFACE_MANAGER, IFACE_OFFLINE, OFFLINE,
                    ONLINE, ROOT_PATH, START, STATECHANGE, TIMEOUT_SCALE, BUILD_ROOT,
                    SOURCE_ROOT, DaemonTestCase, account_path, main)

OFFLINEMGRCTL = os.environ.get('OFFLINEMGRCTL') or os.path.join(BUILD_ROOT, 'cli',
                                                                 'offlinemgrctl')
COMPLETION = os.path.join(SOURCE_ROOT, 'cli', 'offlinemgrctl.bash')
MAN_PAGES = ['offlinemgrd.8', 'offlinemgrctl.1', 'offlinemgr.conf.5', 'libofflinemgr.3']

(EXIT_OK, EXIT_FAILURE, EXIT_USAGE, EXIT_NOT_FOUND, EXIT_UNREACHABLE, EXIT_PENDING,
 EXIT_TIMEOUT) = range(7)

# 2024-05-06T09:41:07.215+02:00 work START ONLINE -> OFFLINE
MONITOR_LINE = re.compile(
    r'^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d) (\S+) (START|STATECHANGE|DONE) '
    r'(ONLINE|OFFLINE) -> (ONLINE|OFFLINE)$')
PHASES = {'START': START, 'STATECHANGE': STATECHANGE, 'DONE': DONE}
STATES = {'ONLINE': ONLINE, 'OFFLINE': OFFLINE, 'online': ONLINE, 'offline': OFFLINE}
ANSI = re.compile(r'\x1b\[[0-9;]*m')


class CliTestCase(DaemonTestCase):

    # ---- running the tool ----

    def ctl_env(self, extra=None, drop=()):
        env = dict(os.environ)
        for name in drop:
            env.pop(name, None)
        env.update(extra or {})
        return env

    def ctl(self, *args, env=None, drop=(), timeout=30):
        """Runs offlinemgrctl with pipes; returns (exit status, stdout, stderr)."""
        proc = subprocess.run([OFFLINEMGRCTL] + list(args), env=self.ctl_env(env, drop),
                              stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              timeout=timeout * TIMEOUT_SCALE)
        return proc.returncode, proc.stdout, proc.stderr

    def ctl_ok(self, *args, **kwargs):
        status, out, err = self.ctl(*args, **kwargs)
        self.assertEqual(status, EXIT_OK, 'offlinemgrctl %s: %s' % (' '.join(args), err))
        self.assertEqual(err, '')
        return out

    def ctl_json(self, *args, **kwargs):
        return json.loads(self.ctl_ok('--json', *args, **kwargs))

    def ctl_fails(self, expected_status, *args, **kwargs):
        """Asserts the exit status, an empty stdout and a one-line message on stderr
        starting with the program's name; returns the message."""
        status, out, err = self.ctl(*args, **kwargs)
        self.assertEqual(status, expected_status, 'offlinemgrctl %s: %r %r' % (
            ' '.join(args), out, err))
        self.assertEqual(out, '')
        self.assertTrue(err.startswith('offlinemgrctl: '), err)
        return err

    def ctl_tty(self, *args, env=None, drop=()):
        """Runs offlinemgrctl with stdout on a pseudo-terminal; returns (status, output)."""
        master, slave = pty.openpty()
        try:
            proc = subprocess.Popen([OFFLINEMGRCTL] + list(args), env=self.ctl_env(env, drop),
                                    stdin=subprocess.DEVNULL, stdout=slave,
                                    stderr=subprocess.PIPE)
            os.close(slave)
            slave = None
            chunks = []
            deadline = time.monotonic() + 30 * TIMEOUT_SCALE
            while True:
                self.assertLess(time.monotonic(), deadline, 'offlinemgrctl did not finish')
                if not select.select([master], [], [], 1)[0]:
                    continue
                try:
                    data = os.read(master, 4096)
                except OSError:  # EIO: the other side is closed
                    break
                if not data:
                    break
                chunks.append(data)
            proc.wait(30 * TIMEOUT_SCALE)
            proc.stderr.close()
        finally:
            os.close(master)
            if slave is not None:
                os.close(slave)
        return proc.returncode, b''.join(chunks).decode().replace('\r\n', '\n')

    # ---- offlinemgrctl monitor ----

    def start_monitor(self, *args, json_lines=False, watching=None):
        """Starts offlinemgrctl monitor and waits until it says, on stderr, that it is
        watching (@watching: what it should say)."""
        cmd = [OFFLINEMGRCTL] + (['--json'] if json_lines else []) + ['monitor'] + list(args)
        proc = subprocess.Popen(cmd, env=self.ctl_env(), stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.addCleanup(lambda: proc.poll() is None and (proc.kill(), proc.wait()))
        ready = MonitorReader(self, proc, proc.stderr).read_lines(1)[0]
        self.assertEqual(ready, 'offlinemgrctl: watching ' + (
            watching or '%d account%s' % (len(args), '' if len(args) == 1 else 's')))
        return proc, MonitorReader(self, proc)

    def stop_monitor(self, proc, sig=signal.SIGINT):
        proc.send_signal(sig)
        self.assertEqual(proc.wait(10 * TIMEOUT_SCALE), 0, proc.stderr.read())

    # ---- the daemon's side ----

    def start(self, config=None):
        if config is not None:
            self.write_config(config)
        self.start_daemon(delays=None if config is not None else (0, 0))

    def add_accounts(self):
        """Two accounts: work (needs a VPN that is never active: OFFLINE) and home
        (ONLINE)."""
        self.add_account('work', {'DisplayName': 'Work mail', 'Host': 'imap.example.com',
                                  'Port': dbus.UInt32(993),
                                  'RequireConnections': dbus.Array(['office-vpn'],
                                                                   signature='s')})
        self.add_account('home', {})

    def bus_without_activation(self):
        """A session bus of our own that knows no services to activate (the class's bus
        reads the standard service directories, where an installed copy may be)."""
        conf = os.path.join(self.tmp, 'bus.conf')
        with open(conf, 'w') as f:
            f.write('<busconfig><type>session</type><listen>unix:dir=%s</listen>'
                    '<policy context="default"><allow send_destination="*"/>'
                    '<allow receive_sender="*"/>'
                    '<allow own="*"/></policy></busconfig>' % self.tmp)
        out = subprocess.check_output(['dbus-daemon', '--fork', '--config-file=' + conf,
                                       '--print-address=1', '--print-pid=1'], text=True)
        address, pid = out.split()
        self.addCleanup(self.stop_dbus, int(pid))
        return address


class MonitorReader:
    """Reads offlinemgrctl monitor's stdout line by line, with bounded waits."""

    def __init__(self, test, proc, stream=None):
        self.test = test
        self.proc = proc
        self.stream = stream or proc.stdout
        self.buffer = b''
        self.lines = []

    def read_lines(self, count, timeout=10):
        deadline = time.monotonic() + timeout * TIMEOUT_SCALE
        fd = self.stream.fileno()
        while len(self.lines) < count:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self.test.fail('timed out waiting for %d monitor lines, have %r' % (
                    count, self.lines))
            if not select.select([fd], [], [], min(remaining, 1))[0]:
                continue
            data = os.read(fd, 4096)
            if not data:
                self.proc.wait(10 * TIMEOUT_SCALE)
                self.test.fail('the program exited (%d); lines %r, stderr %r' % (
                    self.proc.returncode, self.lines, self.proc.stderr.read()))
            self.buffer += data
            *complete, self.buffer = self.buffer.split(b'\n')
            self.lines.extend(line.decode() for line in complete)
        return self.lines[:count]


class TestCommandLine(CliTestCase):
    """What needs no daemon: help, version, usage errors, the man pages."""

    def test_help_and_version(self):
        out = self.ctl_ok('--help')
        for command in ('list', 'status', 'set', 'monitor', 'add', 'update', 'remove',
                        'reload'):
            self.assertRegex(out, r'\n  %s\b' % command)
        for status, what in ((0, 'success'), (1, 'failure'), (2, 'invalid arguments'),
                             (3, 'no such account'), (4, 'daemon unreachable'),
                             (5, 'a transition is under way'), (6, 'wait timed out')):
            self.assertIn('%d %s' % (status, what), out.replace('\n', ' '))
        self.assertEqual(self.ctl_ok('-h'), out)
        version = self.ctl_ok('--version')
        self.assertRegex(version, r'^offlinemgrctl \d+\.\d+\.\d+\n$')

    def test_usage_errors(self):
        cases = [
            ((), 'missing command'),
            (('frobnicate',), "unknown command 'frobnicate'"),
            (('--frobnicate', 'list'), "unknown option '--frobnicate'"),
            (('-x', 'list'), "unknown option '-x'"),
            (('--json=yes', 'list'), "option '--json' takes no value"),
            (('list', 'extra'), 'list takes no arguments'),
            (('status', 'a', 'b'), 'at most one'),
            (('set', 'work'), 'usage: set ID online|offline'),
            (('set', 'work', 'sideways'), "'sideways' is not online or offline"),
            (('set', '--global'), 'usage: set --global online|offline'),
            (('set', '--global', 'work', 'online'), 'usage: set --global online|offline'),
            (('--no-block', 'list'), '--no-block is an option of set only'),
            (('status', '--global'), '--global is an option of set and wait only'),
            (('add',), 'usage: add ID'),
            (('update', 'work'), 'at least one KEY=VALUE'),
            (('remove',), 'usage: remove ID'),
            (('reload', 'now'), 'reload takes no arguments'),
        ]
        for args, message in cases:
            with self.subTest(args=args):
                err = self.ctl_fails(EXIT_USAGE, *args)
                self.assertIn(message, err)
                self.assertIn("Try 'offlinemgrctl --help'.", err)
        # Nothing was started on the bus to answer any of them.
        self.assertFalse(self.name_has_owner())

    def test_man_pages_build_without_warnings(self):
        groff = shutil.which('groff')
        if groff is None:
            self.skipTest('groff is not installed')
        for page in MAN_PAGES:
            with self.subTest(page=page):
                path = os.path.join(BUILD_ROOT, 'docs', page)
                self.assertTrue(os.path.exists(path), path)
                proc = subprocess.run([groff, '-man', '-ww', '-z', path], capture_output=True,
                                      text=True, timeout=60)
                self.assertEqual((proc.returncode, proc.stderr), (0, ''))
                text = open(path).read()
                self.assertNotIn('@VERSION@', text)
                self.assertRegex(text, r'(?m)^\.TH ')

    def test_man_page_documents_every_command_and_exit_status(self):
        page = open(os.path.join(BUILD_ROOT, 'docs', 'offlinemgrctl.1')).read()
        help_text = self.ctl_ok('--help')
        section = help_text.split('Commands:')[1].split('\n\n')[0]
        commands = set(re.findall(r'(?m)^  ([a-z]+)\b', section))
        self.assertGreaterEqual(len(commands), 8)
        for command in commands:
            self.assertTrue(re.search(r'(?m)^\.B[IR]? "?%s\b' % command, page),
                            'offlinemgrctl(1) does not document ' + command)
        for option in re.findall(r'--[a-z-]+', help_text.split('Options:')[1]):
            self.assertIn(option.replace('-', '\\-'), page, option)
        exit_section = page.split('.SH EXIT STATUS')[1].split('.SH')[0]
        for status in range(7):
            self.assertIn('.B %d\n' % status, exit_section)


class TestReadCommands(CliTestCase):

    def test_list_text_and_json(self):
        self.start()
        self.add_accounts()
        self.set_state(account_path('home'), OFFLINE)
        out = self.ctl_ok('list')
        # The origin comes last, after the columns scripts read before it existed.
        self.assertEqual(out, 'home\tOFFLINE\tuser-offline\thome\tfile\n'
                              'work\tOFFLINE\tconnection-inactive\tWork mail\tfile\n')
        self.set_state(account_path('home'), ONLINE)
        self.assertEqual(self.ctl_ok('list').splitlines()[0], 'home\tONLINE\t-\thome\tfile')
        self.assertEqual(self.ctl_json('list'), [
            {'id': 'home', 'display_name': 'home', 'state': 'online', 'requested': 'online',
             'reason': '', 'transitioning': False, 'origin': 'file'},
            {'id': 'work', 'display_name': 'Work mail', 'state': 'offline',
             'requested': 'online', 'reason': 'connection-inactive', 'transitioning': False,
             'origin': 'file'},
        ])
        # Options may follow the command.
        self.assertEqual(json.loads(self.ctl_ok('list', '--json'))[1]['id'], 'work')

    def test_list_empty(self):
        self.start()
        self.assertEqual(self.ctl_ok('list'), '')
        self.assertEqual(self.ctl_json('list'), [])
        status, out = self.ctl_tty('list')
        self.assertEqual((status, out), (0, 'No accounts.\n'))

    def test_status_global(self):
        self.start()
        self.add_accounts()
        manager = self.get_all(ROOT_PATH, IFACE_MANAGER)
        fields = dict(line.split('\t', 1) for line in self.ctl_ok('status').splitlines())
        self.assertEqual(fields['State'], 'ONLINE')
        self.assertEqual(fields['Reason'], '-')
        self.assertEqual(fields['Requested'], 'online')
        self.assertEqual(fields['Transitioning'], 'no')
        self.assertEqual((fields['Accounts'], fields['Accounts online']), ('2', '1'))
        self.assertEqual(fields['Backend'], manager['NetworkBackend'])
        self.assertEqual(fields['Version'], manager['Version'])
        self.assertEqual(fields['Metered'], 'yes' if manager['Metered'] else 'no')

        self.set_state(ROOT_PATH, OFFLINE)
        doc = self.ctl_json('status')
        self.assertEqual({k: doc[k] for k in ('id', 'state', 'requested', 'reason',
                                              'transitioning')},
                         {'id': None, 'state': 'offline', 'requested': 'offline',
                          'reason': 'user-offline', 'transitioning': False})
        self.assertEqual(doc['accounts'], {'total': 2, 'online': 0})
        self.assertEqual(doc['version'], manager['Version'])
        self.assertEqual(doc['network']['backend'], manager['NetworkBackend'])
        self.assertEqual(doc['network']['nm_state'], manager['NetworkState'])
        self.assertEqual(doc['network']['nm_connectivity'], manager['Connectivity'])
        self.assertEqual(doc['network']['metered'], manager['Metered'])
        self.assertEqual(doc['network']['active_connections'], manager['ActiveConnections'])

    def test_status_account(self):
        self.start()
        self.add_accounts()
        out = self.ctl_ok('status', 'work')
        self.assertIn('Account\twork\n', out)
        self.assertIn('State\tOFFLINE\nReason\tconnection-inactive\nRequested\tonline\n', out)
        self.assertIn('Host\timap.example.com\n', out)
        self.assertIn('Port\t993\n', out)
        self.assertIn('Transitioning\tno\nOrigin\tfile\n', out)
        doc = self.ctl_json('status', 'work')
        self.assertEqual(doc['id'], 'work')
        self.assertEqual(doc['origin'], 'file')
        self.assertEqual(doc['display_name'], 'Work mail')
        self.assertEqual(doc['reason'], 'connection-inactive')
        self.assertEqual(doc['settings'], {
            'DisplayName': 'Work mail', 'Host': 'imap.example.com', 'Port': 993,
            'RequireConnections': ['office-vpn'], 'MinConnectivity': 'full',
            'AllowMetered': True, 'CheckReachability': False})
        self.assertEqual(self.ctl_json('status', 'home')['settings']['RequireConnections'], [])


class TestChangeCommands(CliTestCase):

    def test_set_account_and_global(self):
        self.start()
        self.add_accounts()
        home = account_path('home')
        self.assertEqual(self.ctl_ok('set', 'home', 'offline'),
                         'home\tOFFLINE\tuser-offline\thome\n')
        self.sync()
        self.assert_transition(home, ONLINE, OFFLINE)
        self.assertEqual(self.get(home, IFACE_OFFLINE, 'RequestedState'), OFFLINE)
        self.recorder.clear()
        self.assertEqual(self.ctl_json('set', 'home', 'online'), {
            'id': 'home', 'display_name': 'home', 'state': 'online', 'requested': 'online',
            'reason': '', 'transitioning': False})
        self.sync()
        self.assert_transition(home, OFFLINE, ONLINE)

        self.assertEqual(self.ctl_ok('set', '--global', 'offline'),
                         'global\tOFFLINE\tuser-offline\t-\n')
        self.assertEqual(self.reason(home), 'global-offline')
        self.assertEqual(self.ctl_ok('set', 'ONLINE', '--global'), 'global\tONLINE\t-\t-\n')
        self.assertEqual(self.state(home), ONLINE)

    def test_set_online_when_the_network_forbids_it(self):
        self.start()
        self.add_accounts()
        self.ctl_ok('set', 'work', 'offline')
        # The request is kept; the account stays OFFLINE and says why.
        self.assertEqual(self.ctl_ok('set', 'work', 'online'),
                         'work\tOFFLINE\tconnection-inactive\tWork mail\n')
        self.assertEqual(self.get(account_path('work'), IFACE_OFFLINE, 'RequestedState'),
                         ONLINE)

    def _hanging_server(self):
        """A TCP port whose connections hang: a listener with a full accept queue drops
        further SYNs, so a probe waits for its timeout."""
        server = socket.socket()
        server.bind(('127.0.0.1', 0))
        server.listen(0)
        fillers = []
        for _ in range(4):
            s = socket.socket()
            s.setblocking(False)
            s.connect_ex(server.getsockname())
            fillers.append(s)
        self.addCleanup(lambda: [s.close() for s in fillers + [server]])
        return server.getsockname()[1]

    def start_with_probed_account(self, probe_timeout_ms):
        """An account 'probed' whose reachability probe hangs until it times out; it
        starts requested offline, so nothing is probed until it is set online."""
        port = self._hanging_server()
        self.write_account('probed', '[Account]\nHost=127.0.0.1\nPort=%d\n'
                                     'CheckReachability=true\n' % port)
        os.makedirs(self.state_dir, exist_ok=True)
        with open(self.state_file(), 'w') as f:
            f.write('[Accounts]\nprobed=offline\n')
        self.start('[Policy]\nOfflineDelayMs=0\nOnlineDelayMs=0\nProbeTimeoutMs=%d\n' %
                   probe_timeout_ms)
        path = account_path('probed')
        self.assertEqual((self.state(path), self.reason(path)), (OFFLINE, 'user-offline'))
        return path

    def test_set_blocks_until_the_transition_is_done(self):
        path = self.start_with_probed_account(1500)
        # The probe runs between START and DONE; with BLOCK the command returns after
        # DONE, so the abandoned transition is over when it prints.
        self.assertEqual(self.ctl_ok('set', 'probed', 'online'),
                         'probed\tOFFLINE\tunreachable\tprobed\n')
        self.assertFalse(self.get(path, IFACE_OFFLINE, 'Transitioning'))
        self.sync()
        self.assertEqual(self.recorder.phases(path), [(START, OFFLINE, ONLINE),
                                                      (DONE, OFFLINE, OFFLINE)])

    def test_set_no_block_returns_during_the_transition(self):
        path = self.start_with_probed_account(60000)
        doc = self.ctl_json('set', '--no-block', 'probed', 'online')
        self.assertEqual((doc['state'], doc['requested'], doc['transitioning']),
                         ('offline', 'online', True))
        # Meanwhile another request is refused: exit status 5, and nothing changes.
        err = self.ctl_fails(EXIT_PENDING, 'set', 'probed', 'offline')
        self.assertIn('under way', err)
        self.assertEqual(self.get(path, IFACE_OFFLINE, 'RequestedState'), ONLINE)
        self.assertTrue(self.get(path, IFACE_OFFLINE, 'Transitioning'))

    def test_add_update_remove(self):
        self.start()
        self.assertEqual(self.ctl_ok('add', 'work', 'DisplayName=Work mail',
                                     'Host=imap.example.com', 'Port=993',
                                     'RequireConnections=office-vpn;backup-vpn',
                                     'AllowMetered=false'),
                         'work\tOFFLINE\tconnection-inactive\tWork mail\n')
        settings = self.get(account_path('work'), 'org.offlinemgr.OfflineMgr1.Account',
                            'Settings')
        self.assertEqual(settings['RequireConnections'], ['office-vpn', 'backup-vpn'])
        self.assertEqual(settings['Port'], 993)
        self.assertFalse(settings['AllowMetered'])
        self.assertTrue(os.path.exists(self.account_file('work')))

        doc = self.ctl_json('update', 'work', 'RequireConnections=')
        self.assertEqual((doc['state'], doc['reason']), ('online', ''))
        self.assertEqual(self.ctl_json('status', 'work')['settings']['Port'], 993)

        self.assertEqual(self.ctl_ok('add', 'plain'), 'plain\tONLINE\t-\tplain\n')
        self.assertEqual(self.ctl_ok('remove', 'work'), '')
        self.assertFalse(os.path.exists(self.account_file('work')))
        self.assertEqual(self.ctl_ok('list'), 'plain\tONLINE\t-\tplain\tfile\n')
        self.assertEqual(self.ctl_ok('reload'), '')

    def test_exit_status_for_each_error_class(self):
        self.start()
        self.add_accounts()
        before = self.ctl_ok('list')
        # 3: no such account, from every command that takes one.
        for args in (('status', 'nosuch'), ('set', 'nosuch', 'offline'), ('remove', 'nosuch'),
                     ('update', 'nosuch', 'Port=1'), ('monitor', 'nosuch')):
            with self.subTest(args=args):
                self.assertIn('nosuch', self.ctl_fails(EXIT_NOT_FOUND, *args))
        # 2: the daemon's or the library's InvalidArgs, naming what is wrong.
        for args, word in ((('add', 'bad id!'), 'bad id!'),
                           (('status', 'bad/id'), 'bad/id'),
                           (('add', 'x', 'Port=many'), 'Port'),
                           (('add', 'x', 'Colour=blue'), 'Colour'),
                           (('add', 'x', 'NoEquals'), 'NoEquals'),
                           (('add', 'x', 'MinConnectivity=some'), 'MinConnectivity'),
                           (('update', 'work', 'CheckReachability=maybe'), 'CheckReachability')):
            with self.subTest(args=args):
                self.assertIn(word, self.ctl_fails(EXIT_USAGE, *args))
        # 1: the daemon refused (the account exists).
        self.assertIn('work', self.ctl_fails(EXIT_FAILURE, 'add', 'work'))
        # Nothing changed.
        self.assertEqual(self.ctl_ok('list'), before)
        self.assertFalse(os.path.exists(self.account_file('x')))

    def test_exit_status_when_the_daemon_is_unreachable(self):
        # No daemon, and the bus cannot activate one.
        env = {'DBUS_SESSION_BUS_ADDRESS': self.bus_without_activation()}
        for args in (('list',), ('status',), ('set', '--global', 'offline'), ('monitor',),
                     ('add', 'work'), ('remove', 'work')):
            with self.subTest(args=args):
                err = self.ctl_fails(EXIT_UNREACHABLE, *args, env=env)
                self.assertIn('cannot reach offlinemgrd', err)
        # No session bus at all.
        missing = os.path.join(self.tmp, 'no-such-bus')
        err = self.ctl_fails(EXIT_UNREACHABLE, 'list',
                             env={'DBUS_SESSION_BUS_ADDRESS': 'unix:path=' + missing})
        self.assertIn('cannot reach offlinemgrd', err)


class TestTerminalOutput(CliTestCase):

    def test_table_and_colour_on_a_terminal_only(self):
        self.start()
        self.add_accounts()
        status, out = self.ctl_tty('list', drop=('NO_COLOR',), env={'TERM': 'xterm'})
        self.assertEqual(status, 0)
        self.assertIn('\x1b[32mONLINE\x1b[0m', out)
        self.assertIn('\x1b[31mOFFLINE\x1b[0m', out)
        self.assertEqual(ANSI.sub('', out).splitlines(), [
            'ID    STATE    REASON               ORIGIN  NAME',
            'home  ONLINE   -                    file    home',
            'work  OFFLINE  connection-inactive  file    Work mail',
        ])
        # NO_COLOR (any non-empty value) and TERM=dumb turn colour off on a terminal.
        for env in ({'NO_COLOR': '1', 'TERM': 'xterm'}, {'NO_COLOR': 'yes', 'TERM': 'xterm'},
                    {'TERM': 'dumb'}):
            with self.subTest(env=env):
                drop = () if 'NO_COLOR' in env else ('NO_COLOR',)
                status, plain = self.ctl_tty('list', env=env, drop=drop)
                self.assertEqual(plain, ANSI.sub('', out))
        # An empty NO_COLOR is unset.
        status, coloured = self.ctl_tty('list', env={'NO_COLOR': '', 'TERM': 'xterm'})
        self.assertEqual(coloured, out)
        # Not a terminal: never colour, whatever the environment says.
        piped = self.ctl_ok('list', drop=('NO_COLOR',), env={'TERM': 'xterm'})
        self.assertNotIn('\x1b', piped)

    def test_status_and_set_on_a_terminal(self):
        self.start()
        self.add_accounts()
        status, out = self.ctl_tty('status', 'work', env={'NO_COLOR': '1'})
        self.assertEqual(status, 0)
        self.assertRegex(out, r'(?m)^State: +OFFLINE$')
        self.assertRegex(out, r'(?m)^Reason: +connection-inactive$')
        # Labels are aligned: every value starts in the same column.
        columns = {len(m.group(1)) for m in re.finditer(r'(?m)^(\S+: +)\S', out)}
        self.assertEqual(len(columns), 1, out)
        status, out = self.ctl_tty('set', 'home', 'offline', env={'NO_COLOR': '1'})
        self.assertEqual((status, out), (0, 'home: OFFLINE (user-offline)\n'))


class TestMonitor(CliTestCase):

    def test_monitor_stream(self):
        self.start()
        self.add_accounts()
        proc, reader = self.start_monitor(watching='the global object and 2 accounts')
        self.set_state(account_path('home'), OFFLINE, 0x2000)
        lines = reader.read_lines(3)
        # The global object takes every ONLINE account with it.
        self.set_state(ROOT_PATH, OFFLINE, 0x2000)
        lines = reader.read_lines(6)
        self.set_state(account_path('home'), ONLINE, 0x2000)
        self.set_state(ROOT_PATH, ONLINE, 0x2000)
        lines = reader.read_lines(12)
        self.stop_monitor(proc)

        parsed = []
        for line in lines:
            m = MONITOR_LINE.match(line)
            self.assertIsNotNone(m, line)
            parsed.append((m.group(2), PHASES[m.group(3)], STATES[m.group(4)],
                           STATES[m.group(5)]))
        times = [MONITOR_LINE.match(line).group(1) for line in lines]
        self.assertEqual(times, sorted(times))

        def phases(name):
            return [p[1:] for p in parsed if p[0] == name]
        transition = [(START,), (STATECHANGE,), (DONE,)]
        self.assertEqual(phases('global'), [t + (ONLINE, OFFLINE) for t in transition] +
                         [t + (OFFLINE, ONLINE) for t in transition])
        self.assertEqual(phases('home'), [t + (ONLINE, OFFLINE) for t in transition] +
                         [t + (OFFLINE, ONLINE) for t in transition])
        # work was OFFLINE throughout (its VPN is never active): nothing to report.
        self.assertEqual(phases('work'), [])
        self.assertEqual(len(parsed), 12)

    def test_monitor_json_lines_and_sigterm(self):
        self.start()
        self.add_accounts()
        proc, reader = self.start_monitor('home', json_lines=True)
        self.set_state(ROOT_PATH, OFFLINE, 0x2000)
        self.set_state(ROOT_PATH, ONLINE, 0x2000)
        lines = reader.read_lines(6)
        self.stop_monitor(proc, signal.SIGTERM)
        docs = [json.loads(line) for line in lines]
        self.assertEqual([(d['id'], d['phase'], d['old'], d['new']) for d in docs],
                         [('home', p, 'online', 'offline') for p in
                          ('START', 'STATECHANGE', 'DONE')] +
                         [('home', p, 'offline', 'online') for p in
                          ('START', 'STATECHANGE', 'DONE')])
        for d in docs:
            self.assertRegex(d['time'], r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d$')
        # Only the account asked for: the global object's own phases are not there.
        self.assertEqual({d['id'] for d in docs}, {'home'})


class TestMemcheck(CliTestCase):
    """offlinemgrctl, and the parts of the library it uses, under valgrind's memcheck:
    no invalid accesses, nothing definitely or indirectly lost."""

    VALGRIND = ['valgrind', '-q', '--leak-check=full', '--errors-for-leak-kinds=definite,indirect',
                '--error-exitcode=99']

    def test_no_memory_errors_or_leaks(self):
        if shutil.which('valgrind') is None:
            self.skipTest('valgrind is not installed')
        if os.environ.get('OM_SANITIZED'):
            self.skipTest('valgrind cannot run a sanitizer-instrumented offlinemgrctl')
        self.start()
        self.add_accounts()
        for args in (['--json', 'status'], ['status', 'work'], ['set', 'home', 'offline'],
                     ['status', 'nosuch'], ['wait', 'home', '--offline']):
            with self.subTest(args=args):
                proc = subprocess.run(self.VALGRIND + [OFFLINEMGRCTL] + args,
                                      env=self.ctl_env(), stdin=subprocess.DEVNULL,
                                      capture_output=True, text=True, timeout=30 * TIMEOUT_SCALE)
                self.assertIn(proc.returncode, (EXIT_OK, EXIT_NOT_FOUND), proc.stderr)
        proc = subprocess.Popen(self.VALGRIND + [OFFLINEMGRCTL, 'monitor'], env=self.ctl_env(),
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
        self.addCleanup(lambda: proc.poll() is None and (proc.kill(), proc.wait()))
        self.assertEqual(MonitorReader(self, proc, proc.stderr).read_lines(1, timeout=30),
                         ['offlinemgrctl: watching the global object and 2 accounts'])
        self.set_state(account_path('home'), ONLINE, 0x2000)
        MonitorReader(self, proc).read_lines(3, timeout=30)
        proc.send_signal(signal.SIGINT)
        self.assertEqual(proc.wait(30 * TIMEOUT_SCALE), 0, proc.stderr.read().decode())


class TestMonitorRestart(CliTestCase):

    def test_monitor_follows_a_daemon_restart(self):
        self.start()
        self.add_account('home', {})
        proc, reader = self.start_monitor('home')
        self.stop_daemon()
        # The daemon comes back with the account requested offline: the monitor keeps
        # running and reports the difference as a whole transition.
        os.makedirs(self.state_dir, exist_ok=True)
        with open(self.state_file(), 'w') as f:
            f.write('[Accounts]\nhome=offline\n')
        self.start_daemon()
        lines = reader.read_lines(3)
        self.stop_monitor(proc)
        self.assertEqual([line.split(' ', 1)[1] for line in lines],
                         ['home START ONLINE -> OFFLINE', 'home STATECHANGE ONLINE -> OFFLINE',
                          'home DONE ONLINE -> OFFLINE'])


class TestWait(CliTestCase):
    """offlinemgrctl wait: 0 once the object is in the state, 6 on a timeout, the usual
    statuses for errors. It sleeps until the library's notifications wake it."""

    def start_wait(self, *args):
        """Starts offlinemgrctl wait and waits (bounded) for its line saying it waits;
        returns the process and that line."""
        proc = subprocess.Popen([OFFLINEMGRCTL, 'wait'] + list(args), env=self.ctl_env(),
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
        self.addCleanup(lambda: proc.poll() is None and (proc.kill(), proc.wait()))
        line = MonitorReader(self, proc, proc.stderr).read_lines(1)[0]
        self.assertRegex(line, r'^offlinemgrctl: waiting for \S+ to be (ONLINE|OFFLINE) '
                               r'\(now (ONLINE|OFFLINE)(: [a-z-]+)?\)$')
        return proc, line

    def assert_returns(self, proc, status=EXIT_OK, timeout=10):
        try:
            proc.wait(timeout * TIMEOUT_SCALE)
        except subprocess.TimeoutExpired:
            self.fail('offlinemgrctl wait did not return within %gs' % (timeout * TIMEOUT_SCALE))
        self.assertEqual(proc.returncode, status, proc.stderr.read())
        self.assertEqual(proc.stdout.read(), b'')

    def test_wait_returns_at_once_when_already_there(self):
        self.start()
        self.add_accounts()
        for args in (('home',), ('--global',), ('work', '--offline'), ('home', '--online'),
                     ('home', '--timeout', '0'), ('--timeout=5', 'wait', '--global')):
            with self.subTest(args=args):
                args = args if 'wait' in args else ('wait',) + args
                self.assertEqual(self.ctl(*args), (EXIT_OK, '', ''))

    def test_wait_returns_when_the_account_goes_online(self):
        self.start()
        self.add_accounts()
        home = account_path('home')
        self.set_state(home, OFFLINE)
        proc, line = self.start_wait('home')
        self.assertIn('waiting for home to be ONLINE (now OFFLINE: user-offline)', line)
        self.assertIsNone(proc.poll())
        self.set_state(home, ONLINE)
        self.assert_returns(proc)
        self.assertEqual(self.state(home), ONLINE)

    def test_wait_offline(self):
        self.start()
        self.add_accounts()
        proc, line = self.start_wait('home', '--offline')
        self.assertIn('waiting for home to be OFFLINE (now ONLINE)', line)
        # A transition of another object does not end it.
        self.set_state(ROOT_PATH, ONLINE)
        self.ctl_ok('set', 'work', 'offline')
        self.assertIsNone(proc.poll())
        self.ctl_ok('set', 'home', 'offline')
        self.assert_returns(proc)

    def test_wait_global(self):
        self.start()
        self.add_accounts()
        self.set_state(ROOT_PATH, OFFLINE)
        proc, line = self.start_wait('--global')
        self.assertIn('waiting for global to be ONLINE (now OFFLINE: user-offline)', line)
        self.set_state(ROOT_PATH, ONLINE)
        self.assert_returns(proc)

    def test_wait_timeout(self):
        self.start()
        self.add_accounts()
        started = time.monotonic()
        status, out, err = self.ctl('wait', 'work', '--timeout', '0.5')
        self.assertGreaterEqual(time.monotonic() - started, 0.5)
        self.assertEqual((status, out), (EXIT_TIMEOUT, ''))
        self.assertEqual(err.splitlines(), [
            'offlinemgrctl: waiting for work to be ONLINE (now OFFLINE: connection-inactive)',
            'offlinemgrctl: work is not ONLINE after 0.5 s'])
        status, out, err = self.ctl('wait', '--global', '--offline', '--timeout', '0')
        self.assertEqual((status, out), (EXIT_TIMEOUT, ''))
        self.assertIn('global is not OFFLINE after 0 s', err)

    def test_wait_unknown_account(self):
        self.start()
        self.add_accounts()
        self.assertIn("nosuch", self.ctl_fails(EXIT_NOT_FOUND, 'wait', 'nosuch'))
        self.assertIn("nosuch", self.ctl_fails(EXIT_NOT_FOUND, 'wait', 'nosuch', '--offline',
                                               '--timeout', '1'))

    def test_wait_without_a_daemon(self):
        env = {'DBUS_SESSION_BUS_ADDRESS': self.bus_without_activation()}
        for args in (('wait', 'home'), ('wait', '--global', '--timeout', '1')):
            with self.subTest(args=args):
                err = self.ctl_fails(EXIT_UNREACHABLE, *args, env=env)
                self.assertIn('cannot reach offlinemgrd', err)

    def test_wait_usage_errors(self):
        for args, message in ((('wait',), 'usage: wait ID|--global'),
                              (('wait', 'a', 'b'), 'usage: wait ID|--global'),
                              (('wait', '--global', 'home'), 'usage: wait ID|--global'),
                              (('wait', 'home', '--timeout', 'soon'),
                               "'soon' is not a number of seconds"),
                              (('wait', 'home', '--timeout', '-1'),
                               "'-1' is not a number of seconds"),
                              (('wait', 'home', '--timeout'), "option '--timeout' needs a value"),
                              (('wait', 'home', '--online', '--offline'),
                               '--online and --offline exclude each other'),
                              (('status', '--timeout', '1'), '--timeout is an option of wait only'),
                              (('set', 'home', 'online', '--offline'),
                               '--offline is an option of wait only')):
            with self.subTest(args=args):
                self.assertIn(message, self.ctl_fails(EXIT_USAGE, *args))
        self.assertFalse(self.name_has_owner())

    def test_wait_follows_a_daemon_restart(self):
        self.start()
        self.add_account('home', {})
        self.ctl_ok('set', 'home', 'offline')
        proc, _ = self.start_wait('home')
        self.stop_daemon()
        self.assertIsNone(proc.poll())
        # The daemon comes back with the account requested online: the library reads the
        # new owner's state, and wait sees the account go ONLINE.
        with open(self.state_file(), 'w') as f:
            f.write('[Accounts]\nhome=online\n')
        self.start_daemon()
        self.assert_returns(proc)

    def test_wait_during_a_transition_that_started_before_it(self):
        # A probe that hangs until the test lets it through: the listener's accept queue
        # (backlog 0) is full, so the kernel drops the probe's SYN; once the filler is
        # accepted, the SYN's next retransmission (about a second later) connects.
        server = socket.socket()
        self.addCleanup(server.close)
        server.bind(('127.0.0.1', 0))
        server.listen(0)
        filler = socket.create_connection(server.getsockname(), timeout=5)
        self.addCleanup(filler.close)
        self.write_account('probed', '[Account]\nHost=127.0.0.1\nPort=%d\n'
                                     'CheckReachability=true\n' % server.getsockname()[1])
        os.makedirs(self.state_dir, exist_ok=True)
        with open(self.state_file(), 'w') as f:
            f.write('[Accounts]\nprobed=offline\n')
        self.start('[Policy]\nOfflineDelayMs=0\nOnlineDelayMs=0\nProbeTimeoutMs=20000\n')
        doc = self.ctl_json('set', '--no-block', 'probed', 'online')
        self.assertEqual((doc['state'], doc['transitioning']), ('offline', True))
        # The transition's START went out before wait registered: the library reports
        # none of it, and wait must still see where it ends.
        proc, line = self.start_wait('probed')
        self.assertIn('(now OFFLINE', line)
        accepted, _ = server.accept()
        self.addCleanup(accepted.close)
        self.assert_returns(proc, timeout=15)
        self.assertEqual(self.state(account_path('probed')), ONLINE)


class TestReadmeExample(CliTestCase):
    """The C example of README.md's "For mail app developers" builds against the build
    tree (through the uninstalled pkg-config file) and does what the README says."""

    def test_readme_c_example(self):
        if os.environ.get('OM_SANITIZED'):
            self.skipTest('a program built without the sanitizer cannot load the '
                          'sanitizer-instrumented library')
        for tool in ('cc', 'pkg-config'):
            if shutil.which(tool) is None:
                self.skipTest(tool + ' is not installed')
        readme = open(os.path.join(SOURCE_ROOT, 'README.md')).read()
        section = readme.split('## For mail app developers')[1]
        source = re.search(r'```c\n(.*?)```', section, re.S).group(1)
        path = os.path.join(self.tmp, 'mailstate.c')
        with open(path, 'w') as f:
            f.write(source)
        env = self.ctl_env({'PKG_CONFIG_PATH': os.path.join(BUILD_ROOT, 'meson-uninstalled')})
        flags = subprocess.run(['pkg-config', '--cflags', '--libs', 'offlinemgr'], env=env,
                               capture_output=True, text=True, check=True).stdout.split()
        program = os.path.join(self.tmp, 'mailstate')
        build = subprocess.run(['cc', '-std=c11', '-Wall', '-Wextra', '-Wno-unused-parameter',
                                '-Werror', path, '-o', program] + flags, env=env,
                               capture_output=True, text=True, timeout=30 * TIMEOUT_SCALE)
        self.assertEqual(build.returncode, 0, build.stderr)

        self.start()
        self.add_accounts()
        for account, first in (('work', 'work is offline: connection-inactive'),
                               ('home', 'home is online')):
            proc = subprocess.Popen([program, account], env=self.ctl_env(),
                                    stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE)
            self.addCleanup(lambda p=proc: p.poll() is None and (p.kill(), p.wait()))
            reader = MonitorReader(self, proc)
            self.assertEqual(reader.read_lines(1), [first])
        # The last one, home, is registered (its state was read after Advise).
        self.set_state(account_path('home'), OFFLINE, 0x2000)
        self.set_state(account_path('home'), ONLINE, 0x2000)
        self.assertEqual(reader.read_lines(3)[1:], ['home went offline', 'home went online'])


class TestBashCompletion(CliTestCase):

    def complete(self, *words):
        """Completes the last of @words as bash would (with '=' split off as bash's
        COMP_WORDBREAKS does); returns the candidates."""
        comp_words = []
        for w in (OFFLINEMGRCTL,) + words:
            parts = re.split(r'(=)', w)
            comp_words.extend(p for p in parts if p != '' or len(parts) == 1)
        if words and words[-1].endswith('='):
            comp_words.append('')
        script = ('source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); '
                  '_offlinemgrctl; printf "%s\\n" "${COMPREPLY[@]}"')
        proc = subprocess.run(['bash', '--norc', '--noprofile', '-c', script, 'bash',
                               COMPLETION] + comp_words, env=self.ctl_env(),
                              capture_output=True, text=True, timeout=30 * TIMEOUT_SCALE)
        self.assertEqual(proc.stderr, '')
        return sorted(filter(None, proc.stdout.split('\n')))

    def test_completion(self):
        self.start()
        self.add_accounts()
        self.assertEqual(self.complete(''), ['add', 'list', 'monitor', 'reload', 'remove',
                                             'set', 'status', 'update', 'wait'])
        self.assertEqual(self.complete('s'), ['set', 'status'])
        self.assertEqual(self.complete('--j'), ['--json'])
        self.assertEqual(self.complete('set', '--'), ['--global', '--help', '--json',
                                                      '--no-block', '--version'])
        # Account ids come from the daemon.
        self.assertEqual(self.complete('set', ''), ['home', 'work'])
        self.assertEqual(self.complete('--json', 'status', 'w'), ['work'])
        self.assertEqual(self.complete('monitor', 'home', ''), ['home', 'work'])
        self.assertEqual(self.complete('set', 'work', ''), ['offline', 'online'])
        self.assertEqual(self.complete('set', '--global', 'on'), ['online'])
        self.assertEqual(self.complete('remove', 'work', ''), [])
        self.assertEqual(self.complete('add', 'new', 'Allow'), ['AllowMetered='])
        self.assertEqual(self.complete('update', 'work', 'MinConnectivity='),
                         ['full', 'limited', 'portal'])
        self.assertEqual(self.complete('add', 'new', 'Host=x', 'CheckReachability=t'),
                         ['true'])


if __name__ == '__main__':
    main()
