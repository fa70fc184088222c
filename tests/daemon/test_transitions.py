#!/usr/bin/env python3
"""SetCurrentState and the MAPI transition contract on the bus: phase order with and
without BLOCK, Pending while a transition spans time (a reachability probe against a
local TCP listener), abandoned transitions, InvalidArgs that change nothing, repeated
requests that emit nothing, and the global object taking every account OFFLINE."""

import os

import dbus

from omtest import (BLOCK, DONE, IFACE_ACCOUNT, IFACE_OFFLINE, MASK, OFFLINE, ONLINE,
                    ROOT_PATH, START, STATECHANGE, DaemonTestCase, account_path, main)


class TransitionTestCase(DaemonTestCase):
    def write_state(self, text):
        """The requested-state file the daemon finds at start."""
        os.makedirs(self.state_dir, exist_ok=True)
        with open(self.state_file(), 'w') as f:
            f.write(text)

    def sequence(self, path):
        """What happened on path, with replies and errors, in arrival order:
        ('SC', (type, old, new)), ('PC', {changed Offline properties}), ('reply', value),
        ('error', name)."""
        out = []
        for kind, where, data in self.recorder.events:
            if kind == 'StateChanged' and where == path:
                self.assertEqual(data[1], MASK)
                out.append(('SC', (data[0], data[2], data[3])))
            elif kind == 'PropertiesChanged' and where == path and data[0] == IFACE_OFFLINE:
                out.append(('PC', data[1]))
            elif kind in ('reply', 'error'):
                out.append((kind, data))
        return out

    def set_state_async(self, path, state, flags=0):
        return self.call_async(path, IFACE_OFFLINE, 'SetCurrentState', dbus.UInt32(flags),
                               dbus.UInt32(MASK), dbus.UInt32(state))

    def wait_answer(self, box):
        self.wait_until(lambda: 'reply' in box or 'error' in box, 10, 'the reply')
        return box

    def probed_account(self, account_id, port, requested=ONLINE):
        """An account whose ONLINE needs a TCP connect to 127.0.0.1:port. A probe that
        hangs is given all the time the test needs."""
        self.write_config('[Policy]\nOfflineDelayMs=0\nOnlineDelayMs=0\nProbeTimeoutMs=60000\n')
        self.write_account(account_id, '[Account]\nHost=127.0.0.1\nPort=%d\n'
                           'CheckReachability=true\n' % port)
        if requested == OFFLINE:
            self.write_state('[Accounts]\n%s=offline\n' % account_id)
        return account_path(account_id)


class StateMethodsTest(TransitionTestCase):
    def test_get_current_state_and_capabilities(self):
        self.write_account('work', '[Account]\n')
        self.write_state('[Accounts]\nwork=offline\n')
        self.start_daemon()
        for path in (ROOT_PATH, account_path('work')):
            with self.subTest(path=path):
                self.assertEqual(self.call(path, IFACE_OFFLINE, 'GetCapabilities'), 3)
                self.assertEqual(self.call(path, IFACE_OFFLINE, 'GetCurrentState'),
                                 self.state(path))
        self.assertEqual(self.call(account_path('work'), IFACE_OFFLINE, 'GetCurrentState'),
                         OFFLINE)
        self.assertEqual(self.get_all(account_path('work'), IFACE_OFFLINE), {
            'State': OFFLINE, 'RequestedState': OFFLINE, 'Reason': 'user-offline',
            'Transitioning': False})
        self.set_state(ROOT_PATH, OFFLINE)
        self.assertEqual(self.call(ROOT_PATH, IFACE_OFFLINE, 'GetCurrentState'), OFFLINE)
        self.assertEqual(self.get_all(ROOT_PATH, IFACE_OFFLINE), {
            'State': OFFLINE, 'RequestedState': OFFLINE, 'Reason': 'user-offline',
            'Transitioning': False})


