# cvmimg keygen and bundle: keys as OpenSSL reads them; a bundle whose DSSE
# signature Python's cryptography verifies and whose sealed broker key it and
# Debian's jose decrypt; signatures made by Python (DER, raw r||s, base64url)
# accepted; tampered bytes, expiry, the wrong key and bad input refused.
. "$(dirname "$0")/lib.sh"
need_vectors
PY=/usr/bin/python3
CHECK=$(dirname "$0")/tools/bundle-check.py
$PY -c 'import cryptography' 2>/dev/null || { echo "SKIP: python3-cryptography missing"; exit 77; }
command -v jose >/dev/null || { echo "SKIP: jose (Debian package jose) missing"; exit 77; }
command -v jq >/dev/null || { echo "SKIP: jq missing"; exit 77; }
M=$VEC/attest/manifest.json
cd "$TMP" || exit 1

# ---- keygen -------------------------------------------------------------------
for t in ecdsa-p256 ed25519 ecdh-p256; do
	run 0 keygen --type $t -o $t.pem --public-out $t.pub || continue
	[ "$(stat -c %a $t.pem)" = 600 ] || fail "$t.pem has mode $(stat -c %a $t.pem)"
	# the public file is the private key's public half, the id its SPKI's SHA-256
	openssl pkey -in $t.pem -pubout >"$t.check" 2>/dev/null || fail "openssl cannot read $t.pem"
	cmp -s "$t.check" "$t.pub" || fail "$t.pub is not the public half of $t.pem"
	want=$(openssl pkey -pubin -in $t.pub -outform DER | sha256sum | cut -d' ' -f1)
	[ "$(cat "$OUT")" = "$want" ] || fail "key id $(cat "$OUT"), openssl says $want"
	[ "$($PY "$CHECK" keyid $t.pub)" = "$want" ] || fail "python key id differs"
done
openssl pkey -in ed25519.pem -noout -text 2>/dev/null | grep -q ED25519 || fail "ed25519.pem is not Ed25519"
openssl pkey -in ecdh-p256.pem -noout -text 2>/dev/null | grep -q prime256v1 || fail "ecdh-p256.pem is not P-256"
run 2 keygen --type rsa -o x.pem && expect_in "$ERR" "--type is one of ecdsa-p256, ed25519, ecdh-p256"
run 2 keygen --type ed25519 && expect_in "$ERR" "--output is required"
run 3 keygen --type ed25519 -o k.pem --public-out k.pem && expect_in "$ERR" "cannot both go to"
run 3 keygen --type ed25519 -o /nonexistent/k.pem
[ ! -e k.pem ] || fail "k.pem written after a failure"

# ---- a bundle whose SNP values are real reports' MEASUREMENTs ------------------
milan=$(jq -r '.snp[] | select(.report | endswith("report_milan.hex")) | .measurement' "$M")
turin=$(jq -r '.snp[] | select(.report | endswith("turin_attestation_report.bin")) | .measurement' "$M")
cat >m.json <<EOF
{"measurements": [
 {"shape": "snp/4xEPYC-Milan", "launch": {"vcpu_type": "EPYC-Milan"},
  "measurement": {"tee": "snp", "measurement": "$milan", "inputs": {"vcpus": 4}}},
 {"shape": "snp/8xEPYC-Genoa", "launch": {"vcpu_type": "EPYC-Genoa"},
  "measurement": {"tee": "snp", "measurement": "$turin", "inputs": {"vcpus": 8}}}]}
EOF
head -c 32 /dev/urandom >broker.key
head -c 100000 /dev/urandom >disk.raw
head -c 5000 /dev/urandom >uki.efi
run 0 bundle create -m m.json --name demo --image-version 1.2 --luks-uuid 11111111-2222-3333-4444-555555555555 \
	--image disk.raw --uki uki.efi --broker-url https://kbs.example:8080 \
	--broker-key broker.key --broker-public-key ecdh-p256.pub --reference-value 'snp_bootloader=[10]' \
	--signing-key ecdsa-p256.pem --signing-key ed25519.pem --valid-days 30 -o b.json
