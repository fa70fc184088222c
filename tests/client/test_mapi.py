#!/usr/bin/env python3
"""libofflinemgr's MAPI face against the build tree's daemon, rule by rule of
MAPI-OFFLINE-STATE §13 (the rule numbers are in the test names' docstrings)."""

import os
import re
import signal
import socket

import dbus

from clienttest import BUILD_ROOT, ClientTestCase
from omtest import OFFLINE, ONLINE, ROOT_PATH, account_path, main

S_OK = 'hr 0x00000000'
E_PENDING = 'hr 0x8000000a'
E_INVALIDARG = 'hr 0x80070057'
E_NOINTERFACE = 'hr 0x80004002'
MAPI_E_NOT_FOUND = 'hr 0x8004010f'
MAPI_E_NO_SUPPORT = 'hr 0x80040102'
MAPI_E_NETWORK_ERROR = 'hr 0x80040115'


def notifies(sink, client_token, old, new, thread='dispatch'):
    """The three Notify lines of one transition for one registration."""
    return ['notify %s %d 24 %d 3 %d %d %s' % (sink, client_token, phase, old, new, thread)
            for phase in (1, 2, 3)]


class MapiTestCase(ClientTestCase):
    def mapi(self):
        return self.driver('mapi-driver')

    def tearDown(self):
        # The driver exits non-zero when a sink reference the library took was not given
        # back (and, under helgrind, when it found a thread error).
        try:
            for d in self.drivers:
                if d.proc.poll() is None and not self._failed():
                    status = d.close()
                    self.assertEqual(status, 0, 'the MAPI driver exited with %d' % status)
        finally:
            super().tearDown()

    def hr_token(self, d, command):
        line = d.cmd(command)
        self.assertTrue(line.startswith(S_OK + ' '), '%s: %s' % (command, line))
        token = int(line.split()[2])
        self.assertNotEqual(token, 0)
        return token


