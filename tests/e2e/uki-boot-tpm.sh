# The stub measures what we predicted: a UKI with a signed PCR policy boots
# under OVMF with a software TPM (swtpm, TPM 2.0 over tpm-tis); its busybox
# /init reads PCR 11 from sysfs and hashes the files systemd-stub hands to the
# initrd in /.extra. PCR 11 must equal "cvmimg uki inspect" (no boot phase has
# been extended in this initrd), and /.extra must hold .pcrsig and .pcrpkey.
# The UKI has enough sections for its headers to grow past the stub's.
. "$(dirname "$0")/../cli/lib.sh"
. "$(dirname "$0")/lib/busybox.sh"
OVMF_CODE=/usr/share/OVMF/OVMF_CODE_4M.fd
OVMF_VARS=/usr/share/OVMF/OVMF_VARS_4M.fd
BOOT_TIMEOUT=${CVMIMG_BOOT_TIMEOUT:-80}
for t in qemu-system-x86_64 cpio gzip swtpm jq objcopy sha256sum openssl timeout readelf; do
	command -v $t >/dev/null || { echo "SKIP: $t missing"; exit 77; }
done
for f in $OVMF_CODE $OVMF_VARS /usr/lib/systemd/boot/efi/linuxx64.efi.stub; do
	[ -r "$f" ] || { echo "SKIP: $f missing"; exit 77; }
done
need_busybox_kernel
cd "$TMP"

busybox_initrd initrd.img /sys <<'EOF'
#!/bin/busybox sh
/bin/busybox mount -t sysfs sysfs /sys
/bin/busybox echo "PCR11=$(/bin/busybox cat /sys/class/tpm/tpm0/pcr-sha256/11)"
cd /.extra && /bin/busybox sha256sum tpm2-pcr-signature.json tpm2-pcr-public-key.pem |
	/bin/busybox sed 's/^/EXTRA /'
/bin/busybox echo "UKI-BOOT-DONE"
/bin/busybox poweroff -f
EOF
openssl genrsa -out pcr.key 2048 2>/dev/null
openssl rsa -in pcr.key -pubout -out pcr.pub 2>/dev/null
printf 'ID=cvmimgtest\n' >osrel
echo "own section" >own
# 16 sections: more than the stub's headers hold, so they grow (0x400 to 0x600)
run 0 uki --linux "$KERNEL" --initrd initrd.img --cmdline "console=ttyS0 panic=-1" \
	--os-release osrel --section .cvmtest:own \
	--pcr-private-key pcr.key --pcr-public-key pcr.pub -o uki.efi || finish
run 0 uki inspect uki.efi --json || finish
want=$(jq -r .pcr11.sha256.sections "$OUT")
[ "$(jq '.sections[0].file_offset' "$OUT")" = 1536 ] || fail "the headers did not grow"
objcopy -O binary --only-section=.pcrsig uki.efi pcrsig.json

mkdir tpm
swtpm socket --tpm2 --tpmstate dir=tpm --ctrl type=unixio,path=tpm/sock \
	--flags startup-clear >swtpm.log 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$TMP"' EXIT
for i in $(seq 50); do [ -S tpm/sock ] && break; sleep 0.1; done
[ -S tpm/sock ] || { echo "SKIP: swtpm did not start: $(cat swtpm.log)"; exit 77; }

checks=$((checks + 1))
current="boot with a vTPM"
cp "$OVMF_VARS" vars.fd
timeout --kill-after=5 "$BOOT_TIMEOUT" nice qemu-system-x86_64 -accel tcg -machine q35 -m 512 \
	-smp 1 -display none -no-reboot -net none -serial file:console.log \
	-drive if=pflash,format=raw,unit=0,readonly=on,file="$OVMF_CODE" \
	-drive if=pflash,format=raw,unit=1,file=vars.fd \
	-chardev socket,id=chrtpm,path=tpm/sock -tpmdev emulator,id=tpm0,chardev=chrtpm \
	-device tpm-tis,tpmdev=tpm0 -kernel uki.efi >qemu.out 2>&1
code=$?
tr -d '\r' <console.log >console.txt
got=$(sed -n 's/^PCR11=//p' console.txt | tr 'A-F' 'a-f')
if ! grep -q UKI-BOOT-DONE console.txt; then
	fail "the initrd did not finish (qemu exit $code)"
	cat qemu.out
	tail -n 60 console.txt
	finish
fi
[ -n "$want" ] && [ "$got" = "$want" ] || fail "PCR 11 in the guest $got, predicted $want"
grep -qx "EXTRA $(sha256sum <pcrsig.json | cut -d' ' -f1)  tpm2-pcr-signature.json" console.txt ||
	fail "/.extra/tpm2-pcr-signature.json is not our .pcrsig: $(grep EXTRA console.txt)"
grep -qx "EXTRA $(sha256sum <pcr.pub | cut -d' ' -f1)  tpm2-pcr-public-key.pem" console.txt ||
	fail "/.extra/tpm2-pcr-public-key.pem is not our .pcrpkey: $(grep EXTRA console.txt)"
finish
