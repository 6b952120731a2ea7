/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Authenticode signing for UEFI Secure Boot ("Windows Authenticode Portable
 * Executable Signature Format"). The PKCS#7 SignedData is written with our DER
 * writer rather than OpenSSL's PKCS7_sign(): the latter always adds the
 * current time, which would make every build differ.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/x509.h>

#include <cvmimg/cleanup.h>

#include "boot/der.h"
#include "util/keys.h"
#include "boot/sign.h"
#include "util/endian.h"
#include "util/macro.h"
#include "util/ossl.h"

#define OID_SIGNED_DATA "1.2.840.113549.1.7.2"
#define OID_SPC_INDIRECT_DATA "1.3.6.1.4.1.311.2.1.4"
#define OID_SPC_PE_IMAGE_DATA "1.3.6.1.4.1.311.2.1.15"
#define OID_SHA256 "2.16.840.1.101.3.4.2.1"
#define OID_RSA "1.2.840.113549.1.1.1"
#define OID_CONTENT_TYPE "1.2.840.113549.1.9.3"
#define OID_MESSAGE_DIGEST "1.2.840.113549.1.9.4"
#define OID_SIGNING_TIME "1.2.840.113549.1.9.5"

#define WIN_CERT_REVISION_2_0 0x0200
#define WIN_CERT_TYPE_PKCS_SIGNED_DATA 0x0002
#define WIN_CERT_HDR 8


/* "<<<Obsolete>>>" as a BMPString: what every signer puts in SpcPeImageData. */
static const uint8_t obsolete_bmp[] = { 0, '<', 0, '<', 0, '<', 0, 'O', 0, 'b', 0, 's', 0, 'o',
					0, 'l', 0, 'e', 0, 't', 0, 'e', 0, '>', 0, '>', 0, '>' };

/* SpcIndirectDataContent { SpcAttributeTypeAndOptionalValue, DigestInfo } */
static void put_indirect_data(struct der *d, const uint8_t digest[CVM_SHA256_LEN])
{
	size_t seq = der_open(d, DER_SEQUENCE), attr, pe, file, link, dinfo;

	attr = der_open(d, DER_SEQUENCE);
	der_oid(d, OID_SPC_PE_IMAGE_DATA);
	pe = der_open(d, DER_SEQUENCE);
	der_prim(d, DER_BIT_STRING, "", 1); /* SpcPeImageFlags: no bits */
	file = der_open(d, DER_CONTEXT(0)); /* file [0] SpcLink */
	link = der_open(d, DER_CONTEXT(2)); /* file [2] SpcString */
	der_prim(d, DER_CONTEXT_PRIM(0), obsolete_bmp, sizeof(obsolete_bmp)); /* unicode */
	der_close(d, link);
	der_close(d, file);
	der_close(d, pe);
	der_close(d, attr);
	dinfo = der_open(d, DER_SEQUENCE);
	der_alg(d, OID_SHA256);
	der_prim(d, DER_OCTET_STRING, digest, CVM_SHA256_LEN);
	der_close(d, dinfo);
	der_close(d, seq);
}

static void put_attribute(struct der *d, const char *oid, uint8_t tag, const void *v, size_t n)
{
	size_t seq = der_open(d, DER_SEQUENCE), set;

	der_oid(d, oid);
	set = der_open(d, DER_SET);
	der_prim(d, tag, v, n);
	der_close(d, set);
	der_close(d, seq);
}

/* UTCTime for 1950-2049, GeneralizedTime after, as RFC 5280 prescribes. */
static void put_signing_time(struct der *d, uint64_t epoch)
{
	time_t t = (time_t)epoch;
	struct tm tm;
	char s[32];

	if (!gmtime_r(&t, &tm)) {
		d->failed = true;
		return;
	}
	if (tm.tm_year + 1900 < 2050) {
		snprintf(s, sizeof(s), "%02d%02d%02d%02d%02d%02dZ", tm.tm_year % 100, tm.tm_mon + 1,
			 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
		put_attribute(d, OID_SIGNING_TIME, DER_UTC_TIME, s, strlen(s));
	} else {
		snprintf(s, sizeof(s), "%04d%02d%02d%02d%02d%02dZ", tm.tm_year + 1900,
			 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
		put_attribute(d, OID_SIGNING_TIME, DER_GENERALIZED_TIME, s, strlen(s));
	}
}

static void put_content_type(struct der *d)
{
	size_t seq = der_open(d, DER_SEQUENCE), set;

	der_oid(d, OID_CONTENT_TYPE);
	set = der_open(d, DER_SET);
	der_oid(d, OID_SPC_INDIRECT_DATA);
	der_close(d, set);
	der_close(d, seq);
}

/* The authenticated attributes as a DER SET OF: elements sorted by their encoding. */
static void put_attributes(struct der *d, const uint8_t idc_digest[CVM_SHA256_LEN],
			   uint64_t epoch)
{
	CVM_CLEANUP(der_free) struct der a0 = { 0 };
	CVM_CLEANUP(der_free) struct der a1 = { 0 };
	CVM_CLEANUP(der_free) struct der a2 = { 0 };
	struct der *a[3] = { &a0, &a1, &a2 };
	size_t n = 0, at;

	put_content_type(a[n++]);
	put_attribute(a[n++], OID_MESSAGE_DIGEST, DER_OCTET_STRING, idc_digest, CVM_SHA256_LEN);
	if (epoch)
		put_signing_time(a[n++], epoch);
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0; j--) {
			size_t m = a[j]->len < a[j - 1]->len ? a[j]->len : a[j - 1]->len;
			int c = memcmp(a[j]->buf, a[j - 1]->buf, m);
			struct der *t;

			if (c > 0 || (c == 0 && a[j]->len >= a[j - 1]->len))
				break;
			t = a[j];
			a[j] = a[j - 1];
			a[j - 1] = t;
		}
	at = der_open(d, DER_SET);
	for (size_t i = 0; i < n; i++) {
		if (a[i]->failed)
			d->failed = true;
		der_raw(d, a[i]->buf, a[i]->len);
	}
	der_close(d, at);
}

/* RSASSA-PKCS1-v1_5 with SHA-256: deterministic, unlike ECDSA. */
static int sign_bytes(EVP_PKEY *key, const uint8_t *msg, size_t n, uint8_t **ret,
		      size_t *ret_len, cvm_err *reterr)
{
	CVM_CLEANUP(cvm_evp_md_ctxp) EVP_MD_CTX *md = EVP_MD_CTX_new();
	CVM_CLEANUP_FREE uint8_t *sig = NULL;
	size_t len = 0;

	if (!md || EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key) != 1 ||
	    EVP_DigestSign(md, NULL, &len, msg, n) != 1 || !(sig = malloc(len)) ||
	    EVP_DigestSign(md, sig, &len, msg, n) != 1)
		return cvm_err_openssl(reterr, -ENOMEM, "cannot sign the image");
	*ret = CVM_TAKE_PTR(sig);
	*ret_len = len;
	return 0;
}

/* Append OpenSSL's DER encoding of an object (i2d_* writing into a new buffer). */
#define DER_I2D(d, fn, obj)                                                                        \
	do {                                                                                       \
		unsigned char *p_ = NULL;                                                          \
		int n_ = fn(obj, &p_);                                                             \
                                                                                                   \
		if (n_ <= 0)                                                                       \
			(d)->failed = true;                                                        \
		else                                                                               \
			der_raw((d), p_, (size_t)n_);                                              \
		OPENSSL_free(p_);                                                                  \
	} while (0)

/* SignerInfo, version 1: issuer and serial, SHA-256, attributes, RSA, signature. */
static void put_signer_info(struct der *d, X509 *cert, const struct der *attrs,
			    const uint8_t *sig, size_t sig_len)
{
	size_t seq = der_open(d, DER_SEQUENCE), ias;
	uint8_t tag = DER_CONTEXT(0); /* authenticatedAttributes [0] IMPLICIT SET OF */

	der_prim(d, DER_INTEGER, "\x01", 1);
	ias = der_open(d, DER_SEQUENCE);
	DER_I2D(d, i2d_X509_NAME, X509_get_issuer_name(cert));
	DER_I2D(d, i2d_ASN1_INTEGER, X509_get0_serialNumber(cert));
	der_close(d, ias);
	der_alg(d, OID_SHA256);
	der_raw(d, &tag, 1);
	der_raw(d, attrs->buf + 1, attrs->len - 1);
	der_alg(d, OID_RSA);
	der_prim(d, DER_OCTET_STRING, sig, sig_len);
	der_close(d, seq);
}

/* ContentInfo { signedData, [0] SignedData { 1, {sha256}, idc, [0] certs, {signer} } } */
static void put_signed_data(struct der *d, const struct der *idc, X509 *cert,
			    const struct der *signer)
{
	size_t ci = der_open(d, DER_SEQUENCE), x0, sd, set, content, c0, certs;

	der_oid(d, OID_SIGNED_DATA);
	x0 = der_open(d, DER_CONTEXT(0));
	sd = der_open(d, DER_SEQUENCE);
	der_prim(d, DER_INTEGER, "\x01", 1);
	set = der_open(d, DER_SET);
	der_alg(d, OID_SHA256);
	der_close(d, set);
	content = der_open(d, DER_SEQUENCE);
	der_oid(d, OID_SPC_INDIRECT_DATA);
	c0 = der_open(d, DER_CONTEXT(0));
	der_raw(d, idc->buf, idc->len);
	der_close(d, c0);
	der_close(d, content);
	certs = der_open(d, DER_CONTEXT(0));
	DER_I2D(d, i2d_X509, cert);
	der_close(d, certs);
	set = der_open(d, DER_SET);
	der_raw(d, signer->buf, signer->len);
	der_close(d, set);
	der_close(d, sd);
	der_close(d, x0);
	der_close(d, ci);
}

/* The PKCS#7 blob for an image whose Authenticode SHA-256 is @digest. */
static int make_pkcs7(EVP_PKEY *key, X509 *cert, const uint8_t digest[CVM_SHA256_LEN],
		      uint64_t epoch, struct der *out, cvm_err *reterr)
{
	CVM_CLEANUP(der_free) struct der idc = { 0 };
	CVM_CLEANUP(der_free) struct der attrs = { 0 };
	CVM_CLEANUP(der_free) struct der signer = { 0 };
	CVM_CLEANUP_FREE uint8_t *sig = NULL;
	uint8_t idc_digest[CVM_SHA256_LEN];
	size_t sig_len = 0, h;
	int r;

	put_indirect_data(&idc, digest);
	h = idc.failed ? 0 : der_header_len(idc.buf, idc.len);
	/* messageDigest covers the content's value, without its tag and length */
	if (!h || cvm_sha256(idc.buf + h, idc.len - h, idc_digest) < 0)
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	put_attributes(&attrs, idc_digest, epoch);
	if (attrs.failed)
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	r = sign_bytes(key, attrs.buf, attrs.len, &sig, &sig_len, reterr);
	if (r < 0)
		return r;
	put_signer_info(&signer, cert, &attrs, sig, sig_len);
	put_signed_data(out, &idc, cert, &signer);
	if (signer.failed || out->failed)
		return cvm_err_set(reterr, -ENOMEM, "cannot encode the signature");
	return 0;
}

int uki_signer_load(const char *key_path, const char *cert_path, struct uki_signer *ret,
		    cvm_err *reterr)
{
	CVM_CLEANUP(cvm_evp_pkeyp) EVP_PKEY *key = NULL;
	CVM_CLEANUP(cvm_x509p) X509 *cert = NULL;
	int r;

	r = cvm_key_load_private(key_path, true, &key, reterr);
	if (r == -EBADMSG && reterr && strstr(reterr->msg, "not an RSA"))
		return cvm_err_set(reterr, r,
				   "'%s' is not an RSA key: UEFI Secure Boot verifies RSA "
				   "signatures",
				   key_path);
	if (r < 0 || (r = cvm_cert_load(cert_path, &cert, reterr)) < 0)
		return r;
	if (X509_check_private_key(cert, key) != 1) {
		ERR_clear_error();
		return cvm_err_set(reterr, -EINVAL, "'%s' is not the certificate of '%s'",
				   cert_path, key_path);
	}
	ret->key = CVM_TAKE_PTR(key);
	ret->cert = CVM_TAKE_PTR(cert);
	return 0;
}

void uki_signer_clear(struct uki_signer *s)
{
	EVP_PKEY_free(s->key);
	X509_free(s->cert);
	s->key = NULL;
	s->cert = NULL;
}

int uki_sb_cert_table(const struct uki_signer *s, const uint8_t digest[CVM_SHA256_LEN],
		      uint64_t source_date_epoch, uint8_t **ret, size_t *ret_len, cvm_err *reterr)
{
	CVM_CLEANUP(der_free) struct der p7 = { 0 };
	CVM_CLEANUP_FREE uint8_t *t = NULL;
	size_t len;
	int r;

	r = make_pkcs7(s->key, s->cert, digest, source_date_epoch, &p7, reterr);
	if (r < 0)
		return r;
	len = CVM_ALIGN_UP(WIN_CERT_HDR + p7.len, 8);
	if (!(t = calloc(1, len)))
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	cvm_put_le32(t, (uint32_t)(WIN_CERT_HDR + p7.len));
	cvm_put_le16(t + 4, WIN_CERT_REVISION_2_0);
	cvm_put_le16(t + 6, WIN_CERT_TYPE_PKCS_SIGNED_DATA);
	memcpy(t + WIN_CERT_HDR, p7.buf, p7.len);
	*ret = CVM_TAKE_PTR(t);
	*ret_len = len;
	return 0;
}
