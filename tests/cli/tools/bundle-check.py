#!/usr/bin/python3
"""An implementation of the bundle's cryptography independent of cvmimg, on
Python's `cryptography` (Debian: python3-cryptography), written from the
specifications: DSSE v1 (secure-systems-lab/dsse protocol.md), JWE
ECDH-ES+A256KW / A256GCM (RFC 7516, RFC 7518 4.6 and 5.3, Concat KDF of NIST
SP 800-56A), JWS for the Trustee admin token (RFC 7515, ES256 as r || s).

  bundle-check.py verify ENVELOPE PUBKEY        exit 0 if a signature verifies;
                                                prints the payload type and keyid
  bundle-check.py payload ENVELOPE              the payload bytes, as carried
  bundle-check.py decrypt JWE PRIVKEY           the plaintext in hex (JWE: JSON file,
                                                flattened, or '-' for stdin)
  bundle-check.py keyid KEY                     hex SHA-256 of the DER SubjectPublicKeyInfo
  bundle-check.py jwk PRIVKEY                   the P-256 private key as a JWK (for jose)
  bundle-check.py resign ENVELOPE PRIVKEY FORM  the envelope signed again here, FORM one of
                                                der, raw (r || s), urlsafe (base64url, no =)
  bundle-check.py jwt-verify TOKEN PUBKEY       check a JWT's signature; print its claims
"""
import base64
import hashlib
import json
import sys

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import (decode_dss_signature,
                                                             encode_dss_signature)
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.keywrap import aes_key_unwrap
from cryptography.exceptions import InvalidSignature


def b64any(s):
    """DSSE: either alphabet, padding optional."""
    s = s.replace('-', '+').replace('_', '/')
    return base64.b64decode(s + '=' * (-len(s) % 4), validate=True)


def b64url(s):
    return base64.urlsafe_b64decode(s + '=' * (-len(s) % 4))


def b64url_enc(b):
    return base64.urlsafe_b64encode(b).rstrip(b'=').decode()


def pae(ptype, body):
    t = ptype.encode()
    return b'DSSEv1 %d %s %d %s' % (len(t), t, len(body), body)


def load_pub(path):
    data = open(path, 'rb').read()
    try:
        return serialization.load_pem_public_key(data)
    except ValueError:
        return serialization.load_pem_private_key(data, None).public_key()


