/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Where the partitions go:
 *   [1 MiB: MBR + GPT] [ESP] [root: 16 MiB LUKS2 header + filesystem] [1 MiB: backup GPT]
 * either around a filesystem of a given size (the disk is as large as it
 * needs to be) or within a disk of a given size (the filesystem takes the rest).
 */
#ifndef CVM_DISK_PARTITIONS_H
#define CVM_DISK_PARTITIONS_H

#include <stdint.h>

#include <cvmimg/err.h>

struct cvm_layout {
	uint64_t disk_size;
	uint64_t esp_start, esp_size;
	uint64_t root_start, root_size;
	uint64_t fs_blocks, fs_inodes; /* fs_inodes 0: the writer's default */
};

/*
 * The layout for a disk of @disk_size bytes, or, with @disk_size 0, for a
 * filesystem of @fs_blocks 4 KiB blocks. Returns 0; -EINVAL if a size is not a
 * multiple of 1 MiB; -EFBIG if the disk is too small for the ESP and a minimal
 * root, or the filesystem too large. fs_inodes is left 0 for the caller.
 */
int cvm_layout_compute(uint64_t disk_size, uint64_t esp_size, uint64_t fs_blocks,
		       struct cvm_layout *ret, cvm_err *reterr);

#endif
