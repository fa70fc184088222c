"""bench/run --only sources: offlinemgrd's start-up time to READY=1 with 100 GNOME Online
Accounts accounts and 100 evolution-data-server mail sources on the session bus, beside
the same daemon on a session bus where neither service runs (today's start-up), in
alternating runs of one benchmark. The real goa-daemon and evolution-source-registry
serve the accounts, with their files in the daemon's own XDG_CONFIG_HOME."""

import os
import re
import statistics
import subprocess
import time

GOA_DAEMON = '/usr/libexec/goa-daemon'
EDS_REGISTRY = '/usr/libexec/evolution-source-registry'
EDS_NAME = 'org.gnome.evolution.dataserver.Sources5'
EDS_PATH = '/org/gnome/evolution/dataserver/SourceManager'
GOAL_EXTRA_MS = 100
SERVICE_TIMEOUT = 60


def write_services_files(config):
    """The services' directories in the XDG_CONFIG_HOME @config."""
    os.makedirs(os.path.join(config, 'goa-1.0'), exist_ok=True)
    os.makedirs(os.path.join(config, 'evolution', 'sources'), exist_ok=True)


def goa_text(n):
    out = []
    for i in range(n):
        email = 'user%03d@example.com' % i
        out.append('[Account account_1700000000_%d]\nProvider=imap_smtp\nIdentity=%s\n'
                   'PresentationIdentity=%s\nEmailAddress=%s\nName=User %d\nEnabled=true\n'
                   'ImapHost=imap%03d.example.com\nImapUserName=user\nImapUseSsl=true\n'
                   'ImapUseTls=false\nImapAcceptSslErrors=false\nSmtpHost=smtp.example.com\n'
                   'SmtpUseAuth=false\nSmtpUseSsl=true\nSmtpUseTls=false\n'
                   'SmtpAcceptSslErrors=false\n' % (i, email, email, email, i, i))
    return '\n'.join(out)


def eds_text(i):
    return ('[Data Source]\nDisplayName=mail%03d@example.org\nEnabled=true\nParent=\n\n'
            '[Mail Account]\nBackendName=imapx\n\n[Authentication]\n'
            'Host=mail%03d.example.org\nPort=993\nUser=user\n\n'
            '[Security]\nMethod=ssl-on-alternate-port\n' % (i, i))


def busctl(address, *args):
    return subprocess.run(['busctl', '--address=' + address] + list(args),
                          capture_output=True, text=True, timeout=30).stdout


def count_in_managed(address, name, path, needle):
    out = busctl(address, 'call', name, path, 'org.freedesktop.DBus.ObjectManager',
                 'GetManagedObjects')
    return out.count(needle)


def wait_for(what, predicate, error_class):
    """A bounded poll for the services' own loading, which tells nobody when it is done
    (a benchmark's set-up; nothing is measured here)."""
    deadline = time.monotonic() + SERVICE_TIMEOUT
    while not predicate():
        if time.monotonic() > deadline:
            raise error_class('%s: not within %d s' % (what, SERVICE_TIMEOUT))
        time.sleep(0.05)


LOG_TIME = re.compile(r'(\d\d):(\d\d):(\d\d)\.(\d\d\d): (.*)')


def phases(log_path):
    """From the daemon's log (GLib's millisecond timestamps): the network known → the
    last service read (the services' answers, and our reading of them), and → READY
    (the accounts made, exported, the name taken), in ms."""
    marks = {}
    with open(log_path, errors='replace') as f:
        for line in f:
            t = LOG_TIME.search(line)
            if t is None:
                continue
            ms = ((int(t[1]) * 60 + int(t[2])) * 60 + int(t[3])) * 1000 + int(t[4])
            text = t[5]
            if text.startswith('Network backend:'):
                marks['net'] = ms
            elif 'objects read' in text:
                marks['read'] = max(marks.get('read', 0), ms)
            elif ' ready: ' in text:
                marks['ready'] = ms
    if len(marks) != 3:
        return None
    return {'services_ms': marks['read'] - marks['net'], 'after_ms': marks['ready'] - marks['read']}


def service_answer_ms(address, name, path):
    """How long the service takes to answer GetManagedObjects, measured with busctl less
    busctl's own time for a call to the bus driver right before it."""
    t = time.monotonic()
    busctl(address, 'call', 'org.freedesktop.DBus', '/org/freedesktop/DBus',
           'org.freedesktop.DBus', 'GetId')
    floor = time.monotonic() - t
    t = time.monotonic()
    busctl(address, 'call', name, path, 'org.freedesktop.DBus.ObjectManager',
           'GetManagedObjects')
    return max(0.0, (time.monotonic() - t - floor) * 1000)