class BlockTest(TransitionTestCase):
    def test_account_phase_order_with_block(self):
        self.write_account('work', '[Account]\n')
        self.start_daemon()
        self.require_online()
        path = account_path('work')
        box = self.wait_answer(self.set_state_async(path, OFFLINE, BLOCK))
        self.assertEqual(box.get('reply'), OFFLINE)
        self.assertEqual(self.sequence(path), [
            ('PC', {'RequestedState': OFFLINE}),
            ('SC', (START, ONLINE, OFFLINE)),
            ('PC', {'State': OFFLINE, 'Reason': 'user-offline'}),
            ('SC', (STATECHANGE, ONLINE, OFFLINE)),
            ('SC', (DONE, ONLINE, OFFLINE)),
            ('reply', OFFLINE),
        ])
        self.assertEqual(self.recorder.phases(ROOT_PATH), [])

        self.recorder.clear()
        box = self.wait_answer(self.set_state_async(path, ONLINE, BLOCK))
        self.assertEqual(self.sequence(path), [
            ('PC', {'RequestedState': ONLINE}),
            ('SC', (START, OFFLINE, ONLINE)),
            ('PC', {'State': ONLINE, 'Reason': ''}),
            ('SC', (STATECHANGE, OFFLINE, ONLINE)),
            ('SC', (DONE, OFFLINE, ONLINE)),
            ('reply', ONLINE),
        ])

    def test_block_replies_after_probed_done(self):
        path = self.probed_account('work', self.open_port(), requested=OFFLINE)
        self.start_daemon()
        self.require_online()
        box = self.wait_answer(self.set_state_async(path, ONLINE, BLOCK))
        self.assertEqual(box.get('reply'), ONLINE)
        self.assertEqual(self.sequence(path), [
            ('PC', {'RequestedState': ONLINE}),
            ('SC', (START, OFFLINE, ONLINE)),
            ('PC', {'Transitioning': True}),
            ('PC', {'State': ONLINE, 'Reason': '', 'Transitioning': False}),
            ('SC', (STATECHANGE, OFFLINE, ONLINE)),
            ('SC', (DONE, OFFLINE, ONLINE)),
            ('reply', ONLINE),
        ])

    def test_without_block_replies_at_once(self):
        path = self.probed_account('work', self.open_port(), requested=OFFLINE)
        self.start_daemon()
        self.require_online()
        box = self.wait_answer(self.set_state_async(path, ONLINE))
        # The state at that moment: the probe has not answered yet.
        self.assertEqual(box.get('reply'), OFFLINE)
        self.wait_phases(path, 3)
        self.assertEqual(self.sequence(path), [
            ('PC', {'RequestedState': ONLINE}),
            ('SC', (START, OFFLINE, ONLINE)),
            ('PC', {'Transitioning': True}),
            ('reply', OFFLINE),
            ('PC', {'State': ONLINE, 'Reason': '', 'Transitioning': False}),
            ('SC', (STATECHANGE, OFFLINE, ONLINE)),
            ('SC', (DONE, OFFLINE, ONLINE)),
        ])

    def test_online_forbidden_is_stored_and_abandoned(self):
        # The server refuses: the transition is abandoned, the request is kept, and the
        # reply and Reason say why.
        path = self.probed_account('work', self.closed_port(), requested=OFFLINE)
        self.start_daemon()
        self.require_online()
        box = self.wait_answer(self.set_state_async(path, ONLINE, BLOCK))
        self.assertEqual(box.get('reply'), OFFLINE)
        self.assertEqual(self.sequence(path), [
            ('PC', {'RequestedState': ONLINE}),
            ('SC', (START, OFFLINE, ONLINE)),
            ('PC', {'Transitioning': True}),
            ('PC', {'Reason': 'unreachable', 'Transitioning': False}),
            ('SC', (DONE, OFFLINE, OFFLINE)),
            ('reply', OFFLINE),
        ])
        self.assertEqual(self.get_all(path, IFACE_OFFLINE), {
            'State': OFFLINE, 'RequestedState': ONLINE, 'Reason': 'unreachable',
            'Transitioning': False})
        self.assertFalse(os.path.exists(self.state_file()) and
                         'work' in open(self.state_file()).read())


