/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef CVM_BOOT_SIGN_H
#define CVM_BOOT_SIGN_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <cvmimg/err.h>

#include "util/hash.h"

/* A Secure Boot signing key and its certificate. */
struct uki_signer {
	EVP_PKEY *key;
	X509 *cert;
};

/*
 * Load an RSA private key (through locked memory, wiped) and its certificate.
 * Returns 0; -ENOENT/-EACCES/-EBADMSG for unusable key or certificate files;
 * -EINVAL if they do not pair. Release with uki_signer_clear().
 */
int uki_signer_load(const char *key_path, const char *cert_path, struct uki_signer *ret,
		    cvm_err *reterr);
void uki_signer_clear(struct uki_signer *s);

/*
 * The certificate table that signs an image whose Authenticode SHA-256 is
 * @digest: one WIN_CERTIFICATE (revision 2.0, PKCS_SIGNED_DATA) holding a
 * PKCS#7 SignedData over SpcIndirectDataContent (RSA PKCS#1 v1.5), zero-padded
 * to a multiple of 8 bytes. It goes at the end of the image, 8-byte aligned,
 * with DataDirectory[4] pointing at it. The signature is deterministic: a
 * signingTime attribute is added only when @source_date_epoch is not 0, and
 * holds it. Returns 0 with *ret to free(); -ENOMEM.
 */
int uki_sb_cert_table(const struct uki_signer *s, const uint8_t digest[CVM_SHA256_LEN],
		      uint64_t source_date_epoch, uint8_t **ret, size_t *ret_len, cvm_err *reterr);

#endif
