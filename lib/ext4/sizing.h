/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * How big an ext4 filesystem must be to hold a set of entries, counted one
 * entry at a time (the archive's first pass feeds it) and checked against
 * libext2fs's own layout of group metadata, journal and special inodes.
 */
#ifndef CVM_EXT4_SIZING_H
#define CVM_EXT4_SIZING_H

#include <stdbool.h>
#include <stdint.h>

#include <cvmimg/err.h>

#include "util/fs-entry.h"

#define CVM_EXT4_MIN_BLOCKS 8192u /* 32 MiB */

struct cvm_ext4_need {
	uint64_t entries, dirs;
	uint64_t data_blocks;	/* 4 KiB blocks of regular file data */
	uint64_t name_bytes;	/* directory entry bytes */
	uint64_t slow_symlinks; /* targets of 60 bytes or more take a block */
	uint64_t xattr_blocks;	/* entries whose xattrs spill out of the inode */
};

/* Count one more entry. */
void cvm_ext4_need_add(struct cvm_ext4_need *n, const struct cvm_fs_entry *e);

/*
 * Inodes for @blocks blocks: the entries plus a quarter, at least one per 16
 * KiB; @read_only (a filesystem never written after the build): the entries
 * plus a sixty-fourth plus 64.
 */
uint64_t cvm_ext4_inodes_for(const struct cvm_ext4_need *n, uint64_t blocks, bool read_only);

/*
 * The size that holds what @n counted plus a quarter more plus 64 MiB, in
 * whole MiB, and its inode count; @read_only (the geometry's, no journal):
 * plus a thirty-second and 1 MiB only, since nothing is added after the
 * build and every free block is written anyway. -EFBIG if no size converges.
 */
int cvm_ext4_auto_size(const struct cvm_ext4_need *n, bool read_only, uint64_t *ret_blocks,
		       uint64_t *ret_inodes, cvm_err *reterr);

#endif
