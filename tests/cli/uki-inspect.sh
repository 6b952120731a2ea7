# cvmimg uki inspect against objdump/objcopy (sections and their bytes),
# pesign (Authenticode SHA-256), the shared vectors (Authenticode SHA-384,
# VECTORS.md C4/C5), strings (the stub version) and sbverify --list (signer).
. "$(dirname "$0")/lib.sh"
need_vectors
for t in objdump objcopy pesign sbverify jq strings sha256sum; do
	command -v $t >/dev/null || { echo "SKIP: $t missing"; exit 77; }
done
cd "$TMP"
STUB=$VEC/tdx/pe/linuxx64.efi.stub.debian-252.39

# check_pe <file> <sha384>: sections, digests; the JSON report in $TMP/r.json
check_pe() {
	local f=$1 sha384=$2 name size vma off sum
	run 0 uki inspect "$f" --json || return
	cp "$OUT" r.json
	current="inspect $(basename "$f")"
	checks=$((checks + 1))
	objdump -h "$f" | awk '$1 ~ /^[0-9]+$/ {print $2, $3, $4, $6}' >objdump.txt
	# objdump's size of an image section is the smaller of VirtualSize and SizeOfRawData
	jq -r '.sections[] | [.name, ([.virtual_size, .file_size] | min), .virtual_address,
		.file_offset] | @tsv' r.json |
		while IFS=$'\t' read -r name size vma off; do
			printf '%s %08x %016x %08x\n' "$name" "$size" "$vma" "$off"
		done >ours.txt
	diff objdump.txt ours.txt >d.txt || fail "sections differ from objdump: $(cat d.txt)"
	while read -r name size vma off; do
		# the mapped bytes: the file's, then zeros up to VirtualSize
		objcopy -O binary --only-section="$name" "$f" sec.bin
		fill=$(jq -r --arg n "$name" '.sections[] | select(.name == $n) |
			[.virtual_size - .file_size, 0] | max' r.json)
		sum=$({ cat sec.bin; head -c "$fill" /dev/zero; } | sha256sum | cut -d' ' -f1)
		[ "$(jq -r --arg n "$name" '.sections[] | select(.name == $n) | .sha256' r.json)" = \
			"$sum" ] || fail "section $name: sha256 differs from objcopy's bytes"
	done <objdump.txt
	[ "$(jq -r .authenticode.sha256 r.json)" = "$(pesign -h -i "$f" | sed -n 's/^hash: //p')" ] ||
		fail "Authenticode SHA-256 differs from pesign -h"
	[ "$(jq -r .authenticode.sha384 r.json)" = "$sha384" ] || fail "Authenticode SHA-384"
}

check_pe "$STUB" d4abea8d6e4a0c1952aa28b3ba459492730b3de024fd45380512fdee33c56ae283b60c5902bf40634102f0d485262ce2
version=$(strings -a "$STUB" | sed -n 's/.*LoaderInfo: systemd-stub \([^ ]*\) .*/\1/p')
[ "$(jq -r .stub r.json)" = "$version" ] || fail "stub version $(jq -r .stub r.json), not $version"
jq -e '.is_uki == false and .pcr11 == null and .signature == null and .uname == null' r.json \
	>/dev/null || fail "a stub is reported as a UKI or signed: $(jq -c . r.json | head -c 300)"
check_pe "$VEC/tdx/pe/systemd-bootx64.efi.debian-252.39" \
	58ed6f28e9fb7dbb77e69c8f79653f47925412e4b0cc62713d57580891eaf734bde066f82405b23a1aeb388b4838418e

# Text mode: the same facts, one per line.
run 0 uki inspect "$STUB"
expect_in "$OUT" "Authenticode SHA-384:"
expect_in "$OUT" "d4abea8d6e4a0c1952aa28b3ba459492730b3de024fd45380512fdee33c56ae283b60c5902bf40634102f0d485262ce2"
expect_in "$OUT" "Stub:                                      $version"
expect_in "$OUT" "Signature:                                 none"
expect_in "$OUT" "  .sdmagic 0x00011200 0x00000200 0x00019100 0x00000034 -"
expect_empty "$ERR"

# Every installed kernel, whatever its version: sections against objdump and
# objcopy, Authenticode SHA-256 against pesign -h, the signer against sbverify
# --list. The kernel of VECTORS.md C4 (6.1.0-56) also has its SHA-384 checked.
signer_matches() { # KERNEL: our signer is sbverify's
	sbverify --list "$1" >list.txt 2>&1 || { fail "sbverify --list $1: $(head -2 list.txt)"; return; }
	subject=$(sed -n 's/^ *- subject: \///p' list.txt | head -n1)
	issuer=$(sed -n 's/^ *issuer: *\///p' list.txt | head -n1)
	jq -e --arg s "$subject" --arg i "$issuer" '.signature.subject == $s and
		.signature.issuer == $i and .signature.digest_matches' r.json >/dev/null ||
		fail "$1: signer $(jq -c .signature r.json), sbverify: $subject / $issuer"
}
kernels=0
for KERNEL in /boot/vmlinuz-*; do
	[ -r "$KERNEL" ] || continue
	kernels=$((kernels + 1))
	current="uki inspect $KERNEL"
	checks=$((checks + 1))
	pinned=e494e71ba795e8fc3edc1b3cab678c8c8782a6efe14d2d5a25155dc948b53f7d1dab088ff7005b7e6f9b0534738660e2
	if [ "$(sha256sum "$KERNEL" | cut -d' ' -f1)" = \
		26f2e57c99338feaf71c46fa4babdc7e1a6c115943002d109fdb746667104f5f ]; then
		check_pe "$KERNEL" "$pinned"
	else # no independent SHA-384 for it: take ours, everything else is compared
		"$CVMIMG" uki inspect --json "$KERNEL" >r.json || { fail "uki inspect"; continue; }
		check_pe "$KERNEL" "$(jq -r .authenticode.sha384 r.json)"
	fi
	if sbverify --list "$KERNEL" 2>/dev/null | grep -q 'signature 1'; then
		signer_matches "$KERNEL"
	else
		jq -e '.signature == null' r.json >/dev/null || fail "a signature sbverify does not see"
	fi
done
echo "$kernels installed kernels compared with pesign and sbverify"
finish
