#!/usr/bin/python3
"""A stand-in for the admin API of Trustee's KBS (key-broker.md 1.7 to 1.9),
on 127.0.0.1 only, for the tests of cvmimg broker apply.

  mock-trustee.py STATE ADMIN_PUB PORTFILE

STATE is a JSON file: {"reference_values": {id: value}, "policy": "<rego>",
"resources": {path: hex}, "log": [...]}, read at start and rewritten after
every request, with each request appended to "log" as
{"method", "path", "auth": {"alg", "claims"} or the reason it was refused,
"body"} (the body as text, or hex for a resource). ADMIN_PUB is the admin's
public key (PEM): a request whose bearer JWT does not verify with it, or has
no "role", or has expired, is answered 401 with an AdminAuthAccess body, as
Trustee does. The chosen port
is written to PORTFILE.

Endpoints, as Trustee serves them:
  GET  /kbs/v0/reference-value/<id>   200 with the JSON value; an unknown id is
                                      401 with an RvpsError body (kbs/src/error.rs)
  POST /kbs/v0/reference-value        {"version":"0.1.0","type":"sample","payload":b64}
                                      sets each value of the map (overwriting, as RVPS)
  GET  /kbs/v0/resource-policy        200 with base64url (no padding) of the Rego text
  POST /kbs/v0/resource-policy        {"policy": base64url of the Rego text}
  POST /kbs/v0/resource/<r>/<t>/<g>   the resource bytes
"""
import base64
import http.server
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import importlib.util  # noqa: E402

spec = importlib.util.spec_from_file_location(
    'bundle_check', os.path.join(os.path.dirname(os.path.abspath(__file__)), 'bundle-check.py'))
bc = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bc)

STATE, ADMIN_PUB, PORTFILE = sys.argv[1:4]


def load():
    with open(STATE) as f:
        s = json.load(f)
    s.setdefault('reference_values', {})
    s.setdefault('policy', '')
    s.setdefault('resources', {})
    s.setdefault('log', [])
    return s


def save(s):
    with open(STATE + '.tmp', 'w') as f:
        json.dump(s, f, indent=1)
    os.rename(STATE + '.tmp', STATE)


def check_token(header):
    if not header.startswith('Bearer '):
        return None, 'no bearer token'
    h, p, sig = header[7:].split('.')
    hdr = json.loads(bc.b64url(h))
    claims = json.loads(bc.b64url(p))
    if not bc.check(bc.load_pub(ADMIN_PUB), bc.b64url(sig), (h + '.' + p).encode()):
        return None, 'bad signature'
    if 'role' not in claims:
        return None, 'no role claim'
    if claims.get('exp', 0) < time.time():
        return None, 'expired'
    return {'alg': hdr['alg'], 'claims': claims}, None


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def reply(self, code, body=b'', ctype='application/json'):
        self.send_response(code)
        self.send_header('Content-Type', ctype)
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def handle_any(self, method):
        s = load()
        n = int(self.headers.get('Content-Length') or 0)
        body = self.rfile.read(n) if n else b''
        auth, why = check_token(self.headers.get('Authorization', ''))
        entry = {'method': method, 'path': self.path, 'auth': auth or why,
                 'content_type': self.headers.get('Content-Type')}
        if self.path.startswith('/kbs/v0/resource/'):
            entry['body'] = body.hex()
        else:
            entry['body'] = body.decode(errors='replace')
        s['log'].append(entry)
        if not auth:
            save(s)
            return self.reply(401, json.dumps({
                'type': 'https://github.com/confidential-containers/kbs/errors/AdminAuthAccess',
                'detail': 'admin access denied for endpoint %s: %s' % (self.path, why)}).encode())
        code, out, ctype = self.route(s, method, body)
        save(s)
        self.reply(code, out, ctype)

    def route(self, s, method, body):
        p = self.path
        rv = '/kbs/v0/reference-value'
        if method == 'GET' and p.startswith(rv + '/'):
            rid = p[len(rv) + 1:]
            if rid not in s['reference_values']:
                # as Trustee's KBS: an unknown id is an RvpsError, answered 401
                return 401, json.dumps({
                    'type': 'https://github.com/confidential-containers/kbs/errors/RvpsError',
                    'detail': 'RVPS configuration failed: Failed to get reference_values: '
                              'No reference value found for the given id: ' + rid}).encode(), \
                    'application/json'
            return 200, json.dumps(s['reference_values'][rid]).encode(), 'application/json'
        if method == 'POST' and p == rv:
            msg = json.loads(body)
            if msg.get('version') != '0.1.0' or msg.get('type') != 'sample':
                return 400, b'bad message', 'text/plain'
            for k, v in json.loads(base64.b64decode(msg['payload'])).items():
                s['reference_values'][k] = v
            return 200, b'', 'application/json'
        if p == '/kbs/v0/resource-policy':
            if method == 'GET':
                return 200, base64.urlsafe_b64encode(s['policy'].encode()).rstrip(b'='), \
                    'text/xml'
            s['policy'] = bc.b64url(json.loads(body)['policy']).decode()
            return 200, b'', 'text/plain'
        if method == 'POST' and p.startswith('/kbs/v0/resource/') and p.count('/') == 6:
            s['resources'][p[len('/kbs/v0/resource/'):]] = body.hex()
            return 200, b'', 'text/plain'
        return 404, b'not found', 'text/plain'

    def do_GET(self):
        self.handle_any('GET')

    def do_POST(self):
        self.handle_any('POST')


srv = http.server.HTTPServer(('127.0.0.1', 0), Handler)
with open(PORTFILE + '.tmp', 'w') as f:
    f.write(str(srv.server_address[1]))
os.rename(PORTFILE + '.tmp', PORTFILE)
srv.serve_forever()
