#!/usr/bin/env python3
"""Read concatenated uncompressed newc cpio archives (what an initrd with
appended segments is), independently of cvmimg: list or extract the entries
of archive N (0-based; -1 the last).

  newc.py list FILE N             "mode name size" per entry ("... -> target" for a symlink)
  newc.py extract FILE N DIR      the entries into DIR (regular files, dirs)
"""
import os
import sys


def archives(data):
    out, cur, off = [], [], 0
    while off + 110 <= len(data):
        if data[off:off + 6] != b"070701":
            off += 4  # padding between archives
            continue
        h = data[off:off + 110]
        f = [int(h[6 + 8 * i:14 + 8 * i], 16) for i in range(13)]
        mode, size, namesize = f[1], f[6], f[11]
        name = data[off + 110:off + 110 + namesize - 1].decode()
        off = (off + 110 + namesize + 3) & ~3
        body = data[off:off + size]
        off = (off + size + 3) & ~3
        if name == "TRAILER!!!":
            out.append(cur)
            cur = []
            continue
        cur.append((mode, name, body))
    return out


def main(argv):
    data = open(argv[2], "rb").read()
    arch = archives(data)[int(argv[3])]
    if argv[1] == "list":
        for mode, name, body in arch:
            link = ""
            if mode & 0o170000 == 0o120000:
                link = " -> " + body.decode()
            print("%o %s %d%s" % (mode, name, len(body), link))
    else:
        for mode, name, body in arch:
            p = os.path.join(argv[4], name)
            if mode & 0o170000 == 0o040000:
                os.makedirs(p, exist_ok=True)
            elif mode & 0o170000 == 0o100000:
                os.makedirs(os.path.dirname(p), exist_ok=True)
                with open(p, "wb") as fh:
                    fh.write(body)
                os.chmod(p, mode & 0o7777)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
