# cvmimg verify-report against every entry of ../shared/vectors/attest/manifest.json:
# snp[], tdx[], tdx_collateral_sets[], snp_negative[], tdx_negative[]. Each run pins
# the verification time (the entry's verify_at, else NOW below), compares the
# verdict, every field the manifest lists and, for negatives, the failing check.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tools/sanitized.sh"
need_vectors
A=$VEC/attest
M=$A/manifest.json
command -v jq >/dev/null || { echo "SKIP: jq missing"; exit 77; }
[ -f "$M" ] || { echo "SKIP: $M missing"; exit 77; }
# "verify_at": null means "any current time"; the fixtures' snapshot date is one
NOW=2026-11-26T00:00:00Z

# Manifest fields that describe an entry rather than a parsed value.
SNP_META='["id","report","report_encoding","endorsement_key_cert","ark","ask_or_asvk","verify_at","source","notes","expected"]'
TDX_META='["id","quote","source","notes","expected"]'

# Lines "field: expected X, got Y" for every listed field that differs, and
# "field: not compared" for a manifest field this test does not know.
SNP_COMPARE='
def norm: tostring | ascii_downcase | ltrimstr("0x") | sub("^0+(?=.)"; "");
def hexnum: ascii_downcase | ltrimstr("0x") | explode
	| reduce .[] as $c (0; . * 16 + (if $c >= 97 then $c - 87 else $c - 48 end));
def check($n): [$o.checks[] | select(.name == $n) | .ok][0];
def tcbname: {bl: "bootloader", tee: "tee", snp: "snp", ucode: "microcode", fmc: "fmc"}[.];
{
  version: [$e.version, $o.version],
  signing_key: [($e.signing_key | ascii_downcase), $o.signer],
  product: [($e.product | ascii_downcase), $o.product],
  vmpl: [$e.vmpl, $o.vmpl],
  policy: [($e.policy | norm), ($o.policy | norm)],
  policy_debug: [$e.policy_debug, (check("debug") | not)],
  guest_svn: [$e.guest_svn, $o.guest_svn],
  platform_info: [($e.platform_info | norm), ($o.platform_info | norm)],
  measurement: [$e.measurement, $o.measurement],
  report_data: [$e.report_data, $o.report_data],
  host_data: [$e.host_data, $o.host_data],
  id_key_digest: [$e.id_key_digest, $o.id_key_digest],
  author_key_digest: [$e.author_key_digest, $o.author_key_digest],
  family_id: [$e.family_id, $o.family_id],
  image_id: [$e.image_id, $o.image_id],
  reported_tcb_raw: [($e.reported_tcb_raw | norm), ($o.reported_tcb_raw | norm)],
  reported_tcb: [$e.reported_tcb, ($e.reported_tcb | with_entries(.value = $o.reported_tcb[.key | tcbname]))],
  current_tcb_raw: [($e.current_tcb_raw | norm), ($o.current_tcb_raw | norm)],
  committed_tcb_raw: [($e.committed_tcb_raw | norm), ($o.committed_tcb_raw | norm)],
  launch_tcb_raw: [($e.launch_tcb_raw | norm), ($o.launch_tcb_raw | norm)],
  cpuid: [($e.cpuid | if . == null then null else map(hexnum) end),
          ($o.cpuid | if . == null then null else [.family, .model, .stepping] end)],
  chip_id: [$e.chip_id, $o.chip_id],
  current_fw: [$e.current_fw, $o.current_fw],
  committed_fw: [$e.committed_fw, $o.committed_fw],
  launch_mit_vector: [($e.launch_mit_vector | if . == null then null else norm end),
                      ($o.launch_mit_vector | if . == null then null else norm end)],
  current_mit_vector: [($e.current_mit_vector | if . == null then null else norm end),
                       ($o.current_mit_vector | if . == null then null else norm end)],
  report_sig_valid: [$e.report_sig_valid, check("report_signature")],
  vek_product_name: [$e.vek_product_name, $o.vek.product_name],
  vek_struct_version: [$e.vek_struct_version, $o.vek.struct_version],
  committed_equals_current_tcb: [$e.committed_equals_current_tcb,
                                 ($o.committed_tcb_raw == $o.current_tcb_raw)]
} as $cmp
| ($cmp | to_entries[] | select(.value[0] != .value[1])
   | "\(.key): expected \(.value[0] | tojson), got \(.value[1] | tojson)"),
  ($e | keys[] | . as $k | select(($cmp | has($k)) or ($meta | index($k)) | not) | "\($k): not compared")
