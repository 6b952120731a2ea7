# The root filesystem's plaintext never reaches the build host's disk: a rootfs
# carrying a unique marker (in file content, a file name, a symlink target and
# an xattr) is built under strace; afterwards no file in DIR holds the marker,
# TMPDIR is untouched, and every file the build or its subprocesses opened for
# writing, created, renamed or linked lies inside DIR.
. "$(dirname "$0")/lib.sh"
. "$CVMIMG_SOURCE_DIR/tests/image/lib.sh"
need_image_tools
command -v strace >/dev/null || { echo "SKIP: strace missing"; exit 77; }

marker=CVMIMG-MARKER-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
make_rootfs "$TMP/rootfs.tar" --marker "$marker" --many 10
grep -qaF "$marker" "$TMP/rootfs.tar" || { echo "the marker is not in the rootfs"; exit 1; }
mkdir -p "$TMP/tmpdir" "$TMP/out"

current="build under strace"
checks=$((checks + 1))
# LeakSanitizer cannot work under ptrace; the other tests check leaks
TMPDIR=$TMP/tmpdir ASAN_OPTIONS=detect_leaks=0 strace -f -qq -o "$TMP/trace" \
	-e trace=open,openat,creat,rename,renameat,renameat2,link,linkat,symlink,symlinkat,mkdir,mkdirat,truncate \
	"$CVMIMG" build --rootfs "$TMP/rootfs.tar" --output "$TMP/out" --passphrase-file "$PASS" \
	"${FAST_PBKDF[@]}" --kernel "$HOST_KERNEL" --initrd "$TMP/tiny.initrd" >/dev/null 2>"$ERR" ||
	fail "build: $(cat "$ERR")"

current="no plaintext in the outputs"
checks=$((checks + 1))
grep -rlaF "$marker" "$TMP/out" >"$TMP/hits" && fail "the marker is in: $(cat "$TMP/hits")"
# the probe works: the marker is found where it is
grep -qaF "$marker" "$TMP/rootfs.tar" || fail "grep cannot find the marker"

current="TMPDIR untouched"
checks=$((checks + 1))
[ -z "$(ls -A "$TMP/tmpdir")" ] || fail "TMPDIR holds: $(ls -A "$TMP/tmpdir")"

current="every write inside DIR"
checks=$((checks + 1))
# paths opened for writing or creating, and targets of renames, links, mkdir
grep -E 'O_WRONLY|O_RDWR|O_CREAT|^[0-9]+ +(creat|truncate|mkdir)' "$TMP/trace" |
	grep -v ' = -1 ' | sed -nE 's/^[0-9]+ +[a-z]+\((AT_FDCWD, )?"([^"]*)".*/\2/p' >"$TMP/written"
grep -E '^[0-9]+ +(rename|renameat2?|link|linkat|symlink|symlinkat)\(' "$TMP/trace" | grep -v ' = -1 ' |
	sed -nE 's/.*"([^"]*)"[^"]*\) = .*/\1/p' >>"$TMP/written"
[ -s "$TMP/written" ] || fail "strace saw no writes at all"
grep -vE "^($TMP/out/|/dev/null$|/dev/tty$)" "$TMP/written" | sort -u >"$TMP/outside"
[ ! -s "$TMP/outside" ] || fail "written outside DIR: $(head -5 "$TMP/outside")"
grep -q "$TMP/out/disk.raw.tmp-" "$TMP/written" || fail "the trace misses the disk's temporary file"

finish
