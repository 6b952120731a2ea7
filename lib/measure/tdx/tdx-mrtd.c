/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The TDVF metadata of an OVMF image and MRTD, the register the TDX module
 * builds while QEMU adds the firmware pages (reference/tdx-measurement.md §2).
 *
 * Layout of the work: the footer GUID table names the descriptor by its
 * distance from the end of the file; the descriptor lists sections (file
 * range, guest range, type, attributes). MRTD is one SHA-384 over 128-byte
 * records: a MEM.PAGE.ADD record per 4 KiB page, and for sections with
 * MR.EXTEND sixteen MR.EXTEND records per page, each followed by the 256
 * bytes it covers. One page's records are assembled in a buffer and hashed
 * with one update.
 */
#include <assert.h>
#include <errno.h>
#include <string.h>

#include <cvmimg/cleanup.h>

#include "measure/guid-table.h"
#include "measure/tdx/tdx.h"
#include "util/endian.h"
#include "util/hash.h"

#define PAGE 4096u
#define REC 128u
#define CHUNK 256u
#define CHUNKS_PER_PAGE (PAGE / CHUNK)
#define DESC_HDR 16u
#define DESC_SECTION 32u

/* e9eaf9f3-168e-44d5-a8eb-7f4d8738f6ae: precedes the descriptor */
static const uint8_t guid_tdvf_descriptor[16] = { 0xf3, 0xf9, 0xea, 0xe9, 0x8e, 0x16, 0xd5, 0x44,
						   0xa8, 0xeb, 0x7f, 0x4d, 0x87, 0x38, 0xf6, 0xae };

static const char *const type_names[CVM_TDVF__COUNT] = {
	[CVM_TDVF_BFV] = "BFV",
	[CVM_TDVF_CFV] = "CFV",
	[CVM_TDVF_TD_HOB] = "TD_HOB",
	[CVM_TDVF_TEMP_MEM] = "TEMP_MEM",
	[CVM_TDVF_PERM_MEM] = "PERM_MEM",
	[CVM_TDVF_PAYLOAD] = "PAYLOAD",
	[CVM_TDVF_PAYLOAD_PARAM] = "PAYLOAD_PARAM",
	[CVM_TDVF_TD_INFO] = "TD_INFO",
	[CVM_TDVF_TD_PARAMS] = "TD_PARAMS",
};

const char *cvm_tdvf_type_to_string(uint32_t type)
{
	return type < CVM_TDVF__COUNT ? type_names[type] : NULL;
}

const struct cvm_tdvf_section *cvm_tdvf_find(const struct cvm_tdvf *t, uint32_t type)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->s[i].type == type)
			return &t->s[i];
	return NULL;
}

/* The descriptor's offset: from the GUID table, else the legacy pointer at end-0x20. */
static int find_descriptor(const uint8_t *data, size_t size, const char *name, size_t *ret,
			   cvm_err *reterr)
{
	struct cvm_guid_table table;
	const struct cvm_guid_entry *e;
	uint32_t off;
	int r;

	if ((r = cvm_guid_table_parse(data, size, name, &table, reterr)) < 0)
		return r;
	e = cvm_guid_table_find(&table, cvm_guid_tdx_metadata);
	if (e) {
		if (cvm_guid_entry_u32(e, 0, &off) < 0)
			return cvm_err_set(reterr, -EBADMSG,
					   "TDX metadata entry of '%s' is too short", name);
		if (off < DESC_HDR + 16 || off > size - 16) /* the metadata GUID precedes it */
			return cvm_err_set(reterr, -EBADMSG,
					   "TDX metadata of '%s' is outside the file (0x%x bytes "
					   "before the end of %zu)",
					   name, off, size);
		*ret = size - off;
	} else {
		/* pre-upstream TDVF: the offset of the GUID preceding the descriptor */
		off = size >= 0x20 ? cvm_le32(data + size - 0x20) : 0;
		if (table.count || off < 16 || (uint64_t)off + 16 + DESC_HDR > size ||
		    memcmp(data + off, guid_tdvf_descriptor, 16))
			return cvm_err_set(reterr, -EBADMSG,
					   "'%s' has no TDX metadata (TDVF descriptor): is it a "
					   "TDX-capable single-file OVMF (OVMF.fd or OVMF.inteltdx.fd)?",
					   name);
		*ret = off + 16;
	}
	if (memcmp(data + *ret - 16, guid_tdvf_descriptor, 16))
		return cvm_err_set(reterr, -EBADMSG,
				   "TDX metadata of '%s' at 0x%zx does not follow the TDVF "
				   "metadata GUID",
				   name, *ret);
	return 0;
}

