/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The build's first pass: read the archive's headers (skipping data, seeking
 * when it is an uncompressed file) to count what the filesystem must hold,
 * then place the partitions. --size auto makes the filesystem hold what the
 * archive needs plus a quarter more plus 64 MiB, rounded up to whole MiB.
 */
#ifndef CVM_IMAGE_SCAN_H
#define CVM_IMAGE_SCAN_H

#include <stdbool.h>
#include <stdint.h>

#include <cvmimg/err.h>

#include "disk/partitions.h"
#include "ext4/sizing.h"

struct cvm_scan {
	struct cvm_ext4_need need;
	uint64_t input_bytes; /* archive bytes read */
};

typedef int (*cvm_scan_progress)(uint64_t entries, uint64_t bytes, void *userdata);

/* First pass. Errors as cvm_tar_next(); -EFBIG past @max_entries. */
int cvm_scan_archive(const char *path, uint64_t max_entries, cvm_scan_progress progress,
		     void *userdata, struct cvm_scan *ret, cvm_err *reterr);

/*
 * The layout for a disk of @disk_size bytes, or (0) one sized from @scan.
 * @scan may be NULL with a disk size (an archive read only once).
 * @read_only: a filesystem sealed after the build (cvm_ext4_auto_size()).
 */
int cvm_scan_layout(const struct cvm_scan *scan, uint64_t disk_size, uint64_t esp_size,
		    bool read_only, struct cvm_layout *ret, cvm_err *reterr);

#endif
