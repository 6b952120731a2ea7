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
# LeakSanitizer cannot work under ptrace; the other tests check leaks. -y prints
# every descriptor with its path, so a write relative to a directory descriptor
# (openat(dirfd, ...), openat2, mknodat, renameat ...) resolves to where it lands.
TMPDIR=$TMP/tmpdir ASAN_OPTIONS=detect_leaks=0 strace -f -y -qq -o "$TMP/trace" \
	-e trace=open,openat,openat2,creat,rename,renameat,renameat2,link,linkat,symlink,symlinkat,mkdir,mkdirat,mknod,mknodat,truncate \
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
# Where each write lands: an open for writing or creating, by the path of the
# descriptor it returned; a creation, rename or link, by its (last) path
# argument resolved against its directory descriptor or the working directory.
python3 - "$TMP/trace" "$PWD" >"$TMP/written" <<'PY'
import re, sys, os
trace, cwd = sys.argv[1], sys.argv[2]
opens = re.compile(r'^\d+ +(open|openat|openat2|creat)\(.*\) = \d+<([^>]*)>')
made = re.compile(r'^\d+ +(rename|renameat2?|link|linkat|symlink|symlinkat|mkdir|mkdirat|mknod|mknodat|truncate)\((.*)\) = 0')
arg = re.compile(r'(?:(\d+)<([^>]*)>|AT_FDCWD(?:<([^>]*)>)?)?,? ?"([^"]*)"')
for line in open(trace, errors="replace"):
    m = opens.match(line)
    if m:
        if m.group(1) == "creat" or re.search(r"O_WRONLY|O_RDWR|O_CREAT|O_TRUNC", line):
            print(m.group(2))
        continue
    m = made.match(line)
    if not m:
        continue
    pairs = arg.findall(m.group(2))
    if not pairs:
        print("?" + line.strip())
        continue
    _, dirpath, fdcwd, path = pairs[-1]  # the target: the last path argument
    base = dirpath or fdcwd or cwd
    print(os.path.normpath(path if path.startswith("/") else os.path.join(base, path)))
PY
[ -s "$TMP/written" ] || fail "strace saw no writes at all"
grep -vE "^($TMP/out/|/dev/null$|/dev/tty$)" "$TMP/written" | sort -u >"$TMP/outside"
[ ! -s "$TMP/outside" ] || fail "written outside DIR: $(head -5 "$TMP/outside")"
grep -q "$TMP/out/disk.raw.tmp-" "$TMP/written" || fail "the trace misses the disk's temporary file"

finish
