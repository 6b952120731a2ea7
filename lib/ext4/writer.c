/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The ext4 writer: a new filesystem with mke2fs's layout, then one archive
 * entry at a time (see ext4-writer.h). Names are resolved through an
 * in-memory map, never by reading directories back.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cvmimg/cleanup.h>
#include <cvmimg/log.h>

#include <cvmimg/util.h>

#include "ext4/internal.h"
#include "util/log-internal.h"

#include <ext2fs/ext3_extents.h> /* needs the types of ext2fs.h first */

#define LINK_MAX_FILE 65000u /* ext4's limit on a file's hard links */

int cvm_ext4_err(cvm_err *reterr, errcode_t e, const char *fmt, ...)
{
	char what[160];
	va_list ap;
	int code;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	switch (e) {
	case EXT2_ET_BLOCK_ALLOC_FAIL:
	case EXT2_ET_INODE_ALLOC_FAIL:
	case EXT2_ET_DIR_NO_SPACE:
	case EXT2_ET_TOOSMALL:
	case EXT2_ET_RES_GDT_BLOCKS:
		/* the archive is too large for the chosen size: bad input, not a full host disk */
		return cvm_err_set(reterr, -EFBIG, "%s: the filesystem is full", what);
	case EXT2_ET_NO_MEMORY:
		code = -ENOMEM;
		break;
	default:
		code = e > 0 && e < 4096 ? -(int)e : -EIO;
	}
	return cvm_err_set(reterr, code, "%s: %s", what, error_message(e));
}

/* ext4 stores seconds in 32 bits plus two epoch bits beside the nanoseconds. */
static void put_time(uint32_t *lo, uint32_t *extra, int64_t sec, uint32_t nsec)
{
	if (sec < INT32_MIN)
		sec = INT32_MIN;
	if (sec > INT64_C(0x37fffffff)) /* 2446-05-10 */
		sec = INT64_C(0x37fffffff);
	*lo = (uint32_t)sec;
	*extra =
	    (nsec << EXT4_EPOCH_BITS) |
	    (uint32_t)(((uint64_t)(sec - (int64_t)(int32_t)(uint32_t)sec) >> 32) & EXT4_EPOCH_MASK);
}

static void fill_inode(struct cvm_ext4 *w, struct ext2_inode_large *in, uint16_t type,
		       const struct cvm_fs_entry *e)
{
	in->i_mode = (uint16_t)(type | (e->mode & 07777));
	in->i_uid = (uint16_t)e->uid;
	in->i_uid_high = (uint16_t)(e->uid >> 16);
	in->i_gid = (uint16_t)e->gid;
	in->i_gid_high = (uint16_t)(e->gid >> 16);
	in->i_extra_isize = sizeof(*in) - EXT2_GOOD_OLD_INODE_SIZE;
	put_time(&in->i_mtime, &in->i_mtime_extra, e->mtime, e->mtime_nsec);
	put_time(&in->i_atime, &in->i_atime_extra, e->mtime, e->mtime_nsec);
	put_time(&in->i_ctime, &in->i_ctime_extra, e->mtime, e->mtime_nsec);
	put_time(&in->i_crtime, &in->i_crtime_extra, e->mtime, e->mtime_nsec);
	(void)w;
}

static int write_inode(struct cvm_ext4 *w, uint32_t ino, struct ext2_inode_large *in,
		       cvm_err *reterr)
{
	errcode_t e = ext2fs_write_inode_full(w->fs, ino, (struct ext2_inode *)in, sizeof(*in));

	return e ? cvm_ext4_err(reterr, e, "cannot write inode %u", ino) : 0;
}

static int read_inode(struct cvm_ext4 *w, uint32_t ino, struct ext2_inode_large *in,
		      cvm_err *reterr)
{
	errcode_t e;

	memset(in, 0, sizeof(*in));
	e = ext2fs_read_inode_full(w->fs, ino, (struct ext2_inode *)in, sizeof(*in));
	return e ? cvm_ext4_err(reterr, e, "cannot read inode %u", ino) : 0;
}

