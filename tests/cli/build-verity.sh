# cvmimg build --verity (issue 13): a dm-verity tree over the root's plaintext,
# inside the LUKS2 data segment, its root hash on the UKI's command line.
# Judged by independent tools: cryptsetup decrypts the root in user space,
# veritysetup verify/dump check the tree with the parameters read from the
# UKI's .cmdline (objcopy), e2fsck and debugfs read the filesystem.
. "$(dirname "$0")/lib.sh"
. "$CVMIMG_SOURCE_DIR/tests/image/lib.sh"
need_image_tools
for t in veritysetup objcopy dumpe2fs; do
	command -v "$t" >/dev/null || { echo "SKIP: $t missing"; exit 77; }
done
make_rootfs "$TMP/rootfs.tar"

# the build refuses an initrd that cannot open the verity root, naming what it lacks
current="initrd check"
checks=$((checks + 1))
quick_build "$TMP/n" "$TMP/rootfs.tar" --verity >/dev/null 2>"$ERR" && fail "built with a plain initrd"
grep -qF "cannot open the verity root (no dm-verity kernel module)" "$ERR" || fail "$(cat "$ERR")"
[ -e "$TMP/n/disk.raw" ] && fail "a disk.raw after a refused initrd"
# from now on the tiny initrd also holds what the build looks for: veritysetup,
# dm-verity and cvmimg's local-top script (templates/initramfs-tools)
d=$TMP/tiny-initrd-root
mkdir -p "$d/scripts/local-top"
echo x >"$d/usr/sbin/veritysetup"
echo x >"$d/usr/lib/modules/6.1.0-0-amd64/kernel/drivers/md/dm-verity.ko"
cp "$CVMIMG_SOURCE_DIR/templates/initramfs-tools/scripts/local-top/cvmimg-verity" "$d/scripts/local-top/"
(cd "$d" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) >"$TMP/tiny.initrd"
rm "$d/scripts/local-top/cvmimg-verity"
(cd "$d" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) >"$TMP/no-script.initrd"
quick_build "$TMP/n" "$TMP/rootfs.tar" --verity --initrd "$TMP/no-script.initrd" >/dev/null 2>"$ERR" &&
	fail "built without the cvmimg-verity script"
grep -qF "(no cvmimg-verity script of initramfs-tools)" "$ERR" || fail "$(cat "$ERR")"

# a value from the UKI's command line: word=VALUE, or an option of systemd.verity_root_options
cmdline_word() { tr ' ' '\n' <"$1" | sed -n "s/^$2=//p" | tail -n1; }
verity_option() { cmdline_word "$1" systemd.verity_root_options | tr ',' '\n' | sed -n "s/^$2=//p"; }

current="two builds, same inputs and seed: same root hash, other keys"
checks=$((checks + 1))
for i in 1 2; do
	SOURCE_DATE_EPOCH=1700000002 quick_build "$TMP/v$i" "$TMP/rootfs.tar" --seed same --verity \
		--json >"$TMP/v$i.json" 2>"$ERR" || fail "build $i: $(cat "$ERR")"
	root_part "$TMP/v$i/disk.raw" "$TMP/v$i.img"
	cryptsetup luksDump --dump-volume-key --batch-mode --key-file "$PASS" "$TMP/v$i.img" 2>/dev/null |
		tr -d ' \t' | tr '\n' ' ' | sed 's/.*MK dump://' >"$TMP/vk$i"
done
[ -s "$TMP/vk1" ] || fail "cryptsetup did not show the volume key"
cmp -s "$TMP/vk1" "$TMP/vk2" && fail "the two builds have the same volume key"
R1=$(jq -r .verity.root_hash "$TMP/v1.json")
[ "${#R1}" = 64 ] || fail "root_hash '$R1'"
[ "$R1" = "$(jq -r .verity.root_hash "$TMP/v2.json")" ] || fail "the root hashes differ"
SOURCE_DATE_EPOCH=1700000002 quick_build "$TMP/v3" "$TMP/rootfs.tar" --seed other --verity \
	--json >"$TMP/v3.json" 2>"$ERR" || fail "build 3: $(cat "$ERR")"
[ "$R1" != "$(jq -r .verity.root_hash "$TMP/v3.json")" ] || fail "another seed, the same root hash"
[ "$(jq -r .verity.salt "$TMP/v1.json")" != "$(jq -r .verity.salt "$TMP/v3.json")" ] ||
	fail "another seed, the same salt"
