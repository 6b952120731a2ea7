#!/usr/bin/env python3
"""An independent JWE (ECDH-ES+A256KW, A256GCM) and JWK implementation for the
tests, on Python's `cryptography` (RFC 7516, RFC 7518 sections 4.6 and 5.3).

  jwe.py jwk KEY.pem [--private]          JWK of a P-256 key (with "d" if --private)
  jwe.py decrypt PRIV.pem IN OUT          compact or flattened JSON
  jwe.py encrypt PUB.pem IN OUT --form compact|flat [--epk-unprotected]
  jwe.py tamper IN MEMBER OUT             flip one bit of one decoded byte of MEMBER
  jwe.py rewrap IN OUT                    re-encode the protected header with an
                                          extra member (valid JSON, other AAD)
Several files in one run (Python starts slowly):
  jwe.py decrypt-each PRIV.pem IN...      IN.py, or a line "IN: cannot decrypt"
  jwe.py encrypt-each PUB.pem IN...       IN.py-compact, IN.py-flat, IN.py-epk
  jwe.py tamper-each IN...                IN.t-<member> for each member, IN.rw
  jwe.py header IN...                     "alg enc crv" of each JWE's parameters
Exit 0, or 1 with a message when decryption fails.
"""
import base64
import json
import os
import struct
import sys

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.concatkdf import ConcatKDFHash
from cryptography.hazmat.primitives.keywrap import aes_key_unwrap, aes_key_wrap

ALG, ENC = "ECDH-ES+A256KW", "A256GCM"
MEMBERS = ["protected", "encrypted_key", "iv", "ciphertext", "tag"]