static int check_section(const struct cvm_tdvf *t, size_t i, cvm_err *reterr)
{
	const struct cvm_tdvf_section *s = &t->s[i];
	const char *type = cvm_tdvf_type_to_string(s->type);

	if (!type)
		return cvm_err_set(reterr, -EBADMSG,
				   "TDX metadata of '%s': section %zu has unknown type %u", t->name,
				   i, s->type);
	if (s->gpa % PAGE || s->mem_size % PAGE)
		return cvm_err_set(reterr, -EBADMSG,
				   "TDX metadata of '%s': section %zu (%s, gpa 0x%llx, size "
				   "0x%llx) is not made of whole pages",
				   t->name, i, type, (unsigned long long)s->gpa,
				   (unsigned long long)s->mem_size);
	if (s->mem_size < s->raw_size)
		return cvm_err_set(reterr, -EBADMSG,
				   "TDX metadata of '%s': section %zu (%s) has 0x%x bytes on file "
				   "but only 0x%llx in memory",
				   t->name, i, type, s->raw_size, (unsigned long long)s->mem_size);
	if ((uint64_t)s->data_offset + s->raw_size > t->size)
		return cvm_err_set(reterr, -EBADMSG,
				   "TDX metadata of '%s': section %zu (%s) lies at 0x%x+0x%x, "
				   "outside the %zu-byte file: a code-only image without its vars "
				   "part? Give the single-file firmware (OVMF_VARS followed by "
				   "OVMF_CODE, as QEMU's -bios takes it)",
				   t->name, i, type, s->data_offset, s->raw_size, t->size);
	if ((s->attributes & CVM_TDVF_ATTR_MR_EXTEND) && s->raw_size != s->mem_size)
		return cvm_err_set(reterr, -EBADMSG,
				   "TDX metadata of '%s': section %zu (%s) is extended into MRTD "
				   "but has 0x%x bytes on file for 0x%llx in memory",
				   t->name, i, type, s->raw_size, (unsigned long long)s->mem_size);
	return 0;
}

int cvm_tdvf_parse(const uint8_t *data, size_t size, const char *name, struct cvm_tdvf *ret,
		   cvm_err *reterr)
{
	const uint8_t *d;
	uint32_t len, version, n;
	size_t off;
	int r;

	memset(ret, 0, sizeof(*ret));
	ret->data = data;
	ret->size = size;
	ret->name = name;
	if ((r = find_descriptor(data, size, name, &off, reterr)) < 0)
		return r;
	d = data + off;
	if (memcmp(d, "TDVF", 4))
		return cvm_err_set(reterr, -EBADMSG,
				   "TDX metadata of '%s' at 0x%zx lacks the TDVF signature", name,
				   off);
	len = cvm_le32(d + 4);
	version = cvm_le32(d + 8);
	n = cvm_le32(d + 12);
	if (version != 1)
		return cvm_err_set(reterr, -EBADMSG, "TDX metadata of '%s' has version %u, not 1",
				   name, version);
	if (n == 0 || n > CVM_TDVF_SECTIONS_MAX || len != DESC_HDR + DESC_SECTION * n ||
	    off + len > size)
		return cvm_err_set(reterr, -EBADMSG,
				   "TDX metadata of '%s' claims %u sections in %u bytes at 0x%zx "
				   "(at most %d sections, inside the file)",
				   name, n, len, off, CVM_TDVF_SECTIONS_MAX);
	ret->descriptor_offset = off;
	for (uint32_t i = 0; i < n; i++) {
		const uint8_t *p = d + DESC_HDR + DESC_SECTION * i;
		struct cvm_tdvf_section *s = &ret->s[i];

		s->data_offset = cvm_le32(p);
		s->raw_size = cvm_le32(p + 4);
		s->gpa = cvm_le64(p + 8);
		s->mem_size = cvm_le64(p + 16);
		s->type = cvm_le32(p + 24);
		s->attributes = cvm_le32(p + 28);
		ret->n = i + 1;
		if ((r = check_section(ret, i, reterr)) < 0)
			return r;
	}
	return 0;
}

