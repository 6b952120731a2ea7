/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The build's output files as one transaction: each is written under a
 * temporary name beside its final one; commit renames them all (in the order
 * they were added, so the manifest added last appears last); abort, or a
 * failure before commit, removes every temporary file.
 */
#ifndef CVM_IMAGE_OUTPUTS_H
#define CVM_IMAGE_OUTPUTS_H

#include <cvmimg/err.h>

#define CVM_OUTPUTS_MAX 8

struct cvm_output {
	char *final;
	char *tmp;
	int fd;
};

struct cvm_outputs {
	const char *dir;
	struct cvm_output item[CVM_OUTPUTS_MAX];
	size_t n;
};

/* Open DIR/@name's temporary file with @mode; returns its index. */
int cvm_outputs_add(struct cvm_outputs *o, const char *name, unsigned mode, cvm_err *reterr);

/* Remove one output before commit (e.g. the raw disk once converted). */
void cvm_outputs_drop(struct cvm_outputs *o, int i);

int cvm_outputs_commit(struct cvm_outputs *o, cvm_err *reterr);

/*
 * Which of @names (NULL-terminated) exist in DIR: joined by ", " into @buf
 * (truncated to @len). Returns how many; negative errno if DIR cannot be read.
 */
int cvm_outputs_present(const char *dir, const char *const *names, char *buf, size_t len,
			cvm_err *reterr);

/*
 * Commit in place of an earlier set: once the new files are durable, remove
 * DIR/@names[0] (the earlier manifest) and every other of @names this set does
 * not write, then rename as cvm_outputs_commit(). A crash leaves either no
 * manifest or the new one beside its complete set.
 */
int cvm_outputs_commit_replacing(struct cvm_outputs *o, const char *const *names,
				 cvm_err *reterr);
void cvm_outputs_abort(struct cvm_outputs *o);

#endif
