/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef CVM_BOOT_PE_LAYOUT_H
#define CVM_BOOT_PE_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

#include <cvmimg/err.h>

#include "boot/pe.h"
#include "boot/sections.h"

/*
 * Where everything goes in a new PE image: the stub's sections (less its
 * .sbat when a part replaces it, their raw data re-packed at FileAlignment in
 * their original file order), then one section per part, in order, each at the
 * next FileAlignment offset and SectionAlignment address, VirtualSize = the
 * part's length. The file is contiguous: the headers (soh bytes), then each
 * section's raw data zero-padded to its SizeOfRawData, up to file_len.
 */
struct uki_layout {
	uint16_t keep[PE_MAX_SECTIONS]; /* stub section indexes kept, in table order */
	uint32_t keep_ptr[PE_MAX_SECTIONS], keep_raw[PE_MAX_SECTIONS];
	size_t n_keep;
	uint16_t file_order[PE_MAX_SECTIONS]; /* indexes in keep[] with raw data, by offset */
	size_t n_file_order;
	uint32_t part_ptr[PE_MAX_SECTIONS], part_raw[PE_MAX_SECTIONS], part_va[PE_MAX_SECTIONS];
	uint32_t soh, image_size;
	uint64_t file_len, init_data;
};

/*
 * Plan the image. Returns 0; -EBADMSG if the stub cannot take the sections;
 * -EFBIG if the result exceeds the 32-bit PE fields.
 */
int uki_layout_plan(const struct pe_image *stub, const char *stub_name,
		    const struct uki_part *parts, size_t n_parts, struct uki_layout *ret,
		    cvm_err *reterr);

/*
 * The new headers, @l->soh bytes, into @out: the stub's up to its section
 * table, the new section table, NumberOfSections, SizeOfHeaders,
 * SizeOfImage, SizeOfInitializedData, no COFF symbol table, CheckSum 0.
 */
void uki_layout_headers(const struct uki_layout *l, const struct pe_image *stub,
			const struct uki_part *parts, size_t n_parts, uint8_t *out);

#endif
