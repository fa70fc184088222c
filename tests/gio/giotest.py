"""Harness for the GIO module's tests: real GIO applications (tests/gio/gio-app.c and its
Python twin gio_app.py) run with the module from the build tree, against the daemon and
the NetworkManager stand-in on private buses (tests/network/nettest.py).

Every wait is bounded and waits for a line or a condition, never a fixed time."""

import os
import subprocess
import sys

from gi.repository import Gio, GLib

from omtest import BUILD_ROOT, ROOT_PATH, SOURCE_ROOT

sys.path.insert(0, os.path.join(SOURCE_ROOT, 'tests', 'network'))
from nettest import NetworkTestCase  # noqa: E402 pylint: disable=wrong-import-position

HERE = os.path.dirname(os.path.abspath(__file__))
MODULE_DIR = os.path.join(BUILD_ROOT, 'gio-module')
MODULE_TYPE = 'OmGioNetworkMonitor'
NM_TYPE = 'GNetworkMonitorNM'

OFFLINE, ONLINE = 1, 2
# GNetworkConnectivity
LOCAL, LIMITED, PORTAL, FULL = 1, 2, 3, 4
G_IO_ERROR = 'g-io-error-quark'
G_IO_ERROR_NETWORK_UNREACHABLE = int(Gio.IOErrorEnum.NETWORK_UNREACHABLE)
G_RESOLVER_ERROR = 'g-resolver-error-quark'


class App:
    """A GIO application under test: commands in, one answer line per command out;
    event lines ("notify ...", "changed ...") are collected apart, in order."""

    ANSWERS = ('ok', 'error')

    def __init__(self, testcase, kind, monitor='offlinemgr', env=None):
        self.testcase = testcase
        self.kind = kind
        if kind == 'c':
            cmd = os.environ.get('OM_CLIENT_WRAPPER', '').split() + [
                os.path.join(BUILD_ROOT, 'tests', 'gio', 'gio-app')]
        else:
            cmd = [sys.executable, os.path.join(HERE, 'gio_app.py')]
        self.stderr_path = os.path.join(testcase.tmp, 'gio-app-%s-%d.log' % (
            kind, len(testcase.apps)))
        full_env = dict(os.environ)
        full_env.update({
            'GIO_EXTRA_MODULES': MODULE_DIR,
            'GIO_USE_NETWORK_MONITOR': monitor,
            # Nothing of the machine's: no dconf, no proxy settings, no gvfs.
            'GSETTINGS_BACKEND': 'memory',
            'GIO_USE_PROXY_RESOLVER': 'dummy',
            'GIO_USE_VFS': 'local',
            'G_DEBUG': 'fatal-criticals',
        })
        full_env.update(env or {})
        with open(self.stderr_path, 'w') as err:
            self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                         stderr=err, env=full_env)
        os.set_blocking(self.proc.stdout.fileno(), False)
        self.buffer = b''
        self.eof = False
        self.pending = []
        self.events = []
        self.watch = GLib.unix_fd_add_full(GLib.PRIORITY_DEFAULT, self.proc.stdout.fileno(),
                                           GLib.IOCondition.IN | GLib.IOCondition.HUP,
                                           self._on_output)
        testcase.apps.append(self)
        self.wait(lambda: self.pending, 20, 'the %s application to start' % kind)
        words = self.pending.pop(0).split()
        testcase.assertEqual(words[0], 'ready', 'the %s application did not start' % kind)
        self.type = words[1]
        self.initial = tuple(int(w) for w in words[2:])

    def __str__(self):
        return '%s application' % self.kind

    def _on_output(self, fd, condition):
        while True:
            try:
                data = os.read(fd, 65536)
            except BlockingIOError:
                return GLib.SOURCE_CONTINUE
            if not data:
                self.eof = True
                self.watch = None
                return GLib.SOURCE_REMOVE
            self.buffer += data
            while b'\n' in self.buffer:
                line, self.buffer = self.buffer.split(b'\n', 1)
                self.pending.append(line.decode(errors='replace'))

    def stderr(self):
        with open(self.stderr_path, errors='replace') as f:
            return f.read()

    def wait(self, predicate, timeout, what):
        """Waits until predicate(); @what says what for (a callable: evaluated when the
        wait fails)."""
        def done():
            if predicate():
                return True
            if self.eof:
                self.testcase.fail('the %s exited with %s while waiting for %s:\n%s' % (
                    self, self.proc.wait(), what() if callable(what) else what,
                    self.stderr()))
            return False

        class Lazy:
            def __str__(_):
                return '%s (%s)' % (what() if callable(what) else what, self)
        self.testcase.wait_until(done, timeout, Lazy())

    def _take_events(self):
        while self.pending and self.pending[0].split(' ', 1)[0] not in self.ANSWERS:
            self.events.append(self.pending.pop(0))

    def cmd(self, command, timeout=20):
        self.proc.stdin.write((command + '\n').encode())
        self.proc.stdin.flush()
        self.wait(lambda: any(line.split(' ', 1)[0] in self.ANSWERS for line in self.pending),
                  timeout, 'the answer to %r' % command)
        self._take_events()
        return self.pending.pop(0)

    def props(self):
        """(network-available, network-metered, connectivity) as ints."""
        line = self.cmd('props')
        self.testcase.assertTrue(line.startswith('ok '), line)
        return tuple(int(w) for w in line.split()[1:])

    def reach(self, host, port, how='reach'):
        """(True,) or (False, error domain, code, message)."""
        line = self.cmd('%s %s %d' % (how, host, port))
        words = line.split(' ', 3)
        if words[0] == 'ok':
            return (words[1] == '1',)
        return (False, words[1], int(words[2]), words[3] if len(words) > 3 else '')

    def lookups(self):
        return int(self.cmd('lookups').split()[1])

    def wait_props(self, expected, timeout=10):
        self.wait(lambda: self.props() == expected, timeout,
                  lambda: 'properties %s (are %s)' % (expected, self.props()))

    def wait_events(self, wanted, timeout=10):
        """Waits until every line of @wanted has come (in any order, since the last
        clear_events()); returns the events."""
        def arrived():
            self._take_events()
            return all(w in self.events for w in wanted)
        self.wait(arrived, timeout, lambda: 'events %s (have %s)' % (wanted, self.events))
        return list(self.events)

    def clear_events(self):
        self._take_events()
        self.events.clear()

    def close(self):
        if self.proc.poll() is None:
            try:
                self.proc.stdin.write(b'quit\n')
                self.proc.stdin.close()
            except BrokenPipeError:
                pass
        self.testcase.wait_until(lambda: self.proc.poll() is not None, 30,
                                 'the %s to exit' % self)
        if self.watch is not None:
            GLib.source_remove(self.watch)
            self.watch = None
        self.proc.stdout.close()
        return self.proc.returncode