'

TDX_COMPARE='
def norm: tostring | ascii_downcase | ltrimstr("0x") | sub("^0+(?=.)"; "");
def check($n): [$o.checks[] | select(.name == $n) | .ok][0];
{
  version: [$e.version, $o.version],
  body_type: [$e.body_type, $o.body_type],
  tee_type: [($e.tee_type | norm), ($o.tee_type | norm)],
  qe_vendor_id: [$e.qe_vendor_id, $o.qe_vendor_id],
  mr_td: [$e.mr_td, $o.mrtd],
  rtmr0: [$e.rtmr0, $o.rtmr0], rtmr1: [$e.rtmr1, $o.rtmr1],
  rtmr2: [$e.rtmr2, $o.rtmr2], rtmr3: [$e.rtmr3, $o.rtmr3],
  mr_seam: [$e.mr_seam, $o.mrseam],
  mr_signer_seam: [$e.mr_signer_seam, $o.mrsignerseam],
  mr_config_id: [$e.mr_config_id, $o.mrconfigid],
  mr_owner: [$e.mr_owner, $o.mrowner],
  mr_owner_config: [$e.mr_owner_config, $o.mrownerconfig],
  td_attributes: [$e.td_attributes, $o.td_attributes],
  td_debug: [$e.td_debug, (check("debug") | not)],
  xfam: [$e.xfam, $o.xfam],
  tee_tcb_svn: [$e.tee_tcb_svn, $o.tee_tcb_svn],
  tee_tcb_svn_2: [$e.tee_tcb_svn_2, $o.tee_tcb_svn_2],
  mr_servicetd: [$e.mr_servicetd, $o.mrservicetd],
  report_data: [$e.report_data, $o.report_data],
  qe_isvsvn: [$e.qe_isvsvn, $o.qe.isvsvn],
  qe_mrsigner: [$e.qe_mrsigner, $o.qe.mrsigner],
  fmspc: [$e.fmspc, $o.pck.fmspc],
  pce_id: [$e.pce_id, $o.pck.pce_id],
  pck_pcesvn: [$e.pck_pcesvn, $o.pck.pcesvn],
  pck_sgx_tcb_svns: [$e.pck_sgx_tcb_svns, $o.pck.sgx_tcb_svns],
  pck_issuer: [$e.pck_issuer, $o.pck.issuer],
  pck_not_after: [($e.pck_not_after | sub(" "; "T") | sub("\\+00:00$"; "Z")), $o.pck.not_after],
  trailing_bytes: [$e.trailing_bytes, $o.trailing_bytes],
  quote_sig_valid: [$e.quote_sig_valid, check("quote_signature")],
  qe_report_sig_valid: [$e.qe_report_sig_valid, check("qe_report_signature")],
  qe_report_data_binds_attestation_key: [$e.qe_report_data_binds_attestation_key,
                                         check("attestation_key")],
  chain_to_intel_root: [$e.chain_to_intel_root, check("pck_chain")]
} as $cmp
| ($cmp | to_entries[] | select(.value[0] != .value[1])
   | "\(.key): expected \(.value[0] | tojson), got \(.value[1] | tojson)"),
  ($e | keys[] | . as $k | select(($cmp | has($k)) or ($meta | index($k)) | not) | "\($k): not compared")
'

# Compare $OUT (our JSON) with manifest entry $1 using program $2 and meta keys $3.
compare() {
	local diffs
	diffs=$(jq -rn --argjson e "$1" --slurpfile out "$OUT" --argjson meta "$3" \
		"\$out[0] as \$o | $2" 2>&1) || { fail "jq: $diffs"; return; }
	[ -z "$diffs" ] || while read -r d; do fail "$d"; done <<<"$diffs"
}

