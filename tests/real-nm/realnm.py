"""A real NetworkManager in a pair of network namespaces, on a private system bus.

    root netns                  netns nmt-<pid>-<n>-nm           netns nmt-<pid>-<n>-peer
    test process, offlinemgrd   dbus-daemon (path socket)        nmt0p 10.77.0.1/24, the gateway
      <- unix:path=<work>/system_bus_socket ->                   python3 -m http.server :8080
                                NetworkManager, private mount      (the connectivity check)
                                and UTS namespace, nmt0 <--veth--> nmt0p

The veth pair is created directly inside the two namespaces, so the host's network (and any
NetworkManager or udev on the host) never sees it. The only link between the test and
NetworkManager is the bus socket, a path in the file system: path sockets work across
network namespaces, abstract ones would not.

NetworkManager runs under `ip netns exec <ns> unshare --mount --uts` with:
  - /sys remounted read-only: NetworkManager then decides that udev is not in use and
    manages the veth at once (with a writable /sys it waits for a udev that never comes);
  - /run and /var/lib/NetworkManager bind-mounted from the work directory, and its own
    configuration, state file and keyfile directory, so nothing of the host's is read or
    written; the same /run is kept across restarts so that a restarted NetworkManager
    re-assumes its connection (with a fresh /run it reports an external one);
  - carrier-wait-timeout=1000, so a carrier loss is reported after about 1-2 s instead of
    5-6 s.

Every process the harness starts lives in one of its two namespaces, so cleanup finds them
all with `ip netns pids` and nothing of anybody else's is ever signalled. A reaper process in
a session of its own holds a pipe from the test process: if the test process dies in any
way (a failure, SIGTERM or SIGKILL from a test runner's timeout, ^C), the reaper sees the
pipe close and removes the processes, namespaces, work directory and, if the harness created
it and it is empty, /run/netns.

Missing prerequisites (not root, no NetworkManager, `ip netns` or unshare/mount not
permitted) raise Unavailable with a message that says what is missing; anything that goes
wrong after those checks is an error.
"""

import fcntl
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid

NM_NAME = 'org.freedesktop.NetworkManager'
NM_PATH = '/org/freedesktop/NetworkManager'
NM_IFACE = 'org.freedesktop.NetworkManager'
PROPS_IFACE = 'org.freedesktop.DBus.Properties'

# NMState, NMConnectivityState and NMMetered values the tests use.
NM_STATE_ASLEEP = 10
NM_STATE_DISCONNECTED = 20
NM_STATE_CONNECTED_LOCAL = 50
NM_STATE_CONNECTED_SITE = 60
NM_STATE_CONNECTED_GLOBAL = 70
NM_CONNECTIVITY_NONE = 1
NM_CONNECTIVITY_PORTAL = 2
NM_CONNECTIVITY_LIMITED = 3
NM_CONNECTIVITY_FULL = 4
NM_METERED_YES = 1
NM_METERED_GUESS_YES = 3
NM_METERED_GUESS_NO = 4

DEVICE = 'nmt0'
PEER_DEVICE = 'nmt0p'
GATEWAY = '10.77.0.1'
CHECK_PORT = 8080
CHECK_RESPONSE = 'NetworkManager is online'

NETNS_DIR = '/run/netns'
# Exists while /run/netns is there because a harness created it; the last harness to
# leave an empty /run/netns removes both. Parallel harnesses coordinate with flock on /run.
NETNS_DIR_MARKER = '/run/offlinemgr-tests-created-netns-dir'
LOCK_DIR = '/run'

SBIN_DIRS = ('/usr/sbin', '/sbin', '/usr/bin', '/bin')

_instances = 0

# A private bus: no service directories (no activation) and a permissive policy; the
# socket's 0700 directory keeps everyone else out.
_BUS_CONFIG = '''<!DOCTYPE busconfig PUBLIC
 "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>%s</type>
  <listen>%s</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*"/>
    <allow receive_sender="*"/>
  </policy>
</busconfig>
'''


class Unavailable(Exception):
    """This machine cannot run a real NetworkManager in a namespace; says what is missing."""


def _which(name):
    path = shutil.which(name)
    if path is None:
        path = shutil.which(name, path=os.pathsep.join(SBIN_DIRS))
    return path


