"""Helpers for libofflinemgr's integration tests: drive a C client program over its
line protocol (tests/client/client-driver.c, mapi-driver.c) and look at the bus.

Every wait is bounded and waits for a line or a condition, never a fixed time."""

import os
import re
import subprocess
import tempfile

import dbus
from gi.repository import GLib

from omtest import BUS_NAME, DaemonTestCase

BUILD_ROOT = os.environ.get('OM_BUILD_ROOT', '')


def program(name):
    return os.path.join(BUILD_ROOT, 'tests', 'client', name)


class Driver:
    """A client program under test: commands in, one answer line per command out;
    notification lines ("notify ...", "destroyed ...", "incb ...") are collected apart.

    Its output is read from the GLib main loop, so every wait also lets the harness
    drain the daemon's NOTIFY_SOCKET (a full one blocks the daemon)."""

    ANSWERS = ('ok', 'error', 'hr')

    def __init__(self, testcase, name='client-driver', args=(), env=None,
                 capture_stderr=False):
        self.testcase = testcase
        wrapper = os.environ.get('OM_CLIENT_WRAPPER', '').split()
        # A file, not a pipe: nothing has to drain it while the driver runs.
        self.stderr = tempfile.TemporaryFile('w+') if capture_stderr else None
        self.proc = subprocess.Popen(wrapper + [program(name)] + list(args),
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.stderr, text=True, bufsize=1,
                                     env=dict(os.environ, **(env or {})))
        os.set_blocking(self.proc.stdout.fileno(), False)
        self.buffer = b''
        self.eof = False
        self.pending = []   # lines in arrival order, not yet taken
        self.events = []    # notification lines taken, in order
        self.watch = GLib.unix_fd_add_full(GLib.PRIORITY_DEFAULT, self.proc.stdout.fileno(),
                                           GLib.IOCondition.IN | GLib.IOCondition.HUP,
                                           self._on_output)
        self.wait(lambda: self.pending, 20, 'the driver to start')
        testcase.assertEqual(self.pending.pop(0), 'ready', 'the driver did not start')

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

    def _is_answer(self, line):
        return line.split(' ', 1)[0] in self.ANSWERS

    def _take_events(self):
        """Moves the notification lines that came before the next answer to events."""
        while self.pending and not self._is_answer(self.pending[0]):
            self.events.append(self.pending.pop(0))

    def wait(self, predicate, timeout, what):
        def done():
            if predicate():
                return True
            if self.eof:
                self.testcase.fail('the driver exited with %s while waiting for %s' %
                                   (self.proc.wait(), what))
            return False
        self.testcase.wait_until(done, timeout, what)

    def send(self, command):
        self.proc.stdin.write(command + '\n')
        self.proc.stdin.flush()

    def cmd(self, command, timeout=30):
        """Sends a command and returns its answer line (notifications before it are kept
        in self.events, in order)."""
        self.send(command)
        return self.answer(timeout, command)

    def answer(self, timeout=30, what='an answer'):
        self.wait(lambda: any(self._is_answer(line) for line in self.pending), timeout,
                  'the answer to %s' % what)
        self._take_events()
        return self.pending.pop(0)

    def ok(self, command, timeout=30):
        """Sends a command that must succeed; returns what follows "ok"."""
        line = self.cmd(command, timeout)
        self.testcase.assertTrue(line == 'ok' or line.startswith('ok '),
                                 '%s: %s' % (command, line))
        return line[3:]

    def error(self, command, code, timeout=30):
        """Sends a command that must fail with the (negative) error code; returns the
        rest of the line (the error name and message)."""
        line = self.cmd(command, timeout)
        self.testcase.assertTrue(line.startswith('error %d ' % code), '%s: %s' % (command, line))
        return line[len('error %d ' % code):]

    def wait_events(self, predicate, timeout=10, what='events'):
        def ready():
            self._take_events()
            return predicate(self.events)
        self.wait(ready, timeout, '%s (have %s)' % (what, self.events))

    def notifies(self, prefix='notify'):
        return [e for e in self.events if e.startswith(prefix + ' ')]

    def wait_notifies(self, count, timeout=10, prefix='notify'):
        self.wait_events(lambda ev: len([e for e in ev if e.startswith(prefix + ' ')]) >= count,
                         timeout, '%d %s lines' % (count, prefix))
        return self.notifies(prefix)

    def stderr_lines(self):
        """What the program wrote to stderr so far (capture_stderr=True), without the
        lines of a valgrind wrapper (==pid==)."""
        self.stderr.seek(0)
        return [line for line in self.stderr.read().splitlines()
                if not re.match(r'==\d+==', line)]

    def close(self):
        if self.proc.poll() is None:
            try:
                self.send('quit')
                self.proc.stdin.close()
            except BrokenPipeError:
                pass
        self.testcase.wait_until(lambda: self.proc.poll() is not None, 30, 'the driver to exit')
        if self.watch is not None:
            GLib.source_remove(self.watch)
            self.watch = None
        return self.proc.returncode


