"""Harness for the network tests: NetworkManager and logind stand-ins on the private
system bus (tests/network/standin.py), and helpers to drive them and to read the
daemon's view of the network."""

import glob
import json
import os
import signal
import socket
import subprocess
import sys
import time

import dbus

from omtest import (IFACE_MANAGER, IFACE_OFFLINE, ROOT_PATH, DaemonTestCase, account_path,
                    unwrap)

HERE = os.path.dirname(os.path.abspath(__file__))
STANDIN = os.path.join(HERE, 'standin.py')

NM_NAME = 'org.freedesktop.NetworkManager'
NM_PATH = '/org/freedesktop/NetworkManager'
NM_IFACE = 'org.freedesktop.NetworkManager'
NM_MAIN = '/org/freedesktop'
LOGIND_NAME = 'org.freedesktop.login1'
LOGIND_PATH = '/org/freedesktop/login1'
LOGIND_IFACE = 'org.freedesktop.login1.Manager'
MOCK_IFACE = 'org.freedesktop.DBus.Mock'

# NetworkManager's enums.
NM_STATE_ASLEEP, NM_STATE_DISCONNECTED, NM_STATE_CONNECTING = 10, 20, 40
NM_STATE_CONNECTED_LOCAL, NM_STATE_CONNECTED_SITE, NM_STATE_CONNECTED_GLOBAL = 50, 60, 70
NM_CONNECTIVITY_UNKNOWN, NM_CONNECTIVITY_NONE, NM_CONNECTIVITY_PORTAL = 0, 1, 2
NM_CONNECTIVITY_LIMITED, NM_CONNECTIVITY_FULL = 3, 4
NM_METERED_UNKNOWN, NM_METERED_YES, NM_METERED_NO = 0, 1, 2
NM_METERED_GUESS_YES, NM_METERED_GUESS_NO = 3, 4
AC_ACTIVATING, AC_ACTIVATED, AC_DEACTIVATING = 1, 2, 3


