# JOSE against independent implementations: our JWE (ECDH-ES+A256KW, A256GCM)
# decrypted by Python's cryptography (tests/tools/jwe.py) and by Debian's
# jose (latchset), theirs decrypted by ours, one flipped bit in any member
# refused; our JWK equal to theirs; JCS and the KBS digest against Python.
# Driven through tests/tools/cvm-jwe.c (there is no cvmimg command for this).
. "$(dirname "$0")/lib.sh"
TOOL=${CVMIMG_JWE_TOOL:?CVMIMG_JWE_TOOL must name the cvm-jwe test driver}
PY="python3 $(dirname "$0")/../tools/jwe.py"
python3 -c 'import cryptography' 2>/dev/null ||
	{ echo "SKIP: python3 cannot import cryptography (Debian: python3-cryptography)"; exit 77; }
command -v jose >/dev/null || { echo "SKIP: no jose tool (Debian: jose)"; exit 77; }
command -v openssl >/dev/null || { echo "SKIP: no openssl"; exit 77; }
command -v node >/dev/null || { echo "SKIP: no node (Debian: nodejs)"; exit 77; }

# lib.sh's run() drives the test driver here, not cvmimg
CVMIMG=$TOOL

same() { # same <file> <file> <what>
	checks=$((checks + 1))
	cmp -s "$1" "$2" || fail "$3: $(basename "$1") and $(basename "$2") differ"
}

openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$TMP/priv.pem" 2>/dev/null
openssl pkey -in "$TMP/priv.pem" -pubout -out "$TMP/pub.pem"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$TMP/other.pem" 2>/dev/null
$PY jwk "$TMP/priv.pem" --private >"$TMP/priv.jwk"
$PY jwk "$TMP/pub.pem" >"$TMP/pub.jwk"

# JWK: ours = Python's = jose's public form of the private JWK, byte for byte
current="jwk"
run 0 jwk "$TMP/pub.pem" && same "$OUT" "$TMP/pub.jwk" "JWK of pub.pem vs Python"
run 0 jwk "$TMP/priv.pem" && same "$OUT" "$TMP/pub.jwk" "JWK of priv.pem vs Python"
jose jwk pub -i "$TMP/priv.jwk" -o "$TMP/jose-pub.jwk" && echo >>"$TMP/jose-pub.jwk"
same "$TMP/jose-pub.jwk" "$TMP/pub.jwk" "jose's public JWK vs Python"

# payloads: empty, a 32-byte key, text, 100 KiB of random bytes
P="p0 p1 p2 p3"
: >"$TMP/p0"
head -c 32 /dev/urandom >"$TMP/p1"
printf 'correct horse battery staple\n' >"$TMP/p2"
head -c 102400 /dev/urandom >"$TMP/p3"

# ours -> Python, jose and ours, both serializations
ours=""
for p in $P; do
	run 0 encrypt "$TMP/pub.pem" "$TMP/$p" "$TMP/$p.c" "$TMP/$p.json" &&
		ours="$ours $TMP/$p.c $TMP/$p.json"
done
# shellcheck disable=SC2086
$PY decrypt-each "$TMP/priv.pem" $ours >"$TMP/py.log" 2>&1
for p in $P; do
	for form in c json; do
		f=$TMP/$p.$form
		checks=$((checks + 1))
		if [ -e "$f.py" ]; then
			same "$TMP/$p" "$f.py" "Python decrypting our $p.$form"
		else
			fail "Python cannot decrypt our $p.$form: $(grep -F "$f" "$TMP/py.log")"
		fi
		checks=$((checks + 1))
		if jose jwe dec -i "$f" -k "$TMP/priv.jwk" -O "$f.jose" 2>"$ERR"; then
			same "$TMP/$p" "$f.jose" "jose decrypting our $p.$form"
		else
			fail "jose cannot decrypt our $p.$form: $(cat "$ERR")"
		fi
		run 0 decrypt "$TMP/priv.pem" "$f" "$f.ours" &&
			same "$TMP/$p" "$f.ours" "ours decrypting our $p.$form"
	done
