#!/usr/bin/env python3
"""offlinemgrd against the real NetworkManager (tests/real-nm/realnm.py): real carrier
loss, a metered profile, a captive portal, networking off, NetworkManager restarts; and
the latency from NetworkManager's signal to an account's DONE.

offlinemgrd runs in NetworkManager's network namespace, on a session bus with a path
socket: that namespace is the machine it runs on, so its kernel-route fallback sees
NetworkManager's interface when NetworkManager is gone.

Latency, as printed ("latency ..." lines and LatencyTest's summary): from the arrival, in
this process, of the NetworkManager signal that made the account's new state due (the
first one after which NetworkManager's properties call for it: State below
CONNECTED_LOCAL for no-network, Metered YES for metered, and so on) to the arrival of the
account's StateChanged DONE. Both arrive on the same GLib main loop, which is idle while a
transition is under way (commands run in child processes), so both are stamped as they
come. Measured with both delays 0; printed, never asserted."""

import os
import statistics
import sys
import time

import dbus

import realnm
from omtest import (DONE, IFACE_MANAGER, IFACE_OFFLINE, IFACE_PROPS, OFFLINE, ONLINE,
                    ROOT_PATH, START, STATECHANGE, BUS_NAME, DaemonTestCase, account_path,
                    main, unwrap)
from realnm import (NM_CONNECTIVITY_FULL, NM_CONNECTIVITY_LIMITED, NM_CONNECTIVITY_NONE,
                    NM_CONNECTIVITY_PORTAL, NM_METERED_GUESS_YES, NM_METERED_YES,
                    NM_STATE_ASLEEP, NM_STATE_CONNECTED_GLOBAL, NM_STATE_CONNECTED_LOCAL,
                    NM_STATE_CONNECTED_SITE, NM_STATE_DISCONNECTED, fully_connected)

STATE_NAMES = {OFFLINE: 'OFFLINE', ONLINE: 'ONLINE'}


# When NetworkManager's properties make a transition due (see record_latency).
def network_gone(p):
    return p['owned'] and (p.get('State', 0) < NM_STATE_CONNECTED_LOCAL or
                           p.get('Connectivity') == NM_CONNECTIVITY_NONE)


def networking_off(p):
    return p.get('NetworkingEnabled') is False or p.get('State') == NM_STATE_ASLEEP


def is_metered(p):
    return p.get('Metered') in (NM_METERED_YES, NM_METERED_GUESS_YES)


def full_unmetered(p):
    return fully_connected(p) and not is_metered(p)


def nm_gone(p):
    return not p['owned']


def nm_there(p):
    return p['owned']


def connectivity_is(value):
    return lambda p: p.get('Connectivity') == value


class Timeline:
    """The daemon's signals on the session bus, each with its arrival time."""

    def __init__(self, bus):
        self.events = []  # (time, path, what, value)
        self.matches = [
            bus.add_signal_receiver(self._on_state_changed, 'StateChanged', IFACE_OFFLINE,
                                    bus_name=BUS_NAME, path_keyword='path'),
            bus.add_signal_receiver(self._on_properties_changed, 'PropertiesChanged',
                                    IFACE_PROPS, bus_name=BUS_NAME, path_keyword='path'),
        ]

    def _on_state_changed(self, notify_type, mask, old, new, path=None):
        self.events.append((time.monotonic(), str(path), 'StateChanged',
                            (int(notify_type), int(old), int(new))))

    def _on_properties_changed(self, iface, changed, invalidated, path=None):
        self.events.append((time.monotonic(), str(path), str(iface), unwrap(changed)))

    def mark(self):
        return len(self.events)

    def phases(self, path, mark=0):
        """(notify_type, old, new) of path's StateChanged since mark."""
        return [e[3] for e in self.events[mark:] if e[1] == path and e[2] == 'StateChanged']

    def find(self, path, phase, mark=0):
        """The first StateChanged (time, phase) of path since mark with notify type phase."""
        for e in self.events[mark:]:
            if e[1] == path and e[2] == 'StateChanged' and e[3][0] == phase:
                return e[0], e[3]
        return None

    def changed(self, path, iface, prop, mark=0):
        """Values of prop in path's PropertiesChanged since mark, with their times."""
        return [(e[0], e[3][prop]) for e in self.events[mark:]
                if e[1] == path and e[2] == iface and prop in e[3]]

    def close(self):
        for m in self.matches:
            m.remove()


