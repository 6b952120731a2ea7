/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Reading an Authenticode signature back: who signed, and which image digest. */
#include <errno.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>

#include <cvmimg/cleanup.h>

#include "boot/der.h"
#include "boot/sigparse.h"
#include "util/endian.h"
#include "util/hash.h"
#include "util/ossl.h"

#define WIN_CERT_HDR 8
#define WIN_CERT_TYPE_PKCS_SIGNED_DATA 0x0002

static char *name_string(const X509_NAME *name)
{
	CVM_CLEANUP(cvm_biop) BIO *b = BIO_new(BIO_s_mem());
	char *data, *s;
	long n;

	if (!b || X509_NAME_print_ex(b, name, 0, XN_FLAG_RFC2253) < 0)
		return NULL;
	n = BIO_get_mem_data(b, &data);
	s = n >= 0 ? strndup(data, (size_t)n) : NULL;
	return s;
}

/*
 * The image digest inside SpcIndirectDataContent:
 * SEQUENCE { SEQUENCE { type, value }, SEQUENCE { AlgorithmIdentifier, OCTET STRING } }
 */
static bool indirect_digest(const PKCS7 *p7, const uint8_t **ret, size_t *ret_len)
{
	const PKCS7 *c = PKCS7_type_is_signed(p7) ? p7->d.sign->contents : NULL;
	const uint8_t *p, *seq, *x;
	size_t len, seq_len, x_len;

	if (!c || !c->d.other || c->d.other->type != V_ASN1_SEQUENCE)
		return false;
	p = c->d.other->value.sequence->data;
	len = (size_t)c->d.other->value.sequence->length;
	if (!der_read(&p, &len, DER_SEQUENCE, &seq, &seq_len))
		return false;
	p = seq;
	len = seq_len;
	if (!der_read(&p, &len, DER_SEQUENCE, &x, &x_len) ||    /* data */
	    !der_read(&p, &len, DER_SEQUENCE, &seq, &seq_len)) /* messageDigest */
		return false;
	p = seq;
	len = seq_len;
	return der_read(&p, &len, DER_SEQUENCE, &x, &x_len) && /* algorithm */
	       der_read(&p, &len, DER_OCTET_STRING, ret, ret_len);
}

static int describe_p7(const PKCS7 *p7, struct cvm_uki_info *info, cvm_err *reterr)
{
	CVM_CLEANUP(cvm_x509_shallow_stackp) STACK_OF(X509) *signers = NULL; /* certificates of the PKCS7 */
	const uint8_t *digest;
	size_t n;
	X509 *cert;

	if (!PKCS7_type_is_signed(p7))
		return cvm_err_set(reterr, -EBADMSG, "the signature is not PKCS#7 SignedData");
	signers = PKCS7_get0_signers((PKCS7 *)p7, NULL, 0);
	ERR_clear_error();
	if (!signers || sk_X509_num(signers) < 1)
		return cvm_err_set(reterr, -EBADMSG,
				   "the signature does not include its signer's certificate");
	cert = sk_X509_value(signers, 0);
	info->signer_subject = name_string(X509_get_subject_name(cert));
	info->signer_issuer = name_string(X509_get_issuer_name(cert));
	if (!info->signer_subject || !info->signer_issuer)
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	if (indirect_digest(p7, &digest, &n))
		info->signature_digest_matches =
			n == CVM_SHA256_LEN && !memcmp(digest, info->authenticode_sha256, n);
	return 0;
}

int uki_signature_describe(const struct pe_image *pe, struct cvm_uki_info *info, cvm_err *reterr)
{
	CVM_CLEANUP(cvm_pkcs7p) PKCS7 *p7 = NULL;
	const unsigned char *p;
	uint32_t off, size, len;

	pe_dir(pe, PE_DIR_SECURITY, &off, &size);
	if (!size)
		return 0;
	info->is_signed = 1;
	if ((uint64_t)off + size > pe->len || size < WIN_CERT_HDR)
		return cvm_err_set(reterr, -EBADMSG, "the certificate table lies outside the file");
	len = cvm_le32(pe->data + off);
	if (len < WIN_CERT_HDR || len > size ||
	    cvm_le16(pe->data + off + 6) != WIN_CERT_TYPE_PKCS_SIGNED_DATA)
		return cvm_err_set(reterr, -EBADMSG,
				   "the certificate table holds no PKCS#7 signature");
	p = pe->data + off + WIN_CERT_HDR;
	p7 = d2i_PKCS7(NULL, &p, (long)(len - WIN_CERT_HDR));
	ERR_clear_error();
	if (!p7)
		return cvm_err_set(reterr, -EBADMSG, "the PKCS#7 signature cannot be parsed");
	return describe_p7(p7, info, reterr);
}
