#!/usr/bin/env python3
"""Asymmetric debounce with the default delays (OfflineDelayMs 500, OnlineDelayMs 1000):
a short flap and NetworkManager's DISCONNECTED blip while it switches profiles produce no
notification; going OFFLINE waits the grace period, going ONLINE a quiet period that
every change restarts; requests and settings act at once.

Timing is asserted only as lower bounds (a transition never comes *before* its delay),
which contention cannot break. Asserting that nothing happens needs an observation
window: it is the measurement, not a synchronisation."""

import time

import dbus

from nettest import (NM_CONNECTIVITY_FULL, NM_CONNECTIVITY_NONE, NM_METERED_GUESS_NO,
                     NM_METERED_NO, NM_METERED_UNKNOWN, NM_METERED_YES, NM_STATE_CONNECTED_GLOBAL,
                     NM_STATE_CONNECTED_SITE, NM_STATE_CONNECTING, NM_STATE_DISCONNECTED,
                     NetworkTestCase)
from omtest import (DONE, OFFLINE, ONLINE, ROOT_PATH, START, STATECHANGE, account_path,
                    main)

OFFLINE_DELAY, ONLINE_DELAY = 0.5, 1.0
# Longer than both delays, so that a notification they held back would have come.
WINDOW = 2.0


class DebounceTest(NetworkTestCase):
    def start_world(self, delays=None, **nm):
        props = {'State': NM_STATE_CONNECTED_GLOBAL, 'Connectivity': NM_CONNECTIVITY_FULL,
                 'Metered': NM_METERED_GUESS_NO}
        props.update(nm)
        self.start_nm(**props)
        self.write_account('work', '[Account]\n')
        self.write_account('frugal', '[Account]\nAllowMetered=false\n')
        if delays is not None:
            self.write_config('[Policy]\nOfflineDelayMs=%d\nOnlineDelayMs=%d\n' % delays)
        self.start_daemon(delays=None)  # the defaults, unless written above

    def observe(self, seconds=WINDOW):
        time.sleep(seconds)
        self.sync()

    def done_time(self, path, index=0):
        dones = [t for t, p, kind, _, _ in self.timed_phases if p == path and kind == DONE]
        return dones[index]

    def test_short_flap_is_not_notified(self):
        self.start_world()
        self.nm_set(State=NM_STATE_DISCONNECTED, Connectivity=NM_CONNECTIVITY_NONE)
        time.sleep(0.15)   # the flap
        self.nm_set(State=NM_STATE_CONNECTED_GLOBAL, Connectivity=NM_CONNECTIVITY_FULL)
        self.observe()
        # The daemon saw it (the Manager followed), the objects did not move.
        states = [c['NetworkState'] for c in self.manager_changes() if 'NetworkState' in c]
        self.assertEqual(states, [NM_STATE_DISCONNECTED, NM_STATE_CONNECTED_GLOBAL])
        self.assertEqual(self.timed_phases, [])
        self.assertEqual(self.reason(account_path('work')), '')

    def test_profile_switch_is_not_notified(self):
        """NetworkManager switching to a metered profile, as a real one does it: 30, 20
        for 20-40 ms, 40, 60, 70, with Metered, PrimaryConnection and Connectivity in
        between."""
        self.start_world()
        steps = [({'State': 30}, 0.005), ({'Metered': NM_METERED_UNKNOWN}, 0.0),
                 ({'State': NM_STATE_DISCONNECTED}, 0.03), ({'PrimaryConnection': '/'}, 0.0),
                 ({'State': NM_STATE_CONNECTING}, 0.01),
                 ({'Connectivity': NM_CONNECTIVITY_NONE}, 0.0),
                 ({'PrimaryConnection': '/org/freedesktop/NetworkManager/ActiveConnection/9'},
                  0.0),
                 ({'State': NM_STATE_CONNECTED_SITE}, 0.02), ({'Metered': NM_METERED_YES}, 0.0),
                 ({'State': NM_STATE_CONNECTED_GLOBAL}, 0.0),
                 ({'Connectivity': NM_CONNECTIVITY_FULL}, 0.0)]
        start = time.monotonic()
        for props, pause in steps:
            self.nm_set(**props)
            time.sleep(pause)
        last = time.monotonic()
        self.observe()
        # The account that minds metered links goes OFFLINE once, after the grace period;
        # nothing else moves.
        frugal = account_path('frugal')
        self.assertEqual(sorted({p for _, p, _, _, _ in self.timed_phases}), [frugal])
        self.assert_transition(frugal, ONLINE, OFFLINE)
        self.assertEqual(self.reason(frugal), 'metered')
        self.assertGreaterEqual(self.done_time(frugal), start + OFFLINE_DELAY)
        del last

    def test_offline_waits_for_the_grace_period(self):
        self.start_world()
        sent = time.monotonic()
        self.nm_set(State=NM_STATE_DISCONNECTED, Connectivity=NM_CONNECTIVITY_NONE)
        self.wait_phases(ROOT_PATH, 3)
        self.assert_transition(ROOT_PATH, ONLINE, OFFLINE)
        self.assertGreaterEqual(self.done_time(ROOT_PATH), sent + OFFLINE_DELAY)

    def test_a_debounced_change_is_one_signal(self):
        """When the grace period ends every object moves in one turn: one StatesChanged
        with all their phases, before the per-object signals."""
        for i in range(5):
            self.write_account('more%d' % i, '[Account]\n')
        self.start_world()
        self.recorder.clear()
        self.nm_set(State=NM_STATE_DISCONNECTED, Connectivity=NM_CONNECTIVITY_NONE)
        paths = [ROOT_PATH] + [account_path(i) for i in
                               ['work', 'frugal'] + ['more%d' % i for i in range(5)]]
        for path in paths:
            self.wait_phases(path, 3)
        self.sync()
        signals = self.recorder.states_changed()
        self.assertEqual(len(signals), 1, signals)
        self.assertEqual(sorted(signals[0]), sorted(
            (path, phase, ONLINE, OFFLINE) for path in paths
            for phase in (START, STATECHANGE, DONE)))
        self.recorder.assert_states_changed_lead(self)

    def test_online_waits_for_a_quiet_period(self):
        self.start_world(State=NM_STATE_DISCONNECTED, Connectivity=NM_CONNECTIVITY_NONE)
        self.assertEqual(self.reason(), 'no-network')
        self.nm_set(State=NM_STATE_CONNECTED_GLOBAL, Connectivity=NM_CONNECTIVITY_FULL)
        time.sleep(ONLINE_DELAY / 2)
        # Another change within the quiet period starts it again.
        restarted = time.monotonic()
        self.nm_set(Metered=NM_METERED_NO)
        self.wait_phases(ROOT_PATH, 3, timeout=10)
        self.assert_transition(ROOT_PATH, OFFLINE, ONLINE)
        self.assertGreaterEqual(self.done_time(ROOT_PATH), restarted + ONLINE_DELAY)

    def test_requests_and_settings_act_at_once(self):
        # Delays far longer than any wait here.
        self.start_world(delays=(60000, 60000), Metered=NM_METERED_YES)
        work, frugal = account_path('work'), account_path('frugal')
        self.assertEqual(self.reason(frugal), 'metered')
        # The effective state in the reply is already the new one.
        self.assertEqual(self.set_state(work, OFFLINE), OFFLINE)
        self.assertEqual(self.set_state(work, ONLINE), ONLINE)
        self.assertEqual(self.set_state(ROOT_PATH, OFFLINE), OFFLINE)
        self.assertEqual(self.state(work), OFFLINE)
        self.assertEqual(self.set_state(ROOT_PATH, ONLINE), ONLINE)
        self.assertEqual(self.state(work), ONLINE)
        self.update_account('frugal', {'AllowMetered': dbus.Boolean(True)})
        self.assertEqual(self.state(frugal), ONLINE)
        # The network, meanwhile, waits.
        self.nm_set(State=NM_STATE_DISCONNECTED, Connectivity=NM_CONNECTIVITY_NONE)
        self.observe(1.0)
        self.assertEqual(self.state(work), ONLINE)


if __name__ == '__main__':
    main()