class PendingTest(TransitionTestCase):
    def test_pending_during_transition(self):
        path = self.probed_account('work', self.hanging_port(), requested=OFFLINE)
        self.start_daemon()
        self.require_online()
        self.assertEqual(self.set_state(path, ONLINE), OFFLINE)
        self.assertTrue(self.get(path, IFACE_OFFLINE, 'Transitioning'))
        self.sync()
        self.recorder.clear()
        with open(self.state_file()) as f:
            saved = f.read()
        for state, flags in ((OFFLINE, 0), (OFFLINE, BLOCK), (ONLINE, 0), (ONLINE, BLOCK)):
            with self.subTest(state=state, flags=flags):
                message = self.assert_error('Pending', path, IFACE_OFFLINE, 'SetCurrentState',
                                            dbus.UInt32(flags), dbus.UInt32(MASK),
                                            dbus.UInt32(state))
                self.assertIn(path, message)
        # Validation comes first: a bad request is InvalidArgs even now.
        self.assert_error('InvalidArgs', path, IFACE_OFFLINE, 'SetCurrentState',
                          dbus.UInt32(0), dbus.UInt32(MASK), dbus.UInt32(3))
        self.sync()
        self.assertEqual(self.recorder.events, [])
        self.assertEqual(self.get_all(path, IFACE_OFFLINE), {
            'State': OFFLINE, 'RequestedState': ONLINE, 'Reason': 'user-offline',
            'Transitioning': True})
        with open(self.state_file()) as f:
            self.assertEqual(f.read(), saved)
        # Other objects are not blocked.
        self.assertEqual(self.set_state(ROOT_PATH, ONLINE), ONLINE)

        # Going OFFLINE globally ends the transition at once: DONE(old, old).
        self.assertEqual(self.set_state(ROOT_PATH, OFFLINE, BLOCK), OFFLINE)
        self.sync()
        self.assertEqual(self.recorder.phases(path), [(DONE, OFFLINE, OFFLINE)])
        self.assertEqual(self.get_all(path, IFACE_OFFLINE), {
            'State': OFFLINE, 'RequestedState': ONLINE, 'Reason': 'global-offline',
            'Transitioning': False})
        # Calls are accepted again.
        self.assertEqual(self.set_state(path, OFFLINE), OFFLINE)
        self.assertEqual(self.get(path, IFACE_OFFLINE, 'RequestedState'), OFFLINE)

    def test_block_call_answered_when_account_removed(self):
        path = self.probed_account('work', self.hanging_port(), requested=OFFLINE)
        self.start_daemon()
        self.require_online()
        box = self.set_state_async(path, ONLINE, BLOCK)
        self.wait_until(lambda: self.recorder.phases(path) == [(START, OFFLINE, ONLINE)], 5,
                        'START')
        self.sync()
        self.assertEqual(box, {})
        self.remove_account('work')
        self.wait_answer(box)
        self.assertEqual(box.get('error'), 'org.offlinemgr.OfflineMgr1.Error.NotFound')


class InvalidArgsTest(TransitionTestCase):
    def test_invalid_arguments_change_nothing(self):
        self.write_account('work', '[Account]\n')
        self.start_daemon()
        cases = [
            (0x1, MASK, OFFLINE, 'flags'), (0x4000, MASK, OFFLINE, 'flags'),
            (BLOCK | 0x1, MASK, OFFLINE, 'flags'), (0xffffffff, MASK, OFFLINE, 'flags'),
            (0, 0, OFFLINE, 'mask'), (0, 1, OFFLINE, 'mask'), (0, 2, OFFLINE, 'mask'),
            (0, 7, OFFLINE, 'mask'), (0, 0x003f037f, OFFLINE, 'mask'),
            (BLOCK, 0xffffffff, OFFLINE, 'mask'),
            (0, MASK, 0, 'state'), (0, MASK, 3, 'state'), (BLOCK, MASK, 0xffffffff, 'state'),
        ]
        for path in (ROOT_PATH, account_path('work')):
            before = self.get_all(path, IFACE_OFFLINE)
            for flags, mask, state, named in cases:
                with self.subTest(path=path, flags=flags, mask=mask, state=state):
                    self.sync()
                    self.recorder.clear()
                    message = self.assert_error('InvalidArgs', path, IFACE_OFFLINE,
                                                'SetCurrentState', dbus.UInt32(flags),
                                                dbus.UInt32(mask), dbus.UInt32(state))
                    self.assertIn(named, message)
                    self.sync()
                    self.assertEqual(self.recorder.events, [])
                    self.assertEqual(self.get_all(path, IFACE_OFFLINE), before)
        self.assertFalse(os.path.exists(self.state_file()))