rm -rf "$TMP/v3" "$TMP/v3.json"

current="build.json verity object"
checks=$((checks + 1))
J=$TMP/v1.json
[ "$(jq .boot.initrd.can_open_verity "$J")" = true ] || fail "initrd.can_open_verity"
[ "$(jq -r '.verity | keys_unsorted | join(",")' "$J")" = \
	"root_hash,salt,data_blocks,hash_offset,data_block_size,hash_block_size,hash_algorithm,uuid" ] ||
	fail "keys: $(jq -c '.verity | keys_unsorted' "$J")"
[ "$(jq -r '.verity | "\(.data_block_size) \(.hash_block_size) \(.hash_algorithm)"' "$J")" = \
	"4096 4096 sha256" ] || fail "sizes and algorithm: $(jq -c .verity "$J")"
DB=$(jq -r .verity.data_blocks "$J")
HO=$(jq -r .verity.hash_offset "$J")
[ "$DB" = "$(jq -r .filesystem.blocks "$J")" ] || fail "data_blocks is not the filesystem's size"
[ "$HO" = $((DB * 4096)) ] || fail "hash_offset $HO is not right after the filesystem"

current="the UKI's .cmdline carries the parameters"
checks=$((checks + 1))
objcopy -O binary --only-section=.cmdline "$TMP/v1/uki.efi" "$TMP/cmdline" 2>/dev/null ||
	fail "no .cmdline section"
tr -d '\0' <"$TMP/cmdline" >"$TMP/cmdline.txt"
C_ROOT=$(cmdline_word "$TMP/cmdline.txt" roothash)
C_OFF=$(verity_option "$TMP/cmdline.txt" hash-offset)
C_SALT=$(verity_option "$TMP/cmdline.txt" salt)
C_BLOCKS=$(verity_option "$TMP/cmdline.txt" data-blocks)
[ "$C_ROOT" = "$R1" ] || fail "roothash= '$C_ROOT'"
[ "$C_OFF" = "$HO" ] && [ "$C_BLOCKS" = "$DB" ] && [ "$C_SALT" = "$(jq -r .verity.salt "$J")" ] ||
	fail "options: $(cat "$TMP/cmdline.txt")"
[ "$(jq -r .boot.cmdline "$J")" = "$(cat "$TMP/cmdline.txt")" ] || fail "build.json's cmdline"
uuid=$(jq -r .luks.uuid "$J")
for w in root=/dev/mapper/root "cryptopts=target=root_crypt,source=UUID=$uuid,luks" \
	"rd.luks.name=$uuid=root_crypt" systemd.verity_root_data=/dev/mapper/root_crypt \
	systemd.verity_root_hash=/dev/mapper/root_crypt ro; do
	tr ' ' '\n' <"$TMP/cmdline.txt" | grep -qxF -- "$w" || fail "no '$w' in $(cat "$TMP/cmdline.txt")"
done

current="veritysetup verify and dump the decrypted root with the .cmdline's parameters"
checks=$((checks + 1))
for i in 1 2; do
	decrypt_root "$TMP/v$i.img" "$PASS" || fail "decrypt $i"
done
veritysetup verify "$TMP/v1.img" "$TMP/v1.img" "$C_ROOT" --hash-offset="$C_OFF" >"$TMP/vv" 2>&1 ||
	fail "veritysetup verify: $(cat "$TMP/vv")"
veritysetup dump "$TMP/v1.img" --hash-offset="$C_OFF" >"$TMP/dump" 2>&1 || fail "dump: $(cat "$TMP/dump")"
grep -Eq "^Data blocks:[[:space:]]+$C_BLOCKS$" "$TMP/dump" || fail "dump: $(cat "$TMP/dump")"
grep -Eq "^Salt:[[:space:]]+$C_SALT$" "$TMP/dump" || fail "dump: $(cat "$TMP/dump")"
grep -Eq "^Hash algorithm:[[:space:]]+sha256$" "$TMP/dump" || fail "dump: $(cat "$TMP/dump")"
grep -Eq "^UUID:[[:space:]]+$(jq -r .verity.uuid "$J")$" "$TMP/dump" || fail "dump: $(cat "$TMP/dump")"
# every block under the tree is plaintext of the inputs: both builds decrypt to the same bytes
AREA=$(((C_BLOCKS + $(sed -n 's/^Hash blocks:[[:space:]]*//p' "$TMP/dump") + 1) * 4096))
cmp -s <(head -c "$AREA" "$TMP/v1.img") <(head -c "$AREA" "$TMP/v2.img") ||
	fail "the decrypted filesystem and tree differ between the builds"

