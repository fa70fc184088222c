#!/usr/bin/env python3
"""The system bus itself going away and coming back (or not being there at start): the
daemon falls back to netlink and connects again with a growing delay."""

import os
import signal
import subprocess

import dbus

from nettest import NM_STATE_CONNECTED_GLOBAL, NetworkTestCase
from omtest import bus_config, main

class SystemBusTest(NetworkTestCase):
    """A system bus of the test's own at a fixed path, so it can be restarted there."""

    def setUp(self):
        super().setUp()
        self.socket_path = os.path.join(self.tmp, 'system_bus_socket')
        self.address = 'unix:path=' + self.socket_path
        self.config = os.path.join(self.tmp, 'system-bus.conf')
        with open(self.config, 'w') as f:
            f.write(bus_config('system', listen='unix:path=' + self.socket_path))
        self.bus_proc = None
        self.saved_address = os.environ['DBUS_SYSTEM_BUS_ADDRESS']
        # Stand-ins started from here use this bus.
        os.environ['DBUS_SYSTEM_BUS_ADDRESS'] = self.address
        self.addCleanup(self.restore)

    def restore(self):
        self.stop_bus()
        os.environ['DBUS_SYSTEM_BUS_ADDRESS'] = self.saved_address
        self.system = type(self).system

    def start_bus(self):
        self.bus_proc = subprocess.Popen(['dbus-daemon', '--nofork', '--print-address',
                                          '--config-file=' + self.config],
                                         stdout=subprocess.PIPE)
        # It prints its address once it listens.
        self.assertTrue(self.bus_proc.stdout.readline().startswith(b'unix:'))
        self.system = dbus.bus.BusConnection(self.address)

    def stop_bus(self):
        if self.bus_proc is None:
            return
        self.system.close()
        self.bus_proc.send_signal(signal.SIGTERM)
        self.bus_proc.wait(10)
        self.bus_proc.stdout.close()
        self.bus_proc = None
        # The stand-ins exit with their bus.
        for template, proc in list(self.standins.items()):
            proc.wait(10)
            del self.standins[template]

    def test_bus_lost_and_back(self):
        self.start_bus()
        self.start_nm(State=NM_STATE_CONNECTED_GLOBAL)
        self.start_daemon(env={'DBUS_SYSTEM_BUS_ADDRESS': self.address})
        self.assertEqual(self.manager('NetworkBackend'), 'networkmanager')

        self.stop_bus()
        self.wait_manager('NetworkBackend', 'netlink')
        self.assertIn('Lost the system bus', self.daemon_log())

        self.start_bus()
        self.start_nm(State=20)
        self.wait_manager('NetworkBackend', 'networkmanager', timeout=15)
        self.assertEqual(self.manager('NetworkState'), 20)
        self.assertIsNone(self.daemon.poll())

    def test_no_system_bus_at_start(self):
        self.start_daemon(env={'DBUS_SYSTEM_BUS_ADDRESS': self.address})
        self.assertEqual(self.manager('NetworkBackend'), 'netlink')
        self.assertIn('No system bus', self.daemon_log())
        self.start_bus()
        self.start_nm(State=NM_STATE_CONNECTED_GLOBAL)
        # The daemon asks again after 1 s, 2 s, 4 s, ...
        self.wait_manager('NetworkBackend', 'networkmanager', timeout=15)


if __name__ == '__main__':
    main()
