/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A cpio archive in the "newc" format the kernel unpacks as an initramfs,
 * built in memory: what the build appends to an image's initrd (its own
 * scripts, configuration and binaries) as a second, uncompressed archive the
 * kernel lays over the first. The same entries give the same bytes: owner
 * 0:0, one modification time, inode numbers in order of addition.
 */
#ifndef CVM_BOOT_CPIO_H
#define CVM_BOOT_CPIO_H

#include <stddef.h>
#include <stdint.h>

#include <cvmimg/err.h>

#define CVM_CPIO_MAX (256u << 20) /* bytes of one archive */

struct cvm_cpio;

/* A new empty archive whose entries carry @mtime. NULL when out of memory. */
struct cvm_cpio *cvm_cpio_new(int64_t mtime);
struct cvm_cpio *cvm_cpio_free(struct cvm_cpio *c); /* NULL-safe, returns NULL */
void cvm_cpio_freep(struct cvm_cpio **c);

/*
 * Add an entry: @mode holds the type (S_IFREG, S_IFDIR, S_IFLNK) and the
 * permission bits; @data is a file's contents or a symlink's target. Parent
 * directories are not implied: add them first. @path is relative, without
 * "." or ".." components. Returns 0; -EINVAL for a bad path or type; -EFBIG
 * past CVM_CPIO_MAX; -ENOMEM.
 */
int cvm_cpio_add(struct cvm_cpio *c, const char *path, uint32_t mode, const void *data,
		 size_t len, cvm_err *reterr);

/* Entries added so far (0: nothing to append). */
size_t cvm_cpio_count(const struct cvm_cpio *c);

/*
 * End the archive (the TRAILER!!! entry) and give its bytes, owned by @c and
 * valid until it is freed. Nothing can be added afterwards.
 */
int cvm_cpio_finish(struct cvm_cpio *c, const uint8_t **ret_data, size_t *ret_len,
		    cvm_err *reterr);

#endif
