/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The GPT of the disk, written with libfdisk (the one boundary to it). */
#ifndef CVM_DISK_GPT_H
#define CVM_DISK_GPT_H

#include <stddef.h>
#include <stdint.h>

#include <cvmimg/disk.h>
#include <cvmimg/err.h>


struct cvm_gpt_part {
	const char *name;     /* partition label */
	const char *type;     /* type GUID */
	const char *uuid;     /* partition GUID */
	uint64_t start, size; /* bytes, multiples of 512 */
};

/* A new GPT (and protective MBR) on @path with these partitions, numbered from 1. */
int cvm_gpt_write(const char *path, const char *disk_guid, const struct cvm_gpt_part *parts,
		  size_t n, cvm_err *reterr);

#endif
