/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Directory entries by appending: each directory remembers its last block and
 * the offset of the last entry in it, so adding a name never scans the
 * directory (ext2fs_link does, which is quadratic for huge directories). The
 * block being filled stays in memory until another directory needs the cache.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ext4/internal.h"

#define REC_LEN(n) ((8u + (unsigned)(n) + 3u) & ~3u)

static size_t slot_of(size_t cap, uint32_t ino)
{
	return (size_t)(ino * UINT32_C(2654435761)) & (cap - 1);
}

static struct dir_state *dir_lookup(struct cvm_ext4 *w, uint32_t ino)
{
	size_t i;

	if (!w->dirs_cap)
		return NULL;
	for (i = slot_of(w->dirs_cap, ino); w->dirs[i].ino; i = (i + 1) & (w->dirs_cap - 1))
		if (w->dirs[i].ino == ino)
			return &w->dirs[i];
	return NULL;
}

static struct dir_state *dir_insert(struct cvm_ext4 *w, uint32_t ino)
{
	size_t i;

	if ((w->dirs_count + 1) * 4 > w->dirs_cap * 3) {
		size_t cap = w->dirs_cap ? w->dirs_cap * 2 : 256;
		struct dir_state *old = w->dirs, *n = calloc(cap, sizeof(*n));

		if (!n)
			return NULL;
		for (size_t j = 0; j < w->dirs_cap; j++) {
			if (!old[j].ino)
				continue;
			for (i = slot_of(cap, old[j].ino); n[i].ino; i = (i + 1) & (cap - 1))
				;
			n[i] = old[j];
		}
		free(old);
		w->dirs = n;
		w->dirs_cap = cap;
	}
	for (i = slot_of(w->dirs_cap, ino); w->dirs[i].ino; i = (i + 1) & (w->dirs_cap - 1))
		if (w->dirs[i].ino == ino)
			return &w->dirs[i];
	w->dirs_count++;
	w->dirs[i].ino = ino;
	return &w->dirs[i];
}

int cvm_ext4_dir_init(struct cvm_ext4 *w, uint32_t ino, uint64_t pblk)
{
	struct dir_state *d = dir_insert(w, ino);

	if (!d)
		return -ENOMEM;
	/* a block from ext2fs_new_dir_block(): "." (12 bytes), then ".." to the end */
	d->lblk = 0;
	d->pblk = pblk;
	d->last_off = 12;
	return 0;
}

int cvm_ext4_dir_flush(struct cvm_ext4 *w, cvm_err *reterr)
{
	errcode_t e;

	if (!w->dblock_dirty)
		return 0;
	e = ext2fs_write_dir_block4(w->fs, w->dblock_pblk, w->dblock, 0, w->dblock_ino);
	if (e)
		return cvm_ext4_err(reterr, e, "cannot write a directory block");
	w->dblock_dirty = false;
	return 0;
}

static int load_block(struct cvm_ext4 *w, uint32_t ino, uint64_t pblk, cvm_err *reterr)
{
	errcode_t e;
	int r;

	if (w->dblock_ino == ino && w->dblock_pblk == pblk)
		return 0;
	if ((r = cvm_ext4_dir_flush(w, reterr)) < 0)
		return r;
	w->dblock_ino = 0;
	e = ext2fs_read_dir_block4(w->fs, pblk, w->dblock, 0, ino);
	if (e)
		return cvm_ext4_err(reterr, e, "cannot read a directory block");
	w->dblock_ino = ino;
	w->dblock_pblk = pblk;
	return 0;
}

/* The end of the entries in a block: before the checksum tail, if any. */
static unsigned entries_end(struct cvm_ext4 *w)
{
	return w->fs->blocksize - (ext2fs_has_feature_metadata_csum(w->fs->super)
				       ? sizeof(struct ext2_dir_entry_tail)
				       : 0);
}

/* A directory this code did not create (lost+found): find its last entry. */
static int dir_load(struct cvm_ext4 *w, uint32_t ino, struct dir_state **ret, cvm_err *reterr)
{
	struct ext2_inode inode;
	struct dir_state *d;
	blk64_t pblk;
	unsigned off = 0, end = entries_end(w);
	errcode_t e;
	int r;

	if ((e = ext2fs_read_inode(w->fs, ino, &inode)))
		return cvm_ext4_err(reterr, e, "cannot read directory inode %u", ino);
	if (EXT2_I_SIZE(&inode) < w->fs->blocksize || (inode.i_flags & EXT2_INDEX_FL))
		return cvm_ext4_err(reterr, EXT2_ET_DIR_CORRUPTED, "directory inode %u", ino);
	e = ext2fs_bmap2(w->fs, ino, &inode, NULL, 0, EXT2_I_SIZE(&inode) / w->fs->blocksize - 1,
			 NULL, &pblk);
	if (e || !pblk)
		return cvm_ext4_err(reterr, e ? e : EXT2_ET_DIR_CORRUPTED, "directory inode %u",
				    ino);
	if ((r = load_block(w, ino, pblk, reterr)) < 0)
		return r;
	for (;;) {
		unsigned rec;

		ext2fs_get_rec_len(w->fs, (struct ext2_dir_entry *)(w->dblock + off), &rec);
		if (rec < 8 || off + rec > end)
			return cvm_ext4_err(reterr, EXT2_ET_DIR_CORRUPTED, "directory inode %u",
					    ino);
		if (off + rec == end)
			break;
		off += rec;
	}
	if (!(d = dir_insert(w, ino)))
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	d->lblk = (uint32_t)(EXT2_I_SIZE(&inode) / w->fs->blocksize - 1);
	d->pblk = pblk;
	d->last_off = off;
	*ret = d;
	return 0;
}

