/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lib/jose: base64url (RFC 4648 section 10 vectors), JCS (RFC 8785's own
 * examples: section 3.2.3 ordering, 3.2.4 output, appendix B numbers), the
 * KBS runtime-data digests of key-broker.md section 1.3, keys and JWK, and
 * JWE round trips and refusals. The JWE is checked against independent
 * implementations in tests/cli/jose.sh (Python cryptography, Debian's jose).
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/core_names.h>
#include <openssl/pem.h>

#include <cvmimg/jose.h>
#include <cvmimg/json.h>
#include <cvmimg/util.h>

#include "vectors.h"

CVM_DEFINE_CLEANUP(EVP_PKEY, EVP_PKEY_free, t_pkey_free)

#define assert_fails(call, err, want, phrase)                                                      \
	do {                                                                                       \
		cvm_err_clear(&(err));                                                             \
		assert_int_equal((call), (want));                                                  \
		assert_int_equal((err).code, (want));                                              \
		if (!strstr((err).msg, (phrase)))                                                  \
			fail_msg("message '%s' lacks '%s'", (err).msg, (phrase));                  \
	} while (0)

/* ---- base64 ---- */

static void test_base64url_rfc4648(void **state)
{
	/* RFC 4648 section 10; base64url differs only in the alphabet and the padding */
	static const char *const plain[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
	static const char *const enc[] = { "", "Zg", "Zm8", "Zm9v", "Zm9vYg", "Zm9vYmE", "Zm9vYmFy" };
	static const char *const padded[] = { "",	  "Zg==",     "Zm8=",	 "Zm9v",
					      "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy" };
	const uint8_t odd[] = { 0xfb, 0xff, 0xbf }; /* "+/+/" in the standard alphabet */
	cvm_err e = { 0 };

	(void)state;
	for (size_t i = 0; i < 7; i++) {
		CVM_CLEANUP_FREE char *s = cvm_base64url_encode((const uint8_t *)plain[i],
								strlen(plain[i]));
		CVM_CLEANUP_FREE uint8_t *a = NULL;
		CVM_CLEANUP_FREE uint8_t *b = NULL;
		CVM_CLEANUP_FREE uint8_t *c = NULL;
		size_t la = 0, lb = 0, lc = 0;

		assert_string_equal(s, enc[i]);
		assert_int_equal(cvm_base64_decode(enc[i], strlen(enc[i]), CVM_BASE64_URL, 64, &a,
						   &la, &e), 0);
		assert_int_equal(la, strlen(plain[i]));
		assert_memory_equal(a, plain[i], la);
		assert_int_equal(a[la], 0); /* NUL-terminated */
		assert_int_equal(cvm_base64_decode(padded[i], strlen(padded[i]), CVM_BASE64_STD, 64,
						   &b, &lb, &e), 0);
		assert_int_equal(lb, la);
		assert_int_equal(cvm_base64_decode(enc[i], strlen(enc[i]), CVM_BASE64_EITHER, 64, &c,
						   &lc, &e), 0);
		assert_int_equal(lc, la);
	}
	{
		CVM_CLEANUP_FREE char *s = cvm_base64url_encode(odd, sizeof(odd));
		CVM_CLEANUP_FREE uint8_t *a = NULL;
		CVM_CLEANUP_FREE uint8_t *b = NULL;
		size_t n = 0;

		assert_string_equal(s, "-_-_");
		assert_int_equal(cvm_base64_decode("+/+/", 4, CVM_BASE64_STD, 3, &a, &n, &e), 0);
		assert_memory_equal(a, odd, 3);
		assert_int_equal(cvm_base64_decode("-_-_", 4, CVM_BASE64_EITHER, 3, &b, &n, &e), 0);
		assert_memory_equal(b, odd, 3);
	}
}

static void test_base64_refusals(void **state)
{
	uint8_t *b = NULL;
	size_t n = 0;
	cvm_err e = { 0 };
	static const struct {
		const char *text;
		enum cvm_base64_mode mode;
		const char *phrase;
	} bad[] = {
		{ "Zg==", CVM_BASE64_URL, "padding '=' in base64url" },
		{ "Zm9v!A", CVM_BASE64_URL, "invalid base64 character at offset 4" },
		{ "Zm 9", CVM_BASE64_URL, "invalid base64 character at offset 2" },
		{ "Zm9vYmF", CVM_BASE64_URL, "non-zero trailing bits" }, /* "Zm9vYmE" is canonical */
		{ "Zm9vY", CVM_BASE64_URL, "impossible length" },
		{ "Zh", CVM_BASE64_URL, "non-zero trailing bits" },
		{ "+/", CVM_BASE64_URL, "invalid base64 character at offset 0" },
		{ "-_", CVM_BASE64_STD, "invalid base64 character at offset 0" },
		{ "+_8A", CVM_BASE64_EITHER, "mixes both alphabets" },
		{ "Zg=", CVM_BASE64_STD, "wrong padding" },
		{ "Z===", CVM_BASE64_STD, "wrong padding" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_fails(cvm_base64_decode(bad[i].text, strlen(bad[i].text), bad[i].mode, 8, &b,
					       &n, &e),
			     e, -EBADMSG, bad[i].phrase);
	assert_fails(cvm_base64_decode("Zm9vYmFy", 8, CVM_BASE64_URL, 5, &b, &n, &e), e, -EFBIG,
		     "longer than 5 bytes");
	assert_fails(cvm_base64_decode("Zg", CVM_JOSE_INPUT_MAX + 1, CVM_BASE64_URL, 8, &b, &n, &e),
		     e, -EFBIG, "base64 text longer than");
	assert_fails(cvm_base64_decode(NULL, 0, CVM_BASE64_URL, 8, &b, &n, &e), e, -EINVAL,
		     "invalid argument");
	assert_fails(cvm_base64_decode("Zg", 2, CVM_BASE64__COUNT, 8, &b, &n, &e), e, -EINVAL,
		     "invalid argument");
	assert_null(b);
}

/* ---- JCS ---- */

static char *jcs_of_text(const char *text, int *ret, cvm_err *e)
{
	CVM_CLEANUP(cvm_jsonp) json_object *v = NULL;
	char *s = NULL;
	size_t len = 0;

	*ret = cvm_json_parse(text, strlen(text), 1 << 16, "test", &v, e);
	assert_int_equal(*ret, 0);
	*ret = cvm_jcs_serialize(v, &s, &len, e);
	if (*ret == 0)
		assert_int_equal(len, strlen(s));
	return s;
}

static void test_jcs_rfc8785(void **state)
{
	/* RFC 8785 section 3.2.4, input and output as printed there */
	static const char in[] =
		"{\n  \"numbers\": [333333333.33333329, 1E30, 4.50, 2e-3, "
		"0.000000000000000000000000001],\n"
		"  \"string\": \"\\u20ac$\\u000F\\u000aA'\\u0042\\u0022\\u005c\\\\\\\"\\/\",\n"
		"  \"literals\": [null, true, false]\n}";
	static const char out[] =
		"{\"literals\":[null,true,false],\"numbers\":[333333333.3333333,1e+30,4.5,0.002,"
		"1e-27],\"string\":\"\xe2\x82\xac$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}";
	/* section 3.2.3: sorted by UTF-16 code units, so the emoji (D83D DE00) before U+FB33 */
	static const char sort_in[] =
		"{\"\\u20ac\":\"Euro Sign\",\"\\r\":\"Carriage Return\",\"\\ufb33\":\"Hebrew Letter "
		"Dalet With Dagesh\",\"1\":\"One\",\"\\ud83d\\ude00\":\"Emoji: Grinning Face\","
		"\"\\u0080\":\"Control\",\"\\u00f6\":\"Latin Small Letter O With Diaeresis\"}";
	static const char sort_out[] =
		"{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\xc2\x80\":\"Control\",\"\xc3\xb6\":"
		"\"Latin Small Letter O With Diaeresis\",\"\xe2\x82\xac\":\"Euro Sign\","
		"\"\xf0\x9f\x98\x80\":\"Emoji: Grinning Face\",\"\xef\xac\xb3\":\"Hebrew Letter "
		"Dalet With Dagesh\"}";
	cvm_err e = { 0 };
	int r;

	(void)state;
	{
		CVM_CLEANUP_FREE char *s = jcs_of_text(in, &r, &e);
		assert_int_equal(r, 0);
		assert_string_equal(s, out);
	}
	{
		CVM_CLEANUP_FREE char *s = jcs_of_text(sort_in, &r, &e);
		assert_int_equal(r, 0);
		assert_string_equal(s, sort_out);
	}
}

static void test_jcs_numbers(void **state)
{
	/* RFC 8785 appendix B: IEEE 754 bit patterns and their JCS text */
	static const struct {
		uint64_t bits;
		const char *text;
	} v[] = {
		{ 0x0000000000000000, "0" },
		{ 0x8000000000000000, "0" },
		{ 0x0000000000000001, "5e-324" },
		{ 0x8000000000000001, "-5e-324" },
		{ 0x7fefffffffffffff, "1.7976931348623157e+308" },
		{ 0xffefffffffffffff, "-1.7976931348623157e+308" },
		{ 0x4340000000000000, "9007199254740992" },
		{ 0xc340000000000000, "-9007199254740992" },
		{ 0x4430000000000000, "295147905179352830000" },
		{ 0x44b52d02c7e14af5, "9.999999999999997e+22" },
		{ 0x44b52d02c7e14af6, "1e+23" },
		{ 0x44b52d02c7e14af7, "1.0000000000000001e+23" },
		{ 0x444b1ae4d6e2ef4e, "999999999999999700000" },
		{ 0x444b1ae4d6e2ef4f, "999999999999999900000" },
		{ 0x444b1ae4d6e2ef50, "1e+21" },
		{ 0x3eb0c6f7a0b5ed8c, "9.999999999999997e-7" },
		{ 0x3eb0c6f7a0b5ed8d, "0.000001" },
		{ 0x41b3de4355555553, "333333333.3333332" },
		{ 0x41b3de4355555554, "333333333.33333325" },
		{ 0x41b3de4355555555, "333333333.3333333" },
		{ 0x41b3de4355555556, "333333333.3333334" },
		{ 0x41b3de4355555557, "333333333.33333343" },
		{ 0xbecbf647612f3696, "-0.0000033333333333333333" },
		{ 0x43143ff3c1cb0959, "1424953923781206.2" },
	};
	static const uint64_t refused[] = { 0x7fffffffffffffff, 0x7ff0000000000000,
					    0xfff0000000000000 };
	cvm_err e = { 0 };

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		CVM_CLEANUP(cvm_jsonp) json_object *o = NULL;
		CVM_CLEANUP_FREE char *s = NULL;
		double d;

		memcpy(&d, &v[i].bits, sizeof(d));
		o = json_object_new_double(d);
		assert_int_equal(cvm_jcs_serialize(o, &s, NULL, &e), 0);
		if (strcmp(s, v[i].text))
			fail_msg("%016llx: '%s', expected '%s'", (unsigned long long)v[i].bits, s,
				 v[i].text);
	}
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		CVM_CLEANUP(cvm_jsonp) json_object *o = NULL;
		char *s = NULL;
		double d;

		memcpy(&d, &refused[i], sizeof(d));
		o = json_object_new_double(d);
		assert_fails(cvm_jcs_serialize(o, &s, NULL, &e), e, -ERANGE, "NaN and infinities");
	}
}

static void test_jcs_strings_and_limits(void **state)
{
	/* section 3.2.2.2: the short escapes, \u00xx (lowercase) for other controls, the rest as is */
	static const char ctl_out[] =
		"\"\\u0000\\u0001\\u0002\\u0003\\u0004\\u0005\\u0006\\u0007\\b\\t\\n\\u000b\\f\\r"
		"\\u000e\\u000f\\u0010\\u0011\\u0012\\u0013\\u0014\\u0015\\u0016\\u0017\\u0018"
		"\\u0019\\u001a\\u001b\\u001c\\u001d\\u001e\\u001f \\\"/\\\\\x7f\xc3\xa9\"";
	char ctl[32 + 6];
	CVM_CLEANUP(cvm_jsonp) json_object *deep = json_object_new_array();
	CVM_CLEANUP(cvm_jsonp) json_object *o = NULL;
	CVM_CLEANUP_FREE char *s = NULL;
	char *t = NULL;
	cvm_err e = { 0 };

	(void)state;
	for (int i = 0; i < 32; i++)
		ctl[i] = (char)i;
	memcpy(ctl + 32, " \"/\\\x7f", 5);
	o = json_object_new_string_len(ctl, 37);
	json_object_put(o);
	{
		char full[40];

		memcpy(full, ctl, 37);
		memcpy(full + 37, "\xc3\xa9", 2);
		o = json_object_new_string_len(full, 39);
	}
	assert_int_equal(cvm_jcs_serialize(o, &s, NULL, &e), 0);
	assert_string_equal(s, ctl_out);
	json_object_put(o);

	/* not UTF-8 of scalar values: bad byte, overlong, lone surrogate (CESU), beyond U+10FFFF */
	static const char *const bad[] = { "a\xc3(", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80",
					   "\xe2\x82" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		o = json_object_new_string(bad[i]);
		assert_fails(cvm_jcs_serialize(o, &t, NULL, &e), e, -EBADMSG, "not valid UTF-8");
		json_object_put(o);
		o = json_object_new_object();
		json_object_object_add(o, bad[i], NULL);
		assert_fails(cvm_jcs_serialize(o, &t, NULL, &e), e, -EBADMSG,
			     "member name is not valid UTF-8");
		json_object_put(o);
	}
	/* integers: exact up to 2^53 */
	o = json_object_new_int64(-9007199254740992LL);
	free(s);
	s = NULL;
	assert_int_equal(cvm_jcs_serialize(o, &s, NULL, &e), 0);
	assert_string_equal(s, "-9007199254740992");
	json_object_put(o);
	/* beyond: only what an IEEE double holds with the same ECMAScript text */
	static const struct {
		int64_t v;
		const char *text;
	} big[] = {
		{ 1000000000000000000LL, "1000000000000000000" },
		{ 777770002000045800LL, "777770002000045800" }, /* JCS of 7.777700020000458e17 */
		{ -295147905179352830LL, NULL }, /* ECMAScript: -295147905179352800 */
		{ 9007199254740993LL, NULL },    /* 2^53 + 1 */
		{ 1152921504606846976LL, NULL }, /* 2^60, whose ES text is 1152921504606847000 */
	};
	for (size_t i = 0; i < sizeof(big) / sizeof(big[0]); i++) {
		o = json_object_new_int64(big[i].v);
		free(s);
		s = NULL;
		if (big[i].text) {
			assert_int_equal(cvm_jcs_serialize(o, &s, NULL, &e), 0);
			assert_string_equal(s, big[i].text);
		} else {
			assert_fails(cvm_jcs_serialize(o, &t, NULL, &e), e, -ERANGE,
				     "is beyond 2^53 and no IEEE double");
		}
		json_object_put(o);
	}
	/* integer text beyond 64 bits: json-c saturates it, so it is refused */
	{
		static const char *const over[] = { "773345877123563300000", "-9223372036854775809",
						    "18446744073709551616" };

		for (size_t i = 0; i < sizeof(over) / sizeof(over[0]); i++) {
			assert_int_equal(cvm_json_parse(over[i], strlen(over[i]), 64, "n", &o, &e), 0);
			assert_fails(cvm_jcs_serialize(o, &t, NULL, &e), e, -ERANGE,
				     "integer beyond 64 bits");
			json_object_put(o);
		}
	}
	o = NULL;
	/* NULL is json-c's null */
	free(s);
	s = NULL;
	assert_int_equal(cvm_jcs_serialize(NULL, &s, NULL, &e), 0);
	assert_string_equal(s, "null");
	/* depth */
	{
		json_object *inner = deep;

		for (int i = 0; i < CVM_JCS_DEPTH_MAX + 1; i++) {
			json_object *a = json_object_new_array();

			json_object_array_add(inner, a);
			inner = a;
		}
	}
	assert_fails(cvm_jcs_serialize(deep, &t, NULL, &e), e, -ERANGE, "nested deeper than");
	assert_fails(cvm_jcs_serialize(NULL, NULL, NULL, &e), e, -EINVAL, "invalid argument");
	assert_null(t);
}

static void test_kbs_digest(void **state)
{
	/* key-broker.md section 1.3: Trustee's unit-test vector and the agent's example */
	static const struct {
		const char *json, *sha384;
	} v[] = {
		{ "{\"b\":1,\"a\":\"test\",\"c\":{\"d\":\"e\"}}",
		  "e71ce8e70d814ba6639c3612ebee0ff1f76f650f8dbb5e47157e0f3f525cd22c4597480a186427c8"
		  "13ca941da78870c3" },
		{ "{\"additional-evidence\":\"\",\"nonce\":\"bm9uY2U=\",\"tee-pubkey\":{\"alg\":"
		  "\"ECDH-ES+A256KW\",\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"AAAA\",\"y\":\"BBBB\"}}",
		  "d20490d30e5f16cba693abc1ca3c31ed977d2722d0adf01a980972d16913dc38f103c1f12abf477d"
		  "f0523af2b12e4b43" },
	};
	uint8_t d[CVM_KBS_RUNTIME_DIGEST_LEN];
	cvm_err e = { 0 };

	(void)state;
	for (size_t i = 0; i < 2; i++) {
		CVM_CLEANUP(cvm_jsonp) json_object *o = NULL;

		assert_int_equal(cvm_json_parse(v[i].json, strlen(v[i].json), 4096, "v", &o, &e), 0);
		assert_int_equal(cvm_kbs_runtime_digest(o, d, &e), 0);
		assert_string_equal(vec_hex(d, sizeof(d)), v[i].sha384);
	}
	assert_fails(cvm_kbs_runtime_digest(NULL, d, &e), e, -EINVAL, "invalid argument");
}

/* ---- keys and JWK ---- */

static const char *write_pem(const char *name, EVP_PKEY *k, bool priv)
{
	static char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", test_tmpdir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(priv ? PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL)
			      : PEM_write_PUBKEY(f, k),
			 1);
	fclose(f);
	return path;
}

static void test_keys(void **state)
{
	static const struct {
		const char *alg, *param, *type_phrase;
	} others[] = {
		{ "EC", "P-384", "is a EC secp384r1 key, not P-256 or Ed25519" },
		{ "RSA", NULL, "is a RSA key, not P-256 or Ed25519" },
		{ "X25519", NULL, "is a X25519 key" },
	};
	cvm_err e = { 0 };
	EVP_PKEY *bad = NULL;

	(void)state;
	for (int t = 0; t < CVM_KEY__COUNT; t++) {
		CVM_CLEANUP(t_pkey_freep) EVP_PKEY *k = NULL;
		CVM_CLEANUP(t_pkey_freep) EVP_PKEY *priv = NULL;
		CVM_CLEANUP(t_pkey_freep) EVP_PKEY *pub = NULL;
		enum cvm_key_type got = CVM_KEY_INVALID;

		assert_int_equal(cvm_key_generate((enum cvm_key_type)t, &k, &e), 0);
		assert_int_equal(cvm_key_load_pem(write_pem("k.pem", k, true), true, &priv, &got, &e),
				 0);
		assert_int_equal(got, t);
		assert_int_equal(EVP_PKEY_eq(priv, k), 1);
		got = CVM_KEY_INVALID;
		assert_int_equal(cvm_key_load_pem(write_pem("p.pem", k, false), false, &pub, &got, &e),
				 0);
		assert_int_equal(got, t);
		assert_int_equal(EVP_PKEY_eq(pub, k), 1);
		/* a public key file is not a private key */
		assert_fails(cvm_key_load_pem(write_pem("p.pem", k, false), true, &bad, NULL, &e), e,
			     -EBADMSG, "is not an unencrypted PEM private key");
	}
	assert_string_equal(cvm_key_type_to_string(CVM_KEY_P256), "p256");
	assert_string_equal(cvm_key_type_to_string(CVM_KEY_ED25519), "ed25519");
	assert_null(cvm_key_type_to_string(CVM_KEY_INVALID));
	for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
		CVM_CLEANUP(t_pkey_freep) EVP_PKEY *k =
			others[i].param ? EVP_PKEY_Q_keygen(NULL, NULL, others[i].alg, others[i].param)
			: strcmp(others[i].alg, "RSA") == 0
				? EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048)
				: EVP_PKEY_Q_keygen(NULL, NULL, others[i].alg);

		assert_non_null(k);
		assert_fails(cvm_key_load_pem(write_pem("o.pem", k, true), true, &bad, NULL, &e), e,
			     -EBADMSG, others[i].type_phrase);
		assert_fails(cvm_key_load_pem(write_pem("o.pem", k, false), false, &bad, NULL, &e), e,
			     -EBADMSG, others[i].type_phrase);
	}
	assert_fails(cvm_key_load_pem("/nonexistent/k.pem", true, &bad, NULL, &e), e, -ENOENT,
		     "/nonexistent/k.pem");
	assert_fails(cvm_key_load_pem(NULL, true, &bad, NULL, &e), e, -EINVAL, "invalid argument");
	assert_fails(cvm_key_generate(CVM_KEY__COUNT, &bad, &e), e, -EINVAL, "invalid argument");
	assert_null(bad);
}

