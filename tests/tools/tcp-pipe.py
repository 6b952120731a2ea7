#!/usr/bin/env python3
"""Join standard input and output (QEMU's guestfwd=...-cmd: gives a socket
there, one process per guest connection) to a TCP port on 127.0.0.1.

  tcp-pipe.py PORT
"""
import os
import select
import socket
import sys

s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
fds = [0, s.fileno()]
while fds:
    r, _, _ = select.select(fds, [], [])
    if 0 in r:
        data = os.read(0, 65536)
        if not data:
            fds.remove(0)
            s.shutdown(socket.SHUT_WR)
        else:
            s.sendall(data)
    if s.fileno() in r:
        data = s.recv(65536)
        if not data:
            break
        os.write(1, data)