def b64u(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def unb64u(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def jwk_of(key, private=False):
    pub = key.public_key() if private else key
    n = pub.public_numbers()
    j = {"alg": ALG, "crv": "P-256", "kty": "EC",
         "x": b64u(n.x.to_bytes(32, "big")), "y": b64u(n.y.to_bytes(32, "big"))}
    if private:
        j["d"] = b64u(key.private_numbers().private_value.to_bytes(32, "big"))
    return j


def kek(priv, pub):
    z = priv.exchange(ec.ECDH(), pub)
    other = struct.pack(">I", len(ALG)) + ALG.encode() + struct.pack(">III", 0, 0, 256)
    return ConcatKDFHash(algorithm=hashes.SHA256(), length=32, otherinfo=other).derive(z)


def read_jwe(text):
    text = text.strip()
    if text.startswith("{"):
        d = json.loads(text)
        return "flat", d
    parts = text.split(".")
    assert len(parts) == 5, "compact JWE needs 5 parts"
    return "compact", dict(zip(MEMBERS, parts))


def write_jwe(form, d, path):
    with open(path, "w") as f:
        if form == "compact":
            f.write(".".join(d[m] for m in MEMBERS))
        else:
            json.dump(d, f, separators=(",", ":"))


def decrypt(key, text):
    _, d = read_jwe(text)
    hdr = json.loads(unb64u(d["protected"]))
    hdr.update(d.get("header", {}))
    hdr.update(d.get("unprotected", {}))
    assert hdr["alg"] == ALG and hdr["enc"] == ENC, hdr
    e = hdr["epk"]
    assert e["kty"] == "EC" and e["crv"] == "P-256"
    epk = ec.EllipticCurvePublicNumbers(int.from_bytes(unb64u(e["x"]), "big"),
                                        int.from_bytes(unb64u(e["y"]), "big"),
                                        ec.SECP256R1()).public_key()
    cek = aes_key_unwrap(kek(key, epk), unb64u(d["encrypted_key"]))
    return AESGCM(cek).decrypt(unb64u(d["iv"]), unb64u(d["ciphertext"]) + unb64u(d["tag"]),
                               d["protected"].encode("ascii"))


def encrypt(pub, pt, form, epk_unprotected):
    eph = ec.generate_private_key(ec.SECP256R1())
    epk = jwk_of(eph.public_key())
    del epk["alg"]
    # another member order than cvmimg's (JCS) header: the AAD is the text as sent
    hdr = {"enc": ENC, "alg": ALG}
    if not epk_unprotected:
        hdr["epk"] = {"y": epk["y"], "x": epk["x"], "kty": "EC", "crv": "P-256"}
    prot = b64u(json.dumps(hdr).encode())
    cek, iv = os.urandom(32), os.urandom(12)
    ct = AESGCM(cek).encrypt(iv, pt, prot.encode("ascii"))
    d = {"protected": prot, "encrypted_key": b64u(aes_key_wrap(kek(eph, pub), cek)),
         "iv": b64u(iv), "ciphertext": b64u(ct[:-16]), "tag": b64u(ct[-16:])}
    if epk_unprotected:
        d["header"] = {"epk": epk}
    return d


def tamper(path, member, out):
    form, d = read_jwe(open(path).read())
    raw = bytearray(unb64u(d[member]))
    raw[len(raw) // 2] ^= 0x01
    d[member] = b64u(bytes(raw))
    write_jwe(form, d, out)


def rewrap(path, out):
    form, d = read_jwe(open(path).read())
    hdr = json.loads(unb64u(d["protected"]))
    hdr["kid"] = "tampered"
    d["protected"] = b64u(json.dumps(hdr).encode())
    write_jwe(form, d, out)


def main(argv):
    cmd = argv[1]
    if cmd == "jwk":
        key = serialization.load_pem_private_key(open(argv[2], "rb").read(), None) \
            if "--private" in argv else \
            serialization.load_pem_public_key(open(argv[2], "rb").read())
        print(json.dumps(jwk_of(key, "--private" in argv), separators=(",", ":")))
    elif cmd == "decrypt":
        key = serialization.load_pem_private_key(open(argv[2], "rb").read(), None)
        try:
            pt = decrypt(key, open(argv[3]).read())
        except Exception as e:  # the reason is printed: the test shows it
            print(f"jwe.py: cannot decrypt: {type(e).__name__} {e}", file=sys.stderr)
            return 1
        open(argv[4], "wb").write(pt)
    elif cmd == "encrypt":
        pub = serialization.load_pem_public_key(open(argv[2], "rb").read())
        form = argv[argv.index("--form") + 1]
        d = encrypt(pub, open(argv[3], "rb").read(), form, "--epk-unprotected" in argv)
        write_jwe(form, d, argv[4])
    elif cmd == "tamper":
        tamper(argv[2], argv[3], argv[4])
    elif cmd == "rewrap":
        rewrap(argv[2], argv[3])
    elif cmd == "decrypt-each":
        key = serialization.load_pem_private_key(open(argv[2], "rb").read(), None)
        for path in argv[3:]:
            try:
                open(path + ".py", "wb").write(decrypt(key, open(path).read()))
            except Exception as e:
                print(f"{path}: cannot decrypt: {type(e).__name__} {e}")
    elif cmd == "encrypt-each":
        pub = serialization.load_pem_public_key(open(argv[2], "rb").read())
        for path in argv[3:]:
            pt = open(path, "rb").read()
            write_jwe("compact", encrypt(pub, pt, "compact", False), path + ".py-compact")
            write_jwe("flat", encrypt(pub, pt, "flat", False), path + ".py-flat")
            write_jwe("flat", encrypt(pub, pt, "flat", True), path + ".py-epk")
    elif cmd == "tamper-each":
        for path in argv[2:]:
            for m in MEMBERS:
                tamper(path, m, f"{path}.t-{m}")
            rewrap(path, path + ".rw")
    elif cmd == "header":
        for path in argv[2:]:
            _, d = read_jwe(open(path).read())
            hdr = json.loads(unb64u(d["protected"]))
            hdr.update(d.get("header", {}))
            print(hdr.get("alg"), hdr.get("enc"), hdr.get("epk", {}).get("crv"))
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