def missing_prerequisite():
    """What this machine lacks for the harness, as a sentence; None if nothing is known to
    be missing (the namespace and mount steps are tried during set-up)."""
    if sys.platform != 'linux':
        return 'network namespaces need Linux'
    if os.geteuid() != 0:
        return ('not running as root (uid %d): network namespaces, veth links and mounts '
                'need CAP_SYS_ADMIN and CAP_NET_ADMIN' % os.geteuid())
    for binary, package in (('NetworkManager', 'network-manager'),
                            ('nmcli', 'network-manager'),
                            ('ip', 'iproute2'),
                            ('unshare', 'util-linux'),
                            ('mount', 'mount'),
                            ('umount', 'mount'),
                            ('mountpoint', 'util-linux'),
                            ('dbus-daemon', 'dbus-daemon')):
        if _which(binary) is None:
            return 'the %s binary is not installed (Debian package %s)' % (binary, package)
    if not os.path.isdir('/var/lib/NetworkManager'):
        return ('/var/lib/NetworkManager does not exist (it is bind-mounted over in '
                "NetworkManager's private mount namespace; the network-manager package "
                'creates it)')
    return None


# ---- cleanup, shared by the harness and its reaper ----

def _netns_pids(ns):
    out = subprocess.run([_which('ip'), 'netns', 'pids', ns], stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, text=True)
    return [int(p) for p in out.stdout.split()] if out.returncode == 0 else []


def _kill_netns_processes(ns, grace=5.0):
    """Ends every process in ns: SIGTERM, then SIGKILL after grace seconds."""
    pids = _netns_pids(ns)
    for pid in pids:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + grace
    while pids and time.monotonic() < deadline:
        pids = _netns_pids(ns)
        if pids:
            time.sleep(0.02)
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + grace
    while _netns_pids(ns) and time.monotonic() < deadline:
        time.sleep(0.02)


