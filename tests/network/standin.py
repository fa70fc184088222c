#!/usr/bin/env python3
'''A NetworkManager or logind stand-in on the system bus, for offlinemgr's tests.

Unlike `python3 -m dbusmock --template`, which owns the bus name first and loads the
template's objects afterwards, this builds every object before it owns the name, as the
real services do. Modes for the daemon's robustness tests:

  --name-first MS   own the name, then build the objects MS milliseconds later (a
                    half-started peer: calls fail with UnknownObject/UnknownMethod)
  --hang            own the name and never answer Properties.GetAll on the main object

Control it over D-Bus like any python-dbusmock mock (org.freedesktop.DBus.Mock). Exits
when the bus goes away or on SIGTERM.
'''

import argparse
import json
import os
import signal
import sys

import dbus
import dbus.mainloop.glib
import dbus.service
import dbusmock.mockobject
from gi.repository import GLib

HERE = os.path.dirname(os.path.abspath(__file__))
TEMPLATES = {
    'networkmanager': os.path.join(HERE, 'nm_template.py'),
    'logind': 'logind',
}


class Hanging(dbus.service.Object):
    '''Answers nothing: Properties.GetAll calls wait until they time out.'''

    def __init__(self, conn, path):
        super().__init__(conn, path)
        self.pending = []

    @dbus.service.method(dbus.PROPERTIES_IFACE, in_signature='s', out_signature='a{sv}',
                         async_callbacks=('reply', 'error'))
    def GetAll(self, interface, reply, error):
        self.pending.append((reply, error))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('template', choices=sorted(TEMPLATES))
    parser.add_argument('--parameters', default='{}', help='JSON dictionary for the template')
    parser.add_argument('--name-first', type=int, metavar='MS')
    parser.add_argument('--hang', action='store_true')
    args = parser.parse_args()

    dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
    template = TEMPLATES[args.template]
    module = dbusmock.mockobject.load_module(template)
    bus = dbus.SystemBus()
    loop = GLib.MainLoop()
    bus.add_signal_receiver(loop.quit, signal_name='Disconnected',
                            path='/org/freedesktop/DBus/Local',
                            dbus_interface='org.freedesktop.DBus.Local')
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGTERM, loop.quit)
    held = []

    def own_name():
        held.append(dbus.service.BusName(module.BUS_NAME, bus, allow_replacement=True,
                                         replace_existing=True, do_not_queue=True))

    def build():
        interface = getattr(module, 'MAIN_IFACE', dbusmock.mockobject.OBJECT_MANAGER_IFACE)
        main_object = dbusmock.mockobject.DBusMockObject(
            bus, module.MAIN_OBJ, interface, {}, os.devnull,
            getattr(module, 'IS_OBJECT_MANAGER', False))
        dbusmock.mockobject.objects[module.MAIN_OBJ] = main_object
        main_object.AddTemplate(template, json.loads(args.parameters))
        held.append(main_object)
        return False

    if args.hang:
        held.append(Hanging(bus, '/org/freedesktop/NetworkManager'))
        own_name()
    elif args.name_first is not None:
        own_name()
        GLib.timeout_add(args.name_first, build)
    else:
        build()
        own_name()
    loop.run()
    return 0


if __name__ == '__main__':
    sys.exit(main())
