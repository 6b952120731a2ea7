/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include <cvmimg/cleanup.h>
#include <cvmimg/measure.h>
#include <cvmimg/util.h>

#include "util/endian.h"
#include "util/hash.h"
#include "util/keys.h"
#include "util/macro.h"
#include "util/ossl.h"
#include "util/x509.h"

/* Layout of SNP_LAUNCH_FINISH's ID block and ID authentication structure (SNP ABI). */
#define ID_BLOCK_FAMILY_ID 0x30
#define ID_BLOCK_IMAGE_ID 0x40
#define ID_BLOCK_VERSION 0x50
#define ID_BLOCK_GUEST_SVN 0x54
#define ID_BLOCK_POLICY 0x58

#define AUTH_ID_KEY_ALGO 0x000
#define AUTH_AUTHOR_KEY_ALGO 0x004
#define AUTH_BLOCK_SIG 0x040
#define AUTH_ID_KEY 0x240
#define AUTH_ID_KEY_SIG 0x680
#define AUTH_AUTHOR_KEY 0x880

#define ALGO_ECDSA_P384_SHA384 1
#define CURVE_P384 2
#define COORD_LEN 72 /* each coordinate/scalar, little-endian, zero-extended */


CVM_PUBLIC void cvm_snp_id_block_params_init(struct cvm_snp_id_block_params *p)
{
	memset(p, 0, sizeof(*p));
	p->version = 1;
	p->policy = 0x30000; /* SMT allowed, reserved bit 17 set, ABI 0.0 */
}

/* The ID or author key: an EC P-384 private key, read through locked memory. */
static int load_p384_key(const char *path, EVP_PKEY **ret, cvm_err *reterr)
{
	CVM_CLEANUP(cvm_evp_pkeyp) EVP_PKEY *k = NULL;
	char group[64] = "";
	int r;

	if ((r = cvm_key_load_private(path, false, &k, reterr)) < 0)
		return r;
	cvm_pkey_ec_group(k, group, sizeof(group));
	if (strcmp(group, "secp384r1"))
		return cvm_err_set(reterr, -EBADMSG, "'%s' is not an EC P-384 private key", path);
	*ret = CVM_TAKE_PTR(k);
	return 0;
}

/* A big number as SNP wants it: little-endian, zero-extended to 72 bytes. */
static int put_le_bn(uint8_t *out, const BIGNUM *bn)
{
	return BN_bn2lebinpad(bn, out, COORD_LEN) == COORD_LEN ? 0 : -ERANGE;
}

static int encode_pubkey(EVP_PKEY *k, uint8_t out[CVM_SNP_PUBKEY_SIZE])
{
	CVM_CLEANUP(cvm_bnp) BIGNUM *x = NULL;
	CVM_CLEANUP(cvm_bnp) BIGNUM *y = NULL;

	memset(out, 0, CVM_SNP_PUBKEY_SIZE);
	if (!EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_EC_PUB_X, &x) ||
	    !EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_EC_PUB_Y, &y))
		return -EBADMSG;
	cvm_put_le32(out, CURVE_P384);
	if (put_le_bn(out + 4, x) < 0 || put_le_bn(out + 4 + COORD_LEN, y) < 0)
		return -EBADMSG;
	return 0;
}

static int sign(EVP_PKEY *k, const uint8_t *msg, size_t len, uint8_t out[512], cvm_err *reterr)
{
	CVM_CLEANUP(cvm_evp_md_ctxp) EVP_MD_CTX *c = EVP_MD_CTX_new();
	CVM_CLEANUP(cvm_ecdsa_sigp) ECDSA_SIG *sig = NULL;
	uint8_t der[160];
	const uint8_t *p = der;
	size_t derlen = sizeof(der);

	if (!c || !EVP_DigestSignInit_ex(c, NULL, "SHA384", NULL, NULL, k, NULL) ||
	    !EVP_DigestSign(c, der, &derlen, msg, len))
		return cvm_err_openssl(reterr, -ENOMEM, "cannot sign the ID block");
	sig = d2i_ECDSA_SIG(NULL, &p, (long)derlen);
	if (!sig)
		return cvm_err_openssl(reterr, -ENOMEM, "cannot decode the ECDSA signature");
	memset(out, 0, 512);
	if (put_le_bn(out, ECDSA_SIG_get0_r(sig)) < 0 ||
	    put_le_bn(out + COORD_LEN, ECDSA_SIG_get0_s(sig)) < 0)
		return cvm_err_set(reterr, -ERANGE, "ECDSA signature too large");
	return 0;
}

static void build_id_block(const uint8_t digest[48], const struct cvm_snp_id_block_params *p,
			   uint8_t out[CVM_SNP_ID_BLOCK_SIZE])
{
	memset(out, 0, CVM_SNP_ID_BLOCK_SIZE);
	memcpy(out, digest, 48);
	memcpy(out + ID_BLOCK_FAMILY_ID, p->family_id, 16);
	memcpy(out + ID_BLOCK_IMAGE_ID, p->image_id, 16);
	cvm_put_le32(out + ID_BLOCK_VERSION, p->version);
	cvm_put_le32(out + ID_BLOCK_GUEST_SVN, p->guest_svn);
	cvm_put_le64(out + ID_BLOCK_POLICY, p->policy);
}

CVM_PUBLIC int cvm_snp_id_create(const uint8_t digest[48], const struct cvm_snp_id_block_params *p,
				 const char *id_key_path, const char *author_key_path,
				 struct cvm_snp_id *ret, cvm_err *reterr)
{
	CVM_CLEANUP(cvm_evp_pkeyp) EVP_PKEY *id_key = NULL;
	CVM_CLEANUP(cvm_evp_pkeyp) EVP_PKEY *author_key = NULL;
	struct cvm_snp_id out;
	uint8_t *auth = out.id_auth;
	int r;

	CVM_CHECK_ARG(digest && p && id_key_path && author_key_path && ret, reterr);
	r = load_p384_key(id_key_path, &id_key, reterr);
	if (r < 0 || (r = load_p384_key(author_key_path, &author_key, reterr)) < 0)
		return r;
	memset(&out, 0, sizeof(out));
	build_id_block(digest, p, out.id_block);
	cvm_put_le32(auth + AUTH_ID_KEY_ALGO, ALGO_ECDSA_P384_SHA384);
	cvm_put_le32(auth + AUTH_AUTHOR_KEY_ALGO, ALGO_ECDSA_P384_SHA384);
	if (encode_pubkey(id_key, auth + AUTH_ID_KEY) < 0 ||
	    encode_pubkey(author_key, auth + AUTH_AUTHOR_KEY) < 0)
		return cvm_err_openssl(reterr, -EBADMSG, "cannot read an EC public key");
	r = sign(id_key, out.id_block, CVM_SNP_ID_BLOCK_SIZE, auth + AUTH_BLOCK_SIG, reterr);
	if (r < 0)
		return r;
	/* the author key vouches for the ID key by signing its encoding */
	r = sign(author_key, auth + AUTH_ID_KEY, CVM_SNP_PUBKEY_SIZE, auth + AUTH_ID_KEY_SIG,
		 reterr);
	if (r < 0)
		return r;
	if (cvm_sha384(auth + AUTH_ID_KEY, CVM_SNP_PUBKEY_SIZE, out.id_key_digest) < 0 ||
	    cvm_sha384(auth + AUTH_AUTHOR_KEY, CVM_SNP_PUBKEY_SIZE, out.author_key_digest) < 0)
		return cvm_err_set(reterr, -ENOMEM, "cannot compute SHA-384");
	*ret = out;
	return 0;
}