class _RunLock:
    """flock on /run: serialises creating namespaces with removing an empty /run/netns."""

    def __enter__(self):
        self.fd = os.open(LOCK_DIR, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        fcntl.flock(self.fd, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc):
        fcntl.flock(self.fd, fcntl.LOCK_UN)
        os.close(self.fd)


def _is_mountpoint(path):
    return subprocess.run([_which('mountpoint'), '-q', path]).returncode == 0


def _remove_netns_dir_if_ours():
    """Removes /run/netns (and the bind mount `ip netns add` put on it) when a harness
    created it and no namespace is left in it. Call with the lock held."""
    if not os.path.exists(NETNS_DIR_MARKER):
        return
    try:
        if os.listdir(NETNS_DIR):
            return
    except FileNotFoundError:
        os.unlink(NETNS_DIR_MARKER)
        return
    for _ in range(4):
        if not _is_mountpoint(NETNS_DIR):
            break
        subprocess.run([_which('umount'), NETNS_DIR], stderr=subprocess.DEVNULL)
    os.rmdir(NETNS_DIR)
    os.unlink(NETNS_DIR_MARKER)


def cleanup(namespaces, work):
    """Removes everything a harness made; idempotent. Returns what could not be removed."""
    problems = []
    for ns in namespaces:
        if not os.path.exists(os.path.join(NETNS_DIR, ns)):
            continue
        _kill_netns_processes(ns)
        left = _netns_pids(ns)
        if left:
            problems.append('processes %s still in netns %s' % (left, ns))
        r = subprocess.run([_which('ip'), 'netns', 'delete', ns], stderr=subprocess.PIPE,
                           text=True)
        if r.returncode != 0:
            problems.append('ip netns delete %s: %s' % (ns, r.stderr.strip()))
    if work and os.path.isdir(work):
        shutil.rmtree(work, ignore_errors=True)
        if os.path.exists(work):
            problems.append('work directory %s is still there' % work)
    try:
        with _RunLock():
            _remove_netns_dir_if_ours()
    except OSError as e:
        problems.append('removing %s: %s' % (NETNS_DIR, e))
    return problems


def _reaper():
    """Reads what the harness made (JSON lines) until the pipe closes, then cleans up."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    namespaces, work = [], None
    for line in sys.stdin:
        try:
            item = json.loads(line)
        except ValueError:
            continue  # a line cut short by the writer's death
        if 'netns' in item:
            namespaces.append(item['netns'])
        if 'work' in item:
            work = item['work']
    cleanup(namespaces, work)


# ---- the harness ----

class RealNetworkManager:
    """One NetworkManager with its namespaces, bus, profiles and check endpoint.

    Call start(); then close() (also after a failed start). Methods that run commands do
    so with `run`, which keeps a GLib main loop (dbus-python's signal dispatch) turning
    while it waits, so signals are timestamped when they arrive, not when a command
    returns. Properties of interest: bus_address, work, nm_ns, peer_ns."""

    def __init__(self, carrier_wait_timeout_ms=1000):
        global _instances
        _instances += 1
        tag = '%d-%d' % (os.getpid(), _instances)
        self.nm_ns = 'nmt-%s-nm' % tag
        self.peer_ns = 'nmt-%s-peer' % tag
        self.carrier_wait_timeout_ms = carrier_wait_timeout_ms
        self.work = None
        self.bus_address = None
        self.nm = None
        self.bus = None
        self.http = None
        self.session_bus = None
        self.reaper = None

    # -- set-up --

    def start(self):
        why = missing_prerequisite()
        if why:
            raise Unavailable(why)
        self.ip = _which('ip')
        self.nm_binary = _which('NetworkManager')
        self.nmcli_binary = _which('nmcli')
        self._start_reaper()
        try:
            self._setup()
        except BaseException:
            self.close()
            raise

    def _start_reaper(self):
        # Its own session: a test runner's kill of the test's process group spares it, so
        # it is still there to clean up after the test process.
        self.reaper = subprocess.Popen([sys.executable, os.path.abspath(__file__), '--reap'],
                                       stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                       stderr=subprocess.DEVNULL, start_new_session=True,
                                       cwd='/', text=True)

    def _tell_reaper(self, **item):
        self.reaper.stdin.write(json.dumps(item) + '\n')
        self.reaper.stdin.flush()

    def _setup(self):
        base = tempfile.gettempdir()
        if base == '/run' or base.startswith('/run/'):
            # NetworkManager's /run is the work directory's run/, which would hide it.
            base = '/var/tmp'
        self.work = tempfile.mkdtemp(prefix='realnm-', dir=base)
        self._tell_reaper(work=self.work)
        self._write_files()
        self._make_namespaces()
        self._start_bus()
        self._start_endpoint()
        self.start_nm()

    def path(self, *parts):
        return os.path.join(self.work, *parts)

    def _write(self, relpath, text, mode=0o644):
        path = self.path(relpath)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
        with os.fdopen(fd, 'w') as f:
            f.write(text)
        os.chmod(path, mode)

    def _write_files(self):
        for d in ('run', 'varlib', 'conf.d', 'system-conf.d', 'profiles', 'www'):
            os.makedirs(self.path(d))
        os.chmod(self.path('profiles'), 0o700)
        self.bus_address = 'unix:path=' + self.path('system_bus_socket')
        self._write('system-bus.conf', _BUS_CONFIG % ('system', self.bus_address))
        self._write('NetworkManager.conf', '''# Nothing of the host's configuration is read.
[main]
plugins=keyfile
dns=none
rc-manager=unmanaged
hostname-mode=none
systemd-resolved=false
firewall-backend=none
auth-polkit=false
no-auto-default=*

[keyfile]
path={profiles}

[logging]
level=INFO

[device-nmtest]
match-device=interface-name:{device}
managed=1
# Also the grace period after a carrier loss (default 5000 ms).
carrier-wait-timeout={carrier_wait}

[connectivity]
uri=http://{gateway}:{port}/check.txt
response={response}
interval=30
'''.format(profiles=self.path('profiles'), device=DEVICE,
           carrier_wait=self.carrier_wait_timeout_ms, gateway=GATEWAY, port=CHECK_PORT,
           response=CHECK_RESPONSE))
        # Keyfiles must be root's and 0600, or NetworkManager ignores them. A static
        # address with a gateway gives the default route that makes CONNECTED_GLOBAL.
        profile = '''[connection]
id={id}
uuid={uuid}
type=ethernet
interface-name={device}
autoconnect={autoconnect}
{extra}
[ethernet]

[ipv4]
method=manual
address1={address}/24,{gateway}

[ipv6]
method=ignore
'''
        self.profiles = {}
        for name, autoconnect, extra, address in (
                ('primary', 'true', '', '10.77.0.2'),
                ('secondary', 'false', 'metered=1\n', '10.77.0.3')):
            self.profiles[name] = str(uuid.uuid4())
            self._write(os.path.join('profiles', name + '.nmconnection'), profile.format(
                id=name, uuid=self.profiles[name], device=DEVICE, autoconnect=autoconnect,
                extra=extra, address=address, gateway=GATEWAY), mode=0o600)
        self.set_check_content(CHECK_RESPONSE + '\n')

    def _ip(self, *args, unavailable=None):
        r = subprocess.run([self.ip] + list(args), stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
        if r.returncode != 0:
            msg = 'ip %s failed: %s' % (' '.join(args), r.stderr.strip())
            raise Unavailable(unavailable + ': ' + msg) if unavailable else RuntimeError(msg)
        return r.stdout

    def _make_namespaces(self):
        with _RunLock():
            created_dir = not os.path.exists(NETNS_DIR)
            if created_dir and not os.path.exists(NETNS_DIR_MARKER):
                # Before `ip netns add`, which may create the directory and then fail.
                open(NETNS_DIR_MARKER, 'w').close()
            for ns in (self.nm_ns, self.peer_ns):
                # Told first, so that the reaper also removes a namespace whose creation
                # was the last thing this process did.
                self._tell_reaper(netns=ns)
                self._ip('netns', 'add', ns, unavailable='cannot create network namespaces')
        self._ip('link', 'add', DEVICE, 'netns', self.nm_ns, 'type', 'veth', 'peer', 'name',
                 PEER_DEVICE, 'netns', self.peer_ns, unavailable='cannot create a veth pair')
        self._ip('-n', self.peer_ns, 'address', 'add', GATEWAY + '/24', 'dev', PEER_DEVICE)
        self._ip('-n', self.peer_ns, 'link', 'set', 'lo', 'up')
        self._ip('-n', self.peer_ns, 'link', 'set', PEER_DEVICE, 'up')
        self._ip('-n', self.nm_ns, 'link', 'set', 'lo', 'up')
        # The mount steps NetworkManager's start needs, tried once so that a machine that
        # forbids them skips rather than fails.
        r = subprocess.run([self.ip, 'netns', 'exec', self.nm_ns, _which('unshare'),
                            '--mount', '--uts', 'sh', '-c', self._mount_script() + ' true',
                            'sh', self.path('run'), self.path('varlib')],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if r.returncode != 0:
            raise Unavailable('cannot set up a private mount namespace for NetworkManager '
                              '(ip netns exec + unshare --mount --uts + mount): %s'
                              % r.stdout.strip())

    @staticmethod
    def _mount_script():
        return ('mount -o remount,bind,ro /sys && mount --bind "$1" /run && '
                'mount --bind "$2" /var/lib/NetworkManager && shift 2 && exec "$@"')

    def _popen_in(self, ns, argv, log, env=None):
        f = open(self.path(log), 'ab')
        try:
            return subprocess.Popen([self.ip, 'netns', 'exec', ns] + argv, stdin=subprocess.DEVNULL,
                                    stdout=f, stderr=subprocess.STDOUT, env=env)
        finally:
            f.close()

    def _start_bus(self):
        self.bus = self._dbus_daemon('system')

    def _dbus_daemon(self, kind):
        # dbus-daemon lives in NetworkManager's namespace too, so that cleanup finds it
        # there; its path socket is reachable from every namespace.
        log = 'dbus-daemon-%s.log' % kind
        r, w = os.pipe()
        try:
            with open(self.path(log), 'ab') as f:
                proc = subprocess.Popen(
                    [self.ip, 'netns', 'exec', self.nm_ns, _which('dbus-daemon'), '--nofork',
                     '--nosyslog', '--config-file=' + self.path(kind + '-bus.conf'),
                     '--print-address=%d' % w],
                    pass_fds=(w,), stdin=subprocess.DEVNULL, stdout=f,
                    stderr=subprocess.STDOUT)
            os.close(w)
            w = -1
            # It prints its address once it listens.
            if not select.select([r], [], [], 20)[0] or not os.read(r, 4096):
                raise RuntimeError('the private %s bus did not start:\n%s'
                                   % (kind, self.read_log(log)))
        finally:
            os.close(r)
            if w >= 0:
                os.close(w)
        return proc

    def start_session_bus(self):
        """Starts a private session bus for the code under test, on a path socket in the
        work directory (so that it is reachable from NetworkManager's namespace, and
        cleaned up with everything else); returns its address."""
        address = 'unix:path=' + self.path('session_bus_socket')
        self._write('session-bus.conf', _BUS_CONFIG % ('session', address))
        self.session_bus = self._dbus_daemon('session')
        return address

    # -- the connectivity-check endpoint --

    def set_check_content(self, text):
        """What the check URL returns: CHECK_RESPONSE means FULL, anything else PORTAL."""
        tmp = self.path('www', '.check.txt')
        with open(tmp, 'w') as f:
            f.write(text)
        os.rename(tmp, self.path('www', 'check.txt'))

    def _start_endpoint(self):
        log = 'http-%d.log' % time.monotonic_ns()
        self.http = self._popen_in(self.peer_ns, [sys.executable, '-u', '-m', 'http.server',
                                                  '--bind', GATEWAY, '--directory',
                                                  self.path('www'), str(CHECK_PORT)], log)
        self.http_log = log
        # It prints "Serving HTTP on ..." once it listens.
        wait_until(lambda: 'Serving HTTP' in self.read_log(log) or self.http.poll() is not None,
                   20, 'the check endpoint to listen')
        if self.http.poll() is not None:
            raise RuntimeError('the check endpoint exited:\n' + self.read_log(log))

    def start_endpoint(self):
        """Starts the check endpoint again (after stop_endpoint)."""
        assert self.http is None
        self._start_endpoint()

    def stop_endpoint(self):
        """Stops the check endpoint: NetworkManager's next check then finds LIMITED."""
        self.http.terminate()
        self.http.wait(10)
        self.http = None

    # -- NetworkManager --

    def start_nm(self):
        """Starts NetworkManager (again); returns at once. Its /run and state persist."""
        assert self.nm is None or self.nm.poll() is not None
        env = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=self.bus_address)
        argv = [_which('unshare'), '--mount', '--uts', 'sh', '-c', self._mount_script(), 'sh',
                self.path('run'), self.path('varlib'), self.nm_binary, '--debug',
                '--config=' + self.path('NetworkManager.conf'),
                '--config-dir=' + self.path('conf.d'),
                '--system-config-dir=' + self.path('system-conf.d'),
                '--intern-config=' + self.path('NetworkManager-intern.conf'),
                '--state-file=' + self.path('NetworkManager.state'),
                '--pid-file=' + self.path('NetworkManager.pid')]
        # ip netns exec, unshare and sh all exec, so this is NetworkManager's own pid.
        self.nm = self._popen_in(self.nm_ns, argv, 'NetworkManager.log', env=env)
        return self.nm

    def stop_nm(self, sig=signal.SIGTERM, timeout=20):
        """Signals NetworkManager and waits for it to exit; returns its exit status."""
        self.nm.send_signal(sig)
        wait_process(self.nm, timeout, 'NetworkManager')
        return self.nm.returncode

    def netns_exec(self):
        """The command prefix that runs a program on NetworkManager's side: in its network
        namespace, where its device and routes are (the host of this test world)."""
        return [self.ip, 'netns', 'exec', self.nm_ns]

    def nm_running(self):
        return self.nm is not None and self.nm.poll() is None

    # -- commands --

    def run(self, argv, timeout=60, check=True, env=None):
        """Runs a command while the GLib main loop keeps dispatching; returns
        (returncode, output)."""
        out = tempfile.TemporaryFile()
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out,
                                stderr=subprocess.STDOUT, env=env)
        try:
            wait_process(proc, timeout, ' '.join(argv))
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        out.seek(0)
        text = out.read().decode(errors='replace')
        out.close()
        if check and proc.returncode != 0:
            raise RuntimeError('%s exited with %d:\n%s' % (' '.join(argv), proc.returncode, text))
        return proc.returncode, text

    def nmcli(self, *args, check=True, timeout=60):
        """nmcli against this NetworkManager; returns its output."""
        env = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=self.bus_address, LC_ALL='C')
        return self.run([self.nmcli_binary, '--wait', str(timeout)] + list(args),
                        timeout=timeout + 10, check=check, env=env)[1]

    def peer_link(self, up):
        """Takes the peer's end of the veth down or up: a real carrier loss or gain on
        NetworkManager's device."""
        self.run([self.ip, '-n', self.peer_ns, 'link', 'set', PEER_DEVICE,
                  'up' if up else 'down'])

    def check_connectivity(self):
        """Has NetworkManager check connectivity now; returns what nmcli printed."""
        return self.nmcli('networking', 'connectivity', 'check').strip()

    def read_log(self, name='NetworkManager.log'):
        try:
            with open(self.path(name), errors='replace') as f:
                return f.read()
        except (FileNotFoundError, TypeError):
            return ''

    # -- teardown --

    def close(self):
        """Stops everything and removes what was made; returns the problems found (empty
        when nothing is left behind)."""
        if self.reaper is None:
            return []
        namespaces = [self.nm_ns, self.peer_ns]
        problems = cleanup(namespaces, self.work)
        for p in (self.nm, self.bus, self.http, self.session_bus):
            if p is not None:
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    problems.append('pid %d did not exit' % p.pid)
        self.nm = self.bus = self.http = self.session_bus = None
        try:
            self.reaper.stdin.close()
        except BrokenPipeError:
            pass
        try:
            self.reaper.wait(30)
        except subprocess.TimeoutExpired:
            problems.append('the reaper did not exit')
        self.reaper = None
        return problems

    def leftovers(self):
        """What of this harness still exists (for tests of the teardown)."""
        left = []
        for ns in (self.nm_ns, self.peer_ns):
            if os.path.exists(os.path.join(NETNS_DIR, ns)):
                left.append('netns ' + ns)
        if self.work and os.path.exists(self.work):
            left.append('directory ' + self.work)
        return left


