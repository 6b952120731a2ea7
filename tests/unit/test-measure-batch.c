/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lib/measure/batch.c: one batch over the AmdSev firmware of the shared
 * vectors with a kernel and no command line (direct boot of a UKI: an empty
 * initrd, an empty command line) gives sev-snp-measure's digests for every
 * entry of snp/vectors.json with those files, whatever the TEE, vCPUs, vCPU
 * type, VMM or guest features; and what cvm_measure() gives, field by field.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <json-c/json.h>

#include <cvmimg/measure.h>

#include "vectors.h"

#define FW "ovmf_AmdSev_suffix.bin"

/* An entry of the batch's kind: this firmware, kernel /dev/null, no or empty initrd, no cmdline. */
static bool of_batch(json_object *args, struct cvm_measure_input *in)
{
	bool kernel = false;

	for (size_t i = 0; i + 1 < json_object_array_length(args); i += 2) {
		const char *k = json_object_get_string(json_object_array_get_idx(args, i));
		const char *v = json_object_get_string(json_object_array_get_idx(args, i + 1));

		if (!strcmp(k, "--mode"))
			in->tee = cvm_tee_from_string(v);
		else if (!strcmp(k, "--ovmf") && strcmp(v, FW))
			return false;
		else if (!strcmp(k, "--kernel"))
			kernel = !strcmp(v, "/dev/null");
		else if (!strcmp(k, "--initrd") && strcmp(v, "/dev/null"))
			return false;
		else if (!strcmp(k, "--append") || !strcmp(k, "--snp-ovmf-hash") ||
			 !strcmp(k, "--svsm"))
			return false;
		else if (!strcmp(k, "--vcpus"))
			in->vcpus = (unsigned)atoi(v);
		else if (!strcmp(k, "--vcpu-type"))
			in->have_vcpu_sig = cvm_vcpu_type_sig(v, &in->vcpu_sig) == 0;
		else if (!strcmp(k, "--vmm-type"))
			in->vmm = cvm_vmm_from_string(v);
		else if (!strcmp(k, "--guest-features"))
			in->guest_features = strtoull(v, NULL, 0);
	}
	return kernel && (in->tee == CVM_TEE_SEV || in->tee == CVM_TEE_SEV_ES ||
			  in->tee == CVM_TEE_SNP);
}

static void test_vectors(void **state)
{
	char fw[4096];
	json_object *all;
	struct cvm_measure_batch *b = NULL;
	struct cvm_measurement *m = calloc(1, sizeof(*m)), *ref = calloc(1, sizeof(*ref));
	cvm_err e = { 0 };
	unsigned n = 0;

	(void)state;
	vec_require();
	snprintf(fw, sizeof(fw), "%s", vec_path("snp/" FW));
	all = json_object_from_file(vec_path("snp/vectors.json"));
	assert_non_null(all);
	assert_int_equal(cvm_measure_batch_new(fw, "/dev/null", NULL, NULL, &b, &e), 0);
	for (size_t i = 0; i < json_object_array_length(all); i++) {
		json_object *v = json_object_array_get_idx(all, i), *want;
		struct cvm_measure_input in = { .vmm = CVM_VMM_QEMU, .guest_features = 0x1,
						.ovmf_path = fw, .kernel_path = "/dev/null",
						.firmware_sha256 = true };

		if (!of_batch(json_object_object_get(v, "args"), &in) ||
		    !json_object_object_get_ex(v, "expected", &want))
			continue;
		if (cvm_measure_batch_run(b, &in, m, &e) < 0)
			fail_msg("%s: %s", json_object_get_string(json_object_object_get(v, "id")),
				 e.msg);
		assert_string_equal(vec_hex(m->digest, m->digest_len), json_object_get_string(want));
		assert_int_equal(cvm_measure(&in, ref, &e), 0);
		assert_memory_equal(m, ref, sizeof(*m));
		n++;
	}
	/* B1-12, B1-13 (snp), B3-21, B3-22 (sev-es), B4-26 (sev) and their kin */
	assert_true(n >= 5);
	json_object_put(all);
	cvm_measure_batch_free(b);
	free(m);
	free(ref);
}

static void test_refusals(void **state)
{
	char fw[4096];
	struct cvm_measure_batch *b = NULL;
	struct cvm_measurement m;
	struct cvm_measure_input in = { .tee = CVM_TEE_SNP, .vmm = CVM_VMM_QEMU, .vcpus = 1,
					.have_vcpu_sig = true, .guest_features = 1 };
	uint8_t seed[48] = { 0 };
	cvm_err e = { 0 };

	(void)state;
	vec_require();
	snprintf(fw, sizeof(fw), "%s", vec_path("snp/" FW));
	in.ovmf_path = fw;
	assert_int_equal(cvm_measure_batch_new(fw, "/dev/null", NULL, NULL, &b, &e), 0);
	assert_int_equal(cvm_measure_batch_run(b, &in, &m, &e), -EINVAL); /* no kernel */
	assert_non_null(strstr(e.msg, "other files"));
	in.kernel_path = "/dev/null";
	in.ovmf_hash = seed;
	assert_int_equal(cvm_measure_batch_run(b, &in, &m, &e), -EINVAL);
	in.ovmf_hash = NULL;
	in.tee = CVM_TEE_SNP_SVSM;
	assert_int_equal(cvm_measure_batch_run(b, &in, &m, &e), -EINVAL);
	in.tee = CVM_TEE_SNP;
	in.have_vcpu_sig = false;
	assert_int_equal(cvm_measure_batch_run(b, &in, &m, &e), -EINVAL); /* cvm_measure's check */
	cvm_measure_batch_free(b);
	assert_int_equal(cvm_measure_batch_new("/nonexistent", NULL, NULL, NULL, &b, &e), -ENOENT);
	assert_int_equal(cvm_measure_batch_new(fw, NULL, NULL, "x", &b, &e), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