class OpenTest(MapiTestCase):
    def test_open_existing_objects(self):
        """Rule 6: S_OK and a non-NULL object with one reference for the caller."""
        self.start_daemon()
        self.add_account('work')
        d = self.mapi()
        self.assertEqual(d.cmd('open g -'), S_OK + ' set')
        self.assertEqual(d.cmd('open e'), S_OK + ' set')     # L"": the global object too
        self.assertEqual(d.cmd('open w work'), S_OK + ' set')
        self.assertEqual(d.cmd('release g'), 'ok 0')
        self.assertEqual(d.cmd('release e'), 'ok 0')
        self.assertEqual(d.cmd('addref w'), 'ok 2')
        self.assertEqual(d.cmd('release w'), 'ok 1')
        self.assertEqual(d.cmd('release w'), 'ok 0')

    def test_open_failures_leave_the_pointer_null(self):
        """Rule 7: MAPI_E_NOT_FOUND and NULL for a wrong GUID and bad reserved
        arguments, whatever the name."""
        self.start_daemon()
        self.add_account('work')
        d = self.mapi()
        for name in ['work', 'Outlook', '-']:
            for opts in ['guid=iid', 'guid=null', 'reserved=1', 'instance=1']:
                command = 'open x %s %s' % (name, opts)
                self.assertEqual(d.cmd(command), MAPI_E_NOT_FOUND + ' null', command)

    def test_profile_names_open_the_global_object(self):
        """Rule 7, deliberate deviation (docs/client-library.md): a name that is no
        account's id is a MAPI profile's, whose global offline object is offlinemgr's
        global object. The library says so on stderr, once per name; account ids and
        NULL go unremarked."""
        self.start_daemon()
        self.add_account('work')
        d = self.driver('mapi-driver', capture_stderr=True)
        names = ['Outlook', 'nosuch', 'bad/id', 'x wide=nonascii', 'x wide=profile', 'a' * 65]
        shown = ['Outlook', 'nosuch', 'bad/id', 'w\\u00f6rk', 'Default Outlook Profile',
                 'a' * 64 + '...']
        for i, name in enumerate(names):
            for again in range(2):
                self.assertEqual(d.cmd('open p%d%d %s' % (i, again, name)), S_OK + ' set', name)
        self.assertEqual(d.cmd('open w work'), S_OK + ' set')
        self.assertEqual(d.cmd('open g -'), S_OK + ' set')
        # Each is the global object: a request through one changes the global state
        # and leaves the account's request alone.
        self.assertEqual(d.cmd('set p00 0x2000 3 1'), S_OK)
        self.assertEqual(self.state(ROOT_PATH), OFFLINE)
        self.assertEqual(d.cmd('state p51'), S_OK + ' 1')
        self.assertEqual(self.get(account_path('work'), 'org.offlinemgr.OfflineMgr1.Offline',
                                  'RequestedState'), ONLINE)
        self.assertEqual(d.stderr_lines(), [
            'libofflinemgr: HrOpenOfflineObj: profile "%s" is no offlinemgr account, so it '
            'opened the global offline object (the user\'s state as a whole); pass an '
            'account id for one account\'s, or NULL for the global one without this notice'
            % name for name in shown])

    def test_profile_notices_are_bounded(self):
        """A process that opens ever new names gets 32 notices, then one line saying no
        more are reported, then silence; each open still works."""
        self.start_daemon()
        d = self.driver('mapi-driver', capture_stderr=True)
        for i in range(36):
            self.assertEqual(d.cmd('open p profile%d' % i), S_OK + ' set')
            self.assertEqual(d.cmd('release p'), 'ok 0')
        lines = d.stderr_lines()
        self.assertEqual(len(lines), 33, lines)
        self.assertEqual([line.split('"')[1] for line in lines[:32]],
                         ['profile%d' % i for i in range(32)])
        self.assertEqual(lines[32], 'libofflinemgr: HrOpenOfflineObj: more than 32 profile '
                         'names that are no account; no more are reported')

    def test_no_daemon_is_a_network_error(self):
        """Rule 7, deliberate deviation (docs/design.md): not running and not activatable."""
        d = self.mapi()
        self.assertEqual(d.cmd('open g -'), MAPI_E_NETWORK_ERROR + ' null')
        self.assertEqual(d.cmd('open w work'), MAPI_E_NETWORK_ERROR + ' null')

    def test_query_interface(self):
        """Rule 9: IUnknown, IMAPIOffline, IMAPIOfflineMgr; E_NOINTERFACE otherwise."""
        self.start_daemon()
        d = self.mapi()
        d.cmd('open g -')
        self.assertEqual(d.cmd('qi g unknown'), S_OK + ' same')
        self.assertEqual(d.cmd('qi g offline'), S_OK + ' same')
        self.assertEqual(d.cmd('qi g mgr'), S_OK + ' same')
        self.assertEqual(d.cmd('qi g notify'), E_NOINTERFACE + ' null')
        self.assertEqual(d.cmd('qi g bogus'), E_NOINTERFACE + ' null')
        # Each successful QueryInterface added a reference, which the driver released.
        self.assertEqual(d.cmd('release g'), 'ok 0')

    def test_placeholders(self):
        """Rules 4 and 5: all 16 slots callable; placeholders MAPI_E_NO_SUPPORT."""
        self.start_daemon()
        d = self.mapi()
        d.cmd('open g -')
        self.assertEqual(d.cmd('placeholders g'), ' '.join(
            [MAPI_E_NO_SUPPORT] + [MAPI_E_NO_SUPPORT[3:]] * 7))
        self.assertEqual(d.cmd('state g'), S_OK + ' 2')


