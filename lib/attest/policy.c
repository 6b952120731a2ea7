/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>
#include <string.h>

#include <cvmimg/attest.h>
#include <cvmimg/util.h>

#include "attest/policy.h"
#include "attest/result.h"
#include "attest/snp-report.h"

#define TD_ATTR_DEBUG 0x01 /* TDATTRIBUTES bit 0 */

/* "<name> <hex> equals the expected value" or "... differs from ...". */
static void check_value(struct cvm_attest_result *r, const char *check, const char *field,
			const uint8_t *got, const uint8_t *(*list), unsigned n, size_t len)
{
	char hex[2 * 64 + 1];
	bool ok = false;

	for (unsigned i = 0; i < n && !ok; i++)
		ok = !memcmp(got, list[i], len);
	cvm_hex_encode(got, len, hex);
	if (ok)
		cvm_check(r, check, true, "%s %s is expected", field, hex);
	else if (n == 1)
		cvm_check(r, check, false, "%s %s differs from the expected value", field, hex);
	else
		cvm_check(r, check, false, "%s %s is none of the %u expected values", field, hex, n);
}

static void check_one(struct cvm_attest_result *r, const char *check, const char *field,
		      const uint8_t *got, const uint8_t *want, size_t len)
{
	const uint8_t *list[] = { want };

	check_value(r, check, field, got, list, 1, len);
}

static void check_list48(struct cvm_attest_result *r, const char *check, const char *field,
			 const uint8_t *got, const uint8_t (*want)[48], unsigned n)
{
	const uint8_t *list[CVM_ATTEST_MAX_VALUES];

	for (unsigned i = 0; i < n && i < CVM_ATTEST_MAX_VALUES; i++)
		list[i] = want[i];
	check_value(r, check, field, got, list, n, 48);
}

static void check_policy_bit(struct cvm_attest_result *r, const char *check, uint64_t policy,
			     uint64_t bit, bool allowed, const char *what)
{
	if (!(policy & bit))
		cvm_check(r, check, true, "the guest policy forbids %s", what);
	else if (allowed)
		cvm_check(r, check, true, "the guest policy allows %s; accepted", what);
	else
		cvm_check(r, check, false, "the guest policy 0x%llx allows %s",
			  (unsigned long long)policy, what);
}

static void check_min_tcb(const struct cvm_snp_info *info, const struct cvm_attest_policy *p,
			  struct cvm_attest_result *r)
{
	const struct cvm_snp_tcb *t = &info->reported_tcb, *m = &p->snp.min_tcb;
	static const char *const names[] = { "bootloader", "tee", "snp", "microcode", "fmc" };
	const unsigned got[] = { t->bootloader, t->tee, t->snp, t->microcode, t->fmc };
	const unsigned want[] = { m->bootloader, m->tee, m->snp, m->microcode, m->fmc };

	if (p->snp.min_tcb_has_fmc && info->product != CVM_SNP_TURIN) {
		cvm_check(r, "min_tcb", false, "a minimum fmc applies to Turin only");
		return;
	}
	for (int i = 0; i < 5; i++) {
		if (i == 4 && !p->snp.min_tcb_has_fmc)
			break;
		if (got[i] < want[i]) {
			cvm_check(r, "min_tcb", false, "REPORTED_TCB %s is %u, the minimum is %u",
				  names[i], got[i], want[i]);
			return;
		}
	}
	cvm_check(r, "min_tcb", true, "REPORTED_TCB 0x%016llx meets the minimum",
		  (unsigned long long)t->raw);
}

static void check_committed(const struct cvm_snp_info *info, struct cvm_attest_result *r)
{
	if (info->committed_tcb.raw != info->current_tcb.raw)
		cvm_check(r, "committed_tcb", false,
			  "COMMITTED_TCB 0x%016llx differs from CURRENT_TCB 0x%016llx "
			  "(provisional firmware)",
			  (unsigned long long)info->committed_tcb.raw,
			  (unsigned long long)info->current_tcb.raw);
	else if (memcmp(info->committed_fw, info->current_fw, 3))
		cvm_check(r, "committed_tcb", false,
			  "committed firmware %u.%u.%u differs from current %u.%u.%u",
			  info->committed_fw[0], info->committed_fw[1], info->committed_fw[2],
			  info->current_fw[0], info->current_fw[1], info->current_fw[2]);
	else
		cvm_check(r, "committed_tcb", true, "committed TCB and firmware are the current ones");
}