/* A P-256 key whose x coordinate has a leading zero byte (one key in 256). */
static EVP_PKEY *key_with_short_x(void)
{
	for (int i = 0; i < 100000; i++) {
		EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
		BIGNUM *x = NULL;
		int bytes;

		assert_non_null(k);
		assert_int_equal(EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_EC_PUB_X, &x), 1);
		bytes = BN_num_bytes(x);
		BN_free(x);
		if (bytes < 32)
			return k;
		EVP_PKEY_free(k);
	}
	fail_msg("no key with a short x coordinate");
	return NULL;
}

static void test_jwk(void **state)
{
	CVM_CLEANUP(t_pkey_freep) EVP_PKEY *k = key_with_short_x();
	CVM_CLEANUP(t_pkey_freep) EVP_PKEY *back = NULL;
	CVM_CLEANUP(cvm_jsonp) json_object *jwk = NULL;
	CVM_CLEANUP_FREE uint8_t *x = NULL;
	BIGNUM *bx = NULL;
	uint8_t want[32];
	const char *xs;
	size_t n = 0;
	cvm_err e = { 0 };

	(void)state;
	assert_int_equal(cvm_jwk_from_pkey(k, &jwk, &e), 0);
	assert_int_equal(json_object_object_length(jwk), 5);
	assert_string_equal(json_object_get_string(json_object_object_get(jwk, "alg")),
			    "ECDH-ES+A256KW");
	assert_string_equal(json_object_get_string(json_object_object_get(jwk, "crv")), "P-256");
	assert_string_equal(json_object_get_string(json_object_object_get(jwk, "kty")), "EC");
	/* x left-padded to 32 bytes: OpenSSL's own coordinate, padded */
	xs = json_object_get_string(json_object_object_get(jwk, "x"));
	assert_int_equal(strlen(xs), 43);
	assert_int_equal(cvm_base64_decode(xs, 43, CVM_BASE64_URL, 32, &x, &n, &e), 0);
	assert_int_equal(EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_EC_PUB_X, &bx), 1);
	assert_int_equal(BN_bn2binpad(bx, want, 32), 32);
	BN_free(bx);
	assert_int_equal(x[0], 0);
	assert_memory_equal(x, want, 32);
	/* and back: the same public key */
	assert_int_equal(cvm_jwk_to_pkey(jwk, &back, &e), 0);
	assert_int_equal(EVP_PKEY_eq(back, k), 1);
}

