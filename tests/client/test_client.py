#!/usr/bin/env python3
"""libofflinemgr's native API against the build tree's daemon, on private buses."""

import os
import signal
import subprocess

import dbus

from clienttest import ClientTestCase, program, transition
from omtest import (BUS_NAME, IFACE_MANAGER, OFFLINE, ONLINE, ROOT_PATH, account_path, main)

E_INVAL, E_NOENT, E_CONNREFUSED, E_BUSY, E_EXIST = -22, -2, -111, -16, -17


class ReadTest(ClientTestCase):
    def test_global_object(self):
        self.start_daemon()
        d = self.driver()
        self.assertEqual(d.ok('running'), '1')
        self.assertEqual(d.ok('open g'), ROOT_PATH)
        self.assertEqual(d.ok('state g'), str(ONLINE))
        self.assertEqual(d.ok('caps g'), '3')
        self.assertEqual(d.ok('info g'),
                         'state=2 requested=2 reason= transitioning=0 display=(null)')
        self.assertEqual(d.ok('set g 1'), str(OFFLINE))
        self.assertEqual(d.ok('info g'),
                         'state=1 requested=1 reason=user-offline transitioning=0 display=(null)')
        d.error('settings g', E_INVAL)
        self.assertEqual(d.close(), 0)

    def test_accounts(self):
        self.start_daemon()
        d = self.driver()
        d.ok('add work DisplayName=Work~Mail Host=imap.example.com Port=993 '
             'RequireConnections=office-vpn;lab; AllowMetered=no')
        self.assertEqual(self.get(account_path('work'), 'org.offlinemgr.OfflineMgr1.Account',
                                  'Settings')['RequireConnections'], ['office-vpn', 'lab'])
        d.ok('add home')
        self.assertEqual(d.ok('open w work'), account_path('work'))
        self.assertEqual(d.ok('settings w'),
                         'DisplayName:s=Work Mail Host:s=imap.example.com Port:u=993 '
                         'RequireConnections:a=office-vpn;lab MinConnectivity:s=full '
                         'AllowMetered:b=false CheckReachability:b=false')
        self.assertEqual(d.ok('info w'),
                         'state=1 requested=2 reason=connection-inactive transitioning=0 '
                         'display=Work Mail')
        d.ok('update work RequireConnections= CheckReachability=false')
        self.assertEqual(d.ok('state w'), str(ONLINE))
        d.ok('open g')
        self.assertEqual(d.ok('set g 1'), str(OFFLINE))
        self.assertEqual(d.ok('list'), ' '.join([
            'home:%s:home:1:2:global-offline:0' % account_path('home'),
            'work:%s:Work Mail:1:2:global-offline:0' % account_path('work')]))
        manager = self.get_all(ROOT_PATH, 'org.offlinemgr.OfflineMgr1.Manager')
        self.assertEqual(d.ok('manager'),
                         'version=%s backend=%s nmstate=%d connectivity=%d metered=%d active=%s' % (
                             manager['Version'], manager['NetworkBackend'],
                             manager['NetworkState'], manager['Connectivity'],
                             manager['Metered'], ','.join(manager['ActiveConnections'])))
        d.ok('remove home')
        self.assertEqual(d.ok('list').split(':')[0], 'work')

    def test_errors_are_named(self):
        self.start_daemon()
        self.add_account('work')
        d = self.driver()
        self.assertIn('NotFound', d.error('open x nosuch', E_NOENT))
        self.assertEqual(d.error('open x bad/id', E_INVAL).split(' ')[0], '-')
        self.assertIn('Error.AlreadyExists', d.error('add work', E_EXIST))
        self.assertIn("Unknown setting 'Colour'", d.error('add other Colour=red', E_INVAL))
        self.assertIn("'abc' is not a number", d.error('add other Port=abc', E_INVAL))
        self.assertIn('not true or false', d.error('add other AllowMetered=maybe', E_INVAL))
        self.assertIn('not of the form Key=Value', d.error('add other Host', E_INVAL))
        self.assertIn('Error.InvalidArgs', d.error('add other Port=70000', E_INVAL))
        self.assertIn('Error.NotFound', d.error('update other Port=1', E_NOENT))
        self.assertIn('Error.NotFound', d.error('remove other', E_NOENT))
        # Nothing of the failed calls reached the daemon.
        self.assertFalse(os.path.exists(self.account_file('other')))
        d.ok('open g')
        d.error('set g 3', E_INVAL)
        d.error('set g 1 0x1', E_INVAL)
        self.assertEqual(self.get(ROOT_PATH, 'org.offlinemgr.OfflineMgr1.Offline',
                                  'RequestedState'), ONLINE)

    def test_daemon_not_running_and_not_activatable(self):
        d = self.driver()
        self.assertEqual(d.ok('running'), '0')
        rest = d.error('open g', E_CONNREFUSED)
        self.assertTrue(rest.startswith('org.freedesktop.DBus.Error.ServiceUnknown '
                                        'offlinemgrd is not running'), rest)
        d.ok('timeout 1000')
        d.error('list', E_CONNREFUSED)


