/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The GPT of the disk, written with libfdisk (the one boundary to it). */
#ifndef CVM_DISK_GPT_H
#define CVM_DISK_GPT_H

#include <stddef.h>
#include <stdint.h>

#include <cvmimg/err.h>

#define CVM_GPT_TYPE_ESP	 "C12A7328-F81F-11D2-BA4B-00A0C93EC93B"
#define CVM_GPT_TYPE_ROOT_X86_64 "4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709"

struct cvm_gpt_part {
	const char *name;     /* partition label */
	const char *type;     /* type GUID */
	const char *uuid;     /* partition GUID */
	uint64_t start, size; /* bytes, multiples of 512 */
};

/* A new GPT (and protective MBR) on @path with these partitions, numbered from 1. */
int cvm_gpt_write(const char *path, const char *disk_guid, const struct cvm_gpt_part *parts,
		  size_t n, cvm_err *reterr);

struct cvm_gpt_info {
	char disk_guid[40];
	size_t n;
	struct {
		unsigned number;
		char name[80], type[40], uuid[40];
		uint64_t start, size;
	} parts[16];
};

/* Read the GPT of @path (read-only). -EBADMSG if there is none. */
int cvm_gpt_read(const char *path, struct cvm_gpt_info *ret, cvm_err *reterr);

#endif
