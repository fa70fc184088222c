#!/usr/bin/env python3
"""The GIO module beside GLib's own NetworkManager monitor, in the same applications'
scenario (the same NetworkManager stand-in, the same daemon, at the same time): what an
application hears differently when it chooses offlinemgr."""

from giotest import (FULL, G_IO_ERROR, G_IO_ERROR_NETWORK_UNREACHABLE, G_RESOLVER_ERROR,
                     MODULE_TYPE, NM_TYPE, OFFLINE, ONLINE, App, GioTestCase)
from nettest import (NM_CONNECTIVITY_FULL, NM_CONNECTIVITY_NONE, NM_METERED_GUESS_NO,
                     NM_METERED_YES, NM_STATE_CONNECTED_GLOBAL, NM_STATE_DISCONNECTED)
from omtest import ROOT_PATH, account_path, main

WORK_HOST, WORK_PORT = 'imap.work.invalid', 993


class BesideGlibTest(GioTestCase):
    def start(self):
        self.start_nm(State=NM_STATE_CONNECTED_GLOBAL, Connectivity=NM_CONNECTIVITY_FULL,
                      Metered=NM_METERED_GUESS_NO)
        self.write_account('work', '[Account]\nHost=%s\nPort=%d\nRequireConnections=office-vpn\n'
                           % (WORK_HOST, WORK_PORT))
        self.start_daemon()
        self.wait_reason(account_path('work'), 'connection-inactive')
        # The C application: it runs in every test setup (valgrind, sanitizers).
        glib = App(self, 'c', monitor='networkmanager')
        ours = App(self, 'c', monitor='offlinemgr')
        self.assertEqual(glib.type, NM_TYPE)
        self.assertEqual(ours.type, MODULE_TYPE)
        return glib, ours

    def test_the_users_offline_mode(self):
        glib, ours = self.start()
        self.set_global(OFFLINE)
        ours.wait_events(['notify network-available 0', 'changed 0'])
        # GLib's monitor knows only NetworkManager: the user's "work offline" does not
        # reach it.
        self.assertEqual(glib.props(), (1, 0, FULL))
        self.assertEqual([e for e in glib.events if 'network-available' in e], [])
        self.assertEqual(ours.props()[0], 0)
        self.set_global(ONLINE)
        ours.wait_events(['notify network-available 1', 'changed 1'])

    def test_an_account_that_needs_a_vpn(self):
        glib, ours = self.start()
        # GLib looks the name up (and fails here: no resolver); offlinemgr knows the
        # account is offline, and why, without a lookup.
        self.assertEqual(glib.reach(WORK_HOST, WORK_PORT)[:2], (False, G_RESOLVER_ERROR))
        self.assertGreater(glib.lookups(), 0)
        self.assertEqual(ours.reach(WORK_HOST, WORK_PORT), (
            False, G_IO_ERROR, G_IO_ERROR_NETWORK_UNREACHABLE,
            'work is offline: connection-inactive'))
        self.assertEqual(ours.lookups(), 0)

    def test_networkmanager_changes_reach_both(self):
        glib, ours = self.start()
        # Metered: the same for both.
        self.nm_set(Metered=NM_METERED_YES)
        for app in (glib, ours):
            app.wait_events(['notify network-metered 1'])
            self.assertEqual(app.props(), (1, 1, FULL), app)
            app.clear_events()
        # The network goes away: both say so, offlinemgr through the global object.
        self.nm_set(State=NM_STATE_DISCONNECTED, Connectivity=NM_CONNECTIVITY_NONE)
        self.wait_reason(ROOT_PATH, 'no-network')
        # GLib 2.74's monitor notifies, but emits network-changed only when the kernel's
        # routes change (later versions emit it here too); the module emits both.
        glib.wait_events(['notify network-available 0'])
        ours.wait_events(['notify network-available 0', 'changed 0'])
        for app in (glib, ours):
            self.assertEqual(app.props()[:2], (0, 0), app)


if __name__ == '__main__':
    main()
