/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <cvmimg/cleanup.h>
#include <cvmimg/measure.h>
#include <cvmimg/util.h>

#include "measure/ovmf.h"
#include "util/endian.h"

#define ASEV_HDR 16
#define ASEV_DESC 12

const char *cvm_sev_section_type_to_string(enum cvm_sev_section_type t)
{
	switch (t) {
	case CVM_SEV_SECTION_SNP_SEC_MEM:
		return "SNP_SEC_MEM";
	case CVM_SEV_SECTION_SNP_SECRETS:
		return "SNP_SECRETS";
	case CVM_SEV_SECTION_CPUID:
		return "CPUID";
	case CVM_SEV_SECTION_SVSM_CAA:
		return "SVSM_CAA";
	case CVM_SEV_SECTION_SNP_KERNEL_HASHES:
		return "SNP_KERNEL_HASHES";
	}
	return NULL;
}

int cvm_fw_err_no_table(const struct cvm_fw *fw, const char *needed, cvm_err *reterr)
{
	char found[2 * 18 + 1] = "";

	if (fw->size >= 50)
		cvm_hex_encode(fw->data + fw->size - 50, 18, found);
	if (fw->table.count == 0)
		return cvm_err_set(reterr, -EBADMSG,
				   "no OVMF footer table in '%s' (%zu bytes; found %s at end-50 "
				   "instead of the footer GUID): is it a single-file OVMF.fd?",
				   fw->path, fw->size, found[0] ? found : "nothing");
	return cvm_err_set(reterr, -EBADMSG, "'%s' has no %s entry in its OVMF footer table",
			   fw->path, needed);
}

static int check_section(const struct cvm_fw *fw, const struct cvm_sev_section *s, size_t i,
			 cvm_err *reterr)
{
	uint64_t end = (uint64_t)s->gpa + s->size;

	if (!cvm_sev_section_type_to_string(s->type))
		return cvm_err_set(reterr, -EBADMSG,
				   "SEV metadata of '%s': section %zu (gpa 0x%x) has unknown type "
				   "0x%x",
				   fw->path, i, s->gpa, (unsigned)s->type);
	if (s->gpa % 4096 || s->size % 4096 || s->size == 0)
		return cvm_err_set(reterr, -EBADMSG,
				   "SEV metadata of '%s': section %zu (gpa 0x%x, size 0x%x) is not "
				   "made of whole pages",
				   fw->path, i, s->gpa, s->size);
	if (end > 0x100000000ull - fw->size)
		return cvm_err_set(reterr, -EBADMSG,
				   "SEV metadata of '%s': section %zu (gpa 0x%x, size 0x%x) "
				   "overlaps the firmware mapped below 4 GiB",
				   fw->path, i, s->gpa, s->size);
	for (size_t j = 0; j < i; j++) {
		const struct cvm_sev_section *o = &fw->sections[j];

		if (s->gpa < (uint64_t)o->gpa + o->size && o->gpa < end)
			return cvm_err_set(reterr, -EBADMSG,
					   "SEV metadata of '%s': sections %zu and %zu overlap "
					   "(0x%x+0x%x, 0x%x+0x%x)",
					   fw->path, j, i, o->gpa, o->size, s->gpa, s->size);
	}
	return 0;
}

