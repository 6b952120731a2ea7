/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A new ext4 filesystem filled entry by entry, in archive order, through any
 * ext2fs io_manager (the encrypting one for images, unix_io in tests).
 *
 * What it writes: 4 KiB blocks, 256-byte inodes, the feature set of Debian
 * 12's mke2fs -t ext4 (has_journal, ext_attr, resize_inode, dir_index,
 * filetype, extent, 64bit, flex_bg, sparse_super, large_file, huge_file,
 * dir_nlink, extra_isize, metadata_csum), no blocks reserved for root, a
 * zeroed journal, lost+found. Inode tables are left for the kernel's lazy
 * init, as mke2fs does by default.
 *
 * Directories are filled by appending (no per-entry scan of the directory),
 * so huge directories cost linear time; they are written unindexed (the
 * kernel reads them; e2fsck -D would index them).
 */
#ifndef CVM_EXT4_WRITER_H
#define CVM_EXT4_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ext2fs/ext2fs.h>

#include <cvmimg/err.h>

#include "util/fs-entry.h"

#define CVM_EXT4_BLOCK 4096u

struct cvm_ext4;

struct cvm_ext4_geometry {
	uint64_t blocks; /* filesystem size in 4 KiB blocks */
	uint64_t inodes; /* 0: one per 16 KiB */
	uint8_t uuid[16];
	uint8_t hash_seed[16];
	const char *label; /* at most 16 bytes; NULL: none */
	int64_t now;	   /* superblock times and directories the archive lacks */
	/*
	 * A root sealed read-only after the build (dm-verity): no journal and no
	 * resize inode, so nothing is replayed, resized or left unwritten for
	 * them; the caller writes every other block (cvm_crypt_io_wipe_first)
	 * and then calls cvm_ext4_mark_zeroed().
	 */
	bool read_only;
};

/*
 * Blocks left for files in a filesystem of @blocks blocks and @inodes inodes
 * (0: the default), once group metadata, the journal and the special inodes
 * are placed. Computed with libext2fs's own layout, in memory.
 */
int cvm_ext4_capacity(uint64_t blocks, uint64_t inodes, bool read_only, uint64_t *ret_free,
		      cvm_err *reterr);

/* Create the filesystem on @name opened with @manager. */
int cvm_ext4_create(const char *name, io_manager manager, const struct cvm_ext4_geometry *g,
		    struct cvm_ext4 **ret, cvm_err *reterr);

/*
 * Add an entry; a regular file then receives its data with cvm_ext4_write()
 * (offsets increasing, gaps become holes) and is finished by
 * cvm_ext4_end_file(). Missing parent directories are created (0755, 0:0).
 * Errors: -EBADMSG for entries that conflict with what exists (a duplicate
 * that is not a directory, a parent that is not a directory, a hard link to a
 * missing path or a directory), -EFBIG when the filesystem is full,
 * -ENAMETOOLONG for a component over 255 bytes.
 */
int cvm_ext4_add(struct cvm_ext4 *w, const struct cvm_fs_entry *e, cvm_err *reterr);
int cvm_ext4_write(struct cvm_ext4 *w, uint64_t offset, const void *buf, size_t len,
		   cvm_err *reterr);
int cvm_ext4_end_file(struct cvm_ext4 *w, cvm_err *reterr);

/* Blocks and inodes in use so far, and the filesystem's inode count. */
void cvm_ext4_usage(const struct cvm_ext4 *w, uint64_t *ret_blocks, uint64_t *ret_inodes,
		    uint64_t *ret_inodes_total);

/* The filesystem's I/O channel (for cvm_crypt_io_wipe before closing). */
io_channel cvm_ext4_channel(struct cvm_ext4 *w);

/*
 * Record that every inode table holds zeros (the caller wrote them): the
 * kernel then has no lazy initialisation left to do, even mounted read-write.
 */
void cvm_ext4_mark_zeroed(struct cvm_ext4 *w);

/* Write everything out and close. The handle is freed either way. */
int cvm_ext4_close(struct cvm_ext4 *w, cvm_err *reterr);

/* Abandon without flushing (NULL-safe). */
struct cvm_ext4 *cvm_ext4_free(struct cvm_ext4 *w);
void cvm_ext4_freep(struct cvm_ext4 **w);

#endif
