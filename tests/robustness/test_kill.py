#!/usr/bin/env python3
"""Acknowledged means durable: clients hammer AddAccount, UpdateAccount, RemoveAccount and
SetCurrentState while the daemon is killed with SIGKILL at random moments, over and over
(OM_KILLS times, 1000 by default). After every restart every file parses, and every change
whose reply arrived is there; a change whose reply did not arrive is there or not, whole.

Suite slow: `meson test --suite slow`. It prints the figures at the end."""

import os
import random
import signal
import time

import dbus

from omtest import (BUS_NAME, IFACE_ACCOUNT, IFACE_MANAGER, IFACE_OFFLINE,
                    IFACE_OBJECT_MANAGER, MASK, OFFLINE, ONLINE, ROOT_PATH, DaemonTestCase,
                    account_path, main)
import hostile

KILLS = int(os.environ.get('OM_KILLS', '1000'))
LANES = 4


class Lane:
    """One client connection working on one account (or, with account_id None, on the
    global object's requested mode), one call at a time. `committed` is what must be
    there after a restart; `maybe` is the outcome of a call in flight, which may or may
    not have been carried out."""

    def __init__(self, bus, account_id, rng):
        self.bus = bus
        self.account_id = account_id
        self.rng = rng
        # For an account: None (absent) or (DisplayName, Port, requested); for the global
        # object: its requested mode.
        self.committed = ONLINE if account_id is None else None
        self.unanswered = False  # a call was sent and its reply did not arrive
        self.maybe = None        # what that call would have made of it
        self.in_flight = False
        self.acked = 0

    def next_call(self):
        """Chooses the next call: (path, interface, method, signature, args, outcome)."""
        if self.account_id is None:
            state = OFFLINE if self.committed == ONLINE else ONLINE
            return (ROOT_PATH, IFACE_OFFLINE, 'SetCurrentState', 'uuu', (0, MASK, state),
                    state)
        aid, current = self.account_id, self.committed
        name = 'n%d' % self.rng.randrange(1000)
        port = self.rng.randrange(1, 65536)
        if current is None:
            return (ROOT_PATH, IFACE_MANAGER, 'AddAccount', 'sa{sv}',
                    (aid, {'DisplayName': name, 'Port': dbus.UInt32(port)}),
                    (name, port, ONLINE))
        choice = self.rng.random()
        if choice < 0.4:
            return (ROOT_PATH, IFACE_MANAGER, 'UpdateAccount', 'sa{sv}',
                    (aid, {'DisplayName': name, 'Port': dbus.UInt32(port)}),
                    (name, port, current[2]))
        if choice < 0.8:
            state = OFFLINE if current[2] == ONLINE else ONLINE
            return (account_path(aid), IFACE_OFFLINE, 'SetCurrentState', 'uuu',
                    (0, MASK, state), (current[0], current[1], state))
        return (ROOT_PATH, IFACE_MANAGER, 'RemoveAccount', 's', (aid,), None)

    def send(self, test):
        path, iface, method, signature, args, outcome = self.next_call()
        self.in_flight = True
        self.unanswered = True
        self.maybe = outcome

        def on_reply(*result):
            self.in_flight = False
            self.committed = outcome
            self.unanswered = False
            self.acked += 1
            if not test.killed:
                self.send(test)

        def on_error(e):
            self.in_flight = False
            if not test.killed:
                test.errors.append('%s %s: %s' % (method, args, e))

        self.bus.call_async(BUS_NAME, path, iface, method, signature, args, on_reply,
                            on_error, timeout=60)


