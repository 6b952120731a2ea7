#!/bin/bash
# cvmimg build on the Debian 12 rootfs fixture (scripts/rootfs-fixture:
# debootstrap bookworm minbase + linux-image-amd64 + cryptsetup-initramfs,
# about 650 MB) against, in the same run:
#   A  tar -x + mke2fs -t ext4 -d        (the plaintext floor)
#   B  A + cryptsetup reencrypt --encrypt --force-offline-reencrypt
#      (which encrypts the whole device: compared also with `build --wipe`,
#      the same work, since a plain build writes only the used blocks)
#      (the usual rootless way to an encrypted image: encrypt in place,
#      shifting the data to make room for the header)
# All three use the same filesystem size (the one cvmimg chose) and the same
# fast PBKDF. Targets: cvmimg <= 1.0x A and <= 0.7x B in wall time (median of
# BENCH_RUNS, default 3), peak RSS <= 100 MB. Also V, cvmimg build --verity
# (a root sized to its content, every block written, the hash tree): targets
# V <= 1.15x cvmimg build and V <= 1.0x A.
# Usage: bench/build.sh [path/to/cvmimg]   (default build/gcc/cvmimg)
set -eu
cd "$(dirname "$0")/.."
CVMIMG=$(realpath "${1:-build/gcc/cvmimg}")
RUNS=${BENCH_RUNS:-3}
rootfs=$(scripts/rootfs-fixture) || { echo "bench/build: no rootfs fixture" >&2; exit 77; }
tmp=$(mktemp -d "${BENCH_DIR:-/var/tmp}/cvmimg-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
printf 'bench passphrase' >"$tmp/pass"
PBKDF=(--pbkdf-memory 32768)

# wall seconds and peak RSS (KiB) of a command, appended to $1
timed() {
	local log=$1
	shift
	/usr/bin/time -f "%e %M" -a -o "$log" "$@" >/dev/null 2>"$tmp/err" || {
		echo "bench/build: failed: $* : $(tail -3 "$tmp/err")" >&2
		exit 1
	}
}

median() { sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }

run_cvmimg() { # [--wipe]: the log is c.log, or w.log with --wipe
	local log=$tmp/c.log
	[ $# = 0 ] || log=$tmp/w.log
	rm -rf "$tmp/out"
	timed "$log" "$CVMIMG" build --rootfs "$rootfs" --output "$tmp/out" \
		--passphrase-file "$tmp/pass" "${PBKDF[@]}" --pbkdf-iterations 4 --seed bench "$@"
}

plain() { # A: extract, then make the filesystem from the directory
	rm -rf "$tmp/root" "$tmp/fs.img"
	mkdir "$tmp/root"
	tar --numeric-owner --xattrs --xattrs-include='*' --acls -C "$tmp/root" -xf "$rootfs"
	truncate -s $((fs_bytes + 32 * 1048576)) "$tmp/fs.img"
	mke2fs -q -F -t ext4 -b 4096 -d "$tmp/root" "$tmp/fs.img" $((fs_bytes / 4096))
}

encrypt() { # B's second half: in place, the header made room for by shifting 32 MiB
	cryptsetup reencrypt --encrypt --type luks2 --reduce-device-size 32M \
		--force-offline-reencrypt --disable-locks -q --key-file "$tmp/pass" \
		--pbkdf argon2id "${PBKDF[@]}" --pbkdf-force-iterations 4 --sector-size 4096 \
		"$tmp/fs.img"
}

run_verity() {
	rm -rf "$tmp/outv"
	timed "$tmp/v.log" "$CVMIMG" build --rootfs "$rootfs" --output "$tmp/outv" \
		--passphrase-file "$tmp/pass" "${PBKDF[@]}" --pbkdf-iterations 4 --seed bench --verity \
		--skip-initrd-check
}

export -f plain encrypt
export tmp rootfs

: >"$tmp/c.log" && : >"$tmp/a.log" && : >"$tmp/b.log" && : >"$tmp/v.log" && : >"$tmp/w.log"
run_cvmimg # warm the page cache, learn the filesystem size
fs_bytes=$(($(jq .filesystem.blocks "$tmp/out/build.json") * 4096))
export fs_bytes
: >"$tmp/c.log"
for i in $(seq "$RUNS"); do
	run_cvmimg
	run_verity
	run_cvmimg --wipe # the same work as B: every sector of the root partition encrypted
	timed "$tmp/a.log" bash -c plain
	timed "$tmp/b.log" bash -c 'plain && encrypt'
done
rm -rf "$tmp/root"

c=$(cut -d' ' -f1 "$tmp/c.log" | median)
a=$(cut -d' ' -f1 "$tmp/a.log" | median)
b=$(cut -d' ' -f1 "$tmp/b.log" | median)
v=$(cut -d' ' -f1 "$tmp/v.log" | median)
w=$(cut -d' ' -f1 "$tmp/w.log" | median)
rss=$(cut -d' ' -f2 "$tmp/c.log" | sort -n | tail -n1)
vrss=$(cut -d' ' -f2 "$tmp/v.log" | sort -n | tail -n1)
rv=$(awk -v v="$v" -v c="$c" 'BEGIN {printf "%.2f", v / c}')
rva=$(awk -v v="$v" -v a="$a" 'BEGIN {printf "%.2f", v / a}')
ra=$(awk -v c="$c" -v a="$a" 'BEGIN {printf "%.2f", c / a}')
rb=$(awk -v c="$c" -v b="$b" 'BEGIN {printf "%.2f", c / b}')
rw=$(awk -v w="$w" -v b="$b" 'BEGIN {printf "%.2f", w / b}')
echo "bench/build: rootfs $(du -m "$rootfs" | cut -f1) MB, $(tar -tf "$rootfs" | wc -l) entries, filesystem $((fs_bytes >> 20)) MiB, $RUNS runs"
echo "bench/build: cvmimg build ${c} s, peak RSS $((rss / 1024)) MB"
echo "bench/build: A tar -x + mke2fs -d ${a} s; ratio ${ra} (target <= 1.0)"
echo "bench/build: B A + cryptsetup reencrypt --encrypt ${b} s; ratio ${rb} (target <= 0.7)"
echo "bench/build: V cvmimg build --verity ${v} s, filesystem $(($(jq .verity.data_blocks "$tmp/outv/build.json") >> 8)) MiB, peak RSS $((vrss / 1024)) MB; V/build ${rv} (target <= 1.15), V/A ${rva} (target <= 1.0)"
echo "bench/build: cvmimg build --wipe ${w} s (every sector written, as B does); ratio to B ${rw}"
ok=1
awk -v r="$ra" 'BEGIN {exit !(r <= 1.0)}' || { echo "bench/build: target A missed" >&2; ok=0; }
awk -v r="$rb" 'BEGIN {exit !(r <= 0.7)}' || { echo "bench/build: target B missed" >&2; ok=0; }
awk -v r="$rv" 'BEGIN {exit !(r <= 1.15)}' || { echo "bench/build: target V/build missed" >&2; ok=0; }
awk -v r="$rva" 'BEGIN {exit !(r <= 1.0)}' || { echo "bench/build: target V/A missed" >&2; ok=0; }
[ "$rss" -le $((100 * 1024)) ] && [ "$vrss" -le $((100 * 1024)) ] ||
	{ echo "bench/build: peak RSS target missed" >&2; ok=0; }
[ "$ok" = 1 ]