class RealNMTestCase(DaemonTestCase):
    """One real NetworkManager per class (one meson test = one process = one class set-up),
    offlinemgrd started in its namespace, a fresh daemon per test."""

    latencies = {}  # transition → [seconds]
    reordered = {}  # transition → how many samples could not be timed

    @classmethod
    def setUpClass(cls):
        # Not DaemonTestCase's: the buses here are the harness's.
        super(DaemonTestCase, cls).setUpClass()
        cls.harness, cls.unavailable = realnm.start_harness()
        if cls.harness is None:
            return
        try:
            session_address = cls.harness.start_session_bus()
            os.environ['DBUS_SESSION_BUS_ADDRESS'] = session_address
            os.environ['DBUS_SYSTEM_BUS_ADDRESS'] = cls.harness.bus_address
            cls.session = dbus.bus.BusConnection(session_address)
            cls.system = dbus.bus.BusConnection(cls.harness.bus_address)
            cls.nm = realnm.NMWatcher(cls.system)
            realnm.wait_until(cls.nm.connected, 30,
                              'NetworkManager to connect its primary profile')
        except BaseException:
            sys.stderr.write('--- NetworkManager log ---\n%s\n' % cls.harness.read_log())
            cls.harness.close()
            raise

    @classmethod
    def tearDownClass(cls):
        if cls.harness is not None:
            cls.nm.close()
            cls.session.close()
            cls.system.close()
            problems = cls.harness.close()
            for var in ('DBUS_SESSION_BUS_ADDRESS', 'DBUS_SYSTEM_BUS_ADDRESS'):
                os.environ.pop(var, None)
            assert not problems, 'the harness left things behind: %s' % problems
        super().tearDownClass()

    def setUp(self):
        if self.unavailable:
            self.skipTest(self.unavailable)
        super().setUp()
        self.timeline = Timeline(self.session)

    def tearDown(self):
        if self._failed():
            sys.stderr.write('--- NetworkManager log ---\n%s\n' % self.harness.read_log())
        self.timeline.close()
        super().tearDown()

    def start_daemon(self, *args, **kwargs):
        """offlinemgrd in NetworkManager's network namespace."""
        old = os.environ.get('OM_DAEMON_WRAPPER')
        os.environ['OM_DAEMON_WRAPPER'] = ' '.join(self.harness.netns_exec() + [old or ''])
        try:
            return super().start_daemon(*args, **kwargs)
        finally:
            if old is None:
                del os.environ['OM_DAEMON_WRAPPER']
            else:
                os.environ['OM_DAEMON_WRAPPER'] = old

    # ---- observing ----

    def marks(self):
        """Where NetworkManager's and the daemon's signals stand now, and NetworkManager's
        properties at this point."""
        return self.nm.mark(), self.timeline.mark(), self.nm.snapshot()

    def wait_done(self, path, old, new, marks, timeout=30):
        """Waits, on signals only (no calls, so arrival times stay true), for path's DONE
        old → new since marks."""
        self.wait_until(lambda: (DONE, old, new) in self.timeline.phases(path, marks[1]),
                        timeout, '%s to go %s → %s (has %s; NetworkManager sent %s)' % (
                            path, STATE_NAMES[old], STATE_NAMES[new],
                            self.timeline.phases(path, marks[1]), self.nm_seen(marks)))

    def nm_seen(self, marks):
        return [(e[1], e[2]) for e in self.nm.since(marks[0])
                if e[1] in ('StateChanged', 'Connectivity', 'Metered', 'NetworkingEnabled',
                            'PrimaryConnection', 'owner')]

    def assert_one_transition(self, path, old, new, marks, reason):
        self.assertEqual(self.timeline.phases(path, marks[1]),
                         [(START, old, new), (STATECHANGE, old, new), (DONE, old, new)])
        self.assertEqual(self.state(path), new)
        self.assertEqual(self.reason(path), reason)

    def wait_manager(self, timeout=30, **props):
        """Waits until the Manager's properties have these values."""
        def current():
            return {k: self.get(ROOT_PATH, IFACE_MANAGER, k) for k in props}
        self.wait_until(lambda: current() == props, timeout,
                        'Manager properties %s (have %s)' % (props, current()))

    def active_ids(self):
        return self.get(ROOT_PATH, IFACE_MANAGER, 'ActiveConnections')

    # A signal stamped after the DONE it caused means that both were waiting when the
    # main loop woke (this process was not running) and were dispatched in the other order.
    REORDER_WINDOW = 0.05

    def record_latency(self, what, path, marks, due):
        """Prints (and keeps) the latency from the NetworkManager signal that made path's
        transition since marks due, to its DONE. due(props) says, from NetworkManager's
        properties, whether the new state is due."""
        start = self.timeline.find(path, START, marks[1])
        done = self.timeline.find(path, DONE, marks[1])
        self.assertIsNotNone(start)
        self.assertIsNotNone(done)
        trigger = self.nm.first(marks[0], marks[2], due, until=done[0] + self.REORDER_WINDOW)
        if trigger is None:
            print('latency %-24s (no NetworkManager signal made it due; NetworkManager sent '
                  '%s)' % (what, self.nm_seen(marks)))
            return None
        if trigger[1] == 'owner':
            signal = 'NameOwnerChanged: %s' % ('appeared' if trigger[2] else 'vanished')
        elif trigger[1] == 'GetAll':
            signal = 'GetAll reply'
        else:
            signal = '%s=%s' % trigger[1:]
        latency = done[0] - trigger[0]
        line = 'latency %-24s %-7s → %-7s' % (what, STATE_NAMES[start[1][1]],
                                              STATE_NAMES[start[1][2]])
        if latency < 0:
            self.reordered[what] = self.reordered.get(what, 0) + 1
            print('%s  reordered: DONE dispatched %.2f ms before NetworkManager\'s %s '
                  '(not counted)' % (line, -latency * 1000, signal))
            return None
        self.latencies.setdefault(what, []).append(latency)
        print('%s %7.2f ms  (from NetworkManager %s)' % (line, latency * 1000, signal))
        sys.stdout.flush()
        return latency

    def print_summary(self):
        print('\nNetworkManager signal → account DONE, both delays 0 (ms):')
        print('%-26s %3s %8s %8s  %s' % ('transition', 'n', 'median', 'max', 'reordered'))
        for what, values in self.latencies.items():
            print('%-26s %3d %8.2f %8.2f  %d' % (what, len(values),
                                                statistics.median(values) * 1000,
                                                max(values) * 1000,
                                                self.reordered.get(what, 0)))
        sys.stdout.flush()

