/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef CVM_ATTEST_TDX_COLLATERAL_CHECK_H
#define CVM_ATTEST_TDX_COLLATERAL_CHECK_H

#include <stdint.h>

#include <openssl/x509.h>

#include <cvmimg/attest.h>

#include "attest/tdx/tdx-collateral-parse.h"

/* The quote's PCK chain, as the collateral checks need it. */
struct tdx_pck {
	X509 *leaf, *intermediate, *root; /* root: the built-in one */
};

/*
 * Record the collateral checks: TCB Signing chain, the signatures and
 * validity of the TCB Info and QE identity, the CRLs, FMSPC and PCE-ID, the QE
 * and TDX module identities; then evaluate the TCB status into @info.
 */
void cvm_tdx_check_collateral(const struct tdx_collateral *c, const struct tdx_pck *pck,
			      int64_t at, struct cvm_tdx_info *info, struct cvm_attest_result *r);

#endif
