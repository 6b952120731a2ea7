/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <cvmimg/attest.h>
#include <cvmimg/cleanup.h>
#include <cvmimg/util.h>

#include "util/x509.h"
#include "util/ossl.h"


X509 *cvm_x509_from_pem_string(const char *pem)
{
	CVM_CLEANUP(cvm_biop) BIO *b = BIO_new_mem_buf(pem, -1);
	X509 *x = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;

	ERR_clear_error();
	return x;
}

static bool has_pem(const uint8_t *buf, size_t len)
{
	return memmem(buf, len, "-----BEGIN ", 11) != NULL;
}

static int load_pem(const uint8_t *buf, size_t len, const char *name, STACK_OF(X509) *out,
		    cvm_err *reterr)
{
	CVM_CLEANUP(cvm_biop) BIO *b = BIO_new_mem_buf(buf, (int)len);

	if (!b)
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	for (;;) {
		X509 *x = PEM_read_bio_X509(b, NULL, NULL, NULL);
		unsigned long e;

		if (x) {
			if (!sk_X509_push(out, x)) {
				X509_free(x);
				return cvm_err_set(reterr, -ENOMEM, "out of memory");
			}
			continue;
		}
		e = ERR_peek_last_error();
		ERR_clear_error();
		/* "no start line" after the last block is the normal end */
		if (ERR_GET_LIB(e) == ERR_LIB_PEM && ERR_GET_REASON(e) == PEM_R_NO_START_LINE &&
		    sk_X509_num(out) > 0)
			return 0;
		return cvm_err_set(reterr, -EBADMSG, "certificate %d in '%s' does not parse",
				   sk_X509_num(out) + 1, name);
	}
}

int cvm_x509_load_all(const uint8_t *buf, size_t len, const char *name, STACK_OF(X509) **ret,
		      cvm_err *reterr)
{
	CVM_CLEANUP(cvm_x509_stackp) STACK_OF(X509) *sk = sk_X509_new_null();
	int r;

	if (!sk)
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	if (!buf || len == 0)
		return cvm_err_set(reterr, -EBADMSG, "'%s' is empty", name);
	if (len > CVM_ATTEST_INPUT_MAX)
		return cvm_err_set(reterr, -EFBIG, "'%s' is too large", name);
	if (has_pem(buf, len)) {
		r = load_pem(buf, len, name, sk, reterr);
		if (r < 0)
			return r;
	} else {
		const uint8_t *p = buf;
		X509 *x = d2i_X509(NULL, &p, (long)len);

		ERR_clear_error();
		if (!x || p != buf + len) {
			X509_free(x);
			return cvm_err_set(reterr, -EBADMSG,
					   "'%s' is not a PEM or DER X.509 certificate", name);
		}
		if (!sk_X509_push(sk, x)) {
			X509_free(x);
			return cvm_err_set(reterr, -ENOMEM, "out of memory");
		}
	}
	r = sk_X509_num(sk);
	*ret = CVM_TAKE_PTR(sk);
	return r;
}

int cvm_x509_load_one(const uint8_t *buf, size_t len, const char *name, X509 **ret,
		      cvm_err *reterr)
{
	CVM_CLEANUP(cvm_x509_stackp) STACK_OF(X509) *sk = NULL;
	int r = cvm_x509_load_all(buf, len, name, &sk, reterr);

	if (r < 0)
		return r;
	if (r != 1)
		return cvm_err_set(reterr, -EBADMSG, "'%s' holds %d certificates, expected one",
				   name, r);
	*ret = sk_X509_shift(sk);
	return 0;
}

int cvm_x509_spki_sha256(X509 *x, uint8_t out[32])
{
	uint8_t *der = NULL;
	int n = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &der);
	int r;

	if (n <= 0) {
		ERR_clear_error();
		return -EBADMSG;
	}
	r = cvm_sha256(der, (size_t)n, out);
	OPENSSL_free(der);
	return r < 0 ? -EBADMSG : 0;
}

