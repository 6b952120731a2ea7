/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A firmware image (OVMF.fd, or a COCONUT-SVSM binary) and what the AMD
 * launch digest needs from it: its footer GUID table and SEV metadata.
 */
#ifndef CVM_MEASURE_OVMF_H
#define CVM_MEASURE_OVMF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cvmimg/err.h>

#include "measure/guid-table.h"
#include "util/file.h"

enum cvm_sev_section_type {
	CVM_SEV_SECTION_SNP_SEC_MEM = 1,
	CVM_SEV_SECTION_SNP_SECRETS = 2,
	CVM_SEV_SECTION_CPUID = 3,
	CVM_SEV_SECTION_SVSM_CAA = 4,
	CVM_SEV_SECTION_SNP_KERNEL_HASHES = 0x10,
};

#define CVM_SEV_SECTIONS_MAX 64

struct cvm_sev_section {
	uint32_t gpa;
	uint32_t size;
	enum cvm_sev_section_type type;
};

struct cvm_fw {
	const char *path;            /* for messages: borrowed, or path_owned */
	char *path_owned;
	const uint8_t *data;
	size_t size;
	struct cvm_mapped_file file; /* what cvm_fw_load() mapped; empty after cvm_fw_parse() */
	struct cvm_guid_table table;

	bool has_reset_eip;
	uint32_t reset_eip;       /* SEV-ES AP reset EIP */
	bool has_hash_table;
	uint32_t hash_table_gpa;  /* SEV kernel hashes table */
	size_t nsections;         /* SEV metadata ("ASEV") descriptors, in table order */
	struct cvm_sev_section sections[CVM_SEV_SECTIONS_MAX];
};

/* Load and index @path. Returns 0 or a negative errno with a message naming @path. */
int cvm_fw_load(const char *path, struct cvm_fw **ret, cvm_err *reterr);

/*
 * Index an image already in memory into a zeroed @fw (@data and @name are
 * borrowed; used by tests and fuzzers; not for cvm_fw_free()).
 */
int cvm_fw_parse(const uint8_t *data, size_t size, const char *name, struct cvm_fw *fw,
		 cvm_err *reterr);

void cvm_fw_free(struct cvm_fw *fw);
void cvm_fw_freep(struct cvm_fw **fw);

const char *cvm_sev_section_type_to_string(enum cvm_sev_section_type t);

/* The error a firmware without a footer table gets, with what was found instead. */
int cvm_fw_err_no_table(const struct cvm_fw *fw, const char *needed, cvm_err *reterr);

#endif