/* Metadata of an existing inode (the root, a directory named twice). */
static int update_meta(struct cvm_ext4 *w, uint32_t ino, const struct cvm_fs_entry *e,
		       cvm_err *reterr)
{
	struct ext2_inode_large in;
	int r;

	if ((r = read_inode(w, ino, &in, reterr)) < 0)
		return r;
	fill_inode(w, &in, (uint16_t)(in.i_mode & LINUX_S_IFMT), e);
	return write_inode(w, ino, &in, reterr);
}

static void empty_extent_tree(struct ext2_inode_large *in)
{
	struct ext3_extent_header *eh = (struct ext3_extent_header *)in->i_block;

	in->i_flags |= EXT4_EXTENTS_FL;
	eh->eh_magic = ext2fs_cpu_to_le16(EXT3_EXT_MAGIC);
	eh->eh_entries = 0;
	eh->eh_depth = 0;
	eh->eh_max =
	    ext2fs_cpu_to_le16((sizeof(in->i_block) - sizeof(*eh)) / sizeof(struct ext3_extent));
}

/* One more link to @ino; directories past 65000 subdirectories count as 1 (dir_nlink). */
static int add_link(struct cvm_ext4 *w, uint32_t ino, bool dir, cvm_err *reterr)
{
	struct ext2_inode_large in;
	int r;

	if ((r = read_inode(w, ino, &in, reterr)) < 0)
		return r;
	if (dir && (in.i_links_count == 1 || in.i_links_count >= LINK_MAX_FILE - 1))
		in.i_links_count = 1;
	else if (in.i_links_count >= LINK_MAX_FILE)
		return cvm_err_set(reterr, -EMLINK, "too many hard links to inode %u", ino);
	else
		in.i_links_count++;
	return write_inode(w, ino, &in, reterr);
}

int cvm_ext4_mkdir(struct cvm_ext4 *w, uint32_t parent, uint32_t ino,
		   const struct cvm_fs_entry *meta, cvm_err *reterr)
{
	ext2_filsys fs = w->fs;
	struct ext2_inode_large in = {0};
	ext2_extent_handle_t h = NULL;
	char *block = NULL;
	blk64_t blk;
	errcode_t e;
	int r;

	if ((e = ext2fs_new_block2(fs, w->goal, NULL, &blk)))
		return cvm_ext4_err(reterr, e, "cannot allocate a directory block");
	e = ext2fs_new_dir_block(fs, ino, parent, &block);
	if (!e)
		e = ext2fs_write_dir_block4(fs, blk, block, 0, ino);
	ext2fs_free_mem(&block);
	if (e)
		return cvm_ext4_err(reterr, e, "cannot write a directory block");
	ext2fs_block_alloc_stats2(fs, blk, +1);
	w->goal = blk + 1;
	fill_inode(w, &in, LINUX_S_IFDIR, meta);
	in.i_links_count = 2;
	empty_extent_tree(&in);
	ext2fs_iblk_set(fs, (struct ext2_inode *)&in, 1);
	if ((e = ext2fs_inode_size_set(fs, (struct ext2_inode *)&in, fs->blocksize)))
		return cvm_ext4_err(reterr, e, "cannot make directory inode %u", ino);
	if ((r = write_inode(w, ino, &in, reterr)) < 0)
		return r;
	e = ext2fs_extent_open2(fs, ino, NULL, &h);
	if (!e)
		e = ext2fs_extent_set_bmap(h, 0, blk, 0);
	if (h)
		ext2fs_extent_free(h);
	if (e)
		return cvm_ext4_err(reterr, e, "cannot map directory inode %u", ino);
	ext2fs_inode_alloc_stats2(fs, ino, +1, 1);
	if (cvm_ext4_dir_init(w, ino, blk) < 0)
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	return parent == ino ? 0 : add_link(w, parent, true, reterr);
}

