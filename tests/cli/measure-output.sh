# cvmimg measure's outputs, each checked against an independent reference:
# sha256sum, base64, openssl (HMAC, ECDSA verify) and the published vectors.
. "$(dirname "$0")/lib.sh"
need_vectors
command -v jq >/dev/null || { echo "SKIP: jq missing"; exit 77; }
S=$VEC/snp
A=$S/ovmf_AmdSev_suffix.bin
K=$S/synthetic/synthetic_kernel.bin
I=$S/synthetic/synthetic_initrd.bin
sha() { sha256sum "$1" | cut -d' ' -f1; }

# --json: the digest of the text output and the inputs' hashes as sha256sum sees them
run 0 measure --tee snp --vcpus 2 --vcpu-type EPYC-Milan --ovmf "$A" --kernel "$K" --initrd "$I" \
	--append "console=ttyS0" && text=$(cat "$OUT")
run 0 measure --tee snp --vcpus 2 --vcpu-type EPYC-Milan --ovmf "$A" --kernel "$K" --initrd "$I" \
	--append "console=ttyS0" --json && cp "$OUT" "$TMP/m.json"
j() { jq -r "$1" "$TMP/m.json"; }
[ "$(j .tee)" = snp ] || fail "json tee: $(j .tee)"
[ "$(j .measurement)" = "$text" ] || fail "json measurement differs from the text output"
[ "$(j .inputs.ovmf_sha256)" = "$(sha "$A")" ] || fail "ovmf_sha256"
[ "$(j .inputs.kernel_sha256)" = "$(sha "$K")" ] || fail "kernel_sha256"
[ "$(j .inputs.initrd_sha256)" = "$(sha "$I")" ] || fail "initrd_sha256"
[ "$(j .inputs.cmdline_sha256)" = "$(printf 'console=ttyS0\0' | sha256sum | cut -d' ' -f1)" ] ||
	fail "cmdline_sha256 is not SHA-256 of the cmdline and its NUL"
[ "$(j .inputs.vcpu_sig)" = 0xa00f11 ] || fail "vcpu_sig $(j .inputs.vcpu_sig)"
[ "$(j .inputs.vcpus)" = 2 ] && [ "$(j .inputs.guest_features)" = 0x1 ] && [ "$(j .inputs.vmm)" = qemu ] ||
	fail "vcpus/guest_features/vmm"

# --output-format base64 is the same bytes
run 0 measure --tee snp --vcpus 2 --vcpu-type EPYC-Milan --ovmf "$A" --kernel "$K" --initrd "$I" \
	--append "console=ttyS0" --output-format base64 &&
	[ "$(cat "$OUT")" = "$(printf %s "$text" | xxd -r -p | base64 -w0)" ] || fail "base64 output"

# the three ways to give the vCPU signature agree (VECTORS.md B5: EPYC-Milan = 25/1/1 = 0xa00f11)
for how in "--vcpu-family 25 --vcpu-model 1 --vcpu-stepping 1" "--vcpu-sig 0xa00f11" \
	"--vcpu-sig 10489617" "--vcpu-type epyc-milan --vcpu-sig 0xa00f11"; do
	# shellcheck disable=SC2086
	run 0 measure --tee snp --vcpus 2 $how --ovmf "$A" --kernel "$K" --initrd "$I" \
		--append "console=ttyS0" && [ "$(cat "$OUT")" = "$text" ] || fail "signature via '$how'"
done

# sev-snp-measure's spellings of the mode
run 0 measure --tee sev-es --vcpus 1 --vcpu-type EPYC-v4 --ovmf "$A" && want=$(cat "$OUT")
for mode in seves SEV-ES SeVeS; do
	run 0 measure --mode "$mode" --vcpus 1 --vcpu-type EPYC-v4 --ovmf "$A" &&
		[ "$(cat "$OUT")" = "$want" ] || fail "--mode $mode"
done

# --dump-vmsa: the pages' SHA-256 as in VECTORS.md table C2 (QEMU, SEV-ES)
vmsa_sha256() { grep -F "| QEMU | 0x0 (SEV-ES) | $1 |" "$S/VECTORS.md" | awk -F'|' '{gsub(/ /, "", $6); print $6}'; }
mkdir "$TMP/vmsa"
run 0 measure --tee sev-es --vcpus 3 --vcpu-type EPYC-v4 --ovmf "$A" --dump-vmsa "$TMP/vmsa"
[ "$(ls "$TMP/vmsa")" = "$(printf 'vmsa0.bin\nvmsa1.bin\nvmsa2.bin')" ] || fail "vmsa files: $(ls "$TMP/vmsa")"
[ -n "$(vmsa_sha256 BSP)" ] && [ "$(sha "$TMP/vmsa/vmsa0.bin")" = "$(vmsa_sha256 BSP)" ] || fail "vmsa0.bin"
[ "$(sha "$TMP/vmsa/vmsa2.bin")" = "$(vmsa_sha256 AP)" ] || fail "vmsa2.bin"

# SEV LAUNCH_MEASURE = HMAC-SHA256(TIK, 04 || major || minor || build || policy LE32 || LD || MNONCE),
# recomputed with openssl from the digest
head -c 32 /dev/urandom >"$TMP/tk.bin"
tik=$(tail -c 16 "$TMP/tk.bin" | xxd -p)
nonce=00112233445566778899aabbccddeeff
run 0 measure --tee sev --ovmf "$A" && ld=$(cat "$OUT")
run 0 measure --tee sev --ovmf "$A" --tik "$TMP/tk.bin" --mnonce $nonce --api-major 1 --api-minor 55 \
	--build 21 --policy 0x3 --json