WORK = account_path('work')


class NetworkLossTest(RealNMTestCase):
    """The network goes away and comes back; both delays 0, so every change shows."""

    def setUp(self):
        super().setUp()
        self.write_account('work', '[Account]\nDisplayName=Work\n')
        self.start_daemon()
        self.assertEqual(self.get(ROOT_PATH, IFACE_MANAGER, 'NetworkBackend'), 'networkmanager')
        self.wait_manager(NetworkState=NM_STATE_CONNECTED_GLOBAL,
                          Connectivity=NM_CONNECTIVITY_FULL, Metered=False)
        self.assertIn('primary', self.active_ids())
        self.assertEqual((self.state(), self.state(WORK)), (ONLINE, ONLINE))

    def lose_and_regain(self, what, lose, regain, reason, nm_state, due):
        marks = self.marks()
        lose()
        self.wait_done(WORK, ONLINE, OFFLINE, marks)
        self.wait_done(ROOT_PATH, ONLINE, OFFLINE, marks)
        self.record_latency(what + ' (lost)', WORK, marks, due)
        self.assert_one_transition(WORK, ONLINE, OFFLINE, marks, reason)
        self.assert_one_transition(ROOT_PATH, ONLINE, OFFLINE, marks, reason)
        self.wait_manager(NetworkState=nm_state)
        self.assertNotIn('primary', self.active_ids())

        marks = self.marks()
        regain()
        self.wait_done(WORK, OFFLINE, ONLINE, marks)
        self.wait_done(ROOT_PATH, OFFLINE, ONLINE, marks)
        self.record_latency(what + ' (back)', WORK, marks, fully_connected)
        self.assert_one_transition(WORK, OFFLINE, ONLINE, marks, '')
        self.assert_one_transition(ROOT_PATH, OFFLINE, ONLINE, marks, '')
        self.wait_manager(NetworkState=NM_STATE_CONNECTED_GLOBAL,
                          Connectivity=NM_CONNECTIVITY_FULL)
        self.assertIn('primary', self.active_ids())

    def test_carrier_down_up(self):
        self.lose_and_regain('carrier', lambda: self.harness.peer_link(False),
                             lambda: self.harness.peer_link(True), 'no-network',
                             NM_STATE_DISCONNECTED, network_gone)
        self.wait_manager(Connectivity=NM_CONNECTIVITY_FULL)

    def test_device_disconnect_connect(self):
        # Before the secondary profile was ever up, `device connect` picks the primary.
        self.lose_and_regain('device', lambda: self.harness.nmcli('device', 'disconnect',
                                                                   realnm.DEVICE),
                             lambda: self.harness.nmcli('device', 'connect', realnm.DEVICE),
                             'no-network', NM_STATE_DISCONNECTED, network_gone)

    def test_networking_off_on(self):
        self.lose_and_regain('networking', lambda: self.harness.nmcli('networking', 'off'),
                             lambda: self.harness.nmcli('networking', 'on'),
                             'networking-disabled', NM_STATE_ASLEEP, networking_off)


