/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * JWE with "alg":"ECDH-ES+A256KW" and "enc":"A256GCM" (RFC 7516, RFC 7518
 * sections 4.6 and 5.3), as Trustee's KBS sends resources. The steps, in
 * both directions:
 *   Z   = ECDH(private key, the other side's P-256 public key)      32 bytes
 *   KEK = SHA-256(00000001 || Z || len || "ECDH-ES+A256KW" || 00000000 ||
 *                 00000000 || 00000100)        Concat KDF, one round
 *   encrypted_key = AES-256 key wrap (RFC 3394) of the random CEK under KEK
 *   ciphertext, tag = AES-256-GCM(CEK, 12-byte IV, AAD = the protected
 *                     header's base64url text exactly as sent)
 * Z, KEK, CEK and the plaintext live in cvm_secret_alloc() memory. Once the
 * structure is valid, every failure of the unwrap or the tag gives the same
 * -EKEYREJECTED and message, so the answer says nothing about which failed.
 */
#include <ctype.h>
#include <errno.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/rand.h>

#include <cvmimg/jose.h>
#include <cvmimg/json.h>
#include <cvmimg/util.h>

#include "jose/jose.h"
#include "util/hash.h"
#include "util/macro.h"

#define KEY_LEN 32      /* Z, KEK and CEK */
#define WRAPPED_LEN 40  /* the CEK after AES key wrap */
#define IV_LEN 12
#define TAG_LEN 16
#define KDF_INPUT_LEN (4 + KEY_LEN + 4 + (sizeof(CVM_JWE_ALG) - 1) + 4 + 4 + 4)

static const char cannot_decrypt[] = "cannot decrypt the JWE";

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Z = ECDH(@priv, @peer) into secret memory. */
static int ecdh(EVP_PKEY *priv, EVP_PKEY *peer, uint8_t **ret_z)
{
	CVM_CLEANUP(jose_pkey_ctx_freep) EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(priv, NULL);
	CVM_CLEANUP(cvm_secret_freep) uint8_t *z = cvm_secret_alloc(KEY_LEN);
	size_t len = KEY_LEN;

	if (!ctx || !z || EVP_PKEY_derive_init(ctx) != 1 ||
	    EVP_PKEY_derive_set_peer(ctx, peer) != 1 || EVP_PKEY_derive(ctx, z, &len) != 1 ||
	    len != KEY_LEN) {
		ERR_clear_error();
		return -EKEYREJECTED;
	}
	*ret_z = CVM_TAKE_PTR(z);
	return 0;
}

/* KEK from Z: Concat KDF (NIST SP 800-56A) with SHA-256, as RFC 7518 section 4.6.2. */
static int concat_kdf(const uint8_t *z, uint8_t **ret_kek)
{
	CVM_CLEANUP(cvm_secret_freep) uint8_t *in = cvm_secret_alloc(KDF_INPUT_LEN);
	CVM_CLEANUP(cvm_secret_freep) uint8_t *kek = cvm_secret_alloc(KEY_LEN);
	const size_t alg_len = sizeof(CVM_JWE_ALG) - 1;
	uint8_t *p = in;

	if (!in || !kek)
		return -ENOMEM;
	put_be32(p, 1); /* round counter */
	memcpy(p + 4, z, KEY_LEN);
	p += 4 + KEY_LEN;
	put_be32(p, (uint32_t)alg_len); /* AlgorithmID */
	memcpy(p + 4, CVM_JWE_ALG, alg_len);
	p += 4 + alg_len;
	put_be32(p, 0);              /* PartyUInfo: empty */
	put_be32(p + 4, 0);          /* PartyVInfo: empty */
	put_be32(p + 8, KEY_LEN * 8); /* SuppPubInfo: keydatalen in bits */
	if (cvm_sha256(in, KDF_INPUT_LEN, kek) < 0)
		return -ENOMEM;
	*ret_kek = CVM_TAKE_PTR(kek);
	return 0;
}

/* AES-256 key wrap (@enc) or unwrap of @in (@in_len bytes) into @out under @kek. */
static int key_wrap(bool enc, const uint8_t *kek, const uint8_t *in, size_t in_len, uint8_t *out,
		    size_t out_len)
{
	CVM_CLEANUP(jose_cipher_ctx_freep) EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int n = 0, fin = 0;

	if (!ctx)
		return -ENOMEM;
	EVP_CIPHER_CTX_set_flags(ctx, EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
	if (EVP_CipherInit_ex(ctx, EVP_aes_256_wrap(), NULL, kek, NULL, enc) != 1 ||
	    EVP_CipherUpdate(ctx, out, &n, in, (int)in_len) != 1 ||
	    EVP_CipherFinal_ex(ctx, out + n, &fin) != 1 || (size_t)(n + fin) != out_len) {
		ERR_clear_error();
		return -EKEYREJECTED;
	}
	return 0;
}

/*
 * AES-256-GCM of @len bytes from @in to @out (the same length) with @aad;
 * encrypting writes @tag, decrypting checks it.
 */
static int gcm(bool enc, const uint8_t *cek, const uint8_t iv[IV_LEN], const char *aad,
	       size_t aad_len, const uint8_t *in, size_t len, uint8_t *out, uint8_t tag[TAG_LEN])
{
	CVM_CLEANUP(jose_cipher_ctx_freep) EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int n = 0, fin = 0;

	if (!ctx)
		return -ENOMEM;
	if (EVP_CipherInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL, enc) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, IV_LEN, NULL) != 1 ||
	    EVP_CipherInit_ex(ctx, NULL, NULL, cek, iv, enc) != 1 ||
	    EVP_CipherUpdate(ctx, NULL, &n, (const uint8_t *)aad, (int)aad_len) != 1 ||
	    (len && EVP_CipherUpdate(ctx, out, &n, in, (int)len) != 1) ||
	    (!enc && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, TAG_LEN, tag) != 1) ||
	    EVP_CipherFinal_ex(ctx, out + (len ? n : 0), &fin) != 1 ||
	    (enc && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, TAG_LEN, tag) != 1)) {
		ERR_clear_error();
		return -EKEYREJECTED;
	}
	return 0;
}