class StateSaveFailedTest(TransitionTestCase):
    def test_request_that_cannot_be_saved_changes_nothing(self):
        self.write_account('work', '[Account]\n')
        self.start_daemon()
        # A file where the state directory should be: the request cannot be stored.
        os.makedirs(os.path.dirname(self.state_dir), exist_ok=True)
        with open(self.state_dir, 'w') as f:
            f.write('not a directory')
        for path in (ROOT_PATH, account_path('work')):
            with self.subTest(path=path):
                before = self.get_all(path, IFACE_OFFLINE)
                self.sync()
                self.recorder.clear()
                message = self.assert_error('Failed', path, IFACE_OFFLINE, 'SetCurrentState',
                                            dbus.UInt32(BLOCK), dbus.UInt32(MASK),
                                            dbus.UInt32(OFFLINE))
                self.assertIn(self.state_dir, message)
                self.sync()
                self.assertEqual(self.recorder.events, [])
                self.assertEqual(self.get_all(path, IFACE_OFFLINE), before)
        self.assertNotEqual(self.reason(account_path('work')), 'global-offline')


class RepeatedRequestTest(TransitionTestCase):
    def test_same_mode_emits_nothing(self):
        self.write_account('work', '[Account]\n')
        self.start_daemon()
        for path in (ROOT_PATH, account_path('work')):
            with self.subTest(path=path):
                self.sync()
                self.recorder.clear()
                state = self.state(path)
                self.assertEqual(self.set_state(path, ONLINE), state)
                self.assertEqual(self.set_state(path, ONLINE, BLOCK), state)
                self.sync()
                self.assertEqual(self.recorder.events, [])
        # Nothing to store: ONLINE is the default.
        self.assertFalse(os.path.exists(self.state_file()))

        path = account_path('work')
        self.set_state(path, OFFLINE)
        inode = os.stat(self.state_file()).st_ino
        self.sync()
        self.recorder.clear()
        self.assertEqual(self.set_state(path, OFFLINE), OFFLINE)
        self.assertEqual(self.set_state(path, OFFLINE, BLOCK), OFFLINE)
        self.sync()
        self.assertEqual(self.recorder.events, [])
        self.assertEqual(os.stat(self.state_file()).st_ino, inode)

    def test_other_mode_without_state_change(self):
        self.write_account('work', '[Account]\n')
        self.start_daemon()
        path = account_path('work')
        self.set_state(ROOT_PATH, OFFLINE)
        self.assertEqual(self.reason(path), 'global-offline')
        self.sync()
        self.recorder.clear()
        # Stored and shown, but the effective state does not change: no StateChanged.
        self.assertEqual(self.set_state(path, OFFLINE, BLOCK), OFFLINE)
        self.sync()
        self.assertEqual(self.sequence(path), [('PC', {'RequestedState': OFFLINE})])
        self.assertEqual(self.reason(path), 'global-offline')
        with open(self.state_file()) as f:
            self.assertIn('work=offline', f.read())

        # The global object back ONLINE: the account stays OFFLINE, for its own reason.
        self.recorder.clear()
        self.set_state(ROOT_PATH, ONLINE)
        self.sync()
        self.assertEqual(self.sequence(path), [('PC', {'Reason': 'user-offline'})])


