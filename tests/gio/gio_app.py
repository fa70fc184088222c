#!/usr/bin/env python3
"""A GIO application in Python for the GIO module's tests: PyGObject's
Gio.NetworkMonitor.get_default(), whichever monitor GIO picks, with the line protocol
of its C twin gio-app.c (see there). The default resolver fails every lookup and counts
them: no resolver is reachable here."""

import os
import sys
import threading

from gi.repository import Gio, GLib


class NoResolver(Gio.Resolver):
    def __init__(self):
        super().__init__()
        self.lookups = 0
        self.lock = threading.Lock()

    def _fail(self, hostname):
        with self.lock:
            self.lookups += 1
        return GLib.Error('no resolver in this test (asked for %s)' % hostname,
                          'g-resolver-error-quark', Gio.ResolverError.NOT_FOUND)

    def do_lookup_by_name(self, hostname, cancellable):
        raise self._fail(hostname)

    def do_lookup_by_name_with_flags(self, hostname, flags, cancellable):
        raise self._fail(hostname)

    def do_lookup_by_name_with_flags_async(self, hostname, flags, cancellable, callback,
                                           user_data):
        task = Gio.Task.new(self, cancellable, callback)
        task.return_error(self._fail(hostname))

    def do_lookup_by_name_with_flags_finish(self, result):
        return result.propagate_pointer()


def say(line):
    sys.stdout.write(line + '\n')
    sys.stdout.flush()


def props(monitor):
    return '%d %d %d' % (monitor.get_network_available(), monitor.get_network_metered(),
                         int(monitor.get_connectivity()))


def result_line(call):
    try:
        return 'ok %d' % call()
    except GLib.Error as e:
        return 'error %s %d %s' % (e.domain, e.code, e.message)


def main():
    resolver = NoResolver()
    Gio.Resolver.set_default(resolver)
    loop = GLib.MainLoop()
    monitor = Gio.NetworkMonitor.get_default()
    for name in ('network-available', 'network-metered', 'connectivity'):
        monitor.connect('notify::' + name, lambda m, pspec: say('notify %s %d' % (
            pspec.name, int(m.get_property(pspec.name)))))
    monitor.connect('network-changed', lambda m, available: say('changed %d' % available))
    say('ready %s %s' % (type(monitor).__gtype__.name, props(monitor)))

    def on_reached(source, result):
        say(result_line(lambda: source.can_reach_finish(result)))

    def command(words):
        if words == ['props']:
            say('ok ' + props(monitor))
        elif words == ['lookups']:
            say('ok %d' % resolver.lookups)
        elif words == ['quit']:
            say('ok')
            loop.quit()
        elif len(words) == 3 and words[0].startswith('reach'):
            address = Gio.NetworkAddress.new(words[1], int(words[2]))
            if words[0] == 'reach':
                say(result_line(lambda: monitor.can_reach(address, None)))
            elif words[0] == 'reach-async':
                monitor.can_reach_async(address, None, on_reached)
            elif words[0] == 'reach-thread':
                box = []
                thread = threading.Thread(target=lambda: box.append(
                    result_line(lambda: monitor.can_reach(address, None))))
                thread.start()
                thread.join()
                say(box[0])
            else:
                say('error app 0 unknown command %s' % words[0])
        else:
            say('error app 0 cannot parse the command')

    pending = [b'']

    def on_input(fd, condition):
        # Unbuffered: a line that Python's buffer had taken would wake nothing.
        data = os.read(fd, 4096)
        if not data:
            loop.quit()
            return GLib.SOURCE_REMOVE
        pending[0] += data
        while b'\n' in pending[0]:
            line, pending[0] = pending[0].split(b'\n', 1)
            command(line.decode().split())
        return GLib.SOURCE_CONTINUE

    GLib.unix_fd_add_full(GLib.PRIORITY_DEFAULT, sys.stdin.fileno(),
                          GLib.IOCondition.IN | GLib.IOCondition.HUP, on_input)
    loop.run()
    return 0


if __name__ == '__main__':
    sys.exit(main())
