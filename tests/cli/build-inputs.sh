# cvmimg build: usage errors, passphrase sources, hostile and odd archives,
# and the all-or-nothing outputs. Refusals must exit 3 with one line naming
# the archive and the entry, and leave no file behind.
. "$(dirname "$0")/lib.sh"
. "$CVMIMG_SOURCE_DIR/tests/image/lib.sh"
need_image_tools
HOSTILE=$CVMIMG_SOURCE_DIR/tests/image/hostile.py

mkdir -p "$TMP/r/etc"
echo demo >"$TMP/r/etc/hostname"
tar --numeric-owner -C "$TMP/r" -cf "$TMP/small.tar" .
B=(--passphrase-file "$PASS" "${FAST_PBKDF[@]}" --kernel "$HOST_KERNEL" --initrd "$TMP/tiny.initrd")

# nothing but what a successful build leaves
no_outputs() {
	if [ -d "$1" ] && [ -n "$(ls -A "$1")" ]; then
		fail "left behind: $(ls -A "$1" | tr '\n' ' ')"
	fi
}

keyslot_accepts() { # DISK KEYFILE
	root_part "$1" "$TMP/part.img"
	cryptsetup open --test-passphrase --key-file "$2" "$TMP/part.img" ||
		fail "the image does not accept $(basename "$2")"
	rm -f "$TMP/part.img"
}

# --- usage ---
run 2 build --output "$TMP/u" "${B[@]}" && expect_in "$ERR" "--rootfs is required"
run 2 build --rootfs "$TMP/small.tar" "${B[@]}" && expect_in "$ERR" "--output is required"
run 2 build --rootfs "$TMP/small.tar" -o "$TMP/u" "${B[@]}" --size 100K &&
	expect_in "$ERR" "--size must be a multiple of 1M"
run 2 build --rootfs "$TMP/small.tar" -o "$TMP/u" "${B[@]}" --size lots &&
	expect_in "$ERR" "--size needs auto or a size"
run 2 build --rootfs "$TMP/small.tar" -o "$TMP/u" "${B[@]}" --format vmdk &&
	expect_in "$ERR" "--format is raw or qcow2"
run 2 build --rootfs "$TMP/small.tar" -o "$TMP/u" "${B[@]}" --passphrase-env X &&
	expect_in "$ERR" "give one of --passphrase-file"
run 2 build --rootfs - -o "$TMP/u" "${B[@]}" && expect_in "$ERR" "--rootfs - needs --size"
run 2 build --rootfs "$TMP/small.tar" -o "$TMP/u" "${FAST_PBKDF[@]}" --passphrase-file "$PASS" \
	--pbkdf-iterations 2 && expect_in "$ERR" "--pbkdf-iterations must be between 4"
current="no passphrase source and no terminal"
checks=$((checks + 1))
setsid -w "$CVMIMG" build --rootfs "$TMP/small.tar" -o "$TMP/u" </dev/null >"$OUT" 2>"$ERR"
[ $? = 2 ] || fail "exit $?, expected 2"
expect_in "$ERR" "no passphrase: use --passphrase-file"
no_outputs "$TMP/u"

# --- passphrase sources ---
: >"$TMP/empty"
run 3 build --rootfs "$TMP/small.tar" -o "$TMP/u" --passphrase-file "$TMP/empty" &&
	expect_in "$ERR" "the passphrase is empty"
head -c 600 /dev/zero | tr '\0' a >"$TMP/huge"
run 3 build --rootfs "$TMP/small.tar" -o "$TMP/u" --passphrase-file "$TMP/huge" &&
	expect_in "$ERR" "longer than 512 bytes"
no_outputs "$TMP/u"
printf 'from env' >"$TMP/p-env"
current="--passphrase-env, --luks-uuid, --luks-label, --fs-label"
checks=$((checks + 1))
U=0d5c4a2e-8a7f-4b61-9e3a-2f1c0b9d8e71
CVM_TEST_PASS='from env' "$CVMIMG" build --rootfs "$TMP/small.tar" -o "$TMP/e" --passphrase-env \
	CVM_TEST_PASS "${FAST_PBKDF[@]}" --kernel "$HOST_KERNEL" --initrd "$TMP/tiny.initrd" \
	--luks-uuid "$U" --luks-label vault --fs-label rootfs >/dev/null 2>"$ERR" ||
	fail "build: $(cat "$ERR")"
