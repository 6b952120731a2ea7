/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <cvmimg/cleanup.h>
#include <cvmimg/log.h>
#include <cvmimg/util.h>

#include "attest/result.h"
#include "attest/tdx/tdx-tcb-status.h"
#include "attest/tdx/tdx-collateral-check.h"
#include "util/x509.h"
#include "util/log-internal.h"
#include "util/ossl.h"

/* The TCB Signing certificate, verified to the built-in root; NULL with a reason. */
static X509 *signing_cert(const struct tdx_collateral *c, X509 *root, int64_t at, char *why,
			  size_t len)
{
	CVM_CLEANUP(cvm_x509_shallow_stackp) STACK_OF(X509) *untrusted = sk_X509_new_null();
	char detail[160], cn[64];
	X509 *x;

	if (!c->signing_chain || sk_X509_num(c->signing_chain) == 0) {
		snprintf(why, len, "no TCB Signing certificate was given");
		return NULL;
	}
	x = sk_X509_value(c->signing_chain, 0);
	cvm_x509_subject_cn(x, cn, sizeof(cn));
	if (strcmp(cn, "Intel SGX TCB Signing")) {
		snprintf(why, len, "the first certificate of '%s' is '%s', not the Intel SGX TCB "
				   "Signing certificate",
			 c->signing_chain_name, cn);
		return NULL;
	}
	for (int i = 1; untrusted && i < sk_X509_num(c->signing_chain); i++)
		if (!cvm_x509_self_issued(sk_X509_value(c->signing_chain, i)))
			sk_X509_push(untrusted, sk_X509_value(c->signing_chain, i));
	if (cvm_x509_verify_chain(x, untrusted, root, at, NULL, detail, sizeof(detail)) < 0) {
		snprintf(why, len, "TCB Signing certificate: %s", detail);
		return NULL;
	}
	return x;
}

/* true if the document verifies: only then is anything in it used */
static bool check_doc(struct cvm_attest_result *r, const char *check, const char *what,
		      const struct tdx_signed_doc *d, X509 *signer, const char *why)
{
	int v;

	if (!d->present)
		return cvm_check(r, check, false,
				 "no %s was given (required; --no-collateral verifies signatures "
				 "only)",
				 what);
	if (!signer)
		return cvm_check(r, check, false, "%s", why);
	v = cvm_ecdsa_verify_raw(X509_get0_pubkey(signer), CVM_HASH_SHA256, d->sig, d->sig + 32,
				 32, false, d->raw, d->raw_len);
	if (v == 1)
		return cvm_check(r, check, true,
				 "the %s in '%s' is signed by the Intel SGX TCB Signing "
				 "certificate",
				 what, d->name);
	return cvm_check(r, check, false, "the %s signature in '%s' does not verify", what,
			 d->name);
}

static void check_window(struct cvm_attest_result *r, const char *check, const char *what,
			 int64_t issued, int64_t next, int64_t at)
{
	char a[32], b[32];

	cvm_format_time(issued, a, sizeof(a));
	cvm_format_time(next, b, sizeof(b));
	if (at < issued)
		cvm_check(r, check, false, "the %s is not yet valid (issued %s)", what, a);
	else if (at > next)
		cvm_check(r, check, false, "the %s has expired (nextUpdate %s)", what, b);
	else
		cvm_check(r, check, true, "the %s is current (issued %s, next update %s)", what, a,
			  b);
}

