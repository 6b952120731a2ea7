/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The AMD extensions of a VCEK or VLEK certificate (AMD spec #57230, OID arc
 * 1.3.6.1.4.1.3704.1): struct version, product name, the SPLs of the TCB it was
 * derived from, the chip's HWID (VCEK) or the CSP id (VLEK).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/err.h>

#include <cvmimg/cleanup.h>

#include "attest/snp-chain.h"
#include "util/x509.h"
#include "util/ossl.h"

#define AMD_OID "1.3.6.1.4.1.3704.1."


/*
 * A DER INTEGER in 0..255, in its canonical encoding only: a value >= 0x80 is
 * 02 02 00 xx, and 02 02 01 xx (which a last-byte reader would take for xx)
 * is refused.
 */
static int ext_u8(X509 *x, const char *oid, int *ret)
{
	CVM_CLEANUP(cvm_asn1_integerp) ASN1_INTEGER *i = NULL;
	size_t len;
	const uint8_t *data = cvm_x509_ext_data(x, oid, &len), *p = data;
	uint8_t *der = NULL;
	int64_t v;
	int n;

	if (!data)
		return -ENOENT;
	i = d2i_ASN1_INTEGER(NULL, &p, (long)len);
	if (!i || p != data + len || !ASN1_INTEGER_get_int64(&v, i)) {
		ERR_clear_error();
		return -EBADMSG;
	}
	n = i2d_ASN1_INTEGER(i, &der);
	if (n != (int)len || memcmp(der, data, len) || v < 0 || v > 255) {
		OPENSSL_free(der);
		return -EBADMSG;
	}
	OPENSSL_free(der);
	*ret = (int)v;
	return 0;
}

static int ext_ia5(X509 *x, const char *oid, char *buf, size_t buflen)
{
	CVM_CLEANUP(cvm_asn1_ia5stringp) ASN1_IA5STRING *s = NULL;
	size_t len;
	const uint8_t *data = cvm_x509_ext_data(x, oid, &len), *p = data;
	int sl;

	if (!data)
		return -ENOENT;
	s = d2i_ASN1_IA5STRING(NULL, &p, (long)len);
	ERR_clear_error();
	if (!s || p != data + len)
		return -EBADMSG;
	sl = ASN1_STRING_length(s);
	if (sl < 0 || (size_t)sl >= buflen || memchr(ASN1_STRING_get0_data(s), 0, (size_t)sl))
		return -EBADMSG;
	memcpy(buf, ASN1_STRING_get0_data(s), (size_t)sl);
	buf[sl] = '\0';
	for (char *c = buf; *c; c++)
		if (*c < 0x20 || *c > 0x7e)
			return -EBADMSG;
	return 0;
}

/*
 * hwID: 64 bytes (Milan, Genoa) or 8 (Turin), either raw in extnValue (what
 * AMD's KDS serves) or wrapped in an OCTET STRING (seen in test data).
 */
static int ext_hwid(X509 *x, uint8_t out[64], size_t *ret_len)
{
	CVM_CLEANUP(cvm_asn1_octet_stringp) ASN1_OCTET_STRING *o = NULL;
	size_t len;
	const uint8_t *data = cvm_x509_ext_data(x, AMD_OID "4", &len), *p = data;
	int ol;

	if (!data)
		return -ENOENT;
	if (len == 64 || len == 8) {
		memcpy(out, data, len);
		*ret_len = len;
		return 0;
	}
	o = d2i_ASN1_OCTET_STRING(NULL, &p, (long)len);
	ERR_clear_error();
	if (!o || p != data + len)
		return -EBADMSG;
	ol = ASN1_STRING_length(o);
	if (ol != 64 && ol != 8)
		return -EBADMSG;
	memcpy(out, ASN1_STRING_get0_data(o), (size_t)ol);
	*ret_len = (size_t)ol;
	return 0;
}

/* The SPL extensions by TCB component; fmcSPL only exists in Turin certificates. */
static int read_spls(X509 *x, struct cvm_snp_info *info, char *err, size_t errlen)
{
	static const struct {
		const char *oid, *name;
	} spls[] = {
		{ AMD_OID "3.1", "blSPL" },
		{ AMD_OID "3.2", "teeSPL" },
		{ AMD_OID "3.3", "snpSPL" },
		{ AMD_OID "3.8", "ucodeSPL" },
		{ AMD_OID "3.9", "fmcSPL" },
	};
	uint8_t *dst[] = { &info->vek_tcb.bootloader, &info->vek_tcb.tee, &info->vek_tcb.snp,
			   &info->vek_tcb.microcode, &info->vek_tcb.fmc };

	for (size_t i = 0; i < sizeof(spls) / sizeof(spls[0]); i++) {
		int v, r = ext_u8(x, spls[i].oid, &v);

		if (r == -ENOENT && i == 4) /* no fmcSPL: Milan and Genoa */
			continue;
		if (r == -ENOENT) {
			snprintf(err, errlen, "%s extension missing", spls[i].name);
			return -EBADMSG;
		}
		if (r < 0) {
			snprintf(err, errlen, "%s extension is not a canonical INTEGER 0..255",
				 spls[i].name);
			return r;
		}
		*dst[i] = (uint8_t)v;
		if (i == 4)
			info->vek_has_fmc = true;
	}
	return 0;
}

int cvm_snp_vek_parse(X509 *x, struct cvm_snp_info *info, char *err, size_t errlen)
{
	int v, r;

	info->have_vek = true;
	info->vek_struct_version = -1;
	err[0] = '\0';
	r = ext_u8(x, AMD_OID "1", &v);
	if (r == 0)
		info->vek_struct_version = v;
	else if (r != -ENOENT) {
		snprintf(err, errlen, "structVersion extension is malformed");
		return r;
	}
	r = ext_ia5(x, AMD_OID "2", info->vek_product_name, sizeof(info->vek_product_name));
	if (r == -EBADMSG) {
		snprintf(err, errlen, "productName extension is malformed");
		return r;
	}
	r = ext_ia5(x, AMD_OID "5", info->vek_csp_id, sizeof(info->vek_csp_id));
	if (r == -EBADMSG) {
		snprintf(err, errlen, "cspId extension is malformed");
		return r;
	}
	r = ext_hwid(x, info->vek_hwid, &info->vek_hwid_len);
	if (r == -EBADMSG) {
		snprintf(err, errlen, "hwID extension is neither 64 nor 8 bytes, raw or in an "
				      "OCTET STRING");
		return r;
	}
	return read_spls(x, info, err, errlen);
}
