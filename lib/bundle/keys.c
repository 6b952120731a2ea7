/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cvmimg keygen's key pairs (the keys themselves come from jose/jwk.c) and
 * key ids: the SHA-256 of the DER SubjectPublicKeyInfo, as DSSE keyid.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cvmimg/jose.h>
#include <cvmimg/util.h>

#include "bundle/keys.h"
#include "util/file.h"
#include "util/hash.h"
#include "util/macro.h"
#include "util/ossl.h"


int bundle_keyid(EVP_PKEY *k, char ret[CVM_KEYID_LEN + 1])
{
	unsigned char *der = NULL;
	uint8_t md[CVM_SHA256_LEN];
	int len = i2d_PUBKEY(k, &der);
	int r;

	if (len <= 0) {
		ERR_clear_error();
		return -ENOMEM;
	}
	r = cvm_sha256(der, (size_t)len, md);
	OPENSSL_free(der);
	if (r < 0)
		return r;
	cvm_hex_encode(md, sizeof(md), ret);
	return 0;
}

/* The PEM text of the private (PKCS#8) or public (SPKI) half, in locked memory. */
static int pem_of(EVP_PKEY *k, bool private, uint8_t **ret, size_t *ret_len, cvm_err *reterr)
{
	CVM_CLEANUP(cvm_biop) BIO *bio = BIO_new(BIO_s_secmem());
	char *data = NULL;
	long n;
	uint8_t *s;

	if (!bio || (private ? PEM_write_bio_PrivateKey(bio, k, NULL, NULL, 0, NULL, NULL)
			     : PEM_write_bio_PUBKEY(bio, k)) != 1)
		return cvm_err_openssl(reterr, -ENOMEM, "cannot encode the key");
	n = BIO_get_mem_data(bio, &data);
	if (n <= 0 || !(s = cvm_secret_alloc((size_t)n)))
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	memcpy(s, data, (size_t)n);
	*ret = s;
	*ret_len = (size_t)n;
	return 0;
}

struct key_file {
	const char *path;
	unsigned mode;
	uint8_t *pem; /* locked memory */
	size_t len;
	char *tmp;
	int fd;
};

static void key_file_done(struct key_file *f)
{
	if (f->tmp)
		cvm_atomic_abort(f->fd, f->tmp);
	free(f->tmp);
	cvm_secret_free(f->pem);
}

static int key_file_write(struct key_file *f, cvm_err *reterr)
{
	int r = cvm_atomic_open(f->path, f->mode, &f->tmp, reterr);

	if (r < 0)
		return r;
	f->fd = r;
	if ((r = cvm_write_full(f->fd, f->pem, f->len)) < 0)
		return cvm_err_set_errno(reterr, r, "cannot write '%s'", f->tmp);
	return 0;
}

static int key_file_commit(struct key_file *f, cvm_err *reterr)
{
	int r = cvm_atomic_commit(f->fd, f->tmp, f->path, reterr);

	free(f->tmp);
	f->tmp = NULL;
	return r;
}

CVM_PUBLIC int cvm_keygen(enum cvm_key_type type, const char *private_path,
			  const char *public_path, char ret_keyid[CVM_KEYID_LEN + 1],
			  cvm_err *reterr)
{
	CVM_CLEANUP(cvm_evp_pkeyp) EVP_PKEY *k = NULL;
	struct key_file f[2] = { { .path = private_path, .mode = 0600, .fd = -1 },
				 { .path = public_path, .mode = 0644, .fd = -1 } };
	size_t n = public_path ? 2 : 1;
	int r;

	CVM_CHECK_ARG(cvm_key_type_to_string(type) && private_path, reterr);
	if (public_path && !strcmp(public_path, private_path))
		return cvm_err_set(reterr, -EINVAL, "the private and the public key cannot both "
						    "go to '%s'", private_path);
	if ((r = cvm_key_generate(type, &k, reterr)) < 0)
		return r;
	if (ret_keyid && bundle_keyid(k, ret_keyid) < 0)
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	for (size_t i = 0; i < n && r >= 0; i++)
		if ((r = pem_of(k, i == 0, &f[i].pem, &f[i].len, reterr)) >= 0)
			r = key_file_write(&f[i], reterr);
	/* the public key first: a private key alone would be the worse half */
	for (size_t i = n; i-- > 0 && r >= 0;)
		r = key_file_commit(&f[i], reterr);
	for (size_t i = 0; i < n; i++)
		key_file_done(&f[i]);
	return r < 0 ? r : 0;
}
