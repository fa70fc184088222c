"""Shared harness for offlinemgr's integration tests.

Each test class gets a private session bus and a private stand-in system bus
(python-dbusmock's DBusTestCase); each test gets fresh XDG_CONFIG_HOME and
XDG_STATE_HOME directories, the daemon from the build tree, and a NOTIFY_SOCKET of its
own, so READY=1 and STATUS= are observed exactly as systemd would see them.

Waits are bounded and wait for a condition (a signal, a property, a notify message);
nothing here sleeps to synchronise.
"""

import atexit
import ctypes
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest
from xml.etree import ElementTree

import dbus
import dbus.mainloop.glib
import dbusmock
from gi.repository import GLib

dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)

SOURCE_ROOT = os.environ.get('OM_SOURCE_ROOT',
                             os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _bus_vocabulary():
    """The names as dbus/ defines them: the bus name from the activation file, the
    interfaces from the interface XML (one file per interface, named after it). The root
    path is the bus name as a path, by D-Bus convention and the bus contract."""
    dbus_dir = os.path.join(SOURCE_ROOT, 'dbus')
    with open(os.path.join(dbus_dir, 'org.offlinemgr.OfflineMgr1.service.in')) as f:
        name = next(line.split('=', 1)[1].strip() for line in f if line.startswith('Name='))
    interfaces = {}
    for entry in sorted(os.listdir(dbus_dir)):
        if entry.startswith(name + '.') and entry.endswith('.xml'):
            for node in ElementTree.parse(os.path.join(dbus_dir, entry)).iter('interface'):
                interfaces[node.get('name')[len(name) + 1:]] = node.get('name')
    return name, interfaces


BUS_NAME, _INTERFACES = _bus_vocabulary()
ROOT_PATH = '/' + BUS_NAME.replace('.', '/')
ACCOUNT_PREFIX = ROOT_PATH + '/account'
IFACE_OFFLINE = _INTERFACES['Offline']
IFACE_MANAGER = _INTERFACES['Manager']
IFACE_ACCOUNT = _INTERFACES['Account']
IFACE_PROPS = 'org.freedesktop.DBus.Properties'
IFACE_OBJECT_MANAGER = 'org.freedesktop.DBus.ObjectManager'
ERROR_PREFIX = BUS_NAME + '.Error.'

OFFLINE, ONLINE = 1, 2
START, STATECHANGE, DONE = 1, 2, 3
BLOCK = 0x2000
MASK = 0x3

OFFLINEMGRD = os.environ.get('OFFLINEMGRD', 'offlinemgrd')
BUILD_ROOT = os.environ.get('OM_BUILD_ROOT', '')

# Waits are bounded by this much, scaled up under valgrind and sanitizers.
TIMEOUT_SCALE = float(os.environ.get('OM_TIMEOUT_SCALE', '1'))


def _remove_dbusmock_datadir():
    datadir = dbusmock.DBusTestCase._DBusTestCase__datadir
    if datadir:
        shutil.rmtree(datadir, ignore_errors=True)
        dbusmock.DBusTestCase._DBusTestCase__datadir = None


def _exit_on_sigterm(signum, frame):
    """meson ends a test that ran out of time with SIGTERM: exit normally instead, so that
    the atexit clean-up below runs (the buses die with the process group anyway)."""
    sys.exit(128 + signum)


signal.signal(signal.SIGTERM, _exit_on_sigterm)
atexit.register(_remove_dbusmock_datadir)


def bus_config(bus_type, listen='unix:tmpdir=/tmp', servicedir=None, extra=''):
    """A dbus-daemon configuration for a test bus: anyone may own any name, send to
    anyone and eavesdrop. @extra: more elements (e.g. <limit>s) inside <busconfig>."""
    return '''<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>%s</type>
  <keep_umask/>
  <listen>%s</listen>
%s  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
%s</busconfig>
''' % (bus_type, listen, '  <servicedir>%s</servicedir>\n' % servicedir if servicedir else '',
       extra)


def _die_with_parent():
    """In a child between fork and exec: SIGTERM when the parent dies (prctl
    PR_SET_PDEATHSIG), however it dies."""
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM, 0, 0, 0)


