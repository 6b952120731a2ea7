# Firmware checks our Authenticode signature: Debian's Secure Boot OVMF with
# the "snakeoil" keys enrolled (package ovmf ships them, and the key, for
# testing) boots a UKI we signed with the snakeoil key from a FAT ESP, and
# refuses ("Access Denied") the same UKI signed with another key. The kernel
# inside is re-signed with the snakeoil key by sbsign, because systemd-stub
# 252 starts it with LoadImage(), which Secure Boot checks too.
. "$(dirname "$0")/../cli/lib.sh"
. "$(dirname "$0")/lib/busybox.sh"
OVMF_CODE=/usr/share/OVMF/OVMF_CODE_4M.secboot.fd
OVMF_VARS=/usr/share/OVMF/OVMF_VARS_4M.snakeoil.fd
SNAKEOIL_KEY=/usr/share/ovmf/PkKek-1-snakeoil.key
SNAKEOIL_CERT=/usr/share/ovmf/PkKek-1-snakeoil.pem
BOOT_TIMEOUT=${CVMIMG_BOOT_TIMEOUT:-80}
for t in qemu-system-x86_64 cpio gzip sfdisk mkfs.fat mmd mcopy openssl sbsign sbattach readelf; do
	command -v $t >/dev/null || { echo "SKIP: $t missing"; exit 77; }
done
for f in $OVMF_CODE $OVMF_VARS $SNAKEOIL_KEY $SNAKEOIL_CERT; do
	[ -r "$f" ] || { echo "SKIP: $f missing (package ovmf)"; exit 77; }
done
need_busybox_kernel
cd "$TMP"

busybox_initrd initrd.img <<'EOF'
#!/bin/busybox sh
/bin/busybox echo "UKI-BOOT-MARKER"
/bin/busybox poweroff -f
EOF
# the snakeoil key is protected by the passphrase 'snakeoil' (README.Debian)
openssl rsa -in "$SNAKEOIL_KEY" -passin pass:snakeoil -out db.key 2>/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -keyout other.key -out other.crt -days 30 \
	-subj /CN=other 2>/dev/null
cp "$KERNEL" vmlinuz
sbattach --remove vmlinuz >/dev/null 2>&1 || true
sbsign --key db.key --cert "$SNAKEOIL_CERT" --output vmlinuz.signed vmlinuz >/dev/null 2>&1 ||
	{ fail "sbsign cannot sign the kernel"; finish; }
U=(--linux vmlinuz.signed --initrd initrd.img --cmdline "console=ttyS0 panic=-1")
run 0 uki "${U[@]}" --secureboot-private-key db.key --secureboot-certificate "$SNAKEOIL_CERT" \
	-o good.efi || finish
run 0 uki "${U[@]}" --secureboot-private-key other.key --secureboot-certificate other.crt \
	-o other.efi || finish

# boot <uki>: the console log in <uki>.log; stop at poweroff, refusal or timeout.
boot() {
	local uki=$1 pid i
	rm -f disk.img
	truncate -s 40M disk.img
	printf 'label: gpt\nstart=2048, size=77824, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B\n' |
		sfdisk -q disk.img
	{
		mkfs.fat -F 16 --offset 2048 disk.img $((77824 / 2)) &&
			mmd -i disk.img@@1M ::/EFI ::/EFI/BOOT &&
			mcopy -i disk.img@@1M "$uki" ::/EFI/BOOT/BOOTX64.EFI
	} >esp.log 2>&1 || { fail "cannot make the ESP: $(cat esp.log)"; return; }
	cp "$OVMF_VARS" vars.fd
	: >"$uki.log"
	nice qemu-system-x86_64 -accel tcg -machine q35,smm=on \
		-global driver=cfi.pflash01,property=secure,value=on -m 512 -smp 1 \
		-display none -no-reboot -net none -serial file:"$uki.log" \
		-drive if=pflash,format=raw,unit=0,readonly=on,file="$OVMF_CODE" \
		-drive if=pflash,format=raw,unit=1,file=vars.fd \
		-drive if=virtio,format=raw,file=disk.img >"$uki.qemu" 2>&1 &
	pid=$!
	for i in $(seq $((BOOT_TIMEOUT * 2))); do
		kill -0 $pid 2>/dev/null || break
		grep -aq 'No bootable option' "$uki.log" && break
		sleep 0.5
	done
	kill $pid 2>/dev/null
	wait $pid 2>/dev/null
	tr -d '\r' <"$uki.log" >"$uki.txt"
}

checks=$((checks + 1))
current="Secure Boot, our signature"
boot good.efi
if ! grep -q UKI-BOOT-MARKER good.efi.txt; then
	fail "the snakeoil-signed UKI did not boot"
	cat good.efi.qemu
	tail -n 40 good.efi.txt
fi
grep -q 'secureboot: Secure boot enabled' good.efi.txt || fail "Secure Boot was not on"

checks=$((checks + 1))
current="Secure Boot, another key"
boot other.efi
grep -q UKI-BOOT-MARKER other.efi.txt && fail "a UKI signed with another key booted"
grep -q 'Access Denied' other.efi.txt || {
	fail "the firmware did not deny the UKI"
	tail -n 20 other.efi.txt
}
finish
