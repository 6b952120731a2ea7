/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Key and certificate files (PEM; certificates also DER), for every signer and verifier. */
#ifndef CVM_UTIL_KEYS_H
#define CVM_UTIL_KEYS_H

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <cvmimg/cleanup.h>
#include <cvmimg/err.h>
#include "util/ossl.h"

#define CVM_KEY_FILE_MAX (1u << 20) /* key and certificate files */

/*
 * An unencrypted PEM private key. The file passes through locked memory that is
 * wiped. Returns 0; -ENOENT/-EACCES; -EBADMSG if it is not such a key or
 * (@rsa_only) not RSA.
 */
int cvm_key_load_private(const char *path, bool rsa_only, EVP_PKEY **ret, cvm_err *reterr);

/* A PEM public key (SubjectPublicKeyInfo) or certificate. Returns 0; -EBADMSG. */
int cvm_key_load_public(const char *path, EVP_PKEY **ret, cvm_err *reterr);

/* A PEM or DER X.509 certificate. Returns 0; -EBADMSG. */
int cvm_cert_load(const char *path, X509 **ret, cvm_err *reterr);

/* -EINVAL with a message naming both files unless @pub is @priv's public half. */
int cvm_key_pair_check(const EVP_PKEY *priv, const char *priv_path, const EVP_PKEY *pub,
			const char *pub_path, cvm_err *reterr);

#endif
