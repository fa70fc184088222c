#!/usr/bin/env python3
"""The shipped user unit is sandboxed: `systemd-analyze security --user` rates it at most
2.5, and it keeps what the daemon needs (buses, netlink, TCP reachability probes, its two
directories). Both read the unit as `meson install` installs it (into a staging
directory), beside the online targets. Skips the rating where systemd-analyze is not
installed. That every option works is tests/systemd's business."""

import json
import os
import re
import shutil
import subprocess
import tempfile
import unittest

from omtest import BUILD_ROOT, main

MAX_EXPOSURE = 2.5


def install_unit(dest):
    """meson install into the staging directory @dest; returns the path of the installed
    offlinemgr.service there."""
    subprocess.run(['meson', 'install', '-C', BUILD_ROOT, '--no-rebuild', '--quiet',
                    '--destdir', dest], check=True, capture_output=True, timeout=120)
    installed = json.loads(subprocess.run(['meson', 'introspect', '--installed', BUILD_ROOT],
                                          check=True, capture_output=True, text=True).stdout)
    units = [p for p in installed.values() if os.path.basename(p) == 'offlinemgr.service']
    if len(units) != 1:
        raise AssertionError('meson installs %d offlinemgr.service files' % len(units))
    return dest + units[0]




def unit_settings(path):
    """The [Service] settings of a unit file: name -> list of values, in order."""
    settings = {}
    section = None
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith('#'):
                continue
            if line.startswith('['):
                section = line
                continue
            if section == '[Service]':
                key, _, value = line.partition('=')
                settings.setdefault(key, []).append(value)
    return settings


class UnitSecurityTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        dest = tempfile.mkdtemp(prefix='omtest-install-')
        cls.addClassCleanup(shutil.rmtree, dest, True)
        cls.unit = install_unit(dest)

    def test_exposure_rating(self):
        analyze = shutil.which('systemd-analyze')
        if analyze is None:
            self.skipTest('systemd-analyze is not installed')
        runtime = tempfile.mkdtemp(prefix='omtest-runtime-')
        self.addCleanup(shutil.rmtree, runtime, True)
        os.chmod(runtime, 0o700)
        # --offline reads the file alone; a user manager's paths need XDG_RUNTIME_DIR.
        proc = subprocess.run(
            [analyze, 'security', '--user', '--offline=true',
             '--threshold=%d' % (MAX_EXPOSURE * 10), self.unit],
            env=dict(os.environ, XDG_RUNTIME_DIR=runtime, SYSTEMD_COLORS='0'),
            capture_output=True, text=True, timeout=60)
        match = re.search(r'Overall exposure level for offlinemgr\.service: (\d+\.\d+)',
                          proc.stdout)
        self.assertIsNotNone(match, proc.stdout + proc.stderr)
        print('exposure level: %s' % match.group(1))
        self.assertLessEqual(float(match.group(1)), MAX_EXPOSURE, proc.stdout)
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)

    def test_the_daemon_keeps_what_it_needs(self):
        s = unit_settings(self.unit)
        families = ' '.join(s.get('RestrictAddressFamilies', [])).split()
        # The session and system buses; the kernel's routes; TCP reachability probes.
        for family in ('AF_UNIX', 'AF_NETLINK', 'AF_INET', 'AF_INET6'):
            self.assertIn(family, families)
        for setting in ('PrivateNetwork', 'IPAddressDeny', 'IPAddressAllow'):
            self.assertNotIn(setting, s, 'probes must reach any mail server')
        # Its two directories, writable (and created before the sandbox).
        writable = ' '.join(s.get('ReadWritePaths', []))
        self.assertIn('%E/offlinemgr', writable)
        self.assertIn('%h/.local/state/offlinemgr', writable)
        self.assertIn('strict', s.get('ProtectSystem', []))
        # sd_notify (READY=1, STATUS=, WATCHDOG=1) from the main process.
        self.assertEqual(s.get('NotifyAccess'), ['main'])
        self.assertEqual(s.get('BusName'), ['org.offlinemgr.OfflineMgr1'])
        # The paths follow the prefix, and the targets sync services bind to are beside it.
        self.assertTrue(os.path.isabs(s['ExecStart'][0]), s['ExecStart'])
        self.assertNotIn('@', s['ExecStart'][0])
        for target in ('offlinemgr-online.target', 'offlinemgr-online@.target'):
            self.assertTrue(os.path.isfile(os.path.join(os.path.dirname(self.unit), target)),
                            target)


if __name__ == '__main__':
    main()
