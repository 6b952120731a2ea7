/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include <cvmimg/log.h>
#include <cvmimg/util.h>

#include "util/log-internal.h"
#include "util/macro.h"
#include "util/secret.h"

/*
 * Secrets get pages of their own (mmap), so that mlock() and MADV_DONTDUMP
 * cover exactly them and nothing else. A header at the start of the mapping
 * records its size, so callers free without passing the length back.
 */
struct secret_hdr {
	size_t maplen;
	size_t pad; /* keeps the payload 16-byte aligned */
};

CVM_PUBLIC void cvm_memzero(void *p, size_t len)
{
	if (p && len)
		explicit_bzero(p, len);
}

CVM_PUBLIC void *cvm_secret_alloc(size_t len)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t maplen;
	struct secret_hdr *h;

	if (len > SIZE_MAX - sizeof(*h) - page)
		return NULL;
	maplen = CVM_ALIGN_UP(sizeof(*h) + len, page);
	h = mmap(NULL, maplen, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (h == MAP_FAILED)
		return NULL;
	if (mlock(h, maplen) < 0)
		cvm_log_debug(CVM_LOG_UTIL, "mlock of %zu bytes refused, continuing unlocked",
			      maplen);
	(void)madvise(h, maplen, MADV_DONTDUMP);
	h->maplen = maplen;
	return h + 1;
}

CVM_PUBLIC void cvm_secret_free(void *p)
{
	struct secret_hdr *h;
	size_t maplen;

	if (!p)
		return;
	h = (struct secret_hdr *)p - 1;
	maplen = h->maplen;
	explicit_bzero(h, maplen);
	munlock(h, maplen);
	munmap(h, maplen);
}

CVM_PUBLIC void cvm_secret_freep(void *pp)
{
	cvm_secret_free(*(void **)pp);
}

/*
 * OpenSSL keeps an expanded cipher key (the AES-XTS key schedule of the
 * disk's volume key) in its own allocations, on the ordinary heap. With
 * cvm_secret_openssl_init() called before OpenSSL allocates anything, the
 * allocations OpenSSL makes while a key is being set up
 * (cvm_secret_openssl_begin()/end() around it, in this thread) come from
 * cvm_secret_alloc() instead: locked, out of core dumps, wiped when freed.
 * Other allocations go to malloc() as before. The few secret ones are
 * remembered in a small table, so that free() knows whose they are.
 */
#define OSSL_SECRETS_MAX 16

static _Thread_local unsigned ossl_secret_depth;
static pthread_mutex_t ossl_lock = PTHREAD_MUTEX_INITIALIZER;
static void *ossl_secrets[OSSL_SECRETS_MAX];
static unsigned ossl_held;

static bool ossl_remember(void *p)
{
	bool ok = false;

	pthread_mutex_lock(&ossl_lock);
	for (unsigned i = 0; i < OSSL_SECRETS_MAX && !ok; i++)
		if (!ossl_secrets[i]) {
			ossl_secrets[i] = p;
			ossl_held++;
			ok = true;
		}
	pthread_mutex_unlock(&ossl_lock);
	return ok;
}

/* Whether @p is a secret allocation (then no longer remembered). */
static bool ossl_forget(void *p)
{
	bool found = false;

	pthread_mutex_lock(&ossl_lock);
	for (unsigned i = 0; i < OSSL_SECRETS_MAX && ossl_held && !found; i++)
		if (ossl_secrets[i] == p) {
			ossl_secrets[i] = NULL;
			ossl_held--;
			found = true;
		}
	pthread_mutex_unlock(&ossl_lock);
	return found;
}

static void *ossl_malloc(size_t n, const char *file, int line)
{
	void *p;

	(void)file;
	(void)line;
	if (!ossl_secret_depth)
		return malloc(n);
	if ((p = cvm_secret_alloc(n)) && ossl_remember(p))
		return p;
	cvm_secret_free(p);
	return malloc(n); /* the table is full: as before */
}

static void ossl_free(void *p, const char *file, int line)
{
	(void)file;
	(void)line;
	if (p && ossl_forget(p))
		cvm_secret_free(p);
	else
		free(p);
}

static void *ossl_realloc(void *p, size_t n, const char *file, int line)
{
	struct secret_hdr *h;
	size_t have;
	void *q;

	if (!p)
		return ossl_malloc(n, file, line);
	if (!ossl_forget(p))
		return realloc(p, n);
	/* a secret grows into a new secret, whatever the thread's mode */
	h = (struct secret_hdr *)p - 1;
	have = h->maplen - sizeof(*h);
	ossl_secret_depth++;
	q = n ? ossl_malloc(n, file, line) : NULL;
	ossl_secret_depth--;
	if (n && !q) {
		ossl_remember(p); /* realloc failed: the old block stays */
		return NULL;
	}
	if (q)
		memcpy(q, p, have < n ? have : n);
	cvm_secret_free(p);
	return q;
}

CVM_PUBLIC int cvm_secret_openssl_init(void)
{
	return CRYPTO_set_mem_functions(ossl_malloc, ossl_realloc, ossl_free) ? 0 : -EBUSY;
}

void cvm_secret_openssl_begin(void)
{
	ossl_secret_depth++;
}

void cvm_secret_openssl_end(void)
{
	ossl_secret_depth--;
}

unsigned cvm_secret_openssl_held(void)
{
	unsigned n;

	pthread_mutex_lock(&ossl_lock);
	n = ossl_held;
	pthread_mutex_unlock(&ossl_lock);
	return n;
}
