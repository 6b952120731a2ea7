# Start and stop the mock KBS (tests/tools/kbs-mock.py) from a test (sourced, bash).
#
#   kbs_start [kbs-mock.py options...]   start it on 127.0.0.1; sets KBS_PORT, KBS_URL, KBS_PID
#   kbs_fault NAME                       the fault of the next requests (see kbs-mock.py)
#   kbs_stop                             stop the one kbs_start started
# Needs $TMP. The request log is $TMP/kbs.log.
KBS_MOCK=$(dirname "${BASH_SOURCE[0]}")/kbs-mock.py

kbs_need() {
	python3 -c 'import cryptography' 2>/dev/null ||
		{ echo "SKIP: python3 cannot import cryptography (Debian: python3-cryptography)"; exit 77; }
}

kbs_start() {
	local i scheme=http
	rm -f "$TMP/kbs.port" "$TMP/kbs.log"
	case " $* " in *" --tls "*) scheme=https ;; esac
	rm -f "$TMP/kbs.fault"
	python3 "$KBS_MOCK" --port-file "$TMP/kbs.port" --log "$TMP/kbs.log" \
		--fault-file "$TMP/kbs.fault" "$@" \
		2>"$TMP/kbs.err" &
	KBS_PID=$!
	for i in $(seq 100); do
		[ -s "$TMP/kbs.port" ] && break
		kill -0 "$KBS_PID" 2>/dev/null || break
		sleep 0.1
	done
	[ -s "$TMP/kbs.port" ] || { echo "the mock KBS did not start:"; cat "$TMP/kbs.err"; exit 1; }
	KBS_PORT=$(cat "$TMP/kbs.port")
	KBS_URL=$scheme://127.0.0.1:$KBS_PORT
}

kbs_fault() {
	echo "$1" >"$TMP/kbs.fault"
	: >"$TMP/kbs.log"
}

kbs_stop() {
	[ -n "${KBS_PID:-}" ] || return 0
	kill "$KBS_PID" 2>/dev/null
	wait "$KBS_PID" 2>/dev/null
	KBS_PID=
}