class GioTestCase(NetworkTestCase):
    """NetworkManager stand-in, daemon, and GIO applications that must exit cleanly."""

    def setUp(self):
        super().setUp()
        self.apps = []

    def tearDown(self):
        # Under valgrind and the sanitizers, errors and leaks found at exit show in the
        # C application's exit status.
        problems = []
        for app in self.apps:
            if app.proc.poll() is None or app.watch is not None:
                try:
                    status = app.close()
                except AssertionError as e:
                    app.proc.kill()
                    app.proc.wait()
                    status = str(e)
                if status != 0:
                    problems.append('%s: %s\n%s' % (app, status, app.stderr()))
            if self._failed():
                sys.stderr.write('--- %s, stderr ---\n%s\n' % (app, app.stderr()))
        super().tearDown()
        if problems:
            self.fail('GIO applications did not exit cleanly: %s' % '; '.join(problems))

    def kinds(self):
        """The applications every test runs side by side: the C program, and PyGObject
        except where it cannot load the module (a sanitized build's module needs the
        sanitizer's runtime in the interpreter, which Debian's python3 does not have)."""
        if os.environ.get('OM_SANITIZED'):
            sys.stderr.write('note: the Python application is left out: this build is '
                             'sanitized (%s), the C application runs alone\n' %
                             os.environ['OM_SANITIZED'])
            return ['c']
        return ['c', 'python']

    def start_apps(self, monitor='offlinemgr', env=None):
        return [App(self, kind, monitor, env) for kind in self.kinds()]

    def set_global(self, state):
        self.set_state(ROOT_PATH, state)
