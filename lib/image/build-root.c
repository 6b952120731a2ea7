/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The root partition: LUKS2 header, then the archive into ext4 through the encrypting channel. */
#include <errno.h>
#include <malloc.h>
#include <string.h>
#include <unistd.h>

#include <cvmimg/broker.h>
#include <cvmimg/cleanup.h>
#include <cvmimg/util.h>

#include "image/build.h"
#include "crypt/io-manager.h"
#include "ext4/writer.h"
#include "image/populate.h"
#include "image/rootconf.h"
#include "archive/reader.h"
#include "util/macro.h"

_Static_assert(CVM_IMAGE_BROKER_KEY_SIZE == CVM_BROKER_KEY_SIZE, "one broker key size");

static int write_header(struct build *b, int fd, cvm_err *reterr)
{
	const struct cvm_build_options *o = b->o;
	CVM_CLEANUP(cvm_secret_freep) char *broker = cvm_secret_alloc(CVM_BROKER_PASSPHRASE_LEN + 1);
	int r;

	if (!broker)
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	if ((r = cvm_broker_key_passphrase(b->broker_key, CVM_IMAGE_BROKER_KEY_SIZE, broker,
					   reterr)) < 0)
		return r;
	struct cvm_luks_params p = {
	    .uuid = b->luks_uuid,
	    .label = o->luks_label ? o->luks_label : "root",
	    .volume_key = b->volume_key,
	    .passphrase = o->passphrase,
	    .passphrase_len = o->passphrase_len,
	    .broker_passphrase = broker,
	    .broker_passphrase_len = CVM_BROKER_PASSPHRASE_LEN,
	    .pbkdf_memory_kb = o->pbkdf_memory_kb,
	    .pbkdf_time_ms = o->pbkdf_time_ms,
	    .pbkdf_iterations = o->pbkdf_iterations,
	    .pbkdf_threads = o->pbkdf_threads,
	    .kbs_url = o->kbs_url,
	    .kbs_resource = o->kbs_resource,
	};

	return cvm_luks_write_header(fd, b->layout.root_start, b->layout.root_size, o->output_dir,
				     &p, &b->luks, reterr);
}

static int write_progress(uint64_t entries, uint64_t bytes, void *userdata)
{
	struct build *b = userdata;

	return cvm_build_report(b, CVM_BUILD_WRITE, entries, b->entries_total, bytes,
				b->bytes_total);
}

static int wipe_progress(uint64_t done, uint64_t total, void *userdata)
{
	return cvm_build_report(userdata, CVM_BUILD_WIPE, 0, 0, done * 4096, total * 4096);
}

/* The archive's entries, then the files the build writes into the root. */
static int populate(struct build *b, struct cvm_populate *p, cvm_err *reterr)
{
	const struct cvm_build_options *o = b->o;
	CVM_CLEANUP(cvm_tar_freep) struct cvm_tar *t = NULL;
	int r;

	b->boot = cvm_bootfiles_new(!o->kernel_path, !o->initrd_path);
	if (!b->boot)
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	p->boot = b->boot;
	if ((r = cvm_tar_open(p->archive, o->rootfs_fd, true, p->progress, p->userdata, &t,
				  reterr)) < 0)
		return r;
	p->tar = t;
	if ((r = cvm_populate_run(p, reterr)) < 0)
		return r;
	b->res->filesystem.entries = p->entries;
	b->res->filesystem.data_bytes = p->data_bytes;
	b->res->filesystem.replaced = p->replaced;
	if ((r = cvm_tar_digest(t, b->res->inputs.rootfs_sha256, reterr)) < 0)
		return r;
	b->res->inputs.have_rootfs_sha256 = true;
	return 0;
}

static int fill(struct build *b, struct cvm_ext4 *fs, cvm_err *reterr)
{
	const struct cvm_build_options *o = b->o;
	struct cvm_rootconf rc;
	struct cvm_populate p = {
	    .archive = o->rootfs_path ? o->rootfs_path : "-",
	    .fs = fs,
	    .clamp = o->have_source_date_epoch,
	    .epoch = o->source_date_epoch,
	    .max_entries = o->max_entries ? o->max_entries : CVM_IMAGE_DEFAULT_MAX_ENTRIES,
	    .progress = write_progress,
	    .userdata = b,
	};
	int r;

	if ((r = cvm_rootconf_make(b->o->templates_dir, b->luks_uuid, o->verity, &rc, reterr)) < 0)
		return r;
	struct cvm_populate_overlay ov[] = {
	    {"etc/crypttab", rc.crypttab},
	    {"etc/fstab", rc.fstab},
	};
	p.overlays = ov;
	p.n_overlays = sizeof(ov) / sizeof(ov[0]);
	p.overlay_mtime = b->now;
	r = populate(b, &p, reterr);
	cvm_rootconf_done(&rc);
	return r;
}

static int write_fs(struct build *b, int fd, cvm_err *reterr)
{
	const struct cvm_layout *l = &b->layout;
	struct cvm_crypt_io_params cp = {
	    .fd = fd,
	    .offset = l->root_start + b->luks.data_offset,
	    .size = l->root_size - b->luks.data_offset,
	    .key = b->volume_key,
	};
	struct cvm_ext4_geometry g = {
	    .blocks = l->fs_blocks,
	    .inodes = l->fs_inodes,
	    .label = b->o->fs_label ? b->o->fs_label : "root",
	    .now = b->now,
	};
	CVM_CLEANUP(cvm_ext4_freep) struct cvm_ext4 *fs = NULL;
	int r;

	memcpy(g.uuid, b->fs_uuid_raw, 16);
	memcpy(g.hash_seed, b->fs_hash_seed, 16);
	if (b->o->verity && (r = cvm_build_verity_begin(b, &cp, &g, reterr)) < 0)
		return r;
	if ((r = cvm_crypt_io_prepare(&cp, reterr)) < 0 ||
	    (r = cvm_ext4_create("cvmimg-root", cvm_crypt_io_manager, &g, &fs, reterr)) < 0 ||
	    (r = fill(b, fs, reterr)) < 0)
		return r;
	cvm_ext4_usage(fs, &b->res->filesystem.blocks_used, &b->res->filesystem.inodes_used,
		       &b->res->filesystem.inodes);
	if (b->o->verity) {
		r = cvm_build_verity_seal(b, CVM_TAKE_PTR(fs), reterr);
	} else {
		if (b->o->wipe &&
		    (r = cvm_crypt_io_wipe(cvm_ext4_channel(fs), wipe_progress, b, reterr)) < 0)
			return r;
		r = cvm_ext4_close(CVM_TAKE_PTR(fs), reterr);
	}
	/*
	 * The filesystem's many small allocations are free now; hand the pages
	 * back before the UKI needs the kernel and initrd twice over (peak RSS).
	 */
	malloc_trim(0);
	return r;
}

int cvm_build_root(struct build *b, cvm_err *reterr)
{
	int fd, r;

	b->disk_i = cvm_outputs_add(&b->out, "disk.raw", 0644, reterr);
	if (b->disk_i < 0)
		return b->disk_i;
	fd = b->out.item[b->disk_i].fd;
	if (ftruncate(fd, (off_t)b->layout.disk_size) < 0)
		return cvm_err_set_errno(reterr, cvm_negative_errno(), "cannot size '%s'",
					 b->out.item[b->disk_i].tmp);
	if ((r = write_header(b, fd, reterr)) < 0)
		return r;
	return write_fs(b, fd, reterr);
}