class StateTest(MapiTestCase):
    def test_get_current_state_and_capabilities(self):
        """Rules 11 and 12."""
        self.start_daemon()
        d = self.mapi()
        d.cmd('open g -')
        self.assertEqual(d.cmd('state g'), S_OK + ' 2')
        self.assertEqual(d.cmd('caps g'), S_OK + ' 3')
        self.assertEqual(d.cmd('state g null'), E_INVALIDARG + ' 0')
        self.assertEqual(d.cmd('caps g null'), E_INVALIDARG + ' 0')
        self.set_state(ROOT_PATH, OFFLINE)
        self.assertEqual(d.cmd('state g'), S_OK + ' 1')

    def test_block_returns_after_done(self):
        """Rules 13, 27, 28: BLOCK returns S_OK after this process's DONE callbacks, and
        GetCurrentState then gives the new state."""
        self.start_daemon()
        d = self.mapi()
        d.cmd('open g -')
        d.cmd('sink s')
        self.hr_token(d, 'advise g s 5')
        self.assertEqual(d.cmd('set g 0x2000 3 1'), S_OK)
        self.assertEqual(d.events, notifies('s', 5, ONLINE, OFFLINE))
        self.assertEqual(d.cmd('state g'), S_OK + ' 1')

    def test_default_does_not_wait(self):
        """Rule 14: without BLOCK the call returns S_OK; the transition follows."""
        self.start_daemon()
        d = self.mapi()
        d.cmd('open g -')
        d.cmd('sink s')
        self.hr_token(d, 'advise g s 5')
        self.assertEqual(d.cmd('set g 0 3 1'), S_OK)
        d.wait_notifies(3)
        self.assertEqual(d.notifies(), notifies('s', 5, ONLINE, OFFLINE))

    def test_invalid_arguments_change_nothing(self):
        """Rule 16: E_INVALIDARG, no state change, no notifications; pReserved ignored
        (the driver passes a non-NULL one)."""
        self.start_daemon()
        d = self.mapi()
        d.cmd('open g -')
        d.cmd('sink s')
        self.hr_token(d, 'advise g s 5')
        for command in ['set g 0 1 1', 'set g 0 7 1', 'set g 0 3 0', 'set g 0 3 3',
                        'set g 0x1 3 1', 'set g 0x2001 3 1']:
            self.assertEqual(d.cmd(command), E_INVALIDARG, command)
        self.assertEqual(self.get(ROOT_PATH, 'org.offlinemgr.OfflineMgr1.Offline',
                                  'RequestedState'), ONLINE)
        # The first notifications are those of the next real transition.
        self.assertEqual(d.cmd('set g 0x2000 3 1'), S_OK)
        self.assertEqual(d.events, notifies('s', 5, ONLINE, OFFLINE))

    def test_same_state_again_is_quiet(self):
        """Rule 17: asking for the current state returns S_OK and notifies nothing."""
        self.start_daemon()
        d = self.mapi()
        d.cmd('open g -')
        d.cmd('sink s')
        self.hr_token(d, 'advise g s 5')
        self.assertEqual(d.cmd('set g 0x2000 3 2'), S_OK)
        self.assertEqual(d.cmd('set g 0 3 2'), S_OK)
        self.assertEqual(d.cmd('set g 0x2000 3 1'), S_OK)
        self.assertEqual(d.events, notifies('s', 5, ONLINE, OFFLINE))

    def test_pending_during_a_transition(self):
        """Rule 15 (and SetCurrentState's Pending → E_PENDING): while a probed
        transition is under way every SetCurrentState returns E_PENDING; once it is
        done calls are accepted again."""
        self.write_config('[Policy]\nOfflineDelayMs=0\nOnlineDelayMs=0\nProbeTimeoutMs=1500\n')
        # A TCP port whose accept queue is full: connecting to it hangs until the probe
        # gives up, which keeps the transition under way for that long.
        listener = socket.socket()
        self.addCleanup(listener.close)
        listener.bind(('127.0.0.1', 0))
        listener.listen(0)
        port = listener.getsockname()[1]
        fillers = []
        for _ in range(4):
            s = socket.socket()
            s.setblocking(False)
            s.connect_ex(('127.0.0.1', port))
            fillers.append(s)
        self.addCleanup(lambda: [s.close() for s in fillers])
        self.start_daemon()
        # Asked OFFLINE first, so that no probe runs before the test starts one.
        self.add_account('slow')
        path = account_path('slow')
        self.set_state(path, OFFLINE)
        self.update_account('slow', {'Host': '127.0.0.1', 'Port': dbus.UInt32(port),
                                     'CheckReachability': True})
        d = self.mapi()
        d.cmd('open w slow')
        d.cmd('sink s')
        self.hr_token(d, 'advise w s 5')
        self.assertEqual(d.cmd('set w 0 3 2'), S_OK)
        self.wait_until(lambda: self.get(path, 'org.offlinemgr.OfflineMgr1.Offline',
                                         'Transitioning'), 5, 'the probe to start')
        self.assertEqual(d.cmd('set w 0 3 1'), E_PENDING)
        self.assertEqual(d.cmd('set w 0x2000 3 1'), E_PENDING)
        # The probe fails: an abandoned transition, START(1, 2) then DONE(1, 1).
        d.wait_notifies(2, timeout=20)
        self.assertEqual(d.notifies(), [
            'notify s 5 24 1 3 1 2 dispatch', 'notify s 5 24 3 3 1 1 dispatch'])
        self.assertEqual(d.cmd('set w 0x2000 3 1'), S_OK)


