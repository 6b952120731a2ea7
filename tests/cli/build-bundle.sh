# cvmimg build --tee ... --signing-key ... --broker-public-key: measurements.json
# holds one shape per TEE, vCPU type and vCPU count, each equal to what
# `cvmimg measure --kernel DIR/uki.efi` gives alone (the batch against the
# one-shot path; both against sev-snp-measure in unit/test-measure-batch);
# bundle.json verifies, names the disk, the UKI and the firmware by their
# SHA-256 (sha256sum), and seals a key that opens the LUKS2 broker keyslot
# (cryptsetup); broker.key is gone from the directory and from build.json.
# With --verity (and with bundle create --verity build.json) the predicate's
# "verity" equals build.json's, its root hash the roothash= of the UKI's
# .cmdline (objcopy); bundle show prints them. --config and its precedence;
# usage errors.
. "$(dirname "$0")/lib.sh"
. "$CVMIMG_SOURCE_DIR/tests/image/lib.sh"
need_vectors
need_image_tools
PY=/usr/bin/python3
CHECK=$(dirname "$0")/tools/bundle-check.py
$PY -c 'import cryptography' 2>/dev/null || { echo "SKIP: python3-cryptography missing"; exit 77; }
command -v objcopy >/dev/null || { echo "SKIP: objcopy missing"; exit 77; }
F=$VEC/snp/ovmf_AmdSev_suffix.bin
cd "$TMP" || exit 1

mkdir -p r/etc
printf 'ID=cvmtest\nPRETTY_NAME="cvm test"\n' >r/etc/os-release
tar --numeric-owner -C r -cf r.tar .
run 0 keygen -t ecdsa-p256 -o sign.pem --public-out sign.pub
run 0 keygen -t ecdh-p256 -o op.pem --public-out op.pub
SHAPES=(--tee snp,sev-es --tee sev --ovmf "$F" --vcpus 1,4 --vcpu-type EPYC-v4,EPYC-Milan)
current="build"
checks=$((checks + 1))
quick_build out r.tar --seed s1 "${SHAPES[@]}" --memory 2G --qemu-version 8.2.2 \
	--signing-key sign.pem --broker-public-key op.pub --image-name demo --image-version 7 \
	--broker-url https://kbs.example:8080 --reference-value 'snp_bootloader=[10]' \
	>"$OUT" 2>"$ERR" || { fail "build failed: $(cat "$ERR")"; finish; }
expect_in "$OUT" "out/measurements.json"
expect_in "$OUT" "out/bundle.json (the broker key sealed; broker.key removed)"

# ---- the shapes: 2 TEEs x 2 types x 2 counts, and sev ----------------------------
M=out/measurements.json
[ "$(jq '.measurements | length' $M)" = 9 ] || fail "$(jq '.measurements | length' $M) shapes, expected 9"
for tee in snp sev-es; do
	for t in EPYC-v4 EPYC-Milan; do
		for n in 1 4; do
			got=$(jq -r --arg s "$tee/${n}x$t" '.measurements[] | select(.shape == $s) | .measurement.measurement' $M)
			want=$("$CVMIMG" measure --tee $tee --vcpus $n --vcpu-type $t --ovmf "$F" \
				--kernel out/uki.efi)
			[ -n "$got" ] && [ "$got" = "$want" ] || fail "$tee/${n}x$t: build $got, measure $want"
		done
	done
done
[ "$(jq -r '.measurements[] | select(.shape == "sev") | .measurement.measurement' $M)" = \
	"$("$CVMIMG" measure --tee sev --ovmf "$F" --kernel out/uki.efi)" ] || fail "sev shape"
[ "$(jq -c '.measurements[0].launch' $M)" = \
	'{"vcpu_type":"EPYC-v4","qemu_version":"8.2.2","boot":"-kernel uki.efi","memory":[2147483648]}' ] ||
	fail "launch: $(jq -c '.measurements[0].launch' $M)"

