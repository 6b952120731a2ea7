/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Positioned reads and writes of whole ranges, retrying EINTR and short transfers. */
#ifndef CVM_UTIL_PIO_H
#define CVM_UTIL_PIO_H

#include <stddef.h>
#include <stdint.h>

/* Returns 0; -EIO at end of file (reads); another negative errno on error. */
int cvm_pread_full(int fd, void *buf, size_t len, uint64_t off);
int cvm_pwrite_full(int fd, const void *buf, size_t len, uint64_t off);

/* Copy @len bytes from @in_off of @in to @out_off of @out, leaving all-zero 4 KiB blocks as holes.
 */
int cvm_copy_range_sparse(int in, uint64_t in_off, int out, uint64_t out_off, uint64_t len);

#endif
