# cvmimg verify-report: the negative combinations of attest/FIXTURES.md (3.3, 4.4),
# a forged AMD hierarchy (a self-made ARK, everything else consistent), keys of
# the wrong product, every policy option both ways, and the policy file.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tools/sanitized.sh"
need_vectors
command -v jq >/dev/null || { echo "SKIP: jq missing"; exit 77; }
command -v openssl >/dev/null || { echo "SKIP: openssl missing"; exit 77; }
A=$VEC/attest
S=$A/snp
T=$A/tdx
M=$A/manifest.json
NOW=2026-11-26T00:00:00Z

# The failing checks of the last --json run must be exactly these (sorted).
fails_only() {
	local got want
	got=$(jq -r '[.checks[] | select(.ok | not) | .name] | sort | join(" ")' "$OUT")
	want=$(printf '%s\n' "$@" | sort | tr '\n' ' ' | sed 's/ $//')
	[ "$got" = "$want" ] || fail "failing checks '$got', expected '$want'"
	for c in "$@"; do
		[ -z "$c" ] || expect_in "$ERR" "check '$c' failed"
	done
}

detail_of() {
	jq -r --arg c "$1" '.checks[] | select(.name == $c) | .detail' "$OUT"
}

# manifest value of an SNP entry
mval() {
	jq -r --arg id "$1" ".snp[] | select(.id == \$id) | $2" "$M"
}

MILAN=(--report "$S/ms-tav/milan_attestation_report.bin" --vcek "$S/ms-tav/milan_vcek.pem")
GENOA=(--report "$S/ms-tav/genoa_attestation_report.bin" --vcek "$S/ms-tav/genoa_vcek.pem")
TURIN=(--report "$S/ms-tav/turin_attestation_report.bin" --vcek "$S/ms-tav/turin_vcek.pem")
VLEK=(--report "$S/trustee/test-vlek-report.bin" --vlek "$S/trustee/test-vlek.der")
TRUSTEE=(--report "$S/trustee/test-report.bin" --vcek "$S/trustee/test-vcek.der")

snp_combos() {
	# go-sev-guest's report with virtee's VCEK: another chip, another TCB
	run 1 verify-report --report "$S/go-sev-guest/attestation.bin" \
		--vcek "$S/virtee-sev/vcek_milan.der" --allow-debug --at-time "$NOW" --json &&
		fails_only report_signature tcb_binding chip_id
	# a Milan report chained through Genoa's ARK and ASK
	run 1 verify-report "${MILAN[@]}" --chain "$S/ms-tav/genoa_ask.pem" \
		--ark "$S/ms-tav/genoa_ark.pem" --at-time "$NOW" --json && fails_only chain &&
		expect_in "$OUT" "'ARK-Genoa' in '$S/ms-tav/genoa_ark.pem' is not the built-in ARK-Milan"
	# the ASK passed off as the root
	run 1 verify-report "${MILAN[@]}" --chain "$S/ms-tav/milan_ask.pem" \
		--ark "$S/ms-tav/milan_ask.pem" --at-time "$NOW" --json && fails_only chain &&
		expect_in "$OUT" "'SEV-Milan' in '$S/ms-tav/milan_ask.pem' is not the built-in ARK-Milan"
	# a VCEK with the ASVK as its intermediate
	run 1 verify-report --report "$S/virtee-sev/report_milan.hex" \
		--vcek "$S/virtee-sev/vcek_milan.der" --chain "$S/amd-roots/trustee_milan_asvk.pem" \
		--at-time "$NOW" --json && fails_only chain
	# the VLEK report now, after the VLEK expired (2025-12-10), and then via the ASK
	run 1 verify-report "${VLEK[@]}" --at-time "$NOW" --json && fails_only chain &&
		expect_in "$OUT" "certificate has expired"
	run 1 verify-report "${VLEK[@]}" --chain "$S/amd-roots/virtee_milan_ask.pem" \
		--at-time 2025-06-01T00:00:00Z --json && fails_only chain
	# a VLEK given as a VCEK
	run 1 verify-report --report "$S/trustee/test-vlek-report.bin" \
		--vcek "$S/trustee/test-vlek.der" --at-time 2025-06-01T00:00:00Z --json &&
		fails_only signing_key
	# a Genoa report chained through Milan's ARK and ASK
	run 1 verify-report "${GENOA[@]}" --chain "$S/ms-tav/milan_ask.pem" \
		--ark "$S/ms-tav/milan_ark.pem" --at-time "$NOW" --json && fails_only chain
}

