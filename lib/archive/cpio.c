/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "archive/cpio.h"

#define NEWC_HDR 110

struct cvm_cpio {
	uint8_t *buf;
	size_t len, cap;
	uint32_t next_ino;
	int64_t mtime;
	size_t count;
	bool finished;
};

struct cvm_cpio *cvm_cpio_new(int64_t mtime)
{
	struct cvm_cpio *c = calloc(1, sizeof(*c));

	if (c) {
		c->mtime = mtime;
		c->next_ino = 1;
	}
	return c;
}

struct cvm_cpio *cvm_cpio_free(struct cvm_cpio *c)
{
	if (c)
		free(c->buf);
	free(c);
	return NULL;
}

void cvm_cpio_freep(struct cvm_cpio **c)
{
	cvm_cpio_free(*c);
}

size_t cvm_cpio_count(const struct cvm_cpio *c)
{
	return c ? c->count : 0;
}

static int reserve(struct cvm_cpio *c, size_t more)
{
	size_t cap = c->cap ? c->cap : 4096;
	uint8_t *n;

	if (more > CVM_CPIO_MAX || c->len > CVM_CPIO_MAX - more)
		return -EFBIG;
	while (cap < c->len + more)
		cap *= 2;
	if (cap == c->cap)
		return 0;
	if (!(n = realloc(c->buf, cap)))
		return -ENOMEM;
	c->buf = n;
	c->cap = cap;
	return 0;
}

static void put(struct cvm_cpio *c, const void *data, size_t len)
{
	memcpy(c->buf + c->len, data, len);
	c->len += len;
	while (c->len % 4)
		c->buf[c->len++] = 0;
}

/* One header, the name (with its NUL) and the data, each padded to 4 bytes. */
static int append(struct cvm_cpio *c, const char *path, uint32_t mode, uint32_t nlink,
		  const void *data, size_t len)
{
	size_t namesize = strlen(path) + 1;
	char hdr[NEWC_HDR + 1];
	int r;

	if ((r = reserve(c, NEWC_HDR + namesize + len + 8)) < 0)
		return r;
	snprintf(hdr, sizeof(hdr),
		 "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
		 mode && c->next_ino ? c->next_ino : 0, mode, 0u, 0u, nlink,
		 (uint32_t)c->mtime, (uint32_t)len, 0u, 0u, 0u, 0u, (uint32_t)namesize, 0u);
	memcpy(c->buf + c->len, hdr, NEWC_HDR);
	c->len += NEWC_HDR;
	memcpy(c->buf + c->len, path, namesize);
	c->len += namesize;
	while (c->len % 4)
		c->buf[c->len++] = 0;
	if (len)
		put(c, data, len);
	return 0;
}

static bool path_ok(const char *path)
{
	if (!*path || *path == '/' || strlen(path) >= 4096)
		return false;
	for (const char *p = path; *p;) {
		size_t n = strcspn(p, "/");

		if (!n || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return false;
		p += n + (p[n] == '/');
		if (p[-1] == '/' && !*p)
			return false;
	}
	return true;
}

int cvm_cpio_add(struct cvm_cpio *c, const char *path, uint32_t mode, const void *data,
		 size_t len, cvm_err *reterr)
{
	uint32_t type = mode & S_IFMT;
	int r;

	if (!c || !path || c->finished || (len && !data))
		return cvm_err_set(reterr, -EINVAL, "invalid argument");
	if (!path_ok(path))
		return cvm_err_set(reterr, -EINVAL, "'%s' is not a relative path for the initrd",
				   path);
	if (type != S_IFREG && type != S_IFDIR && type != S_IFLNK)
		return cvm_err_set(reterr, -EINVAL, "'%s': only files, directories and symlinks",
				   path);
	if ((type == S_IFDIR && len) || (type == S_IFLNK && !len))
		return cvm_err_set(reterr, -EINVAL, "'%s': data does not fit the type", path);
	r = append(c, path, mode, type == S_IFDIR ? 2 : 1, data, len);
	if (r < 0)
		return cvm_err_set(reterr, r, r == -EFBIG ? "the initrd overlay exceeds %u MiB"
							  : "out of memory",
				   CVM_CPIO_MAX >> 20);
	c->next_ino++;
	c->count++;
	return 0;
}

int cvm_cpio_finish(struct cvm_cpio *c, const uint8_t **ret_data, size_t *ret_len,
		    cvm_err *reterr)
{
	int r;

	if (!c || !ret_data || !ret_len)
		return cvm_err_set(reterr, -EINVAL, "invalid argument");
	if (!c->finished) {
		if ((r = append(c, "TRAILER!!!", 0, 1, NULL, 0)) < 0)
			return cvm_err_set(reterr, r, "out of memory");
		c->finished = true;
	}
	*ret_data = c->buf;
	*ret_len = c->len;
	return 0;
}
