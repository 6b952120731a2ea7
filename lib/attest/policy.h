/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Every comparison of evidence against expected values, in one place: the
 * command line, a policy file and (later) a signed bundle all fill a
 * struct cvm_attest_policy, and only these functions read it.
 */
#ifndef CVM_ATTEST_POLICY_H
#define CVM_ATTEST_POLICY_H

#include <cvmimg/attest.h>

/* Record the SNP policy checks (debug, migration_agent, vmpl, measurement, ...). */
void cvm_snp_policy_check(const struct cvm_snp_info *info, const struct cvm_attest_policy *p,
			  struct cvm_attest_result *r);

/*
 * SNP revocation: without a CRL (@crl_checked false) the result says revocation
 * was not evaluated, and a policy with require_crl fails the "crl" check.
 */
void cvm_snp_policy_revocation(bool crl_checked, const struct cvm_attest_policy *p,
			       struct cvm_attest_result *r);

/* Record the TDX policy checks (debug, mrtd, rtmrN, report_data, tcb_status). */
void cvm_tdx_policy_check(const struct cvm_tdx_info *info, const struct cvm_attest_policy *p,
			  struct cvm_attest_result *r);

#endif
