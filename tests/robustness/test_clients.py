#!/usr/bin/env python3
"""Hostile and careless clients: a flood of calls from one client, a subscriber that
never reads, many clients changing one account at once."""

import os
import random
import signal
import socket
import subprocess
import sys
import threading

import dbus

from omtest import (BLOCK, BUS_NAME, DONE, IFACE_ACCOUNT, IFACE_MANAGER, IFACE_OFFLINE,
                    MASK, OFFLINE, ONLINE, ROOT_PATH, START, STATECHANGE, TIMEOUT_SCALE,
                    DaemonTestCase, account_path, main)
import hostile


class FloodTest(DaemonTestCase):
    N = 10000

    @classmethod
    def setUpClass(cls):
        hostile.start_buses(cls)

    def test_ten_thousand_add_account_calls_from_one_client(self):
        self.start_daemon()
        replies, errors = [], []
        proxy = self.proxy(ROOT_PATH)
        add = proxy.get_dbus_method('AddAccount', IFACE_MANAGER)
        for i in range(self.N):
            add('acct%05d' % i, dbus.Dictionary({'Port': dbus.UInt32(1 + i)}, signature='sv'),
                reply_handler=replies.append, error_handler=errors.append, timeout=600)
        # Another client is served while the flood is being worked through.
        other = dbus.bus.BusConnection(os.environ['DBUS_SESSION_BUS_ADDRESS'])
        box = {}
        other.get_object(BUS_NAME, ROOT_PATH, introspect=False).GetCapabilities(
            dbus_interface=IFACE_OFFLINE, reply_handler=lambda v: box.setdefault('r', v),
            error_handler=lambda e: box.setdefault('e', e), timeout=600)
        self.wait_until(lambda: len(replies) + len(errors) == self.N and box, 600,
                        'every AddAccount to be answered')
        self.assertEqual(errors, [])
        self.assertEqual(box.get('r'), 3)
        self.assertEqual(sorted(replies), sorted(account_path('acct%05d' % i)
                                                 for i in range(self.N)))
        # STATUS= follows a batch of changes, after the replies.
        status = '%d accounts, %d online' % (self.N, self.N)
        self.wait_until(lambda: self.notify.last('STATUS=') == status, 30, status)
        files = sorted(os.listdir(self.accounts_dir))
        self.assertEqual(files, ['acct%05d.conf' % i for i in range(self.N)])
        for i in (0, 4711, self.N - 1):
            kf = hostile.parse_keyfile(self.account_file('acct%05d' % i))
            self.assertEqual(kf.get_integer('Account', 'Port'), 1 + i)
        # All of it is durable: a restart after SIGKILL has every account.
        self.stop_daemon(signal.SIGKILL, expect=-signal.SIGKILL)
        self.start_daemon()
        self.assertEqual(self.notify.last('STATUS='), '%d accounts, %d online' % (self.N,
                                                                                self.N))
        self.assertEqual(self.get(account_path('acct09999'), IFACE_ACCOUNT, 'Settings')['Port'],
                         self.N)


class LogReader:
    """Reads the daemon's log as it grows: the recent text, and how often a string
    occurred in it since the start."""

    def __init__(self, path):
        self.path = path
        self.offset = 0
        self.text = ''
        self.counts = {}

    def read(self):
        with open(self.path, 'rb') as f:
            f.seek(self.offset)
            new = f.read()
        new = new[:new.rfind(b'\n') + 1]      # whole lines only
        self.offset += len(new)
        new = new.decode(errors='replace')
        self.text = self.text[-4096:] + new
        for key in self.counts:
            self.counts[key] += new.count(key)

    def count(self, key):
        if key not in self.counts:
            with open(self.path, 'rb') as f:
                self.counts[key] = f.read(self.offset).decode(errors='replace').count(key)
        return self.counts[key]


STUCK_SUBSCRIBER = '''
import os, signal, sys, dbus
bus = dbus.bus.BusConnection(sys.argv[1])
bus.add_match_string("type='signal',sender='%s'")
print(bus.get_unique_name(), flush=True)
os.kill(os.getpid(), signal.SIGSTOP)
''' % BUS_NAME