# A report signed by a genuine key of another product.
wrong_product() {
	# Genoa's VCEK (valid, chains to ARK-Genoa) for the Milan report
	run 1 verify-report --report "$S/ms-tav/milan_attestation_report.bin" \
		--vcek "$S/ms-tav/genoa_vcek.pem" --at-time "$NOW" --json &&
		fails_only product chain report_signature tcb_binding chip_id
	expect_in "$OUT" "CPUID says milan, certificate issuer genoa"
	# Turin's VCEK for the Genoa report, the chain given as Turin's
	run 1 verify-report --report "$S/ms-tav/genoa_attestation_report.bin" \
		--vcek "$S/ms-tav/turin_vcek.pem" --chain "$S/ms-tav/turin_ask.pem" --at-time "$NOW" --json &&
		fails_only product chain report_signature tcb_binding chip_id
	# insisting on another product than the report's CPUID
	run 1 verify-report "${GENOA[@]}" --product milan --at-time "$NOW" --json &&
		fails_only product chain
	# a v2 report (no CPUID) with a product its VCEK contradicts
	run 1 verify-report --report "$S/virtee-sev/report_milan.hex" \
		--vcek "$S/virtee-sev/vcek_milan.der" --product genoa --at-time "$NOW" --json &&
		fails_only product chain
	run 0 verify-report --report "$S/virtee-sev/report_milan.hex" \
		--vcek "$S/virtee-sev/vcek_milan.der" --product milan --at-time "$NOW"
}

# A self-made hierarchy with AMD's names: ARK-Milan -> SEV-Milan -> SEV-VCEK,
# the VCEK carrying the Milan report's TCB and chip id, and the report
# re-signed with it. Only the pinned ARK can tell it apart.
forge() {
	local F=$TMP/forged dn="/OU=Engineering/C=US/L=Santa Clara/ST=CA/O=Advanced Micro Devices"
	local pss=(-sha384 -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:48)
	local id=snp-milan-v3-mstav hwid
	mkdir -p "$F"
	hwid=$(mval $id .chip_id | sed 's/../&:/g; s/:$//')
	cat >"$F/ext.cnf" <<-EOF
	[req]
	distinguished_name = dn
	[dn]
	[ca]
	basicConstraints = critical,CA:TRUE
	keyUsage = critical,keyCertSign,cRLSign
	[vcek]
	1.3.6.1.4.1.3704.1.1 = DER:02:01:00
	1.3.6.1.4.1.3704.1.2 = ASN1:IA5STRING:Milan-B0
	1.3.6.1.4.1.3704.1.3.1 = DER:02:01:$(printf %02x "$(mval $id .reported_tcb.bl)")
	1.3.6.1.4.1.3704.1.3.2 = DER:02:01:$(printf %02x "$(mval $id .reported_tcb.tee)")
	1.3.6.1.4.1.3704.1.3.3 = DER:02:01:$(printf %02x "$(mval $id .reported_tcb.snp)")
	1.3.6.1.4.1.3704.1.3.8 = DER:02:02:00:$(printf %02x "$(mval $id .reported_tcb.ucode)")
	1.3.6.1.4.1.3704.1.4 = DER:$hwid
	EOF
	(
		set -e
		cd "$F"
		openssl req -x509 -new -newkey rsa:2048 -nodes -keyout ark.key -subj "$dn/CN=ARK-Milan" \
			-days 2 "${pss[@]}" -config ext.cnf -extensions ca -out ark.pem
		openssl req -new -newkey rsa:2048 -nodes -keyout ask.key -subj "$dn/CN=SEV-Milan" \
			-config ext.cnf -out ask.csr
		openssl x509 -req -in ask.csr -CA ark.pem -CAkey ark.key -set_serial 65537 -days 2 \
			"${pss[@]}" -extfile ext.cnf -extensions ca -out ask.pem
		openssl ecparam -name secp384r1 -genkey -noout -out vcek.key
		openssl req -new -key vcek.key -subj "$dn/CN=SEV-VCEK" -config ext.cnf -out vcek.csr
		openssl x509 -req -in vcek.csr -CA ask.pem -CAkey ask.key -set_serial 0 -days 2 \
			"${pss[@]}" -extfile ext.cnf -extensions vcek -out vcek.pem
		head -c 672 "$S/ms-tav/milan_attestation_report.bin" >signed.bin
		openssl dgst -sha384 -sign vcek.key -out sig.der signed.bin
		python3 "$CVMIMG_SOURCE_DIR/tests/cli/tools/snp-resign.py" \
			"$S/ms-tav/milan_attestation_report.bin" sig.der report.bin
		cat ask.pem ark.pem >chain.pem
	) >"$TMP/forge.log" 2>&1
}

