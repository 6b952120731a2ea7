/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>

#include "measure/snp-gctx.h"
#include "measure/sev-launch.h"
#include "measure/sev-vmsa.h"

#define FOUR_GIB 0x100000000ull

static int oom(cvm_err *reterr)
{
	return cvm_err_set(reterr, -ENOMEM, "cannot compute SHA-384");
}

/* The kernel-hashes page: the table at the offset of its GPA within the page. */
static int measure_hashes_page(struct cvm_gctx *g, const struct cvm_launch *l,
			       const struct cvm_sev_section *s, cvm_err *reterr)
{
	uint8_t page[4096] = { 0 };
	size_t off = l->fw->hash_table_gpa & 0xfff;

	if (s->size != 4096)
		return cvm_err_set(reterr, -EBADMSG,
				   "SNP_KERNEL_HASHES section of '%s' is 0x%x bytes, not one page",
				   l->fw->path, s->size);
	if (off + CVM_SEV_HASHES_TABLE_SIZE > sizeof(page))
		return cvm_err_set(reterr, -EBADMSG,
				   "SEV hash table of '%s' at 0x%x does not fit in its page",
				   l->fw->path, l->fw->hash_table_gpa);
	cvm_sev_hashes_table(l->hashes, page + off);
	return cvm_gctx_update_normal(g, s->gpa, page, sizeof(page)) < 0 ? oom(reterr) : 0;
}

static int measure_section(struct cvm_gctx *g, const struct cvm_launch *l, enum cvm_vmm vmm,
			   const struct cvm_sev_section *s, cvm_err *reterr)
{
	enum cvm_snp_page_type t;
	size_t len = s->size;

	switch (s->type) {
	case CVM_SEV_SECTION_SNP_SEC_MEM:
		t = vmm == CVM_VMM_GCE ? CVM_SNP_PAGE_UNMEASURED : CVM_SNP_PAGE_ZERO;
		break;
	case CVM_SEV_SECTION_SNP_SECRETS:
		t = CVM_SNP_PAGE_SECRETS;
		len = 4096;
		break;
	case CVM_SEV_SECTION_CPUID:
		t = CVM_SNP_PAGE_CPUID;
		len = 4096;
		break;
	case CVM_SEV_SECTION_SNP_KERNEL_HASHES:
		if (l->hashes)
			return measure_hashes_page(g, l, s, reterr);
		t = CVM_SNP_PAGE_ZERO;
		break;
	default: /* SVSM_CAA */
		t = CVM_SNP_PAGE_ZERO;
		break;
	}
	return cvm_gctx_update_unhashed(g, t, s->gpa, len) < 0 ? oom(reterr) : 0;
}

/*
 * Metadata sections in table order. EC2 adds the CPUID page last, after all
 * other sections, so it is skipped in the first walk and measured in a second.
 */
static int measure_sections(struct cvm_gctx *g, const struct cvm_launch *l,
			    const struct cvm_fw *fw, enum cvm_vmm vmm, cvm_err *reterr)
{
	bool has_hashes_section = false;
	int r;

	for (size_t i = 0; i < fw->nsections; i++) {
		const struct cvm_sev_section *s = &fw->sections[i];

		if (s->type == CVM_SEV_SECTION_SNP_KERNEL_HASHES)
			has_hashes_section = true;
		if (vmm == CVM_VMM_EC2 && s->type == CVM_SEV_SECTION_CPUID)
			continue;
		r = measure_section(g, l, vmm, s, reterr);
		if (r < 0)
			return r;
	}
	if (l->hashes && !has_hashes_section)
		return cvm_err_set(reterr, -EBADMSG,
				   "kernel given, but the OVMF metadata of '%s' has no "
				   "SNP_KERNEL_HASHES section: measured direct boot needs an OVMF "
				   "built from OvmfPkg/AmdSev/AmdSevX64.dsc",
				   fw->path);
	if (vmm != CVM_VMM_EC2)
		return 0;
	for (size_t i = 0; i < fw->nsections; i++)
		if (fw->sections[i].type == CVM_SEV_SECTION_CPUID) {
			r = measure_section(g, l, vmm, &fw->sections[i], reterr);
			if (r < 0)
				return r;
		}
	return 0;
}

