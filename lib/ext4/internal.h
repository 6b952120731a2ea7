/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Shared state of the ext4 writer's files (ext4-writer.c, ext4-dir.c, ext4-file.c). */
#ifndef CVM_EXT4_INTERNAL_H
#define CVM_EXT4_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "ext4/writer.h"
#include "ext4/pathmap.h"

#define FILE_BUF_BLOCKS 256u /* 1 MiB of file data per allocation and write */
#define MAX_EXTENT_LEN	32768u

/* Where the next entry of a directory goes: its last block and last entry. */
struct dir_state {
	uint32_t ino; /* 0: free slot */
	uint32_t lblk;
	uint64_t pblk;
	uint32_t last_off;
};

struct file_state {
	bool open;
	uint32_t ino;
	uint64_t size;
	uint64_t end; /* end of the data received so far */
	uint8_t *buf; /* FILE_BUF_BLOCKS blocks starting at buf_lblk */
	uint64_t buf_lblk;
	uint32_t buf_blocks; /* blocks of buf in use */
	ext2_extent_handle_t handle;
	bool have_extent; /* an extent waiting to be inserted */
	bool inserted;	  /* at least one extent is in the tree */
	struct ext2fs_extent ext;
	uint64_t blocks; /* data blocks allocated */
};

struct cvm_ext4 {
	ext2_filsys fs;
	int64_t now;
	struct cvm_pathmap *names;
	struct dir_state *dirs;
	size_t dirs_cap, dirs_count;
	uint8_t *dblock; /* one cached directory block */
	uint64_t dblock_pblk;
	uint32_t dblock_ino;
	bool dblock_dirty;
	char *last_parent; /* the parent resolved last, and its inode */
	uint32_t last_parent_ino;
	blk64_t goal; /* where file data goes next */
	struct file_state file;
};

/* errcode_t -> negative errno plus a message naming @what. */
int cvm_ext4_err(cvm_err *reterr, errcode_t e, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ext4-dir.c */
int cvm_ext4_dir_init(struct cvm_ext4 *w, uint32_t ino, uint64_t pblk);
int cvm_ext4_dir_link(struct cvm_ext4 *w, uint32_t dir, const char *name, size_t len, uint32_t ino,
		      uint8_t ftype, cvm_err *reterr);
/* Add an empty block at the end of directory @ino. */
int cvm_ext4_dir_grow(struct cvm_ext4 *w, uint32_t ino, cvm_err *reterr);
int cvm_ext4_dir_flush(struct cvm_ext4 *w, cvm_err *reterr);
void cvm_ext4_dir_free(struct cvm_ext4 *w);

/* ext4-file.c */
int cvm_ext4_file_begin(struct cvm_ext4 *w, uint32_t ino, uint64_t size, cvm_err *reterr);
void cvm_ext4_file_abort(struct cvm_ext4 *w);

/* ext4-writer.c: inode helpers shared with the directory code */
int cvm_ext4_mkdir(struct cvm_ext4 *w, uint32_t parent, uint32_t ino,
		   const struct cvm_fs_entry *meta, cvm_err *reterr);

#endif
