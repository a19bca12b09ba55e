#!/usr/bin/env python3
"""A minimal seccomp agent for the SCMP_ACT_NOTIFY tests.

Listens on argv[1] for argv[3] (default 1) runtime connections, saves the container process
state JSON of connection N to argv[2].N and answers every notified syscall itself: mkdir and
mkdirat get a fake success (nothing is created), anything else fails with EXDEV. It exits once
every expected connection came and every process under the filters is gone (each listener fd
hung up).
"""
import array
import ctypes
import fcntl
import os
import select
import socket
import sys

# struct seccomp_notif (80 bytes) and struct seccomp_notif_resp (24 bytes), <linux/seccomp.h>
class SeccompData(ctypes.Structure):
    _fields_ = [("nr", ctypes.c_int), ("arch", ctypes.c_uint32), ("ip", ctypes.c_uint64), ("args", ctypes.c_uint64 * 6)]

class Notif(ctypes.Structure):
    _fields_ = [("id", ctypes.c_uint64), ("pid", ctypes.c_uint32), ("flags", ctypes.c_uint32), ("data", SeccompData)]

class Resp(ctypes.Structure):
    _fields_ = [("id", ctypes.c_uint64), ("val", ctypes.c_int64), ("error", ctypes.c_int32), ("flags", ctypes.c_uint32)]

def iowr(nr, size):
    return (3 << 30) | (size << 16) | (ord("!") << 8) | nr

NOTIF_RECV = iowr(0, ctypes.sizeof(Notif))
NOTIF_SEND = iowr(1, ctypes.sizeof(Resp))
NR_MKDIR, NR_MKDIRAT = 83, 258  # x86_64
EXDEV = 18

def receive_fd(conn):
    fds = array.array("i")
    msg, anc, _, _ = conn.recvmsg(65536, socket.CMSG_SPACE(fds.itemsize))
    for level, kind, data in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(data[: len(data) - (len(data) % fds.itemsize)])
    return msg, fds[0]

def answer(fd):
    notif = Notif()
    try:
        fcntl.ioctl(fd, NOTIF_RECV, notif)
    except OSError:
        return  # the task died or was interrupted before we read it
    fake_success = notif.data.nr in (NR_MKDIR, NR_MKDIRAT)
    resp = Resp(id=notif.id, val=0, error=0 if fake_success else -EXDEV, flags=0)
    try:
        fcntl.ioctl(fd, NOTIF_SEND, resp)
    except OSError:
        pass

def main():
    path, state_file = sys.argv[1], sys.argv[2]
    expected = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(expected)
    poller = select.poll()
    poller.register(srv, select.POLLIN)
    print("listening", flush=True)
    served, live = 0, 0
    while served < expected or live > 0:
        for fd, events in poller.poll():
            if fd == srv.fileno():
                conn, _ = srv.accept()
                state, listener = receive_fd(conn)
                conn.close()
                served += 1
                with open(f"{state_file}.{served}.tmp", "wb") as f:
                    f.write(state)
                os.rename(f"{state_file}.{served}.tmp", f"{state_file}.{served}")
                poller.register(listener, select.POLLIN)
                live += 1
                if served == expected:
                    poller.unregister(srv)
            elif events & select.POLLIN:
                answer(fd)
            elif events & (select.POLLHUP | select.POLLERR):
                poller.unregister(fd)
                os.close(fd)
                live -= 1

main()