static int measure_vmsas(struct cvm_gctx *g, const struct cvm_measurement *out, cvm_err *reterr)
{
	for (unsigned i = 0; i < out->vmsa_count; i++)
		if (cvm_gctx_update_vmsa(g, out->vmsa[i == 0 ? 0 : 1]) < 0)
			return oom(reterr);
	return 0;
}

static void finish(const struct cvm_gctx *g, struct cvm_measurement *out)
{
	out->digest_len = 48;
	memcpy(out->digest, g->ld, 48);
}

static int measure_firmware(struct cvm_gctx *g, const struct cvm_fw *fw, uint64_t gpa,
			    cvm_err *reterr)
{
	return cvm_gctx_update_normal(g, gpa, fw->data, fw->size) < 0 ? oom(reterr) : 0;
}

int cvm_launch_snp_ovmf_hash(const struct cvm_launch *l, struct cvm_measurement *out,
			     cvm_err *reterr)
{
	struct cvm_gctx g = { { 0 } };
	int r = measure_firmware(&g, l->fw, FOUR_GIB - l->fw->size, reterr);

	if (r < 0)
		return r;
	finish(&g, out);
	return 0;
}

int cvm_launch_snp(const struct cvm_launch *l, struct cvm_measurement *out, cvm_err *reterr)
{
	struct cvm_gctx g = { { 0 } };
	int r;

	if (l->in->ovmf_hash)
		memcpy(g.ld, l->in->ovmf_hash, 48);
	else if ((r = measure_firmware(&g, l->fw, FOUR_GIB - l->fw->size, reterr)) < 0)
		return r;
	r = measure_sections(&g, l, l->fw, l->in->vmm, reterr);
	if (r < 0)
		return r;
	r = cvm_launch_vmsa_pages(l, l->in->guest_features, out, reterr);
	if (r < 0)
		return r;
	r = measure_vmsas(&g, out, reterr);
	if (r < 0)
		return r;
	finish(&g, out);
	return 0;
}

/*
 * Pre-IGVM COCONUT-SVSM: OVMF_CODE ends at 4 GiB, the OVMF_VARS area sits below
 * it (not measured) and the SVSM binary below that. Only the SVSM's metadata is
 * measured, and every vCPU starts in the SVSM with the same VMSA.
 */
int cvm_launch_snp_svsm(const struct cvm_launch *l, struct cvm_measurement *out,
			cvm_err *reterr)
{
	const struct cvm_fw *svsm = l->svsm;
	const struct cvm_guid_entry *info = cvm_guid_table_find(&svsm->table, cvm_guid_svsm_info);
	uint64_t ovmf_gpa = FOUR_GIB - l->fw->size, svsm_gpa;
	struct cvm_gctx g = { { 0 } };
	uint32_t entry;
	int r;

	if (!info)
		return cvm_fw_err_no_table(svsm, "SVSM_INFO", reterr);
	if (cvm_guid_entry_u32(info, 0, &entry) < 0 || entry >= svsm->size)
		return cvm_err_set(reterr, -EBADMSG, "SVSM_INFO entry of '%s' is invalid",
				   svsm->path);
	if (l->in->vars_size % 4096 || l->in->vars_size + svsm->size > ovmf_gpa)
		return cvm_err_set(reterr, -EINVAL,
				   "vars size %llu does not leave room for '%s' below '%s' (or "
				   "is not a multiple of 4096)",
				   (unsigned long long)l->in->vars_size, svsm->path, l->fw->path);
	svsm_gpa = ovmf_gpa - l->in->vars_size - svsm->size;
	r = measure_firmware(&g, l->fw, ovmf_gpa, reterr);
	if (r < 0 || (r = measure_firmware(&g, svsm, svsm_gpa, reterr)) < 0)
		return r;
	r = measure_sections(&g, l, svsm, CVM_VMM_QEMU, reterr);
	if (r < 0)
		return r;
	cvm_vmsa_build_svsm(svsm_gpa + entry, l->in->vcpu_sig, out->vmsa[0]);
	memcpy(out->vmsa[1], out->vmsa[0], CVM_VMSA_SIZE);
	out->vmsa_count = l->in->vcpus;
	out->guest_features = 0x1;
	r = measure_vmsas(&g, out, reterr);
	if (r < 0)
		return r;
	finish(&g, out);
	return 0;
}
