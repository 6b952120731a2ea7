/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * An ext2fs io_manager that keeps the filesystem encrypted on its way to the
 * image: every block libext2fs writes is encrypted with AES-XTS at its place in
 * the LUKS2 data segment and written to a descriptor at a byte offset; reads
 * decrypt. Plaintext exists only in memory.
 *
 * Blocks that were never written read back as zeros during the build (the
 * image file is sparse there, and libext2fs must not see the garbage that
 * ciphertext-of-nothing decrypts to); on the finished disk they stay holes,
 * which dm-crypt shows as noise. cvm_crypt_io_wipe() writes encrypted zeros
 * into them for those who want no holes. Discard is not offered, and zeroout
 * writes encrypted zeros, so libext2fs never assumes a hole is zero.
 */
#ifndef CVM_CRYPT_IO_MANAGER_H
#define CVM_CRYPT_IO_MANAGER_H

#include <stdint.h>

#include <ext2fs/ext2fs.h>

#include <cvmimg/err.h>

/*
 * Sees the plaintext of @n sectors from sector @first as they go to the disk,
 * each time they do (the last call for a sector has its final content). A
 * negative return fails the write.
 */
typedef int (*cvm_crypt_io_observer)(void *userdata, uint64_t first, const uint8_t *plain,
				     uint64_t n);

struct cvm_crypt_io_params {
	int fd;		    /* the image, open read-write; not closed by the channel */
	uint64_t offset;    /* byte offset of the data segment in @fd (4096-aligned) */
	uint64_t size;	    /* bytes in the segment (multiple of 4096) */
	const uint8_t *key; /* 64-byte volume key */
	cvm_crypt_io_observer observe; /* NULL: none */
	void *observe_data;
};

extern io_manager cvm_crypt_io_manager;

/*
 * Hand the parameters to the next open of cvm_crypt_io_manager (as
 * ext2fs_initialize() calls it). The key is copied into secure memory now and
 * moved into the channel by open, so nothing of it stays here. Not
 * thread-safe: one open at a time. Returns 0, -EINVAL or -ENOMEM.
 */
int cvm_crypt_io_prepare(const struct cvm_crypt_io_params *p, cvm_err *reterr);

/* Drop parameters that no open consumed (wipes the key). */
void cvm_crypt_io_unprepare(void);

typedef int (*cvm_crypt_io_wipe_progress)(uint64_t done, uint64_t total, void *userdata);

/*
 * Write encrypted zeros into every 4096-byte sector of the segment that was
 * never written. @progress (may be NULL) is called now and then; a non-zero
 * return stops with -ECANCELED. Returns 0 or a negative errno.
 */
int cvm_crypt_io_wipe(io_channel ch, cvm_crypt_io_wipe_progress progress, void *userdata,
		      cvm_err *reterr);

/* The same for the first @nsectors sectors of the segment only. */
int cvm_crypt_io_wipe_first(io_channel ch, uint64_t nsectors, cvm_crypt_io_wipe_progress progress,
			    void *userdata, cvm_err *reterr);

/* Sectors written so far (each 4096 bytes). */
uint64_t cvm_crypt_io_sectors_written(io_channel ch);

#endif
