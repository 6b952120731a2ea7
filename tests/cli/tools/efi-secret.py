#!/usr/bin/env python3
"""Read an EFI secret table as Linux's efi_secret driver does
(drivers/virt/coco/efi_secret/efi_secret.c), independently of cvmimg:
header GUID 1e74f542-71dd-4d66-963e-ef4287ff173b and u32 table length, then
entries (GUID, u32 length including the 20-byte header, data); a NULL GUID
is a deleted entry. Writes each entry to DIR/<guid as %pUl> and prints
"guid size" per entry; exit 1 for what the driver refuses.

  efi-secret.py TABLE DIR
"""
import os
import struct
import sys
import uuid

HEADER = uuid.UUID("1e74f542-71dd-4d66-963e-ef4287ff173b")


def main(argv):
    data = open(argv[1], "rb").read()
    if len(data) < 20 or uuid.UUID(bytes_le=data[:16]) != HEADER:
        print("not a secret table")
        return 1
    (total,) = struct.unpack_from("<I", data, 16)
    if total > len(data):
        print("table length %d past the end" % total)
        return 1
    off, left = 20, total - 20
    while left >= 20:
        g = uuid.UUID(bytes_le=data[off:off + 16])
        (n,) = struct.unpack_from("<I", data, off + 16)
        if n < 20 or n > left:
            print("invalid entry length %d" % n)
            return 1
        if g.int:
            with open(os.path.join(argv[2], str(g)), "wb") as f:
                f.write(data[off + 20:off + n])
            print(g, n - 20)
        off += n
        left -= n
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