static uint8_t ftype_of(enum cvm_fs_type t)
{
	static const uint8_t ft[] = {
	    [CVM_FS_REG] = EXT2_FT_REG_FILE,	  [CVM_FS_DIR] = EXT2_FT_DIR,
	    [CVM_FS_SYMLINK] = EXT2_FT_SYMLINK, [CVM_FS_CHR] = EXT2_FT_CHRDEV,
	    [CVM_FS_BLK] = EXT2_FT_BLKDEV,	  [CVM_FS_FIFO] = EXT2_FT_FIFO,
	    [CVM_FS_SOCK] = EXT2_FT_SOCK,
	};

	return (size_t)t < sizeof(ft) ? ft[t] : EXT2_FT_UNKNOWN;
}

static int new_inode(struct cvm_ext4 *w, uint32_t parent, uint16_t type, uint32_t *ret,
		     cvm_err *reterr)
{
	ext2_ino_t ino;
	errcode_t e = ext2fs_new_inode(w->fs, parent, type, NULL, &ino);

	if (e)
		return cvm_ext4_err(reterr, e, "cannot allocate an inode");
	*ret = ino;
	return 0;
}

static int set_xattrs(struct cvm_ext4 *w, uint32_t ino, const struct cvm_fs_entry *e,
		      cvm_err *reterr)
{
	struct ext2_xattr_handle *h = NULL;
	errcode_t err;

	if (!e->n_xattrs)
		return 0;
	err = ext2fs_xattrs_open(w->fs, ino, &h);
	if (!err)
		err = ext2fs_xattrs_read(h);
	for (size_t i = 0; !err && i < e->n_xattrs; i++) {
		err = ext2fs_xattr_set(h, e->xattrs[i].name, e->xattrs[i].value, e->xattrs[i].len);
		if (err == EXT2_ET_EA_NO_SPACE || err == EXT2_ET_EA_KEY_NOT_FOUND) {
			ext2fs_xattrs_close(&h);
			return cvm_err_set(reterr, -EFBIG,
					   "the extended attributes of '%s' do not "
					   "fit in one block",
					   e->path);
		}
		if (err == EXT2_ET_INVALID_ARGUMENT || err == EXT2_ET_EA_BAD_VALUE_SIZE ||
		    err == EXT2_ET_EA_BAD_NAME_LEN) {
			ext2fs_xattrs_close(&h);
			return cvm_err_set(reterr, -EBADMSG,
					   "invalid extended attribute '%s' on '%s'",
					   e->xattrs[i].name, e->path);
		}
	}
	if (h) {
		errcode_t c = ext2fs_xattrs_close(&h);

		err = err ? err : c;
	}
	return err ? cvm_ext4_err(reterr, err, "cannot set the extended attributes of '%s'",
				  e->path)
		   : 0;
}

/* Find or create (0755, 0:0) the directory @path[0..len), relative to the root. */
static int resolve_dir(struct cvm_ext4 *w, const char *path, size_t len, bool create, uint32_t *ret,
		       cvm_err *reterr)
{
	uint32_t cur = EXT2_ROOT_INO;
	size_t at = 0;

	if (len == 0) {
		*ret = EXT2_ROOT_INO;
		return 0;
	}
	if (w->last_parent && strlen(w->last_parent) == len && !memcmp(w->last_parent, path, len)) {
		*ret = w->last_parent_ino;
		return 0;
	}
	while (at < len) {
		const char *c = path + at, *slash = memchr(c, '/', len - at);
		size_t n = slash ? (size_t)(slash - c) : len - at;
		uint32_t ino = 0;
		uint8_t ft;
		int r;

		if (cvm_pathmap_get(w->names, cur, c, n, &ino, &ft)) {
			if (ft != EXT2_FT_DIR)
				return cvm_err_set(reterr, -EBADMSG, "'%.*s' is not a directory",
						   (int)(at + n), path);
		} else if (!create) {
			return cvm_err_set(reterr, -EBADMSG, "'%.*s' does not exist", (int)(at + n),
					   path);
		} else {
			struct cvm_fs_entry meta = {.mode = 0755, .mtime = w->now};

			if (n > EXT2_NAME_LEN)
				return cvm_err_set(reterr, -ENAMETOOLONG,
						   "a name is longer than 255 "
						   "bytes: '%.*s'",
						   (int)len, path);
			if ((r = new_inode(w, cur, LINUX_S_IFDIR, &ino, reterr)) < 0 ||
			    (r = cvm_ext4_mkdir(w, cur, ino, &meta, reterr)) < 0 ||
			    (r = cvm_ext4_dir_link(w, cur, c, n, ino, EXT2_FT_DIR, reterr)) < 0)
				return r;
			if (cvm_pathmap_put(w->names, cur, c, n, ino, EXT2_FT_DIR) < 0)
				return cvm_err_set(reterr, -ENOMEM, "out of memory");
		}
		cur = ino;
		at += n + 1;
	}
	free(w->last_parent);
	w->last_parent = strndup(path, len);
	w->last_parent_ino = cur;
	*ret = cur;
	return 0;
}

