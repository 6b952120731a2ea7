/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/objects.h>

#include <cvmimg/cleanup.h>

#include "attest/result.h"
#include "attest/tdx/tdx-chain.h"
#include "util/x509.h"
#include "util/ossl.h"

#define SGX_EXT "1.2.840.113741.1.13.1"

/* The built-in root, or a copy of it: same key, and it signs itself. */
static bool is_pinned_root(X509 *x, X509 *root)
{
	EVP_PKEY *k = X509_get0_pubkey(x);
	bool ok = cvm_x509_same_key(x, root) && k && X509_verify(x, k) == 1;

	ERR_clear_error();
	return ok;
}

bool cvm_tdx_check_pck_chain(STACK_OF(X509) *certs, X509 *root, int64_t at,
			     struct cvm_attest_result *r)
{
	CVM_CLEANUP(cvm_x509_shallow_stackp) STACK_OF(X509) *untrusted = sk_X509_new_null();
	char leaf_cn[64], inter_cn[64], detail[160], when[32];
	X509 *leaf, *inter;

	if (sk_X509_num(certs) != 3)
		return cvm_check(r, "pck_chain", false,
				 "the quote's PCK chain has %d certificates, expected 3",
				 sk_X509_num(certs));
	leaf = sk_X509_value(certs, 0);
	inter = sk_X509_value(certs, 1);
	if (!is_pinned_root(sk_X509_value(certs, 2), root))
		return cvm_check(r, "pck_chain", false,
				 "the quote's root certificate is not the built-in Intel SGX Root "
				 "CA");
	cvm_x509_subject_cn(leaf, leaf_cn, sizeof(leaf_cn));
	cvm_x509_subject_cn(inter, inter_cn, sizeof(inter_cn));
	if (strcmp(leaf_cn, "Intel SGX PCK Certificate") ||
	    (strcmp(inter_cn, "Intel SGX PCK Platform CA") &&
	     strcmp(inter_cn, "Intel SGX PCK Processor CA")))
		return cvm_check(r, "pck_chain", false,
				 "unexpected certificates '%s' <- '%s' (expected the Intel SGX PCK "
				 "Certificate <- PCK Platform or Processor CA)",
				 leaf_cn, inter_cn);
	if (!untrusted || !sk_X509_push(untrusted, inter))
		return cvm_check(r, "pck_chain", false, "out of memory");
	if (cvm_x509_verify_chain(leaf, untrusted, root, at, NULL, detail, sizeof(detail)) < 0)
		return cvm_check(r, "pck_chain", false, "%s (to the built-in Intel SGX Root CA)",
				 detail);
	cvm_format_time(at, when, sizeof(when));
	return cvm_check(r, "pck_chain", true, "%s <- %s <- Intel SGX Root CA (built-in), valid at %s",
			 leaf_cn, inter_cn, when);
}

/* SEQUENCE { OBJECT, value } -> the OID in dotted form and the value. */
static int oid_value(const ASN1_TYPE *item, char *oid, size_t oidlen,
		     STACK_OF(ASN1_TYPE) **ret_pair)
{
	STACK_OF(ASN1_TYPE) *pair;
	const uint8_t *p;
	ASN1_TYPE *o;

	if (item->type != V_ASN1_SEQUENCE)
		return -EBADMSG;
	p = item->value.sequence->data;
	pair = d2i_ASN1_SEQUENCE_ANY(NULL, &p, item->value.sequence->length);
	if (!pair || sk_ASN1_TYPE_num(pair) != 2 ||
	    (o = sk_ASN1_TYPE_value(pair, 0))->type != V_ASN1_OBJECT ||
	    OBJ_obj2txt(oid, (int)oidlen, o->value.object, 1) <= 0) {
		sk_ASN1_TYPE_pop_free(pair, ASN1_TYPE_free);
		ERR_clear_error();
		return -EBADMSG;
	}
	*ret_pair = pair;
	return 0;
}

static int as_int(const ASN1_TYPE *v, int64_t max, int64_t *ret)
{
	if ((v->type != V_ASN1_INTEGER && v->type != V_ASN1_ENUMERATED) ||
	    !ASN1_INTEGER_get_int64(ret, v->value.integer) || *ret < 0 || *ret > max) {
		ERR_clear_error();
		return -EBADMSG;
	}
	return 0;
}

static int as_octets(const ASN1_TYPE *v, uint8_t *out, size_t len)
{
	if (v->type != V_ASN1_OCTET_STRING ||
	    (size_t)ASN1_STRING_length(v->value.octet_string) != len)
		return -EBADMSG;
	memcpy(out, ASN1_STRING_get0_data(v->value.octet_string), len);
	return 0;
}

