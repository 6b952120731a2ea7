# cvmimg secret: the EFI secret table read back as Linux's efi_secret driver
# reads it (tests/cli/tools/efi-secret.py): one entry, cvmimg's GUID or the
# given one, the key byte for byte; mode 0600, a multiple of 16 bytes; usage
# and input errors.
. "$(dirname "$0")/lib.sh"
EFI="python3 $(dirname "$0")/tools/efi-secret.py"
cd "$TMP" || exit 1
head -c 32 /dev/urandom >key
mkdir d1 d2

run 0 secret --key-file key -o t1.bin && {
	expect_in "$OUT" "t1.bin: 80 bytes, entry d6b38796-8a82-4b00-9184-4b6c4c4e41d7 (32 bytes of key)"
	$EFI t1.bin d1 >list || fail "efi_secret refuses it: $(cat list)"
	[ "$(cat list)" = "d6b38796-8a82-4b00-9184-4b6c4c4e41d7 32" ] || fail "entries: $(cat list)"
	cmp -s d1/d6b38796-8a82-4b00-9184-4b6c4c4e41d7 key || fail "the entry is not the key"
	[ "$(stat -c %a t1.bin)" = 600 ] || fail "mode $(stat -c %a t1.bin)"
	[ $(($(stat -c %s t1.bin) % 16)) = 0 ] || fail "not a multiple of 16 bytes"
}
# the header as bytes: GUID 1e74f542-... in EFI order, then the length 72 = 20 + 20 + 32
[ "$(od -An -tx1 -N20 t1.bin | tr -d ' \n')" = "42f5741edd71664d963eef4287ff173b48000000" ] ||
	fail "header $(od -An -tx1 -N20 t1.bin | tr -d ' \n')"
run 0 secret --key-file key -o t2.bin --guid 0123ABCD-4567-89ab-cdef-0123456789ab --json && {
	[ "$(jq -r '.guid, .size, .key_size' "$OUT" | tr '\n' ' ')" = \
		"0123ABCD-4567-89ab-cdef-0123456789ab 80 32 " ] || fail "json: $(cat "$OUT")"
	$EFI t2.bin d2 >list && cmp -s d2/0123abcd-4567-89ab-cdef-0123456789ab key ||
		fail "the --guid entry: $(cat list)"
}
run 3 secret --key-file key -o t3.bin --guid 0123-bad && expect_in "$ERR" "'0123-bad' is not a GUID"
: >empty
run 3 secret --key-file empty -o t3.bin && expect_in "$ERR" "must have 1 to 4000 bytes"
head -c 5000 /dev/zero >big
run 3 secret --key-file big -o t3.bin && expect_in "$ERR" "big"
run 3 secret --key-file nonexistent -o t3.bin && expect_in "$ERR" "nonexistent"
[ ! -e t3.bin ] || fail "a refused table was written"
run 2 secret -o t3.bin && expect_in "$ERR" "--key-file is required"
run 2 secret --key-file key && expect_in "$ERR" "--output is required"
# the key never reaches the output streams
run 0 secret --key-file key -o t4.bin --json &&
	! grep -qF "$(od -An -tx1 key | tr -d ' \n')" "$OUT" "$ERR" || fail "the key was printed"
finish
