# cvmimg verify-report refuses malformed input with exit 3 and one line naming
# the file and the problem, and bad command lines with exit 2; stdout stays
# empty and nothing crashes (this also runs under ASan+UBSan).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tools/sanitized.sh"
need_vectors
A=$VEC/attest
S=$A/snp
Q=$A/tdx/go-tdx-guest/tdx_prod_quote_SPR_E4.dat
R=$S/ms-tav/milan_attestation_report.bin
VCEK=$S/ms-tav/milan_vcek.pem
NOW=2026-11-26T00:00:00Z
TOOLS=$(dirname "$0")/tools

# run <exit 3> and require one line on stderr with the phrase, nothing on stdout
bad() {
	local phrase=$1
	shift
	run 3 verify-report "$@" && expect_in "$ERR" "$phrase"
	expect_empty "$OUT"
	[ "$(wc -l <"$ERR")" = 1 ] || fail "error is not one line: $(cat "$ERR")"
}

usage() {
	local phrase=$1
	shift
	run 2 verify-report "$@" && expect_in "$ERR" "$phrase"
	expect_empty "$OUT"
}

# byte-level copies: cut FILE N OUT (first N bytes), put FILE OFF HEX OUT
cut_to() { head -c "$2" "$1" >"$3"; }
put() {
	cp "$1" "$4"
	printf "$(sed 's/../\\x&/g' <<<"$3")" | dd of="$4" bs=1 seek=$(($2)) conv=notrunc status=none
}

snp_reports() {
	: >"$TMP/empty"
	bad "'$TMP/empty' is empty" --report "$TMP/empty" --vcek "$VCEK"
	cut_to "$R" 1183 "$TMP/short"
	bad "'$TMP/short' is 1183 bytes, an SNP report is 1184 bytes" --report "$TMP/short" --vcek "$VCEK"
	cat "$R" >"$TMP/long" && printf 'x' >>"$TMP/long"
	bad "has no terminating entry" --report "$TMP/long" --vcek "$VCEK"
	xxd -p "$R" | tr -d '\n' | head -c 2367 >"$TMP/odd.hex"
	bad "has an odd number of hex digits (2367)" --report "$TMP/odd.hex" --vcek "$VCEK"
	(xxd -p "$R" | tr -d '\n'; echo " zz") >"$TMP/junk.hex"
	bad "is not hex text" --report "$TMP/junk.hex" --report-format hex --vcek "$VCEK"
	truncate -s 2M "$TMP/huge"
	bad "'$TMP/huge' is too large" --report "$TMP/huge" --vcek "$VCEK"
	bad "cannot open '$TMP/missing': No such file or directory" --report "$TMP/missing" --vcek "$VCEK"
	bad "is a directory" --report "$TMP" --vcek "$VCEK"
	# without a certificate and without a table
	bad "no VCEK or VLEK: none given and '$R' carries no certificate table" --report "$R"
}

snp_versions() {
	# versions 0, 1 and 6: refused before any version-dependent field is read
	for v in 00 01 06; do
		put "$R" 0 "${v}000000" "$TMP/v$v.bin"
		run 1 verify-report --report "$TMP/v$v.bin" --vcek "$VCEK" --at-time "$NOW" --json &&
			expect_in "$OUT" "unsupported report version $((10#$v))"
		jq -e 'keys == ["checks", "not_evaluated", "tee", "valid", "version"]' "$OUT" >/dev/null ||
			fail "v$v: fields printed for an unsupported version"
	done
}

certificates() {
	head -c 600 /dev/urandom >"$TMP/random.der"
	bad "'$TMP/random.der' is not a PEM or DER X.509 certificate" --report "$R" --vcek "$TMP/random.der"
	sed '5s/./#/g' "$VCEK" >"$TMP/broken.pem"
	bad "certificate 1 in '$TMP/broken.pem' does not parse" --report "$R" --vcek "$TMP/broken.pem"
	cat "$VCEK" "$VCEK" >"$TMP/two.pem"
	bad "'$TMP/two.pem' holds 2 certificates, expected one" --report "$R" --vcek "$TMP/two.pem"
	bad "'$TMP/random.der' is not a PEM or DER X.509 certificate" --report "$R" --vcek "$VCEK" \
		--chain "$TMP/random.der"
	bad "is not a PEM or DER X.509 certificate" --report "$R" --vcek "$VCEK" --ark "$TMP/random.der"
	bad "'$TMP/random.der' is not a DER, PEM or hex X.509 CRL" --report "$R" --vcek "$VCEK" \
		--crl "$TMP/random.der"
	# a DER certificate with bytes after it
	cat "$S/trustee/test-vcek.der" "$TMP/random.der" >"$TMP/trailing.der"
	bad "is not a PEM or DER X.509 certificate" --report "$S/trustee/test-report.bin" --vcek "$TMP/trailing.der"
}

