#!/usr/bin/env python3
"""The interface XML in dbus/ is the one source of truth: the daemon's live introspection
must match it in both directions — every interface, method, signal and property, every
argument's name, type and direction, every property's type and access, every annotation."""

import glob
import os
import xml.etree.ElementTree as ET

from omtest import (ACCOUNT_PREFIX, IFACE_ACCOUNT, IFACE_MANAGER, IFACE_OBJECT_MANAGER,
                    IFACE_OFFLINE, ROOT_PATH, SOURCE_ROOT, DaemonTestCase, account_path, main)

OUR_PREFIX = 'org.offlinemgr.'


def annotations(element):
    return {a.get('name'): a.get('value') for a in element.findall('annotation')}


def describe_interface(element):
    """Everything a client can rely on in one <interface>, as plain data."""
    methods, signals, properties = {}, {}, {}
    for m in element.findall('method'):
        methods[m.get('name')] = {
            'args': [(a.get('name'), a.get('type'), a.get('direction', 'in'))
                     for a in m.findall('arg')],
            'annotations': annotations(m),
        }
    for s in element.findall('signal'):
        # A signal's arguments are always "out"; introspection may or may not say so.
        signals[s.get('name')] = {
            'args': [(a.get('name'), a.get('type'), a.get('direction', 'out'))
                     for a in s.findall('arg')],
            'annotations': annotations(s),
        }
    for p in element.findall('property'):
        properties[p.get('name')] = {
            'type': p.get('type'),
            'access': p.get('access'),
            'annotations': annotations(p),
        }
    return {'methods': methods, 'signals': signals, 'properties': properties,
            'annotations': annotations(element)}


def interfaces_of(xml_text):
    root = ET.fromstring(xml_text)
    return {i.get('name'): describe_interface(i) for i in root.findall('interface')}


def xml_interfaces():
    """The interfaces documented in dbus/*.xml, by name."""
    found = {}
    for path in sorted(glob.glob(os.path.join(SOURCE_ROOT, 'dbus', '*.xml'))):
        with open(path) as f:
            for name, desc in interfaces_of(f.read()).items():
                assert name not in found, '%s defined twice' % name
                found[name] = desc
    return found


class IntrospectionTest(DaemonTestCase):
    def setUp(self):
        super().setUp()
        self.documented = xml_interfaces()
        # Guard against a glob that silently finds nothing.
        self.assertEqual(sorted(self.documented), [IFACE_ACCOUNT, IFACE_MANAGER, IFACE_OFFLINE])

    def assert_matches_xml(self, path, expected_names):
        live = interfaces_of(self.introspect(path))
        ours = sorted(n for n in live if n.startswith(OUR_PREFIX))
        self.assertEqual(ours, sorted(expected_names),
                         '%s serves other interfaces than documented' % path)
        for name in expected_names:
            self.assert_interface_equal(name, live[name], self.documented[name])
        return live

    def assert_interface_equal(self, name, live, documented):
        """Compares member by member, so that a failure says exactly what differs."""
        self.assertEqual(live['annotations'], documented['annotations'], name)
        for kind in ('methods', 'signals', 'properties'):
            self.assertEqual(sorted(live[kind]), sorted(documented[kind]),
                             '%s: %s of the daemon (first) and the XML (second) differ'
                             % (name, kind))
            for member in documented[kind]:
                self.assertEqual(live[kind][member], documented[kind][member],
                                 '%s.%s: the daemon (first) and the XML (second) differ'
                                 % (name, member))

    def test_root_object_matches_xml(self):
        self.start_daemon()
        live = self.assert_matches_xml(ROOT_PATH, [IFACE_OFFLINE, IFACE_MANAGER])
        self.assertIn(IFACE_OBJECT_MANAGER, live)

    def test_account_object_matches_xml(self):
        self.write_account('work', '[Account]\n')
        self.start_daemon()
        live = self.assert_matches_xml(account_path('work'), [IFACE_OFFLINE, IFACE_ACCOUNT])
        self.assertNotIn(IFACE_MANAGER, live)

    def test_every_documented_interface_is_served(self):
        self.write_account('work', '[Account]\n')
        self.start_daemon()
        served = set(interfaces_of(self.introspect(ROOT_PATH)))
        served |= set(interfaces_of(self.introspect(account_path('work'))))
        self.assertLessEqual(set(self.documented), served)

    def test_object_tree(self):
        self.write_account('work', '[Account]\n')
        self.write_account('1.home', '[Account]\n')
        self.start_daemon()
        root = ET.fromstring(self.introspect(ROOT_PATH))
        self.assertIn('account', [n.get('name') for n in root.findall('node')])
        accounts = ET.fromstring(self.introspect(ACCOUNT_PREFIX))
        self.assertEqual(sorted(n.get('name') for n in accounts.findall('node')),
                         sorted([account_path('1.home').rsplit('/', 1)[1], 'work']))
        # No such account: no such object.
        self.assert_error('org.freedesktop.DBus.Error.UnknownObject', account_path('nobody'),
                          'org.freedesktop.DBus.Introspectable', 'Introspect')

    def test_comparison_catches_a_difference(self):
        """The comparison itself fails on a changed argument name, type or direction, a
        changed annotation or a missing member, so the tests above can fail."""
        self.start_daemon()
        live = interfaces_of(self.introspect(ROOT_PATH))[IFACE_OFFLINE]
        documented = self.documented[IFACE_OFFLINE]
        mutations = [
            lambda d: d['methods']['SetCurrentState']['args'].__setitem__(
                0, ('flag', 'u', 'in')),
            lambda d: d['methods']['SetCurrentState']['args'].__setitem__(
                3, ('effective_state', 'i', 'out')),
            lambda d: d['methods']['GetCurrentState']['args'].__setitem__(
                0, ('state', 'u', 'in')),
            lambda d: d['signals']['StateChanged']['args'].pop(),
            lambda d: d['properties']['State'].__setitem__('access', 'readwrite'),
            lambda d: d['properties']['Reason']['annotations'].__setitem__(
                'org.freedesktop.DBus.Property.EmitsChangedSignal', 'false'),
            lambda d: d['methods'].pop('GetCapabilities'),
            lambda d: d['annotations'].__setitem__('org.freedesktop.DBus.Deprecated', 'true'),
        ]
        for mutate in mutations:
            changed = interfaces_of(self.introspect(ROOT_PATH))[IFACE_OFFLINE]
            mutate(changed)
            with self.assertRaises(AssertionError):
                self.assert_interface_equal(IFACE_OFFLINE, changed, documented)
        self.assert_interface_equal(IFACE_OFFLINE, live, documented)


if __name__ == '__main__':
    main()