class NetworkTestCase(DaemonTestCase):
    """A DaemonTestCase with NetworkManager and logind stand-ins."""

    def setUp(self):
        super().setUp()
        self.standins = {}
        self.addCleanup(self.stop_all_standins)
        self.ports = PortFixture()
        self.addCleanup(self.ports.close)
        # (monotonic time, path, notify type, old, new) of every StateChanged.
        self.timed_phases = []
        match = self.session.add_signal_receiver(
            lambda t, m, o, n, path=None: self.timed_phases.append(
                (time.monotonic(), str(path), int(t), int(o), int(n))),
            signal_name='StateChanged', dbus_interface=IFACE_OFFLINE, path_keyword='path')
        self.addCleanup(match.remove)

    # ---- stand-ins ----

    def start_standin(self, template, parameters=None, name_first_ms=None, hang=False,
                      wait=True):
        name = NM_NAME if template == 'networkmanager' else LOGIND_NAME
        self.assertNotIn(template, self.standins)
        cmd = [sys.executable, STANDIN, template]
        if parameters:
            cmd += ['--parameters', json.dumps(parameters)]
        if name_first_ms is not None:
            cmd += ['--name-first', str(name_first_ms)]
        if hang:
            cmd.append('--hang')
        log = open(os.path.join(self.tmp, template + '.log'), 'a')
        self.standins[template] = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        if wait:
            self.wait_until(lambda: self.system_name_has_owner(name) or
                            self.standins[template].poll() is not None, 10,
                            '%s to own %s' % (template, name))
            self.assertIsNone(self.standins[template].poll(), '%s stand-in exited' % template)
        return self.standins[template]

    def stop_standin(self, template, sig=signal.SIGTERM):
        name = NM_NAME if template == 'networkmanager' else LOGIND_NAME
        proc = self.standins.pop(template)
        proc.send_signal(sig)
        proc.wait(10)
        self.wait_until(lambda: not self.system_name_has_owner(name), 5,
                        '%s to leave the bus' % name)

    def stop_all_standins(self):
        for proc in self.standins.values():
            proc.kill()
            proc.wait()
        self.standins.clear()

    def start_nm(self, **parameters):
        """NetworkManager stand-in; parameters are the template's (State=70, ...)."""
        return self.start_standin('networkmanager', parameters)

    def stop_nm(self):
        self.stop_standin('networkmanager')

    def start_logind(self):
        return self.start_standin('logind')

    def system_name_has_owner(self, name):
        return bool(self.system.name_has_owner(name))

    def system_object(self, path, name=NM_NAME):
        return self.system.get_object(name, path, introspect=False)

    # ---- driving NetworkManager ----

    def nm_set(self, **props):
        """Changes manager properties in one PropertiesChanged, as NetworkManager does."""
        values = {}
        for k, v in props.items():
            if k in ('NetworkingEnabled',):
                values[k] = dbus.Boolean(v)
            elif k in ('PrimaryConnection', 'ActivatingConnection'):
                values[k] = dbus.ObjectPath(v)
            elif k == 'ActiveConnections':
                values[k] = dbus.Array([dbus.ObjectPath(p) for p in v], signature='o')
            else:
                values[k] = dbus.UInt32(v)
        self.system_object(NM_MAIN).SetManager(dbus.Dictionary(values, signature='sv'),
                                               dbus_interface=MOCK_IFACE)

    def nm_add_active(self, conn_id, uuid=None, conn_type='802-3-ethernet',
                      state=AC_ACTIVATED, vpn=False):
        return str(self.system_object(NM_MAIN).AddActive(
            conn_id, uuid or 'uuid-' + conn_id, conn_type, dbus.UInt32(state),
            dbus.Boolean(vpn), dbus_interface=MOCK_IFACE))

    def nm_set_active_state(self, path, state):
        self.system_object(NM_MAIN).SetActiveState(dbus.ObjectPath(path), dbus.UInt32(state),
                                                   dbus_interface=MOCK_IFACE)

    def nm_remove_active(self, path):
        self.system_object(NM_MAIN).RemoveActive(dbus.ObjectPath(path),
                                                 dbus_interface=MOCK_IFACE)

    # ---- driving logind ----

    def prepare_for_sleep(self, start):
        self.system_object(LOGIND_PATH, LOGIND_NAME).EmitSignal(
            LOGIND_IFACE, 'PrepareForSleep', 'b', [dbus.Boolean(start)],
            dbus_interface=MOCK_IFACE)

    def inhibitors(self):
        return unwrap(self.system_object(LOGIND_PATH, LOGIND_NAME).ListInhibitors(
            dbus_interface=LOGIND_IFACE))

    # ---- the daemon's view ----

    def manager(self, prop):
        return self.get(ROOT_PATH, IFACE_MANAGER, prop)

    def manager_changes(self):
        """Every PropertiesChanged of the Manager interface so far, in order."""
        return self.recorder.property_changes(ROOT_PATH, IFACE_MANAGER)

    def wait_manager(self, prop, value, timeout=5):
        self.wait_until(lambda: self.manager(prop) == value, timeout,
                        'Manager.%s to be %r (is %r)' % (prop, value, self.manager(prop)))

    def wait_reason(self, path, reason, timeout=5):
        """Waits for Reason (and the matching State: ONLINE for '', else OFFLINE)."""
        self.wait_until(lambda: self.reason(path) == reason and
                        self.state(path) == (2 if reason == '' else 1), timeout,
                        '%s to have reason %r (is %r)' % (path, reason, self.reason(path)))

    def add_account_sync(self, account_id, settings=None):
        self.add_account(account_id, settings)
        return account_path(account_id)


class PortFixture:
    """Local TCP ports for reachability probes: one that accepts (`open`), one that
    refuses (`closed`) and one where a connect hangs (`hanging`: a listener with a full
    accept queue drops new SYNs)."""

    def __init__(self):
        self.sockets = []

    def open(self):
        s = socket.socket()
        s.bind(('127.0.0.1', 0))
        s.listen(16)
        self.sockets.append(s)
        return s.getsockname()[1], s

    def closed(self):
        return free_tcp_port()

    def hanging(self):
        listener = socket.socket()
        listener.bind(('127.0.0.1', 0))
        listener.listen(0)
        port = listener.getsockname()[1]
        self.sockets.append(listener)
        for _ in range(3):
            filler = socket.socket()
            filler.setblocking(False)
            try:
                filler.connect(('127.0.0.1', port))
            except BlockingIOError:
                pass
            self.sockets.append(filler)
        return port

    def close(self):
        for s in self.sockets:
            s.close()
        self.sockets.clear()


