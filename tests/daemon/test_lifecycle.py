#!/usr/bin/env python3
"""offlinemgrd as a service: sd_notify (READY=1 only with the bus name, STATUS=, STOPPING=1,
WATCHDOG=1), signals (SIGTERM/SIGINT exit 0, SIGHUP reloads), Reload(), offlinemgrd.conf
errors, --replace, --version, and D-Bus activation from the activation file."""

import os
import select
import signal
import subprocess

import dbus

from omtest import (BUS_NAME, IFACE_MANAGER, IFACE_OFFLINE, OFFLINE, OFFLINEMGRD, ONLINE,
                    ROOT_PATH, SOURCE_ROOT, TIMEOUT_SCALE, DaemonTestCase, NotifySocket,
                    account_path, main)

DBUS_NAME = 'org.freedesktop.DBus'
DBUS_PATH = '/org/freedesktop/DBus'


class LifecycleTestCase(DaemonTestCase):
    def bus_driver(self):
        return dbus.Interface(self.session.get_object(DBUS_NAME, DBUS_PATH), DBUS_NAME)

    def owner_pid(self):
        driver = self.bus_driver()
        return int(driver.GetConnectionUnixProcessID(driver.GetNameOwner(BUS_NAME)))

    def wait_exit(self, process, timeout=10):
        try:
            return process.wait(timeout * TIMEOUT_SCALE)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            self.fail('offlinemgrd did not exit within %ds' % timeout)

    def notify_count(self, line):
        self.notify.poll()
        return self.notify.messages.count(line)


class NotifyTest(LifecycleTestCase):
    def test_ready_only_with_the_name(self):
        self.start_daemon()
        # READY=1 came after the name was ours.
        self.assertEqual(self.owner_pid(), self.daemon.pid)
        self.assertEqual(self.notify_count('READY=1'), 1)

    def test_no_ready_without_the_name(self):
        # Someone else holds the name and does not let it go: no READY=1, exit 1, with
        # and without --replace.
        self.assertEqual(self.session.request_name(BUS_NAME, dbus.bus.NAME_FLAG_DO_NOT_QUEUE),
                         dbus.bus.REQUEST_NAME_REPLY_PRIMARY_OWNER)
        for args in ((), ('--replace',)):
            with self.subTest(args=args):
                process = self.start_daemon(args, wait=False)
                self.assertEqual(self.wait_exit(process), 1)
                self.assertFalse(self.notify.seen('READY=1'))
                self.assertIn('Cannot own %s' % BUS_NAME, self.daemon_log())
        self.assertEqual(self.owner_pid(), os.getpid())

    def wait_status(self, status):
        self.wait_until(lambda: self.notify.last('STATUS=') == status, 5,
                        'STATUS=%s (is %s)' % (status, self.notify.last('STATUS=')))

    def test_status_follows_changes(self):
        self.write_account('work', '[Account]\n')
        self.write_account('home', '[Account]\n')
        self.start_daemon()
        self.require_online()
        self.wait_status('2 accounts, 2 online')
        # Each change is reported once its batch is done: STATUS= goes out from an idle
        # after the reply of the call that made it.
        self.set_state(account_path('work'), OFFLINE)
        self.wait_status('2 accounts, 1 online')
        self.add_account('club')
        self.wait_status('3 accounts, 2 online')
        self.remove_account('club')
        self.wait_status('2 accounts, 1 online')
        self.remove_account('work')
        self.wait_status('1 account, 1 online')
        self.set_state(ROOT_PATH, OFFLINE)
        self.wait_status('1 account, 0 online; offline: user-offline')
        self.set_state(ROOT_PATH, ONLINE)
        self.wait_status('1 account, 1 online')

    def test_watchdog(self):
        # WATCHDOG_PID, when given, must be the daemon's own pid: set it from the shell
        # that execs the daemon.
        set_pid = ('sh', '-c', 'export WATCHDOG_PID=$$; exec "$@"', 'sh')
        for name, wrapper in (('usec only', ()), ('usec and pid', set_pid)):
            with self.subTest(name):
                self.start_daemon(env={'WATCHDOG_USEC': '200000'}, wrapper=wrapper)
                self.wait_until(lambda: self.notify_count('WATCHDOG=1') >= 2, 10,
                                'two WATCHDOG=1')
                self.stop_daemon()

    def test_stopping(self):
        self.start_daemon()
        self.assertFalse(self.notify.seen('STOPPING=1'))
        self.stop_daemon(signal.SIGTERM, expect=0)
        self.assertTrue(self.notify.seen('STOPPING=1'))


