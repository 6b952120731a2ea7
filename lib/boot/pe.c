/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>

#include "boot/pe.h"
#include "util/endian.h"

#define DOS_LFANEW 0x3c
#define COFF_SIZE 20
#define COFF_NSECTIONS 2
#define COFF_OPT_SIZE 16
#define PE32_MAGIC 0x10b
#define PE32PLUS_MAGIC 0x20b
#define MAX_DIRS 16

static bool in_file(size_t len, uint64_t off, uint64_t n)
{
	return off <= len && n <= len - off;
}

/* The optional header: magic, alignments, sizes and where the data directory is. */
static int parse_optional(struct pe_image *pe, const char *what, cvm_err *reterr)
{
	const uint8_t *o = pe->data + pe->opt_off;
	uint16_t magic = cvm_le16(o);
	uint32_t dir_at, n;

	if (magic != PE32_MAGIC && magic != PE32PLUS_MAGIC)
		return cvm_err_set(reterr, -EBADMSG,
				   "'%s' has an unknown optional header magic 0x%x", what, magic);
	pe->pe32plus = magic == PE32PLUS_MAGIC;
	dir_at = pe->pe32plus ? 108 : 92; /* NumberOfRvaAndSizes, then the directory */
	if (pe->opt_size < dir_at + 4)
		return cvm_err_set(reterr, -EBADMSG, "'%s' has a truncated optional header", what);
	pe->section_alignment = cvm_le32(o + PE_OPT_SECTION_ALIGNMENT);
	pe->file_alignment = cvm_le32(o + PE_OPT_FILE_ALIGNMENT);
	pe->size_of_image = cvm_le32(o + PE_OPT_SIZE_OF_IMAGE);
	pe->size_of_headers = cvm_le32(o + PE_OPT_SIZE_OF_HEADERS);
	n = cvm_le32(o + dir_at);
	if (n > MAX_DIRS)
		n = MAX_DIRS;
	if ((uint64_t)dir_at + 4 + 8ull * n > pe->opt_size)
		return cvm_err_set(reterr, -EBADMSG,
				   "'%s' has more data directories than its optional header holds",
				   what);
	pe->n_dirs = n;
	pe->dir_off = pe->opt_off + dir_at + 4;
	/* Powers of two, as the spec requires; our layout arithmetic relies on it. */
	if (pe->file_alignment < 512 || pe->file_alignment > 65536 ||
	    (pe->file_alignment & (pe->file_alignment - 1)) ||
	    pe->section_alignment < pe->file_alignment ||
	    (pe->section_alignment & (pe->section_alignment - 1)))
		return cvm_err_set(reterr, -EBADMSG,
				   "'%s' has invalid alignments (file 0x%x, section 0x%x)", what,
				   pe->file_alignment, pe->section_alignment);
	return 0;
}

static int parse_sections(struct pe_image *pe, const char *what, cvm_err *reterr)
{
	uint64_t zero_fill = 0;

	for (uint16_t i = 0; i < pe->n_sections; i++) {
		const uint8_t *h = pe->data + pe->sectab_off + (size_t)i * PE_SECTION_HDR_SIZE;
		struct pe_section *s = &pe->sections[i];

		memcpy(s->name, h, PE_NAME_LEN);
		s->name[PE_NAME_LEN] = '\0';
		s->vsize = cvm_le32(h + 8);
		s->va = cvm_le32(h + 12);
		s->raw_size = cvm_le32(h + 16);
		s->raw_ptr = cvm_le32(h + 20);
		s->characteristics = cvm_le32(h + 36);
		if (s->raw_size && !in_file(pe->len, s->raw_ptr, s->raw_size))
			return cvm_err_set(reterr, -EBADMSG,
					   "section '%s' of '%s' lies outside the file", s->name,
					   what);
		if ((uint64_t)s->va + s->vsize > UINT32_MAX)
			return cvm_err_set(reterr, -EBADMSG,
					   "section '%s' of '%s' ends past 4 GiB", s->name, what);
		if (s->vsize > s->raw_size)
			zero_fill += s->vsize - s->raw_size;
	}
	if (zero_fill > PE_MAX_ZERO_FILL)
		return cvm_err_set(reterr, -EFBIG,
				   "the sections of '%s' map %llu MiB of zero fill beyond their "
				   "file data (limit %u MiB)",
				   what, (unsigned long long)(zero_fill >> 20), PE_MAX_ZERO_FILL >> 20);
	return 0;
}

