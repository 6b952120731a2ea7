/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Scoped cleanup (gcc and clang). A variable declared with CVM_CLEANUP(f) is
 * passed by address to f when it goes out of scope, on every return path.
 * Initialise every such variable at its declaration; hand ownership out with
 * CVM_TAKE_PTR().
 */
#ifndef CVMIMG_CLEANUP_H
#define CVMIMG_CLEANUP_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define CVM_CLEANUP(f) __attribute__((cleanup(f)))

/* Return the pointer and set the variable to NULL, so the cleanup skips it. */
#define CVM_TAKE_PTR(p)                                                                            \
	({                                                                                         \
		__typeof__(p) *cvm_ptr_ = &(p);                                                    \
		__typeof__(p) cvm_val_ = *cvm_ptr_;                                                \
		*cvm_ptr_ = NULL;                                                                  \
		cvm_val_;                                                                          \
	})

/* Take a file descriptor, leaving -1 behind. */
#define CVM_TAKE_FD(fd)                                                                            \
	({                                                                                         \
		int *cvm_fdp_ = &(fd);                                                             \
		int cvm_fd_ = *cvm_fdp_;                                                           \
		*cvm_fdp_ = -1;                                                                    \
		cvm_fd_;                                                                           \
	})

/* Define name##p, a cleanup for "type *" that calls free_fn when non-NULL. */
#define CVM_DEFINE_CLEANUP(type, free_fn, name)                                                    \
	static inline void name##p(type **p)                                                       \
	{                                                                                          \
		if (*p)                                                                            \
			free_fn(*p);                                                               \
	}

static inline void cvm_freep(void *p)
{
	free(*(void **)p);
}

static inline void cvm_closep(int *fd)
{
	if (*fd >= 0)
		close(*fd);
}

static inline void cvm_fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}

#define CVM_CLEANUP_FREE CVM_CLEANUP(cvm_freep)
#define CVM_CLEANUP_CLOSE CVM_CLEANUP(cvm_closep)
#define CVM_CLEANUP_FCLOSE CVM_CLEANUP(cvm_fclosep)

#endif
