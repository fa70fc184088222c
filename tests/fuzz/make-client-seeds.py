#!/usr/bin/env python3
"""Writes the seed corpus of fuzz-client-messages: message sequences in its input format
(see LLVMFuzzerTestOneInput() and state_changed() there)."""
import os
import sys

# Indexes into the fuzzer's tables.
OWNER, OTHER, WELL_KNOWN = 0, 2, 3                  # senders[]
ROOT, WORK, HOME, UNWATCHED = 0, 1, 2, 3            # paths[]
START, STATECHANGE, DONE = 1, 2, 3


def signal(sender, path, kind, old, new, shape=0):
    """Action 0: StateChanged with (uuuu) arguments in range."""
    return bytes([0, sender, path, shape, kind - 1, old - 1, new - 1])


def transition(path, old, new, sender=OWNER):
    return b''.join(signal(sender, path, kind, old, new) for kind in (START, STATECHANGE, DONE))


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
                     signal(OWNER, ROOT, START, 2, 2, shape=3) +
                     bytes([0, OWNER, ROOT, 0x80, 0, 0, 0, 9, 1, 1]),
    'properties-changed': bytes([7, 0]),
}

outdir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(os.path.abspath(__file__)), 'corpus', 'fuzz-client-messages')
os.makedirs(outdir, exist_ok=True)
for name, data in SEEDS.items():
    with open(os.path.join(outdir, name), 'wb') as f:
        f.write(data)