keyslot_accepts "$TMP/e/disk.raw" "$TMP/p-env"
root_part "$TMP/e/disk.raw" "$TMP/part.img"
[ "$(cryptsetup luksUUID "$TMP/part.img")" = "$U" ] || fail "LUKS UUID"
cryptsetup luksDump "$TMP/part.img" | grep -q "^Label:[[:space:]]*vault$" || fail "LUKS label"
decrypt_root "$TMP/part.img" "$TMP/p-env" && [ "$(e2label "$TMP/part.img")" = rootfs ] || fail "ext4 label"
jq -e --arg u "$U" '.luks.uuid == $u and .luks.label == "vault" and .filesystem.label == "rootfs"' \
	"$TMP/e/build.json" >/dev/null || fail "build.json labels"
rm -f "$TMP/part.img"*
run 3 build --rootfs "$TMP/small.tar" -o "$TMP/u" "${B[@]}" --luks-uuid not-a-uuid &&
	expect_in "$ERR" "'not-a-uuid' is not a UUID"

current="the terminal prompt, asked twice"
checks=$((checks + 1))
if command -v expect >/dev/null; then
	cat >"$TMP/prompt.exp" <<'EXP'
# prompt.exp FIRST SECOND COMMAND...: answer the two prompts
set timeout 60
set first [lindex $argv 0]
set second [lindex $argv 1]
spawn {*}[lrange $argv 2 end]
expect {
	"Passphrase: " { send "$first\r" }
	timeout { exit 98 }
}
expect {
	"Passphrase (again): " { send "$second\r" }
	timeout { exit 98 }
}
expect {
	eof {}
	timeout { exit 98 }
}
catch wait result
exit [lindex $result 3]
EXP
	P=(--rootfs "$TMP/small.tar" "${FAST_PBKDF[@]}" --kernel "$HOST_KERNEL" --initrd "$TMP/tiny.initrd")
	expect "$TMP/prompt.exp" "typed at the tty" "typed at the tty" "$CVMIMG" build -o "$TMP/t" "${P[@]}" \
		>"$TMP/prompt.log" 2>&1 || fail "prompted build: $(tail -3 "$TMP/prompt.log")"
	printf 'typed at the tty' >"$TMP/p-tty"
	keyslot_accepts "$TMP/t/disk.raw" "$TMP/p-tty"
	grep -q "typed at the tty" <(sed 1d "$TMP/prompt.log") && fail "the passphrase was echoed"
	# on a terminal the progress bar is drawn (in a pipe stderr stays empty: tests/cli/build.sh)
	grep -qF '] 100% finish partition table and digests' "$TMP/prompt.log" ||
		fail "no progress bar on the terminal: $(tail -c 300 "$TMP/prompt.log")"
	expect "$TMP/prompt.exp" "typed at the tty" "something else" "$CVMIMG" build -o "$TMP/t2" "${P[@]}" \
		>"$TMP/prompt.log" 2>&1
	[ $? = 2 ] || fail "mismatched prompts: $(tail -3 "$TMP/prompt.log")"
	grep -q "the passphrases do not match" "$TMP/prompt.log" || fail "$(tail -3 "$TMP/prompt.log")"
	no_outputs "$TMP/t2"
	rm -rf "$TMP/t"
fi
current="--passphrase-fd, with a trailing newline dropped"
checks=$((checks + 1))
printf 'from fd\n' >"$TMP/p-fd-nl"
printf 'from fd' >"$TMP/p-fd"
"$CVMIMG" build --rootfs "$TMP/small.tar" -o "$TMP/f" --passphrase-fd 3 "${FAST_PBKDF[@]}" \
	--kernel "$HOST_KERNEL" --initrd "$TMP/tiny.initrd" 3<"$TMP/p-fd-nl" >/dev/null 2>"$ERR" ||
	fail "build: $(cat "$ERR")"
keyslot_accepts "$TMP/f/disk.raw" "$TMP/p-fd"
current="--passphrase-file - and --rootfs from a file"
checks=$((checks + 1))
"$CVMIMG" build --rootfs "$TMP/small.tar" -o "$TMP/s" --passphrase-file - "${FAST_PBKDF[@]}" \
	--kernel "$HOST_KERNEL" --initrd "$TMP/tiny.initrd" <"$TMP/p-fd" >/dev/null 2>"$ERR" ||
	fail "build: $(cat "$ERR")"
keyslot_accepts "$TMP/s/disk.raw" "$TMP/p-fd"
current="--generate-passphrase"
checks=$((checks + 1))
"$CVMIMG" build --rootfs "$TMP/small.tar" -o "$TMP/g" --generate-passphrase "${FAST_PBKDF[@]}" \
	--kernel "$HOST_KERNEL" --initrd "$TMP/tiny.initrd" >"$OUT" 2>"$ERR" || fail "build: $(cat "$ERR")"
