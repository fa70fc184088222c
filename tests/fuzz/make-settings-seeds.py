#!/usr/bin/env python3
"""Writes the seed corpus of fuzz-settings-message: AddAccount and UpdateAccount calls
as its input format encodes them (see build_call() and append_value() there)."""
import os
import struct
import sys

NAMES = ['DisplayName', 'Host', 'Port', 'RequireConnections', 'MinConnectivity',
         'AllowMetered', 'CheckReachability']
WORDS = ['full', 'limited', 'portal', '', 'imap.example.com', '::1', '127.0.0.1']


def string(s):
    b = s.encode() if isinstance(s, str) else s
    if len(b) < 255:
        return bytes([len(b)]) + b
    assert (len(b) - 255) % 4 == 0 and len(b) <= 1275, 'lengths past 254 are 255 + 4k'
    return bytes([255, (len(b) - 255) // 4]) + b


def value(kind, v):
    if kind == 's':
        if v in WORDS:
            return bytes([0, WORDS.index(v)])
        return bytes([0, 0xff]) + string(v)
    if kind == 'u':
        return bytes([1]) + struct.pack('>I', v)
    if kind == 'b':
        return bytes([2, int(v)])
    if kind == 'as':
        return bytes([3, len(v)]) + b''.join(string(e) for e in v)
    if kind == 'i':
        return bytes([4]) + struct.pack('>i', v)
    raise ValueError(kind)


def call(update, account_id, entries):
    out = bytes([int(update)]) + string(account_id) + bytes([len(entries)])
    for name, kind, v in entries:
        if name in NAMES:
            out += bytes([NAMES.index(name)])
        else:
            out += bytes([0xff]) + string(name)
        out += value(kind, v)
    return out


SEEDS = {
    'add-full': call(False, 'work', [
        ('DisplayName', 's', 'Work'), ('Host', 's', 'imap.example.com'), ('Port', 'u', 993),
        ('RequireConnections', 'as', ['office-vpn']), ('MinConnectivity', 's', 'full'),
        ('AllowMetered', 'b', False), ('CheckReachability', 'b', True)]),
    'add-empty': call(False, 'home', []),
    'update-port': call(True, 'work', [('Port', 'u', 143)]),
    'update-empty-list': call(True, 'work', [('RequireConnections', 'as', [])]),
    'unknown-setting': call(False, 'x', [('Colour', 's', 'blue')]),
    'wrong-type': call(False, 'x', [('Port', 'i', 993)]),
    'duplicate': call(False, 'x', [('Port', 'u', 1), ('Port', 'u', 2)]),
    'port-out-of-range': call(False, 'x', [('Port', 'u', 70000)]),
    'long-display-name': call(False, 'x', [('DisplayName', 's', 'n' * 259)]),
    'long-host': call(False, 'x', [('Host', 's', 'h' * 255)]),
    'long-connection': call(False, 'x', [('RequireConnections', 'as', ['c' * 259])]),
    'control-chars': call(False, 'x', [('DisplayName', 's', 'a\nb')]),
    'bad-host': call(False, 'x', [('Host', 's', 'a b')]),
    'many-connections': call(False, 'x', [('RequireConnections', 'as',
                                           ['c%d' % i for i in range(33)])]),
    'too-many-entries': call(False, 'x', [('DisplayName', 's', 'd')] * 33),
    'reachability-without-host': call(False, 'x', [('CheckReachability', 'b', True)]),
}

outdir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(os.path.abspath(__file__)), 'corpus', 'fuzz-settings-message')
os.makedirs(outdir, exist_ok=True)
for name, data in SEEDS.items():
    with open(os.path.join(outdir, name), 'wb') as f:
        f.write(data)