forged_chain() {
	local F=$TMP/forged
	forge || { fail "cannot build the forged hierarchy: $(tail -3 "$TMP/forge.log")"; return; }
	# consistent in every way but its root: signature, TCB and chip id all hold
	run 1 verify-report --report "$F/report.bin" --vcek "$F/vcek.pem" --chain "$F/ask.pem" --json &&
		fails_only chain
	# the self-made ARK in the chain, or as --ark, is refused as a root
	run 1 verify-report --report "$F/report.bin" --vcek "$F/vcek.pem" --chain "$F/chain.pem" --json &&
		fails_only chain && expect_in "$OUT" "is not the built-in ARK-Milan"
	run 1 verify-report --report "$F/report.bin" --vcek "$F/vcek.pem" --chain "$F/ask.pem" \
		--ark "$F/ark.pem" --json && fails_only chain
	# the genuine report with the forged VCEK: the signature fails too
	run 1 verify-report "${MILAN[0]}" "${MILAN[1]}" --vcek "$F/vcek.pem" --chain "$F/ask.pem" --json &&
		fails_only chain report_signature
}

# An AMD CRL can only be signed by the ARK: one from the self-made ARK is refused.
crl() {
	local F=$TMP/forged C=$TMP/ca
	[ -f "$F/ark.key" ] || return
	mkdir -p "$C"
	: >"$C/index.txt"
	echo 01 >"$C/crlnumber"
	cat >"$C/ca.cnf" <<-EOF
	[ca]
	default_ca = d
	[d]
	database = $C/index.txt
	crlnumber = $C/crlnumber
	default_md = sha384
	default_crl_days = 30
	EOF
	openssl ca -config "$C/ca.cnf" -gencrl -keyfile "$F/ark.key" -cert "$F/ark.pem" \
		-out "$C/crl.pem" 2>"$TMP/crl.log" || { fail "cannot make a CRL: $(cat "$TMP/crl.log")"; return; }
	run 1 verify-report "${MILAN[@]}" --crl "$C/crl.pem" --json && fails_only crl &&
		expect_in "$OUT" "CRL signature does not verify with 'ARK-Milan'"
	openssl crl -in "$C/crl.pem" -outform DER -out "$C/crl.der"
	run 1 verify-report "${MILAN[@]}" --crl "$C/crl.der" --json && fails_only crl
}