class ReloadTest(LifecycleTestCase):
    def write_account_unclosed(self, account_id, text):
        """Writes an account file and keeps it open: the directory watch waits for the
        writer to close it (or for a while), a reload reads it at once."""
        f = open(self.account_file(account_id), 'w')
        self.addCleanup(f.close)
        f.write(text)
        f.flush()

    def test_reload_method(self):
        self.start_daemon()
        self.assertIn('Policy: OfflineDelayMs=0 OnlineDelayMs=0 ProbeTimeoutMs=5000',
                      self.daemon_log())
        self.write_config('[Policy]\nOfflineDelayMs=300\nOnlineDelayMs=700\n'
                          'ProbeTimeoutMs=2000\n')
        self.write_account_unclosed('work', '[Account]\nDisplayName=Work\n')
        self.call(ROOT_PATH, IFACE_MANAGER, 'Reload')
        # Done when the reply comes.
        self.assertIn('Policy: OfflineDelayMs=300 OnlineDelayMs=700 ProbeTimeoutMs=2000',
                      self.daemon_log())
        self.assertEqual(self.call(ROOT_PATH, IFACE_MANAGER, 'GetAccount', 'work'),
                         account_path('work'))
        # A missing file means the defaults again.
        os.unlink(os.path.join(self.config_dir, 'offlinemgrd.conf'))
        self.call(ROOT_PATH, IFACE_MANAGER, 'Reload')
        self.assertIn('Policy: OfflineDelayMs=500 OnlineDelayMs=1000 ProbeTimeoutMs=5000',
                      self.daemon_log())

    def test_sighup(self):
        self.start_daemon()
        self.write_config('[Policy]\nOfflineDelayMs=300\nOnlineDelayMs=700\n')
        self.write_account_unclosed('work', '[Account]\nDisplayName=Work\n')
        self.daemon.send_signal(signal.SIGHUP)
        self.wait_log('Policy: OfflineDelayMs=300 OnlineDelayMs=700 ProbeTimeoutMs=5000')
        # The reload runs in one go: once the daemon answers again, it is complete.
        self.sync()
        self.assertEqual(self.call(ROOT_PATH, IFACE_MANAGER, 'GetAccount', 'work'),
                         account_path('work'))
        self.assertIsNone(self.daemon.poll())

    def test_reload_keeps_last_good_settings(self):
        self.write_account('work', '[Account]\nDisplayName=Work\n')
        self.write_account('home', '[Account]\nDisplayName=Home\n')
        self.start_daemon()
        # Changed behind the daemon's back, then reloaded: a broken file keeps the last
        # good settings, and nothing is lost or rewritten.
        with open(self.account_file('home'), 'w') as f:
            f.write('[Account]\nPort=x\n')
        self.call(ROOT_PATH, IFACE_MANAGER, 'Reload')
        self.assertEqual(self.get(account_path('home'), 'org.offlinemgr.OfflineMgr1.Account',
                                  'DisplayName'), 'Home')
        with open(self.account_file('home')) as f:
            self.assertEqual(f.read(), '[Account]\nPort=x\n')
        self.assertIn('Cannot load account home', self.daemon_log())

    def test_bad_config_reported_and_ignored(self):
        path = os.path.join(self.config_dir, 'offlinemgrd.conf')
        self.write_config('[Policy]\nOfflineDelayMs=soon\n')
        self.start_daemon()
        log = self.daemon_log()
        self.assertIn(path, log)
        self.assertIn("OfflineDelayMs='soon' is not a number of milliseconds", log)
        self.assertIn('Policy: OfflineDelayMs=500 OnlineDelayMs=1000 ProbeTimeoutMs=5000', log)
        # It runs, and a good file later is taken.
        self.write_config('[Policy]\nOfflineDelayMs=0\nOnlineDelayMs=0\nProbeTimeoutMs=100\n')
        self.call(ROOT_PATH, IFACE_MANAGER, 'Reload')
        self.assertIn('Policy: OfflineDelayMs=0 OnlineDelayMs=0 ProbeTimeoutMs=100',
                      self.daemon_log())
        # A bad value at run time: reported, and the previous values stay.
        for bad, named in (('ProbeTimeoutMs=99', 'ProbeTimeoutMs'),
                           ('OnlineDelayMs=600001', 'OnlineDelayMs'),
                           ('OnlineDelayMs=-5', 'OnlineDelayMs')):
            with self.subTest(bad):
                self.write_config('[Policy]\n%s\n' % bad)
                before = self.daemon_log().count('Policy: OfflineDelayMs=0 OnlineDelayMs=0 '
                                                 'ProbeTimeoutMs=100')
                self.call(ROOT_PATH, IFACE_MANAGER, 'Reload')
                log = self.daemon_log()
                self.assertIn("%s='" % named, log.rsplit('Reloading', 1)[1])
                self.assertEqual(log.count('Policy: OfflineDelayMs=0 OnlineDelayMs=0 '
                                           'ProbeTimeoutMs=100'), before + 1)
        self.write_config('[Policy\n')
        self.call(ROOT_PATH, IFACE_MANAGER, 'Reload')
        self.assertIn('Key file', self.daemon_log().rsplit('Reloading', 1)[1])


