/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The last steps: partition table, qcow2, keys, digests, build.json, and the renames. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cvmimg/cleanup.h>
#include <cvmimg/image.h>
#include <cvmimg/json.h>

#include "image/build.h"
#include "util/file.h"
#include "disk/gpt.h"
#include "util/hash.h"
#include "disk/qcow2.h"
#include "util/macro.h"

static int write_gpt(struct build *b, cvm_err *reterr)
{
	const struct cvm_layout *l = &b->layout;
	struct cvm_gpt_part parts[] = {
	    {"esp", CVM_GPT_TYPE_ESP, b->esp_uuid, l->esp_start, l->esp_size},
	    {"root", CVM_GPT_TYPE_ROOT_X86_64, b->root_uuid, l->root_start, l->root_size},
	};

	return cvm_gpt_write(b->out.item[b->disk_i].tmp, b->disk_guid, parts, 2, reterr);
}

/* SHA-256 of a sparse file: holes are hashed as zeros without being read. */
static int hash_sparse(int fd, uint64_t size, uint8_t out[32])
{
	enum { BUF = 1 << 20 };
	CVM_CLEANUP(cvm_hash_freep) struct cvm_hash_ctx *h = NULL;
	CVM_CLEANUP_FREE uint8_t *buf = malloc(BUF), *zero = calloc(1, BUF);
	uint64_t off = 0;

	if (!buf || !zero || cvm_hash_new(CVM_HASH_SHA256, &h) < 0)
		return -ENOMEM;
	while (off < size) {
		off_t data = lseek(fd, (off_t)off, SEEK_DATA);
		uint64_t d = data < 0 ? size : (uint64_t)data, end;

		for (; off < d; off += d - off < BUF ? d - off : BUF)
			cvm_hash_update(h, zero, d - off < BUF ? d - off : BUF);
		if (off >= size)
			break;
		data = lseek(fd, (off_t)off, SEEK_HOLE);
		end = data < 0 || (uint64_t)data > size ? size : (uint64_t)data;
		while (off < end) {
			size_t n = end - off < BUF ? (size_t)(end - off) : BUF;
			ssize_t got = pread(fd, buf, n, (off_t)off);

			if (got <= 0)
				return got < 0 ? cvm_negative_errno() : -EIO;
			cvm_hash_update(h, buf, (size_t)got);
			off += (uint64_t)got;
		}
	}
	return cvm_hash_final(h, out) < 0 ? -ENOMEM : 0;
}

/* An output's size and, unless a secret, its SHA-256 (given, or read from the file). */
static int add_artifact(struct build *b, int i, const char *name, unsigned mode, bool digest,
			const uint8_t *sha256, cvm_err *reterr)
{
	struct cvm_build_artifact *a = &b->res->artifacts[b->res->n_artifacts++];
	const struct cvm_output *it = &b->out.item[i];
	struct stat st;
	int r;

	if (fstat(it->fd, &st) < 0)
		return cvm_err_set_errno(reterr, cvm_negative_errno(), "cannot stat '%s'", it->tmp);
	*a = (struct cvm_build_artifact){.size = (uint64_t)st.st_size,
					 .allocated = (uint64_t)st.st_blocks * 512,
					 .has_sha256 = digest,
					 .mode = mode};
	snprintf(a->name, sizeof(a->name), "%s", name);
	if (!digest)
		return 0;
	if (sha256) {
		memcpy(a->sha256, sha256, sizeof(a->sha256));
		return 0;
	}
	if ((r = hash_sparse(it->fd, (uint64_t)st.st_size, a->sha256)) < 0)
		return cvm_err_set_errno(reterr, r, "cannot hash '%s'", it->tmp);
	return 0;
}

static int secret_file(struct build *b, const char *name, const void *buf, size_t len,
		       cvm_err *reterr)
{
	int i = cvm_outputs_add(&b->out, name, 0600, reterr), r;

	if (i < 0)
		return i;
	if ((r = cvm_write_full(b->out.item[i].fd, buf, len)) < 0)
		return cvm_err_set_errno(reterr, r, "cannot write '%s'", b->out.item[i].tmp);
	return add_artifact(b, i, name, 0600, false, NULL, reterr);
}

static int disk_artifact(struct build *b, cvm_err *reterr)
{
	int r, q;

	if (b->o->format != CVM_IMAGE_QCOW2)
		return add_artifact(b, b->disk_i, "disk.raw", 0644, true, NULL, reterr);
	q = cvm_outputs_add(&b->out, "disk.qcow2", 0644, reterr);
	if (q < 0)
		return q;
	r = cvm_qcow2_convert(b->out.item[b->disk_i].tmp, b->out.item[q].tmp, reterr);
	if (r < 0)
		return r;
	cvm_outputs_drop(&b->out, b->disk_i);
	return add_artifact(b, q, "disk.qcow2", 0644, true, NULL, reterr);
}

