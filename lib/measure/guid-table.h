/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The GUIDed structure table at the end of OVMF (and COCONUT-SVSM) images:
 * entries of [data][u16 size][guid], walked backwards from a footer that
 * ends 32 bytes before the end of the file.
 */
#ifndef CVM_MEASURE_GUID_TABLE_H
#define CVM_MEASURE_GUID_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include <cvmimg/err.h>

#define CVM_GUID_TABLE_MAX 64

/* GUIDs in their on-disk (mixed-endian) byte order. */
extern const uint8_t cvm_guid_table_footer[16];
extern const uint8_t cvm_guid_sev_es_reset_block[16];
extern const uint8_t cvm_guid_sev_hash_table[16];
extern const uint8_t cvm_guid_sev_metadata[16];
extern const uint8_t cvm_guid_sev_secret[16];
extern const uint8_t cvm_guid_svsm_info[16];
extern const uint8_t cvm_guid_tdx_metadata[16];

struct cvm_guid_entry {
	uint8_t guid[16];
	const uint8_t *data; /* points into the image */
	size_t len;
};

struct cvm_guid_table {
	size_t count;
	struct cvm_guid_entry e[CVM_GUID_TABLE_MAX];
};

/*
 * Parse the table of @img (@len bytes). A missing footer GUID leaves the table
 * empty (not an error: callers report what they needed). Returns 0 or
 * -EBADMSG when lengths run outside the image or an entry is malformed.
 * @name names the file in messages.
 */
int cvm_guid_table_parse(const uint8_t *img, size_t len, const char *name,
			 struct cvm_guid_table *ret, cvm_err *reterr);

/* The last entry with @guid (later duplicates win), or NULL. */
const struct cvm_guid_entry *cvm_guid_table_find(const struct cvm_guid_table *t,
						 const uint8_t guid[16]);

/* u32 at the start of the entry's data; -EBADMSG if the entry is too short. */
int cvm_guid_entry_u32(const struct cvm_guid_entry *e, size_t index, uint32_t *ret);

#endif