def account_path(account_id):
    """The object path of an account, escaped as sd_bus_path_encode() does."""
    if not account_id:
        return ACCOUNT_PREFIX + '/_'
    out = []
    for i, byte in enumerate(account_id.encode()):
        c = chr(byte)
        if (c.isascii() and c.isalpha()) or (c.isdigit() and i > 0):
            out.append(c)
        else:
            out.append('_%02x' % byte)
    return ACCOUNT_PREFIX + '/' + ''.join(out)


def unwrap(value):
    """dbus-python values as plain Python values."""
    if isinstance(value, dbus.Boolean):
        return bool(value)
    if isinstance(value, (dbus.Byte, dbus.Int16, dbus.Int32, dbus.Int64, dbus.UInt16,
                          dbus.UInt32, dbus.UInt64)):
        return int(value)
    if isinstance(value, (dbus.String, dbus.ObjectPath)):
        return str(value)
    if isinstance(value, dbus.Double):
        return float(value)
    if isinstance(value, (dbus.Array, list)):
        return [unwrap(v) for v in value]
    if isinstance(value, (dbus.Struct, tuple)):
        return tuple(unwrap(v) for v in value)
    if isinstance(value, (dbus.Dictionary, dict)):
        return {unwrap(k): unwrap(v) for k, v in value.items()}
    return value


class NotifySocket:
    """A NOTIFY_SOCKET like systemd's: collects the daemon's sd_notify() messages.

    A thread reads it all the time, as systemd does: an AF_UNIX datagram socket queues
    only net.unix.max_dgram_qlen messages (10 by default; systemd raises it to 512), and
    past that the daemon's sd_notify() blocks, whatever the test is doing meanwhile (a
    blocking call, say, which does not run the main loop)."""

    def __init__(self, path):
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_NONBLOCK)
        self.sock.bind(path)
        self.messages = []
        self.lock = threading.Lock()
        self.closed = False
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        while not self.closed:
            if select.select([self.sock], [], [], 0.1)[0]:
                self.poll()

    def poll(self):
        """Takes in what has arrived (seen() and last() do, so they see everything sent
        before they were called)."""
        with self.lock:
            while True:
                try:
                    data = self.sock.recv(4096)
                except OSError:
                    return
                self.messages.extend(data.decode(errors='replace').split('\n'))

    def seen(self, line):
        self.poll()
        return line in self.messages

    def last(self, prefix):
        """The last message starting with prefix (e.g. 'STATUS='), without it; or None."""
        self.poll()
        for m in reversed(self.messages):
            if m.startswith(prefix):
                return m[len(prefix):]
        return None

    def close(self):
        self.closed = True
        self.thread.join()
        self.sock.close()


class Recorder:
    """Records, in arrival order, the signals the daemon sends on the session bus."""

    def __init__(self, bus):
        self.bus = bus
        self.events = []
        self.matches = [
            bus.add_signal_receiver(self._on_state_changed, signal_name='StateChanged',
                                    dbus_interface=IFACE_OFFLINE, bus_name=BUS_NAME,
                                    path_keyword='path'),
            bus.add_signal_receiver(self._on_properties_changed,
                                    signal_name='PropertiesChanged',
                                    dbus_interface=IFACE_PROPS, bus_name=BUS_NAME,
                                    path_keyword='path'),
            bus.add_signal_receiver(self._on_states_changed, signal_name='StatesChanged',
                                    dbus_interface=IFACE_MANAGER, bus_name=BUS_NAME,
                                    path_keyword='path'),
            bus.add_signal_receiver(self._on_added, signal_name='InterfacesAdded',
                                    dbus_interface=IFACE_OBJECT_MANAGER, bus_name=BUS_NAME),
            bus.add_signal_receiver(self._on_removed, signal_name='InterfacesRemoved',
                                    dbus_interface=IFACE_OBJECT_MANAGER, bus_name=BUS_NAME),
        ]

    def _on_state_changed(self, notify_type, mask, old, new, path=None):
        self.events.append(('StateChanged', str(path), (int(notify_type), int(mask), int(old),
                                                         int(new))))

    def _on_states_changed(self, changes, path=None):
        self.events.append(('StatesChanged', str(path),
                            [(str(p), int(t), int(o), int(n)) for p, t, o, n in changes]))

    def _on_properties_changed(self, iface, changed, invalidated, path=None):
        self.events.append(('PropertiesChanged', str(path), (str(iface), unwrap(changed))))

    def _on_added(self, path, interfaces):
        self.events.append(('InterfacesAdded', str(path), tuple(sorted(unwrap(interfaces)))))

    def _on_removed(self, path, interfaces):
        self.events.append(('InterfacesRemoved', str(path), tuple(sorted(unwrap(interfaces)))))

    def note(self, what, value=None):
        """Adds a marker (e.g. a method reply) to the event stream."""
        self.events.append((what, None, value))

    def phases(self, path):
        """(notify_type, old, new) of every StateChanged of path, in order."""
        return [(e[2][0], e[2][2], e[2][3]) for e in self.events
                if e[0] == 'StateChanged' and e[1] == path]

    def states_changed(self):
        """The entries of every StatesChanged, one list per signal."""
        return [e[2] for e in self.events if e[0] == 'StatesChanged']

    def assert_states_changed_lead(self, testcase):
        """Every StatesChanged lists exactly the StateChanged signals that follow it up to
        the next StatesChanged, in their order: (path, type, old, new)."""
        groups = []
        for kind, path, data in self.events:
            if kind == 'StatesChanged':
                groups.append((data, []))
            elif kind == 'StateChanged':
                testcase.assertTrue(groups, 'a StateChanged before any StatesChanged: %s'
                                    % self.events)
                groups[-1][1].append((path, data[0], data[2], data[3]))
        for listed, followed in groups:
            testcase.assertEqual(listed, followed)
        return len(groups)

    def property_changes(self, path, iface=IFACE_OFFLINE):
        return [e[2][1] for e in self.events
                if e[0] == 'PropertiesChanged' and e[1] == path and e[2][0] == iface]

    def clear(self):
        self.events.clear()

    def close(self):
        for m in self.matches:
            m.remove()
        self.matches = []


