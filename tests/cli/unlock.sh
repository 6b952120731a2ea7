# cvmimg-unlock, the initrd agent, as a crypttab keyscript against the mock
# broker (tests/tools/kbs-mock.py) and a LUKS2 header made by cryptsetup:
# the broker's key (the keyslot's passphrase is its hex form) on stdout only
# when it opens the broker keyslot; else the passphrase prompt (a stand-in
# askpass) in its place, with the reason on stderr, within the configured
# time; https with a CA file or an SPKI pin. Then as a systemd password agent,
# answering a request made as systemd-cryptsetup makes it (tools/ask-password.py).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../tools/kbs-mock.sh"
CVMIMG=$CVMIMG_BUILD_DIR/cvmimg-unlock
[ -x "$CVMIMG" ] || { echo "cvmimg-unlock not built"; exit 1; }
[ "${CVMIMG_SAMPLE_EVIDENCE:-0}" = 1 ] ||
	{ echo "SKIP: this build has no sample evidence (-DCVMIMG_SAMPLE_EVIDENCE=ON)"; exit 77; }
command -v cryptsetup >/dev/null || { echo "SKIP: no cryptsetup"; exit 77; }
command -v openssl >/dev/null || { echo "SKIP: no openssl"; exit 77; }
kbs_need
trap 'kbs_stop; rm -rf "$TMP"' EXIT

U=3f1a2b3c-4d5e-4f60-8172-93a4b5c6d7e8
R=cvmimg/test/luks-key
printf 'recovery words' >"$TMP/pass"
head -c 32 /dev/urandom >"$TMP/key"
broker_pass "$TMP/key" "$TMP/key.pass"
head -c 32 /dev/urandom >"$TMP/wrong"
truncate -s 20M "$TMP/disk"
cryptsetup luksFormat --batch-mode --type luks2 --uuid "$U" --pbkdf pbkdf2 \
	--pbkdf-force-iterations 1000 --key-slot 0 "$TMP/disk" "$TMP/pass" >/dev/null
cryptsetup luksAddKey --batch-mode --pbkdf pbkdf2 --pbkdf-force-iterations 1000 \
	--key-file "$TMP/pass" --new-key-slot 1 "$TMP/disk" "$TMP/key.pass" >/dev/null
# the prompt's stand-in: says it ran, prints what a person would type
cat >"$TMP/askpass" <<'SH'
#!/bin/sh
echo "askpass: $1" >&2
printf 'typed passphrase'
SH
chmod +x "$TMP/askpass"

config() { # config URL [extra JSON members]
	printf '{"broker_url":"%s","broker_resource":"%s","luks_uuid":"%s","evidence":"sample",
"timeout":%s%s}\n' "$1" "$R" "$U" "${TIMEOUT:-10}" "${2:-}" >"$TMP/unlock.json"
}
agent() { # agent <exit> [args]: run with the config, the disk and the stand-in prompt
	local want=$1
	shift
	run "$want" --config "$TMP/unlock.json" --device "$TMP/disk" --askpass "$TMP/askpass" "$@"
}

kbs_start --resource "$R=$TMP/key" --resource "cvmimg/test/wrong=$TMP/wrong"
config "$KBS_URL" ',"allow_http":true'

# the broker's key, checked against keyslot 1: exactly its hex on stdout
agent 0 && {
	cmp -s "$OUT" "$TMP/key.pass" || fail "stdout is not the broker's key in hex"
	expect_in "$ERR" "the broker's key opens keyslot 1 of $TMP/disk"
	grep -q askpass "$ERR" && fail "the prompt ran after a good key"
}
# and cryptsetup agrees that this output opens the header
cryptsetup open --test-passphrase --key-slot 1 --key-file "$OUT" "$TMP/disk" ||
	fail "cryptsetup does not open keyslot 1 with the agent's output"

# a key that does not open the keyslot: refused, the prompt answers instead
config "$KBS_URL" ',"allow_http":true,"broker_resource":"cvmimg/test/wrong"'
sed -i 's|"broker_resource":"cvmimg/test/luks-key",||' "$TMP/unlock.json"
agent 0 && {
	[ "$(cat "$OUT")" = "typed passphrase" ] || fail "stdout is not the typed passphrase"
	expect_in "$ERR" "the broker path failed: the key does not open keyslot 1 of '$TMP/disk'"
	expect_in "$ERR" "askpass: Please unlock disk root: "
}
# another disk than the measured configuration names: refused
config "$KBS_URL" ',"allow_http":true'
sed -i "s/$U/00000000-0000-4000-8000-000000000001/" "$TMP/unlock.json"
agent 0 && expect_in "$ERR" "is the LUKS2 device $U, not 00000000-0000-4000-8000-000000000001"