static void check_crls(const struct tdx_collateral *c, const struct tdx_pck *pck,
		       X509 *signer, int64_t at, struct cvm_attest_result *r)
{
	char detail[160];

	if (!c->pck_crl || !pck->intermediate) {
		cvm_check(r, "pck_crl", false,
			  c->pck_crl ? "the quote carries no PCK CA certificate to check the PCK CRL"
				     : "no PCK CRL was given (required: revocation of the PCK "
				       "certificate; --no-collateral verifies signatures only)");
	} else {
		X509 *certs[] = { pck->leaf };

		if (cvm_crl_check(c->pck_crl, pck->intermediate, at, certs, 1, detail,
				  sizeof(detail)) < 0)
			cvm_check(r, "pck_crl", false, "PCK CRL: %s", detail);
		else
			cvm_check(r, "pck_crl", true, "the PCK certificate is not revoked");
	}
	if (c->root_crl && pck->intermediate) {
		X509 *certs[] = { pck->intermediate, signer };

		if (cvm_crl_check(c->root_crl, pck->root, at, certs, 2, detail, sizeof(detail)) < 0)
			cvm_check(r, "root_crl", false, "root CA CRL: %s", detail);
		else
			cvm_check(r, "root_crl", true,
				  "the PCK CA and TCB Signing certificates are not revoked");
	}
}

static bool masked_eq(const uint8_t *got, const uint8_t *want, const uint8_t *mask, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((got[i] & mask[i]) != want[i])
			return false;
	return true;
}

static void check_qe(const struct tdx_qe_identity *qe, const struct cvm_tdx_info *info,
		     struct cvm_attest_result *r)
{
	if (memcmp(info->qe_mrsigner, qe->mrsigner, 32))
		cvm_check(r, "qe_identity", false, "the QE's MRSIGNER is not the TD QE's");
	else if (info->qe_isvprodid != qe->isvprodid)
		cvm_check(r, "qe_identity", false, "the QE's ISVPRODID is %u, expected %u",
			  info->qe_isvprodid, qe->isvprodid);
	else if ((info->qe_miscselect & qe->miscselect_mask) != qe->miscselect)
		cvm_check(r, "qe_identity", false, "the QE's MISCSELECT 0x%08x does not match",
			  info->qe_miscselect);
	else if (!masked_eq(info->qe_attributes, qe->attributes, qe->attributes_mask, 16))
		cvm_check(r, "qe_identity", false, "the QE's ATTRIBUTES do not match");
	else
		cvm_check(r, "qe_identity", true, "the quoting enclave is Intel's TD QE (ISVSVN %u)",
			  info->qe_isvsvn);
}

static void check_module(const struct tdx_tcb_info *t, const struct cvm_tdx_info *info,
			 struct cvm_attest_result *r)
{
	const uint8_t *mrsigner = t->module_mrsigner, *attr = t->module_attributes,
		      *mask = t->module_attributes_mask;
	char id[16];

	snprintf(id, sizeof(id), "TDX_%02X", info->tee_tcb_svn[1]);
	if (info->tee_tcb_svn[1] > 0) {
		const struct tdx_module_identity *m = NULL;

		for (unsigned i = 0; i < t->n_modules && !m; i++)
			if (!strcasecmp(t->modules[i].id, id))
				m = &t->modules[i];
		if (!m) {
			cvm_check(r, "tdx_module", false, "the TCB Info has no identity %s", id);
			return;
		}
		mrsigner = m->mrsigner;
		attr = m->attributes;
		mask = m->attributes_mask;
	}
	if (memcmp(info->mrsignerseam, mrsigner, 48))
		cvm_check(r, "tdx_module", false, "MRSIGNERSEAM is not the TDX module signer");
	else if (!masked_eq(info->seam_attributes, attr, mask, 8))
		cvm_check(r, "tdx_module", false, "SEAMATTRIBUTES do not match the TDX module's");
	else
		cvm_check(r, "tdx_module", true, "TDX module %s (SVN %u) matches the TCB Info",
			  info->tee_tcb_svn[1] > 0 ? id : "identity", info->tee_tcb_svn[0]);
}

static void check_fmspc(const struct tdx_tcb_info *t, const struct cvm_tdx_info *info,
			struct cvm_attest_result *r)
{
	char got[13], want[13];

