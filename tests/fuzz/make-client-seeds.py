#!/usr/bin/env python3
"""Writes the seed corpus of fuzz-client-messages: message sequences in its input format
(see LLVMFuzzerTestOneInput() and states_changed() there)."""
import os
import sys

# Indexes into the fuzzer's tables.
OWNER, OTHER, WELL_KNOWN = 0, 2, 3                  # senders[]
ROOT, WORK, HOME, UNWATCHED = 0, 1, 2, 3            # paths[]
START, STATECHANGE, DONE = 1, 2, 3


ROOT_MANAGER, ROOT_OFFLINE, ON_ACCOUNT = 0x11, 0x01, 0x30   # StatesChanged's `where`


def entry(path, kind, old, new):
    """One (ouuu) entry of a StatesChanged, in range."""
    return bytes([path, 0, kind - 1, old - 1, new - 1])


def states(sender, entries, where=ROOT_MANAGER, shape=0):
    """Action 0: StatesChanged from sender with the given entries."""
    return bytes([0, sender, where, shape, len(entries)]) + b''.join(entries)


def signal(sender, path, kind, old, new, shape=0):
    """One phase alone in its StatesChanged."""
    return states(sender, [entry(path, kind, old, new)], shape=shape)


def transition(path, old, new, sender=OWNER):
    """A whole transition in one StatesChanged, as the daemon sends one without a probe."""
    return states(sender, [entry(path, kind, old, new) for kind in (START, STATECHANGE, DONE)])


def per_object(sender, path, kind, old, new):
    """Action 4: a per-object StateChanged, which the library does not read."""
    return bytes([4, sender, path, 0, kind - 1, old - 1, new - 1])


def owner_change(new_owner, real=True):
    """Action 5: NameOwnerChanged for the daemon's name; new_owner indexes
    ('', ':1.42', ':1.43', ':1.77'). Not real: sent by an impostor."""
    return bytes([5, 1, 1, new_owner]) if real else bytes([5, 0, 0, 1, new_owner])


SEEDS = {
    'transition-global': transition(ROOT, 2, 1),
    'transitions-work': transition(WORK, 2, 1) + transition(WORK, 1, 2),
    'abandoned-home': signal(OWNER, HOME, START, 1, 2) + signal(OWNER, HOME, DONE, 1, 1),
    'impostors': transition(WORK, 2, 1, sender=OTHER) + transition(WORK, 2, 1, WELL_KNOWN),
    'unwatched-path': transition(UNWATCHED, 2, 1),
    # The daemon restarts in the middle of a transition; the re-read answers OFFLINE.
    'restart-mid-transition': signal(OWNER, ROOT, START, 2, 1) + owner_change(2) + bytes([1]),
    # The name goes, comes back; the re-read of "work" says it is gone.
    'owner-gone-and-back': owner_change(0) + transition(ROOT, 2, 1) + owner_change(1) +
                           bytes([3, 0, 0]),
    'impostor-owner-change': owner_change(3, real=False) + transition(ROOT, 2, 1, OTHER),
    'bad-arguments': signal(OWNER, ROOT, START, 2, 2, shape=1) +
                     signal(OWNER, ROOT, START, 2, 2, shape=2) +
                     states(OWNER, [bytes([ROOT, 0x80, 0, 0, 0, 9, 1, 1])]),
    # Several objects in one signal, the way a network change reaches every account.
    'many-objects': states(OWNER, [entry(p, kind, 2, 1) for kind in (START, STATECHANGE, DONE)
                                   for p in (ROOT, WORK, HOME, UNWATCHED)]),
    'wrong-place': states(OWNER, [entry(WORK, START, 2, 1)], where=ROOT_OFFLINE) +
                   states(OWNER, [entry(WORK, START, 2, 1)], where=ON_ACCOUNT),
    'per-object-signals': per_object(OWNER, WORK, START, 2, 1) +
                          per_object(OWNER, WORK, DONE, 2, 1),
    'properties-changed': bytes([7, 0]),
}

outdir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(os.path.abspath(__file__)), 'corpus', 'fuzz-client-messages')
os.makedirs(outdir, exist_ok=True)
for name, data in SEEDS.items():
    with open(os.path.join(outdir, name), 'wb') as f:
        f.write(data)
