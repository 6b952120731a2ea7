/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * build --verity: the root sealed read-only under a dm-verity hash tree.
 *
 * Layout of the work:
 *  - plan: the LUKS2 data segment holds the filesystem (F blocks) and, from
 *    byte F * 4096 (hash_offset), the superblock and the tree, rounded up to
 *    whole MiB; with --size the filesystem gives up the room;
 *  - begin: the filesystem is created without journal or resize inode, and
 *    the encrypting channel shows every block it writes, in plaintext, to the
 *    tree, which keeps the last digest of each; the blocks are hashed on a
 *    thread of their own (verity/feed.c) while the writer encrypts and writes;
 *  - seal: every block of the filesystem never written (free blocks, unused
 *    inode tables, uninitialised bitmaps) gets encrypted zeros, so that no
 *    hole decrypts to key-dependent noise under the tree; the filesystem is
 *    closed (its last metadata reaches the tree too), the tree refuses to
 *    finish if any block was missed, and superblock and tree are written
 *    encrypted after the filesystem through the same channel.
 *
 * The salt and the superblock's UUID derive from the seed, and the
 * filesystem's plaintext from the archive, the seed and SOURCE_DATE_EPOCH:
 * the root hash is a function of the inputs, whatever the volume key.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cvmimg/cleanup.h>
#include <cvmimg/initrd.h>
#include <cvmimg/util.h>

#include "crypt/io-manager.h"
#include "ext4/sizing.h"
#include "ext4/writer.h"
#include "image/build.h"
#include "image/rootconf.h"
#include "util/macro.h"
#include "util/template.h"
#include "verity/tree.h"

#define SALT_LEN 32u /* veritysetup's default */

struct cvm_build_verity {
	struct cvm_verity_tree *tree;
	struct cvm_verity_feed *feed; /* hashes into tree until write_tree() */
	struct cvm_verity_params p;
};

void cvm_build_verity_free(struct cvm_build_verity *v)
{
	if (!v)
		return;
	cvm_verity_feed_free(v->feed); /* stops the thread that uses the tree */
	cvm_verity_tree_free(v->tree);
	free(v);
}

/* Blocks of superblock and tree for @fs_blocks of data, rounded up to whole MiB. */
static int area_blocks(uint64_t fs_blocks, uint64_t *ret, cvm_err *reterr)
{
	struct cvm_verity_geometry g;
	int r = cvm_verity_geometry(fs_blocks, &g, reterr);

	if (r < 0)
		return r;
	*ret = CVM_ALIGN_UP(g.area_bytes, CVM_MIB) / CVM_VERITY_BLOCK;
	return 0;
}

int cvm_build_verity_plan(struct build *b, cvm_err *reterr)
{
	struct cvm_layout *l = &b->layout, n;
	uint64_t fs = l->fs_blocks, inodes = l->fs_inodes, area = 0;
	int r;

	if ((r = area_blocks(fs, &area, reterr)) < 0)
		return r;
	if (!b->o->size) { /* the disk grows by the hash area */
		if ((r = cvm_layout_compute(0, l->esp_size, fs + area, &n, reterr)) < 0)
			return r;
		*l = n;
		l->fs_blocks = fs;
		l->fs_inodes = inodes;
		return 0;
	}
	if (fs <= area + CVM_EXT4_MIN_BLOCKS) /* the filesystem gives the hash area up */
		return cvm_err_set(reterr, -EFBIG, "a disk of %llu MiB is too small for the root "
				   "and its verity tree",
				   (unsigned long long)(b->o->size / CVM_MIB));
	l->fs_blocks = fs - area;
	if (b->scanned)
		l->fs_inodes = cvm_ext4_inodes_for(&b->scan.need, l->fs_blocks, true);
	return 0;
}

static int observe(void *userdata, uint64_t first, const uint8_t *plain, uint64_t n)
{
	struct cvm_build_verity *v = userdata;

	return cvm_verity_feed_add(v->feed, first, plain, n);
}

int cvm_build_verity_begin(struct build *b, struct cvm_crypt_io_params *cp,
			   struct cvm_ext4_geometry *g, cvm_err *reterr)
{
	struct cvm_build_verity *v;
	uint8_t salt[32];
	int r;

	if (!(v = b->verity = calloc(1, sizeof(*v))))
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	if ((r = cvm_ids_derive_bytes(b->seed, "verity-salt", salt, reterr)) < 0 ||
	    (r = cvm_ids_derive(b->seed, "verity", v->p.uuid, reterr)) < 0)
		return r;
	v->p.salt_len = SALT_LEN;
	memcpy(v->p.salt, salt, SALT_LEN);
	v->p.data_blocks = b->layout.fs_blocks;
	v->p.hash_offset = b->layout.fs_blocks * CVM_VERITY_BLOCK;
	v->p.data_block_size = v->p.hash_block_size = CVM_VERITY_BLOCK;
	snprintf(v->p.hash_algorithm, sizeof(v->p.hash_algorithm), "%s", CVM_VERITY_ALGORITHM);
	if (v->p.hash_offset + CVM_VERITY_BLOCK > cp->size)
		return cvm_err_set(reterr, -EFBIG, "no room for the verity tree");
	if ((r = cvm_verity_tree_new(v->p.data_blocks, v->p.salt, v->p.salt_len, &v->tree,
				     reterr)) < 0 ||
	    (r = cvm_verity_feed_new(v->tree, &v->feed, reterr)) < 0)
		return r;
	cp->observe = observe;
	cp->observe_data = v;
	g->read_only = true;
	return 0;
}