# ---- waiting with the GLib main loop turning ----

def wait_until(predicate, timeout, what):
    """Runs the GLib main loop until predicate() holds; AssertionError after timeout s."""
    from gi.repository import GLib
    ctx = GLib.main_context_default()
    deadline = time.monotonic() + timeout * float(os.environ.get('OM_TIMEOUT_SCALE', '1'))
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError('timed out after %gs waiting for %s' % (timeout, what))
        source = GLib.timeout_add(20, lambda: False)
        ctx.iteration(True)
        if ctx.find_source_by_id(source):
            GLib.source_remove(source)
    while ctx.pending():
        ctx.iteration(False)


def wait_process(proc, timeout, what):
    """Waits for proc to exit while the GLib main loop runs; its pidfd wakes the loop."""
    from gi.repository import GLib
    fd = os.pidfd_open(proc.pid)
    source = GLib.unix_fd_add_full(GLib.PRIORITY_DEFAULT, fd, GLib.IOCondition.IN,
                                   lambda *a: False)
    try:
        wait_until(lambda: proc.poll() is not None, timeout, what + ' to exit')
    finally:
        ctx = GLib.main_context_default()
        if ctx.find_source_by_id(source):
            GLib.source_remove(source)
        os.close(fd)


# ---- NetworkManager as a client sees it ----

