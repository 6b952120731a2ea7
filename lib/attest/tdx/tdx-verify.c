/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cvm_tdx_verify(): the steps of reference/tdx-quote.md sections 2 and 4, in order. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cvmimg/attest.h>
#include <cvmimg/cleanup.h>

#include "attest/tdx/tdx-collateral-parse.h"
#include "attest/tdx/tdx-roots.h"
#include "attest/policy.h"
#include "attest/result.h"
#include "attest/tdx/tdx-chain.h"
#include "attest/tdx/tdx-collateral-check.h"
#include "attest/tdx/tdx-quote.h"
#include "util/x509.h"
#include "util/macro.h"
#include "util/ossl.h"

static void collateral_freep(struct tdx_collateral **c)
{
	if (*c) {
		cvm_tdx_collateral_done(*c);
		free(*c);
	}
}

static void check_qe_report(const struct tdx_quote *q, X509 *leaf, struct cvm_attest_result *r)
{
	int v = cvm_ecdsa_verify_raw(X509_get0_pubkey(leaf), CVM_HASH_SHA256, q->qe_report_sig,
				     q->qe_report_sig + 32, 32, false, q->qe_report,
				     TDX_QE_REPORT_SIZE);

	cvm_check(r, "qe_report_signature", v == 1,
		  v == 1 ? "the QE report is signed by the PCK certificate's key"
			 : "the QE report signature does not verify with the PCK certificate's key");
}

/* QE REPORTDATA = SHA-256(attestation key || QE authentication data) || 32 zero bytes. */
static void check_ak_binding(const struct tdx_quote *q, struct cvm_attest_result *r)
{
	CVM_CLEANUP(cvm_hash_freep) struct cvm_hash_ctx *h = NULL;
	static const uint8_t zero[32];
	const uint8_t *rd = q->qe_report + 0x140;
	uint8_t d[32];

	if (cvm_hash_new(CVM_HASH_SHA256, &h) < 0 || cvm_hash_update(h, q->att_key, 64) < 0 ||
	    cvm_hash_update(h, q->qe_auth, q->qe_auth_len) < 0 || cvm_hash_final(h, d) < 0) {
		cvm_check(r, "attestation_key", false, "cannot compute SHA-256");
		return;
	}
	cvm_check(r, "attestation_key", !memcmp(rd, d, 32) && !memcmp(rd + 32, zero, 32),
		  !memcmp(rd, d, 32) && !memcmp(rd + 32, zero, 32)
			  ? "the QE report binds the attestation key and QE authentication data"
			  : "the QE report data is not SHA-256(attestation key || QE "
			    "authentication data)");
}

static void check_quote_sig(const struct tdx_quote *q, const uint8_t *buf,
			    struct cvm_attest_result *r)
{
	CVM_CLEANUP(cvm_evp_pkeyp) EVP_PKEY *ak = NULL;
	int v;

	if (cvm_ec_p256_key(q->att_key, &ak) < 0) {
		cvm_check(r, "quote_signature", false,
			  "the attestation key is not a point on the P-256 curve");
		return;
	}
	v = cvm_ecdsa_verify_raw(ak, CVM_HASH_SHA256, q->quote_sig, q->quote_sig + 32, 32, false,
				 buf, q->signed_len);
	cvm_check(r, "quote_signature", v == 1,
		  v == 1 ? "the quote is signed by the attestation key"
			 : "the quote signature does not verify with the attestation key");
}

static void verify_signed(const struct cvm_tdx_evidence *ev, const struct tdx_quote *q,
			  STACK_OF(X509) *pck, X509 *root, const struct tdx_collateral *coll,
			  struct cvm_attest_result *ret)
{
	struct cvm_tdx_info *info = &ret->tdx;
	int64_t at = ev->have_time ? ev->at_time : (int64_t)time(NULL);
	X509 *leaf = sk_X509_value(pck, 0);
	char err[128];