done

# Python -> ours: compact, flattened, flattened with the epk in "header"
# shellcheck disable=SC2046
$PY encrypt-each "$TMP/pub.pem" $(printf "$TMP/%s " $P)
for p in $P; do
	for form in compact flat epk; do
		f=$TMP/$p.py-$form
		run 0 decrypt "$TMP/priv.pem" "$f" "$f.out" &&
			same "$TMP/$p" "$f.out" "ours decrypting Python's $p $form"
	done
done

# jose -> ours: compact (all in the protected header) and flattened (alg and epk
# in "header"); alg comes from the JWK, enc is set: check they are ours
for p in $P; do
	jose jwe enc -i '{"protected":{"enc":"A256GCM"}}' -I "$TMP/$p" -k "$TMP/pub.jwk" -c \
		-o "$TMP/$p.jose-c"
	jose jwe enc -i '{"protected":{"enc":"A256GCM"}}' -I "$TMP/$p" -k "$TMP/pub.jwk" \
		-o "$TMP/$p.jose-json"
done
# shellcheck disable=SC2046
$PY header $(printf "$TMP/%s.jose-c $TMP/%s.jose-json " $P $P) | sort -u >"$TMP/hdrs"
checks=$((checks + 1))
[ "$(cat "$TMP/hdrs")" = "ECDH-ES+A256KW A256GCM P-256" ] || fail "jose made: $(cat "$TMP/hdrs")"
for p in $P; do
	for form in c json; do
		f=$TMP/$p.jose-$form
		run 0 decrypt "$TMP/priv.pem" "$f" "$f.out" &&
			same "$TMP/$p" "$f.out" "ours decrypting jose's $p $form"
	done
done

# the wrong private key: refused, nothing written
run 1 decrypt "$TMP/other.pem" "$TMP/p1.c" "$TMP/nothing" &&
	expect_in "$ERR" "cannot decrypt the JWE"

# one flipped bit in any member: refused by ours, and by Python and jose too (so
# the flip is real); a protected header that is valid but not the one the tag covers
$PY tamper-each "$TMP/p1.c" "$TMP/p1.json"
tampered=""
for form in c json; do
	for m in protected encrypted_key iv ciphertext tag; do
		f=$TMP/p1.$form.t-$m
		tampered="$tampered $f"
		want=1
		[ $m = protected ] && want=3 # the header no longer parses, or names another key
		run $want decrypt "$TMP/priv.pem" "$f" "$TMP/nothing"
		[ $want = 1 ] && expect_in "$ERR" "cannot decrypt the JWE"
		checks=$((checks + 1))
		jose jwe dec -i "$f" -k "$TMP/priv.jwk" -O "$f.jose" 2>/dev/null &&
			fail "jose decrypted p1.$form with $m tampered"
	done
	tampered="$tampered $TMP/p1.$form.rw"
	run 1 decrypt "$TMP/priv.pem" "$TMP/p1.$form.rw" "$TMP/nothing" &&
		expect_in "$ERR" "cannot decrypt the JWE"
done
# shellcheck disable=SC2086
$PY decrypt-each "$TMP/priv.pem" $tampered >"$TMP/py.log" 2>&1
checks=$((checks + 1))
[ "$(grep -c 'cannot decrypt' "$TMP/py.log")" = 12 ] ||
	fail "Python decrypted a tampered JWE: $(cat "$TMP/py.log")"
checks=$((checks + 1))
[ ! -e "$TMP/nothing" ] || fail "a refused JWE left an output file"

# other algorithms, made by jose: refused with the parameter named
jose jwe enc -i '{"protected":{"enc":"A128GCM"}}' -I "$TMP/p1" -k "$TMP/pub.jwk" -c -o "$TMP/a128"
run 3 decrypt "$TMP/priv.pem" "$TMP/a128" "$TMP/nothing" &&
	expect_in "$ERR" 'JWE "enc" "A128GCM" is not supported, only A256GCM'
