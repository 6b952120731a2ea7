/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <cvmimg/attest.h>

#include "attest/result.h"
#include "util/macro.h"

bool cvm_check(struct cvm_attest_result *r, const char *name, bool ok, const char *fmt, ...)
{
	struct cvm_attest_check *c;
	va_list ap;

	if (r->n_checks >= CVM_ATTEST_MAX_CHECKS) {
		/* cannot happen with the fixed set of checks; never lose a failure */
		c = &r->checks[CVM_ATTEST_MAX_CHECKS - 1];
		if (!ok)
			c->ok = false;
		return ok;
	}
	c = &r->checks[r->n_checks++];
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->ok = ok;
	va_start(ap, fmt);
	vsnprintf(c->detail, sizeof(c->detail), fmt, ap);
	va_end(ap);
	return ok;
}

void cvm_result_finish(struct cvm_attest_result *r)
{
	r->valid = r->n_checks > 0;
	for (unsigned i = 0; i < r->n_checks; i++)
		if (!r->checks[i].ok)
			r->valid = false;
}

CVM_PUBLIC const struct cvm_attest_check *cvm_attest_first_failure(const struct cvm_attest_result *r)
{
	if (!r)
		return NULL;
	for (unsigned i = 0; i < r->n_checks; i++)
		if (!r->checks[i].ok)
			return &r->checks[i];
	return NULL;
}
