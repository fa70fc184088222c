#!/usr/bin/env python3
"""meson install into a prefix the user manager and the session bus do not search
(/opt), made known to them as README says (XDG_DATA_DIRS in ~/.config/environment.d/,
`systemctl --user link`): the paths in the unit and the activation file follow the
prefix, a bus call and `systemctl --user enable --now` start the service, and the
installed offlinemgrctl finds its library there. The build for that prefix is made here,
with the tests disabled, as a user would build to install."""

import os
import pwd
import re

from omtest import main
from test_user_service import (BUS_NAME, IFACE_OFFLINE, ROOT_PATH, STATUS_TEXT, UNIT,
                               ManagerTestCase)
from usermanager import UserManager, missing_prerequisite, prefix_build

PREFIX = '/opt'


class TestPrefixInstall(ManagerTestCase):

    @classmethod
    def new_manager(cls):
        if missing_prerequisite() is not None:
            return UserManager()  # its start() says what is missing
        return UserManager(prefix_build(PREFIX), as_user_would=True)

    @staticmethod
    def home_dir():
        return pwd.getpwuid(os.geteuid()).pw_dir

    def installed(self, relative):
        with open(self.manager.dest + os.path.join(PREFIX, relative)) as f:
            return f.read()

    def test_paths_follow_the_prefix(self):
        m = self.manager
        self.assertEqual(m.unit_dir, PREFIX + '/lib/systemd/user')
        self.assertEqual(m.services_dir, PREFIX + '/share/dbus-1/services')
        unit = self.installed('lib/systemd/user/offlinemgr.service')
        self.assertIn('\nExecStart=%s/bin/offlinemgrd\n' % PREFIX, unit)
        activation = self.installed('share/dbus-1/services/%s.service' % BUS_NAME)
        self.assertIn('\nExec=%s/bin/offlinemgrd\n' % PREFIX, activation)
        self.assertIn('\nSystemdService=offlinemgr.service\n', activation)
        # The units are known to the manager through their links into the prefix.
        link = m.prop(UNIT, 'FragmentPath')
        self.assertEqual(link, os.path.join(self.home_dir(), '.config/systemd/user', UNIT))
        self.assertEqual(os.readlink(os.path.join(m.home, '.config/systemd/user', UNIT)),
                         PREFIX + '/lib/systemd/user/' + UNIT)

    def test_activation_by_a_bus_call(self):
        self.assertEqual(self.manager.prop(UNIT, 'ActiveState'), 'inactive')
        self.assertRegex(self.busctl('call', BUS_NAME, ROOT_PATH, IFACE_OFFLINE,
                                     'GetCurrentState'), r'^u [12]\n$')
        props = self.manager.show(UNIT, 'ActiveState', 'ExecMainPID', 'StatusText')
        self.assertEqual(props['ActiveState'], 'active')
        self.assertRegex(props['StatusText'], STATUS_TEXT)
        self.assertEqual(self.manager.proc_file(props['ExecMainPID'], 'cmdline'),
                         PREFIX + '/bin/offlinemgrd\0')

    def test_enable_now_disable_and_the_installed_offlinemgrctl(self):
        m = self.manager
        m.systemctl('enable', '--now', 'offlinemgr')
        self.assertEqual(m.prop(UNIT, 'UnitFileState'), 'enabled')
        self.assertEqual(m.prop(UNIT, 'ActiveState'), 'active')
        # Without LD_LIBRARY_PATH: its run path names the prefix's library directory.
        proc = m.in_namespaces([PREFIX + '/bin/offlinemgrctl', 'status'],
                               env={'DBUS_SESSION_BUS_ADDRESS': m.bus_address,
                                    'NO_COLOR': '1'})
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertRegex(proc.stdout, re.compile(r'^State\t(ONLINE|OFFLINE)$', re.M))
        # Turned off: stopped (the daemon's own exit), and, as README warns, the link is
        # gone with the enablement. (The unit's files are gone before the stop, and its
        # ExecStopPost= with them: test_user_service checks the exit status.)
        m.systemctl('disable', '--now', 'offlinemgr')
        self.assertEqual(m.prop(UNIT, 'ActiveState'), 'inactive')
        self.assertIn('Exiting on signal', self.daemon_log())
        self.assertFalse(os.path.lexists(os.path.join(m.home, '.config/systemd/user', UNIT)))


if __name__ == '__main__':
    main()
