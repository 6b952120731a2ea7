/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Regular file data. Data arrives in increasing offsets; it is gathered into
 * a 1 MiB buffer of whole blocks, and each full buffer gets one contiguous
 * allocation (ext2fs_new_range), one write (so the io_manager encrypts and
 * writes it in one go) and one extent. Adjacent allocations merge into one
 * extent before it is inserted, so a file written in one run has one extent
 * per 128 MiB. Gaps between data (sparse files) are never allocated.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ext4/internal.h"

int cvm_ext4_file_begin(struct cvm_ext4 *w, uint32_t ino, uint64_t size, cvm_err *reterr)
{
	struct file_state *f = &w->file;
	uint8_t *buf = f->buf;
	errcode_t e;

	if (!buf && !(buf = malloc((size_t)FILE_BUF_BLOCKS * CVM_EXT4_BLOCK)))
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	*f = (struct file_state){.open = true, .ino = ino, .size = size, .buf = buf};
	e = ext2fs_extent_open2(w->fs, ino, NULL, &f->handle);
	if (e)
		return cvm_ext4_err(reterr, e, "cannot map inode %u", ino);
	return 0;
}

void cvm_ext4_file_abort(struct cvm_ext4 *w)
{
	struct file_state *f = &w->file;

	if (f->handle)
		ext2fs_extent_free(f->handle);
	f->handle = NULL;
	f->open = false;
}

static int insert_extent(struct cvm_ext4 *w, cvm_err *reterr)
{
	struct file_state *f = &w->file;
	errcode_t e;

	if (!f->have_extent)
		return 0;
	e = ext2fs_extent_insert(f->handle, f->inserted ? EXT2_EXTENT_INSERT_AFTER : 0, &f->ext);
	if (e)
		return cvm_ext4_err(reterr, e, "cannot map the data of inode %u", f->ino);
	f->inserted = true;
	f->have_extent = false;
	return 0;
}

/* Record blocks [lblk, +n) at [pblk, +n): extend the waiting extent or start one. */
static int add_extent(struct cvm_ext4 *w, uint64_t lblk, blk64_t pblk, uint32_t n, cvm_err *reterr)
{
	struct file_state *f = &w->file;
	struct ext2fs_extent *x = &f->ext;
	int r;

	if (f->have_extent && x->e_lblk + x->e_len == lblk && x->e_pblk + x->e_len == pblk &&
	    x->e_len + n <= MAX_EXTENT_LEN) {
		x->e_len += n;
		return 0;
	}
	if ((r = insert_extent(w, reterr)) < 0)
		return r;
	*x = (struct ext2fs_extent){.e_pblk = pblk, .e_lblk = (blk64_t)lblk, .e_len = n};
	f->have_extent = true;
	return 0;
}

/* Allocate, write and map the buffered blocks. */
static int flush_buffer(struct cvm_ext4 *w, cvm_err *reterr)
{
	struct file_state *f = &w->file;
	uint32_t done = 0;

	while (done < f->buf_blocks) {
		blk64_t pblk, plen;
		uint32_t n;
		errcode_t e;
		int r;

		e = ext2fs_new_range(w->fs, 0, w->goal, f->buf_blocks - done, NULL, &pblk, &plen);
		if (e == EXT2_ET_BLOCK_ALLOC_FAIL && w->goal) {
			w->goal = 0; /* wrap around once */
			continue;
		}
		if (e)
			return cvm_ext4_err(reterr, e, "cannot allocate data blocks");
		n = (uint32_t)plen;
		ext2fs_block_alloc_stats_range(w->fs, pblk, n, +1);
		e = io_channel_write_blk64(w->fs->io, pblk, (int)n,
					   f->buf + (size_t)done * CVM_EXT4_BLOCK);
		if (e)
			return cvm_ext4_err(reterr, e, "cannot write file data");
		if ((r = add_extent(w, f->buf_lblk + done, pblk, n, reterr)) < 0)
			return r;
		f->blocks += n;
		w->goal = pblk + n;
		done += n;
	}
	f->buf_blocks = 0;
	return 0;
}

int cvm_ext4_write(struct cvm_ext4 *w, uint64_t offset, const void *buf, size_t len,
		   cvm_err *reterr)
{
	struct file_state *f = &w->file;
	const uint8_t *p = buf;
	int r;

	if (!f->open)
		return cvm_err_set(reterr, -EINVAL, "no file is open for data");
	if (offset < f->end || offset > f->size || len > f->size - offset)
		return cvm_err_set(reterr, -EBADMSG, "file data out of order or past its size");
	while (len) {
		uint64_t lblk = offset / CVM_EXT4_BLOCK;
		uint64_t rel, room, k;

		if (f->buf_blocks && (lblk < f->buf_lblk || lblk > f->buf_lblk + f->buf_blocks ||
				      lblk >= f->buf_lblk + FILE_BUF_BLOCKS)) {
			if ((r = flush_buffer(w, reterr)) < 0)
				return r;
		}
		if (!f->buf_blocks)
			f->buf_lblk = lblk;
		rel = offset - f->buf_lblk * CVM_EXT4_BLOCK;
		room = (uint64_t)FILE_BUF_BLOCKS * CVM_EXT4_BLOCK - rel;
		k = len < room ? len : room;
		/* blocks entering the buffer start as zeros (partial blocks, holes inside) */
		for (uint64_t b = f->buf_blocks; b * CVM_EXT4_BLOCK < rel + k; b++)
			memset(f->buf + b * CVM_EXT4_BLOCK, 0, CVM_EXT4_BLOCK);
		memcpy(f->buf + rel, p, k);
		if ((rel + k + CVM_EXT4_BLOCK - 1) / CVM_EXT4_BLOCK > f->buf_blocks)
			f->buf_blocks = (uint32_t)((rel + k + CVM_EXT4_BLOCK - 1) / CVM_EXT4_BLOCK);
		offset += k;
		p += k;
		len -= (size_t)k;
		f->end = offset;
	}
	return 0;
}

int cvm_ext4_end_file(struct cvm_ext4 *w, cvm_err *reterr)
{
	struct file_state *f = &w->file;
	struct ext2_inode_large inode;
	uint32_t ino = f->ino;
	errcode_t e;
	int r;

	if (!f->open)
		return cvm_err_set(reterr, -EINVAL, "no file is open for data");
	if ((r = flush_buffer(w, reterr)) < 0 || (r = insert_extent(w, reterr)) < 0) {
		cvm_ext4_file_abort(w);
		return r;
	}
	cvm_ext4_file_abort(w); /* closes the extent handle, which wrote the inode */
	e = ext2fs_read_inode_full(w->fs, ino, (struct ext2_inode *)&inode, sizeof(inode));
	if (!e)
		e = ext2fs_iblk_add_blocks(w->fs, (struct ext2_inode *)&inode, f->blocks);
	if (!e)
		e = ext2fs_inode_size_set(w->fs, (struct ext2_inode *)&inode, f->size);
	if (!e)
		e = ext2fs_write_inode_full(w->fs, ino, (struct ext2_inode *)&inode, sizeof(inode));
	if (e)
		return cvm_ext4_err(reterr, e, "cannot finish inode %u", ino);
	return 0;
}
