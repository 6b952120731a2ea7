/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include <cvmimg/cleanup.h>

#include "crypt/xts.h"
#include "util/endian.h"
#include "util/hash.h"
#include "util/secret.h"

struct cvm_xts {
	EVP_CIPHER_CTX *enc;
	EVP_CIPHER_CTX *dec;
};

struct cvm_xts *cvm_xts_free(struct cvm_xts *x)
{
	if (!x)
		return NULL;
	EVP_CIPHER_CTX_free(x->enc); /* cleanses the expanded key */
	EVP_CIPHER_CTX_free(x->dec);
	free(x);
	return NULL;
}

void cvm_xts_freep(struct cvm_xts **x)
{
	cvm_xts_free(*x);
}

/* The key schedule OpenSSL expands goes to secure memory (util/secret.h). */
static EVP_CIPHER_CTX *new_ctx(EVP_CIPHER *cipher, const uint8_t *key, int enc)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int ok;

	if (!c)
		return NULL;
	cvm_secret_openssl_begin();
	ok = EVP_CipherInit_ex2(c, cipher, key, NULL, enc, NULL);
	cvm_secret_openssl_end();
	if (!ok) {
		EVP_CIPHER_CTX_free(c);
		return NULL;
	}
	return c;
}

int cvm_xts_new(const uint8_t key[CVM_XTS_KEY_SIZE], struct cvm_xts **ret, cvm_err *reterr)
{
	CVM_CLEANUP(cvm_xts_freep) struct cvm_xts *x = calloc(1, sizeof(*x));
	EVP_CIPHER *cipher;

	if (!x)
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	cipher = EVP_CIPHER_fetch(NULL, "AES-256-XTS", NULL);
	if (!cipher)
		return cvm_err_openssl(reterr, -ENOTSUP, "AES-256-XTS is not available");
	x->enc = new_ctx(cipher, key, 1);
	x->dec = x->enc ? new_ctx(cipher, key, 0) : NULL;
	EVP_CIPHER_free(cipher);
	if (!x->dec)
		return cvm_err_openssl(reterr, -EINVAL, "cannot set the AES-XTS key");
	*ret = CVM_TAKE_PTR(x);
	return 0;
}

int cvm_xts_crypt(struct cvm_xts *x, bool encrypt, uint64_t seg_off, const uint8_t *in,
		  uint8_t *out, size_t len)
{
	EVP_CIPHER_CTX *c = encrypt ? x->enc : x->dec;

	if (seg_off % CVM_XTS_SECTOR || len % CVM_XTS_SECTOR)
		return -EINVAL;
	for (size_t done = 0; done < len; done += CVM_XTS_SECTOR) {
		uint8_t iv[16] = {0};
		int outl;

		/* plain64: the 512-byte sector number, even for 4096-byte sectors */
		cvm_put_le64(iv, (seg_off + done) / 512);
		if (!EVP_CipherInit_ex2(c, NULL, NULL, iv, -1, NULL) ||
		    !EVP_CipherUpdate(c, out + done, &outl, in + done, (int)CVM_XTS_SECTOR) ||
		    outl != (int)CVM_XTS_SECTOR)
			return -EIO;
	}
	return 0;
}