/* A hard link names an existing non-directory. */
static int add_hardlink(struct cvm_ext4 *w, uint32_t parent, const char *name, size_t len,
			const struct cvm_fs_entry *e, cvm_err *reterr)
{
	const char *t = e->target, *slash = t ? strrchr(t, '/') : NULL;
	size_t plen = slash ? (size_t)(slash - t) : 0;
	const char *tname = slash ? slash + 1 : t;
	uint32_t tdir, ino;
	uint8_t ft;
	cvm_err ignored;
	int r;

	if (!t || !*t || resolve_dir(w, t, plen, false, &tdir, &ignored) < 0 ||
	    !cvm_pathmap_get(w->names, tdir, tname, strlen(tname), &ino, &ft))
		return cvm_err_set(reterr, -EBADMSG,
				   "hard link '%s' points to '%s', which is not "
				   "in the archive before it",
				   e->path, t ? t : "");
	if (ft == EXT2_FT_DIR)
		return cvm_err_set(reterr, -EBADMSG, "hard link '%s' points to the directory '%s'",
				   e->path, t);
	if ((r = add_link(w, ino, false, reterr)) < 0 ||
	    (r = cvm_ext4_dir_link(w, parent, name, len, ino, ft, reterr)) < 0)
		return r;
	return cvm_pathmap_put(w->names, parent, name, len, ino, ft) < 0
		   ? cvm_err_set(reterr, -ENOMEM, "out of memory")
		   : 0;
}

static int make_symlink(struct cvm_ext4 *w, uint32_t parent, uint32_t ino,
			const struct cvm_fs_entry *e, cvm_err *reterr)
{
	struct ext2_inode_large in;
	size_t n = e->target ? strlen(e->target) : 0;
	errcode_t err;
	int r;

	if (n == 0 || n >= w->fs->blocksize)
		return cvm_err_set(reterr, -EBADMSG,
				   "symbolic link '%s' has a target of %zu bytes "
				   "(1 to 4095 allowed)",
				   e->path, n);
	if ((err = ext2fs_symlink(w->fs, parent, ino, NULL, e->target)))
		return cvm_ext4_err(reterr, err, "cannot create symbolic link '%s'", e->path);
	if ((r = read_inode(w, ino, &in, reterr)) < 0)
		return r;
	fill_inode(w, &in, LINUX_S_IFLNK, e);
	return write_inode(w, ino, &in, reterr);
}

