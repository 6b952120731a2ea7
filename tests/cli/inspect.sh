# cvmimg inspect on a raw image, without a passphrase, against independent
# readers: sfdisk (GPT), cryptsetup (LUKS2 header), mtools (ESP), sha256sum
# and objdump (the UKI).
. "$(dirname "$0")/lib.sh"
. "$CVMIMG_SOURCE_DIR/tests/image/lib.sh"
need_image_tools
command -v objdump >/dev/null || { echo "SKIP: objdump missing"; exit 77; }

make_rootfs "$TMP/rootfs.tar" --many 10
quick_build "$TMP/out" "$TMP/rootfs.tar" --kbs-url https://kbs.example:8080 \
	--kbs-resource default/cvm/key >/dev/null 2>&1 || { echo "build failed"; exit 1; }
D=$TMP/out/disk.raw

run 0 inspect --json "$D" || finish
cp "$OUT" "$TMP/i.json"
expect_empty "$ERR"
lc() { tr 'A-Z' 'a-z'; }
current="GPT as sfdisk reads it"
checks=$((checks + 1))
sfdisk --json "$D" >"$TMP/gpt.json"
[ "$(jq -r .partitiontable.id "$TMP/gpt.json" | lc)" = "$(jq -r .disk.guid "$TMP/i.json" | lc)" ] ||
	fail "disk GUID"
for i in 0 1; do
	for k in type uuid name; do
		[ "$(jq -r ".partitiontable.partitions[$i].$k" "$TMP/gpt.json" | lc)" = \
			"$(jq -r ".disk.partitions[$i].$k" "$TMP/i.json" | lc)" ] || fail "partition $i $k"
	done
	[ $(($(jq -r ".partitiontable.partitions[$i].start" "$TMP/gpt.json") * 512)) = \
		"$(jq -r ".disk.partitions[$i].start" "$TMP/i.json")" ] || fail "partition $i start"
done

current="LUKS2 header as cryptsetup reads it"
checks=$((checks + 1))
root_part "$D" "$TMP/root.img"
[ "$(cryptsetup luksUUID "$TMP/root.img")" = "$(jq -r .luks.uuid "$TMP/i.json")" ] || fail "UUID"
cryptsetup luksDump --dump-json-metadata "$TMP/root.img" >"$TMP/luks.json"
for k in '.keyslots["0"].kdf.type' '.keyslots["0"].kdf.memory' '.keyslots["1"].kdf.type' \
	'.keyslots["1"].kdf.hash' '.keyslots["1"].kdf.iterations' '.segments["0"].encryption' \
	'.segments["0"].sector_size' '.tokens["0"]'; do
	[ "$(jq -c "$k" "$TMP/luks.json")" = "$(jq -c ".luks$k" "$TMP/i.json")" ] ||
		fail "$k: $(jq -c "$k" "$TMP/luks.json") vs $(jq -c ".luks$k" "$TMP/i.json")"
done
jq -e '.luks.tokens["0"] | .kbs_url == "https://kbs.example:8080" and .kbs_resource == "default/cvm/key"' \
	"$TMP/i.json" >/dev/null || fail "token hints: $(jq -c .luks.tokens "$TMP/i.json")"
grep -q '"salt"' "$TMP/i.json" && fail "salts are printed"

current="ESP and UKI"
checks=$((checks + 1))
off=$(jq -r '.disk.partitions[0].start' "$TMP/i.json")
MTOOLS_SKIP_CHECK=1 mdir -/ -b -i "$D@@$off" :: | sed -n 's|^::/||p' | grep -v '/$' | sort >"$TMP/esp.want"
jq -r '.esp_files[]' "$TMP/i.json" | sort >"$TMP/esp.got"
cmp -s "$TMP/esp.want" "$TMP/esp.got" || fail "ESP files: $(cat "$TMP/esp.got")"
[ "$(jq -r .uki.sha256 "$TMP/i.json")" = "$(sha256sum <"$TMP/out/uki.efi" | cut -d' ' -f1)" ] ||
	fail "UKI sha256"
[ "$(jq -r .uki.authenticode.sha256 "$TMP/i.json")" = \
	"$(jq -r .boot.uki.authenticode.sha256 "$TMP/out/build.json")" ] || fail "Authenticode"
objdump -h "$TMP/out/uki.efi" | awk '$1 ~ /^[0-9]+$/ {print $2}' >"$TMP/secs.want"
jq -r '.uki.sections[].name' "$TMP/i.json" >"$TMP/secs.got"
cmp -s "$TMP/secs.want" "$TMP/secs.got" || fail "sections: $(tr '\n' ' ' <"$TMP/secs.got")"

# One JSON shape per object: the UKI as `uki inspect`, `inspect` and build.json print it, the
# GPT and the LUKS2 header as `inspect` and build.json print them, key for key and value for value.
same_object() { # what, then two jq-S'd files
	checks=$((checks + 1))
	current="one shape: $1"
	[ -s "$2" ] && [ "$(jq -r 'keys | length' "$2")" -gt 3 ] || fail "$2 is not a whole object"
	cmp -s "$2" "$3" || fail "differs: $(diff "$2" "$3" | head -5)"
}
"$CVMIMG" uki inspect --json "$TMP/out/uki.efi" | jq -S 'del(.file)' >"$TMP/uki.ukiinspect"
jq -S .uki "$TMP/i.json" >"$TMP/uki.inspect"
jq -S .boot.uki "$TMP/out/build.json" >"$TMP/uki.build"
same_object "UKI: uki inspect and inspect" "$TMP/uki.ukiinspect" "$TMP/uki.inspect"
same_object "UKI: inspect and build.json" "$TMP/uki.inspect" "$TMP/uki.build"
for k in disk luks; do
	jq -S ".$k" "$TMP/i.json" >"$TMP/$k.inspect"
	jq -S ".$k" "$TMP/out/build.json" >"$TMP/$k.build"
	same_object "$k: inspect and build.json" "$TMP/$k.inspect" "$TMP/$k.build"
done

run 0 inspect "$D" && expect_in "$OUT" "token 0: cvmimg-kbs" && expect_in "$OUT" "keyslot 1: pbkdf2 1000"
run 2 inspect && expect_in "$ERR" "IMAGE is required"
run 2 inspect "$D" --list && expect_in "$ERR" "--list needs a passphrase"
run 3 inspect "$TMP/nope.raw" && expect_in "$ERR" "cannot open '$TMP/nope.raw'"
head -c 1M /dev/urandom >"$TMP/noise.raw"
run 3 inspect "$TMP/noise.raw" && expect_in "$ERR" "has no GPT"
finish