def keyid(pub):
    der = pub.public_bytes(serialization.Encoding.DER,
                           serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(der).hexdigest()


def check(pub, sig, msg):
    try:
        if isinstance(pub, ed25519.Ed25519PublicKey):
            pub.verify(sig, msg)
        else:
            if len(sig) == 64:
                sig = encode_dss_signature(int.from_bytes(sig[:32], 'big'),
                                           int.from_bytes(sig[32:], 'big'))
            pub.verify(sig, msg, ec.ECDSA(hashes.SHA256()))
        return True
    except InvalidSignature:
        return False


def verify(env_path, pub_path):
    env = json.load(open(env_path))
    body = b64any(env['payload'])
    pub = load_pub(pub_path)
    msg = pae(env['payloadType'], body)
    for s in env['signatures']:
        if check(pub, b64any(s['sig']), msg):
            print(env['payloadType'], s.get('keyid', ''))
            return 0
    print('no signature verifies', file=sys.stderr)
    return 1


def concat_kdf(z, alg, bits):
    """Concat KDF, SHA-256, one round for 256 bits; empty PartyUInfo/PartyVInfo."""
    other = (len(alg).to_bytes(4, 'big') + alg + (0).to_bytes(4, 'big') +
             (0).to_bytes(4, 'big') + bits.to_bytes(4, 'big'))
    return hashlib.sha256((1).to_bytes(4, 'big') + z + other).digest()


def decrypt(jwe_path, key_path):
    text = sys.stdin.read() if jwe_path == '-' else open(jwe_path).read()
    jwe = json.loads(text)
    hdr = json.loads(b64url(jwe['protected']))
    assert hdr['alg'] == 'ECDH-ES+A256KW' and hdr['enc'] == 'A256GCM', hdr
    epk = hdr['epk']
    assert epk['kty'] == 'EC' and epk['crv'] == 'P-256', epk
    peer = ec.EllipticCurvePublicNumbers(int.from_bytes(b64url(epk['x']), 'big'),
                                         int.from_bytes(b64url(epk['y']), 'big'),
                                         ec.SECP256R1()).public_key()
    priv = serialization.load_pem_private_key(open(key_path, 'rb').read(), None)
    z = priv.exchange(ec.ECDH(), peer)
    kek = concat_kdf(z, b'ECDH-ES+A256KW', 256)
    cek = aes_key_unwrap(kek, b64url(jwe['encrypted_key']))
    pt = AESGCM(cek).decrypt(b64url(jwe['iv']),
                             b64url(jwe['ciphertext']) + b64url(jwe['tag']),
                             jwe['protected'].encode())
    print(pt.hex())
    return 0


def jwk(key_path):
    priv = serialization.load_pem_private_key(open(key_path, 'rb').read(), None)
    n = priv.private_numbers()
    print(json.dumps({'kty': 'EC', 'crv': 'P-256', 'alg': 'ECDH-ES+A256KW',
                      'x': b64url_enc(n.public_numbers.x.to_bytes(32, 'big')),
                      'y': b64url_enc(n.public_numbers.y.to_bytes(32, 'big')),
                      'd': b64url_enc(n.private_value.to_bytes(32, 'big'))}))
    return 0


def resign(env_path, key_path, form):
    env = json.load(open(env_path))
    body = b64any(env['payload'])
    priv = serialization.load_pem_private_key(open(key_path, 'rb').read(), None)
    msg = pae(env['payloadType'], body)
    if isinstance(priv, ed25519.Ed25519PrivateKey):
        sig = priv.sign(msg)
    else:
        sig = priv.sign(msg, ec.ECDSA(hashes.SHA256()))
        if form == 'raw':
            r, s = decode_dss_signature(sig)
            sig = r.to_bytes(32, 'big') + s.to_bytes(32, 'big')
    if form == 'urlsafe':
        enc = lambda b: base64.urlsafe_b64encode(b).rstrip(b'=').decode()
    else:
        enc = lambda b: base64.b64encode(b).decode()
    out = {'payload': enc(body), 'payloadType': env['payloadType'],
           'signatures': [{'keyid': keyid(priv.public_key()), 'sig': enc(sig)}]}
    print(json.dumps(out, indent=2))
    return 0


def jwt_verify(token, pub_path):
    h, p, s = token.strip().split('.')
    hdr = json.loads(b64url(h))
    pub = load_pub(pub_path)
    sig = b64url(s)
    if hdr['alg'] == 'ES256':
        assert len(sig) == 64, 'ES256 signature must be r || s'
    elif hdr['alg'] != 'EdDSA':
        raise SystemExit('unexpected alg ' + hdr['alg'])
    if not check(pub, sig, (h + '.' + p).encode()):
        print('JWT signature does not verify', file=sys.stderr)
        return 1
    print(json.dumps({'header': hdr, 'claims': json.loads(b64url(p))}, sort_keys=True))
    return 0


def main(argv):
    cmd = argv[1] if len(argv) > 1 else ''
    if cmd == 'verify':
        return verify(argv[2], argv[3])
    if cmd == 'payload':
        sys.stdout.buffer.write(b64any(json.load(open(argv[2]))['payload']))
        return 0
    if cmd == 'decrypt':
        return decrypt(argv[2], argv[3])
    if cmd == 'keyid':
        print(keyid(load_pub(argv[2])))
        return 0
    if cmd == 'jwk':
        return jwk(argv[2])
    if cmd == 'resign':
        return resign(argv[2], argv[3], argv[4])
    if cmd == 'jwt-verify':
        return jwt_verify(open(argv[2]).read() if argv[2] != '-' else sys.stdin.read(),
                          argv[3])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == '__main__':
    sys.exit(main(sys.argv))
