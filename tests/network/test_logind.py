#!/usr/bin/env python3
"""logind: PrepareForSleep takes everything OFFLINE ("suspended") at once and resume
re-evaluates at once, under a sleep delay lock; no logind is normal."""

from nettest import NM_STATE_CONNECTED_GLOBAL, NetworkTestCase
from omtest import DONE, OFFLINE, ONLINE, ROOT_PATH, START, STATECHANGE, account_path, main

# Debounce delays far longer than any wait here: whatever happens did not wait for them.
LONG_DELAYS = (60000, 60000)


class LogindTest(NetworkTestCase):
    def our_locks(self):
        return [i for i in self.inhibitors() if i[1] == 'offlinemgr']

    def wait_lock(self, held):
        self.wait_until(lambda: bool(self.our_locks()) == held, 5,
                        'the sleep delay lock to be %s' % ('held' if held else 'released'))

    def test_suspend_and_resume_act_at_once(self):
        self.start_nm(State=NM_STATE_CONNECTED_GLOBAL)
        self.start_logind()
        self.write_account('work', '[Account]\n')
        self.write_account('home', '[Account]\n')
        self.start_daemon(delays=LONG_DELAYS)
        paths = [ROOT_PATH, account_path('work'), account_path('home')]
        self.wait_lock(True)
        lock = self.our_locks()[0]
        self.assertEqual((lock[0], lock[3]), ('sleep', 'delay'))

        self.prepare_for_sleep(True)
        for path in paths:
            self.wait_phases(path, 3)
            self.assert_transition(path, ONLINE, OFFLINE)
            self.assertEqual(self.reason(path), 'suspended')
        # The notifications are out: the machine may sleep.
        self.wait_lock(False)

        self.recorder.clear()
        self.prepare_for_sleep(False)
        for path in paths:
            self.wait_phases(path, 3)
            self.assert_transition(path, OFFLINE, ONLINE)
            self.assertEqual(self.reason(path), '')
        # Ready for the next sleep.
        self.wait_lock(True)

    def test_requested_offline_wins_over_suspended(self):
        self.start_nm(State=NM_STATE_CONNECTED_GLOBAL)
        self.start_logind()
        self.write_account('work', '[Account]\n')
        self.start_daemon(delays=LONG_DELAYS)
        work = account_path('work')
        self.set_state(work, OFFLINE)
        self.sync()
        self.recorder.clear()
        self.prepare_for_sleep(True)
        self.wait_phases(ROOT_PATH, 3)
        self.sync()
        # Already OFFLINE: no transition, and its reason stays the user's.
        self.assertEqual(self.recorder.phases(work), [])
        self.assertEqual(self.reason(work), 'user-offline')
        self.prepare_for_sleep(False)
        self.wait_reason(ROOT_PATH, '')
        self.assertEqual(self.reason(work), 'user-offline')

    def test_no_logind_then_logind_appears(self):
        self.start_nm(State=NM_STATE_CONNECTED_GLOBAL)
        self.start_daemon(delays=LONG_DELAYS)
        self.assertEqual(self.reason(), '')
        self.start_logind()
        self.wait_lock(True)
        self.prepare_for_sleep(True)
        self.wait_reason(ROOT_PATH, 'suspended')

    def test_logind_leaving_ends_a_suspension(self):
        self.start_nm(State=NM_STATE_CONNECTED_GLOBAL)
        self.start_logind()
        self.start_daemon(delays=LONG_DELAYS)
        self.wait_lock(True)
        self.prepare_for_sleep(True)
        self.wait_reason(ROOT_PATH, 'suspended')
        # Nobody is left to say that the machine woke up.
        self.stop_standin('logind')
        self.wait_reason(ROOT_PATH, '')
        self.assertEqual(self.recorder.phases(ROOT_PATH)[-3:], [
            (START, OFFLINE, ONLINE), (STATECHANGE, OFFLINE, ONLINE), (DONE, OFFLINE, ONLINE)])


if __name__ == '__main__':
    main()