expect_in "$ERR" "the recovery passphrase is in $TMP/g/passphrase"
[ "$(stat -c %a "$TMP/g/passphrase")" = 600 ] || fail "passphrase file is not 0600"
grep -qE '^([cbdefghijklnrtuv]{8}-){7}[cbdefghijklnrtuv]{8}$' "$TMP/g/passphrase" ||
	fail "generated passphrase: $(cat "$TMP/g/passphrase")"
grep -qF "$(cat "$TMP/g/passphrase")" "$OUT" "$TMP/g/build.json" && fail "the passphrase is printed"
keyslot_accepts "$TMP/g/disk.raw" "$TMP/g/passphrase"
rm -rf "$TMP/e" "$TMP/f" "$TMP/g"

# --- an archive on standard input, one pass, qcow2 ---
current="--rootfs - --size 320M --format qcow2"
checks=$((checks + 1))
"$CVMIMG" build --rootfs - -o "$TMP/q" --size 320M --format qcow2 "${B[@]}" <"$TMP/small.tar" \
	>/dev/null 2>"$ERR" || fail "build: $(cat "$ERR")"
[ -f "$TMP/q/disk.qcow2" ] && [ ! -e "$TMP/q/disk.raw" ] || fail "outputs: $(ls "$TMP/q")"
qemu-img info --output=json "$TMP/q/disk.qcow2" >"$TMP/qinfo" 2>&1 || fail "qemu-img info"
jq -e '.format == "qcow2" and ."virtual-size" == 335544320' "$TMP/qinfo" >/dev/null ||
	fail "qemu-img info: $(cat "$TMP/qinfo")"
[ "$(jq -r .inputs.rootfs_sha256 "$TMP/q/build.json")" = "$(sha256sum <"$TMP/small.tar" | cut -d' ' -f1)" ] ||
	fail "rootfs digest of standard input"
qemu-img convert -f qcow2 -O raw "$TMP/q/disk.qcow2" "$TMP/q.raw"
keyslot_accepts "$TMP/q.raw" "$PASS"
rm -rf "$TMP/q" "$TMP/q.raw"

# --- --wipe: no holes left in the root partition ---
current="--wipe"
checks=$((checks + 1))
quick_build "$TMP/w" "$TMP/small.tar" --size 320M --wipe >/dev/null 2>"$ERR" || fail "build: $(cat "$ERR")"
root_part "$TMP/w/disk.raw" "$TMP/w.img" # sparse copy: only all-zero blocks become holes
[ $(($(stat -c %b "$TMP/w.img") * 512)) -ge "$(stat -c %s "$TMP/w.img")" ] ||
	fail "the wiped partition still has zero blocks"
jq -e .filesystem.wiped "$TMP/w/build.json" >/dev/null || fail "build.json does not say wiped"
decrypt_root "$TMP/w.img" "$PASS" && e2fsck -fn "$TMP/w.img" >/dev/null 2>&1 || fail "e2fsck after --wipe"
rm -rf "$TMP/w" "$TMP/w.img"*

# --- hostile archives: refused, nothing written ---
refused() { # CASE MESSAGE
	python3 "$HOSTILE" "$1" "$TMP/$1.tar"
	rm -rf "$TMP/h"
	run 3 build --rootfs "$TMP/$1.tar" -o "$TMP/h" "${B[@]}" || return
	expect_in "$ERR" "$2"
	expect_in "$ERR" "'$TMP/$1.tar'"
	[ "$(wc -l <"$ERR")" = 1 ] || fail "more than one line: $(cat "$ERR")"
	expect_empty "$OUT"
	no_outputs "$TMP/h"
}
refused dotdot "entry 'a/../../etc/passwd' has a '..' component"
refused dotdot-dir "entry '../outside/' has a '..' component"
refused through-symlink "'dir' is not a directory"
refused hardlink-missing "hard link 'h' points to 'missing', which is not in the archive before it"
refused hardlink-later "hard link 'h' points to 'f', which is not in the archive before it"
refused hardlink-escape "has a '..' component"
refused hardlink-dir "hard link 'h' points to the directory 'd'"
refused duplicate-file "'f' appears twice in the archive"
refused file-then-dir "'x' appears twice in the archive"
refused long-component "a name is longer than 255 bytes"
refused root-not-dir "the root of the archive is not a directory"
refused long-symlink "has a target of 4096 bytes"
refused acl-1025 "entry 'f' has an ACL of more than 1024 entries"
refused acl-name "entry 'f' has an ACL naming a user or group without its number"