extended_report() {
	openssl x509 -in "$VCEK" -outform DER -out "$TMP/vcek.der"
	openssl x509 -in "$S/ms-tav/milan_ask.pem" -outform DER -out "$TMP/ask.der"
	openssl x509 -in "$S/ms-tav/milan_ark.pem" -outform DER -out "$TMP/ark.der"
	python3 "$TOOLS/snp-extend.py" "$R" "$TMP/ext.bin" vcek="$TMP/vcek.der" ask="$TMP/ask.der" \
		ark="$TMP/ark.der" || { fail "cannot build an extended report"; return; }
	# the certificates come from the table
	run 0 verify-report --report "$TMP/ext.bin" --at-time "$NOW"
	python3 "$TOOLS/snp-extend.py" "$R" "$TMP/ext-bad.bin" vcek="$TMP/vcek.der" --bad-offset
	bad "certificate table entry 0 in '$TMP/ext-bad.bin' points outside the table" \
		--report "$TMP/ext-bad.bin"
	python3 "$TOOLS/snp-extend.py" "$R" "$TMP/ext-junk.bin" vcek="$TMP/ask.der" vcek="$TMP/random.der"
	bad "'$TMP/ext-junk.bin' is not a PEM or DER X.509 certificate" --report "$TMP/ext-junk.bin"
}

quotes() {
	local size
	size=$(stat -c %s "$Q")
	# cut anywhere in the header, body, signature, QE report, chain
	for n in 1 47 48 100 0x278 0x27c 0x2bc 0x302 0x482 0x4c4 0x4e6 0x4ea 2000 $((size - 39 - 1)); do
		cut_to "$Q" $((n)) "$TMP/q$n"
		bad "'$TMP/q$n' is truncated" --quote "$TMP/q$n"
	done
	: >"$TMP/qempty"
	bad "'$TMP/qempty' is empty" --quote "$TMP/qempty"
	# sizes that do not add up
	put "$Q" 0x278 ffff0000 "$TMP/qsig"
	bad "'$TMP/qsig': signature data size is 65535, its parts add up to 4299" --quote "$TMP/qsig"
	put "$Q" 0x2fc 0500 "$TMP/qtype"
	bad "certification data type 5, expected 6 (QE report)" --quote "$TMP/qtype"
	put "$Q" 0x2fe 00000100 "$TMP/qcert"
	bad "'$TMP/qcert': certification data size is 65536, its parts add up to 4165" --quote "$TMP/qcert"
	put "$Q" 0x4c2 ffff "$TMP/qauth"
	bad "'$TMP/qauth' is truncated: the QE authentication data needs 65535 bytes" --quote "$TMP/qauth"
	put "$Q" 0x4e4 0600 "$TMP/qinner"
	bad "PCK certification data type 6, expected 5 (PEM chain)" --quote "$TMP/qinner"
	# a damaged PEM chain
	put "$Q" 0x600 2a2a2a2a2a2a2a2a "$TMP/qpem"
	bad "in '$TMP/qpem' does not parse" --quote "$TMP/qpem"
	truncate -s 2M "$TMP/qhuge"
	bad "'$TMP/qhuge' is too large" --quote "$TMP/qhuge"
}

collateral() {
	local G=$A/tdx/go-tdx-guest
	local chain=(--tcb-signing-chain "$G/tcbinfo_issuer_chain.pem")
	echo '{"tcbInfo": {' >"$TMP/bad.json"
	bad "'$TMP/bad.json' is not valid JSON" --quote "$Q" --tcb-info "$TMP/bad.json" "${chain[@]}"
	jq -c '.tcbInfo | del(.fmspc)' "$G/sample_tcbInfo_response" >"$TMP/nofmspc.json"
	echo "$(printf '%0128d' 0)" >"$TMP/zero.sig"
	bad "'$TMP/nofmspc.json': tcbInfo.fmspc: missing" --quote "$Q" --tcb-info "$TMP/nofmspc.json" \
		--tcb-info-signature "$TMP/zero.sig" "${chain[@]}"
	jq -c '.tcbInfo | .id = "SGX"' "$G/sample_tcbInfo_response" >"$TMP/sgx.json"
	bad "tcbInfo.id: expected \"TDX\"" --quote "$Q" --tcb-info "$TMP/sgx.json" \
		--tcb-info-signature "$TMP/zero.sig" "${chain[@]}"
	jq -c '.tcbInfo' "$G/sample_tcbInfo_response" >"$TMP/bare.json"
	bad "has no \"tcbInfo\" member and no separate signature was given" --quote "$Q" \
		--tcb-info "$TMP/bare.json" "${chain[@]}"
	echo abc >"$TMP/short.sig"
	bad "'$TMP/short.sig': the signature is not 64 bytes in hex" --quote "$Q" \
		--tcb-info "$TMP/bare.json" --tcb-info-signature "$TMP/short.sig" "${chain[@]}"
	printf '{"tcb_info": "{}"}' >"$TMP/v3.json"
	bad "has \"tcb_info\" without \"tcb_info_signature\"" --quote "$Q" --collateral "$TMP/v3.json"
	bad "is not a DER, PEM or hex X.509 CRL" --quote "$Q" --pck-crl "$TMP/bad.json"
	printf '\0{}' >"$TMP/nul.json"
	bad "is not valid JSON: a NUL byte" --quote "$Q" --collateral "$TMP/nul.json"
}