bool cvm_x509_same_key(X509 *a, X509 *b)
{
	uint8_t ha[32], hb[32];

	return cvm_x509_spki_sha256(a, ha) == 0 && cvm_x509_spki_sha256(b, hb) == 0 &&
	       memcmp(ha, hb, 32) == 0;
}

static void name_cn(const X509_NAME *n, char *buf, size_t len)
{
	int i = n ? X509_NAME_get_index_by_NID(n, NID_commonName, -1) : -1;
	const ASN1_STRING *s;
	int sl;

	buf[0] = '\0';
	if (i < 0)
		return;
	s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(n, i));
	sl = ASN1_STRING_length(s);
	if (sl < 0 || (size_t)sl >= len)
		sl = (int)len - 1;
	memcpy(buf, ASN1_STRING_get0_data(s), (size_t)sl);
	buf[sl] = '\0';
	/* names go into one-line messages: nothing unprintable */
	for (char *p = buf; *p; p++)
		if (!isprint((unsigned char)*p))
			*p = '?';
}

void cvm_x509_subject_cn(X509 *x, char *buf, size_t len)
{
	name_cn(X509_get_subject_name(x), buf, len);
}

void cvm_x509_issuer_cn(X509 *x, char *buf, size_t len)
{
	name_cn(X509_get_issuer_name(x), buf, len);
}

bool cvm_x509_self_issued(X509 *x)
{
	return X509_NAME_cmp(X509_get_subject_name(x), X509_get_issuer_name(x)) == 0;
}

const char *cvm_x509_sig_alg(X509 *x)
{
	int nid = X509_get_signature_nid(x);

	return nid == NID_undef ? "unknown" : OBJ_nid2sn(nid);
}

void cvm_pkey_ec_group(EVP_PKEY *k, char *buf, size_t len)
{
	buf[0] = '\0';
	if (!k || !EVP_PKEY_is_a(k, "EC") ||
	    !EVP_PKEY_get_utf8_string_param(k, OSSL_PKEY_PARAM_GROUP_NAME, buf, len, NULL))
		buf[0] = '\0';
	ERR_clear_error();
}

int cvm_asn1_time_to_epoch(const ASN1_TIME *t, int64_t *ret)
{
	struct tm tm;

	if (!t || !ASN1_TIME_to_tm(t, &tm)) {
		ERR_clear_error();
		return -EBADMSG;
	}
	*ret = (int64_t)timegm(&tm);
	return 0;
}

int cvm_x509_not_after(X509 *x, int64_t *ret)
{
	return cvm_asn1_time_to_epoch(X509_get0_notAfter(x), ret);
}

void cvm_format_time(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) || !strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, len, "@%lld", (long long)t);
}

const uint8_t *cvm_x509_ext_data(X509 *x, const char *oid, size_t *ret_len)
{
	CVM_CLEANUP(cvm_asn1_objectp) ASN1_OBJECT *obj = OBJ_txt2obj(oid, 1);
	const ASN1_OCTET_STRING *d;
	int i = obj ? X509_get_ext_by_OBJ(x, obj, -1) : -1;

	ERR_clear_error();
	if (i < 0)
		return NULL;
	d = X509_EXTENSION_get_data(X509_get_ext(x, i));
	*ret_len = (size_t)ASN1_STRING_length(d);
	return ASN1_STRING_get0_data(d);
}

int cvm_x509_verify_chain(X509 *leaf, STACK_OF(X509) *untrusted, X509 *anchor, int64_t at,
			  STACK_OF(X509) **ret_chain, char *detail, size_t dlen)
{
	CVM_CLEANUP(cvm_x509_storep) X509_STORE *store = X509_STORE_new();
	CVM_CLEANUP(cvm_x509_store_ctxp) X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	char cn[64];

	if (!store || !ctx || !X509_STORE_add_cert(store, anchor) ||
	    !X509_STORE_CTX_init(ctx, store, leaf, untrusted)) {
		ERR_clear_error();
		return -ENOMEM;
	}
	X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(ctx), (time_t)at);
	if (X509_verify_cert(ctx) != 1) {
		int err = X509_STORE_CTX_get_error(ctx);
		X509 *cur = X509_STORE_CTX_get_current_cert(ctx);

		cn[0] = '\0';
		if (cur)
			cvm_x509_subject_cn(cur, cn, sizeof(cn));
		snprintf(detail, dlen, "%s%s%s", cn, cn[0] ? ": " : "",
			 X509_verify_cert_error_string(err));
		ERR_clear_error();
		return -EKEYREJECTED;
	}
	if (ret_chain)
		*ret_chain = X509_STORE_CTX_get1_chain(ctx);
	return 0;
}

