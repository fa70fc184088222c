#!/usr/bin/env python3
"""CheckReachability: a bounded TCP connect to Host:Port before an account goes ONLINE
(START when it begins; STATECHANGE and DONE on success; DONE(OFFLINE, OFFLINE) and
"unreachable" on failure), Pending meanwhile, probes again on every network change and
after resume, and a probe in flight cancelled when the network changes again."""

import dbus

from nettest import (NM_METERED_GUESS_NO, NM_METERED_NO, NM_STATE_CONNECTED_GLOBAL,
                     NM_STATE_DISCONNECTED, NetworkTestCase, sockets_to_port)
from omtest import (BLOCK, DONE, IFACE_OFFLINE, MASK, OFFLINE, ONLINE, START, STATECHANGE,
                    account_path, main)

WORK = account_path('work')


class ProbeTest(NetworkTestCase):
    def probed_account(self, port, **more):
        settings = {'Host': '127.0.0.1', 'Port': dbus.UInt32(port),
                    'CheckReachability': dbus.Boolean(True)}
        settings.update(more)
        self.add_account('work', settings)

    def transitioning_changes(self):
        return [c['Transitioning'] for c in self.recorder.property_changes(WORK)
                if 'Transitioning' in c]

    def test_open_port(self):
        port, _ = self.ports.open()
        self.start_nm(State=NM_STATE_CONNECTED_GLOBAL)
        self.write_account('work', '[Account]\nHost=127.0.0.1\nPort=%d\n'
                           'CheckReachability=true\n' % port)
        self.start_daemon()
        # Loaded OFFLINE ("not confirmed yet"), then probed as a transition once visible.
        phases = self.wait_phases(WORK, 3)
        self.assertEqual(phases, [(START, OFFLINE, ONLINE), (STATECHANGE, OFFLINE, ONLINE),
                                  (DONE, OFFLINE, ONLINE)])
        self.assertEqual(self.reason(WORK), '')
        self.assertEqual(self.transitioning_changes(), [True, False])
        self.assertFalse(self.get(WORK, IFACE_OFFLINE, 'Transitioning'))

    def test_closed_port(self):
        self.start_nm(State=NM_STATE_CONNECTED_GLOBAL)
        self.start_daemon()
        self.probed_account(self.ports.closed())
        phases = self.wait_phases(WORK, 2)
        self.sync()
        # Abandoned: no STATECHANGE, no State change, DONE(old, old).
        self.assertEqual(self.recorder.phases(WORK), [(START, OFFLINE, ONLINE),
                                                      (DONE, OFFLINE, OFFLINE)])
        self.assertEqual(self.state(WORK), OFFLINE)
        self.assertEqual(self.reason(WORK), 'unreachable')
        self.assertNotIn('State', set().union(*self.recorder.property_changes(WORK)))
        self.assertEqual(self.transitioning_changes(), [True, False])
        del phases

    def test_pending_while_probing(self):
        port = self.ports.hanging()
        self.write_config('[Policy]\nOfflineDelayMs=0\nOnlineDelayMs=0\nProbeTimeoutMs=60000\n')
        self.start_nm(State=NM_STATE_CONNECTED_GLOBAL)
        self.start_daemon()
        self.probed_account(port)
        self.wait_phases(WORK, 1)
        self.assertTrue(self.get(WORK, IFACE_OFFLINE, 'Transitioning'))
        for state in (OFFLINE, ONLINE):
            for flags in (0, BLOCK):
                self.assert_error('Pending', WORK, IFACE_OFFLINE, 'SetCurrentState',
                                  dbus.UInt32(flags), dbus.UInt32(MASK), dbus.UInt32(state))
        # Nothing changed: the request is still ONLINE, the probe still under way.
        self.assertEqual(self.get(WORK, IFACE_OFFLINE, 'RequestedState'), ONLINE)
        self.assertEqual(self.recorder.phases(WORK), [(START, OFFLINE, ONLINE)])

    def test_network_change_cancels_the_probe(self):
        port = self.ports.hanging()
        self.write_config('[Policy]\nOfflineDelayMs=0\nOnlineDelayMs=0\nProbeTimeoutMs=60000\n')
        self.start_nm(State=NM_STATE_CONNECTED_GLOBAL, Metered=NM_METERED_GUESS_NO)
        self.start_daemon()
        self.probed_account(port)
        self.wait_phases(WORK, 1)
        self.wait_until(lambda: sockets_to_port(self.daemon.pid, port) != [], 5,
                        'the probe to connect')

        # The network changes but still allows the account: this probe is abandoned and
        # another begins.
        self.nm_set(Metered=NM_METERED_NO)
        self.wait_phases(WORK, 3)
        self.assertEqual(self.recorder.phases(WORK), [
            (START, OFFLINE, ONLINE), (DONE, OFFLINE, OFFLINE), (START, OFFLINE, ONLINE)])

        # The network goes: the probe is abandoned, its connection closed, none follows.
        self.nm_set(State=NM_STATE_DISCONNECTED, Connectivity=1)
        self.wait_phases(WORK, 4)
        self.assertEqual(self.recorder.phases(WORK)[3], (DONE, OFFLINE, OFFLINE))
        self.wait_reason(WORK, 'no-network')
        self.wait_until(lambda: sockets_to_port(self.daemon.pid, port) == [], 5,
                        'the probe connection to be closed')
        self.assertFalse(self.get(WORK, IFACE_OFFLINE, 'Transitioning'))
        self.sync()
        self.assertEqual(len(self.recorder.phases(WORK)), 4)

    def test_probe_is_bounded_in_time(self):
        port = self.ports.hanging()
        self.write_config('[Policy]\nOfflineDelayMs=0\nOnlineDelayMs=0\nProbeTimeoutMs=300\n')
        self.start_nm(State=NM_STATE_CONNECTED_GLOBAL)
        self.start_daemon()
        self.probed_account(port)
        self.wait_phases(WORK, 2)
        self.assertEqual(self.recorder.phases(WORK), [(START, OFFLINE, ONLINE),
                                                      (DONE, OFFLINE, OFFLINE)])
        self.assertEqual(self.reason(WORK), 'unreachable')
        self.assertIn('in time', self.daemon_log())

    def test_block_request_answers_after_the_probe(self):
        port, _ = self.ports.open()
        self.start_nm(State=NM_STATE_CONNECTED_GLOBAL)
        self.start_daemon()
        self.probed_account(port)
        self.wait_phases(WORK, 3)
        self.assertEqual(self.set_state(WORK, OFFLINE), OFFLINE)
        self.sync()
        self.recorder.clear()
        box = self.call_async(WORK, IFACE_OFFLINE, 'SetCurrentState', dbus.UInt32(BLOCK),
                              dbus.UInt32(MASK), dbus.UInt32(ONLINE))
        self.wait_until(lambda: 'reply' in box or 'error' in box, 10, 'the reply')
        self.assertEqual(box.get('reply'), ONLINE)
        phases = [e[2][0] for e in self.recorder.events if e[0] == 'StateChanged']
        replies = [i for i, e in enumerate(self.recorder.events) if e[0] == 'reply']
        dones = [i for i, e in enumerate(self.recorder.events)
                 if e[0] == 'StateChanged' and e[2][0] == DONE]
        self.assertEqual(phases, [START, STATECHANGE, DONE])
        self.assertLess(dones[0], replies[0])

    def test_probed_again_on_network_change(self):
        port, listener = self.ports.open()
        self.start_nm(State=NM_STATE_CONNECTED_GLOBAL, Metered=NM_METERED_GUESS_NO)
        self.start_daemon()
        self.probed_account(port)
        self.wait_phases(WORK, 3)
        self.assertEqual(self.state(WORK), ONLINE)
        # The server goes away; nothing tells until the network changes.
        listener.close()
        self.sync()
        self.recorder.clear()
        self.nm_set(Metered=NM_METERED_NO)
        self.wait_phases(WORK, 3)
        self.assert_transition(WORK, ONLINE, OFFLINE)
        self.assertEqual(self.reason(WORK), 'unreachable')

    def test_probed_again_after_resume(self):
        port, listener = self.ports.open()
        self.start_nm(State=NM_STATE_CONNECTED_GLOBAL)
        self.start_logind()
        self.start_daemon()
        self.probed_account(port)
        self.wait_phases(WORK, 3)
        self.prepare_for_sleep(True)
        self.wait_reason(WORK, 'suspended')
        self.sync()
        self.recorder.clear()
        listener.close()
        self.prepare_for_sleep(False)
        self.wait_phases(WORK, 2)
        self.sync()
        self.assertEqual(self.recorder.phases(WORK), [(START, OFFLINE, ONLINE),
                                                      (DONE, OFFLINE, OFFLINE)])
        self.assertEqual(self.reason(WORK), 'unreachable')

        # And with the server back, the next resume goes ONLINE.
        port2, _ = self.ports.open()
        self.update_account('work', {'Port': dbus.UInt32(port2)})
        self.wait_reason(WORK, '')


if __name__ == '__main__':
    main()
