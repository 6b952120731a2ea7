# What cvmimg build does so that the image boots from its encrypted root
# (issue 5): /etc/crypttab and /etc/fstab written into the root (replacing the
# archive's), the refusal of an initrd that cannot unlock LUKS, and the
# --console / --cmdline-extra conveniences. Read back with cryptsetup
# (user-space decryption), debugfs and objcopy.
. "$(dirname "$0")/lib.sh"
. "$CVMIMG_SOURCE_DIR/tests/image/lib.sh"
need_image_tools
command -v objcopy >/dev/null || { echo "SKIP: objcopy missing"; exit 77; }

# a rootfs whose /etc/fstab says something else and whose /etc/crypttab is a symlink
mkdir -p "$TMP/r/etc" "$TMP/r/usr/bin"
echo "/dev/sda1 / ext4 defaults 0 1" >"$TMP/r/etc/fstab"
ln -s /nonexistent "$TMP/r/etc/crypttab"
echo hello >"$TMP/r/usr/bin/hello"
tar --numeric-owner --owner=0 --group=0 -C "$TMP/r" -cf "$TMP/r.tar" .

current="root config"
checks=$((checks + 1))
quick_build "$TMP/o" "$TMP/r.tar" --console ttyS0 --cmdline quiet --cmdline-extra "loglevel=3" \
	--console tty0 --json >"$TMP/o.json" 2>"$ERR" || fail "build: $(cat "$ERR")"
uuid=$(jq -r .luks.uuid "$TMP/o.json")
root_part "$TMP/o/disk.raw" "$TMP/o.img"
[ "$(cryptsetup luksUUID "$TMP/o.img")" = "$uuid" ] || fail "LUKS UUID of the partition"
decrypt_root "$TMP/o.img" "$PASS" || fail "decrypt"
debugfs -R "cat /etc/crypttab" "$TMP/o.img" 2>/dev/null | grep -v '^#' >"$TMP/crypttab"
debugfs -R "cat /etc/fstab" "$TMP/o.img" 2>/dev/null | grep -v '^#' >"$TMP/fstab"
[ "$(cat "$TMP/crypttab")" = "root UUID=$uuid none luks" ] || fail "crypttab: $(cat "$TMP/crypttab")"
[ "$(cat "$TMP/fstab")" = "/dev/mapper/root / ext4 defaults,errors=remount-ro 0 1" ] ||
	fail "fstab: $(cat "$TMP/fstab")"
debugfs -R "stat /etc/crypttab" "$TMP/o.img" 2>/dev/null | grep -q "Type: regular" ||
	fail "crypttab is not a regular file"
[ "$(jq -r .filesystem.archive_entries_replaced "$TMP/o.json")" = 2 ] || fail "replaced count"
[ "$(debugfs -R "cat /usr/bin/hello" "$TMP/o.img" 2>/dev/null)" = hello ] || fail "other files"

# the command line: what the root needs, --cmdline, then --cmdline-extra and --console in order
want="root=/dev/mapper/root cryptopts=target=root,source=UUID=$uuid,luks rd.luks.name=$uuid=root rw quiet console=ttyS0 loglevel=3 console=tty0"
[ "$(jq -r .boot.cmdline "$TMP/o.json")" = "$want" ] || fail "cmdline: $(jq -r .boot.cmdline "$TMP/o.json")"
objcopy -O binary --only-section=.cmdline "$TMP/o/uki.efi" "$TMP/cmdline.bin"
[ "$(tr -d '\0' <"$TMP/cmdline.bin")" = "$want" ] || fail "UKI .cmdline: $(cat "$TMP/cmdline.bin")"
[ "$(jq -r .boot.initrd.can_unlock_luks "$TMP/o.json")" = true ] &&
	[ "$(jq -r .boot.initrd.flavour "$TMP/o.json")" = initramfs-tools ] || fail "initrd in build.json"

# the three come from templates/: a site's own copy (CVMIMG_TEMPLATES) is what reaches the
# image, and a template naming a variable the build does not know fails the build
current="templates"
checks=$((checks + 1))
cp -r "$CVMIMG_SOURCE_DIR/templates" "$TMP/tpl"
sed -i 's/none luks$/none luks,discard/' "$TMP/tpl/crypttab"
echo "quiet-by-site" >>"$TMP/tpl/cmdline"
CVMIMG_TEMPLATES=$TMP/tpl quick_build "$TMP/t" "$TMP/r.tar" --json >"$TMP/t.json" 2>"$ERR" ||
	fail "build: $(cat "$ERR")"