/* ---- encryption ---- */

/* The protected header's base64url text for the ephemeral key @epk. */
static int protected_header(EVP_PKEY *epk, char **ret, cvm_err *reterr)
{
	CVM_CLEANUP(cvm_jsonp) json_object *hdr = json_object_new_object();
	CVM_CLEANUP(cvm_jsonp) json_object *jwk = NULL;
	CVM_CLEANUP_FREE char *text = NULL;
	size_t len = 0;
	int r;

	r = jose_jwk_p256(epk, false, &jwk, reterr);
	if (r < 0)
		return r;
	if (!hdr || cvm_json_add(hdr, "alg", json_object_new_string(CVM_JWE_ALG)) < 0 ||
	    cvm_json_add(hdr, "enc", json_object_new_string(CVM_JWE_ENC)) < 0 ||
	    cvm_json_add(hdr, "epk", CVM_TAKE_PTR(jwk)) < 0)
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	r = cvm_jcs_serialize(hdr, &text, &len, reterr);
	if (r < 0)
		return r;
	*ret = cvm_base64url_encode((const uint8_t *)text, len);
	return *ret ? 0 : cvm_err_set(reterr, -ENOMEM, "out of memory");
}

/* The five members, base64url, in the order of the compact serialization. */
enum { PART_PROTECTED, PART_KEY, PART_IV, PART_CIPHERTEXT, PART_TAG, PART__COUNT };

static const char *const part_names[PART__COUNT] = {
	"protected", "encrypted_key", "iv", "ciphertext", "tag",
};

static void free_parts(char *(*parts)[PART__COUNT])
{
	for (size_t i = 0; i < PART__COUNT; i++)
		free((*parts)[i]);
}