class NMWatcher:
    """NetworkManager's manager object as seen on the bus: its properties, kept current
    from signals, and every signal with the time it arrived (time.monotonic()).

    events: (time, what, value), what one of 'StateChanged', a property name (from
    PropertiesChanged, one event per property), 'owner' (True: the name appeared) or
    'GetAll' (the reply to refresh(), a dict)."""

    def __init__(self, bus):
        import dbus
        self.dbus = dbus
        self.bus = bus
        self.props = {}
        self.events = []
        self.owned = bool(bus.name_has_owner(NM_NAME))
        self.matches = [
            bus.add_signal_receiver(self._on_state_changed, 'StateChanged', NM_IFACE,
                                    path=NM_PATH),
            bus.add_signal_receiver(self._on_properties_changed, 'PropertiesChanged',
                                    PROPS_IFACE, path=NM_PATH),
            bus.add_signal_receiver(self._on_owner_changed, 'NameOwnerChanged',
                                    'org.freedesktop.DBus', arg0=NM_NAME),
        ]
        if self.owned:
            self.refresh()

    def refresh(self):
        """Re-reads all properties; asynchronously, so that the reply is applied in arrival
        order with the signals (a blocking call would apply older signals after it)."""
        def on_reply(props):
            values = {str(k): _plain(v) for k, v in props.items()}
            self.events.append((time.monotonic(), 'GetAll', values))
            self.props.update(values)
            self.refreshed += 1

        def on_error(e):
            self.refresh_error = e

        self.refreshed = getattr(self, 'refreshed', 0)
        self.bus.get_object(NM_NAME, NM_PATH, introspect=False).GetAll(
            NM_IFACE, dbus_interface=PROPS_IFACE, reply_handler=on_reply,
            error_handler=on_error)

    def _on_state_changed(self, state):
        self.events.append((time.monotonic(), 'StateChanged', int(state)))
        self.props['State'] = int(state)

    def _on_properties_changed(self, iface, changed, invalidated):
        now = time.monotonic()
        if str(iface) != NM_IFACE:
            return
        for k, v in changed.items():
            self.events.append((now, str(k), _plain(v)))
            self.props[str(k)] = _plain(v)

    def _on_owner_changed(self, name, old, new):
        self.owned = bool(new)
        self.events.append((time.monotonic(), 'owner', self.owned))
        if self.owned:
            self.refresh()
        else:
            self.props = {}

    def mark(self):
        """An index into events: what arrives from now on."""
        return len(self.events)

    def snapshot(self):
        """The current view, to replay events onto (see first)."""
        return self.owned, dict(self.props)

    def first(self, mark, snapshot, predicate, until=None):
        """The first event since mark (and before time until) after which the view, rebuilt
        from snapshot, satisfies predicate(props); None if there is none. props has an
        extra key 'owned': whether NetworkManager has its name."""
        props = dict(snapshot[1], owned=snapshot[0])
        for event in self.events[mark:]:
            t, what, value = event
            if until is not None and t > until:
                break
            if what == 'owner':
                props = {'owned': value}
            elif what == 'GetAll':
                props.update(value)
            elif what == 'StateChanged':
                props['State'] = value
            else:
                props[what] = value
            if predicate(props):
                return event
        return None

    def since(self, mark):
        return self.events[mark:]

    def connected(self):
        """NetworkManager fully up: global state, full connectivity, a primary connection."""
        return self.owned and fully_connected(self.props)

    def primary_id(self):
        """The id of the primary connection, or None (a blocking call)."""
        path = self.props.get('PrimaryConnection', '/')
        if path == '/':
            return None
        ac = self.bus.get_object(NM_NAME, path, introspect=False)
        return str(ac.Get(NM_IFACE + '.Connection.Active', 'Id', dbus_interface=PROPS_IFACE))

    def close(self):
        for m in self.matches:
            m.remove()


