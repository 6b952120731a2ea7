# cvmimg build --broker-url --broker-ca/--broker-pin/--broker-allow-http
# --broker-resource [--broker-timeout]: the unlock agent, its libraries,
# /etc/cvmimg/unlock.json and the keyscript in the cpio appended to the UKI's
# initrd (read back with objcopy and an independent newc reader), the
# keyscript on the command line; the agent found there runs; for a dracut
# initrd, the password agent's systemd units instead; usage errors.
. "$(dirname "$0")/lib.sh"
. "$CVMIMG_SOURCE_DIR/tests/image/lib.sh"
need_image_tools
command -v objcopy >/dev/null || { echo "SKIP: objcopy missing"; exit 77; }
NEWC="python3 $(dirname "$0")/tools/newc.py"
cd "$TMP" || exit 1
cp tiny.initrd tiny-no-nic.initrd
# the agent needs a network driver in the initrd: virtio-net, as a module
nic=tiny-initrd-root/usr/lib/modules/6.1.0-0-amd64/kernel/drivers/net
mkdir -p "$nic" && echo x >"$nic/virtio_net.ko"
tiny_initrd tiny.initrd
mkdir -p r/etc
printf 'ID=cvmtest\nPRETTY_NAME="cvm test"\n' >r/etc/os-release
tar --numeric-owner -C r -cf r.tar .
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=kbs \
	-keyout ca.key -out ca.pem 2>/dev/null

current="build with the agent"
checks=$((checks + 1))
quick_build out r.tar --broker-url https://kbs.example:8080 --broker-ca ca.pem \
	--broker-resource cvmimg/web/luks-key --broker-timeout 12 >"$OUT" 2>"$ERR" ||
	{ fail "build failed: $(cat "$ERR")"; finish; }
[ "$(jq .boot.initrd.has_network_driver out/build.json)" = true ] ||
	fail "build.json: no boot.initrd.has_network_driver"
# what the kernel gets: the tiny initrd, then our archive
objcopy -O binary --only-section=.initrd out/uki.efi initrd.bin
objcopy -O binary --only-section=.cmdline out/uki.efi cmdline.bin
$NEWC list initrd.bin 0 | awk '$2 != "." {print $2}' | sort >first
(cd tiny-initrd-root && find . -mindepth 1 | sed 's|^\./||' | sort) >want
cmp -s first want || fail "the first archive is not the tiny initrd"
$NEWC list initrd.bin 1 >second
$NEWC extract initrd.bin 1 x
for f in etc/cvmimg/unlock.json etc/cvmimg/broker-ca.pem usr/lib/cvmimg/keyscript \
	usr/lib/cvmimg/cvmimg-unlock usr/lib/cvmimg/ld-linux-x86-64.so.2 usr/lib/cvmimg/libcurl.so.4; do
	[ -f "x/$f" ] || fail "$f is not in the overlay: $(head -c 300 second)"
done
grep -q '^100755 usr/lib/cvmimg/keyscript ' second || fail "the keyscript is not executable"
cmp -s x/etc/cvmimg/broker-ca.pem ca.pem || fail "broker-ca.pem is not the given CA"
cmp -s x/usr/lib/cvmimg/cvmimg-unlock "$CVMIMG_BUILD_DIR/cvmimg-unlock" ||
	fail "the agent is not the one built"
# the configuration names the LUKS2 device cryptsetup sees in the image
root_part out/disk.raw root.img
uuid=$(cryptsetup luksUUID root.img)
J=x/etc/cvmimg/unlock.json
[ "$(jq -r .luks_uuid $J)" = "$uuid" ] || fail "luks_uuid $(jq -r .luks_uuid $J), not $uuid"
[ "$(jq -r '.broker_url, .broker_resource, .broker_ca, .timeout, .keyslot, .allow_http' $J | tr '\n' ' ')" = \
	"https://kbs.example:8080 cvmimg/web/luks-key /etc/cvmimg/broker-ca.pem 12 1 false " ] ||
	fail "unlock.json: $(cat $J)"
# keyslot 1 is the one broker.key opens, in hex (kept: no --broker-public-key)
[ "$(stat -c %a out/broker.key)" = 600 ] || fail "broker.key is not 0600"
broker_pass out/broker.key broker.pass
cryptsetup open --test-passphrase --key-slot 1 --key-file broker.pass root.img ||
	fail "broker.key's hex does not open keyslot 1"