expect_empty "$OUT"
# python: both signatures, the PAE of the payload as carried
$PY "$CHECK" verify b.json ecdsa-p256.pub >py.out || fail "python does not verify the ECDSA signature"
expect_in py.out "application/vnd.in-toto+json $($PY "$CHECK" keyid ecdsa-p256.pub)"
$PY "$CHECK" verify b.json ed25519.pub >/dev/null || fail "python does not verify the Ed25519 signature"
$PY "$CHECK" verify b.json ecdh-p256.pub 2>/dev/null && fail "python verifies with a key that did not sign"
# the statement: subjects are the files' SHA-256, the predicate as documented
$PY "$CHECK" payload b.json >payload.json
[ "$(jq -r ._type payload.json)" = "https://in-toto.io/Statement/v1" ] || fail "_type"
[ "$(jq -r .predicateType payload.json)" = "https://cvmimg.dev/broker-bundle/v1" ] || fail "predicateType"
[ "$(jq -r '.subject[0].digest.sha256' payload.json)" = "$(sha256sum <disk.raw | cut -d' ' -f1)" ] ||
	fail "disk.raw digest"
[ "$(jq -r '.subject[1].name' payload.json)" = uki.efi ] || fail "uki.efi subject"
[ "$(jq -c .predicate.broker.trustee.reference_values.snp_launch_measurement payload.json)" = "[\"$milan\",\"$turin\"]" ] ||
	fail "snp_launch_measurement"
[ "$(jq -r .predicate.broker.trustee.resource payload.json)" = cvmimg/demo/luks-key ] || fail "resource"
# every reference value name is one of Trustee's default policy (key-broker.md 1.6)
ref=$VEC/../reference/key-broker.md
for n in $(jq -r '.predicate.broker.trustee.reference_values | keys[]' payload.json); do
	sed -n '/^### 1.6/,/^### 1.7/p' "$ref" | grep -q "\`$n\`" || fail "'$n' is not in key-broker.md 1.6"
done
# the sealed key: python and Debian's jose decrypt it to broker.key; no clear copy
jq -c .predicate.broker.sealed_key.jwe payload.json >jwe.json
[ "$($PY "$CHECK" decrypt jwe.json ecdh-p256.pem)" = "$(xxd -p -c 64 broker.key)" ] ||
	fail "python does not decrypt the sealed key to broker.key"
$PY "$CHECK" jwk ecdh-p256.pem >op.jwk
jose jwe dec -i jwe.json -k op.jwk -O jose.out || fail "jose cannot decrypt the sealed key"
cmp -s jose.out broker.key || fail "jose decrypts to something else"
grep -q "$(xxd -p -c 64 broker.key)" payload.json b.json && fail "the broker key is in clear"
grep -qF "$(base64 -w0 <broker.key)" payload.json b.json && fail "the broker key is in clear (base64)"

