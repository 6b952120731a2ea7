/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The hash tree (see tree.h). Layout of the work: level 0 lives in place in
 * the hash area, one digest per data block, written as blocks are given (in
 * any order, any number of times); finish() checks that no block was left
 * out, hashes each level into the one above it, then the top block into the
 * root, and puts the superblock in front. Every digest is SHA-256(salt ||
 * block), hash blocks zero padded, as hash type 1 defines it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include <cvmimg/cleanup.h>

#include "util/hash.h"
#include "util/macro.h"
#include "verity/tree.h"

struct cvm_verity_tree {
	struct cvm_verity_geometry g;
	uint8_t salt[CVM_VERITY_SALT_MAX];
	size_t salt_len;
	uint8_t *area;	 /* g.area_bytes: superblock block, then the levels */
	uint64_t *given; /* one bit per data block */
	EVP_MD *md;
	EVP_MD_CTX *ctx;
};

int cvm_verity_geometry(uint64_t data_blocks, struct cvm_verity_geometry *ret, cvm_err *reterr)
{
	struct cvm_verity_geometry g = {.data_blocks = data_blocks};
	uint64_t n = data_blocks, at = 0;

	if (data_blocks < 2 || data_blocks > CVM_VERITY_MAX_DATA_BLOCKS)
		return cvm_err_set(reterr, -EINVAL, "a verity tree covers 2 to %llu blocks, not %llu",
				   (unsigned long long)CVM_VERITY_MAX_DATA_BLOCKS,
				   (unsigned long long)data_blocks);
	/* level i holds ceil(n / 128^(i+1)) blocks; stop at the first level of one block */
	do {
		n = (n + CVM_VERITY_PER_BLOCK - 1) / CVM_VERITY_PER_BLOCK;
		g.level_blocks[g.levels++] = n;
	} while (n > 1 && g.levels < CVM_VERITY_MAX_LEVELS);
	for (unsigned i = g.levels; i-- > 0;) {
		g.level_start[i] = at;
		at += g.level_blocks[i];
	}
	g.tree_blocks = at;
	g.area_bytes = (1 + at) * (uint64_t)CVM_VERITY_BLOCK;
	*ret = g;
	return 0;
}

struct cvm_verity_tree *cvm_verity_tree_free(struct cvm_verity_tree *t)
{
	if (!t)
		return NULL;
	free(t->area);
	free(t->given);
	EVP_MD_CTX_free(t->ctx);
	EVP_MD_free(t->md);
	free(t);
	return NULL;
}

void cvm_verity_tree_freep(struct cvm_verity_tree **t)
{
	cvm_verity_tree_free(*t);
}

int cvm_verity_tree_new(uint64_t data_blocks, const uint8_t *salt, size_t salt_len,
			struct cvm_verity_tree **ret, cvm_err *reterr)
{
	CVM_CLEANUP(cvm_verity_tree_freep) struct cvm_verity_tree *t = NULL;
	int r;

	CVM_CHECK_ARG(ret && (salt || !salt_len), reterr);
	if (salt_len > CVM_VERITY_SALT_MAX)
		return cvm_err_set(reterr, -EINVAL, "a verity salt has at most %u bytes",
				   CVM_VERITY_SALT_MAX);
	if (!(t = calloc(1, sizeof(*t))))
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	if ((r = cvm_verity_geometry(data_blocks, &t->g, reterr)) < 0)
		return r;
	if (salt_len)
		memcpy(t->salt, salt, salt_len);
	t->salt_len = salt_len;
	t->area = calloc(1, (size_t)t->g.area_bytes);
	t->given = calloc((size_t)(data_blocks + 63) / 64, sizeof(uint64_t));
	if (!t->area || !t->given)
		return cvm_err_set(reterr, -ENOMEM, "out of memory for a verity tree of %llu MiB",
				   (unsigned long long)(t->g.area_bytes >> 20));
	t->md = EVP_MD_fetch(NULL, "SHA256", NULL);
	t->ctx = EVP_MD_CTX_new();
	if (!t->md || !t->ctx)
		return cvm_err_openssl(reterr, -ENOMEM, "cannot set up SHA-256");
	*ret = CVM_TAKE_PTR(t);
	return 0;
}