cryptsetup open --test-passphrase --key-slot 1 --key-file out/broker.key root.img &&
	fail "the raw broker key opens keyslot 1"
# the command line: keyscript= inside cryptopts=, ip=dhcp
tr -d '\0' <cmdline.bin >cmdline
grep -q "cryptopts=target=root,source=UUID=$uuid,luks,keyscript=/usr/lib/cvmimg/keyscript " cmdline ||
	fail "cmdline: $(cat cmdline)"
grep -q ' ip=dhcp' cmdline || fail "no ip=dhcp: $(cat cmdline)"
# the agent as the initrd runs it: its own loader and libraries
x/usr/lib/cvmimg/ld-linux-x86-64.so.2 --library-path x/usr/lib/cvmimg x/usr/lib/cvmimg/cvmimg-unlock \
	--version >ver 2>&1 || fail "the packed agent does not run: $(cat ver)"
grep -q '^cvmimg-unlock ' ver || fail "version: $(cat ver)"
sh -n x/usr/lib/cvmimg/keyscript || fail "the keyscript is not valid sh"
grep -q '^dir=/usr/lib/cvmimg$' x/usr/lib/cvmimg/keyscript || fail "keyscript's AGENT_DIR"

# the same again: the same overlay, byte for byte (seeded, SOURCE_DATE_EPOCH)
checks=$((checks + 1))
SOURCE_DATE_EPOCH=1700000000 quick_build o1 r.tar --seed s --broker-url http://10.0.2.100:8080 \
	--broker-allow-http --broker-resource a/b/c >/dev/null 2>&1 &&
	SOURCE_DATE_EPOCH=1700000000 quick_build o2 r.tar --seed s --broker-url http://10.0.2.100:8080 \
		--broker-allow-http --broker-resource a/b/c >/dev/null 2>&1 || fail "http builds failed"
