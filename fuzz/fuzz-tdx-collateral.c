/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer harness for the JSON documents verify-report reads: TDX
 * collateral (QuoteCollateralV3, whose embedded TCB Info and QE identity are
 * parsed too), a PCS TCB Info document, and the verification policy. Any
 * input must be parsed or refused with -EBADMSG or -EFBIG.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cvmimg/attest.h>

#include "attest/tdx/tdx-collateral-parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_errno(int r)
{
	if (r < 0 && r != -EBADMSG && r != -EFBIG)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tdx_collateral c;
	struct cvm_attest_blob in = { data, size, "fuzz" };
	struct cvm_tdx_evidence as_v3 = { .collateral = in };
	struct cvm_tdx_evidence as_pcs = { .tcb_info = in, .qe_identity = in };
	struct cvm_attest_policy p;
	cvm_err e = { 0 };

	check_errno(cvm_tdx_collateral_load(&as_v3, &c, &e));
	cvm_tdx_collateral_done(&c);
	memset(&c, 0, sizeof(c));
	check_errno(cvm_tdx_collateral_load(&as_pcs, &c, &e));
	cvm_tdx_collateral_done(&c);
	memset(&c, 0, sizeof(c));
	cvm_attest_policy_init(&p);
	check_errno(cvm_attest_policy_load_json(&p, (const char *)data, size, "fuzz", &e));
	return 0;
}