static int make_inode(struct cvm_ext4 *w, uint32_t ino, const struct cvm_fs_entry *e,
		      cvm_err *reterr)
{
	static const uint16_t types[] = {
	    [CVM_FS_REG] = LINUX_S_IFREG,   [CVM_FS_CHR] = LINUX_S_IFCHR,
	    [CVM_FS_BLK] = LINUX_S_IFBLK,   [CVM_FS_FIFO] = LINUX_S_IFIFO,
	    [CVM_FS_SOCK] = LINUX_S_IFSOCK,
	};
	struct ext2_inode_large in = {0};
	uint32_t ma = e->rdev_major, mi = e->rdev_minor;
	int r;

	fill_inode(w, &in, types[e->type], e);
	in.i_links_count = 1;
	if (e->type == CVM_FS_REG) {
		empty_extent_tree(&in);
	} else if (e->type == CVM_FS_CHR || e->type == CVM_FS_BLK) {
		/* the old encoding when both fit in 8 bits, the new one otherwise */
		if (ma < 256 && mi < 256)
			in.i_block[0] = ma * 256 + mi;
		else
			in.i_block[1] = (mi & 0xff) | (ma << 8) | ((mi & ~0xffu) << 12);
	}
	if ((r = write_inode(w, ino, &in, reterr)) < 0)
		return r;
	ext2fs_inode_alloc_stats2(w->fs, ino, +1, 0);
	return 0;
}

static int create_entry(struct cvm_ext4 *w, uint32_t parent, const char *name, size_t len,
			const struct cvm_fs_entry *e, cvm_err *reterr)
{
	static const uint16_t alloc_type[] = {
	    [CVM_FS_REG] = LINUX_S_IFREG,	[CVM_FS_DIR] = LINUX_S_IFDIR,
	    [CVM_FS_SYMLINK] = LINUX_S_IFLNK, [CVM_FS_CHR] = LINUX_S_IFCHR,
	    [CVM_FS_BLK] = LINUX_S_IFBLK,	[CVM_FS_FIFO] = LINUX_S_IFIFO,
	    [CVM_FS_SOCK] = LINUX_S_IFSOCK,
	};
	uint8_t ft = ftype_of(e->type);
	uint32_t ino = 0;
	int r;

	if ((r = new_inode(w, parent, alloc_type[e->type], &ino, reterr)) < 0)
		return r;
	if (e->type == CVM_FS_DIR)
		r = cvm_ext4_mkdir(w, parent, ino, e, reterr);
	else if (e->type == CVM_FS_SYMLINK)
		r = make_symlink(w, parent, ino, e, reterr);
	else
		r = make_inode(w, ino, e, reterr);
	if (r < 0 || (r = cvm_ext4_dir_link(w, parent, name, len, ino, ft, reterr)) < 0)
		return r;
	if (cvm_pathmap_put(w->names, parent, name, len, ino, ft) < 0)
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	if ((r = set_xattrs(w, ino, e, reterr)) < 0)
		return r;
	return e->type == CVM_FS_REG ? cvm_ext4_file_begin(w, ino, e->size, reterr) : 0;
}

int cvm_ext4_add(struct cvm_ext4 *w, const struct cvm_fs_entry *e, cvm_err *reterr)
{
	const char *slash, *name;
	size_t len, plen;
	uint32_t parent, ino;
	uint8_t ft;
	int r;

	if (!w || !e || !e->path || (unsigned)e->type > CVM_FS_HARDLINK)
		return cvm_err_set(reterr, -EINVAL, "invalid entry");
	if (w->file.open)
		return cvm_err_set(reterr, -EINVAL, "the previous file is not finished");
	if (!*e->path) {
		if (e->type != CVM_FS_DIR)
			return cvm_err_set(reterr, -EBADMSG,
					   "the root of the archive is not a "
					   "directory");
		r = update_meta(w, EXT2_ROOT_INO, e, reterr);
		return r < 0 ? r : set_xattrs(w, EXT2_ROOT_INO, e, reterr);
	}
	slash = strrchr(e->path, '/');
	name = slash ? slash + 1 : e->path;
	plen = slash ? (size_t)(slash - e->path) : 0;
	len = strlen(name);
	if (len == 0)
		return cvm_err_set(reterr, -EBADMSG, "an empty name: '%s'", e->path);
	if (len > EXT2_NAME_LEN) /* the path last: a long one is cut */
		return cvm_err_set(reterr, -ENAMETOOLONG, "a name is longer than 255 bytes: '%s'",
				   e->path);
	if ((r = resolve_dir(w, e->path, plen, true, &parent, reterr)) < 0)
		return r;
	if (cvm_pathmap_get(w->names, parent, name, len, &ino, &ft)) {
		if (e->type != CVM_FS_DIR || ft != EXT2_FT_DIR)
			return cvm_err_set(reterr, -EBADMSG, "'%s' appears twice in the archive",
					   e->path);
		/* a directory named again (or created for a child first): take its metadata */
		r = update_meta(w, ino, e, reterr);
		return r < 0 ? r : set_xattrs(w, ino, e, reterr);
	}
	if (e->type == CVM_FS_HARDLINK)
		return add_hardlink(w, parent, name, len, e, reterr);
	return create_entry(w, parent, name, len, e, reterr);
}