static void jwk_refused(const char *json, int code, const char *phrase)
{
	CVM_CLEANUP(cvm_jsonp) json_object *o = NULL;
	EVP_PKEY *k = NULL;
	cvm_err e = { 0 };

	assert_int_equal(cvm_json_parse(json, strlen(json), 4096, "jwk", &o, &e), 0);
	assert_fails(cvm_jwk_to_pkey(o, &k, &e), e, code, phrase);
	assert_null(k);
}

static void test_jwk_refusals(void **state)
{
	/* RFC 7515 appendix A.3's P-256 key, then one thing wrong at a time */
#define X "\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\""
#define Y "\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\""
	CVM_CLEANUP(cvm_jsonp) json_object *o = NULL;
	CVM_CLEANUP(t_pkey_freep) EVP_PKEY *k = NULL;
	EVP_PKEY *none = NULL;
	cvm_err e = { 0 };
	static const char good[] = "{\"kty\":\"EC\",\"crv\":\"P-256\"," X "," Y
				   ",\"d\":\"jpsQnnGQmL-YBIffH1136cLoGB5QHjOF3pnHvZXhG-o\"}";

	(void)state;
	assert_int_equal(cvm_json_parse(good, strlen(good), 4096, "jwk", &o, &e), 0);
	assert_int_equal(cvm_jwk_to_pkey(o, &k, &e), 0);
	jwk_refused("{\"kty\":\"RSA\",\"crv\":\"P-256\"," X "," Y "}", -EBADMSG,
		    "JWK \"kty\" is not \"EC\"");
	jwk_refused("{\"crv\":\"P-256\"," X "," Y "}", -EBADMSG, "JWK has no \"kty\"");
	jwk_refused("{\"kty\":\"EC\",\"crv\":\"P-384\"," X "," Y "}", -EBADMSG,
		    "JWK \"crv\" is not \"P-256\"");
	jwk_refused("{\"kty\":\"EC\",\"crv\":\"P-256\",\"alg\":\"ES256\"," X "," Y "}", -EBADMSG,
		    "JWK \"alg\" is not \"ECDH-ES+A256KW\"");
	jwk_refused("{\"kty\":\"EC\",\"crv\":\"P-256\"," X "}", -EBADMSG, "JWK has no \"y\"");
	jwk_refused("{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":7," Y "}", -EBADMSG,
		    "JWK \"x\" is not a string");
	jwk_refused("{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"AAAA\"," Y "}", -EBADMSG,
		    "JWK \"x\" is not 32 bytes of base64url");
	jwk_refused("{\"kty\":\"EC\",\"crv\":\"P-256\"," X ",\"y\":"
		    "\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a1\"}",
		    -EBADMSG, "JWK \"y\" is not 32 bytes of base64url"); /* trailing bits */
	jwk_refused("{\"kty\":\"EC\",\"crv\":\"P-256\"," X ",\"y\":"
		    "\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a4\"}",
		    -EBADMSG, "not on the P-256 curve");
	jwk_refused("[1]", -EBADMSG, "JWK is not a JSON object");
	assert_fails(cvm_jwk_to_pkey(NULL, &none, &e), e, -EINVAL, "invalid argument");
	assert_fails(cvm_jwk_from_pkey(NULL, &o, &e), e, -EINVAL, "invalid argument");
	{
		CVM_CLEANUP(t_pkey_freep) EVP_PKEY *ed = NULL;
		json_object *j = NULL;

		assert_int_equal(cvm_key_generate(CVM_KEY_ED25519, &ed, &e), 0);
		assert_fails(cvm_jwk_from_pkey(ed, &j, &e), e, -EBADMSG, "not an EC P-256 key");
		assert_null(j);
	}
