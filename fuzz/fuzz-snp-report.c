/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer harness for SEV-SNP reports: decoding (binary or hex, extended
 * reports with a certificate table), the field and structure parsers, and a
 * whole verification, whose certificates come from the table when the input
 * has one, else from $FUZZ_SNP_VCEK (fuzz/smoke.sh gives a real Milan VCEK,
 * so that reports reach the product, chain, signature, TCB and policy checks).
 * Any input must be evaluated or refused with -EBADMSG, -EFBIG or -EINVAL (no
 * certificate); ASan and UBSan catch the rest.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cvmimg/attest.h>
#include <cvmimg/util.h>

#include "attest/snp-report.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t *vcek;
static size_t vcek_len;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *path = getenv("FUZZ_SNP_VCEK");

	(void)argc;
	(void)argv;
	if (path && cvm_read_file(path, CVM_ATTEST_INPUT_MAX, &vcek, &vcek_len, NULL) < 0)
		abort();
	return 0;
}

static void check_errno(int r)
{
	if (r < 0 && r != -EBADMSG && r != -EFBIG && r != -EINVAL)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct cvm_attest_result res;
	struct cvm_attest_policy policy;
	struct cvm_snp_evidence ev = {
		.report = { data, size, "fuzz" },
		.vek = { vcek, vcek_len, "vcek" },
		.vek_kind = CVM_SNP_SIGNER_AUTO,
		.product = CVM_SNP_PRODUCT_AUTO,
		.have_time = true,
		.at_time = 1764115200, /* 2025-11-26 */
	};
	uint8_t *buf = NULL;
	size_t len;
	cvm_err e = { 0 };
	int r;

	r = cvm_snp_report_decode(&ev.report, CVM_SNP_FORMAT_AUTO, &buf, &len, &e);
	check_errno(r);
	if (r == 0) {
		struct cvm_snp_info info = { 0 };
		struct snp_certs certs;

		if (len < CVM_SNP_REPORT_SIZE)
			abort();
		cvm_snp_report_parse(buf, &info);
		cvm_snp_report_structure(buf, &info, &res);
		memset(&res, 0, sizeof(res));
		if (len > CVM_SNP_REPORT_SIZE)
			check_errno(cvm_snp_cert_table(buf + CVM_SNP_REPORT_SIZE,
						       len - CVM_SNP_REPORT_SIZE, "fuzz", &certs, &e));
		free(buf);
	}
	cvm_attest_policy_init(&policy);
	r = cvm_snp_verify(&ev, &policy, &res, &e);
	check_errno(r);
	/* a verdict always comes with its checks, and "valid" only if all of them hold */
	if (r == 0 && (res.n_checks == 0 || (res.valid && cvm_attest_first_failure(&res))))
		abort();
	return 0;
}