snp_policy() {
	local m h
	# debug: go-sev-guest's guest allows it
	run 1 verify-report --report "$S/go-sev-guest/attestation.bin" --vcek "$S/go-sev-guest/vcek.testcer" \
		--at-time "$NOW" --json && fails_only debug
	run 0 verify-report --report "$S/go-sev-guest/attestation.bin" --vcek "$S/go-sev-guest/vcek.testcer" \
		--at-time "$NOW" --allow-debug
	# vmpl: the VLEK report was requested at VMPL 1
	run 1 verify-report "${VLEK[@]}" --at-time 2025-06-01T00:00:00Z --vmpl 0 --json && fails_only vmpl
	run 0 verify-report "${VLEK[@]}" --at-time 2025-06-01T00:00:00Z --vmpl 1
	# the default (cvmimg-verify-report(1), --vmpl): no vmpl check at all, the VMPL
	# (the manifest's) only printed; a policy file's vmpl applies; --vmpl replaces it
	run 0 verify-report "${VLEK[@]}" --at-time 2025-06-01T00:00:00Z --json &&
		[ "$(jq -c '[.vmpl, ([.checks[].name] | index("vmpl"))]' "$OUT")" = \
			"[$(mval snp-milan-v3-vlek-trustee .vmpl),null]" ] ||
		fail "without --vmpl: $(jq -c '[.vmpl, [.checks[].name]]' "$OUT")"
	echo '{"snp": {"vmpl": 0}}' >"$TMP/vmpl0.json"
	run 1 verify-report "${VLEK[@]}" --at-time 2025-06-01T00:00:00Z --policy "$TMP/vmpl0.json" \
		--json && fails_only vmpl
	run 0 verify-report "${VLEK[@]}" --at-time 2025-06-01T00:00:00Z --policy "$TMP/vmpl0.json" \
		--vmpl 1
	# min-tcb: trustee's report has snp 8
	run 1 verify-report "${TRUSTEE[@]}" --at-time "$NOW" --min-tcb bootloader=3,tee=0,snp=9,microcode=115 \
		--json && fails_only min_tcb
	run 0 verify-report "${TRUSTEE[@]}" --at-time "$NOW" --min-tcb bl=3,tee=0,snp=8,ucode=115
	run 1 verify-report "${TRUSTEE[@]}" --at-time "$NOW" --min-tcb bl=3,tee=0,snp=8,ucode=116 --json &&
		fails_only min_tcb
	run 1 verify-report "${TRUSTEE[@]}" --at-time "$NOW" --min-tcb bl=0,tee=0,snp=0,ucode=0,fmc=1 \
		--json && fails_only min_tcb
	run 0 verify-report "${TURIN[@]}" --at-time "$NOW" --min-tcb bl=1,tee=1,snp=4,ucode=81,fmc=1
	run 1 verify-report "${TURIN[@]}" --at-time "$NOW" --min-tcb bl=1,tee=1,snp=4,ucode=81,fmc=2 \
		--json && fails_only min_tcb
	# measurement: one of several
	m=$(mval snp-milan-v3-mstav .measurement)
	run 0 verify-report "${MILAN[@]}" --at-time "$NOW" --expect-measurement "$(mval snp-genoa-v3-trustee-e2e .measurement)" \
		--expect-measurement "$m"
	run 1 verify-report "${MILAN[@]}" --at-time "$NOW" --expect-measurement "$(mval snp-genoa-v3-trustee-e2e .measurement)" \
		--json && fails_only measurement
	# host data: the ms-tav Milan value, wrong for Turin
	h=4f4448c67f3c8dfc8de8a5e37125d807dadcc41f06cf23f615dbd52eec777d10
	run 0 verify-report "${MILAN[@]}" --at-time "$NOW" --host-data "$h"
	run 1 verify-report "${TURIN[@]}" --at-time "$NOW" --host-data "$h" --json && fails_only host_data
	# report data
	run 0 verify-report "${VLEK[@]}" --at-time 2025-06-01T00:00:00Z \
		--report-data "$(mval snp-milan-v3-vlek-trustee .report_data)"
	run 1 verify-report "${VLEK[@]}" --at-time 2025-06-01T00:00:00Z --report-data "$(printf '%0128d' 0)" \
		--json && fails_only report_data
	# guest svn 2
	run 0 verify-report "${MILAN[@]}" --at-time "$NOW" --min-guest-svn 2
	run 1 verify-report "${MILAN[@]}" --at-time "$NOW" --min-guest-svn 3 --json && fails_only guest_svn
	# ID key digest; the author key is not enabled in any fixture
	run 0 verify-report "${MILAN[@]}" --at-time "$NOW" --id-key-digest "$(mval snp-milan-v3-mstav .id_key_digest)"
	run 1 verify-report "${MILAN[@]}" --at-time "$NOW" --id-key-digest "$(mval snp-turin-v5-mstav .id_key_digest)" \
		--json && fails_only id_key_digest
	run 1 verify-report "${MILAN[@]}" --at-time "$NOW" --author-key-digest "$(printf '%096d' 0)" --json &&
		fails_only author_key_digest && expect_in "$OUT" "AUTHOR_KEY_EN is 0"
	# strict committed TCB: trustee's report runs on provisional firmware
	run 1 verify-report "${TRUSTEE[@]}" --at-time "$NOW" --strict-committed-tcb --json &&
		fails_only committed_tcb
	run 0 verify-report "${MILAN[@]}" --at-time "$NOW" --strict-committed-tcb
	run 0 verify-report "${MILAN[@]}" --at-time "$NOW" --allow-migration-agent
}

