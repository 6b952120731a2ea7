#!/usr/bin/env python3
"""A mock of Trustee's KBS for the tests, written from the protocol
(trustee kbs/docs/kbs_attestation_protocol.md, RCAR 0.4.0): the three
endpoints, sample evidence only, resources as real JWE (ECDH-ES+A256KW,
A256GCM, tests/tools/jwe.py) to the tee-pubkey of the session.

  kbs-mock.py --port-file F --resource REPO/TYPE/TAG=FILE [...]
              [--fault none|nonce|bad-nonce|reject|wrong-key|no-cookie|stall]
              [--fault-file F] [--tls CERT KEY] [--log FILE] [--port N]

It listens on 127.0.0.1 only (port 0: any free port, written to the port
file once it listens). What it checks, as Trustee does: the version is
exactly 0.4.0; the attest request carries the session cookie; runtime-data's
nonce is the session's; the tee is "sample" and its report_data is base64 of
SHA-384(JCS({"additional-evidence": ..., "nonce": ..., "tee-pubkey": ...})).
Errors are 401 with {"type": ".../errors/<Kind>", "detail": "..."}.

Faults: nonce: the session's nonce changes after the challenge (the binding
check fails, 401); bad-nonce: the challenge's nonce is not base64; reject:
the attestation policy denies (401 with its text); wrong-key: the resource is
encrypted to another key; no-cookie: no Set-Cookie; stall: never answers auth.
With --fault-file, each request reads the fault from that file when it
exists (one server for many cases). Each request is logged as one line "METHOD PATH STATUS" to --log.
"""
import argparse
import base64
import hashlib
import http.server
import json
import os
import ssl
import sys
import threading
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import jwe  # noqa: E402

from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402

ERRORS = "https://github.com/confidential-containers/kbs/errors/"
VERSION = "0.4.0"


def jcs(obj):
    # RFC 8785 for string-only objects (what the runtime data is)
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def pub_of_jwk(j):
    if j.get("kty") != "EC" or j.get("crv") != "P-256":
        raise ValueError("tee-pubkey is not an EC P-256 JWK")
    x = int.from_bytes(jwe.unb64u(j["x"]), "big")
    y = int.from_bytes(jwe.unb64u(j["y"]), "big")
    return ec.EllipticCurvePublicNumbers(x, y, ec.SECP256R1()).public_key()


class State:
    def __init__(self, args):
        self.args = args
        self.sessions = {}
        self.lock = threading.Lock()
        self.resources = {}
        for r in args.resource:
            path, _, f = r.partition("=")
            with open(f, "rb") as fh:
                self.resources[path] = fh.read()


def fault_of(args):
    if args.fault_file and os.path.exists(args.fault_file):
        with open(args.fault_file) as f:
            return f.read().strip() or "none"
    return args.fault


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *a):
        pass

    def log(self, status):
        if self.server.state.args.log:
            with open(self.server.state.args.log, "a") as f:
                f.write("%s %s %d\n" % (self.command, self.path, status))

    def send(self, status, body, cookie=None):
        data = json.dumps(body).encode() if not isinstance(body, bytes) else body
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        if cookie:
            self.send_header("Set-Cookie", "kbs-session-id=%s; Expires=Wed, 01 Jan 2099 "
                             "00:00:00 GMT" % cookie)
        self.end_headers()
        self.wfile.write(data)
        self.log(status)

    def error(self, kind, detail, status=401):
        self.send(status, {"type": ERRORS + kind, "detail": detail})

    def body(self):
        n = int(self.headers.get("Content-Length", "0"))
        return json.loads(self.rfile.read(n) or b"null")

    def session(self):
        for part in (self.headers.get("Cookie") or "").split(";"):
            k, _, v = part.strip().partition("=")
            if k == "kbs-session-id":
                return v, self.server.state.sessions.get(v)
        return None, None

    def do_POST(self):
        st = self.server.state
        fault = fault_of(st.args)
        if self.path == "/kbs/v0/auth":
            if fault == "stall":
                time.sleep(3600)
            req = self.body()
            if req.get("version") != VERSION:
                return self.error("RcarAuthFailed", "KBS Client Protocol Version Mismatch: "
                                  "expect =%s while the request is %s" % (VERSION,
                                                                        req.get("version")))
            if req.get("tee") != "sample":
                return self.error("RcarAuthFailed", "this mock knows only the sample TEE")
            nonce = base64.b64encode(os.urandom(32)).decode()
            if fault == "bad-nonce":
                nonce = "not base64!"
            sid = str(uuid.uuid4())
            with st.lock:
                st.sessions[sid] = {"nonce": nonce, "pub": None}
            if fault == "nonce":
                st.sessions[sid]["nonce"] = base64.b64encode(os.urandom(32)).decode()
            return self.send(200, {"nonce": nonce, "extra-params": ""},
                             None if fault == "no-cookie" else sid)
        if self.path == "/kbs/v0/attest":
            sid, s = self.session()
            if not s:
                return self.error("RcarAttestFailed", "cookie not found")
            req = self.body()
            rd = req.get("runtime-data", {})
            te = req.get("tee-evidence", {})
            ev = te.get("primary_evidence", {})
            add = te.get("additional_evidence", "")
            if rd.get("nonce") != s["nonce"]:
                return self.error("RcarAttestFailed", "Attestation error: nonce mismatch")
            want = hashlib.sha384(jcs({"additional-evidence": add, "nonce": rd["nonce"],
                                       "tee-pubkey": rd["tee-pubkey"]}).encode()).digest()
            if base64.b64decode(ev.get("report_data", "")) != want or ev.get("svn") != "1":
                return self.error("RcarAttestFailed", "Attestation error: sample verifier: "
                                  "report data does not match the runtime data")
            if fault == "reject":
                return self.error("PolicyDeny", "Attestation error: policy 'default_cpu' "
                                  "denies: executables contraindicated")
            s["pub"] = pub_of_jwk(rd["tee-pubkey"])
            return self.send(200, {"token": "mock." + sid + ".token"}, sid)
        self.error("InvalidRequestPath", "Request path %s is invalid" % self.path, 404)

    def do_GET(self):
        st = self.server.state
        prefix = "/kbs/v0/resource/"
        if not self.path.startswith(prefix):
            return self.error("InvalidRequestPath", "Request path %s is invalid" % self.path,
                              404)
        sid, s = self.session()
        if not s or not s["pub"]:
            return self.error("TokenNotFound", "Attestation Token not found")
        data = st.resources.get(self.path[len(prefix):])
        if data is None:
            return self.error("PluginInternalError", "Plugin internal error", 404)
        pub = s["pub"]
        if fault_of(st.args) == "wrong-key":
            pub = ec.generate_private_key(ec.SECP256R1()).public_key()
        return self.send(200, jwe.encrypt(pub, data, "flat", False))


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--resource", action="append", default=[])
    ap.add_argument("--fault", default="none",
                    choices=["none", "nonce", "bad-nonce", "reject", "wrong-key", "no-cookie",
                             "stall"])
    ap.add_argument("--fault-file")
    ap.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    ap.add_argument("--log")
    args = ap.parse_args()
    srv = Server(("127.0.0.1", args.port), Handler)
    srv.state = State(args)
    if args.tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.tls[0], args.tls[1])
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(tmp, args.port_file)
    srv.serve_forever()


if __name__ == "__main__":
    main()
