#!/bin/bash
# A fuzzing campaign: every harness (or those named) for a time budget each,
# seeded as fuzz/smoke.sh seeds them, with corpora and crashes kept in a
# directory outside the repository so the next campaign starts where this one
# ended. Runs at the lowest priority, so an input counts as a hang only after
# 60 s (FUZZ_TIMEOUT): on a loaded machine 10 s flags inputs that take 11 ms. Prints one line per harness: executions,
# corpus size, crashes; the exit status is 1 if any harness crashed.
#
#   fuzz/campaign.sh [-t SECONDS] [-d DIR] [-b BUILD_DIR] [fuzz-NAME ...]
#     -t  time per harness (default 600: a nightly budget of 10 minutes each)
#     -d  corpora and crashes (default ${XDG_CACHE_HOME:-~/.cache}/cvmimg-fuzz)
#     -b  the build directory holding fuzz/ (default build/gcc)
set -u -o pipefail
here=$(cd "$(dirname "$0")" && pwd)
seconds=600
dir=${XDG_CACHE_HOME:-$HOME/.cache}/cvmimg-fuzz
build=$here/../build/gcc
while getopts t:d:b: o; do
	case $o in
	t) seconds=$OPTARG ;;
	d) dir=$OPTARG ;;
	b) build=$OPTARG ;;
	*) sed -n '2,13p' "$0" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
case "$(cd "$dir" 2>/dev/null && pwd)" in "$(cd "$here/.." && pwd)"*)
	echo "fuzz/campaign.sh: keep the corpora outside the repository" >&2; exit 2 ;;
esac
names=("$@")
[ ${#names[@]} -gt 0 ] || names=($(cd "$here" && ls fuzz-*.c | sed 's/\.c$//'))
mkdir -p "$dir/logs"
status=0
for name in "${names[@]}"; do
	log=$dir/logs/$name.log
	CVMIMG_BUILD_DIR=$(cd "$build" && pwd) FUZZ_CORPUS=$dir/corpus/$name FUZZ_SECONDS=$seconds \
		FUZZ_ARTIFACTS=$dir/crashes FUZZ_TAIL=40 FUZZ_TIMEOUT=${FUZZ_TIMEOUT:-60} nice -n 19 bash "$here/smoke.sh" "$name" >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	crashes=$(ls "$dir/crashes" 2>/dev/null | grep -c "^$name-")
	printf '%-22s exit %d, %s executions in %ss, corpus %d files, %d crash files\n' "$name" \
		"$rc" "${execs:-?}" "$seconds" "$(ls "$dir/corpus/$name" 2>/dev/null | wc -l)" "$crashes"
	[ "$rc" = 0 ] || [ "$rc" = 77 ] || status=1
done
exit $status
