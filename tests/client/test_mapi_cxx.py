#!/usr/bin/env python3
"""libofflinemgr's MAPI face from C++, against the build tree's daemon: code in the
style of Outlook's sample add-in and of Kopano's ECOfflineState
(tests/client/mapi-cxx-driver.cpp), and the C++ port of the sample
(client-lib/examples/offline-state-sample.cpp). All of it is built with the project's
-Wall -Wextra -Werror against <offlinemgr/mapioffline.h> as installed programs include
it."""

import re

from omtest import OFFLINE, ONLINE, ROOT_PATH, account_path, main
from test_mapi import MAPI_E_NETWORK_ERROR, S_OK, MapiTestCase, SampleChecks

NOTICE = ('libofflinemgr: HrOpenOfflineObj: profile "%s" is no offlinemgr account, so it '
          'opened the global offline object (the user\'s state as a whole); pass an account '
          'id for one account\'s, or NULL for the global one without this notice')


def notifies(sink, old, new):
    """The three Notify lines of one transition, client token 0, on the library's
    thread."""
    return ['notify %s 0 24 %d 3 %d %d dispatch' % (sink, phase, old, new)
            for phase in (1, 2, 3)]


class CxxTestCase(MapiTestCase):
    def cxx(self, capture_stderr=False):
        return self.driver('mapi-cxx-driver', capture_stderr=capture_stderr)

    def init(self, d, name, *opts):
        """InitMonitor: S_OK, both capabilities, a non-zero advise token."""
        line = d.cmd(' '.join(('init', name) + opts))
        m = re.match(r'^hr 0x00000000 caps 3 token ([1-9][0-9]*)$', line)
        self.assertIsNotNone(m, line)
        return int(m.group(1))

    def sinks(self, d):
        """{created, live, refs, addref, release} of the driver's sinks."""
        words = d.ok('sinks').split()
        return {words[i]: int(words[i + 1]) for i in range(0, len(words), 2)}


class CxxAddinTest(CxxTestCase):
    """The sample add-in's InitMonitor/DeInitMonitor and its helpers, in C++."""

    def test_monitor_gets_every_phase_of_a_change_through_a_second_object(self):
        """A CMyOfflineNotify registered by InitMonitor gets START, STATECHANGE and DONE
        of a change made with BLOCK through another object, before that call returns
        (rules 13, 26, 27, 28), and again on the way back."""
        self.start_daemon()
        d = self.cxx()
        self.init(d, '-')
        self.assertEqual(d.cmd('set - 0x2000 1'), S_OK)
        self.assertEqual(d.events, notifies('CMyOfflineNotify', ONLINE, OFFLINE))
        self.assertEqual(d.cmd('get -'), S_OK + ' 1')
        self.assertEqual(self.state(ROOT_PATH), OFFLINE)
        self.assertEqual(d.cmd('set - 0x2000 2'), S_OK)
        self.assertEqual(d.events[3:], notifies('CMyOfflineNotify', OFFLINE, ONLINE))
        self.assertEqual(d.cmd('deinit'), S_OK)
        self.assertEqual(self.sinks(d)['live'], 0)

    def test_monitor_sees_an_account_change_made_elsewhere(self):
        """A change of the account from another client reaches the sink."""
        self.start_daemon()
        self.add_account('work')
        d = self.cxx()
        self.init(d, 'work')
        self.set_state(account_path('work'), OFFLINE)
        d.wait_notifies(3)
        self.assertEqual(d.notifies(), notifies('CMyOfflineNotify', ONLINE, OFFLINE))
        self.assertEqual(d.cmd('get work'), S_OK + ' 1')
        self.assertEqual(d.cmd('get -'), S_OK + ' 2')   # the global object did not move
        self.assertEqual(d.cmd('deinit'), S_OK)

    def test_references_follow_com_rules(self):
        """Advise takes one reference on the sink (through its QueryInterface), Unadvise
        gives it back, and the sink goes with its last Release (rule 21); the driver
        checks at exit that every sink's AddRefs and Releases balance."""
        self.start_daemon()
        d = self.cxx()
        self.init(d, '-')
        # The creator's reference went back after Advise: the registration's is left.
        self.assertEqual(self.sinks(d), {'created': 1, 'live': 1, 'refs': 1, 'addref': 1,
                                         'release': 1})
        self.assertEqual(d.cmd('set - 0x2000 1'), S_OK)
        self.assertEqual(self.sinks(d)['refs'], 1)
        self.assertEqual(d.cmd('deinit'), S_OK)
        self.assertEqual(self.sinks(d), {'created': 1, 'live': 0, 'refs': 0, 'addref': 1,
                                         'release': 2})
        # Releasing the monitor's object without Unadvise ends the registration too.
        self.init(d, '-')
        self.assertEqual(d.ok('release-monitor'), '0')
        self.assertEqual(self.sinks(d), {'created': 2, 'live': 0, 'refs': 0, 'addref': 2,
                                         'release': 4})
        self.assertEqual(d.cmd('set - 0x2000 2'), S_OK)
        self.assertEqual(d.notifies(), notifies('CMyOfflineNotify', ONLINE, OFFLINE))

    def test_sink_with_another_interface_first(self):
        """pCallback is another interface's IUnknown; the library notifies the
        IMAPIOfflineNotify part its QueryInterface returns, at another address."""
        self.start_daemon()
        d = self.cxx()
        self.init(d, '-', 'multi')
        self.assertEqual(d.cmd('set - 0x2000 1'), S_OK)
        self.assertEqual(d.events, notifies('CMultiNotify', ONLINE, OFFLINE))
        self.assertEqual(d.cmd('deinit'), S_OK)
        self.assertEqual(self.sinks(d), {'created': 1, 'live': 0, 'refs': 0, 'addref': 1,
                                         'release': 2})

    def test_profile_name_monitors_the_global_object(self):
        """The sample passes its MAPI profile's name: the global object, with one notice
        on stderr for the process however often the name is used."""
        self.start_daemon()
        self.add_account('work')
        d = self.cxx(capture_stderr=True)
        self.init(d, 'Outlook')
        self.assertEqual(d.cmd('set Outlook 0x2000 1'), S_OK)
        self.assertEqual(d.events, notifies('CMyOfflineNotify', ONLINE, OFFLINE))
        self.assertEqual(self.state(ROOT_PATH), OFFLINE)
        self.assertEqual(d.cmd('get Outlook'), S_OK + ' 1')
        self.assertEqual(d.cmd('deinit'), S_OK)
        self.assertEqual(d.stderr_lines(), [NOTICE % 'Outlook'])

    def test_no_daemon(self):
        """Without a daemon InitMonitor stops at HrOpenOfflineObj, and nothing leaks."""
        d = self.cxx()
        self.assertEqual(d.cmd('init -'), MAPI_E_NETWORK_ERROR + ' caps 0 token 0')
        self.assertEqual(d.cmd('deinit'), S_OK)   # nothing to end
        self.assertEqual(self.sinks(d)['created'], 0)


