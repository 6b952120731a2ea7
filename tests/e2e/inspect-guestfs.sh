# cvmimg inspect with a passphrase, on a qcow2 image: the appliance kernel
# opens the root (a wrong passphrase exits 1), e2fsck finds it clean, and the
# --list entries are the tarball's (python tarfile) with their modes and owners,
# and the other way, every listed entry is the tarball's or one the build
# documents adding (tests/image/rootfs.py unexpected); the qcow2 path reads the
# same GPT and LUKS header as the raw path.
. "$CVMIMG_SOURCE_DIR/tests/cli/lib.sh"
. "$CVMIMG_SOURCE_DIR/tests/image/lib.sh"
need_image_tools
/usr/bin/python3 -c 'import guestfs' 2>/dev/null || { echo "SKIP: python3-guestfs missing"; exit 77; }
export LIBGUESTFS_BACKEND_SETTINGS=${LIBGUESTFS_BACKEND_SETTINGS:-force_tcg}

make_rootfs "$TMP/rootfs.tar" --many 50
quick_build "$TMP/out" "$TMP/rootfs.tar" --format qcow2 --size 400M >/dev/null 2>"$ERR" ||
	{ echo "build failed: $(cat "$ERR")"; exit 1; }
Q=$TMP/out/disk.qcow2

printf 'not it' >"$TMP/wrong"
run 1 inspect "$Q" --passphrase-file "$TMP/wrong" &&
	expect_in "$ERR" "the passphrase does not open the root partition"

run 0 inspect "$Q" --passphrase-file "$PASS" --list --json || finish
cp "$OUT" "$TMP/i.json"
current="the root under the appliance kernel"
checks=$((checks + 1))
jq -e '.root.fsck_clean and .root.fsck_exit == 0' "$TMP/i.json" >/dev/null ||
	fail "fsck: $(jq -c '.root | del(.entries)' "$TMP/i.json")"
[ "$(jq -r .root.uuid "$TMP/i.json")" = "$(jq -r .filesystem.uuid "$TMP/out/build.json")" ] ||
	fail "ext4 UUID"
# every tar entry is listed with its type, mode and owner
python3 "$ROOTFS_PY" expect "$TMP/rootfs.tar" | jq -c 'select(.kind != "hardlink") |
	[.path, ({"reg":"f","dir":"d","symlink":"l","chr":"c","blk":"b","fifo":"p"}[.kind]),
	 .mode, .uid, .gid]' | sort >"$TMP/want"
jq -c '.root.entries[] | [.path, .type, .mode, .uid, .gid]' "$TMP/i.json" | sort >"$TMP/got"
missing=$(comm -23 "$TMP/want" "$TMP/got")
[ -z "$missing" ] || fail "entries not listed as archived: $(head -5 <<<"$missing")"
[ "$(jq -r .root.entry_count "$TMP/i.json")" -ge "$(wc -l <"$TMP/want")" ] || fail "entry_count"
# and nothing listed that the tarball lacks, beyond what the build documents adding
jq -c '.root.entries[] | [.path, .type, .mode, .uid, .gid]' "$TMP/i.json" |
	python3 "$ROOTFS_PY" unexpected "$TMP/rootfs.tar" >"$TMP/extra" ||
	fail "entries not in the tarball: $(head -5 "$TMP/extra")"

current="qcow2 read through the appliance agrees with the raw path"
checks=$((checks + 1))
qemu-img convert -f qcow2 -O raw "$Q" "$TMP/disk.raw"
"$CVMIMG" inspect --json "$TMP/disk.raw" >"$TMP/raw.json" || fail "inspect of the raw copy"
lc() { tr 'A-Z' 'a-z'; }
for k in .disk.guid '.disk.partitions[1].uuid' '.disk.partitions[1].type' .luks.uuid \
	'.luks.keyslots["1"].kdf.type' .uki.sha256 .uki.authenticode.sha384; do
	[ "$(jq -r "$k" "$TMP/i.json" | lc)" = "$(jq -r "$k" "$TMP/raw.json" | lc)" ] ||
		fail "$k: qcow2 $(jq -r "$k" "$TMP/i.json"), raw $(jq -r "$k" "$TMP/raw.json")"
done
# and whole: the GPT, LUKS2 header, ESP files and UKI have one shape whichever path read them
for k in .disk .luks .esp_files .uki; do
	[ "$(jq -S "$k" "$TMP/i.json")" = "$(jq -S "$k" "$TMP/raw.json")" ] ||
		fail "$k differs: $(diff <(jq -S "$k" "$TMP/i.json") <(jq -S "$k" "$TMP/raw.json") | head -4)"
done
finish
