#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Open a cvmimg disk under a real kernel (libguestfs) and compare it with the tarball.

  guestfs-check.py DISK PASSFILE TAR [--clamp EPOCH]

Checks, in one appliance launch: the GPT has the ESP (vfat) and the root
partition; a wrong passphrase is refused and the right one opens the root
with the kernel's dm-crypt (aes-xts-plain64, sector_size:4096, no
iv_large_sectors); e2fsck -fn finds nothing; every archive entry equals its
file as the kernel shows it: type, mode, owner, ns mtime, size, SHA-256,
link target, hard-link grouping, link counts, device numbers, xattrs and
POSIX ACLs; and every file the kernel shows is an archive entry or one the
build documents adding (rootfs.BUILD_ADDS, the parents the archive omits).
Exit 0, or 1 listing the differences.

Uses python3-guestfs (Debian's /usr/bin/python3); the expectations come from
python's tarfile (rootfs.py), never from cvmimg.
"""
import os
import re
import sys

import guestfs

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rootfs  # noqa: E402

ROOT_TYPE = "4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709"

# Written by cvmimg build itself (issue 5), in place of the archive's entries
# (rootfs.REPLACED): checked for shape and content instead of against the tarball.
WRITTEN = {
    "etc/crypttab": re.compile(rb"^root UUID=[0-9a-f-]{36} none luks$", re.M),
    "etc/fstab": re.compile(rb"^/dev/mapper/root / ext4 defaults,errors=remount-ro 0 1$", re.M),
}

assert sorted(WRITTEN) == sorted(rootfs.REPLACED)


def check_written(g, st, errors):
    for p, pattern in WRITTEN.items():
        s = st.get(p)
        if s is None or s["kind"] != "reg" or s["mode"] != 0o644 or s["uid"] or s["gid"]:
            errors.append("%r: not a 0644 root-owned regular file written by cvmimg: %r" % (p, s))
            continue
        if not pattern.search(g.read_file("/" + p)):
            errors.append("%r: content does not match %r" % (p, pattern.pattern))


def sh(g, cmd):
    return g.debug("sh", [cmd])


def open_root(g, disk, passphrase, errors):
    fmt = "qcow2" if open(disk, "rb").read(4) == b"QFI\xfb" else "raw"
    g.add_drive_opts(disk, readonly=1, format=fmt)
    g.launch()
    if g.list_partitions() != ["/dev/sda1", "/dev/sda2"]:
        errors.append("partitions: %r" % g.list_partitions())
    if g.part_get_gpt_type("/dev/sda", 2).upper() != ROOT_TYPE:
        errors.append("partition 2 type %s" % g.part_get_gpt_type("/dev/sda", 2))
    if g.vfs_type("/dev/sda1") != "vfat":
        errors.append("partition 1 is %s, not vfat" % g.vfs_type("/dev/sda1"))
    try:
        g.cryptsetup_open("/dev/sda2", "not the passphrase", "wrong")
        errors.append("a wrong passphrase opened the root")
    except RuntimeError:
        pass
    g.cryptsetup_open("/dev/sda2", passphrase, "root")
    table = sh(g, "dmsetup table root")
    if "aes-xts-plain64" not in table or "sector_size:4096" not in table or "iv_large_sectors" in table:
        errors.append("dm table: %s" % table.strip())
    fsck = sh(g, "e2fsck -fn /dev/mapper/root >/tmp/fsck 2>&1; echo rc=$?; cat /tmp/fsck")
    if not fsck.startswith("rc=0"):
        errors.append("e2fsck inside the appliance: %s" % fsck[-500:])
    g.mount_ro("/dev/mapper/root", "/")


# Everything is read with one shell command per kind inside the appliance and
# made ASCII by sed's 'l' command (the python binding cannot carry names that
# are not UTF-8); newlines in names are not supported.
ESCAPES = {"a": 7, "b": 8, "f": 12, "n": 10, "r": 13, "t": 9, "v": 11, "\\": 92}


def sed_lines(text):
    """Undo sed -n 'l 0': octal and C escapes, a '$' ending each line."""
    for line in text.split("\n"):
        if not line.endswith("$"):
            continue
        out, i, line = bytearray(), 0, line[:-1]
        while i < len(line):
            c = line[i]
            if c == "\\" and line[i + 1:i + 4].isdigit():
                out.append(int(line[i + 1:i + 4], 8))
                i += 4
            elif c == "\\":
                out.append(ESCAPES[line[i + 1]])
                i += 2
            else:
                out += c.encode()
                i += 1
        yield bytes(out).decode("utf-8", "surrogateescape")


def sh_lines(g, cmd):
    return list(sed_lines(sh(g, "cd /sysroot && { %s; } | sed -n 'l 0'" % cmd)))


def collect(g):
    """stat, link target, device numbers, xattrs and SHA-256 of every file, by path."""
    st, xa, sums = {}, {}, {}
    for rec in sh_lines(g, "find . -xdev -printf '%y\\t%m\\t%U\\t%G\\t%T@\\t%s\\t%i\\t%n\\t%P\\t%l\\n'"):
        y, m, u, gid, t, size, ino, n, p, link = rec.split("\t")
        whole, _, frac = t.partition(".")
        st[p] = {"kind": {"f": "reg", "d": "dir", "l": "symlink", "c": "chr", "b": "blk",
                          "p": "fifo", "s": "sock"}.get(y, y),
                 "mode": int(m, 8), "uid": int(u), "gid": int(gid), "size": int(size),
                 "mtime_ns": int(whole) * 10**9 + int((frac + "000000000")[:9]),
                 "ino": int(ino), "nlink": int(n), "target": link}
    for rec in sh_lines(g, "find . -xdev \\( -type b -o -type c \\) -exec stat --printf '%t\\t%T\\t%n\\n' {} +"):
        major, minor, p = rec.split("\t", 2)
        st[rootfs.norm(p)]["dev"] = [int(major, 16), int(minor, 16)]
    path = None
    for rec in sh_lines(g, "getfattr -R -P -d -m - -e hex . 2>/dev/null"):
        if rec.startswith("# file: "):
            path = rootfs.norm(rec[len("# file: "):])
        elif "=" in rec and path is not None:
            k, _, v = rec.partition("=")
            xa.setdefault(path, {})[k] = bytes.fromhex(v[2:]) if v.startswith("0x") else v.encode()
    for rec in sh_lines(g, "find . -xdev -type f -print0 | xargs -0 -r sha256sum"):
        escaped = rec.startswith("\\")  # sha256sum escapes \\ and newlines in names then
        digest, _, p = rec.lstrip("\\").partition("  ")
        if escaped:
            p = re.sub(r"\\(.)", lambda m: "\n" if m.group(1) == "n" else m.group(1), p)
        sums[rootfs.norm(p)] = digest
    return st, xa, sums


def compare(exp, st, xa, sums, clamp):
    errors = []
    names_per_ino = {}
    for p, e in exp.items():
        if e["kind"] in ("reg", "hardlink") and p in st:
            names_per_ino[st[p]["ino"]] = names_per_ino.get(st[p]["ino"], 0) + 1
    for p, e in exp.items():
        s = st.get(p)
        if s is None:
            errors.append("%r is missing" % p)
            continue
        if e["kind"] == "hardlink":
            if s["ino"] != st.get(e["target"], {}).get("ino"):
                errors.append("%r is not a hard link to %r" % (p, e["target"]))
            continue
        mtime = e["mtime_ns"] if clamp is None else min(e["mtime_ns"], clamp * 10**9)
        got = {k: s[k] for k in ("kind", "mode", "uid", "gid", "mtime_ns")}
        want = {"kind": e["kind"], "mode": e["mode"], "uid": e["uid"], "gid": e["gid"], "mtime_ns": mtime}
        if e["kind"] == "reg":
            got.update(size=s["size"], sha256=sums.get(p), links=s["nlink"])
            want.update(size=e["size"], sha256=e["sha256"], links=names_per_ino[s["ino"]])
        if e["kind"] in ("chr", "blk"):
            got["dev"], want["dev"] = s.get("dev"), e["dev"]
        if e["kind"] == "symlink":
            got["target"], want["target"] = s["target"], e["target"]
        x = xa.get(p, {})
        got["xattrs"] = {k: v.hex() for k, v in x.items() if not k.startswith("system.posix_acl_")}
        want["xattrs"] = e["xattrs"]
        for k in ("access", "default"):
            raw = x.get("system.posix_acl_" + k)
            got["acl_" + k] = rootfs.decode_ext4_acl(raw) if raw else None
            w = e.get("acl_" + k)
            want["acl_" + k] = [(t, -1 if t in ("user", "group") and i < 0 else i, pr) for t, i, pr in w] \
                if w is not None else None
        for k in want:
            if got.get(k) != want[k]:
                errors.append("%r: %s is %r, expected %r" % (p, k, got.get(k), want[k]))
    return errors


def main(argv):
    if len(argv) not in (3, 5):
        print(__doc__, file=sys.stderr)
        return 2
    disk, passfile, tar = argv[:3]
    clamp = int(argv[4]) if len(argv) == 5 else None
    with open(passfile, "rb") as f:
        passphrase = f.read().decode("utf-8", "surrogateescape").rstrip("\n")
    exp = rootfs.expect(tar)
    for p in rootfs.REPLACED:
        exp.pop(p, None)
    errors = []
    g = guestfs.GuestFS(python_return_dict=True)
    open_root(g, disk, passphrase, errors)
    st, xa, sums = collect(g)
    st[""] = st.pop("", None) or st.get(".")
    errors += compare(exp, st, xa, sums, clamp)
    errors += rootfs.unexpected(exp, st)
    check_written(g, st, errors)
    # the comparison can fail: a changed expectation must be noticed
    probe = next(p for p, e in exp.items() if e["kind"] == "reg")
    if not compare({probe: dict(exp[probe], mode=exp[probe]["mode"] ^ 0o1)}, st, xa, sums, clamp):
        errors.append("self-check: a wrong mode for %r went unnoticed" % probe)
    if not rootfs.unexpected({p: e for p, e in exp.items() if p != probe}, st):
        errors.append("self-check: %r, not in the tarball, went unnoticed" % probe)
    g.umount_all()
    g.close()
    for e in errors[:50]:
        print(e)
    print("%d entries compared both ways under the appliance kernel, %d differences" %
          (len(exp), len(errors)))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