class ConnectivityTest(RealNMTestCase):
    """Portal, limited and full connectivity from NetworkManager's real check, against
    accounts with each MinConnectivity; both delays 0."""

    def test_portal_limited_full(self):
        h = self.harness
        strict, limited, portal = (account_path(a) for a in ('strict', 'limited', 'portal'))
        self.write_account('strict', '[Account]\n')
        self.write_account('limited', '[Account]\nMinConnectivity=limited\n')
        self.write_account('portal', '[Account]\nMinConnectivity=portal\n')
        self.start_daemon()
        self.assertEqual([self.state(p) for p in (ROOT_PATH, strict, limited, portal)],
                         [ONLINE] * 4)

        # A captive portal: only the account that accepts one stays ONLINE, and the global
        # object does not care about connectivity.
        h.set_check_content('<html>log in to use this network</html>\n')
        marks = self.marks()
        self.assertEqual(h.check_connectivity(), 'portal')
        self.wait_done(strict, ONLINE, OFFLINE, marks)
        self.wait_done(limited, ONLINE, OFFLINE, marks)
        self.record_latency('portal', strict, marks,
                            connectivity_is(NM_CONNECTIVITY_PORTAL))
        self.sync()
        self.assert_one_transition(strict, ONLINE, OFFLINE, marks, 'portal')
        self.assert_one_transition(limited, ONLINE, OFFLINE, marks, 'portal')
        self.assertEqual(self.timeline.phases(portal, marks[1]), [])
        self.assertEqual(self.timeline.phases(ROOT_PATH, marks[1]), [])
        self.assertEqual((self.state(), self.state(portal)), (ONLINE, ONLINE))
        self.wait_manager(Connectivity=NM_CONNECTIVITY_PORTAL,
                          NetworkState=NM_STATE_CONNECTED_SITE)

        # Limited (the check endpoint is gone): `limited` comes back, `strict` stays OFFLINE
        # with a new reason and no StateChanged.
        h.stop_endpoint()
        marks = self.marks()
        self.assertEqual(h.check_connectivity(), 'limited')
        self.wait_done(limited, OFFLINE, ONLINE, marks)
        self.record_latency('limited (from portal)', limited, marks,
                            connectivity_is(NM_CONNECTIVITY_LIMITED))
        self.wait_until(lambda: self.reason(strict) == 'limited', 10, 'strict: limited')
        self.sync()
        self.assert_one_transition(limited, OFFLINE, ONLINE, marks, '')
        self.assertEqual(self.timeline.phases(strict, marks[1]), [])
        self.assertEqual(self.timeline.phases(portal, marks[1]), [])
        self.assertEqual(self.timeline.phases(ROOT_PATH, marks[1]), [])
        self.assertEqual(self.timeline.changed(strict, IFACE_OFFLINE, 'Reason', marks[1])[-1][1],
                         'limited')
        self.wait_manager(Connectivity=NM_CONNECTIVITY_LIMITED)

        # Full again.
        h.set_check_content(realnm.CHECK_RESPONSE + '\n')
        h.start_endpoint()
        marks = self.marks()
        self.assertEqual(h.check_connectivity(), 'full')
        self.wait_done(strict, OFFLINE, ONLINE, marks)
        self.record_latency('full (from limited)', strict, marks, fully_connected)
        self.sync()
        self.assert_one_transition(strict, OFFLINE, ONLINE, marks, '')
        for path in (limited, portal, ROOT_PATH):
            self.assertEqual(self.timeline.phases(path, marks[1]), [])
        self.wait_manager(Connectivity=NM_CONNECTIVITY_FULL,
                          NetworkState=NM_STATE_CONNECTED_GLOBAL)