#undef X
#undef Y
}

/* ---- JWE ---- */

static const char payload[] = "the disk's broker key, 32 bytes!";

static json_object *flat_of(EVP_PKEY *k, const uint8_t *p, size_t len, char **ret_compact)
{
	json_object *flat = NULL;
	cvm_err e = { 0 };

	assert_int_equal(cvm_jwe_encrypt(k, p, len, ret_compact, &flat, &e), 0);
	return flat;
}

static int decrypt_json(EVP_PKEY *k, json_object *flat, cvm_err *e)
{
	const char *s = json_object_to_json_string_ext(flat, JSON_C_TO_STRING_PLAIN);
	uint8_t *pt = NULL;
	size_t len = 0;
	int r = cvm_jwe_decrypt(k, s, strlen(s), &pt, &len, e);

	if (r == 0) {
		assert_int_equal(len, strlen(payload));
		assert_memory_equal(pt, payload, len);
	} else {
		assert_null(pt);
	}
	cvm_secret_free(pt);
	return r;
}

static void test_jwe_round_trip(void **state)
{
	CVM_CLEANUP(t_pkey_freep) EVP_PKEY *k = NULL;
	CVM_CLEANUP(t_pkey_freep) EVP_PKEY *other = NULL;
	static const size_t sizes[] = { 0, 1, 32, 1000, CVM_JWE_PAYLOAD_MAX };
	CVM_CLEANUP_FREE uint8_t *big = malloc(CVM_JWE_PAYLOAD_MAX);
	cvm_err e = { 0 };

	(void)state;
	assert_non_null(big);
	for (size_t i = 0; i < CVM_JWE_PAYLOAD_MAX; i++)
		big[i] = (uint8_t)(i * 7 + 3);
	assert_int_equal(cvm_key_generate(CVM_KEY_P256, &k, &e), 0);
	assert_int_equal(cvm_key_generate(CVM_KEY_P256, &other, &e), 0);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		CVM_CLEANUP_FREE char *compact = NULL;
		CVM_CLEANUP(cvm_jsonp) json_object *flat = flat_of(k, big, sizes[i], &compact);
		const char *text = json_object_to_json_string_ext(flat, JSON_C_TO_STRING_PLAIN);
		const char *both[2] = { compact, text };

		assert_int_equal(json_object_object_length(flat), 5);
		assert_false(json_object_object_get_ex(flat, "aad", NULL));
		for (int f = 0; f < 2; f++) {
			uint8_t *pt = NULL;
			size_t len = 1;

			assert_int_equal(cvm_jwe_decrypt(k, both[f], strlen(both[f]), &pt, &len, &e),
					 0);
			assert_int_equal(len, sizes[i]);
			assert_memory_equal(pt, big, len);
			assert_int_equal(pt[len], 0);
			cvm_secret_free(pt);
			pt = NULL;
			assert_fails(cvm_jwe_decrypt(other, both[f], strlen(both[f]), &pt, &len, &e),
				     e, -EKEYREJECTED, "cannot decrypt the JWE");
			assert_null(pt);
		}
	}
	/* whitespace around either form is allowed */
	{
		CVM_CLEANUP_FREE char *compact = NULL;
		CVM_CLEANUP(cvm_jsonp) json_object *flat =
			flat_of(k, (const uint8_t *)payload, strlen(payload), &compact);
		CVM_CLEANUP_FREE char *padded = malloc(strlen(compact) + 4);
		CVM_CLEANUP(cvm_secret_freep) uint8_t *pt = NULL;
		size_t len = 0;

		sprintf(padded, " %s\n", compact);
		assert_int_equal(cvm_jwe_decrypt(k, padded, strlen(padded), &pt, &len, &e), 0);
		assert_int_equal(decrypt_json(k, flat, &e), 0);
	}
}

