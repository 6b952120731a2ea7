/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

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

int cvm_outputs_commit(struct cvm_outputs *o, cvm_err *reterr)
{
	/* make every file durable before the first rename, so a crash shows all or none */
	for (size_t i = 0; i < o->n; i++)
		if (o->item[i].final && fsync(o->item[i].fd) < 0)
			return cvm_err_set_errno(reterr, cvm_negative_errno(), "cannot write '%s'",
						 o->item[i].final);
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

void cvm_outputs_abort(struct cvm_outputs *o)
{
	for (size_t i = 0; i < o->n; i++)
		drop(&o->item[i]);
	o->n = 0;
}