static void set_features(struct ext2_super_block *p, bool read_only)
{
	ext2fs_set_feature_xattr(p);
	if (!read_only)
		ext2fs_set_feature_resize_inode(p);
	ext2fs_set_feature_dir_index(p);
	ext2fs_set_feature_filetype(p);
	ext2fs_set_feature_extents(p);
	ext2fs_set_feature_64bit(p);
	ext2fs_set_feature_flex_bg(p);
	ext2fs_set_feature_sparse_super(p);
	ext2fs_set_feature_large_file(p);
	ext2fs_set_feature_huge_file(p);
	ext2fs_set_feature_dir_nlink(p);
	ext2fs_set_feature_extra_isize(p);
	ext2fs_set_feature_metadata_csum(p);
}

static void set_super(ext2_filsys fs, const struct cvm_ext4_geometry *g)
{
	struct ext2_super_block *s = fs->super;
	uint32_t now = (uint32_t)g->now;
	uint8_t now_hi = (uint8_t)((uint64_t)g->now >> 32);

	fs->now = (time_t)g->now;
	memcpy(s->s_uuid, g->uuid, 16);
	ext2fs_init_csum_seed(fs);
	memcpy(s->s_hash_seed, g->hash_seed, 16);
	s->s_def_hash_version = EXT2_HASH_HALF_MD4;
	s->s_flags |= EXT2_FLAGS_SIGNED_HASH; /* what mke2fs records on x86 */
	s->s_checksum_type = EXT2_CRC32C_CHKSUM;
	s->s_max_mnt_count = -1;
	s->s_checkinterval = 0;
	s->s_default_mount_opts = EXT2_DEFM_XATTR_USER | EXT2_DEFM_ACL;
	s->s_mkfs_time = s->s_lastcheck = s->s_wtime = now;
	s->s_mkfs_time_hi = s->s_lastcheck_hi = s->s_wtime_hi = now_hi;
	memset(s->s_volume_name, 0, sizeof(s->s_volume_name));
	if (g->label)
		memcpy(s->s_volume_name, g->label, strnlen(g->label, sizeof(s->s_volume_name)));
	ext2fs_mark_super_dirty(fs);
}

static void make_param(uint64_t blocks, uint64_t inodes, bool read_only,
		       struct ext2_super_block *param)
{
	if (!inodes)
		inodes = blocks / 4; /* one per 16 KiB */
	if (inodes > UINT32_MAX - 65536)
		inodes = UINT32_MAX - 65536;
	ext2fs_blocks_count_set(param, blocks);
	param->s_log_block_size = 2; /* 4096 */
	param->s_rev_level = EXT2_DYNAMIC_REV;
	param->s_inode_size = 256;
	param->s_inodes_count = (uint32_t)inodes;
	param->s_log_groups_per_flex = 4;
	param->s_desc_size = EXT2_MIN_DESC_SIZE_64BIT;
	set_features(param, read_only);
}

