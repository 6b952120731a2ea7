/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Many SEV-family launch digests of one firmware and one direct-boot kernel,
 * as cvmimg build measures its VM shapes. Everything that does not depend on
 * the shape is done once:
 *
 *   the firmware is read and indexed once (and its SHA-256 taken once);
 *   the kernel, initrd and command line are hashed once;
 *   SNP: the firmware pages are measured once, into the seed that
 *        snp:ovmf-hash computes; each shape goes on from it (sections, VMSAs);
 *   SEV, SEV-ES: the SHA-256 of the firmware and the hashes table is taken
 *        once and copied; each shape adds its VMSA pages.
 *
 * The results are those of cvm_measure() for the same input, byte for byte.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <cvmimg/cleanup.h>
#include <cvmimg/measure.h>

#include "measure/sev-launch.h"
#include "util/hash.h"
#include "util/macro.h"

struct cvm_measure_batch {
	char *ovmf_path, *kernel_path, *initrd_path, *cmdline;
	struct cvm_fw *fw;
	bool have_hashes;
	struct cvm_sev_hashes hashes;
	bool have_fw_sha256;
	uint8_t fw_sha256[32];
	bool have_seed;
	uint8_t seed[48];		 /* SNP: the firmware pages measured */
	struct cvm_hash_ctx *prefix; /* SEV, SEV-ES: firmware and hashes table */
};

CVM_PUBLIC struct cvm_measure_batch *cvm_measure_batch_free(struct cvm_measure_batch *b)
{
	if (!b)
		return NULL;
	cvm_fw_free(b->fw);
	cvm_hash_free(b->prefix);
	free(b->ovmf_path);
	free(b->kernel_path);
	free(b->initrd_path);
	free(b->cmdline);
	free(b);
	return NULL;
}

CVM_DEFINE_CLEANUP(struct cvm_measure_batch, cvm_measure_batch_free, measure_batch)

static bool dup_or_null(const char *s, char **ret)
{
	*ret = s ? strdup(s) : NULL;
	return !s || *ret;
}

CVM_PUBLIC int cvm_measure_batch_new(const char *ovmf_path, const char *kernel_path,
				     const char *initrd_path, const char *cmdline,
				     struct cvm_measure_batch **ret, cvm_err *reterr)
{
	CVM_CLEANUP(measure_batchp) struct cvm_measure_batch *b = calloc(1, sizeof(*b));
	int r;

	CVM_CHECK_ARG(ovmf_path && ret && (kernel_path || (!initrd_path && !cmdline)), reterr);
	if (!b || !dup_or_null(ovmf_path, &b->ovmf_path) ||
	    !dup_or_null(kernel_path, &b->kernel_path) ||
	    !dup_or_null(initrd_path, &b->initrd_path) || !dup_or_null(cmdline, &b->cmdline))
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	if ((r = cvm_fw_load(ovmf_path, &b->fw, reterr)) < 0)
		return r;
	if (kernel_path) {
		if ((r = cvm_sev_hashes_compute(kernel_path, initrd_path, cmdline, &b->hashes,
						reterr)) < 0)
			return r;
		b->have_hashes = true;
	}
	*ret = CVM_TAKE_PTR(b);
	return 0;
}

static bool same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

static int check_batch_input(const struct cvm_measure_batch *b, const struct cvm_measure_input *in,
			     cvm_err *reterr)
{
	if (in->tee != CVM_TEE_SEV && in->tee != CVM_TEE_SEV_ES && in->tee != CVM_TEE_SNP)
		return cvm_err_set(reterr, -EINVAL, "a batch measures sev, sev-es and snp, not %s",
				   cvm_tee_to_string(in->tee));
	if (!same(in->ovmf_path, b->ovmf_path) || !same(in->kernel_path, b->kernel_path) ||
	    !same(in->initrd_path, b->initrd_path) || !same(in->cmdline, b->cmdline))
		return cvm_err_set(reterr, -EINVAL,
				   "the input names other files than the batch was made of");
	if (in->ovmf_hash)
		return cvm_err_set(reterr, -EINVAL, "a batch computes the SNP firmware seed itself");
	return cvm_measure_check(in, reterr);
}