# the policy denies: the broker's text, no retry, then the prompt
config "$KBS_URL" ',"allow_http":true'
kbs_fault reject
agent 0 && {
	expect_in "$ERR" "policy 'default_cpu' denies"
	[ "$(grep -c 'POST /kbs/v0/auth' "$TMP/kbs.log")" = 1 ] || fail "retried after a denial"
	[ "$(cat "$OUT")" = "typed passphrase" ] || fail "no passphrase after a denial"
}
kbs_fault none
# after a failed try the prompt comes at once, without the broker
: >"$TMP/kbs.log"
CRYPTTAB_TRIED=1 agent 0 && expect_in "$ERR" "try 1: "
expect_empty "$TMP/kbs.log"
# no prompt wanted: exit 1
kbs_fault reject
agent 1 --no-passphrase && expect_empty "$OUT"
kbs_fault none

# plain http unless allowed; https needs a CA or a pin; unknown keys refused
config "$KBS_URL"
agent 0 && expect_in "$ERR" "is plain http, and \"allow_http\" is not true; asking for the passphrase"
config "https://127.0.0.1:$KBS_PORT"
agent 0 && expect_in "$ERR" "an https broker needs \"broker_ca\" or \"broker_pin\""
config "$KBS_URL" ',"allow_http":true,"brokerurl":"x"'
agent 0 && expect_in "$ERR" "unknown key \"brokerurl\""
run 0 --config "$TMP/none.json" --askpass "$TMP/askpass" && expect_in "$ERR" "$TMP/none.json"
kbs_stop

# nobody listens: attempts until the configured time is up, then the prompt
TIMEOUT=4 config "$KBS_URL" ',"allow_http":true'
start=$(date +%s)
agent 0 && {
	expect_in "$ERR" "no key within 4 s after 2 attempts (last: POST $KBS_URL/kbs/v0/auth: Couldn't connect to server)"
	[ "$(cat "$OUT")" = "typed passphrase" ] || fail "no passphrase with the broker down"
}
[ $(($(date +%s) - start)) -le 8 ] || fail "gave up after $(($(date +%s) - start)) s, not about 4"

# SEV/SEV-ES: the key injected with cvmimg secret's table, as efi_secret shows it
G=d6b38796-8a82-4b00-9184-4b6c4c4e41d7
mkdir -p "$TMP/root/sys/kernel/security/secrets/coco"
"$CVMIMG_BUILD_DIR/cvmimg" secret --key-file "$TMP/key" -o "$TMP/secret.bin" >/dev/null &&
	python3 "$(dirname "$0")/tools/efi-secret.py" "$TMP/secret.bin" \
		"$TMP/root/sys/kernel/security/secrets/coco" >/dev/null || fail "no secret table"
# no broker: no broker_url, no broker_resource
printf '{"luks_uuid":"%s","evidence":"efi-secret"}\n' "$U" >"$TMP/unlock.json"
agent 0 --evidence-root "$TMP/root" && {
	cmp -s "$OUT" "$TMP/key.pass" || fail "stdout is not the injected key in hex"
	[ ! -e "$TMP/root/sys/kernel/security/secrets/coco/$G" ] || fail "the secret was not removed"
}
# none injected: the prompt
agent 0 --evidence-root "$TMP/root" && expect_in "$ERR" "secrets/coco/$G"
# any other evidence needs the broker: the prompt, saying why
printf '{"luks_uuid":"%s","evidence":"auto"}\n' "$U" >"$TMP/unlock.json"
agent 0 && expect_in "$ERR" 'the unlock configuration has no "broker_url"'


# https: the broker's certificate by a CA file, or its key by an SPKI pin
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
	-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
	-keyout "$TMP/tls.key" -out "$TMP/tls.crt" 2>/dev/null
pin=sha256//$(openssl x509 -in "$TMP/tls.crt" -pubkey -noout | openssl pkey -pubin -outform DER |
	openssl dgst -sha256 -binary | base64)
