# cvmimg uki against independent tools: objdump and objcopy (layout and
# contents), pesign (Authenticode SHA-256), systemd-measure calculate (PCR 11),
# sbverify and openssl (Secure Boot signature), cmp (reproducibility).
. "$(dirname "$0")/lib.sh"
need_vectors
for t in objdump objcopy pesign sbverify sbattach openssl jq cmp; do
	command -v $t >/dev/null || { echo "SKIP: $t missing"; exit 77; }
done
MEASURE=/usr/lib/systemd/systemd-measure
STUB=/usr/lib/systemd/boot/efi/linuxx64.efi.stub
[ -x "$MEASURE" ] || { echo "SKIP: systemd-measure missing (package systemd)"; exit 77; }
[ -r "$STUB" ] || { echo "SKIP: $STUB missing (package systemd-boot-efi)"; exit 77; }
KERNEL=$(ls /boot/vmlinuz-* 2>/dev/null | head -n1)
[ -r "$KERNEL" ] || { echo "SKIP: no readable /boot/vmlinuz-* (package linux-image-amd64)"; exit 77; }
cd "$TMP"

# Inputs: two initrds (the first not a multiple of 4), os-release, splash, dtb, an own section.
head -c 1001 /dev/urandom >i1
head -c 4096 /dev/urandom >i2
printf 'ID=cvmimgtest\nVERSION_ID=1\n' >osrel
head -c 300 /dev/urandom >splash.bmp
head -c 200 /dev/urandom >tree.dtb
echo "own section" >own
printf 'console=ttyS0 quiet' >cmdline.want
{ cat i1; head -c 3 /dev/zero; cat i2; } >initrd.want
ARGS=(--linux "$KERNEL" --initrd i1 --initrd i2 --cmdline "  console=ttyS0	  quiet "
	--os-release osrel --splash splash.bmp --dtb tree.dtb --section .cvmtest:own)

run 0 uki "${ARGS[@]}" -o a.efi && expect_empty "$OUT" && expect_empty "$ERR"
[ "$(ls)" = "$(ls | grep -v '\.tmp')" ] || fail "temporary files left: $(ls)"

# objdump: the sections in order after the stub's, sizes of the parts, no overlap.
current="objdump -h"
checks=$((checks + 1))
objdump -h a.efi | awk '$1 ~ /^[0-9]+$/ {print $2, $3, $4, $6}' >sections
want=".text .reloc .data .dynamic .rela .dynsym .sdmagic .osrel .cmdline .dtb .uname .splash \
.initrd .cvmtest .linux .sbat"
got=$(cut -d' ' -f1 sections | tr '\n' ' ' | sed 's/ $//')
[ "$got" = "$want" ] || fail "sections are '$got', expected '$want'"
size_of() { awk -v n="$1" '$1 == n {print strtonum("0x" $2)}' sections; }
[ "$(size_of .cmdline)" = 19 ] || fail ".cmdline size $(size_of .cmdline)"
[ "$(size_of .initrd)" = $((1004 + 4096)) ] || fail ".initrd size $(size_of .initrd)"
[ "$(size_of .linux)" = "$(stat -c %s "$KERNEL")" ] || fail ".linux size $(size_of .linux)"
[ "$(size_of .osrel)" = "$(stat -c %s osrel)" ] || fail ".osrel size"
awk '{va = strtonum("0x" $3); sz = strtonum("0x" $2); off = strtonum("0x" $4)
	if (va < end) print "overlap at " $1; end = va + sz
	if (off % 512) print "unaligned " $1}' sections >bad
[ ! -s bad ] || fail "$(cat bad)"

# objcopy: the contents of each part.
section() { objcopy -O binary --only-section="$1" a.efi "$2"; }
current="objcopy contents"
checks=$((checks + 1))
section .cmdline cmdline.got && cmp -s cmdline.got cmdline.want || fail ".cmdline differs"
section .initrd initrd.got && cmp -s initrd.got initrd.want || fail ".initrd differs"
section .linux linux.got && cmp -s linux.got "$KERNEL" || fail ".linux differs"
section .dtb dtb.got && cmp -s dtb.got tree.dtb || fail ".dtb differs"
section .cvmtest own.got && cmp -s own.got own || fail ".cvmtest differs"
section .uname uname.got
[ "$(cat uname.got)" = "${KERNEL#/boot/vmlinuz-}" ] || fail ".uname is '$(cat uname.got)'"
section .sbat sbat.got
objcopy -O binary --only-section=.sbat "$STUB" sbat.stub
tr -d '\0' <sbat.stub | while read -r line; do
	grep -qxF "$line" sbat.got || echo "$line"