class AdviseTest(MapiTestCase):
    def test_advise_and_tokens(self):
        """Rules 18, 22: S_OK and distinct non-zero tokens; each registration is
        notified; rules 25, 26: ulSize 24, the client token, mask 3, states 1/2."""
        self.start_daemon()
        d = self.mapi()
        d.cmd('open g -')
        d.cmd('sink a')
        d.cmd('sink b')
        t1 = self.hr_token(d, 'advise g a 100')
        t2 = self.hr_token(d, 'advise g b 200')
        t3 = self.hr_token(d, 'advise g a 300')
        self.assertEqual(len({t1, t2, t3}), 3)
        self.assertEqual(d.cmd('set g 0x2000 3 1'), S_OK)
        self.assertEqual(d.events, [line for triple in zip(
            notifies('a', 100, ONLINE, OFFLINE), notifies('b', 200, ONLINE, OFFLINE),
            notifies('a', 300, ONLINE, OFFLINE)) for line in triple])

    def test_invalid_advise_registers_nothing(self):
        """Rule 19: E_INVALIDARG, token 0, no reference taken, nothing registered."""
        self.start_daemon()
        d = self.mapi()
        d.cmd('open g -')
        d.cmd('sink s')
        for opts in ['flags=1', 'size=31', 'size=0', 'cbtype=1', 'types=0', 'types=2',
                     'nocb', 'noinfo']:
            self.assertEqual(d.cmd('advise g s 5 ' + opts), E_INVALIDARG + ' 0', opts)
        self.assertEqual(d.cmd('advise g s 5 notoken'), E_INVALIDARG + ' 12345')
        self.assertEqual(d.cmd('refs s'), 'ok 1')
        d.cmd('sink n noiface')
        # Rule 20: no IMAPIOfflineNotify behind pCallback.
        self.assertEqual(d.cmd('advise g n 6'), E_NOINTERFACE + ' 0')
        self.assertEqual(d.cmd('refs n'), 'ok 1')
        d.cmd('sink ok')
        self.hr_token(d, 'advise g ok 7 size=64')  # a larger ulSize is accepted
        self.assertEqual(d.cmd('set g 0x2000 3 1'), S_OK)
        self.assertEqual(d.events, notifies('ok', 7, ONLINE, OFFLINE))

    def test_one_reference_until_unadvise(self):
        """Rule 21: the sink's count goes up by one on Advise and back on Unadvise."""
        self.start_daemon()
        d = self.mapi()
        d.cmd('open g -')
        d.cmd('sink s')
        self.assertEqual(d.cmd('refs s'), 'ok 1')
        t1 = self.hr_token(d, 'advise g s 1')
        self.assertEqual(d.cmd('refs s'), 'ok 2')
        t2 = self.hr_token(d, 'advise g s 2')
        self.assertEqual(d.cmd('refs s'), 'ok 3')
        d.cmd('set g 0x2000 3 1')
        self.assertEqual(d.cmd('refs s'), 'ok 3')
        self.assertEqual(d.cmd('unadvise g %d' % t1), S_OK)
        self.assertEqual(d.cmd('refs s'), 'ok 2')
        self.assertEqual(d.cmd('unadvise g %d' % t2), S_OK)
        self.assertEqual(d.cmd('refs s'), 'ok 1')

    def test_unadvise_always_succeeds(self):
        """Rules 23, 24: S_OK for 0, unknown and removed tokens; no Notify afterwards."""
        self.start_daemon()
        d = self.mapi()
        d.cmd('open g -')
        d.cmd('sink s')
        d.cmd('sink t')
        t = self.hr_token(d, 'advise g s 1')
        self.hr_token(d, 'advise g t 2')
        self.assertEqual(d.cmd('unadvise g 0'), S_OK)
        self.assertEqual(d.cmd('unadvise g 987654'), S_OK)
        self.assertEqual(d.cmd('unadvise g %d 7' % t), S_OK)   # ulFlags is not checked
        self.assertEqual(d.cmd('unadvise g %d' % t), S_OK)
        self.assertEqual(d.cmd('set g 0x2000 3 1'), S_OK)
        self.assertEqual(d.events, notifies('t', 2, ONLINE, OFFLINE))

    def test_state_mask_filters(self):
        """Rule 29: registrations whose ulStateMask misses the offline bits get nothing."""
        self.start_daemon()
        d = self.mapi()
        d.cmd('open g -')
        d.cmd('sink s')
        d.cmd('sink t')
        self.hr_token(d, 'advise g s 1 mask=0x300')
        self.hr_token(d, 'advise g t 2 mask=0x1')
        d.cmd('set g 0x2000 3 1')
        self.assertEqual(d.events, notifies('t', 2, ONLINE, OFFLINE))

    def test_handles_share_state(self):
        """Rule 8: a change through one handle shows on the other and fires the callbacks
        registered through both."""
        self.start_daemon()
        self.add_account('work')
        d = self.mapi()
        d.cmd('open a work')
        d.cmd('open b work')
        d.cmd('sink s')
        d.cmd('sink t')
        self.hr_token(d, 'advise a s 1')
        self.hr_token(d, 'advise b t 2')
        self.assertEqual(d.cmd('set a 0x2000 3 1'), S_OK)
        self.assertEqual(d.cmd('state b'), S_OK + ' 1')
        self.assertEqual(d.events, [line for pair in zip(
            notifies('s', 1, ONLINE, OFFLINE), notifies('t', 2, ONLINE, OFFLINE))
            for line in pair])

    def test_release_ends_registrations(self):
        """The last Release of an object releases its registrations' sinks."""
        self.start_daemon()
        d = self.mapi()
        d.cmd('open g -')
        d.cmd('open h -')
        d.cmd('sink s')
        self.hr_token(d, 'advise g s 1')
        self.hr_token(d, 'advise g s 2')
        self.assertEqual(d.cmd('refs s'), 'ok 3')
        self.assertEqual(d.cmd('release g'), 'ok 0')
        self.assertEqual(d.cmd('refs s'), 'ok 1')
        self.assertEqual(d.cmd('set h 0x2000 3 1'), S_OK)
        self.assertEqual(d.events, [])

    def test_many_registrations_share_one_match_rule(self):
        self.start_daemon()
        d = self.mapi()
        d.cmd('open g -')
        d.cmd('open h -')
        d.cmd('sink s')
        for i in range(1, 11):
            self.hr_token(d, 'advise %s s %d' % ('g' if i % 2 else 'h', i))
        name = self.bus_connection_of(d.proc.pid)
        rules = [r for r in self.match_rules(name) if 'StatesChanged' in r]
        self.assertEqual(len(rules), 1, rules)
        self.assertEqual(d.cmd('release g'), 'ok 0')
        self.assertEqual(len([r for r in self.match_rules(name) if 'StatesChanged' in r]), 1)
        self.assertEqual(d.cmd('release h'), 'ok 0')
        self.assertEqual([r for r in self.match_rules(name) if 'StatesChanged' in r], [])


