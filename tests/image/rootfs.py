#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Test fixtures for cvmimg build, independent of cvmimg and libarchive.

  rootfs.py make OUT.tar [--marker TEXT] [--many N] [--sparse-tar FILE]
      A synthetic root filesystem with every kind of entry tar can carry:
      directories (sticky, deep, named twice), regular files (empty, block
      edges, setuid/setgid, 32-bit owners, nanosecond, pre-1970 and
      post-2038 times), fast and slow symlinks, hard links, character and
      block devices (large minor), a FIFO, xattrs (user, trusted,
      security.capability, security.selinux), POSIX ACLs (access and
      default), long and non-UTF-8 names, a directory of N files, and the
      members of --sparse-tar (a GNU tar --sparse archive) appended.

  rootfs.py expect TAR
      The archive as python's tarfile reads it, one JSON object per entry
      (the reference the image is compared with).

  rootfs.py compare TAR IMAGE [--clamp EPOCH]
      Every entry of TAR against the plaintext ext4 IMAGE, read with
      debugfs: type, mode, owner, mtime (ns), size, content digest, link
      target, hard-link grouping, device numbers, xattrs and ACLs; and the
      other way: every entry of IMAGE is TAR's or one the build documents
      adding (BUILD_ADDS, the parent directories TAR omits).
      Prints the differences; exit 1 if any.

  rootfs.py unexpected TAR < LIST
      The second half alone, for a listing made elsewhere (cvmimg inspect
      --list): LIST has one JSON array [path, type, mode, uid, gid] a line,
      type as find -printf %y (f d l c b p s); bytes of names that are not
      UTF-8 as jq shows them (U+FFFD). Prints the differences; exit 1 if any.

  rootfs.py build-adds
      The paths of BUILD_ADDS, one a line (tests/docs/man.sh checks that
      man/cvmimg-build.1 names each).
