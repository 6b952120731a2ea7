# cvmimg build --tee tdx: one VM shape per memory size, each the measurement
# object cvmimg measure --tee tdx --uki DIR/uki.efi gives for it (the same
# firmware, QEMU and edk2 versions); RTMR0 null with the reason (no ACPI
# tables); a bundle that verifies and carries the TDX reference values.
. "$(dirname "$0")/lib.sh"
. "$CVMIMG_SOURCE_DIR/tests/image/lib.sh"
need_vectors
need_image_tools
FW=$VEC/tdx/ovmf/OVMF_debian12_2022.11_2M.fd
cd "$TMP" || exit 1

mkdir -p r/etc
printf 'ID=cvmtest\nPRETTY_NAME="cvm test"\n' >r/etc/os-release
tar --numeric-owner -C r -cf r.tar .
run 0 keygen -t ecdsa-p256 -o sign.pem --public-out sign.pub
run 0 keygen -t ecdh-p256 -o op.pem --public-out op.pub
current="build"
checks=$((checks + 1))
quick_build out r.tar --seed s1 --tee tdx --ovmf "tdx=$FW" --memory 2G,4G --qemu-version 8.2.2 \
	--ovmf-version 2024.11 --signing-key sign.pem --broker-public-key op.pub --image-name demo \
	>"$OUT" 2>"$ERR" || { fail "build failed: $(cat "$ERR")"; finish; }
M=out/measurements.json
[ "$(jq -r '[.measurements[].shape] | join(" ")' $M)" = "tdx/2G tdx/4G" ] || fail "shapes: $(jq -c '[.measurements[].shape]' $M)"
for mem in 2G 4G; do
	run 0 measure --tee tdx --ovmf "$FW" --uki out/uki.efi --memory "$mem" --qemu-version 8.2.2 \
		--ovmf-version 2024.11 --json || continue
	for k in tee mrtd rtmr0 rtmr1 rtmr2 rtmr3 unknown events; do
		[ "$(jq -c ".$k" "$OUT")" = "$(jq -c --arg s "tdx/$mem" ".measurements[] | select(.shape == \$s) | .measurement.$k" $M)" ] ||
			fail "tdx/$mem: $k differs from cvmimg measure"
	done
	[ "$(jq -r .rtmr0 "$OUT")" = null ] || fail "rtmr0 known without ACPI tables"
	[ "$(jq -r --arg s "tdx/$mem" '.measurements[] | select(.shape == $s) | .launch.memory[0]' $M)" = \
		"$(($(echo "$mem" | tr -d G) << 30))" ] || fail "launch.memory"
done
run 0 bundle verify --key sign.pub out/bundle.json
run 0 bundle show --json out/bundle.json && expect_in "$OUT" "$(jq -r '.measurements[0].measurement.mrtd' $M)"
run 2 build --rootfs r.tar --output o2 --tee tdx && expect_in "$ERR" "--tee tdx needs --ovmf"
finish