class ReentrancyTest(MapiTestCase):
    def test_calls_from_inside_notify(self):
        """Rules 31, 32: from inside Notify, Get*, Advise, Unadvise (of itself) and
        Release work; BLOCK returns E_PENDING at once; without BLOCK the call is sent."""
        self.start_daemon()
        d = self.mapi()
        d.cmd('open g -')
        d.cmd('open spare -')
        d.cmd('sink s')
        d.cmd('sink n')
        t = self.hr_token(d, 'advise g s 5')
        d.cmd('on 5 1 state g')
        d.cmd('on 5 1 caps g')
        d.cmd('on 5 2 advise g n 6')
        d.cmd('on 5 3 set g 0x2000 3 2')
        d.cmd('on 5 3 unadvise g %d' % t)
        d.cmd('on 5 3 release spare')
        d.cmd('on 5 3 set g 0 3 2')
        self.assertEqual(d.cmd('set g 0x2000 3 1'), S_OK)
        self.assertEqual(d.events[:7], [
            'notify s 5 24 1 3 2 1 dispatch', 'incb hr 0x00000000 1',
            'incb hr 0x00000000 3',
            'notify s 5 24 2 3 2 1 dispatch', d.events[4],
            'notify s 5 24 3 3 2 1 dispatch', 'incb ' + E_PENDING])
        self.assertTrue(d.events[4].startswith('incb ' + S_OK + ' '), d.events)
        self.assertEqual(d.events[7:10], ['incb ' + S_OK, 'incb ok 0', 'incb ' + S_OK])
        # The new registration saw none of the transition it was made in; it sees the
        # one the callback started, and the unadvised one sees nothing more.
        d.wait_notifies(6)
        self.assertEqual(d.notifies()[3:], notifies('n', 6, OFFLINE, ONLINE))
        self.assertEqual(d.cmd('refs s'), 'ok 1')


