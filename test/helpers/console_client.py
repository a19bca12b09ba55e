#!/usr/bin/env python3
"""A --console-socket peer for tests: accepts one connection, receives the pty master
(SCM_RIGHTS, pty name as data, as runc sends it), prints the name, writes argv[2] to the
pty, then copies the pty's output to stdout until it hangs up."""
import os
import socket
import sys

path, to_send = sys.argv[1], sys.argv[2].encode()
server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
server.bind(path)
server.listen(1)
print("listening", flush=True)
conn, _ = server.accept()
name, fds, _, _ = socket.recv_fds(conn, 4096, 1)
print("pty", name.decode(), flush=True)
master = fds[0]
os.write(master, to_send)
while True:
    try:
        data = os.read(master, 4096)
    except OSError:
        break
    if not data:
        break
    sys.stdout.write(data.decode(errors="replace"))
    sys.stdout.flush()