tdx_policy() {
	local q=$T/go-tdx-guest/tdx_prod_quote_SPR_E4.dat e
	e=$(jq -c '.tdx[] | select(.id == "tdx-v4-spr-e4")' "$M")
	run 0 verify-report --quote "$q" --no-collateral --at-time "$NOW" --expect-mrtd "$(jq -r .mr_td <<<"$e")" \
		--expect-rtmr0 "$(jq -r .rtmr0 <<<"$e")" --expect-rtmr1 "$(jq -r .rtmr1 <<<"$e")" \
		--expect-rtmr2 "$(jq -r .rtmr2 <<<"$e")" --expect-rtmr3 "$(jq -r .rtmr3 <<<"$e")" \
		--report-data "$(jq -r .report_data <<<"$e")"
	run 1 verify-report --quote "$q" --no-collateral --at-time "$NOW" --expect-mrtd "$(jq -r .rtmr0 <<<"$e")" --json &&
		fails_only mrtd
	for i in 0 1 2 3; do
		run 1 verify-report --quote "$q" --no-collateral --at-time "$NOW" --expect-rtmr$i "$(jq -r .mr_td <<<"$e")" \
			--json && fails_only rtmr$i
	done
	run 1 verify-report --quote "$q" --no-collateral --at-time "$NOW" --report-data "$(printf '%0128d' 0)" --json &&
		fails_only report_data
	# the TD's configuration: TDATTRIBUTES, XFAM, MRCONFIGID, MROWNER, MROWNERCONFIG
	local one48=01$(printf '%094d' 0)
	run 0 verify-report --quote "$q" --no-collateral --at-time "$NOW" \
		--expect-td-attributes "$(jq -r .td_attributes <<<"$e")" --expect-xfam "$(jq -r .xfam <<<"$e")" \
		--expect-mrconfigid "$(jq -r .mr_config_id <<<"$e")" --expect-mrowner "$(jq -r .mr_owner <<<"$e")" \
		--expect-mrownerconfig "$(jq -r .mr_owner_config <<<"$e")"
	run 1 verify-report --quote "$q" --no-collateral --at-time "$NOW" --expect-td-attributes 0000001000000000 \
		--json && fails_only td_attributes
	run 1 verify-report --quote "$q" --no-collateral --at-time "$NOW" --expect-xfam e71a060000000001 \
		--json && fails_only xfam
	for f in mrconfigid mrowner mrownerconfig; do
		run 1 verify-report --quote "$q" --no-collateral --at-time "$NOW" --expect-$f "$one48" --json &&
			fails_only $f
	done
	# named TDATTRIBUTES bits (SPR E4: 0x0000004000000000, PKS only)
	echo '{"tdx": {"td_attribute_flags": {"pks": true, "kl": false, "perfmon": false}}}' >"$TMP/attr.json"
	run 0 verify-report --quote "$q" --no-collateral --at-time "$NOW" --policy "$TMP/attr.json"
	echo '{"tdx": {"td_attribute_flags": {"sept_ve_disable": true}}}' >"$TMP/attr.json"
	run 1 verify-report --quote "$q" --no-collateral --at-time "$NOW" --policy "$TMP/attr.json" --json &&
		fails_only td_attribute_flags && expect_in "$OUT" "lacks required bits 0x0000000010000000"
	echo '{"tdx": {"td_attribute_flags": {"pks": false}}}' >"$TMP/attr.json"
	run 1 verify-report --quote "$q" --no-collateral --at-time "$NOW" --policy "$TMP/attr.json" --json &&
		fails_only td_attribute_flags && expect_in "$OUT" "has forbidden bits 0x0000000040000000"
	echo '{"tdx": {"td_attribute_flags": {"debug": false}}}' >"$TMP/attr.json"
	run 3 verify-report --quote "$q" --no-collateral --policy "$TMP/attr.json" &&
		expect_in "$ERR" "unknown attribute"
	# a debug TD
	run 1 verify-report --quote "$T/trustee/tdx_quote_4.dat" --no-collateral --at-time "$NOW" --json && fails_only debug
	run 0 verify-report --quote "$T/trustee/tdx_quote_4.dat" --no-collateral --at-time "$NOW" --allow-debug
}