"""
import hashlib
import io
import json
import os
import re
import struct
import subprocess
import sys
import tarfile
import tempfile

T0 = 1700000000


def add(tf, name, type=tarfile.REGTYPE, data=b"", mode=0o644, uid=0, gid=0, mtime=T0,
        pax=None, **kw):
    ti = tarfile.TarInfo(name)
    ti.type = type
    ti.mode = mode
    ti.uid, ti.gid = uid, gid
    ti.mtime = mtime
    ti.pax_headers = dict(pax or {})
    for k, v in kw.items():
        setattr(ti, k, v)
    if type == tarfile.REGTYPE:
        ti.size = len(data)
        tf.addfile(ti, io.BytesIO(data))
    else:
        tf.addfile(ti)


def binary(b):
    """A pax value carrying arbitrary bytes (python writes hdrcharset=BINARY)."""
    return b.decode("utf-8", "surrogateescape")


def make(out, marker=None, many=3000, sparse_tar=None):
    rnd = hashlib.sha256(b"cvmimg").digest() * 40000  # 1.28 MB, deterministic
    cap = struct.pack("<IIIII", 0x02000001, 1 << 13, 0, 0, 0)  # cap_net_raw+ep, v2
    with tarfile.open(out, "w", format=tarfile.PAX_FORMAT, encoding="utf-8",
                      errors="surrogateescape") as tf:
        add(tf, "./", tarfile.DIRTYPE, mode=0o755)
        add(tf, "./etc", tarfile.DIRTYPE, mode=0o700)
        add(tf, "./etc/hostname", data=b"cvm\n")
        add(tf, "./etc", tarfile.DIRTYPE, mode=0o755, mtime=T0 + 5)  # named twice
        add(tf, "./tmp", tarfile.DIRTYPE, mode=0o1777)
        add(tf, "./home/user", tarfile.DIRTYPE, mode=0o700, uid=1000, gid=1000)  # no parent
        add(tf, "./empty", data=b"")
        add(tf, "./b4096", data=rnd[:4096])
        add(tf, "./b4097", data=rnd[:4097])
        add(tf, "./big", data=rnd, mode=0o600)
        add(tf, "./usr/bin/su", data=b"\x7fELF su", mode=0o4755)
        add(tf, "./usr/bin/wall", data=b"\x7fELF wall", mode=0o2755, gid=5)
        add(tf, "./owners", data=b"x", uid=100000, gid=4000000000)
        add(tf, "./ns", data=b"y", pax={"mtime": "1700000000.123456789"})
        add(tf, "./old", data=b"z", mtime=-86400 * 365)
        add(tf, "./future", data=b"w", mtime=4102444800 + 7)  # 2100-01-01
        add(tf, "./lnk-fast", tarfile.SYMTYPE, mode=0o777, linkname="etc/hostname")
        add(tf, "./lnk-slow", tarfile.SYMTYPE, mode=0o777, linkname="/" + "x" * 99)
        add(tf, "./lnk-dangling", tarfile.SYMTYPE, mode=0o777, linkname="../nowhere")
        add(tf, "./hl/a", data=b"linked\n")
        add(tf, "./hl/b", tarfile.LNKTYPE, linkname="./hl/a")
        add(tf, "./hl/c", tarfile.LNKTYPE, linkname="hl/a")
        add(tf, "./dev/null", tarfile.CHRTYPE, mode=0o666, devmajor=1, devminor=3)
        add(tf, "./dev/sda", tarfile.BLKTYPE, mode=0o660, gid=6, devmajor=8, devminor=0)
        add(tf, "./dev/nvme", tarfile.BLKTYPE, mode=0o660, devmajor=259, devminor=70000)
        add(tf, "./run/fifo", tarfile.FIFOTYPE, mode=0o600)
        add(tf, "./usr/bin/ping", data=b"\x7fELF ping", mode=0o755, pax={
            "SCHILY.xattr.security.capability": binary(cap),
            "SCHILY.xattr.security.selinux": "system_u:object_r:ping_exec_t:s0\0",
            "SCHILY.xattr.user.comment": "pings",
            "SCHILY.xattr.trusted.overlay.opaque": "y"})
        add(tf, "./acl/file", data=b"acl", mode=0o640, pax={
            "SCHILY.acl.access": "user::rw-,user:1000:rw-,group::r--,group:100:r-x,mask::rwx,other::---"})
        add(tf, "./acl/dir", tarfile.DIRTYPE, mode=0o750, pax={
            "SCHILY.acl.default": "user::rwx,user:1000:rwx,group::r-x,mask::rwx,other::---"})
        long = "l" * 255
        add(tf, "./long/" + long, data=b"255 bytes")
        add(tf, "./" + "/".join(["deep%02d" % i for i in range(30)]) + "/f", data=b"deep")
        add(tf, "./utf8/café-ß-日本", data=b"utf8")
        add(tf, binary(b"./bytes/bad-\xff\xfe-name"), data=b"latin")
        if marker:  # in content, a name, a link target and an xattr
            add(tf, "./secret/marker.txt", data=(marker + "\n").encode() * 100)
            add(tf, "./secret/" + marker, data=b"named")
            add(tf, "./secret/link", tarfile.SYMTYPE, mode=0o777, linkname=marker)
            add(tf, "./secret/attr", data=b"a", pax={"SCHILY.xattr.user.secret": marker})
        for i in range(many):
            add(tf, "./many/entry-with-a-long-name-%06d" % i, data=b"%d\n" % i if i % 10 == 0 else b"")
    if sparse_tar:
        subprocess.run(["tar", "--concatenate", "-f", out, sparse_tar], check=True)


# What cvmimg build puts into the root besides the tarball's entries, as
# man/cvmimg-build.1 documents it ("Files the build writes into the root"), and
# nowhere else: path -> (kind, mode), owned by 0:0. The two files replace the
# tarball's entries at their paths (the forward comparison leaves those out);
# lost+found is mke2fs's, and a tarball's own lost+found only sets its
# metadata. Besides these, the parent directories the tarball omits are made
# 0755, 0:0 (man page: "Directories the tarball omits").
BUILD_ADDS = {
    "etc/crypttab": ("reg", 0o644),
    "etc/fstab": ("reg", 0o644),
    "lost+found": ("dir", 0o700),
}
REPLACED = [p for p, (kind, _) in BUILD_ADDS.items() if kind == "reg"]


def parents(paths):
    out = set()
    for p in paths:
        while "/" in p:
            p = p.rsplit("/", 1)[0]
            out.add(p)
    return out


def unexpected(exp, image):
    """The reverse comparison: every entry of @image (path -> {kind, mode, uid,
    gid}, the root as "") is in @exp (expect()) or added by the build as
    BUILD_ADDS says, with the documented type, mode and owner. Returns the
    differences as messages."""
    errors = []
    made = parents(list(exp) + list(BUILD_ADDS))
    for p in BUILD_ADDS:
        if p not in image:
            errors.append("%r: missing, the build adds it" % p)
    for p, s in sorted(image.items()):
        if p == "" or (p in exp and p not in REPLACED):
            continue
        if p in BUILD_ADDS:
            want = BUILD_ADDS[p]
        elif p in made:
            want = ("dir", 0o755)
        else:
            errors.append("%r: in the image (%s), but neither in the tarball nor added by the "
                          "build (tests/image/rootfs.py BUILD_ADDS)" % (p, s["kind"]))
            continue
        got = (s["kind"], s["mode"], s["uid"], s["gid"])
        if got != want + (0, 0):
            errors.append("%r: added by the build as %r, expected %r" % (p, got, want + (0, 0)))
    return errors


def norm(name):
    parts = [p for p in name.split("/") if p not in ("", ".")]
    return "/".join(parts)


KIND = {tarfile.REGTYPE: "reg", tarfile.AREGTYPE: "reg", tarfile.DIRTYPE: "dir",
        tarfile.SYMTYPE: "symlink", tarfile.LNKTYPE: "hardlink", tarfile.CHRTYPE: "chr",
        tarfile.BLKTYPE: "blk", tarfile.FIFOTYPE: "fifo", tarfile.GNUTYPE_SPARSE: "reg"}


def mtime_ns(ti):
    s = ti.pax_headers.get("mtime")
    if s:
        whole, _, frac = s.partition(".")
        return int(whole) * 10**9 + int((frac + "000000000")[:9]) * (-1 if whole.startswith("-") else 1)
    return int(ti.mtime) * 10**9


def acl_entries(text):
    """'user::rw-,user:1000:rw-,...' (or one per line) -> sorted [(tag, id, perm)].
    Only numeric qualifiers: a name cannot be resolved without the image's own
    user database (the build refuses those too)."""
    out = []
    for e in re.split(r"[,\n]", text):
        if not e:
            continue
        tag, q, p = e.split(":")[:3]
        perm = (4 if "r" in p else 0) | (2 if "w" in p else 0) | (1 if "x" in p else 0)
        out.append((tag, int(q) if q else -1, perm))
    return sorted(out)


def expect(tar):
    """Entries in archive order; later ones win (directories named twice)."""
    res = {}
    with tarfile.open(tar, encoding="utf-8", errors="surrogateescape") as tf:
        for ti in tf:
            path = norm(ti.name)
            e = {"path": path, "kind": KIND.get(ti.type, "other"), "mode": ti.mode & 0o7777,
                 "uid": ti.uid, "gid": ti.gid, "mtime_ns": mtime_ns(ti)}
            if ti.isreg():
                h = hashlib.sha256()
                f = tf.extractfile(ti)
                for chunk in iter(lambda: f.read(1 << 20), b""):
                    h.update(chunk)
                e["size"], e["sha256"] = ti.size, h.hexdigest()
            if ti.issym():
                e["target"] = ti.linkname
            if ti.islnk():
                e["target"] = norm(ti.linkname)
            if ti.ischr() or ti.isblk():
                e["dev"] = [ti.devmajor, ti.devminor]
            xattrs = {k[len("SCHILY.xattr."):]: v.encode("utf-8", "surrogateescape")
                      for k, v in ti.pax_headers.items() if k.startswith("SCHILY.xattr.")}
            e["xattrs"] = {k: v.hex() for k, v in xattrs.items()
                           if not k.startswith("system.posix_acl_")}
            for k in ("access", "default"):
                acl = None
                if "system.posix_acl_" + k in xattrs:  # GNU tar --xattrs: the kernel's form wins
                    acl = decode_ext4_acl(xattrs["system.posix_acl_" + k])
                elif "SCHILY.acl." + k in ti.pax_headers:
                    acl = acl_entries(ti.pax_headers["SCHILY.acl." + k])
                if acl is not None:
                    e["acl_" + k] = acl
                    mask = [p for t, q, p in acl if t == "mask"]
                    if k == "access" and mask:  # stat shows the mask as the group bits
                        e["mode"] = (e["mode"] & ~0o070) | mask[0] << 3
            if path in res and e["kind"] == "dir":
                res[path].update(e)
            else:
                res[path] = e
    return res


def q(path):
    """A debugfs argument: absolute, quoted, raw bytes."""
    return b'"/' + path.encode("utf-8", "surrogateescape") + b'"'


def debugfs(image, lines):
    """Run commands in one debugfs; return each command's output (bytes), in order."""
    with tempfile.NamedTemporaryFile() as f:
        f.write(b"\n".join(lines) + b"\n")
        f.flush()
        out = subprocess.run(["debugfs", "-f", f.name, image], stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, check=True).stdout
    parts = re.split(rb"^debugfs: .*\n", out, flags=re.M)
    if len(parts) != len(lines) + 1:
        raise RuntimeError("debugfs gave %d outputs for %d commands" % (len(parts) - 1, len(lines)))
    return parts[1:]


