/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Building a cvm_attest_result: one entry per check, in the order performed. */
#ifndef CVM_ATTEST_RESULT_H
#define CVM_ATTEST_RESULT_H

#include <stdbool.h>

#include <cvmimg/attest.h>

/* Record check @name with its outcome and a printf-style detail. Returns @ok. */
bool cvm_check(struct cvm_attest_result *r, const char *name, bool ok, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* valid = at least one check, and none failed. */
void cvm_result_finish(struct cvm_attest_result *r);

/* Inputs without a name are called @def in messages. */
static inline void cvm_blob_name_default(struct cvm_attest_blob *b, const char *def)
{
	if (!b->name)
		b->name = def;
}

#endif
