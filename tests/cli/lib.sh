# Shared helpers for the CLI tests (sourced, bash).
#
#   run <exit> [args...]      run cvmimg, require the exit code; output in $OUT / $ERR
#   golden <name>             compare $OUT and $ERR with expected/<name>.out/.err
#                             (CVMIMG_UPDATE_GOLDEN=1 rewrites them: review the diff)
#   expect_in <file> <text>   require a fixed string in a file
#   finish                    print the summary, exit 0/1
#
# Paths that change per run are rewritten before comparison: the vectors
# directory to <vectors>, the scratch directory to <tmp>.
set -u
# a non-root user's PATH lacks the sbin directories where cryptsetup, sfdisk,
# debugfs, e2fsck and mkfs.fat live: without them image tests would skip
PATH=$PATH:/usr/sbin:/sbin

: "${CVMIMG:?CVMIMG must name the cvmimg binary (run under ctest)}"
VEC=${CVMIMG_VECTORS:-$CVMIMG_SOURCE_DIR/../shared/vectors}
EXPECTED=$(dirname "${BASH_SOURCE[0]}")/expected
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
OUT=$TMP/stdout
ERR=$TMP/stderr
failures=0
checks=0
current=""

need_vectors() {
	[ -d "$VEC" ] || { echo "SKIP: vectors not found at $VEC"; exit 77; }
}

fail() {
	echo "FAIL${current:+ [$current]}: $*"
	failures=$((failures + 1))
}

run() {
	local want=$1 code
	shift
	checks=$((checks + 1))
	current="cvmimg $*"
	"$CVMIMG" "$@" >"$OUT" 2>"$ERR"
	code=$?
	if [ "$code" != "$want" ]; then
		fail "exit $code, expected $want"
		sed 's/^/  stderr: /' "$ERR" | head -5
		return 1
	fi
	return 0
}

normalize() {
	sed -e "s|$VEC|<vectors>|g" -e "s|$TMP|<tmp>|g" "$1"
}

golden() {
	local name=$1 ext f
	for ext in out err; do
		f=$TMP/std$ext
		[ "$ext" = out ] && f=$OUT || f=$ERR
		if [ "${CVMIMG_UPDATE_GOLDEN:-}" = 1 ]; then
			normalize "$f" >"$EXPECTED/$name.$ext"
		elif ! diff -u "$EXPECTED/$name.$ext" <(normalize "$f") >"$TMP/diff"; then
			fail "std$ext differs from expected/$name.$ext"
			head -20 "$TMP/diff"
		fi
	done
}

expect_in() {
	grep -qF -- "$2" "$1" || fail "'$2' not found in $(basename "$1"): $(head -c 300 "$1")"
}

# The broker keyslot's passphrase for the raw broker key in $1 (the key in
# hex, no newline: cvm_broker_key_passphrase()), written to $2.
broker_pass() {
	printf %s "$(xxd -p -c 64 "$1")" >"$2"
}

expect_empty() {
	[ ! -s "$1" ] || fail "$(basename "$1") is not empty: $(head -c 300 "$1")"
}

finish() {
	if [ "$failures" -gt 0 ]; then
		echo "$failures of $checks checks failed"
		exit 1
	fi
	echo "all $checks checks passed"
	exit 0
}
