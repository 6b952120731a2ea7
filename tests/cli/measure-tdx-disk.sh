# cvmimg measure --tee tdx --disk: a GPT disk whose ESP holds a UKI as
# \EFI\BOOT\BOOTX64.EFI, as raw, as qcow2 and as build's output directory.
# The GPT event is checked against a separate implementation of
# UEFI_GPT_DATA (python, below), the UKI's digest against uki inspect.
. "$(dirname "$0")/lib.sh"
need_vectors
for t in jq sfdisk mkfs.fat mmd mcopy qemu-img python3; do
	command -v $t >/dev/null || { echo "SKIP: $t missing"; exit 77; }
done
STUB=/usr/lib/systemd/boot/efi/linuxx64.efi.stub
[ -f "$STUB" ] || { echo "SKIP: systemd-boot-efi missing"; exit 77; }
KERNEL=${CVMIMG_TDX_KERNEL:-/var/cache/cvmimg-test/vmlinuz-6.1.0-56-amd64}
[ -f "$KERNEL" ] || KERNEL=$(ls /boot/vmlinuz-* | head -1)
FW=$VEC/tdx/ovmf/OVMF_debian12_2022.11_2M.fd
T=$VEC/tdx

"$CVMIMG" uki --linux "$KERNEL" --initrd "$T/initrd-synthetic-64k.bin" --cmdline "console=ttyS0" \
	-o "$TMP/uki.efi" || fail "uki"
D=$TMP/out
mkdir "$D"
truncate -s 48M "$D/disk.raw"
printf 'label: gpt\nlabel-id: 12345678-1234-1234-1234-123456789abc\nstart=2048, size=65536, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, uuid=87654321-4321-4321-4321-cba987654321\ntype=4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709\n' |
	sfdisk -q "$D/disk.raw" || fail "sfdisk"
mkfs.fat -F 16 --offset 2048 "$D/disk.raw" 32768 >/dev/null 2>&1 || fail "mkfs.fat"
mmd -i "$D/disk.raw@@1M" ::/EFI ::/EFI/BOOT && mcopy -i "$D/disk.raw@@1M" "$TMP/uki.efi" ::/EFI/BOOT/BOOTX64.EFI ||
	fail "mcopy"

# UEFI_GPT_DATA: header (HeaderSize bytes of LBA 1), u64 count, the used entries
GPT=$(python3 - "$D/disk.raw" <<'PY'
import hashlib, struct, sys
d = open(sys.argv[1], 'rb').read(1 << 20)
h = d[512:1024]
size, = struct.unpack_from('<I', h, 12)
lba, n, es = struct.unpack_from('<QII', h, 72)
ents = [d[lba * 512 + i * es: lba * 512 + (i + 1) * es] for i in range(n)]
used = [e for e in ents if e[:16] != bytes(16)]
print(hashlib.sha384(h[:size] + struct.pack('<Q', len(used)) + b''.join(used)).hexdigest())
PY
)
run 0 uki inspect --json "$TMP/uki.efi" && AUTH=$(jq -r .authenticode.sha384 "$OUT")

run 0 measure --tee tdx --ovmf "$FW" --qemu-version 9.2 --ovmf-version 2024.11 --memory 2G \
	--disk "$D/disk.raw" --json && {
	cp "$OUT" "$TMP/raw.json"
	[ "$(jq -r '.events[] | select(.type == "EV_EFI_GPT_EVENT") | .digest' "$OUT")" = "$GPT" ] ||
		fail "GPT event"
	[ "$(jq -r '[.events[] | select(.type == "EV_EFI_BOOT_SERVICES_APPLICATION")][0].digest' "$OUT")" = "$AUTH" ] ||
		fail "BOOTX64.EFI digest"
	# stub 252 starts .linux with LoadImage: its digest follows
	[ "$(jq '[.events[] | select(.rtmr == 1)] | length' "$OUT")" = 7 ] || fail "RTMR1 events"
	[ "$(jq -r .rtmr0 "$OUT")" = null ] || fail "rtmr0 should be unknown"
	jq -e '.unknown.rtmr0 | contains("device paths")' "$OUT" >/dev/null || fail "rtmr0 reason"
	[ "$(jq -r .rtmr1 "$OUT" | wc -c)" = 97 ] || fail "rtmr1 unknown"
	jq -r '.events[] | select(.rtmr == 1) | .digest' "$OUT" >"$TMP/r1"
}
qemu-img convert -O qcow2 "$D/disk.raw" "$D/disk.qcow2"
run 0 measure --tee tdx --ovmf "$FW" --qemu-version 9.2 --ovmf-version 2024.11 --memory 2G \
	--disk "$D/disk.qcow2" --json &&
	[ "$(jq -r .rtmr1 "$OUT")" = "$(jq -r .rtmr1 "$TMP/raw.json")" ] || fail "qcow2 differs from raw"
rm "$D/disk.raw"
run 0 measure --tee tdx --ovmf "$FW" --qemu-version 9.2 --ovmf-version 2024.11 --memory 2G \
	--disk "$D" --json &&
	[ "$(jq -r .rtmr1 "$OUT")" = "$(jq -r .rtmr1 "$TMP/raw.json")" ] || fail "directory differs"
[ -z "$(ls /tmp | grep cvmimg-disk- || true)" ] || fail "scratch directory left in /tmp"

run 3 measure --tee tdx --ovmf "$FW" --disk "$TMP" && expect_in "$ERR" "holds neither disk.raw nor disk.qcow2"
run 3 measure --tee tdx --ovmf "$FW" --disk "$FW" && expect_in "$ERR" "has no GPT"
run 2 measure --tee tdx --ovmf "$FW" --disk "$D" --kernel "$KERNEL" && expect_in "$ERR" "exclude each other"
finish
