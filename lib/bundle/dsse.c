/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * DSSE v1 (secure-systems-lab/dsse, protocol.md and envelope.md):
 *
 *   PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body
 *   envelope = {"payload": b64(body), "payloadType": type,
 *               "signatures": [{"keyid": hex, "sig": b64(sig)}]}
 *
 * Signatures are made over the PAE of the payload bytes and checked against
 * the bytes the envelope carries, never against a re-serialised payload.
 * ECDSA P-256 signatures are DER (as cosign and OpenSSL make them); a raw
 * r || s of 64 bytes (the DSSE test vectors' form) is accepted when checking.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/ecdsa.h>
#include <openssl/err.h>

#include <cvmimg/bundle.h>
#include <cvmimg/jose.h>
#include <cvmimg/json.h>
#include <cvmimg/util.h>

#include "bundle/dsse.h"
#include "bundle/keys.h"
#include "util/hash.h"
#include "util/log-internal.h"
#include "util/macro.h"
#include "util/ossl.h"


/* " <decimal> " and snprintf's NUL: 1 + 20 + 1 + 1 */
#define LEN_FIELD_MAX 23

CVM_PUBLIC int cvm_dsse_pae(const char *type, const uint8_t *body, size_t len, uint8_t **ret,
			    size_t *ret_len, cvm_err *reterr)
{
	char head[64];
	size_t tlen, hlen, total;
	uint8_t *out;
	int n;

	CVM_CHECK_ARG(type && (body || !len) && ret && ret_len, reterr);
	tlen = strlen(type);
	n = snprintf(head, sizeof(head), "DSSEv1 %zu ", tlen);
	hlen = (size_t)n;
	total = hlen + tlen + LEN_FIELD_MAX + len;
	if (!(out = malloc(total)))
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	memcpy(out, head, hlen);
	memcpy(out + hlen, type, tlen);
	n = snprintf((char *)out + hlen + tlen, LEN_FIELD_MAX, " %zu ", len);
	total = hlen + tlen + (size_t)n;
	if (len)
		memcpy(out + total, body, len);
	*ret_len = total + len;
	*ret = out;
	return 0;
}

int dsse_sign_one(EVP_PKEY *k, const uint8_t *msg, size_t len, uint8_t **ret_sig,
		  size_t *ret_len, cvm_err *reterr)
{
	CVM_CLEANUP(cvm_evp_md_ctxp) EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	CVM_CLEANUP_FREE uint8_t *sig = NULL;
	bool ed25519 = EVP_PKEY_is_a(k, "ED25519");
	size_t slen = 0;

	if (!ctx || EVP_DigestSignInit(ctx, NULL, ed25519 ? NULL : EVP_sha256(), NULL, k) != 1 ||
	    EVP_DigestSign(ctx, NULL, &slen, msg, len) != 1 || !(sig = malloc(slen)) ||
	    EVP_DigestSign(ctx, sig, &slen, msg, len) != 1)
		return cvm_err_openssl(reterr, -ENOMEM, "cannot sign");
	*ret_sig = CVM_TAKE_PTR(sig);
	*ret_len = slen;
	return 0;
}

/* {"keyid": ..., "sig": ...} for one key. */
static int signature_object(EVP_PKEY *k, const uint8_t *pae, size_t pae_len, json_object **ret,
			    cvm_err *reterr)
{
	CVM_CLEANUP(cvm_jsonp) json_object *o = json_object_new_object();
	CVM_CLEANUP_FREE uint8_t *sig = NULL;
	CVM_CLEANUP_FREE char *b64 = NULL;
	char keyid[CVM_KEYID_LEN + 1];
	size_t slen = 0;
	int r;

	if ((r = dsse_sign_one(k, pae, pae_len, &sig, &slen, reterr)) < 0)
		return r;
	if (!o || bundle_keyid(k, keyid) < 0 || !(b64 = cvm_base64_encode(sig, slen)) ||
	    cvm_json_add(o, "keyid", json_object_new_string(keyid)) < 0 ||
	    cvm_json_add(o, "sig", json_object_new_string(b64)) < 0)
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	*ret = CVM_TAKE_PTR(o);
	return 0;
}

CVM_PUBLIC int cvm_dsse_sign(const char *payload_type, const uint8_t *payload, size_t len,
			     const char *const *key_paths, size_t n_keys, char **ret_envelope,
			     cvm_err *reterr)
{
	CVM_CLEANUP(cvm_jsonp) json_object *env = NULL;
	CVM_CLEANUP_FREE uint8_t *pae = NULL;
	CVM_CLEANUP_FREE char *b64 = NULL;
	json_object *sigs;
	size_t pae_len = 0;
	int r;

	CVM_CHECK_ARG(payload_type && payload && key_paths && n_keys && ret_envelope, reterr);
	if (n_keys > CVM_DSSE_MAX_SIGNATURES)
		return cvm_err_set(reterr, -EINVAL, "at most %d signing keys",
				   CVM_DSSE_MAX_SIGNATURES);
	if (!(env = json_object_new_object()) || !(b64 = cvm_base64_encode(payload, len)) ||
	    cvm_json_add(env, "payload", json_object_new_string(b64)) < 0 ||
	    cvm_json_add(env, "payloadType", json_object_new_string(payload_type)) < 0 ||
	    cvm_json_add(env, "signatures", (sigs = json_object_new_array())) < 0)
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	if ((r = cvm_dsse_pae(payload_type, payload, len, &pae, &pae_len, reterr)) < 0)
		return r;
	for (size_t i = 0; i < n_keys; i++) {
		CVM_CLEANUP(cvm_evp_pkeyp) EVP_PKEY *k = NULL;
		json_object *s = NULL;

		if ((r = cvm_key_load_pem(key_paths[i], true, &k, NULL, reterr)) < 0 ||
		    (r = signature_object(k, pae, pae_len, &s, reterr)) < 0)
			return r;
		if (json_object_array_add(sigs, s) < 0) {
			json_object_put(s);
			return cvm_err_set(reterr, -ENOMEM, "out of memory");
		}
	}
	*ret_envelope = strdup(json_object_to_json_string_ext(
		env, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE));
	if (!*ret_envelope)
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	return 0;
}

void dsse_env_done(struct dsse_env *e)
{
	free(e->payload);
	json_object_put(e->doc);
	memset(e, 0, sizeof(*e));
}

static int env_string(json_object *o, const char *key, const char *name, bool required,
		      const char **ret, cvm_err *reterr)
{
	json_object *v = NULL;

	*ret = NULL;
	if (!json_object_object_get_ex(o, key, &v) || !v) {
		if (!required)
			return 0;
		return cvm_err_set(reterr, -EBADMSG, "%s is not a DSSE envelope: no \"%s\"", name,
				   key);
	}
	if (!json_object_is_type(v, json_type_string))
		return cvm_err_set(reterr, -EBADMSG, "%s: DSSE \"%s\" is not a string", name, key);
	*ret = json_object_get_string(v);
	return 0;
}

int dsse_env_parse(const char *text, size_t len, const char *name, struct dsse_env *ret,
		   cvm_err *reterr)
{
	struct dsse_env e = { 0 };
	const char *b64 = NULL;
	int r;

	r = cvm_json_parse(text, len, CVM_BUNDLE_MAX_SIZE, name, &e.doc, reterr);
	if (r < 0)
		return r;
	if (!json_object_is_type(e.doc, json_type_object)) {
		dsse_env_done(&e);
		return cvm_err_set(reterr, -EBADMSG, "%s is not a DSSE envelope (a JSON object)",
				   name);
	}
	if ((r = env_string(e.doc, "payloadType", name, true, &e.payload_type, reterr)) < 0 ||
	    (r = env_string(e.doc, "payload", name, true, &b64, reterr)) < 0 ||
	    (r = cvm_base64_decode(b64, strlen(b64), CVM_BASE64_EITHER, CVM_BUNDLE_MAX_SIZE,
				   &e.payload, &e.payload_len, reterr)) < 0) {
		dsse_env_done(&e);
		return r == -EBADMSG && b64 ? cvm_err_set(reterr, r, "%s: DSSE payload is not "
								     "base64", name)
					    : r;
	}
	if (!json_object_object_get_ex(e.doc, "signatures", &e.sigs) ||
	    !json_object_is_type(e.sigs, json_type_array) ||
	    json_object_array_length(e.sigs) == 0 ||
	    json_object_array_length(e.sigs) > CVM_DSSE_MAX_SIGNATURES) {
		dsse_env_done(&e);
		return cvm_err_set(reterr, -EBADMSG, "%s: DSSE \"signatures\" must hold 1 to %d "
						     "signatures",
				   name, CVM_DSSE_MAX_SIGNATURES);
	}
	*ret = e;
	return 0;
}

int dsse_sig_at(const struct dsse_env *e, size_t i, const char *name, const char **ret_keyid,
		uint8_t **ret_sig, size_t *ret_len, cvm_err *reterr)
{
	json_object *s = json_object_array_get_idx(e->sigs, i);
	const char *b64 = NULL;
	int r;

	if (!json_object_is_type(s, json_type_object))
		return cvm_err_set(reterr, -EBADMSG, "%s: DSSE signature %zu is not an object", name,
				   i);
	if ((r = env_string(s, "keyid", name, false, ret_keyid, reterr)) < 0 ||
	    (r = env_string(s, "sig", name, true, &b64, reterr)) < 0)
		return r;
	r = cvm_base64_decode(b64, strlen(b64), CVM_BASE64_EITHER, DSSE_SIG_MAX, ret_sig, ret_len,
			      reterr);
	if (r < 0)
		return cvm_err_set(reterr, r == -EFBIG ? -EBADMSG : r,
				   "%s: DSSE signature %zu is not base64 of a signature", name, i);
	return 0;
}

/* A raw r || s ECDSA P-256 signature (64 bytes) as DER. */
static int raw_to_der(const uint8_t *raw, uint8_t **ret, size_t *ret_len)
{
	ECDSA_SIG *sig = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(raw, 32, NULL), *s = BN_bin2bn(raw + 32, 32, NULL);
	unsigned char *der = NULL;
	int len;

	if (!sig || !r || !s || ECDSA_SIG_set0(sig, r, s) != 1) {
		ECDSA_SIG_free(sig);
		BN_free(r);
		BN_free(s);
		return -ENOMEM;
	}
	len = i2d_ECDSA_SIG(sig, &der);
	ECDSA_SIG_free(sig);
	if (len <= 0)
		return -ENOMEM;
	*ret = der;
	*ret_len = (size_t)len;
	return 0;
}

bool dsse_check_one(EVP_PKEY *k, const uint8_t *msg, size_t len, const uint8_t *sig,
		    size_t slen)
{
	CVM_CLEANUP(cvm_evp_md_ctxp) EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	bool p256 = !EVP_PKEY_is_a(k, "ED25519");
	uint8_t *der = NULL;
	size_t der_len = 0;
	bool ok;

	if (!ctx || EVP_DigestVerifyInit(ctx, NULL, p256 ? EVP_sha256() : NULL, NULL, k) != 1) {
		ERR_clear_error();
		return false;
	}
	ok = EVP_DigestVerify(ctx, sig, slen, msg, len) == 1;
	ERR_clear_error();
	if (ok || !p256 || slen != 64 || raw_to_der(sig, &der, &der_len) < 0)
		return ok;
	EVP_MD_CTX_reset(ctx);
	ok = EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, k) == 1 &&
	     EVP_DigestVerify(ctx, der, der_len, msg, len) == 1;
	ERR_clear_error();
	OPENSSL_free(der);
	return ok;
}

