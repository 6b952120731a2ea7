/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Errors as values. Every fallible library function returns a negative errno
 * and, when given a cvm_err, a one-line message that the caller may show.
 */
#ifndef CVMIMG_ERR_H
#define CVMIMG_ERR_H

#include <stddef.h>

#define CVM_ERR_MSG_MAX 256

typedef struct cvm_err {
	int code;                  /* negative errno, 0 if unset */
	char msg[CVM_ERR_MSG_MAX]; /* one line: no newline, no full stop */
} cvm_err;

/*
 * Record an error. @e may be NULL. The message is truncated to fit; newlines
 * are replaced by spaces. Never allocates. Returns @code, so callers write
 * "return cvm_err_set(reterr, -EBADMSG, ...)".
 */
int cvm_err_set(cvm_err *e, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* As cvm_err_set(), with ": <strerror(-code)>" appended. */
int cvm_err_set_errno(cvm_err *e, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * The same calls, written so that the compiler sees what they return: the
 * code given (evaluated once, before the message is formatted). Without this,
 * an optimiser that inlines "if (x < 0) return cvm_err_set(...); *ret = v;"
 * cannot tell that the error path never returns a success value, and warns
 * that callers may use outputs left unset. The functions remain exported
 * under their names for callers that take their address.
 */
#define cvm_err_set(e, code, ...)                                                                  \
	__extension__({                                                                            \
		int cvm_err_code_ = (code);                                                        \
		(cvm_err_set)((e), cvm_err_code_, __VA_ARGS__);                                    \
		cvm_err_code_;                                                                     \
	})
#define cvm_err_set_errno(e, code, ...)                                                            \
	__extension__({                                                                            \
		int cvm_err_code_ = (code);                                                        \
		(cvm_err_set_errno)((e), cvm_err_code_, __VA_ARGS__);                              \
		cvm_err_code_;                                                                     \
	})

/* Reset @e to "no error". NULL-safe. */
void cvm_err_clear(cvm_err *e);

#endif
