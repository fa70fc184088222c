"""A real systemd user manager, with offlinemgr installed from this build, for the tests.

    test process                                  private mount + PID namespace (unshare)
      meson install --destdir <work>/dest           pid 1: sh, which waits for
      systemctl --user ... through nsenter            systemd --user   (in a cgroup of its own)
      the user bus: <work>/runtime/bus                  dbus.socket -> dbus.service (dbus-user-session)
      offlinemgrctl from <work>/dest                    offlinemgr.service, the targets, ...

Inside the namespaces:
  - a tmpfs on /run/systemd with /run/systemd/system in it: systemd --user refuses to run on a
    machine that was not booted with systemd, and that directory is what it checks;
  - <work>/home bind-mounted on the home directory of the user database (/root for root): the
    manager and its services take HOME from there, and must read and write only the test's
    files;
  - the installed tree laid over the prefix (overlayfs: the machine's own files stay visible
    underneath), so that the unit's and the activation file's paths are the ones a real
    install has.
XDG_RUNTIME_DIR is <work>/runtime, which the test process reaches too: the manager's private
socket and the user bus are there. The manager's own D-Bus (dbus-user-session's dbus.socket)
is the session bus; starting another dbus-daemon there would keep org.freedesktop.systemd1 off
it. The work directory is under the build directory, never /tmp or /var/tmp: the unit's
PrivateTmp= would hide the bus socket from the daemon.

A user manager takes the cgroup it starts in as its root: it creates init.scope there, moves
every process of that cgroup into it, and stops units by killing their cgroups. So it runs in
a cgroup of its own, made under the test process's: two managers in one cgroup (tests run in
parallel) would kill each other's services, and one in the machine's root cgroup would move
every process of the machine.

Every process started lives in the PID namespace: when its pid 1 ends (stop(), or the test
process dying: PR_SET_PDEATHSIG on unshare, whose --kill-child ends pid 1), the kernel ends
them all. The manager's private socket refuses peers outside its PID namespace, so systemctl
runs in the namespaces (nsenter); it then also sees the same files as the manager.

Missing prerequisites (not root, no systemd, no dbus-user-session, no unshare/nsenter, or
namespaces and mounts not permitted) raise Unavailable saying what is missing; anything that
goes wrong after that is an error.
"""

import ctypes
import fcntl
import json
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import time

TIMEOUT_SCALE = float(os.environ.get('OM_TIMEOUT_SCALE', '1'))
BUILD_ROOT = os.environ.get('OM_BUILD_ROOT', '')
DBUS_SOCKET_UNIT = ('/usr/lib/systemd/user/dbus.socket', '/lib/systemd/user/dbus.socket')
# Where a user manager and the session bus look without being told.
DEFAULT_UNIT_DIRS = ('/usr/local/lib/systemd/user', '/usr/lib/systemd/user',
                     '/lib/systemd/user', '/etc/systemd/user')
DEFAULT_DATA_DIRS = ('/usr/local/share', '/usr/share')



class Unavailable(Exception):
    """This machine cannot run a user manager this way; says what is missing."""


def _die_with_parent():
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0)


def missing_prerequisite():
    """What this machine lacks, as a sentence; None if nothing is known to be missing (the
    namespace and mount steps are tried when the manager starts)."""
    if sys.platform != 'linux':
        return 'a systemd user manager needs Linux'
    if os.geteuid() != 0:
        return ('not running as root (uid %d): the private mount and PID namespaces and the '
                'mounts need CAP_SYS_ADMIN' % os.geteuid())
    for tool in ('unshare', 'nsenter', 'systemctl', 'meson'):
        if shutil.which(tool) is None:
            return '%s is not installed' % tool
    if _systemd_binary() is None:
        return 'systemd is not installed'
    if not any(os.path.exists(p) for p in DBUS_SOCKET_UNIT):
        return ('dbus-user-session is not installed (the user manager needs its dbus.socket '
                'for the session bus)')
    if not BUILD_ROOT:
        return 'OM_BUILD_ROOT is not set (run the tests through meson test)'
    build_root = os.path.realpath(BUILD_ROOT)
    if any(build_root.startswith(d + '/') for d in ('/tmp', '/var/tmp')):
        return ('the build directory is below /tmp or /var/tmp, which the unit\'s '
                'PrivateTmp= replaces for the daemon: it would not find the test\'s bus '
                'socket there; build elsewhere')
    return None


