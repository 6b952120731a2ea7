/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cvmimg/log.h>
#include <cvmimg/util.h>

#include "util/log-internal.h"
#include "util/macro.h"

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