static int serialize(char *const parts[PART__COUNT], char **ret_compact, json_object **ret_flat)
{
	CVM_CLEANUP(cvm_jsonp) json_object *flat = NULL;
	CVM_CLEANUP_FREE char *compact = NULL;
	size_t len = 0, at = 0;

	for (size_t i = 0; i < PART__COUNT; i++)
		len += strlen(parts[i]) + 1;
	if (ret_compact) {
		compact = malloc(len);
		if (!compact)
			return -ENOMEM;
		for (size_t i = 0; i < PART__COUNT; i++)
			at += (size_t)sprintf(compact + at, "%s%s", i ? "." : "", parts[i]);
	}
	if (ret_flat) {
		flat = json_object_new_object();
		if (!flat)
			return -ENOMEM;
		for (size_t i = 0; i < PART__COUNT; i++)
			if (cvm_json_add(flat, part_names[i], json_object_new_string(parts[i])) < 0)
				return -ENOMEM;
	}
	if (ret_compact)
		*ret_compact = CVM_TAKE_PTR(compact);
	if (ret_flat)
		*ret_flat = CVM_TAKE_PTR(flat);
	return 0;
}

/* Wrap a new CEK for @recipient: the ephemeral key, the CEK (secret) and its wrapped form. */
static int new_content_key(EVP_PKEY *recipient, EVP_PKEY **ret_epk, uint8_t **ret_cek,
			   uint8_t wrapped[WRAPPED_LEN], cvm_err *reterr)
{
	CVM_CLEANUP(jose_pkey_freep) EVP_PKEY *epk = NULL;
	CVM_CLEANUP(cvm_secret_freep) uint8_t *z = NULL;
	CVM_CLEANUP(cvm_secret_freep) uint8_t *kek = NULL;
	CVM_CLEANUP(cvm_secret_freep) uint8_t *cek = cvm_secret_alloc(KEY_LEN);
	int r;

	if (!cek)
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	r = cvm_key_generate(CVM_KEY_P256, &epk, reterr);
	if (r < 0)
		return r;
	if (ecdh(epk, recipient, &z) < 0 || concat_kdf(z, &kek) < 0 ||
	    RAND_priv_bytes(cek, KEY_LEN) != 1 ||
	    key_wrap(true, kek, cek, KEY_LEN, wrapped, WRAPPED_LEN) < 0)
		return cvm_err_openssl(reterr, -ENOMEM, "cannot wrap the JWE content key");
	*ret_epk = CVM_TAKE_PTR(epk);
	*ret_cek = CVM_TAKE_PTR(cek);
	return 0;
}

CVM_PUBLIC int cvm_jwe_encrypt(EVP_PKEY *recipient, const uint8_t *payload, size_t len,
			       char **ret_compact, json_object **ret_flat, cvm_err *reterr)
{
	CVM_CLEANUP(jose_pkey_freep) EVP_PKEY *epk = NULL;
	CVM_CLEANUP(cvm_secret_freep) uint8_t *cek = NULL;
	CVM_CLEANUP_FREE uint8_t *ct = NULL;
	CVM_CLEANUP(free_parts) char *parts[PART__COUNT] = { NULL };
	uint8_t wrapped[WRAPPED_LEN], iv[IV_LEN], tag[TAG_LEN];
	int r;

	CVM_CHECK_ARG(recipient && (payload || !len) && (ret_compact || ret_flat), reterr);
	if (!jose_is_p256(recipient))
		return cvm_err_set(reterr, -EBADMSG, "the JWE recipient key is not an EC P-256 key");
	if (len > CVM_JWE_PAYLOAD_MAX)
		return cvm_err_set(reterr, -EFBIG, "JWE payload longer than %u bytes",
				   CVM_JWE_PAYLOAD_MAX);
	r = new_content_key(recipient, &epk, &cek, wrapped, reterr);
	if (r < 0)
		return r;
	r = protected_header(epk, &parts[PART_PROTECTED], reterr);
	if (r < 0)
		return r;
	ct = malloc(len + 1);
	if (!ct || RAND_bytes(iv, IV_LEN) != 1)
		return cvm_err_openssl(reterr, -ENOMEM, "out of memory");
	if (gcm(true, cek, iv, parts[PART_PROTECTED], strlen(parts[PART_PROTECTED]), payload, len,
		ct, tag) < 0)
		return cvm_err_openssl(reterr, -ENOMEM, "cannot encrypt the JWE payload");
	parts[PART_KEY] = cvm_base64url_encode(wrapped, WRAPPED_LEN);
	parts[PART_IV] = cvm_base64url_encode(iv, IV_LEN);
	parts[PART_CIPHERTEXT] = cvm_base64url_encode(ct, len);
	parts[PART_TAG] = cvm_base64url_encode(tag, TAG_LEN);
	for (size_t i = 0; i < PART__COUNT; i++)
		if (!parts[i])
			return cvm_err_set(reterr, -ENOMEM, "out of memory");
	if (serialize(parts, ret_compact, ret_flat) < 0)
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	return 0;
}

