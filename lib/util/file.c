/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cvmimg/cleanup.h>
#include <cvmimg/util.h>

#include "util/file.h"
#include "util/macro.h"

int cvm_open_input(const char *path, struct stat *ret_st, cvm_err *reterr)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;

	if (fd < 0)
		return cvm_err_set_errno(reterr, cvm_negative_errno(), "cannot open '%s'", path);
	if (fstat(fd, &st) < 0) {
		int r = cvm_negative_errno();

		close(fd);
		return cvm_err_set_errno(reterr, r, "cannot stat '%s'", path);
	}
	if (S_ISDIR(st.st_mode)) {
		close(fd);
		return cvm_err_set(reterr, -EISDIR, "'%s' is a directory", path);
	}
	if (ret_st)
		*ret_st = st;
	return fd;
}

int cvm_read_full(int fd, void *buf, size_t len, size_t *ret_done)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = read(fd, (uint8_t *)buf + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return cvm_negative_errno();
		if (n == 0)
			break;
		done += (size_t)n;
	}
	*ret_done = done;
	return 0;
}

int cvm_write_full(int fd, const void *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = write(fd, (const uint8_t *)buf + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return cvm_negative_errno();
		done += (size_t)n;
	}
	return 0;
}

CVM_PUBLIC int cvm_read_file(const char *path, size_t max, uint8_t **ret_buf, size_t *ret_len,
			     cvm_err *reterr)
{
	CVM_CLEANUP_CLOSE int fd = -1;
	CVM_CLEANUP_FREE uint8_t *buf = NULL;
	struct stat st;
	size_t cap, len = 0;

	CVM_CHECK_ARG(path && ret_buf && ret_len, reterr);
	fd = cvm_open_input(path, &st, reterr);
	if (fd < 0)
		return fd;
	if (S_ISREG(st.st_mode) && (uint64_t)st.st_size > max)
		return cvm_err_set(reterr, -EFBIG, "'%s' is too large (%lld bytes, limit %zu)", path,
				   (long long)st.st_size, max);
	/* Pipes and devices have no size: read until EOF, but never past the limit. */
	cap = S_ISREG(st.st_mode) ? (size_t)st.st_size : 65536;
	for (;;) {
		size_t got;
		uint8_t *nb;
		int r;

		if (cap > max)
			cap = max;
		nb = realloc(buf, cap + 2);
		if (!nb)
			return cvm_err_set(reterr, -ENOMEM, "out of memory reading '%s'", path);
		buf = nb;
		/* read one byte more than the limit to notice a file that grew past it */
		r = cvm_read_full(fd, buf + len, cap + 1 - len, &got);
		if (r < 0)
			return cvm_err_set_errno(reterr, r, "cannot read '%s'", path);
		len += got;
		if (len > max)
			return cvm_err_set(reterr, -EFBIG, "'%s' is too large (limit %zu bytes)",
					   path, max);
		if (len <= cap)
			break;
		cap = cap * 2 + 1;
	}
	buf[len] = '\0';
	*ret_len = len;
	*ret_buf = CVM_TAKE_PTR(buf);
	return 0;
}

int cvm_map_file(const char *path, size_t max, struct cvm_mapped_file *ret, cvm_err *reterr)
{
	CVM_CLEANUP_CLOSE int fd = -1;
	struct stat st;
	void *p;

	fd = cvm_open_input(path, &st, reterr);
	if (fd < 0)
		return fd;
	if (!S_ISREG(st.st_mode) || st.st_size == 0) {
		ret->mapped = false;
		return cvm_read_file(path, max, &ret->data, &ret->len, reterr);
	}
	if ((uint64_t)st.st_size > max)
		return cvm_err_set(reterr, -EFBIG, "'%s' is too large (%lld bytes, limit %zu)", path,
				   (long long)st.st_size, max);
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
	if (p == MAP_FAILED)
		return cvm_err_set_errno(reterr, cvm_negative_errno(), "cannot map '%s'", path);
	ret->data = p;
	ret->len = (size_t)st.st_size;
	ret->mapped = true;
	return 0;
}

void cvm_unmap_file(struct cvm_mapped_file *m)
{
	if (!m->data)
		return;
	if (m->mapped)
		munmap(m->data, m->len);
	else
		free(m->data);
	m->data = NULL;
}

int cvm_atomic_open(const char *path, unsigned mode, char **ret_tmp, cvm_err *reterr)
{
	CVM_CLEANUP_FREE char *tmp = NULL;
	int fd;

	if (asprintf(&tmp, "%s.tmp-XXXXXX", path) < 0)
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return cvm_err_set_errno(reterr, cvm_negative_errno(), "cannot create a temporary file for '%s'",
					 path);
	if (fchmod(fd, mode) < 0) {
		int r = cvm_negative_errno();

		close(fd);
		unlink(tmp);
		return cvm_err_set_errno(reterr, r, "cannot set the mode of '%s'", tmp);
	}
	*ret_tmp = CVM_TAKE_PTR(tmp);
	return fd;
}

int cvm_atomic_commit(int fd, const char *tmp, const char *path, cvm_err *reterr)
{
	int r = 0;

	if (fsync(fd) < 0)
		r = cvm_err_set_errno(reterr, cvm_negative_errno(), "cannot write '%s'", path);
	if (close(fd) < 0 && r == 0)
		r = cvm_err_set_errno(reterr, cvm_negative_errno(), "cannot write '%s'", path);
	if (r == 0 && rename(tmp, path) < 0)
		r = cvm_err_set_errno(reterr, cvm_negative_errno(), "cannot rename '%s' to '%s'", tmp, path);
	if (r < 0)
		unlink(tmp);
	return r;
}

void cvm_atomic_abort(int fd, const char *tmp)
{
	if (fd >= 0)
		close(fd);
	if (tmp)
		unlink(tmp);
}

CVM_PUBLIC int cvm_write_file_atomic(const char *path, const void *buf, size_t len, unsigned mode,
				     cvm_err *reterr)
{
	CVM_CLEANUP_FREE char *tmp = NULL;
	int fd, r;

	CVM_CHECK_ARG(path && (buf || !len), reterr);
	fd = cvm_atomic_open(path, mode, &tmp, reterr);
	if (fd < 0)
		return fd;
	r = cvm_write_full(fd, buf, len);
	if (r < 0) {
		cvm_atomic_abort(fd, tmp);
		return cvm_err_set_errno(reterr, r, "cannot write '%s'", path);
	}
	return cvm_atomic_commit(fd, tmp, path, reterr);
}
