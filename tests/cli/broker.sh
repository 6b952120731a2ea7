# cvmimg broker apply against a mock of Trustee's admin API on 127.0.0.1
# (tools/mock-trustee.py, which answers an unknown reference value with 401
# RvpsError as Trustee does): the requests, their order, their bearer JWT (checked
# with Python's cryptography), the union of reference values with another
# image's, the merge of the policy rule, refusals before any write; and
# cvmimg broker export's files.
. "$(dirname "$0")/lib.sh"
need_vectors
PY=/usr/bin/python3
TOOLS=$(cd "$(dirname "$0")/tools" && pwd)
$PY -c 'import cryptography' 2>/dev/null || { echo "SKIP: python3-cryptography missing"; exit 77; }
command -v jq >/dev/null || { echo "SKIP: jq missing"; exit 77; }
cd "$TMP" || exit 1

H48() { printf "$1%.0s" $(seq 48); }
OTHER=$(H48 0f)
cat >m.json <<EOF
{"measurements": [
 {"shape": "snp/4", "measurement": {"tee": "snp", "measurement": "$(H48 a1)"}},
 {"shape": "snp/8", "measurement": {"tee": "snp", "measurement": "$(H48 a2)"}}]}
EOF
head -c 32 /dev/urandom >broker.key
head -c 100 /dev/urandom >disk.raw
run 0 keygen -t ecdsa-p256 -o sign.pem --public-out sign.pub
run 0 keygen -t ecdh-p256 -o op.pem --public-out op.pub
run 0 keygen -t ecdh-p256 -o op2.pem --public-out op2.pub
run 0 keygen -t ed25519 -o admin.pem --public-out admin.pub
run 0 keygen -t ecdsa-p256 -o admin256.pem --public-out admin256.pub
run 0 bundle create -m m.json --name demo --image disk.raw --signing-key sign.pem \
	--broker-key broker.key --broker-public-key op.pub --reference-value 'snp_bootloader=[10]' \
	--reference-value 'snp_smt_enabled=false' -o b.json

# Another image's state on the broker: its measurement, a TCB value shared with
# ours, its rule in the policy.
OTHER_POLICY='package policy

default allow = false

# cvmimg begin cvmimg/other/luks-key
allow if {
	data.plugin == "resource"
}
# cvmimg end cvmimg/other/luks-key
'
initial_state() { # $1: extra reference values (JSON object members)
	jq -n --arg p "$OTHER_POLICY" --arg o "$OTHER" \
		"{reference_values: ({snp_launch_measurement: [\$o], snp_bootloader: [10, 11]} + ${1:-{\}}),
		  policy: \$p, resources: {}, log: []}" >state.json
}

MOCK_PID=
start_mock() { # $1: admin public key
	rm -f port
	$PY "$TOOLS/mock-trustee.py" state.json "$1" port &
	MOCK_PID=$!
	for _ in $(seq 50); do [ -s port ] && break; sleep 0.1; done
	[ -s port ] || { fail "the mock did not start"; finish; }
	URL=http://127.0.0.1:$(cat port)
}
stop_mock() {
	[ -z "$MOCK_PID" ] || kill "$MOCK_PID" 2>/dev/null
	wait "$MOCK_PID" 2>/dev/null
	MOCK_PID=
}
trap 'stop_mock; rm -rf "$TMP"' EXIT

APPLY=(broker apply --allow-http --bundle-key sign.pub --operator-key op.pem)

# ---- a first apply, then the same again ------------------------------------------
initial_state
start_mock admin.pub
run 0 "${APPLY[@]}" --kbs "$URL" --admin-key admin.pem b.json &&
	expect_in "$OUT" "reference value snp_launch_measurement: 1 on the broker, 3 after the union" &&
	expect_in "$OUT" "reference value snp_smt_enabled: 0 on the broker, 1 after the union" &&
	expect_in "$OUT" "applied cvmimg/demo/luks-key to $URL"
