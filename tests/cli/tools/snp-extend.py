#!/usr/bin/env python3
"""Append a GHCB certificate table to an SNP report (an "extended report").

usage: snp-extend.py REPORT OUT [KIND=CERT.der ...] [--bad-offset]

KIND is vcek, vlek, ask or ark. Entries are {GUID (EFI byte order), u32
offset, u32 length} from the start of the table, ended by a zero entry; the
certificates follow. --bad-offset points the first entry past the end.
"""
import struct
import sys
import uuid

GUIDS = {
    "vcek": "63da758d-e664-4564-adc5-f4b93be8accd",
    "vlek": "a8074bc2-a25a-483e-aae6-39c045a0b8a1",
    "ask": "4ab7b379-bbac-4fe4-a02f-05aef327c782",
    "ark": "c0b406a4-a803-4952-9743-3fb6014cd0ae",
}

report = open(sys.argv[1], "rb").read()
certs = [a.split("=", 1) for a in sys.argv[3:] if "=" in a]
bad = "--bad-offset" in sys.argv
offset = 24 * (len(certs) + 1)
table, blobs = b"", b""
for kind, path in certs:
    data = open(path, "rb").read()
    off = offset + len(blobs)
    if bad:
        off += 1 << 20
    table += uuid.UUID(GUIDS[kind]).bytes_le + struct.pack("<II", off, len(data))
    blobs += data
table += bytes(24)
open(sys.argv[2], "wb").write(report + table + blobs)