static void page_add_record(uint8_t rec[REC], uint64_t gpa)
{
	memset(rec, 0, REC);
	memcpy(rec, "MEM.PAGE.ADD", 12);
	cvm_put_le64(rec + 16, gpa);
}

/* The sixteen MR.EXTEND records of one page with their content, into @buf. */
static void extend_records(uint8_t *buf, uint64_t gpa, const uint8_t *content)
{
	for (unsigned i = 0; i < CHUNKS_PER_PAGE; i++) {
		uint8_t *rec = buf + i * (REC + CHUNK);

		memset(rec, 0, REC);
		memcpy(rec, "MR.EXTEND", 9);
		cvm_put_le64(rec + 16, gpa + i * CHUNK);
		memcpy(rec + REC, content + i * CHUNK, CHUNK);
	}
}

#define EXTEND_PAGE_BYTES (CHUNKS_PER_PAGE * (REC + CHUNK))

static int hash_section(struct cvm_hash_ctx *c, const struct cvm_tdvf *t,
			const struct cvm_tdvf_section *s, bool two_pass, uint8_t *buf)
{
	bool add = !(s->attributes & CVM_TDVF_ATTR_PAGE_AUG);
	bool extend = s->attributes & CVM_TDVF_ATTR_MR_EXTEND;
	uint64_t pages = s->mem_size / PAGE;
	int r = 0;

	for (uint64_t p = 0; add && two_pass && p < pages && r >= 0; p++) {
		page_add_record(buf, s->gpa + p * PAGE);
		r = cvm_hash_update(c, buf, REC);
	}
	for (uint64_t p = 0; p < pages && r >= 0; p++) {
		size_t n = 0;

		if (add && !two_pass) {
			page_add_record(buf, s->gpa + p * PAGE);
			n = REC;
		}
		if (extend) {
			extend_records(buf + n, s->gpa + p * PAGE,
				       t->data + s->data_offset + p * PAGE);
			n += EXTEND_PAGE_BYTES;
		}
		if (n)
			r = cvm_hash_update(c, buf, n);
	}
	return r;
}

int cvm_tdx_mrtd(const struct cvm_tdvf *t, bool two_pass, uint8_t out[48], cvm_err *reterr)
{
	CVM_CLEANUP(cvm_hash_freep) struct cvm_hash_ctx *c = NULL;
	static_assert(REC + EXTEND_PAGE_BYTES <= 8192, "page buffer");
	uint8_t buf[8192];

	if (cvm_hash_new(CVM_HASH_SHA384, &c) < 0)
		return cvm_err_set(reterr, -ENOMEM, "cannot start SHA-384");
	for (size_t i = 0; i < t->n; i++)
		if (hash_section(c, t, &t->s[i], two_pass, buf) < 0)
			return cvm_err_set(reterr, -ENOMEM, "cannot hash the firmware pages");
	if (cvm_hash_final(c, out) < 0)
		return cvm_err_set(reterr, -ENOMEM, "cannot finish SHA-384");
	return 0;
}
