/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cvm_image_inspect()'s parts: the disk read directly (raw) or through libguestfs. */
#ifndef CVM_IMAGE_INSPECT_H
#define CVM_IMAGE_INSPECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cvmimg/err.h>
#include <cvmimg/image.h>

#define CVM_INSPECT_UKI_MAX	  (512u << 20)
#define CVM_INSPECT_ESP_FILES_MAX 4096

void cvm_inspect_result_freep(struct cvm_inspect_result **r);

/* Append a path to the ESP's file list. -ENOMEM, or -EFBIG past CVM_INSPECT_ESP_FILES_MAX. */
int cvm_inspect_add_esp_file(struct cvm_inspect_result *res, const char *path);

struct cvm_gfs;

/* Start a libguestfs appliance with @path attached read-only. */
int cvm_gfs_open(const char *path, bool qcow2, struct cvm_gfs **ret, cvm_err *reterr);
void cvm_gfs_close(struct cvm_gfs *g);

/* GPT, LUKS2 header, ESP files and UKI of the attached disk (for qcow2). */
int cvm_gfs_disk(struct cvm_gfs *g, struct cvm_inspect_result *res, cvm_err *reterr);

/*
 * Open partition 2 with @pass under the appliance's kernel, run e2fsck -fn,
 * mount it read-only and describe it; with @list, every entry.
 * -EKEYREJECTED for a wrong passphrase.
 */
int cvm_gfs_root(struct cvm_gfs *g, const char *pass, size_t len, bool list,
		 struct cvm_inspect_root *root, cvm_err *reterr);

/*
 * The verity parameters on the .cmdline of @uki (@len bytes, described by
 * @info). -ENOENT without a .cmdline or a verity root on it; -EBADMSG for
 * malformed words (cvm_verity_params_from_cmdline()).
 */
int cvm_inspect_uki_verity(const uint8_t *uki, size_t len, const struct cvm_uki_info *info,
			   struct cvm_verity_params *ret, cvm_err *reterr);

#endif