tdx_combos() {
	local G=$T/go-tdx-guest q=$T/go-tdx-guest/tdx_prod_quote_SPR_E4.dat
	local spr
	spr=(--tcb-info "$G/sample_tcbInfo_response" --qe-identity "$G/sample_qeIdentity_response"
		--tcb-signing-chain "$G/tcbinfo_issuer_chain.pem" --pck-crl "$G/pckcrl" --root-crl "$G/rootcrl.der")
	# the PCK has expired by 2053
	run 1 verify-report --quote "$q" --no-collateral --at-time 2053-07-01T00:00:00Z --json &&
		fails_only pck_chain &&
		expect_in "$OUT" "certificate has expired"
	# the 2023 collateral, now: the TCB Signing certificate has expired, so nothing in the
	# documents it signs is read (no validity, QE or TCB status from them), and the CRLs
	# are stale
	run 1 verify-report --quote "$q" "${spr[@]}" --at-time "$NOW" --json &&
		fails_only tcb_info_signature qe_identity_signature pck_crl root_crl &&
		[ "$(jq -r 'has("tcb_status")' "$OUT")" = false ] || fail "a TCB status from unverified TCB Info"
	# the same collateral in its time: every document verifies, the level is NotSupported
	run 1 verify-report --quote "$q" "${spr[@]}" --at-time 2023-07-01T01:00:00Z --json &&
		fails_only tcb_status && [ "$(jq -r .tcb_status "$OUT")" = NotSupported ] ||
		fail "tcb_status $(jq -r .tcb_status "$OUT")"
	# another platform's TCB Info
	run 1 verify-report --quote "$T/trustee/tdx_quote_6.dat" --tcb-info "$G/sample_tcbInfo_response" \
		--tcb-signing-chain "$T/phala-dcap-qvl/uptodate_tcb_signing_chain.pem" \
		--at-time 2025-11-01T00:00:00Z --accept-tcb-status NotSupported,OutOfDate --json &&
		fails_only fmspc tcb_info_validity tdx_module qe_identity_signature pck_crl &&
		expect_in "$OUT" "the PCK's FMSPC 00a06d080000 is not the TCB Info's 50806f000000"
	# the CRLs are checked against the right issuers: swapped, both fail
	run 1 verify-report --quote "$q" --tcb-info "$G/sample_tcbInfo_response" \
		--qe-identity "$G/sample_qeIdentity_response" \
		--tcb-signing-chain "$G/tcbinfo_issuer_chain.pem" --pck-crl "$G/rootcrl.der" \
		--root-crl "$G/pckcrl" --at-time 2023-07-01T01:00:00Z --accept-tcb-status NotSupported --json &&
		fails_only pck_crl root_crl
}

