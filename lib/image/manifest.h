/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* build.json: what was built, from what, and how to check it. Never a secret. */
#ifndef CVM_IMAGE_MANIFEST_H
#define CVM_IMAGE_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "disk/partitions.h"
#include "crypt/luks.h"

struct cvm_artifact {
	const char *name;
	uint64_t size, allocated;
	bool digest; /* false for secrets: no digest recorded */
	uint8_t sha256[32];
	unsigned mode;
};

struct cvm_manifest {
	const char *format;
	const char *rootfs;
	bool have_rootfs_sha256;
	uint8_t rootfs_sha256[32];
	const char *seed;
	bool seed_generated;
	bool have_sde;
	int64_t sde;
	struct cvm_artifact artifacts[6];
	size_t n_artifacts;
	const struct cvm_layout *layout;
	const char *disk_guid, *esp_uuid, *root_uuid;
	const struct cvm_luks_info *luks;
	const char *luks_label;
	bool wiped;
	const char *fs_uuid, *fs_label;
	uint64_t fs_blocks_used, fs_inodes_used, entries, data_bytes, fs_inodes;
	uint64_t root_files_replaced; /* archive entries /etc/crypttab, /etc/fstab replaced */
	const char *kernel_version, *kernel_source, *initrd_source;
	uint8_t kernel_sha256[32], initrd_sha256[32];
	const char *cmdline;
	const char *uki_name;
	bool have_initrd_check;
	bool initrd_can_unlock;
	const char *initrd_flavour, *initrd_compression;
	uint8_t uki_authenticode_sha256[32], uki_authenticode_sha384[48];
	const char *os_pretty_name;
};

/* The JSON text (caller frees), or NULL when out of memory. */
char *cvm_manifest_json(const struct cvm_manifest *m);

#endif