class SlowSubscriberTest(DaemonTestCase):
    """A client that subscribes to every signal and never reads. dbus-daemon queues the
    signals for it, counted against the daemon's max_incoming_bytes; at that limit it stops
    reading from the daemon (it does not disconnect the subscriber). A stock session bus
    allows 1 GB; this one 64 KiB, so the stall comes after a few dozen transitions."""

    @classmethod
    def setUpClass(cls):
        hostile.start_buses(cls, {'max_incoming_bytes': 64 * 1024})

    def setUp(self):
        super().setUp()
        # The stuck subscriber is to be the only reader the daemon's signals wait for:
        # the test's own recorder would be a second one, and a slow one (it dispatches
        # one message per main-loop iteration), holding the daemon's messages in
        # dbus-daemon against the same limit after the subscriber has gone.
        self.recorder.close()

    def bus_view(self):
        """What the bus and the kernel say about the daemon, for a failure message: the
        bytes dbus-daemon holds from and for it, and where the daemon is waiting."""
        lines = []
        try:
            owner = self.session.get_name_owner(BUS_NAME)
            stats = self.session.get_object('org.freedesktop.DBus', '/org/freedesktop/DBus') \
                .GetConnectionStats(owner, dbus_interface='org.freedesktop.DBus.Debug.Stats')
            lines.append('bus: ' + ', '.join('%s=%s' % (k, stats[k]) for k in sorted(stats)
                                              if 'Bytes' in k or 'Messages' in k))
        except dbus.DBusException as e:
            lines.append('bus: %s' % e)
        for name in ('stat', 'wchan'):
            try:
                with open('/proc/%d/%s' % (self.daemon.pid, name)) as f:
                    lines.append('%s: %s' % (name, f.read().strip()))
            except OSError as e:
                lines.append('%s: %s' % (name, e))
        return '\n'.join(lines)

    def start_stuck_subscriber(self):
        proc = subprocess.Popen([sys.executable, '-c', STUCK_SUBSCRIBER,
                                 os.environ['DBUS_SESSION_BUS_ADDRESS']],
                                stdout=subprocess.PIPE, text=True)
        self.addCleanup(proc.wait)
        self.addCleanup(proc.kill)
        unique_name = proc.stdout.readline().strip()
        self.assertTrue(unique_name.startswith(':'), unique_name)

        def stopped():
            with open('/proc/%d/stat' % proc.pid) as f:
                return f.read().rsplit(')', 1)[1].split()[0] == 'T'
        self.wait_until(stopped, 10, 'the subscriber to stop reading')
        return proc

    def toggle(self, n):
        """Sends n pairs of SetCurrentState OFFLINE/ONLINE for the global object, not
        waiting for replies (they would not come while the bus does not read from the
        daemon)."""
        method = self.proxy(ROOT_PATH).get_dbus_method('SetCurrentState', IFACE_OFFLINE)
        for _ in range(n):
            for state in (OFFLINE, ONLINE):
                method(dbus.UInt32(0), dbus.UInt32(MASK), dbus.UInt32(state),
                       ignore_reply=True)
        self.sent += 2 * n
        self.drain()

    def stall(self, log_line, timeout=120):
        """Toggles, at the pace the daemon takes the calls (its log has a line per
        transition), until its log has log_line. Faster, the calls would pile up in
        dbus-daemon, which would then stop reading from this test as well."""
        self.sent = 0
        log = LogReader(self.daemon_log_path)

        def progress():
            log.read()
            if self.sent - log.count('global: ') < 40:
                self.toggle(10)
            return log_line in log.text
        self.wait_until(progress, timeout, repr(log_line))

    def test_daemon_keeps_working_with_bounded_queue_and_recovers(self):
        self.start_daemon()
        stuck = self.start_stuck_subscriber()
        self.stall('dropping signals until it does')
        # The daemon still does its work while nothing it sends gets out: a call that
        # adds an account is carried out (its reply waits with everything else).
        self.add_account_async('during-stall')
        self.wait_until(lambda: os.path.exists(self.account_file('during-stall')), 30,
                        'the account added during the stall to be saved')

        # The subscriber goes; dbus-daemon drops its queue and reads from the daemon
        # again: queued replies arrive, and new calls are answered.
        stuck.kill()
        stuck.wait()
        try:
            self.wait_until(lambda: 'reply' in self.during_stall or 'error' in self.during_stall,
                            60, 'the reply to the call made during the stall')
        except AssertionError as e:
            raise AssertionError('%s\n%s' % (e, self.bus_view())) from None
        self.assertEqual(self.during_stall.get('reply'), account_path('during-stall'))
        self.assertEqual(self.set_state(ROOT_PATH, OFFLINE), OFFLINE)
        self.assertEqual(self.set_state(ROOT_PATH, ONLINE), ONLINE)
        self.wait_until(lambda: 'takes messages again' in self.daemon_log(), 30,
                        'the daemon to notice that the bus moves again')
        self.assertRegex(self.daemon_log(), r'takes messages again; [1-9][0-9]* signals were '
                                            r'dropped')
        self.assertEqual(self.get(ROOT_PATH, IFACE_OFFLINE, 'RequestedState'), ONLINE)
        self.assertEqual(self.state(), ONLINE)
        self.stop_daemon()

    def add_account_async(self, account_id):
        self.during_stall = {}
        self.proxy(ROOT_PATH).get_dbus_method('AddAccount', IFACE_MANAGER)(
            account_id, dbus.Dictionary({}, signature='sv'),
            reply_handler=lambda path: self.during_stall.setdefault('reply', str(path)),
            error_handler=lambda e: self.during_stall.setdefault('error', e), timeout=600)

    def test_sigterm_while_the_bus_does_not_read(self):
        # Exiting flushes what is queued, for a bounded time only: a stalled bus would
        # otherwise keep the daemon from ever exiting.
        self.start_daemon()
        stuck = self.start_stuck_subscriber()
        self.stall('dropping signals until it does')
        self.daemon.terminate()
        self.assertEqual(self.daemon.wait(15 * TIMEOUT_SCALE), 0, self.daemon_log())
        self.assertRegex(self.daemon_log(), r'Exiting with [1-9][0-9]* messages unsent')
        # dbus-daemon notices that the daemon is gone only once it reads from it again.
        stuck.kill()
        self.wait_until(lambda: not self.name_has_owner(), 30, 'the name to be released')