current="the filesystem: read-only features, clean, the tarball's content"
checks=$((checks + 1))
e2fsck -fn "$TMP/v1.img" >"$TMP/fsck" 2>&1 || fail "e2fsck: $(tail -5 "$TMP/fsck")"
python3 "$ROOTFS_PY" compare "$TMP/rootfs.tar" "$TMP/v1.img" --clamp 1700000002 >"$TMP/cmp" ||
	fail "image differs from the tarball: $(head -10 "$TMP/cmp")"
dumpe2fs -h "$TMP/v1.img" 2>/dev/null >"$TMP/dumpe2fs"
grep -q "Filesystem features:.*has_journal" "$TMP/dumpe2fs" && fail "a journal on a read-only root"
grep -q "Filesystem features:.*resize_inode" "$TMP/dumpe2fs" && fail "a resize inode"
grep -q "Filesystem state: *clean" "$TMP/dumpe2fs" || fail "state: $(grep state "$TMP/dumpe2fs")"
dumpe2fs "$TMP/v1.img" 2>/dev/null | grep "^Group [0-9]*:" | grep -v ITABLE_ZEROED &&
	fail "inode tables not marked zeroed"
[ "$(debugfs -R "cat /etc/fstab" "$TMP/v1.img" 2>/dev/null | grep -v '^#')" = \
	"/dev/mapper/root / ext4 ro 0 0" ] || fail "fstab: $(debugfs -R "cat /etc/fstab" "$TMP/v1.img")"
[ "$(debugfs -R "cat /etc/crypttab" "$TMP/v1.img" 2>/dev/null | grep -v '^#')" = \
	"root_crypt UUID=$uuid none luks" ] || fail "crypttab"

current="one changed byte of a file: veritysetup verify refuses"
checks=$((checks + 1))
blk=$(debugfs -R "bmap /etc/hostname 0" "$TMP/v1.img" 2>/dev/null)
[ -n "$blk" ] && [ "$blk" -gt 0 ] || fail "no block for /etc/hostname"
printf 'X' | dd of="$TMP/v1.img" bs=1 seek=$((blk * 4096)) conv=notrunc status=none
veritysetup verify "$TMP/v1.img" "$TMP/v1.img" "$C_ROOT" --hash-offset="$C_OFF" >"$TMP/vv" 2>&1 &&
	fail "a changed file is accepted"
grep -q "Verification failed" "$TMP/vv" || fail "veritysetup: $(cat "$TMP/vv")"
# and a changed byte of the tree (the level-0 block of that data block)
veritysetup verify "$TMP/v2.img" "$TMP/v2.img" "$C_ROOT" --hash-offset="$C_OFF" >/dev/null 2>&1 ||
	fail "the second build does not verify"
printf '\377' | dd of="$TMP/v2.img" bs=1 seek=$((AREA - 4096 - 1)) conv=notrunc status=none
veritysetup verify "$TMP/v2.img" "$TMP/v2.img" "$C_ROOT" --hash-offset="$C_OFF" >"$TMP/vv" 2>&1 &&
	fail "a changed hash block is accepted"

# cvmimg verity verify: the same check from the image itself, in user space
run 0 verity verify "$TMP/v1/disk.raw" --passphrase-file "$PASS" &&
	expect_in "$OUT" "$TMP/v1/disk.raw: verified (root hash $R1, $DB data blocks)"
expect_empty "$ERR"
run 0 verity verify "$TMP/v1/disk.raw" --uki "$TMP/v1/uki.efi" --passphrase-file "$PASS" --json
[ "$(jq -c '[.verified, .superblock_matches, .root_hash_matches, .first_bad_data_block]' "$OUT")" = \
	"[true,true,true,null]" ] || fail "verify --json: $(cat "$OUT")"
[ "$(jq -c .verity "$OUT")" = "$(jq -c .verity "$J")" ] || fail "verify's verity object"
run 0 inspect "$TMP/v1/disk.raw" --json
[ "$(jq -c .verity "$OUT")" = "$(jq -c '.verity | del(.uuid)' "$J")" ] ||
	fail "inspect's verity: $(jq -c .verity "$OUT")"
