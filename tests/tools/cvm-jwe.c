/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A test driver for <cvmimg/jose.h>, so that shell tests can hold our JWE,
 * JWK and JCS against independent implementations (tests/tools/jwe.py,
 * Debian's jose). Not installed.
 *
 *   cvm-jwe encrypt PUB.pem IN COMPACT-OUT JSON-OUT
 *   cvm-jwe decrypt PRIV.pem IN OUT
 *   cvm-jwe jwk KEY.pem          the public JWK of a P-256 key (public or private PEM)
 *   cvm-jwe jcs IN               the JCS form of a JSON file
 *   cvm-jwe digest IN            hex SHA-384 of the JCS form (KBS runtime data)
 *
 * Exit 0; 1 for -EKEYREJECTED; 3 for other bad input; 4 otherwise; 2 usage.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <cvmimg/jose.h>
#include <cvmimg/json.h>
#include <cvmimg/util.h>

CVM_DEFINE_CLEANUP(EVP_PKEY, EVP_PKEY_free, tool_pkey_free)

static int fail(int r, const cvm_err *e)
{
	fprintf(stderr, "cvm-jwe: %s\n", e->msg);
	if (r == -EKEYREJECTED)
		return 1;
	return r == -EBADMSG || r == -EINVAL || r == -EFBIG || r == -ERANGE || r == -ENOENT ? 3 : 4;
}

static int load(const char *path, bool priv, EVP_PKEY **k, cvm_err *e)
{
	return cvm_key_load_pem(path, priv, k, NULL, e);
}

static int encrypt(char **argv, cvm_err *e)
{
	CVM_CLEANUP(tool_pkey_freep) EVP_PKEY *k = NULL;
	CVM_CLEANUP_FREE uint8_t *in = NULL;
	CVM_CLEANUP_FREE char *compact = NULL;
	CVM_CLEANUP(cvm_jsonp) json_object *flat = NULL;
	const char *s;
	size_t len = 0;
	int r;

	if ((r = load(argv[2], false, &k, e)) < 0 ||
	    (r = cvm_read_file(argv[3], CVM_JWE_PAYLOAD_MAX, &in, &len, e)) < 0 ||
	    (r = cvm_jwe_encrypt(k, in, len, &compact, &flat, e)) < 0 ||
	    (r = cvm_write_file_atomic(argv[4], compact, strlen(compact), 0644, e)) < 0)
		return r;
	s = json_object_to_json_string_ext(flat, JSON_C_TO_STRING_PLAIN);
	return cvm_write_file_atomic(argv[5], s, strlen(s), 0644, e);
}

static int decrypt(char **argv, cvm_err *e)
{
	CVM_CLEANUP(tool_pkey_freep) EVP_PKEY *k = NULL;
	CVM_CLEANUP_FREE uint8_t *in = NULL;
	CVM_CLEANUP(cvm_secret_freep) uint8_t *pt = NULL;
	size_t len = 0, pt_len = 0;
	int r;

	if ((r = load(argv[2], true, &k, e)) < 0 ||
	    (r = cvm_read_file(argv[3], CVM_JOSE_INPUT_MAX + 1, &in, &len, e)) < 0 ||
	    (r = cvm_jwe_decrypt(k, (const char *)in, len, &pt, &pt_len, e)) < 0)
		return r;
	return cvm_write_file_atomic(argv[4], pt, pt_len, 0600, e);
}

static int jwk(char **argv, cvm_err *e)
{
	CVM_CLEANUP(tool_pkey_freep) EVP_PKEY *k = NULL;
	CVM_CLEANUP(cvm_jsonp) json_object *j = NULL;
	int r;

	r = load(argv[2], false, &k, e);
	if (r < 0)
		r = load(argv[2], true, &k, e);
	if (r < 0 || (r = cvm_jwk_from_pkey(k, &j, e)) < 0)
		return r;
	puts(json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN));
	return 0;
}

static int jcs(char **argv, bool digest, cvm_err *e)
{
	CVM_CLEANUP_FREE uint8_t *in = NULL;
	CVM_CLEANUP_FREE char *s = NULL;
	CVM_CLEANUP(cvm_jsonp) json_object *v = NULL;
	uint8_t d[CVM_KBS_RUNTIME_DIGEST_LEN];
	char hex[2 * sizeof(d) + 1];
	size_t len = 0;
	int r;

	if ((r = cvm_read_file(argv[2], CVM_JOSE_INPUT_MAX, &in, &len, e)) < 0 ||
	    (r = cvm_json_parse((const char *)in, len, CVM_JOSE_INPUT_MAX, argv[2], &v, e)) < 0)
		return r;
	if (digest) {
		if ((r = cvm_kbs_runtime_digest(v, d, e)) < 0)
			return r;
		cvm_hex_encode(d, sizeof(d), hex);
		puts(hex);
		return 0;
	}
	if ((r = cvm_jcs_serialize(v, &s, &len, e)) < 0)
		return r;
	fwrite(s, 1, len, stdout);
	return 0;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";
	cvm_err e = { 0 };
	int r;

	if (!strcmp(cmd, "encrypt") && argc == 6)
		r = encrypt(argv, &e);
	else if (!strcmp(cmd, "decrypt") && argc == 5)
		r = decrypt(argv, &e);
	else if (!strcmp(cmd, "jwk") && argc == 3)
		r = jwk(argv, &e);
	else if ((!strcmp(cmd, "jcs") || !strcmp(cmd, "digest")) && argc == 3)
		r = jcs(argv, !strcmp(cmd, "digest"), &e);
	else {
		fputs("usage: cvm-jwe encrypt|decrypt|jwk|jcs|digest ARGS (see the source)\n", stderr);
		return 2;
	}
	if (r < 0)
		return fail(r, &e);
	return fclose(stdout) == 0 ? 0 : 4;
}
