/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer harness for TDX quotes: the header, body and signature-data
 * parser, the PEM chain inside, the PCK's SGX extensions and the signature
 * checks. Any input must be evaluated or refused with -EBADMSG or -EFBIG.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include <cvmimg/attest.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct cvm_attest_result res;
	struct cvm_attest_policy policy;
	struct cvm_tdx_evidence ev = {
		.quote = { data, size, "fuzz" },
		.have_time = true,
		.at_time = 1764115200, /* 2025-11-26 */
	};
	cvm_err e = { 0 };
	int r;

	cvm_attest_policy_init(&policy);
	r = cvm_tdx_verify(&ev, &policy, &res, &e);
	if (r < 0 && r != -EBADMSG && r != -EFBIG)
		abort();
	if (r == 0 && res.n_checks == 0)
		abort();
	return 0;
}
