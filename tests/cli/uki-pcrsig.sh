# The .pcrsig section against openssl: each phase's signature verifies with the
# PCR public key over its policy digest, and pkfp is the SHA-256 of the key
# in PKCS#1 DER. (uki-measure-sign.sh compares with systemd-measure sign.)
. "$(dirname "$0")/lib.sh"
need_vectors
for t in openssl jq objcopy xxd base64; do
	command -v $t >/dev/null || { echo "SKIP: $t missing"; exit 77; }
done
cd "$TMP"
STUB=$VEC/tdx/pe/linuxx64.efi.stub.debian-252.39
KERNEL=$VEC/tdx/pe/systemd-bootx64.efi.debian-252.39 # a stand-in x86-64 PE
openssl genrsa -out pcr.key 2048 2>/dev/null
openssl rsa -in pcr.key -pubout -out pcr.pub 2>/dev/null

run 0 uki --stub "$STUB" --linux "$KERNEL" --cmdline "console=ttyS0" --uname 6.1.0-x \
	--pcr-private-key pcr.key --pcr-public-key pcr.pub -o uki.efi
objcopy -O binary --only-section=.pcrsig uki.efi pcrsig.json
objcopy -O binary --only-section=.pcrpkey uki.efi pcrpkey
cmp -s pcrpkey pcr.pub || fail ".pcrpkey is not the public key file"
pkfp=$(openssl rsa -pubin -in pcr.pub -RSAPublicKey_out -outform DER 2>/dev/null | sha256sum |
	cut -d' ' -f1)
current=".pcrsig"
checks=$((checks + 1))
[ "$(jq '.sha256 | length' pcrsig.json)" = 4 ] || fail "not 4 phases: $(cat pcrsig.json)"
[ "$(jq -c 'keys' pcrsig.json)" = '["sha256"]' ] || fail "banks: $(jq -c keys pcrsig.json)"
for i in 0 1 2 3; do
	e=$(jq -c ".sha256[$i]" pcrsig.json)
	[ "$(jq -c .pcrs <<<"$e")" = "[11]" ] || fail "phase $i: pcrs $(jq -c .pcrs <<<"$e")"
	[ "$(jq -r .pkfp <<<"$e")" = "$pkfp" ] || fail "phase $i: pkfp differs from $pkfp"
	jq -r .pol <<<"$e" | xxd -r -p >pol$i.bin
	jq -r .sig <<<"$e" | base64 -d >sig$i.bin
	openssl dgst -sha256 -verify pcr.pub -signature sig$i.bin pol$i.bin >verify 2>&1 ||
		fail "phase $i: signature does not verify: $(cat verify)"
done
[ "$(sha256sum pol*.bin | cut -d' ' -f1 | sort -u | wc -l)" = 4 ] || fail "policies repeat"
# A forged policy must not verify (the check can fail).
printf 'x' | cat - pol0.bin | head -c 32 >forged.bin
! openssl dgst -sha256 -verify pcr.pub -signature sig0.bin forged.bin >/dev/null 2>&1 ||
	fail "a forged policy verified"
finish
