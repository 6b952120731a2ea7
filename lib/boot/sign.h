/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef CVM_BOOT_SIGN_H
#define CVM_BOOT_SIGN_H

#include <stddef.h>
#include <stdint.h>

#include <cvmimg/err.h>

/*
 * Sign the unsigned PE image in *@buf with Authenticode (PKCS#7 SignedData
 * over SpcIndirectDataContent with its SHA-256 image digest, RSA PKCS#1 v1.5),
 * and append it as a WIN_CERTIFICATE in the certificate table. *@buf is
 * reallocated. The signature is deterministic: a signingTime attribute is
 * added only when @source_date_epoch is not 0, and holds it.
 * Returns 0; -ENOENT/-EACCES/-EBADMSG for unusable key or certificate files;
 * -EINVAL if they do not pair or the image is already signed; -ENOMEM.
 */
int uki_sb_sign(uint8_t **buf, size_t *len, const char *key_path, const char *cert_path,
		uint64_t source_date_epoch, cvm_err *reterr);

/* Write the PE checksum of @buf (whose headers were checked) into its header. */
void uki_set_checksum(uint8_t *buf, size_t len);

#endif
