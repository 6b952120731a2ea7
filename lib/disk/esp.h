/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The EFI system partition: FAT32 made by mkfs.fat directly at its offset in
 * the disk file, filled by mtools' mcopy (image@@offset), reproducibly:
 * mkfs.fat --invariant and the volume id from the seed, every timestamp
 * pinned to one value, the environment fixed (see spawn.h).
 */
#ifndef CVM_DISK_ESP_H
#define CVM_DISK_ESP_H

#include <stdint.h>

#include <cvmimg/err.h>

struct cvm_esp_params {
	const char *disk_path; /* the disk image (its temporary name) */
	uint64_t offset, size; /* the partition, bytes (multiples of 512) */
	const char *uki_path;  /* a file holding the UKI (hard-linked, never copied) */
	const char *uki_name;  /* EFI/Linux/<uki_name>.efi */
	int64_t mtime;	       /* of every file and directory */
	uint32_t volume_id;
	const char *tmp_dir; /* for a staging tree of hard links */
};

int cvm_esp_write(const struct cvm_esp_params *p, cvm_err *reterr);

#endif
