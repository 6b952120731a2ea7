/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cvm_snp_verify(): the checks of reference/snp-report.md section 4, in order.
 * Mandatory checks and policy checks are all recorded, so that a caller sees
 * every mismatch, not only the first.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cvmimg/attest.h>
#include <cvmimg/cleanup.h>
#include <cvmimg/log.h>

#include "attest/policy.h"
#include "attest/result.h"
#include "attest/snp-chain.h"
#include "attest/snp-report.h"
#include "util/endian.h"
#include "attest/snp-verify.h"
#include "util/x509.h"
#include "util/log-internal.h"
#include "util/macro.h"
#include "util/ossl.h"

struct snp_inputs {
	uint8_t *buf; /* the report, possibly followed by a certificate table */
	size_t len;
	X509 *leaf;
	const char *leaf_name;
	STACK_OF(X509) *chain;
	const char *chain_name;
	X509 *ark;
	const char *ark_name;
	X509_CRL *crl;
};

static void snp_inputs_done(struct snp_inputs *in)
{
	free(in->buf);
	X509_free(in->leaf);
	sk_X509_pop_free(in->chain, X509_free);
	X509_free(in->ark);
	X509_CRL_free(in->crl);
}

static bool given(const struct cvm_attest_blob *b)
{
	return b->data && b->len > 0;
}

/* Certificates from the table of an extended report, when the caller gave none. */
static int load_from_table(const struct cvm_snp_evidence *ev, struct snp_inputs *in,
			   cvm_err *reterr)
{
	struct snp_certs t;
	const char *name = ev->report.name;
	int r = cvm_snp_cert_table(in->buf + CVM_SNP_REPORT_SIZE, in->len - CVM_SNP_REPORT_SIZE,
				   name, &t, reterr);

	if (r < 0)
		return r;
	if (!in->leaf && (t.vcek || t.vlek)) {
		/* with both in the table, the report's SIGNING_KEY says which signed it */
		enum cvm_snp_signer want = ev->vek_kind;
		bool vlek;

		if (want == CVM_SNP_SIGNER_AUTO)
			want = SNP_SIGNING_KEY(cvm_le32(in->buf + 0x48)) == 1 ? CVM_SNP_SIGNER_VLEK
									   : CVM_SNP_SIGNER_VCEK;
		vlek = want == CVM_SNP_SIGNER_VLEK ? t.vlek != NULL : t.vcek == NULL;

		r = cvm_x509_load_one(vlek ? t.vlek : t.vcek, vlek ? t.vlek_len : t.vcek_len, name,
				      &in->leaf, reterr);
		if (r < 0)
			return r;
		in->leaf_name = name;
	}
	if (!given(&ev->chain) && t.ask) {
		r = cvm_x509_load_all(t.ask, t.ask_len, name, &in->chain, reterr);
		if (r < 0)
			return r;
		in->chain_name = name;
	}
	if (!given(&ev->ark) && t.ark) {
		r = cvm_x509_load_one(t.ark, t.ark_len, name, &in->ark, reterr);
		if (r < 0)
			return r;
		in->ark_name = name;
	}
	return 0;
}

static int load_inputs(const struct cvm_snp_evidence *ev, struct snp_inputs *in,
		       cvm_err *reterr)
{
	int r = cvm_snp_report_decode(&ev->report, ev->format, &in->buf, &in->len, reterr);

	if (r < 0)
		return r;
	if (given(&ev->vek)) {
		r = cvm_x509_load_one(ev->vek.data, ev->vek.len, ev->vek.name, &in->leaf, reterr);
		if (r < 0)
			return r;
		in->leaf_name = ev->vek.name;
	}
	if (given(&ev->chain)) {
		r = cvm_x509_load_all(ev->chain.data, ev->chain.len, ev->chain.name, &in->chain,
				      reterr);
		if (r < 0)
			return r;
		in->chain_name = ev->chain.name;
	}
	if (given(&ev->ark)) {
		r = cvm_x509_load_one(ev->ark.data, ev->ark.len, ev->ark.name, &in->ark, reterr);
		if (r < 0)
			return r;
		in->ark_name = ev->ark.name;
	}
	if (given(&ev->crl) &&
	    (r = cvm_crl_load(ev->crl.data, ev->crl.len, ev->crl.name, &in->crl, reterr)) < 0)
		return r;
	if (in->len > CVM_SNP_REPORT_SIZE && (r = load_from_table(ev, in, reterr)) < 0)
		return r;
	if (!in->leaf)
		return cvm_err_set(reterr, -EINVAL,
				   "no VCEK or VLEK: none given and '%s' carries no certificate "
				   "table",
				   ev->report.name);
	return 0;
}

