# cvmimg build under a real kernel: libguestfs opens the root partition with
# the passphrase through the kernel's dm-crypt, e2fsck -fn runs inside the
# appliance, and every entry of the tarball is compared with what the kernel
# shows (tests/image/guestfs-check.py). Two rootfs: the synthetic one (every
# entry kind) and, when it can be had, the cached Debian 12 debootstrap
# fixture (scripts/rootfs-fixture) with its own kernel and initrd.
. "$CVMIMG_SOURCE_DIR/tests/cli/lib.sh"
. "$CVMIMG_SOURCE_DIR/tests/image/lib.sh"
need_image_tools
/usr/bin/python3 -c 'import guestfs' 2>/dev/null || { echo "SKIP: python3-guestfs missing"; exit 77; }
export LIBGUESTFS_BACKEND_SETTINGS=${LIBGUESTFS_BACKEND_SETTINGS:-force_tcg}
CHECK=$CVMIMG_SOURCE_DIR/tests/image/guestfs-check.py

guestfs_check() { # NAME DISK TAR
	current="$1 under the appliance kernel"
	checks=$((checks + 1))
	nice /usr/bin/python3 "$CHECK" "$2" "$PASS" "$3" >"$TMP/check.log" 2>&1 ||
		fail "$(tail -30 "$TMP/check.log")"
	tail -1 "$TMP/check.log"
}

# --- the synthetic rootfs ---
mkdir -p "$TMP/sp/sparse"
truncate -s 20M "$TMP/sp/sparse/holes"
printf middle | dd of="$TMP/sp/sparse/holes" bs=1 seek=8388613 conv=notrunc status=none
tar --format=posix --sparse --numeric-owner --owner=0 --group=0 --mtime=@1700000000 \
	-C "$TMP/sp" -cf "$TMP/sparse.tar" ./sparse
make_rootfs "$TMP/syn.tar" --sparse-tar "$TMP/sparse.tar"
current="build of the synthetic rootfs"
checks=$((checks + 1))
quick_build "$TMP/syn" "$TMP/syn.tar" >/dev/null 2>"$ERR" || fail "build: $(cat "$ERR")"
guestfs_check "synthetic rootfs" "$TMP/syn/disk.raw" "$TMP/syn.tar"
rm -rf "$TMP/syn"

# --- Debian 12 from debootstrap (cached; built on first use as root) ---
# only a missing tool or privilege (exit 77) skips this half; any other failure
# of the fixture fails the test instead of dropping the Debian half silently
fixture=$("$CVMIMG_SOURCE_DIR/scripts/rootfs-fixture" 2>"$TMP/fixture.err")
rc=$?
if [ "$rc" = 77 ]; then
	echo "note: no Debian fixture, its part is skipped: $(tail -1 "$TMP/fixture.err")"
	finish
fi
if [ "$rc" != 0 ] || [ ! -s "$fixture" ]; then
	current="scripts/rootfs-fixture"
	checks=$((checks + 1))
	fail "exit $rc: $(tail -3 "$TMP/fixture.err")"
	finish
fi
current="build of the Debian rootfs"
checks=$((checks + 1))
start=$(date +%s)
nice "$CVMIMG" build --rootfs "$fixture" --output "$TMP/deb" --passphrase-file "$PASS" \
	"${FAST_PBKDF[@]}" --cmdline console=ttyS0 --seed e2e >/dev/null 2>"$ERR" ||
	fail "build: $(cat "$ERR")"
echo "Debian rootfs built in $(($(date +%s) - start)) s"
want=$(tar -tf "$fixture" | sed -n 's|^\./boot/vmlinuz-||p' | sort -V | tail -n1)
[ "$(jq -r .boot.kernel.version "$TMP/deb/build.json")" = "$want" ] ||
	fail "kernel $(jq -r .boot.kernel.version "$TMP/deb/build.json"), expected $want"
osrel=$(tar -tf "$fixture" | grep -m1 -E '^\./usr/lib/os-release$')
tar -xOf "$fixture" "$osrel" >"$TMP/os-release"
objcopy -O binary --only-section=.osrel "$TMP/deb/uki.efi" "$TMP/osrel" 2>/dev/null
cmp -s "$TMP/os-release" "$TMP/osrel" || fail "the UKI's .osrel is not the rootfs's os-release"
guestfs_check "Debian rootfs" "$TMP/deb/disk.raw" "$fixture"
finish