tuuid=$(jq -r .luks.uuid "$TMP/t.json")
root_part "$TMP/t/disk.raw" "$TMP/t.img"
decrypt_root "$TMP/t.img" "$PASS" || fail "decrypt"
[ "$(debugfs -R "cat /etc/crypttab" "$TMP/t.img" 2>/dev/null | grep -v '^#')" = \
	"root UUID=$tuuid none luks,discard" ] || fail "site crypttab not used"
[ "$(jq -r .boot.cmdline "$TMP/t.json")" = \
	"root=/dev/mapper/root cryptopts=target=root,source=UUID=$tuuid,luks rd.luks.name=$tuuid=root rw quiet-by-site" ] ||
	fail "site cmdline: $(jq -r .boot.cmdline "$TMP/t.json")"
echo "UUID=@LUKS_UID@" >"$TMP/tpl/fstab"
rm -rf "$TMP/t"
CVMIMG_TEMPLATES=$TMP/tpl "$CVMIMG" build --rootfs "$TMP/r.tar" --output "$TMP/t" --passphrase-file "$PASS" \
	"${FAST_PBKDF[@]}" --kernel "$HOST_KERNEL" --initrd "$TMP/tiny.initrd" >"$OUT" 2>"$ERR"
[ $? = 3 ] || fail "a bad template: exit code is not 3"
expect_in "$ERR" "$TMP/tpl/fstab': unknown variable '@LUKS_UID@'"
[ -z "$(ls -A "$TMP/t" 2>/dev/null)" ] || fail "a bad template left files: $(ls -A "$TMP/t")"

# initrds that cannot unlock the root are refused, saying what is missing
bad_initrd() { # name, then the paths it holds
	local d=$TMP/bad-$1 f
	mkdir -p "$d"
	shift
	for f in "$@"; do mkdir -p "$d/$(dirname "$f")" && echo x >"$d/$f"; done
	(cd "$d" && find . | cpio -o -H newc --quiet) | gzip -n
}
bad_initrd nocs scripts/local-top/cryptroot lib/modules/6.1/kernel/drivers/md/dm-crypt.ko >"$TMP/nocs.img"
bad_initrd nodm usr/sbin/cryptsetup scripts/local-top/cryptroot >"$TMP/nodm.img"
bad_initrd noscript usr/sbin/cryptsetup scripts/local-top/lvm2 lib/modules/6.1/kernel/drivers/md/dm-crypt.ko >"$TMP/noscript.img"
head -c 4096 /dev/urandom >"$TMP/noise.img"
while IFS='|' read -r img phrase; do
	current="initrd $img"
	checks=$((checks + 1))
	rm -rf "$TMP/x"
	"$CVMIMG" build --rootfs "$TMP/r.tar" --output "$TMP/x" --passphrase-file "$PASS" \
		"${FAST_PBKDF[@]}" --kernel "$HOST_KERNEL" --initrd "$TMP/$img" >"$OUT" 2>"$ERR"
	[ $? = 3 ] || fail "exit code is not 3"
	expect_in "$ERR" "$phrase"
	expect_empty "$OUT"
	[ "$(wc -l <"$ERR")" = 1 ] || fail "more than one line"
	[ -z "$(ls -A "$TMP/x" 2>/dev/null)" ] || fail "left files: $(ls -A "$TMP/x")"
done <<CASES
nocs.img|the initrd '$TMP/nocs.img' cannot unlock the encrypted root (no cryptsetup binary): install cryptsetup-initramfs
nodm.img|cannot unlock the encrypted root (no dm-crypt kernel module)
noscript.img|cannot unlock the encrypted root (no cryptroot script of initramfs-tools)
noise.img|cannot read the initrd '$TMP/noise.img': initrd:
CASES

# --skip-initrd-check packs it anyway
current="--skip-initrd-check"
checks=$((checks + 1))
quick_build "$TMP/s" "$TMP/r.tar" --initrd "$TMP/nocs.img" --skip-initrd-check --json >"$TMP/s.json" \
	2>"$ERR" || fail "build: $(cat "$ERR")"
[ "$(jq -r .boot.initrd.can_unlock_luks "$TMP/s.json")" = false ] || fail "can_unlock_luks"

# usage
run 2 build --rootfs "$TMP/r.tar" --output "$TMP/u" --console "" && expect_in "$ERR" "is empty"
run 2 build --rootfs "$TMP/r.tar" --output "$TMP/u" --cmdline-extra "$(head -c 3000 /dev/zero | tr '\0' a)" &&
	expect_in "$ERR" "too long"
finish