static bool all_hex(const uint8_t *buf, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		if (isxdigit(buf[i]))
			n++;
		else if (!isspace(buf[i]) && buf[i] != '\0')
			return false;
	}
	return n > 0 && n % 2 == 0;
}

/* Hex text (whitespace ignored) into a new buffer. */
static int unhex_text(const uint8_t *buf, size_t len, uint8_t **ret, size_t *ret_len)
{
	CVM_CLEANUP_FREE char *digits = malloc(len + 1);
	size_t n = 0;

	if (!digits)
		return -ENOMEM;
	for (size_t i = 0; i < len; i++)
		if (isxdigit(buf[i]))
			digits[n++] = (char)buf[i];
	digits[n] = '\0';
	return cvm_hex_decode_alloc(digits, len, ret, ret_len, NULL);
}

int cvm_crl_load(const uint8_t *buf, size_t len, const char *name, X509_CRL **ret,
		 cvm_err *reterr)
{
	CVM_CLEANUP_FREE uint8_t *bin = NULL;
	X509_CRL *crl = NULL;
	size_t binlen;

	if (!buf || len == 0)
		return cvm_err_set(reterr, -EBADMSG, "'%s' is empty", name);
	if (len > CVM_ATTEST_INPUT_MAX)
		return cvm_err_set(reterr, -EFBIG, "'%s' is too large", name);
	if (has_pem(buf, len)) {
		CVM_CLEANUP(cvm_biop) BIO *b = BIO_new_mem_buf(buf, (int)len);

		crl = b ? PEM_read_bio_X509_CRL(b, NULL, NULL, NULL) : NULL;
	} else {
		const uint8_t *p;

		if (all_hex(buf, len) && unhex_text(buf, len, &bin, &binlen) == 0) {
			buf = bin;
			len = binlen;
		}
		p = buf;
		crl = d2i_X509_CRL(NULL, &p, (long)len);
		if (crl && p != buf + len) {
			X509_CRL_free(crl);
			crl = NULL;
		}
	}
	ERR_clear_error();
	if (!crl)
		return cvm_err_set(reterr, -EBADMSG, "'%s' is not a DER, PEM or hex X.509 CRL",
				   name);
	*ret = crl;
	return 0;
}

static int crl_window(X509_CRL *crl, int64_t at, char *detail, size_t dlen)
{
	const ASN1_TIME *this = X509_CRL_get0_lastUpdate(crl), *next = X509_CRL_get0_nextUpdate(crl);
	int64_t t;
	char when[32];

	if (cvm_asn1_time_to_epoch(this, &t) < 0) {
		snprintf(detail, dlen, "CRL has no valid thisUpdate");
		return -EKEYREJECTED;
	}
	if (t > at) {
		cvm_format_time(t, when, sizeof(when));
		snprintf(detail, dlen, "CRL is not yet valid (thisUpdate %s)", when);
		return -EKEYREJECTED;
	}
	if (next && cvm_asn1_time_to_epoch(next, &t) == 0 && t < at) {
		cvm_format_time(t, when, sizeof(when));
		snprintf(detail, dlen, "CRL has expired (nextUpdate %s)", when);
		return -EKEYREJECTED;
	}
	return 0;
}

