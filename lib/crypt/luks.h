/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The LUKS2 header of the root partition, made by libcryptsetup (the one
 * boundary to it). libcryptsetup wants a device path with the header at its
 * start, so the header is formatted in a sparse temporary file the size of
 * the partition, beside the outputs, and its first 16 MiB (binary headers,
 * JSON areas, keyslot areas; no data) are copied into the image at the
 * partition's offset. The data segment starts 16 MiB into the partition and
 * runs to its end: aes-xts-plain64, 64-byte volume key, 4096-byte sectors.
 *
 * Keyslot 0: the recovery passphrase (argon2id). Keyslot 1: the broker key
 * (pbkdf2-sha512, 1000 iterations: it is 32 random bytes, not a password).
 * Token 0: {"type":"cvmimg-kbs","keyslots":["1"],"version":1, hints}.
 */
#ifndef CVM_CRYPT_LUKS_H
#define CVM_CRYPT_LUKS_H

#include <stddef.h>
#include <stdint.h>

#include <cvmimg/err.h>

#define CVM_LUKS_DATA_OFFSET	 (16u << 20)
#define CVM_LUKS_VOLUME_KEY_SIZE 64
#define CVM_LUKS_SECTOR		 4096

struct cvm_luks_params {
	const char *uuid;	   /* NULL: libcryptsetup picks one */
	const char *label;	   /* NULL: none */
	const uint8_t *volume_key; /* CVM_LUKS_VOLUME_KEY_SIZE bytes, secret */
	const char *passphrase;	   /* secret */
	size_t passphrase_len;
	const char *broker_passphrase; /* keyslot 1's, secret (cvm_broker_key_passphrase()) */
	size_t broker_passphrase_len;
	uint32_t pbkdf_memory_kb;  /* 0: libcryptsetup's default (benchmarked) */
	uint32_t pbkdf_time_ms;	   /* 0: default 2000 */
	uint32_t pbkdf_iterations; /* > 0: fixed, no benchmark (argon2: at least 4) */
	uint32_t pbkdf_threads;	   /* 0: default */
	const char *kbs_url;	   /* token hints, NULL to leave out */
	const char *kbs_resource;
};

struct cvm_luks_info {
	char uuid[40];
	uint64_t data_offset; /* bytes from the partition start */
	uint64_t metadata_size, keyslots_size;
	uint32_t pbkdf_iterations, pbkdf_memory_kb, pbkdf_threads; /* keyslot 0 as stored */
	int token;						   /* the token id */
};

/*
 * Write the header into @fd at @part_offset for a partition of @part_size
 * bytes, using a temporary file in @tmp_dir. Returns 0; -EINVAL for bad
 * parameters (pbkdf limits, label); -EIO or another errno when libcryptsetup
 * fails, with its message.
 */
int cvm_luks_write_header(int fd, uint64_t part_offset, uint64_t part_size, const char *tmp_dir,
			  const struct cvm_luks_params *p, struct cvm_luks_info *ret,
			  cvm_err *reterr);

/*
 * The volume key of the LUKS2 header at @part_offset of @fd, unlocked with
 * @pass in any keyslot: the header (the @part_size partition's first
 * CVM_LUKS_DATA_OFFSET bytes) is copied into a memory file for
 * libcryptsetup, never to disk. Only aes-xts-plain64 with a 64-byte key and
 * 4096-byte sectors is accepted. *@ret_key is secure memory
 * (cvm_secret_free()); *@ret_data_offset and *@ret_data_size are the data
 * segment's, in bytes from the partition start. Returns 0; -EKEYREJECTED for
 * a wrong passphrase; -EBADMSG for a header that is not LUKS2 or encrypts
 * otherwise; -EIO and others for read errors.
 */
int cvm_luks_unlock(int fd, uint64_t part_offset, uint64_t part_size, const char *pass,
		    size_t pass_len, uint8_t **ret_key, uint64_t *ret_data_offset,
		    uint64_t *ret_data_size, cvm_err *reterr);

#endif
