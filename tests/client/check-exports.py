#!/usr/bin/env python3
"""The shared libraries export exactly what their headers declare OM_PUBLIC.

Usage: check-exports.py LIBRARY HEADER... (needs nm from binutils)."""
import re
import subprocess
import sys

library, headers = sys.argv[1], sys.argv[2:]
declared = set()
for header in headers:
    text = open(header).read()
    # OM_PUBLIC <type> <name>(...)  or  OM_PUBLIC extern const <type> <name>;
    for m in re.finditer(r'^OM_PUBLIC\s+[^;(]*?\**\b(\w+)\s*(?:\(|;)', text, re.M):
        declared.add(m.group(1))

out = subprocess.run(['nm', '-D', '--defined-only', library], check=True,
                     capture_output=True, text=True).stdout
exported = set()
for line in out.splitlines():
    parts = line.split()
    if len(parts) == 3 and parts[1] in 'TDRBV':
        exported.add(parts[2].split('@')[0])

if declared != exported:
    print('declared but not exported:', sorted(declared - exported))
    print('exported but not declared:', sorted(exported - declared))
    sys.exit(1)
print('%d symbols, as declared' % len(exported))
