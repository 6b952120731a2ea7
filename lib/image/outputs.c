/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cvmimg/cleanup.h>

#include "util/file.h"
#include "image/outputs.h"
#include "util/macro.h"

int cvm_outputs_add(struct cvm_outputs *o, const char *name, unsigned mode, cvm_err *reterr)
{
	struct cvm_output *it = &o->item[o->n];
	int fd;

	if (o->n == CVM_OUTPUTS_MAX)
		return cvm_err_set(reterr, -EINVAL, "too many outputs");
	if (asprintf(&it->final, "%s/%s", o->dir, name) < 0) {
		it->final = NULL;
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	}
	fd = cvm_atomic_open(it->final, mode, &it->tmp, reterr);
	if (fd < 0) {
		free(it->final);
		it->final = NULL;
		return fd;
	}
	it->fd = fd;
	return (int)o->n++;
}

static void drop(struct cvm_output *it)
{
	if (it->final)
		cvm_atomic_abort(it->fd, it->tmp);
	free(it->final);
	free(it->tmp);
	it->final = it->tmp = NULL;
	it->fd = -1;
}

void cvm_outputs_drop(struct cvm_outputs *o, int i)
{
	drop(&o->item[i]);
}

/* make every file durable before the first rename, so a crash shows all or none */
static int sync_all(struct cvm_outputs *o, cvm_err *reterr)
{
	for (size_t i = 0; i < o->n; i++)
		if (o->item[i].final && fsync(o->item[i].fd) < 0)
			return cvm_err_set_errno(reterr, cvm_negative_errno(), "cannot write '%s'",
						 o->item[i].final);
	return 0;
}

static int rename_all(struct cvm_outputs *o, cvm_err *reterr)
{
	for (size_t i = 0; i < o->n; i++) {
		struct cvm_output *it = &o->item[i];
		int r;

		if (!it->final)
			continue;
		r = cvm_atomic_commit(it->fd, it->tmp, it->final, reterr);
		it->fd = -1;
		free(it->tmp);
		it->tmp = NULL;
		if (r < 0)
			return r; /* the abort removes the temporaries not yet renamed */
		free(it->final);
		it->final = NULL;
	}
	return 0;
}

int cvm_outputs_commit(struct cvm_outputs *o, cvm_err *reterr)
{
	int r = sync_all(o, reterr);

	return r < 0 ? r : rename_all(o, reterr);
}

int cvm_outputs_present(const char *dir, const char *const *names, char *buf, size_t len,
			cvm_err *reterr)
{
	CVM_CLEANUP_CLOSE int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct stat st;
	size_t at = 0;
	int n = 0;

	if (dfd < 0)
		return cvm_err_set_errno(reterr, cvm_negative_errno(), "cannot read '%s'", dir);
	if (len)
		buf[0] = '\0';
	for (size_t i = 0; names[i]; i++) {
		if (fstatat(dfd, names[i], &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno == ENOENT)
				continue;
			return cvm_err_set_errno(reterr, cvm_negative_errno(),
						 "cannot read '%s/%s'", dir, names[i]);
		}
		if (at < len)
			at += (size_t)snprintf(buf + at, len - at, "%s%s", n ? ", " : "",
					       names[i]);
		n++;
	}
	return n;
}

/* Whether this set writes DIR/@name. */
static bool writes(const struct cvm_outputs *o, const char *name)
{
	size_t d = strlen(o->dir);

	for (size_t i = 0; i < o->n; i++) {
		const char *f = o->item[i].final;

		if (f && !strncmp(f, o->dir, d) && f[d] == '/' && !strcmp(f + d + 1, name))
			return true;
	}
	return false;
}

int cvm_outputs_commit_replacing(struct cvm_outputs *o, const char *const *names,
				 cvm_err *reterr)
{
	int r = sync_all(o, reterr);

	if (r < 0)
		return r;
	for (size_t i = 0; names[i]; i++) {
		CVM_CLEANUP_FREE char *path = NULL;

		if (i > 0 && writes(o, names[i]))
			continue; /* renamed over, atomically */
		if (asprintf(&path, "%s/%s", o->dir, names[i]) < 0) {
			path = NULL;
			return cvm_err_set(reterr, -ENOMEM, "out of memory");
		}
		if (unlink(path) < 0 && errno != ENOENT)
			return cvm_err_set_errno(reterr, cvm_negative_errno(),
						 "cannot remove '%s' of the earlier build", path);
	}
	return rename_all(o, reterr);
}

void cvm_outputs_abort(struct cvm_outputs *o)
{
	for (size_t i = 0; i < o->n; i++)
		drop(&o->item[i]);
	o->n = 0;
}