def _systemd_binary():
    for path in ('/usr/lib/systemd/systemd', '/lib/systemd/systemd'):
        if os.access(path, os.X_OK):
            return path
    return None


def _cgroup_mounts():
    """(mount point, kind) of the cgroup hierarchies a user manager tracks its units in:
    the unified one ('unified') and the legacy name=systemd one ('systemd')."""
    mounts = []
    with open('/proc/self/mountinfo') as f:
        for line in f:
            fields = line.split()
            sep = fields.index('-')
            fstype, options = fields[sep + 1], fields[sep + 3]
            if fstype == 'cgroup2':
                mounts.append((fields[4], 'unified'))
            elif fstype == 'cgroup' and 'name=systemd' in options.split(','):
                mounts.append((fields[4], 'systemd'))
    return mounts


def _own_cgroup(kind):
    """This process's cgroup path in the unified ('0::') or name=systemd hierarchy."""
    with open('/proc/self/cgroup') as f:
        for line in f:
            num, controllers, path = line.rstrip('\n').split(':', 2)
            if kind == 'unified' and num == '0' and controllers == '':
                return path
            if kind == 'systemd' and controllers == 'name=systemd':
                return path
    return None


_START_SCRIPT = r'''
set -u
work=$1; home=$2; shift 2
unavailable() { echo "UNAVAILABLE: $*" >&2; exit 3; }
# Into the manager's own cgroups (made by the harness), before anything else runs here.
for procs in $OM_CGROUP_PROCS; do
  echo $$ >"$procs" || unavailable "cannot move into $procs"
done
mount -t tmpfs -o mode=0755 tmpfs /run/systemd || unavailable "cannot mount a tmpfs on /run/systemd"
mkdir /run/systemd/system
mount --bind "$work/home" "$home" || unavailable "cannot bind-mount a directory on $home"
# Each "lower:target" pair: the installed files laid over target.
for pair in $OM_OVERLAYS; do
  lower=${pair%%:*}; target=${pair#*:}
  mount -t overlay overlay -o "lowerdir=$lower:$target" "$target" ||
    unavailable "cannot mount an overlay on $target"
done
"$@" &
wait $!
'''