kbs_start --resource "$R=$TMP/key" --tls "$TMP/tls.crt" "$TMP/tls.key"
config "$KBS_URL" ",\"broker_ca\":\"$TMP/tls.crt\""
agent 0 && cmp -s "$OUT" "$TMP/key.pass" || fail "no key over https with the CA"
config "$KBS_URL" ",\"broker_pin\":\"$pin\""
agent 0 && cmp -s "$OUT" "$TMP/key.pass" || fail "no key over https with the pin"
config "$KBS_URL" ',"broker_pin":"sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="'
agent 0 && expect_in "$ERR" "the broker path failed: POST $KBS_URL/kbs/v0/auth: SSL public key does not match pinned public key"
grep -q "trying again" "$ERR" && fail "retried an untrusted broker"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=other \
	-keyout "$TMP/o.key" -out "$TMP/other.crt" 2>/dev/null
config "$KBS_URL" ",\"broker_ca\":\"$TMP/other.crt\""
agent 0 && expect_in "$ERR" "the broker path failed: POST $KBS_URL/kbs/v0/auth: SSL peer certificate"
grep -q 'opens keyslot' "$ERR" && fail "trusted another CA"
kbs_stop

# A key of another length than 32 bytes is not a broker key: refused, the prompt
head -c 16 /dev/urandom >"$TMP/short"
kbs_start --resource "$R=$TMP/short"
config "$KBS_URL" ',"allow_http":true'
agent 0 && {
	expect_in "$ERR" "the broker path failed: the broker key is 16 bytes, not 32; asking for the passphrase"
	[ "$(cat "$OUT")" = "typed passphrase" ] || fail "no passphrase after a short key"
}
kbs_stop

# As a systemd password agent: systemd-cryptsetup's request for the disk gets
# "+" and the key's hex, sent as root; cryptsetup opens keyslot 1 with it.
ASK=$CVMIMG_SOURCE_DIR/tests/cli/tools/ask-password.py
kbs_start --resource "$R=$TMP/key"
config "$KBS_URL" ',"allow_http":true'
ask() { # ask <agent exit> [ask-password.py options]: a request for the disk, the agent answering
	local want=$1
	shift
	rm -rf "$TMP/ask"
	python3 "$ASK" "$TMP/ask" "$TMP/disk" "$@" >"$TMP/answer" &
	local pid=$!
	agent "$want" --password-agent --ask-dir "$TMP/ask"
	wait "$pid"
}
ask 0 --wait 20 && {
	expect_empty "$OUT"
	expect_in "$ERR" "the broker's key opens keyslot 1 of $TMP/disk: given to cryptsetup:$TMP/disk"
	[ "$(cat "$TMP/answer")" = "answer=+$(cat "$TMP/key.pass") uid=$(id -u)" ] ||
		fail "the answer is not + and the key's hex: $(cat "$TMP/answer")"
	sed -n 's/^answer=+\(.*\) uid=.*/\1/p' "$TMP/answer" | tr -d '\n' >"$TMP/answered"
	cryptsetup open --test-passphrase --key-slot 1 --key-file "$TMP/answered" "$TMP/disk" ||
		fail "cryptsetup does not open keyslot 1 with the agent's answer"
}
# a request for another device, or one past its NotAfter: not answered
TIMEOUT=2 config "$KBS_URL" ',"allow_http":true'
: >"$TMP/kbs.log"
rm -rf "$TMP/ask"
python3 "$ASK" "$TMP/ask" "$TMP/pass" --wait 4 >"$TMP/answer" &
pid=$!
agent 0 --password-agent --ask-dir "$TMP/ask" && expect_in "$ERR" "no password request for $TMP/disk in $TMP/ask"
wait "$pid" && fail "a request for another device was answered"
expect_empty "$TMP/kbs.log"
ask 0 --wait 4 --not-after 1 && fail "an expired request was answered"
expect_in "$ERR" "no password request for $TMP/disk"
# a wrong key: no answer, the reason logged, the request left to the person
kbs_stop
kbs_start --resource "$R=$TMP/wrong"
config "$KBS_URL" ',"allow_http":true'
ask 0 --wait 8 && fail "a wrong key was given"
expect_in "$ERR" "the broker path failed: the key does not open keyslot 1 of '$TMP/disk'; the passphrase prompt stays"
# no configuration: nothing to do, exit 0 all the same (the .path unit would start it again)
run 0 --password-agent --config "$TMP/none.json" --ask-dir "$TMP/ask" &&
	expect_in "$ERR" "$TMP/none.json"
finish