class CxxKopanoTest(CxxTestCase):
    """Kopano's ECOfflineState::GetOfflineState/SetOfflineState: the offline object
    when HrOpenOfflineObj gives one, else a cached state of its own."""

    def test_get_and_set_an_account(self):
        self.start_daemon()
        self.add_account('work')
        d = self.cxx()
        self.assertEqual(d.ok('kget work'), 'online hr 0x00000000 get 0x00000000')
        # MAPIOFFLINE_FLAG_DEFAULT: the transition follows the call.
        self.assertEqual(d.ok('kset work offline'), 'hr 0x00000000 set 0x00000000')
        self.wait_state(account_path('work'), OFFLINE)
        self.assertEqual(self.state(ROOT_PATH), ONLINE)
        self.assertEqual(d.ok('kget work'), 'offline hr 0x00000000 get 0x00000000')

    def test_profile_name_is_the_global_state(self):
        """Kopano passes its profile name. Once that gave MAPI_E_NOT_FOUND and Kopano
        answered from its cache without a word; now it reads and sets the global state,
        and the library says once which object the name opened."""
        self.start_daemon()
        d = self.cxx(capture_stderr=True)
        self.set_state(ROOT_PATH, OFFLINE, flags=0x2000)
        # The cache says online; the answer is the daemon's.
        self.assertEqual(d.ok('kget Outlook'), 'offline hr 0x00000000 get 0x00000000')
        self.assertEqual(d.ok('kset Outlook online'), 'hr 0x00000000 set 0x00000000')
        self.wait_state(ROOT_PATH, ONLINE)
        self.assertEqual(d.ok('kget Outlook'), 'online hr 0x00000000 get 0x00000000')
        self.assertEqual(d.stderr_lines(), [NOTICE % 'Outlook'])

    def test_no_daemon_falls_back_to_the_cache(self):
        """Without a daemon Kopano's code answers from its cache: the open failed with
        MAPI_E_NETWORK_ERROR, not with the NOT_FOUND of an unknown profile."""
        d = self.cxx()
        self.assertEqual(d.ok('kset work offline'), 'hr %s set 0x00000000'
                         % MAPI_E_NETWORK_ERROR[3:])
        self.assertEqual(d.ok('kget work'), 'offline hr %s get 0x00000000'
                         % MAPI_E_NETWORK_ERROR[3:])


class CxxExampleTest(SampleChecks, MapiTestCase):
    """The C++ port of the sample add-in, built and run: it prints what the C port
    prints."""

    program = 'offline-state-sample-cxx'

    def test_sample_flow_on_an_account(self):
        self.check_sample_flow_on_an_account()

    def test_sample_without_a_monitor_and_a_profile_name(self):
        self.check_sample_without_a_monitor_and_a_profile_name()


if __name__ == '__main__':
    main()
