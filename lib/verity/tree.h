/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The dm-verity hash tree and superblock in memory (see <cvmimg/verity.h> for
 * the format). The hash area is what goes at hash_offset: one block of
 * superblock, then the levels, the one nearest the root first, each padded
 * with zeros to whole blocks; level 0 holds one digest per data block.
 *
 * Level counts follow the kernel and veritysetup: a level is added while the
 * one below it needs more than one block, so 2 to 128 data blocks give one
 * level, 129 to 16384 two, and so on.
 */
#ifndef CVM_VERITY_TREE_H
#define CVM_VERITY_TREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cvmimg/err.h>
#include <cvmimg/verity.h>

#define CVM_VERITY_SB_SIZE    512u
#define CVM_VERITY_PER_BLOCK  (CVM_VERITY_BLOCK / CVM_VERITY_DIGEST) /* 128 */
#define CVM_VERITY_MAX_LEVELS 8

struct cvm_verity_geometry {
	uint64_t data_blocks;
	unsigned levels;
	uint64_t level_blocks[CVM_VERITY_MAX_LEVELS]; /* [0]: one digest per data block */
	uint64_t level_start[CVM_VERITY_MAX_LEVELS];  /* in blocks from the tree's start */
	uint64_t tree_blocks;			      /* all levels */
	uint64_t area_bytes;			      /* superblock block + tree */
};

/* The tree's shape for @data_blocks (2 to CVM_VERITY_MAX_DATA_BLOCKS). Returns 0 or -EINVAL. */
int cvm_verity_geometry(uint64_t data_blocks, struct cvm_verity_geometry *ret, cvm_err *reterr);

/* --- superblock.c --- */

/* The 512-byte veritysetup superblock of @p (version 1, hash type 1). */
void cvm_verity_sb_encode(const struct cvm_verity_params *p, uint8_t out[CVM_VERITY_SB_SIZE]);

/*
 * Read a superblock into @ret (everything but root_hash and hash_offset).
 * Returns 0; -EBADMSG for a missing signature, another version or hash type,
 * block sizes or an algorithm cvmimg does not write, or a salt too long.
 */
int cvm_verity_sb_decode(const uint8_t in[CVM_VERITY_SB_SIZE], struct cvm_verity_params *ret,
			 cvm_err *reterr);

/* --- tree.c --- */

struct cvm_verity_tree;

/*
 * A tree for @data_blocks blocks with @salt (0 to CVM_VERITY_SALT_MAX bytes),
 * its hash area allocated (zeros). Returns 0, -EINVAL or -ENOMEM.
 */
int cvm_verity_tree_new(uint64_t data_blocks, const uint8_t *salt, size_t salt_len,
			struct cvm_verity_tree **ret, cvm_err *reterr);

/*
 * Hash @n data blocks starting at block @first into level 0 (a block given
 * again replaces its digest: the last content counts). Blocks at or past
 * data_blocks are ignored. Returns 0 or -ENOMEM (OpenSSL).
 */
int cvm_verity_tree_add(struct cvm_verity_tree *t, uint64_t first, const uint8_t *data,
			uint64_t n);

/*
 * Compute the upper levels, the root hash and the superblock (with @uuid).
 * Returns 0; -ENODATA naming the first data block never given (a hole would
 * read back as noise); -ENOMEM.
 */
int cvm_verity_tree_finish(struct cvm_verity_tree *t, const uint8_t uuid[16],
			   uint8_t root[CVM_VERITY_DIGEST], cvm_err *reterr);

/* The hash area (after finish): superblock block and levels, area_bytes long. */
const uint8_t *cvm_verity_tree_area(const struct cvm_verity_tree *t, size_t *ret_len);

const struct cvm_verity_geometry *cvm_verity_tree_geometry(const struct cvm_verity_tree *t);

struct cvm_verity_tree *cvm_verity_tree_free(struct cvm_verity_tree *t);
void cvm_verity_tree_freep(struct cvm_verity_tree **t);

/* --- feed.c --- */

struct cvm_verity_feed;

/*
 * Hash data blocks into @t on a thread of its own while the caller goes on
 * (encrypting, writing): cvm_verity_feed_add() copies the blocks and returns,
 * waiting only when 4 MiB are queued. The tree is the one the same calls of
 * cvm_verity_tree_add() would give, byte for byte. @t is borrowed, and must
 * not be used until cvm_verity_feed_finish() has returned. Returns 0, -ENOMEM
 * or the errno of pthread_create().
 */
int cvm_verity_feed_new(struct cvm_verity_tree *t, struct cvm_verity_feed **ret, cvm_err *reterr);

/*
 * cvm_verity_tree_add() of @n blocks from @first, later (blocks at or past the
 * tree's data_blocks are dropped). Returns 0; -ENOMEM when hashing failed;
 * -EINVAL after finish.
 */
int cvm_verity_feed_add(struct cvm_verity_feed *f, uint64_t first, const uint8_t *data,
			uint64_t n);

/* Hash what is queued and stop the thread. Returns 0 or the first error. */
int cvm_verity_feed_finish(struct cvm_verity_feed *f, cvm_err *reterr);

/* Stop the thread (after hashing what is queued), wipe the copies, free. NULL-safe. */
struct cvm_verity_feed *cvm_verity_feed_free(struct cvm_verity_feed *f);

/* --- verify.c --- */

/* Read @len bytes at byte @offset of the (decrypted) device. Returns 0 or a negative errno. */
typedef int (*cvm_verity_read_fn)(void *userdata, uint64_t offset, void *buf, size_t len,
				  cvm_err *reterr);

/*
 * Check a device against @expect (root hash, salt, data blocks, hash offset,
 * block sizes, algorithm): the superblock at hash_offset must say the same,
 * every data block must hash to its level-0 digest, every stored hash block
 * must equal the recomputed one, and the root must be @expect's. Returns 0
 * with the verdict in *@ret; a negative errno when reading fails.
 */
int cvm_verity_verify(cvm_verity_read_fn read, void *userdata,
		      const struct cvm_verity_params *expect, struct cvm_verity_report *ret,
		      cvm_err *reterr);

#endif