TYPES = {b"regular": "reg", b"directory": "dir", b"symlink": "symlink", b"FIFO": "fifo",
         b"character special": "chr", b"block special": "blk", b"socket": "sock"}


def parse_stat(text):
    m = re.search(rb"Inode: (\d+)\s+Type: (.+?)\s+Mode:\s+(\d+)", text)
    if not m:
        return None
    s = {"ino": int(m.group(1)), "kind": TYPES.get(m.group(2), "?"), "mode": int(m.group(3), 8)}
    m = re.search(rb"User:\s+(-?\d+)\s+Group:\s+(-?\d+).*Size: (\d+)", text)
    s["uid"], s["gid"], s["size"] = int(m.group(1)) % 2**32, int(m.group(2)) % 2**32, int(m.group(3))
    s["links"] = int(re.search(rb"Links: (\d+)", text).group(1))
    m = re.search(rb" mtime: 0x([0-9a-f]+)(?::([0-9a-f]+))?", text)
    lo, extra = int(m.group(1), 16), int(m.group(2) or b"0", 16)
    sec = (lo ^ 0x80000000) - 0x80000000 + ((extra & 3) << 32)
    s["mtime_ns"] = sec * 10**9 + (extra >> 2)
    m = re.search(rb"Device major/minor number: (\d+):(\d+)", text)
    if m:
        s["dev"] = [int(m.group(1), 10), int(m.group(2), 10)]
    m = re.search(rb'Fast link dest: "(.*)"\n', text)
    if m:
        s["target"] = m.group(1).decode("utf-8", "surrogateescape")
    s["xattr_names"] = [n.decode() for n in
                        re.findall(rb"^  (\S+) \(\d+\) = ", text.split(b"Extended attributes:")[-1], re.M)] \
        if b"Extended attributes:" in text else []
    return s


