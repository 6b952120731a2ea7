#!/bin/bash
# cvmimg uki (Debian's kernel, a 32 MiB initrd, a command line) against the
# peer, the objcopy --add-section recipe of mkosi 14 and systemd 252's docs,
# and, for information, the floor: cat of the same files into one (no fsync,
# a 128 KiB buffer; we read every part into memory, assemble the image there
# and fsync it, and page faults dominate). Whole processes, same run.
# Target: no slower than objcopy.
# Usage: bench/uki.sh [path/to/cvmimg]   (default build/gcc/cvmimg)
set -eu
cd "$(dirname "$0")/.."
CVMIMG=$(realpath "${1:-build/gcc/cvmimg}")
STUB=/usr/lib/systemd/boot/efi/linuxx64.efi.stub
KERNEL=$(ls /boot/vmlinuz-* | head -n1)
TARGET=1.0
RUNS=${BENCH_RUNS:-15}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
head -c $((32 << 20)) /dev/urandom >initrd
printf 'console=ttyS0 quiet' >cmdline

median_us() {
	local i t0 t1
	for i in $(seq "$RUNS"); do
		t0=$(date +%s%N)
		"$@" >/dev/null
		t1=$(date +%s%N)
		echo $(((t1 - t0) / 1000))
	done | sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'
}

objcopy_uki() {
	objcopy --add-section .cmdline=cmdline --change-section-vma .cmdline=0x30000 \
		--add-section .initrd=initrd --change-section-vma .initrd=0x3000000 \
		--add-section .linux="$KERNEL" --change-section-vma .linux=0x2000000 \
		"$STUB" peer.efi
}

"$CVMIMG" uki --linux "$KERNEL" --initrd initrd --cmdline @cmdline -o ours.efi
objcopy_uki
ours=$(median_us "$CVMIMG" uki --linux "$KERNEL" --initrd initrd --cmdline @cmdline -o ours.efi)
floor=$(median_us sh -c "cat $STUB $KERNEL initrd cmdline >floor.bin")
peer=$(median_us objcopy_uki)
ratio=$(awk -v a="$ours" -v b="$peer" 'BEGIN {printf "%.2f", a / b}')
floor_ratio=$(awk -v a="$ours" -v b="$floor" 'BEGIN {printf "%.2f", a / b}')
echo "bench/uki: cvmimg uki ($(($(stat -c %s ours.efi) >> 20)) MiB) ${ours} us; objcopy ${peer} us;" \
	"cat ${floor} us; ratio to objcopy ${ratio} (target <= ${TARGET}), to cat ${floor_ratio}"
awk -v r="$ratio" -v t="$TARGET" 'BEGIN {exit !(r <= t)}' || {
	echo "bench/uki: target missed" >&2
	exit 1
}
