/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>

#include "measure/snp-gctx.h"
#include "util/endian.h"
#include "util/hash.h"

#define PAGE_INFO_LEN 0x70

void cvm_gctx_page_info(const uint8_t ld[48], const uint8_t contents[48],
			enum cvm_snp_page_type type, uint64_t gpa, uint8_t out[112])
{
	memset(out, 0, PAGE_INFO_LEN);
	memcpy(out, ld, 48);
	memcpy(out + 0x30, contents, 48);
	cvm_put_le16(out + 0x60, PAGE_INFO_LEN);
	out[0x62] = (uint8_t)type;
	/* IMI_PAGE, VMPL3..1 permissions and reserved stay 0 */
	cvm_put_le64(out + 0x68, gpa);
}

static int update(struct cvm_gctx *g, const uint8_t contents[48], enum cvm_snp_page_type type,
		  uint64_t gpa)
{
	uint8_t info[PAGE_INFO_LEN];

	cvm_gctx_page_info(g->ld, contents, type, gpa, info);
	return cvm_sha384(info, sizeof(info), g->ld);
}

int cvm_gctx_update_normal(struct cvm_gctx *g, uint64_t gpa, const uint8_t *data, size_t len)
{
	for (size_t off = 0; off < len; off += 4096) {
		uint8_t h[48];
		int r = cvm_sha384(data + off, 4096, h);

		if (r < 0 || (r = update(g, h, CVM_SNP_PAGE_NORMAL, gpa + off)) < 0)
			return r;
	}
	return 0;
}

int cvm_gctx_update_unhashed(struct cvm_gctx *g, enum cvm_snp_page_type type, uint64_t gpa,
			     size_t len)
{
	static const uint8_t zero[48];

	for (size_t off = 0; off < len; off += 4096) {
		int r = update(g, zero, type, gpa + off);

		if (r < 0)
			return r;
	}
	return 0;
}

int cvm_gctx_update_vmsa(struct cvm_gctx *g, const uint8_t page[4096])
{
	uint8_t h[48];
	int r = cvm_sha384(page, 4096, h);

	return r < 0 ? r : update(g, h, CVM_SNP_PAGE_VMSA, CVM_SNP_VMSA_GPA);
}
