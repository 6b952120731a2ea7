/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The initial VMSA (SEV-ES save area) of a vCPU as the VMM creates it: the
 * page measured for every vCPU of SEV-ES and SNP guests.
 */
#ifndef CVM_MEASURE_SEV_VMSA_H
#define CVM_MEASURE_SEV_VMSA_H

#include <stdint.h>

#include <cvmimg/measure.h>

struct cvm_vmsa_regs {
	uint64_t eip; /* 0xfffffff0 for the BSP, the AP reset EIP for the others */
	uint64_t sev_features;
	uint64_t rdx;
	uint64_t g_pat;
	uint32_t mxcsr;
	uint16_t fcw;
	uint16_t cs_attr, ss_attr, tr_attr;
};

/* Register values of vCPU @eip under @vmm, before the caller's overrides. */
void cvm_vmsa_regs_for_vmm(enum cvm_vmm vmm, uint64_t eip, uint32_t vcpu_sig,
			   uint64_t sev_features, struct cvm_vmsa_regs *ret);

/* Apply the caller's host-version overrides. */
void cvm_vmsa_regs_override(struct cvm_vmsa_regs *regs, const struct cvm_vmsa_overrides *o);

/* Reset-state VMSA for OVMF (real mode at eip). */
void cvm_vmsa_build(const struct cvm_vmsa_regs *regs, uint8_t page[CVM_VMSA_SIZE]);

/* The VMSA every vCPU of a pre-IGVM COCONUT-SVSM guest starts with (32-bit flat mode). */
void cvm_vmsa_build_svsm(uint64_t rip, uint32_t vcpu_sig, uint8_t page[CVM_VMSA_SIZE]);

#endif
