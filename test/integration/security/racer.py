#!/usr/bin/env python3
"""Swaps two paths atomically (renameat2 RENAME_EXCHANGE) in a tight loop until killed: the
attacker of the race tests, flipping e.g. a directory and a symlink while runts sets up a
container. Prints "racing" once the first swap succeeded."""
import ctypes
import os
import sys

AT_FDCWD = -100
RENAME_EXCHANGE = 2
libc = ctypes.CDLL(None, use_errno=True)
a, b = os.fsencode(sys.argv[1]), os.fsencode(sys.argv[2])
if libc.renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE) != 0:
    sys.exit(f"renameat2: {os.strerror(ctypes.get_errno())}")
print("racing", flush=True)
while True:
    libc.renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE)