# shapes straight from cvmimg measure --json, carried unchanged
OVMF=/usr/share/ovmf/OVMF.fd
if [ -f "$OVMF" ]; then
	for n in 2 4; do
		"$CVMIMG" measure --tee snp --vcpus $n --vcpu-type EPYC-Milan --ovmf "$OVMF" --json >snp$n.json ||
			fail "measure --json"
	done
	run 0 bundle create --measurement snp/2=snp2.json --measurement snp/4=snp4.json --name m \
		--uki uki.efi --signing-key ed25519.pem -o m.bundle
	$PY "$CHECK" payload m.bundle >m.payload
	for n in 2 4; do
		[ "$(jq -S -c ".predicate.launch[] | select(.shape == \"snp/$n\") | .measurement" m.payload)" = \
			"$(jq -S -c . snp$n.json)" ] || fail "shape snp/$n is not measure's object"
	done
	run 2 bundle create --measurement snp/2=snp2.json -m m.json --name m --uki uki.efi \
		--signing-key ed25519.pem -o x.json && expect_in "$ERR" "not both"
	run 3 bundle create --measurement snp/2=m.json --name m --uki uki.efi \
		--signing-key ed25519.pem -o x.json && expect_in "$ERR" "measurement.tee: missing"
fi

# ---- verify ----------------------------------------------------------------------
run 0 bundle verify --key ecdsa-p256.pub --image disk.raw b.json && expect_in "$OUT" "verdict:    valid" &&
	expect_in "$OUT" "artifact:   'disk.raw' is subject disk.raw"
run 0 bundle verify --key ed25519.pub --json b.json &&
	[ "$(jq -r .valid "$OUT")" = true ] || fail "verify --json"
run 1 bundle verify --key ecdh-p256.pub b.json && expect_in "$ERR" "no valid signature by key"
# the "bundle" debug domain names the signature that verified, by keyid (SHA-256 of the SPKI)
keyid=$(openssl pkey -pubin -in ecdsa-p256.pub -outform DER | sha256sum | cut -d' ' -f1)
CVMIMG_DEBUG=bundle run 0 bundle verify --key ecdsa-p256.pub b.json &&
	expect_in "$ERR" "verifies with key $keyid"
run 1 bundle verify --key ecdsa-p256.pub --image m.json b.json && expect_in "$ERR" "is none of the bundle's subjects"
# not_after: 30 days; the day after fails
na=$(jq -r .predicate.not_after payload.json)
after=$(date -u -d "$na + 1 day" +%Y-%m-%dT%H:%M:%SZ)
run 0 bundle verify --key ecdsa-p256.pub --at-time "$na" b.json
run 1 bundle verify --key ecdsa-p256.pub --at-time "$after" b.json && expect_in "$ERR" "expired at $na"
# signatures made by python in each form cvmimg must accept
$PY "$CHECK" resign b.json ecdsa-p256.pem raw >raw.json
$PY "$CHECK" resign b.json ecdsa-p256.pem urlsafe >url.json
$PY "$CHECK" resign b.json ed25519.pem der >ed.json
run 0 bundle verify --key ecdsa-p256.pub raw.json
run 0 bundle verify --key ecdsa-p256.pub url.json
run 0 bundle verify --key ed25519.pub ed.json
run 1 bundle verify --key ecdsa-p256.pub ed.json

# ---- tampering: payload bytes (through the base64), signature bytes, type ------
tamper() { # $1 file, $2 jq filter on the envelope
	jq "$2" b.json >"$1"
}
len=$(wc -c <payload.json)
for pos in 0 1 17 $((len / 3)) $((len / 2)) $((len - 2)) $((len - 1)); do
	$PY - "$pos" <<'EOF' >t.json
import base64, json, sys
env = json.load(open('b.json'))
p = bytearray(base64.b64decode(env['payload']))
p[int(sys.argv[1])] ^= 0x20
env['payload'] = base64.b64encode(bytes(p)).decode()
print(json.dumps(env))
EOF
	run 1 bundle verify --key ecdsa-p256.pub t.json && expect_in "$ERR" "does not verify"
done
for pos in 0 10 40 63; do
	$PY - "$pos" <<'EOF' >t.json
import base64, json, sys
env = json.load(open('b.json'))
for s in env['signatures']:
    b = bytearray(base64.b64decode(s['sig']))
    b[min(int(sys.argv[1]), len(b) - 1)] ^= 0x01
    s['sig'] = base64.b64encode(bytes(b)).decode()
print(json.dumps(env))
EOF
	run 1 bundle verify --key ecdsa-p256.pub t.json
	run 1 bundle verify --key ed25519.pub t.json
done
# with a key, whatever is wrong with the bundle is a failed check (exit 1)
tamper t.json '.payloadType = "application/json"'
run 1 bundle verify --key ecdsa-p256.pub t.json && expect_in "$ERR" "does not verify"
tamper t.json '.signatures = []'
run 1 bundle verify --key ecdsa-p256.pub t.json && expect_in "$ERR" "must hold 1 to 16 signatures"
tamper t.json '.payload = "not base64!"'
run 1 bundle verify --key ecdsa-p256.pub t.json && expect_in "$ERR" "payload is not base64"
printf '{"payload": ' >t.json
run 1 bundle verify --key ecdsa-p256.pub t.json && expect_in "$ERR" "is not valid JSON"
run 3 bundle show t.json && expect_in "$ERR" "is not valid JSON"
# a validly signed envelope of another payload type is not a bundle
printf '{"a":1}' >other.txt
printf '{"payload":"%s","payloadType":"text/plain","signatures":[{"sig":"%s"}]}' "$(base64 -w0 <other.txt)" \
	"$(printf 'DSSEv1 10 text/plain 7 {"a":1}' | openssl dgst -sha256 -sign ecdsa-p256.pem | base64 -w0)" >other.json
run 1 bundle verify --key ecdsa-p256.pub other.json && expect_in "$ERR" "payloadType is 'text/plain'"
run 3 bundle verify --key missing.pub b.json

# ---- show -----------------------------------------------------------------------
run 0 bundle show b.json && expect_in "$OUT" "signature:  not checked (no --key)" &&
	expect_in "$OUT" "snp/4xEPYC-Milan (snp)" && expect_in "$OUT" "measurement  $milan" &&
	expect_in "$OUT" "sealed key:  to key $($PY "$CHECK" keyid ecdh-p256.pub)"
run 0 bundle show --key ed25519.pub --json b.json &&
	[ "$(jq -r .verified "$OUT")" = true ] && [ "$(jq -r .statement.predicate.image.version "$OUT")" = 1.2 ] ||
	fail "show --json"

# ---- bad input ----------------------------------------------------------------
c() { # create with m.json unless given, plus args
	run "$@"
}
printf '{"measurements": [' >bad.json
c 3 bundle create -m bad.json --name demo --image disk.raw --signing-key ecdsa-p256.pem -o x.json &&
	expect_in "$ERR" "'bad.json' is not valid JSON"
printf '{"measurements": []}' >none.json
c 3 bundle create -m none.json --name demo --image disk.raw --signing-key ecdsa-p256.pem -o x.json &&
	expect_in "$ERR" "'none.json': measurements: no measurements"
c 2 bundle create -m m.json --name demo --image disk.raw -o x.json && expect_in "$ERR" "--signing-key"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out rsa.pem 2>/dev/null
c 3 bundle create -m m.json --name demo --image disk.raw --signing-key rsa.pem -o x.json &&
	expect_in "$ERR" "'rsa.pem' is a RSA key, not P-256 or Ed25519"
c 3 bundle create -m m.json --name demo --image disk.raw --signing-key ecdsa-p256.pub -o x.json &&
	expect_in "$ERR" "not an unencrypted PEM private key"
c 3 bundle create -m m.json --name demo --image disk.raw --signing-key ecdsa-p256.pem \
	--broker-key broker.key --broker-public-key ed25519.pub -o x.json &&
	expect_in "$ERR" "sealed to an EC P-256 key"
c 2 bundle create -m m.json --name demo --image disk.raw --signing-key ecdsa-p256.pem \
	--broker-key broker.key -o x.json && expect_in "$ERR" "--broker-key and --broker-public-key go together"
c 3 bundle create -m m.json --name 'de mo' --image disk.raw --signing-key ecdsa-p256.pem -o x.json &&
	expect_in "$ERR" "image name must be"
c 3 bundle create -m m.json --name demo --image disk.raw --signing-key ecdsa-p256.pem \
	--reference-value 'snp-launch-measurement=["00"]' -o x.json &&
	expect_in "$ERR" "'snp-launch-measurement' is not a reference value of Trustee's default policy"
c 3 bundle create -m m.json --name demo --image disk.raw --signing-key ecdsa-p256.pem \
	--broker-resource a/b -o x.json && expect_in "$ERR" "REPO/TYPE/TAG"
c 3 bundle create -m m.json --name demo --image missing.raw --signing-key ecdsa-p256.pem -o x.json
[ ! -e x.json ] || fail "x.json written after failures"
run 2 bundle && expect_in "$ERR" "a verb is required"
run 2 bundle verify b.json && expect_in "$ERR" "verify needs --key"
finish
