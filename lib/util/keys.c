/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include <cvmimg/util.h>

#include "util/keys.h"
#include "util/hash.h"
#include "util/ossl.h"

/* The library never prompts: an encrypted key is refused instead. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

/* Read @path into locked memory (wiped and freed by the caller with cvm_secret_free()). */
static int read_secret_file(const char *path, uint8_t **ret, size_t *ret_len, cvm_err *reterr)
{
	CVM_CLEANUP_FREE uint8_t *plain = NULL;
	uint8_t *s;
	size_t len = 0;
	int r;

	r = cvm_read_file(path, CVM_KEY_FILE_MAX, &plain, &len, reterr);
	if (r < 0)
		return r;
	s = cvm_secret_alloc(len + 1);
	if (!s) {
		cvm_memzero(plain, len);
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	}
	memcpy(s, plain, len);
	cvm_memzero(plain, len);
	*ret = s;
	*ret_len = len;
	return 0;
}

int cvm_key_load_private(const char *path, bool rsa_only, EVP_PKEY **ret, cvm_err *reterr)
{
	CVM_CLEANUP(cvm_secret_freep) uint8_t *pem = NULL;
	CVM_CLEANUP(cvm_biop) BIO *bio = NULL;
	CVM_CLEANUP(cvm_evp_pkeyp) EVP_PKEY *k = NULL;
	size_t len = 0;
	int r;

	r = read_secret_file(path, &pem, &len, reterr);
	if (r < 0)
		return r;
	bio = BIO_new_mem_buf(pem, (int)len);
	if (!bio)
		return cvm_err_openssl(reterr, -ENOMEM, "cannot read the key");
	k = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL);
	ERR_clear_error();
	if (!k)
		return cvm_err_set(reterr, -EBADMSG, "'%s' is not an unencrypted PEM private key",
				   path);
	if (rsa_only && !EVP_PKEY_is_a(k, "RSA"))
		return cvm_err_set(reterr, -EBADMSG, "'%s' is not an RSA private key", path);
	*ret = CVM_TAKE_PTR(k);
	return 0;
}

int cvm_key_load_public(const char *path, EVP_PKEY **ret, cvm_err *reterr)
{
	CVM_CLEANUP_FREE uint8_t *pem = NULL;
	CVM_CLEANUP(cvm_biop) BIO *bio = NULL;
	CVM_CLEANUP(cvm_x509p) X509 *x = NULL;
	EVP_PKEY *k;
	size_t len = 0;
	int r;

	r = cvm_read_file(path, CVM_KEY_FILE_MAX, &pem, &len, reterr);
	if (r < 0)
		return r;
	bio = BIO_new_mem_buf(pem, (int)len);
	if (!bio)
		return cvm_err_openssl(reterr, -ENOMEM, "cannot read the key");
	k = PEM_read_bio_PUBKEY(bio, NULL, no_passphrase, NULL);
	if (!k && BIO_reset(bio) == 1 && (x = PEM_read_bio_X509(bio, NULL, no_passphrase, NULL)))
		k = X509_get_pubkey(x);
	ERR_clear_error();
	if (!k)
		return cvm_err_set(reterr, -EBADMSG,
				   "'%s' is not a PEM public key or certificate", path);
	*ret = k;
	return 0;
}

int cvm_cert_load(const char *path, X509 **ret, cvm_err *reterr)
{
	CVM_CLEANUP_FREE uint8_t *buf = NULL;
	CVM_CLEANUP(cvm_biop) BIO *bio = NULL;
	const unsigned char *p;
	X509 *x;
	size_t len = 0;
	int r;

	r = cvm_read_file(path, CVM_KEY_FILE_MAX, &buf, &len, reterr);
	if (r < 0)
		return r;
	bio = BIO_new_mem_buf(buf, (int)len);
	if (!bio)
		return cvm_err_openssl(reterr, -ENOMEM, "cannot read the certificate");
	x = PEM_read_bio_X509(bio, NULL, no_passphrase, NULL);
	if (!x) {
		p = buf;
		x = d2i_X509(NULL, &p, (long)len);
	}
	ERR_clear_error();
	if (!x)
		return cvm_err_set(reterr, -EBADMSG, "'%s' is not a PEM or DER X.509 certificate",
				   path);
	*ret = x;
	return 0;
}

int cvm_key_pair_check(const EVP_PKEY *priv, const char *priv_path, const EVP_PKEY *pub,
			const char *pub_path, cvm_err *reterr)
{
	if (EVP_PKEY_eq(priv, pub) != 1) {
		ERR_clear_error();
		return cvm_err_set(reterr, -EINVAL, "'%s' is not the public key of '%s'", pub_path,
				   priv_path);
	}
	return 0;
}