def run(bench, m):
    """@m: bench/run's module (its Bus, Proc, Stack, DaemonHome, Daemon, log, ...)."""
    p = bench.p
    n_goa, n_eds, repeats = p['sources_goa'], p['sources_eds'], p['sources_repeats']
    for program in (GOA_DAEMON, EDS_REGISTRY):
        if not os.access(program, os.X_OK):
            raise m.BenchError('%s is not installed (scripts/install-deps test)' % program)
    m.log('sources: start-up with %d GOA accounts and %d EDS sources, and with neither; '
          '%d runs each' % (n_goa, n_eds, repeats))
    stack = m.Stack()
    try:
        system = stack.add(m.Bus(bench.work, 'src-sys', 'system'))
        empty = stack.add(m.Bus(bench.work, 'src-ses-none', 'session'))
        full = stack.add(m.Bus(bench.work, 'src-ses-full', 'session'))
        home_none = m.DaemonHome(bench.work, 'src-home-none', [])
        home_full = m.DaemonHome(bench.work, 'src-home-full', [])
        config = os.path.join(home_full.dir, 'config')
        write_services_files(config)
        with open(os.path.join(config, 'goa-1.0', 'accounts.conf'), 'w') as f:
            f.write(goa_text(n_goa))
        for i in range(n_eds):
            with open(os.path.join(config, 'evolution', 'sources',
                                   'bench-%03d.source' % i), 'w') as f:
                f.write(eds_text(i))
        env = bench.env(DBUS_SESSION_BUS_ADDRESS=full.address,
                        HOME=os.path.join(home_full.dir, 'home'), XDG_CONFIG_HOME=config,
                        XDG_DATA_HOME=os.path.join(home_full.dir, 'data'),
                        XDG_CACHE_HOME=os.path.join(home_full.dir, 'cache'),
                        GSETTINGS_BACKEND='memory')
        for d in ('home', 'data', 'cache'):
            os.makedirs(os.path.join(home_full.dir, d), exist_ok=True)
        stack.add(m.Proc(bench.work, 'src-goa', [GOA_DAEMON], env=env))
        stack.add(m.Proc(bench.work, 'src-eds', [EDS_REGISTRY], env=env))
        wait_for('goa-daemon to export %d mail accounts' % n_goa,
                 lambda: count_in_managed(full.address, 'org.gnome.OnlineAccounts',
                                          '/org/gnome/OnlineAccounts',
                                          'org.gnome.OnlineAccounts.Mail') >= n_goa,
                 m.BenchError)
        wait_for('the registry to export %d mail sources' % n_eds,
                 lambda: count_in_managed(full.address, EDS_NAME, EDS_PATH,
                                          'mail%03d.example.org' % (n_eds - 1)) >= 1,
                 m.BenchError)

        times = {'none': [], 'sources': []}
        split = []
        answers = {'goa': [], 'eds': []}
        seen = None
        for i in range(repeats):
            for arm, session, home in (('none', empty, home_none),
                                       ('sources', full, home_full)):
                daemon = m.Daemon(bench.work, 'src-offlinemgrd-%s-%d' % (arm, i),
                                  bench.daemon_binary, home, system, session)
                try:
                    times[arm].append(daemon.ready_s * 1000)
                    if arm == 'sources' and seen is None:
                        # At READY the accounts are there already: start-up waited.
                        out = busctl(session.address, 'call', 'org.offlinemgr.OfflineMgr1',
                                     '/org/offlinemgr/OfflineMgr1',
                                     'org.freedesktop.DBus.ObjectManager',
                                     'GetManagedObjects')
                        seen = {'goa': out.count('"goa-account_'),
                                'eds': out.count('"eds-bench-')}
                finally:
                    daemon.stop()
                if arm == 'sources':
                    split.append(phases(daemon.proc.log_path))
                    answers['goa'].append(service_answer_ms(
                        full.address, 'org.gnome.OnlineAccounts', '/org/gnome/OnlineAccounts'))
                    answers['eds'].append(service_answer_ms(full.address, EDS_NAME, EDS_PATH))
        if seen != {'goa': n_goa, 'eds': n_eds}:
            raise m.BenchError('at READY the daemon had %s discovered accounts, not %d GOA '
                               'and %d EDS' % (seen, n_goa, n_eds))
        med = {arm: statistics.median(v) for arm, v in times.items()}
        split = [x for x in split if x is not None]
        return {'goa': n_goa, 'eds': n_eds, 'repeats': repeats, 'runs_ms': times,
                'median_ms': med, 'extra_ms': med['sources'] - med['none'],
                'seen_at_ready': seen,
                'services_ms': statistics.median(x['services_ms'] for x in split),
                'after_ms': statistics.median(x['after_ms'] for x in split),
                'answer_ms': {k: statistics.median(v) for k, v in answers.items()}}
    finally:
        stack.close()


def goal_row(r):
    return ('start-up with %d GOA + %d EDS accounts: < %d ms more than without' %
            (r['goa'], r['eds'], GOAL_EXTRA_MS), '+%.1f ms' % r['extra_ms'],
            r['extra_ms'] < GOAL_EXTRA_MS)


def report_lines(r, table):
    return ['## Account sources: start-up', '',
            'offlinemgrd started %d times on a session bus where the real goa-daemon holds '
            '%d IMAP accounts and evolution-source-registry %d mail sources (plus its '
            'built-ins), alternating with as many starts on a session bus with neither '
            'service (today\'s start-up). Time from exec to READY=1; at READY the daemon '
            'had all %d discovered accounts on the bus (checked on the first run).' %
            (r['repeats'], r['goa'], r['eds'], r['goa'] + r['eds']), '',
            table(('session bus', 'median', 'runs (ms)'), [
                ('neither service', '%.1f ms' % r['median_ms']['none'],
                 ', '.join('%.1f' % x for x in r['runs_ms']['none'])),
                ('%d GOA + %d EDS' % (r['goa'], r['eds']), '%.1f ms' % r['median_ms']['sources'],
                 ', '.join('%.1f' % x for x in r['runs_ms']['sources'])),
            ]), '',
            'Extra start-up cost: **%.1f ms** (goal: under %d ms).' %
            (r['extra_ms'], GOAL_EXTRA_MS), '',
            'Where it goes (medians; the daemon\'s log, millisecond timestamps): from the '
            'network known to the last service read, **%.0f ms** (both services are asked '
            'at once; this is mostly their answering), then %.0f ms to READY (200 account '
            'objects made, exported, the name taken). The services alone, asked '
            'GetManagedObjects by busctl right after each run (less busctl\'s own time for '
            'a call to the bus driver): goa-daemon %.0f ms, evolution-source-registry '
            '%.0f ms.' % (r['services_ms'], r['after_ms'], r['answer_ms']['goa'],
                         r['answer_ms']['eds']), '']
