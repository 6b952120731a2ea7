# The KBS client (RCAR 0.4.0) against the mock broker (tests/tools/kbs-mock.py,
# written from Trustee's protocol, checking the evidence binding as Trustee's
# sample verifier does): the resource comes back byte for byte; each failure
# gives its exit code and the broker's own text. Driven by tests/tools/cvm-kbs.c.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../tools/kbs-mock.sh"
CVMIMG=${CVMIMG_KBS_TOOL:?CVMIMG_KBS_TOOL must name the cvm-kbs test driver}
[ "${CVMIMG_SAMPLE_EVIDENCE:-0}" = 1 ] ||
	{ echo "SKIP: this build has no sample evidence (-DCVMIMG_SAMPLE_EVIDENCE=ON)"; exit 77; }
kbs_need
trap 'kbs_stop; rm -rf "$TMP"' EXIT

head -c 32 /dev/urandom >"$TMP/key"
want=$(od -An -v -tx1 "$TMP/key" | tr -d ' \n')
R=cvmimg/img/luks-key

# happy path: auth -> attest -> resource, the 32 bytes decrypted
kbs_start --resource "$R=$TMP/key"
run 0 "$KBS_URL" "$R" && {
	[ "$(cat "$OUT")" = "$want" ] || fail "resource $(cat "$OUT") is not $want"
	expect_in "$ERR" "resource: decrypted"
}
expect_in "$TMP/kbs.log" "POST /kbs/v0/auth 200"
expect_in "$TMP/kbs.log" "POST /kbs/v0/attest 200"
expect_in "$TMP/kbs.log" "GET /kbs/v0/resource/$R 200"

# a resource the broker does not have: 404 (exit 3: bad input), its text
run 3 "$KBS_URL" cvmimg/img/other && expect_in "$ERR" "HTTP 404"
# not a REPO/TYPE/TAG path: refused before any request
: >"$TMP/kbs.log"
run 3 "$KBS_URL" "a/../b" && expect_in "$ERR" "is not a resource path REPO/TYPE/TAG"
run 3 "$KBS_URL" "a/b" && expect_in "$ERR" "is not a resource path"
expect_empty "$TMP/kbs.log"
# another protocol version: the broker's mismatch text
run 1 "$KBS_URL" "$R" sample 0.3.0 &&
	expect_in "$ERR" "KBS Client Protocol Version Mismatch: expect =0.4.0 while the request is 0.3.0"

# the broker's nonce changes after the challenge: the binding check fails (401)
kbs_fault nonce
run 1 "$KBS_URL" "$R" && {
	expect_in "$ERR" "the broker refused the attestation (HTTP 401): Attestation error: nonce mismatch"
	expect_empty "$OUT"
}
# a nonce that is not base64: refused before attesting
kbs_fault bad-nonce
run 3 "$KBS_URL" "$R" && expect_in "$ERR" "the broker's nonce 'not base64!' is not base64"
grep -q attest "$TMP/kbs.log" && fail "attested after a bad nonce"
# the attestation policy denies: exit 1 with the broker's text
kbs_fault reject
run 1 "$KBS_URL" "$R" &&
	expect_in "$ERR" "the broker refused the attestation (HTTP 401): Attestation error: policy 'default_cpu' denies: executables contraindicated"
grep -q "GET /kbs" "$TMP/kbs.log" && fail "asked for the resource after a denial"
# the resource is encrypted to another key: -EKEYREJECTED (exit 1), nothing printed
kbs_fault wrong-key
run 1 "$KBS_URL" "$R" && {
	expect_in "$ERR" "does not decrypt with this session's key"
	expect_empty "$OUT"
}
# no session cookie in the challenge
kbs_fault no-cookie
run 3 "$KBS_URL" "$R" && expect_in "$ERR" "sets no session cookie"
kbs_stop
# nobody listens: a transport error (exit 4)
run 4 "http://127.0.0.1:$KBS_PORT" "$R" && expect_in "$ERR" "POST http://127.0.0.1:$KBS_PORT/kbs/v0/auth"
finish
