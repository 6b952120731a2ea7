/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Keys: PEM files of the two types the broker code uses (P-256 for ECDH-ES
 * and ECDSA, Ed25519 for signatures), new key pairs, and P-256 public keys as
 * JWK (RFC 7518 section 6.2.1: x and y are the full 32-byte coordinates).
 */
#include <errno.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/err.h>

#include <cvmimg/jose.h>
#include <cvmimg/json.h>
#include <cvmimg/util.h>

#include "util/keys.h"
#include "jose/jose.h"
#include "util/macro.h"
#include "util/x509.h"
#include "util/ossl.h"

static const char *const key_type_names[CVM_KEY__COUNT] = {
	[CVM_KEY_P256] = "p256",
	[CVM_KEY_ED25519] = "ed25519",
};

CVM_PUBLIC const char *cvm_key_type_to_string(enum cvm_key_type t)
{
	return t >= 0 && t < CVM_KEY__COUNT ? key_type_names[t] : NULL;
}

bool jose_is_p256(EVP_PKEY *key)
{
	char group[32];

	cvm_pkey_ec_group(key, group, sizeof(group));
	return strcmp(group, "prime256v1") == 0;
}

static enum cvm_key_type key_type(EVP_PKEY *k)
{
	if (EVP_PKEY_is_a(k, "ED25519"))
		return CVM_KEY_ED25519;
	if (EVP_PKEY_is_a(k, "EC") && jose_is_p256(k))
		return CVM_KEY_P256;
	return CVM_KEY_INVALID;
}

CVM_PUBLIC int cvm_key_load_pem(const char *path, bool private_key, EVP_PKEY **ret_key,
				enum cvm_key_type *ret_type, cvm_err *reterr)
{
	CVM_CLEANUP(cvm_evp_pkeyp) EVP_PKEY *k = NULL;
	enum cvm_key_type t;
	char group[32];
	int r;

	CVM_CHECK_ARG(path && ret_key, reterr);
	r = private_key ? cvm_key_load_private(path, false, &k, reterr)
			: cvm_key_load_public(path, &k, reterr);
	if (r < 0)
		return r;
	t = key_type(k);
	if (t == CVM_KEY_INVALID) {
		cvm_pkey_ec_group(k, group, sizeof(group));
		return cvm_err_set(reterr, -EBADMSG, "'%s' is a %s%s%s key, not P-256 or Ed25519",
				   path, EVP_PKEY_get0_type_name(k), *group ? " " : "", group);
	}
	if (ret_type)
		*ret_type = t;
	*ret_key = CVM_TAKE_PTR(k);
	return 0;
}

CVM_PUBLIC int cvm_key_generate(enum cvm_key_type type, EVP_PKEY **ret_key, cvm_err *reterr)
{
	EVP_PKEY *k;

	CVM_CHECK_ARG(ret_key && type >= 0 && type < CVM_KEY__COUNT, reterr);
	if (type == CVM_KEY_P256)
		k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	else
		k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	if (!k)
		return cvm_err_openssl(reterr, -ENOMEM, "cannot generate a key");
	*ret_key = k;
	return 0;
}

/* The base64url of one 32-byte coordinate (@param: OSSL_PKEY_PARAM_EC_PUB_X or _Y). */
static json_object *coordinate(EVP_PKEY *key, const char *param)
{
	CVM_CLEANUP(cvm_bnp) BIGNUM *bn = NULL;
	CVM_CLEANUP_FREE char *s = NULL;
	uint8_t buf[JOSE_P256_COORD];

	if (EVP_PKEY_get_bn_param(key, param, &bn) != 1 ||
	    BN_bn2binpad(bn, buf, sizeof(buf)) != sizeof(buf)) {
		ERR_clear_error();
		return NULL;
	}
	s = cvm_base64url_encode(buf, sizeof(buf));
	return s ? json_object_new_string(s) : NULL;
}

