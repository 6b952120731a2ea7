/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Appending sections to systemd-stub, as ukify's pe_add_sections() does, but
 * re-packing the stub's raw data: that lets the header grow when the section
 * table needs room and drops the stub's own .sbat (shim refuses an image with
 * two .sbat sections; ours carries the stub's entries).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "boot/pe-layout.h"
#include "util/endian.h"
#include "util/macro.h"

#define COFF_SYMTAB_PTR 8
#define COFF_NSYMS 12

static bool replaced(const struct uki_part *parts, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(parts[i].name, name))
			return true;
	return false;
}

/* Which stub sections stay; a stub that already has one of our sections is refused. */
static int plan_keep(struct uki_layout *pl, const struct pe_image *stub, const char *what,
		     const struct uki_part *parts, size_t n, cvm_err *reterr)
{
	uint32_t min_va = UINT32_MAX;

	for (uint16_t i = 0; i < stub->n_sections; i++) {
		const struct pe_section *s = &stub->sections[i];

		if (!strcmp(s->name, ".sbat") && replaced(parts, n, ".sbat"))
			continue;
		if (replaced(parts, n, s->name))
			return cvm_err_set(reterr, -EBADMSG,
					   "'%s' already has a '%s' section (is it a UKI?)", what,
					   s->name);
		pl->keep[pl->n_keep++] = i;
		if ((s->vsize || s->raw_size) && s->va < min_va)
			min_va = s->va;
	}
	if (pl->n_keep + n > PE_MAX_SECTIONS)
		return cvm_err_set(reterr, -EBADMSG, "too many sections for one PE image (%zu)",
				   pl->n_keep + n);
	pl->soh = (uint32_t)CVM_ALIGN_UP(
		(uint64_t)stub->sectab_off + (pl->n_keep + n) * PE_SECTION_HDR_SIZE,
		stub->file_alignment);
	if (pl->soh < stub->size_of_headers)
		pl->soh = stub->size_of_headers;
	/* The headers are mapped at address 0 and must end before the first section. */
	if (pl->soh > min_va)
		return cvm_err_set(reterr, -EBADMSG,
				   "no room in the headers of '%s' for %zu sections", what,
				   pl->n_keep + n);
	return 0;
}

/* File offsets of the kept sections, packed in their original file order. */
static int plan_stub_raw(struct uki_layout *pl, const struct pe_image *stub, const char *what,
			 cvm_err *reterr)
{
	uint32_t dbg_va, dbg_size;
	uint64_t off = pl->soh;
	bool moved = false;
	uint64_t last = 0;

	for (;;) {
		/* the next kept section by raw pointer, after those placed (n <= 96) */
		size_t best = SIZE_MAX;

		for (size_t k = 0; k < pl->n_keep; k++) {
			const struct pe_section *s = &stub->sections[pl->keep[k]];

			if (!s->raw_size || pl->keep_ptr[k])
				continue;
			if (best == SIZE_MAX || s->raw_ptr < stub->sections[pl->keep[best]].raw_ptr)
				best = k;
		}
		if (best == SIZE_MAX)
			break;
		pl->file_order[pl->n_file_order++] = (uint16_t)best;
		pl->keep_ptr[best] = (uint32_t)off;
		pl->keep_raw[best] = (uint32_t)CVM_ALIGN_UP(
			(uint64_t)stub->sections[pl->keep[best]].raw_size, stub->file_alignment);
		if (off != stub->sections[pl->keep[best]].raw_ptr)
			moved = true;
		off += pl->keep_raw[best];
		last = off;
	}
	pe_dir(stub, PE_DIR_DEBUG, &dbg_va, &dbg_size);
	if (moved && dbg_size)
		return cvm_err_set(reterr, -EBADMSG,
				   "'%s' has a debug directory whose file offsets would move",
				   what);
	pl->file_len = last ? last : pl->soh;
	return 0;
}

static uint64_t stub_va_end(const struct pe_image *stub, const struct uki_layout *pl)
{
	uint64_t end = stub->size_of_image;

	for (size_t k = 0; k < pl->n_keep; k++) {
		const struct pe_section *s = &stub->sections[pl->keep[k]];
		uint64_t e = (uint64_t)s->va + (s->vsize > s->raw_size ? s->vsize : s->raw_size);

		if (e > end)
			end = e;
	}
	return end;
}