want=$(printf '%s' "04" "01" "37" "15" "03000000" "$ld" "$nonce" | xxd -r -p |
	openssl dgst -sha256 -mac HMAC -macopt hexkey:"$tik" -r | cut -d' ' -f1)
[ "$(jq -r .launch_measure "$OUT")" = "$want" ] || fail "launch_measure differs from openssl's HMAC"
[ "$(jq -r .launch_measure_qemu "$OUT")" = "$(printf %s%s "$want" $nonce | xxd -r -p | base64 -w0)" ] ||
	fail "launch_measure_qemu"
grep -q "$tik" "$OUT" "$ERR" && fail "the TIK appears in the output"
tail -c 16 "$TMP/tk.bin" >"$TMP/tik16.bin"
run 0 measure --tee sev --ovmf "$A" --tik "$TMP/tik16.bin" --mnonce $nonce --api-major 1 \
	--api-minor 55 --build 21 --policy 0x3 && expect_in "$OUT" "launch-measure: $want"
head -c 20 /dev/urandom >"$TMP/tik20.bin"
run 3 measure --tee sev --ovmf "$A" --tik "$TMP/tik20.bin" --mnonce $nonce --api-major 1 \
	--api-minor 55 --build 21 --policy 0x3 && expect_in "$ERR" "must hold 16 bytes"

# ID block: key digests as published (VECTORS.md B5), layout, and signatures openssl accepts
IDK=$S/keyfile/id_key_test.pem
AUK=$S/keyfile/author_key_test.pem
run 0 measure --tee snp --vcpus 1 --vcpu-type EPYC-v4 --ovmf "$A" --id-key "$IDK" --author-key "$AUK"
ld=$(head -n1 "$OUT")
field() { sed -n "s/^$1: //p" "$OUT"; }
[ "$(field id-key-digest)" = "hwt+NcU/inLQ0yL3WrKvgmJ5Kq9leWIs5BMcPyHyied8sFYKXjuQs5MuZ07HCcsU" ] ||
	fail "id-key-digest $(field id-key-digest)"
[ "$(field author-key-digest)" = "YxEcNLv8Ckk4+aAJvQdJgNgXIyPmFZnJ/TNtqGcySOHcqY0L6PdjdqEGuK/UwKBX" ] ||
	fail "author-key-digest $(field author-key-digest)"
field id-block | base64 -d >"$TMP/idblock.bin"
field id-auth | base64 -d >"$TMP/idauth.bin"
[ "$(xxd -p -c 200 "$TMP/idblock.bin")" = "${ld}$(printf '%064d' 0)01000000000000000000030000000000" ] ||
	fail "id block layout: $(xxd -p -c 200 "$TMP/idblock.bin")"
[ "$(stat -c %s "$TMP/idauth.bin")" = 4096 ] || fail "id auth size"
# an SNP signature is r and s little-endian in 72-byte fields: turn it into DER for openssl
le72() { xxd -s "$1" -l 72 -p -c 72 "$TMP/idauth.bin" | fold -w2 | tac | tr -d '\n' | sed 's/^0*//'; }
verify_sig() { # offset of the signature, signer key, signed file
	printf 'asn1=SEQUENCE:sig\n[sig]\nr=INTEGER:0x%s\ns=INTEGER:0x%s\n' "$(le72 "$1")" \
		"$(le72 $(($1 + 72)))" >"$TMP/sig.cnf"
	openssl asn1parse -genconf "$TMP/sig.cnf" -out "$TMP/sig.der" >/dev/null &&
		openssl ec -in "$2" -pubout -out "$TMP/pub.pem" 2>/dev/null &&
		openssl dgst -sha384 -verify "$TMP/pub.pem" -signature "$TMP/sig.der" "$3" >/dev/null
}
verify_sig $((0x40)) "$IDK" "$TMP/idblock.bin" || fail "the ID block signature does not verify"
dd if="$TMP/idauth.bin" of="$TMP/idkey.bin" bs=1 skip=$((0x240)) count=1028 status=none
verify_sig $((0x680)) "$AUK" "$TMP/idkey.bin" || fail "the ID key signature does not verify"
[ "$(xxd -s $((0x240)) -l 4 -p "$TMP/idauth.bin")" = 02000000 ] || fail "curve id"
# a wrong key type is refused
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$TMP/p256.pem" 2>/dev/null
run 3 measure --tee snp --vcpus 1 --vcpu-type EPYC-v4 --ovmf "$A" --id-key "$TMP/p256.pem" \
	--author-key "$AUK" && expect_in "$ERR" "is not an EC P-384 private key"

# the dispatcher
run 0 help measure && cp "$OUT" "$TMP/help1"
run 0 measure --help && cmp -s "$OUT" "$TMP/help1" || fail "help measure differs from measure --help"
run 0 --version && expect_in "$OUT" "cvmimg 0."
run 2 && expect_in "$ERR" "Usage:"
run 2 nope && expect_in "$ERR" "'nope' is not a cvmimg command"
checks=$((checks + 1))
"$CVMIMG" measure --tee sev --ovmf "$A" >/dev/full 2>"$ERR"
[ $? = 4 ] && expect_in "$ERR" "cannot write to standard output" || fail "write error is not exit 4"
finish
