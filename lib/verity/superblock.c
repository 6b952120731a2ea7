/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The veritysetup superblock, little-endian, 512 bytes:
 *   0x00 "verity\0\0"  0x08 version (1)  0x0c hash type (1)  0x10 UUID (16 raw bytes)
 *   0x20 algorithm (32, NUL padded)  0x40 data block size  0x44 hash block size
 *   0x48 data blocks (64)  0x50 salt size (16)  0x52 padding (6)  0x58 salt (256)
 *   0x158 padding (168)
 */
#include <errno.h>
#include <string.h>

#include "util/endian.h"
#include "verity/tree.h"

#define SB_SIGNATURE "verity\0\0"
#define OFF_VERSION  0x08
#define OFF_TYPE     0x0c
#define OFF_UUID     0x10
#define OFF_ALG	     0x20
#define ALG_LEN	     32
#define OFF_DBS	     0x40
#define OFF_HBS	     0x44
#define OFF_BLOCKS   0x48
#define OFF_SALTLEN  0x50
#define OFF_SALT     0x58

void cvm_verity_sb_encode(const struct cvm_verity_params *p, uint8_t out[CVM_VERITY_SB_SIZE])
{
	memset(out, 0, CVM_VERITY_SB_SIZE);
	memcpy(out, SB_SIGNATURE, 8);
	cvm_put_le32(out + OFF_VERSION, 1);
	cvm_put_le32(out + OFF_TYPE, 1);
	memcpy(out + OFF_UUID, p->uuid, 16);
	memcpy(out + OFF_ALG, p->hash_algorithm, strnlen(p->hash_algorithm, ALG_LEN - 1));
	cvm_put_le32(out + OFF_DBS, p->data_block_size);
	cvm_put_le32(out + OFF_HBS, p->hash_block_size);
	cvm_put_le64(out + OFF_BLOCKS, p->data_blocks);
	cvm_put_le16(out + OFF_SALTLEN, (uint16_t)p->salt_len);
	memcpy(out + OFF_SALT, p->salt, p->salt_len);
}

int cvm_verity_sb_decode(const uint8_t in[CVM_VERITY_SB_SIZE], struct cvm_verity_params *ret,
			 cvm_err *reterr)
{
	struct cvm_verity_params p = {0};
	char alg[ALG_LEN + 1] = {0};

	if (memcmp(in, SB_SIGNATURE, 8))
		return cvm_err_set(reterr, -EBADMSG, "no verity superblock");
	if (cvm_le32(in + OFF_VERSION) != 1 || cvm_le32(in + OFF_TYPE) != 1)
		return cvm_err_set(reterr, -EBADMSG,
				   "a verity superblock of version %u, hash type %u (1 and 1 "
				   "expected)",
				   cvm_le32(in + OFF_VERSION), cvm_le32(in + OFF_TYPE));
	memcpy(alg, in + OFF_ALG, ALG_LEN);
	p.data_block_size = cvm_le32(in + OFF_DBS);
	p.hash_block_size = cvm_le32(in + OFF_HBS);
	p.data_blocks = cvm_le64(in + OFF_BLOCKS);
	p.salt_len = cvm_le16(in + OFF_SALTLEN);
	if (strcmp(alg, CVM_VERITY_ALGORITHM) || p.data_block_size != CVM_VERITY_BLOCK ||
	    p.hash_block_size != CVM_VERITY_BLOCK)
		return cvm_err_set(reterr, -EBADMSG,
				   "a verity superblock for %.32s with %u/%u-byte blocks (sha256 "
				   "with 4096/4096 expected)",
				   alg, p.data_block_size, p.hash_block_size);
	if (p.salt_len > CVM_VERITY_SALT_MAX)
		return cvm_err_set(reterr, -EBADMSG, "a verity superblock with a %zu-byte salt",
				   p.salt_len);
	memcpy(p.hash_algorithm, alg, sizeof(p.hash_algorithm) - 1);
	memcpy(p.uuid, in + OFF_UUID, 16);
	memcpy(p.salt, in + OFF_SALT, p.salt_len);
	*ret = p;
	return 0;
}
