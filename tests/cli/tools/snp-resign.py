#!/usr/bin/env python3
"""Re-sign an SNP report with another key, for the forged-chain tests.

usage: snp-resign.py REPORT SIG.DER OUT

SIG.DER is `openssl dgst -sha384 -sign KEY` over the report's first 0x2A0
bytes: an ECDSA-Sig-Value SEQUENCE { INTEGER r, INTEGER s }. r and s go to
0x2A0 and 0x2E8 as 72-byte little-endian numbers (AMD's layout).
"""
import sys

report = bytearray(open(sys.argv[1], "rb").read())
der = open(sys.argv[2], "rb").read()


def length(buf, i):
    """The DER length at buf[i] and the offset after it."""
    n = buf[i]
    if n < 0x80:
        return n, i + 1
    k = n & 0x7F
    return int.from_bytes(buf[i + 1:i + 1 + k], "big"), i + 1 + k


assert der[0] == 0x30, "not a SEQUENCE"
_, i = length(der, 1)
ints = []
for _ in range(2):
    assert der[i] == 0x02, "not an INTEGER"
    n, i = length(der, i + 1)
    ints.append(int.from_bytes(der[i:i + n], "big"))
    i += n
report[0x2A0:0x2E8] = ints[0].to_bytes(72, "little")
report[0x2E8:0x330] = ints[1].to_bytes(72, "little")
open(sys.argv[3], "wb").write(report)
