/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dm-verity as cvmimg writes it: hash type 1 (the "normal" format of
 * veritysetup and the kernel), SHA-256, 4096-byte data and hash blocks, a
 * salt, the veritysetup superblock at hash_offset on the same device as the
 * data (the decrypted LUKS2 data segment), and the tree after it, the level
 * nearest the root first. The parameters below are what the UKI's command
 * line carries, what build.json's "verity" object records and what a check
 * (cvm_verity_image_verify()) compares against.
 */
#ifndef CVMIMG_VERITY_H
#define CVMIMG_VERITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cvmimg/err.h>

#define CVM_VERITY_BLOCK     4096u /* data and hash block size, bytes */
#define CVM_VERITY_DIGEST    32u   /* SHA-256 */
#define CVM_VERITY_SALT_MAX  256u  /* bytes, the superblock's room */
#define CVM_VERITY_ALGORITHM "sha256"
/* 256 GiB of data: the tree (8 MiB per GiB) is built and checked in memory */
#define CVM_VERITY_MAX_DATA_BLOCKS (UINT64_C(1) << 26)

struct cvm_verity_params {
	uint8_t root_hash[CVM_VERITY_DIGEST];
	uint8_t salt[CVM_VERITY_SALT_MAX];
	size_t salt_len;
	uint64_t data_blocks;	     /* blocks the tree covers, from offset 0 */
	uint64_t hash_offset;	     /* bytes: where the superblock is; the tree follows it */
	uint32_t data_block_size;    /* CVM_VERITY_BLOCK */
	uint32_t hash_block_size;    /* CVM_VERITY_BLOCK */
	char hash_algorithm[16];     /* CVM_VERITY_ALGORITHM */
	uint8_t uuid[16];	     /* the superblock's UUID (not on the command line) */
};

struct json_object;

/*
 * {"root_hash", "salt" (hex), "data_blocks", "hash_offset", "data_block_size",
 * "hash_block_size", "hash_algorithm", ["uuid"] (left out when zero)}: the
 * "verity" object of build.json and of `cvmimg inspect`. Returns 0 or -ENOMEM.
 */
int cvm_verity_params_to_json(const struct cvm_verity_params *p, struct json_object **ret);

/*
 * The parameters a kernel command line carries (the words `cvmimg build
 * --verity` writes: roothash=, systemd.verity_root_options=salt=...,
 * data-blocks=..., hash-offset=...; see cvmimg-build(1), Integrity). Returns
 * 0; -ENOENT when @cmdline names no verity root; -EBADMSG when the words are
 * there but malformed or incomplete. uuid is left zero.
 */
int cvm_verity_params_from_cmdline(const char *cmdline, struct cvm_verity_params *ret,
				   cvm_err *reterr);

/* Where a check failed: the first bad data block, or a hash block, or the superblock. */
struct cvm_verity_report {
	bool ok;
	bool superblock_bad; /* missing, or disagrees with the expected parameters */
	bool data_bad;	     /* data_block is the first block whose hash differs */
	uint64_t data_block;
	bool hash_bad;	     /* hash_block (from the tree's start) differs */
	uint64_t hash_block;
	bool root_bad;	     /* the data's tree has another root than the expected one */
	struct cvm_verity_params found; /* what the superblock says, when it could be read */
};

struct cvm_verity_image_options {
	const char *image_path; /* a raw disk image (disk.raw) */
	const char *uki_path;	/* NULL: EFI/BOOT/BOOTX64.EFI on the image's ESP */
	const char *passphrase; /* opens the LUKS2 root (secret) */
	size_t passphrase_len;
};

/*
 * Check a built image as the kernel would, in user space: take the root
 * hash, salt, data block count and hash offset from the UKI's .cmdline,
 * unlock the LUKS2 root with the passphrase (libcryptsetup on a copy of the
 * header in memory, no device-mapper), decrypt the data segment block by
 * block in memory, and check the superblock, every data block and every hash
 * block against the root hash (cvm_verity_verify()). Returns 0 with the
 * parameters in *@ret_params and the verdict in *@ret (ret->ok false when the
 * check failed: a verdict, not an error); -ENOENT when the UKI names no
 * verity root or a file is missing; -EKEYREJECTED for a wrong passphrase;
 * -EBADMSG for an image that is not one of ours or is qcow2; other negative
 * errno for I/O errors.
 */
int cvm_verity_image_verify(const struct cvm_verity_image_options *o,
			    struct cvm_verity_params *ret_params, struct cvm_verity_report *ret,
			    cvm_err *reterr);

#endif
