/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The rootfs archive as a stream of entries (libarchive: tar, pax, ustar and
 * GNU tar in every compression libarchive knows). The one boundary to
 * libarchive. Nothing is extracted: entries come out as cvm_ext4_entry
 * values and file data as blocks in memory.
 *
 * Paths are normalised: leading '/' dropped (absolute names are relative to
 * the image root, as tar does), empty and "." components dropped; a ".."
 * component is an error, in names and in hard-link targets alike. Symlink
 * targets are kept as they are (they are data).
 */
#ifndef CVM_ARCHIVE_READER_H
#define CVM_ARCHIVE_READER_H

#include <stdbool.h>
#include <stdint.h>

#include <cvmimg/err.h>

#include "util/fs-entry.h"

#define CVM_TAR_PATH_MAX 65536 /* bytes of a normalised path */

struct cvm_tar;

struct cvm_tar_entry {
	struct cvm_fs_entry e; /* pointers valid until the next cvm_tar_next() */
	const char *name;	 /* the name as archived, for messages */
	uint64_t data_size;	 /* bytes of data that follow (sparse: the stored bytes) */
};

/*
 * Called when a signal interrupts a read of the input (a pipe or FIFO that
 * stalls), and before each read: entries so far, bytes read, the userdata.
 * Non-zero ends the read, and the call reading fails with -ECANCELED.
 */
typedef int (*cvm_tar_interrupt_func)(uint64_t entries, uint64_t bytes, void *userdata);

/*
 * Open an archive: @fd >= 0 is read as it is (not closed by cvm_tar_free),
 * otherwise @path is opened. @path names the archive in messages.
 * With @hash, the SHA-256 of every input byte is computed (cvm_tar_digest).
 * @interrupted (may be NULL: interrupted reads are retried) is consulted from
 * the first read on, which happens here already.
 */
int cvm_tar_open(const char *path, int fd, bool hash, cvm_tar_interrupt_func interrupted,
		 void *userdata, struct cvm_tar **ret, cvm_err *reterr);
struct cvm_tar *cvm_tar_free(struct cvm_tar *t);
void cvm_tar_freep(struct cvm_tar **t);

/*
 * The next entry: 1 and *ret set, 0 at the end of the archive. Errors:
 * -EBADMSG for a malformed or truncated archive or an entry this writer
 * refuses (".." in a name, an unknown file type, a uid over 2^32); -EIO for a
 * read error.
 */
int cvm_tar_next(struct cvm_tar *t, struct cvm_tar_entry **ret, cvm_err *reterr);

/* The current entry's data, block by block: 1 with a block, 0 at its end. */
int cvm_tar_data(struct cvm_tar *t, const void **ret_buf, size_t *ret_len, uint64_t *ret_off,
		 cvm_err *reterr);

/* Compressed bytes read so far (for progress). */
uint64_t cvm_tar_bytes_in(const struct cvm_tar *t);

/* Read the rest of the input and give its SHA-256 (needs @hash at open). */
int cvm_tar_digest(struct cvm_tar *t, uint8_t out[32], cvm_err *reterr);

#endif
