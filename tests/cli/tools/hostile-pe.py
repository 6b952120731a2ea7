#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Write a small PE32+ image whose sections are all zero fill, written from
the PE/COFF specification, independently of cvmimg.

  hostile-pe.py OUT [SECTIONS [VIRTUAL_SIZE]]

Each of SECTIONS (default 96, the PE limit) sections has SizeOfRawData 0 and
VirtualSize VIRTUAL_SIZE (default 0xffffd000: it ends just below 4 GiB), so a
file of 4.5 KiB maps SECTIONS x VIRTUAL_SIZE bytes of zeros.
"""
import struct
import sys


def pe(n, vsize):
    lfanew, opt_size = 0x40, 240  # PE32+ optional header with 16 data directories
    sectab = lfanew + 4 + 20 + opt_size
    headers = (sectab + 40 * n + 511) & ~511
    out = bytearray(headers)
    out[0:2] = b"MZ"
    struct.pack_into("<I", out, 0x3C, lfanew)
    out[lfanew:lfanew + 4] = b"PE\0\0"
    # COFF: x86-64, sections, timestamp, symbols, optional header size, flags
    struct.pack_into("<HHIIIHH", out, lfanew + 4, 0x8664, n, 0, 0, 0, opt_size, 0x22)
    opt = lfanew + 24
    struct.pack_into("<H", out, opt, 0x20B)
    struct.pack_into("<II", out, opt + 32, 0x1000, 0x200)  # section, file alignment
    struct.pack_into("<II", out, opt + 56, 0xFFFFF000, headers)  # SizeOfImage, SizeOfHeaders
    struct.pack_into("<H", out, opt + 68, 10)  # subsystem: EFI application
    struct.pack_into("<I", out, opt + 108, 16)  # NumberOfRvaAndSizes
    for i in range(n):
        # name, VirtualSize, VirtualAddress, SizeOfRawData, PointerToRawData, ..., flags
        struct.pack_into("<8sIIII12xI", out, sectab + 40 * i, b".z%d" % i, vsize,
                         0x2000, 0, 0, 0xC0000080)
    return bytes(out)


def main(argv):
    if not 1 <= len(argv) <= 3:
        print(__doc__, file=sys.stderr)
        return 2
    n = int(argv[1]) if len(argv) > 1 else 96
    vsize = int(argv[2], 0) if len(argv) > 2 else 0xFFFFD000
    with open(argv[0], "wb") as f:
        f.write(pe(n, vsize))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