/*
 * Every source that names the product must agree: the caller, the CPUID bytes
 * (v3+), the certificate's issuer and its productName.
 */
static enum cvm_snp_product check_product(const struct cvm_snp_evidence *ev,
					  const struct cvm_snp_info *info, X509 *leaf,
					  struct cvm_attest_result *r)
{
	enum cvm_snp_product cpuid = CVM_SNP_PRODUCT_INVALID, chosen;
	enum cvm_snp_product issuer = cvm_snp_issuer_product(leaf);
	enum cvm_snp_product name = cvm_snp_name_product(info->vek_product_name);
	const char *from;

	if (info->has_cpuid) {
		cpuid = cvm_snp_product_from_cpuid(info->cpuid_family, info->cpuid_model);
		if (cpuid == CVM_SNP_PRODUCT_INVALID) {
			cvm_check(r, "product", false,
				  "CPUID family 0x%02x model 0x%02x is not Milan, Genoa or Turin",
				  info->cpuid_family, info->cpuid_model);
			return CVM_SNP_PRODUCT_INVALID;
		}
	}
	if (ev->product >= 0)
		chosen = ev->product, from = "as requested";
	else if (info->has_cpuid)
		chosen = cpuid, from = "from the CPUID bytes";
	else if (issuer >= 0)
		chosen = issuer, from = "from the certificate issuer";
	else
		chosen = name, from = "from the certificate's productName";
	if (chosen < 0) {
		cvm_check(r, "product", false,
			  "unknown product: the version %u report has no CPUID bytes and the "
			  "certificate names none",
			  info->version);
		return chosen;
	}
	if ((cpuid >= 0 && cpuid != chosen) || (issuer >= 0 && issuer != chosen) ||
	    (name >= 0 && name != chosen)) {
		cvm_check(r, "product", false,
			  "sources disagree: %s requested, CPUID says %s, certificate issuer %s, "
			  "productName '%s'",
			  ev->product >= 0 ? cvm_snp_product_to_string(ev->product) : "none",
			  cpuid >= 0 ? cvm_snp_product_to_string(cpuid) : "none",
			  issuer >= 0 ? cvm_snp_product_to_string(issuer) : "none",
			  info->vek_product_name);
		return chosen;
	}
	cvm_check(r, "product", true, "%s (%s)", cvm_snp_product_to_string(chosen), from);
	cvm_log_debug(CVM_LOG_ATTEST, "product %s: CPUID %02x/%02x, issuer %s, productName '%s'",
		      cvm_snp_product_to_string(chosen), info->cpuid_family, info->cpuid_model,
		      issuer >= 0 ? cvm_snp_product_to_string(issuer) : "none",
		      info->vek_product_name);
	return chosen;
}

/* "VCEK", "VLEK" for messages. */
static const char *upper(enum cvm_snp_signer s)
{
	return s == CVM_SNP_SIGNER_VCEK ? "VCEK" : s == CVM_SNP_SIGNER_VLEK ? "VLEK" : "?";
}

static void check_signing_key(const struct cvm_snp_evidence *ev, const struct snp_inputs *in,
			      const struct cvm_snp_info *info, enum cvm_snp_signer leaf_kind,
			      struct cvm_attest_result *r)
{
	unsigned k = SNP_SIGNING_KEY(info->signer_info);

	if (info->signer < 0)
		cvm_check(r, "signing_key", false, "SIGNING_KEY is %u: %s", k,
			  k == 7 ? "the report is not signed" : "a reserved value");
	else if (leaf_kind < 0)
		cvm_check(r, "signing_key", false, "'%s' is neither a SEV-VCEK nor a SEV-VLEK",
			  in->leaf_name);
	else if (ev->vek_kind >= 0 && ev->vek_kind != leaf_kind)
		cvm_check(r, "signing_key", false, "'%s' was given as the %s but is a %s",
			  in->leaf_name, upper(ev->vek_kind),
			  upper(leaf_kind));
	else if (info->signer != leaf_kind)
		cvm_check(r, "signing_key", false, "the report is signed by a %s but '%s' is a %s",
			  upper(info->signer), in->leaf_name,
			  upper(leaf_kind));
	else
		cvm_check(r, "signing_key", true, "signed by the %s",
			  upper(leaf_kind));
}