int jose_jwk_p256(EVP_PKEY *key, bool with_alg, json_object **ret, cvm_err *reterr)
{
	CVM_CLEANUP(cvm_jsonp) json_object *jwk = NULL;

	if (!jose_is_p256(key))
		return cvm_err_set(reterr, -EBADMSG, "the key is not an EC P-256 key");
	jwk = json_object_new_object();
	if (!jwk ||
	    (with_alg && cvm_json_add(jwk, "alg", json_object_new_string(CVM_JWE_ALG)) < 0) ||
	    cvm_json_add(jwk, "crv", json_object_new_string("P-256")) < 0 ||
	    cvm_json_add(jwk, "kty", json_object_new_string("EC")) < 0 ||
	    cvm_json_add(jwk, "x", coordinate(key, OSSL_PKEY_PARAM_EC_PUB_X)) < 0 ||
	    cvm_json_add(jwk, "y", coordinate(key, OSSL_PKEY_PARAM_EC_PUB_Y)) < 0)
		return cvm_err_set(reterr, -ENOMEM, "cannot make the JWK: out of memory");
	*ret = CVM_TAKE_PTR(jwk);
	return 0;
}

CVM_PUBLIC int cvm_jwk_from_pkey(EVP_PKEY *key, json_object **ret_jwk, cvm_err *reterr)
{
	CVM_CHECK_ARG(key && ret_jwk, reterr);
	return jose_jwk_p256(key, true, ret_jwk, reterr);
}

int jose_member_string(json_object *o, const char *name, const char *what, const char **ret,
		       size_t *ret_len, cvm_err *reterr)
{
	json_object *v;

	if (!json_object_object_get_ex(o, name, &v))
		return -ENOENT;
	if (!json_object_is_type(v, json_type_string))
		return cvm_err_set(reterr, -EBADMSG, "%s \"%s\" is not a string", what, name);
	*ret = json_object_get_string(v);
	*ret_len = (size_t)json_object_get_string_len(v);
	return 0;
}

/* A required string member equal to @want. */
static int member_equals(json_object *jwk, const char *name, const char *want, bool required,
			 cvm_err *reterr)
{
	const char *s;
	size_t len;
	int r = jose_member_string(jwk, name, "JWK", &s, &len, reterr);

	if (r == -ENOENT && !required)
		return 0;
	if (r == -ENOENT)
		return cvm_err_set(reterr, -EBADMSG, "JWK has no \"%s\"", name);
	if (r < 0)
		return r;
	if (len != strlen(want) || memcmp(s, want, len))
		return cvm_err_set(reterr, -EBADMSG, "JWK \"%s\" is not \"%s\"", name, want);
	return 0;
}

static int member_coordinate(json_object *jwk, const char *name, uint8_t out[JOSE_P256_COORD],
			     cvm_err *reterr)
{
	CVM_CLEANUP_FREE uint8_t *buf = NULL;
	const char *s;
	size_t len, n = 0;
	int r = jose_member_string(jwk, name, "JWK", &s, &len, reterr);

	if (r == -ENOENT)
		return cvm_err_set(reterr, -EBADMSG, "JWK has no \"%s\"", name);
	if (r < 0)
		return r;
	r = cvm_base64_decode(s, len, CVM_BASE64_URL, JOSE_P256_COORD, &buf, &n, NULL);
	if (r < 0 || n != JOSE_P256_COORD)
		return cvm_err_set(reterr, -EBADMSG, "JWK \"%s\" is not 32 bytes of base64url",
				   name);
	memcpy(out, buf, n);
	return 0;
}

CVM_PUBLIC int cvm_jwk_to_pkey(json_object *jwk, EVP_PKEY **ret_key, cvm_err *reterr)
{
	uint8_t xy[2 * JOSE_P256_COORD];
	int r;

	CVM_CHECK_ARG(jwk && ret_key, reterr);
	if (!json_object_is_type(jwk, json_type_object))
		return cvm_err_set(reterr, -EBADMSG, "JWK is not a JSON object");
	if ((r = member_equals(jwk, "kty", "EC", true, reterr)) < 0 ||
	    (r = member_equals(jwk, "crv", "P-256", true, reterr)) < 0 ||
	    (r = member_equals(jwk, "alg", CVM_JWE_ALG, false, reterr)) < 0 ||
	    (r = member_coordinate(jwk, "x", xy, reterr)) < 0 ||
	    (r = member_coordinate(jwk, "y", xy + JOSE_P256_COORD, reterr)) < 0)
		return r;
	if (cvm_ec_p256_key(xy, ret_key) < 0)
		return cvm_err_set(reterr, -EBADMSG, "JWK point is not on the P-256 curve");
	return 0;
}
