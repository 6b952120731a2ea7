/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The TCB status of a TDX platform, per Intel's Quote Verification Library
 * (TcbLevelCheck, TdxModuleCheck, TDRelaunchCheck): the first TCB level the
 * PCK's SGX components and the TD's TEE_TCB_SVN reach, the TDX module's own
 * level, the TD relaunch rule of TDX 1.5 and the quoting enclave's level.
 */
#ifndef CVM_ATTEST_TDX_TCB_STATUS_H
#define CVM_ATTEST_TDX_TCB_STATUS_H

#include <cvmimg/attest.h>

#include "attest/tdx/tdx-collateral-parse.h"

struct tdx_tcb_eval {
	enum cvm_tdx_tcb_status status;     /* the verdict */
	const struct tdx_tcb_level *level;  /* the TDX TCB level, or NULL */
	int module_status;                  /* -1 if not reached */
	int qe_status;                      /* -1 without a QE identity */
	const struct tdx_qe_level *qe_level;
};

/* Evaluate @info (quote body and PCK) against @t and, if not NULL, @qe. */
void cvm_tdx_tcb_evaluate(const struct tdx_tcb_info *t, const struct tdx_qe_identity *qe,
			  const struct cvm_tdx_info *info, struct tdx_tcb_eval *ret);

#endif
