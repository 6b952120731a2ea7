/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cvm_image_inspect()'s parts: the disk read directly (raw) or through libguestfs. */
#ifndef CVM_IMAGE_INSPECT_H
#define CVM_IMAGE_INSPECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include <cvmimg/err.h>

#define CVM_INSPECT_LUKS_JSON_MAX (4u << 20)
#define CVM_INSPECT_UKI_MAX	  (512u << 20)

/* The LUKS2 JSON metadata (with "uuid" and "label" added) of a header at @offset of @fd. */
int cvm_inspect_luks(int fd, uint64_t offset, json_object **ret, cvm_err *reterr);

/* The same from a buffer holding the header; the header's size (0 if none) from its first 4 KiB. */
int cvm_inspect_luks_parse(const uint8_t *buf, size_t len, json_object **ret, cvm_err *reterr);
uint64_t cvm_inspect_luks_size(const uint8_t hdr[4096]);

/* Keep what a reader needs from LUKS2 JSON metadata (drops salts and digests). */
json_object *cvm_inspect_luks_summary(json_object *meta);

/* The UKI's description (cvm_uki_inspect) as JSON. */
json_object *cvm_inspect_uki_json(const uint8_t *uki, size_t len, cvm_err *reterr);

struct cvm_gfs;

/* Start a libguestfs appliance with @path attached read-only. */
int cvm_gfs_open(const char *path, bool qcow2, struct cvm_gfs **ret, cvm_err *reterr);
void cvm_gfs_close(struct cvm_gfs *g);

/* GPT, LUKS2 metadata, ESP files and UKI of the attached disk (for qcow2). */
int cvm_gfs_disk(struct cvm_gfs *g, json_object *out, cvm_err *reterr);

/*
 * Open partition 2 with @pass under the appliance's kernel, run e2fsck -fn,
 * mount it read-only and describe it; with @list, every entry.
 * -EKEYREJECTED for a wrong passphrase.
 */
int cvm_gfs_root(struct cvm_gfs *g, const char *pass, size_t len, bool list, json_object *out,
		 cvm_err *reterr);

#endif
