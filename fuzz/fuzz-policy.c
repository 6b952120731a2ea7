/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer harness for the verify-report policy JSON (lib/attest/policy-json.c)
 * and its evaluation against an all-zero SNP report and TDX quote: any document
 * is loaded or refused with -EBADMSG or -EFBIG, and a loaded one evaluates.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include <cvmimg/attest.h>

#include "attest/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct cvm_attest_result res;
	static const struct cvm_snp_info snp;
	static const struct cvm_tdx_info tdx;
	struct cvm_attest_policy p;
	cvm_err e = { 0 };
	int r;

	cvm_attest_policy_init(&p);
	r = cvm_attest_policy_load_json(&p, (const char *)data, size, "fuzz", &e);
	if (r < 0 && r != -EBADMSG && r != -EFBIG)
		abort();
	if (r < 0)
		return 0;
	res = (struct cvm_attest_result){ 0 };
	cvm_snp_policy_check(&snp, &p, &res);
	cvm_snp_policy_revocation(false, &p, &res);
	cvm_tdx_policy_check(&tdx, &p, &res);
	return 0;
}
