/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <cvmimg/cleanup.h>

#include "attest/result.h"
#include "attest/snp-chain.h"
#include "util/x509.h"
#include "util/ossl.h"

static const char *const cert_names[CVM_SNP_PRODUCT__COUNT] = {
	[CVM_SNP_MILAN] = "Milan",
	[CVM_SNP_GENOA] = "Genoa",
	[CVM_SNP_TURIN] = "Turin",
};

const char *cvm_snp_product_cert_name(enum cvm_snp_product p)
{
	return (unsigned)p < CVM_SNP_PRODUCT__COUNT ? cert_names[p] : "unknown";
}

static enum cvm_snp_product product_named(const char *s, size_t len)
{
	for (int p = 0; p < CVM_SNP_PRODUCT__COUNT; p++)
		if (strlen(cert_names[p]) == len && !strncasecmp(s, cert_names[p], len))
			return (enum cvm_snp_product)p;
	return CVM_SNP_PRODUCT_INVALID;
}

enum cvm_snp_signer cvm_snp_vek_kind(X509 *leaf)
{
	char cn[64];

	cvm_x509_subject_cn(leaf, cn, sizeof(cn));
	if (!strcmp(cn, "SEV-VCEK"))
		return CVM_SNP_SIGNER_VCEK;
	if (!strcmp(cn, "SEV-VLEK"))
		return CVM_SNP_SIGNER_VLEK;
	return CVM_SNP_SIGNER_INVALID;
}

enum cvm_snp_product cvm_snp_issuer_product(X509 *leaf)
{
	char cn[64];
	const char *p = cn;

	cvm_x509_issuer_cn(leaf, cn, sizeof(cn));
	if (strncmp(p, "SEV-", 4))
		return CVM_SNP_PRODUCT_INVALID;
	p += 4;
	if (!strncmp(p, "VLEK-", 5))
		p += 5;
	return product_named(p, strlen(p));
}

enum cvm_snp_product cvm_snp_name_product(const char *name)
{
	/* "Milan-B0": the product before the stepping; Genoa's has none */
	const char *dash = strchr(name, '-');

	return product_named(name, dash ? (size_t)(dash - name) : strlen(name));
}

/*
 * A certificate the caller supplied as the root (or a self-issued one in the
 * chain) must be the built-in ARK: it is compared, never trusted.
 */
static bool supplied_root_ok(X509 *x, X509 *ark, const char *file, struct cvm_attest_result *r)
{
	char cn[64], want[64];

	if (cvm_x509_same_key(x, ark) && X509_cmp(x, ark) == 0)
		return true;
	cvm_x509_subject_cn(x, cn, sizeof(cn));
	cvm_x509_subject_cn(ark, want, sizeof(want));
	return cvm_check(r, "chain", false, "'%s' in '%s' is not the built-in %s", cn, file,
			 want);
}

/* --ark, or the self-issued certificate of --chain (AMD's cert_chain.pem holds the ARK). */
static X509 *supplied_ark(const struct snp_chain_input *in)
{
	if (in->ark)
		return in->ark;
	for (int i = 0; in->chain && i < sk_X509_num(in->chain); i++)
		if (cvm_x509_self_issued(sk_X509_value(in->chain, i)))
			return sk_X509_value(in->chain, i);
	return NULL;
}

static int untrusted_set(const struct snp_chain_input *in, X509 *ark, STACK_OF(X509) *out,
			 struct cvm_attest_result *r)
{
	enum amd_role role = in->kind == CVM_SNP_SIGNER_VLEK ? AMD_ROLE_ASVK : AMD_ROLE_ASK;

	if (in->ark && !supplied_root_ok(in->ark, ark, in->ark_name, r))
		return -EKEYREJECTED;
	if (!in->chain) {
		X509 *inter = amd_root(in->roots, in->product, role);

		if (!inter) /* a built-in PEM that does not match its pin */
			return cvm_check(r, "chain", false, "the built-in AMD certificates of %s do "
					 "not match their pinned keys",
					 cvm_snp_product_cert_name(in->product)) ? 0 : -EKEYREJECTED;
		return sk_X509_push(out, inter) ? 0 : -ENOMEM;
	}
	for (int i = 0; i < sk_X509_num(in->chain); i++) {
		X509 *x = sk_X509_value(in->chain, i);

		if (cvm_x509_self_issued(x)) {
			if (!supplied_root_ok(x, ark, in->chain_name, r))
				return -EKEYREJECTED;
			continue;
		}
		if (!sk_X509_push(out, x))
			return -ENOMEM;
	}
	return 0;
}

/* After OpenSSL accepted the chain: the shape AMD's hierarchy has. */
static bool chain_shape_ok(const struct snp_chain_input *in, STACK_OF(X509) *chain,
			   struct cvm_attest_result *r)
{
	const char *prod = cvm_snp_product_cert_name(in->product);
	char want[64], cn[64], group[32];
	X509 *inter;
	EVP_PKEY *key = X509_get0_pubkey(in->leaf);