int cvm_ext4_capacity(uint64_t blocks, uint64_t inodes, bool read_only, uint64_t *ret_free,
		      cvm_err *reterr)
{
	struct ext2_super_block param = {0};
	ext2_filsys fs = NULL;
	uint64_t overhead;
	errcode_t e;
	int journal;

	if (blocks < 4096 || blocks >= (1ull << 32))
		return cvm_err_set(reterr, -EINVAL, "invalid filesystem size");
	make_param(blocks, inodes, read_only, &param);
	/* a layout in memory only: nothing is written to /dev/null before ext2fs_free */
	e = ext2fs_initialize("/dev/null", EXT2_FLAG_64BITS, &param, unix_io_manager, &fs);
	if (!e)
		e = ext2fs_allocate_tables(fs);
	if (e) {
		if (fs)
			ext2fs_free(fs);
		return cvm_ext4_err(reterr, e, "cannot lay out a filesystem of %llu blocks",
				    (unsigned long long)blocks);
	}
	journal = read_only ? 0 : ext2fs_default_journal_size(blocks);
	overhead =
	    (journal > 0 ? (uint64_t)journal : 0) + 64; /* + root, lost+found, resize inode */
	*ret_free = ext2fs_free_blocks_count(fs->super) > overhead
			? ext2fs_free_blocks_count(fs->super) - overhead
			: 0;
	ext2fs_free(fs);
	return 0;
}

/* What mke2fs does after laying out the groups: the special inodes and the journal. */
static int make_skeleton(struct cvm_ext4 *w, cvm_err *reterr)
{
	ext2_filsys fs = w->fs;
	struct cvm_fs_entry root = {.mode = 0755, .mtime = w->now};
	struct cvm_fs_entry lpf = {.mode = 0700, .mtime = w->now};
	struct ext2fs_journal_params jp;
	uint32_t ino = 0;
	errcode_t e;
	int r;

	if ((r = cvm_ext4_mkdir(w, EXT2_ROOT_INO, EXT2_ROOT_INO, &root, reterr)) < 0 ||
	    (r = new_inode(w, EXT2_ROOT_INO, LINUX_S_IFDIR, &ino, reterr)) < 0 ||
	    (r = cvm_ext4_mkdir(w, EXT2_ROOT_INO, ino, &lpf, reterr)) < 0 ||
	    (r = cvm_ext4_dir_link(w, EXT2_ROOT_INO, "lost+found", 10, ino, EXT2_FT_DIR, reterr)) <
		0)
		return r;
	if (cvm_pathmap_put(w->names, EXT2_ROOT_INO, "lost+found", 10, ino, EXT2_FT_DIR) < 0)
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	/* e2fsck wants lost+found to have room without growing: 16 KiB, as mke2fs makes it */
	for (int i = 0; i < 3; i++)
		if ((r = cvm_ext4_dir_grow(w, ino, reterr)) < 0)
			return r;
	for (ext2_ino_t i = EXT2_ROOT_INO + 1; i < EXT2_FIRST_INODE(fs->super); i++)
		ext2fs_inode_alloc_stats2(fs, i, +1, 0);
	ext2fs_inode_alloc_stats2(fs, EXT2_BAD_INO, +1, 0);
	if ((e = ext2fs_update_bb_inode(fs, NULL)))
		return cvm_ext4_err(reterr, e, "cannot create the bad blocks inode");
	if (!ext2fs_has_feature_resize_inode(fs->super))
		return 0; /* read-only: no resize inode, no journal */
	if ((e = ext2fs_create_resize_inode(fs)))
		return cvm_ext4_err(reterr, e, "cannot create the resize inode");
	if ((e = ext2fs_get_journal_params(&jp, fs)) ||
	    (e = ext2fs_add_journal_inode3(fs, &jp, ~0ULL, 0)))
		return cvm_ext4_err(reterr, e, "cannot create the journal");
	return 0;
}

int cvm_ext4_create(const char *name, io_manager manager, const struct cvm_ext4_geometry *g,
		    struct cvm_ext4 **ret, cvm_err *reterr)
{
	CVM_CLEANUP(cvm_ext4_freep) struct cvm_ext4 *w = NULL;
	struct ext2_super_block param = {0};
	errcode_t e;
	int r;