static void test_jwe_header(void **state)
{
	CVM_CLEANUP(t_pkey_freep) EVP_PKEY *k = NULL;
	CVM_CLEANUP(cvm_jsonp) json_object *flat = NULL;
	CVM_CLEANUP(cvm_jsonp) json_object *hdr = NULL;
	CVM_CLEANUP_FREE uint8_t *text = NULL;
	CVM_CLEANUP_FREE char *compact = NULL;
	json_object *epk;
	const char *prot;
	size_t n = 0;
	cvm_err e = { 0 };

	(void)state;
	assert_int_equal(cvm_key_generate(CVM_KEY_P256, &k, &e), 0);
	flat = flat_of(k, (const uint8_t *)payload, strlen(payload), &compact);
	prot = json_object_get_string(json_object_object_get(flat, "protected"));
	/* compact = the five members in order */
	{
		char want[4096];

		snprintf(want, sizeof(want), "%s.%s.%s.%s.%s", prot,
			 json_object_get_string(json_object_object_get(flat, "encrypted_key")),
			 json_object_get_string(json_object_object_get(flat, "iv")),
			 json_object_get_string(json_object_object_get(flat, "ciphertext")),
			 json_object_get_string(json_object_object_get(flat, "tag")));
		assert_string_equal(compact, want);
	}
	assert_int_equal(cvm_base64_decode(prot, strlen(prot), CVM_BASE64_URL, 4096, &text, &n, &e),
			 0);
	assert_int_equal(cvm_json_parse((char *)text, n, 4096, "hdr", &hdr, &e), 0);
	assert_int_equal(json_object_object_length(hdr), 3);
	assert_string_equal(json_object_get_string(json_object_object_get(hdr, "alg")),
			    "ECDH-ES+A256KW");
	assert_string_equal(json_object_get_string(json_object_object_get(hdr, "enc")), "A256GCM");
	epk = json_object_object_get(hdr, "epk");
	assert_int_equal(json_object_object_length(epk), 4); /* crv kty x y: no alg, no d */
	assert_false(json_object_object_get_ex(epk, "d", NULL));
	assert_int_equal(strlen(json_object_get_string(json_object_object_get(epk, "x"))), 43);
	/* member sizes: 40-byte wrapped key, 12-byte IV, 16-byte tag */
	assert_int_equal(strlen(json_object_get_string(json_object_object_get(flat, "encrypted_key"))),
			 54);
	assert_int_equal(strlen(json_object_get_string(json_object_object_get(flat, "iv"))), 16);
	assert_int_equal(strlen(json_object_get_string(json_object_object_get(flat, "tag"))), 22);
}

