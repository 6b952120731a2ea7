# The commands CI pipelines and brokers call thousands of times load only
# libcrypto and json-c (issue: start-up), as the dynamic loader reports them
# (LD_DEBUG=files); the image commands still run, through cvmimg-full; and a
# cvmimg that cannot find cvmimg-full says so instead of running nothing.
. "$(dirname "$0")/lib.sh"
need_vectors
command -v ldd >/dev/null || { echo "SKIP: ldd missing"; exit 77; }

allowed="libcrypto.so.3 libjson-c.so.5 libc.so.6"
# a sanitizer build carries the runtimes and what they need
if ldd "$CVMIMG" | grep -q libasan; then
	allowed="$allowed $(ldd "$CVMIMG" | awk '/lib(asan|ubsan|stdc\+\+|gcc_s|m|dl|pthread|rt)\.so/ {printf "%s ", $1}')"
fi

# loaded <args...>: the shared objects one run of cvmimg loads, one per line
loaded() {
	LD_DEBUG=files LD_DEBUG_OUTPUT=$TMP/ld "$CVMIMG" "$@" >/dev/null 2>&1
	cat "$TMP"/ld.* | sed -n 's/.*file=\([^ ]*\) \[0\];  needed by.*/\1/p' | sort -u
	rm -f "$TMP"/ld.*
}

S=$VEC/attest/snp/ms-tav
light=(
	"measure --tee snp --vcpus 4 --vcpu-type EPYC-v4 --ovmf $VEC/snp/ovmf_AmdSev_suffix.bin"
	"verify-report --report $S/milan_attestation_report.bin --vcek $S/milan_vcek.pem --chain $S/milan_ask.pem --ark $S/milan_ark.pem --at-time 2026-11-26T00:00:00Z"
	"uki inspect $VEC/tdx/pe/linuxx64.efi.stub.debian-252.39"
	"eventlog replay $VEC/tdx/dstack/ccel.bin"
	"--version"
)
for args in "${light[@]}"; do
	# shellcheck disable=SC2086
	run 0 $args || continue
	# shellcheck disable=SC2086
	libs=$(loaded $args)
	current="cvmimg ${args%% /*}"
	[ -n "$libs" ] || { fail "LD_DEBUG reported no libraries"; continue; }
	for lib in $libs; do
		case " $allowed " in
		*" $lib "*) ;;
		*) fail "loads $lib" ;;
		esac
	done
done

# an image command runs in cvmimg-full, which has the image libraries
current="cvmimg inspect --help through cvmimg-full"
checks=$((checks + 1))
loaded inspect --help | grep -q '^libcryptsetup' || fail "libcryptsetup not loaded"
run 0 build --help && expect_in "$OUT" "cvmimg build --rootfs FILE"
run 0 help verity && expect_in "$OUT" "cvmimg verity verify"

# a copy of cvmimg without cvmimg-full where it belongs
mkdir -p "$TMP/bin"
cp "$CVMIMG" "$TMP/bin/cvmimg"
current="cvmimg build without cvmimg-full"
checks=$((checks + 1))
code=0
"$TMP/bin/cvmimg" build --help >"$OUT" 2>"$ERR" || code=$?
[ "$code" = 4 ] || fail "exit $code, want 4"
grep -q "cvmimg build: cannot run $TMP/bin/.*cvmimg-full: No such file or directory" "$ERR" ||
	fail "stderr: $(cat "$ERR")"
"$TMP/bin/cvmimg" measure --tee snp:ovmf-hash --ovmf "$VEC/snp/ovmf_AmdSev_suffix.bin" >"$OUT" 2>"$ERR" ||
	fail "measure needs cvmimg-full: $(cat "$ERR")"
finish
