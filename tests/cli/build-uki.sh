# cvmimg build streams its UKI into DIR/uki.efi (cvm_uki_write), judged by
# pesign (the Authenticode SHA-256 in build.json), by `cvmimg uki` (the
# in-memory cvm_uki_build must give the same bytes from the same parts) and by
# GNU time: with a 48 MiB initrd in the rootfs, the kernel and initrd are held
# once (peak RSS under their size plus 32 MiB; holding them twice, as the UKI
# buffer did, needs twice their size).
. "$(dirname "$0")/lib.sh"
. "$CVMIMG_SOURCE_DIR/tests/image/lib.sh"
need_image_tools
for t in pesign objcopy cmp; do
	command -v $t >/dev/null || { echo "SKIP: $t missing"; exit 77; }
done
[ -x /usr/bin/time ] || { echo "SKIP: /usr/bin/time missing (package time)"; exit 77; }

# The kernel and initrd come from the archive's /boot, as in a real rootfs.
V=6.1.0-99-cvmtest
mkdir -p "$TMP/r/boot" "$TMP/r/etc"
cp "$HOST_KERNEL" "$TMP/r/boot/vmlinuz-$V"
# an initrd the unlock check accepts (tiny_initrd's files), made large by 48 MiB of noise
d=$TMP/tiny-initrd-root
tiny_initrd "$TMP/tiny.initrd"
head -c 48M /dev/urandom >"$d/noise"
(cd "$d" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) >"$TMP/r/boot/initrd.img-$V"
printf 'ID=cvmtest\nVERSION_ID=7\nPRETTY_NAME="cvm test 7"\n' >"$TMP/r/etc/os-release"
tar --numeric-owner -C "$TMP/r" -cf "$TMP/boot.tar" .

current="build"
checks=$((checks + 1))
/usr/bin/time -f %M -o "$TMP/rss" "$CVMIMG" build --rootfs "$TMP/boot.tar" --output "$TMP/out" \
	--passphrase-file "$PASS" "${FAST_PBKDF[@]}" --seed u1 >"$OUT" 2>"$ERR" ||
	{ fail "build failed: $(cat "$ERR")"; finish; }
M=$TMP/out/build.json
U=$TMP/out/uki.efi

current="Authenticode SHA-256 (pesign -h)"
checks=$((checks + 1))
theirs=$(pesign -h -i "$U" | sed -n 's/^hash: //p')
ours=$(jq -r .boot.uki.authenticode.sha256 "$M")
[ -n "$theirs" ] && [ "$ours" = "$theirs" ] || fail "build.json $ours, pesign $theirs"
[ "$(jq -r '.artifacts[] | select(.name == "uki.efi") | .size' "$M")" = "$(stat -c %s "$U")" ] ||
	fail "build.json's size of uki.efi is not the file's"

current="the same bytes as cvmimg uki"
checks=$((checks + 1))
objcopy -O binary --only-section=.cmdline "$U" "$TMP/cmdline"
run 0 uki --linux "$TMP/r/boot/vmlinuz-$V" --initrd "$TMP/r/boot/initrd.img-$V" \
	--cmdline "@$TMP/cmdline" --os-release "$TMP/r/etc/os-release" -o "$TMP/mem.efi"
cmp -s "$U" "$TMP/mem.efi" || fail "uki.efi differs from cvmimg uki's: $(cmp "$U" "$TMP/mem.efi")"

# ASan's shadow memory and quarantine make RSS meaningless there.
if ! ldd "$CVMIMG" 2>/dev/null | grep -q libasan; then
	current="peak RSS"
	checks=$((checks + 1))
	parts=$((($(stat -c %s "$HOST_KERNEL") + $(stat -c %s "$TMP/r/boot/initrd.img-$V")) / 1024))
	rss=$(cat "$TMP/rss")
	[ "$rss" -lt $((parts + 32 * 1024)) ] ||
		fail "peak RSS $rss KiB with $parts KiB of kernel and initrd: held twice?"
fi
finish
