# Sourced after lib.sh: run() also fails when a sanitizer reported anything.
# ASan and UBSan exit with 1, which verify-report also uses for a failed check,
# so the exit code alone cannot tell them apart; their report on stderr can.
eval "$(declare -f run | sed '1s/^run /lib_run /')"
run() {
	local r
	lib_run "$@"
	r=$?
	if grep -qE 'Sanitizer|runtime error:' "$ERR"; then
		fail "sanitizer report: $(grep -m1 -E 'Sanitizer|runtime error:' "$ERR")"
		return 1
	fi
	return $r
}