order=$(jq -r '.log[] | .method + " " + .path' state.json | tr '\n' ';')
want="GET /kbs/v0/reference-value/snp_launch_measurement;GET /kbs/v0/reference-value/snp_bootloader;"
want+="GET /kbs/v0/reference-value/snp_smt_enabled;GET /kbs/v0/resource-policy;"
want+="POST /kbs/v0/reference-value;POST /kbs/v0/resource/cvmimg/demo/luks-key;POST /kbs/v0/resource-policy;"
[ "$order" = "$want" ] || fail "requests: $order"
# every request carried a valid EdDSA JWT with the claims cvmimg documents
jq -c '.log[].auth' state.json | sort -u >auth.txt
[ "$(wc -l <auth.txt)" -le 1 ] || fail "the token changed between requests"
[ "$(jq -r .alg auth.txt)" = EdDSA ] || fail "token alg $(cat auth.txt)"
[ "$(jq -r '.claims.role + " " + .claims.iss + " " + .claims.sub' auth.txt)" = "admin cvmimg cvmimg" ] ||
	fail "token claims $(cat auth.txt)"
[ "$(jq -r '.claims.exp - .claims.iat' auth.txt)" = 300 ] || fail "token lifetime"
# the content types, the RVPS message, the key, the merged policy
[ "$(jq -r '.log[] | select(.method == "POST") | .content_type' state.json | tr '\n' ' ')" = \
	"application/json application/octet-stream application/json " ] || fail "content types"
jq -r '.log[] | select(.path == "/kbs/v0/reference-value") | .body' state.json >msg.json
[ "$(jq -r '.version + " " + .type' msg.json)" = "0.1.0 sample" ] || fail "RVPS message $(cat msg.json)"
[ "$(jq -c .reference_values.snp_launch_measurement state.json)" = "[\"$OTHER\",\"$(H48 a1)\",\"$(H48 a2)\"]" ] ||
	fail "snp_launch_measurement: $(jq -c .reference_values.snp_launch_measurement state.json)"
[ "$(jq -c .reference_values.snp_bootloader state.json)" = "[10,11]" ] || fail "snp_bootloader union"
[ "$(jq -c .reference_values.snp_smt_enabled state.json)" = false ] || fail "snp_smt_enabled"
[ "$(jq -r '.resources["cvmimg/demo/luks-key"]' state.json)" = "$(xxd -p -c 64 broker.key)" ] ||
	fail "the resource is not the broker key"
