/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>

#include "crypt/luks.h"
#include "disk/partitions.h"
#include "ext4/sizing.h"
#include "ext4/writer.h"
#include "util/macro.h"

static int layout_in_disk(struct cvm_layout *l, uint64_t disk_size, cvm_err *reterr)
{
	if (disk_size % CVM_MIB)
		return cvm_err_set(reterr, -EINVAL, "the disk size must be a multiple of 1 MiB");
	if (disk_size < l->root_start + CVM_LUKS_DATA_OFFSET +
			    CVM_EXT4_MIN_BLOCKS * (uint64_t)CVM_EXT4_BLOCK + CVM_MIB)
		return cvm_err_set(reterr, -EFBIG,
				   "a disk of %llu MiB is too small for the ESP and a root partition",
				   (unsigned long long)(disk_size / CVM_MIB));
	l->disk_size = disk_size;
	l->root_size = disk_size - l->root_start - CVM_MIB;
	l->fs_blocks = (l->root_size - CVM_LUKS_DATA_OFFSET) / CVM_EXT4_BLOCK;
	return 0;
}

int cvm_layout_compute(uint64_t disk_size, uint64_t esp_size, uint64_t fs_blocks,
		       struct cvm_layout *ret, cvm_err *reterr)
{
	struct cvm_layout l = {.esp_start = CVM_MIB, .esp_size = esp_size};
	int r;

	if (esp_size % CVM_MIB)
		return cvm_err_set(reterr, -EINVAL, "the ESP size must be a multiple of 1 MiB");
	l.root_start = l.esp_start + esp_size;
	if (disk_size) {
		if ((r = layout_in_disk(&l, disk_size, reterr)) < 0)
			return r;
	} else {
		l.fs_blocks = fs_blocks;
		l.root_size = CVM_LUKS_DATA_OFFSET + l.fs_blocks * CVM_EXT4_BLOCK;
		l.disk_size = l.root_start + l.root_size + CVM_MIB;
	}
	if (l.fs_blocks >= (1ull << 32))
		return cvm_err_set(reterr, -EFBIG, "a root filesystem of %llu GiB is too large",
				   (unsigned long long)(l.fs_blocks >> 18));
	*ret = l;
	return 0;
}