class ProfileSwitchTest(RealNMTestCase):
    """Switching to the metered profile and back, with the daemon's default delays:
    NetworkManager passes through DISCONNECTED each time, and an account that stays
    allowed must not notice."""

    def test_metered_profile_default_delays(self):
        h = self.harness
        home, office = account_path('home'), account_path('office')
        self.write_account('work', '[Account]\nAllowMetered=false\n')
        self.write_account('home', '[Account]\n')
        self.write_account('office', '[Account]\nRequireConnections=secondary;\n')
        self.start_daemon(delays=None)
        self.assertEqual([self.state(p) for p in (ROOT_PATH, WORK, home, office)],
                         [ONLINE, ONLINE, ONLINE, OFFLINE])
        self.assertEqual(self.reason(office), 'connection-inactive')

        marks = self.marks()
        h.nmcli('connection', 'up', 'secondary')
        # `office`'s ONLINE waits for a quiet period (1 s) after NetworkManager's last
        # change; a spurious OFFLINE of `home` after the blip would come after the grace
        # period (0.5 s), so before it.
        self.wait_done(office, OFFLINE, ONLINE, marks)
        self.wait_done(WORK, ONLINE, OFFLINE, marks)
        self.sync()
        self.assertIn(('StateChanged', NM_STATE_DISCONNECTED), self.nm_seen(marks),
                      'NetworkManager did not pass through DISCONNECTED')
        self.assert_one_transition(WORK, ONLINE, OFFLINE, marks, 'metered')
        self.assert_one_transition(office, OFFLINE, ONLINE, marks, '')
        self.assertEqual(self.timeline.phases(home, marks[1]), [])
        self.assertEqual(self.timeline.phases(ROOT_PATH, marks[1]), [])
        self.wait_manager(Metered=True)
        self.assertIn('secondary', self.active_ids())
        self.assertNotIn('primary', self.active_ids())

        # Back: `con down` lets the primary profile autoconnect.
        marks = self.marks()
        h.nmcli('connection', 'down', 'secondary')
        self.wait_done(WORK, OFFLINE, ONLINE, marks)
        self.wait_done(office, ONLINE, OFFLINE, marks)
        self.sync()
        self.assertIn(('StateChanged', NM_STATE_DISCONNECTED), self.nm_seen(marks))
        self.assert_one_transition(WORK, OFFLINE, ONLINE, marks, '')
        self.assert_one_transition(office, ONLINE, OFFLINE, marks, 'connection-inactive')
        self.assertEqual(self.timeline.phases(home, marks[1]), [])
        self.assertEqual(self.timeline.phases(ROOT_PATH, marks[1]), [])
        self.wait_manager(Metered=False)
        self.assertIn('primary', self.active_ids())
        self.assertNotIn('secondary', self.active_ids())


