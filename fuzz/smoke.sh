# A short libFuzzer run of one harness over a seed corpus from the shared
# vectors: the seeds themselves, then FUZZ_RUNS (default 5000) mutations.
# Skips (77) when the harness was not built (no clang fuzzer runtime).
#   fuzz/smoke.sh fuzz-<name>
# fuzz/campaign.sh runs it longer: FUZZ_CORPUS (a kept corpus directory, the
# seeds added to it), FUZZ_SECONDS (time budget; runs unlimited unless
# FUZZ_RUNS), FUZZ_ARTIFACTS (where crashes go), FUZZ_TIMEOUT (seconds per
# input, default 10).
set -u -o pipefail # a crash in a pipeline to tail must fail the run
name=$1
bin=${CVMIMG_BUILD_DIR:?}/fuzz/$name
VEC=${CVMIMG_VECTORS:-$(dirname "$0")/../../shared/vectors}
[ -x "$bin" ] || { echo "SKIP: $bin not built (clang and libclang-rt-14-dev needed)"; exit 77; }
[ -d "$VEC" ] || { echo "SKIP: vectors not found at $VEC"; exit 77; }
corpus=$(mktemp -d)
max_len=16384
runs=${FUZZ_RUNS:-5000}
seconds=${FUZZ_SECONDS:-120}
[ -n "${FUZZ_SECONDS:-}" ] && runs=${FUZZ_RUNS:--1}
gen=$corpus.gen
trap 'rm -rf "$corpus" "$gen"' EXIT

case "$name" in
fuzz-ovmf) seeds=("$VEC"/snp/ovmf_*.bin) ;;
fuzz-eventlog) seeds=("$VEC"/tdx/dstack/ccel.bin "$VEC"/tdx/dstack/*.json) max_len=65536 ;;
fuzz-tdvf) # the last 4 KiB of the Debian firmware: footer table and TDVF descriptor
	mkdir -p "$gen"
	tail -c 4096 "$VEC"/tdx/ovmf/OVMF_debian12_2022.11_2M.fd >"$gen/tail.bin"
	seeds=("$gen/tail.bin") ;;
fuzz-pe) # whole PEs (slow runs), and one of 96 sections of zero fill up to 4 GiB
	mkdir -p "$gen"
	python3 "$(dirname "$0")/../tests/cli/tools/hostile-pe.py" "$gen/zero-fill.efi"
	seeds=("$VEC"/tdx/pe/* "$gen/zero-fill.efi") runs=500 ;;
fuzz-snp-report)
	export FUZZ_SNP_VCEK=$VEC/attest/snp/ms-tav/milan_vcek.pem
	seeds=("$VEC"/attest/snp/*/*.bin "$VEC"/attest/snp/virtee-sev/report_milan.hex) ;;
