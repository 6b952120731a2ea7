# Helpers for the image tests (sourced after tests/cli/lib.sh).
#
#   need_image_tools            skip (77) unless python3, cryptsetup, debugfs, e2fsck,
#                               sfdisk, jq, mtools and a readable host kernel are present
#   make_rootfs OUT.tar [args]  the synthetic rootfs (tests/image/rootfs.py make)
#   quick_build DIR TAR [args]  cvmimg build with a fast PBKDF, the host kernel, a tiny initrd
#   tiny_initrd OUT             that tiny initrd: a cpio with cryptsetup, dm-crypt and cryptroot
#   verity_initrd OUT           the same, plus what build --verity looks for (veritysetup,
#                               dm-verity, templates/initramfs-tools' cvmimg-verity script)
#   root_part DISK OUT          copy the root partition out (sparse), by sfdisk's table
#   decrypt_root PART KEYFILE   decrypt PART in place (user-space cryptsetup, no dm)
ROOTFS_PY=$CVMIMG_SOURCE_DIR/tests/image/rootfs.py
PASS=$TMP/pass
printf 'correct horse battery staple' >"$PASS"
FAST_PBKDF=(--pbkdf-memory 32768 --pbkdf-iterations 4)

need_image_tools() {
	local t
	for t in python3 cryptsetup debugfs e2fsck sfdisk jq mdir mcopy fsck.fat; do
		command -v "$t" >/dev/null || { echo "SKIP: $t missing"; exit 77; }
	done
	HOST_KERNEL=$(ls /boot/vmlinuz-* 2>/dev/null | sort -V | tail -n1)
	[ -n "$HOST_KERNEL" ] && [ -r "$HOST_KERNEL" ] || { echo "SKIP: no readable /boot/vmlinuz-*"; exit 77; }
	[ -r /usr/lib/systemd/boot/efi/linuxx64.efi.stub ] || { echo "SKIP: no systemd-boot stub"; exit 77; }
	tiny_initrd "$TMP/tiny.initrd"
}

# An initramfs-tools-shaped cpio holding what the build's unlock check looks
# for (cryptsetup, dm-crypt, the cryptroot script): it never boots, it is packed.
tiny_initrd() {
	local d=$TMP/tiny-initrd-root
	mkdir -p "$d/usr/sbin" "$d/scripts/local-top" "$d/usr/lib/modules/6.1.0-0-amd64/kernel/drivers/md"
	echo x >"$d/usr/sbin/cryptsetup"
	echo x >"$d/scripts/local-top/cryptroot"
	echo x >"$d/usr/lib/modules/6.1.0-0-amd64/kernel/drivers/md/dm-crypt.ko"
	(cd "$d" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) >"$1"
}

verity_initrd() {
	local d=$TMP/verity-initrd-root
	mkdir -p "$d/usr/sbin" "$d/scripts/local-top" "$d/usr/lib/modules/6.1.0-0-amd64/kernel/drivers/md"
	for f in usr/sbin/cryptsetup usr/sbin/veritysetup scripts/local-top/cryptroot \
		usr/lib/modules/6.1.0-0-amd64/kernel/drivers/md/dm-crypt.ko \
		usr/lib/modules/6.1.0-0-amd64/kernel/drivers/md/dm-verity.ko; do
		echo x >"$d/$f"
	done
	cp "$CVMIMG_SOURCE_DIR/templates/initramfs-tools/scripts/local-top/cvmimg-verity" \
		"$d/scripts/local-top/"
	(cd "$d" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) >"$1"
}

make_rootfs() {
	local out=$1
	shift
	python3 "$ROOTFS_PY" make "$out" "$@" 2>/dev/null
}

quick_build() {
	local dir=$1 tar=$2
	shift 2
	"$CVMIMG" build --rootfs "$tar" --output "$dir" --passphrase-file "$PASS" "${FAST_PBKDF[@]}" \
		--kernel "$HOST_KERNEL" --initrd "$TMP/tiny.initrd" "$@"
}

# start and size (in 512-byte sectors) of partition $2 of disk $1
part_geometry() {
	sfdisk --json "$1" | jq -r ".partitiontable.partitions[$(($2 - 1))] | \"\(.start) \(.size)\""
}

root_part() {
	local g
	g=($(part_geometry "$1" 2))
	dd if="$1" of="$2" bs=1M iflag=skip_bytes,count_bytes skip=$((g[0] * 512)) \
		count=$((g[1] * 512)) conv=sparse status=none
}

decrypt_root() {
	rm -f "$1.hdr"
	cryptsetup reencrypt --decrypt --force-offline-reencrypt --disable-locks -q \
		--header "$1.hdr" --key-file "$2" "$1"
}