# Verdicts that mean what they say (issue 15): collateral is required for a valid
# TDX verdict; signatures only is --no-collateral, and the output says what was
# not evaluated; nothing from a document whose signature fails is reported.
tdx_verdicts() {
	local P=$T/phala-dcap-qvl q=$T/phala-dcap-qvl/tdx_quote at=2025-07-01T00:00:00Z
	local split
	split=(--tcb-info "$P/uptodate_tcb_info.json" --tcb-info-signature "$P/uptodate_tcb_info.sig.hex"
		--tcb-signing-chain "$P/uptodate_tcb_signing_chain.pem")
	# no collateral at all, or only part of it: INVALID, naming what is missing
	run 1 verify-report --quote "$q" --at-time "$at" --json &&
		fails_only tcb_info_signature qe_identity_signature pck_crl &&
		expect_in "$OUT" "no TCB Info was given"
	run 1 verify-report --quote "$q" --at-time "$at" "${split[@]}" --json &&
		fails_only qe_identity_signature pck_crl
	run 1 verify-report --quote "$q" --at-time "$at" "${split[@]}" \
		--qe-identity "$P/uptodate_qe_identity.json" \
		--qe-identity-signature "$P/uptodate_qe_identity.sig.hex" --json && fails_only pck_crl
	run 0 verify-report --quote "$q" --at-time "$at" "${split[@]}" \
		--qe-identity "$P/uptodate_qe_identity.json" \
		--qe-identity-signature "$P/uptodate_qe_identity.sig.hex" --pck-crl "$P/uptodate_pck_crl.der" --json &&
		[ "$(jq -c .not_evaluated "$OUT")" = "[]" ] || fail "not_evaluated: $(jq -c .not_evaluated "$OUT")"
	# signatures only, said in text and JSON
	run 0 verify-report --quote "$q" --at-time "$at" --no-collateral --json &&
		[ "$(jq -c .not_evaluated "$OUT")" = '["tcb_status","qe_identity","revocation"]' ] ||
		fail "not_evaluated: $(jq -c .not_evaluated "$OUT")"
	[ "$(jq -r 'has("tcb_status")' "$OUT")" = false ] || fail "a TCB status without TCB Info"
	run 0 verify-report --quote "$q" --at-time "$at" --no-collateral &&
		expect_in "$OUT" "not evaluated: TCB status, QE identity, revocation (--no-collateral: signatures only)"
	run 2 verify-report --quote "$q" --no-collateral --collateral "$P/tdx_quote_collateral.json" &&
		expect_in "$ERR" "--no-collateral verifies signatures only: --collateral needs the collateral"
	run 2 verify-report --quote "$q" --no-collateral --accept-tcb-status UpToDate &&
		expect_in "$ERR" "--accept-tcb-status needs the collateral"
	# a policy naming TCB statuses needs a verified TCB Info: never ignored
	echo '{"tdx": {"accept_tcb_status": ["UpToDate"]}}' >"$TMP/tcb-policy.json"
	run 1 verify-report --quote "$q" --at-time "$at" --no-collateral --policy "$TMP/tcb-policy.json" \
		--json && fails_only tcb_status
	run 0 verify-report --quote "$q" --at-time "$at" --collateral "$P/tdx_quote_collateral.json" \
		--policy "$TMP/tcb-policy.json"
	# a tampered TCB Info whose tcbDate clears the screen: its signature fails, nothing
	# in it is printed, no control character reaches the terminal
	jq '.tcb_info |= sub("2024-03-13T00:00:00Z"; "2024-03-13T00:00:00Z\u001b[2J")' \
		"$P/tdx_quote_collateral.json" >"$TMP/tampered.json"
	grep -q '2J' "$TMP/tampered.json" || fail "the tampered collateral is unchanged"
	run 1 verify-report --quote "$q" --at-time "$at" --collateral "$TMP/tampered.json" --json &&
		fails_only tcb_info_signature &&
		[ "$(jq -r 'has("tcb_status") or has("tcb_date")' "$OUT")" = false ] ||
		fail "a TCB status from a TCB Info whose signature failed"
	run 1 verify-report --quote "$q" --at-time "$at" --collateral "$TMP/tampered.json"
	grep -q "tcb_status" "$OUT" && fail "tcb_status printed beside an INVALID verdict"
	# a name with ESC[2J in it reaches the output escaped
	cp "$P/tdx_quote_collateral.json" "$TMP/$(printf 'c\033[2J').json"
	run 0 verify-report --quote "$q" --at-time "$at" --collateral "$TMP/$(printf 'c\033[2J').json" &&
		expect_in "$OUT" 'c\x1b[2J.json'
	run 1 verify-report --quote "$q" --at-time "$at" --collateral "$TMP/$(printf 'c\033[2J').json" \
		--expect-mrtd "$(printf '%096d' 0)"
	expect_in "$OUT" 'c\x1b[2J.json'
	if LC_ALL=C grep -q "$(printf '\033')" "$OUT" "$ERR"; then fail "an ESC byte reached the terminal"; fi
	# SNP: revocation is checked only with a CRL; said when not, and a policy can require it
	run 0 verify-report "${MILAN[@]}" --at-time "$NOW" --json &&
		[ "$(jq -c .not_evaluated "$OUT")" = '["revocation"]' ] || fail "SNP not_evaluated: $(jq -c .not_evaluated "$OUT")"
	run 0 verify-report "${MILAN[@]}" --at-time "$NOW" &&
		expect_in "$OUT" "not evaluated: revocation (no --crl)"
	run 1 verify-report "${MILAN[@]}" --at-time "$NOW" --require-crl --json && fails_only crl
	# an extended report whose table carries a VCEK (another chip's) before the VLEK that
	# signed it: the report's SIGNING_KEY (1, VLEK) picks the certificate
	openssl x509 -in "$S/ms-tav/milan_vcek.pem" -outform DER -out "$TMP/vcek.der"
	python3 - "$S/trustee/test-vlek-report.bin" "$TMP/vcek.der" "$S/trustee/test-vlek.der" \
		"$TMP/ext.bin" <<-'PY'
	import struct, sys, uuid
	rep = open(sys.argv[1], "rb").read()[:1184]
	vcek, vlek = open(sys.argv[2], "rb").read(), open(sys.argv[3], "rb").read()
	head = 3 * 24
	ent = lambda g, off, n: uuid.UUID(g).bytes_le + struct.pack("<II", off, n)
	table = (ent("63da758d-e664-4564-adc5-f4b93be8accd", head, len(vcek)) +
	         ent("a8074bc2-a25a-483e-aae6-39c045a0b8a1", head + len(vcek), len(vlek)) +
	         bytes(24) + vcek + vlek)
	open(sys.argv[4], "wb").write(rep + table)
	PY
	run 0 verify-report --report "$TMP/ext.bin" --at-time 2025-06-01T00:00:00Z --json &&
		[ "$(jq -r .signer "$OUT")" = vlek ] || fail "signer $(jq -r .signer "$OUT")"
	# the cloud provider of a VLEK (its csp_id, independent: openssl's text of the extension)
	csp=$(openssl x509 -inform DER -in "$S/trustee/test-vlek.der" -text -noout |
		grep -A1 '1.3.6.1.4.1.3704.1.5' | tail -1 | sed 's/^ *//; s/^\.*//')
	case "$csp" in *amazonaws.com*) ;; *) fail "openssl shows no CSP id: '$csp'" ;; esac
	jq -n '{snp: {vlek_csp_ids: ["CN=cc-us-east-2.amazonaws.com"]}}' >"$TMP/csp.json"
	run 0 verify-report "${VLEK[@]}" --at-time 2025-06-01T00:00:00Z --policy "$TMP/csp.json" --json &&
		expect_in "$OUT" "the VLEK's CSP id 'CN=cc-us-east-2.amazonaws.com' is accepted"
	jq -n '{snp: {vlek_csp_ids: ["CN=cc.example.com"]}}' >"$TMP/csp.json"
	run 1 verify-report "${VLEK[@]}" --at-time 2025-06-01T00:00:00Z --policy "$TMP/csp.json" --json &&
		fails_only vlek_csp_id
	run 1 verify-report "${MILAN[@]}" --at-time "$NOW" --policy "$TMP/csp.json" --json &&
		fails_only vlek_csp_id
	# the same from the command line: openssl's CSP id passes, another fails, and the
	# option replaces the file's list
	run 0 verify-report "${VLEK[@]}" --at-time 2025-06-01T00:00:00Z --vlek-csp-id "$csp" \
		--json && expect_in "$OUT" "the VLEK's CSP id '$csp' is accepted" &&
		[ "$(jq -r '.checks[] | select(.name == "vlek_csp_id") | .ok' "$OUT")" = true ] ||
		fail "--vlek-csp-id '$csp': no passing vlek_csp_id check"
	run 0 verify-report "${VLEK[@]}" --at-time 2025-06-01T00:00:00Z --vlek-csp-id cc.example.com \
		--vlek-csp-id "$csp" --policy "$TMP/csp.json" --json
	run 1 verify-report "${VLEK[@]}" --at-time 2025-06-01T00:00:00Z \
		--vlek-csp-id "${csp%.com}.org" --json && fails_only vlek_csp_id &&
		expect_in "$OUT" "the VLEK's CSP id '$csp' is not accepted"
	run 1 verify-report "${MILAN[@]}" --at-time "$NOW" --vlek-csp-id "$csp" --json &&
		fails_only vlek_csp_id && expect_in "$OUT" "the report is not VLEK-signed"
	echo '{"snp": {"require_crl": true}}' >"$TMP/crl-policy.json"
	run 1 verify-report "${MILAN[@]}" --at-time "$NOW" --policy "$TMP/crl-policy.json" --json &&
		fails_only crl
}

