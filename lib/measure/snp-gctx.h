/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The SNP launch digest as the firmware keeps it (GCTX.LD): each page added
 * to the guest updates it as LD = SHA384(PAGE_INFO(LD, contents, type, gpa)).
 */
#ifndef CVM_MEASURE_SNP_GCTX_H
#define CVM_MEASURE_SNP_GCTX_H

#include <stddef.h>
#include <stdint.h>

enum cvm_snp_page_type {
	CVM_SNP_PAGE_NORMAL = 1,
	CVM_SNP_PAGE_VMSA = 2,
	CVM_SNP_PAGE_ZERO = 3,
	CVM_SNP_PAGE_UNMEASURED = 4,
	CVM_SNP_PAGE_SECRETS = 5,
	CVM_SNP_PAGE_CPUID = 6,
};

#define CVM_SNP_VMSA_GPA 0xfffffffff000ull

struct cvm_gctx {
	uint8_t ld[48];
};

/* Build the 112-byte PAGE_INFO (exposed for tests). */
void cvm_gctx_page_info(const uint8_t ld[48], const uint8_t contents[48],
			enum cvm_snp_page_type type, uint64_t gpa, uint8_t out[112]);

/* NORMAL pages over @len bytes (a multiple of 4096) from @gpa. */
int cvm_gctx_update_normal(struct cvm_gctx *g, uint64_t gpa, const uint8_t *data, size_t len);

/* ZERO, UNMEASURED, SECRETS or CPUID pages: contents are not hashed. */
int cvm_gctx_update_unhashed(struct cvm_gctx *g, enum cvm_snp_page_type type, uint64_t gpa,
			     size_t len);

int cvm_gctx_update_vmsa(struct cvm_gctx *g, const uint8_t page[4096]);

#endif
