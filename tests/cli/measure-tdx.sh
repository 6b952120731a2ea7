# cvmimg measure --tee tdx against ../shared/vectors/tdx/vectors.json: MRTD in
# both page orders, the synthetic RTMR0 from a real QEMU ACPI dump, the
# Debian kernel's RTMR1 (when scripts/setup cached it), the JSON events, the
# unknown registers and the refusals.
. "$(dirname "$0")/lib.sh"
need_vectors
command -v jq >/dev/null || { echo "SKIP: jq missing"; exit 77; }
T=$VEC/tdx
J=$T/vectors.json
FW=$T/ovmf/OVMF_debian12_2022.11_2M.fd
ACPI=$T/acpi/qemu7.2-q35-hpetoff-smmoff-2G_1cpu
KERNEL=${CVMIMG_TDX_KERNEL:-/var/cache/cvmimg-test/vmlinuz-6.1.0-56-amd64}
vec() {
	local v
	v=$(jq -r "$1" "$J" | cut -c1-96)
	[ ${#v} = 96 ] || { echo "FAIL: no 96-digit value at $1 in vectors.json" >&2; exit 1; }
	echo "$v"
}
K='.["direct_boot_debian_kernel_6.1.0-56"]'
MRTD2=$(vec '.["ovmf_debian12_2022.11_2M"]["mrtd_two_pass_per_section (xcheck)"]') || exit 1
MRTD1=$(vec '.["ovmf_debian12_2022.11_2M"]["mrtd_single_pass (xcheck)"]') || exit 1
RTMR1=$(vec "$K"'["RTMR1 post-202411 [kernel,calling,sep,EBS,EBS-ok] (xcheck)"]') || exit 1
RTMR1_RAW=$(vec "$K"'["RTMR1 post-202411 unpatched kernel (QEMU>=10.1 style) (synthetic)"]') || exit 1
PATCHED=$(vec "$K"'["authenticode_qemu_patched (xcheck)"]') || exit 1

# MRTD: the page order follows the QEMU version
run 0 measure --tee tdx --ovmf "$FW" --qemu-version 8.2.2 &&
	expect_in "$OUT" "mrtd: $MRTD2"
run 0 measure --tee tdx --ovmf "$FW" --qemu-version 9.2.1 &&
	expect_in "$OUT" "mrtd: $MRTD1"
expect_empty "$ERR"

# what the inputs cannot tell is unknown, with the option that tells it
run 0 measure --tee tdx --ovmf "$FW" && {
	expect_in "$OUT" "mrtd: unknown: the page order depends on the QEMU version: give --qemu-version"
	expect_in "$OUT" "give --memory"
	expect_in "$OUT" "give --acpi-tables DIR"
	expect_in "$OUT" "rtmr3: 000000000000"
}
run 0 measure --tee tdx --ovmf "$FW" --json && {
	[ "$(jq -r '.mrtd' "$OUT")" = null ] || fail "mrtd not null"
	jq -e '.unknown.rtmr0 | contains("--memory")' "$OUT" >/dev/null || fail "no reason for rtmr0"
	[ "$(jq '[.events[] | select(.digest == null)] | length' "$OUT")" = 4 ] ||
		fail "expected 4 events of unknown digest (TD HOB, 3 ACPI)"
}

if [ -f "$KERNEL" ]; then
	# RTMR0 of the synthetic vector C6: firmware, 2 GiB, the QEMU 7.2 dump
	for layout in "2024.11 post-edk2-202411" "2022.11 pre-edk2-202411"; do
		set -- $layout
		want=$(jq -r ".[\"synthetic_rtmr0_debianOVMF_2G_1cpu_qemu7.2acpi\"] | to_entries[] |
			select(.key | startswith(\"$2\")) | .value" "$J")
		run 0 measure --tee tdx --ovmf "$FW" --qemu-version 8.2.2 --ovmf-version "$1" \
			--memory 2G --acpi-tables "$ACPI" --kernel "$KERNEL" --json &&
			[ "$(jq -r .rtmr0 "$OUT")" = "$want" ] || fail "rtmr0 $1: $(jq -r .rtmr0 "$OUT")"
	done
	[ "$(jq '[.events[] | select(.rtmr == 0)] | length' "$OUT")" = 14 ] || fail "pre-2024.11 RTMR0 events"
	# a dump of the tables alone: loader and RSDP rebuilt, the same RTMR0
	mkdir "$TMP/tables-only" && ln -s "$ACPI/etc_acpi_tables" "$TMP/tables-only/etc_acpi_tables"
	run 0 measure --tee tdx --ovmf "$FW" --qemu-version 8.2.2 --ovmf-version 2022.11 \
		--memory 2G --acpi-tables "$TMP/tables-only" --kernel "$KERNEL" --json &&
		[ "$(jq -r .rtmr0 "$OUT")" = "$want" ] || fail "rtmr0 from the tables alone"
	expect_in "$OUT" "etc/table-loader (rebuilt from the tables)"
	run 0 measure --tee tdx --ovmf "$FW" --qemu-version 8.2.2 --ovmf-version 2024.11 \
		--memory 2G --kernel "$KERNEL" --initrd "$T/initrd-synthetic-64k.bin" \
		--append console=ttyS0 --acpi-tables "$ACPI" --json && {
		[ "$(jq -r .rtmr1 "$OUT")" = "$RTMR1" ] ||
			fail "rtmr1: $(jq -r .rtmr1 "$OUT")"
		[ "$(jq -r '.events[] | select(.type == "EV_EFI_BOOT_SERVICES_APPLICATION") | .digest' "$OUT")" = \
			"$PATCHED" ] || fail "patched kernel"
		[ "$(jq -r .inputs.kernel_patched "$OUT")" = true ] || fail "kernel_patched"
	}
	run 0 measure --tee tdx --ovmf "$FW" --qemu-version 10.1 --ovmf-version 2024.11 \
		--kernel "$KERNEL" && expect_in "$OUT" "rtmr1: $RTMR1_RAW"
	# with an initrd, QEMU before 10.1 writes an address that depends on the memory
	run 0 measure --tee tdx --ovmf "$FW" --qemu-version 9.2 --ovmf-version 2024.11 \
		--kernel "$KERNEL" --initrd "$T/initrd-synthetic-64k.bin" &&
		expect_in "$OUT" "rtmr1: unknown: QEMU writes the initrd address"
else
	echo "note: $KERNEL missing (scripts/setup fetches it): kernel checks not run"
fi

# --ovmf-vars on a 4 MiB TDVF (bench/tdvf-4m.py): the empty store is the
# CFV digest of the hardware logs; a store with keys leaves RTMR0 unknown
python3 "$CVMIMG_SOURCE_DIR/bench/tdvf-4m.py" >"$TMP/tdvf4m.fd"
CFV=$(vec '.constants["cfv_sha384_of_empty_OVMF_VARS_4M(0x84000 bytes)"]') || exit 1
run 0 measure --tee tdx --ovmf "$TMP/tdvf4m.fd" --ovmf-vars "$T/ovmf/OVMF_VARS_4M_debian12_2022.11.fd" \
	--json && {
	[ "$(jq -r .inputs.cfv_sha384 "$OUT")" = "$CFV" ] || fail "CFV digest"
	jq -e '.unknown.rtmr0 | contains("vars store") | not' "$OUT" >/dev/null || fail "empty store"
}
if [ -f /usr/share/OVMF/OVMF_VARS_4M.ms.fd ]; then
	run 0 measure --tee tdx --ovmf "$TMP/tdvf4m.fd" --ovmf-vars /usr/share/OVMF/OVMF_VARS_4M.ms.fd &&
		expect_in "$OUT" "Secure Boot keys and boot options from it are not modelled"
fi

# refusals
CODE=$TMP/code.fd
tail -c +$((0x20001)) "$FW" >"$CODE"
run 3 measure --tee tdx --ovmf "$CODE" --qemu-version 9.2 &&
	expect_in "$ERR" "outside the 1966080-byte file: a code-only image without its vars part?"
expect_empty "$OUT"
run 3 measure --tee tdx --ovmf "$VEC/tdx/initrd-synthetic-64k.bin" &&
	expect_in "$ERR" "has no TDX metadata"
run 3 measure --tee tdx --ovmf "$FW" --qemu-version nine && expect_in "$ERR" "not a QEMU version"
run 3 measure --tee tdx --ovmf "$FW" --acpi-tables "$TMP" && expect_in "$ERR" "no 'etc/acpi/tables' in the ACPI dump"
run 3 measure --tee tdx --ovmf "$FW" --ovmf-vars "$T/ovmf/OVMF_VARS_4M_debian12_2022.11.fd" &&
	expect_in "$ERR" "but the firmware's vars store (CFV) is 131072 bytes"
run 2 measure --tee tdx --ovmf "$FW" --vcpu-type EPYC-v4 && expect_in "$ERR" "takes none of the SEV"
run 2 measure --tee snp --ovmf "$FW" --memory 2G && expect_in "$ERR" "are for --tee tdx"
run 2 measure --tee tdx --ovmf "$FW" --uki "$FW" --append x && expect_in "$ERR" "do not go with --uki"
run 2 measure --tee tdx --ovmf "$FW" --memory lots && expect_in "$ERR" "--memory"
finish
