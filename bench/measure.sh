#!/bin/bash
# cvmimg measure on a 4 MiB firmware with 4 vCPUs against the floor, one
# SHA-384 pass over the same bytes, in the same run:
#  - TDX: MRTD of a 4 MiB TDVF (bench/tdvf-4m.py: the 4 MiB OVMF layout, a
#    3.5 MiB BFV extended into MRTD) as a whole process against
#    `openssl dgst -sha384` of the same file; target within 1.2x;
#  - compute: cvm_measure() in-process against EVP_Digest(SHA-384) in-process
#    (bench-measure-compute, built beside cvmimg); target within 1.5x;
#  - whole process: `cvmimg measure --tee snp` against bench-sha384-file
#    (bench/sha384-file.c: a minimal C program, linked to libcrypto alone,
#    that only SHA-384s the same file), start-up included; target within
#    1.3x. cvmimg loads libcrypto and json-c only (cmd/CMakeLists.txt).
# Usage: bench/measure.sh [path/to/cvmimg]   (default build/gcc/cvmimg)
set -eu
cd "$(dirname "$0")/.."
CVMIMG=${1:-build/gcc/cvmimg}
VEC=${CVMIMG_VECTORS:-../shared/vectors}
TARGET=1.5
RUNS=${BENCH_RUNS:-30}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# VECTORS.md §A: 4190208 zero bytes followed by the AmdSev fixture (GPA 0xffc00000)
fw=$tmp/ovmf_4M_padded.bin
head -c 4190208 /dev/zero >"$fw"
cat "$VEC/snp/ovmf_AmdSev_suffix.bin" >>"$fw"
want=e34ad313a966ed065eb2abb5d838311f2243aa5b0491f608e22bcd62785a388bc54b7de840d4dde0d4f121e94b992efc
got=$("$CVMIMG" measure --tee snp:ovmf-hash --ovmf "$fw")
[ "$got" = "$want" ] || { echo "bench/measure: wrong digest for the 4 MiB firmware: $got" >&2; exit 1; }

# median wall time in microseconds of RUNS runs of a command
median_us() {
	local i t0 t1
	for i in $(seq "$RUNS"); do
		t0=$(date +%s%N)
		"$@" >/dev/null
		t1=$(date +%s%N)
		echo $(((t1 - t0) / 1000))
	done | sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'
}

status=0
report() { # what, ours, floor
	local ratio
	ratio=$(awk -v a="$2" -v b="$3" 'BEGIN {printf "%.2f", a / b}')
	echo "bench/measure: $1: cvmimg ${2} us, floor ${3} us, ratio ${ratio} (target <= ${TARGET})"
	awk -v r="$ratio" -v t="$TARGET" 'BEGIN {exit !(r <= t)}' || {
		echo "bench/measure: $1: target missed" >&2
		status=1
	}
}

read -r ours floor < <("$(dirname "$CVMIMG")/bench/bench-measure-compute" "$fw" 4 "$RUNS")
report "compute (in-process, snp, 4 MiB, 4 vCPUs)" "$ours" "$floor"
ours=$(median_us "$CVMIMG" measure --tee snp --vcpus 4 --vcpu-type EPYC-v4 --ovmf "$fw")
floor=$(median_us "$(dirname "$CVMIMG")/bench/bench-sha384-file" "$fw")
TARGET=1.3
report "snp, whole process (4 MiB, 4 vCPUs vs a minimal SHA-384 program)" "$ours" "$floor"
echo "bench/measure: for scale, openssl dgst -sha384 of that file takes $(median_us openssl dgst -sha384 "$fw") us here"
TARGET=1.2
tdvf=$tmp/tdvf-4m.fd
python3 bench/tdvf-4m.py >"$tdvf"
"$CVMIMG" measure --tee tdx --ovmf "$tdvf" --qemu-version 9.2 | grep -q '^mrtd: [0-9a-f]\{96\}$' ||
	{ echo "bench/measure: no MRTD for the 4 MiB TDVF" >&2; exit 1; }
ours=$(median_us "$CVMIMG" measure --tee tdx --ovmf "$tdvf" --qemu-version 9.2)
floor=$(median_us openssl dgst -sha384 "$tdvf")
report "tdx mrtd, whole process (4 MiB TDVF vs openssl dgst -sha384)" "$ours" "$floor"
echo "bench/measure: for scale, cvmimg --version takes $(median_us "$CVMIMG" --version) us here"
echo "bench/measure: for scale, /bin/true takes $(median_us /bin/true) us here"
exit $status
