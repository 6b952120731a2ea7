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

#include "boot/authenticode.h"
#include "boot/der.h"
#include "boot/keys.h"
#include "boot/sign.h"
#include "util/endian.h"

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

CVM_DEFINE_CLEANUP(EVP_MD_CTX, EVP_MD_CTX_free, sign_md_ctx_free)

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
	CVM_CLEANUP(sign_md_ctx_freep) EVP_MD_CTX *md = EVP_MD_CTX_new();
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

static int load_signer(const char *key_path, const char *cert_path, EVP_PKEY **ret_key,
		       X509 **ret_cert, cvm_err *reterr)
{
	CVM_CLEANUP(boot_pkey_freep) EVP_PKEY *key = NULL;
	CVM_CLEANUP(boot_x509_freep) X509 *cert = NULL;
	int r;

	r = boot_load_private_key(key_path, true, &key, reterr);
	if (r == -EBADMSG && reterr && strstr(reterr->msg, "not an RSA"))
		return cvm_err_set(reterr, r,
				   "'%s' is not an RSA key: UEFI Secure Boot verifies RSA "
				   "signatures",
				   key_path);
	if (r < 0 || (r = boot_load_cert(cert_path, &cert, reterr)) < 0)
		return r;
	if (X509_check_private_key(cert, key) != 1) {
		ERR_clear_error();
		return cvm_err_set(reterr, -EINVAL, "'%s' is not the certificate of '%s'",
				   cert_path, key_path);
	}
	*ret_key = CVM_TAKE_PTR(key);
	*ret_cert = CVM_TAKE_PTR(cert);
	return 0;
}

/* Append the WIN_CERTIFICATE at the end (8-byte aligned) and point DataDirectory[4] at it. */
static int append_cert_table(uint8_t **buf, size_t *len, const struct pe_image *pe,
			     const struct der *p7, cvm_err *reterr)
{
	size_t at = *len, table = (WIN_CERT_HDR + p7->len + 7) / 8 * 8;
	uint32_t dir = pe->dir_off + 8 * PE_DIR_SECURITY;
	uint8_t *b;

	if ((uint64_t)at + table > UINT32_MAX)
		return cvm_err_set(reterr, -EFBIG, "the signed image would exceed 4 GiB");
	b = realloc(*buf, at + table);
	if (!b)
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	memset(b + at, 0, table);
	cvm_put_le32(b + at, (uint32_t)(WIN_CERT_HDR + p7->len));
	cvm_put_le16(b + at + 4, WIN_CERT_REVISION_2_0);
	cvm_put_le16(b + at + 6, WIN_CERT_TYPE_PKCS_SIGNED_DATA);
	memcpy(b + at + WIN_CERT_HDR, p7->buf, p7->len);
	cvm_put_le32(b + dir, (uint32_t)at);
	cvm_put_le32(b + dir + 4, (uint32_t)table);
	*buf = b;
	*len = at + table;
	return 0;
}

int uki_sb_sign(uint8_t **buf, size_t *len, const char *key_path, const char *cert_path,
		uint64_t source_date_epoch, cvm_err *reterr)
{
	CVM_CLEANUP(boot_pkey_freep) EVP_PKEY *key = NULL;
	CVM_CLEANUP(boot_x509_freep) X509 *cert = NULL;
	CVM_CLEANUP_FREE struct pe_image *pe = malloc(sizeof(*pe));
	CVM_CLEANUP(der_free) struct der p7 = { 0 };
	uint8_t digest[CVM_SHA256_LEN];
	uint32_t va, size;
	int r;

	if (!pe)
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	r = load_signer(key_path, cert_path, &key, &cert, reterr);
	if (r < 0 || (r = pe_parse(*buf, *len, "UKI", pe, reterr)) < 0)
		return r;
	pe_dir(pe, PE_DIR_SECURITY, &va, &size);
	if (size || pe->n_dirs <= PE_DIR_SECURITY)
		return cvm_err_set(reterr, -EINVAL, "the image is signed already or has no "
						    "certificate table entry");
	/* The table starts 8-byte aligned; the layout's FileAlignment already is. */
	if (*len % 8)
		return cvm_err_set(reterr, -EINVAL, "the image size is not a multiple of 8");
	r = pe_authenticode(pe, CVM_HASH_SHA256, digest, reterr);
	if (r < 0 || (r = make_pkcs7(key, cert, digest, source_date_epoch, &p7, reterr)) < 0)
		return r;
	return append_cert_table(buf, len, pe, &p7, reterr);
}

void uki_set_checksum(uint8_t *buf, size_t len)
{
	uint32_t off = cvm_le32(buf + 0x3c) + 4 + 20 + PE_OPT_CHECKSUM;

	cvm_put_le32(buf + off, pe_compute_checksum(buf, len, off));
}
