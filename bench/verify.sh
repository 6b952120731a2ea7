#!/bin/bash
# cvmimg verify-report, per report and per quote, as whole processes (start-up
# included), against the floor measured in the same run: one ECDSA P-384
# verification from `openssl speed ecdsap384` (the one public-key operation an
# SNP report cannot do without) for SNP, one ECDSA P-256 verification
# (`openssl speed ecdsap256`: TDX quotes, QE reports and collateral are P-256)
# for TDX. A peer is printed too, a whole process each: `openssl verify` of the
# same VCEK chain (AMD), of the TCB Signing certificate to the Intel root (TDX).
# Start-up: one SNP report with its chain, as a process, against `openssl
# version` as a process; target within 2x. Prints the ratios; fails if the
# report is not valid or the start-up target is missed.
# Usage: bench/verify.sh [path/to/cvmimg]   (default build/gcc/cvmimg)
set -eu
cd "$(dirname "$0")/.."
CVMIMG=${1:-build/gcc/cvmimg}
VEC=${CVMIMG_VECTORS:-../shared/vectors}
RUNS=${BENCH_RUNS:-30}
S=$VEC/attest/snp/ms-tav
T=$VEC/attest/tdx/phala-dcap-qvl
AT=2026-11-26T00:00:00Z

snp=(verify-report --report "$S/milan_attestation_report.bin" --vcek "$S/milan_vcek.pem"
	--chain "$S/milan_ask.pem" --ark "$S/milan_ark.pem" --at-time "$AT")
tdx=(verify-report --quote "$T/tdx_quote" --collateral "$T/tdx_quote_collateral.json"
	--at-time 2025-07-01T00:00:00Z)
"$CVMIMG" "${snp[@]}" >/dev/null || { echo "bench/verify: the SNP report does not verify" >&2; exit 1; }
"$CVMIMG" "${tdx[@]}" >/dev/null || { echo "bench/verify: the TDX quote does not verify" >&2; exit 1; }

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

# one ECDSA P-384 verification, in microseconds, from openssl speed's verify/s
floor=$(openssl speed -seconds 2 ecdsap384 2>/dev/null |
	awk '/ecdsa \(nistp384\)/ {printf "%.0f", 1e6 / $NF}')
[ -n "$floor" ] || { echo "bench/verify: cannot read openssl speed's output" >&2; exit 1; }
floor256=$(openssl speed -seconds 2 ecdsap256 2>/dev/null |
	awk '/ecdsa \(nistp256\)/ {printf "%.0f", 1e6 / $NF}')
[ -n "$floor256" ] || { echo "bench/verify: cannot read openssl speed's output" >&2; exit 1; }
peer=$(median_us openssl verify -CAfile "$S/milan_ark.pem" -untrusted "$S/milan_ask.pem" \
	"$S/milan_vcek.pem")
peer_tdx=$(median_us openssl verify -CAfile "$VEC/attest/tdx/go-tdx-guest/trusted_root.pem" \
	"$T/uptodate_tcb_signing_chain.pem")
ours=$(median_us "$CVMIMG" "${snp[@]}")
quote=$(median_us "$CVMIMG" "${tdx[@]}")
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.1f", a / b}'; }
echo "bench/verify: floor: one ECDSA P-384 verify (openssl speed) ${floor} us"
echo "bench/verify: peer: openssl verify of the VCEK chain (process) ${peer} us"
echo "bench/verify: cvmimg verify-report, SNP Milan v3 (process) ${ours} us:" \
	"$(ratio "$ours" "$floor")x the floor, $(ratio "$ours" "$peer")x the peer"
echo "bench/verify: floor: one ECDSA P-256 verify (openssl speed) ${floor256} us"
echo "bench/verify: peer: openssl verify of the TCB Signing cert to the Intel root (process) ${peer_tdx} us"
echo "bench/verify: cvmimg verify-report, TDX v4 + collateral (process) ${quote} us:" \
	"$(ratio "$quote" "$floor256")x the P-256 floor, $(ratio "$quote" "$peer_tdx")x the Intel-chain peer"
version=$(median_us openssl version)
startup=$(awk -v a="$ours" -v b="$version" 'BEGIN {printf "%.2f", a / b}')
echo "bench/verify: start-up: cvmimg verify-report, SNP (process) ${ours} us, openssl version (process)" \
	"${version} us, ratio ${startup} (target <= 2)"
awk -v r="$startup" 'BEGIN {exit !(r <= 2)}' || { echo "bench/verify: start-up target missed" >&2; exit 1; }