def sockets_to_port(pid, port):
    """The TCP states (hex strings from /proc/net/tcp) of pid's sockets whose remote
    port is `port`."""
    inodes = set()
    for fd in glob.glob('/proc/%d/fd/*' % pid):
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith('socket:['):
            inodes.add(target[8:-1])
    states = []
    with open('/proc/%d/net/tcp' % pid) as f:
        next(f)
        for line in f:
            fields = line.split()
            if int(fields[2].split(':')[1], 16) == port and fields[9] in inodes:
                states.append(fields[3])
    return states


def free_tcp_port():
    """A port on 127.0.0.1 that nothing listens on (connections are refused)."""
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
    s.close()
    return port


def kernel_has_default_route():
    """Whether this network namespace has a unicast default route (IPv4 or IPv6, any
    table), as `ip` reports it: the expectation for the netlink backend."""
    for family in ('-4', '-6'):
        out = subprocess.run(['ip', '-j', family, 'route', 'show', 'table', 'all'],
                             check=True, capture_output=True, text=True).stdout
        for route in json.loads(out or '[]'):
            if route.get('dst') == 'default' and route.get('type', 'unicast') == 'unicast':
                return True
    return False


def can_unshare_net():
    """Whether this process may create network namespaces (root, or CAP_SYS_ADMIN)."""
    try:
        return subprocess.run(['unshare', '--net', 'true'], capture_output=True).returncode == 0
    except FileNotFoundError:
        return False


def netns_ip(pid, *args):
    """Runs `ip ARGS` in the network namespace of process pid."""
    subprocess.run(['nsenter', '-t', str(pid), '-n', 'ip'] + list(args), check=True,
                   capture_output=True)


# Seccomp: make socket(AF_NETLINK, ...) fail with EAFNOSUPPORT, as systemd's
# RestrictAddressFamilies= does; (AUDIT_ARCH_*, __NR_socket) per machine.
SECCOMP_ARCHES = {'x86_64': (0xC000003E, 41), 'aarch64': (0xC00000B7, 198)}


def netlink_forbidder():
    """A preexec_fn that installs a seccomp filter refusing AF_NETLINK sockets to the
    child. Everything is prepared here, in the parent: the child only calls prctl()."""
    import ctypes
    import platform
    audit_arch, nr_socket = SECCOMP_ARCHES[platform.machine()]
    ld_abs, jeq, ret = 0x20, 0x15, 0x06   # BPF_LD|BPF_W|BPF_ABS, BPF_JMP|BPF_JEQ|BPF_K, BPF_RET|BPF_K
    allow, errno_eafnosupport = 0x7fff0000, 0x00050000 | 97
    af_netlink = 16
    insns = [
        (ld_abs, 0, 0, 4),                    # A = seccomp_data.arch
        (jeq, 1, 0, audit_arch),
        (ret, 0, 0, allow),
        (ld_abs, 0, 0, 0),                    # A = seccomp_data.nr
        (jeq, 0, 3, nr_socket),
        (ld_abs, 0, 0, 16),                   # A = low word of args[0] (the family)
        (jeq, 0, 1, af_netlink),
        (ret, 0, 0, errno_eafnosupport),
        (ret, 0, 0, allow),
    ]

    class SockFilter(ctypes.Structure):
        _fields_ = [('code', ctypes.c_uint16), ('jt', ctypes.c_uint8),
                    ('jf', ctypes.c_uint8), ('k', ctypes.c_uint32)]

    class SockFprog(ctypes.Structure):
        _fields_ = [('len', ctypes.c_ushort), ('filter', ctypes.POINTER(SockFilter))]

    filters = (SockFilter * len(insns))(*[SockFilter(*i) for i in insns])
    prog = SockFprog(len(insns), filters)
    prog_ref = ctypes.byref(prog)
    prctl = ctypes.CDLL(None, use_errno=True).prctl
    pr_set_no_new_privs, pr_set_seccomp, seccomp_mode_filter = 38, 22, 2

    def preexec():
        if prctl(pr_set_no_new_privs, 1, 0, 0, 0) != 0 or \
                prctl(pr_set_seccomp, seccomp_mode_filter, prog_ref, 0, 0) != 0:
            os._exit(127)
    preexec.keep = (filters, prog)
    return preexec