policy_file() {
	local p=$TMP/policy.json
	# the default policy file changes nothing
	run 0 verify-report "${MILAN[@]}" --at-time "$NOW" --json
	cp "$OUT" "$TMP/default.json"
	run 0 verify-report "${MILAN[@]}" --at-time "$NOW" --json \
		--policy "$CVMIMG_SOURCE_DIR/policies/verify-report-default.json"
	cmp -s "$OUT" "$TMP/default.json" || fail "the default policy file changes the result"
	# values from a file, and the command line over them
	jq -n --arg m "$(mval snp-milan-v3-mstav .measurement)" \
		'{snp: {measurements: [$m], vmpl: 0, min_guest_svn: 2,
		        min_tcb: {bootloader: 4, tee: 0, snp: 24, microcode: 219}},
		  tdx: {accept_tcb_status: ["UpToDate", "OutOfDate"]}}' >"$p"
	run 0 verify-report "${MILAN[@]}" --at-time "$NOW" --policy "$p"
	run 1 verify-report "${TURIN[@]}" --at-time "$NOW" --policy "$p" --json &&
		fails_only measurement min_tcb
	run 0 verify-report "${TURIN[@]}" --at-time "$NOW" --policy "$p" \
		--expect-measurement "$(mval snp-turin-v5-mstav .measurement)" --min-tcb bl=0,tee=0,snp=0,ucode=0
	# TDX from the file: OutOfDate accepted (trustee ships no PCK CRL: that check alone fails)
	run 1 verify-report --quote "$T/trustee/tdx_quote_6.dat" --tcb-info "$T/trustee/tcbInfo.json" \
		--qe-identity "$T/trustee/enclaveIdentity.json" \
		--tcb-signing-chain "$T/phala-dcap-qvl/uptodate_tcb_signing_chain.pem" \
		--at-time 2025-11-01T00:00:00Z --policy "$p" --json && fails_only pck_crl &&
		[ "$(detail_of tcb_status)" = "TCB status OutOfDate, TCB level of 2018-01-04T00:00:00Z is accepted" ] ||
		fail "tcb_status: $(detail_of tcb_status)"
}

snp_combos
wrong_product
forged_chain
crl
snp_policy
tdx_policy
tdx_combos
tdx_verdicts
policy_file
finish
