# cvmimg measure --tee tdx --qemu: the ACPI blobs read from Debian's QEMU in
# qtest mode equal the real dumps of vectors/tdx/acpi (vectors.json digests)
# for every memory size and vCPU count there; a machine whose registers do
# not hold what the firmware would program (not a q35) is refused.
. "$(dirname "$0")/lib.sh"
need_vectors
command -v jq >/dev/null || { echo "SKIP: jq missing"; exit 77; }
QEMU=$(command -v qemu-system-x86_64) || { echo "SKIP: qemu-system-x86_64 missing"; exit 77; }
T=$VEC/tdx
FW=$T/ovmf/OVMF_debian12_2022.11_2M.fd
KEY='acpi_qemu7.2_nonTDX_dumps (real QEMU output via qtest; NOT TDX-mode tables)'
"$QEMU" --version | grep -q 'version 7\.2\.' ||
	echo "note: $("$QEMU" --version | head -1): the dumps are QEMU 7.2's; differences may be real"

for dump in $(jq -r --arg k "$KEY" '.[$k] | keys[]' "$T/vectors.json"); do
	mem=${dump#qemu7.2-q35-hpetoff-smmoff-}
	cpus=${mem#*_}
	cpus=${cpus%cpu}
	mem=${mem%%_*}
	run 0 measure --tee tdx --ovmf "$FW" --memory "$mem" --vcpus "$cpus" --qemu "$QEMU" \
		--machine q35,smm=off,hpet=off --json || continue
	jq -r '.events[] | select(.event_type == 10) | .digest' "$OUT" >"$TMP/got"
	jq -r --arg k "$KEY" --arg d "$dump" '.[$k][$d] | .["etc_table-loader"], .etc_acpi_rsdp,
		.etc_acpi_tables' "$T/vectors.json" >"$TMP/want"
	[ "$(wc -l <"$TMP/want")" = 3 ] || fail "$dump: vectors.json"
	diff -u "$TMP/want" "$TMP/got" >/dev/null || fail "$dump: ACPI digests differ"
	[ "$(jq -r .inputs.vcpus "$OUT")" = "$cpus" ] || fail "$dump: inputs.vcpus"
	expect_in "$OUT" "(from QEMU in qtest mode)"
done

run 4 measure --tee tdx --ovmf "$FW" --memory 2G --qemu "$QEMU" --machine no-such-machine &&
	expect_in "$ERR" "QEMU in qtest mode: it exited: qemu-system-x86_64: unsupported machine type"
# an i440fx has no PCIEXBAR: the register check refuses it rather than hash its tables
run 4 measure --tee tdx --ovmf "$FW" --memory 2G --qemu "$QEMU" --machine pc &&
	expect_in "$ERR" "the machine's PCI registers do not keep their values (is it a q35?)"
run 3 measure --tee tdx --ovmf "$FW" --memory 2G --qemu "$TMP/no-qemu" && expect_in "$ERR" "cannot run"
run 2 measure --tee tdx --ovmf "$FW" --qemu "$QEMU" && expect_in "$ERR" "--qemu needs --memory"
run 2 measure --tee tdx --ovmf "$FW" --machine q35 && expect_in "$ERR" "--machine goes with --qemu"
finish
