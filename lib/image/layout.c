/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>

#include <cvmimg/cleanup.h>

#include "ext4-writer.h"
#include "layout.h"
#include "luks.h"
#include "tar-reader.h"

#define MIN_FS_BLOCKS  8192u /* 32 MiB */
#define XATTR_IN_INODE 92u   /* room for xattrs in a 256-byte inode */

static void count(struct cvm_scan *s, const struct cvm_tar_entry *te)
{
	const struct cvm_ext4_entry *e = &te->e;
	const char *name = strrchr(e->path, '/');
	size_t xbytes = 0;

	name = name ? name + 1 : e->path;
	s->entries++;
	s->name_bytes += (8 + strlen(name) + 3) & ~(size_t)3;
	if (e->type == CVM_EXT4_DIR)
		s->dirs++;
	if (e->type == CVM_EXT4_REG)
		s->data_blocks += (e->size + CVM_EXT4_BLOCK - 1) / CVM_EXT4_BLOCK;
	if (e->type == CVM_EXT4_SYMLINK && e->target && strlen(e->target) >= 60)
		s->slow_symlinks++;
	for (size_t i = 0; i < e->n_xattrs; i++)
		xbytes += 16 + ((strlen(e->xattrs[i].name) + 3) & ~(size_t)3) +
			  ((e->xattrs[i].len + 3) & ~(size_t)3);
	if (xbytes > XATTR_IN_INODE)
		s->xattr_blocks++;
}

int cvm_scan_archive(const char *path, uint64_t max_entries, cvm_scan_progress progress,
		     void *userdata, struct cvm_scan *ret, cvm_err *reterr)
{
	CVM_CLEANUP(cvm_tar_freep) struct cvm_tar *t = NULL;
	struct cvm_scan s = {0};
	struct cvm_tar_entry *te;
	int r;

	if ((r = cvm_tar_open(path, -1, false, &t, reterr)) < 0)
		return r;
	while ((r = cvm_tar_next(t, &te, reterr)) > 0) {
		count(&s, te);
		if (s.entries > max_entries)
			return cvm_err_set(reterr, -EFBIG, "'%s' has more than %llu entries", path,
					   (unsigned long long)max_entries);
		if (progress && s.entries % 1024 == 0 &&
		    progress(s.entries, cvm_tar_bytes_in(t), userdata))
			return cvm_err_set(reterr, -ECANCELED, "cancelled");
	}
	if (r < 0)
		return r;
	s.input_bytes = cvm_tar_bytes_in(t);
	*ret = s;
	return 0;
}

/* Blocks to hold what the scan found, metadata included but not the journal. */
static uint64_t needed_blocks(const struct cvm_scan *s)
{
	uint64_t dir_blocks = s->name_bytes / (CVM_EXT4_BLOCK - 12) + s->dirs + 16;

	return s->data_blocks + s->data_blocks / 4096 /* extent blocks, generously */ + dir_blocks +
	       s->slow_symlinks + s->xattr_blocks + 64;
}

static uint64_t inodes_for(const struct cvm_scan *s, uint64_t blocks)
{
	uint64_t want = s->entries + s->entries / 4 + 1024, dflt = blocks / 4;

	return want > dflt ? want : dflt;
}

static int auto_fs_blocks(const struct cvm_scan *s, uint64_t *ret_blocks, uint64_t *ret_inodes,
			  cvm_err *reterr)
{
	uint64_t need = needed_blocks(s);
	uint64_t want = need + need / 4 + (64 * CVM_MIB) / CVM_EXT4_BLOCK;
	uint64_t blocks = want;

	for (int i = 0; i < 16; i++) {
		uint64_t inodes = inodes_for(s, blocks), room;
		int r;

		if (blocks < MIN_FS_BLOCKS)
			blocks = MIN_FS_BLOCKS;
		if (inodes > blocks) /* ext4 holds at most one inode per block */
			blocks = inodes;
		blocks = (blocks + 255) & ~(uint64_t)255; /* whole MiB */
		if ((r = cvm_ext4_capacity(blocks, inodes_for(s, blocks), &room, reterr)) < 0)
			return r;
		if (room >= want) {
			*ret_blocks = blocks;
			*ret_inodes = inodes_for(s, blocks);
			return 0;
		}
		blocks += want - room;
	}
	return cvm_err_set(reterr, -EFBIG, "cannot find a filesystem size for the archive");
}

int cvm_layout_compute(const struct cvm_scan *scan, uint64_t disk_size, uint64_t esp_size,
		       struct cvm_layout *ret, cvm_err *reterr)
{
	struct cvm_layout l = {.esp_start = CVM_MIB, .esp_size = esp_size};
	int r;

	if (esp_size % CVM_MIB)
		return cvm_err_set(reterr, -EINVAL, "the ESP size must be a multiple of 1 MiB");
	l.root_start = l.esp_start + esp_size;
	if (disk_size) {
		if (disk_size % CVM_MIB)
			return cvm_err_set(reterr, -EINVAL,
					   "the disk size must be a multiple of "
					   "1 MiB");
		if (disk_size < l.root_start + CVM_LUKS_DATA_OFFSET +
				    MIN_FS_BLOCKS * (uint64_t)CVM_EXT4_BLOCK + CVM_MIB)
			return cvm_err_set(reterr, -EFBIG,
					   "a disk of %llu MiB is too small for "
					   "the ESP and a root partition",
					   (unsigned long long)(disk_size / CVM_MIB));
		l.disk_size = disk_size;
		l.root_size = disk_size - l.root_start - CVM_MIB;
		l.fs_blocks = (l.root_size - CVM_LUKS_DATA_OFFSET) / CVM_EXT4_BLOCK;
		if (scan)
			l.fs_inodes = inodes_for(scan, l.fs_blocks);
	} else {
		if ((r = auto_fs_blocks(scan, &l.fs_blocks, &l.fs_inodes, reterr)) < 0)
			return r;
		l.root_size = CVM_LUKS_DATA_OFFSET + l.fs_blocks * CVM_EXT4_BLOCK;
		l.disk_size = l.root_start + l.root_size + CVM_MIB;
	}
	if (l.fs_blocks >= (1ull << 32))
		return cvm_err_set(reterr, -EFBIG, "a root filesystem of %llu GiB is too large",
				   (unsigned long long)(l.fs_blocks >> 18));
	*ret = l;
	return 0;
}