# The names of the failing checks in $OUT, space-separated.
failing() {
	jq -r '[.checks[] | select(.ok | not) | .name] | join(" ")' "$OUT"
}

snp_cases() {
	local n i e id at kind code want
	n=$(jq '.snp | length' "$M")
	[ "$n" -gt 0 ] || fail "manifest has no snp entries"
	for i in $(seq 0 $((n - 1))); do
		e=$(jq -c ".snp[$i]" "$M")
		id=$(jq -r .id <<<"$e")
		at=$(jq -r '.verify_at // empty' <<<"$e")
		kind=$(jq -r '.signing_key | ascii_downcase' <<<"$e")
		# the only failure a genuine report may show under the default policy: debug
		want=""
		[ "$(jq -r .policy_debug <<<"$e")" = true ] && want=debug
		code=0
		[ -n "$want" ] && code=1
		args=(verify-report --report "$A/$(jq -r .report <<<"$e")"
			--"$kind" "$A/$(jq -r .endorsement_key_cert <<<"$e")"
			--chain "$A/$(jq -r .ask_or_asvk <<<"$e")" --ark "$A/$(jq -r .ark <<<"$e")"
			--at-time "${at:-$NOW}")
		if run "$code" "${args[@]}" --json; then
			current="$id"
			compare "$e" "$SNP_COMPARE" "$SNP_META"
			[ "$(failing)" = "$want" ] || fail "failing checks '$(failing)', expected '$want'"
		fi
		# the format given explicitly gives the same result
		fmt=bin
		[ "$(jq -r .report_encoding <<<"$e")" = hex-ascii ] && fmt=hex
		run "$code" "${args[@]}" --report-format "$fmt"
		# provisional firmware fails only the opt-in strict check
		if [ "$(jq -r .committed_equals_current_tcb <<<"$e")" = false ]; then
			run 1 "${args[@]}" --strict-committed-tcb --allow-debug --json &&
				[ "$(failing)" = committed_tcb ] || fail "$id: strict committed TCB: '$(failing)'"
		else
			run 0 "${args[@]}" --strict-committed-tcb --allow-debug
		fi
	done
	echo "$n snp entries"
}

tdx_cases() {
	local n i e id code want
	n=$(jq '.tdx | length' "$M")
	[ "$n" -gt 0 ] || fail "manifest has no tdx entries"
	for i in $(seq 0 $((n - 1))); do
		e=$(jq -c ".tdx[$i]" "$M")
		id=$(jq -r .id <<<"$e")
		want=""
		[ "$(jq -r .td_debug <<<"$e")" = true ] && want=debug
		code=0
		[ -n "$want" ] && code=1
		if run "$code" verify-report --quote "$A/$(jq -r .quote <<<"$e")" --no-collateral \
			--at-time "$NOW" --json; then
			current="$id"
			compare "$e" "$TDX_COMPARE" "$TDX_META"
			[ "$(failing)" = "$want" ] || fail "failing checks '$(failing)', expected '$want'"
		fi
	done
	echo "$n tdx entries"
}

# A collateral set's file: the first word of the entry's text.
set_file() {
	jq -r --arg k "$2" '.[$k] // empty | split(" ")[0]' <<<"$1"
}

collateral_args() {
	local s=$1 f sig
	coll=()
	f=$(set_file "$s" collateral_json) && [ -n "$f" ] && coll+=(--collateral "$A/$f")
	f=$(set_file "$s" tcb_info) && [ -n "$f" ] && coll+=(--tcb-info "$A/$f")
	f=$(set_file "$s" qe_identity)
	if [ -n "$f" ]; then
		coll+=(--qe-identity "$A/$f")
		# "path (+ name.sig.hex)": the signature of a bare body, beside it
		sig=$(jq -r '.qe_identity | capture("\\(\\+ (?<s>[^ )]+)\\)").s // empty' <<<"$s")
		[ -n "$sig" ] && coll+=(--qe-identity-signature "$A/$(dirname "$f")/$sig")
	fi
	f=$(set_file "$s" tcb_signing_chain) && [ -n "$f" ] && coll+=(--tcb-signing-chain "$A/$f")
	f=$(set_file "$s" pck_crl) && [ -n "$f" ] && coll+=(--pck-crl "$A/$f")
	f=$(set_file "$s" root_ca_crl) && [ -n "$f" ] && coll+=(--root-crl "$A/$f")
	# the built-in root is the set's root (tests/unit/test-attest.c compares them)
	return 0
}

