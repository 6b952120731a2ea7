/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>

#include "util/endian.h"
#include "measure/sev-vmsa.h"

/* Offsets in the save area (AMD APM vol. 2, table B-4). */
enum {
	VMSA_ES = 0x000,
	VMSA_CS = 0x010,
	VMSA_SS = 0x020,
	VMSA_DS = 0x030,
	VMSA_FS = 0x040,
	VMSA_GS = 0x050,
	VMSA_GDTR = 0x060,
	VMSA_LDTR = 0x070,
	VMSA_IDTR = 0x080,
	VMSA_TR = 0x090,
	VMSA_EFER = 0x0d0,
	VMSA_CR4 = 0x148,
	VMSA_CR0 = 0x158,
	VMSA_DR7 = 0x160,
	VMSA_DR6 = 0x168,
	VMSA_RFLAGS = 0x170,
	VMSA_RIP = 0x178,
	VMSA_G_PAT = 0x268,
	VMSA_RDX = 0x310,
	VMSA_SEV_FEATURES = 0x3b0,
	VMSA_XCR0 = 0x3e8,
	VMSA_MXCSR = 0x408,
	VMSA_X87_FCW = 0x410,
};

#define G_PAT_DEFAULT 0x0007040600070406ull
#define BSP_EIP 0xfffffff0u

static void put_seg(uint8_t *page, unsigned off, uint16_t sel, uint16_t attrib, uint32_t limit,
		    uint64_t base)
{
	cvm_put_le16(page + off, sel);
	cvm_put_le16(page + off + 2, attrib);
	cvm_put_le32(page + off + 4, limit);
	cvm_put_le64(page + off + 8, base);
}

void cvm_vmsa_regs_for_vmm(enum cvm_vmm vmm, uint64_t eip, uint32_t vcpu_sig,
			   uint64_t sev_features, struct cvm_vmsa_regs *ret)
{
	*ret = (struct cvm_vmsa_regs){
		.eip = eip,
		.sev_features = sev_features,
		.g_pat = G_PAT_DEFAULT,
		.cs_attr = 0x9b,
		.ss_attr = 0x93,
		.tr_attr = 0x8b,
	};
	switch (vmm) {
	case CVM_VMM_EC2:
		ret->cs_attr = eip == BSP_EIP ? 0x9a : 0x9b;
		ret->ss_attr = 0x92;
		ret->tr_attr = 0x83;
		ret->rdx = 0x600;
		break;
	case CVM_VMM_GCE:
		ret->g_pat = 0x00070106;
		ret->rdx = 0x600;
		break;
	default:
		/* QEMU with KVM_SEV_INIT2 (Linux >= 6.10) initialises the FPU state. */
		ret->rdx = vcpu_sig;
		ret->mxcsr = 0x1f80;
		ret->fcw = 0x37f;
		break;
	}
}

void cvm_vmsa_regs_override(struct cvm_vmsa_regs *regs, const struct cvm_vmsa_overrides *o)
{
	if (o->set_mxcsr)
		regs->mxcsr = o->mxcsr;
	if (o->set_fcw)
		regs->fcw = o->fcw;
	if (o->set_rdx)
		regs->rdx = o->rdx;
}

/* Registers every VMSA here shares, whatever the mode. */
static void put_common(uint8_t *page, uint64_t cr0, uint64_t sev_features, uint64_t rdx,
		       uint64_t g_pat)
{
	put_seg(page, VMSA_GDTR, 0, 0, 0xffff, 0);
	put_seg(page, VMSA_IDTR, 0, 0, 0xffff, 0);
	put_seg(page, VMSA_LDTR, 0, 0x82, 0xffff, 0);
	cvm_put_le64(page + VMSA_EFER, 0x1000);
	cvm_put_le64(page + VMSA_CR4, 0x40);
	cvm_put_le64(page + VMSA_CR0, cr0);
	cvm_put_le64(page + VMSA_DR7, 0x400);
	cvm_put_le64(page + VMSA_DR6, 0xffff0ff0);
	cvm_put_le64(page + VMSA_RFLAGS, 0x2);
	cvm_put_le64(page + VMSA_G_PAT, g_pat);
	cvm_put_le64(page + VMSA_RDX, rdx);
	cvm_put_le64(page + VMSA_SEV_FEATURES, sev_features);
	cvm_put_le64(page + VMSA_XCR0, 0x1);
}

void cvm_vmsa_build(const struct cvm_vmsa_regs *r, uint8_t page[CVM_VMSA_SIZE])
{
	memset(page, 0, CVM_VMSA_SIZE);
	put_seg(page, VMSA_ES, 0, 0x93, 0xffff, 0);
	put_seg(page, VMSA_CS, 0xf000, r->cs_attr, 0xffff, r->eip & 0xffff0000u);
	put_seg(page, VMSA_SS, 0, r->ss_attr, 0xffff, 0);
	put_seg(page, VMSA_DS, 0, 0x93, 0xffff, 0);
	put_seg(page, VMSA_FS, 0, 0x93, 0xffff, 0);
	put_seg(page, VMSA_GS, 0, 0x93, 0xffff, 0);
	put_seg(page, VMSA_TR, 0, r->tr_attr, 0xffff, 0);
	put_common(page, 0x10, r->sev_features, r->rdx, r->g_pat);
	cvm_put_le64(page + VMSA_RIP, r->eip & 0xffff);
	cvm_put_le32(page + VMSA_MXCSR, r->mxcsr);
	cvm_put_le16(page + VMSA_X87_FCW, r->fcw);
}

void cvm_vmsa_build_svsm(uint64_t rip, uint32_t vcpu_sig, uint8_t page[CVM_VMSA_SIZE])
{
	memset(page, 0, CVM_VMSA_SIZE);
	put_seg(page, VMSA_ES, 0x10, 0xc93, 0xffffffff, 0);
	put_seg(page, VMSA_CS, 0x08, 0xc9b, 0xffffffff, 0);
	put_seg(page, VMSA_SS, 0x10, 0xc93, 0xffffffff, 0);
	put_seg(page, VMSA_DS, 0x10, 0xc93, 0xffffffff, 0);
	put_seg(page, VMSA_FS, 0x10, 0xc93, 0xffffffff, 0);
	put_seg(page, VMSA_GS, 0, 0x93, 0xffff, 0);
	put_seg(page, VMSA_TR, 0, 0x8b, 0xffff, 0);
	/* sev_features is fixed to SNPActive: the SVSM, not the guest owner, picks the rest */
	put_common(page, 0x11, 0x1, vcpu_sig, G_PAT_DEFAULT);
	cvm_put_le64(page + VMSA_RIP, rip);
	cvm_put_le32(page + VMSA_MXCSR, 0x1f80);
	/*
	 * x87 FCW stays 0: the measured pages of real COCONUT launches have 0 here
	 * (sev-snp-measure meant 0x37f but stored it under a misspelt field).
	 */
}
