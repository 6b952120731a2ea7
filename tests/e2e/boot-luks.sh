# Issue 5: an image built by cvmimg from a real Debian 12 rootfs boots on an
# ordinary machine (QEMU TCG, OVMF) when a person types the recovery
# passphrase: from the ESP (a wrong passphrase first: the prompt repeats),
# then by -kernel uki.efi with the disk attached (measured direct boot). The
# rootfs fixture's unit prints the root device, which must be the LUKS mapping.
#   CVMIMG_BOOT_FLAVOUR=dracut runs the same on a dracut rootfs (label slow).
. "$(dirname "$0")/../cli/lib.sh"
flavour=${CVMIMG_BOOT_FLAVOUR:-initramfs-tools}
for t in qemu-system-x86_64 expect; do
	command -v "$t" >/dev/null || { echo "SKIP: $t missing"; exit 77; }
done
[ -r /usr/share/OVMF/OVMF_CODE_4M.fd ] || { echo "SKIP: no OVMF (package ovmf)"; exit 77; }
# only a missing tool or privilege (exit 77) is a skip; a debootstrap error or a bug
# in the script fails the test
rootfs=$("$CVMIMG_SOURCE_DIR/scripts/rootfs-fixture" "$flavour") || {
	rc=$?
	[ "$rc" = 77 ] || { echo "FAIL: scripts/rootfs-fixture $flavour exited $rc"; exit 1; }
	echo "SKIP: no $flavour rootfs fixture (needs root and debootstrap)"
	exit 77
}
BOOT=$CVMIMG_SOURCE_DIR/tests/e2e/lib/boot-luks.exp
printf 'a passphrase for the e2e test' >"$TMP/pass"

current="build ($flavour)"
checks=$((checks + 1))
"$CVMIMG" build --rootfs "$rootfs" --output "$TMP/img" --passphrase-file "$TMP/pass" \
	--pbkdf-memory 32768 --pbkdf-iterations 4 --console ttyS0 --seed "e2e-$flavour" \
	--json >"$TMP/build.json" 2>"$ERR" || { fail "$(cat "$ERR")"; finish; }
[ "$(jq -r .boot.initrd.flavour "$TMP/build.json")" = "$flavour" ] ||
	fail "initrd flavour $(jq -r .boot.initrd.flavour "$TMP/build.json")"

boot() { # what, then boot-luks.exp's arguments after the log
	local what=$1
	shift
	current="$what"
	checks=$((checks + 1))
	if ! timeout 600 expect "$BOOT" "$TMP/console.log" "$TMP/img/disk.raw" "$TMP/pass" \
		/dev/mapper/root "$@" >"$TMP/result" 2>&1; then
		fail "$(cat "$TMP/result")"
		echo "--- console (last 60 lines) ---"
		tr -d '\r' <"$TMP/console.log" | tail -n 60
		return 1
	fi
	echo "$what: $(cat "$TMP/result")"
}
boot "ESP boot, wrong passphrase first" wrong
boot "direct boot of uki.efi" "" "$TMP/img/uki.efi"
finish
