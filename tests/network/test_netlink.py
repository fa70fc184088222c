#!/usr/bin/env python3
"""The fallback: the kernel's default routes over netlink while NetworkManager is
absent, in a network namespace of the daemon's own (so the routes are the test's), and
no backend at all when netlink is forbidden."""

import platform
import unittest

from nettest import (NM_STATE_CONNECTED_GLOBAL, SECCOMP_ARCHES, NetworkTestCase,
                     can_unshare_net, netlink_forbidder, netns_ip)
from omtest import ROOT_PATH, account_path, main


@unittest.skipUnless(can_unshare_net(), 'needs permission to create network namespaces')
class NetlinkTest(NetworkTestCase):
    def start_daemon_in_netns(self):
        """The daemon in a new network namespace: only lo, down, no routes."""
        self.start_daemon(wrapper=['unshare', '--net'])
        netns_ip(self.daemon.pid, 'link', 'set', 'lo', 'up')

    def test_default_route_decides(self):
        self.write_account('work', '[Account]\n')
        self.start_daemon_in_netns()
        work = account_path('work')
        self.assertEqual(self.manager('NetworkBackend'), 'netlink')
        self.assertEqual(self.manager('NetworkState'), 20)
        self.assertEqual(self.manager('Connectivity'), 0)
        self.assertEqual(self.reason(), 'no-network')
        self.assertEqual(self.reason(work), 'no-network')

        netns_ip(self.daemon.pid, 'route', 'add', 'default', 'dev', 'lo')
        self.wait_manager('NetworkState', 70)
        self.wait_reason(ROOT_PATH, '')
        self.wait_reason(work, '')

        # Another default route (IPv6), then the first one goes: still routed.
        netns_ip(self.daemon.pid, '-6', 'route', 'add', 'default', 'dev', 'lo')
        netns_ip(self.daemon.pid, 'route', 'del', 'default')
        self.sync()
        netns_ip(self.daemon.pid, '-6', 'route', 'del', 'default')
        self.wait_manager('NetworkState', 20)
        self.wait_reason(work, 'no-network')
        # Two states only: 70 and 20, and the one 70 → 20 came last.
        states = [c['NetworkState'] for c in self.manager_changes() if 'NetworkState' in c]
        self.assertEqual(states, [70, 20])

    def test_networkmanager_leaves_then_routes_decide(self):
        self.start_nm(State=NM_STATE_CONNECTED_GLOBAL)
        self.start_daemon_in_netns()
        self.assertEqual(self.manager('NetworkBackend'), 'networkmanager')
        self.assertEqual(self.reason(), '')
        self.stop_nm()
        self.wait_manager('NetworkBackend', 'netlink')
        self.wait_reason(ROOT_PATH, 'no-network')
        netns_ip(self.daemon.pid, 'route', 'add', 'default', 'dev', 'lo')
        self.wait_reason(ROOT_PATH, '')
        self.start_nm(State=20)
        self.wait_manager('NetworkBackend', 'networkmanager')
        self.wait_reason(ROOT_PATH, 'no-network')


@unittest.skipUnless(platform.machine() in SECCOMP_ARCHES, 'no seccomp filter for this machine')
class NoBackendTest(NetworkTestCase):
    def test_netlink_forbidden(self):
        """As under systemd's RestrictAddressFamilies=AF_UNIX: without NetworkManager
        nothing can tell."""
        self.write_account('work', '[Account]\n')
        self.start_daemon(preexec_fn=netlink_forbidder())
        self.assertEqual(self.manager('NetworkBackend'), 'none')
        self.assertEqual(self.manager('NetworkState'), 0)
        self.assertEqual(self.reason(), 'no-network-monitor')
        self.assertEqual(self.reason(account_path('work')), 'no-network-monitor')

        self.start_nm(State=NM_STATE_CONNECTED_GLOBAL)
        self.wait_manager('NetworkBackend', 'networkmanager')
        self.wait_reason(ROOT_PATH, '')
        self.stop_nm()
        self.wait_manager('NetworkBackend', 'none')
        self.wait_reason(account_path('work'), 'no-network-monitor')


if __name__ == '__main__':
    main()