/* ---- decryption ---- */

enum { UNPROT_SHARED, UNPROT_RECIPIENT, UNPROT__COUNT };

struct jwe_in {
	const char *part[PART__COUNT];
	size_t len[PART__COUNT];
	json_object *doc;                    /* the JSON form: owns the strings above */
	json_object *header;                 /* the decoded protected header */
	json_object *unprot[UNPROT__COUNT]; /* "unprotected", "header" (borrowed from doc) */
};

static void jwe_in_done(struct jwe_in *in)
{
	json_object_put(in->doc);
	json_object_put(in->header);
}

static int parse_compact(const char *s, size_t len, struct jwe_in *in, cvm_err *reterr)
{
	size_t i = 0, start = 0;

	for (size_t at = 0; at <= len; at++) {
		if (at < len && s[at] != '.')
			continue;
		if (i == PART__COUNT)
			return cvm_err_set(reterr, -EBADMSG, "JWE compact form has more than 5 parts");
		in->part[i] = s + start;
		in->len[i++] = at - start;
		start = at + 1;
	}
	if (i != PART__COUNT)
		return cvm_err_set(reterr, -EBADMSG, "JWE compact form has %zu parts, not 5", i);
	return 0;
}

static int parse_flat(const char *s, size_t len, struct jwe_in *in, cvm_err *reterr)
{
	static const char *const unprot_names[UNPROT__COUNT] = { "unprotected", "header" };
	int r = cvm_json_parse(s, len, CVM_JOSE_INPUT_MAX, "JWE", &in->doc, reterr);

	if (r < 0)
		return r;
	if (!json_object_is_type(in->doc, json_type_object))
		return cvm_err_set(reterr, -EBADMSG, "JWE is not a JSON object");
	if (json_object_object_get_ex(in->doc, "recipients", NULL))
		return cvm_err_set(reterr, -EBADMSG,
				   "JWE general serialization (\"recipients\") is not supported");
	if (json_object_object_get_ex(in->doc, "aad", NULL))
		return cvm_err_set(reterr, -EBADMSG, "JWE \"aad\" is not supported");
	for (size_t i = 0; i < PART__COUNT; i++) {
		r = jose_member_string(in->doc, part_names[i], "JWE", &in->part[i], &in->len[i],
				       reterr);
		if (r == -ENOENT)
			return cvm_err_set(reterr, -EBADMSG, "JWE has no \"%s\"", part_names[i]);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < UNPROT__COUNT; i++) {
		if (!json_object_object_get_ex(in->doc, unprot_names[i], &in->unprot[i]))
			continue;
		if (!json_object_is_type(in->unprot[i], json_type_object))
			return cvm_err_set(reterr, -EBADMSG, "JWE \"%s\" is not an object",
					   unprot_names[i]);
	}
	return 0;
}

/* Decode member @i, of exactly @want bytes unless @want is 0 (then at most @max). */
static int decode_part(const struct jwe_in *in, int i, size_t want, size_t max, uint8_t **ret,
		       size_t *ret_len, cvm_err *reterr)
{
	cvm_err e = { 0 };
	int r = cvm_base64_decode(in->part[i], in->len[i], CVM_BASE64_URL, want ? want : max, ret,
				  ret_len, &e);

	if (r < 0 && !(want && r == -EFBIG))
		return cvm_err_set(reterr, r, "JWE \"%s\": %s", part_names[i], e.msg);
	if (want && (r < 0 || *ret_len != want)) {
		free(*ret);
		*ret = NULL;
		return cvm_err_set(reterr, -EBADMSG, "JWE \"%s\" is not %zu bytes", part_names[i],
				   want);
	}
	return 0;
}