static void check_author_key(const struct cvm_snp_info *info, const struct cvm_attest_policy *p,
			     struct cvm_attest_result *r)
{
	if (!SNP_AUTHOR_KEY_EN(info->signer_info))
		cvm_check(r, "author_key_digest", false,
			  "the guest was launched without an author key (AUTHOR_KEY_EN is 0)");
	else
		check_list48(r, "author_key_digest", "AUTHOR_KEY_DIGEST", info->author_key_digest,
			     p->snp.author_key_digests, p->snp.n_author_key_digests);
}

static void check_csp_id(const struct cvm_snp_info *info, const struct cvm_attest_policy *p,
			 struct cvm_attest_result *r)
{
	if (info->signer != CVM_SNP_SIGNER_VLEK || !info->have_vek) {
		cvm_check(r, "vlek_csp_id", false,
			  "the policy names cloud providers, but the report is not VLEK-signed");
		return;
	}
	for (unsigned i = 0; i < p->snp.n_vlek_csp_ids; i++)
		if (!strcmp(info->vek_csp_id, p->snp.vlek_csp_ids[i])) {
			cvm_check(r, "vlek_csp_id", true, "the VLEK's CSP id '%s' is accepted",
				  info->vek_csp_id);
			return;
		}
	cvm_check(r, "vlek_csp_id", false, "the VLEK's CSP id '%s' is not accepted",
		  info->vek_csp_id);
}

void cvm_snp_policy_check(const struct cvm_snp_info *info, const struct cvm_attest_policy *p,
			  struct cvm_attest_result *r)
{
	check_policy_bit(r, "debug", info->policy, SNP_POLICY_DEBUG, p->snp.allow_debug,
			 "debugging (the host can read guest memory)");
	check_policy_bit(r, "migration_agent", info->policy, SNP_POLICY_MIGRATE_MA,
			 p->snp.allow_migration_agent, "a migration agent");
	if (p->snp.vmpl >= 0)
		cvm_check(r, "vmpl", info->vmpl == (unsigned)p->snp.vmpl,
			  "the report was requested at VMPL %u, expected %d", info->vmpl,
			  p->snp.vmpl);
	if (p->snp.n_measurements)
		check_list48(r, "measurement", "MEASUREMENT", info->measurement,
			     p->snp.measurements, p->snp.n_measurements);
	if (p->snp.have_report_data)
		check_one(r, "report_data", "REPORT_DATA", info->report_data, p->snp.report_data,
			  64);
	if (p->snp.have_host_data)
		check_one(r, "host_data", "HOST_DATA", info->host_data, p->snp.host_data, 32);
	if (p->snp.have_min_tcb)
		check_min_tcb(info, p, r);
	if (p->snp.have_min_guest_svn)
		cvm_check(r, "guest_svn", info->guest_svn >= p->snp.min_guest_svn,
			  "GUEST_SVN is %u, the minimum is %u", info->guest_svn,
			  p->snp.min_guest_svn);
	if (p->snp.n_id_key_digests)
		check_list48(r, "id_key_digest", "ID_KEY_DIGEST", info->id_key_digest,
			     p->snp.id_key_digests, p->snp.n_id_key_digests);
	if (p->snp.n_author_key_digests)
		check_author_key(info, p, r);
	if (p->snp.strict_committed_tcb)
		check_committed(info, r);
	if (p->snp.n_vlek_csp_ids)
		check_csp_id(info, p, r);
}

void cvm_snp_policy_revocation(bool crl_checked, const struct cvm_attest_policy *p,
			       struct cvm_attest_result *r)
{
	if (!crl_checked)
		r->not_evaluated |= CVM_NOT_EVALUATED_REVOCATION;
	if (!crl_checked && p->snp.require_crl)
		cvm_check(r, "crl", false,
			  "no CRL was given: revocation was not checked, and the policy requires "
			  "it");
}

static void check_tcb_status(const struct cvm_tdx_info *info, const struct cvm_attest_policy *p,
			     struct cvm_attest_result *r)
{
	const char *s = cvm_tdx_tcb_status_to_string(info->tcb_status);
	char accepted[256] = "";
	size_t n = 0;