static uint8_t *level_at(struct cvm_verity_tree *t, unsigned level)
{
	return t->area + (1 + t->g.level_start[level]) * (uint64_t)CVM_VERITY_BLOCK;
}

/* SHA-256(salt || block) of one 4096-byte block. */
static int digest(struct cvm_verity_tree *t, const uint8_t *block, uint8_t *out)
{
	unsigned int len = 0;

	if (!EVP_DigestInit_ex2(t->ctx, t->md, NULL) ||
	    (t->salt_len && !EVP_DigestUpdate(t->ctx, t->salt, t->salt_len)) ||
	    !EVP_DigestUpdate(t->ctx, block, CVM_VERITY_BLOCK) ||
	    !EVP_DigestFinal_ex(t->ctx, out, &len) || len != CVM_VERITY_DIGEST)
		return -ENOMEM;
	return 0;
}

int cvm_verity_tree_add(struct cvm_verity_tree *t, uint64_t first, const uint8_t *data,
			uint64_t n)
{
	uint8_t *level0 = level_at(t, 0);

	for (uint64_t i = 0; i < n && first + i < t->g.data_blocks; i++) {
		uint64_t b = first + i;

		if (digest(t, data + i * CVM_VERITY_BLOCK, level0 + b * CVM_VERITY_DIGEST) < 0)
			return -ENOMEM;
		t->given[b / 64] |= UINT64_C(1) << (b % 64);
	}
	return 0;
}

static int first_missing(const struct cvm_verity_tree *t, uint64_t *ret)
{
	for (uint64_t w = 0; w < (t->g.data_blocks + 63) / 64; w++) {
		uint64_t bits = t->given[w];

		if (w == t->g.data_blocks / 64)
			bits |= ~UINT64_C(0) << (t->g.data_blocks % 64);
		if (bits != ~UINT64_C(0)) {
			uint64_t b = 0;

			while (bits >> b & 1)
				b++;
			*ret = w * 64 + b;
			return 1;
		}
	}
	return 0;
}

int cvm_verity_tree_finish(struct cvm_verity_tree *t, const uint8_t uuid[16],
			   uint8_t root[CVM_VERITY_DIGEST], cvm_err *reterr)
{
	struct cvm_verity_params p = {
	    .data_blocks = t->g.data_blocks,
	    .data_block_size = CVM_VERITY_BLOCK,
	    .hash_block_size = CVM_VERITY_BLOCK,
	    .hash_algorithm = CVM_VERITY_ALGORITHM,
	    .salt_len = t->salt_len,
	};
	unsigned top = t->g.levels - 1;
	uint64_t missing;

	if (first_missing(t, &missing))
		return cvm_err_set(reterr, -ENODATA,
				   "data block %llu was never written: the verity tree cannot "
				   "cover it",
				   (unsigned long long)missing);
	for (unsigned l = 0; l < top; l++) {
		const uint8_t *below = level_at(t, l);
		uint8_t *above = level_at(t, l + 1);

		for (uint64_t b = 0; b < t->g.level_blocks[l]; b++)
			if (digest(t, below + b * CVM_VERITY_BLOCK, above + b * CVM_VERITY_DIGEST) <
			    0)
				return cvm_err_openssl(reterr, -ENOMEM, "cannot hash the tree");
	}
	if (digest(t, level_at(t, top), root) < 0)
		return cvm_err_openssl(reterr, -ENOMEM, "cannot hash the tree");
	memcpy(p.salt, t->salt, t->salt_len);
	memcpy(p.uuid, uuid, 16);
	cvm_verity_sb_encode(&p, t->area);
	return 0;
}

const uint8_t *cvm_verity_tree_area(const struct cvm_verity_tree *t, size_t *ret_len)
{
	*ret_len = (size_t)t->g.area_bytes;
	return t->area;
}

const struct cvm_verity_geometry *cvm_verity_tree_geometry(const struct cvm_verity_tree *t)
{
	return &t->g;
}
