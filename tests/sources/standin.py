#!/usr/bin/python3
"""Stand-ins for the cases the real services cannot produce.

    standin.py silent BUS_NAME
        owns BUS_NAME and never answers anything (a hung service)
    standin.py eds SOURCES.json
        an evolution-source-registry that exports the sources of SOURCES.json
        ({"uid": "data", ...}) as Source_N objects, Data exactly as given (the real
        registry rewrites or refuses what it cannot parse)

Prints "ready" once the name is owned; exits when stdin closes."""

import json
import os
import sys

import dbus
import dbus.mainloop.glib
import dbus.service
from gi.repository import GLib

EDS_NAME = 'org.gnome.evolution.dataserver.Sources5'
EDS_PATH = '/org/gnome/evolution/dataserver/SourceManager'
EDS_SOURCE = 'org.gnome.evolution.dataserver.Source'
OBJECT_MANAGER = 'org.freedesktop.DBus.ObjectManager'


def silent(name):
    # No main loop runs: the bus queues the calls and nobody ever reads them.
    bus = dbus.SessionBus()
    bus.request_name(name, dbus.bus.NAME_FLAG_DO_NOT_QUEUE)
    print('ready', flush=True)
    sys.stdin.read()


class Registry(dbus.service.Object):
    def __init__(self, bus, sources):
        super().__init__(bus, EDS_PATH)
        self.sources = sources

    @dbus.service.method(OBJECT_MANAGER, out_signature='a{oa{sa{sv}}}')
    def GetManagedObjects(self):
        objects = {}
        for i, (uid, data) in enumerate(sorted(self.sources.items())):
            objects[dbus.ObjectPath('%s/Source_%d' % (EDS_PATH, i))] = {
                EDS_SOURCE: {'UID': dbus.String(uid), 'Data': dbus.String(data)}}
        return objects


def eds(path):
    dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
    with open(path) as f:
        sources = json.load(f)
    bus = dbus.SessionBus()
    registry = Registry(bus, sources)
    bus.request_name(EDS_NAME, dbus.bus.NAME_FLAG_DO_NOT_QUEUE)
    loop = GLib.MainLoop()
    GLib.io_add_watch(sys.stdin.fileno(), GLib.IO_IN | GLib.IO_HUP,
                      lambda *args: loop.quit() if not os.read(sys.stdin.fileno(), 4096) else True)
    print('ready', flush=True)
    loop.run()
    del registry


if __name__ == '__main__':
    if sys.argv[1] == 'silent':
        silent(sys.argv[2])
    else:
        eds(sys.argv[2])