def prefix_build(prefix):
    """A build of this source tree for @prefix (tests disabled, as a user would build to
    install), in the build directory's tests/systemd/prefix-<name>; configured once and
    brought up to date on every call, under a lock (tests run in parallel). Returns its
    directory."""
    builddir = os.path.join(BUILD_ROOT, 'tests', 'systemd',
                            'prefix' + prefix.replace('/', '-'))
    os.makedirs(os.path.dirname(builddir), exist_ok=True)
    with open(builddir + '.lock', 'w') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        steps = [['meson', 'compile', '-C', builddir]]
        if not os.path.exists(os.path.join(builddir, 'build.ninja')):
            source = os.environ.get('OM_SOURCE_ROOT') or os.path.dirname(
                os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
            steps.insert(0, ['meson', 'setup', builddir, source, '--prefix=' + prefix,
                             '-Dtests=disabled', '-Dwerror=true'])
        for argv in steps:
            proc = subprocess.run(argv, capture_output=True, text=True,
                                  timeout=400 * TIMEOUT_SCALE)
            if proc.returncode != 0:
                raise RuntimeError('%s failed:\n%s%s' % (' '.join(argv), proc.stdout[-3000:],
                                                          proc.stderr[-3000:]))
    return builddir


class UserManager:
    """One systemd --user with offlinemgr installed, in namespaces of its own: from the
    tests' build, or from @build_root (a build for another prefix). A prefix the manager
    and the bus do not search is added to their paths in the manager's environment, or,
    with @as_user_would, as README tells a user: XDG_DATA_DIRS in
    ~/.config/environment.d/ and `systemctl --user link` for the units."""

    def __init__(self, build_root=None, as_user_would=False):
        self.build_root = build_root or BUILD_ROOT
        self.as_user_would = as_user_would
        self.work = None
        self.proc = None
        self.pid1 = None
        self.cgroups = []
        self.dest = None

    # ---- set-up ----

    def start(self):
        problem = missing_prerequisite()
        if problem:
            raise Unavailable(problem)
        os.makedirs(os.path.join(BUILD_ROOT, 'tests', 'systemd'), exist_ok=True)
        self.work = tempfile.mkdtemp(prefix='manager-',
                                     dir=os.path.join(BUILD_ROOT, 'tests', 'systemd'))
        self.home = os.path.join(self.work, 'home')
        self.runtime = os.path.join(self.work, 'runtime')
        os.makedirs(os.path.join(self.home, '.config', 'systemd', 'user'))
        os.mkdir(self.runtime, 0o700)
        self.bus_address = 'unix:path=' + os.path.join(self.runtime, 'bus')
        self._install()
        self._make_cgroups()
        self._spawn()
        self.wait_until(self._running, 30, 'the user manager to finish starting up',
                        detail=self.manager_log)
        if self.as_user_would and self.unit_dir not in DEFAULT_UNIT_DIRS:
            self.systemctl('link', *[os.path.join(self.unit_dir, u) for u in (
                'offlinemgr.service', 'offlinemgr-online.target', 'offlinemgr-online@.target')])

    def _install(self):
        """meson install into <work>/dest; records where the files went."""
        self.dest = os.path.join(self.work, 'dest')
        proc = subprocess.run(['meson', 'install', '-C', self.build_root, '--no-rebuild',
                               '--quiet', '--destdir', self.dest], capture_output=True,
                              text=True, timeout=120 * TIMEOUT_SCALE)
        if proc.returncode != 0:
            raise RuntimeError('meson install failed:\n' + proc.stdout + proc.stderr)
        info = json.loads(subprocess.run(['meson', 'introspect', '--installed',
                                          self.build_root],
                                         capture_output=True, text=True, check=True).stdout)
        self.installed = sorted(set(info.values()))
        options = json.loads(subprocess.run(['meson', 'introspect', '--buildoptions',
                                             self.build_root], capture_output=True, text=True,
                                            check=True).stdout)
        self.prefix = next(o['value'] for o in options if o['name'] == 'prefix')
        self.unit_dir = os.path.dirname(self._installed_path('offlinemgr.service'))
        self.bindir = os.path.dirname(self._installed_path('offlinemgrd'))
        self.libdir = os.path.dirname(self._installed_path('libofflinemgr.so'))
        self.services_dir = os.path.dirname(
            self._installed_path('org.offlinemgr.OfflineMgr1.service'))

    def _installed_path(self, name):
        for path in self.installed:
            if os.path.basename(path) == name:
                return path
        raise RuntimeError('meson does not install %s' % name)

    def _overlays(self):
        """The directories to lay the installed files over: the prefix, and the directory
        of any file installed outside it (its unit or activation directory set by option)."""
        targets = {self.prefix}
        for path in self.installed:
            if not path.startswith(self.prefix.rstrip('/') + '/'):
                targets.add(os.path.dirname(path))
        for target in targets:
            if not os.path.isdir(target):
                raise Unavailable('%s does not exist on this machine, so the installed files '
                                  'cannot be laid over it' % target)
        return ['%s%s:%s' % (self.dest, t, t) for t in sorted(targets)]

    def _make_cgroups(self):
        self.cgroup_name = os.path.basename(self.work)
        for mount, kind in _cgroup_mounts():
            own = _own_cgroup(kind)
            if own is None:
                continue
            path = os.path.join(mount, own.lstrip('/'), self.cgroup_name)
            try:
                os.mkdir(path)
            except OSError as e:
                raise Unavailable('cannot create a cgroup for the user manager (%s): %s' % (
                    path, e.strerror))
            self.cgroups.append(path)
        if not self.cgroups:
            raise Unavailable('no cgroup hierarchy for a user manager is mounted')

    def _spawn(self):
        home = pwd.getpwuid(os.geteuid()).pw_dir
        env = {
            'PATH': os.environ.get('PATH', '/usr/sbin:/usr/bin:/sbin:/bin'),
            'LANG': 'C.UTF-8',
            'XDG_RUNTIME_DIR': self.runtime,
            'OM_CGROUP_PROCS': ' '.join(os.path.join(c, 'cgroup.procs') for c in self.cgroups),
            'OM_OVERLAYS': ' '.join(self._overlays()),
        }
        # A prefix the manager or the bus does not search is added to their paths.
        if self.unit_dir not in DEFAULT_UNIT_DIRS and not self.as_user_would:
            env['SYSTEMD_UNIT_PATH'] = self.unit_dir + ':'
        data_dir = os.path.dirname(os.path.dirname(self.services_dir))
        if data_dir not in DEFAULT_DATA_DIRS:
            data_dirs = ':'.join((data_dir,) + DEFAULT_DATA_DIRS)
            if not self.as_user_would:
                env['XDG_DATA_DIRS'] = data_dirs
            else:
                # The manager's environment generator reads it at start.
                os.makedirs(os.path.join(self.home, '.config', 'environment.d'), exist_ok=True)
                with open(os.path.join(self.home, '.config', 'environment.d',
                                       'offlinemgr.conf'), 'w') as f:
                    f.write('XDG_DATA_DIRS=%s\n' % data_dirs)
        self.log_path = os.path.join(self.work, 'manager.log')
        with open(self.log_path, 'w') as log:
            self.proc = subprocess.Popen(
                ['unshare', '--mount', '--propagation', 'private', '--pid', '--fork',
                 '--kill-child', '--mount-proc', 'sh', '-c', _START_SCRIPT, 'sh', self.work,
                 home, _systemd_binary(), '--user'],
                env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True, preexec_fn=_die_with_parent)
        # The namespaces' pid 1 is unshare's child.
        self.wait_until(self._find_pid1, 10, 'unshare to start its child', detail=self.manager_log)

    def _find_pid1(self):
        if self.proc.poll() is not None:
            self._failed_to_start()
        try:
            with open('/proc/%d/task/%d/children' % (self.proc.pid, self.proc.pid)) as f:
                children = f.read().split()
        except OSError:
            return False
        if children:
            self.pid1 = int(children[0])
        return self.pid1 is not None

    def _failed_to_start(self):
        log = self.manager_log()
        for line in log.splitlines():
            if line.startswith('UNAVAILABLE: '):
                raise Unavailable(line[len('UNAVAILABLE: '):])
            if 'unshare failed' in line:
                raise Unavailable('namespaces are not permitted here: ' + line.strip())
        raise RuntimeError('the user manager exited with status %s:\n%s' % (
            self.proc.returncode, log))

    def _running(self):
        if self.proc.poll() is not None:
            self._failed_to_start()
        state = self.systemctl('is-system-running', check=False).stdout.strip()
        if state in ('degraded', 'stopping', 'maintenance'):
            raise RuntimeError('the user manager is %s:\n%s' % (
                state, self.systemctl('list-units', '--failed', check=False).stdout))
        return state == 'running'

    # ---- tear-down ----

    def stop(self):
        """Stops the manager (its units stop with it) and removes what was made."""
        if self.proc is not None and self.proc.poll() is None:
            if self.pid1 is not None:
                self.systemctl('exit', check=False)
            try:
                self.proc.wait(30 * TIMEOUT_SCALE)
            except subprocess.TimeoutExpired:
                # --kill-child: pid 1 and, with it, everything in the namespace.
                self.proc.kill()
                self.proc.wait()
        for path in self.cgroups:
            # What the manager made below its cgroup, deepest first.
            for root, dirs, _ in os.walk(path, topdown=False):
                for d in dirs:
                    try:
                        os.rmdir(os.path.join(root, d))
                    except OSError:
                        pass
            try:
                os.rmdir(path)
            except OSError:
                pass
        if self.work is not None:
            shutil.rmtree(self.work, ignore_errors=True)

    # ---- using it ----

    def in_namespaces(self, argv, **kwargs):
        """Runs argv in the manager's mount and PID namespaces, with its environment."""
        kwargs.setdefault('timeout', 60 * TIMEOUT_SCALE)
        kwargs.setdefault('capture_output', True)
        kwargs.setdefault('text', True)
        env = {'PATH': os.environ.get('PATH', '/usr/bin:/bin'), 'LANG': 'C.UTF-8',
               'XDG_RUNTIME_DIR': self.runtime, 'SYSTEMD_COLORS': '0', 'SYSTEMD_PAGER': ''}
        env.update(kwargs.pop('env', {}))
        return subprocess.run(['nsenter', '-t', str(self.pid1), '-m', '-p', '--'] + list(argv),
                              env=env, stdin=subprocess.DEVNULL, **kwargs)

    def systemctl(self, *args, check=True):
        proc = self.in_namespaces(['systemctl', '--user', '--no-pager'] + list(args))
        if check and proc.returncode != 0:
            raise AssertionError('systemctl --user %s: status %d\n%s%s' % (
                ' '.join(args), proc.returncode, proc.stdout, proc.stderr))
        return proc

    def show(self, unit, *props):
        """The unit's properties, as strings."""
        out = self.systemctl('show', unit, '-p', ','.join(props)).stdout
        values = dict(line.split('=', 1) for line in out.splitlines() if '=' in line)
        return {p: values.get(p, '') for p in props}

    def prop(self, unit, name):
        return self.show(unit, name)[name]

    def proc_file(self, pid, name):
        """/proc/<pid>/<name> of a process in the manager's PID namespace."""
        with open('/proc/%d/root/proc/%s/%s' % (self.pid1, pid, name)) as f:
            return f.read()

    def in_service_namespace(self, pid, command):
        """Runs a shell command in the mount namespace of the process @pid (the namespace's
        number), as root; returns the CompletedProcess."""
        return self.in_namespaces(['nsenter', '-t', str(pid), '-m', '--', 'sh', '-c', command])

    def ctl_env(self):
        """The environment for the installed offlinemgrctl, run here, on the user bus."""
        env = dict(os.environ)
        env.update({'DBUS_SESSION_BUS_ADDRESS': self.bus_address, 'NO_COLOR': '1',
                    'LD_LIBRARY_PATH': self.dest + self.libdir})
        return env

    def offlinemgrctl(self):
        return self.dest + os.path.join(self.bindir, 'offlinemgrctl')

    def manager_log(self):
        try:
            with open(self.log_path, errors='replace') as f:
                return f.read()
        except (OSError, AttributeError):
            return ''

    @staticmethod
    def wait_until(predicate, timeout, what, detail=None):
        """Checks predicate() every 20 ms until it is true; fails after timeout seconds
        (scaled), saying what it waited for."""
        deadline = time.monotonic() + timeout * TIMEOUT_SCALE
        while True:
            if predicate():
                return
            if time.monotonic() > deadline:
                raise AssertionError('timed out after %gs waiting for %s%s' % (
                    timeout * TIMEOUT_SCALE, what, '\n' + detail() if detail else ''))
            time.sleep(0.02)