run 0 inspect "$TMP/v1/disk.raw" && expect_in "$OUT" "verity: root hash $R1"
printf 'wrong' >"$TMP/wrong"
run 1 verity verify "$TMP/v1/disk.raw" --passphrase-file "$TMP/wrong" &&
	expect_in "$ERR" "the passphrase opens no keyslot"
expect_empty "$OUT"
# ciphertext flipped in the block that holds /etc/hostname, then in the hash area
ROOT_START=$(jq '.disk.partitions[1].start' "$J")
SEG=$((ROOT_START + $(jq -r '.luks.segments["0"].offset' "$J")))
cp --sparse=always "$TMP/v1/disk.raw" "$TMP/t.raw"
printf 'XY' | dd of="$TMP/t.raw" bs=1 seek=$((SEG + blk * 4096 + 100)) conv=notrunc status=none
run 1 verity verify "$TMP/t.raw" --passphrase-file "$PASS" &&
	expect_in "$OUT" "data block $blk does not match the tree"
cp --sparse=always "$TMP/v1/disk.raw" "$TMP/t.raw"
printf 'XY' | dd of="$TMP/t.raw" bs=1 seek=$((SEG + HO + 4096 + 10)) conv=notrunc status=none
run 1 verity verify "$TMP/t.raw" --passphrase-file "$PASS" --json &&
	[ "$(jq .first_bad_hash_block "$OUT")" = 0 ] || fail "hash area: $(cat "$OUT")"
rm -rf "$TMP"/v[12]* "$TMP/t.raw"

current="verity verify: not a verity image, qcow2, usage"
checks=$((checks + 1))
quick_build "$TMP/p" "$TMP/rootfs.tar" >/dev/null 2>"$ERR" || fail "build: $(cat "$ERR")"
run 3 verity verify "$TMP/p/disk.raw" --passphrase-file "$PASS" &&
	expect_in "$ERR" "names no verity root"
run 0 inspect "$TMP/p/disk.raw" --json
[ "$(jq .verity "$OUT")" = null ] || fail "inspect shows verity for a plain root"
qemu-img convert -O qcow2 "$TMP/p/disk.raw" "$TMP/p.qcow2" 2>/dev/null &&
	run 3 verity verify "$TMP/p.qcow2" --passphrase-file "$PASS" && expect_in "$ERR" "is qcow2"
run 2 verity verify --passphrase-file "$PASS" && expect_in "$ERR" "verify needs an IMAGE"
run 2 verity && expect_in "$ERR" "verity"
run 3 verity verify "$TMP/nonexistent.raw" --passphrase-file "$PASS"
rm -rf "$TMP/p" "$TMP/p.qcow2"

current="--size: the filesystem gives up room for the tree"
checks=$((checks + 1))
quick_build "$TMP/s" "$TMP/rootfs.tar" --size 400M --verity --json >"$TMP/s.json" 2>"$ERR" ||
	fail "build: $(cat "$ERR")"
root_part "$TMP/s/disk.raw" "$TMP/s.img"
[ $(($(stat -c %s "$TMP/s/disk.raw") >> 20)) = 400 ] || fail "disk size $(stat -c %s "$TMP/s/disk.raw")"
decrypt_root "$TMP/s.img" "$PASS" || fail "decrypt"
veritysetup verify "$TMP/s.img" "$TMP/s.img" "$(jq -r .verity.root_hash "$TMP/s.json")" \
	--hash-offset="$(jq -r .verity.hash_offset "$TMP/s.json")" >"$TMP/vv" 2>&1 ||
	fail "veritysetup verify: $(cat "$TMP/vv")"
e2fsck -fn "$TMP/s.img" >"$TMP/fsck" 2>&1 || fail "e2fsck: $(tail -5 "$TMP/fsck")"
rm -rf "$TMP/s" "$TMP/s.img"
run 3 build --rootfs "$TMP/rootfs.tar" --output "$TMP/small" --passphrase-file "$PASS" \
	--size 300M --verity --kernel "$HOST_KERNEL" --initrd "$TMP/tiny.initrd"
expect_in "$ERR" "too small"
[ -e "$TMP/small/disk.raw" ] && fail "a disk.raw after a failed build"

finish
