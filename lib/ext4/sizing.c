/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>

#include "ext4/sizing.h"
#include "ext4/writer.h"
#include "util/macro.h"

#define XATTR_IN_INODE 92u /* room for xattrs in a 256-byte inode */

void cvm_ext4_need_add(struct cvm_ext4_need *n, const struct cvm_fs_entry *e)
{
	const char *name = strrchr(e->path, '/');
	size_t xbytes = 0;

	name = name ? name + 1 : e->path;
	n->entries++;
	n->name_bytes += (8 + strlen(name) + 3) & ~(size_t)3;
	if (e->type == CVM_FS_DIR)
		n->dirs++;
	if (e->type == CVM_FS_REG)
		n->data_blocks += (e->size + CVM_EXT4_BLOCK - 1) / CVM_EXT4_BLOCK;
	if (e->type == CVM_FS_SYMLINK && e->target && strlen(e->target) >= 60)
		n->slow_symlinks++;
	for (size_t i = 0; i < e->n_xattrs; i++)
		xbytes += 16 + ((strlen(e->xattrs[i].name) + 3) & ~(size_t)3) +
			  ((e->xattrs[i].len + 3) & ~(size_t)3);
	if (xbytes > XATTR_IN_INODE)
		n->xattr_blocks++;
}

/* Blocks to hold what was counted, metadata included but not the journal. */
static uint64_t needed_blocks(const struct cvm_ext4_need *n)
{
	uint64_t dir_blocks = n->name_bytes / (CVM_EXT4_BLOCK - 12) + n->dirs + 16;

	return n->data_blocks + n->data_blocks / 4096 /* extent blocks, generously */ + dir_blocks +
	       n->slow_symlinks + n->xattr_blocks + 64;
}

uint64_t cvm_ext4_inodes_for(const struct cvm_ext4_need *n, uint64_t blocks, bool read_only)
{
	uint64_t want = n->entries + n->entries / 4 + 1024, dflt = blocks / 4;

	if (read_only) /* the directories the archive lacks and lost+found fit in the slack */
		return n->entries + n->entries / 64 + 64;
	return want > dflt ? want : dflt;
}

int cvm_ext4_auto_size(const struct cvm_ext4_need *n, bool read_only, uint64_t *ret_blocks,
		       uint64_t *ret_inodes, cvm_err *reterr)
{
	uint64_t need = needed_blocks(n);
	uint64_t want = read_only ? need + need / 32 + CVM_MIB / CVM_EXT4_BLOCK
				  : need + need / 4 + (64 * CVM_MIB) / CVM_EXT4_BLOCK;
	uint64_t blocks = want;

	for (int i = 0; i < 16; i++) {
		uint64_t inodes = cvm_ext4_inodes_for(n, blocks, read_only), room;
		int r;

		if (blocks < CVM_EXT4_MIN_BLOCKS)
			blocks = CVM_EXT4_MIN_BLOCKS;
		if (inodes > blocks) /* ext4 holds at most one inode per block */
			blocks = inodes;
		blocks = (blocks + 255) & ~(uint64_t)255; /* whole MiB */
		inodes = cvm_ext4_inodes_for(n, blocks, read_only);
		if ((r = cvm_ext4_capacity(blocks, inodes, read_only, &room, reterr)) < 0)
			return r;
		if (room >= want) {
			*ret_blocks = blocks;
			*ret_inodes = inodes;
			return 0;
		}
		blocks += want - room;
	}
	return cvm_err_set(reterr, -EFBIG, "cannot find a filesystem size for the archive");
}
