# Issue 13: an image built with --verity from a real Debian 12 rootfs boots
# under QEMU (TCG, OVMF from the ESP, and by -kernel with the UKI taken from
# the ESP, on a copy whose ESP lost it): the passphrase unlocks LUKS2, the
# initramfs-tools scripts of templates/ open /dev/mapper/root as dm-verity with
# the command line's parameters, / is read-only, veritysetup status says
# verified, journald runs and /var is writable. Then the tamper tests: bytes of
# ciphertext flipped in a known file's block, and in the hash block above it:
# reading that file fails with an I/O error, the kernel log names dm-verity,
# the other files still read.
#   CVMIMG_BOOT_FLAVOUR=dracut boots the dracut fixture with cvmimg's dracut
#   module instead (templates/dracut), from the ESP only: the -kernel and
#   tamper boots test the UKI and the kernel, the same for both (label slow).
. "$(dirname "$0")/../cli/lib.sh"
flavour=${CVMIMG_BOOT_FLAVOUR:-initramfs-tools}
for t in qemu-system-x86_64 expect debugfs cryptsetup chroot mcopy mdel sfdisk; do
	command -v "$t" >/dev/null || { echo "SKIP: $t missing"; exit 77; }
done
[ -r /usr/share/OVMF/OVMF_CODE_4M.fd ] || { echo "SKIP: no OVMF (package ovmf)"; exit 77; }
[ "$(id -u)" = 0 ] || { echo "SKIP: making the verity initrd needs chroot (root)"; exit 77; }
# only a missing tool or privilege (exit 77) is a skip
rootfs=$("$CVMIMG_SOURCE_DIR/scripts/rootfs-fixture" "$flavour") || {
	rc=$?
	[ "$rc" = 77 ] || { echo "FAIL: scripts/rootfs-fixture $flavour exited $rc"; exit 1; }
	echo "SKIP: no $flavour rootfs fixture"
	exit 77
}
. "$CVMIMG_SOURCE_DIR/tests/image/lib.sh"
. "$CVMIMG_SOURCE_DIR/tests/e2e/lib/fixture-initrd.sh"
BOOT=$CVMIMG_SOURCE_DIR/tests/e2e/lib/boot-luks.exp
printf 'a passphrase for the verity test' >"$TMP/pass"

# The fixture with cvmimg's hook and scripts (initramfs-tools) or module
# (dracut), its initrd made again by its own tool, a 1 MiB probe file, and a
# marker that reports the checks.
current="rootfs with the verity hook ($flavour)"
checks=$((checks + 1))
R=$TMP/root
mkdir "$R"
tar --numeric-owner --xattrs --xattrs-include='*' --acls -C "$R" -xf "$rootfs"
install_initrd_parts "$R" "$flavour" verity
trap 'rm -rf --one-file-system "$TMP"' EXIT
msg=$(remake_initrd "$R" "$flavour" "$TMP/mkinitramfs.log") || fail "$msg"
head -c 1048576 /dev/zero | tr '\0' 'P' >"$R/usr/share/cvmimg-probe"
cat >"$R/usr/local/sbin/cvmimg-report" <<'EOF'
#!/bin/sh
# one line of facts for the test, then the fixture's marker
probe=EIO
cat /usr/share/cvmimg-probe >/dev/null 2>&1 && probe=ok
other=EIO
cat /etc/os-release /usr/bin/ls >/dev/null 2>&1 && other=ok
echo hello >/var/cvmimg-test 2>/dev/null && var=$(cat /var/cvmimg-test) || var=no
status=$(veritysetup status root | sed -n 's/^ *status: *//p')
echo "CVMIMG-VERITY opts=$(findmnt -n -o OPTIONS /) status=$status journald=$(systemctl is-active systemd-journald) var=$var probe=$probe other=$other verity_log=$(dmesg | grep -c 'device-mapper: verity')" >/dev/ttyS0
echo "CVMIMG-BOOT-OK root=$(findmnt -n -o SOURCE /)" >/dev/ttyS0
systemctl --no-block poweroff
EOF
chmod 0755 "$R/usr/local/sbin/cvmimg-report"
sed -i 's|^ExecStart=.*|ExecStart=/usr/local/sbin/cvmimg-report|' "$R/etc/systemd/system/cvmimg-marker.service"
tar --numeric-owner --xattrs --xattrs-include='*' --acls -C "$R" -cf "$TMP/rootfs.tar" .
rm -rf --one-file-system "$R"

current="build --verity"
checks=$((checks + 1))
"$CVMIMG" build --rootfs "$TMP/rootfs.tar" --output "$TMP/img" --passphrase-file "$TMP/pass" \
	--pbkdf-memory 32768 --pbkdf-iterations 4 --console ttyS0 --seed e2e-verity --verity \
	--json >"$TMP/build.json" 2>"$ERR" || { fail "$(cat "$ERR")"; finish; }
rm "$TMP/rootfs.tar"
[ "$(jq .boot.initrd.can_open_verity "$TMP/build.json")" = true ] || fail "initrd check"
[ "$(jq -r .boot.initrd.flavour "$TMP/build.json")" = "$flavour" ] || fail "initrd flavour"

