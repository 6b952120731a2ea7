# Issue 11: an image built with the unlock agent (a test build's agent, which
# sends Trustee's sample evidence) boots under QEMU (TCG, OVMF) and unlocks
# its root with the broker's key, nobody typing, reaching the rootfs marker.
# The guest reaches the mock broker (tests/tools/kbs-mock.py, on the host's
# 127.0.0.1) only through QEMU's user network (restrict=on, guestfwd). With
# the broker stopped, the passphrase prompt appears after the agent gives up
# and says why, and the typed passphrase boots it; with the broker serving a
# wrong key, the agent refuses it and the prompt still works.
# The image is built with --verity from the fixture with cvmimg's initrd
# pieces (templates/): the root the agent unlocks then opens as dm-verity.
#   CVMIMG_BOOT_FLAVOUR=dracut boots the dracut fixture with cvmimg's dracut
#   modules (90cvmimg-unlock, 90cvmimg-verity): the agent answers
#   systemd-cryptsetup as a password agent while the prompt is up (label slow).
. "$(dirname "$0")/../cli/lib.sh"
. "$CVMIMG_SOURCE_DIR/tests/tools/kbs-mock.sh"
. "$CVMIMG_SOURCE_DIR/tests/e2e/lib/fixture-initrd.sh"
flavour=${CVMIMG_BOOT_FLAVOUR:-initramfs-tools}
for t in qemu-system-x86_64 expect; do
	command -v "$t" >/dev/null || { echo "SKIP: $t missing"; exit 77; }
done
[ -r /usr/share/OVMF/OVMF_CODE_4M.fd ] || { echo "SKIP: no OVMF (package ovmf)"; exit 77; }
[ "${CVMIMG_SAMPLE_EVIDENCE:-0}" = 1 ] ||
	{ echo "SKIP: this build has no sample evidence (-DCVMIMG_SAMPLE_EVIDENCE=ON)"; exit 77; }
kbs_need
rootfs=$("$CVMIMG_SOURCE_DIR/scripts/rootfs-fixture" "$flavour") || {
	echo "SKIP: no $flavour rootfs fixture (needs root, debootstrap and the Debian archive)"
	exit 77
}
trap 'kbs_stop; rm -rf --one-file-system "$TMP"' EXIT
[ "$(id -u)" = 0 ] || { echo "SKIP: making the initrd again needs chroot (root)"; exit 77; }
# cvmimg's pieces for the agent (dracut: systemd-networkd and the NIC drivers;
# initramfs-tools: the NIC drivers) and for --verity, the initrd made again
current="rootfs with the unlock and verity pieces ($flavour)"
checks=$((checks + 1))
R=$TMP/root
mkdir "$R"
tar --numeric-owner --xattrs --xattrs-include='*' --acls -C "$R" -xf "$rootfs"
install_initrd_parts "$R" "$flavour" unlock verity
msg=$(remake_initrd "$R" "$flavour" "$TMP/mkinitrd.log") || { fail "$msg"; finish; }
tar --numeric-owner --xattrs --xattrs-include='*' --acls -C "$R" -cf "$TMP/rootfs.tar" .
rm -rf --one-file-system "$R"
BOOT=$CVMIMG_SOURCE_DIR/tests/e2e/lib/boot-unlock.exp
PIPE=$CVMIMG_SOURCE_DIR/tests/tools/tcp-pipe.py
R=cvmimg/e2e/luks-key
printf 'a passphrase for the e2e test' >"$TMP/pass"

current="build"
checks=$((checks + 1))
"$CVMIMG" build --rootfs "$TMP/rootfs.tar" --output "$TMP/img" --passphrase-file "$TMP/pass" \
	--pbkdf-memory 32768 --pbkdf-iterations 4 --console ttyS0 --seed e2e-unlock \
	--broker-url http://10.0.2.100:8080 --broker-allow-http --broker-resource "$R" \
	--broker-timeout 40 --verity >"$TMP/build.out" 2>"$ERR" ||
	{ fail "$(cat "$ERR")"; finish; }
head -c 32 /dev/urandom >"$TMP/wrong"

boot() { # what, then boot-unlock.exp's MODE [PASSFILE WHY]
	local what=$1
	shift
	current="$what"
	checks=$((checks + 1))
	if ! timeout 1500 expect "$BOOT" "$TMP/console.log" "$TMP/img/disk.raw" /dev/mapper/root \
		"python3 $PIPE $KBS_PORT" "$@" >"$TMP/result" 2>&1; then
		fail "$(cat "$TMP/result")"
		echo "--- console (last 60 lines) ---"
		tr -d '\r' <"$TMP/console.log" | tail -n 60
		return 1
	fi
	echo "$what: $(cat "$TMP/result")"
}

kbs_start --resource "$R=$TMP/img/broker.key" --resource "cvmimg/e2e/wrong=$TMP/wrong"
boot "the broker's key, no typing" auto && {
	expect_in "$TMP/kbs.log" "POST /kbs/v0/attest 200"
	expect_in "$TMP/kbs.log" "GET /kbs/v0/resource/$R 200"
	expect_in "$TMP/console.log" "the broker's key opens keyslot 1"
	if [ "$flavour" = dracut ]; then
		# systemd: the answer went to systemd-cryptsetup's request; the unit took
		# the network down when the initrd ended
		expect_in "$TMP/console.log" "given to cryptsetup:/dev/disk/by-uuid/"
		expect_in "$TMP/console.log" "cvmimg-unlock: network interface '"
		# LUKS2 opens as root_crypt; the root the marker reported, /dev/mapper/root,
		# is then the dm-verity device cvmimg's generator opened over it
		grep -aq 'Kernel command line: .*rd.luks.name=[^ ]*=root_crypt .*roothash=' "$TMP/console.log" ||
			fail "not a verity command line: $(grep -a -m1 'Kernel command line' "$TMP/console.log")"
	fi
}
# a wrong key: the agent refuses it, the prompt takes the passphrase
kbs_stop
kbs_start --resource "$R=$TMP/wrong"
boot "a wrong key from the broker" prompt "$TMP/pass" "the key does not open keyslot 1" &&
	expect_in "$TMP/kbs.log" "GET /kbs/v0/resource/$R 200"
# the broker down: the agent gives up within its timeout, says why; the prompt works
kbs_stop
boot "the broker down" prompt "$TMP/pass" "the broker path failed: no key within 40 s"
finish