int pe_parse(const uint8_t *data, size_t len, const char *what, struct pe_image *ret,
	     cvm_err *reterr)
{
	struct pe_image *pe = ret;
	uint32_t lfanew;
	int r;

	memset(pe, 0, sizeof(*pe));
	pe->data = data;
	pe->len = len;
	if (len < 0x40 || data[0] != 'M' || data[1] != 'Z')
		return cvm_err_set(reterr, -EBADMSG, "'%s' is not a PE image (no MZ header)", what);
	lfanew = cvm_le32(data + DOS_LFANEW);
	if (!in_file(len, lfanew, 4 + COFF_SIZE) || memcmp(data + lfanew, "PE\0\0", 4))
		return cvm_err_set(reterr, -EBADMSG, "'%s' is not a PE image (no PE signature)",
				   what);
	pe->coff_off = lfanew + 4;
	pe->n_sections = cvm_le16(data + pe->coff_off + COFF_NSECTIONS);
	pe->opt_size = cvm_le16(data + pe->coff_off + COFF_OPT_SIZE);
	pe->opt_off = pe->coff_off + COFF_SIZE;
	pe->sectab_off = pe->opt_off + pe->opt_size;
	if (pe->n_sections > PE_MAX_SECTIONS)
		return cvm_err_set(reterr, -EBADMSG, "'%s' has %u sections (limit %d)", what,
				   pe->n_sections, PE_MAX_SECTIONS);
	if (!in_file(len, pe->opt_off, pe->opt_size) || pe->opt_size < PE_OPT_CHECKSUM + 4 ||
	    !in_file(len, pe->sectab_off, (uint64_t)pe->n_sections * PE_SECTION_HDR_SIZE))
		return cvm_err_set(reterr, -EBADMSG, "'%s' has truncated PE headers", what);
	r = parse_optional(pe, what, reterr);
	if (r < 0)
		return r;
	if (pe->size_of_headers > len ||
	    pe->size_of_headers < pe->sectab_off + (uint32_t)pe->n_sections * PE_SECTION_HDR_SIZE)
		return cvm_err_set(reterr, -EBADMSG, "'%s' has an invalid SizeOfHeaders 0x%x", what,
				   pe->size_of_headers);
	return parse_sections(pe, what, reterr);
}

const struct pe_section *pe_find_section(const struct pe_image *pe, const char *name)
{
	for (uint16_t i = 0; i < pe->n_sections; i++)
		if (!strcmp(pe->sections[i].name, name))
			return &pe->sections[i];
	return NULL;
}

void pe_dir(const struct pe_image *pe, unsigned i, uint32_t *ret_va, uint32_t *ret_size)
{
	const uint8_t *d = pe->data + pe->dir_off + 8 * i;

	*ret_va = i < pe->n_dirs ? cvm_le32(d) : 0;
	*ret_size = i < pe->n_dirs ? cvm_le32(d + 4) : 0;
}

const uint8_t *pe_section_data(const struct pe_image *pe, const struct pe_section *s,
			       size_t *ret_len, size_t *ret_zeros)
{
	size_t n = s->raw_size < s->vsize ? s->raw_size : s->vsize;

	if (n && !in_file(pe->len, s->raw_ptr, n))
		return NULL;
	*ret_len = n;
	*ret_zeros = s->vsize - n;
	return pe->data + (n ? s->raw_ptr : 0);
}

/*
 * The checksum of imagehlp's CheckSumMappedFile: a 16-bit one's-complement-style
 * sum of the file as little-endian words (the CheckSum field counted as zero,
 * an odd last byte as a word), folded, plus the file length.
 */
uint32_t pe_compute_checksum(const uint8_t *data, size_t len, uint32_t off)
{
	uint64_t sum = 0;

	for (size_t i = 0; i < len; i += 2) {
		uint32_t w = i + 1 < len ? cvm_le16(data + i) : data[i];

		if (i >= off && i < (size_t)off + 4)
			w = 0;
		sum += w;
		sum = (sum & 0xffff) + (sum >> 16);
	}
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint32_t)(sum + len);
}
