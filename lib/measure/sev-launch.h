/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The per-TEE launch-digest computations behind cvm_measure(). */
#ifndef CVM_MEASURE_SEV_LAUNCH_H
#define CVM_MEASURE_SEV_LAUNCH_H

#include <cvmimg/measure.h>

#include "measure/ovmf.h"
#include "measure/sev-hashes.h"

#define CVM_BSP_EIP 0xfffffff0u

/* Everything loaded and validated, shared by the computations. */
struct cvm_launch {
	const struct cvm_measure_input *in;
	const struct cvm_fw *fw;
	const struct cvm_fw *svsm;            /* snp:svsm only */
	const struct cvm_sev_hashes *hashes;  /* NULL without a kernel */
};

/* Fill out->vmsa[] for SEV-ES and SNP guests booting OVMF (BSP and AP pages). */
int cvm_launch_vmsa_pages(const struct cvm_launch *l, uint64_t sev_features,
			  struct cvm_measurement *out, cvm_err *reterr);

/*
 * SEV and SEV-ES digests in two steps, so that several share the first: the
 * SHA-256 of the firmware and the kernel-hashes table (*@ret, freed with
 * cvm_hash_free()), then the VMSA pages (SEV-ES) and the final digest.
 */
struct cvm_hash_ctx;
int cvm_sev_prefix(const struct cvm_launch *l, struct cvm_hash_ctx **ret, cvm_err *reterr);
int cvm_sev_finish(const struct cvm_launch *l, struct cvm_hash_ctx *c, bool with_vmsas,
		   struct cvm_measurement *out, cvm_err *reterr);

/* The checks of cvm_measure() on its input (measure.c). */
int cvm_measure_check(const struct cvm_measure_input *in, cvm_err *reterr);

int cvm_launch_sev(const struct cvm_launch *l, struct cvm_measurement *out, cvm_err *reterr);
int cvm_launch_sev_es(const struct cvm_launch *l, struct cvm_measurement *out, cvm_err *reterr);
int cvm_launch_snp(const struct cvm_launch *l, struct cvm_measurement *out, cvm_err *reterr);
int cvm_launch_snp_svsm(const struct cvm_launch *l, struct cvm_measurement *out,
			cvm_err *reterr);
int cvm_launch_snp_ovmf_hash(const struct cvm_launch *l, struct cvm_measurement *out,
			     cvm_err *reterr);

#endif