ACL_TAGS = {1: "user", 2: "user", 4: "group", 8: "group", 0x10: "mask", 0x20: "other"}


def decode_ext4_acl(b):
    """An ACL as debugfs gives it: Linux's xattr form (version 2, 8-byte entries) or
    ext4's on-disk form (version 1, short entries for the owner, group, mask, other)."""
    out, i = [], 4
    version = struct.unpack_from("<I", b)[0]
    if version == 2:
        for tag, perm, ident in struct.iter_unpack("<HHI", b[4:]):
            out.append((ACL_TAGS.get(tag, "?"), ident if tag in (2, 8) else -1, perm))
        return sorted(out)
    if version != 1:
        return "bad version %d" % version
    while i < len(b):
        tag, perm = struct.unpack_from("<HH", b, i)
        if tag in (2, 8):
            out.append((ACL_TAGS[tag], struct.unpack_from("<I", b, i + 4)[0], perm))
            i += 8
        else:
            out.append((ACL_TAGS.get(tag, "?"), -1, perm))
            i += 4
    return sorted(out)


FIND_TYPES = {"f": "reg", "d": "dir", "l": "symlink", "c": "chr", "b": "blk", "p": "fifo",
              "s": "sock"}
MODE_TYPES = {0o100000: "reg", 0o040000: "dir", 0o120000: "symlink", 0o020000: "chr",
              0o060000: "blk", 0o010000: "fifo", 0o140000: "sock"}


