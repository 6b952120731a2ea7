#!/usr/bin/env python3
"""Write a damaged copy of an OVMF image, for the bad-input tests.

usage: mutate-ovmf.py IN OUT MUTATION

The offsets are those of the AmdSev fixture (ovmf_AmdSev_suffix.bin, 4 KiB):
footer table header at end-50, SEV metadata ("ASEV") at end-0x554 with its
descriptors right after the 16-byte header.
"""
import struct
import sys

src, dst, what = sys.argv[1], sys.argv[2], sys.argv[3]
data = bytearray(open(src, "rb").read())
n = len(data)
footer = n - 32 - 18          # u16 size, then the footer GUID
asev = n - 0x554              # metadata header
desc = asev + 16              # first 12-byte descriptor (gpa, size, type)


def table_entries():
    """(header offset, size) of each entry, walking back from the footer."""
    size = struct.unpack_from("<H", data, footer)[0]
    start, end, out = footer - (size - 18), footer, []
    while end - start >= 18:
        esize = struct.unpack_from("<H", data, end - 18)[0]
        out.append((end - 18, esize))
        end -= esize
    return out


def put32(off, v):
    struct.pack_into("<I", data, off, v)


if what == "no-footer":
    data[footer + 2:footer + 18] = bytes(16)
elif what == "footer-too-long":
    struct.pack_into("<H", data, footer, 0xFFFF)
elif what == "entry-size-small":
    hdr, _ = table_entries()[0]
    struct.pack_into("<H", data, hdr, 4)
elif what == "entry-size-long":
    hdr, _ = table_entries()[-1]
    struct.pack_into("<H", data, hdr, 0x400)
elif what == "metadata-outside":
    for hdr, size in table_entries():
        if data[hdr + 2:hdr + 18] == bytes.fromhex("666588dc4a989847a75e5585a7bf67cc"):
            put32(hdr - (size - 18), 0x20000)
elif what == "metadata-bad-signature":
    data[asev:asev + 4] = b"XSEV"
elif what == "metadata-too-many":
    put32(asev + 12, 60)
elif what == "section-overlap":
    put32(desc + 12, 0x801000)           # second section moves into the first
elif what == "section-in-firmware":
    put32(desc + 6 * 12, 0xFFFFF000)     # last section onto the firmware page
elif what == "section-unaligned":
    put32(desc + 4, 0x9001)
elif what == "section-unknown-type":
    put32(desc + 2 * 12 + 8, 7)
elif what == "truncate":
    data = data[:n - 100]
else:
    sys.exit("unknown mutation " + what)
open(dst, "wb").write(data)
