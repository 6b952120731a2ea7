/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Signed PCR 11 policies, the ".pcrsig" of a UKI, in the format systemd
 * 252's systemd-measure writes and systemd-cryptsetup reads back when a LUKS
 * volume was enrolled with "systemd-cryptenroll --tpm2-public-key".
 */
#include <errno.h>
#include <string.h>

#include <json-c/json.h>
#include <openssl/err.h>
#include <openssl/x509.h>

#include <cvmimg/util.h>
#include <cvmimg/json.h>

#include "util/keys.h"
#include "boot/pcr.h"
#include "boot/pcrsig.h"
#include "util/ossl.h"


/* SHA-256 of the key as i2d_PublicKey() writes it (PKCS#1 RSAPublicKey for RSA). */
static int key_fingerprint(EVP_PKEY *pub, uint8_t out[CVM_SHA256_LEN], cvm_err *reterr)
{
	CVM_CLEANUP_FREE unsigned char *der = NULL;
	int len = i2d_PublicKey(pub, &der);

	if (len <= 0)
		return cvm_err_openssl(reterr, -EBADMSG, "cannot encode the PCR public key");
	return cvm_sha256(der, (size_t)len, out) < 0 ? cvm_err_set(reterr, -ENOMEM, "out of memory")
						       : 0;
}

static int sign_policy(EVP_PKEY *key, const uint8_t pol[CVM_SHA256_LEN], char **ret,
		       cvm_err *reterr)
{
	CVM_CLEANUP(cvm_evp_md_ctxp) EVP_MD_CTX *md = EVP_MD_CTX_new();
	CVM_CLEANUP_FREE uint8_t *sig = NULL;
	size_t len = 0;

	if (!md || EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key) != 1 ||
	    EVP_DigestSign(md, NULL, &len, pol, CVM_SHA256_LEN) != 1 || !(sig = malloc(len)) ||
	    EVP_DigestSign(md, sig, &len, pol, CVM_SHA256_LEN) != 1)
		return cvm_err_openssl(reterr, -ENOMEM, "cannot sign the PCR policy");
	*ret = cvm_base64_encode(sig, len);
	return *ret ? 0 : cvm_err_set(reterr, -ENOMEM, "out of memory");
}

static int add_hex(json_object *o, const char *key, const uint8_t *buf, size_t len)
{
	char hex[2 * CVM_SHA512_LEN + 1];

	cvm_hex_encode(buf, len, hex);
	return json_object_object_add(o, key, json_object_new_string(hex));
}

static int phase_entry(EVP_PKEY *key, const uint8_t pkfp[CVM_SHA256_LEN], const uint8_t *pcr,
		       json_object **ret, cvm_err *reterr)
{
	CVM_CLEANUP(cvm_jsonp) json_object *e = json_object_new_object();
	CVM_CLEANUP_FREE char *sig = NULL;
	json_object *pcrs = json_object_new_array();
	uint8_t pol[CVM_SHA256_LEN];
	int r;

	if (!e || !pcrs || json_object_object_add(e, "pcrs", pcrs) < 0) {
		json_object_put(pcrs);
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	}
	if (tpm2_policy_pcr11(CVM_HASH_SHA256, pcr, pol) < 0 ||
	    json_object_array_add(pcrs, json_object_new_int(UKI_PCR11)) < 0 ||
	    add_hex(e, "pkfp", pkfp, CVM_SHA256_LEN) < 0 || add_hex(e, "pol", pol, sizeof(pol)) < 0)
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	r = sign_policy(key, pol, &sig, reterr);
	if (r < 0)
		return r;
	if (json_object_object_add(e, "sig", json_object_new_string(sig)) < 0)
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	*ret = CVM_TAKE_PTR(e);
	return 0;
}

static int load_pair(const char *priv_path, const char *pub_path, EVP_PKEY **ret_priv,
		     EVP_PKEY **ret_pub, cvm_err *reterr)
{
	CVM_CLEANUP(cvm_evp_pkeyp) EVP_PKEY *priv = NULL;
	CVM_CLEANUP(cvm_evp_pkeyp) EVP_PKEY *pub = NULL;
	int r;

	r = cvm_key_load_private(priv_path, true, &priv, reterr);
	if (r < 0 || (r = cvm_key_load_public(pub_path, &pub, reterr)) < 0 ||
	    (r = cvm_key_pair_check(priv, priv_path, pub, pub_path, reterr)) < 0)
		return r;
	*ret_priv = CVM_TAKE_PTR(priv);
	*ret_pub = CVM_TAKE_PTR(pub);
	return 0;
}

int uki_pcrsig_build(const uint8_t pcr[CVM_UKI_PHASES + 1][CVM_SHA512_LEN], const char *priv_path,
		     const char *pub_path, char **ret_json, size_t *ret_len, cvm_err *reterr)
{
	CVM_CLEANUP(cvm_evp_pkeyp) EVP_PKEY *priv = NULL;
	CVM_CLEANUP(cvm_evp_pkeyp) EVP_PKEY *pub = NULL;
	CVM_CLEANUP(cvm_jsonp) json_object *root = json_object_new_object();
	json_object *bank = json_object_new_array();
	uint8_t pkfp[CVM_SHA256_LEN];
	const char *text;
	int r;

	if (!root || !bank || json_object_object_add(root, "sha256", bank) < 0) {
		json_object_put(bank);
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	}
	r = load_pair(priv_path, pub_path, &priv, &pub, reterr);
	if (r < 0 || (r = key_fingerprint(pub, pkfp, reterr)) < 0)
		return r;
	for (size_t i = 0; i < CVM_UKI_PHASES; i++) {
		json_object *e = NULL;

		r = phase_entry(priv, pkfp, pcr[1 + i], &e, reterr);
		if (r < 0)
			return r;
		if (json_object_array_add(bank, e) < 0) {
			json_object_put(e);
			return cvm_err_set(reterr, -ENOMEM, "out of memory");
		}
	}
	text = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN |
							    JSON_C_TO_STRING_NOSLASHESCAPE);
	if (!text || !(*ret_json = strdup(text)))
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	*ret_len = strlen(text);
	return 0;
}
