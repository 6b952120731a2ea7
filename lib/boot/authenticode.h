/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef CVM_BOOT_AUTHENTICODE_H
#define CVM_BOOT_AUTHENTICODE_H

#include <stdint.h>

#include <cvmimg/err.h>

#include "boot/pe.h"
#include "util/hash.h"

/*
 * The Authenticode image digest of @pe in @alg, as edk2's
 * DxeTpm2MeasureBootLib and sbsigntools compute it: the headers without the
 * CheckSum and the Certificate Table entry, the sections by file offset, then
 * any trailing data except the certificate table. No padding is added.
 * Returns 0; -EBADMSG if the certificate table or the hashed ranges lie
 * outside the file; -ENOMEM.
 */
int pe_authenticode(const struct pe_image *pe, enum cvm_hash_alg alg, uint8_t *out,
		    cvm_err *reterr);

#endif