class DaemonTestCase(dbusmock.DBusTestCase):
    """Private buses per class; a fresh daemon, home and recorder per test."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.start_system_bus()
        cls.start_session_bus()
        cls.session = cls.get_dbus(system_bus=False)
        cls.system = cls.get_dbus(system_bus=True)

    # Bus daemons started by start_dbus(), by pid, to be reaped when stopped.
    _bus_processes = {}

    @classmethod
    def start_dbus(cls, conf=None):
        """Starts a bus daemon that cannot outlive the test process: unlike dbusmock's
        (which forks it into a session of its own), it stays in the test's process group,
        which meson kills on a timeout, and gets SIGTERM if the test process dies any
        other way. Returns (pid, address), as dbusmock's does."""
        argv = ['dbus-daemon', '--nofork', '--print-address=1']
        argv.append('--config-file=%s' % conf if conf else '--session')
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True,
                                preexec_fn=_die_with_parent)
        address = proc.stdout.readline().strip()
        proc.stdout.close()
        if not address:
            proc.wait()
            raise RuntimeError('dbus-daemon did not start (exit status %s)' % proc.returncode)
        DaemonTestCase._bus_processes[proc.pid] = proc
        return proc.pid, address

    @classmethod
    def _start_private_bus(cls, bus_type):
        """A private bus as dbusmock configures it, started with start_dbus() above."""
        services = cls.get_services_dir(system_bus=bus_type == 'system')
        conf = os.path.join(os.path.dirname(services), 'omtest_%s.conf' % bus_type)
        with open(conf, 'w') as f:
            f.write(bus_config(bus_type, servicedir=services))
        pid, address = cls.start_dbus(conf=conf)
        os.environ['DBUS_%s_BUS_ADDRESS' % bus_type.upper()] = address
        setattr(cls, '%s_bus_pid' % bus_type, pid)

    @classmethod
    def start_session_bus(cls):
        cls._start_private_bus('session')

    @classmethod
    def start_system_bus(cls):
        cls._start_private_bus('system')

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        # dbusmock records its data directory on DBusTestCase but clears and tests the
        # attribute of the subclass, so it never removes it.
        _remove_dbusmock_datadir()

    @classmethod
    def stop_dbus(cls, pid):
        """Stops a bus daemon and waits for it to exit (a pidfd becomes readable), bounded.

        dbusmock's version polls kill() until ESRCH, which never comes while the forked
        daemon waits, as a zombie, for a slow init to reap it."""
        try:
            fd = os.pidfd_open(pid)
        except ProcessLookupError:
            return
        try:
            os.kill(pid, signal.SIGTERM)
            if not select.select([fd], [], [], 5)[0]:
                os.kill(pid, signal.SIGKILL)
                select.select([fd], [], [], 5)
        except ProcessLookupError:
            pass
        finally:
            os.close(fd)
            proc = DaemonTestCase._bus_processes.pop(pid, None)
            if proc is not None:
                proc.wait()

    def setUp(self):
        super().setUp()
        self.tmp = tempfile.mkdtemp(prefix='omtest-')
        self.config_dir = os.path.join(self.tmp, 'config', 'offlinemgr')
        self.accounts_dir = os.path.join(self.config_dir, 'accounts')
        self.state_dir = os.path.join(self.tmp, 'state', 'offlinemgr')
        os.makedirs(self.accounts_dir)
        self.notify = None
        self.daemon = None
        self.daemon_log_path = os.path.join(self.tmp, 'offlinemgrd.log')
        self.recorder = Recorder(self.session)

    def tearDown(self):
        exit_problem = None
        if self.daemon is not None and self.daemon.poll() is None:
            exit_problem = self._terminate_daemon()
        self.recorder.close()
        if self.notify is not None:
            self.notify.close()
        if self._failed():
            sys.stderr.write('--- offlinemgrd log ---\n%s\n' % self.daemon_log())
        shutil.rmtree(self.tmp, ignore_errors=True)
        super().tearDown()
        if exit_problem is not None:
            self.fail(exit_problem)

    def _terminate_daemon(self):
        """Stops a daemon the test left running the way systemd does, and says what went
        wrong if it did not exit cleanly: under valgrind and the sanitizers, that is where
        leaks and memory errors found at exit show."""
        self.daemon.terminate()
        try:
            status = self.daemon.wait(10 * TIMEOUT_SCALE)
        except subprocess.TimeoutExpired:
            self.daemon.kill()
            self.daemon.wait()
            return 'offlinemgrd did not exit within %gs of SIGTERM:\n%s' % (
                10 * TIMEOUT_SCALE, self.daemon_log())
        if status != 0:
            return 'offlinemgrd exited with status %d on SIGTERM:\n%s' % (status,
                                                                        self.daemon_log())
        return None

    def _failed(self):
        """Whether this test has failed so far (Python 3.11 reports failures at once;
        older versions collect them in _outcome.errors)."""
        outcome = getattr(self, '_outcome', None)
        if outcome is None:
            return False
        if any(err for _, err in getattr(outcome, 'errors', [])):
            return True
        result = getattr(outcome, 'result', None)
        return result is not None and any(t is self for t, _ in result.failures + result.errors)

    # ---- files ----

    def account_file(self, account_id):
        return os.path.join(self.accounts_dir, account_id + '.conf')

    def write_account(self, account_id, text):
        """Writes an account keyfile the way an editor's atomic save does."""
        tmp = os.path.join(self.accounts_dir, '.tmp-' + account_id)
        with open(tmp, 'w') as f:
            f.write(text)
        os.rename(tmp, self.account_file(account_id))

    def write_config(self, text):
        os.makedirs(self.config_dir, exist_ok=True)
        with open(os.path.join(self.config_dir, 'offlinemgrd.conf'), 'w') as f:
            f.write(text)

    def state_file(self):
        return os.path.join(self.state_dir, 'requested-state')

    # ---- the daemon ----

    def daemon_env(self, extra=None):
        env = dict(os.environ)
        env.update({
            'XDG_CONFIG_HOME': os.path.join(self.tmp, 'config'),
            'XDG_STATE_HOME': os.path.join(self.tmp, 'state'),
            'NOTIFY_SOCKET': self.notify.path,
            'G_DEBUG': 'fatal-criticals',
        })
        env.update(extra or {})
        return env

    def start_daemon(self, args=(), env=None, wait=True, delays=(0, 0), wrapper=(),
                     preexec_fn=None):
        """Starts offlinemgrd; by default with both debounce delays 0 (unless a config
        file exists) and waits for READY=1. wrapper is a command prefix (e.g. unshare);
        preexec_fn runs in the child before exec (e.g. a seccomp filter)."""
        if delays is not None and not os.path.exists(
                os.path.join(self.config_dir, 'offlinemgrd.conf')):
            self.write_config('[Policy]\nOfflineDelayMs=%d\nOnlineDelayMs=%d\n' % delays)
        if self.notify is None:
            self.notify = NotifySocket(os.path.join(self.tmp, 'notify'))
        self.notify.messages.clear()
        cmd = list(wrapper) + os.environ.get('OM_DAEMON_WRAPPER', '').split() + [
            OFFLINEMGRD, '--verbose']
        self.daemon = subprocess.Popen(cmd + list(args), env=self.daemon_env(env),
                                       stdout=open(self.daemon_log_path, 'a'),
                                       stderr=subprocess.STDOUT, preexec_fn=preexec_fn)
        if wait:
            self.wait_ready()
        return self.daemon

    def wait_ready(self, timeout=10):
        self.wait_until(lambda: self.notify.seen('READY=1') or self.daemon.poll() is not None,
                        timeout, 'READY=1')
        self.assertIsNone(self.daemon.poll(), 'offlinemgrd exited during start-up:\n' +
                          self.daemon_log())

    def stop_daemon(self, sig=signal.SIGTERM, expect=0, timeout=10):
        self.daemon.send_signal(sig)
        try:
            status = self.daemon.wait(timeout * TIMEOUT_SCALE)
        except subprocess.TimeoutExpired:
            self.daemon.kill()
            self.fail('offlinemgrd did not exit within %ds of signal %d' % (timeout, sig))
        if expect is not None:
            self.assertEqual(status, expect, self.daemon_log())
        # Let the bus tell everyone the name is gone before the next start.
        self.wait_until(lambda: not self.name_has_owner(), 5, 'the name to be released')
        return status

    def daemon_log(self):
        try:
            with open(self.daemon_log_path, errors='replace') as f:
                return f.read()
        except FileNotFoundError:
            return ''

    def name_has_owner(self, name=BUS_NAME):
        return bool(self.session.name_has_owner(name))

    def wait_log(self, text, timeout=5):
        """Waits until the daemon's log contains text; returns the log."""
        self.wait_until(lambda: text in self.daemon_log(), timeout, 'log line %r' % text)
        return self.daemon_log()

    def require_online(self):
        """Skips the test unless the global object is ONLINE: tests of transitions away
        from ONLINE need a network, which the machine may not have."""
        if self.state() != ONLINE:
            self.skipTest('needs a network: the global object is OFFLINE (%s)' % self.reason())

    # ---- TCP servers for reachability probes ----

    def _listen(self, backlog):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.addCleanup(sock.close)
        sock.bind(('127.0.0.1', 0))
        sock.listen(backlog)
        return sock, sock.getsockname()[1]

    def open_port(self):
        """A port on 127.0.0.1 where the kernel completes connections at once."""
        return self._listen(16)[1]

    def closed_port(self):
        """A port on 127.0.0.1 where a connection is refused at once."""
        sock, port = self._listen(1)
        sock.close()
        return port

    def hanging_port(self):
        """A port on 127.0.0.1 where a connection attempt hangs: the listener's queue
        (backlog 0) is full, so the kernel drops new SYNs until the prober gives up."""
        _, port = self._listen(0)
        filler = socket.create_connection(('127.0.0.1', port), timeout=5)
        self.addCleanup(filler.close)
        return port

    # ---- waiting ----

    def wait_until(self, predicate, timeout=5, what='condition'):
        """Runs the main loop until predicate() is true; fails after timeout seconds."""
        ctx = GLib.main_context_default()
        deadline = time.monotonic() + timeout * TIMEOUT_SCALE
        while not predicate():
            if time.monotonic() > deadline:
                self.fail('timed out after %gs waiting for %s' % (timeout * TIMEOUT_SCALE, what))
            # A short timer bounds each blocking iteration, so the deadline is checked.
            source = GLib.timeout_add(20, lambda: False)
            ctx.iteration(True)
            GLib.source_remove(source) if ctx.find_source_by_id(source) else None
        while ctx.pending():
            ctx.iteration(False)

    def drain(self):
        """Dispatches everything already received."""
        ctx = GLib.main_context_default()
        while ctx.pending():
            ctx.iteration(False)

    def sync(self):
        """Waits until the daemon has processed everything sent before: a round trip
        orders after every earlier message, and signals come before its reply."""
        self.call(ROOT_PATH, IFACE_OFFLINE, 'GetCapabilities')
        self.drain()

    # ---- calls ----

    def proxy(self, path):
        return self.session.get_object(BUS_NAME, path, introspect=False)

    def call(self, path, iface, method, *args, signature=None, timeout=10):
        """A synchronous call; returns the unwrapped result."""
        result = self.proxy(path).get_dbus_method(method, iface)(
            *args, signature=signature, timeout=timeout * TIMEOUT_SCALE)
        return unwrap(result)

    def call_async(self, path, iface, method, *args, signature=None):
        """Sends a call; its reply or error is recorded in self.recorder as ('reply', ...)
        or ('error', ...). Returns a dict that gets 'reply' or 'error'."""
        box = {}

        def on_reply(*result):
            box['reply'] = unwrap(result[0]) if len(result) == 1 else unwrap(result)
            self.recorder.note('reply', box['reply'])

        def on_error(e):
            box['error'] = e.get_dbus_name()
            self.recorder.note('error', box['error'])

        self.proxy(path).get_dbus_method(method, iface)(
            *args, signature=signature, reply_handler=on_reply, error_handler=on_error,
            timeout=30 * TIMEOUT_SCALE)
        return box

    def assert_error(self, name, path, iface, method, *args, signature=None):
        """Asserts that the call fails with the error name (prefix added for short names)
        and returns the error message."""
        if '.' not in name:
            name = ERROR_PREFIX + name
        with self.assertRaises(dbus.exceptions.DBusException) as cm:
            self.call(path, iface, method, *args, signature=signature)
        self.assertEqual(cm.exception.get_dbus_name(), name, cm.exception.get_dbus_message())
        return cm.exception.get_dbus_message()

    def introspect(self, path=ROOT_PATH):
        return self.call(path, 'org.freedesktop.DBus.Introspectable', 'Introspect')

    def get(self, path, iface, prop):
        return self.call(path, IFACE_PROPS, 'Get', iface, prop)

    def get_all(self, path, iface):
        return self.call(path, IFACE_PROPS, 'GetAll', iface)

    def state(self, path=ROOT_PATH):
        return self.get(path, IFACE_OFFLINE, 'State')

    def reason(self, path=ROOT_PATH):
        return self.get(path, IFACE_OFFLINE, 'Reason')

    def set_state(self, path, state, flags=0):
        return self.call(path, IFACE_OFFLINE, 'SetCurrentState', dbus.UInt32(flags),
                         dbus.UInt32(MASK), dbus.UInt32(state))

    def add_account(self, account_id, settings=None):
        return self.call(ROOT_PATH, IFACE_MANAGER, 'AddAccount', account_id,
                         dbus.Dictionary(settings or {}, signature='sv'))

    def update_account(self, account_id, settings):
        return self.call(ROOT_PATH, IFACE_MANAGER, 'UpdateAccount', account_id,
                         dbus.Dictionary(settings, signature='sv'))

    def remove_account(self, account_id):
        return self.call(ROOT_PATH, IFACE_MANAGER, 'RemoveAccount', account_id)

    def wait_state(self, path, state, reason=None, timeout=5):
        self.wait_until(lambda: self.state(path) == state and
                        (reason is None or self.reason(path) == reason), timeout,
                        '%s to be %s%s' % (path, state, '' if reason is None else
                                           ' (%s)' % reason))

    def wait_phases(self, path, count, timeout=5):
        """Waits for at least count StateChanged signals on path; returns them all."""
        self.wait_until(lambda: len(self.recorder.phases(path)) >= count, timeout,
                        '%d StateChanged on %s (have %s)' % (count, path,
                                                             self.recorder.phases(path)))
        return self.recorder.phases(path)

    def assert_transition(self, path, old, new, phases=None):
        """Asserts that phases (default: all recorded on path) are exactly one complete
        transition old → new."""
        if phases is None:
            phases = self.recorder.phases(path)
        self.assertEqual(phases, [(START, old, new), (STATECHANGE, old, new), (DONE, old, new)])


def main():
    """Runs one test (Class.test_method) or the whole module, as meson test does.

    Exits 77 when everything that ran was skipped, so that meson reports SKIP (with the
    reason printed) rather than OK."""
    program = unittest.main(module='__main__', exit=False, testRunner=unittest.TextTestRunner(
        stream=sys.stdout, verbosity=2))
    result = program.result
    if not result.wasSuccessful():
        sys.exit(1)
    if result.testsRun > 0 and len(result.skipped) == result.testsRun:
        for test, why in result.skipped:
            print('SKIP %s: %s' % (test.id(), why))
        sys.exit(77)
    sys.exit(0)
