#!/usr/bin/env python3
"""Idle means idle: with nothing changing and no probe due, the daemon is not woken at
all. Measured with the context switch counters of every thread of the daemon, which a
wakeup (a timer, a poll returning) increments."""

import glob
import os
import time

from nettest import NM_STATE_CONNECTED_GLOBAL, NetworkTestCase
from omtest import account_path, main


def context_switches(pid):
    """{thread id: (voluntary, nonvoluntary)} of every thread of pid."""
    counts = {}
    for status in glob.glob('/proc/%d/task/*/status' % pid):
        tid = int(status.split('/')[4])
        fields = {}
        with open(status) as f:
            for line in f:
                key, _, value = line.partition(':')
                fields[key] = value.strip()
        counts[tid] = (int(fields['voluntary_ctxt_switches']),
                       int(fields['nonvoluntary_ctxt_switches']))
    return counts


def all_sleeping(pid):
    """Whether every thread of pid is blocked (state S), e.g. in poll()."""
    for stat in glob.glob('/proc/%d/task/*/stat' % pid):
        with open(stat) as f:
            if f.read().rpartition(')')[2].split()[0] != 'S':
                return False
    return True


class IdleCase(NetworkTestCase):
    """Helpers; the tests are in IdleTest here and in test_idle_slow.py."""

    def assert_idle(self, seconds):
        """The daemon's threads are not switched in at all for `seconds`. The window is
        the measurement itself, not a synchronisation."""
        self.sync()
        # A thread counts a voluntary switch when it blocks: the window starts once
        # every thread is blocked, not while the daemon finishes the reply to sync().
        counts = []

        def settled():
            counts.append(context_switches(self.daemon.pid))
            return all_sleeping(self.daemon.pid) and counts[-1] == context_switches(
                self.daemon.pid)
        self.wait_until(settled, 5, 'every thread of offlinemgrd to block')
        before = counts[-1]
        time.sleep(seconds)
        after = context_switches(self.daemon.pid)
        self.assertEqual(after, before, 'offlinemgrd woke up while idle')

    def start_busy_world(self, delays=(500, 1000)):
        """NetworkManager with a VPN, logind, and accounts of every kind but probing."""
        self.start_nm(State=NM_STATE_CONNECTED_GLOBAL)
        self.nm_add_active('office-vpn', conn_type='vpn', vpn=True)
        self.start_logind()
        self.write_account('plain', '[Account]\n')
        self.write_account('vpn', '[Account]\nRequireConnections=office-vpn;\n')
        self.write_account('strict', '[Account]\nAllowMetered=false\nMinConnectivity=full\n')
        self.start_daemon(delays=delays)
        self.wait_until(lambda: any(i[1] == 'offlinemgr' for i in self.inhibitors()), 5,
                        'the sleep delay lock')



class IdleTest(IdleCase):
    def test_idle_after_start(self):
        self.start_busy_world()
        self.assertEqual(self.reason(account_path('vpn')), '')
        self.assert_idle(2)

    def test_idle_after_changes_settle(self):
        self.start_busy_world()
        # A flap, a suspend and resume, NetworkManager leaving and coming back: every
        # timer they started must be gone once they settle.
        self.nm_set(State=20, Connectivity=1)
        self.nm_set(State=70, Connectivity=4)
        self.prepare_for_sleep(True)
        self.wait_reason(account_path('plain'), 'suspended')
        self.prepare_for_sleep(False)
        self.wait_reason(account_path('plain'), '')
        self.stop_nm()
        self.wait_manager('NetworkBackend', 'netlink')
        self.start_nm(State=NM_STATE_CONNECTED_GLOBAL)
        self.wait_manager('NetworkBackend', 'networkmanager')
        # The quiet period (1 s) of the last change has passed once the accounts that
        # went OFFLINE without NetworkManager are back.
        self.nm_add_active('office-vpn', conn_type='vpn', vpn=True)
        self.wait_reason(account_path('vpn'), '', timeout=10)
        self.assert_idle(2)


if __name__ == '__main__':
    main()
