/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A read-only view of a PE/COFF image in memory (Microsoft PE format spec):
 * the headers we need, checked against the buffer, and the section table.
 * Nothing is copied; the view points into the caller's buffer.
 */
#ifndef CVM_BOOT_PE_H
#define CVM_BOOT_PE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cvmimg/err.h>

#define PE_MAX_SECTIONS 96 /* the Windows loader's limit, and ours */
/*
 * Zero fill: VirtualSize beyond the raw data, summed over the sections. The
 * loader maps it as zeros and we hash it as zeros, so it costs time without
 * costing file bytes. Real images have little: systemd-stub none, Linux 6.1's
 * .data 276 KiB of .bss; Linux before 6.1 declared its decompression buffer
 * as .text zero fill (init_size minus the file, tens of MiB). 256 MiB leaves
 * room for those and stops a small file from making us hash 96 x 4 GiB.
 */
#define PE_MAX_ZERO_FILL (256u << 20)
#define PE_SECTION_HDR_SIZE 40
#define PE_NAME_LEN 8

/* Optional header offsets shared by PE32 and PE32+. */
#define PE_OPT_SIZE_OF_CODE 4
#define PE_OPT_SIZE_OF_INIT_DATA 8
#define PE_OPT_SECTION_ALIGNMENT 32
#define PE_OPT_FILE_ALIGNMENT 36
#define PE_OPT_SIZE_OF_IMAGE 56
#define PE_OPT_SIZE_OF_HEADERS 60
#define PE_OPT_CHECKSUM 64

#define PE_DIR_SECURITY 4
#define PE_DIR_DEBUG 6

#define PE_SCN_CNT_CODE 0x00000020u
#define PE_SCN_CNT_INITIALIZED_DATA 0x00000040u
#define PE_SCN_MEM_READ 0x40000000u

struct pe_section {
	char name[PE_NAME_LEN + 1]; /* NUL-terminated copy */
	uint32_t vsize, va, raw_size, raw_ptr, characteristics;
};

struct pe_image {
	const uint8_t *data;
	size_t len;
	uint32_t coff_off; /* COFF file header, right after "PE\0\0" */
	uint32_t opt_off;  /* optional header */
	uint16_t opt_size;
	bool pe32plus;
	uint32_t dir_off; /* data directory array */
	uint32_t n_dirs;  /* NumberOfRvaAndSizes, capped at 16 */
	uint32_t section_alignment, file_alignment, size_of_image, size_of_headers;
	uint32_t sectab_off;
	uint16_t n_sections;
	struct pe_section sections[PE_MAX_SECTIONS];
};

/*
 * Parse and check the headers of @data. @what names the input in messages.
 * Returns 0; -EBADMSG if it is not a PE image or its headers or section table
 * lie outside the buffer; -EFBIG if its sections map more than
 * PE_MAX_ZERO_FILL bytes of zero fill.
 */
int pe_parse(const uint8_t *data, size_t len, const char *what, struct pe_image *ret,
	     cvm_err *reterr);

/* The first section named @name, or NULL. */
const struct pe_section *pe_find_section(const struct pe_image *pe, const char *name);

/* Data directory entry @i (VirtualAddress, Size); zeros if absent. */
void pe_dir(const struct pe_image *pe, unsigned i, uint32_t *ret_va, uint32_t *ret_size);

/* File offset of the CheckSum field. */
static inline uint32_t pe_checksum_off(const struct pe_image *pe)
{
	return pe->opt_off + PE_OPT_CHECKSUM;
}

/*
 * The section's bytes as the loader maps them: the raw data clipped to its
 * VirtualSize (the rest of VirtualSize is zero fill, reported in *ret_zeros).
 * A NULL pointer if the raw data lies outside the file.
 */
const uint8_t *pe_section_data(const struct pe_image *pe, const struct pe_section *s,
			       size_t *ret_len, size_t *ret_zeros);

/* The PE checksum (IMAGE_OPTIONAL_HEADER.CheckSum) of @data, whose CheckSum field is at @off. */
uint32_t pe_compute_checksum(const uint8_t *data, size_t len, uint32_t off);

#endif
