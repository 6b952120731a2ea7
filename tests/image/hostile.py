#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Hostile and odd tarballs for cvmimg build.

  hostile.py NAME OUT     write the archive NAME (see CASES) to OUT
  hostile.py list         the names
"""
import io
import sys
import tarfile


def entry(tf, name, type=tarfile.REGTYPE, data=b"", linkname="", mode=0o644, pax=None):
    ti = tarfile.TarInfo(name)
    ti.type, ti.mode, ti.mtime, ti.linkname = type, mode, 1700000000, linkname
    ti.pax_headers = dict(pax or {})
    if type == tarfile.REGTYPE:
        ti.size = len(data)
        tf.addfile(ti, io.BytesIO(data))
    else:
        tf.addfile(ti)


def archive(out, entries, fmt=tarfile.PAX_FORMAT):
    with tarfile.open(out, "w", format=fmt) as tf:
        for e in entries:
            entry(tf, **e)


CASES = {
    # refused, exit 3
    "dotdot": [dict(name="a/../../etc/passwd", data=b"x")],
    "dotdot-dir": [dict(name="../outside", type=tarfile.DIRTYPE, mode=0o755)],
    "through-symlink": [dict(name="dir", type=tarfile.SYMTYPE, linkname="/etc", mode=0o777),
                        dict(name="dir/passwd", data=b"root::0:0::/:/bin/sh\n")],
    "hardlink-missing": [dict(name="h", type=tarfile.LNKTYPE, linkname="missing")],
    "hardlink-later": [dict(name="h", type=tarfile.LNKTYPE, linkname="f"), dict(name="f", data=b"f")],
    "hardlink-escape": [dict(name="h", type=tarfile.LNKTYPE, linkname="../../etc/shadow")],
    "hardlink-dir": [dict(name="d", type=tarfile.DIRTYPE, mode=0o755),
                     dict(name="h", type=tarfile.LNKTYPE, linkname="d")],
    "duplicate-file": [dict(name="f", data=b"one"), dict(name="./f", data=b"two")],
    "file-then-dir": [dict(name="x", data=b"one"), dict(name="x", type=tarfile.DIRTYPE, mode=0o755)],
    "long-component": [dict(name="d/" + "n" * 256, data=b"x")],
    "root-not-dir": [dict(name=".", type=tarfile.FIFOTYPE)],
    "acl-name": [dict(name="f", data=b"x", mode=0o660, pax={
        "SCHILY.acl.access": "user::rw-\nuser:alice:rw-\ngroup::r--\nmask::rw-\nother::---\n"})],
    # 1024 entries without a mask: the mask the kernel needs would be the 1025th
    "acl-1025": [dict(name="f", data=b"x", mode=0o755, pax={
        "SCHILY.acl.access": ",".join(["user::rwx", "group::r-x", "other::r-x"] +
                                      ["user:%d:rwx:%d" % (i, i) for i in range(1, 1022)])})],
    "long-symlink": [dict(name="s", type=tarfile.SYMTYPE, linkname="t" * 4096, mode=0o777)],
    # accepted
    "absolute": [dict(name="/etc/abs", data=b"abs"), dict(name="//etc//double", data=b"dbl"),
                 dict(name="./././etc/./dots", data=b"dots")],
}


def main(argv):
    if argv == ["list"]:
        print("\n".join(CASES))
        return 0
    if len(argv) == 2 and argv[0] in CASES:
        archive(argv[1], CASES[argv[0]])
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
