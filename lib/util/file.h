/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef CVM_UTIL_FILE_H
#define CVM_UTIL_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include <cvmimg/err.h>

/* open(O_RDONLY) that refuses directories; returns the fd or a negative errno. */
int cvm_open_input(const char *path, struct stat *ret_st, cvm_err *reterr);

/* read()/write() until done or EOF, retrying EINTR. Negative errno on error. */
int cvm_read_full(int fd, void *buf, size_t len, size_t *ret_done);
int cvm_write_full(int fd, const void *buf, size_t len);

/*
 * Map a whole regular file of at most @max bytes read-only (pre-faulted: the
 * firmware is hashed end to end, and faulting it in page by page costs more
 * than the hashing). Other files (pipes, devices) are read into memory
 * instead. Release with cvm_unmap_file(). Errors as cvm_read_file().
 */
struct cvm_mapped_file {
	uint8_t *data;
	size_t len;
	bool mapped; /* true: munmap; false: free */
};
int cvm_map_file(const char *path, size_t max, struct cvm_mapped_file *ret, cvm_err *reterr);
void cvm_unmap_file(struct cvm_mapped_file *m);

/*
 * Atomic output in three steps: open a temporary file beside @path, write to
 * the returned fd, then commit (fsync, close, rename) or abort (close, unlink).
 */
int cvm_atomic_open(const char *path, unsigned mode, char **ret_tmp, cvm_err *reterr);
int cvm_atomic_commit(int fd, const char *tmp, const char *path, cvm_err *reterr);
void cvm_atomic_abort(int fd, const char *tmp);

#endif
