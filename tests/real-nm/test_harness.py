#!/usr/bin/env python3
"""The real-NetworkManager harness itself, checked with a plain D-Bus client (no
offlinemgrd): the transitions the daemon tests rely on happen as expected on the private
system bus, the host is left alone, and nothing is left behind, even when the test process
is killed."""

import json
import os
import select
import socket
import stat
import subprocess
import sys
import unittest

import dbus

import omtest  # noqa: F401  (sets dbus-python's default main loop to GLib's)
import realnm
from omtest import main
from realnm import (NM_CONNECTIVITY_FULL, NM_CONNECTIVITY_LIMITED, NM_CONNECTIVITY_NONE,
                    NM_CONNECTIVITY_PORTAL, NM_METERED_GUESS_NO, NM_METERED_YES,
                    NM_STATE_ASLEEP, NM_STATE_CONNECTED_GLOBAL, NM_STATE_CONNECTED_SITE,
                    NM_STATE_DISCONNECTED)


def host_snapshot():
    """What of the host a NetworkManager leaking out of its namespaces would change."""
    def read(path):
        try:
            with open(path, 'rb') as f:
                return f.read()
        except OSError as e:
            return repr(e)
    def listdir(path):
        try:
            return sorted(os.listdir(path))
        except OSError as e:
            return repr(e)
    links = subprocess.run(['ip', '-o', 'link', 'show'], stdout=subprocess.PIPE,
                           text=True).stdout
    return {
        'resolv.conf': read('/etc/resolv.conf'),
        'hostname': socket.gethostname(),
        '/var/lib/NetworkManager': listdir('/var/lib/NetworkManager'),
        'links': sorted(line.split(':')[1].strip() for line in links.splitlines()),
    }


def process_gone(pid):
    """True when pid has exited (an unreaped zombie counts as gone)."""
    try:
        with open('/proc/%d/stat' % pid) as f:
            return f.read().rsplit(')', 1)[1].split()[0] == 'Z'
    except FileNotFoundError:
        return True


class TransitionsTest(unittest.TestCase):
    """The transitions the daemon tests drive, as NetworkManager reports them."""

    @classmethod
    def setUpClass(cls):
        cls.host_before = host_snapshot()
        cls.harness, cls.unavailable = realnm.start_harness()
        if cls.harness:
            cls.bus = dbus.bus.BusConnection(cls.harness.bus_address)
            cls.nm = realnm.NMWatcher(cls.bus)

    @classmethod
    def tearDownClass(cls):
        if cls.harness:
            cls.nm.close()
            cls.bus.close()
            problems = cls.harness.close()
            assert not problems, problems
            assert not cls.harness.leftovers(), cls.harness.leftovers()

    def setUp(self):
        if self.unavailable:
            self.skipTest(self.unavailable)

    def tearDown(self):
        if omtest.DaemonTestCase._failed(self):
            sys.stderr.write('--- NetworkManager log ---\n%s\n' % self.harness.read_log())

    def step(self, what, action, timeout=30, **props):
        """Runs action, then waits until NetworkManager's properties are props; returns the
        signals that arrived meanwhile as (what, value)."""
        mark = self.nm.mark()
        result = action()
        realnm.wait_until(lambda: all(self.nm.props.get(k) == v for k, v in props.items()),
                          timeout, '%s: NetworkManager to report %s (has %s)' % (
                              what, props, {k: self.nm.props.get(k) for k in props}))
        return result, [(e[1], e[2]) for e in self.nm.since(mark)]

    def test_transitions(self):
        h = self.harness
        realnm.wait_until(self.nm.connected, 30, 'NetworkManager to connect the primary profile')
        self.assertEqual(self.nm.primary_id(), 'primary')
        self.assertEqual(self.nm.props['Metered'], NM_METERED_GUESS_NO)
        for name in ('primary', 'secondary'):
            st = os.stat(h.path('profiles', name + '.nmconnection'))
            self.assertEqual((st.st_uid, stat.S_IMODE(st.st_mode)), (0, 0o600))

        # Carrier loss and gain on the veth.
        self.step('peer link down', lambda: h.peer_link(False), State=NM_STATE_DISCONNECTED,
                  PrimaryConnection='/', Connectivity=NM_CONNECTIVITY_NONE)
        self.step('peer link up', lambda: h.peer_link(True), State=NM_STATE_CONNECTED_GLOBAL,
                  Connectivity=NM_CONNECTIVITY_FULL, Metered=NM_METERED_GUESS_NO)
        self.assertEqual(self.nm.primary_id(), 'primary')

        # `device connect` picks the most recently used profile, by timestamps of 1 s
        # resolution: before the secondary profile has ever been up, that is the primary.
        self.step('device disconnect', lambda: h.nmcli('device', 'disconnect', realnm.DEVICE),
                  State=NM_STATE_DISCONNECTED, PrimaryConnection='/')
        self.step('device connect', lambda: h.nmcli('device', 'connect', realnm.DEVICE),
                  State=NM_STATE_CONNECTED_GLOBAL, Connectivity=NM_CONNECTIVITY_FULL)
        self.assertEqual(self.nm.primary_id(), 'primary')

        # A switch to the metered profile passes through DISCONNECTED: the blip the
        # daemon's grace period must hide.
        _, seen = self.step('con up secondary', lambda: h.nmcli('connection', 'up', 'secondary'),
                            State=NM_STATE_CONNECTED_GLOBAL, Connectivity=NM_CONNECTIVITY_FULL,
                            Metered=NM_METERED_YES)
        self.assertIn(('StateChanged', NM_STATE_DISCONNECTED), seen)
        self.assertEqual(self.nm.primary_id(), 'secondary')
        _, seen = self.step('con down secondary',
                            lambda: h.nmcli('connection', 'down', 'secondary'),
                            State=NM_STATE_CONNECTED_GLOBAL, Connectivity=NM_CONNECTIVITY_FULL,
                            Metered=NM_METERED_GUESS_NO)
        self.assertIn(('StateChanged', NM_STATE_DISCONNECTED), seen)
        self.assertEqual(self.nm.primary_id(), 'primary')

        # Connectivity, from what the check endpoint answers.
        h.set_check_content('<html>a captive portal</html>\n')
        out, _ = self.step('portal', h.check_connectivity, State=NM_STATE_CONNECTED_SITE,
                           Connectivity=NM_CONNECTIVITY_PORTAL)
        self.assertEqual(out, 'portal')
        h.stop_endpoint()
        out, seen = self.step('limited', h.check_connectivity,
                              Connectivity=NM_CONNECTIVITY_LIMITED)
        self.assertEqual(out, 'limited')
        h.set_check_content(realnm.CHECK_RESPONSE + '\n')
        h.start_endpoint()
        out, _ = self.step('full', h.check_connectivity, State=NM_STATE_CONNECTED_GLOBAL,
                           Connectivity=NM_CONNECTIVITY_FULL)
        self.assertEqual(out, 'full')

        self.step('networking off', lambda: h.nmcli('networking', 'off'),
                  State=NM_STATE_ASLEEP, NetworkingEnabled=False, PrimaryConnection='/')
        self.step('networking on', lambda: h.nmcli('networking', 'on'),
                  State=NM_STATE_CONNECTED_GLOBAL, NetworkingEnabled=True,
                  Connectivity=NM_CONNECTIVITY_FULL)


        # A restart, with the same /run: the connection is re-assumed, not external.
        mark = self.nm.mark()
        self.assertEqual(h.stop_nm(), 0, h.read_log())
        realnm.wait_until(lambda: not self.nm.owned, 10, 'the name to vanish')
        self.assertIn((('owner', False)), [(e[1], e[2]) for e in self.nm.since(mark)])
        h.start_nm()
        realnm.wait_until(self.nm.connected, 30, 'the restarted NetworkManager to connect')
        self.assertEqual(self.nm.primary_id(), 'primary')
        self.step('peer link down after restart', lambda: h.peer_link(False),
                  State=NM_STATE_DISCONNECTED, PrimaryConnection='/')
        self.step('peer link up after restart', lambda: h.peer_link(True),
                  State=NM_STATE_CONNECTED_GLOBAL, Connectivity=NM_CONNECTIVITY_FULL)

        self.assertEqual(host_snapshot(), self.host_before)


