#!/usr/bin/env python3
# Write a 4 MiB TDVF image with the layout of the 4 MiB OVMF builds dstack and
# Ubuntu use (reference/tdx-measurement.md §2.2): CFV 0x84000 bytes at
# 0xFFC00000, the rest a BFV extended into MRTD, the standard TD_HOB/TEMP_MEM
# sections, and the footer GUID table naming the TDVF descriptor. The contents
# are pseudo-random: bench/measure.sh times MRTD over it.
import random
import struct
import sys
import uuid

N = 4 << 20
CFV = 0x84000
img = bytearray(random.Random(7).randbytes(N))
sections = [
    (CFV, N - CFV, 0x100000000 - N + CFV, N - CFV, 0, 1),  # BFV, MR.EXTEND
    (0, CFV, 0x100000000 - N, CFV, 1, 0),                 # CFV
    (0, 0, 0x810000, 0x10000, 3, 0),
    (0, 0, 0x80B000, 0x2000, 3, 0),
    (0, 0, 0x809000, 0x2000, 2, 0),
    (0, 0, 0x800000, 0x6000, 3, 0),
]
desc = b"TDVF" + struct.pack("<III", 16 + 32 * len(sections), 1, len(sections))
for s in sections:
    desc += struct.pack("<IIQQII", *s)
off = 0x1000
img[N - off - 16:N - off] = uuid.UUID("e9eaf9f3-168e-44d5-a8eb-7f4d8738f6ae").bytes_le
img[N - off:N - off + len(desc)] = desc
img[N - 72:N - 68] = struct.pack("<I", off)
img[N - 68:N - 66] = struct.pack("<H", 22)
img[N - 66:N - 50] = uuid.UUID("e47a6535-984a-4798-865e-4685a7bf8ec2").bytes_le
img[N - 50:N - 48] = struct.pack("<H", 40)
img[N - 48:N - 32] = uuid.UUID("96b582de-1fb2-45f7-baea-a366c55a082d").bytes_le
sys.stdout.buffer.write(img)
