/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Checking a device against expected parameters, as `veritysetup verify`
 * does: the superblock must agree with them, then the tree is recomputed
 * from the data and compared with the stored one level by level, level 0
 * first (so a changed data block is named), and its root with the expected
 * root hash.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <cvmimg/cleanup.h>

#include "util/macro.h"
#include "verity/tree.h"

#define READ_BLOCKS 256u /* 1 MiB of data per read */

static bool same_params(const struct cvm_verity_params *a, const struct cvm_verity_params *b)
{
	return a->data_blocks == b->data_blocks && a->salt_len == b->salt_len &&
	       !memcmp(a->salt, b->salt, a->salt_len) && a->data_block_size == b->data_block_size &&
	       a->hash_block_size == b->hash_block_size &&
	       !strcmp(a->hash_algorithm, b->hash_algorithm);
}

static int check_superblock(cvm_verity_read_fn read, void *userdata,
			    const struct cvm_verity_params *expect, struct cvm_verity_report *rep,
			    cvm_err *reterr)
{
	uint8_t sb[CVM_VERITY_SB_SIZE];
	cvm_err ignored;
	int r;

	if ((r = read(userdata, expect->hash_offset, sb, sizeof(sb), reterr)) < 0)
		return r;
	if (cvm_verity_sb_decode(sb, &rep->found, &ignored) < 0) {
		memset(&rep->found, 0, sizeof(rep->found));
		rep->superblock_bad = true;
		return 0;
	}
	rep->found.hash_offset = expect->hash_offset;
	rep->superblock_bad = !same_params(&rep->found, expect);
	return 0;
}

static int hash_data(cvm_verity_read_fn read, void *userdata, struct cvm_verity_tree *t,
		     uint64_t data_blocks, cvm_err *reterr)
{
	CVM_CLEANUP_FREE uint8_t *buf = malloc((size_t)READ_BLOCKS * CVM_VERITY_BLOCK);
	int r;

	if (!buf)
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	for (uint64_t b = 0; b < data_blocks; b += READ_BLOCKS) {
		uint64_t n = data_blocks - b < READ_BLOCKS ? data_blocks - b : READ_BLOCKS;

		if ((r = read(userdata, b * CVM_VERITY_BLOCK, buf, (size_t)n * CVM_VERITY_BLOCK,
			      reterr)) < 0)
			return r;
		if (cvm_verity_tree_add(t, b, buf, n) < 0)
			return cvm_err_set(reterr, -ENOMEM, "cannot hash the data");
	}
	return 0;
}

/* Compare the recomputed tree with the stored one: level 0 by digest, then by block. */
static void compare(const struct cvm_verity_geometry *g, const uint8_t *mine,
		    const uint8_t *stored, struct cvm_verity_report *rep)
{
	uint64_t l0 = g->level_start[0] * CVM_VERITY_BLOCK;

	for (uint64_t b = 0; b < g->data_blocks; b++)
		if (memcmp(mine + l0 + b * CVM_VERITY_DIGEST, stored + l0 + b * CVM_VERITY_DIGEST,
			   CVM_VERITY_DIGEST)) {
			rep->data_bad = true;
			rep->data_block = b;
			break;
		}
	for (uint64_t h = 0; h < g->tree_blocks; h++)
		if (memcmp(mine + h * CVM_VERITY_BLOCK, stored + h * CVM_VERITY_BLOCK,
			   CVM_VERITY_BLOCK)) {
			rep->hash_bad = true;
			rep->hash_block = h;
			break;
		}
}

int cvm_verity_verify(cvm_verity_read_fn read, void *userdata,
		      const struct cvm_verity_params *expect, struct cvm_verity_report *ret,
		      cvm_err *reterr)
{
	CVM_CLEANUP(cvm_verity_tree_freep) struct cvm_verity_tree *t = NULL;
	CVM_CLEANUP_FREE uint8_t *stored = NULL;
	struct cvm_verity_report rep = {0};
	uint8_t root[CVM_VERITY_DIGEST];
	const struct cvm_verity_geometry *g;
	const uint8_t *area;
	size_t len;
	int r;

	CVM_CHECK_ARG(read && expect && ret, reterr);
	if (expect->data_block_size != CVM_VERITY_BLOCK ||
	    expect->hash_block_size != CVM_VERITY_BLOCK ||
	    strcmp(expect->hash_algorithm, CVM_VERITY_ALGORITHM))
		return cvm_err_set(reterr, -EINVAL, "only sha256 with 4096-byte blocks is checked");
	if (expect->hash_offset % CVM_VERITY_BLOCK ||
	    expect->hash_offset < expect->data_blocks * CVM_VERITY_BLOCK)
		return cvm_err_set(reterr, -EINVAL,
				   "the hash offset %llu is not a block boundary after the data",
				   (unsigned long long)expect->hash_offset);
	if ((r = cvm_verity_tree_new(expect->data_blocks, expect->salt, expect->salt_len, &t,
				     reterr)) < 0 ||
	    (r = check_superblock(read, userdata, expect, &rep, reterr)) < 0 ||
	    (r = hash_data(read, userdata, t, expect->data_blocks, reterr)) < 0 ||
	    (r = cvm_verity_tree_finish(t, rep.found.uuid, root, reterr)) < 0)
		return r;
	g = cvm_verity_tree_geometry(t);
	area = cvm_verity_tree_area(t, &len);
	if (!(stored = malloc(len - CVM_VERITY_BLOCK)))
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	if ((r = read(userdata, expect->hash_offset + CVM_VERITY_BLOCK, stored,
		      len - CVM_VERITY_BLOCK, reterr)) < 0)
		return r;
	compare(g, area + CVM_VERITY_BLOCK, stored, &rep);
	rep.root_bad = memcmp(root, expect->root_hash, CVM_VERITY_DIGEST) != 0;
	rep.ok = !rep.superblock_bad && !rep.data_bad && !rep.hash_bad && !rep.root_bad;
	*ret = rep;
	return 0;
}