static int parse_metadata(struct cvm_fw *fw, cvm_err *reterr)
{
	const struct cvm_guid_entry *e = cvm_guid_table_find(&fw->table, cvm_guid_sev_metadata);
	const uint8_t *h;
	uint32_t off, size, version, n;

	if (!e)
		return 0;
	if (cvm_guid_entry_u32(e, 0, &off) < 0)
		return cvm_err_set(reterr, -EBADMSG, "SEV metadata entry of '%s' is too short",
				   fw->path);
	if (off < ASEV_HDR || off > fw->size)
		return cvm_err_set(reterr, -EBADMSG,
				   "SEV metadata of '%s' is outside the image (offset 0x%x from "
				   "the end of %zu bytes)",
				   fw->path, off, fw->size);
	h = fw->data + fw->size - off;
	if (memcmp(h, "ASEV", 4))
		return cvm_err_set(reterr, -EBADMSG, "SEV metadata of '%s' lacks the ASEV signature",
				   fw->path);
	size = cvm_le32(h + 4);
	version = cvm_le32(h + 8);
	n = cvm_le32(h + 12);
	if (version != 1)
		return cvm_err_set(reterr, -EBADMSG, "SEV metadata of '%s' has version %u, not 1",
				   fw->path, version);
	if (n > CVM_SEV_SECTIONS_MAX || size > off || size < ASEV_HDR ||
	    (size - ASEV_HDR) / ASEV_DESC < n)
		return cvm_err_set(reterr, -EBADMSG,
				   "SEV metadata of '%s' claims %u sections in %u bytes, %u bytes "
				   "before the end of the image",
				   fw->path, n, size, off);
	for (uint32_t i = 0; i < n; i++) {
		const uint8_t *d = h + ASEV_HDR + ASEV_DESC * i;
		struct cvm_sev_section *s = &fw->sections[i];
		int r;

		s->gpa = cvm_le32(d);
		s->size = cvm_le32(d + 4);
		s->type = (enum cvm_sev_section_type)cvm_le32(d + 8);
		r = check_section(fw, s, i, reterr);
		if (r < 0)
			return r;
		fw->nsections = i + 1;
	}
	return 0;
}

int cvm_fw_parse(const uint8_t *data, size_t size, const char *name, struct cvm_fw *fw,
		 cvm_err *reterr)
{
	const struct cvm_guid_entry *e;
	int r;

	fw->data = data;
	fw->size = size;
	fw->path = name;
	if (size == 0 || size % 4096)
		return cvm_err_set(reterr, -EBADMSG,
				   "'%s' is %zu bytes, not a whole number of 4 KiB pages", name,
				   size);
	r = cvm_guid_table_parse(data, size, name, &fw->table, reterr);
	if (r < 0)
		return r;
	e = cvm_guid_table_find(&fw->table, cvm_guid_sev_es_reset_block);
	if (e) {
		if (cvm_guid_entry_u32(e, 0, &fw->reset_eip) < 0)
			return cvm_err_set(reterr, -EBADMSG,
					   "SEV-ES reset block entry of '%s' is too short", name);
		fw->has_reset_eip = true;
	}
	e = cvm_guid_table_find(&fw->table, cvm_guid_sev_hash_table);
	if (e) {
		if (cvm_guid_entry_u32(e, 0, &fw->hash_table_gpa) < 0)
			return cvm_err_set(reterr, -EBADMSG,
					   "SEV hash table entry of '%s' is too short", name);
		fw->has_hash_table = fw->hash_table_gpa != 0;
	}
	return parse_metadata(fw, reterr);
}

int cvm_fw_load(const char *path, struct cvm_fw **ret, cvm_err *reterr)
{
	CVM_CLEANUP(cvm_fw_freep) struct cvm_fw *fw = NULL;
	int r;

	fw = calloc(1, sizeof(*fw));
	if (!fw || !(fw->path_owned = strdup(path)))
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	r = cvm_map_file(path, CVM_OVMF_MAX_SIZE, &fw->file, reterr);
	if (r < 0)
		return r;
	r = cvm_fw_parse(fw->file.data, fw->file.len, fw->path_owned, fw, reterr);
	if (r < 0)
		return r;
	*ret = CVM_TAKE_PTR(fw);
	return 0;
}

void cvm_fw_free(struct cvm_fw *fw)
{
	if (!fw)
		return;
	cvm_unmap_file(&fw->file);
	free(fw->path_owned);
	free(fw);
}

void cvm_fw_freep(struct cvm_fw **fw)
{
	cvm_fw_free(*fw);
}
