"""Helpers for the robustness tests: careless files, hostile clients, faults."""

import os

from gi.repository import GLib

from omtest import bus_config

# The limits of daemon/account-settings.h.
ACCOUNT_ID_MAX = 64
DISPLAY_NAME_MAX = 256
HOST_MAX = 253
REQUIRE_CONNECTIONS_MAX = 32
CONNECTION_NAME_MAX = 255
SETTINGS_ENTRIES_MAX = 32
ACCOUNT_FILE_MAX = 64 * 1024
ACCOUNTS_MAX = 16384


def without_dac_override():
    """A command prefix that runs the daemon without CAP_DAC_OVERRIDE and
    CAP_DAC_READ_SEARCH when we are root, so that file modes (an unreadable file, a
    read-only directory) apply to it as they do to a user's daemon."""
    if os.geteuid() != 0:
        return []
    return ['setpriv', '--bounding-set=-dac_override,-dac_read_search', '--']


def parse_keyfile(path):
    """Parses a file as GKeyFile does; raises GLib.Error when it does not parse."""
    kf = GLib.KeyFile()
    with open(path, 'rb') as f:
        data = f.read()
    kf.load_from_data(data.decode('utf-8', errors='strict'), len(data),
                      GLib.KeyFileFlags.NONE)
    return kf


def stored_request(path, account_id=None):
    """The requested mode stored in the requested-state file for an account (or, with
    None, the global object): OFFLINE (1) or ONLINE (2, also when nothing is stored)."""
    if not os.path.exists(path):
        return 2
    kf = parse_keyfile(path)
    group, key = ('Accounts', account_id) if account_id else ('Global', 'RequestedState')
    try:
        value = kf.get_string(group, key)
    except GLib.Error:
        return 2
    return 1 if value == 'offline' else 2


def session_bus_config(path, limits=None):
    """Writes a session bus configuration with the limits of a stock session bus
    (/usr/share/dbus-1/session.conf), changed by `limits`, and returns its path.
    dbusmock's own configuration has dbus-daemon's built-in, much lower limits (128
    pending replies per connection)."""
    values = {
        'max_incoming_bytes': 1000000000,
        'max_outgoing_bytes': 1000000000,
        'max_message_size': 1000000000,
        'max_replies_per_connection': 50000,
        'max_match_rules_per_connection': 50000,
        'max_connections_per_user': 100000,
    }
    values.update(limits or {})
    limit_lines = '\n'.join('  <limit name="%s">%d</limit>' % kv for kv in values.items())
    with open(path, 'w') as f:
        f.write(bus_config('session', extra=limit_lines + '\n'))
    return path


def start_buses(cls, limits=None):
    """For a test class's setUpClass: the private system bus as DaemonTestCase starts it,
    and a private session bus with a stock session bus's limits (see
    session_bus_config)."""
    import shutil
    import tempfile
    cls.start_system_bus()
    confdir = tempfile.mkdtemp(prefix='omtest-bus-')
    cls.addClassCleanup(shutil.rmtree, confdir, True)
    pid, addr = cls.start_dbus(conf=session_bus_config(os.path.join(confdir, 'session.conf'),
                                                       limits))
    os.environ['DBUS_SESSION_BUS_ADDRESS'] = addr
    cls.session_bus_pid = pid
    cls.session = cls.get_dbus(system_bus=False)
    cls.system = cls.get_dbus(system_bus=True)
