# A UKI boots: QEMU (TCG) with Debian's OVMF starts it with -kernel and from a
# GPT disk's FAT ESP as EFI/BOOT/BOOTX64.EFI. Its initrd is busybox with an
# /init that prints a marker and the command line, then powers off; the test
# reads the serial console. About 15-20 s per boot on two cores.
. "$(dirname "$0")/../cli/lib.sh"
. "$(dirname "$0")/lib/busybox.sh"
OVMF_CODE=/usr/share/OVMF/OVMF_CODE_4M.fd
OVMF_VARS=/usr/share/OVMF/OVMF_VARS_4M.fd
BOOT_TIMEOUT=${CVMIMG_BOOT_TIMEOUT:-80}
for t in qemu-system-x86_64 cpio gzip sfdisk mkfs.fat mmd mcopy timeout readelf; do
	command -v $t >/dev/null || { echo "SKIP: $t missing"; exit 77; }
done
for f in $OVMF_CODE $OVMF_VARS /usr/lib/systemd/boot/efi/linuxx64.efi.stub; do
	[ -r "$f" ] || { echo "SKIP: $f missing"; exit 77; }
done
need_busybox_kernel
cd "$TMP"

# The initrd: busybox and an /init that shows what the kernel got from the UKI.
MARKER="cvmimg-uki-boot-$$-$RANDOM"
busybox_initrd initrd.img <<'EOF'
#!/bin/busybox sh
/bin/busybox echo "UKI-BOOT-MARKER $(/bin/busybox cat /proc/cmdline)"
/bin/busybox poweroff -f
EOF

run 0 uki --linux "$KERNEL" --initrd initrd.img --cmdline "console=ttyS0 panic=-1 $MARKER" \
	-o uki.efi || finish

# boot <name> <qemu args...>: the console must show the marker and the UKI's command line.
boot() {
	local name=$1 start end code
	shift
	checks=$((checks + 1))
	current="boot $name"
	cp "$OVMF_VARS" vars.fd
	start=$(date +%s)
	timeout --kill-after=5 "$BOOT_TIMEOUT" nice qemu-system-x86_64 -accel tcg -machine q35 \
		-m 512 -smp 1 -display none -no-reboot -net none -serial file:"$name.log" \
		-drive if=pflash,format=raw,unit=0,readonly=on,file="$OVMF_CODE" \
		-drive if=pflash,format=raw,unit=1,file=vars.fd "$@" >"$name.qemu" 2>&1
	code=$?
	end=$(date +%s)
	echo "$name: qemu exit $code after $((end - start)) s"
	if ! grep -aq "UKI-BOOT-MARKER .*$MARKER" "$name.log"; then
		fail "no marker on the console (qemu exit $code$([ $code = 124 ] && echo ", timeout"))"
		echo "--- qemu output"
		cat "$name.qemu"
		echo "--- serial console"
		tr -d '\r' <"$name.log" | tail -n 60
		echo "---"
	fi
}

boot kernel -kernel uki.efi

# A GPT disk whose only partition is a FAT ESP holding the UKI at the removable-media path.
truncate -s 40M disk.img
printf 'label: gpt\nstart=2048, size=77824, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B\n' |
	sfdisk -q disk.img
{
	mkfs.fat -F 16 --offset 2048 disk.img $((77824 / 2)) &&
		mmd -i disk.img@@1M ::/EFI ::/EFI/BOOT &&
		mcopy -i disk.img@@1M uki.efi ::/EFI/BOOT/BOOTX64.EFI
} >esp.log 2>&1 || { fail "cannot make the ESP: $(cat esp.log)"; finish; }
boot esp -drive if=virtio,format=raw,file=disk.img
finish
