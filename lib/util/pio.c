/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cvmimg/cleanup.h>

#include "util/pio.h"
#include "util/macro.h"

int cvm_pread_full(int fd, void *buf, size_t len, uint64_t off)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = pread(fd, (uint8_t *)buf + done, len - done, (off_t)(off + done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return cvm_negative_errno();
		if (n == 0)
			return -EIO;
		done += (size_t)n;
	}
	return 0;
}

int cvm_pwrite_full(int fd, const void *buf, size_t len, uint64_t off)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n =
		    pwrite(fd, (const uint8_t *)buf + done, len - done, (off_t)(off + done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return cvm_negative_errno();
		if (n == 0)
			return -EIO;
		done += (size_t)n;
	}
	return 0;
}

static bool all_zero(const uint8_t *p, size_t n)
{
	return n == 0 || (p[0] == 0 && !memcmp(p, p + 1, n - 1));
}

int cvm_copy_range_sparse(int in, uint64_t in_off, int out, uint64_t out_off, uint64_t len)
{
	enum { BUF = 1 << 20, BLK = 4096 };
	CVM_CLEANUP_FREE uint8_t *buf = malloc(BUF);

	if (!buf)
		return -ENOMEM;
	for (uint64_t done = 0; done < len;) {
		size_t n = len - done < BUF ? (size_t)(len - done) : BUF;
		int r = cvm_pread_full(in, buf, n, in_off + done);

		if (r < 0)
			return r;
		for (size_t i = 0; i < n; i += BLK) {
			size_t k = n - i < BLK ? n - i : BLK;

			if (all_zero(buf + i, k))
				continue;
			r = cvm_pwrite_full(out, buf + i, k, out_off + done + i);
			if (r < 0)
				return r;
		}
		done += n;
	}
	return 0;
}