class RestartTest(RealNMTestCase):
    """NetworkManager stops and starts again: the daemon falls back to the kernel's routes
    and returns to NetworkManager, with the default delays."""

    def wait_backend(self, backend, marks):
        self.wait_until(lambda: any(v == backend for _, v in self.timeline.changed(
            ROOT_PATH, IFACE_MANAGER, 'NetworkBackend', marks[1])), 30,
            'NetworkBackend %s' % backend)
        self.assertEqual(self.get(ROOT_PATH, IFACE_MANAGER, 'NetworkBackend'), backend)
        # From the name's change on the system bus to NetworkBackend on the session bus.
        owner = [e[0] for e in self.nm.since(marks[0]) if e[1] == 'owner']
        changed = [t for t, v in self.timeline.changed(ROOT_PATH, IFACE_MANAGER,
                                                       'NetworkBackend', marks[1])
                   if v == backend]
        if owner and changed:
            print('latency %-24s %7.2f ms  (NameOwnerChanged → NetworkBackend=%s)' % (
                'backend ' + backend, (changed[0] - owner[-1]) * 1000, backend))

    def test_sigterm_and_restart(self):
        h = self.harness
        office = account_path('office')
        self.write_account('work', '[Account]\n')
        # Under the kernel-route fallback no NetworkManager connection is known to be
        # active: `office` goes OFFLINE, after the grace period, and ONLINE again after the
        # quiet period once NetworkManager is back. Its transitions bound when a spurious
        # one of `work` would have come.
        self.write_account('office', '[Account]\nRequireConnections=primary;\n')
        self.start_daemon(delays=None)
        self.assertEqual(self.get(ROOT_PATH, IFACE_MANAGER, 'NetworkBackend'), 'networkmanager')
        self.assertEqual([self.state(p) for p in (ROOT_PATH, WORK, office)], [ONLINE] * 3)

        # A plain restart: the kernel still has NetworkManager's default route, so `work`
        # and the global object stay ONLINE throughout.
        marks = self.marks()
        self.assertEqual(h.stop_nm(), 0)
        self.wait_backend('netlink', marks)
        self.wait_done(office, ONLINE, OFFLINE, marks)
        self.assertEqual(self.reason(office), 'connection-inactive')
        h.start_nm()
        self.wait_backend('networkmanager', marks)
        self.wait_done(office, OFFLINE, ONLINE, marks)
        self.sync()
        self.assertEqual(self.timeline.phases(WORK, marks[1]), [])
        self.assertEqual(self.timeline.phases(ROOT_PATH, marks[1]), [])
        self.assertEqual([v for _, v in self.timeline.changed(
            ROOT_PATH, IFACE_MANAGER, 'NetworkBackend', marks[1])], ['netlink', 'networkmanager'])

        # Without NetworkManager the fallback is what decides: the default route goes,
        # then NetworkManager comes back and restores it.
        marks = self.marks()
        self.assertEqual(h.stop_nm(), 0)
        self.wait_backend('netlink', marks)
        self.wait_done(office, ONLINE, OFFLINE, marks)
        marks = self.marks()
        h.run(h.netns_exec() + ['ip', 'route', 'del', 'default'])
        self.wait_done(WORK, ONLINE, OFFLINE, marks)
        self.wait_done(ROOT_PATH, ONLINE, OFFLINE, marks)
        self.assert_one_transition(WORK, ONLINE, OFFLINE, marks, 'no-network')
        self.assert_one_transition(ROOT_PATH, ONLINE, OFFLINE, marks, 'no-network')
        marks = self.marks()
        h.start_nm()
        self.wait_backend('networkmanager', marks)
        for path in (WORK, ROOT_PATH, office):
            self.wait_done(path, OFFLINE, ONLINE, marks)
        for path in (WORK, ROOT_PATH, office):
            self.assert_one_transition(path, OFFLINE, ONLINE, marks, '')
        self.wait_manager(NetworkState=NM_STATE_CONNECTED_GLOBAL,
                          Connectivity=NM_CONNECTIVITY_FULL)