def fully_connected(props):
    """Whether NetworkManager's properties say: global state, full connectivity, a primary
    connection."""
    return (props.get('State') == NM_STATE_CONNECTED_GLOBAL and
            props.get('Connectivity') == NM_CONNECTIVITY_FULL and
            props.get('PrimaryConnection', '/') != '/')


def _plain(value):
    import dbus
    if isinstance(value, dbus.Boolean):
        return bool(value)
    if isinstance(value, (dbus.Byte, dbus.Int32, dbus.UInt32, dbus.Int64, dbus.UInt64)):
        return int(value)
    if isinstance(value, (dbus.String, dbus.ObjectPath)):
        return str(value)
    if isinstance(value, dbus.Array):
        return [_plain(v) for v in value]
    return value


def start_harness(**kwargs):
    """Starts a harness: returns (harness, None), or (None, what is missing) when this
    machine cannot run one. With OM_REAL_NM=enabled (meson -Dreal_nm=enabled) a missing
    prerequisite is an error instead."""
    harness = RealNetworkManager(**kwargs)
    try:
        harness.start()
    except Unavailable as e:
        if os.environ.get('OM_REAL_NM') == 'enabled':
            raise RuntimeError('real_nm is enabled, but this machine cannot run a real '
                               'NetworkManager: %s' % e) from e
        return None, 'cannot run a real NetworkManager here: %s' % e
    return harness, None


if __name__ == '__main__' and sys.argv[1:] == ['--reap']:
    _reaper()