class AdviseTest(ClientTestCase):
    def test_transition_reaches_every_registration_in_order(self):
        self.start_daemon()
        d = self.driver()
        d.ok('open g')
        t1 = int(d.ok('advise g 7'))
        t2 = int(d.ok('advise g 8'))
        self.assertNotEqual(t1, 0)
        self.assertNotEqual(t1, t2)
        # BLOCK answers after the DONE callbacks have returned.
        self.assertEqual(d.ok('set g 1 block'), str(OFFLINE))
        expected = [line for pair in zip(transition('g', 7, ONLINE, OFFLINE),
                                         transition('g', 8, ONLINE, OFFLINE)) for line in pair]
        self.assertEqual(d.notifies(), expected)
        # Without BLOCK the callbacks come from the loop, after the answer.
        self.assertEqual(d.ok('set g 2'), str(ONLINE))
        d.wait_notifies(12)
        self.assertEqual(d.notifies()[6:], [line for pair in zip(
            transition('g', 7, OFFLINE, ONLINE), transition('g', 8, OFFLINE, ONLINE))
            for line in pair])

    def test_account_and_global_are_separate(self):
        self.start_daemon()
        self.add_account('work')
        d = self.driver()
        d.ok('open w work')
        d.ok('open g')
        d.ok('advise w 1')
        self.assertEqual(d.ok('set w 1 block'), str(OFFLINE))
        self.assertEqual(d.notifies(), transition('w', 1, ONLINE, OFFLINE))
        d.ok('set w 2 block')
        # The global object going OFFLINE takes the account with it.
        d.ok('advise g 2')
        d.ok('set g 1 block')
        d.wait_notifies(12)
        self.assertEqual(sorted(d.notifies()[6:]), sorted(
            transition('g', 2, ONLINE, OFFLINE) + transition('w', 1, ONLINE, OFFLINE)))

    def test_unadvise(self):
        self.start_daemon()
        d = self.driver()
        d.ok('open g')
        t1 = d.ok('advise g 7')
        t2 = d.ok('advise g 8')
        d.ok('unadvise g %s' % t1)
        self.assertEqual(d.events, ['destroyed 7'])
        d.error('unadvise g %s' % t1, E_NOENT)
        d.error('unadvise g 0', E_NOENT)
        d.error('unadvise g 12345', E_NOENT)
        d.ok('set g 1 block')
        self.assertEqual(d.notifies(), transition('g', 8, ONLINE, OFFLINE))
        d.ok('unadvise g %s' % t2)
        self.assertEqual(d.events[-1], 'destroyed 8')
        # A handle's registrations are its own.
        d.ok('open h')
        t3 = d.ok('advise h 9')
        d.error('unadvise g %s' % t3, E_NOENT)
        d.ok('close h')
        self.assertEqual(d.events[-1], 'destroyed 9')

    def test_state_mask_outside_offline_bits_gets_nothing(self):
        self.start_daemon()
        d = self.driver()
        d.ok('open g')
        d.ok('advise g 1 0x300')
        d.ok('advise g 2')
        d.ok('set g 1 block')
        self.assertEqual(d.notifies(), transition('g', 2, ONLINE, OFFLINE))

    def test_advise_on_removed_account_fails(self):
        self.start_daemon()
        self.add_account('work')
        d = self.driver()
        d.ok('open w work')
        self.remove_account('work')
        d.error('advise w 1', E_NOENT)
        self.assertEqual(d.events, [])