current="truncated archive"
checks=$((checks + 1))
make_rootfs "$TMP/full.tar" --many 10
head -c 700000 "$TMP/full.tar" >"$TMP/trunc.tar" # inside the 1.28 MB file
run 3 build --rootfs "$TMP/trunc.tar" -o "$TMP/h" "${B[@]}" && expect_in "$ERR" "'$TMP/trunc.tar': "
no_outputs "$TMP/h"
gzip -c "$TMP/full.tar" >"$TMP/full.tar.gz"
head -c $(($(stat -c %s "$TMP/full.tar.gz") / 2)) "$TMP/full.tar.gz" >"$TMP/trunc.tar.gz"
run 3 build --rootfs "$TMP/trunc.tar.gz" -o "$TMP/h" "${B[@]}" && no_outputs "$TMP/h"
head -c 4096 /dev/urandom >"$TMP/noise.tar"
run 3 build --rootfs "$TMP/noise.tar" -o "$TMP/h" "${B[@]}" && no_outputs "$TMP/h"
run 3 build --rootfs "$TMP/missing.tar" -o "$TMP/h" "${B[@]}" && expect_in "$ERR" "cannot open '$TMP/missing.tar'"

current="an archive larger than --size"
checks=$((checks + 1))
rm -rf "$TMP/h"
mkdir -p "$TMP/fat"
head -c $((100 << 20)) /dev/zero >"$TMP/fat/zeros"
tar -C "$TMP/fat" -cf - . | gzip -1 >"$TMP/fat.tar.gz"
rm -rf "$TMP/fat"
run 3 build --rootfs "$TMP/fat.tar.gz" -o "$TMP/h" --size 120M --esp-size 40M "${B[@]}" &&
	expect_in "$ERR" "the filesystem is full (a larger --size would hold it)"
no_outputs "$TMP/h"

current="--max-entries"
checks=$((checks + 1))
run 3 build --rootfs "$TMP/full.tar" -o "$TMP/h" --max-entries 20 "${B[@]}" &&
	expect_in "$ERR" "has more than 20 entries"
no_outputs "$TMP/h"

# Initrds of four versions before their kernels, 400 MiB each as sparse files
# (a 300-byte archive): each would be held in memory waiting for its kernel;
# the fourth passes the 1280 MiB of one kernel and one initrd at their limits.
current="many kernel versions, initrds first"
checks=$((checks + 1))
mkdir -p "$TMP/kv/boot"
for v in 1 2 3 4; do truncate -s 400M "$TMP/kv/boot/initrd.img-6.$v.0-1-amd64"; done
head -c 4096 /dev/urandom >"$TMP/kv/boot/vmlinuz-6.4.0-1-amd64"
tar --sparse --sort=name -C "$TMP/kv" -czf "$TMP/kv.tar.gz" .
rm -rf "$TMP/kv" "$TMP/h"
run 3 build --rootfs "$TMP/kv.tar.gz" -o "$TMP/h" --passphrase-file "$PASS" "${FAST_PBKDF[@]}" &&
	expect_in "$ERR" "cvmimg build: '$TMP/kv.tar.gz': keeping 'boot/initrd.img-6.4.0-1-amd64' would hold over 1280 MiB of kernels and initrds"
[ "$(wc -l <"$ERR")" = 1 ] || fail "more than one line: $(cat "$ERR")"
no_outputs "$TMP/h"

# --- a failed build over a finished one leaves the finished one intact ---
current="atomic outputs"
checks=$((checks + 1))
quick_build "$TMP/a" "$TMP/small.tar" >/dev/null 2>&1 || fail "build"
(cd "$TMP/a" && sha256sum * >"$TMP/a.sums")
run 3 build --rootfs "$TMP/trunc.tar" -o "$TMP/a" --force "${B[@]}"
(cd "$TMP/a" && sha256sum -c --quiet "$TMP/a.sums") || fail "a failed build changed the outputs"
[ "$(ls -A "$TMP/a" | wc -l)" = 4 ] || fail "files: $(ls -A "$TMP/a")"
rm -rf "$TMP/a"

# --- an earlier build's outputs: refused, or replaced as a set with --force ---
current="an earlier build in DIR"
checks=$((checks + 1))
"$CVMIMG" build --rootfs "$TMP/small.tar" -o "$TMP/a" --generate-passphrase --format qcow2 \
	"${FAST_PBKDF[@]}" --kernel "$HOST_KERNEL" --initrd "$TMP/tiny.initrd" >/dev/null 2>&1 ||
	fail "first build"