class RestartTest(MapiTestCase):
    def test_monitor_survives_sigkill(self):
        """Registrations survive a daemon restart; calls fail at once meanwhile."""
        self.start_daemon()
        d = self.mapi()
        d.cmd('open g -')
        d.cmd('sink s')
        self.hr_token(d, 'advise g s 5')
        self.stop_daemon(signal.SIGKILL, expect=-signal.SIGKILL)
        self.assertEqual(d.cmd('state g'), MAPI_E_NETWORK_ERROR + ' 0')
        self.assertEqual(d.cmd('set g 0x2000 3 1'), MAPI_E_NETWORK_ERROR)
        os.makedirs(self.state_dir, exist_ok=True)
        with open(self.state_file(), 'w') as f:
            f.write('[Global]\nRequestedState=offline\n')
        self.start_daemon()
        d.wait_notifies(3)
        self.assertEqual(d.notifies(), notifies('s', 5, ONLINE, OFFLINE))
        self.assertEqual(d.cmd('set g 0x2000 3 2'), S_OK)
        self.assertEqual(d.notifies()[3:], notifies('s', 5, OFFLINE, ONLINE))


class ThreadTest(MapiTestCase):
    def test_concurrent_use(self):
        """Rules 21, 24, 27, 28, 31-33 under concurrent use (tests/client/mapi-threads.c
        checks itself; OM_CLIENT_WRAPPER runs it under helgrind)."""
        self.start_daemon()
        wrapper = os.environ.get('OM_CLIENT_WRAPPER', '').split()
        status, out, err = self.run_program(
            wrapper + [os.path.join(BUILD_ROOT, 'tests', 'client', 'mapi-threads')], 25)
        self.assertEqual(status, 0, err)
        self.assertEqual(out, 'ok\n')