class MatchRuleTest(ClientTestCase):
    def test_two_rules_per_connection(self):
        """One rule for StatesChanged and one for the name's owner, whatever the number of
        objects and registrations; the StatesChanged rule goes with the last
        registration."""
        self.start_daemon()
        self.add_account('work')
        d = self.driver()
        name = self.bus_connection_of(d.proc.pid)
        base = self.match_rules(name)
        d.ok('open g')
        d.ok('open g2')
        d.ok('open w work')
        tokens = [d.ok('advise g %d' % i) for i in range(20)]
        tokens += [d.ok('advise g2 %d' % i) for i in range(20, 30)]
        w_token = d.ok('advise w 99')
        rules = [r for r in self.match_rules(name) if r not in base]
        self.assertEqual(len(rules), 2, rules)
        states_rules = [r for r in rules if "member='StatesChanged'" in r]
        self.assertEqual(len(states_rules), 1, rules)
        self.assertIn("sender='%s'" % BUS_NAME, states_rules[0])
        self.assertIn("path='%s'" % ROOT_PATH, states_rules[0])
        self.assertIn("interface='%s'" % IFACE_MANAGER, states_rules[0])
        self.assertEqual(len([r for r in rules if 'NameOwnerChanged' in r]), 1, rules)

        d.ok('set g 1 block')
        d.wait_notifies(30 * 3 + 3)
        for t in tokens:
            d.ok('unadvise %s %s' % ('g' if tokens.index(t) < 20 else 'g2', t))
        self.assertEqual(len([r for r in self.match_rules(name) if 'StatesChanged' in r]), 1)
        d.ok('unadvise w %s' % w_token)
        self.assertEqual([r for r in self.match_rules(name) if 'StatesChanged' in r], [])


class OneMessagePerChangeTest(ClientTestCase):
    """An application gets one message per change, however many of its objects change."""

    IDS = ['acct%d' % i for i in range(10)]

    def setUp(self):
        super().setUp()
        self.start_daemon()
        for account_id in self.IDS:
            self.add_account(account_id)

    def test_one_message_for_a_change_of_many_objects(self):
        d = self.driver()
        name = self.bus_connection_of(d.proc.pid)
        base = self.match_rules(name)
        d.ok('open g')
        d.ok('advise g 1')
        for i, account_id in enumerate(self.IDS):
            d.ok('open %s %s' % (account_id, account_id))
            d.ok('advise %s %d' % (account_id, 10 + i))
        rules = [r for r in self.match_rules(name) if r not in base]
        # A connection of our own with exactly the library's rules receives what the
        # library's connection receives.
        twin = dbus.bus.BusConnection(os.environ['DBUS_SESSION_BUS_ADDRESS'])
        self.addCleanup(twin.close)
        received = []

        def count(_connection, message):
            if message.get_type() == 4:            # a signal
                received.append((message.get_member(), message.get_path()))
        twin.add_message_filter(count)
        for rule in rules:
            twin.add_match_string(rule)
        self.sync()
        received.clear()

        # The global object going offline takes every account with it, in one turn.
        d.ok('set g 1 block')
        d.wait_notifies(3 * (1 + len(self.IDS)))
        self.sync()
        self.wait_until(lambda: received, 5, 'the StatesChanged on the twin connection')
        self.assertEqual(received, [('StatesChanged', ROOT_PATH)])
        # The callbacks are the per-object signals' exactly, object by object.
        for i, account_id in enumerate(self.IDS):
            self.assertEqual([e for e in d.events if e.startswith('notify %s ' % account_id)],
                             ['notify %s %d %d 2 1' % (account_id, 10 + i, phase)
                              for phase in (1, 2, 3)])
        self.assertEqual(d.close(), 0)

    def test_one_account_among_many_gets_exactly_its_callbacks(self):
        d = self.driver()
        d.ok('open w acct3')
        d.ok('advise w 7')
        d.ok('open g')
        d.ok('set g 1 block')
        d.wait_notifies(3)
        d.ok('set g 2 block')
        d.wait_notifies(6)
        self.sync()
        self.assertEqual([e for e in d.events if e.startswith('notify')],
                         ['notify w 7 1 2 1', 'notify w 7 2 2 1', 'notify w 7 3 2 1',
                          'notify w 7 1 1 2', 'notify w 7 2 1 2', 'notify w 7 3 1 2'])
        self.assertEqual(d.close(), 0)


