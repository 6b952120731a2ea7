/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef CVM_ATTEST_SNP_VERIFY_H
#define CVM_ATTEST_SNP_VERIFY_H

#include <cvmimg/attest.h>

#include "attest/snp-roots.h"

/* cvm_snp_verify() with another set of AMD roots (tests: a forged hierarchy). */
int cvm_snp_verify_roots(const struct cvm_snp_evidence *ev, const struct cvm_attest_policy *policy,
			 const struct amd_roots *roots, struct cvm_attest_result *ret,
			 cvm_err *reterr);

#endif