	cvm_tdx_check_pck_chain(pck, root, at, ret);
	if (cvm_tdx_pck_parse(leaf, info, err, sizeof(err)) < 0)
		cvm_check(ret, "pck_extensions", false, "%s", err);
	check_qe_report(q, leaf, ret);
	check_ak_binding(q, ret);
	check_quote_sig(q, ev->quote.data, ret);
	if (ev->no_collateral) {
		ret->not_evaluated = CVM_NOT_EVALUATED_TCB_STATUS | CVM_NOT_EVALUATED_QE_IDENTITY |
				     CVM_NOT_EVALUATED_REVOCATION;
	} else {
		static const struct tdx_collateral none; /* every document missing */
		struct tdx_pck p = { leaf, sk_X509_num(pck) >= 2 ? sk_X509_value(pck, 1) : NULL,
				     root };

		cvm_tdx_check_collateral(coll ? coll : &none, &p, at, info, ret);
	}
}

static int load_collateral(const struct cvm_tdx_evidence *ev, struct tdx_collateral **ret,
			   cvm_err *reterr)
{
	struct tdx_collateral *c;
	int r;

	if (!cvm_tdx_has_collateral(ev))
		return 0;
	if (ev->no_collateral)
		return cvm_err_set(reterr, -EINVAL,
				   "collateral was given together with signature-only verification");
	c = calloc(1, sizeof(*c));
	if (!c)
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	r = cvm_tdx_collateral_load(ev, c, reterr);
	if (r < 0) {
		collateral_freep(&c);
		return r;
	}
	*ret = c;
	return 0;
}

static void default_names(struct cvm_tdx_evidence *e)
{
	cvm_blob_name_default(&e->quote, "quote");
	cvm_blob_name_default(&e->collateral, "collateral");
	cvm_blob_name_default(&e->tcb_info, "TCB Info");
	cvm_blob_name_default(&e->tcb_info_sig, "TCB Info signature");
	cvm_blob_name_default(&e->qe_identity, "QE identity");
	cvm_blob_name_default(&e->qe_identity_sig, "QE identity signature");
	cvm_blob_name_default(&e->tcb_signing_chain, "TCB Signing chain");
	cvm_blob_name_default(&e->pck_crl, "PCK CRL");
	cvm_blob_name_default(&e->root_crl, "root CA CRL");
}

CVM_PUBLIC int cvm_tdx_verify(const struct cvm_tdx_evidence *evidence,
			      const struct cvm_attest_policy *policy, struct cvm_attest_result *ret,
			      cvm_err *reterr)
{
	CVM_CLEANUP(collateral_freep) struct tdx_collateral *coll = NULL;
	CVM_CLEANUP(cvm_x509_stackp) STACK_OF(X509) *pck = NULL;
	struct cvm_tdx_evidence e;
	const struct cvm_tdx_evidence *ev = &e;
	struct tdx_quote q = { 0 };
	X509 *root;
	int r;

	CVM_CHECK_ARG(evidence && policy && ret, reterr);
	e = *evidence;
	default_names(&e);
	if (!ev->quote.data || ev->quote.len == 0)
		return cvm_err_set(reterr, -EBADMSG, "'%s' is empty", ev->quote.name);
	if (ev->quote.len > CVM_ATTEST_INPUT_MAX)
		return cvm_err_set(reterr, -EFBIG, "'%s' is too large", ev->quote.name);
	if ((r = cvm_intel_root(&root, reterr)) < 0 || (r = load_collateral(ev, &coll, reterr)) < 0)
		return r;
	memset(ret, 0, sizeof(*ret));
	ret->tee = CVM_ATTEST_TDX;
	ret->tdx.tdx_module_status = ret->tdx.qe_tcb_status = -1;
	r = cvm_tdx_quote_parse(ev->quote.data, ev->quote.len, ev->quote.name, &q, &ret->tdx, ret,
				reterr);
	ret->version = ret->tdx.version;
	if (r < 0)
		return r;
	ret->parsed = r > 0;
	if (r > 0) {
		r = cvm_x509_load_all(q.pck_chain, q.pck_chain_len, ev->quote.name, &pck, reterr);
		if (r < 0)
			return r;
		verify_signed(ev, &q, pck, root, coll, ret);
		cvm_tdx_policy_check(&ret->tdx, policy, ret);
	}
	cvm_result_finish(ret);
	return 0;
}