boot() { # what, disk, the expected probe result, [a UKI for -kernel]
	local what=$1 disk=$2 probe=$3 uki=${4:-} line status=verified
	current="$what"
	checks=$((checks + 1))
	if ! timeout 900 expect "$BOOT" "$TMP/console.log" "$disk" "$TMP/pass" /dev/mapper/root "" \
		"$uki" >"$TMP/result" 2>&1; then
		fail "$(cat "$TMP/result")"
		echo "--- console (last 60 lines) ---"
		tr -d '\r' <"$TMP/console.log" | tail -n 60
		return 1
	fi
	line=$(tr -d '\r' <"$TMP/console.log" | grep -a '^CVMIMG-VERITY ' | tail -n1)
	echo "$what: $line"
	case "$line" in *" opts=ro,"*) ;; *) fail "/ is not read-only: $line" ;; esac
	# dm-verity reports a device that has met a corrupted block as such
	[ "$probe" = EIO ] && status=corrupted
	for want in "status=$status" journald=active var=hello other=ok "probe=$probe"; do
		case " $line " in *" $want "*) ;; *) fail "no $want: $line" ;; esac
	done
	if [ "$probe" = EIO ]; then
		case "$line" in *" verity_log=0"*) fail "the kernel log does not name dm-verity" ;; esac
		tr -d '\r' <"$TMP/console.log" | grep -aq "device-mapper: verity" ||
			fail "no dm-verity message on the console"
	fi
}
boot "ESP boot, verity root ($flavour)" "$TMP/img/disk.raw" ok
[ "$flavour" = dracut ] && finish

# measured direct boot: the UKI the ESP holds, given to QEMU with -kernel (OVMF
# loads it from fw_cfg); on a copy of the disk whose ESP no longer has it, so
# only -kernel can have booted it. The root is the same, byte for byte.
esp=$(($(part_geometry "$TMP/img/disk.raw" 1 | cut -d' ' -f1) * 512))
mcopy -n -i "$TMP/img/disk.raw@@$esp" ::/EFI/BOOT/BOOTX64.EFI "$TMP/esp-uki.efi" ||
	fail "no EFI/BOOT/BOOTX64.EFI on the ESP"
cmp -s "$TMP/esp-uki.efi" "$TMP/img/uki.efi" || fail "the ESP's UKI is not DIR/uki.efi"
cp --sparse=always "$TMP/img/disk.raw" "$TMP/no-esp-uki.raw"
mdel -i "$TMP/no-esp-uki.raw@@$esp" ::/EFI/BOOT/BOOTX64.EFI || fail "cannot remove the ESP's UKI"
boot "-kernel UKI from the ESP, verity root" "$TMP/no-esp-uki.raw" ok "$TMP/esp-uki.efi"
rm -f "$TMP/no-esp-uki.raw"

# where the probe's blocks are: decrypt a copy of the root in user space
root_part "$TMP/img/disk.raw" "$TMP/root.img"
decrypt_root "$TMP/root.img" "$TMP/pass" || fail "decrypt"
first=$(debugfs -R "bmap /usr/share/cvmimg-probe 0" "$TMP/root.img" 2>/dev/null)
last=$(debugfs -R "bmap /usr/share/cvmimg-probe 255" "$TMP/root.img" 2>/dev/null)
rm -f "$TMP/root.img" "$TMP/root.img.hdr"
[ $((last - first)) = 255 ] || fail "the probe is not contiguous: $first..$last"
# a group of 128 data blocks inside the probe: one level-0 hash block covers exactly it
group=$(((first + 127) / 128))
blk=$((group * 128 + 5))
SEG=$(($(jq '.disk.partitions[1].start' "$TMP/build.json") + $(jq -r '.luks.segments["0"].offset' "$TMP/build.json")))
HO=$(jq .verity.hash_offset "$TMP/build.json")
DB=$(jq .verity.data_blocks "$TMP/build.json")
# level 0 comes last, after the upper levels (ceil(L0 / 128) blocks, and so on)
upper=0 n=$(((DB + 127) / 128))
while [ "$n" -gt 1 ]; do n=$(((n + 127) / 128)); upper=$((upper + n)); done

flip() { # disk, byte offset
	printf 'XY' | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}
cp --sparse=always "$TMP/img/disk.raw" "$TMP/tampered.raw"
flip "$TMP/tampered.raw" $((SEG + blk * 4096 + 100))
"$CVMIMG" verity verify "$TMP/tampered.raw" --passphrase-file "$TMP/pass" >"$OUT" 2>&1 &&
	fail "cvmimg verity verify accepts the tampered data"
boot "ciphertext of the probe's data flipped" "$TMP/tampered.raw" EIO

cp --sparse=always "$TMP/img/disk.raw" "$TMP/tampered.raw"
flip "$TMP/tampered.raw" $((SEG + HO + (1 + upper + group) * 4096 + 64))
"$CVMIMG" verity verify "$TMP/tampered.raw" --passphrase-file "$TMP/pass" --json >"$OUT" 2>&1
[ "$(jq .first_bad_hash_block "$OUT")" = $((upper + group)) ] || fail "verify: $(cat "$OUT")"
boot "ciphertext of the hash block above the probe flipped" "$TMP/tampered.raw" EIO
rm -f "$TMP/tampered.raw"
finish
