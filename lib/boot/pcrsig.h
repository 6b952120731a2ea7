/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef CVM_BOOT_PCRSIG_H
#define CVM_BOOT_PCRSIG_H

#include <stddef.h>
#include <stdint.h>

#include <cvmimg/uki.h>

#include "util/hash.h"

/*
 * The .pcrsig JSON of "systemd-measure sign" for the SHA-256 bank:
 * {"sha256":[{"pcrs":[11],"pkfp":HEX,"pol":HEX,"sig":BASE64}, ...]}, one
 * entry per boot phase, from the PCR 11 values @pcr[1..] (uki_pcr11()).
 * "pol" is the PolicyPCR digest, "sig" its RSASSA-PKCS1-v1_5 SHA-256
 * signature (what TPM2_PolicyAuthorize checks), "pkfp" the SHA-256 of the
 * public key in PKCS#1 DER. Returns 0 with a new NUL-terminated string;
 * -ENOENT/-EACCES/-EBADMSG for unusable key files; -EINVAL if they do not
 * pair; -ENOMEM.
 */
int uki_pcrsig_build(const uint8_t pcr[CVM_UKI_PHASES + 1][CVM_SHA512_LEN], const char *priv_path,
		     const char *pub_path, char **ret_json, size_t *ret_len, cvm_err *reterr);

#endif