jq -r .policy state.json >policy.rego
head -c ${#OTHER_POLICY} policy.rego | cmp -s - <(printf '%s' "$OTHER_POLICY") ||
	fail "the other image's policy text changed"
expect_in policy.rego "# cvmimg begin cvmimg/demo/luks-key"
expect_in policy.rego "ev.snp.measurement in {\"$(H48 a1)\", \"$(H48 a2)\"}"
cp state.json first.json
run 0 "${APPLY[@]}" --kbs "$URL" --admin-key admin.pem b.json
[ "$(jq -c .reference_values state.json)" = "$(jq -c .reference_values first.json)" ] ||
	fail "a second apply changed the reference values"
[ "$(jq -r .policy state.json)" = "$(jq -r .policy first.json)" ] || fail "a second apply changed the policy"
[ "$(grep -c 'cvmimg begin cvmimg/demo/luks-key' <(jq -r .policy state.json))" = 1 ] || fail "the rule twice"
stop_mock

# ---- refusals: nothing is written ------------------------------------------------
posts() { jq '[.log[] | select(.method == "POST")] | length' state.json; }
# a single value that differs from the broker's
initial_state '{snp_smt_enabled: true}'
start_mock admin.pub
run 1 "${APPLY[@]}" --kbs "$URL" --admin-key admin.pem b.json &&
	expect_in "$ERR" "the broker has snp_smt_enabled = true, the bundle says false"
[ "$(posts)" = 0 ] || fail "a request was written after a conflict"
stop_mock
# the admin key the broker does not know: 401
initial_state
start_mock admin256.pub
run 3 "${APPLY[@]}" --kbs "$URL" --admin-key admin.pem b.json && expect_in "$ERR" "HTTP 401 (admin token refused)" &&
	expect_in "$ERR" "errors/AdminAuthAccess"
[ "$(posts)" = 0 ] || fail "a request was written after a 401"
# ES256 tokens from a P-256 admin key are accepted (JWS r || s)
run 0 "${APPLY[@]}" --kbs "$URL" --admin-key admin256.pem b.json
[ "$(jq -r '.log[-1].auth.alg' state.json)" = ES256 ] || fail "ES256 token"
stop_mock
# a token from a file, as kbs-client takes it, minted here by Python
$PY - admin.pem >token.txt <<'EOF2'
import base64, json, sys, time
from cryptography.hazmat.primitives import serialization
k = serialization.load_pem_private_key(open(sys.argv[1], 'rb').read(), None)
e = lambda b: base64.urlsafe_b64encode(b).rstrip(b'=').decode()
now = int(time.time())
si = e(b'{"alg":"EdDSA","typ":"JWT"}') + '.' + e(json.dumps(
    {"iss": "TrusteeInDocker", "sub": "admin", "role": "admin", "iat": now, "exp": now + 60}).encode())
print(si + '.' + e(k.sign(si.encode())))
EOF2
initial_state
start_mock admin.pub
run 0 "${APPLY[@]}" --kbs "$URL" --admin-token token.txt b.json
[ "$(jq -r '.log[0].auth.claims.iss' state.json)" = TrusteeInDocker ] || fail "the token file was not used"
stop_mock
initial_state
start_mock admin.pub
run 0 "${APPLY[@]}" --kbs "$URL" --admin-key admin.pem b.json
n_before=$(jq '.log | length' state.json)
# the wrong operator key, a tampered bundle, the wrong signer: refused before any request
run 1 broker apply --allow-http --bundle-key sign.pub --operator-key op2.pem --kbs "$URL" --admin-key admin.pem b.json &&
	expect_in "$ERR" "the broker key is sealed to key"
jq '.payload |= (.[0:20] + (if .[20:21] == "A" then "B" else "A" end) + .[21:])' b.json >t.json
run 1 broker apply --allow-http --bundle-key sign.pub --operator-key op.pem --kbs "$URL" --admin-key admin.pem t.json
run 1 broker apply --allow-http --bundle-key op.pub --operator-key op.pem --kbs "$URL" --admin-key admin.pem b.json
[ "$(jq '.log | length' state.json)" = "$n_before" ] || fail "requests were made for a refused bundle"
# http without --allow-http
run 3 broker apply --bundle-key sign.pub --operator-key op.pem --kbs "$URL" --admin-key admin.pem b.json &&
	expect_in "$ERR" "the broker needs https (or --allow-http)"
stop_mock
run 2 broker apply --bundle-key sign.pub --operator-key op.pem --kbs http://127.0.0.1:1 b.json &&
	expect_in "$ERR" "give one of --admin-key or --admin-token"
run 4 broker apply --allow-http --bundle-key sign.pub --operator-key op.pem --kbs http://127.0.0.1:1 \
	--admin-key admin.pem --timeout 2 b.json

# ---- export -------------------------------------------------------------------------
run 0 broker export --format trustee --bundle-key sign.pub --operator-key op.pem -o out b.json
expect_empty "$ERR"
for f in rv-message.json reference-values.json resource-policy.rego resource.key kbs-client.sh; do
	[ -f "out/$f" ] || fail "out/$f missing"
done
[ "$(stat -c %a out/resource.key)" = 600 ] || fail "resource.key mode"
cmp -s out/resource.key broker.key || fail "resource.key is not the broker key"
[ "$(jq -r .payload out/rv-message.json | base64 -d | jq -c .)" = "$(jq -c . out/reference-values.json)" ] ||
	fail "rv-message.json's payload is not the reference values"
head -5 out/resource-policy.rego | grep -qx 'package policy' || fail "resource-policy.rego"
expect_in out/resource-policy.rego "default allow := false"
[ -x out/kbs-client.sh ] && sh -n out/kbs-client.sh || fail "kbs-client.sh"
expect_in out/kbs-client.sh "set-resource --path cvmimg/demo/luks-key --resource-file resource.key"
run 0 broker export --format trustee -o out2 b.json &&
	expect_in "$ERR" "the bundle's signature was not checked"
[ ! -e out2/resource.key ] || fail "resource.key without --operator-key"
finish
