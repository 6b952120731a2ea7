/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef CVM_BOOT_SIGPARSE_H
#define CVM_BOOT_SIGPARSE_H

#include <cvmimg/uki.h>

#include "boot/pe.h"

/*
 * Fill the signature fields of @info (is_signed, signer_subject,
 * signer_issuer, signature_digest_matches) from the first WIN_CERTIFICATE of
 * @pe's certificate table; info->authenticode_sha256 must be set. Only
 * parsed: the signature is not verified. Returns 0; -EBADMSG if the table or
 * its PKCS#7 is malformed; -ENOMEM.
 */
int uki_signature_describe(const struct pe_image *pe, struct cvm_uki_info *info, cvm_err *reterr);

#endif