def list_image(image, dirs):
    """Every entry of @dirs (and of the directories below them that are listed
    too) as debugfs ls -p shows it: path -> {kind, mode, uid, gid}. Directories
    not in @dirs are listed but not entered: an unexpected one is reported
    already."""
    out = {}
    dirs = sorted(dirs)
    for d, text in zip(dirs, debugfs(image, [b"ls -p " + q(d) for d in dirs])):
        for m in re.finditer(rb"^/(\d+)/(\d+)/(\d+)/(\d+)/(.*)/(\d*)/$", text, re.M):
            name = m.group(5).decode("utf-8", "surrogateescape")
            if name in (".", "..") or m.group(1) == b"0":  # inode 0: an empty block's slot
                continue
            mode = int(m.group(2), 8)
            out[(d + "/" if d else "") + name] = {
                "kind": MODE_TYPES.get(mode & 0o170000, "?"), "mode": mode & 0o7777,
                "uid": int(m.group(3)), "gid": int(m.group(4))}
    return out


def compare(tar, image, clamp=None):
    exp = expect(tar)
    # the reverse direction first, while exp still holds what the build replaces
    dirs = {""} | parents(list(exp) + list(BUILD_ADDS)) | \
        {p for p, e in exp.items() if e["kind"] == "dir"} | \
        {p for p, (kind, _) in BUILD_ADDS.items() if kind == "dir"}
    extra = unexpected(exp, list_image(image, dirs))
    for p in REPLACED:
        exp.pop(p, None)
    paths = list(exp)
    stats = {p: parse_stat(o) for p, o in zip(paths, debugfs(image, [b"stat " + q(p) for p in paths]))}
    errors = []
    tmp = tempfile.mkdtemp()

    def err(p, what):
        errors.append("%r: %s" % (p, what))

    dumps, slow, xcmds = [], [], []
    for p in paths:
        e, s = exp[p], stats[p]
        if s is None:
            err(p, "missing from the image")
            continue
        kind = e["kind"]
        if kind == "hardlink":
            t = stats.get(e["target"])
            if not t or t["ino"] != s["ino"]:
                err(p, "is not a hard link to %r" % e["target"])
            continue
        want_mtime = e["mtime_ns"] if clamp is None else min(e["mtime_ns"], clamp * 10**9)
        if clamp is not None and e["mtime_ns"] > clamp * 10**9:
            want_mtime = clamp * 10**9
        for k, v in (("kind", kind), ("mode", e["mode"]), ("uid", e["uid"]), ("gid", e["gid"]),
                     ("mtime_ns", want_mtime)):
            if s[k] != v:
                err(p, "%s is %r, expected %r" % (k, s[k], v))
        if kind == "reg":
            if s["size"] != e["size"]:
                err(p, "size %d, expected %d" % (s["size"], e["size"]))
            if e["size"]:
                dumps.append(p)
        if kind in ("chr", "blk") and s.get("dev") != e["dev"]:
            err(p, "device %r, expected %r" % (s.get("dev"), e["dev"]))
        if kind == "symlink":
            if "target" in s:
                if s["target"] != e["target"]:
                    err(p, "target %r, expected %r" % (s["target"], e["target"]))
            else:
                slow.append(p)
        for n in s["xattr_names"]:
            xcmds.append((p, n))
    # links: each inode's count equals its names in the archive
    names = {}
    for p in paths:
        if exp[p]["kind"] in ("reg", "hardlink") and stats[p]:
            names[stats[p]["ino"]] = names.get(stats[p]["ino"], 0) + 1
    for p in paths:
        if exp[p]["kind"] == "reg" and stats[p] and stats[p]["links"] != names[stats[p]["ino"]]:
            err(p, "%d links, expected %d" % (stats[p]["links"], names[stats[p]["ino"]]))
    if dumps:
        debugfs(image, [b"dump -p " + q(p) + b" " + ("%s/%d" % (tmp, i)).encode()
                        for i, p in enumerate(dumps)])
        for i, p in enumerate(dumps):
            with open("%s/%d" % (tmp, i), "rb") as f:
                if hashlib.sha256(f.read()).hexdigest() != exp[p]["sha256"]:
                    err(p, "content differs")
            os.unlink("%s/%d" % (tmp, i))
    for p, out in zip(slow, debugfs(image, [b"cat " + q(p) for p in slow]) if slow else []):
        if out.decode("utf-8", "surrogateescape") != exp[p]["target"]:
            err(p, "target %r, expected %r" % (out[:80], exp[p]["target"]))
    got = {}
    if xcmds:
        debugfs(image, [b"ea_get -f " + ("%s/x%d" % (tmp, i)).encode() + b" " + q(p) + b" " +
                        n.encode() for i, (p, n) in enumerate(xcmds)])
        for i, (p, n) in enumerate(xcmds):
            with open("%s/x%d" % (tmp, i), "rb") as f:
                got.setdefault(p, {})[n] = f.read()
            os.unlink("%s/x%d" % (tmp, i))
    for p in paths:
        e = exp[p]
        if e["kind"] == "hardlink" or stats[p] is None:
            continue
        x = got.get(p, {})
        plain = {k: v.hex() for k, v in x.items() if not k.startswith("system.posix_acl_")}
        if plain != e["xattrs"]:
            err(p, "xattrs %r, expected %r" % (plain, e["xattrs"]))
        for k in ("access", "default"):
            raw = x.get("system.posix_acl_" + k)
            have = decode_ext4_acl(raw) if raw else None
            want = e.get("acl_" + k)
            if want is not None:
                want = [(t, -1 if t in ("user", "group") and i < 0 else i, pr) for t, i, pr in want]
            if have != want:
                err(p, "%s ACL %r, expected %r" % (k, have, want))
    os.rmdir(tmp)
    errors += extra
    for e in errors:
        print(e)
    print("%d entries compared both ways, %d differences" % (len(paths), len(errors)))
    return 1 if errors else 0


