#!/usr/bin/env python3
"""Prints Class.test_method for every test of a unittest file, one per line, so that
meson can register each as its own test (a failure then names itself)."""
import ast
import sys

tree = ast.parse(open(sys.argv[1]).read(), sys.argv[1])
for node in tree.body:
    if isinstance(node, ast.ClassDef):
        for item in node.body:
            if isinstance(item, ast.FunctionDef) and item.name.startswith('test'):
                print('%s.%s' % (node.name, item.name))
