/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The AMD certificate chain of an SNP report: ARK -> ASK -> VCEK or
 * ARK -> ASVK -> VLEK, anchored only at the built-in ARK of the product.
 */
#ifndef CVM_ATTEST_SNP_CHAIN_H
#define CVM_ATTEST_SNP_CHAIN_H

#include <stdbool.h>
#include <stdint.h>

#include <openssl/x509.h>

#include <cvmimg/attest.h>

#include "attest/snp-roots.h"

/* "Milan", "Genoa", "Turin": the spelling in AMD's certificate names. */
const char *cvm_snp_product_cert_name(enum cvm_snp_product p);

/*
 * Parse the AMD extensions of a VCEK/VLEK into info->vek_*. Returns 0;
 * -EBADMSG with the reason in @err for a malformed or missing extension.
 */
int cvm_snp_vek_parse(X509 *x, struct cvm_snp_info *info, char *err, size_t errlen);

/* VCEK or VLEK from the subject CN ("SEV-VCEK", "SEV-VLEK"), else INVALID. */
enum cvm_snp_signer cvm_snp_vek_kind(X509 *leaf);

/* The product in the issuer CN ("SEV-Milan", "SEV-VLEK-Genoa"), else INVALID. */
enum cvm_snp_product cvm_snp_issuer_product(X509 *leaf);

/* The product in a productName extension ("Milan-B0", "Genoa"), else INVALID. */
enum cvm_snp_product cvm_snp_name_product(const char *product_name);

struct snp_chain_input {
	X509 *leaf;
	enum cvm_snp_signer kind;  /* of the leaf */
	STACK_OF(X509) *chain;     /* from the caller; NULL: the built-in intermediate */
	const char *chain_name;
	X509 *ark;                 /* an ARK that came with the evidence, or NULL */
	const char *ark_name;
	const struct amd_roots *roots;
	enum cvm_snp_product product;
	int64_t at;
};

/*
 * Record the "chain" check. On success *ret_intermediate holds a reference to
 * the ASK or ASVK the chain went through (X509_free it).
 */
bool cvm_snp_check_chain(const struct snp_chain_input *in, X509 **ret_intermediate,
			 struct cvm_attest_result *r);

/*
 * Record the "crl" check: issued and signed by the product's ARK, current at
 * in->at, revoking neither @intermediate (may be NULL) nor the leaf.
 */
bool cvm_snp_check_crl(X509_CRL *crl, const struct snp_chain_input *in, X509 *intermediate,
		       struct cvm_attest_result *r);

#endif