/* What cvm_measure() reports about the inputs besides the digest. */
static int describe_inputs(struct cvm_measure_batch *b, const struct cvm_measure_input *in,
			   struct cvm_measurement *out, cvm_err *reterr)
{
	out->tee = in->tee;
	out->vcpus = in->tee == CVM_TEE_SEV ? 0 : in->vcpus;
	out->vcpu_sig = in->vcpu_sig;
	out->ovmf_size = b->fw->size;
	if (in->firmware_sha256) {
		if (!b->have_fw_sha256 && cvm_sha256(b->fw->data, b->fw->size, b->fw_sha256) < 0)
			return cvm_err_set(reterr, -ENOMEM, "cannot compute SHA-256");
		b->have_fw_sha256 = true;
		memcpy(out->ovmf_sha256, b->fw_sha256, 32);
	}
	if (!b->have_hashes)
		return 0;
	out->has_kernel = true;
	memcpy(out->kernel_sha256, b->hashes.kernel, 32);
	memcpy(out->initrd_sha256, b->hashes.initrd, 32);
	memcpy(out->cmdline_sha256, b->hashes.cmdline, 32);
	return 0;
}

static int snp(struct cvm_measure_batch *b, const struct cvm_measure_input *in,
	       struct cvm_measurement *out, cvm_err *reterr)
{
	struct cvm_measure_input with_seed = *in, seed_in = *in;
	struct cvm_launch l = { .fw = b->fw, .hashes = b->have_hashes ? &b->hashes : NULL };
	int r;

	if (!b->have_seed) {
		CVM_CLEANUP_FREE struct cvm_measurement *s = calloc(1, sizeof(*s));

		seed_in.tee = CVM_TEE_SNP_OVMF_HASH;
		l.in = &seed_in;
		if (!s)
			return cvm_err_set(reterr, -ENOMEM, "out of memory");
		if ((r = cvm_launch_snp_ovmf_hash(&l, s, reterr)) < 0)
			return r;
		memcpy(b->seed, s->digest, sizeof(b->seed));
		b->have_seed = true;
	}
	with_seed.ovmf_hash = b->seed;
	l.in = &with_seed;
	return cvm_launch_snp(&l, out, reterr);
}

static int sev(struct cvm_measure_batch *b, const struct cvm_measure_input *in,
	       struct cvm_measurement *out, cvm_err *reterr)
{
	CVM_CLEANUP(cvm_hash_freep) struct cvm_hash_ctx *c = NULL;
	struct cvm_launch l = { .in = in, .fw = b->fw,
				.hashes = b->have_hashes ? &b->hashes : NULL };
	int r;

	if (!b->prefix && (r = cvm_sev_prefix(&l, &b->prefix, reterr)) < 0)
		return r;
	if (cvm_hash_dup(b->prefix, &c) < 0)
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	return cvm_sev_finish(&l, c, in->tee == CVM_TEE_SEV_ES, out, reterr);
}

CVM_PUBLIC int cvm_measure_batch_run(struct cvm_measure_batch *b,
				     const struct cvm_measure_input *in,
				     struct cvm_measurement *ret, cvm_err *reterr)
{
	CVM_CLEANUP_FREE struct cvm_measurement *out = calloc(1, sizeof(*out));
	int r;

	CVM_CHECK_ARG(b && in && ret, reterr);
	if (!out)
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	if ((r = check_batch_input(b, in, reterr)) < 0 ||
	    (r = describe_inputs(b, in, out, reterr)) < 0)
		return r;
	r = in->tee == CVM_TEE_SNP ? snp(b, in, out, reterr) : sev(b, in, out, reterr);
	if (r < 0)
		return r;
	*ret = *out;
	return 0;
}
