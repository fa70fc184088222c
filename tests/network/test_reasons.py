#!/usr/bin/env python3
"""Every reason through the bus, driven by the NetworkManager stand-in: each change of
the effective state is one transition, a change of reason alone is only a Reason
property change. (suspended: test_logind.py; unreachable: test_probe.py;
no-network-monitor: test_netlink.py.)"""

import dbus

from nettest import (AC_ACTIVATED, AC_ACTIVATING, AC_DEACTIVATING, NM_CONNECTIVITY_FULL,
                     NM_CONNECTIVITY_LIMITED, NM_CONNECTIVITY_NONE, NM_CONNECTIVITY_PORTAL,
                     NM_CONNECTIVITY_UNKNOWN, NM_METERED_GUESS_NO, NM_METERED_GUESS_YES,
                     NM_METERED_NO, NM_METERED_UNKNOWN, NM_METERED_YES, NM_STATE_ASLEEP,
                     NM_STATE_CONNECTED_GLOBAL, NM_STATE_CONNECTED_LOCAL,
                     NM_STATE_CONNECTED_SITE, NM_STATE_DISCONNECTED, NetworkTestCase)
from omtest import OFFLINE, ONLINE, ROOT_PATH, account_path, main


def strv(*items):
    return dbus.Array(items, signature='s')


