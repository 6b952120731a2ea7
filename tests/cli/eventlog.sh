# cvmimg eventlog replay|show|diff against the hardware logs in
# ../shared/vectors/tdx/dstack: the two quotes' event logs replay to their
# RTMRs (vectors.json), the raw CCEL to the values VECTORS.md gives and parses
# as dstack's own snapshot says; diff names the events that differ.
. "$(dirname "$0")/lib.sh"
need_vectors
command -v jq >/dev/null || { echo "SKIP: jq missing"; exit 77; }
D=$VEC/tdx/dstack
J=$VEC/tdx/vectors.json

for q in tdx-lite-getquote.json quote-report.json; do
	run 0 eventlog replay --json "$D/$q" || continue
	for i in 0 1 2 3; do
		want=$(jq -r ".[\"hw_$q\"].rtmr$i" "$J")
		[ ${#want} = 96 ] || { fail "no rtmr$i for $q in vectors.json"; continue; }
		[ "$(jq -r .rtmr$i "$OUT")" = "$want" ] || fail "$q rtmr$i: $(jq -r .rtmr$i "$OUT")"
	done
	[ "$(jq -r .quote_matches "$OUT")" = true ] || fail "$q: quote_matches"
	expect_empty "$ERR"
done
run 0 eventlog replay "$D/tdx-lite-getquote.json" && expect_in "$OUT" "quote: RTMRs match"

# A3: the raw CCEL; expected values from VECTORS.md
r0=$(grep -o 'Replay: RTMR0 `[0-9a-f]*`' "$VEC/tdx/VECTORS.md" | grep -o '[0-9a-f]\{96\}')
r1=$(grep -o 'RTMR1 `[0-9a-f]*`,$' "$VEC/tdx/VECTORS.md" | grep -o '[0-9a-f]\{96\}')
[ ${#r0} = 96 ] && [ ${#r1} = 96 ] || fail "RTMR values of A3 not found in VECTORS.md"
run 0 eventlog replay "$D/ccel.bin" && {
	expect_in "$OUT" "rtmr0: $r0"
	expect_in "$OUT" "rtmr1: $r1"
	expect_in "$OUT" "rtmr2: $(printf '0%.0s' $(seq 96))"
}

# the parse equals dstack's snapshot of the same log: index, type, digest, data
python3 - "$D/ccel.parsed.snap.txt" >"$TMP/snap" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
for m in re.finditer(r'imr_index: (\d+),\s*event_type: (\d+),\s*digests: \[\s*"([0-9a-f]+)",\s*\],\s*event: "([0-9a-f]*)"', text):
    print(*m.groups())
PY
run 0 eventlog show --json "$D/ccel.bin" &&
	jq -r '.events[] | "\(.mr_index) \(.event_type) \(.digest) \(.data)"' "$OUT" >"$TMP/ours"
[ "$(wc -l <"$TMP/snap")" -ge 18 ] || fail "snapshot parse found $(wc -l <"$TMP/snap") events"
diff -u "$TMP/snap" "$TMP/ours" >/dev/null || fail "show --json differs from dstack's snapshot"
run 0 eventlog show "$D/ccel.bin" && {
	expect_in "$OUT" "rtmr0 EV_EFI_VARIABLE_DRIVER_CONFIG    9dc3a1f8"
	expect_in "$OUT" "UEFI variable SecureBoot"
	expect_in "$OUT" "Calling EFI Application from Boot Option"
}

# diff: a log against itself, against one of another boot, JSON form
run 0 eventlog diff "$D/ccel.bin" "$D/ccel.bin" && expect_in "$OUT" "no differences"
run 1 eventlog diff "$D/ccel.bin" "$D/tdx-lite-getquote.json" && {
	expect_in "$OUT" "rtmr0: differs: expected event 0 EV_EFI_HANDOFF_TABLES2 2b630fa1"
	expect_in "$OUT" "rtmr2: unexpected: actual event 16 EV_EVENT_TAG 78628084"
	expect_in "$OUT" "rtmr3: unexpected: actual event 28"
}
run 1 eventlog diff --json "$D/ccel.bin" "$D/tdx-lite-getquote.json" &&
	[ "$(jq '.differences | map(select(.rtmr == 0)) | length' "$OUT")" = 4 ] ||
	fail "expected 4 RTMR0 differences (TD HOB, 3 ACPI)"
# a prediction with unknown digests matches by type; a moved separator is named
FW=$VEC/tdx/ovmf/OVMF_debian12_2022.11_2M.fd
K=${CVMIMG_TDX_KERNEL:-/var/cache/cvmimg-test/vmlinuz-6.1.0-56-amd64}
if [ -f "$K" ]; then
	"$CVMIMG" measure --tee tdx --ovmf "$FW" --qemu-version 8.2.2 --ovmf-version 2022.11 \
		--kernel "$K" --json >"$TMP/pre.json"
	"$CVMIMG" measure --tee tdx --ovmf "$FW" --qemu-version 8.2.2 --ovmf-version 2024.11 \
		--kernel "$K" --json >"$TMP/post.json"
	run 1 eventlog diff "$TMP/pre.json" "$TMP/post.json" && {
		expect_in "$OUT" "rtmr0: missing: expected event 15 EV_SEPARATOR"
		expect_in "$OUT" "rtmr1: unexpected: actual event 15 EV_SEPARATOR"
	}
fi

# refusals
run 3 eventlog replay "$TMP/none" && expect_in "$ERR" "cannot open"
head -c 100 "$D/ccel.bin" >"$TMP/short"
run 3 eventlog show "$TMP/short" && expect_in "$ERR" "runs past the end of the log"
head -c 4096 /dev/zero >"$TMP/zero"
run 3 eventlog replay "$TMP/zero" && expect_in "$ERR" "not a TCG2 event log"
echo '{"x": 1}' >"$TMP/x.json"
run 3 eventlog replay "$TMP/x.json" && expect_in "$ERR" "holds no event list"
echo '[{"rtmr": 1, "event_type": 4, "digest": "abcd"}]' >"$TMP/d.json"
run 3 eventlog replay "$TMP/d.json" && expect_in "$ERR" "event 0: \"digest\" is not 96 hex digits"
"$CVMIMG" measure --tee tdx --ovmf "$FW" --json >"$TMP/unknown.json"
run 3 eventlog replay "$TMP/unknown.json" && expect_in "$ERR" "has no digest: cannot replay"
run 2 eventlog && expect_in "$ERR" "a verb is required"
run 2 eventlog diff "$D/ccel.bin" && expect_in "$ERR" "are required"
run 2 eventlog show && expect_in "$ERR" "an event log file is required"
finish