class LatencyTest(RealNMTestCase):
    """Each kind of transition a few times with both delays 0, printing the latency from
    NetworkManager's signal to the account's DONE, then median and max per kind. Asserts
    only that each transition happened as it should."""

    ROUNDS = 5

    def round_trip(self, what, lose, regain, reason, due):
        for _ in range(self.ROUNDS):
            for direction, action, old, new, why, when in (
                    ('lost', lose, ONLINE, OFFLINE, reason, due),
                    ('back', regain, OFFLINE, ONLINE, '', full_unmetered)):
                marks = self.marks()
                action()
                self.wait_done(WORK, old, new, marks)
                self.record_latency('%s (%s)' % (what, direction), WORK, marks, when)
                self.sync()
                self.assert_one_transition(WORK, old, new, marks, why)
                # The next round starts from NetworkManager's settled state.
                realnm.wait_until(lambda: self.nm.connected() if new == ONLINE else True, 30,
                                  'NetworkManager to settle')

    def test_latency(self):
        h = self.harness
        self.write_account('work', '[Account]\nAllowMetered=false\n')
        self.write_account('office', '[Account]\nRequireConnections=primary;\n')
        self.start_daemon()
        self.assertEqual(self.state(WORK), ONLINE)
        self.assertEqual(self.state(account_path('office')), ONLINE)

        self.round_trip('carrier', lambda: h.peer_link(False), lambda: h.peer_link(True),
                        'no-network', network_gone)
        self.round_trip('device', lambda: h.nmcli('device', 'disconnect', realnm.DEVICE),
                        lambda: h.nmcli('device', 'connect', realnm.DEVICE), 'no-network',
                        network_gone)
        self.round_trip('networking', lambda: h.nmcli('networking', 'off'),
                        lambda: h.nmcli('networking', 'on'), 'networking-disabled',
                        networking_off)

        def metered(value):
            h.nmcli('connection', 'modify', 'primary', 'connection.metered', value)
            h.nmcli('device', 'reapply', realnm.DEVICE)
        self.round_trip('metered', lambda: metered('yes'), lambda: metered('unknown'),
                        'metered', is_metered)

        def portal():
            h.set_check_content('portal\n')
            h.check_connectivity()

        def full():
            h.set_check_content(realnm.CHECK_RESPONSE + '\n')
            h.check_connectivity()
        self.round_trip('portal', portal, full, 'portal',
                        connectivity_is(NM_CONNECTIVITY_PORTAL))

        def limited():
            h.stop_endpoint()
            h.check_connectivity()

        def unlimited():
            h.start_endpoint()
            h.check_connectivity()
        self.round_trip('limited', limited, unlimited, 'limited',
                        connectivity_is(NM_CONNECTIVITY_LIMITED))

        # NetworkManager stops and starts: under the kernel-route fallback no
        # NetworkManager connection is known, so an account that requires one goes OFFLINE
        # and comes back once the daemon has read the restarted NetworkManager. Timed from
        # NameOwnerChanged; the return includes NetworkManager's own start-up (it takes its
        # name before it answers).
        office = account_path('office')
        for _ in range(self.ROUNDS):
            marks = self.marks()
            self.assertEqual(h.stop_nm(), 0)
            self.wait_done(office, ONLINE, OFFLINE, marks)
            self.record_latency('NetworkManager stop', office, marks, nm_gone)
            self.sync()
            self.assert_one_transition(office, ONLINE, OFFLINE, marks, 'connection-inactive')
            self.assertEqual(self.get(ROOT_PATH, IFACE_MANAGER, 'NetworkBackend'), 'netlink')
            marks = self.marks()
            h.start_nm()
            self.wait_done(office, OFFLINE, ONLINE, marks)
            self.record_latency('NetworkManager start', office, marks, nm_there)
            self.sync()
            self.assert_one_transition(office, OFFLINE, ONLINE, marks, '')
            self.assertEqual(self.get(ROOT_PATH, IFACE_MANAGER, 'NetworkBackend'),
                             'networkmanager')
            realnm.wait_until(self.nm.connected, 30, 'NetworkManager to settle')

        self.print_summary()


if __name__ == '__main__':
    main()