class ReasonTest(NetworkTestCase):
    def setUp(self):
        super().setUp()
        self.start_nm(State=NM_STATE_CONNECTED_GLOBAL, Connectivity=NM_CONNECTIVITY_FULL,
                      Metered=NM_METERED_GUESS_NO)

    def expect(self, reasons):
        """Waits until every path has its reason, then checks them all at once."""
        for path, reason in reasons.items():
            self.wait_reason(path, reason)
        self.assertEqual({p: self.reason(p) for p in reasons}, reasons)

    def test_requested_modes(self):
        self.start_daemon()
        work, home = self.add_account_sync('work'), self.add_account_sync('home')
        self.set_state(work, OFFLINE)
        self.expect({ROOT_PATH: '', work: 'user-offline', home: ''})
        self.set_state(ROOT_PATH, OFFLINE)
        self.expect({ROOT_PATH: 'user-offline', work: 'global-offline',
                     home: 'global-offline'})
        self.set_state(ROOT_PATH, ONLINE)
        self.expect({ROOT_PATH: '', work: 'user-offline', home: ''})

    def test_networking_disabled_and_no_network(self):
        self.start_daemon()
        work = self.add_account_sync('work')
        self.nm_set(NetworkingEnabled=False, State=NM_STATE_ASLEEP,
                    Connectivity=NM_CONNECTIVITY_NONE)
        self.expect({ROOT_PATH: 'networking-disabled', work: 'networking-disabled'})
        self.sync()
        self.recorder.clear()
        # Still OFFLINE, for another reason: Reason changes, no transition.
        self.nm_set(NetworkingEnabled=True, State=NM_STATE_DISCONNECTED)
        self.expect({ROOT_PATH: 'no-network', work: 'no-network'})
        self.sync()
        self.assertEqual(self.recorder.phases(work), [])
        self.assertEqual(self.recorder.property_changes(work), [{'Reason': 'no-network'}])
        # Connected, but NetworkManager says there is no connectivity at all.
        self.nm_set(State=NM_STATE_CONNECTED_GLOBAL)
        self.expect({ROOT_PATH: 'no-network', work: 'no-network'})
        self.nm_set(Connectivity=NM_CONNECTIVITY_FULL)
        self.expect({ROOT_PATH: '', work: ''})
        self.assert_transition(work, OFFLINE, ONLINE, self.recorder.phases(work))

    def test_min_connectivity(self):
        self.start_daemon()
        full = self.add_account_sync('full', {'MinConnectivity': 'full'})
        limited = self.add_account_sync('limited', {'MinConnectivity': 'limited'})
        portal = self.add_account_sync('portal', {'MinConnectivity': 'portal'})
        self.nm_set(State=NM_STATE_CONNECTED_SITE, Connectivity=NM_CONNECTIVITY_PORTAL)
        self.expect({ROOT_PATH: '', full: 'portal', limited: 'portal', portal: ''})
        self.nm_set(Connectivity=NM_CONNECTIVITY_LIMITED)
        self.expect({ROOT_PATH: '', full: 'limited', limited: '', portal: ''})
        # Checks off (UNKNOWN): full with a default route...
        self.nm_set(State=NM_STATE_CONNECTED_GLOBAL, Connectivity=NM_CONNECTIVITY_UNKNOWN)
        self.expect({full: '', limited: '', portal: ''})
        # ... limited without one.
        self.nm_set(State=NM_STATE_CONNECTED_LOCAL, PrimaryConnection='/')
        self.expect({ROOT_PATH: '', full: 'limited', limited: '', portal: ''})

    def test_metered(self):
        self.start_daemon()
        frugal = self.add_account_sync('frugal', {'AllowMetered': dbus.Boolean(False)})
        lavish = self.add_account_sync('lavish')
        for metered, reason in ((NM_METERED_YES, 'metered'), (NM_METERED_NO, ''),
                                (NM_METERED_GUESS_YES, 'metered'), (NM_METERED_UNKNOWN, ''),
                                (NM_METERED_YES, 'metered'), (NM_METERED_GUESS_NO, '')):
            self.nm_set(Metered=metered)
            self.expect({frugal: reason, lavish: ''})
        self.assertEqual(self.recorder.phases(lavish), [])

    def test_required_connections(self):
        self.start_daemon()
        by_id = self.add_account_sync('byid', {'RequireConnections': strv('office-vpn')})
        by_uuid = self.add_account_sync('byuuid',
                                        {'RequireConnections': strv('uuid-of-vpn')})
        either = self.add_account_sync('either',
                                       {'RequireConnections': strv('office-vpn', 'Wired')})
        self.expect({ROOT_PATH: '', by_id: 'connection-inactive',
                     by_uuid: 'connection-inactive', either: 'connection-inactive'})
        wired = self.nm_add_active('Wired')
        self.expect({by_id: 'connection-inactive', either: ''})
        vpn = self.nm_add_active('office-vpn', uuid='uuid-of-vpn', conn_type='vpn', vpn=True,
                                 state=AC_ACTIVATING)
        self.sync()
        self.expect({by_id: 'connection-inactive', by_uuid: 'connection-inactive'})
        self.nm_set_active_state(vpn, AC_ACTIVATED)
        self.expect({by_id: '', by_uuid: '', either: ''})
        self.nm_set_active_state(vpn, AC_DEACTIVATING)
        self.expect({by_id: 'connection-inactive', by_uuid: 'connection-inactive',
                     either: ''})
        self.nm_remove_active(vpn)
        self.nm_remove_active(wired)
        self.expect({either: 'connection-inactive'})

    def test_every_state_change_is_one_transition(self):
        self.start_daemon()
        work = self.add_account_sync('work', {'AllowMetered': dbus.Boolean(False)})
        steps = [({'Metered': NM_METERED_YES}, 'metered'),
                 ({'Metered': NM_METERED_NO}, ''),
                 ({'Connectivity': NM_CONNECTIVITY_PORTAL}, 'portal'),
                 ({'Connectivity': NM_CONNECTIVITY_FULL}, ''),
                 ({'State': NM_STATE_DISCONNECTED, 'Connectivity': NM_CONNECTIVITY_NONE},
                  'no-network')]
        for props, reason in steps:
            self.sync()
            self.recorder.clear()
            before = self.state(work)
            self.nm_set(**props)
            self.expect({work: reason})
            self.wait_phases(work, 3)
            self.sync()
            self.assert_transition(work, before, ONLINE if reason == '' else OFFLINE)
            # State and Reason change together, between START and STATECHANGE.
            kinds = [(e[0], e[2] if e[0] == 'StateChanged' else sorted(e[2][1]))
                     for e in self.recorder.events if e[1] == work]
            self.assertEqual([k[0] for k in kinds], ['StateChanged', 'PropertiesChanged',
                                                     'StateChanged', 'StateChanged'])
            self.assertEqual(kinds[1][1], ['Reason', 'State'])


if __name__ == '__main__':
    main()