/* Put a name at @off of the cached block, taking @rec bytes. */
static void put_entry(struct cvm_ext4 *w, unsigned off, unsigned rec, const char *name, size_t len,
		      uint32_t ino, uint8_t ftype)
{
	struct ext2_dir_entry *de = (struct ext2_dir_entry *)(w->dblock + off);

	de->inode = ino;
	ext2fs_set_rec_len(w->fs, rec, de);
	ext2fs_dirent_set_name_len(de, (int)len);
	ext2fs_dirent_set_file_type(de, ftype);
	memcpy(de->name, name, len);
	w->dblock_dirty = true;
}

/* Try the cached last block; returns 1 if the name fitted. */
static int try_append(struct cvm_ext4 *w, struct dir_state *d, const char *name, size_t len,
		      uint32_t ino, uint8_t ftype)
{
	struct ext2_dir_entry *last = (struct ext2_dir_entry *)(w->dblock + d->last_off);
	unsigned rec, used;

	ext2fs_get_rec_len(w->fs, last, &rec);
	used = last->inode ? REC_LEN(ext2fs_dirent_name_len(last)) : 0;
	if (rec < used + REC_LEN(len))
		return 0;
	if (used) {
		ext2fs_set_rec_len(w->fs, used, last);
		d->last_off += used;
	}
	put_entry(w, d->last_off, rec - used, name, len, ino, ftype);
	return 1;
}

/* Grow the directory by one block and make it the cached, empty last block. */
static int add_block(struct cvm_ext4 *w, struct dir_state *d, cvm_err *reterr)
{
	struct ext2_inode inode;
	blk64_t pblk = 0;
	char *fresh = NULL;
	errcode_t e;
	int r;

	if ((r = cvm_ext4_dir_flush(w, reterr)) < 0)
		return r;
	if ((e = ext2fs_read_inode(w->fs, d->ino, &inode)))
		return cvm_ext4_err(reterr, e, "cannot read directory inode %u", d->ino);
	e = ext2fs_bmap2(w->fs, d->ino, &inode, NULL, BMAP_ALLOC, d->lblk + 1, NULL, &pblk);
	if (e)
		return cvm_ext4_err(reterr, e, "cannot grow directory inode %u", d->ino);
	/* bmap2 wrote the inode with the new block counted; the size is ours to set */
	if ((e = ext2fs_read_inode(w->fs, d->ino, &inode)) ||
	    (e = ext2fs_inode_size_set(w->fs, &inode,
				       (uint64_t)(d->lblk + 2) * w->fs->blocksize)) ||
	    (e = ext2fs_write_inode(w->fs, d->ino, &inode)))
		return cvm_ext4_err(reterr, e, "cannot grow directory inode %u", d->ino);
	if ((e = ext2fs_new_dir_block(w->fs, 0, 0, &fresh)))
		return cvm_ext4_err(reterr, e, "cannot grow directory inode %u", d->ino);
	memcpy(w->dblock, fresh, w->fs->blocksize);
	ext2fs_free_mem(&fresh);
	d->lblk++;
	d->pblk = pblk;
	d->last_off = 0;
	w->dblock_ino = d->ino;
	w->dblock_pblk = pblk;
	w->dblock_dirty = true;
	return 0;
}

int cvm_ext4_dir_link(struct cvm_ext4 *w, uint32_t dir, const char *name, size_t len, uint32_t ino,
		      uint8_t ftype, cvm_err *reterr)
{
	struct dir_state *d = dir_lookup(w, dir);
	int r;

	if (!d && (r = dir_load(w, dir, &d, reterr)) < 0)
		return r;
	if ((r = load_block(w, dir, d->pblk, reterr)) < 0)
		return r;
	if (try_append(w, d, name, len, ino, ftype))
		return 0;
	if ((r = add_block(w, d, reterr)) < 0)
		return r;
	if (!try_append(w, d, name, len, ino, ftype))
		return cvm_err_set(reterr, -ENAMETOOLONG, "name too long for a directory block");
	return 0;
}

int cvm_ext4_dir_grow(struct cvm_ext4 *w, uint32_t ino, cvm_err *reterr)
{
	struct dir_state *d = dir_lookup(w, ino);
	int r;

	if (!d && (r = dir_load(w, ino, &d, reterr)) < 0)
		return r;
	return add_block(w, d, reterr);
}

void cvm_ext4_dir_free(struct cvm_ext4 *w)
{
	free(w->dirs);
	w->dirs = NULL;
	w->dirs_cap = w->dirs_count = 0;
}
