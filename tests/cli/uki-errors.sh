# cvmimg uki on bad input: every case a one-line error naming the file or the
# option, exit 2 (usage) or 3 (bad input), nothing on stdout, no output file.
. "$(dirname "$0")/lib.sh"
need_vectors
cd "$TMP"
STUB=$VEC/tdx/pe/linuxx64.efi.stub.debian-252.39
KERNEL=$VEC/tdx/pe/systemd-bootx64.efi.debian-252.39 # a stand-in x86-64 PE
echo "just text" >text
: >empty
head -c 100 /dev/urandom >initrd
openssl req -x509 -newkey rsa:2048 -nodes -keyout db.key -out db.crt -days 30 -subj /CN=db \
	2>/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -keyout other.key -out other.crt -days 30 \
	-subj /CN=other 2>/dev/null
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ec.key \
	-out ec.crt -days 30 -subj /CN=ec 2>/dev/null
openssl rsa -in db.key -pubout -out db.pub 2>/dev/null
openssl rsa -in other.key -pubout -out other.pub 2>/dev/null

# expect <exit> <stderr phrase> args...: the build fails cleanly
expect() {
	local code=$1 phrase=$2
	shift 2
	rm -f out.efi
	run "$code" uki --stub "$STUB" "$@" && {
		expect_empty "$OUT"
		expect_in "$ERR" "$phrase"
		[ "$(grep -c . "$ERR")" -le 2 ] || fail "more than a message and a hint: $(cat "$ERR")"
		[ ! -e out.efi ] || fail "out.efi was written"
		[ -z "$(ls | grep '\.tmp')" ] || fail "temporary file left: $(ls)"
	}
}
B=(--linux "$KERNEL" --cmdline console=ttyS0 -o out.efi)

# usage (2)
expect 2 "--linux is required" --initrd initrd -o out.efi
expect 2 "--output is required" --linux "$KERNEL"
expect 2 "unknown option '--frobnicate'" "${B[@]}" --frobnicate
expect 2 "--cmdline needs text or @FILE" --linux "$KERNEL" --cmdline "" -o out.efi
expect 2 "--cmdline is only whitespace" --linux "$KERNEL" --cmdline "   " -o out.efi
expect 2 "--pcr-private-key and --pcr-public-key go together" "${B[@]}" --pcr-private-key db.key
expect 2 "go together" "${B[@]}" --secureboot-certificate db.crt
expect 2 "--section needs NAME:FILE" "${B[@]}" --section .foo
expect 2 "--linux given twice" "${B[@]}" --linux "$KERNEL"
expect 2 "unexpected argument 'extra'" "${B[@]}" extra
SOURCE_DATE_EPOCH=yesterday expect 2 "SOURCE_DATE_EPOCH must be seconds" "${B[@]}"

# bad input (3)
STUB=text expect 3 "'text' is not a PE image" "${B[@]}"
STUB=$TMP/missing expect 3 \
	"'$TMP/missing' not found (Debian installs it with the package 'systemd-boot-efi')" "${B[@]}"
expect 3 "'text' is not a usable PE image: the kernel must be built with an EFI stub" \
	--linux text --cmdline x -o out.efi
expect 3 "'/bin/true' is not a usable PE image" --linux /bin/true -o out.efi
expect 3 "'empty' is empty" "${B[@]}" --initrd initrd --initrd empty
expect 3 "cannot open 'nothere': No such file or directory" "${B[@]}" --initrd nothere
expect 3 "'empty' is empty" "${B[@]}" --os-release empty
expect 3 "'empty' is empty" --linux "$KERNEL" --cmdline @empty -o out.efi
printf ' \n\n' >blank
expect 3 "'blank' is not a command line" --linux "$KERNEL" --cmdline @blank -o out.efi
expect 3 "section name '.waytoolong' must be '.' and 1 to 7 more characters" "${B[@]}" \
	--section .waytoolong:initrd
expect 3 "section name '.linux' is reserved" "${B[@]}" --section .linux:initrd
echo "foo,1,bar" >bad.sbat
expect 3 "bad.sbat: line 1 has fewer than 6 comma-separated fields" "${B[@]}" --sbat bad.sbat
truncate -s 5G huge
expect 3 "the parts add up to" "${B[@]}" --initrd huge
expect 3 "more than the 4 GiB a PE image can hold" "${B[@]}" --initrd huge
expect 3 "'other.crt' is not the certificate of 'db.key'" "${B[@]}" \
	--secureboot-private-key db.key --secureboot-certificate other.crt
expect 3 "'ec.key' is not an RSA key: UEFI Secure Boot verifies RSA signatures" "${B[@]}" \
	--secureboot-private-key ec.key --secureboot-certificate ec.crt
expect 3 "'text' is not a PEM or DER X.509 certificate" "${B[@]}" \
	--secureboot-private-key db.key --secureboot-certificate text
expect 3 "'other.pub' is not the public key of 'db.key'" "${B[@]}" \
	--pcr-private-key db.key --pcr-public-key other.pub
expect 3 "'ec.key' is not an RSA private key" "${B[@]}" \
	--pcr-private-key ec.key --pcr-public-key ec.crt
expect 3 "'text' is not an unencrypted PEM private key" "${B[@]}" \
	--pcr-private-key text --pcr-public-key db.pub
if ls /boot/vmlinuz-* >/dev/null 2>&1; then
	# Debian's kernel is a signed PE: as a stub it must be refused.
	K=$(ls /boot/vmlinuz-* | head -n1)
	STUB=$K expect 3 "stub '$K' is signed: a UKI must be built from an unsigned stub" "${B[@]}"
fi

# inspect
run 2 uki inspect && expect_in "$ERR" "inspect needs a FILE"
run 2 uki inspect a b && expect_in "$ERR" "unexpected argument 'b'"
run 3 uki inspect text && expect_in "$ERR" "cvmimg uki: 'text' is not a PE image (no MZ header)" &&
	expect_empty "$OUT"
run 3 uki inspect nothere && expect_in "$ERR" "cannot open 'nothere'"
run 3 uki inspect empty && expect_empty "$OUT"
# 4.5 KiB mapping 96 x 4 GiB of zero fill: refused before any hashing (timeout
# only bounds a regression, which would hash for hours)
HPE="python3 $CVMIMG_SOURCE_DIR/tests/cli/tools/hostile-pe.py"
$HPE zeros.efi
printf '#!/bin/sh\nexec timeout 20 "%s" "$@"\n' "$CVMIMG" >bounded
chmod +x bounded
CVMIMG=$TMP/bounded run 3 uki inspect zeros.efi &&
	expect_in "$ERR" "cvmimg uki: the sections of 'zeros.efi' map 393214 MiB of zero fill" &&
	expect_in "$ERR" "(limit 256 MiB)" && expect_empty "$OUT"
STUB=zeros.efi CVMIMG=$TMP/bounded expect 3 "the sections of 'zeros.efi' map" "${B[@]}"
# what a real kernel may declare (Linux before 6.1: tens of MiB) is hashed as mapped
$HPE fill.efi 1 $((64 << 20))
if command -v jq >/dev/null && run 0 uki inspect fill.efi --json; then
	[ "$(jq -r '.sections[0].sha256' "$OUT")" = \
		"$(head -c $((64 << 20)) /dev/zero | sha256sum | cut -d' ' -f1)" ] ||
		fail "64 MiB of zero fill hashed differently from head -c | sha256sum"
fi
finish