class KillTest(DaemonTestCase):
    @classmethod
    def setUpClass(cls):
        # A stock session bus's limits; dbusmock's would refuse to queue the calls that
        # pile up while the daemon is being restarted.
        hostile.start_buses(cls)

    def test_sigkill_at_random_moments(self):
        rng = random.Random(int(os.environ.get('OM_KILL_SEED', '20261124')))
        address = os.environ['DBUS_SESSION_BUS_ADDRESS']
        lanes = [Lane(dbus.bus.BusConnection(address), 'lane%d' % i, rng)
                 for i in range(LANES)]
        lanes.append(Lane(dbus.bus.BusConnection(address), None, rng))
        figures = {'kills': 0, 'calls in flight at a kill': 0, 'unanswered calls applied': 0,
                   'unanswered calls not applied': 0, 'leftover temporary files': 0}
        started = time.monotonic()

        for cycle in range(KILLS + 1):
            log_start = len(self.daemon_log())
            self.killed = False
            self.errors = []
            self.start_daemon()
            log = self.daemon_log()[log_start:]
            figures['leftover temporary files'] += log.count('left by a write that was '
                                                             'interrupted')
            self.assertNotIn('Cannot load', log)
            self.assertNotIn('Cannot read the requested modes', log)
            self.check_files()
            for lane in lanes:
                self.settle(lane, figures)
            if cycle == KILLS:
                break

            for lane in lanes:
                lane.send(self)
            deadline = time.monotonic() + rng.uniform(0, 0.25)
            self.wait_until(lambda: time.monotonic() >= deadline or self.errors, 30,
                            'the moment to kill')
            self.assertEqual(self.errors, [])
            self.killed = True
            self.daemon.kill()
            self.daemon.wait()
            figures['kills'] += 1
            # Replies already on their way still count; then the bus answers the rest
            # with errors (the daemon is gone without replying).
            self.wait_until(lambda: not any(lane.in_flight for lane in lanes), 60,
                            'the calls in flight to end')
            figures['calls in flight at a kill'] += sum(lane.unanswered for lane in lanes)

        figures['acknowledged changes'] = sum(lane.acked for lane in lanes)
        figures['seconds'] = round(time.monotonic() - started)
        print('\nFIGURES %s' % ', '.join('%s: %s' % kv for kv in figures.items()))
        self.assertEqual(figures['kills'], KILLS)
        self.assertGreater(figures['calls in flight at a kill'], 0)

    def check_files(self):
        """Every file the daemon keeps parses, and no temporary file is left."""
        for name in os.listdir(self.accounts_dir):
            self.assertTrue(name.endswith('.conf'), name)
            hostile.parse_keyfile(os.path.join(self.accounts_dir, name))
        if os.path.isdir(self.state_dir):
            for name in os.listdir(self.state_dir):
                self.assertEqual(name, 'requested-state')
            if os.path.exists(self.state_file()):
                hostile.parse_keyfile(self.state_file())

    def settle(self, lane, figures):
        """Compares what the restarted daemon has (on the bus and on disk) with what was
        acknowledged; an unanswered call must be there whole or not at all."""
        actual = self.observe(lane)
        allowed = [lane.committed]
        if lane.unanswered:
            allowed.append(lane.maybe)
        self.assertIn(actual, allowed, 'lane %s: acknowledged %r, in flight %r' % (
            lane.account_id, lane.committed, lane.maybe))
        if len(allowed) == 2 and allowed[0] != allowed[1]:
            key = ('unanswered calls applied' if actual == lane.maybe
                   else 'unanswered calls not applied')
            figures[key] += 1
        lane.committed = actual
        lane.unanswered = False

    def observe(self, lane):
        """What the daemon has for the lane, checked against the files."""
        if lane.account_id is None:
            requested = self.get(ROOT_PATH, IFACE_OFFLINE, 'RequestedState')
            self.assertEqual(hostile.stored_request(self.state_file()), requested)
            return requested
        path = self.account_file(lane.account_id)
        objects = self.call(ROOT_PATH, IFACE_OBJECT_MANAGER, 'GetManagedObjects')
        props = objects.get(account_path(lane.account_id))
        if props is None:
            self.assertFalse(os.path.exists(path))
            self.assertEqual(hostile.stored_request(self.state_file(), lane.account_id),
                             ONLINE)
            return None
        settings = props[IFACE_ACCOUNT]['Settings']
        requested = props[IFACE_OFFLINE]['RequestedState']
        kf = hostile.parse_keyfile(path)
        self.assertEqual((kf.get_string('Account', 'DisplayName'),
                          kf.get_integer('Account', 'Port')),
                         (settings['DisplayName'], settings['Port']))
        self.assertEqual(hostile.stored_request(self.state_file(), lane.account_id),
                         requested)
        return (settings['DisplayName'], settings['Port'], requested)


if __name__ == '__main__':
    main()
