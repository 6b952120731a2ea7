# cvmimg build while it holds a passphrase and waits on its input:
# - no core dump can carry the keys (RLIMIT_CORE 0; not dumpable, so
#   /proc/PID/mem belongs to root, not to the user running the build);
# - a --passphrase-env value is gone from /proc/PID/environ;
# - SIGTERM and SIGINT end it promptly although its input never comes
#   (a CI runner's timeout), with nothing left at the output's names.
# The rootfs is a FIFO whose writer never writes.
. "$(dirname "$0")/lib.sh"
command -v setpriv >/dev/null || { echo "SKIP: setpriv missing"; exit 77; }

chmod 755 "$TMP"
mkfifo "$TMP/rootfs.fifo"
mkdir -m 777 "$TMP/out"
exec 3<>"$TMP/rootfs.fifo" # the writer that never writes
SECRET=horse-battery-$RANDOM$RANDOM
as_user=()
[ "$(id -u)" = 0 ] && as_user=(setpriv --reuid=65534 --regid=65534 --clear-groups)

start_stalled() { # the build, in the background, reading the FIFO; sets $pid
	rm -rf "$TMP/out/o"
	CVM_TEST_PASS=$SECRET "${as_user[@]}" "$CVMIMG" build --rootfs "$TMP/rootfs.fifo" \
		--size 512M --output "$TMP/out/o" --passphrase-env CVM_TEST_PASS \
		--pbkdf-memory 32768 --pbkdf-iterations 4 \
		>"$OUT" 2>"$ERR" 3>&- &
	pid=$!
	for _ in $(seq 100); do
		case $(cat "/proc/$pid/wchan" 2>/dev/null) in *pipe_read) return 0 ;; esac
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	fail "the build is not waiting on its input: $(cat "$ERR")"
	kill -KILL "$pid" 2>/dev/null
	return 1
}

ends_on() { # SIGNAL: the build ends within 5 s, exit 4 "cancelled", no outputs
	local code
	kill "-$1" "$pid"
	for _ in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		fail "still running 5 s after SIG$1"
		kill -KILL "$pid"
	fi
	wait "$pid"
	code=$?
	[ "$code" = 4 ] || fail "exit $code after SIG$1"
	expect_in "$ERR" "cvmimg build: cancelled"
	[ -z "$(ls -A "$TMP/out/o" 2>/dev/null)" ] || fail "left behind: $(ls -A "$TMP/out/o")"
}

current="a build waiting for its archive: secrets"
checks=$((checks + 1))
if start_stalled; then
	grep -E '^Max core file size +0 +0 ' "/proc/$pid/limits" >/dev/null ||
		fail "core dumps allowed: $(grep core "/proc/$pid/limits")"
	owner=$(stat -c %U "/proc/$pid/mem")
	[ "$owner" = root ] || fail "/proc/$pid/mem belongs to '$owner': the process is dumpable"
	if [ -r "/proc/$pid/environ" ]; then # root reads it; the value must be wiped
		tr '\0' '\n' <"/proc/$pid/environ" | grep -F "$SECRET" >/dev/null &&
			fail "the passphrase is in /proc/$pid/environ"
	fi
	current="a build waiting for its archive: SIGTERM"
	ends_on TERM
fi

current="a build waiting for its archive: SIGINT"
checks=$((checks + 1))
start_stalled && ends_on INT
exec 3>&-

# --- standard input carries one thing ---
run 2 build --rootfs - --size 512M -o "$TMP/u" --passphrase-fd 0 &&
	expect_in "$ERR" "standard input cannot carry both the rootfs and the passphrase"
run 2 build --rootfs - --size 512M -o "$TMP/u" --passphrase-fd 00 &&
	expect_in "$ERR" "standard input cannot carry both the rootfs and the passphrase"
finish