def main(argv):
    if len(argv) >= 2 and argv[0] == "make":
        marker = many = sparse = None
        args = argv[2:]
        while args:
            k, v = args[0], args[1]
            args = args[2:]
            if k == "--marker":
                marker = v
            elif k == "--many":
                many = int(v)
            elif k == "--sparse-tar":
                sparse = v
        make(argv[1], marker=marker, many=3000 if many is None else many, sparse_tar=sparse)
        return 0
    if len(argv) == 2 and argv[0] == "expect":
        for e in expect(argv[1]).values():
            print(json.dumps(e))
        return 0
    if len(argv) == 2 and argv[0] == "unexpected":
        image = {}
        for line in sys.stdin:
            p, y, mode, uid, gid = json.loads(line)
            image[norm(p)] = {"kind": FIND_TYPES.get(y, y), "mode": mode, "uid": uid, "gid": gid}
        # jq shows bytes that are not UTF-8 as U+FFFD: so must the tarball's names
        exp = {p.encode("utf-8", "surrogateescape").decode("utf-8", "replace"): e
               for p, e in expect(argv[1]).items()}
        errors = unexpected(exp, image)
        for e in errors:
            print(e)
        print("%d entries of the image checked against the tarball, %d differences" %
              (len(image), len(errors)))
        return 1 if errors else 0
    if len(argv) == 1 and argv[0] == "build-adds":
        for p in BUILD_ADDS:
            print(p)
        return 0
    if len(argv) in (3, 5) and argv[0] == "compare":
        clamp = int(argv[4]) if len(argv) == 5 and argv[3] == "--clamp" else None
        return compare(argv[1], argv[2], clamp)
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
