/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Sizes: what the archive needs (a first pass that reads headers and skips
 * data, seeking when the archive is an uncompressed file), and where the
 * partitions go:
 *   [1 MiB: MBR + GPT] [ESP] [root: 16 MiB LUKS2 header + ext4] [1 MiB: backup GPT]
 * --size auto makes the filesystem hold what the archive needs plus a
 * quarter more plus 64 MiB, rounded up to whole MiB.
 */
#ifndef CVM_IMAGE_LAYOUT_H
#define CVM_IMAGE_LAYOUT_H

#include <stdint.h>

#include <cvmimg/err.h>
#include <cvmimg/image.h>

#define CVM_MIB (1ull << 20)

struct cvm_scan {
	uint64_t entries, dirs;
	uint64_t data_blocks;	/* 4 KiB blocks of regular file data */
	uint64_t name_bytes;	/* directory entry bytes */
	uint64_t slow_symlinks; /* targets of 60 bytes or more take a block */
	uint64_t xattr_blocks;	/* entries whose xattrs spill out of the inode */
	uint64_t input_bytes;	/* archive bytes read */
};

typedef int (*cvm_scan_progress)(uint64_t entries, uint64_t bytes, void *userdata);

/* First pass. Errors as cvm_tar_next(); -EFBIG past @max_entries. */
int cvm_scan_archive(const char *path, uint64_t max_entries, cvm_scan_progress progress,
		     void *userdata, struct cvm_scan *ret, cvm_err *reterr);

struct cvm_layout {
	uint64_t disk_size;
	uint64_t esp_start, esp_size;
	uint64_t root_start, root_size;
	uint64_t fs_blocks, fs_inodes; /* fs_inodes 0: the writer's default */
};

/*
 * The layout for a disk of @disk_size bytes (0: auto from @scan). Returns 0;
 * -EINVAL if @disk_size is not a multiple of 1 MiB; -EFBIG if it is too small
 * for the ESP and a minimal root.
 */
int cvm_layout_compute(const struct cvm_scan *scan, uint64_t disk_size, uint64_t esp_size,
		       struct cvm_layout *ret, cvm_err *reterr);

#endif