policies() {
	printf '{"snp": {"measurement": []}}' >"$TMP/p1.json"
	bad "'$TMP/p1.json': snp.measurement: unknown key" --report "$R" --vcek "$VCEK" --policy "$TMP/p1.json"
	printf '{"snp": {"host_data": "abcd"}}' >"$TMP/p2.json"
	bad "snp.host_data: expected 32 bytes in hex, or null" --report "$R" --vcek "$VCEK" --policy "$TMP/p2.json"
	printf '{"tdx": {"accept_tcb_status": ["Great"]}}' >"$TMP/p3.json"
	bad "tdx.accept_tcb_status: unknown TCB status" --quote "$Q" --policy "$TMP/p3.json"
	printf '{"snp": {"vmpl": 4}}' >"$TMP/p4.json"
	bad "snp.vmpl: expected an integer from 0 to 3" --report "$R" --vcek "$VCEK" --policy "$TMP/p4.json"
	printf '[1] x' >"$TMP/p5.json"
	bad "'$TMP/p5.json': unexpected data after the JSON value" --report "$R" --vcek "$VCEK" \
		--policy "$TMP/p5.json"
	printf '{"snp": [' >"$TMP/p8.json"
	bad "'$TMP/p8.json' is not valid JSON: unexpected end" --report "$R" --vcek "$VCEK" \
		--policy "$TMP/p8.json"
	printf '{"sev": {}}' >"$TMP/p6.json"
	bad "unknown key 'sev' (expected snp, tdx)" --report "$R" --vcek "$VCEK" --policy "$TMP/p6.json"
	printf '{"snp": {"min_tcb": {"bootloader": 1}}}' >"$TMP/p7.json"
	bad "bootloader, tee, snp and microcode are all required" --report "$R" --vcek "$VCEK" \
		--policy "$TMP/p7.json"
}

command_lines() {
	usage "give one of --report (SEV-SNP) or --quote (TDX)"
	usage "give one of --report" --report "$R" --quote "$Q"
	usage "give --vcek or --vlek, not both" --report "$R" --vcek "$VCEK" --vlek "$VCEK"
	usage "--vcek is for SNP reports, not TDX quotes" --quote "$Q" --vcek "$VCEK"
	usage "--expect-mrtd is for TDX quotes, not SNP reports" --report "$R" \
		--expect-mrtd "$(printf '%096d' 0)"
	usage "--collateral is for TDX quotes" --report "$R" --collateral "$R"
	usage "--vlek-csp-id is for SNP reports, not TDX quotes" --quote "$Q" --vlek-csp-id x
	usage "--vlek-csp-id needs 1 to 127 bytes" --report "$R" --vlek-csp-id ""
	usage "--vlek-csp-id needs 1 to 127 bytes" --report "$R" --vlek-csp-id "$(printf '%0128d' 0)"
	usage "--at-time needs an RFC 3339 time" --report "$R" --at-time 2025-02-30T00:00:00Z
	usage "--at-time needs an RFC 3339 time" --report "$R" --at-time yesterday
	usage "--min-tcb takes bootloader=N" --report "$R" --min-tcb bl=1,tee=0,snp=1,ucode=256
	usage "--min-tcb needs bootloader, tee, snp and microcode" --report "$R" --min-tcb bl=1
	usage "unknown product 'rome'" --report "$R" --product rome
	usage "--report-format is bin, hex or auto" --report "$R" --report-format base64
	usage "--expect-measurement needs 48 bytes in hex" --report "$R" --expect-measurement abcd
	usage "--report-data needs 64 bytes in hex" --quote "$Q" --report-data 00
	usage "--vmpl must be between 0 and 3" --report "$R" --vmpl 4
	usage "unknown TCB status 'Fine'" --quote "$Q" --accept-tcb-status UpToDate,Fine
	usage "--tcb-info and --qe-identity need --tcb-signing-chain" --quote "$Q" --tcb-info "$R"
	usage "--qe-identity-signature needs --qe-identity" --quote "$Q" --qe-identity-signature "$R"
	usage "unexpected argument 'extra'" --report "$R" extra
	usage "unknown option '--nope'" --report "$R" --nope
}

snp_reports
snp_versions
certificates
extended_report
quotes
collateral
policies
command_lines
finish