/* Replace the protected header of @flat by @edit applied to it (the JWE is not re-encrypted). */
static void edit_header(json_object *flat, void (*edit)(json_object *hdr, void *arg), void *arg)
{
	const char *prot = json_object_get_string(json_object_object_get(flat, "protected"));
	CVM_CLEANUP_FREE uint8_t *text = NULL;
	CVM_CLEANUP_FREE char *s = NULL;
	CVM_CLEANUP_FREE char *b = NULL;
	CVM_CLEANUP(cvm_jsonp) json_object *hdr = NULL;
	size_t n = 0;
	cvm_err e = { 0 };

	assert_int_equal(cvm_base64_decode(prot, strlen(prot), CVM_BASE64_URL, 4096, &text, &n, &e),
			 0);
	assert_int_equal(cvm_json_parse((char *)text, n, 4096, "hdr", &hdr, &e), 0);
	edit(hdr, arg);
	assert_int_equal(cvm_jcs_serialize(hdr, &s, &n, &e), 0);
	b = cvm_base64url_encode((uint8_t *)s, n);
	json_object_object_add(flat, "protected", json_object_new_string(b));
}

static void set_member(json_object *o, void *arg)
{
	const char *const *kv = arg; /* name, JSON value text (NULL: delete) */
	json_object *v = NULL;

	if (!kv[1]) {
		json_object_object_del(o, kv[0]);
		return;
	}
	assert_int_equal(cvm_json_parse(kv[1], strlen(kv[1]), 4096, "v", &v, NULL), 0);
	json_object_object_add(o, kv[0], v);
}

static void set_epk_member(json_object *hdr, void *arg)
{
	set_member(json_object_object_get(hdr, "epk"), arg);
}

static void header_refused(EVP_PKEY *k, bool in_epk, const char *name, const char *value,
			   int code, const char *phrase)
{
	CVM_CLEANUP(cvm_jsonp) json_object *flat =
		flat_of(k, (const uint8_t *)payload, strlen(payload), NULL);
	const char *kv[2] = { name, value };
	cvm_err e = { 0 };

	edit_header(flat, in_epk ? set_epk_member : set_member, (void *)kv);
	assert_fails(decrypt_json(k, flat, &e), e, code, phrase);
}