objcopy -O binary --only-section=.initrd o1/uki.efi i1
objcopy -O binary --only-section=.initrd o2/uki.efi i2
cmp -s i1 i2 || fail "two seeded builds' initrds differ"
$NEWC extract i1 1 y
[ "$(jq -r '.allow_http, .broker_ca' y/etc/cvmimg/unlock.json)" = "true
null" ] || fail "http unlock.json: $(cat y/etc/cvmimg/unlock.json)"

# no transport option: no agent (the URL stays a token hint)
checks=$((checks + 1))
quick_build o3 r.tar --broker-url https://kbs.example:8080 >/dev/null 2>&1 || fail "plain build failed"
objcopy -O binary --only-section=.initrd o3/uki.efi i3
cmp -s i3 tiny.initrd || fail "an initrd overlay without the agent options"

# usage errors: exit 2, nothing built
run 2 build --rootfs r.tar --output e1 --passphrase-file "$PASS" --broker-ca ca.pem &&
	expect_in "$ERR" "the unlock agent needs --broker-url and --broker-resource"
run 2 build --rootfs r.tar --output e1 --passphrase-file "$PASS" --broker-url http://k \
	--broker-resource a/b/c --broker-pin sha256//x &&
	expect_in "$ERR" "is plain http: add --broker-allow-http"
run 2 build --rootfs r.tar --output e1 --passphrase-file "$PASS" --broker-url https://k \
	--broker-resource a/b/c --broker-allow-http &&
	expect_in "$ERR" "an https broker needs --broker-ca or --broker-pin"
run 2 build --rootfs r.tar --output e1 --passphrase-file "$PASS" --broker-url https://k \
	--broker-resource a/b --broker-pin sha256//x && expect_in "$ERR" "REPO/TYPE/TAG"
run 2 build --rootfs r.tar --output e1 --passphrase-file "$PASS" --broker-url https://k \
	--broker-resource a/b/c --broker-pin md5//x && expect_in "$ERR" "--broker-pin is sha256//"
run 2 build --rootfs r.tar --output e1 --passphrase-file "$PASS" --broker-timeout 5 &&
	expect_in "$ERR" "--broker-timeout needs the unlock agent"
run 2 build --rootfs r.tar --output e1 --passphrase-file "$PASS" --broker-url https://k \
	--broker-resource a/b/c --broker-ca nonexistent.pem && expect_in "$ERR" "cannot read --broker-ca"
[ ! -e e1 ] || fail "a refused build left e1"

# an initrd without a network driver cannot reach the broker: refused, saying what to install
run 3 build --rootfs r.tar --output e2 --passphrase-file "$PASS" "${FAST_PBKDF[@]}" \
	--kernel "$HOST_KERNEL" --initrd tiny-no-nic.initrd --broker-url https://k \
	--broker-resource a/b/c --broker-pin sha256//x &&
	expect_in "$ERR" "has no network driver to reach the key broker" &&
	expect_in "$ERR" "templates/initramfs-tools/hooks/cvmimg-unlock"
[ ! -e e2 ] || fail "a refused build left e2"
# SEV/SEV-ES: the key the guest owner injects (efi_secret), no broker: no network, no URL
mkdir -p tiny-initrd-root/usr/lib/modules/6.1.0-0-amd64/kernel/drivers/virt/coco/efi_secret
echo x >tiny-initrd-root/usr/lib/modules/6.1.0-0-amd64/kernel/drivers/virt/coco/efi_secret/efi_secret.ko
tiny_initrd efi.initrd
current="build --broker-evidence efi-secret"
checks=$((checks + 1))
"$CVMIMG" build --rootfs r.tar --output efi --passphrase-file "$PASS" "${FAST_PBKDF[@]}" \
	--kernel "$HOST_KERNEL" --initrd efi.initrd --broker-evidence efi-secret >"$OUT" 2>"$ERR" || {
	fail "$(cat "$ERR")"
	finish
}
objcopy -O binary --only-section=.initrd efi/uki.efi efi.bin
objcopy -O binary --only-section=.cmdline efi/uki.efi efi.cmdline
$NEWC extract efi.bin 1 ex
[ "$(jq -r '.evidence, .broker_url' ex/etc/cvmimg/unlock.json)" = "efi-secret
null" ] || fail "unlock.json: $(cat ex/etc/cvmimg/unlock.json)"
grep -q '^evidence=efi-secret$' ex/usr/lib/cvmimg/keyscript || fail "keyscript's EVIDENCE"
grep -q 'keyscript=/usr/lib/cvmimg/keyscript' efi.cmdline || fail "no keyscript= on the command line"
grep -q 'ip=dhcp' efi.cmdline && fail "ip=dhcp without a broker"
[ "$(jq .boot.initrd.has_efi_secret efi/build.json)" = true ] || fail "build.json: no has_efi_secret"
# the agent accepts that configuration (no broker_url): it reads the secret, finds none, prompts
printf '#!/bin/sh\nprintf typed\n' >askpass && chmod +x askpass
ex/usr/lib/cvmimg/ld-linux-x86-64.so.2 --library-path ex/usr/lib/cvmimg ex/usr/lib/cvmimg/cvmimg-unlock \
	--config ex/etc/cvmimg/unlock.json --device efi/disk.raw --askpass ./askpass \
	--evidence-root "$TMP/none" >agent.out 2>agent.err
[ "$(cat agent.out)" = typed ] || fail "agent: $(cat agent.err)"
grep -q "secrets/coco/d6b38796" agent.err || fail "agent did not look for the secret: $(cat agent.err)"
# without efi_secret in the initrd: refused; with a broker's trust options: a usage error
run 3 build --rootfs r.tar --output e3 --passphrase-file "$PASS" "${FAST_PBKDF[@]}" \
	--kernel "$HOST_KERNEL" --initrd tiny-no-nic.initrd --broker-evidence efi-secret &&
	expect_in "$ERR" "has no efi_secret module"
run 2 build --rootfs r.tar --output e3 --passphrase-file "$PASS" --broker-evidence efi-secret \
	--broker-pin sha256//x && expect_in "$ERR" "it takes no --broker-ca"
run 2 build --rootfs r.tar --output e3 --passphrase-file "$PASS" --broker-evidence sample &&
	expect_in "$ERR" "--broker-evidence is auto, tsm, sev-guest or efi-secret"
run 2 build --rootfs r.tar --output e3 --passphrase-file "$PASS" --broker-evidence tsm &&
	expect_in "$ERR" "--broker-evidence needs the unlock agent"

# dracut (a systemd initrd): the password agent's units, started by sysinit.target;
# no keyscript=; systemd-networkd brings the network up from ip=dhcp
d=dracut-initrd-root
mkdir -p $d/usr/lib/dracut $d/usr/lib/systemd $d/usr/sbin $d/usr/lib/modules/6.1.0-0-amd64/kernel/drivers/md
for f in usr/lib/dracut/modules.txt usr/lib/systemd/systemd-cryptsetup usr/sbin/cryptsetup \
	usr/lib/modules/6.1.0-0-amd64/kernel/drivers/md/dm-crypt.ko; do echo x >$d/$f; done
(cd $d && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) >dracut-no-net.initrd
mkdir -p $d/usr/lib/modules/6.1.0-0-amd64/kernel/drivers/net
echo x >$d/usr/lib/modules/6.1.0-0-amd64/kernel/drivers/net/virtio_net.ko
(cd $d && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) >dracut-no-networkd.initrd
echo x >$d/usr/lib/systemd/systemd-networkd
(cd $d && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) >dracut.initrd
current="build with the agent (dracut)"
checks=$((checks + 1))
"$CVMIMG" build --rootfs r.tar --output dr --passphrase-file "$PASS" "${FAST_PBKDF[@]}" \
	--kernel "$HOST_KERNEL" --initrd dracut.initrd --broker-url http://10.0.2.100:8080 \
	--broker-allow-http --broker-resource a/b/c >"$OUT" 2>"$ERR" || { fail "$(cat "$ERR")"; finish; }
objcopy -O binary --only-section=.initrd dr/uki.efi dr.bin
objcopy -O binary --only-section=.cmdline dr/uki.efi dr.cmdline
$NEWC list dr.bin 1 >dr.list
$NEWC extract dr.bin 1 dx
U=usr/lib/systemd/system
grep -q "^120777 $U/sysinit.target.wants/cvmimg-unlock-agent.path [0-9]* -> ../cvmimg-unlock-agent.path$" dr.list ||
	fail "the .path unit is not wanted by sysinit.target: $(grep systemd dr.list)"
grep -q '^DirectoryNotEmpty=/run/systemd/ask-password$' dx/$U/cvmimg-unlock-agent.path ||
	fail "the .path unit: $(cat dx/$U/cvmimg-unlock-agent.path)"
grep -q '^ExecStart=/usr/lib/cvmimg/keyscript --password-agent$' dx/$U/cvmimg-unlock-agent.service ||
	fail "the service: $(cat dx/$U/cvmimg-unlock-agent.service)"
grep -q '@' dx/$U/cvmimg-unlock-agent.service && fail "a template variable is left in the service"
grep -q 'keyscript=' dr.cmdline && fail "keyscript= on a dracut command line: $(cat dr.cmdline)"
grep -q ' ip=dhcp' dr.cmdline || fail "no ip=dhcp: $(cat dr.cmdline)"
grep -q 'rd.luks.name=' dr.cmdline || fail "no rd.luks.name=: $(cat dr.cmdline)"
# no systemd-networkd, or no network driver: refused, naming the dracut module
for i in dracut-no-networkd:"systemd-networkd to reach the key broker" \
	dracut-no-net:"network driver to reach the key broker"; do
	run 3 build --rootfs r.tar --output e4 --passphrase-file "$PASS" "${FAST_PBKDF[@]}" \
		--kernel "$HOST_KERNEL" --initrd "${i%%:*}.initrd" --broker-url https://k \
		--broker-resource a/b/c --broker-pin sha256//x && {
		expect_in "$ERR" "has no ${i#*:}"
		expect_in "$ERR" "templates/dracut/90cvmimg-unlock"
	}
done
[ ! -e e4 ] || fail "a refused build left e4"

# the hook template that adds the drivers is valid sh and names virtio_net
sh -n "$CVMIMG_SOURCE_DIR/templates/initramfs-tools/hooks/cvmimg-unlock" || fail "hook: not sh"
grep -q "virtio_net" "$CVMIMG_SOURCE_DIR/templates/initramfs-tools/hooks/cvmimg-unlock" ||
	fail "hook: no virtio_net"
finish