	if (sk_X509_num(chain) != 3)
		return cvm_check(r, "chain", false, "chain has %d certificates, expected 3",
				 sk_X509_num(chain));
	inter = sk_X509_value(chain, 1);
	snprintf(want, sizeof(want), "SEV-%s%s", in->kind == CVM_SNP_SIGNER_VLEK ? "VLEK-" : "",
		 prod);
	cvm_x509_subject_cn(inter, cn, sizeof(cn));
	if (strcmp(cn, want))
		return cvm_check(r, "chain", false, "the %s's issuer is '%s', expected '%s'",
				 in->kind == CVM_SNP_SIGNER_VLEK ? "VLEK" : "VCEK", cn, want);
	cvm_pkey_ec_group(key, group, sizeof(group));
	if (strcmp(group, "secp384r1"))
		return cvm_check(r, "chain", false, "the endorsement key is not EC P-384");
	if (X509_get_signature_nid(in->leaf) != NID_rsassaPss)
		return cvm_check(r, "chain", false, "the endorsement key certificate is signed "
						    "with %s, not RSASSA-PSS",
				 cvm_x509_sig_alg(in->leaf));
	return true;
}

bool cvm_snp_check_chain(const struct snp_chain_input *in, X509 **ret_intermediate,
			 struct cvm_attest_result *r)
{
	CVM_CLEANUP(cvm_x509_shallow_stackp) STACK_OF(X509) *untrusted = sk_X509_new_null();
	CVM_CLEANUP(cvm_x509_stackp) STACK_OF(X509) *chain = NULL;
	X509 *ark;
	char detail[160], leaf_cn[64], inter_cn[64], ark_cn[64], when[32];

	if ((unsigned)in->product >= CVM_SNP_PRODUCT__COUNT)
		return cvm_check(r, "chain", false, "no AMD root: the product is unknown");
	if (in->kind != CVM_SNP_SIGNER_VCEK && in->kind != CVM_SNP_SIGNER_VLEK)
		return cvm_check(r, "chain", false, "the leaf is neither SEV-VCEK nor SEV-VLEK");
	/* a supplied ARK that is the built-in one serves as it, unparsed twice */
	ark = supplied_ark(in);
	if (!ark || !amd_root_is(in->roots, in->product, AMD_ROLE_ARK, ark))
		ark = amd_root(in->roots, in->product, AMD_ROLE_ARK);
	if (!ark)
		return cvm_check(r, "chain", false, "the built-in AMD certificates of %s do not "
				 "match their pinned keys", cvm_snp_product_cert_name(in->product));
	if (!untrusted)
		return cvm_check(r, "chain", false, "out of memory");
	switch (untrusted_set(in, ark, untrusted, r)) {
	case 0:
		break;
	case -EKEYREJECTED:
		return false; /* recorded */
	default:
		return cvm_check(r, "chain", false, "out of memory");
	}
	if (cvm_x509_verify_chain(in->leaf, untrusted, ark, in->at, &chain, detail,
				  sizeof(detail)) < 0)
		return cvm_check(r, "chain", false, "%s (to the built-in ARK-%s)", detail,
				 cvm_snp_product_cert_name(in->product));
	if (!chain_shape_ok(in, chain, r))
		return false;
	*ret_intermediate = sk_X509_value(chain, 1);
	X509_up_ref(*ret_intermediate);
	cvm_x509_subject_cn(in->leaf, leaf_cn, sizeof(leaf_cn));
	cvm_x509_subject_cn(*ret_intermediate, inter_cn, sizeof(inter_cn));
	cvm_x509_subject_cn(ark, ark_cn, sizeof(ark_cn));
	cvm_format_time(in->at, when, sizeof(when));
	return cvm_check(r, "chain", true, "%s <- %s <- %s (built-in), valid at %s", leaf_cn,
			 inter_cn, ark_cn, when);
}

bool cvm_snp_check_crl(X509_CRL *crl, const struct snp_chain_input *in, X509 *intermediate,
		       struct cvm_attest_result *r)
{
	X509 *certs[] = { intermediate, in->leaf };
	X509 *ark = amd_root(in->roots, in->product, AMD_ROLE_ARK);
	char detail[160];

	if ((unsigned)in->product >= CVM_SNP_PRODUCT__COUNT)
		return cvm_check(r, "crl", false, "no AMD root: the product is unknown");
	if (!ark)
		return cvm_check(r, "crl", false, "the built-in AMD certificates of %s do not "
				 "match their pinned keys", cvm_snp_product_cert_name(in->product));
	if (cvm_crl_check(crl, ark, in->at, certs, 2, detail, sizeof(detail)) < 0)
		return cvm_check(r, "crl", false, "%s", detail);
	return cvm_check(r, "crl", true, "CRL signed by ARK-%s, current, revokes neither %s",
			 cvm_snp_product_cert_name(in->product),
			 intermediate ? "the ASK/ASVK nor the endorsement key"
				      : "the endorsement key");
}
