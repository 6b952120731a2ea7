/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef CVM_UTIL_MACRO_H
#define CVM_UTIL_MACRO_H

#include <errno.h>

/* Marks a definition exported from libcvmimg (built with -fvisibility=hidden). */
#define CVM_PUBLIC __attribute__((visibility("default")))

/*
 * -errno after a failed call, as the code the library returns: never 0, so
 * that a call that failed without setting errno cannot pass for a success
 * (and so the compiler sees the failure path return a negative value).
 */
static inline int cvm_negative_errno(void)
{
	return errno > 0 ? -errno : -EIO;
}

#define CVM_MIB (1ull << 20)

#define CVM_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define CVM_ALIGN_UP(x, a) (((x) + ((a) - 1)) / (a) * (a))

/* Argument check at a public entry point: return -EINVAL, never abort. */
#define CVM_CHECK_ARG(cond, reterr)                                                                \
	do {                                                                                       \
		if (!(cond))                                                                       \
			return cvm_err_set((reterr), -EINVAL, "invalid argument: %s", #cond);      \
	} while (0)

#endif