echo mine >"$TMP/a/notes.txt"
(cd "$TMP/a" && sha256sum * >"$TMP/a.sums")
run 2 build --rootfs "$TMP/small.tar" -o "$TMP/a" "${B[@]}" &&
	expect_in "$ERR" "cvmimg build: '$TMP/a' holds the outputs of an earlier build (build.json, disk.qcow2, uki.efi, broker.key, passphrase): give --force to replace them, or another directory" &&
	expect_empty "$OUT"
(cd "$TMP/a" && sha256sum -c --quiet "$TMP/a.sums") || fail "a refused build changed DIR"
[ "$(ls -A "$TMP/a" | wc -l)" = 6 ] || fail "files after the refusal: $(ls -A "$TMP/a")"
: >"$TMP/a/passphrase.tmp-not-ours"
run 0 build --rootfs "$TMP/small.tar" -o "$TMP/a" --force "${B[@]}" && expect_empty "$ERR"
[ "$(cd "$TMP/a" && ls -A | sort | tr '\n' ' ')" = \
	"broker.key build.json disk.raw notes.txt passphrase.tmp-not-ours uki.efi " ] ||
	fail "files after --force: $(ls -A "$TMP/a")"
[ "$(cat "$TMP/a/notes.txt")" = mine ] || fail "--force touched a file that is not an output"
for f in disk.raw uki.efi; do
	[ "$(jq -r ".artifacts[] | select(.name == \"$f\") | .sha256" "$TMP/a/build.json")" = \
		"$(sha256sum <"$TMP/a/$f" | cut -d' ' -f1)" ] || fail "build.json does not describe $f"
done
keyslot_accepts "$TMP/a/disk.raw" "$PASS"
rm -rf "$TMP/a"

# --- Ctrl-C: the build unwinds and leaves nothing ---
current="SIGINT during the build"
checks=$((checks + 1))
python3 - "$TMP/many.tar.gz" <<'PY'
import sys, tarfile
with tarfile.open(sys.argv[1], "w:gz", compresslevel=1, format=tarfile.USTAR_FORMAT) as tf:
    for i in range(300000):
        tf.addfile(tarfile.TarInfo("d%d/f%06d" % (i // 50000, i)))
PY
"$CVMIMG" build --rootfs "$TMP/many.tar.gz" -o "$TMP/c" "${B[@]}" >/dev/null 2>"$ERR" &
pid=$!
# a script's background job starts with SIGINT ignored: wait until the build
# catches it, not a fixed time. Only cvmimg-full's handler counts: before the
# exec the process is a copy of this shell, whose own SIGINT handler would run
# this script's EXIT trap.
for _ in $(seq 300); do
	exe=$(readlink "/proc/$pid/exe") || break
	cgt=$(awk '/^SigCgt:/ {print $2}' "/proc/$pid/status") || break
	case $exe in */cvmimg-full) [ $((0x$cgt & 2)) != 0 ] && break ;; esac
	sleep 0.1
done
kill -INT "$pid"
wait "$pid"
code=$?
[ "$code" = 4 ] || fail "exit $code after SIGINT"
expect_in "$ERR" "cvmimg build: cancelled"
no_outputs "$TMP/c"

current="a FIFO as rootfs needs --size"
checks=$((checks + 1))
mkfifo "$TMP/fifo.tar"
cat "$TMP/small.tar" >"$TMP/fifo.tar" & # a writer, so that a wrong open cannot hang the test
writer=$!
run 3 build --rootfs "$TMP/fifo.tar" -o "$TMP/h" "${B[@]}" && expect_in "$ERR" "can be read only once"
kill "$writer" 2>/dev/null
wait "$writer" 2>/dev/null

# --- accepted oddities: absolute and dotted names land inside the image ---
current="absolute names"
checks=$((checks + 1))
python3 "$HOSTILE" absolute "$TMP/abs.tar"
quick_build "$TMP/abs" "$TMP/abs.tar" >/dev/null 2>"$ERR" || fail "build: $(cat "$ERR")"
root_part "$TMP/abs/disk.raw" "$TMP/abs.img"
decrypt_root "$TMP/abs.img" "$PASS" || fail "decrypt"
debugfs -R "ls -p /etc" "$TMP/abs.img" 2>/dev/null | cut -d/ -f6 | sort | tr '\n' ' ' >"$TMP/ls"
[ "$(cat "$TMP/ls")" = " . .. abs crypttab dots double fstab " ] || fail "/etc holds: $(cat "$TMP/ls")"

finish