	for (int i = 0; i < CVM_TDX_TCB__COUNT && n < sizeof(accepted); i++)
		if (p->tdx.accept_tcb_status & (1u << i))
			n += (size_t)snprintf(accepted + n, sizeof(accepted) - n, "%s%s",
					      n ? ", " : "",
					      cvm_tdx_tcb_status_to_string((enum cvm_tdx_tcb_status)i));
	if (p->tdx.accept_tcb_status & (1u << info->tcb_status))
		cvm_check(r, "tcb_status", true, "TCB status %s%s%s is accepted", s,
			  info->tcb_date[0] ? ", TCB level of " : "", info->tcb_date);
	else
		cvm_check(r, "tcb_status", false, "TCB status %s%s%s is not accepted (accepted: %s)",
			  s, info->tcb_date[0] ? ", TCB level of " : "", info->tcb_date,
			  accepted[0] ? accepted : "none");
}

static void check_td_flags(const struct cvm_tdx_info *info, const struct cvm_attest_policy *p,
			   struct cvm_attest_result *r)
{
	uint64_t a = 0;

	for (int i = 7; i >= 0; i--)
		a = a << 8 | info->td_attributes[i];
	if ((a & p->tdx.td_attr_required) != p->tdx.td_attr_required)
		cvm_check(r, "td_attribute_flags", false,
			  "TDATTRIBUTES 0x%016llx lacks required bits 0x%016llx",
			  (unsigned long long)a,
			  (unsigned long long)(p->tdx.td_attr_required & ~a));
	else if (a & p->tdx.td_attr_forbidden)
		cvm_check(r, "td_attribute_flags", false,
			  "TDATTRIBUTES 0x%016llx has forbidden bits 0x%016llx",
			  (unsigned long long)a, (unsigned long long)(a & p->tdx.td_attr_forbidden));
	else
		cvm_check(r, "td_attribute_flags", true,
			  "TDATTRIBUTES 0x%016llx has the required bits and none forbidden",
			  (unsigned long long)a);
}

static void check_td_config(const struct cvm_tdx_info *info, const struct cvm_attest_policy *p,
			    struct cvm_attest_result *r)
{
	if (p->tdx.have_td_attributes)
		check_one(r, "td_attributes", "TDATTRIBUTES", info->td_attributes,
			  p->tdx.td_attributes, 8);
	if (p->tdx.td_attr_required || p->tdx.td_attr_forbidden)
		check_td_flags(info, p, r);
	if (p->tdx.have_xfam)
		check_one(r, "xfam", "XFAM", info->xfam, p->tdx.xfam, 8);
	if (p->tdx.have_mrconfigid)
		check_one(r, "mrconfigid", "MRCONFIGID", info->mrconfigid, p->tdx.mrconfigid, 48);
	if (p->tdx.have_mrowner)
		check_one(r, "mrowner", "MROWNER", info->mrowner, p->tdx.mrowner, 48);
	if (p->tdx.have_mrownerconfig)
		check_one(r, "mrownerconfig", "MROWNERCONFIG", info->mrownerconfig,
			  p->tdx.mrownerconfig, 48);
}

void cvm_tdx_policy_check(const struct cvm_tdx_info *info, const struct cvm_attest_policy *p,
			  struct cvm_attest_result *r)
{
	static const char *const rtmr_check[] = { "rtmr0", "rtmr1", "rtmr2", "rtmr3" };
	static const char *const rtmr_field[] = { "RTMR0", "RTMR1", "RTMR2", "RTMR3" };

	if (!(info->td_attributes[0] & TD_ATTR_DEBUG))
		cvm_check(r, "debug", true, "the TD is not a debug TD");
	else
		cvm_check(r, "debug", p->tdx.allow_debug,
			  p->tdx.allow_debug ? "the TD is a debug TD; accepted"
					     : "the TD is a debug TD (TDATTRIBUTES.DEBUG): the host "
					       "can read its memory");
	check_td_config(info, p, r);
	if (p->tdx.n_mrtd)
		check_list48(r, "mrtd", "MRTD", info->mrtd, p->tdx.mrtd, p->tdx.n_mrtd);
	for (int i = 0; i < 4; i++)
		if (p->tdx.have_rtmr[i])
			check_one(r, rtmr_check[i], rtmr_field[i], info->rtmr[i], p->tdx.rtmr[i],
				  48);
	if (p->tdx.have_report_data)
		check_one(r, "report_data", "REPORTDATA", info->report_data, p->tdx.report_data,
			  64);
	if (info->has_tcb_status)
		check_tcb_status(info, p, r);
	else if (p->tdx.tcb_status_named)
		cvm_check(r, "tcb_status", false,
			  "the policy names the TCB statuses it accepts, but no TCB status was "
			  "evaluated (no verified TCB Info)");
}