class SampleChecks:
    """Runs a port of Outlook's Offline State sample add-in (self.program, in
    client-lib/); the C and the C++ port print the same."""

    program = 'offline-state-sample'

    def run_sample(self, *args, stderr=''):
        wrapper = os.environ.get('OM_CLIENT_WRAPPER', '').split()
        status, out, err = self.run_program(
            wrapper + [os.path.join(BUILD_ROOT, 'client-lib', self.program)] + list(args))
        # Without a valgrind wrapper's lines (==pid==).
        self.assertEqual(''.join(line for line in err.splitlines(True)
                                 if not re.match(r'==\d+==', line)), stderr)
        return status, out.splitlines()

    def notify_lines(self, old, new):
        names = {ONLINE: 'MAPIOFFLINE_STATE_ONLINE', OFFLINE: 'MAPIOFFLINE_STATE_OFFLINE'}
        return ['Notify: ulSize 24, MAPIOFFLINE_NOTIFY_TYPE_%s, ulClientToken 0, '
                'MAPIOFFLINE_STATE_OFFLINE_MASK, %s -> %s' % (phase, names[old], names[new])
                for phase in ('STATECHANGE_START', 'STATECHANGE', 'STATECHANGE_DONE')]

    def check_sample_flow_on_an_account(self):
        self.start_daemon()
        self.add_account('work')
        status, lines = self.run_sample('--profile', 'work', 'init', 'get', 'set-offline',
                                        'get', 'set-online', 'deinit', 'deinit')
        self.assertEqual(status, 0, lines)
        self.assertEqual(lines, [
            'InitMonitor: HrOpenOfflineObj returned 0x00000000',
            'InitMonitor: QueryInterface(IID_IMAPIOffline) returned 0x00000000',
            'InitMonitor: GetCapabilities returned 0x00000000',
            'InitMonitor: MAPIOFFLINE_CAPABILITY_OFFLINE',
            'InitMonitor: MAPIOFFLINE_CAPABILITY_ONLINE',
            'InitMonitor: Advise returned 0x00000000',
            lines[6],
            'GetCurrentState returned 0x00000000',
            'GetCurrentState: MAPIOFFLINE_STATE_ONLINE',
            'SetCurrentState: MAPIOFFLINE_STATE_OFFLINE, MAPIOFFLINE_FLAG_BLOCK',
        ] + self.notify_lines(ONLINE, OFFLINE) + [
            'SetCurrentState returned 0x00000000',
            'GetCurrentState returned 0x00000000',
            'GetCurrentState: MAPIOFFLINE_STATE_OFFLINE',
            'SetCurrentState: MAPIOFFLINE_STATE_ONLINE, MAPIOFFLINE_FLAG_BLOCK',
        ] + self.notify_lines(OFFLINE, ONLINE) + [
            'SetCurrentState returned 0x00000000',
            # Unadvise gives the sink its last reference back before it returns.
            'CMyOfflineNotify: released',
            'DeInitMonitor: Unadvise returned 0x00000000',
        ])
        self.assertRegex(lines[6], r'^InitMonitor: advise token [1-9][0-9]*$')
        self.assertEqual(self.state(account_path('work')), ONLINE)

    def check_sample_without_a_monitor_and_a_profile_name(self):
        self.start_daemon()
        status, lines = self.run_sample('set-offline', 'get')
        self.assertEqual(status, 0, lines)
        self.assertEqual(lines, [
            'HrOpenOfflineObj returned 0x00000000',
            'SetCurrentState: MAPIOFFLINE_STATE_OFFLINE, MAPIOFFLINE_FLAG_BLOCK',
            'SetCurrentState returned 0x00000000',
            'HrOpenOfflineObj returned 0x00000000',
            'GetCurrentState returned 0x00000000',
            'GetCurrentState: MAPIOFFLINE_STATE_OFFLINE',
        ])
        # A MAPI profile's name: the global object, which went offline above.
        status, lines = self.run_sample(
            '--profile', 'Outlook', 'init', 'get', stderr=(
                'libofflinemgr: HrOpenOfflineObj: profile "Outlook" is no offlinemgr account, '
                'so it opened the global offline object (the user\'s state as a whole); pass '
                'an account id for one account\'s, or NULL for the global one without this '
                'notice\n'))
        self.assertEqual(status, 0, lines)
        self.assertEqual(lines[0], 'InitMonitor: HrOpenOfflineObj returned 0x00000000')
        self.assertEqual(lines[-4:], ['GetCurrentState returned 0x00000000',
                                      'GetCurrentState: MAPIOFFLINE_STATE_OFFLINE',
                                      'CMyOfflineNotify: released',
                                      'DeInitMonitor: Unadvise returned 0x00000000'])


class ExampleTest(SampleChecks, MapiTestCase):
    """The C port of the sample add-in, built and run."""

    def test_sample_flow_on_an_account(self):
        self.check_sample_flow_on_an_account()

    def test_sample_without_a_monitor_and_a_profile_name(self):
        self.check_sample_without_a_monitor_and_a_profile_name()


if __name__ == '__main__':
    main()
