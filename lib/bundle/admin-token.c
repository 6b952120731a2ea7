/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The bearer token of Trustee's admin API (key-broker.md 1.9; trustee
 * kbs/docs/admin.md): a JWT (RFC 7519) signed as a JWS (RFC 7515) with the
 * admin's key, EdDSA for Ed25519 and ES256 (r || s, 64 bytes) for P-256,
 * carrying "iss", "sub", "role", optionally "aud", "iat" and "exp", as the
 * docker-compose setup of Trustee mints it.
 */
#include <errno.h>
#include <string.h>

#include <openssl/ecdsa.h>

#include <cvmimg/bundle.h>
#include <cvmimg/jose.h>
#include <cvmimg/json.h>

#include "bundle/dsse.h"
#include "bundle/keys.h"
#include "util/macro.h"
#include "util/ossl.h"

/* A DER ECDSA signature as the 64 bytes JWS wants. */
static int der_to_raw(const uint8_t *der, size_t len, uint8_t raw[64])
{
	const unsigned char *p = der;
	ECDSA_SIG *sig = d2i_ECDSA_SIG(NULL, &p, (long)len);
	const BIGNUM *r, *s;
	int ok;

	if (!sig)
		return -ENOMEM;
	ECDSA_SIG_get0(sig, &r, &s);
	ok = BN_bn2binpad(r, raw, 32) == 32 && BN_bn2binpad(s, raw + 32, 32) == 32;
	ECDSA_SIG_free(sig);
	return ok ? 0 : -ENOMEM;
}

static char *claims_text(const struct cvm_admin_claims *c, int64_t now)
{
	CVM_CLEANUP(cvm_jsonp) json_object *o = json_object_new_object();
	const char *s;

	if (!o || cvm_json_add(o, "iss", json_object_new_string(c->issuer)) < 0 ||
	    cvm_json_add(o, "sub", json_object_new_string(c->subject)) < 0 ||
	    (c->audience && cvm_json_add(o, "aud", json_object_new_string(c->audience)) < 0) ||
	    cvm_json_add(o, "role", json_object_new_string(c->role)) < 0 ||
	    cvm_json_add(o, "iat", json_object_new_int64(now)) < 0 ||
	    cvm_json_add(o, "exp", json_object_new_int64(now + (int64_t)c->lifetime)) < 0)
		return NULL;
	s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
						      JSON_C_TO_STRING_NOSLASHESCAPE);
	return s ? cvm_base64url_encode((const uint8_t *)s, strlen(s)) : NULL;
}

CVM_PUBLIC int cvm_trustee_admin_token(const char *key_path, const struct cvm_admin_claims *c,
				       int64_t now, char **ret, cvm_err *reterr)
{
	CVM_CLEANUP(cvm_evp_pkeyp) EVP_PKEY *k = NULL;
	CVM_CLEANUP_FREE char *head = NULL, *body = NULL, *input = NULL, *sig64 = NULL;
	CVM_CLEANUP_FREE uint8_t *sig = NULL;
	enum cvm_key_type type;
	const char *header;
	uint8_t raw[64];
	size_t slen = 0;
	int r;

	CVM_CHECK_ARG(key_path && c && c->issuer && c->subject && c->role && c->lifetime && ret,
		      reterr);
	if ((r = cvm_key_load_pem(key_path, true, &k, &type, reterr)) < 0)
		return r;
	header = type == CVM_KEY_ED25519 ? "{\"alg\":\"EdDSA\",\"typ\":\"JWT\"}"
					 : "{\"alg\":\"ES256\",\"typ\":\"JWT\"}";
	head = cvm_base64url_encode((const uint8_t *)header, strlen(header));
	body = claims_text(c, now);
	if (!head || !body || asprintf(&input, "%s.%s", head, body) < 0)
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	if ((r = dsse_sign_one(k, (const uint8_t *)input, strlen(input), &sig, &slen, reterr)) < 0)
		return r;
	if (type == CVM_KEY_P256) {
		if (der_to_raw(sig, slen, raw) < 0)
			return cvm_err_set(reterr, -ENOMEM, "out of memory");
		sig64 = cvm_base64url_encode(raw, sizeof(raw));
	} else {
		sig64 = cvm_base64url_encode(sig, slen);
	}
	if (!sig64 || asprintf(ret, "%s.%s", input, sig64) < 0)
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	return 0;
}
