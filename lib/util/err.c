/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <cvmimg/err.h>

#include "util/macro.h"

/* Messages are one line: the CLI prints them after "cvmimg <cmd>: ". */
static void flatten(char *msg)
{
	for (char *p = msg; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
}

CVM_PUBLIC int(cvm_err_set)(cvm_err *e, int code, const char *fmt, ...)
{
	va_list ap;

	if (!e)
		return code;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	flatten(e->msg);
	e->code = code;
	return code;
}

CVM_PUBLIC int(cvm_err_set_errno)(cvm_err *e, int code, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	if (!e)
		return code;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	n = strlen(e->msg);
	if (n < sizeof(e->msg))
		snprintf(e->msg + n, sizeof(e->msg) - n, ": %s", strerror(-code));
	flatten(e->msg);
	e->code = code;
	return code;
}

CVM_PUBLIC void cvm_err_clear(cvm_err *e)
{
	if (!e)
		return;
	e->code = 0;
	e->msg[0] = '\0';
}