	cvm_hex_encode(info->fmspc, 6, got);
	cvm_hex_encode(t->fmspc, 6, want);
	if (memcmp(info->fmspc, t->fmspc, 6))
		cvm_check(r, "fmspc", false, "the PCK's FMSPC %s is not the TCB Info's %s", got,
			  want);
	else if (memcmp(info->pce_id, t->pce_id, 2))
		cvm_check(r, "fmspc", false, "the PCK's PCE-ID differs from the TCB Info's");
	else
		cvm_check(r, "fmspc", true, "FMSPC %s and PCE-ID match the TCB Info", got);
}

static void evaluate(const struct tdx_collateral *c, bool qe_ok, struct cvm_tdx_info *info)
{
	struct tdx_tcb_eval ev;

	cvm_tdx_tcb_evaluate(&c->tcb, qe_ok ? &c->qe : NULL, info, &ev);
	cvm_log_debug(CVM_LOG_ATTEST,
		      "TCB: level %s (%s), module %s, QE %s (ISVSVN %u), TEE_TCB_SVN %02x%02x%02x, "
		      "SGX %u %u .. PCESVN %u: %s",
		      ev.level ? ev.level->date : "none",
		      ev.level ? cvm_tdx_tcb_status_to_string(ev.level->status) : "-",
		      ev.module_status >= 0
			      ? cvm_tdx_tcb_status_to_string((enum cvm_tdx_tcb_status)ev.module_status)
			      : "-",
		      ev.qe_status >= 0
			      ? cvm_tdx_tcb_status_to_string((enum cvm_tdx_tcb_status)ev.qe_status)
			      : "-",
		      info->qe_isvsvn, info->tee_tcb_svn[0], info->tee_tcb_svn[1],
		      info->tee_tcb_svn[2], info->sgx_tcb_svns[0], info->sgx_tcb_svns[1],
		      info->pcesvn, cvm_tdx_tcb_status_to_string(ev.status));
	info->has_tcb_status = true;
	info->tcb_status = ev.status;
	info->tdx_module_status = ev.module_status;
	info->qe_tcb_status = ev.qe_status;
	if (ev.level) {
		snprintf(info->tcb_date, sizeof(info->tcb_date), "%s", ev.level->date);
		snprintf(info->advisory_ids, sizeof(info->advisory_ids), "%s", ev.level->advisories);
	}
	if (ev.qe_level && ev.qe_level->advisories[0]) {
		size_t n = strlen(info->advisory_ids);

		snprintf(info->advisory_ids + n, sizeof(info->advisory_ids) - n, "%s%s",
			 n ? "," : "", ev.qe_level->advisories);
	}
}

void cvm_tdx_check_collateral(const struct tdx_collateral *c, const struct tdx_pck *pck,
			      int64_t at, struct cvm_tdx_info *info, struct cvm_attest_result *r)
{
	char why[192];
	X509 *signer = NULL;
	bool tcb_ok, qe_ok;

	if (c->tcb_doc.present || c->qe_doc.present)
		signer = signing_cert(c, pck->root, at, why, sizeof(why));
	/* a document whose signature fails is not read any further: nothing in it is
	 * evaluated or reported */
	tcb_ok = check_doc(r, "tcb_info_signature", "TCB Info", &c->tcb_doc, signer, why);
	if (tcb_ok)
		check_window(r, "tcb_info_validity", "TCB Info", c->tcb.issue_date,
			     c->tcb.next_update, at);
	qe_ok = check_doc(r, "qe_identity_signature", "QE identity", &c->qe_doc, signer, why);
	if (qe_ok) {
		check_window(r, "qe_identity_validity", "QE identity", c->qe.issue_date,
			     c->qe.next_update, at);
		check_qe(&c->qe, info, r);
	}
	check_crls(c, pck, signer, at, r);
	if (!tcb_ok || !info->have_pck)
		return;
	check_fmspc(&c->tcb, info, r);
	check_module(&c->tcb, info, r);
	evaluate(c, qe_ok, info);
}
