/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer harness for untrusted JOSE input, as the unlock agent receives
 * it from a key broker: JWE decryption in either serialization, with the
 * private key in $FUZZ_JWE_KEY (fuzz/smoke.sh makes one and seeds JWEs to
 * it, so mutations reach the key unwrap and the tag check), else a fresh
 * key. The same bytes also go through base64 decoding, the JSON parse, JWK
 * import and JCS. Properties checked beyond ASan and UBSan: only the
 * documented errnos; a decrypted payload is NUL-terminated; base64url
 * decoding is canonical (encoding the result gives the input back); JCS is
 * a fixed point (parsing its output and serializing again gives the same,
 * except integers json-c cannot hold, which are refused).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cvmimg/jose.h>
#include <cvmimg/json.h>
#include <cvmimg/util.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static EVP_PKEY *key;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *path = getenv("FUZZ_JWE_KEY");

	(void)argc;
	(void)argv;
	if (path ? cvm_key_load_pem(path, true, &key, NULL, NULL) < 0
		 : cvm_key_generate(CVM_KEY_P256, &key, NULL) < 0)
		abort();
	return 0;
}

static void check_errno(int r, int a, int b, int c)
{
	if (r < 0 && r != a && r != b && r != c)
		abort();
}

static void fuzz_base64(const uint8_t *data, size_t size)
{
	for (int mode = 0; mode < CVM_BASE64__COUNT; mode++) {
		uint8_t *buf = NULL;
		size_t len = 0;
		int r = cvm_base64_decode((const char *)data, size, (enum cvm_base64_mode)mode,
					  CVM_JOSE_INPUT_MAX, &buf, &len, NULL);

		check_errno(r, -EBADMSG, -EFBIG, -EBADMSG);
		if (r == 0 && mode == CVM_BASE64_URL) {
			char *again = cvm_base64url_encode(buf, len);

			if (!again || strlen(again) != size || memcmp(again, data, size))
				abort();
			free(again);
		}
		free(buf);
	}
}

/* Whether @s holds an integer literal of 19 or more digits (JCS text json-c may saturate). */
static bool over_64_bits(const char *s, size_t len)
{
	size_t run = 0;

	for (size_t i = 0; i < len; i++) {
		bool digit = s[i] >= '0' && s[i] <= '9';

		if (digit && ++run >= 19 && (i + 1 == len || !strchr(".eE", s[i + 1])))
			return true;
		if (!digit)
			run = 0;
	}
	return false;
}

static void fuzz_json(const uint8_t *data, size_t size)
{
	json_object *v = NULL, *v2 = NULL;
	EVP_PKEY *k = NULL;
	char *s = NULL, *s2 = NULL;
	size_t len = 0, len2 = 0;
	int r = cvm_json_parse((const char *)data, size, CVM_JOSE_INPUT_MAX, "fuzz", &v, NULL);

	check_errno(r, -EBADMSG, -EFBIG, -EBADMSG);
	if (r < 0)
		return;
	r = cvm_jwk_to_pkey(v, &k, NULL);
	check_errno(r, -EBADMSG, -EINVAL, -EBADMSG);
	EVP_PKEY_free(k);
	r = cvm_jcs_serialize(v, &s, &len, NULL);
	check_errno(r, -EBADMSG, -ERANGE, -EBADMSG);
	if (r == 0) {
		if (cvm_json_parse(s, len, CVM_JOSE_INPUT_MAX * 4, "jcs", &v2, NULL) < 0)
			abort();
		r = cvm_jcs_serialize(v2, &s2, &len2, NULL);
		/* JCS prints doubles below 1e21 as integers, which json-c reads back as
		 * 64-bit integers: beyond 2^64 it saturates them, and they are refused */
		if ((r < 0 && !(r == -ERANGE && over_64_bits(s, len))) ||
		    (r == 0 && (len2 != len || memcmp(s, s2, len))))
			abort();
	}
	free(s);
	free(s2);
	json_object_put(v);
	json_object_put(v2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *pt = NULL;
	size_t len = 0;
	int r;

	r = cvm_jwe_decrypt(key, (const char *)data, size, &pt, &len, NULL);
	check_errno(r, -EBADMSG, -EFBIG, -EKEYREJECTED);
	if (r == 0) {
		if (pt[len] != '\0')
			abort();
		cvm_secret_free(pt);
	}
	fuzz_base64(data, size);
	fuzz_json(data, size);
	return 0;
}