int cvm_crl_check(X509_CRL *crl, X509 *issuer, int64_t at, X509 *const *certs, size_t n,
		  char *detail, size_t dlen)
{
	char cn[64];
	int r;

	cvm_x509_subject_cn(issuer, cn, sizeof(cn));
	if (X509_NAME_cmp(X509_CRL_get_issuer(crl), X509_get_subject_name(issuer))) {
		snprintf(detail, dlen, "CRL is not issued by '%s'", cn);
		return -EKEYREJECTED;
	}
	if (X509_CRL_verify(crl, X509_get0_pubkey(issuer)) != 1) {
		ERR_clear_error();
		snprintf(detail, dlen, "CRL signature does not verify with '%s'", cn);
		return -EKEYREJECTED;
	}
	r = crl_window(crl, at, detail, dlen);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		X509_REVOKED *rev = NULL;

		if (certs[i] &&
		    X509_CRL_get0_by_serial(crl, &rev, X509_get0_serialNumber(certs[i])) == 1) {
			cvm_x509_subject_cn(certs[i], cn, sizeof(cn));
			snprintf(detail, dlen, "'%s' is revoked", cn);
			return -EKEYREJECTED;
		}
	}
	return 0;
}

static const char *md_name(enum cvm_hash_alg alg)
{
	switch (alg) {
	case CVM_HASH_SHA256:
		return "SHA256";
	case CVM_HASH_SHA384:
		return "SHA384";
	case CVM_HASH_SHA512:
		return "SHA512";
	default:
		return NULL;
	}
}

int cvm_ecdsa_verify_raw(EVP_PKEY *key, enum cvm_hash_alg alg, const uint8_t *r,
			 const uint8_t *s, size_t coord, bool le, const void *msg, size_t len)
{
	CVM_CLEANUP(cvm_ecdsa_sigp) ECDSA_SIG *sig = ECDSA_SIG_new();
	CVM_CLEANUP(cvm_evp_md_ctxp) EVP_MD_CTX *c = EVP_MD_CTX_new();
	BIGNUM *br = le ? BN_lebin2bn(r, (int)coord, NULL) : BN_bin2bn(r, (int)coord, NULL);
	BIGNUM *bs = le ? BN_lebin2bn(s, (int)coord, NULL) : BN_bin2bn(s, (int)coord, NULL);
	uint8_t *der = NULL;
	int n, ok;

	if (!sig || !c || !br || !bs || !ECDSA_SIG_set0(sig, br, bs)) {
		BN_free(br);
		BN_free(bs);
		ERR_clear_error();
		return -ENOMEM;
	}
	n = i2d_ECDSA_SIG(sig, &der);
	if (n <= 0 || !md_name(alg) ||
	    !EVP_DigestVerifyInit_ex(c, NULL, md_name(alg), NULL, NULL, key, NULL)) {
		OPENSSL_free(der);
		ERR_clear_error();
		return 0; /* a key that cannot verify this kind of signature */
	}
	ok = EVP_DigestVerify(c, der, (size_t)n, msg, len);
	OPENSSL_free(der);
	ERR_clear_error();
	return ok == 1;
}

int cvm_ec_p256_key(const uint8_t xy[64], EVP_PKEY **ret)
{
	CVM_CLEANUP(cvm_evp_pkey_ctxp) EVP_PKEY_CTX *pc =
		EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	CVM_CLEANUP(cvm_evp_pkey_ctxp) EVP_PKEY_CTX *check = NULL;
	CVM_CLEANUP(cvm_evp_pkeyp) EVP_PKEY *k = NULL;
	uint8_t point[65];
	char group[] = "prime256v1";
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group, 0),
		OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, point, sizeof(point)),
		OSSL_PARAM_construct_end(),
	};

	point[0] = 0x04; /* uncompressed */
	memcpy(point + 1, xy, 64);
	if (!pc || EVP_PKEY_fromdata_init(pc) != 1 ||
	    EVP_PKEY_fromdata(pc, &k, EVP_PKEY_PUBLIC_KEY, params) != 1) {
		ERR_clear_error();
		return -EBADMSG;
	}
	check = EVP_PKEY_CTX_new_from_pkey(NULL, k, NULL);
	if (!check || EVP_PKEY_public_check(check) != 1) {
		ERR_clear_error();
		return -EBADMSG;
	}
	*ret = CVM_TAKE_PTR(k);
	return 0;
}