int dsse_env_verify(const struct dsse_env *e, EVP_PKEY *k, const char *name,
		    cvm_err *reterr)
{
	CVM_CLEANUP_FREE uint8_t *pae = NULL;
	char keyid[CVM_KEYID_LEN + 1];
	size_t pae_len = 0, n = json_object_array_length(e->sigs);
	bool named = false;
	int r;

	if ((r = cvm_dsse_pae(e->payload_type, e->payload, e->payload_len, &pae, &pae_len,
			      reterr)) < 0)
		return r;
	if (bundle_keyid(k, keyid) < 0)
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		CVM_CLEANUP_FREE uint8_t *sig = NULL;
		const char *id = NULL;
		size_t slen = 0;

		if ((r = dsse_sig_at(e, i, name, &id, &sig, &slen, reterr)) < 0)
			return r;
		named |= id && !strcmp(id, keyid);
		if (dsse_check_one(k, pae, pae_len, sig, slen)) {
			cvm_log_debug(CVM_LOG_BUNDLE, "%s: signature %zu of %zu verifies with key %s",
				      name, i + 1, n, keyid);
			return 0;
		}
		cvm_log_debug(CVM_LOG_BUNDLE, "%s: signature %zu of %zu (keyid %s) is not by key %s",
			      name, i + 1, n, id ? id : "none", keyid);
	}
	return cvm_err_set(reterr, -EKEYREJECTED,
			   named ? "%s: the signature by key %.16s... does not verify"
				 : "%s: no valid signature by key %.16s...",
			   name, keyid);
}

CVM_PUBLIC int cvm_dsse_verify(const char *envelope, size_t len, const char *payload_type,
			       const char *public_key_path, uint8_t **ret_payload,
			       size_t *ret_len, cvm_err *reterr)
{
	CVM_CLEANUP(dsse_env_done) struct dsse_env e = { 0 };
	CVM_CLEANUP(cvm_evp_pkeyp) EVP_PKEY *k = NULL;
	int r;

	CVM_CHECK_ARG(envelope && payload_type && public_key_path && ret_payload && ret_len,
		      reterr);
	if ((r = cvm_key_load_pem(public_key_path, false, &k, NULL, reterr)) < 0 ||
	    (r = dsse_env_parse(envelope, len, "the envelope", &e, reterr)) < 0)
		return r;
	if (strcmp(e.payload_type, payload_type))
		return cvm_err_set(reterr, -EBADMSG, "the envelope's payloadType is '%s', not '%s'",
				   e.payload_type, payload_type);
	if ((r = dsse_env_verify(&e, k, "the envelope", reterr)) < 0)
		return r;
	*ret_payload = CVM_TAKE_PTR(e.payload);
	*ret_len = e.payload_len;
	return 0;
}