static void test_jwe_header_refusals(void **state)
{
	CVM_CLEANUP(t_pkey_freep) EVP_PKEY *k = NULL;
	cvm_err e = { 0 };

	(void)state;
	assert_int_equal(cvm_key_generate(CVM_KEY_P256, &k, &e), 0);
	header_refused(k, false, "alg", "\"ECDH-ES+A128KW\"", -EBADMSG,
		       "JWE \"alg\" \"ECDH-ES+A128KW\" is not supported, only ECDH-ES+A256KW");
	header_refused(k, false, "alg", "\"dir\"", -EBADMSG, "is not supported");
	header_refused(k, false, "alg", NULL, -EBADMSG, "JWE header has no \"alg\"");
	header_refused(k, false, "alg", "1", -EBADMSG, "JWE \"alg\" is not a string");
	header_refused(k, false, "enc", "\"A128CBC-HS256\"", -EBADMSG,
		       "JWE \"enc\" \"A128CBC-HS256\" is not supported, only A256GCM");
	header_refused(k, false, "epk", NULL, -EBADMSG, "JWE header has no \"epk\"");
	header_refused(k, false, "epk", "\"x\"", -EBADMSG, "JWE \"epk\": JWK is not a JSON object");
	header_refused(k, false, "zip", "\"DEF\"", -EBADMSG, "JWE \"zip\" is not supported");
	header_refused(k, false, "crit", "[\"exp\"]", -EBADMSG, "JWE \"crit\" is not supported");
	header_refused(k, true, "crv", "\"P-384\"", -EBADMSG,
		       "JWE \"epk\": JWK \"crv\" is not \"P-256\"");
	header_refused(k, true, "kty", "\"OKP\"", -EBADMSG, "JWE \"epk\": JWK \"kty\" is not \"EC\"");
	/* a P-256 point that is not on the curve: x and y swapped */
	{
		CVM_CLEANUP(cvm_jsonp) json_object *flat =
			flat_of(k, (const uint8_t *)payload, strlen(payload), NULL);
		CVM_CLEANUP(t_pkey_freep) EVP_PKEY *dummy = NULL;
		CVM_CLEANUP(cvm_jsonp) json_object *jwk = NULL;
		char x[64], y[64], xv[80], yv[80];
		const char *kx[2] = { "x", xv }, *ky[2] = { "y", yv };

		assert_int_equal(cvm_key_generate(CVM_KEY_P256, &dummy, &e), 0);
		assert_int_equal(cvm_jwk_from_pkey(dummy, &jwk, &e), 0);
		snprintf(x, sizeof(x), "%s", json_object_get_string(json_object_object_get(jwk, "x")));
		snprintf(y, sizeof(y), "%s", json_object_get_string(json_object_object_get(jwk, "y")));
		snprintf(xv, sizeof(xv), "\"%s\"", y);
		snprintf(yv, sizeof(yv), "\"%s\"", x);
		edit_header(flat, set_epk_member, (void *)kx);
		edit_header(flat, set_epk_member, (void *)ky);
		assert_fails(decrypt_json(k, flat, &e), e, -EBADMSG,
			     "JWE \"epk\": JWK point is not on the P-256 curve");
	}
	/* a header that is valid but not the one the tag covers */
	header_refused(k, false, "kid", "\"other\"", -EKEYREJECTED, "cannot decrypt the JWE");
}

/* Flip one bit in the middle of the decoded member @name. */
static void flip(json_object *flat, const char *name)
{
	const char *s = json_object_get_string(json_object_object_get(flat, name));
	CVM_CLEANUP_FREE uint8_t *raw = NULL;
	CVM_CLEANUP_FREE char *b = NULL;
	size_t n = 0;

	assert_int_equal(cvm_base64_decode(s, strlen(s), CVM_BASE64_URL, 1 << 20, &raw, &n, NULL), 0);
	raw[n / 2] ^= 1;
	b = cvm_base64url_encode(raw, n);
	json_object_object_add(flat, name, json_object_new_string(b));
}

