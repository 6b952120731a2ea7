/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <pthread.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>

#include <cvmimg/cleanup.h>

#include "util/file.h"
#include "util/hash.h"
#include "util/macro.h"

struct cvm_hash_ctx {
	EVP_MD_CTX *md;
};

static const char *const alg_names[CVM_HASH__COUNT] = {
	[CVM_HASH_SHA1] = "SHA1",
	[CVM_HASH_SHA256] = "SHA256",
	[CVM_HASH_SHA384] = "SHA384",
	[CVM_HASH_SHA512] = "SHA512",
};
static const size_t alg_lens[CVM_HASH__COUNT] = { 20, 32, 48, 64 };

static EVP_MD *fetched[CVM_HASH__COUNT];
static pthread_once_t fetch_once = PTHREAD_ONCE_INIT;

static void fetch_all(void)
{
	for (int i = 0; i < CVM_HASH__COUNT; i++)
		fetched[i] = EVP_MD_fetch(NULL, alg_names[i], NULL);
}

static const EVP_MD *md_of(enum cvm_hash_alg alg)
{
	if ((unsigned)alg >= CVM_HASH__COUNT)
		return NULL;
	pthread_once(&fetch_once, fetch_all);
	return fetched[alg];
}

size_t cvm_hash_len(enum cvm_hash_alg alg)
{
	return (unsigned)alg < CVM_HASH__COUNT ? alg_lens[alg] : 0;
}

/*
 * One context per algorithm and thread, reused: the launch digest hashes two
 * small buffers per guest page, and allocating a context for each costs about
 * as much as the hashing. They live as long as the thread (still reachable,
 * so no leak report).
 */
static _Thread_local EVP_MD_CTX *ctx_cache[CVM_HASH__COUNT];

int cvm_hash(enum cvm_hash_alg alg, const void *buf, size_t len, uint8_t *out)
{
	const EVP_MD *md = md_of(alg);
	EVP_MD_CTX *c;

	if (!md)
		return -EINVAL;
	c = ctx_cache[alg];
	if (!c && !(c = ctx_cache[alg] = EVP_MD_CTX_new()))
		return -ENOMEM;
	if (!EVP_DigestInit_ex2(c, md, NULL) || !EVP_DigestUpdate(c, buf, len) ||
	    !EVP_DigestFinal_ex(c, out, NULL)) {
		ERR_clear_error();
		return -ENOMEM;
	}
	return 0;
}

int cvm_sha256(const void *buf, size_t len, uint8_t out[CVM_SHA256_LEN])
{
	return cvm_hash(CVM_HASH_SHA256, buf, len, out);
}

int cvm_sha384(const void *buf, size_t len, uint8_t out[CVM_SHA384_LEN])
{
	return cvm_hash(CVM_HASH_SHA384, buf, len, out);
}

int cvm_hash_new(enum cvm_hash_alg alg, struct cvm_hash_ctx **ret)
{
	const EVP_MD *md = md_of(alg);
	struct cvm_hash_ctx *c;

	if (!md)
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->md = EVP_MD_CTX_new();
	if (!c->md || !EVP_DigestInit_ex(c->md, md, NULL)) {
		cvm_hash_free(c);
		ERR_clear_error();
		return -ENOMEM;
	}
	*ret = c;
	return 0;
}

int cvm_hash_dup(const struct cvm_hash_ctx *c, struct cvm_hash_ctx **ret)
{
	struct cvm_hash_ctx *d = calloc(1, sizeof(*d));

	if (!d)
		return -ENOMEM;
	d->md = EVP_MD_CTX_new();
	if (!d->md || !EVP_MD_CTX_copy_ex(d->md, c->md)) {
		cvm_hash_free(d);
		ERR_clear_error();
		return -ENOMEM;
	}
	*ret = d;
	return 0;
}

int cvm_hash_update(struct cvm_hash_ctx *c, const void *buf, size_t len)
{
	if (!EVP_DigestUpdate(c->md, buf, len)) {
		ERR_clear_error();
		return -ENOMEM;
	}
	return 0;
}

int cvm_hash_zeros(struct cvm_hash_ctx *c, uint64_t len)
{
	static const uint8_t zero[4096];

	while (len) {
		size_t k = len < sizeof(zero) ? (size_t)len : sizeof(zero);

		if (cvm_hash_update(c, zero, k) < 0)
			return -ENOMEM;
		len -= k;
	}
	return 0;
}

int cvm_hash_final(struct cvm_hash_ctx *c, uint8_t *out)
{
	if (!EVP_DigestFinal_ex(c->md, out, NULL)) {
		ERR_clear_error();
		return -ENOMEM;
	}
	return 0;
}

void cvm_hash_free(struct cvm_hash_ctx *c)
{
	if (!c)
		return;
	EVP_MD_CTX_free(c->md);
	free(c);
}

void cvm_hash_freep(struct cvm_hash_ctx **c)
{
	cvm_hash_free(*c);
}

int cvm_hash_file(enum cvm_hash_alg alg, const char *path, uint8_t *out, cvm_err *reterr)
{
	CVM_CLEANUP(cvm_hash_freep) struct cvm_hash_ctx *c = NULL;
	CVM_CLEANUP_CLOSE int fd = -1;
	CVM_CLEANUP_FREE uint8_t *buf = NULL;
	const size_t bufsz = 1 << 20;
	int r;

	fd = cvm_open_input(path, NULL, reterr);
	if (fd < 0)
		return fd;
	buf = malloc(bufsz);
	if (!buf || cvm_hash_new(alg, &c) < 0)
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	for (;;) {
		size_t got;

		r = cvm_read_full(fd, buf, bufsz, &got);
		if (r < 0)
			return cvm_err_set_errno(reterr, r, "cannot read '%s'", path);
		if (got == 0)
			break;
		if (cvm_hash_update(c, buf, got) < 0)
			return cvm_err_set(reterr, -ENOMEM, "cannot hash '%s'", path);
	}
	if (cvm_hash_final(c, out) < 0)
		return cvm_err_set(reterr, -ENOMEM, "cannot hash '%s'", path);
	return 0;
}

int cvm_err_openssl(cvm_err *e, int code, const char *what)
{
	unsigned long ossl = ERR_peek_last_error();
	const char *reason = ossl ? ERR_reason_error_string(ossl) : NULL;
	int r = cvm_err_set(e, code, "%s: %s", what, reason ? reason : "unknown OpenSSL error");

	ERR_clear_error();
	return r;
}