static void check_signature(const struct snp_inputs *in, struct cvm_attest_result *r)
{
	EVP_PKEY *key = X509_get0_pubkey(in->leaf);
	const uint8_t *rep = in->buf;
	char group[32];
	int v;

	cvm_pkey_ec_group(key, group, sizeof(group));
	if (strcmp(group, "secp384r1")) {
		cvm_check(r, "report_signature", false, "the key in '%s' is not EC P-384",
			  in->leaf_name);
		return;
	}
	v = cvm_ecdsa_verify_raw(key, CVM_HASH_SHA384, rep + SNP_SIG_R, rep + SNP_SIG_S,
				 SNP_SIG_COORD, true, rep, SNP_SIGNED_LEN);
	if (v == 1)
		cvm_check(r, "report_signature", true,
			  "ECDSA P-384 signature verifies with the key in '%s'", in->leaf_name);
	else
		cvm_check(r, "report_signature", false,
			  "ECDSA P-384 signature does not verify with the key in '%s'",
			  in->leaf_name);
}

static bool tcb_le(const struct cvm_snp_tcb *a, const struct cvm_snp_tcb *b, bool fmc)
{
	return a->bootloader <= b->bootloader && a->tee <= b->tee && a->snp <= b->snp &&
	       a->microcode <= b->microcode && (!fmc || a->fmc <= b->fmc);
}

/* REPORTED_TCB is the TCB the VCEK/VLEK was derived from: equal, component by component. */
static void check_tcb_binding(const struct cvm_snp_info *info, enum cvm_snp_product p,
			      const char *vek_err, struct cvm_attest_result *r)
{
	const struct cvm_snp_tcb *rep = &info->reported_tcb, *vek = &info->vek_tcb;
	bool turin = p == CVM_SNP_TURIN;
	const struct {
		const char *name, *ext;
		const uint8_t *rep, *vek;
	} parts[] = {
		{ "fmc", "fmcSPL", &rep->fmc, &vek->fmc },
		{ "bootloader", "blSPL", &rep->bootloader, &vek->bootloader },
		{ "tee", "teeSPL", &rep->tee, &vek->tee },
		{ "snp", "snpSPL", &rep->snp, &vek->snp },
		{ "microcode", "ucodeSPL", &rep->microcode, &vek->microcode },
	};

	if (vek_err[0]) {
		cvm_check(r, "tcb_binding", false, "endorsement key certificate: %s", vek_err);
		return;
	}
	if (turin && !info->vek_has_fmc) {
		cvm_check(r, "tcb_binding", false, "a Turin certificate needs an fmcSPL extension");
		return;
	}
	for (size_t i = 0; i < CVM_ARRAY_SIZE(parts); i++)
		if ((i > 0 || turin) && *parts[i].rep != *parts[i].vek) {
			cvm_check(r, "tcb_binding", false,
				  "REPORTED_TCB %s is %u but the certificate's %s is %u",
				  parts[i].name, *parts[i].rep, parts[i].ext, *parts[i].vek);
			return;
		}
	if (!tcb_le(vek, &info->current_tcb, turin)) {
		cvm_check(r, "tcb_binding", false, "the certificate's TCB is above CURRENT_TCB 0x%016llx",
			  (unsigned long long)info->current_tcb.raw);
		return;
	}
	cvm_check(r, "tcb_binding", true,
		  "REPORTED_TCB 0x%016llx equals the certificate's SPLs and is at most CURRENT_TCB",
		  (unsigned long long)rep->raw);
}

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/* A VCEK is one chip's: its hwID must be the report's CHIP_ID (8 bytes on Turin). */
static void check_chip_id(const struct cvm_snp_info *info, enum cvm_snp_product p,
			  struct cvm_attest_result *r)
{
	size_t n = p == CVM_SNP_TURIN ? 8 : 64;

	if (all_zero(info->chip_id, 64))
		cvm_check(r, "chip_id", true,
			  "CHIP_ID is masked (all zero): the VCEK cannot be tied to it");
	else if (info->vek_hwid_len == 0)
		cvm_check(r, "chip_id", false, "the VCEK has no hwID extension");
	else if (info->vek_hwid_len != n)
		cvm_check(r, "chip_id", false, "the VCEK's hwID is %zu bytes, %s uses %zu",
			  info->vek_hwid_len, cvm_snp_product_cert_name(p), n);
	else if (memcmp(info->chip_id, info->vek_hwid, n) || !all_zero(info->chip_id + n, 64 - n))
		cvm_check(r, "chip_id", false, "CHIP_ID differs from the VCEK's hwID");
	else
		cvm_check(r, "chip_id", true, "CHIP_ID equals the VCEK's hwID (%zu bytes)", n);
}