/* The protected header, and no parameter given twice (RFC 7516 section 7.2.1). */
static int parse_header(struct jwe_in *in, cvm_err *reterr)
{
	CVM_CLEANUP_FREE uint8_t *text = NULL;
	size_t len = 0;
	int r;

	r = decode_part(in, PART_PROTECTED, 0, CVM_JWE_HEADER_MAX, &text, &len, reterr);
	if (r < 0)
		return r;
	r = cvm_json_parse((const char *)text, len, CVM_JWE_HEADER_MAX, "JWE protected header",
			   &in->header, reterr);
	if (r < 0)
		return r;
	if (!json_object_is_type(in->header, json_type_object))
		return cvm_err_set(reterr, -EBADMSG, "JWE protected header is not a JSON object");
	for (size_t i = 0; i < UNPROT__COUNT; i++) {
		if (!in->unprot[i])
			continue;
		json_object_object_foreach(in->unprot[i], key, val) {
			(void)val;
			if (json_object_object_get_ex(in->header, key, NULL) ||
			    (i && in->unprot[0] && json_object_object_get_ex(in->unprot[0], key, NULL)))
				return cvm_err_set(reterr, -EBADMSG,
						   "JWE header parameter \"%.40s\" is given twice", key);
		}
	}
	return 0;
}

/* The header parameter @name from wherever it is given; NULL if absent. */
static json_object *param(const struct jwe_in *in, const char *name)
{
	json_object *v = NULL;

	if (json_object_object_get_ex(in->header, name, &v))
		return v;
	for (size_t i = 0; i < UNPROT__COUNT; i++)
		if (in->unprot[i] && json_object_object_get_ex(in->unprot[i], name, &v))
			return v;
	return NULL;
}

static int check_param(const struct jwe_in *in, const char *name, const char *want,
		       cvm_err *reterr)
{
	json_object *v = param(in, name);

	if (!v)
		return cvm_err_set(reterr, -EBADMSG, "JWE header has no \"%s\"", name);
	if (!json_object_is_type(v, json_type_string))
		return cvm_err_set(reterr, -EBADMSG, "JWE \"%s\" is not a string", name);
	if (strcmp(json_object_get_string(v), want))
		return cvm_err_set(reterr, -EBADMSG, "JWE \"%s\" \"%.40s\" is not supported, only %s",
				   name, json_object_get_string(v), want);
	return 0;
}

/* What the header must say: our alg and enc, no zip or crit; the epk as a key. */
static int header_params(const struct jwe_in *in, EVP_PKEY **ret_epk, cvm_err *reterr)
{
	json_object *epk;
	cvm_err e = { 0 };
	int r;

	if ((r = check_param(in, "alg", CVM_JWE_ALG, reterr)) < 0 ||
	    (r = check_param(in, "enc", CVM_JWE_ENC, reterr)) < 0)
		return r;
	if (param(in, "zip"))
		return cvm_err_set(reterr, -EBADMSG, "JWE \"zip\" is not supported");
	if (param(in, "crit"))
		return cvm_err_set(reterr, -EBADMSG, "JWE \"crit\" is not supported");
	epk = param(in, "epk");
	if (!epk)
		return cvm_err_set(reterr, -EBADMSG, "JWE header has no \"epk\"");
	r = cvm_jwk_to_pkey(epk, ret_epk, &e);
	if (r < 0)
		return cvm_err_set(reterr, r, "JWE \"epk\": %s", e.msg);
	return 0;
}