# ---- the bundle -----------------------------------------------------------------
run 0 bundle verify --key sign.pub --image out/disk.raw out/bundle.json
$PY "$CHECK" verify out/bundle.json sign.pub >/dev/null || fail "python does not verify bundle.json"
$PY "$CHECK" payload out/bundle.json >p.json
sub() { jq -r --arg n "$1" '.subject[] | select(.name == $n) | .digest.sha256' p.json; }
[ "$(sub disk.raw)" = "$(sha256sum <out/disk.raw | cut -d' ' -f1)" ] || fail "disk.raw subject"
[ "$(sub uki.efi)" = "$(sha256sum <out/uki.efi | cut -d' ' -f1)" ] || fail "uki.efi subject"
[ "$(sub ovmf_AmdSev_suffix.bin)" = "$(sha256sum <"$F" | cut -d' ' -f1)" ] || fail "firmware subject"
[ "$(jq -r .predicate.image.luks_uuid p.json)" = "$(jq -r .luks.uuid out/build.json)" ] || fail "LUKS UUID"
[ "$(jq -r '.predicate.image.name + " " + .predicate.image.version' p.json)" = "demo 7" ] || fail "identity"
[ "$(jq -r .predicate.broker.url p.json)" = https://kbs.example:8080 ] || fail "broker url"
[ "$(jq '.predicate.broker.trustee.reference_values.snp_launch_measurement | length' p.json)" = 4 ] ||
	fail "snp_launch_measurement"
# broker.key: gone, and gone from build.json; the sealed key opens keyslot 1
[ ! -e out/broker.key ] || fail "out/broker.key is still there"
jq -e '.artifacts[] | select(.name == "broker.key")' out/build.json >/dev/null && fail "build.json lists broker.key"
jq -c .predicate.broker.sealed_key.jwe p.json >jwe.json
$PY "$CHECK" decrypt jwe.json op.pem | xxd -r -p >key.bin
[ "$(stat -c %s key.bin)" = 32 ] || fail "the sealed key is not 32 bytes"
root_part out/disk.raw root.img
broker_pass key.bin key.pass
cryptsetup open --test-passphrase --disable-locks --key-slot 1 --key-file key.pass root.img ||
	fail "the sealed key does not open the broker keyslot"
head -c 32 /dev/urandom >wrong.bin
cryptsetup open --test-passphrase --disable-locks --key-slot 1 --key-file wrong.bin root.img 2>/dev/null &&
	fail "cryptsetup accepts any key"

# ---- without --broker-public-key the clear key stays; --config --------------------
cat >c.json <<EOF
{"tee": ["snp"], "ovmf": ["$F"], "vcpus": "2,4", "vcpu-type": ["EPYC-Milan"],
 "signing-key": ["sign.pem"], "image-name": "cfg", "seed": "s2"}
EOF
current="build --config"
checks=$((checks + 1))
quick_build out2 r.tar --config c.json --vcpus 8 >"$OUT" 2>"$ERR" || { fail "$(cat "$ERR")"; finish; }
[ "$(jq -c '[.measurements[].shape]' out2/measurements.json)" = '["snp/8xEPYC-Milan"]' ] ||
	fail "--vcpus on the command line does not win: $(jq -c '[.measurements[].shape]' out2/measurements.json)"
[ -e out2/broker.key ] || fail "broker.key removed without --broker-public-key"
[ "$($PY "$CHECK" payload out2/bundle.json | jq -c .predicate.broker.sealed_key)" = null ] || fail "sealed_key"

# ---- --verity: build.json's "verity" in the predicate ------------------------------
# without --verity the member is null, and show says none
[ "$(jq -c .predicate.verity p.json)" = null ] || fail "predicate.verity without --verity"
run 0 bundle show out/bundle.json && expect_in "$OUT" "verity:     none"
current="build --verity --signing-key"
checks=$((checks + 1))
verity_initrd "$TMP/tiny.initrd"
quick_build outv r.tar --seed s3 --verity --tee sev --ovmf "$F" --signing-key sign.pem \
	--image-name v >"$OUT" 2>"$ERR" || { fail "build failed: $(cat "$ERR")"; finish; }
$PY "$CHECK" payload outv/bundle.json >pv.json
[ "$(jq -r '.predicate.verity | keys_unsorted | join(",")' pv.json)" = \
	"root_hash,salt,data_blocks,hash_offset,data_block_size,hash_block_size,hash_algorithm,uuid" ] ||
	fail "keys: $(jq -c '.predicate.verity' pv.json)"
[ "$(jq -c .predicate.verity pv.json)" = "$(jq -c .verity outv/build.json)" ] ||
	fail "predicate.verity $(jq -c .predicate.verity pv.json), build.json $(jq -c .verity outv/build.json)"
# the UKI's own .cmdline, read by objcopy, carries the same root hash, salt, blocks, offset
objcopy -O binary --only-section=.cmdline outv/uki.efi cmdline 2>/dev/null || fail "no .cmdline"
word() { tr -d '\0' <cmdline | tr ' ' '\n' | sed -n "s/^$1=//p" | tail -n1; }
opt() { word systemd.verity_root_options | tr ',' '\n' | sed -n "s/^$1=//p"; }
ROOT=$(word roothash)
[ "${#ROOT}" = 64 ] || fail "roothash= '$ROOT' on the .cmdline"
[ "$(jq -r .predicate.verity.root_hash pv.json)" = "$ROOT" ] || fail "root_hash is not the .cmdline's"
[ "$(jq -r '.predicate.verity | "\(.salt) \(.data_blocks) \(.hash_offset)"' pv.json)" = \
	"$(opt salt) $(opt data-blocks) $(opt hash-offset)" ] || fail "salt, blocks, offset: $(cat cmdline)"
run 0 bundle show --key sign.pub outv/bundle.json &&
	expect_in "$OUT" "verity:     root hash $ROOT" &&
	expect_in "$OUT" "$(opt data-blocks) data blocks, hash offset $(opt hash-offset), sha256, salt $(opt salt)" &&
	expect_in "$OUT" "data blocks of 4096 bytes, hash blocks of 4096 bytes"
run 0 bundle show --json outv/bundle.json &&
	[ "$(jq -c .statement.predicate.verity "$OUT")" = "$(jq -c .verity outv/build.json)" ] ||
	fail "show --json: $(jq -c .statement.predicate.verity "$OUT")"
# bundle create from the build's output: the same object
run 0 bundle create -m outv/measurements.json --name v --image outv/disk.raw --uki outv/uki.efi \
	--verity outv/build.json --signing-key sign.pem -o c.json
$PY "$CHECK" payload c.json | jq -c .predicate.verity >cv.json
[ "$(cat cv.json)" = "$(jq -c .verity outv/build.json)" ] || fail "bundle create --verity: $(cat cv.json)"
run 3 bundle create -m outv/measurements.json --name v --image outv/disk.raw \
	--verity out/build.json --signing-key sign.pem -o c2.json &&
	expect_in "$ERR" "'out/build.json' has no \"verity\" object"
jq '.verity.root_hash = "00"' outv/build.json >bad-verity.json
run 3 bundle create -m outv/measurements.json --name v --image outv/disk.raw \
	--verity bad-verity.json --signing-key sign.pem -o c2.json &&
	expect_in "$ERR" "the verity parameters.root_hash: expected 64 lowercase hex digits"
jq '.verity.hash_offset = 4096' outv/build.json >bad-verity.json
run 3 bundle create -m outv/measurements.json --name v --image outv/disk.raw \
	--verity bad-verity.json --signing-key sign.pem -o c2.json &&
	expect_in "$ERR" "the verity parameters.hash_offset: inside the data blocks"
jq '.verity.extra = 1' outv/build.json >bad-verity.json
run 3 bundle create -m outv/measurements.json --name v --image outv/disk.raw \
	--verity bad-verity.json --signing-key sign.pem -o c2.json &&
	expect_in "$ERR" "the verity parameters: unknown member \"extra\""
[ ! -e c2.json ] || fail "c2.json written after failures"
# a reader checks the member too: a payload with a bad verity object is refused
$PY - <<'PYEOF' >t.json
import base64, json
env = json.load(open('outv/bundle.json'))
st = json.loads(base64.b64decode(env['payload']))
st['predicate']['verity']['salt'] = 'xyz'
env['payload'] = base64.b64encode(json.dumps(st).encode()).decode()
print(json.dumps(env))
PYEOF
run 3 bundle show t.json && expect_in "$ERR" "predicate.verity.salt: expected at most 256 bytes of lowercase hex"
rm -rf outv

# ---- usage ------------------------------------------------------------------------
B=(build --rootfs r.tar --output out3 --passphrase-file "$PASS")
run 2 "${B[@]}" --tee tdx2 --ovmf "$F" && expect_in "$ERR" "'tdx2' is not one of sev, sev-es, snp, tdx"
run 3 "${B[@]}" --tee tdx --ovmf "$F" && expect_in "$ERR" "outside the 4096-byte file"
run 2 "${B[@]}" --tee snp --vcpus 1 --vcpu-type EPYC-v4 && expect_in "$ERR" "--tee snp needs --ovmf"
run 2 "${B[@]}" --tee snp --ovmf "$F" --vcpus 1 --vcpu-type Pentium &&
	expect_in "$ERR" "unknown vCPU type 'Pentium'"
run 2 "${B[@]}" --tee snp --ovmf "$F" --vcpus 0 --vcpu-type EPYC-v4 && expect_in "$ERR" "--vcpus: '0'"
run 2 "${B[@]}" --signing-key sign.pem && expect_in "$ERR" "need --tee"
run 2 "${B[@]}" --tee sev --ovmf "$F" --broker-public-key op.pub &&
	expect_in "$ERR" "--broker-public-key needs --signing-key"
printf '{"no-such-option": 1}' >bad.json
run 2 "${B[@]}" --config bad.json && expect_in "$ERR" "\"no-such-option\" is not an option of cvmimg build"
printf '{"vcpus": {"a": 1}}' >bad.json
run 2 "${B[@]}" --config bad.json && expect_in "$ERR" "\"vcpus\" must be a string or a number"
printf '{"tee": ' >bad.json
run 3 "${B[@]}" --config bad.json && expect_in "$ERR" "is not valid JSON"
[ ! -e out3 ] || fail "out3 made after usage errors"
finish
