"""Helpers for libofflinemgr's integration tests: drive a C client program over its
line protocol (tests/client/client-driver.c, mapi-driver.c) and look at the bus.

Every wait is bounded and waits for a line or a condition, never a fixed time."""

import os
import queue
import subprocess
import threading
import time

import dbus

from omtest import BUS_NAME, TIMEOUT_SCALE, DaemonTestCase

BUILD_ROOT = os.environ.get('OM_BUILD_ROOT', '')


def program(name):
    return os.path.join(BUILD_ROOT, 'tests', 'client', name)


class Driver:
    """A client program under test: commands in, one answer line per command out;
    notification lines ("notify ...", "destroyed ...", "incb ...") are collected apart."""

    ANSWERS = ('ok', 'error', 'hr')

    def __init__(self, testcase, name='client-driver', args=(), env=None):
        self.testcase = testcase
        wrapper = os.environ.get('OM_CLIENT_WRAPPER', '').split()
        self.proc = subprocess.Popen(wrapper + [program(name)] + list(args),
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=None, text=True, bufsize=1,
                                     env=dict(os.environ, **(env or {})))
        self.lines = queue.Queue()
        self.events = []
        self.answers = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        ready = self._next_line(20)
        testcase.assertEqual(ready, 'ready', 'the driver did not start')

    def _read(self):
        for line in self.proc.stdout:
            self.lines.put(line.rstrip('\n'))
        self.lines.put(None)

    def _next_line(self, timeout):
        try:
            line = self.lines.get(timeout=timeout * TIMEOUT_SCALE)
        except queue.Empty:
            self.testcase.fail('timed out after %gs waiting for the driver' %
                               (timeout * TIMEOUT_SCALE))
        if line is None:
            self.testcase.fail('the driver exited with %s' % self.proc.wait())
        return line

    def _pump(self, timeout):
        """Takes one line into events or answers."""
        line = self._next_line(timeout)
        if line.split(' ', 1)[0] in self.ANSWERS:
            self.answers.append(line)
        else:
            self.events.append(line)
        return line

    def send(self, command):
        self.proc.stdin.write(command + '\n')
        self.proc.stdin.flush()

    def cmd(self, command, timeout=30):
        """Sends a command and returns its answer line (notifications before it are kept
        in self.events, in order)."""
        self.send(command)
        return self.answer(timeout)

    def answer(self, timeout=30):
        deadline = time.monotonic() + timeout * TIMEOUT_SCALE
        while not self.answers:
            self._pump(max(0.1, deadline - time.monotonic()))
        return self.answers.pop(0)

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
        deadline = time.monotonic() + timeout * TIMEOUT_SCALE
        while not predicate(self.events):
            if time.monotonic() > deadline:
                self.testcase.fail('timed out waiting for %s; have %s' % (what, self.events))
            try:
                line = self.lines.get(timeout=0.1)
            except queue.Empty:
                continue
            if line is None:
                self.testcase.fail('the driver exited with %s' % self.proc.wait())
            if line.split(' ', 1)[0] in self.ANSWERS:
                self.answers.append(line)
            else:
                self.events.append(line)

    def notifies(self, prefix='notify'):
        return [e for e in self.events if e.startswith(prefix + ' ')]

    def wait_notifies(self, count, timeout=10, prefix='notify'):
        self.wait_events(lambda ev: len([e for e in ev if e.startswith(prefix + ' ')]) >= count,
                         timeout, '%d %s lines' % (count, prefix))
        return self.notifies(prefix)

    def close(self):
        if self.proc.poll() is None:
            try:
                self.send('quit')
                self.proc.stdin.close()
            except BrokenPipeError:
                pass
        try:
            status = self.proc.wait(30 * TIMEOUT_SCALE)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            self.testcase.fail('the driver did not exit')
        return status


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
        for d in self.drivers:
            if d.proc.poll() is None:
                d.proc.kill()
                d.proc.wait()
        super().tearDown()

    def driver(self, name='client-driver', args=(), env=None):
        d = Driver(self, name, args, env)
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