static void test_jwe_structure_refusals(void **state)
{
	static const char *const tampered[] = { "encrypted_key", "iv", "ciphertext", "tag" };
	CVM_CLEANUP(t_pkey_freep) EVP_PKEY *k = NULL;
	CVM_CLEANUP(t_pkey_freep) EVP_PKEY *pub = NULL;
	CVM_CLEANUP(t_pkey_freep) EVP_PKEY *ed = NULL;
	CVM_CLEANUP(cvm_jsonp) json_object *jwk = NULL;
	uint8_t *pt = NULL;
	size_t len = 0;
	char *c = NULL;
	json_object *f = NULL;
	cvm_err e = { 0 };

	(void)state;
	assert_int_equal(cvm_key_generate(CVM_KEY_P256, &k, &e), 0);
	/* one bit of any member: the same errno and message, whichever step failed */
	for (size_t i = 0; i < sizeof(tampered) / sizeof(tampered[0]); i++) {
		CVM_CLEANUP(cvm_jsonp) json_object *flat =
			flat_of(k, (const uint8_t *)payload, strlen(payload), NULL);

		flip(flat, tampered[i]);
		assert_fails(decrypt_json(k, flat, &e), e, -EKEYREJECTED, "cannot decrypt the JWE");
		assert_string_equal(e.msg, "cannot decrypt the JWE");
		assert_null(strstr(e.msg, payload));
	}
	/* members: missing, wrong type, wrong size, extra forms */
	static const struct {
		const char *name, *value, *phrase;
	} members[] = {
		{ "tag", NULL, "JWE has no \"tag\"" },
		{ "iv", "12", "JWE \"iv\" is not a string" },
		{ "iv", "\"AAAAAAAAAAAAAAAA\"", NULL }, /* 12 zero bytes: accepted, tag fails */
		{ "iv", "\"AAAAAAAAAAAAAAAAA\"", "JWE \"iv\": base64 text has an impossible length" },
		{ "iv", "\"AAAAAAAAAAAAAAAAAAAA\"", "JWE \"iv\" is not 12 bytes" },
		{ "iv", "\"AAAAAAAA\"", "JWE \"iv\" is not 12 bytes" },
		{ "encrypted_key", "\"AAAA\"", "JWE \"encrypted_key\" is not 40 bytes" },
		{ "tag", "\"AAAA\"", "JWE \"tag\" is not 16 bytes" },
		{ "ciphertext", "\"A+A\"", "JWE \"ciphertext\": invalid base64 character at offset 1" },
		{ "protected", "\"e30\"", "JWE header has no \"alg\"" }, /* {} */
		{ "protected", "\"W10\"", "JWE protected header is not a JSON object" }, /* [] */
		{ "protected", "\"e30=\"", "JWE \"protected\": padding '=' in base64url text" },
		{ "protected", "\"eyJh\"", "JWE protected header is not valid JSON" },
		{ "aad", "\"AAAA\"", "JWE \"aad\" is not supported" },
		{ "recipients", "[]", "JWE general serialization (\"recipients\") is not supported" },
		{ "header", "[]", "JWE \"header\" is not an object" },
		{ "header", "{\"alg\":\"ECDH-ES+A256KW\"}",
		  "JWE header parameter \"alg\" is given twice" },
		{ "unprotected", "{\"zip\":\"DEF\"}", "JWE \"zip\" is not supported" },
	};
	for (size_t i = 0; i < sizeof(members) / sizeof(members[0]); i++) {
		CVM_CLEANUP(cvm_jsonp) json_object *flat =
			flat_of(k, (const uint8_t *)payload, strlen(payload), NULL);
		const char *kv[2] = { members[i].name, members[i].value };

		set_member(flat, (void *)kv);
		if (members[i].phrase)
			assert_fails(decrypt_json(k, flat, &e), e, -EBADMSG, members[i].phrase);
		else
			assert_fails(decrypt_json(k, flat, &e), e, -EKEYREJECTED, "cannot decrypt");
	}
	/* the same parameter in "unprotected" and "header" */
	{
		CVM_CLEANUP(cvm_jsonp) json_object *flat =
			flat_of(k, (const uint8_t *)payload, strlen(payload), NULL);
		const char *u[2] = { "unprotected", "{\"kid\":\"a\"}" }, *h[2] = { "header",
										   "{\"kid\":\"b\"}" };

		set_member(flat, (void *)u);
		set_member(flat, (void *)h);
		assert_fails(decrypt_json(k, flat, &e), e, -EBADMSG,
			     "JWE header parameter \"kid\" is given twice");
	}
	/* compact: five parts exactly; JSON: valid and an object */
	assert_fails(cvm_jwe_decrypt(k, "a.b.c.d", 7, &pt, &len, &e), e, -EBADMSG,
		     "JWE compact form has 4 parts, not 5");
	assert_fails(cvm_jwe_decrypt(k, "a.b.c.d.e.f", 11, &pt, &len, &e), e, -EBADMSG,
		     "more than 5 parts");
	assert_fails(cvm_jwe_decrypt(k, "", 0, &pt, &len, &e), e, -EBADMSG, "1 parts, not 5");
	assert_fails(cvm_jwe_decrypt(k, "{\"protected\":", 13, &pt, &len, &e), e, -EBADMSG,
		     "JWE is not valid JSON");
	assert_fails(cvm_jwe_decrypt(k, "{} {}", 5, &pt, &len, &e), e, -EBADMSG,
		     "JWE is not valid JSON: data after the value");
	assert_fails(cvm_jwe_decrypt(k, "x", CVM_JOSE_INPUT_MAX + 1, &pt, &len, &e), e, -EFBIG,
		     "JWE longer than 1048576 bytes");
	/* keys: a public-only key cannot decrypt; Ed25519 is no JWE key */
	assert_int_equal(cvm_jwk_from_pkey(k, &jwk, &e), 0);
	assert_int_equal(cvm_jwk_to_pkey(jwk, &pub, &e), 0);
	assert_fails(cvm_jwe_decrypt(pub, "a.b.c.d.e", 9, &pt, &len, &e), e, -EINVAL,
		     "not an EC P-256 private key");
	assert_int_equal(cvm_key_generate(CVM_KEY_ED25519, &ed, &e), 0);
	assert_fails(cvm_jwe_decrypt(ed, "a.b.c.d.e", 9, &pt, &len, &e), e, -EINVAL,
		     "not an EC P-256 private key");
	assert_fails(cvm_jwe_encrypt(ed, (const uint8_t *)"x", 1, &c, NULL, &e), e, -EBADMSG,
		     "recipient key is not an EC P-256 key");
	assert_fails(cvm_jwe_encrypt(pub, (const uint8_t *)"x", CVM_JWE_PAYLOAD_MAX + 1, &c, NULL,
				     &e),
		     e, -EFBIG, "JWE payload longer than 524288 bytes");
	/* NULL arguments */
	assert_fails(cvm_jwe_encrypt(NULL, (const uint8_t *)"x", 1, &c, &f, &e), e, -EINVAL,
		     "invalid argument");
	assert_fails(cvm_jwe_encrypt(pub, NULL, 1, &c, &f, &e), e, -EINVAL, "invalid argument");
	assert_fails(cvm_jwe_encrypt(pub, (const uint8_t *)"x", 1, NULL, NULL, &e), e, -EINVAL,
		     "invalid argument");
	assert_fails(cvm_jwe_decrypt(NULL, "a.b.c.d.e", 9, &pt, &len, &e), e, -EINVAL,
		     "invalid argument");
	assert_fails(cvm_jwe_decrypt(k, NULL, 9, &pt, &len, &e), e, -EINVAL, "invalid argument");
	assert_fails(cvm_jwe_decrypt(k, "a.b.c.d.e", 9, NULL, &len, &e), e, -EINVAL,
		     "invalid argument");
	assert_null(pt);
	assert_null(c);
	assert_null(f);
	/* encrypting with only one output */
	assert_int_equal(cvm_jwe_encrypt(pub, (const uint8_t *)"x", 1, &c, NULL, &e), 0);
	free(c);
	assert_int_equal(cvm_jwe_encrypt(pub, NULL, 0, NULL, &f, &e), 0);
	json_object_put(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_base64url_rfc4648),
		cmocka_unit_test(test_base64_refusals),
		cmocka_unit_test(test_jcs_rfc8785),
		cmocka_unit_test(test_jcs_numbers),
		cmocka_unit_test(test_jcs_strings_and_limits),
		cmocka_unit_test(test_kbs_digest),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_jwk),
		cmocka_unit_test(test_jwk_refusals),
		cmocka_unit_test(test_jwe_round_trip),
		cmocka_unit_test(test_jwe_header),
		cmocka_unit_test(test_jwe_header_refusals),
		cmocka_unit_test(test_jwe_structure_refusals),
	};

	return cmocka_run_group_tests(tests, test_tmpdir_setup, test_tmpdir_teardown);
}