def transition(handle, client_token, old, new):
    """The three notify lines of one transition."""
    return ['notify %s %d %d %d %d' % (handle, client_token, phase, old, new)
            for phase in (1, 2, 3)]


class ClientTestCase(DaemonTestCase):
    """A daemon test case with drivers that are stopped at the end of each test."""

    def setUp(self):
        super().setUp()
        self.drivers = []

    def tearDown(self):
        # Drivers still running are told to quit and must exit 0: under valgrind and the
        # sanitizers, errors and leaks found at exit show there.
        problems = []
        for d in self.drivers:
            if d.proc.poll() is None:
                try:
                    status = d.close()
                except AssertionError as e:
                    d.proc.kill()
                    d.proc.wait()
                    status = str(e)
                if status != 0:
                    problems.append('%s: %s' % (d.proc.args, status))
            if d.watch is not None:
                GLib.source_remove(d.watch)
                d.watch = None
            if d.stderr is not None:
                d.stderr.close()
        super().tearDown()
        if problems:
            self.fail('client programs did not exit cleanly: %s' % '; '.join(problems))

    def run_program(self, args, timeout=30):
        """Runs a program to its end while the main loop runs (and drains the daemon's
        NOTIFY_SOCKET). Returns (status, stdout, stderr). The bound stays well inside
        meson's timeout for the test (60 s, scaled like it), so a hang fails by name."""
        with tempfile.TemporaryFile('w+') as out, tempfile.TemporaryFile('w+') as err:
            proc = subprocess.Popen(args, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
            try:
                self.wait_until(lambda: proc.poll() is not None, timeout,
                                '%s to exit' % os.path.basename(args[-1]))
            finally:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
            out.seek(0)
            err.seek(0)
            return proc.returncode, out.read(), err.read()

    def driver(self, name='client-driver', args=(), env=None, capture_stderr=False):
        d = Driver(self, name, args, env, capture_stderr)
        self.drivers.append(d)
        return d

    def bus_connection_of(self, pid):
        """The unique name of the session bus connection of process pid."""
        bus = self.session.get_object('org.freedesktop.DBus', '/org/freedesktop/DBus')
        for name in bus.ListNames(dbus_interface='org.freedesktop.DBus'):
            if not name.startswith(':'):
                continue
            try:
                if bus.GetConnectionUnixProcessID(name, dbus_interface='org.freedesktop.DBus') == pid:
                    return str(name)
            except dbus.exceptions.DBusException:
                pass
        self.fail('no bus connection of process %d' % pid)

    def match_rules(self, unique_name):
        """The match rules the bus holds for one connection (dbus-daemon's Debug.Stats)."""
        bus = self.session.get_object('org.freedesktop.DBus', '/org/freedesktop/DBus')
        rules = bus.GetAllMatchRules(dbus_interface='org.freedesktop.DBus.Debug.Stats')
        return sorted(str(r) for r in rules.get(unique_name, []))

    def daemon_owner(self):
        return str(self.session.get_name_owner(BUS_NAME))