done >missing
[ ! -s missing ] || fail "stub SBAT lines missing: $(cat missing)"
grep -q '^cvmimg,1,cvmimg,cvmimg,' sbat.got || fail "no cvmimg SBAT entry"
[ "$(grep -c '^sbat,1,' sbat.got)" = 1 ] || fail "SBAT header not exactly once"

# pesign computes the Authenticode SHA-256 on its own.
run 0 uki inspect a.efi --json && cp "$OUT" a.json
ours=$(jq -r .authenticode.sha256 a.json)
theirs=$(pesign -h -i a.efi | sed -n 's/^hash: //p')
current="pesign -h"
checks=$((checks + 1))
[ -n "$ours" ] && [ "$ours" = "$theirs" ] || fail "Authenticode $ours, pesign $theirs"

# systemd-measure predicts PCR 11 from the same parts (systemd 252 ignores .uname and .sbat).
current="systemd-measure calculate"
checks=$((checks + 1))
"$MEASURE" calculate --linux="$KERNEL" --osrel=osrel --cmdline=cmdline.want \
	--initrd=initrd.want --splash=splash.bmp --dtb=tree.dtb --bank=sha256 --json=short \
	>measure.json || fail "systemd-measure failed"
for phase in enter-initrd enter-initrd:leave-initrd enter-initrd:leave-initrd:sysinit \
	enter-initrd:leave-initrd:sysinit:ready; do
	want=$(jq -r --arg p "$phase" '.sha256[] | select(.phase == $p) | .hash' measure.json)
	got=$(jq -r --arg p "$phase" '.pcr11.sha256[$p]' a.json)
	[ -n "$want" ] && [ "$want" = "$got" ] || fail "PCR 11 $phase: ours $got, systemd $want"
done
jq -e '[.sections[] | select(.measured) | .name] == [".osrel",".cmdline",".dtb",".splash",
	".initrd",".linux"]' a.json >/dev/null || fail "measured sections: $(jq -c \
	'[.sections[] | select(.measured) | .name]' a.json)"

# Secure Boot: sbverify accepts our signature with our certificate, and only with it.
openssl req -x509 -newkey rsa:2048 -nodes -keyout db.key -out db.crt -days 30 \
	-subj "/CN=cvmimg test db" 2>/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -keyout other.key -out other.crt -days 30 \
	-subj "/CN=other" 2>/dev/null
SB=(--secureboot-private-key db.key --secureboot-certificate db.crt)
export SOURCE_DATE_EPOCH=1700000000
run 0 uki "${ARGS[@]}" "${SB[@]}" -o signed.efi && expect_empty "$OUT"
current="sbverify"
checks=$((checks + 1))
sbverify --cert db.crt signed.efi >sbv 2>&1 || fail "sbverify refused: $(cat sbv)"
! sbverify --cert other.crt signed.efi >/dev/null 2>&1 || fail "sbverify accepted another cert"
theirs=$(pesign -h -i signed.efi | sed -n 's/^hash: //p')
[ "$theirs" = "$ours" ] || fail "signed image digest $theirs differs from unsigned $ours"
sbattach --detach sig.p7 signed.efi >/dev/null
openssl pkcs7 -inform DER -in sig.p7 -print >p7.txt || fail "openssl cannot read the PKCS#7"
expect_in p7.txt "UTCTIME:Nov 14 22:13:20 2023 GMT"
expect_in p7.txt "1.3.6.1.4.1.311.2.1.4"
run 0 uki inspect signed.efi
expect_in "$OUT" "subject 'CN=cvmimg test db', issuer 'CN=cvmimg test db', digest matches"

# Reproducible: again, elsewhere, with copies of the inputs: the same bytes.
mkdir again && cp i1 i2 osrel splash.bmp tree.dtb own db.key db.crt again/
(cd again && "$CVMIMG" uki "${ARGS[@]}" "${SB[@]}" -o signed.efi) || fail "rebuild failed"
current="reproducible"
checks=$((checks + 1))
cmp -s signed.efi again/signed.efi || fail "two builds differ"
unset SOURCE_DATE_EPOCH
run 0 uki "${ARGS[@]}" "${SB[@]}" -o t1.efi
sleep 1
run 0 uki "${ARGS[@]}" "${SB[@]}" -o t2.efi
cmp -s t1.efi t2.efi || fail "builds without SOURCE_DATE_EPOCH differ"

# --json after a build is the inspect report of the new file.
run 0 uki "${ARGS[@]}" -o b.efi --json
jq -S 'del(.file)' "$OUT" >b.json
jq -S 'del(.file)' a.json >a2.json
cmp -s a2.json b.json || fail "--json differs from inspect --json"
finish