	if (!name || !manager || !g || !ret || g->blocks < 4096 || g->blocks >= (1ull << 32))
		return cvm_err_set(reterr, -EINVAL, "invalid filesystem geometry");
	make_param(g->blocks, g->inodes, g->read_only, &param);
	if (!(w = calloc(1, sizeof(*w))) || !(w->names = cvm_pathmap_new()) ||
	    !(w->dblock = malloc(CVM_EXT4_BLOCK)))
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	w->now = g->now;
	e = ext2fs_initialize(name, EXT2_FLAG_64BITS, &param, manager, &w->fs);
	if (e)
		return cvm_ext4_err(reterr, e, "cannot create the filesystem");
	set_super(w->fs, g);
	if ((e = ext2fs_allocate_tables(w->fs)))
		return cvm_ext4_err(reterr, e, "cannot lay out the filesystem");
	if ((r = make_skeleton(w, reterr)) < 0)
		return r;
	cvm_log_debug(CVM_LOG_IMAGE, "ext4: %llu blocks, %u inodes, %u groups",
		      (unsigned long long)g->blocks, w->fs->super->s_inodes_count,
		      w->fs->group_desc_count);
	*ret = CVM_TAKE_PTR(w);
	return 0;
}

void cvm_ext4_usage(const struct cvm_ext4 *w, uint64_t *ret_blocks, uint64_t *ret_inodes,
		    uint64_t *ret_inodes_total)
{
	const struct ext2_super_block *s = w->fs->super;

	*ret_blocks = ext2fs_blocks_count((struct ext2_super_block *)s) -
		      ext2fs_free_blocks_count((struct ext2_super_block *)s);
	*ret_inodes = s->s_inodes_count - s->s_free_inodes_count;
	*ret_inodes_total = s->s_inodes_count;
}

io_channel cvm_ext4_channel(struct cvm_ext4 *w)
{
	return w->fs->io;
}

void cvm_ext4_mark_zeroed(struct cvm_ext4 *w)
{
	for (dgrp_t g = 0; g < w->fs->group_desc_count; g++) {
		ext2fs_bg_flags_set(w->fs, g, EXT2_BG_INODE_ZEROED);
		ext2fs_group_desc_csum_set(w->fs, g);
	}
	ext2fs_mark_super_dirty(w->fs);
}

struct cvm_ext4 *cvm_ext4_free(struct cvm_ext4 *w)
{
	if (!w)
		return NULL;
	cvm_ext4_file_abort(w);
	if (w->fs)
		ext2fs_free(w->fs);
	cvm_pathmap_free(w->names);
	cvm_ext4_dir_free(w);
	/* image plaintext: file data and directory names */
	if (w->file.buf)
		cvm_memzero(w->file.buf, (size_t)FILE_BUF_BLOCKS * CVM_EXT4_BLOCK);
	free(w->file.buf);
	if (w->dblock)
		cvm_memzero(w->dblock, CVM_EXT4_BLOCK);
	free(w->dblock);
	free(w->last_parent);
	free(w);
	return NULL;
}

void cvm_ext4_freep(struct cvm_ext4 **w)
{
	cvm_ext4_free(*w);
}

static int close_fs(struct cvm_ext4 *w, cvm_err *reterr)
{
	errcode_t e;
	int r;

	if (w->file.open)
		return cvm_err_set(reterr, -EINVAL, "a file is not finished");
	if ((r = cvm_ext4_dir_flush(w, reterr)) < 0)
		return r;
	e = ext2fs_close2(w->fs, 0);
	if (e) /* cvm_ext4_free() then frees the filesystem without flushing */
		return cvm_ext4_err(reterr, e, "cannot write the filesystem");
	w->fs = NULL;
	return 0;
}

int cvm_ext4_close(struct cvm_ext4 *w, cvm_err *reterr)
{
	int r;

	if (!w)
		return cvm_err_set(reterr, -EINVAL, "invalid argument");
	r = close_fs(w, reterr);
	cvm_ext4_free(w);
	return r;
}
