/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The partition table of a disk image as cvmimg reads it back (libfdisk):
 * the same description `cvmimg build` records in build.json and `cvmimg
 * inspect` prints, in one JSON shape (cvmimg(1), JSON OUTPUT). GUIDs are
 * lowercase.
 */
#ifndef CVMIMG_DISK_H
#define CVMIMG_DISK_H

#include <stddef.h>
#include <stdint.h>

#include <cvmimg/err.h>

#define CVM_GPT_TYPE_ESP	 "c12a7328-f81f-11d2-ba4b-00a0c93ec93b"
#define CVM_GPT_TYPE_ROOT_X86_64 "4f68bce3-e8cd-4db1-96e7-fbcaf984b709"
#define CVM_GPT_MAX_PARTS	 16

struct cvm_gpt_partition {
	unsigned number;      /* from 1 */
	char name[80];	      /* partition label */
	char type[40];	      /* type GUID */
	char uuid[40];	      /* partition GUID */
	uint64_t start, size; /* bytes */
};

struct cvm_gpt {
	char guid[40];	   /* disk GUID */
	uint64_t size;	   /* bytes of the disk */
	size_t n;
	struct cvm_gpt_partition parts[CVM_GPT_MAX_PARTS];
};

/*
 * Read the GPT of the raw disk image @path (read-only). Returns 0; -ENOENT or
 * -EACCES if unreadable; -EBADMSG if it has no GPT.
 */
int cvm_gpt_read(const char *path, struct cvm_gpt *ret, cvm_err *reterr);

/* The first partition of type @type_guid (case-insensitive), or NULL. */
const struct cvm_gpt_partition *cvm_gpt_find(const struct cvm_gpt *g, const char *type_guid);

struct json_object;

/*
 * The table as JSON: {"label": "gpt", "guid", "size", "partitions": [{"number",
 * "name", "type", "uuid", "start", "size"}]}. Returns 0 or -ENOMEM.
 */
int cvm_gpt_to_json(const struct cvm_gpt *g, struct json_object **ret);

#endif
