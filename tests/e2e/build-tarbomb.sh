# A tar bomb: a million empty files (ten directories of 100000) in a gzip
# archive of a few MB. The build takes them in linear time and bounded
# memory (about 24 bytes per name), the filesystem gets enough inodes, e2fsck
# finds it clean, and a 100000-entry directory lists in full. --max-entries
# turns the same archive into a clear refusal.
. "$CVMIMG_SOURCE_DIR/tests/cli/lib.sh"
. "$CVMIMG_SOURCE_DIR/tests/image/lib.sh"
need_image_tools
N=${CVMIMG_BOMB_ENTRIES:-1000000}

python3 - "$TMP/bomb.tar.gz" "$N" <<'PY'
import sys, tarfile
n = int(sys.argv[2])
with tarfile.open(sys.argv[1], "w:gz", compresslevel=1, format=tarfile.USTAR_FORMAT) as tf:
    for d in range((n + 99999) // 100000):
        ti = tarfile.TarInfo("d%d" % d)
        ti.type, ti.mode = tarfile.DIRTYPE, 0o755
        tf.addfile(ti)
    for i in range(n):
        ti = tarfile.TarInfo("d%d/f%07d" % (i // 100000, i))
        ti.mtime = 1700000000
        tf.addfile(ti)
PY
echo "archive: $(du -k "$TMP/bomb.tar.gz" | cut -f1) KiB for $N entries"

run 3 build --rootfs "$TMP/bomb.tar.gz" -o "$TMP/h" --max-entries 1000 --passphrase-file "$PASS" \
	"${FAST_PBKDF[@]}" --kernel "$HOST_KERNEL" --initrd "$TMP/tiny.initrd" &&
	expect_in "$ERR" "has more than 1000 entries"

current="build of $N entries"
checks=$((checks + 1))
start=$(date +%s)
/usr/bin/time -f "%M" -o "$TMP/rss" "$CVMIMG" build --rootfs "$TMP/bomb.tar.gz" -o "$TMP/out" \
	--passphrase-file "$PASS" "${FAST_PBKDF[@]}" --kernel "$HOST_KERNEL" \
	--initrd "$TMP/tiny.initrd" >/dev/null 2>"$ERR" || fail "build: $(cat "$ERR")"
echo "built in $(($(date +%s) - start)) s, peak RSS $(($(cat "$TMP/rss") / 1024)) MB"
[ "$(cat "$TMP/rss")" -lt $((200 * 1024)) ] || fail "peak RSS $(cat "$TMP/rss") KiB"
jq -e --argjson n "$N" '.filesystem | .entries == ($n + (($n + 99999) / 100000 | floor)) and
	.inodes >= .inodes_used and .inodes_used > $n' "$TMP/out/build.json" >/dev/null ||
	fail "filesystem: $(jq -c .filesystem "$TMP/out/build.json")"

current="the filesystem holds them"
checks=$((checks + 1))
root_part "$TMP/out/disk.raw" "$TMP/root.img"
rm -rf "$TMP/out"
decrypt_root "$TMP/root.img" "$PASS" || fail "decrypt"
e2fsck -fn "$TMP/root.img" >"$TMP/fsck" 2>&1 || fail "e2fsck: $(tail -5 "$TMP/fsck")"
want=$((N < 100000 ? N : 100000))
got=$(debugfs -R "ls -p /d0" "$TMP/root.img" 2>/dev/null | grep -c '/f[0-9]')
[ "$got" = "$want" ] || fail "/d0 lists $got files, expected $want"
finish