jq -c '.alg = "ECDH-ES"' "$TMP/pub.jwk" >"$TMP/es.jwk"
jose jwe enc -i '{"protected":{"enc":"A256GCM"}}' -I "$TMP/p1" -k "$TMP/es.jwk" -c -o "$TMP/es"
run 3 decrypt "$TMP/priv.pem" "$TMP/es" "$TMP/nothing" &&
	expect_in "$ERR" 'JWE "alg" "ECDH-ES" is not supported, only ECDH-ES+A256KW'

# over the input limit (1 MiB): refused before parsing
head -c 1048577 /dev/zero | tr '\0' 'A' >"$TMP/big"
run 3 decrypt "$TMP/priv.pem" "$TMP/big" "$TMP/nothing" && expect_in "$ERR" "JWE longer than"

# JCS: for objects of strings and integers with keys in the BMP, Python's sorted
# compact dump is RFC 8785's form; the KBS digest is its SHA-384. (No U+0000 in
# member names: json-c keeps names as C strings, see <cvmimg/jose.h>.)
python3 - "$TMP" <<'PY'
import json, random, sys
rnd = random.Random(8785)
alphabet = [chr(c) for c in list(range(0, 0x80)) + [0xe9, 0x20ac, 0xfb33, 0xff5e, 0x7f, 0x2028]]
def s(n, a=alphabet): return "".join(rnd.choice(a) for _ in range(rnd.randint(0, n)))
def key(n): return s(n, alphabet[1:])
def value(d):
    r = rnd.random()
    if d > 3 or r < 0.4: return s(12)
    if r < 0.55: return rnd.randint(-2**53, 2**53)
    if r < 0.6: return rnd.choice([True, False, None])
    if r < 0.8: return [value(d + 1) for _ in range(rnd.randint(0, 4))]
    return {key(6): value(d + 1) for _ in range(rnd.randint(0, 5))}
for i in range(30):
    v = {key(8): value(0) for _ in range(rnd.randint(1, 6))}
    open(f"{sys.argv[1]}/jcs{i}.json", "w", encoding="utf-8").write(json.dumps(v, indent=2))
    open(f"{sys.argv[1]}/jcs{i}.want", "w", encoding="utf-8").write(
        json.dumps(v, sort_keys=True, separators=(",", ":"), ensure_ascii=False))
PY
for i in $(seq 0 29); do
	run 0 jcs "$TMP/jcs$i.json" && same "$OUT" "$TMP/jcs$i.want" "JCS of jcs$i.json"
	run 0 digest "$TMP/jcs$i.json" && same "$OUT" <(sha384sum <"$TMP/jcs$i.want" |
		cut -d' ' -f1) "KBS digest of jcs$i.json"
done

# JCS numbers: ECMAScript's own Number::toString (node's JSON.stringify) of
# random doubles and integers, read from the same text by both
python3 - "$TMP/nums.json" <<'PY'
import json, random, struct, sys
rnd = random.Random(754)
nums = []
while len(nums) < 3000:
    d = struct.unpack("<d", rnd.getrandbits(64).to_bytes(8, "little"))[0]
    if d == d and abs(d) != float("inf"):
        nums.append(d)
nums += [rnd.uniform(-1e6, 1e6) for _ in range(500)] + [rnd.randint(-2**53, 2**53) / 1000
                                                         for _ in range(500)]
nums += [10.0**e for e in range(-30, 30)] + [5e-324, 1e21, 1e-7, 123e18, 0.1, 0.2, 0.3]
json.dump(nums, open(sys.argv[1], "w"))
PY
run 0 jcs "$TMP/nums.json" &&
	same "$OUT" <(node -e 'const fs = require("fs");
process.stdout.write(JSON.stringify(JSON.parse(fs.readFileSync(process.argv[1], "utf8"))))' \
		"$TMP/nums.json") "JCS numbers vs node"
finish