collateral_cases() {
	local n i s sid at q e qf want code pairs=0
	n=$(jq '.tdx_collateral_sets | length' "$M")
	for i in $(seq 0 $((n - 1))); do
		s=$(jq -c ".tdx_collateral_sets[$i]" "$M")
		sid=$(jq -r .id <<<"$s")
		at=$(jq -r .verify_at <<<"$s")
		collateral_args "$s"
		for q in $(jq -r '.quotes[]' <<<"$s"); do
			e=$(jq -c --arg q "$q" '.tdx[] | select(.id == $q)' "$M")
			qf=$A/$(jq -r .quote <<<"$e")
			# the set's expected_tcb, else "TCB [status] <Status>" in the quote's text
			want=$(jq -r '.expected_tcb // empty' <<<"$s")
			[ -n "$want" ] || want=$(jq -r .expected <<<"$e" |
				grep -oE 'TCB (status )?[A-Z][A-Za-z]+' | head -1 | awk '{print $NF}')
			[ -n "$want" ] || { fail "$sid/$q: no expected TCB status"; continue; }
			# a set without a PCK CRL (trustee's) cannot give a valid verdict: revocation
			# is part of it
			fails=""
			[ "$want" = UpToDate ] || fails=tcb_status
			[ "$(jq -r '.pck_crl // .collateral_json // empty' <<<"$s")" ] ||
				fails=$(printf '%s\n' $fails pck_crl | sort | xargs)
			code=1
			[ -z "$fails" ] && code=0
			if run "$code" verify-report --quote "$qf" "${coll[@]}" --at-time "$at" --json; then
				current="$sid/$q"
				got=$(jq -r .tcb_status "$OUT")
				[ "$got" = "$want" ] || fail "TCB status $got, expected $want"
				[ "$(failing | tr ' ' '\n' | sort | xargs)" = "$fails" ] ||
					fail "failing checks '$(failing)', expected '$fails'"
				for c in tcb_info_signature tcb_info_validity fmspc tdx_module; do
					jq -e --arg c "$c" 'any(.checks[]; .name == $c and .ok)' "$OUT" >/dev/null ||
						fail "check $c missing or failed"
				done
			fi
			run $([ -z "${fails#tcb_status}" ] && echo 0 || echo 1) verify-report --quote "$qf" \
				"${coll[@]}" --at-time "$at" --accept-tcb-status "$want"
			pairs=$((pairs + 1))
		done
	done
	echo "$pairs quote/collateral pairings"
}

# The exact set of checks each negative file fails, read from its manifest text by
# hand (the text names the defect; the set adds what follows from it: a changed
# signed byte breaks the signature, a foreign certificate everything it binds).
# A verifier that fails every check on any flipped byte fails these.
negative_set() {
	case "$1" in
	*milan_v3_reportdata_byte100_flipped.bin) echo report_signature ;;
	*milan_v3_sig_reserved_nonzero.bin) echo reserved_zero ;; # outside the signed bytes
	*turin_v5_reported_tcb_fmc_changed.bin) echo report_signature tcb_binding ;;
	*trustee_v2_byte384_plus1.bin) echo report_signature tcb_binding ;;
	*gosev_v2_debug_bit_cleared.bin) echo report_signature ;;
	*trustee_vcek_byte42_plus1.der) echo chain ;; # the TBS changed: the ASK's signature fails
	# another key's certificate for trustee's report: chain (bad signature), and the
	# report's signature, TCB and chip id do not match it
	*test-vcek-invalid-legacy.der) echo chain chip_id report_signature tcb_binding ;;
	*spr_e4_version_3.dat) echo version ;;
	*spr_e4_root_cert_byte.dat) echo pck_chain ;;
	*spr_e4_pck_cert_byte.dat) echo pck_chain ;;
	*spr_e4_header_byte.dat) echo quote_signature ;;
	*spr_e4_attest_key_flipped.dat) echo attestation_key quote_signature ;;
	*spr_e4_qe_report_sig_flipped.dat) echo qe_report_signature ;;
	*spr_e4_qe_auth_data_flipped.dat) echo attestation_key ;;
	*spr_e4_tee_type_sgx.dat) echo tee_type ;; # a failure there stops the checks
	*phala_qe_identity_tampered.json) echo qe_identity_signature ;;
	esac
}

