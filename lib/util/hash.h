/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The library's one door to OpenSSL's digests. Algorithms are fetched once
 * (implicit fetches in EVP_Digest cost more than hashing a small buffer).
 */
#ifndef CVM_UTIL_HASH_H
#define CVM_UTIL_HASH_H

#include <stddef.h>
#include <stdint.h>

#include <cvmimg/err.h>

#define CVM_SHA256_LEN 32
#define CVM_SHA384_LEN 48
#define CVM_SHA512_LEN 64

enum cvm_hash_alg {
	CVM_HASH_SHA1,
	CVM_HASH_SHA256,
	CVM_HASH_SHA384,
	CVM_HASH_SHA512,
	CVM_HASH__COUNT,
};

size_t cvm_hash_len(enum cvm_hash_alg alg);

/* One-shot digests. Return 0 or -ENOMEM (OpenSSL failure). */
int cvm_hash(enum cvm_hash_alg alg, const void *buf, size_t len, uint8_t *out);
int cvm_sha256(const void *buf, size_t len, uint8_t out[CVM_SHA256_LEN]);
int cvm_sha384(const void *buf, size_t len, uint8_t out[CVM_SHA384_LEN]);

/* Digest a whole file, streaming, of any size. */
int cvm_hash_file(enum cvm_hash_alg alg, const char *path, uint8_t *out, cvm_err *reterr);

/* Incremental digest. */
struct cvm_hash_ctx;
int cvm_hash_new(enum cvm_hash_alg alg, struct cvm_hash_ctx **ret);
int cvm_hash_update(struct cvm_hash_ctx *c, const void *buf, size_t len);
/* A new context in the state of @c: what was hashed so far, continued twice. */
int cvm_hash_dup(const struct cvm_hash_ctx *c, struct cvm_hash_ctx **ret);
/* @len zero bytes, as padding is hashed. */
int cvm_hash_zeros(struct cvm_hash_ctx *c, uint64_t len);
int cvm_hash_final(struct cvm_hash_ctx *c, uint8_t *out);
void cvm_hash_free(struct cvm_hash_ctx *c);
void cvm_hash_freep(struct cvm_hash_ctx **c);

/* Record the OpenSSL error queue's newest reason after @what, and clear the queue. */
int cvm_err_openssl(cvm_err *e, int code, const char *what);

#endif
