# .pcrsig against "systemd-measure sign" (systemd 252), which computes the
# PolicyPCR digest in a TPM: here swtpm on a loopback port. Same parts, same
# key: the same JSON (RSA PKCS#1 v1.5 is deterministic).
. "$(dirname "$0")/lib.sh"
need_vectors
MEASURE=/usr/lib/systemd/systemd-measure
for t in swtpm jq objcopy; do
	command -v $t >/dev/null || { echo "SKIP: $t missing (package swtpm)"; exit 77; }
done
[ -x "$MEASURE" ] || { echo "SKIP: systemd-measure missing"; exit 77; }
# systemd-measure loads these with dlopen() and fails without them
for lib in tcti-swtpm esys rc mu; do
	ls /usr/lib/*/libtss2-$lib.so.0* >/dev/null 2>&1 ||
		{ echo "SKIP: libtss2-$lib missing (scripts/setup installs it)"; exit 77; }
done
cd "$TMP"
STUB=$VEC/tdx/pe/linuxx64.efi.stub.debian-252.39
KERNEL=$VEC/tdx/pe/systemd-bootx64.efi.debian-252.39 # a stand-in x86-64 PE
openssl genrsa -out pcr.key 2048 2>/dev/null
openssl rsa -in pcr.key -pubout -out pcr.pub 2>/dev/null
head -c 5000 /dev/urandom >initrd
printf 'ID=test\n' >osrel
printf 'console=ttyS0 quiet' >cmdline

# A software TPM on a free port pair, stopped on exit.
mkdir tpm
for port in $(shuf -i 20000-60000 -n 20); do
	swtpm socket --tpm2 --tpmstate dir=tpm --server type=tcp,port=$port,bindaddr=127.0.0.1 \
		--ctrl type=tcp,port=$((port + 1)),bindaddr=127.0.0.1 \
		--flags not-need-init,startup-clear >swtpm.log 2>&1 &
	pid=$!
	sleep 0.5
	kill -0 $pid 2>/dev/null && break
	pid=""
done
[ -n "$pid" ] || { echo "SKIP: swtpm did not start: $(cat swtpm.log)"; exit 77; }
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$TMP"' EXIT

run 0 uki --stub "$STUB" --linux "$KERNEL" --initrd initrd --os-release osrel \
	--cmdline @cmdline --uname 6.1.0-x --pcr-private-key pcr.key --pcr-public-key pcr.pub \
	-o uki.efi
objcopy -O binary --only-section=.pcrsig uki.efi ours.json
current="systemd-measure sign"
checks=$((checks + 1))
"$MEASURE" sign --linux="$KERNEL" --osrel=osrel --cmdline=cmdline --initrd=initrd \
	--pcrpkey=pcr.pub --bank=sha256 --private-key=pcr.key --public-key=pcr.pub \
	--tpm2-device=swtpm:host=127.0.0.1,port=$port --json=short >theirs.json 2>measure.err ||
	fail "systemd-measure sign failed: $(cat measure.err)"
for field in pcrs pkfp pol sig; do
	[ "$(jq -c "[.sha256[].$field]" ours.json)" = "$(jq -c "[.sha256[].$field]" theirs.json)" ] ||
		fail "$field differs: ours $(jq -c "[.sha256[].$field]" ours.json | head -c 200)," \
			"systemd $(jq -c "[.sha256[].$field]" theirs.json | head -c 200)"
done
[ "$(jq -S -c . ours.json)" = "$(jq -S -c . theirs.json)" ] || fail "the documents differ"
finish