class InstanceTest(LifecycleTestCase):
    def test_replace(self):
        self.write_account('work', '[Account]\n')
        first = self.start_daemon()
        self.addCleanup(lambda: first.poll() is None and (first.kill(), first.wait()))
        self.set_state(account_path('work'), OFFLINE)
        second = self.start_daemon(['--replace'])
        self.assertEqual(self.wait_exit(first), 0)
        self.assertIn('Replaced by another instance', self.daemon_log())
        self.assertEqual(self.owner_pid(), second.pid)
        self.assertEqual(self.get(account_path('work'), IFACE_OFFLINE, 'RequestedState'),
                         OFFLINE)
        self.stop_daemon()

    def test_second_instance_without_replace(self):
        first = self.start_daemon()
        self.addCleanup(lambda: first.poll() is None and (first.kill(), first.wait()))
        second = self.start_daemon(wait=False)
        self.assertEqual(self.wait_exit(second), 1)
        self.assertIn('another instance has it (use --replace', self.daemon_log())
        self.assertFalse(self.notify.seen('READY=1'))
        self.assertEqual(self.owner_pid(), first.pid)
        self.assertIsNone(first.poll())

    def test_version_and_bad_option(self):
        env = {k: v for k, v in os.environ.items() if not k.startswith('DBUS_')}
        out = subprocess.run([OFFLINEMGRD, '--version'], env=env, capture_output=True,
                             text=True, timeout=10)
        self.assertEqual(out.returncode, 0)
        self.assertRegex(out.stdout, r'^offlinemgrd \d+\.\d+\.\d+\n$')
        out = subprocess.run([OFFLINEMGRD, '--no-such-option'], env=env, capture_output=True,
                             text=True, timeout=10)
        self.assertEqual(out.returncode, 2)
        self.assertIn('no-such-option', out.stderr)


class ActivationTest(LifecycleTestCase):
    def install_activation_file(self):
        """The activation file, as installed, but with Exec= the build tree's daemon."""
        with open(os.path.join(SOURCE_ROOT, 'dbus',
                               'org.offlinemgr.OfflineMgr1.service.in')) as f:
            text = f.read()
        self.assertIn('Exec=@bindir@/offlinemgrd\n', text)
        text = text.replace('@bindir@/offlinemgrd', OFFLINEMGRD)
        path = os.path.join(self.get_services_dir(), BUS_NAME + '.service')
        with open(path, 'w') as f:
            f.write(text)
        self.addCleanup(os.unlink, path)
        driver = self.bus_driver()
        driver.ReloadConfig()
        self.notify = NotifySocket(os.path.join(self.tmp, 'notify'))
        env = self.daemon_env()
        driver.UpdateActivationEnvironment(dbus.Dictionary(
            {k: env[k] for k in ('XDG_CONFIG_HOME', 'XDG_STATE_HOME', 'NOTIFY_SOCKET',
                                 'G_DEBUG', 'DBUS_SYSTEM_BUS_ADDRESS')}, signature='ss'))

    def stop_activated(self, pid):
        fd = os.pidfd_open(pid)
        try:
            os.kill(pid, signal.SIGTERM)
            self.assertTrue(select.select([fd], [], [], 10 * TIMEOUT_SCALE)[0],
                            'the activated daemon did not exit on SIGTERM')
        finally:
            os.close(fd)

    def test_first_call_starts_the_daemon(self):
        self.install_activation_file()
        self.write_config('[Policy]\nOfflineDelayMs=0\nOnlineDelayMs=0\n')
        self.write_account('work', '[Account]\n')
        os.makedirs(self.state_dir)
        with open(self.state_file(), 'w') as f:
            f.write('[Accounts]\nwork=offline\n')
        self.assertIn(BUS_NAME, self.bus_driver().ListActivatableNames())
        self.assertFalse(self.name_has_owner())

        # The first method call starts it and is answered by it.
        self.assertEqual(self.call(account_path('work'), IFACE_OFFLINE, 'GetCurrentState'),
                         OFFLINE)
        self.assertTrue(self.name_has_owner())
        pid = self.owner_pid()
        self.addCleanup(lambda: os.path.exists('/proc/%d' % pid) and os.kill(pid,
                                                                            signal.SIGKILL))
        self.assertTrue(self.notify.seen('READY=1'))
        self.assertEqual(self.reason(account_path('work')), 'user-offline')
        self.stop_activated(pid)
        self.wait_until(lambda: not self.name_has_owner(), 5, 'the name to be released')


if __name__ == '__main__':
    main()