/* Offsets and addresses of the new sections; everything must fit in 32 bits. */
static int plan_parts(struct uki_layout *pl, const struct pe_image *stub,
		      const struct uki_part *parts, size_t n, cvm_err *reterr)
{
	uint64_t va = CVM_ALIGN_UP(stub_va_end(stub, pl), stub->section_alignment);
	uint64_t off = pl->file_len;

	pl->init_data = cvm_le32(stub->data + stub->opt_off + PE_OPT_SIZE_OF_INIT_DATA);
	for (size_t i = 0; i < n; i++) {
		uint64_t len = parts[i].len, raw = CVM_ALIGN_UP(len, stub->file_alignment);

		if (len > UINT32_MAX)
			return cvm_err_set(reterr, -EFBIG,
					   "section '%s' is too large for PE "
					   "(%llu bytes, limit %u)",
					   parts[i].name, (unsigned long long)len, UINT32_MAX);
		if (off + raw > UINT32_MAX || va + len > UINT32_MAX)
			return cvm_err_set(reterr, -EFBIG,
					   "the UKI would exceed the 4 GiB limit of PE "
					   "at section '%s'",
					   parts[i].name);
		pl->part_ptr[i] = (uint32_t)off;
		pl->part_raw[i] = (uint32_t)raw;
		pl->part_va[i] = (uint32_t)va;
		off += raw;
		va = CVM_ALIGN_UP(va + len, stub->section_alignment);
		pl->init_data += len;
	}
	if (va > UINT32_MAX || off > SIZE_MAX || pl->init_data > UINT32_MAX)
		return cvm_err_set(reterr, -EFBIG, "the UKI would exceed the 4 GiB limit of PE");
	pl->image_size = (uint32_t)va;
	pl->file_len = off;
	return 0;
}

static void put_section_header(uint8_t *h, const char *name, uint32_t vsize, uint32_t va,
			       uint32_t raw, uint32_t ptr, uint32_t characteristics)
{
	memset(h, 0, PE_SECTION_HDR_SIZE);
	memcpy(h, name, strnlen(name, PE_NAME_LEN));
	cvm_put_le32(h + 8, vsize);
	cvm_put_le32(h + 12, va);
	cvm_put_le32(h + 16, raw);
	cvm_put_le32(h + 20, ptr);
	cvm_put_le32(h + 36, characteristics);
}

void uki_layout_headers(const struct uki_layout *pl, const struct pe_image *stub,
			const struct uki_part *parts, size_t n, uint8_t *out)
{
	uint8_t *opt = out + stub->opt_off, *h = out + stub->sectab_off;

	memset(out, 0, pl->soh);
	memcpy(out, stub->data, stub->sectab_off);
	for (size_t k = 0; k < pl->n_keep; k++, h += PE_SECTION_HDR_SIZE) {
		memcpy(h, stub->data + stub->sectab_off + (size_t)pl->keep[k] * PE_SECTION_HDR_SIZE,
		       PE_SECTION_HDR_SIZE);
		cvm_put_le32(h + 16, pl->keep_raw[k]);
		cvm_put_le32(h + 20, pl->keep_ptr[k]);
	}
	for (size_t i = 0; i < n; i++, h += PE_SECTION_HDR_SIZE)
		put_section_header(h, parts[i].name, (uint32_t)parts[i].len,
				   pl->part_va[i], pl->part_raw[i], pl->part_ptr[i],
				   (parts[i].sec == UKI_LINUX ? PE_SCN_CNT_CODE
							      : PE_SCN_CNT_INITIALIZED_DATA) |
					   PE_SCN_MEM_READ);
	cvm_put_le16(out + stub->coff_off + 2, (uint16_t)(pl->n_keep + n));
	cvm_put_le32(out + stub->coff_off + COFF_SYMTAB_PTR, 0);
	cvm_put_le32(out + stub->coff_off + COFF_NSYMS, 0);
	cvm_put_le32(opt + PE_OPT_SIZE_OF_INIT_DATA, (uint32_t)pl->init_data);
	cvm_put_le32(opt + PE_OPT_SIZE_OF_IMAGE, pl->image_size);
	cvm_put_le32(opt + PE_OPT_SIZE_OF_HEADERS, pl->soh);
	cvm_put_le32(opt + PE_OPT_CHECKSUM, 0);
}

int uki_layout_plan(const struct pe_image *stub, const char *stub_name,
		    const struct uki_part *parts, size_t n_parts, struct uki_layout *ret,
		    cvm_err *reterr)
{
	int r;

	memset(ret, 0, sizeof(*ret));
	r = plan_keep(ret, stub, stub_name, parts, n_parts, reterr);
	if (r < 0 || (r = plan_stub_raw(ret, stub, stub_name, reterr)) < 0)
		return r;
	return plan_parts(ret, stub, parts, n_parts, reterr);
}
