/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * AES-256-XTS as dm-crypt's aes-xts-plain64 applies it to a LUKS2 data segment
 * with 4096-byte sectors: each sector is one XTS data unit whose tweak is the
 * little-endian count of 512-byte units from the segment start (LUKS2 never
 * sets iv_large_sectors). The one boundary to OpenSSL's ciphers.
 */
#ifndef CVM_CRYPT_XTS_H
#define CVM_CRYPT_XTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cvmimg/err.h>

#define CVM_XTS_KEY_SIZE 64
#define CVM_XTS_SECTOR	 4096u

struct cvm_xts;

/* The key (K1 || K2) is copied into OpenSSL's cipher contexts, which wipe it when freed. */
int cvm_xts_new(const uint8_t key[CVM_XTS_KEY_SIZE], struct cvm_xts **ret, cvm_err *reterr);
struct cvm_xts *cvm_xts_free(struct cvm_xts *x);
void cvm_xts_freep(struct cvm_xts **x);

/*
 * Encrypt (or decrypt) @len bytes, a multiple of CVM_XTS_SECTOR, that start at
 * byte @seg_off (a multiple of CVM_XTS_SECTOR) of the data segment. @in and
 * @out may be the same buffer. Returns 0 or -EIO.
 */
int cvm_xts_crypt(struct cvm_xts *x, bool encrypt, uint64_t seg_off, const uint8_t *in,
		  uint8_t *out, size_t len);

#endif