class ReentrancyTest(ClientTestCase):
    def test_calls_from_inside_a_callback(self):
        self.start_daemon()
        d = self.driver()
        d.ok('open g')
        d.ok('open h')
        t = d.ok('advise g 7')
        d.ok('on 7 1 state g')            # a read during START
        d.ok('on 7 2 advise h 8')         # a new registration: not this transition's rest
        d.ok('on 7 3 set g 2 block')      # BLOCK would wait on itself
        d.ok('set g 1 block')
        self.assertEqual(d.events, [
            # The daemon has finished the transition by the time the callback asks.
            'notify g 7 1 2 1', 'incb ok 1',
            'notify g 7 2 2 1', 'incb ok 2',
            'notify g 7 3 2 1',
            'incb error -16 - SetCurrentState with BLOCK from inside a callback would wait on '
            'itself; call it without BLOCK',
        ])
        d.events.clear()
        d.ok('on 7 3 unadvise g %s' % t)  # unadvise itself from its own DONE
        d.ok('on 8 3 set g 1')            # without BLOCK: sent like any other call
        d.ok('set g 2 block')
        self.assertEqual(d.events, [
            'notify g 7 1 1 2', 'notify h 8 1 1 2',
            'notify g 7 2 1 2', 'notify h 8 2 1 2',
            'notify g 7 3 1 2', 'incb ok', 'destroyed 7',
            'notify h 8 3 1 2', 'incb ok 1',
        ])
        d.wait_notifies(9)
        self.assertEqual(d.notifies()[6:], transition('h', 8, ONLINE, OFFLINE))


class GlibAdapterTest(ClientTestCase):
    def test_callbacks_from_a_main_context(self):
        self.start_daemon()
        status, out, err = self.run_program([program('glib-monitor')])
        self.assertEqual(status, 0, err)
        self.assertEqual(out.splitlines(),
                         ['notify 42 1 2 1', 'notify 42 2 2 1', 'notify 42 3 2 1', 'ok'])
        self.assertEqual(self.state(), OFFLINE)


class SignalSourceTest(ClientTestCase):
    def test_signals_from_others_are_ignored(self):
        self.start_daemon()
        d = self.driver()
        d.ok('open g')
        d.ok('advise g 1')
        # Anyone can emit a signal on any path; only the name's owner counts.
        import dbus
        import dbus.lowlevel
        msg = dbus.lowlevel.SignalMessage(ROOT_PATH, 'org.offlinemgr.OfflineMgr1.Offline',
                                          'StateChanged')
        msg.append(dbus.UInt32(1), dbus.UInt32(3), dbus.UInt32(2), dbus.UInt32(1),
                   signature='uuuu')
        self.session.send_message(msg)
        self.session.flush()
        # A real transition afterwards orders after the forged one at the driver.
        d.ok('set g 1 block')
        self.assertEqual(d.notifies(), transition('g', 1, ONLINE, OFFLINE))


