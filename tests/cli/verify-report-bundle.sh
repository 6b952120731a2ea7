# cvmimg verify-report --bundle/--bundle-key: real SNP reports and a real TDX
# quote (attest/manifest.json) against bundles that hold, or do not hold, their
# launch measurement; expiry, the wrong signer and the option pairing.
. "$(dirname "$0")/lib.sh"
need_vectors
command -v jq >/dev/null || { echo "SKIP: jq missing"; exit 77; }
A=$VEC/attest
M=$A/manifest.json
cd "$TMP" || exit 1

snp() { jq -r --arg r "$1" '.snp[] | select(.report == $r) | .measurement' "$M"; }
tdx() { jq -r --arg q "$1" --arg k "$2" '.tdx[] | select(.quote == $q) | .[$k]' "$M"; }
milan=$(snp snp/virtee-sev/report_milan.hex)
mstav=$(snp snp/ms-tav/milan_attestation_report.bin)
Q=tdx/go-tdx-guest/cos-113-tdx-quote.dat
[ ${#milan} = 96 ] && [ ${#mstav} = 96 ] && [ "$(tdx $Q mr_td | wc -c)" = 97 ] ||
	{ fail "manifest values missing"; finish; }

cat >m.json <<EOF
{"measurements": [
 {"shape": "snp/4xEPYC-Milan", "measurement": {"tee": "snp", "measurement": "$milan"}},
 {"shape": "snp/2xEPYC-Milan",
  "measurement": {"tee": "snp", "measurement": "$(printf '%s' "$mstav" | tr 0-9 1-90)"}},
 {"shape": "tdx/cos", "measurement": {"tee": "tdx",
  "mrtd": "$(tdx $Q mr_td)", "rtmr0": null, "rtmr1": "$(tdx $Q rtmr1)",
  "rtmr2": "$(tdx $Q rtmr2)", "rtmr3": null,
  "unknown": {"rtmr0": "the VMM's ACPI tables", "rtmr3": "extended at run time"}}}]}
EOF
head -c 100 /dev/urandom >disk.raw
run 0 keygen -t ecdsa-p256 -o sign.pem --public-out sign.pub
run 0 keygen -t ed25519 -o other.pem --public-out other.pub
run 0 bundle create -m m.json --name demo --image disk.raw --signing-key sign.pem --valid-days 10 -o b.json
na=$(jq -r .payload b.json | base64 -d | jq -r .predicate.not_after)

VIRTEE=(--report "$A/snp/virtee-sev/report_milan.hex" --vcek "$A/snp/virtee-sev/vcek_milan.der")
MSTAV=(--report "$A/snp/ms-tav/milan_attestation_report.bin" --vcek "$A/snp/ms-tav/milan_vcek.pem")

# the report whose MEASUREMENT the bundle holds: valid, the shape named
run 0 verify-report "${VIRTEE[@]}" --bundle b.json --bundle-key sign.pub &&
	expect_in "$OUT" "ok   bundle                 VM shape 'snp/4xEPYC-Milan' of the bundle matches"
run 0 verify-report "${VIRTEE[@]}" --bundle b.json --bundle-key sign.pub --json &&
	[ "$(jq -r '.checks[] | select(.name == "bundle") | .ok' "$OUT")" = true ] || fail "bundle check in JSON"
# another real report (valid on its own): no shape matches, the closest shown
run 0 verify-report "${MSTAV[@]}"
run 1 verify-report "${MSTAV[@]}" --bundle b.json --bundle-key sign.pub &&
	expect_in "$ERR" "check 'bundle' failed: no VM shape of the bundle matches; the closest, 'snp/4xEPYC-Milan', has 0 of 1 values equal" &&
	expect_in "$ERR" "bundle: measurement expected $milan" &&
	expect_in "$ERR" "bundle: measurement reported $mstav  (differs)"
# a real TDX quote: MRTD, RTMR1 and RTMR2 compared, RTMR0 and RTMR3 unknown
run 0 verify-report --quote "$A/$Q" --no-collateral --bundle b.json --bundle-key sign.pub --json
[ "$(jq -r '.checks[] | select(.name == "bundle") | .detail' "$OUT")" = "VM shape 'tdx/cos' of the bundle matches" ] ||
	fail "the TDX quote does not match its shape: $(jq -c '.checks[-1]' "$OUT")"
# expired, the wrong signer, tampered, the pairing of the options
after=$(date -u -d "$na + 1 day" +%Y-%m-%dT%H:%M:%SZ)
run 1 verify-report "${VIRTEE[@]}" --bundle b.json --bundle-key sign.pub --at-time "$after" &&
	expect_in "$ERR" "check 'bundle' failed: 'b.json' expired at $na"
run 1 verify-report "${VIRTEE[@]}" --bundle b.json --bundle-key other.pub &&
	expect_in "$ERR" "no valid signature by key"
jq '.signatures[0].sig |= (.[0:10] + (if .[10:11] == "A" then "B" else "A" end) + .[11:])' b.json >t.json
run 1 verify-report "${VIRTEE[@]}" --bundle t.json --bundle-key sign.pub
run 2 verify-report "${VIRTEE[@]}" --bundle b.json && expect_in "$ERR" "--bundle and --bundle-key go together"
run 3 verify-report "${VIRTEE[@]}" --bundle missing.json --bundle-key sign.pub
finish