class GlobalOfflineTest(TransitionTestCase):
    def test_global_offline_takes_every_account_offline(self):
        for account_id in ('work', 'home', 'club'):
            self.write_account(account_id, '[Account]\n')
        self.write_state('[Accounts]\nclub=offline\n')
        self.start_daemon()
        self.require_online()
        box = self.wait_answer(self.set_state_async(ROOT_PATH, OFFLINE, BLOCK))
        self.assertEqual(box.get('reply'), OFFLINE)
        self.assert_transition(ROOT_PATH, ONLINE, OFFLINE)
        self.assertEqual(self.reason(ROOT_PATH), 'user-offline')
        for account_id in ('work', 'home'):
            path = account_path(account_id)
            self.assert_transition(path, ONLINE, OFFLINE)
            self.assertEqual(self.get_all(path, IFACE_OFFLINE), {
                'State': OFFLINE, 'RequestedState': ONLINE, 'Reason': 'global-offline',
                'Transitioning': False})
        club = account_path('club')
        self.assertEqual(self.recorder.phases(club), [])
        self.assertEqual(self.reason(club), 'global-offline')
        # Every transition is over when the BLOCK reply comes.
        self.assertEqual(self.recorder.events[-1], ('reply', None, OFFLINE))

        self.recorder.clear()
        self.assertEqual(self.set_state(ROOT_PATH, ONLINE, BLOCK), ONLINE)
        self.sync()
        for account_id in ('work', 'home'):
            self.assert_transition(account_path(account_id), OFFLINE, ONLINE)
        self.assertEqual(self.recorder.phases(club), [])
        self.assertEqual(self.reason(club), 'user-offline')

    def test_global_offline_without_network(self):
        # Whatever the network, the global request wins and is the accounts' reason.
        self.write_account('work', '[Account]\n')
        self.start_daemon()
        self.set_state(ROOT_PATH, OFFLINE)
        self.assertEqual(self.reason(ROOT_PATH), 'user-offline')
        self.assertEqual(self.reason(account_path('work')), 'global-offline')
        self.assertEqual(self.state(account_path('work')), OFFLINE)
        self.assertEqual(self.get(account_path('work'), IFACE_ACCOUNT, 'Id'), 'work')



class StatesChangedTest(TransitionTestCase):
    """The Manager's StatesChanged: one signal per turn with every phase of the turn, sent
    before the objects' own signals and before the reply that follows them."""

    def test_one_signal_for_a_turn_of_many_transitions(self):
        for account_id in ('work', 'home', 'club'):
            self.write_account(account_id, '[Account]\n')
        self.start_daemon()
        self.require_online()
        box = self.wait_answer(self.set_state_async(ROOT_PATH, OFFLINE, BLOCK))
        self.assertEqual(box.get('reply'), OFFLINE)
        self.assertEqual(self.recorder.assert_states_changed_lead(self), 1)
        (entries,) = self.recorder.states_changed()
        # The global object's three phases and every account's, nothing else.
        paths = [ROOT_PATH] + [account_path(a) for a in ('work', 'home', 'club')]
        self.assertEqual(sorted(entries),
                         sorted((p, t, ONLINE, OFFLINE) for p in paths
                                for t in (START, STATECHANGE, DONE)))
        kinds = [e[0] for e in self.recorder.events]
        self.assertEqual(kinds[0], 'StatesChanged')
        self.assertLess(kinds.index('StatesChanged'), kinds.index('reply'))

    def test_a_probed_transition_spans_two_turns(self):
        path = self.probed_account('work', self.open_port(), requested=OFFLINE)
        self.start_daemon()
        self.recorder.clear()
        box = self.wait_answer(self.set_state_async(path, ONLINE, BLOCK))
        self.assertEqual(box.get('reply'), ONLINE)
        self.assertEqual(self.recorder.assert_states_changed_lead(self), 2)
        self.assertEqual(self.recorder.states_changed(), [
            [(path, START, OFFLINE, ONLINE)],
            [(path, STATECHANGE, OFFLINE, ONLINE), (path, DONE, OFFLINE, ONLINE)]])

    def test_no_signal_without_phases(self):
        self.write_account('work', '[Account]\n')
        self.write_state('[Accounts]\nwork=offline\n')
        self.start_daemon()
        self.recorder.clear()
        # Asking for the state the account already has, and renaming it, change no
        # state: no phases, so no StatesChanged.
        self.assertEqual(self.set_state(account_path('work'), OFFLINE), OFFLINE)
        self.update_account('work', {'DisplayName': 'Work'})
        self.sync()
        self.assertEqual(self.recorder.states_changed(), [])
        self.assertNotEqual(self.recorder.events, [])

if __name__ == '__main__':
    main()