class RestartTest(ClientTestCase):
    def kill_daemon(self):
        self.stop_daemon(signal.SIGKILL, expect=-signal.SIGKILL)

    def test_registrations_survive_sigkill(self):
        self.start_daemon()
        self.add_account('work')
        self.add_account('gone')
        d = self.driver()
        d.ok('open g')
        d.ok('open w work')
        d.ok('open x gone')
        d.ok('advise g 1')
        d.ok('advise w 2')
        d.ok('advise x 3')
        self.kill_daemon()
        # While it is away calls fail at once with a clear error, they never hang.
        self.assertIn('ServiceUnknown offlinemgrd is not running',
                      d.error('state g', E_CONNREFUSED))
        # What changes meanwhile: the global object is asked OFFLINE, an account is gone.
        os.makedirs(self.state_dir, exist_ok=True)
        with open(self.state_file(), 'w') as f:
            f.write('[Global]\nRequestedState=offline\n')
        os.unlink(self.account_file('gone'))
        self.start_daemon()
        d.wait_notifies(9)
        self.assertEqual(sorted(d.notifies()), sorted(
            transition('g', 1, ONLINE, OFFLINE) + transition('w', 2, ONLINE, OFFLINE) +
            transition('x', 3, ONLINE, OFFLINE)))
        # And the registrations go on with the new daemon.
        d.ok('set g 2 block')
        d.wait_notifies(15)
        self.assertEqual(sorted(d.notifies()[9:]), sorted(
            transition('g', 1, OFFLINE, ONLINE) + transition('w', 2, OFFLINE, ONLINE)))
        self.assertEqual(d.ok('state w'), str(ONLINE))

    def test_restart_without_change_reports_nothing(self):
        self.start_daemon()
        d = self.driver()
        d.ok('open g')
        d.ok('advise g 1')
        self.kill_daemon()
        self.start_daemon()
        # The next real transition is the first thing reported.
        self.wait_until(lambda: self.name_has_owner(), 5, 'the new owner')
        d.ok('set g 1 block')
        self.assertEqual(d.notifies(), transition('g', 1, ONLINE, OFFLINE))


class StandInTest(ClientTestCase):
    """A stand-in that owns the daemon's name and sends what offlinemgrd never does."""

    def test_unsupported_notifications_are_dropped(self):
        """MAPI-OFFLINE-STATE §13 rules 26 and 30: only phases 1-3 with states 1 or 2
        reach the application (the mask, always 3, is not in StatesChanged), only for the
        watched object, and a StatesChanged of another shape is ignored whole."""
        import dbus
        import dbusmock
        offline, manager = 'org.offlinemgr.OfflineMgr1.Offline', IFACE_MANAGER
        server = self.spawn_server(BUS_NAME, ROOT_PATH, offline, system_bus=False,
                                   stdout=subprocess.DEVNULL)
        self.addCleanup(lambda: (server.terminate(), server.wait()))
        mock = dbus.Interface(self.session.get_object(BUS_NAME, ROOT_PATH), dbusmock.MOCK_IFACE)
        mock.AddMethod(offline, 'GetCurrentState', '', 'u', 'ret = dbus.UInt32(2)')
        mock.AddMethod(offline, 'GetCapabilities', '', 'u', 'ret = dbus.UInt32(3)')
        d = self.driver()
        d.ok('open g')
        d.ok('advise g 1')

        def entry(args, path=ROOT_PATH):
            return dbus.Struct([dbus.ObjectPath(path)] + [dbus.UInt32(a) for a in args],
                               signature='ouuu')
        # Another shape: not one entry of it is taken.
        mock.EmitSignal(manager, 'StatesChanged', 'a(ouu)',
                        [[dbus.Struct([dbus.ObjectPath(ROOT_PATH), dbus.UInt32(1),
                                       dbus.UInt32(2)], signature='ouu')]])
        # The same signal on the wrong interface is not the daemon's notification either.
        mock.EmitSignal(offline, 'StatesChanged', 'a(ouuu)', [[entry((1, 2, 1))]])
        mock.EmitSignal(manager, 'StatesChanged', 'a(ouuu)', [[
            entry((4, 2, 1)), entry((0, 2, 1)), entry((1, 2, 3)), entry((1, 0, 1)),
            entry((1, 2, 1), account_path('other')),
            entry((1, 2, 1)), entry((2, 2, 1)), entry((3, 2, 1))]])
        d.wait_notifies(3)
        # One more round trip through the stand-in: anything still queued shows by now.
        self.assertEqual(d.ok('state g'), str(ONLINE))
        self.assertEqual(d.notifies(), transition('g', 1, ONLINE, OFFLINE))


