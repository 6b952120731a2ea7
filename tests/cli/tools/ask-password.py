#!/usr/bin/env python3
"""A passphrase request as systemd-cryptsetup makes one, for password agent tests.

    ask-password.py DIR DEVICE [--not-after USEC] [--wait S]

Written from systemd.io/PASSWORD_AGENTS, not from systemd's code: binds a
datagram socket DIR/sck.<pid> that receives the sender's credentials, writes
DIR/ask.<pid> (under another name first, then renamed, as systemd does) with
Id=cryptsetup:DEVICE, waits for one answer (at most S seconds, default 30),
removes both files and prints the answer and the sender's uid:
    answer=<the datagram> uid=<uid>
Exits 1 with "no answer" when nothing came.
"""
import argparse
import os
import socket
import struct
import sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("device")
    ap.add_argument("--not-after", type=int, default=0)
    ap.add_argument("--wait", type=float, default=30)
    a = ap.parse_args()
    os.makedirs(a.dir, exist_ok=True)
    sck = os.path.join(a.dir, "sck.%d" % os.getpid())
    ask = os.path.join(a.dir, "ask.%d" % os.getpid())
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
    s.bind(sck)
    tmp = os.path.join(a.dir, ".tmp-ask.%d" % os.getpid())
    with open(tmp, "w") as f:
        f.write("[Ask]\nPID=%d\nSocket=%s\nAcceptCached=0\nEcho=0\nNotAfter=%d\n"
                "Message=Please enter passphrase for disk test:\nIcon=drive-harddisk\n"
                "Id=cryptsetup:%s\n" % (os.getpid(), sck, a.not_after, a.device))
    os.rename(tmp, ask)
    s.settimeout(a.wait)
    try:
        data, anc, _, _ = s.recvmsg(4096, socket.CMSG_SPACE(12))
    except socket.timeout:
        print("no answer")
        return 1
    finally:
        os.unlink(ask)
        os.unlink(sck)
    uid = None
    for level, kind, val in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
            _, uid, _ = struct.unpack("iII", val[:12])
    print("answer=%s uid=%s" % (data.decode("latin-1"), uid))
    return 0


if __name__ == "__main__":
    sys.exit(main())
