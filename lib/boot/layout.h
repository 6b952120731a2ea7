/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef CVM_BOOT_LAYOUT_H
#define CVM_BOOT_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

#include <cvmimg/err.h>

#include "boot/pe.h"
#include "boot/sections.h"

/*
 * Write a new PE image: the stub's sections (less its .sbat when a part
 * replaces it, their raw data re-packed at FileAlignment), then one section per
 * part, in order, each at the next FileAlignment offset and SectionAlignment
 * address, VirtualSize = the part's length. The headers are rewritten
 * (NumberOfSections, SizeOfHeaders grown if the section table needs room,
 * SizeOfImage, SizeOfInitializedData, no COFF symbol table, CheckSum 0).
 * @reserve spare bytes are allocated past the end (for a signature).
 * Returns 0; -EBADMSG if the stub cannot take the sections; -EFBIG if the
 * result exceeds the 32-bit PE fields; -ENOMEM.
 */
int uki_layout(const struct pe_image *stub, const char *stub_name, const struct uki_part *parts,
	       size_t n_parts, size_t reserve, uint8_t **ret, size_t *ret_len, cvm_err *reterr);

#endif
