#!/usr/bin/env python3
"""Runs a command on a new pty of the given size, as a user at a terminal would: writes each
input once the output so far contains the text that should precede it (an input RESIZE:R:C
resizes the terminal instead, which signals SIGWINCH), then copies the output to stdout until
the command ends; exits with the command's status.
Usage: pty_run.py ROWS COLS WAIT_FOR INPUT [WAIT_FOR INPUT ...] -- CMD ARGS..."""
import fcntl
import os
import pty
import select
import struct
import sys
import termios
import time

sep = sys.argv.index("--")
rows, cols = int(sys.argv[1]), int(sys.argv[2])
steps = list(zip(sys.argv[3:sep:2], sys.argv[4:sep:2]))
cmd = sys.argv[sep + 1:]

pid, master = pty.fork()
if pid == 0:
    # the size is set before the command starts, so its first look at the terminal sees it
    fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    os.execvp(cmd[0], cmd)
output = b""
deadline = time.time() + 60
while time.time() < deadline:
    if steps and steps[0][0].encode() in output:
        text = steps.pop(0)[1]
        if text.startswith("RESIZE:"):
            _, r, c = text.split(":")
            fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", int(r), int(c), 0, 0))
        else:
            os.write(master, text.encode().decode("unicode_escape").encode())
    ready, _, _ = select.select([master], [], [], 0.1)
    if not ready:
        continue
    try:
        data = os.read(master, 4096)
    except OSError:
        break
    if not data:
        break
    output += data
else:
    os.kill(pid, 9)  # a stuck command: ours to end
sys.stdout.buffer.write(output)
sys.stdout.flush()
_, status = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(status))