exact_set() { # FILE: the failing checks are exactly negative_set's, each named on stderr
	local want got
	want=$(negative_set "$1")
	[ -n "$want" ] || { fail "$1: no expected set (a new negative file?)"; return; }
	got=$(failing | tr ' ' '\n' | sort | xargs)
	[ "$got" = "$want" ] || fail "failing checks '$got', expected '$want'"
	for c in $want; do expect_in "$ERR" "check '$c' failed"; done
}

snp_negative_cases() {
	local n i e file rep leaf extra expect c
	n=$(jq '.snp_negative | length' "$M")
	for i in $(seq 0 $((n - 1))); do
		e=$(jq -c ".snp_negative[$i]" "$M")
		file=$(jq -r .file <<<"$e")
		expect=$(jq -r .expect <<<"$e")
		extra=()
		if [ "$(jq -r '.certs | length' <<<"$e")" -gt 0 ]; then
			rep=$A/$file
			leaf=$A/$(jq -r '.certs[0]' <<<"$e")
			[ "$(jq -r '.certs | length' <<<"$e")" -ge 3 ] &&
				extra=(--chain "$A/$(jq -r '.certs[1]' <<<"$e")" --ark "$A/$(jq -r '.certs[2]' <<<"$e")")
		else
			# the file is a certificate: used with its report (or trustee's, whose it is)
			leaf=$A/$file
			rep=$A/$(jq -r '.with_report // "snp/trustee/test-report.bin"' <<<"$e")
		fi
		if run 1 verify-report --report "$rep" --vcek "$leaf" "${extra[@]}" --at-time "$NOW" --json; then
			current="$file"
			exact_set "$file"
			case "$expect" in *hwid\ 000102..3f*)
				[ "$(jq -r .vek.hwid "$OUT")" = "$(seq 0 63 | xargs printf %02x)" ] ||
					fail "legacy hwID not parsed: $(jq -r .vek.hwid "$OUT")" ;;
			esac
		fi
	done
	echo "$n snp negative files"
}

tdx_negative_cases() {
	local n i e file expect c P=$A/tdx/phala-dcap-qvl
	n=$(jq '.tdx_negative | length' "$M")
	for i in $(seq 0 $((n - 1))); do
		e=$(jq -c ".tdx_negative[$i]" "$M")
		file=$(jq -r .file <<<"$e")
		expect=$(jq -r .expect <<<"$e")
		case "$file" in
		*.json) # a tampered QE identity: with the rest of its collateral set
			args=(--quote "$P/tdx_quote" --tcb-info "$P/uptodate_tcb_info.json"
				--tcb-info-signature "$P/uptodate_tcb_info.sig.hex"
				--qe-identity "$A/$file" --qe-identity-signature "$P/uptodate_qe_identity.sig.hex"
				--tcb-signing-chain "$P/uptodate_tcb_signing_chain.pem"
				--pck-crl "$P/uptodate_pck_crl.der" --at-time 2025-07-01T00:00:00Z) ;;
		*) args=(--quote "$A/$file" --no-collateral --at-time "$NOW") ;;
		esac
		if run 1 verify-report "${args[@]}" --json; then
			current="$file"
			exact_set "$file"
		fi
	done
	echo "$n tdx negative files"
}

snp_cases
tdx_cases
collateral_cases
snp_negative_cases
tdx_negative_cases
finish