static void channel_closep(io_channel *ch)
{
	if (*ch)
		io_channel_close(*ch);
}

static int wipe_progress(uint64_t done, uint64_t total, void *userdata)
{
	return cvm_build_report(userdata, CVM_BUILD_WIPE, 0, 0, done * 4096, total * 4096);
}

/* Superblock and tree after the filesystem, through the channel it used. */
static int write_tree(struct build *b, io_channel ch, cvm_err *reterr)
{
	struct cvm_build_verity *v = b->verity;
	const uint8_t *area;
	size_t len;
	errcode_t e;
	int r;

	if ((r = cvm_verity_feed_finish(v->feed, reterr)) < 0 ||
	    (r = cvm_verity_tree_finish(v->tree, v->p.uuid, v->p.root_hash, reterr)) < 0)
		return r;
	area = cvm_verity_tree_area(v->tree, &len);
	if ((e = io_channel_set_blksize(ch, CVM_VERITY_BLOCK)) ||
	    (e = io_channel_write_blk64(ch, v->p.data_blocks, (int)(len / CVM_VERITY_BLOCK), area)) ||
	    (e = io_channel_flush(ch)))
		return cvm_err_set(reterr, -EIO, "cannot write the verity tree: %s",
				   error_message(e));
	b->res->have_verity = true;
	b->res->verity = v->p;
	return 0;
}

int cvm_build_verity_seal(struct build *b, struct cvm_ext4 *fs, cvm_err *reterr)
{
	CVM_CLEANUP(cvm_ext4_freep) struct cvm_ext4 *w = fs;
	CVM_CLEANUP(channel_closep) io_channel ch = cvm_ext4_channel(fs);
	io_channel last;
	errcode_t e;
	int r;

	ch->refcount++; /* the channel outlives the filesystem: the tree goes after it */
	r = b->o->wipe ? cvm_crypt_io_wipe(ch, wipe_progress, b, reterr)
		       : cvm_crypt_io_wipe_first(ch, b->verity->p.data_blocks, wipe_progress, b,
						 reterr);
	if (r < 0)
		return r;
	cvm_ext4_mark_zeroed(w);
	if ((r = cvm_ext4_close(CVM_TAKE_PTR(w), reterr)) < 0 ||
	    (r = write_tree(b, ch, reterr)) < 0)
		return r;
	last = CVM_TAKE_PTR(ch); /* io_channel_close() names its argument twice */
	e = io_channel_close(last);
	if (e)
		return cvm_err_set(reterr, -EIO, "cannot write the image: %s", error_message(e));
	/* the tree's memory is not needed any more; its root is in the result */
	b->verity->feed = cvm_verity_feed_free(b->verity->feed);
	b->verity->tree = cvm_verity_tree_free(b->verity->tree);
	return 0;
}

int cvm_build_verity_cmdline(struct build *b, char **ret, cvm_err *reterr)
{
	const struct cvm_verity_params *p = &b->verity->p;
	char root[2 * CVM_VERITY_DIGEST + 1], salt[2 * CVM_VERITY_SALT_MAX + 1], blocks[24],
	    offset[24];
	const struct cvm_template_var vars[] = {
	    {"MAPPING", CVM_ROOT_MAPPING},   {"LUKS_MAPPING", CVM_ROOT_LUKS_MAPPING_VERITY},
	    {"LUKS_UUID", b->luks.uuid},     {"ROOT_HASH", root},
	    {"SALT", salt},		     {"DATA_BLOCKS", blocks},
	    {"HASH_OFFSET", offset},
	};

	cvm_hex_encode(p->root_hash, CVM_VERITY_DIGEST, root);
	cvm_hex_encode(p->salt, p->salt_len, salt);
	snprintf(blocks, sizeof(blocks), "%llu", (unsigned long long)p->data_blocks);
	snprintf(offset, sizeof(offset), "%llu", (unsigned long long)p->hash_offset);
	return cvm_template_read_line(b->o->templates_dir, "cmdline-verity", vars,
				      CVM_ARRAY_SIZE(vars), ret, reterr);
}

int cvm_build_verity_check_initrd(struct build *b, const struct cvm_initrd_info *info,
				  const char *name, cvm_err *reterr)
{
	const char *missing = NULL;

	b->res->boot.initrd_can_open_verity = cvm_initrd_can_open_verity(info, &missing);
	if (b->res->boot.initrd_can_open_verity)
		return 0;
	return cvm_err_set(reterr, -EBADMSG,
			   "the initrd '%s' cannot open the verity root (%s): for "
			   "initramfs-tools, install cvmimg's hook and script "
			   "(templates/initramfs-tools) in the rootfs and run update-initramfs; "
			   "for dracut, cvmimg's module and its configuration (templates/dracut) "
			   "and run dracut; or pass --initrd",
			   name, missing);
}