class BusLossTest(ClientTestCase):
    def test_lost_bus_is_a_named_error(self):
        """When the session bus goes away, calls fail with OM_E_NO_BUS and dispatching
        reports it; nothing hangs or crashes, and Unadvise still cleans up."""
        pid, address = self.start_dbus()
        d = self.driver(env={'DBUS_SESSION_BUS_ADDRESS': address})
        self.assertEqual(d.ok('running'), '0')
        self.stop_dbus(pid)
        self.assertIn('org.freedesktop.DBus.Error.Disconnected', d.error('running', -107))
        self.wait_until(lambda: d.ok('dispatch') == '-107', 10, 'dispatch to see the loss')
        d.error('open g', -107)
        self.assertEqual(d.close(), 0)


class ActivationTest(ClientTestCase):
    """The bus starts offlinemgrd on demand when it has an activation file for it."""

    def setUp(self):
        super().setUp()
        self.write_config('[Policy]\nOfflineDelayMs=0\nOnlineDelayMs=0\n')
        self.service_file = os.path.join(self.get_services_dir(), BUS_NAME + '.service')
        with open(self.service_file, 'w') as f:
            f.write('[D-BUS Service]\nName=%s\nExec=/usr/bin/env XDG_CONFIG_HOME=%s '
                    'XDG_STATE_HOME=%s %s\n' % (BUS_NAME, os.path.join(self.tmp, 'config'),
                                                os.path.join(self.tmp, 'state'),
                                                os.environ['OFFLINEMGRD']))
        self.session.get_object('org.freedesktop.DBus', '/org/freedesktop/DBus').ReloadConfig(
            dbus_interface='org.freedesktop.DBus')

    def tearDown(self):
        os.unlink(self.service_file)
        if self.name_has_owner():
            # The bus started it: stop it by its process id.
            bus = self.session.get_object('org.freedesktop.DBus', '/org/freedesktop/DBus')
            pid = int(bus.GetConnectionUnixProcessID(BUS_NAME,
                                                     dbus_interface='org.freedesktop.DBus'))
            os.kill(pid, signal.SIGTERM)
            self.wait_until(lambda: not self.name_has_owner(), 10, 'the daemon to stop')
        super().tearDown()

    def test_open_activates_the_daemon(self):
        d = self.driver()
        self.assertEqual(d.ok('running'), '0')
        self.assertEqual(d.ok('open g'), ROOT_PATH)
        self.assertEqual(d.ok('running'), '1')
        self.assertEqual(d.ok('state g'), str(ONLINE))

    def test_killed_daemon_is_started_again_by_a_call(self):
        d = self.driver()
        d.ok('open g')
        d.ok('advise g 1')
        bus = self.session.get_object('org.freedesktop.DBus', '/org/freedesktop/DBus')
        pid = int(bus.GetConnectionUnixProcessID(BUS_NAME, dbus_interface='org.freedesktop.DBus'))
        os.makedirs(self.state_dir, exist_ok=True)
        with open(self.state_file(), 'w') as f:
            f.write('[Global]\nRequestedState=offline\n')
        os.kill(pid, signal.SIGKILL)
        self.wait_until(lambda: not self.name_has_owner(), 10, 'the name to be released')
        # The next call starts it again; the watching registration hears what changed.
        self.assertEqual(d.ok('state g'), str(OFFLINE))
        d.wait_notifies(3)
        self.assertEqual(d.notifies(), transition('g', 1, ONLINE, OFFLINE))


if __name__ == '__main__':
    main()