/* The TCB sequence: .2.1 .. .2.16 component SVNs, .2.17 PCESVN, .2.18 CPUSVN. */
static int parse_tcb(const ASN1_TYPE *v, struct cvm_tdx_info *info, unsigned *seen)
{
	CVM_CLEANUP(cvm_asn1_type_stackp) STACK_OF(ASN1_TYPE) *seq = NULL;
	const uint8_t *p;

	if (v->type != V_ASN1_SEQUENCE)
		return -EBADMSG;
	p = v->value.sequence->data;
	seq = d2i_ASN1_SEQUENCE_ANY(NULL, &p, v->value.sequence->length);
	if (!seq) {
		ERR_clear_error();
		return -EBADMSG;
	}
	for (int i = 0; i < sk_ASN1_TYPE_num(seq); i++) {
		CVM_CLEANUP(cvm_asn1_type_stackp) STACK_OF(ASN1_TYPE) *pair = NULL;
		char oid[64];
		const ASN1_TYPE *val;
		int n = 0, k;
		int64_t x;

		if (oid_value(sk_ASN1_TYPE_value(seq, i), oid, sizeof(oid), &pair) < 0)
			return -EBADMSG;
		val = sk_ASN1_TYPE_value(pair, 1);
		if (strncmp(oid, SGX_EXT ".2.", sizeof(SGX_EXT ".2.") - 1) ||
		    sscanf(oid + sizeof(SGX_EXT ".2.") - 1, "%d%n", &k, &n) != 1 ||
		    oid[sizeof(SGX_EXT ".2.") - 1 + n] != '\0')
			continue;
		if (k >= 1 && k <= 16) {
			if (as_int(val, 255, &x) < 0)
				return -EBADMSG;
			info->sgx_tcb_svns[k - 1] = (uint8_t)x;
			*seen |= 1u << (k - 1);
		} else if (k == 17) {
			if (as_int(val, 65535, &x) < 0)
				return -EBADMSG;
			info->pcesvn = (uint16_t)x;
			*seen |= 1u << 16;
		} else if (k == 18 && as_octets(val, info->cpusvn, 16) < 0) {
			return -EBADMSG;
		}
	}
	return 0;
}

static int parse_item(const ASN1_TYPE *item, struct cvm_tdx_info *info, unsigned *seen)
{
	CVM_CLEANUP(cvm_asn1_type_stackp) STACK_OF(ASN1_TYPE) *pair = NULL;
	char oid[64];
	const ASN1_TYPE *val;

	if (oid_value(item, oid, sizeof(oid), &pair) < 0)
		return -EBADMSG;
	val = sk_ASN1_TYPE_value(pair, 1);
	if (!strcmp(oid, SGX_EXT ".2"))
		return parse_tcb(val, info, seen);
	if (!strcmp(oid, SGX_EXT ".3")) {
		*seen |= 1u << 17;
		return as_octets(val, info->pce_id, 2);
	}
	if (!strcmp(oid, SGX_EXT ".4")) {
		*seen |= 1u << 18;
		return as_octets(val, info->fmspc, 6);
	}
	return 0; /* PPID, SGX type, platform instance, configuration: not used */
}

int cvm_tdx_pck_parse(X509 *leaf, struct cvm_tdx_info *info, char *err, size_t errlen)
{
	CVM_CLEANUP(cvm_asn1_type_stackp) STACK_OF(ASN1_TYPE) *seq = NULL;
	size_t len;
	const uint8_t *data = cvm_x509_ext_data(leaf, SGX_EXT, &len), *p = data;
	unsigned seen = 0;

	cvm_x509_issuer_cn(leaf, info->pck_issuer, sizeof(info->pck_issuer));
	if (cvm_x509_not_after(leaf, &info->pck_not_after) < 0)
		info->pck_not_after = 0;
	if (!data) {
		snprintf(err, errlen, "the PCK certificate has no SGX extension");
		return -EBADMSG;
	}
	seq = d2i_ASN1_SEQUENCE_ANY(NULL, &p, (long)len);
	ERR_clear_error();
	if (!seq || p != data + len) {
		snprintf(err, errlen, "the PCK certificate's SGX extension does not parse");
		return -EBADMSG;
	}
	for (int i = 0; i < sk_ASN1_TYPE_num(seq); i++)
		if (parse_item(sk_ASN1_TYPE_value(seq, i), info, &seen) < 0) {
			snprintf(err, errlen, "the PCK certificate's SGX extension is malformed");
			return -EBADMSG;
		}
	if (seen != (1u << 19) - 1) {
		snprintf(err, errlen, "the PCK certificate's SGX extension lacks %s",
			 !(seen & (1u << 18)) ? "the FMSPC"
			 : !(seen & (1u << 17)) ? "the PCE-ID"
						: "TCB components");
		return -EBADMSG;
	}
	info->have_pck = true;
	return 0;
}
