# cvmimg measure refuses bad input with a clear message and the documented
# exit code (2 usage, 3 bad input), never a crash (this also runs under ASan).
. "$(dirname "$0")/lib.sh"
need_vectors
A=$VEC/snp/ovmf_AmdSev_suffix.bin
MUTATE="python3 $(dirname "$0")/tools/mutate-ovmf.py"
SNP=(measure --tee snp --vcpus 2 --vcpu-type EPYC-v4)

# damaged firmware: mutation, expected phrase
while IFS='|' read -r mutation phrase; do
	$MUTATE "$A" "$TMP/$mutation.fd" "$mutation" || { fail "cannot mutate: $mutation"; continue; }
	run 3 "${SNP[@]}" --ovmf "$TMP/$mutation.fd" && expect_in "$ERR" "${phrase//<TMP>/$TMP}"
	expect_empty "$OUT"
	[ "$(wc -l <"$ERR")" = 1 ] || fail "$mutation: error is not one line"
done <<'CASES'
no-footer|no OVMF footer table in '<TMP>/no-footer.fd' (4096 bytes; found
footer-too-long|claims 65535 bytes, more than the
entry-size-small|has invalid size 4
entry-size-long|runs past the start of the table
metadata-outside|SEV metadata of '<TMP>/metadata-outside.fd' is outside the image
metadata-bad-signature|lacks the ASEV signature
metadata-too-many|claims 60 sections
section-overlap|sections 0 and 1 overlap
section-in-firmware|overlaps the firmware mapped below 4 GiB
section-unaligned|is not made of whole pages
section-unknown-type|section 2 (gpa 0x80d000) has unknown type 0x7
truncate|is 3996 bytes, not a whole number of 4 KiB pages
CASES

# sizes and files
: >"$TMP/empty.fd"
run 3 "${SNP[@]}" --ovmf "$TMP/empty.fd" && expect_in "$ERR" "is 0 bytes"
truncate -s 65M "$TMP/huge.fd"
run 3 "${SNP[@]}" --ovmf "$TMP/huge.fd" && expect_in "$ERR" "is too large"
run 3 "${SNP[@]}" --ovmf "$TMP/missing.fd" && expect_in "$ERR" "cannot open '$TMP/missing.fd': No such file or directory"
run 3 "${SNP[@]}" --ovmf "$TMP" && expect_in "$ERR" "is a directory"
run 3 "${SNP[@]}" --ovmf "$A" --kernel "$TMP/missing-kernel" &&
	expect_in "$ERR" "cannot open '$TMP/missing-kernel'"
if [ "$(id -u)" != 0 ]; then
	cp "$A" "$TMP/secret.fd" && chmod 000 "$TMP/secret.fd"
	run 3 "${SNP[@]}" --ovmf "$TMP/secret.fd" && expect_in "$ERR" "Permission denied"
fi

# usage errors
run 2 measure --tee snp --vcpus 0 --vcpu-type EPYC-v4 --ovmf "$A" &&
	expect_in "$ERR" "--vcpus must be between 1 and 1024, not '0'"
run 2 measure --tee snp --vcpus 100000 --vcpu-type EPYC-v4 --ovmf "$A" &&
	expect_in "$ERR" "between 1 and 1024"
run 2 measure --tee snp --vcpus two --vcpu-type EPYC-v4 --ovmf "$A" &&
	expect_in "$ERR" "--vcpus needs a number, not 'two'"
run 2 measure --tee snp --vcpus 1 --vcpu-type EPYC-v9 --ovmf "$A" && golden measure-unknown-vcpu
run 2 measure --tee tdx2 --ovmf "$A" && expect_in "$ERR" "unknown TEE 'tdx2'"
run 2 measure --tee snp --vcpus 1 --ovmf "$A" && expect_in "$ERR" "needs --vcpu-type"
run 2 measure --tee snp --vcpu-type EPYC-v4 --ovmf "$A" && expect_in "$ERR" "--vcpus is required"
run 2 measure --tee snp --vcpus 1 --vcpu-type EPYC-v4 && expect_in "$ERR" "--ovmf is required"
run 2 measure --ovmf "$A" && expect_in "$ERR" "--tee is required"
run 2 measure --tee sev --ovmf "$A" --initrd /dev/null && expect_in "$ERR" "need --kernel"
run 2 measure --tee sev --ovmf "$A" --snp-ovmf-hash 00 && expect_in "$ERR" "48 bytes in hex"
run 2 measure --tee sev --ovmf "$A" --snp-ovmf-hash "$(printf '%096d' 0)" &&
	expect_in "$ERR" "only for --tee snp"
run 2 measure --tee snp --vcpus 1 --vcpu-type EPYC-v4 --ovmf "$A" --vmsa-rdx 0 &&
	expect_in "$ERR" "--vmsa-rdx is for ec2 and gce"
run 2 measure --tee snp --vcpus 1 --vcpu-family 25 --ovmf "$A" && expect_in "$ERR" "go together"
run 2 measure --tee snp:svsm --vcpus 1 --vcpu-type EPYC-v4 --ovmf "$A" && expect_in "$ERR" "needs --svsm"
run 2 measure --tee sev --ovmf "$A" --dump-vmsa "$TMP" && expect_in "$ERR" "needs a TEE with VMSAs"
run 2 measure --tee sev --ovmf "$A" --tik /dev/null && expect_in "$ERR" "needs all of --tik"
run 2 measure --tee snp --vcpus 1 --vcpu-type EPYC-v4 --ovmf "$A" --id-key x.pem &&
	expect_in "$ERR" "an ID block needs --tee snp, --id-key and --author-key"
run 2 measure --bogus && golden measure-unknown-option
run 2 measure --tee && expect_in "$ERR" "option '--tee' needs an argument"
run 2 measure --tee sev --ovmf "$A" extra && expect_in "$ERR" "unexpected argument 'extra'"
run 3 measure --tee snp --vcpus 1 --vcpu-type EPYC-v4 --ovmf "$A" --dump-vmsa "$TMP/nodir" &&
	expect_in "$ERR" "is not a directory"
finish