class CleanupTest(unittest.TestCase):
    """Nothing is left behind: after close(), and after the test process is killed."""

    def setUp(self):
        why = realnm.missing_prerequisite()
        if why:
            if os.environ.get('OM_REAL_NM') == 'enabled':
                self.fail('real_nm is enabled, but ' + why)
            self.skipTest('cannot run a real NetworkManager here: ' + why)

    def assert_gone(self, info):
        left = [ns for ns in info['netns'] if os.path.exists(os.path.join(realnm.NETNS_DIR, ns))]
        self.assertEqual(left, [], 'namespaces left behind')
        self.assertFalse(os.path.exists(info['work']), 'work directory left behind')
        self.assertEqual([p for p in info['pids'] if not process_gone(p)], [],
                         'processes left behind')

    def test_close_and_killed_test_process(self):
        # close() in the same process.
        harness, why = realnm.start_harness()
        if harness is None:
            self.skipTest(why)
        info = {'netns': [harness.nm_ns, harness.peer_ns], 'work': harness.work,
                'pids': [harness.nm.pid, harness.bus.pid, harness.http.pid]}
        self.assertEqual(harness.close(), [])
        self.assert_gone(info)

        # A test process killed with SIGKILL (a test runner's timeout): its reaper cleans up.
        child = subprocess.Popen([sys.executable, '-c', '''
import json, sys, time
import omtest, realnm
h = realnm.RealNetworkManager()
h.start()
print(json.dumps({"netns": [h.nm_ns, h.peer_ns], "work": h.work,
                  "pids": [h.nm.pid, h.bus.pid, h.http.pid], "reaper": h.reaper.pid}),
      flush=True)
time.sleep(600)
'''], stdout=subprocess.PIPE, text=True)
        reaper = None
        try:
            line = child.stdout.readline()
            self.assertTrue(line, 'the child did not start a harness')
            info = json.loads(line)
            self.assertTrue(all(os.path.exists(os.path.join(realnm.NETNS_DIR, ns))
                                for ns in info['netns']))
            reaper = os.pidfd_open(info['reaper'])
        finally:
            child.kill()
            child.wait()
            child.stdout.close()
        try:
            # The reaper exits when it has cleaned up.
            self.assertTrue(select.select([reaper], [], [], 30 * omtest.TIMEOUT_SCALE)[0],
                            'the reaper did not finish within 30 s')
        finally:
            os.close(reaper)
        self.assert_gone(info)


if __name__ == '__main__':
    main()