class ConcurrentRequestsTest(DaemonTestCase):
    CLIENTS = 16
    CALLS = 8

    def setUp(self):
        super().setUp()
        # A server for the account's reachability probes: going ONLINE takes a TCP
        # connect, during which the account is in transition and calls get Pending.
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.bind(('127.0.0.1', 0))
        self.listener.listen(64)
        self.addCleanup(self.listener.close)
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self.accept_forever, daemon=True).start()

    def accept_forever(self):
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            conn.close()

    def test_many_clients_set_state_of_one_account_at_once(self):
        self.start_daemon()
        path = account_path('shared')
        self.add_account('shared', {'Host': '127.0.0.1', 'Port': dbus.UInt32(self.port),
                                    'CheckReachability': True})
        self.wait_state(path, ONLINE, timeout=10)
        self.sync()
        self.recorder.clear()

        rng = random.Random(4711)
        address = os.environ['DBUS_SESSION_BUS_ADDRESS']
        clients = [dbus.bus.BusConnection(address) for _ in range(self.CLIENTS)]
        results = []
        for n in range(self.CALLS):
            for bus in clients:
                flags = BLOCK if rng.random() < 0.5 else 0
                state = rng.choice((OFFLINE, ONLINE))
                self.send(bus, path, flags, state, results)
        self.wait_until(lambda: len(results) == self.CLIENTS * self.CALLS, 60,
                        'every call to be answered')
        self.wait_until(lambda: not self.get(path, IFACE_OFFLINE, 'Transitioning'), 30,
                        'the last transition to end')
        self.sync()

        errors = [r for r in results if r[0] == 'error']
        self.assertEqual({r[1] for r in errors} - {'org.offlinemgr.OfflineMgr1.Error.Pending'},
                         set(), 'only Pending is an acceptable error')
        self.assertGreater(len(errors), 0, 'no call met a transition under way')
        self.assertLess(len(errors), len(results), 'no call succeeded')
        for kind, value, flags in results:
            if kind == 'reply':
                self.assertIn(value, (OFFLINE, ONLINE))

        # The phases form whole transitions, one after another, each starting where the
        # previous one ended, and end in the state the account now has.
        current = ONLINE
        phases = self.recorder.phases(path)
        i = 0
        while i < len(phases):
            kind, old, new = phases[i]
            self.assertEqual((kind, old), (START, current), 'at %d: %s' % (i, phases))
            if phases[i + 1] == (DONE, old, old):          # abandoned
                i += 2
                continue
            self.assertEqual(phases[i + 1:i + 3], [(STATECHANGE, old, new), (DONE, old, new)],
                             'at %d: %s' % (i, phases))
            current = new
            i += 3
        self.assertGreater(len(phases), 0)
        self.assertEqual(self.state(path), current)

        # The requested mode is the last one stored, in memory and on disk.
        requested = [c['RequestedState'] for c in self.recorder.property_changes(path)
                     if 'RequestedState' in c]
        self.assertEqual(self.get(path, IFACE_OFFLINE, 'RequestedState'), requested[-1])
        self.assertEqual(hostile.stored_request(self.state_file(), 'shared'), requested[-1])

    def send(self, bus, path, flags, state, results):
        bus.get_object(BUS_NAME, path, introspect=False).SetCurrentState(
            dbus.UInt32(flags), dbus.UInt32(MASK), dbus.UInt32(state),
            dbus_interface=IFACE_OFFLINE,
            reply_handler=lambda v: results.append(('reply', int(v), flags)),
            error_handler=lambda e: results.append(('error', e.get_dbus_name(), flags)),
            timeout=60)


if __name__ == '__main__':
    main()
