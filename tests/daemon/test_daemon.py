#!/usr/bin/env python3
"""offlinemgrd's bus API, transitions and persistence, on private buses."""

import os
import signal
import subprocess

import dbus

from omtest import (BLOCK, DONE, IFACE_ACCOUNT, IFACE_MANAGER, IFACE_OFFLINE, OFFLINE,
                    ONLINE, ROOT_PATH, START, STATECHANGE, DaemonTestCase, account_path,
                    main)


class StartupTest(DaemonTestCase):
    def test_ready_and_status(self):
        self.write_account('work', '[Account]\nDisplayName=Work\n')
        self.start_daemon()
        self.assertTrue(self.name_has_owner())
        self.assertEqual(self.notify.last('STATUS='), '1 account, 1 online')
        self.assertEqual(self.state(), ONLINE)
        self.assertEqual(self.state(account_path('work')), ONLINE)
        self.stop_daemon()
        self.assertTrue(self.notify.seen('STOPPING=1'))

    def test_busctl_get_property_and_call(self):
        self.start_daemon()
        env = dict(os.environ)
        out = subprocess.run(['busctl', '--user', 'get-property', 'org.offlinemgr.OfflineMgr1',
                              ROOT_PATH, IFACE_OFFLINE, 'State'], env=env, check=True,
                             capture_output=True, text=True).stdout
        self.assertEqual(out.strip(), 'u 2')
        out = subprocess.run(['busctl', '--user', 'call', 'org.offlinemgr.OfflineMgr1',
                              ROOT_PATH, IFACE_OFFLINE, 'SetCurrentState', 'uuu', '8192', '3',
                              '1'], env=env, check=True, capture_output=True,
                             text=True).stdout
        self.assertEqual(out.strip(), 'u 1')
        self.assertEqual(self.reason(), 'user-offline')


class TransitionTest(DaemonTestCase):
    def test_block_phases_arrive_before_reply(self):
        self.start_daemon()
        box = self.call_async(ROOT_PATH, IFACE_OFFLINE, 'SetCurrentState', dbus.UInt32(BLOCK),
                              dbus.UInt32(3), dbus.UInt32(OFFLINE))
        self.wait_until(lambda: 'reply' in box or 'error' in box, 5, 'the reply')
        self.assertEqual(box.get('reply'), OFFLINE)
        kinds = [(e[0], e[2] if e[0] != 'PropertiesChanged' else sorted(e[2][1]))
                 for e in self.recorder.events if e[1] in (ROOT_PATH, None)]
        # The turn's StatesChanged leads the per-object signals it summarises.
        self.assertEqual(kinds, [
            ('StatesChanged', [(ROOT_PATH, phase, ONLINE, OFFLINE)
                               for phase in (START, STATECHANGE, DONE)]),
            ('PropertiesChanged', ['RequestedState']),
            ('StateChanged', (START, 3, ONLINE, OFFLINE)),
            ('PropertiesChanged', ['Reason', 'State']),
            ('StateChanged', (STATECHANGE, 3, ONLINE, OFFLINE)),
            ('StateChanged', (DONE, 3, ONLINE, OFFLINE)),
            ('reply', OFFLINE),
        ])


class PersistenceTest(DaemonTestCase):
    def test_requested_state_survives_sigkill(self):
        self.start_daemon()
        self.add_account('work')
        self.assertEqual(self.set_state(account_path('work'), OFFLINE), OFFLINE)
        self.stop_daemon(signal.SIGKILL, expect=-signal.SIGKILL)
        self.start_daemon()
        self.assertEqual(self.get(account_path('work'), IFACE_OFFLINE, 'RequestedState'),
                         OFFLINE)
        self.assertEqual(self.reason(account_path('work')), 'user-offline')
        self.assertEqual(self.get(account_path('work'), IFACE_ACCOUNT, 'Id'), 'work')


if __name__ == '__main__':
    main()
