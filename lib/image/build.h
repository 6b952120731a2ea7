/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The state of one cvm_image_build() run, shared by the build-*.c steps. */
#ifndef CVM_IMAGE_BUILD_H
#define CVM_IMAGE_BUILD_H

#include <stdbool.h>
#include <stdint.h>

#include <cvmimg/image.h>

#include "archive/cpio.h"
#include "image/bootfiles.h"
#include "image/ids.h"
#include "image/scan.h"
#include "crypt/luks.h"
#include "image/outputs.h"

struct build {
	const struct cvm_build_options *o;
	struct cvm_outputs out;
	int disk_i, uki_i;
	char seed[80];
	bool seed_generated;
	bool made_dir; /* DIR did not exist: a failed build removes it again */
	int64_t now;
	char disk_guid[CVM_UUID_STR], esp_uuid[CVM_UUID_STR], root_uuid[CVM_UUID_STR];
	char luks_uuid[CVM_UUID_STR], fs_uuid[CVM_UUID_STR];
	uint8_t fs_uuid_raw[16], fs_hash_seed[16];
	uint32_t esp_volume_id;
	uint8_t *volume_key; /* secure memory */
	uint8_t *broker_key; /* secure memory */
	struct cvm_scan scan;
	bool scanned;
	struct cvm_layout layout;
	struct cvm_luks_info luks;
	struct cvm_bootfiles *boot;
	uint8_t *host_kernel, *host_initrd;
	size_t host_kernel_len, host_initrd_len;
	size_t uki_len;
	char uki_name[128];
	char *cmdline;
	struct cvm_cpio *overlay; /* files laid over the initrd (NULL: none), archive/cpio.h */
	char os_name[128];
	struct cvm_build_verity *verity; /* with --verity, build-verity.c */
	struct cvm_build_result *res; /* filled as the steps go */
	uint64_t entries_total, bytes_total;
};

/* Report progress; a non-zero return from the caller's function cancels. */
int cvm_build_report(struct build *b, enum cvm_build_phase phase, uint64_t entries,
		     uint64_t entries_total, uint64_t bytes, uint64_t bytes_total);

/* build-root.c: the LUKS2 header and the encrypted filesystem. */
int cvm_build_root(struct build *b, cvm_err *reterr);

/* build-boot.c: kernel, initrd, cmdline, UKI (DIR/uki.efi) and the ESP. */
int cvm_build_boot(struct build *b, cvm_err *reterr);

/*
 * build-verity.c (--verity): room for the tree after the layout; the tree's
 * view of the encrypting channel and a read-only geometry before the
 * filesystem; after the archive, wipe, close, and the tree after the
 * filesystem (takes @fs); the command line with the root hash.
 */
struct cvm_crypt_io_params;
struct cvm_ext4;
struct cvm_ext4_geometry;
int cvm_build_verity_plan(struct build *b, cvm_err *reterr);
int cvm_build_verity_begin(struct build *b, struct cvm_crypt_io_params *cp,
			   struct cvm_ext4_geometry *g, cvm_err *reterr);
int cvm_build_verity_seal(struct build *b, struct cvm_ext4 *fs, cvm_err *reterr);
int cvm_build_verity_cmdline(struct build *b, char **ret, cvm_err *reterr);
struct cvm_initrd_info;
int cvm_build_verity_check_initrd(struct build *b, const struct cvm_initrd_info *info,
				  const char *name, cvm_err *reterr);
void cvm_build_verity_free(struct cvm_build_verity *v);

/* build-unlock.c: the unlock agent into the initrd overlay, keyscript= onto the cmdline. */
bool cvm_build_unlock_wanted(const struct cvm_build_options *o);
/* With a broker, the initrd must reach it: a network driver (build-boot.c's check). */
int cvm_build_unlock_check_initrd(struct build *b, const struct cvm_initrd_info *info,
				  const char *name, cvm_err *reterr);
int cvm_build_unlock(struct build *b, cvm_err *reterr);

/* build-finish.c: GPT, qcow2, keys, digests, build.json, renames. */
int cvm_build_finish(struct build *b, cvm_err *reterr);

/*
 * Every file a build (with cvm_image_seal()) may leave in DIR, the manifest
 * first: what an earlier build left is refused, or replaced as a set.
 */
extern const char *const cvm_build_outputs[];

#endif