fuzz-tdx-quote) seeds=("$VEC"/attest/tdx/*/*.dat "$VEC"/attest/tdx/phala-dcap-qvl/tdx_quote) ;;
fuzz-tdx-collateral)
	seeds=("$VEC"/attest/tdx/phala-dcap-qvl/tdx_quote_collateral.json
		"$VEC"/attest/tdx/*/*.json "$VEC"/attest/tdx/go-tdx-guest/sample_*
		"$(dirname "$0")"/../policies/*.json) ;;
fuzz-bundle)
	# made here with the cvmimg of this build: a signed bundle (with a TDX shape
	# that has unknown registers), its measurements.json, the rule template and
	# the payload alone; FUZZ_BUNDLE_KEY lets the harness check signatures too
	cvmimg=${CVMIMG_BUILD_DIR}/cvmimg
	[ -x "$cvmimg" ] || { echo "SKIP: $cvmimg not built"; exit 77; }
	mkdir -p "$gen"
	h() { printf "$1%.0s" $(seq 48); }
	printf '{"measurements": [{"shape": "snp/4", "launch": {"vcpu_type": "EPYC-v4"},
	  "measurement": {"tee": "snp", "measurement": "%s", "inputs": {"vcpus": 4}}},
	  {"shape": "tdx/2", "measurement": {"tee": "tdx", "mrtd": "%s", "rtmr0": null,
	  "rtmr1": "%s", "rtmr2": "%s", "rtmr3": null,
	  "unknown": {"rtmr0": "acpi", "rtmr3": "run time"}}}]}\n' \
		"$(h a1)" "$(h b2)" "$(h c3)" "$(h d4)" >"$gen/measurements.json"
	head -c 32 /dev/urandom >"$gen/broker.key"
	head -c 64 /dev/urandom >"$gen/disk.raw"
	"$cvmimg" keygen -t ecdsa-p256 -o "$gen/sign.pem" --public-out "$gen/sign.pub" >/dev/null &&
		"$cvmimg" keygen -t ecdh-p256 -o "$gen/op.pem" --public-out "$gen/op.pub" >/dev/null &&
		"$cvmimg" bundle create -m "$gen/measurements.json" --name fuzz --image "$gen/disk.raw" \
			--signing-key "$gen/sign.pem" --broker-key "$gen/broker.key" \
			--broker-public-key "$gen/op.pub" -o "$gen/bundle.json" || exit 1
	sed -n 's/.*"payload": "\(.*\)",/\1/p' "$gen/bundle.json" | base64 -d >"$gen/payload.json"
	export FUZZ_BUNDLE_KEY=$gen/sign.pub
	max_len=65536
	seeds=("$gen/bundle.json" "$gen/payload.json" "$gen/measurements.json"
		"$(dirname "$0")"/../policies/trustee-resource-rule.rego) ;;
fuzz-archive | fuzz-ext4) # tarballs of every entry kind and the hostile ones, ACLs, xattrs, sparse
	mkdir -p "$gen"
	src=$(dirname "$0")/../tests/image
	# the synthetic rootfs without its 1.28 MB file: small seeds keep runs fast
	python3 "$src/rootfs.py" make "$gen/full.tar" --many 0 2>/dev/null || exit 1
	python3 - "$gen/full.tar" "$gen/rootfs.tar" <<'PY' || exit 1
import sys, tarfile
with tarfile.open(sys.argv[1]) as src, \
        tarfile.open(sys.argv[2], "w", format=tarfile.PAX_FORMAT) as dst:
    for m in src:
        if m.name != "./big":
            dst.addfile(m, src.extractfile(m) if m.isfile() else None)
PY
	rm "$gen/full.tar"
	for c in $(python3 "$src/hostile.py" list); do
		[ "$c" = acl-1025 ] || python3 "$src/hostile.py" "$c" "$gen/h-$c.tar" || exit 1
	done
	python3 "$src/hostile.py" acl-1025 "$gen/acl-1025.tar" || exit 1
	(cd "$gen" && head -c 4096 /dev/urandom >s && truncate -s 1M s &&
		tar --sparse --format=pax -cf sparse.tar s && tar --format=gnu --sparse -cf gsparse.tar s &&
		rm s) || exit 1
	# fuzz-ext4 (the writer behind the reader, as cvmimg build runs it): boot files the
	# build catches and the /etc/fstab and /etc/crypttab it writes over the archive's
	if [ "$name" = fuzz-ext4 ]; then python3 - "$gen/boot.tar" <<'PY' || exit 1
import io, sys, tarfile
with tarfile.open(sys.argv[1], "w", format=tarfile.PAX_FORMAT) as tf:
    for name, data in (("./boot/vmlinuz-6.1.0-1", b"MZ kernel"), ("./boot/initrd.img-6.1.0-1", b"070701"),
                       ("./etc/os-release", b"ID=debian\n"), ("./etc/fstab", b"# old\n"),
                       ("./etc/crypttab", b"")):
        ti = tarfile.TarInfo(name)
        ti.size, ti.mtime = len(data), 1700000009
        tf.addfile(ti, io.BytesIO(data))
PY
	fi
	max_len=65536
	seeds=("$gen"/*.tar) ;;
fuzz-initrd) # newc archives, compressed and concatenated
	mkdir -p "$gen/r/usr/lib/modules/6.1.0/kernel" "$gen/r/scripts/local-top"
	echo x >"$gen/r/scripts/local-top/cryptroot"
	echo "kernel/drivers/md/dm-crypt.ko" >"$gen/r/usr/lib/modules/6.1.0/modules.builtin"
	(cd "$gen/r" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) >"$gen/a.cpio" || exit 1
	gzip -c "$gen/a.cpio" >"$gen/a.cpio.gz"
	zstd -q -c "$gen/a.cpio" >"$gen/a.cpio.zst" 2>/dev/null
	cat "$gen/a.cpio" "$gen/a.cpio.gz" >"$gen/early-late.cpio"
	seeds=("$VEC"/tdx/initrd-synthetic-64k.bin "$gen"/*.cpio*) ;;
fuzz-policy)
	seeds=("$(dirname "$0")"/../policies/*.json) ;;
fuzz-jwe) # JWEs to a fresh key, which the harness decrypts with (FUZZ_JWE_KEY)
	tool=$CVMIMG_BUILD_DIR/tests/cvm-jwe
	[ -x "$tool" ] || { echo "SKIP: $tool not built (BUILD_TESTING)"; exit 77; }
	gen=$(mktemp -d)
	trap 'rm -rf "$corpus" "$gen"' EXIT
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$gen/key.pem" 2>/dev/null
	openssl pkey -in "$gen/key.pem" -pubout -out "$gen/pub.pem"
	export FUZZ_JWE_KEY=$gen/key.pem
	: >"$gen/p0"
	head -c 32 /dev/urandom >"$gen/p1"
	printf '{"b":[1,2.5e-7,"\\u00e9x"],"a":{"n":null,"t":true}}' >"$gen/p2.json"
	for p in p0 p1 p2.json; do
		"$tool" encrypt "$gen/pub.pem" "$gen/$p" "$gen/$p.jwe" "$gen/$p.jwe.json" || exit 1
	done
	"$tool" jwk "$gen/pub.pem" >"$gen/jwk.json"
	seeds=("$gen"/*.jwe "$gen"/*.json) ;;
*) echo "fuzz/smoke.sh: no seeds for '$name'" >&2; exit 1 ;;
esac
n=0
for s in "${seeds[@]}"; do
	[ -f "$s" ] || continue
	cp "$s" "$corpus/$n"
	n=$((n + 1))
done
[ "$n" -gt 0 ] || { echo "no seed found for $name" >&2; exit 1; }
# every seed is run whole: -max_len is at least the largest seed
largest=$(stat -c %s "$corpus"/* | sort -n | tail -1)
[ "$largest" -gt "$max_len" ] && max_len=$largest
echo "$name: $n seeds, max_len $max_len"
# the seeds as they are, then mutations; -max_len covers the largest seed
"$bin" -runs=0 -max_len=$max_len "$corpus" 2>&1 | tail -3 || exit 1
extra=()
run_corpus=$corpus
if [ -n "${FUZZ_CORPUS:-}" ]; then # a campaign: keep what it finds
	mkdir -p "$FUZZ_CORPUS"
	cp -n "$corpus"/* "$FUZZ_CORPUS"/
	run_corpus=$FUZZ_CORPUS # not $corpus: the trap removes that one
	extra=(-print_final_stats=1 -artifact_prefix="${FUZZ_ARTIFACTS:-$FUZZ_CORPUS/../crashes}/$name-")
	mkdir -p "${FUZZ_ARTIFACTS:-$FUZZ_CORPUS/../crashes}"
fi
"$bin" -runs="$runs" -max_len=$max_len -max_total_time="$seconds" -timeout="${FUZZ_TIMEOUT:-10}" \
	-rss_limit_mb=2048 "${extra[@]}" "$run_corpus" 2>&1 | tail -"${FUZZ_TAIL:-5}"
exit "${PIPESTATUS[0]}"