/*
 * The GPT, the LUKS2 header and the UKI as written, read back the way
 * `cvmimg inspect` reads them, so build.json and inspect agree by
 * construction. The raw disk is read before any qcow2 conversion.
 */
static int read_back(struct build *b, cvm_err *reterr)
{
	const char *disk = b->out.item[b->disk_i].tmp, *uki = b->out.item[b->uki_i].tmp;
	struct cvm_mapped_file m = {0};
	const struct cvm_gpt_partition *root;
	int r;

	if ((r = cvm_gpt_read(disk, &b->res->disk, reterr)) < 0)
		return r;
	if (!(root = cvm_gpt_find(&b->res->disk, CVM_GPT_TYPE_ROOT_X86_64)))
		return cvm_err_set(reterr, -EIO, "'%s' lost its root partition", disk);
	if ((r = cvm_luks_header_read(b->out.item[b->disk_i].fd, root->start, &b->res->luks,
				      reterr)) < 0)
		return r;
	/* the kernel and initrd are freed by now: the UKI mapped in their place */
	if ((r = cvm_map_file(uki, CVM_UKI_MAX_SIZE, &m, reterr)) < 0)
		return r;
	r = cvm_uki_inspect(m.data, m.len, "uki.efi", &b->res->boot.uki, reterr);
	cvm_unmap_file(&m);
	return r;
}

static int fill_result(struct build *b, cvm_err *reterr)
{
	struct cvm_build_result *res = b->res;
	const struct cvm_build_options *o = b->o;

	res->format = o->format;
	res->inputs.rootfs = strdup(o->rootfs_path ? o->rootfs_path : "-");
	snprintf(res->inputs.seed, sizeof(res->inputs.seed), "%s", b->seed);
	res->inputs.seed_generated = b->seed_generated;
	res->inputs.have_source_date_epoch = o->have_source_date_epoch;
	res->inputs.source_date_epoch = o->source_date_epoch;
	snprintf(res->filesystem.uuid, sizeof(res->filesystem.uuid), "%s", b->fs_uuid);
	snprintf(res->filesystem.label, sizeof(res->filesystem.label), "%s",
		 o->fs_label ? o->fs_label : "root");
	res->filesystem.blocks = b->layout.fs_blocks;
	res->filesystem.wiped = o->wipe;
	res->boot.cmdline = CVM_TAKE_PTR(b->cmdline);
	if (!res->inputs.rootfs)
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	return 0;
}

static int write_manifest(struct build *b, cvm_err *reterr)
{
	CVM_CLEANUP(cvm_jsonp) json_object *o = NULL;
	const char *text;
	int r, j;

	if (cvm_build_result_to_json(b->res, &o) < 0 ||
	    !(text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
							   JSON_C_TO_STRING_SPACED |
							   JSON_C_TO_STRING_NOSLASHESCAPE)))
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	if ((j = cvm_outputs_add(&b->out, "build.json", 0644, reterr)) < 0)
		return j;
	if ((r = cvm_write_full(b->out.item[j].fd, text, strlen(text))) < 0 ||
	    (r = cvm_write_full(b->out.item[j].fd, "\n", 1)) < 0)
		return cvm_err_set_errno(reterr, r, "cannot write '%s'", b->out.item[j].tmp);
	return 0;
}

int cvm_build_finish(struct build *b, cvm_err *reterr)
{
	int r;

	if (cvm_build_report(b, CVM_BUILD_FINISH, 0, 0, 0, 0))
		return cvm_err_set(reterr, -ECANCELED, "cancelled");
	if ((r = write_gpt(b, reterr)) < 0 || (r = read_back(b, reterr)) < 0 ||
	    (r = disk_artifact(b, reterr)) < 0 ||
	    (r = add_artifact(b, b->uki_i, "uki.efi", 0644, true, b->res->boot.uki->sha256,
			      reterr)) < 0 ||
	    (r = secret_file(b, "broker.key", b->broker_key, CVM_IMAGE_BROKER_KEY_SIZE, reterr)) <
		0)
		return r;
	if (b->o->write_passphrase &&
	    (r = secret_file(b, "passphrase", b->o->passphrase, b->o->passphrase_len, reterr)) < 0)
		return r;
	if ((r = fill_result(b, reterr)) < 0 || (r = write_manifest(b, reterr)) < 0)
		return r;
	if (b->o->replace)
		return cvm_outputs_commit_replacing(&b->out, cvm_build_outputs, reterr);
	return cvm_outputs_commit(&b->out, reterr);
}