/* Z, KEK, CEK, then the plaintext into secret memory; one error for any failure. */
static int decrypt_parts(EVP_PKEY *key, EVP_PKEY *epk, const struct jwe_in *in,
			 const uint8_t *wrapped, const uint8_t *iv, const uint8_t *ct, size_t ct_len,
			 uint8_t *tag, uint8_t **ret, cvm_err *reterr)
{
	CVM_CLEANUP(cvm_secret_freep) uint8_t *z = NULL;
	CVM_CLEANUP(cvm_secret_freep) uint8_t *kek = NULL;
	CVM_CLEANUP(cvm_secret_freep) uint8_t *cek = cvm_secret_alloc(KEY_LEN);
	CVM_CLEANUP(cvm_secret_freep) uint8_t *pt = cvm_secret_alloc(ct_len + 1);
	int r;

	if (!cek || !pt)
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	r = ecdh(key, epk, &z);
	if (r == 0)
		r = concat_kdf(z, &kek);
	if (r == 0)
		r = key_wrap(false, kek, wrapped, WRAPPED_LEN, cek, KEY_LEN);
	if (r == 0)
		r = gcm(false, cek, iv, in->part[PART_PROTECTED], in->len[PART_PROTECTED], ct,
			ct_len, pt, tag);
	if (r == -ENOMEM)
		return cvm_err_set(reterr, r, "out of memory");
	if (r < 0)
		return cvm_err_set(reterr, -EKEYREJECTED, cannot_decrypt);
	*ret = CVM_TAKE_PTR(pt);
	return 0;
}

static bool has_private_part(EVP_PKEY *key)
{
	CVM_CLEANUP(jose_bn_clear_freep) BIGNUM *d = NULL;
	bool ok = EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_PRIV_KEY, &d) == 1;

	ERR_clear_error();
	return ok;
}

static int parse_jwe(const char *jwe, size_t len, struct jwe_in *in, cvm_err *reterr)
{
	while (len && isspace((unsigned char)*jwe)) {
		jwe++;
		len--;
	}
	while (len && isspace((unsigned char)jwe[len - 1]))
		len--;
	if (len && *jwe == '{')
		return parse_flat(jwe, len, in, reterr);
	return parse_compact(jwe, len, in, reterr);
}

CVM_PUBLIC int cvm_jwe_decrypt(EVP_PKEY *key, const char *jwe, size_t len, uint8_t **ret_payload,
			       size_t *ret_len, cvm_err *reterr)
{
	CVM_CLEANUP(jwe_in_done) struct jwe_in in = { 0 };
	CVM_CLEANUP(jose_pkey_freep) EVP_PKEY *epk = NULL;
	CVM_CLEANUP_FREE uint8_t *wrapped = NULL;
	CVM_CLEANUP_FREE uint8_t *iv = NULL;
	CVM_CLEANUP_FREE uint8_t *ct = NULL;
	CVM_CLEANUP_FREE uint8_t *tag = NULL;
	size_t n = 0, ct_len = 0;
	int r;

	CVM_CHECK_ARG(key && jwe && ret_payload && ret_len, reterr);
	if (!jose_is_p256(key) || !has_private_part(key))
		return cvm_err_set(reterr, -EINVAL, "the JWE key is not an EC P-256 private key");
	if (len > CVM_JOSE_INPUT_MAX)
		return cvm_err_set(reterr, -EFBIG, "JWE longer than %u bytes", CVM_JOSE_INPUT_MAX);
	if ((r = parse_jwe(jwe, len, &in, reterr)) < 0 || (r = parse_header(&in, reterr)) < 0 ||
	    (r = header_params(&in, &epk, reterr)) < 0 ||
	    (r = decode_part(&in, PART_KEY, WRAPPED_LEN, 0, &wrapped, &n, reterr)) < 0 ||
	    (r = decode_part(&in, PART_IV, IV_LEN, 0, &iv, &n, reterr)) < 0 ||
	    (r = decode_part(&in, PART_TAG, TAG_LEN, 0, &tag, &n, reterr)) < 0 ||
	    (r = decode_part(&in, PART_CIPHERTEXT, 0, CVM_JOSE_INPUT_MAX, &ct, &ct_len, reterr)) < 0)
		return r;
	r = decrypt_parts(key, epk, &in, wrapped, iv, ct, ct_len, tag, ret_payload, reterr);
	if (r < 0)
		return r;
	(*ret_payload)[ct_len] = '\0';
	*ret_len = ct_len;
	return 0;
}
