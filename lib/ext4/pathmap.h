/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The names the ext4 writer has created, as (parent inode, name) -> (inode,
 * file type), without keeping the names: each key is a 64-bit SipHash-2-4
 * under a random per-build key, so a crafted archive cannot force collisions
 * and a million entries cost about 24 MiB. Open addressing, linear probing.
 */
#ifndef CVM_EXT4_PATHMAP_H
#define CVM_EXT4_PATHMAP_H

#include <stddef.h>
#include <stdint.h>

struct cvm_pathmap;

/* SipHash-2-4 of @len bytes under the 16-byte @key. */
uint64_t cvm_siphash24(const uint8_t key[16], const void *data, size_t len);

/* A new, empty map with a random key. NULL when out of memory or entropy. */
struct cvm_pathmap *cvm_pathmap_new(void);
struct cvm_pathmap *cvm_pathmap_free(struct cvm_pathmap *m);

/* Find (parent, name). Returns 1 and fills the outputs, or 0. */
int cvm_pathmap_get(const struct cvm_pathmap *m, uint32_t parent, const char *name, size_t len,
		    uint32_t *ret_ino, uint8_t *ret_type);

/* Insert or replace (parent, name). Returns 0 or -ENOMEM. */
int cvm_pathmap_put(struct cvm_pathmap *m, uint32_t parent, const char *name, size_t len,
		    uint32_t ino, uint8_t type);

size_t cvm_pathmap_count(const struct cvm_pathmap *m);

#endif