static void decode_tcbs(struct cvm_snp_info *info, enum cvm_snp_product p)
{
	struct cvm_snp_tcb *t[] = { &info->current_tcb, &info->reported_tcb,
				    &info->committed_tcb, &info->launch_tcb };

	for (size_t i = 0; i < CVM_ARRAY_SIZE(t); i++)
		cvm_snp_tcb_decode(t[i]->raw, p, t[i]);
}

static void verify_parsed(const struct cvm_snp_evidence *ev, const struct snp_inputs *in,
			  const struct cvm_attest_policy *policy, const struct amd_roots *roots,
			  struct cvm_attest_result *ret)
{
	struct cvm_snp_info *info = &ret->snp;
	enum cvm_snp_signer kind = cvm_snp_vek_kind(in->leaf);
	struct snp_chain_input chain = {
		.leaf = in->leaf, .kind = kind, .chain = in->chain, .chain_name = in->chain_name,
		.ark = in->ark, .ark_name = in->ark_name, .roots = roots,
		.at = ev->have_time ? ev->at_time : (int64_t)time(NULL),
	};
	CVM_CLEANUP(cvm_x509p) X509 *intermediate = NULL;
	char vek_err[128];

	cvm_snp_vek_parse(in->leaf, info, vek_err, sizeof(vek_err));
	chain.product = check_product(ev, info, in->leaf, ret);
	info->product = chain.product;
	decode_tcbs(info, chain.product);
	check_signing_key(ev, in, info, kind, ret);
	cvm_snp_check_chain(&chain, &intermediate, ret);
	if (in->crl)
		cvm_snp_check_crl(in->crl, &chain, intermediate, ret);
	check_signature(in, ret);
	check_tcb_binding(info, chain.product, vek_err, ret);
	if (kind == CVM_SNP_SIGNER_VCEK)
		check_chip_id(info, chain.product, ret);
	cvm_snp_policy_check(info, policy, ret);
	cvm_snp_policy_revocation(in->crl != NULL, policy, ret);
}

int cvm_snp_verify_roots(const struct cvm_snp_evidence *evidence,
			 const struct cvm_attest_policy *policy, const struct amd_roots *roots,
			 struct cvm_attest_result *ret, cvm_err *reterr)
{
	CVM_CLEANUP(snp_inputs_done) struct snp_inputs in = { 0 };
	struct cvm_snp_evidence e;
	const struct cvm_snp_evidence *ev = &e;
	int r;

	CVM_CHECK_ARG(evidence && policy && roots && ret, reterr);
	CVM_CHECK_ARG(evidence->product == CVM_SNP_PRODUCT_AUTO ||
			      (unsigned)evidence->product < CVM_SNP_PRODUCT__COUNT,
		      reterr);
	CVM_CHECK_ARG(evidence->vek_kind == CVM_SNP_SIGNER_AUTO ||
			      (unsigned)evidence->vek_kind < CVM_SNP_SIGNER__COUNT,
		      reterr);
	CVM_CHECK_ARG((unsigned)evidence->format < CVM_SNP_FORMAT__COUNT, reterr);
	e = *evidence;
	cvm_blob_name_default(&e.report, "report");
	cvm_blob_name_default(&e.vek, "endorsement key certificate");
	cvm_blob_name_default(&e.chain, "certificate chain");
	cvm_blob_name_default(&e.ark, "ARK");
	cvm_blob_name_default(&e.crl, "CRL");
	r = load_inputs(ev, &in, reterr);
	if (r < 0)
		return r;
	memset(ret, 0, sizeof(*ret));
	ret->tee = CVM_ATTEST_SNP;
	ret->snp.product = CVM_SNP_PRODUCT_INVALID;
	cvm_snp_report_parse(in.buf, &ret->snp);
	ret->version = ret->snp.version;
	ret->parsed = cvm_snp_report_structure(in.buf, &ret->snp, ret);
	if (ret->parsed)
		verify_parsed(ev, &in, policy, roots, ret);
	cvm_result_finish(ret);
	return 0;
}

CVM_PUBLIC int cvm_snp_verify(const struct cvm_snp_evidence *ev,
			      const struct cvm_attest_policy *policy, struct cvm_attest_result *ret,
			      cvm_err *reterr)
{
	return cvm_snp_verify_roots(ev, policy, cvm_amd_roots_builtin(), ret, reterr);
}
